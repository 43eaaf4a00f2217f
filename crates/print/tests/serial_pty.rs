//! The serial driver through a pseudo-terminal standing in for a serial printer: the port is
//! opened raw 8N1, so raster bytes arrive unmodified (a tty left cooked turns LF into CR LF and
//! eats flow-control bytes), and the status answer after the job confirms it.
#![cfg(target_os = "linux")]

use luot_print::driver::{Delivery, PrinterStatus, Timeouts};
use luot_print::PrinterSpec;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A pty whose master side plays a printer that answers every DLE EOT with "ready".
struct PtyPrinter {
    /// The port the driver opens, /dev/pts/N.
    path: String,
    received: Arc<Mutex<Vec<u8>>>,
    _slave: std::os::fd::OwnedFd,
}

fn pty_printer() -> PtyPrinter {
    let pty = nix::pty::openpty(None, None).expect("openpty");
    let path = std::fs::read_link(format!("/proc/self/fd/{}", pty.slave.as_raw_fd()))
        .unwrap()
        .display()
        .to_string();
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    let mut master = std::fs::File::from(pty.master);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            let n = match master.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let mut seen = log.lock().unwrap();
            seen.extend_from_slice(&buf[..n]);
            if let [.., 0x10, 0x04, _] = seen.as_slice() {
                let _ = master.write_all(&[0x12]);
            }
        }
    });
    PtyPrinter {
        path,
        received,
        _slave: pty.slave,
    }
}

#[tokio::test]
async fn raw_bytes_arrive_unmodified_and_the_job_is_confirmed() {
    let p = pty_printer();
    let spec: PrinterSpec = format!("serial://{}?baud=115200&flow=rtscts", p.path)
        .parse()
        .unwrap();
    let printer = spec.open_with(Timeouts {
        status: Duration::from_millis(500),
        confirm: Duration::from_secs(5),
        ..Timeouts::default()
    });
    // Every byte value, LF, CR, XON/XOFF, DEL and ^C included, as raster data carries them.
    let mut job: Vec<u8> = (0..=255u8).collect();
    job.extend_from_slice(b"\n\r\n\x11\x13\x7f\x03\x1dVB\x00");
    assert_eq!(printer.status().await, PrinterStatus::Ok);
    assert_eq!(printer.deliver(&job).await.unwrap(), Delivery::Printed);
    let got = p.received.lock().unwrap().clone();
    assert!(
        got.windows(job.len()).any(|w| w == job.as_slice()),
        "the job arrived altered: {} bytes received",
        got.len()
    );
}
