//! Printers behind a device file, typically `/dev/usb/lp0` from the Linux `usblp` driver.
//!
//! Writes go through tokio's blocking pool. Status uses a non-blocking descriptor and a short poll,
//! because a blocking read on a printer that never answers would pin a thread forever.

use super::{status, PrintError, Printer, PrinterStatus, Timeouts};
use async_trait::async_trait;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// A printer at a device path.
#[derive(Debug, Clone)]
pub struct DevicePrinter {
    path: PathBuf,
    timeouts: Timeouts,
}

impl DevicePrinter {
    pub fn new(path: impl Into<PathBuf>, timeouts: Timeouts) -> Self {
        DevicePrinter {
            path: path.into(),
            timeouts,
        }
    }
}

#[async_trait]
impl Printer for DevicePrinter {
    async fn print(&self, bytes: &[u8]) -> Result<(), PrintError> {
        let target = self.describe();
        let st = self.status().await;
        if !st.can_print() {
            return Err(PrintError::NotReady { target, status: st });
        }
        let write = async {
            let mut f = tokio::fs::OpenOptions::new()
                .append(true)
                .open(&self.path)
                .await?;
            f.write_all(bytes).await?;
            f.flush().await
        };
        match tokio::time::timeout(self.timeouts.write, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(PrintError::Io {
                target,
                during: "writing the ticket",
                source,
            }),
            Err(_) => Err(PrintError::Timeout {
                target,
                during: "writing the ticket",
            }),
        }
    }

    async fn status(&self) -> PrinterStatus {
        let path = self.path.clone();
        let wait = self.timeouts.status;
        tokio::task::spawn_blocking(move || blocking_status(&path, wait))
            .await
            .unwrap_or(PrinterStatus::Unknown)
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

#[cfg(unix)]
fn blocking_status(path: &std::path::Path, wait: Duration) -> PrinterStatus {
    use std::io::{Read, Write};
    use std::os::unix::fs::OpenOptionsExt;

    let opened = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path);
    let mut f = match opened {
        Ok(f) => f,
        Err(e) => {
            tracing::debug!(path = %path.display(), error = %e, "printer device cannot be opened");
            return PrinterStatus::Offline;
        }
    };
    // Plain files (and printers that never answer) give no status byte: Unknown.
    if f.metadata().map(|m| m.is_file()).unwrap_or(false) {
        return PrinterStatus::Unknown;
    }
    let mut ask = |n: u8| -> Option<u8> {
        f.write_all(&status::query(n)).ok()?;
        let deadline = Instant::now() + wait;
        let mut b = [0u8; 1];
        while Instant::now() < deadline {
            match f.read(&mut b) {
                Ok(1) if status::is_status_byte(b[0]) => return Some(b[0]),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return None,
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    };
    let Some(printer) = ask(1) else {
        return PrinterStatus::Unknown;
    };
    let cause = if printer & 0x08 != 0 { ask(2) } else { None };
    let paper = ask(4);
    status::interpret(printer, cause, paper)
}

#[cfg(not(unix))]
fn blocking_status(path: &std::path::Path, _wait: Duration) -> PrinterStatus {
    if path.exists() {
        PrinterStatus::Unknown
    } else {
        PrinterStatus::Offline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn missing_device_is_offline_and_refuses_jobs() {
        let p = DevicePrinter::new("/nonexistent/usb/lp9", Timeouts::default());
        assert_eq!(p.status().await, PrinterStatus::Offline);
        assert!(matches!(
            p.print(b"x").await,
            Err(PrintError::NotReady { .. })
        ));
    }

    #[tokio::test]
    async fn a_plain_file_stands_in_for_a_silent_device() {
        let dir = std::env::temp_dir().join(format!("luot-device-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lp0");
        std::fs::write(&path, b"").unwrap();
        let p = DevicePrinter::new(&path, Timeouts::default());
        assert_eq!(p.status().await, PrinterStatus::Unknown);
        p.print(b"\x1b@hello").await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"\x1b@hello");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
