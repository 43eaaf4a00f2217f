//! Command line and environment. Every flag has an environment variable and a
//! zero-setup default: SQLite beside the binary, port 8080.

use std::net::SocketAddr;
use std::time::Duration;

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
    pub database_url: SecretUrl,

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

    /// How long a request waits for a database connection (or a connection
    /// attempt may take) before answering 503: `500ms`, `3s`, `1m`.
    #[arg(long, env = "LUOT_DB_ACQUIRE_TIMEOUT", default_value = "3s", value_parser = duration)]
    pub db_acquire_timeout: Duration,

    /// PostgreSQL `statement_timeout` for every query (`0`: none). Also bounds
    /// how long a write waits behind another process's.
    #[arg(long, env = "LUOT_DB_STATEMENT_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub db_statement_timeout: Duration,

    /// PostgreSQL: how often each process reads the event log for the other
    /// processes' events even when no NOTIFY arrived (the fallback that cannot miss).
    #[arg(long, env = "LUOT_EVENT_POLL_INTERVAL", default_value = "2s", value_parser = duration)]
    pub event_poll_interval: Duration,

    /// Log format: `text` or `json`.
    #[arg(long, env = "LUOT_LOG_FORMAT", default_value = "text")]
    pub log_format: String,

    /// `Secure` attribute on cookies: `auto` (when the request came over
    /// https through a proxy setting `X-Forwarded-Proto`), `always`, `never`.
    #[arg(long, env = "LUOT_COOKIE_SECURE", value_enum, default_value = "auto")]
    pub cookie_secure: crate::auth::CookieSecure,
    /// A reverse proxy (address or network, e.g. `127.0.0.1` or `10.0.0.0/8`)
    /// whose `X-Forwarded-For` names the real client for rate limits and the
    /// audit log. Repeat the flag, or separate with commas in the variable.
    #[arg(long = "trusted-proxy", env = "LUOT_TRUSTED_PROXIES", value_delimiter = ',', value_parser = proxy_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Booking reminders are POSTed as JSON to this URL (an SMS gateway);
    /// without it they are only logged, phone masked.
    #[arg(long, env = "LUOT_NOTIFY_WEBHOOK")]
    pub notify_webhook: Option<SecretUrl>,
    /// Issue walk-in tickets at any hour, even where a centre enforces its
    /// opening hours and holidays (demos, tests); service days then end at
    /// local midnight.
    #[arg(long, env = "LUOT_ALWAYS_OPEN", default_value_t = false)]
    pub always_open: bool,
    /// Testing only: the clock starts at this instant (RFC 3339) and runs on
    /// from there, so an outside test can run the real binary on a given day.
    #[arg(long, env = "LUOT_FAKE_NOW", hide = true)]
    pub fake_now: Option<jiff::Timestamp>,

    /// Connections open at once; one more is answered 503 and closed, so the
    /// open ones keep being served. Websockets leave the count once upgraded
    /// (they have caps of their own: `--ws-per-address`, `--max-websockets`).
    #[arg(long, env = "LUOT_MAX_CONNECTIONS", default_value_t = crate::conn::ConnLimits::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// How long a client may take to send a request's headers, and how long a
    /// kept-alive connection may stay idle: `10s`.
    #[arg(long, env = "LUOT_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub header_read_timeout: Duration,

    /// Live event streams (websockets) one address may hold without signing
    /// in (displays, ticket pages); one more is answered 429. Behind
    /// `--trusted-proxy` the address is the forwarded one. Staff and devices
    /// are not counted here.
    #[arg(long, env = "LUOT_WS_PER_ADDRESS", default_value_t = crate::ws_caps::SocketCaps::DEFAULT_PER_ADDRESS)]
    pub ws_per_address: usize,

    /// Live event streams open at once, whoever holds them; one more is
    /// answered 503.
    #[arg(long, env = "LUOT_MAX_WEBSOCKETS", default_value_t = crate::ws_caps::SocketCaps::DEFAULT_TOTAL)]
    pub max_websockets: usize,

    /// A live event stream whose ping is not answered within this time, or
    /// that does not take a write within it (a frozen screen), is dropped.
    #[arg(long, env = "LUOT_WS_PING_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub ws_ping_timeout: Duration,

    /// File holding the Zalo Official Account access token, read at each
    /// turn notice sent through `zalo_zns` (so a refreshed token is used at
    /// once). Keep it readable by the service only.
    #[arg(long, env = "LUOT_ZALO_TOKEN_FILE")]
    pub zalo_token_file: Option<std::path::PathBuf>,
    /// Zalo's template-message API (tests point it at a local fake).
    #[arg(long, env = "LUOT_ZALO_API_URL", default_value = crate::notices::ZALO_URL)]
    pub zalo_api_url: String,

    /// Percent of each service's daily cap that remote (anonymous, web)
    /// tickets may take; the rest is kept for citizens at the centre.
    #[arg(long, env = "LUOT_REMOTE_SHARE", default_value_t = 50, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub remote_share: u8,

    /// Where the server keeps its own files (the ID-number key file
    /// `id.key`, the demo's credentials). Default: beside a SQLite database
    /// file; with PostgreSQL the OS data directory
    /// (`~/.local/share/luot` on Linux).
    #[arg(long, env = "LUOT_STATE_DIR")]
    pub state_dir: Option<std::path::PathBuf>,

    /// The key file of ID-number hashes (created, mode 0600, on first run;
    /// keep it out of database backups). Default: `id.key` in `--state-dir`,
    /// else `luot.id.key` beside `luot.db`, else `id.key` in the OS data directory.
    #[arg(long, env = "LUOT_SECRET_FILE")]
    pub secret_file: Option<std::path::PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The connection limits these flags select.
    pub fn conn_limits(&self) -> crate::conn::ConnLimits {
        crate::conn::ConnLimits {
            max_connections: self.max_connections.max(1),
            header_read_timeout: self.header_read_timeout.max(Duration::from_millis(100)),
        }
    }

    /// The caps on live event streams these flags select.
    pub fn websocket_caps(&self) -> crate::ws_caps::SocketCaps {
        crate::ws_caps::SocketCaps::new(self.ws_per_address.max(1), self.max_websockets.max(1))
    }

    /// The store options these flags select.
    pub fn store_options(&self) -> luot_store::Options {
        luot_store::Options {
            max_connections: self.db_connections,
            acquire_timeout: self.db_acquire_timeout,
            statement_timeout: self.db_statement_timeout,
            event_poll: self.event_poll_interval.max(Duration::from_millis(10)),
            secret_file: self.secret_file(),
        }
    }

    /// The SQLite database file, if the database is one (not in memory).
    fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        let url: &str = &self.database_url;
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            return None;
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let path = path.split('?').next().unwrap_or(path);
        (!path.is_empty() && !path.contains(":memory:")).then(|| path.into())
    }

    /// Where the server keeps its own files: `--state-dir`, else the SQLite
    /// database's directory, else the OS data directory.
    pub fn data_dir(&self) -> std::path::PathBuf {
        if let Some(dir) = &self.state_dir {
            return dir.clone();
        }
        if let Some(file) = self.sqlite_file() {
            return match file.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
                _ => ".".into(),
            };
        }
        directories::ProjectDirs::from("", "", "luot")
            .map(|d| d.data_dir().to_owned())
            .unwrap_or_else(|| ".".into())
    }

    /// The key file of ID-number hashes these flags select; `None` leaves it
    /// to the store (beside the SQLite file).
    pub fn secret_file(&self) -> Option<std::path::PathBuf> {
        if let Some(file) = &self.secret_file {
            return Some(file.clone());
        }
        let in_memory = self.database_url.contains(":memory:");
        if !in_memory && (self.state_dir.is_some() || self.sqlite_file().is_none()) {
            return Some(self.data_dir().join("id.key"));
        }
        None
    }
}

