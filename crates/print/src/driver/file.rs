//! The file printer: each ticket becomes `<job>.bin` (the exact ESC/POS bytes) and `<job>.png` (its
//! preview) in a directory. The default for demos and tests, and handy to replay a ticket to a real
//! printer later (`cat 12.bin > /dev/usb/lp0`).

use super::{Delivery, PrintError, Printer, PrinterStatus};
use crate::Rendered;
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes tickets into a directory.
#[derive(Debug)]
pub struct FilePrinter {
    dir: PathBuf,
    /// Names raw `print` calls, which carry no job id; seeded from the clock so a restarted
    /// client does not overwrite yesterday's files.
    seq: AtomicU64,
}

impl FilePrinter {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        FilePrinter {
            dir: dir.into(),
            seq: AtomicU64::new(seed),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes via a temporary name and a rename, so a reader never sees half a ticket.
    async fn write(&self, name: &str, bytes: &[u8]) -> Result<(), PrintError> {
        let io = |during| {
            let target = self.describe();
            move |source| PrintError::Io {
                target,
                during,
                source,
            }
        };
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(io("creating the directory"))?;
        let tmp = self.dir.join(format!(".{name}.tmp"));
        tokio::fs::write(&tmp, bytes).await.map_err(io("writing"))?;
        tokio::fs::rename(&tmp, self.dir.join(name))
            .await
            .map_err(io("renaming"))
    }
}

#[async_trait]
impl Printer for FilePrinter {
    async fn deliver(&self, bytes: &[u8]) -> Result<Delivery, PrintError> {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        self.write(&format!("print-{n}.bin"), bytes).await?;
        Ok(Delivery::Printed)
    }

    async fn status(&self) -> PrinterStatus {
        match tokio::fs::metadata(&self.dir).await {
            Ok(m) if m.is_dir() && !m.permissions().readonly() => PrinterStatus::Ok,
            // Created on the first ticket.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => PrinterStatus::Ok,
            _ => PrinterStatus::Offline,
        }
    }

    /// A file written and renamed into place is the file printer's confirmation.
    async fn deliver_job(&self, job_id: u64, job: &Rendered) -> Result<Delivery, PrintError> {
        // The preview first: the .bin is the "printed" marker a watcher looks for.
        self.write(&format!("{job_id}.png"), &job.png).await?;
        self.write(&format!("{job_id}.bin"), &job.escpos).await?;
        Ok(Delivery::Printed)
    }

    fn describe(&self) -> String {
        format!("file:{}", self.dir.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_bin_and_png_per_job() {
        let dir = std::env::temp_dir().join(format!("luot-file-printer-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let p = FilePrinter::new(&dir);
        assert_eq!(p.status().await, PrinterStatus::Ok);
        let job = Rendered {
            escpos: b"\x1b@x".to_vec(),
            png: b"png".to_vec(),
        };
        assert_eq!(p.deliver_job(42, &job).await.unwrap(), Delivery::Printed);
        assert_eq!(std::fs::read(dir.join("42.bin")).unwrap(), b"\x1b@x");
        assert_eq!(std::fs::read(dir.join("42.png")).unwrap(), b"png");
        p.deliver(b"raw").await.unwrap();
        let raw = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with("print-"))
            .count();
        assert_eq!(raw, 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
