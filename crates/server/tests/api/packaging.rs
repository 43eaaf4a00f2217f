//! The systemd units of `packaging/`: installed into a temporary root (unit in
//! `etc/systemd/system`, binary in `usr/bin`, `ExecStart` pointed there) and
//! checked with `systemd-analyze verify`, which must pass without a warning.
//! Skips, saying why, where systemd-analyze is missing (fails when `CI` is set
//! on Linux). Also what the units promise: a dedicated user, the state
//! directory, restart on failure.

use std::path::Path;
use std::process::Command;

fn unit(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../packaging/systemd")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Installs `name` into a temporary root with `binary` as its program and
/// returns systemd-analyze's verdict (status ok, stderr), or `None` without it.
fn verify(name: &str, program: &str, binary: &Path) -> Option<(bool, String)> {
    let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let root = tempfile::tempdir().unwrap();
    let bin = root.path().join("usr/bin").join(program);
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(binary, &bin).unwrap();
    let units = root.path().join("etc/systemd/system");
    std::fs::create_dir_all(&units).unwrap();
    let text = unit(name).replace(
        &format!("ExecStart=/usr/bin/{program}"),
        &format!("ExecStart={}", bin.display()),
    );
    let installed = units.join(name);
    std::fs::write(&installed, text).unwrap();
    let out = Command::new(analyze)
        .arg("verify")
        .arg(&installed)
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
        "{why}"
    );
    eprintln!("skipped: {why}");
}

#[test]
fn systemd_units_verify_and_keep_their_promises() {
    for (name, program, user, state) in [
        ("luot.service", "luot", "luot", "luot"),
        (
            "luot-kiosk.service",
            "luot-kiosk",
            "luot-kiosk",
            "luot-kiosk",
        ),
    ] {
        let text = unit(name);
        for line in [
            format!("User={user}"),
            format!("StateDirectory={state}"),
            "Restart=on-failure".to_owned(),
            format!("ExecStart=/usr/bin/{program}"),
        ] {
            assert!(text.lines().any(|l| l == line), "{name}: {line}");
        }
        // The server binary itself; any executable stands in for the kiosk's.
        let binary = Path::new(env!("CARGO_BIN_EXE_luot"));
        match verify(name, program, binary) {
            None => return skip("systemd-analyze is not installed"),
            Some((ok, stderr)) => {
                assert!(ok, "{name}: {stderr}");
                assert!(stderr.trim().is_empty(), "{name} warns: {stderr}");
            }
        }
    }
    // The kiosk keeps its state where the unit says, not in the working directory.
    assert!(unit("luot-kiosk.service")
        .lines()
        .any(|l| l == "Environment=LUOT_KIOSK_STATE_DIR=/var/lib/luot-kiosk"));
}