/// A URL that may carry a secret (a database password, a webhook token): the
/// whole URL for use (`Deref` to `str`), only its scheme, user and host in
/// `Debug`, so printing the configuration never leaks it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl std::str::FromStr for SecretUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl std::ops::Deref for SecretUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretUrl {
    /// `postgres://luot:***@db:5432/***`: the password and everything after
    /// the host (path, query: tokens live there too) are hidden.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (scheme, rest) = match self.0.split_once("://") {
            Some((scheme, rest)) => (scheme, rest),
            None => return f.write_str("\"***\""),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let host = match authority.rsplit_once('@') {
            Some((user, host)) => match user.split_once(':') {
                Some((name, _password)) => format!("{name}:***@{host}"),
                None => format!("{user}@{host}"),
            },
            None => authority.to_owned(),
        };
        let tail = if tail.is_empty() { "" } else { "/***" };
        write!(f, "\"{scheme}://{host}{tail}\"")
    }
}

/// A duration: `250ms`, `3s`, `2m`, or a bare number of seconds.
/// `10.0.0.0/8`, or one address (`127.0.0.1`, `::1`) as a network of one.
pub fn proxy_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{s}` is not an IP address or network (e.g. 10.0.0.0/8)"))
}

pub fn duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 500ms, 3s or 1m"))?;
    match unit.trim() {
        "ms" => Ok(Duration::from_millis(n)),
        "" | "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("`{s}`: use ms, s or m")),
    }
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Manage accounts from the command line.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum AdminCommand {
    /// Create an administrator (the first one, or another).
    Create {
        #[arg(long)]
        username: String,
        /// Read the password from standard input (first line), so it never
        /// appears in the shell history or the process list.
        #[arg(long)]
        password_stdin: bool,
        /// The name shown in the console; defaults to the username.
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::Parser;

    /// The configuration's Debug (what a log line or a panic would print)
    /// never shows the database password or the webhook's token.
    #[test]
    fn debug_hides_secrets() {
        let cli = super::Cli::parse_from([
            "luot",
            "--database-url",
            "postgres://luot:s3cret-pw@db.local:5432/luot?password=other-pw",
            "--notify-webhook",
            "https://sms.example/hooks/T0K3N?key=api-key",
        ]);
        let shown = format!("{cli:?}");
        for secret in ["s3cret-pw", "other-pw", "T0K3N", "api-key"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("postgres://luot:***@db.local:5432/***"),
            "{shown}"
        );
        assert!(shown.contains("https://sms.example/***"), "{shown}");
        // The value itself is intact for use.
        assert_eq!(
            &*cli.database_url,
            "postgres://luot:s3cret-pw@db.local:5432/luot?password=other-pw"
        );
        let plain = super::Cli::parse_from(["luot"]);
        assert!(format!("{plain:?}").contains("sqlite://luot.db"));
    }

    /// The key file: named, in the state directory, left to the store beside
    /// a SQLite file, in a data directory for PostgreSQL.
    #[test]
    fn secret_file_location() {
        let file = |args: &[&str]| {
            let mut all = vec!["luot"];
            all.extend_from_slice(args);
            super::Cli::parse_from(all).secret_file()
        };
        assert_eq!(file(&[]), None);
        assert_eq!(
            file(&["--secret-file", "/etc/luot/key"]),
            Some("/etc/luot/key".into())
        );
        assert_eq!(
            file(&["--state-dir", "/var/lib/luot"]),
            Some("/var/lib/luot/id.key".into())
        );
        let pg = file(&["--database-url", "postgres://db/luot"]).unwrap();
        assert!(pg.ends_with("id.key"), "{pg:?}");
        assert_eq!(file(&["--database-url", "sqlite::memory:"]), None);
        let cli = super::Cli::parse_from(["luot", "--database-url", "sqlite:///srv/q/luot.db"]);
        assert_eq!(cli.data_dir(), std::path::PathBuf::from("/srv/q"));
    }

    #[test]
    fn durations_parse() {
        assert_eq!(super::duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(super::duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(super::duration("7"), Ok(Duration::from_secs(7)));
        assert_eq!(super::duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(super::duration("0"), Ok(Duration::ZERO));
        assert!(super::duration("3h").is_err());
        assert!(super::duration("ms").is_err());
        assert!(super::duration("-1s").is_err());
    }
}
