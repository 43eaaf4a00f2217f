//! The `.deb` packages as `cargo deb` builds them from each binary's
//! `[package.metadata.deb]` (crates/server and crates/kiosk): every file the
//! metadata names exists (the built binary aside), and each package's systemd
//! unit, installed into a temporary root where the package puts it (the binary
//! in its asset path, `ExecStart` pointed there), passes `systemd-analyze
//! verify` without a warning. Skips, saying why, where systemd-analyze is
//! missing, unless `CI` is set (.ci/run installs Debian's `systemd` for it).
//! Also what the units promise: a dedicated user (created by the package's
//! postinst), the state directory, restart on failure.
//!
//! Building the packages themselves needs a release build (minutes), so it is
//! not part of the suite: docs/deploy.md has the commands and what they gave.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where cargo-deb installs `systemd-units` (as dpkg-deb -c shows for both packages).
const UNIT_DIR: &str = "usr/lib/systemd/system";

/// One package's metadata, read from its crate's Cargo.toml.
struct Package {
    crate_dir: PathBuf,
    /// The binary's name (its `[[bin]]`).
    program: String,
    deb: toml::Table,
}

fn package(crate_dir: &str) -> Package {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_dir);
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap();
    let manifest: toml::Table = manifest.parse().unwrap();
    let program = manifest["bin"].as_array().unwrap()[0]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let deb = manifest["package"]["metadata"]["deb"]
        .as_table()
        .unwrap_or_else(|| panic!("{}: no [package.metadata.deb]", crate_dir.display()))
        .clone();
    Package {
        crate_dir,
        program,
        deb,
    }
}

impl Package {
    fn name(&self) -> &str {
        self.deb["name"].as_str().unwrap()
    }
    fn path(&self, key: &str) -> PathBuf {
        self.crate_dir.join(self.deb[key].as_str().unwrap())
    }
    /// `(source, destination in the package)` of each asset; a destination
    /// ending in `/` keeps the source's file name, as cargo-deb does.
    fn assets(&self) -> Vec<(String, String)> {
        self.deb["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let a = a.as_array().unwrap();
                let (src, dest) = (a[0].as_str().unwrap(), a[1].as_str().unwrap());
                let dest = match dest.strip_suffix('/') {
                    Some(dir) => format!("{dir}/{}", src.rsplit('/').next().unwrap()),
                    None => dest.to_owned(),
                };
                (src.to_owned(), dest)
            })
            .collect()
    }
    /// The built binary: an asset from the release target, not in the tree.
    fn is_binary(&self, src: &str) -> bool {
        src == format!("target/release/{}", self.program)
    }
    fn systemd(&self) -> &toml::Table {
        self.deb["systemd-units"].as_table().unwrap()
    }
    fn unit_name(&self) -> String {
        format!("{}.service", self.systemd()["unit-name"].as_str().unwrap())
    }
    fn unit_source(&self) -> PathBuf {
        let dir = self.systemd()["unit-scripts"].as_str().unwrap();
        self.crate_dir.join(dir).join(self.unit_name())
    }
}

const PACKAGES: [&str; 2] = ["server", "kiosk"];

