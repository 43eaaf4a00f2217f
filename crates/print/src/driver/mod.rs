//! Printer drivers: where the bytes go, and whether the printer confirmed it printed them.
//!
//! Kinds, chosen by the spec an installer types ([`PrinterSpec`]): a network printer on raw TCP
//! port 9100, a USB printer without any OS driver (`usb://`), a serial printer (`serial://`), a
//! printer installed in the Windows spooler (`winspool://`), a device file (`/dev/usb/lp0`), and a
//! file printer (`file:DIR`) that keeps a `.bin` and a `.png` per ticket. Every byte-pipe kind
//! speaks the same conversation ([`link`]): status, job, drain, status again. See
//! crates/print/README.md for which part comes from which crate and why.

mod device;
pub mod discover;
mod file;
pub mod link;
mod serial;
pub mod sim;
mod spec;
pub mod status;
mod tcp;
mod usb;
#[cfg(windows)]
#[allow(unsafe_code)]
mod winspool;

pub use device::DevicePrinter;
pub use file::FilePrinter;
pub use spec::{Flow, PrinterSpec, SpecError, UsbSelector};
pub use status::PrinterStatus;

use crate::Rendered;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Why a job was not sent. Nothing of it reached the printer, so sending it later is safe.
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

/// What became of a job once its bytes went out. Final: such a job is never sent again by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The printer confirmed after the cut (status read after the bytes drained).
    Printed,
    /// Nobody knows: silence, a timeout, a link lost after the first byte. Maybe on paper.
    Unknown(String),
    /// The printer said it could not print it (paper out, cover open).
    Failed(PrinterStatus),
}

/// The final word on a job, as the kiosk reports it to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobOutcome {
    Printed,
    Unknown,
    Failed,
    /// Past its `expires_at` before it could be sent: dropped, never printed late.
    Expired,
}

impl JobOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            JobOutcome::Printed => "printed",
            JobOutcome::Unknown => "unknown",
            JobOutcome::Failed => "failed",
            JobOutcome::Expired => "expired",
        }
    }
}

impl Delivery {
    pub fn outcome(&self) -> JobOutcome {
        match self {
            Delivery::Printed => JobOutcome::Printed,
            Delivery::Unknown(_) => JobOutcome::Unknown,
            Delivery::Failed(_) => JobOutcome::Failed,
        }
    }

    /// For people: why it is not `printed`.
    pub fn reason(&self) -> String {
        match self {
            Delivery::Printed => String::new(),
            Delivery::Unknown(why) => why.clone(),
            Delivery::Failed(PrinterStatus::PaperOut) => "paper out".into(),
            Delivery::Failed(PrinterStatus::CoverOpen) => "cover open".into(),
            Delivery::Failed(s) => format!("{s:?}"),
        }
    }
}

/// How long each step may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// For writing a whole ticket; a printer that is printing slows the writes down.
    pub write: Duration,
    /// For each status answer when idle. Silent printers cost this much per poll, so keep it short.
    pub status: Duration,
    /// For the answer after a job: the printer reads the query only after the whole job, which
    /// at 9600 baud takes over a minute for a raster ticket.
    pub confirm: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(3),
            write: Duration::from_secs(120),
            status: Duration::from_millis(800),
            confirm: Duration::from_secs(120),
        }
    }
}

/// A printer the kiosk can send tickets to.
#[async_trait]
pub trait Printer: Send + Sync {
    /// Sends raw ESC/POS bytes and says what became of them. `Err` means nothing was sent.
    async fn deliver(&self, bytes: &[u8]) -> Result<Delivery, PrintError>;

    /// Asks the printer how it is; never fails, an unreachable printer is `Offline`.
    async fn status(&self) -> PrinterStatus;

    /// Prints one rendered ticket of job `job_id`. Drivers that keep files name them by the job and
    /// keep the preview too; the others just send the bytes.
    async fn deliver_job(&self, job_id: u64, job: &Rendered) -> Result<Delivery, PrintError> {
        let _ = job_id;
        self.deliver(&job.escpos).await
    }

    /// For logs: "tcp://10.0.0.5:9100".
    fn describe(&self) -> String;
}

impl PrinterSpec {
    /// The driver for this spec, with default timeouts.
    pub fn open(&self) -> Box<dyn Printer> {
        self.open_with(Timeouts::default())
    }

    pub fn open_with(&self, timeouts: Timeouts) -> Box<dyn Printer> {
        let target = self.to_string();
        match self {
            PrinterSpec::Tcp { host, port } => {
                Box::new(tcp::printer(host.clone(), *port, timeouts, target))
            }
            PrinterSpec::Device(p) => Box::new(DevicePrinter::new(p.clone(), timeouts)),
            PrinterSpec::File(p) => Box::new(FilePrinter::new(p.clone())),
            PrinterSpec::Usb(sel) => Box::new(usb::printer(sel.clone(), timeouts, target)),
            PrinterSpec::Serial { port, baud, flow } => Box::new(serial::printer(
                port.clone(),
                *baud,
                *flow,
                timeouts,
                target,
            )),
            #[cfg(windows)]
            PrinterSpec::Winspool(name) => Box::new(winspool::SpoolerPrinter::new(name.clone())),
            #[cfg(not(windows))]
            PrinterSpec::Winspool(_) => Box::new(Unavailable(
                target,
                "winspool:// printers exist only on Windows",
            )),
        }
    }
}

/// A printer kind this build cannot drive: always offline, every job refused (nothing sent).
#[cfg_attr(windows, allow(dead_code))]
struct Unavailable(String, &'static str);

#[async_trait]
impl Printer for Unavailable {
    async fn deliver(&self, _bytes: &[u8]) -> Result<Delivery, PrintError> {
        Err(PrintError::Connect {
            target: self.0.clone(),
            source: std::io::Error::new(std::io::ErrorKind::Unsupported, self.1),
        })
    }

    async fn status(&self) -> PrinterStatus {
        PrinterStatus::Offline
    }

    fn describe(&self) -> String {
        self.0.clone()
    }
}
