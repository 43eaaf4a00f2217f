//! Serial printers (`serial:///dev/ttyUSB0?baud=115200&flow=rtscts`, `serial://COM3?...`) through
//! the `serialport` crate: raw 8N1 (no CR/LF translation, no echo: raster bytes arrive as sent),
//! the given baud rate and flow control. Draining waits for the UART (tcdrain), so the status
//! query after a job is asked only once the job has left the wire.

use super::link::{Link, LinkPrinter};
use super::{Flow, Timeouts};
use serialport::{DataBits, FlowControl, Parity, SerialPort, StopBits};
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::Duration;

struct SerialLink(Box<dyn SerialPort>);

impl Link for SerialLink {
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.0.write_all(data)
    }

    fn drain(&mut self) -> io::Result<()> {
        // serialport's flush is tcdrain on Unix and FlushFileBuffers on Windows.
        self.0.flush()
    }

    fn read_within(&mut self, buf: &mut [u8], wait: Duration) -> io::Result<usize> {
        self.0.set_timeout(wait.max(Duration::from_millis(1)))?;
        match self.0.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Ok(0),
            other => other,
        }
    }
}

/// Opens the port raw 8N1. The write timeout bounds each write call, not the whole job.
pub fn open(port: &str, baud: u32, flow: Flow, t: &Timeouts) -> io::Result<Box<dyn Link>> {
    let flow = match flow {
        Flow::None => FlowControl::None,
        Flow::RtsCts => FlowControl::Hardware,
        Flow::XonXoff => FlowControl::Software,
    };
    let p = serialport::new(port, baud)
        .data_bits(DataBits::Eight)
        .parity(Parity::None)
        .stop_bits(StopBits::One)
        .flow_control(flow)
        .timeout(t.write)
        .open()
        .map_err(io::Error::from)?;
    Ok(Box::new(SerialLink(p)))
}

/// A printer on a serial port.
pub fn printer(port: String, baud: u32, flow: Flow, t: Timeouts, target: String) -> LinkPrinter {
    LinkPrinter::new(target, t, Arc::new(move || open(&port, baud, flow, &t)))
}
