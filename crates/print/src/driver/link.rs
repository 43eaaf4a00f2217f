//! The one conversation every byte-pipe printer has, whatever carries the bytes (TCP, a serial
//! line, USB bulk endpoints, a device file): ask the status, send the job, wait until the bytes
//! have drained, and ask again. Only that last answer can say `printed`.
//!
//! DLE EOT is a real-time command: the printer answers when it reads the query, which it does in
//! order, after every byte of the job before it. So an answer after the job proves the whole job
//! reached the printer; its bits say whether it could print it (paper, cover). Silence, a timeout
//! or a connection lost after the first byte of the job is `unknown`, never `printed`: the ticket
//! may be half on paper, and sending it again by itself could print it twice.
//!
//! Links are blocking (serial ports, USB and device files are); [`LinkPrinter`] runs them on
//! tokio's blocking pool.

use super::status::{self, interpret, is_status_byte};
use super::{Delivery, PrintError, Printer, PrinterStatus, Timeouts};
use async_trait::async_trait;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A blocking byte pipe to a printer that can read its answers back.
pub trait Link: Send {
    /// Sends all of `data`.
    fn write_all(&mut self, data: &[u8]) -> io::Result<()>;
    /// Returns once the bytes written have left this computer (a serial port waits for its UART).
    fn drain(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Reads what the printer sends within `wait`: `Ok(0)` when nothing came.
    fn read_within(&mut self, buf: &mut [u8], wait: Duration) -> io::Result<usize>;
}

/// Opens a fresh link for each job or status poll (cheap printers take one client at a time).
pub type Opener = Arc<dyn Fn() -> io::Result<Box<dyn Link>> + Send + Sync>;

/// One status answer: a byte, silence, or a dead link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Byte(u8),
    Silent,
    Closed,
}

/// Sends DLE EOT n and waits up to `wait` for a status byte, skipping anything else.
pub fn ask(link: &mut dyn Link, n: u8, wait: Duration) -> Answer {
    if link.write_all(&status::query(n)).is_err() || link.drain().is_err() {
        return Answer::Closed;
    }
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 64];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Answer::Silent;
        }
        match link.read_within(&mut buf, left) {
            // The last status byte read is the freshest answer.
            Ok(n) if n > 0 => {
                if let Some(b) = buf[..n].iter().rev().find(|b| is_status_byte(**b)) {
                    return Answer::Byte(*b);
                }
            }
            Ok(_) => {}
            Err(e)
                if e.kind() == io::ErrorKind::TimedOut || e.kind() == io::ErrorKind::WouldBlock => {
            }
            Err(_) => return Answer::Closed,
        }
    }
}

/// Printer status, then the offline cause when offline, then the paper sensor.
pub fn read_status(link: &mut dyn Link, wait: Duration) -> PrinterStatus {
    match ask(link, 1, wait) {
        Answer::Byte(printer) => rest_of_status(link, printer, wait),
        Answer::Silent => PrinterStatus::Unknown,
        Answer::Closed => PrinterStatus::Offline,
    }
}

fn rest_of_status(link: &mut dyn Link, printer: u8, wait: Duration) -> PrinterStatus {
    let byte = |a: Answer| match a {
        Answer::Byte(b) => Some(b),
        _ => None,
    };
    let cause = if printer & 0x08 != 0 {
        byte(ask(link, 2, wait))
    } else {
        None
    };
    let paper = byte(ask(link, 4, wait));
    interpret(printer, cause, paper)
}

/// Throws away answers still queued (a printer may react to DLE EOT patterns in raster data).
fn discard_pending(link: &mut dyn Link) {
    let mut scratch = [0u8; 256];
    for _ in 0..16 {
        match link.read_within(&mut scratch, Duration::from_millis(1)) {
            Ok(n) if n > 0 => continue,
            _ => return,
        }
    }
}

/// The whole job on an open link. `Err` only when nothing of the job was sent.
pub fn deliver(
    link: &mut dyn Link,
    bytes: &[u8],
    t: &Timeouts,
    target: &str,
) -> Result<Delivery, PrintError> {
    let before = read_status(link, t.status);
    if !before.can_print() {
        return Err(PrintError::NotReady {
            target: target.to_owned(),
            status: before,
        });
    }
    // From the first byte on, a failure is `unknown`: part of the ticket may be on paper.
    if let Err(e) = link.write_all(bytes).and_then(|()| link.drain()) {
        return Ok(Delivery::Unknown(format!(
            "connection lost while sending the ticket: {e}"
        )));
    }
    if before == PrinterStatus::Unknown {
        return Ok(Delivery::Unknown(
            "the printer does not answer status queries, so it cannot confirm the ticket".into(),
        ));
    }
    discard_pending(link);
    // The answer comes once the printer has read the whole job: a slow line (9600 baud) or a
    // printer busy printing needs the long `confirm` wait, not the short status one.
    match ask(link, 1, t.confirm) {
        Answer::Byte(printer) => Ok(match rest_of_status(link, printer, t.status) {
            PrinterStatus::Ok | PrinterStatus::PaperLow => Delivery::Printed,
            s @ (PrinterStatus::PaperOut | PrinterStatus::CoverOpen) => Delivery::Failed(s),
            s => Delivery::Unknown(format!("the printer answered {s:?} after the ticket")),
        }),
        Answer::Silent => Ok(Delivery::Unknown(
            "no answer from the printer after the ticket".into(),
        )),
        Answer::Closed => Ok(Delivery::Unknown(
            "connection lost before the printer confirmed the ticket".into(),
        )),
    }
}

/// A printer reached through a [`Link`] opened per job.
pub struct LinkPrinter {
    open: Opener,
    timeouts: Timeouts,
    target: String,
}

impl LinkPrinter {
    pub fn new(target: impl Into<String>, timeouts: Timeouts, open: Opener) -> Self {
        LinkPrinter {
            open,
            timeouts,
            target: target.into(),
        }
    }
}

#[async_trait]
impl Printer for LinkPrinter {
    async fn deliver(&self, bytes: &[u8]) -> Result<Delivery, PrintError> {
        let open = self.open.clone();
        let t = self.timeouts;
        let target = self.target.clone();
        let bytes = bytes.to_vec();
        let run = tokio::task::spawn_blocking(move || {
            let mut link = open().map_err(|source| PrintError::Connect {
                target: target.clone(),
                source,
            })?;
            deliver(link.as_mut(), &bytes, &t, &target)
        });
        match run.await {
            Ok(r) => r,
            // The blocking task panicked or was cancelled mid-job: nobody knows what printed.
            Err(e) => Ok(Delivery::Unknown(format!("printer task ended: {e}"))),
        }
    }

    async fn status(&self) -> PrinterStatus {
        let open = self.open.clone();
        let wait = self.timeouts.status;
        tokio::task::spawn_blocking(move || match open() {
            Ok(mut link) => read_status(link.as_mut(), wait),
            Err(e) => {
                tracing::debug!(error = %e, "printer status: cannot open");
                PrinterStatus::Offline
            }
        })
        .await
        .unwrap_or(PrinterStatus::Unknown)
    }

    fn describe(&self) -> String {
        self.target.clone()
    }
}

#[cfg(test)]
#[path = "link_tests.rs"]
mod tests;
