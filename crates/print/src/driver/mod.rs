//! Printer drivers: where the bytes go and how we learn whether the printer is fit to print.
//!
//! Three kinds, chosen by the spec an installer types: a network printer on raw TCP port 9100
//! (`tcp://IP:9100`), a device file (`/dev/usb/lp0`), and a file printer (`file:DIR`) that keeps a
//! `.bin` and a `.png` per ticket for demos and tests.

mod device;
mod file;
pub mod status;
mod tcp;

pub use device::DevicePrinter;
pub use file::FilePrinter;
pub use status::PrinterStatus;
pub use tcp::{TcpPrinter, Timeouts};

use crate::Rendered;
use async_trait::async_trait;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Why a job did not reach the printer. Every variant is worth retrying later.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("cannot reach printer {target}: {source}")]
    Connect {
        target: String,
        source: std::io::Error,
    },
    #[error("printer {target} timed out while {during}")]
    Timeout {
        target: String,
        during: &'static str,
    },
    #[error("printer {target} is not ready: {status:?}")]
    NotReady {
        target: String,
        status: PrinterStatus,
    },
    #[error("printer {target} failed while {during}: {source}")]
    Io {
        target: String,
        during: &'static str,
        source: std::io::Error,
    },
}

/// A printer the kiosk can send tickets to.
#[async_trait]
pub trait Printer: Send + Sync {
    /// Sends raw ESC/POS bytes; returns once the printer has taken all of them (as far as the
    /// transport can tell).
    async fn print(&self, bytes: &[u8]) -> Result<(), PrintError>;

    /// Asks the printer how it is; never fails, an unreachable printer is `Offline`.
    async fn status(&self) -> PrinterStatus;

    /// Prints one rendered ticket of job `job_id`. Drivers that keep files name them by the job and
    /// keep the preview too; the others just send the bytes.
    async fn print_job(&self, job_id: u64, job: &Rendered) -> Result<(), PrintError> {
        let _ = job_id;
        self.print(&job.escpos).await
    }

    /// For logs: "tcp://10.0.0.5:9100".
    fn describe(&self) -> String;
}

/// Where the printer is, as typed on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterSpec {
    /// `tcp://HOST:PORT` (port 9100 when omitted).
    Tcp { host: String, port: u16 },
    /// An absolute device path, e.g. `/dev/usb/lp0`.
    Device(PathBuf),
    /// `file:DIR`: write each ticket into DIR.
    File(PathBuf),
}

/// A printer spec that names no known kind of printer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid printer {0:?}: expected tcp://HOST:PORT, a device path such as /dev/usb/lp0, or file:DIR")]
pub struct SpecError(pub String);

impl FromStr for PrinterSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let bad = || SpecError(s.to_owned());
        if let Some(rest) = t.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            // "[::1]:9100", "10.0.0.5:9100", "printer.local" (default port).
            let (host, port) = match rest.rsplit_once(':') {
                Some((h, p)) if !p.contains(']') => (h, p.parse().map_err(|_| bad())?),
                _ => (rest, 9100),
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() || host.contains('/') || port == 0 {
                return Err(bad());
            }
            return Ok(PrinterSpec::Tcp {
                host: host.to_owned(),
                port,
            });
        }
        if let Some(rest) = t.strip_prefix("file:") {
            let dir = rest.strip_prefix("//").unwrap_or(rest);
            if dir.is_empty() {
                return Err(bad());
            }
            return Ok(PrinterSpec::File(PathBuf::from(dir)));
        }
        if t.starts_with('/') && t.len() > 1 {
            return Ok(PrinterSpec::Device(PathBuf::from(t)));
        }
        Err(bad())
    }
}

impl fmt::Display for PrinterSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrinterSpec::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            PrinterSpec::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            PrinterSpec::Device(p) => write!(f, "{}", p.display()),
            PrinterSpec::File(p) => write!(f, "file:{}", p.display()),
        }
    }
}

impl PrinterSpec {
    /// The driver for this spec, with default timeouts.
    pub fn open(&self) -> Box<dyn Printer> {
        self.open_with(Timeouts::default())
    }

    pub fn open_with(&self, timeouts: Timeouts) -> Box<dyn Printer> {
        match self {
            PrinterSpec::Tcp { host, port } => {
                Box::new(TcpPrinter::new(host.clone(), *port, timeouts))
            }
            PrinterSpec::Device(p) => Box::new(DevicePrinter::new(p.clone(), timeouts)),
            PrinterSpec::File(p) => Box::new(FilePrinter::new(p.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_kinds() {
        assert_eq!(
            "tcp://1.2.3.4:9100".parse(),
            Ok(PrinterSpec::Tcp {
                host: "1.2.3.4".into(),
                port: 9100
            })
        );
        assert_eq!(
            "tcp://printer.local".parse(),
            Ok(PrinterSpec::Tcp {
                host: "printer.local".into(),
                port: 9100
            })
        );
        assert_eq!(
            "tcp://[::1]:9101".parse(),
            Ok(PrinterSpec::Tcp {
                host: "::1".into(),
                port: 9101
            })
        );
        assert_eq!(
            "/dev/usb/lp0".parse(),
            Ok(PrinterSpec::Device("/dev/usb/lp0".into()))
        );
        assert_eq!(
            "file:/tmp/tickets".parse(),
            Ok(PrinterSpec::File("/tmp/tickets".into()))
        );
        assert_eq!("file:out".parse(), Ok(PrinterSpec::File("out".into())));
        for bad in [
            "",
            "lp0",
            "tcp://",
            "tcp://:9100",
            "tcp://1.2.3.4:x",
            "tcp://h:0",
            "file:",
            "http://x",
        ] {
            assert!(
                bad.parse::<PrinterSpec>().is_err(),
                "{bad:?} should not parse"
            );
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "tcp://1.2.3.4:9100",
            "tcp://[::1]:9101",
            "/dev/usb/lp0",
            "file:/tmp/x",
        ] {
            assert_eq!(s.parse::<PrinterSpec>().unwrap().to_string(), s);
        }
    }
}
