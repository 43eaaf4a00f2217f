//! Command line and settings of the kiosk client.
//!
//! Every flag can also come from the environment (`LUOT_KIOSK_*`), so a kiosk PC is set up with a
//! service file and no arguments; the token in particular is better kept out of `ps` output.

use crate::backoff::BackoffPolicy;
use clap::Parser;
use luot_print::driver::Timeouts;
use luot_print::{Family, Paper, PrinterProfile, PrinterSpec, TextMode};
use std::path::PathBuf;
use std::time::Duration;

/// `luot-kiosk`: receives print jobs from the Lượt server and prints them.
#[derive(Debug, Clone, Parser)]
#[command(name = "luot-kiosk", version, about)]
pub struct Cli {
    /// Server base URL, e.g. http://192.168.1.10:8080 (https:// needs the `tls` build feature).
    #[arg(long, env = "LUOT_KIOSK_SERVER")]
    pub server: String,
    /// Device token from the admin page (Devices -> kiosk).
    #[arg(long, env = "LUOT_KIOSK_TOKEN", hide_env_values = true)]
    pub token: String,
    /// tcp://IP:9100, usb://VID:PID[/SERIAL], usb://auto, serial://PORT?baud=N&flow=rtscts,
    /// winspool://NAME (Windows), a device such as /dev/usb/lp0, or file:DIR.
    /// `luot-kiosk printers` lists the ones this machine sees.
    #[arg(long, env = "LUOT_KIOSK_PRINTER", default_value = "file:tickets")]
    pub printer: PrinterSpec,
    /// Paper width in mm: 58 or 80.
    #[arg(long, env = "LUOT_KIOSK_PAPER", default_value = "80")]
    pub paper: Paper,
    /// raster (any printer, every diacritic), tcvn3 or cp1258 (printer fonts).
    #[arg(long, env = "LUOT_KIOSK_TEXT_MODE", default_value = "raster")]
    pub text_mode: TextMode,
    /// Whose code page numbers the printer uses, for tcvn3/cp1258: epson (Epson and clones that
    /// follow it), xprinter (Xprinter, Rongta, Gprinter and other Chinese firmware) or star (no
    /// Vietnamese table: text modes print as raster). The printer's self-test page lists its pages.
    #[arg(long, env = "LUOT_KIOSK_PRINTER_FAMILY", default_value = "epson")]
    pub printer_family: Family,
    /// The printer draws QR codes itself (GS ( k).
    #[arg(long, env = "LUOT_KIOSK_NATIVE_QR")]
    pub native_qr: bool,
    /// The printer has no auto-cutter.
    #[arg(long, env = "LUOT_KIOSK_NO_CUT")]
    pub no_cut: bool,
    /// Where the journals (printed jobs, offline tickets) and the leased number blocks live;
    /// defaults to the OS data directory (`~/.local/share/luot-kiosk` on Linux,
    /// `%APPDATA%\luot\luot-kiosk\data` on Windows), never the working directory.
    #[arg(long, env = "LUOT_KIOSK_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Serve the kiosk page and the ticket API here (a loopback address, e.g. 127.0.0.1:8081), so
    /// the kiosk's browser opens http://127.0.0.1:8081/kiosk and tickets are issued even while the
    /// server is out of reach.
    #[arg(long, env = "LUOT_KIOSK_UI")]
    pub ui: Option<std::net::SocketAddr>,
}

/// The local page and API (`--ui`): see [`crate::local`].
#[derive(Debug, Clone)]
pub struct Ui {
    pub addr: std::net::SocketAddr,
    /// `http(s)://HOST:PORT` of the server.
    pub server: String,
    /// How long the server must be out of reach before tickets are issued offline.
    pub offline_after: Duration,
    /// How often the server's health is asked (and offline tickets replayed).
    pub probe: Duration,
}

/// The OS data directory for the kiosk's state (`directories`), or, on a
/// machine without a home directory, a folder in the temporary directory.
pub fn default_state_dir() -> PathBuf {
    directories::ProjectDirs::from("vn", "luot", "luot-kiosk")
        .map(|d| d.data_dir().to_owned())
        .unwrap_or_else(|| std::env::temp_dir().join("luot-kiosk"))
}

/// Everything `run` needs, already validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// `ws(s)://HOST:PORT/api/v1/kiosks/me/agent`.
    pub agent_url: String,
    pub token: String,
    pub printer: PrinterSpec,
    pub profile: PrinterProfile,
    pub state_dir: PathBuf,
    pub timings: Timings,
    /// `--ui`: the local page and API; `None` without the flag.
    pub ui: Option<Ui>,
}

/// Every delay the client uses, in one place so tests can shrink them.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    pub connect_timeout: Duration,
    /// No frame from the server for this long means it is gone, even if TCP has not noticed.
    pub idle_timeout: Duration,
    /// We ping the server this often, so a healthy but quiet server still sends frames (pongs).
    pub keepalive: Duration,
    /// How often the printer is asked for its status when idle.
    pub status_poll: Duration,
    /// A connection that lasted this long resets the reconnect backoff.
    pub stable_after: Duration,
    pub reconnect: BackoffPolicy,
    pub print_retry: BackoffPolicy,
    pub printer: Timeouts,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(45),
            keepalive: Duration::from_secs(15),
            status_poll: Duration::from_secs(5),
            stable_after: Duration::from_secs(10),
            reconnect: BackoffPolicy {
                base: Duration::from_millis(500),
                max: Duration::from_secs(30),
            },
            print_retry: BackoffPolicy {
                base: Duration::from_secs(1),
                max: Duration::from_secs(30),
            },
            printer: Timeouts::default(),
        }
    }
}

