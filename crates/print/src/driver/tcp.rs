//! Network printers on raw TCP (port 9100, "JetDirect").
//!
//! One connection per job or status poll: cheap printers accept a single client at a time and often
//! drop idle connections, so holding one open buys nothing and blocks other tools. The
//! conversation itself is the shared one in [`super::link`].

use super::link::{Link, LinkPrinter};
use super::Timeouts;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

struct TcpLink(TcpStream);

impl Link for TcpLink {
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.0.write_all(data)?;
        self.0.flush()
    }

    fn read_within(&mut self, buf: &mut [u8], wait: Duration) -> io::Result<usize> {
        self.0
            .set_read_timeout(Some(wait.max(Duration::from_millis(1))))?;
        match self.0.read(buf) {
            // A closed connection is not silence.
            Ok(0) => Err(io::ErrorKind::ConnectionReset.into()),
            Ok(n) => Ok(n),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(0)
            }
            Err(e) => Err(e),
        }
    }
}

impl Drop for TcpLink {
    fn drop(&mut self) {
        // Let the printer close first so it is never left with a half-closed job.
        let _ = self.0.shutdown(Shutdown::Write);
        let _ = self.0.set_read_timeout(Some(Duration::from_millis(200)));
        let mut rest = [0u8; 64];
        let _ = self.0.read(&mut rest);
    }
}

fn connect(host: &str, port: u16, t: &Timeouts) -> io::Result<Box<dyn Link>> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for addr in (host, port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, t.connect) {
            Ok(s) => {
                // Small status queries must not wait for Nagle.
                let _ = s.set_nodelay(true);
                s.set_write_timeout(Some(t.write))?;
                return Ok(Box::new(TcpLink(s)));
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// A printer at `tcp://host:port`.
pub fn printer(host: String, port: u16, t: Timeouts, target: String) -> LinkPrinter {
    LinkPrinter::new(target, t, Arc::new(move || connect(&host, port, &t)))
}
