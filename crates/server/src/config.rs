//! Command line and environment. Every flag has an environment variable and a
//! zero-setup default: SQLite beside the binary, port 8080.

use std::net::SocketAddr;

use clap::{Parser, Subcommand};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "luot",
    version,
    about = "Lượt: queue ticketing and appointments for public service centres"
)]
pub struct Cli {
    /// Address to listen on.
    #[arg(long, env = "LUOT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// `sqlite://luot.db` (embedded, the default) or `postgres://...`.
    #[arg(long, env = "LUOT_DATABASE_URL", default_value = "sqlite://luot.db")]
    pub database_url: String,

    /// Seed the demo centre (xã Mỏ Cày) into an empty database. Changes nothing
    /// when the database already has data, so restarts are safe.
    #[arg(long, env = "LUOT_DEMO", default_value_t = false)]
    pub demo: bool,

    /// The address citizens' phones open from a ticket's QR code, e.g.
    /// `https://hcc.quangngai.gov.vn`. Default: the host the request came to.
    #[arg(long, env = "LUOT_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Database connections (read pool for SQLite, pool size for PostgreSQL).
    #[arg(long, env = "LUOT_DB_CONNECTIONS", default_value_t = 8)]
    pub db_connections: u32,

    /// Log format: `text` or `json`.
    #[arg(long, env = "LUOT_LOG_FORMAT", default_value = "text")]
    pub log_format: String,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
}
