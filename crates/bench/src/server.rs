//! The server under test: a child process (this same binary re-run as
//! `luot-bench serve-child`, which runs the real `luot_server::serve` over the
//! real store), so its peak RSS can be read from /proc alone; or in-process; or
//! an already running server at `--url`.
//!
//! The child shuts down gracefully when its stdin closes, so the harness needs
//! no signals, and a harness that dies takes its child with it.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context};
use luot_domain::{Counter, CounterNumber, CounterState};
use luot_store::{CentreSetup, Store};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

/// The centre every run uses: the demo centre (hours not enforced) with as many
/// counters as the run simulates, each serving every service, and no daily cap.
pub fn bench_centre(counters: u16) -> anyhow::Result<CentreSetup> {
    let mut setup = luot_server::demo::setup()?;
    // The demo caps each service at 300 a day; a benchmark issues far more (the
    // numbering still stops at 99,999 per service and day).
    for s in &mut setup.services {
        s.daily_cap = None;
    }
    let all: Vec<_> = setup.services.iter().map(|s| s.code.clone()).collect();
    let existing = setup.counters.len() as i64;
    for n in existing + 1..=i64::from(counters) {
        setup.counters.push(Counter {
            number: CounterNumber::new(n)?,
            name: format!("Quầy {n}"),
            serves: all.clone(),
            state: CounterState::Open,
        });
    }
    Ok(setup)
}

/// Booking in the bench centre: 15-minute slots of 20 places over two weeks,
/// bookable until they start; room for tens of thousands of bookings.
pub fn bench_booking() -> luot_domain::BookingSettings {
    luot_domain::BookingSettings {
        enabled: true,
        slot_minutes: 15,
        capacity: 20,
        horizon_days: BOOKING_DAYS - 1,
        lead_minutes: 0,
        bring_note: String::new(),
        bring_note_en: String::new(),
    }
}

/// Days (from today) the bench centre takes bookings for.
pub const BOOKING_DAYS: u32 = 14;

/// Opens the store, creates the bench centre if the database is empty.
pub async fn open_seeded(url: &str, counters: u16) -> anyhow::Result<Arc<dyn Store>> {
    let store = luot_store::connect(url, luot_store::Options::default()).await?;
    if store.is_empty().await? {
        let setup = bench_centre(counters)?;
        store
            .create_centre(setup.clone(), jiff::Timestamp::now())
            .await?;
        for s in &setup.services {
            store
                .set_booking_settings(&setup.centre.code, &s.code, bench_booking(), None)
                .await?;
        }
    }
    Ok(store)
}

/// The server's state for a run: as in production, except that the public
/// booking routes' per-IP and per-phone rate limits and the caps on event
/// streams are lifted (every simulated citizen and display comes from
/// 127.0.0.1, and the idle-connection step opens 10,000 streams besides the
/// displays). The per-person booking limits, which are rules of the store,
/// stay.
pub fn bench_state(store: Arc<dyn Store>) -> luot_server::AppState {
    use luot_server::{ratelimit::RateLimiter, state::BookingLimits};
    let unlimited = || RateLimiter::new(u32::MAX, std::time::Duration::from_millis(1));
    let mut state = luot_server::AppState::new(store);
    state.booking_limits = Arc::new(BookingLimits {
        ip: unlimited(),
        phone: unlimited(),
        check_in: unlimited(),
    });
    state.websockets = Arc::new(luot_server::ws_caps::SocketCaps::new(1_000_000, 1_000_000));
    state
}

/// What the simulated devices sign in with: the administrator (who may use
/// every counter) and the demo kiosk's device token.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub admin_password: Option<String>,
    pub kiosk_token: Option<String>,
}

/// Creates the demo accounts and devices (cheap password hashing: a benchmark
/// database only) and returns the ones the harness uses.
async fn credentials(store: &dyn Store) -> anyhow::Result<Credentials> {
    use luot_server::auth::{bootstrap, passwords::Cost};
    let centre = luot_domain::CentreCode::parse("mo-cay")?;
    let created =
        bootstrap::demo_accounts(store, &centre, Cost::Fast, jiff::Timestamp::now()).await?;
    let mut out = Credentials::default();
    if let Some(c) = created {
        out.admin_password = c
            .accounts
            .iter()
            .find(|a| a.0 == "admin")
            .map(|a| a.1.clone());
        out.kiosk_token = c
            .devices
            .iter()
            .find(|d| d.0 == luot_store::auth::DeviceKind::Kiosk)
            .map(|d| d.2.clone());
    }
    Ok(out)
}