/// A server URL we cannot turn into a websocket address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid server URL {0:?}: expected http://HOST:PORT or https://HOST:PORT")]
pub struct ServerUrlError(pub String);

/// `http://h:8080` -> `ws://h:8080/api/v1/kiosks/me/agent` (`https` -> `wss`). A path prefix is
/// kept, for servers behind a reverse proxy at `/luot`. `me` lets the server find the kiosk from
/// its token, so the client needs no kiosk id.
pub fn agent_url(server: &str) -> Result<String, ServerUrlError> {
    let s = server.trim().trim_end_matches('/');
    let (scheme, rest) = s
        .split_once("://")
        .ok_or_else(|| ServerUrlError(server.to_owned()))?;
    let ws = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        _ => return Err(ServerUrlError(server.to_owned())),
    };
    if rest.is_empty() || rest.starts_with('/') || rest.contains(['?', '#', ' ']) {
        return Err(ServerUrlError(server.to_owned()));
    }
    Ok(format!("{ws}://{rest}/api/v1/kiosks/me/agent"))
}

impl Cli {
    pub fn into_config(self) -> Result<Config, ServerUrlError> {
        let state_dir = self.state_dir.clone().unwrap_or_else(default_state_dir);
        let ui = self.ui.map(|addr| Ui {
            addr,
            server: self.server.trim().trim_end_matches('/').to_owned(),
            offline_after: Duration::from_secs(5),
            probe: Duration::from_secs(2),
        });
        Ok(Config {
            agent_url: agent_url(&self.server)?,
            token: self.token,
            printer: self.printer,
            profile: PrinterProfile {
                paper: self.paper,
                text_mode: self.text_mode,
                native_qr: self.native_qr,
                cut: !self.no_cut,
                family: self.printer_family,
            },
            state_dir,
            timings: Timings::default(),
            ui,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_url_becomes_the_agent_websocket() {
        assert_eq!(
            agent_url("http://10.0.0.2:8080").unwrap(),
            "ws://10.0.0.2:8080/api/v1/kiosks/me/agent"
        );
        assert_eq!(
            agent_url("https://luot.gov.vn/").unwrap(),
            "wss://luot.gov.vn/api/v1/kiosks/me/agent"
        );
        assert_eq!(
            agent_url("http://h/luot").unwrap(),
            "ws://h/luot/api/v1/kiosks/me/agent"
        );
        for bad in ["10.0.0.2:8080", "ftp://h", "http://", "http://h?x=1"] {
            assert!(agent_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn command_line_with_defaults() {
        let cli = Cli::try_parse_from([
            "luot-kiosk",
            "--server",
            "http://127.0.0.1:8080",
            "--token",
            "T",
            "--printer",
            "tcp://192.168.1.50:9100",
            "--paper",
            "58",
            "--text-mode",
            "tcvn3",
            "--native-qr",
            "--printer-family",
            "xprinter",
        ])
        .unwrap();
        let c = cli.into_config().unwrap();
        assert_eq!(
            c.profile,
            PrinterProfile {
                paper: Paper::Mm58,
                text_mode: TextMode::Tcvn3,
                native_qr: true,
                cut: true,
                family: Family::Xprinter,
            }
        );
        assert_eq!(c.state_dir, default_state_dir());
        assert!(c.state_dir.is_absolute() && c.ui.is_none());
    }

    #[test]
    fn state_dir_and_ui_from_the_command_line() {
        let cli = Cli::try_parse_from([
            "luot-kiosk",
            "--server",
            "http://h:1",
            "--token",
            "T",
            "--printer",
            "file:/tmp/t",
            "--state-dir",
            "/var/lib/luot-kiosk",
            "--ui",
            "127.0.0.1:8081",
        ])
        .unwrap();
        let c = cli.into_config().unwrap();
        assert_eq!(c.state_dir, PathBuf::from("/var/lib/luot-kiosk"));
        let ui = c.ui.unwrap();
        assert_eq!(ui.addr.to_string(), "127.0.0.1:8081");
        assert_eq!(ui.server, "http://h:1");
        assert_eq!(c.profile, PrinterProfile::default());
    }

    #[test]
    fn bad_values_are_rejected_by_the_parser() {
        let base = ["luot-kiosk", "--server", "http://h:1", "--token", "T"];
        for extra in [
            ["--paper", "76"],
            ["--text-mode", "utf8"],
            ["--printer", "lp0"],
            ["--printer-family", "citizen"],
        ] {
            let args: Vec<&str> = base.iter().chain(extra.iter()).copied().collect();
            assert!(Cli::try_parse_from(args).is_err(), "{extra:?}");
        }
    }
}
