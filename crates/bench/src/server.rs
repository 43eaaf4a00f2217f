//! The server under test: the real `luot` binary (built from `crates/server`)
//! started as a child process on a fresh database, exactly as users run it but
//! for the flags listed in [`Server::flags`]; or an already running server at
//! `--url`.
//!
//! The harness knows the server only as a client: it reads the credentials the
//! demo writes to `demo-credentials.txt` in the state directory, and stops the
//! server with SIGTERM (what a service manager sends), waiting for it to exit.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use tokio::process::{Child, Command};

/// What the simulated devices sign in with: the administrator (who may use
/// every counter and configures the centre) and the demo kiosk's device token.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub admin_password: Option<String>,
    pub kiosk_token: Option<String>,
}

/// Reads the demo's credentials file: lines `admin    PASSWORD   ...` and
/// `kiosk device N: http://HOST/pair#token=TOKEN`.
pub fn parse_credentials(text: &str) -> Credentials {
    let mut out = Credentials::default();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("admin"), Some(pw)) => out.admin_password = Some(pw.to_owned()),
            (Some("kiosk"), Some("device")) => {
                if let Some((_, token)) = line.split_once("#token=") {
                    out.kiosk_token = Some(token.trim().to_owned());
                }
            }
            _ => {}
        }
    }
    out
}

/// Where the `luot` binary is: `--luot`, else beside this binary (cargo puts
/// both in `target/<profile>/`).
pub fn find_luot(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = given {
        anyhow::ensure!(p.is_file(), "--luot {}: no such file", p.display());
        return Ok(p.to_owned());
    }
    let me = std::env::current_exe()?;
    let beside = me
        .parent()
        .map(|d| d.join(format!("luot{}", std::env::consts::EXE_SUFFIX)))
        .ok_or_else(|| anyhow!("no directory for {}", me.display()))?;
    if beside.is_file() {
        return Ok(beside);
    }
    let profile = me
        .parent()
        .and_then(|d| d.file_name())
        .map_or("release".into(), |n| n.to_string_lossy().into_owned());
    let flag = if profile == "release" {
        " --release"
    } else {
        ""
    };
    bail!(
        "the server binary is not at {}: build it first with `cargo build{flag} -p luot-server` \
         (or name one with --luot PATH)",
        beside.display()
    )
}

/// A running server under test.
pub enum Server {
    Child {
        child: Box<Child>,
        addr: SocketAddr,
        creds: Credentials,
        log: PathBuf,
    },
    Remote {
        addr: SocketAddr,
    },
}

/// A free loopback port (bound and released: the server binds it next).
fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