/// `serve-child`: serve on an ephemeral loopback port, print the credentials
/// and `LISTENING addr`, stop when stdin closes.
pub async fn serve_child(database_url: &str, counters: u16) -> anyhow::Result<()> {
    let store = open_seeded(database_url, counters).await?;
    let creds = credentials(store.as_ref()).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!(
        "CREDENTIALS {} {}",
        creds.admin_password.unwrap_or_else(|| "-".into()),
        creds.kiosk_token.unwrap_or_else(|| "-".into())
    );
    println!("LISTENING {}", listener.local_addr()?);
    let shutdown = async {
        let mut buf = [0u8; 64];
        let mut stdin = tokio::io::stdin();
        while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
    };
    luot_server::serve(listener, bench_state(store.clone()), shutdown).await?;
    store.close().await;
    Ok(())
}

/// A running server under test.
pub enum Server {
    Child {
        child: Child,
        addr: SocketAddr,
        creds: Credentials,
    },
    InProcess {
        addr: SocketAddr,
        creds: Credentials,
        stop: tokio::sync::oneshot::Sender<()>,
        task: tokio::task::JoinHandle<std::io::Result<()>>,
        store: Arc<dyn Store>,
    },
    Remote {
        addr: SocketAddr,
    },
}

impl Server {
    pub async fn child(database_url: &str, counters: u16) -> anyhow::Result<Self> {
        let exe = std::env::current_exe()?;
        let mut child = Command::new(exe)
            .arg("serve-child")
            .arg("--database-url")
            .arg(database_url)
            .arg("--counters")
            .arg(counters.to_string())
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting the server child process")?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let mut creds = Credentials::default();
        loop {
            let line = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
                .await
                .context("the server did not start within 60 s")??
                .ok_or_else(|| anyhow!("the server exited before listening"))?;
            if let Some(rest) = line.strip_prefix("CREDENTIALS ") {
                let mut parts = rest.split(' ').map(|p| (p != "-").then(|| p.to_owned()));
                creds.admin_password = parts.next().flatten();
                creds.kiosk_token = parts.next().flatten();
            } else if let Some(addr) = line.strip_prefix("LISTENING ") {
                let addr = addr.parse()?;
                return Ok(Self::Child { child, addr, creds });
            } else {
                bail!("unexpected server output: {line}");
            }
        }
    }

    pub async fn in_process(database_url: &str, counters: u16) -> anyhow::Result<Self> {
        let store = open_seeded(database_url, counters).await?;
        let creds = credentials(store.as_ref()).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let state = bench_state(store.clone());
        let task = tokio::spawn(luot_server::serve(listener, state, async {
            let _ = rx.await;
        }));
        Ok(Self::InProcess {
            addr,
            creds,
            stop,
            task,
            store,
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

    /// (admin password, kiosk device token) when the harness made them.
    pub fn credentials(&self) -> Credentials {
        match self {
            Self::Child { creds, .. } | Self::InProcess { creds, .. } => creds.clone(),
            Self::Remote { .. } => Credentials {
                admin_password: std::env::var("LUOT_BENCH_ADMIN_PASSWORD").ok(),
                kiosk_token: std::env::var("LUOT_BENCH_KIOSK_TOKEN").ok(),
            },
        }
    }

    pub fn addr(&self) -> SocketAddr {
        match self {
            Self::Child { addr, .. } | Self::InProcess { addr, .. } | Self::Remote { addr } => {
                *addr
            }
        }
    }

    /// The process whose memory the figures describe.
    pub fn pid(&self) -> Option<u32> {
        match self {
            Self::Child { child, .. } => child.id(),
            Self::InProcess { .. } => Some(std::process::id()),
            Self::Remote { .. } => None,
        }
    }

    /// Stops the server gracefully (its store commits and closes).
    pub async fn stop(self) -> anyhow::Result<()> {
        match self {
            Self::Child { mut child, .. } => {
                drop(child.stdin.take());
                match tokio::time::timeout(std::time::Duration::from_secs(30), child.wait()).await {
                    Ok(status) => {
                        let status = status?;
                        if !status.success() {
                            bail!("the server exited with {status}");
                        }
                    }
                    Err(_) => {
                        child.kill().await?;
                        bail!("the server did not stop within 30 s");
                    }
                }
            }
            Self::InProcess {
                stop, task, store, ..
            } => {
                let _ = stop.send(());
                task.await??;
                store.close().await;
            }
            Self::Remote { .. } => {}
        }
        Ok(())
    }
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
