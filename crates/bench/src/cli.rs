//! Command line: where the server is, and each simulated part's concurrency,
//! rate and duration. The defaults are the suite `docs/benchmarks.md` reports.

use std::path::PathBuf;

use clap::{Args, Parser};

#[derive(Parser)]
#[command(
    name = "luot-bench",
    version,
    about = "Load generator for Lượt: starts the `luot` binary and drives it as kiosks, counters, \
             displays and citizens over HTTP and websockets, with latency percentiles, a /healthz \
             baseline and correctness checks on its database"
)]
pub struct Cli {
    #[command(flatten)]
    pub run: RunArgs,
}

/// The database the started server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// SQLite in a fresh temp dir (`synchronous = FULL`).
    Sqlite,
    /// A fresh database on the PostgreSQL server of `--pg-url`, dropped afterwards.
    Postgres,
}

#[derive(Clone, Args)]
pub struct RunArgs {
    /// The server binary to start. Default: `luot` beside this binary (build
    /// it first: `cargo build --release -p luot-server`).
    #[arg(long)]
    pub luot: Option<PathBuf>,

    /// Target a running server (`http://127.0.0.1:8080`, loopback only) instead of
    /// starting one; credentials from `LUOT_BENCH_ADMIN_PASSWORD` and
    /// `LUOT_BENCH_KIOSK_TOKEN`. Its database is not checked; only what clients saw is.
    #[arg(long)]
    pub url: Option<String>,

    /// Database of the started server.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub backend: Backend,

    /// With `--backend postgres`: a `postgres://USER@HOST/DB` URL naming a
    /// server and a database to connect to for `CREATE DATABASE`; the run's
    /// database is made beside it and dropped afterwards. The server gets its
    /// URL in `LUOT_DATABASE_URL`, never on its command line.
    #[arg(long, env = "LUOT_TEST_PG_URL", hide_env_values = true)]
    pub pg_url: Option<String>,

    /// Centre code to load (the started server seeds the demo centre `mo-cay`).
    #[arg(long, default_value = "mo-cay")]
    pub centre: String,

    /// Seconds each phase runs.
    #[arg(long, default_value_t = 8.0)]
    pub secs: f64,

    /// Upper bound on operations per phase (a safety net; the deadline usually ends it).
    #[arg(long, default_value_t = 2_000_000)]
    pub max_ops: u64,

    /// Concurrent `/healthz` probers.
    #[arg(long, default_value_t = 64)]
    pub healthz_concurrency: usize,

    /// Concurrent kiosks issuing tickets. 256: a province's kiosks (hundreds,
    /// over its centres) all pressing at once, each waiting for its ticket
    /// before the next, as a real kiosk does.
    #[arg(long, default_value_t = 256)]
    pub kiosks: usize,

    /// Total tickets per second the kiosks aim for; 0 = flat out.
    #[arg(long, default_value_t = 0.0)]
    pub issue_rate: f64,

    /// After issuing flat out, the kiosks issue again paced at this share of the
    /// rate they reached (0 = skip): the latency a kiosk sees when the server
    /// is not saturated. Flat out, kiosks in a closed loop mostly measure their
    /// own queue (mean latency = kiosks / rate).
    #[arg(long, default_value_t = 0.5)]
    pub paced_share: f64,

    /// Kiosks (device token), then as many staff sessions (the administrator's
    /// bearer session), issuing flat out: the two ways to issue compared at a
    /// moderate concurrency (0 = skip).
    #[arg(long, default_value_t = 64)]
    pub small_kiosks: usize,

    /// Counters calling and completing (each its own connection and counter).
    #[arg(long, default_value_t = 16)]
    pub counters: u16,

    /// Total call-next per second across counters; 0 = flat out.
    #[arg(long, default_value_t = 0.0)]
    pub call_rate: f64,

    /// Citizens booking at once through the public booking API, spread over
    /// the free slots of every service (0 = skip).
    #[arg(long, default_value_t = 64)]
    pub bookers: usize,

    /// Total bookings per second the bookers aim for; 0 = flat out.
    #[arg(long, default_value_t = 0.0)]
    pub booking_rate: f64,

    /// Citizens racing for one slot at once after the spread phase; exactly the
    /// slot's capacity may win (0 = skip).
    #[arg(long, default_value_t = 200)]
    pub race: usize,

    /// Displays following the events websocket while counters call (0 = skip).
    #[arg(long, default_value_t = 5000)]
    pub displays: usize,

    /// Total call-next per second across counters while the displays watch.
    #[arg(long, default_value_t = 10.0)]
    pub display_call_rate: f64,

    /// Tickets per second the kiosks issue while the displays watch.
    #[arg(long, default_value_t = 0.0)]
    pub display_issue_rate: f64,

    /// Idle websocket clients held open to measure the server's memory (0 = skip).
    #[arg(long, default_value_t = 10_000)]
    pub idle_clients: usize,

    /// Skip the phases that need parts not wanted in this run (comma list of
    /// healthz, issue, issue64, wrk, call, booking, display, idle).
    #[arg(long, value_delimiter = ',')]
    pub skip: Vec<String>,

    /// Write the Markdown report here (e.g. docs/benchmarks.md).
    #[arg(long)]
    pub write_report: Option<PathBuf>,
}

impl RunArgs {
    pub fn wants(&self, phase: &str) -> bool {
        !self.skip.iter().any(|s| s == phase)
    }
}