impl Server {
    /// The flags the harness starts `luot` with besides `--listen` and
    /// `--state-dir`; each departs from a production default only where
    /// `docs/benchmarks.md` says why.
    pub fn flags() -> &'static [&'static str] {
        &[
            // The demo centre and its accounts and devices, in the empty database.
            "--demo",
            // Issue at any hour, whatever the clock says (service days end at midnight).
            "--always-open",
            // 5,000 displays, then 10,000 idle clients (default cap: 10,000 in all).
            "--max-websockets",
            "20000",
        ]
    }

    /// Starts `luot` on `database_url` (passed in `LUOT_DATABASE_URL`, never on
    /// the command line: it may hold a password), with its state in `state_dir`,
    /// and waits until `/healthz` answers and the demo credentials are written.
    pub async fn child(luot: &Path, database_url: &str, state_dir: &Path) -> anyhow::Result<Self> {
        let port = free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let log = state_dir.join("luot.log");
        let out = std::fs::File::create(&log)?;
        let err = out.try_clone()?;
        let mut cmd = Command::new(luot);
        cmd.arg("--listen")
            .arg(addr.to_string())
            .arg("--state-dir")
            .arg(state_dir)
            .args(Self::flags())
            .env("LUOT_DATABASE_URL", database_url)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .kill_on_drop(true);
        // Only what the harness sets decides the run, not the caller's environment.
        for (k, _) in std::env::vars_os() {
            if let Some(k) = k.to_str() {
                if k.starts_with("LUOT_") && k != "LUOT_DATABASE_URL" {
                    cmd.env_remove(k);
                }
            }
        }
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting {}", luot.display()))?;
        let creds_file = state_dir.join("demo-credentials.txt");
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "the server exited with {status} before listening; its log ({}):\n{}",
                    log.display(),
                    tail(&log)
                );
            }
            if creds_file.is_file() && crate::load::healthy(addr).await {
                break;
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!(
                    "the server did not answer /healthz within 120 s; its log:\n{}",
                    tail(&log)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let creds = parse_credentials(&std::fs::read_to_string(&creds_file)?);
        Ok(Self::Child {
            child: Box::new(child),
            addr,
            creds,
            log,
        })
    }

    pub fn remote(url: &str) -> anyhow::Result<Self> {
        let hostport = url
            .strip_prefix("http://")
            .ok_or_else(|| anyhow!("--url must be http://HOST:PORT"))?
            .trim_end_matches('/');
        let addr: SocketAddr = hostport
            .parse()
            .with_context(|| format!("--url must name an IP and port, got {hostport}"))?;
        if !addr.ip().is_loopback() {
            bail!("load goes to loopback only; {addr} is not a loopback address");
        }
        Ok(Self::Remote { addr })
    }

    /// (admin password, kiosk device token): from the demo's file, or for a
    /// server at `--url` from `LUOT_BENCH_ADMIN_PASSWORD` and `LUOT_BENCH_KIOSK_TOKEN`.
    pub fn credentials(&self) -> Credentials {
        match self {
            Self::Child { creds, .. } => creds.clone(),
            Self::Remote { .. } => Credentials {
                admin_password: std::env::var("LUOT_BENCH_ADMIN_PASSWORD").ok(),
                kiosk_token: std::env::var("LUOT_BENCH_KIOSK_TOKEN").ok(),
            },
        }
    }

    pub fn addr(&self) -> SocketAddr {
        match self {
            Self::Child { addr, .. } | Self::Remote { addr } => *addr,
        }
    }

    /// The process whose memory the figures describe.
    pub fn pid(&self) -> Option<u32> {
        match self {
            Self::Child { child, .. } => child.id(),
            Self::Remote { .. } => None,
        }
    }

    /// Stops the server with SIGTERM and waits for it to exit cleanly (its
    /// store commits and closes).
    pub async fn stop(self) -> anyhow::Result<()> {
        let Self::Child { mut child, log, .. } = self else {
            return Ok(());
        };
        if let Some(pid) = child.id() {
            // No libc here (`forbid(unsafe_code)`): the `kill` utility sends it.
            let sent = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()?;
            if !sent.success() {
                child.kill().await?;
                bail!("could not send SIGTERM to the server ({pid})");
            }
        }
        match tokio::time::timeout(Duration::from_secs(60), child.wait()).await {
            Ok(status) => {
                let status = status?;
                if !status.success() {
                    bail!("the server exited with {status}; its log:\n{}", tail(&log));
                }
            }
            Err(_) => {
                child.kill().await?;
                bail!("the server did not stop within 60 s of SIGTERM");
            }
        }
        Ok(())
    }
}

/// The last lines of the server's log, to explain a failure.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// A figure from /proc/PID/status in bytes (`VmHWM` peak, `VmRSS` now).
pub fn proc_status_bytes(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        let kb: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kb * 1024)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_demo_credentials_file() {
        let text =
            "# Lượt demo: accounts and devices. Keep this file private; delete it once noted.\n\
                    admin    s3cret-pw   administrator (/admin)\n\
                    quay1    other   staff, Quầy 1 only\n\
                    kiosk device 1: http://127.0.0.1:9/pair#token=ldv_abc123\n\
                    rating device 2: http://127.0.0.1:9/pair#token=ldv_zzz\n";
        let c = super::parse_credentials(text);
        assert_eq!(c.admin_password.as_deref(), Some("s3cret-pw"));
        assert_eq!(c.kiosk_token.as_deref(), Some("ldv_abc123"));
    }
}
