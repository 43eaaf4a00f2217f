//! Command line: where the server is, and each simulated part's concurrency,
//! rate and duration. The defaults are the suite `docs/benchmarks.md` reports.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "luot-bench",
    version,
    about = "Load generator for Lượt: kiosks, counters, displays and bookings against a real server, \
             with latency percentiles, a /healthz baseline and correctness checks"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Internal: the server under test, started by the harness as a child process.
    #[command(hide = true)]
    ServeChild {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 16)]
        counters: u16,
    },
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Target a running server (`http://127.0.0.1:8080`, loopback only) instead of
    /// starting one. Its database is not checked; only what clients saw is.
    #[arg(long, conflicts_with = "database_url")]
    pub url: Option<String>,

    /// Database for the started server. Default: SQLite in a fresh temp dir. A
    /// `postgres://HOST/DB` URL names a server and an admin database: the harness
    /// creates a fresh database beside it for the run and drops it afterwards.
    #[arg(long)]
    pub database_url: Option<String>,

    /// Run the server inside the harness process (no separate RSS figure).
    #[arg(long)]
    pub in_process: bool,

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
    /// healthz, issue, call, booking, display, idle).
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
