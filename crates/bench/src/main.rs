//! `luot-bench`: a load generator for Lượt and the numbers to beat (issues 8, 16).
//!
//! With no arguments it starts the `luot` binary (beside this one in
//! `target/<profile>/`, or `--luot PATH`) over a fresh SQLite database in a
//! temp dir, configures the demo centre through the admin API, runs the
//! default suite as a client (HTTP and websockets only), stops the server,
//! verifies its database with its own SQL, and prints the results table. See
//! `--help`.
#![forbid(unsafe_code)]

use clap::Parser;

mod booking;
mod cli;
mod client;
mod load;
mod report;
mod server;
mod setup;
mod stats;
mod suite;
mod verify;
mod wrk;
mod ws;

fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    // Thousands of websocket clients need as many descriptors, on both ends
    // (the server inherits the raised limit).
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("luot-bench: could not raise the open-file limit: {e}");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let ok = rt.block_on(suite::run(cli.run))?;
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}
