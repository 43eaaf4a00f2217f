//! Network printers on raw TCP (port 9100, "JetDirect").
//!
//! One connection per job or status poll: cheap printers accept a single client at a time and often
//! drop idle connections, so holding one open buys nothing and blocks other tools. A job is
//! confirmed by asking for status after the data: the printer answers only after it has read
//! everything before the query, and a connection cut mid-job shows up as a failed read there.
//! Printers that never answer status cannot confirm anything; for them a failed write is the only
//! sign of a lost job.

use super::status::{self, Answer};
use super::{PrintError, Printer, PrinterStatus};
use async_trait::async_trait;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long each step may take before the printer is declared unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// For writing a whole ticket; a printer that is printing slows the writes down.
    pub write: Duration,
    /// For each status answer. Silent printers cost this much per job, so keep it short.
    pub status: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(3),
            write: Duration::from_secs(20),
            status: Duration::from_millis(800),
        }
    }
}

/// A printer at `tcp://host:port`.
#[derive(Debug, Clone)]
pub struct TcpPrinter {
    host: String,
    port: u16,
    timeouts: Timeouts,
}

impl TcpPrinter {
    pub fn new(host: impl Into<String>, port: u16, timeouts: Timeouts) -> Self {
        TcpPrinter {
            host: host.into(),
            port,
            timeouts,
        }
    }

    async fn connect(&self) -> Result<TcpStream, PrintError> {
        let target = self.describe();
        let addr = (self.host.as_str(), self.port);
        match tokio::time::timeout(self.timeouts.connect, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                // Small status queries must not wait for Nagle.
                let _ = s.set_nodelay(true);
                Ok(s)
            }
            Ok(Err(source)) => Err(PrintError::Connect { target, source }),
            Err(_) => Err(PrintError::Timeout {
                target,
                during: "connecting",
            }),
        }
    }

    fn io(&self, during: &'static str) -> impl FnOnce(std::io::Error) -> PrintError + '_ {
        move |source| PrintError::Io {
            target: self.describe(),
            during,
            source,
        }
    }
}

#[async_trait]
impl Printer for TcpPrinter {
    async fn print(&self, bytes: &[u8]) -> Result<(), PrintError> {
        let mut s = self.connect().await?;
        let before = status::read_status(&mut s, self.timeouts.status).await;
        if !before.can_print() {
            return Err(PrintError::NotReady {
                target: self.describe(),
                status: before,
            });
        }
        let write = async {
            s.write_all(bytes).await?;
            s.flush().await
        };
        match tokio::time::timeout(self.timeouts.write, write).await {
            Ok(r) => r.map_err(self.io("sending the ticket"))?,
            Err(_) => {
                return Err(PrintError::Timeout {
                    target: self.describe(),
                    during: "sending the ticket",
                })
            }
        }
        if before != PrinterStatus::Unknown {
            // Drop any stray answers (a printer may react to DLE EOT patterns inside raster data),
            // then ask once more: the answer proves the printer read the whole job.
            let mut scratch = [0u8; 64];
            while let Ok(n) = s.try_read(&mut scratch) {
                if n == 0 {
                    break;
                }
            }
            match status::ask(&mut s, 1, self.timeouts.status.max(Duration::from_secs(2))).await {
                Answer::Byte(_) => {}
                Answer::Closed => {
                    let source = std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "connection lost mid-job",
                    );
                    return Err(PrintError::Io {
                        target: self.describe(),
                        during: "confirming the ticket",
                        source,
                    });
                }
                Answer::Silent => {
                    tracing::warn!(printer = %self.describe(), "printer stopped answering status; assuming the job was taken");
                }
            }
        }
        let _ = s.shutdown().await;
        // Let the printer close first so it is never left with a half-closed job.
        let mut rest = [0u8; 16];
        let _ = tokio::time::timeout(Duration::from_millis(200), s.read(&mut rest)).await;
        Ok(())
    }

    async fn status(&self) -> PrinterStatus {
        match self.connect().await {
            Ok(mut s) => {
                let st = status::read_status(&mut s, self.timeouts.status).await;
                let _ = s.shutdown().await;
                st
            }
            Err(e) => {
                tracing::debug!(error = %e, "printer status: unreachable");
                PrinterStatus::Offline
            }
        }
    }

    fn describe(&self) -> String {
        if self.host.contains(':') {
            format!("tcp://[{}]:{}", self.host, self.port)
        } else {
            format!("tcp://{}:{}", self.host, self.port)
        }
    }
}