#[test]
fn deb_metadata_names_files_that_exist() {
    for dir in PACKAGES {
        let p = package(dir);
        let name = p.name().to_owned();
        let mut binaries = 0;
        for (src, dest) in p.assets() {
            if p.is_binary(&src) {
                binaries += 1;
                assert_eq!(dest, format!("usr/bin/{}", p.program), "{name}");
                continue;
            }
            let path = p.crate_dir.join(&src);
            assert!(
                path.is_file(),
                "{name}: asset {} is missing",
                path.display()
            );
        }
        assert_eq!(binaries, 1, "{name}: the binary is an asset");
        // Each conf-file is a file the package installs.
        let dests: Vec<String> = p.assets().into_iter().map(|(_, d)| d).collect();
        for conf in p.deb["conf-files"].as_array().unwrap() {
            let conf = conf.as_str().unwrap().trim_start_matches('/');
            assert!(dests.iter().any(|d| d == conf), "{name}: conf-file {conf}");
        }
        // The maintainer scripts create the unit's user before systemd starts it.
        let scripts = p.path("maintainer-scripts");
        let postinst = std::fs::read_to_string(scripts.join("postinst"))
            .unwrap_or_else(|e| panic!("{}: {e}", scripts.display()));
        assert!(postinst.contains("#DEBHELPER#"), "{name}: postinst");
        let unit = std::fs::read_to_string(p.unit_source())
            .unwrap_or_else(|e| panic!("{}: {e}", p.unit_source().display()));
        let user = unit
            .lines()
            .find_map(|l| l.strip_prefix("User="))
            .unwrap_or_else(|| panic!("{name}: no User="));
        assert!(
            postinst.contains(&format!("adduser --system --group --home /var/lib/{user}")),
            "{name}: postinst creates {user}"
        );
        assert!(
            p.deb["depends"].as_str().unwrap().contains("adduser"),
            "{name}"
        );
    }
}

/// Installs the package's unit, binary and other assets into a temporary root
/// as the .deb lays them out, and returns systemd-analyze's verdict on the
/// unit (status ok, stderr), or `None` without systemd-analyze.
fn install_and_verify(p: &Package, stand_in: &Path) -> Option<(bool, String)> {
    let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let root = tempfile::tempdir().unwrap();
    let mut exec = None;
    for (src, dest) in p.assets() {
        let to = root.path().join(&dest);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        if p.is_binary(&src) {
            // Any executable stands in for a binary not built in release mode.
            std::fs::copy(stand_in, &to).unwrap();
            exec = Some((format!("/{dest}"), to));
        } else {
            std::fs::copy(p.crate_dir.join(&src), &to).unwrap();
        }
    }
    let (exec, installed_bin) = exec.unwrap();
    let text = std::fs::read_to_string(p.unit_source()).unwrap();
    let start = format!("ExecStart={exec}");
    assert!(
        text.lines().any(|l| l == start),
        "{}: the unit runs {exec}",
        p.name()
    );
    let text = text.replace(&start, &format!("ExecStart={}", installed_bin.display()));
    let unit = root.path().join(UNIT_DIR).join(p.unit_name());
    std::fs::create_dir_all(unit.parent().unwrap()).unwrap();
    std::fs::write(&unit, text).unwrap();
    let out = Command::new(analyze)
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

fn skip(why: &str) {
    assert!(
        std::env::var_os("CI").is_none() || !cfg!(target_os = "linux"),
        "{why} (CI is set: .ci/run installs it)"
    );
    eprintln!("skipped: {why}");
}

#[test]
fn systemd_units_verify_and_keep_their_promises() {
    for dir in PACKAGES {
        let p = package(dir);
        let text = std::fs::read_to_string(p.unit_source()).unwrap();
        let user = p.name();
        for line in [
            format!("User={user}"),
            format!("StateDirectory={user}"),
            "Restart=on-failure".to_owned(),
            format!("EnvironmentFile=-/etc/default/{user}"),
        ] {
            assert!(text.lines().any(|l| l == line), "{}: {line}", p.name());
        }
        // The server binary itself; any executable stands in for the kiosk's.
        let binary = Path::new(env!("CARGO_BIN_EXE_luot"));
        match install_and_verify(&p, binary) {
            None => return skip("systemd-analyze is not installed"),
            Some((ok, stderr)) => {
                assert!(ok, "{}: {stderr}", p.name());
                assert!(stderr.trim().is_empty(), "{} warns: {stderr}", p.name());
            }
        }
    }
    // The kiosk keeps its state where the unit says, not in the working directory.
    let kiosk = package("kiosk");
    assert!(std::fs::read_to_string(kiosk.unit_source())
        .unwrap()
        .lines()
        .any(|l| l == "Environment=LUOT_KIOSK_STATE_DIR=/var/lib/luot-kiosk"));
}
