//! Printers behind a device file, typically `/dev/usb/lp0` from the Linux `usblp` driver.
//!
//! Writes use a blocking handle; status reads a second, non-blocking one, polled until the wait
//! ends, because a blocking read on a printer that never answers would pin a thread forever.

use super::link::{Link, LinkPrinter};
use super::Timeouts;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct DeviceLink {
    write: File,
    /// None for a plain file, which stands in for a printer that never answers.
    read: Option<File>,
}

impl Link for DeviceLink {
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.write.write_all(data)?;
        self.write.flush()
    }

    fn read_within(&mut self, buf: &mut [u8], wait: Duration) -> io::Result<usize> {
        let Some(r) = self.read.as_mut() else {
            std::thread::sleep(wait.min(Duration::from_millis(50)));
            return Ok(0);
        };
        let deadline = Instant::now() + wait;
        loop {
            match r.read(buf) {
                Ok(n) if n > 0 => return Ok(n),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                return Ok(0);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[cfg(unix)]
fn reader(path: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .ok()
}

#[cfg(not(unix))]
fn reader(_path: &Path) -> Option<File> {
    None
}

fn open(path: &Path) -> io::Result<Box<dyn Link>> {
    let write = OpenOptions::new().append(true).open(path)?;
    let plain = write.metadata().map(|m| m.is_file()).unwrap_or(false);
    let read = if plain { None } else { reader(path) };
    Ok(Box::new(DeviceLink { write, read }))
}

/// A printer at a device path.
pub struct DevicePrinter;

impl DevicePrinter {
    #[allow(clippy::new_ret_no_self)]
    pub fn new(path: impl Into<PathBuf>, t: Timeouts) -> LinkPrinter {
        let path: PathBuf = path.into();
        let target = path.display().to_string();
        LinkPrinter::new(target, t, Arc::new(move || open(&path)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::{Delivery, PrintError, Printer, PrinterStatus};

    fn quick() -> Timeouts {
        Timeouts {
            status: Duration::from_millis(30),
            confirm: Duration::from_millis(30),
            ..Timeouts::default()
        }
    }

    #[tokio::test]
    async fn missing_device_is_offline_and_refuses_jobs() {
        let p = DevicePrinter::new("/nonexistent/usb/lp9", quick());
        assert_eq!(p.status().await, PrinterStatus::Offline);
        assert!(matches!(
            p.deliver(b"x").await,
            Err(PrintError::Connect { .. })
        ));
    }

    #[tokio::test]
    async fn a_plain_file_stands_in_for_a_silent_device() {
        let dir = std::env::temp_dir().join(format!("luot-device-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lp0");
        std::fs::write(&path, b"").unwrap();
        let p = DevicePrinter::new(&path, quick());
        assert_eq!(p.status().await, PrinterStatus::Unknown);
        // Sent, but a silent device cannot confirm it: unknown, never printed.
        assert!(matches!(
            p.deliver(b"\x1b@hello").await.unwrap(),
            Delivery::Unknown(_)
        ));
        let got = std::fs::read(&path).unwrap();
        assert!(got.windows(7).any(|w| w == b"\x1b@hello"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
