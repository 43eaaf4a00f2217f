//! `luot-bench`: a load generator for Lượt and the numbers to beat (issue 8).
//!
//! With no arguments it starts a server as a child process over a fresh SQLite
//! database in a temp dir, runs the default suite (a few minutes at most on two
//! cores), verifies correctness, and prints the results table. See `--help`.
#![forbid(unsafe_code)]

use clap::Parser;

mod booking;
mod cli;
mod client;
mod load;
mod report;
mod server;
mod stats;
mod suite;
mod verify;
mod ws;

fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    // Thousands of websocket clients need as many descriptors, on both ends.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("luot-bench: could not raise the open-file limit: {e}");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Some(cli::Command::ServeChild {
            database_url,
            counters,
        }) => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
                )
                .with_writer(std::io::stderr)
                .init();
            rt.block_on(server::serve_child(&database_url, counters))
        }
        None => {
            let ok = rt.block_on(suite::run(cli.run))?;
            if !ok {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}
