//! USB printers without a printer driver in the way (`usb://VID:PID[/SERIAL]`, `usb://auto`).
//!
//! - Linux and other Unixes: raw bulk OUT/IN on the printer-class interface through `nusb` (pure
//!   Rust, no libusb; the kernel's `usblp` is detached if bound). Status answers come back on the
//!   bulk IN endpoint, so the shared conversation ([`super::link`]) confirms jobs.
//! - Windows: the printer's own `usbprint.sys` through the `escpos` crate's
//!   `WindowsUsbPrintDriver` (device interface enumeration, CreateFile/WriteFile/ReadFile). That
//!   stack often returns no bytes for DLE EOT; the driver's LPT status word stands in then.

use super::link::{Link, LinkPrinter};
use super::{Timeouts, UsbSelector};
use std::io;
use std::sync::Arc;

/// A USB printer this machine can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbFound {
    pub vid: u16,
    pub pid: u16,
    pub serial: Option<String>,
    pub name: String,
}

impl UsbFound {
    pub fn url(&self) -> String {
        match &self.serial {
            Some(s) if !s.is_empty() && !s.contains('/') => {
                format!("usb://{:04x}:{:04x}/{s}", self.vid, self.pid)
            }
            _ => format!("usb://{:04x}:{:04x}", self.vid, self.pid),
        }
    }
}

/// Whether a found printer is the one the selector names.
pub fn selects(sel: &UsbSelector, f: &UsbFound) -> bool {
    match sel {
        UsbSelector::Auto => true,
        UsbSelector::Id { vid, pid, serial } => {
            *vid == f.vid
                && *pid == f.pid
                && serial.as_deref().is_none_or(|s| {
                    f.serial
                        .as_deref()
                        .is_some_and(|x| x.eq_ignore_ascii_case(s))
                })
        }
    }
}

fn not_found(sel: &UsbSelector) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("no USB printer matches {sel:?} (see `luot-kiosk printers`)"),
    )
}

/// A printer at `usb://...`.
pub fn printer(sel: UsbSelector, t: Timeouts, target: String) -> LinkPrinter {
    LinkPrinter::new(target, t, Arc::new(move || platform::open(&sel, &t)))
}

pub use platform::list;

#[cfg(unix)]
mod platform {
    use super::{not_found, selects, Link, UsbFound, UsbSelector};
    use crate::driver::Timeouts;
    use nusb::descriptors::TransferType;
    use nusb::io::{EndpointRead, EndpointWrite};
    use nusb::transfer::{Bulk, Direction, In, Out};
    use nusb::MaybeFuture;
    use std::io::{self, Read, Write};
    use std::time::Duration;

    /// USB interface class of printers.
    const PRINTER_CLASS: u8 = 7;

    fn printers() -> io::Result<Vec<(nusb::DeviceInfo, UsbFound)>> {
        let all = nusb::list_devices().wait()?;
        Ok(all
            .filter(|d| d.interfaces().any(|i| i.class() == PRINTER_CLASS))
            .map(|d| {
                let f = UsbFound {
                    vid: d.vendor_id(),
                    pid: d.product_id(),
                    serial: d.serial_number().map(str::to_owned),
                    name: [d.manufacturer_string(), d.product_string()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" "),
                };
                (d, f)
            })
            .collect())
    }

    /// Printer-class USB devices.
    pub fn list() -> io::Result<Vec<UsbFound>> {
        Ok(printers()?.into_iter().map(|(_, f)| f).collect())
    }

    struct UsbLink {
        out: EndpointWrite<Bulk>,
        /// Printers without a bulk IN endpoint cannot answer: always silent.
        inp: Option<EndpointRead<Bulk>>,
    }

    impl Link for UsbLink {
        fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
            self.out.write_all(data)?;
            // Returns once every transfer completed: the device took the bytes.
            self.out.flush()
        }

        fn read_within(&mut self, buf: &mut [u8], wait: Duration) -> io::Result<usize> {
            let Some(inp) = self.inp.as_mut() else {
                std::thread::sleep(wait.min(Duration::from_millis(50)));
                return Ok(0);
            };
            inp.set_read_timeout(wait.max(Duration::from_millis(1)));
            match inp.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::TimedOut => Ok(0),
                other => other,
            }
        }
    }

    pub fn open(sel: &UsbSelector, t: &Timeouts) -> io::Result<Box<dyn Link>> {
        let (info, _) = printers()?
            .into_iter()
            .find(|(_, f)| selects(sel, f))
            .ok_or_else(|| not_found(sel))?;
        let number = info
            .interfaces()
            .find(|i| i.class() == PRINTER_CLASS)
            .map_or(0, |i| i.interface_number());
        let device = info.open().wait()?;
        let iface = device.detach_and_claim_interface(number).wait()?;
        let (mut out, mut inp) = (None, None);
        if let Some(desc) = iface.descriptor() {
            for ep in desc.endpoints() {
                if ep.transfer_type() != TransferType::Bulk {
                    continue;
                }
                match ep.direction() {
                    Direction::Out => out = out.or(Some((ep.address(), ep.max_packet_size()))),
                    Direction::In => inp = inp.or(Some((ep.address(), ep.max_packet_size()))),
                }
            }
        }
        let (addr, size) = out.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::Unsupported,
                "USB printer without a bulk OUT endpoint",
            )
        })?;
        let out = iface
            .endpoint::<Bulk, Out>(addr)?
            .writer(size.max(64) * 64)
            .with_write_timeout(t.write);
        let inp = match inp {
            Some((addr, size)) => Some(iface.endpoint::<Bulk, In>(addr)?.reader(size.max(64))),
            None => None,
        };
        Ok(Box::new(UsbLink { out, inp }))
    }
}

#[cfg(windows)]
mod platform {
    use super::{not_found, selects, Link, UsbFound, UsbSelector};
    use crate::driver::Timeouts;
    use escpos::driver::{Driver, WindowsUsbPrintDriver};
    use std::io;
    use std::time::Duration;

    fn io_err(e: escpos::errors::PrinterError) -> io::Error {
        io::Error::other(e.to_string())
    }

    /// The serial number is the third `#` field of a usbprint device path.
    fn serial_of(path: &str) -> Option<String> {
        path.split('#').nth(2).map(str::to_owned)
    }

    pub fn list() -> io::Result<Vec<UsbFound>> {
        Ok(WindowsUsbPrintDriver::list()
            .map_err(io_err)?
            .into_iter()
            .map(|d| UsbFound {
                vid: d.vendor_id.unwrap_or(0),
                pid: d.product_id.unwrap_or(0),
                serial: serial_of(&d.device_path),
                name: d.device_path,
            })
            .collect())
    }

    struct UsbPrintLink {
        driver: WindowsUsbPrintDriver,
        /// The last query was DLE EOT n and no byte came back yet.
        asked: Option<u8>,
    }

    impl Link for UsbPrintLink {
        fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
            self.driver.write(data).map_err(io_err)?;
            self.asked = match data {
                [.., 0x10, 0x04, n] => Some(*n),
                _ => None,
            };
            Ok(())
        }

        fn read_within(&mut self, buf: &mut [u8], wait: Duration) -> io::Result<usize> {
            let n = self.driver.read(buf).map_err(io_err)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // usbprint swallowed the answer: translate its LPT status word (IEEE 1284: 0x20 paper
            // empty, 0x10 selected, 0x08 no error) into the DLE EOT byte a printer would send.
            let Some(q) = self.asked.take() else {
                std::thread::sleep(wait.min(Duration::from_millis(50)));
                return Ok(0);
            };
            let lpt = self.driver.lpt_status().map_err(io_err)?;
            let paper_empty = lpt & 0x20 != 0;
            let fault = lpt & 0x08 == 0 || lpt & 0x10 == 0;
            buf[0] = match q {
                1 if paper_empty || fault => 0x1A,
                1 => 0x12,
                2 if paper_empty => 0x32,
                2 => 0x12,
                _ if paper_empty => 0x72,
                _ => 0x12,
            };
            Ok(1)
        }
    }

    pub fn open(sel: &UsbSelector, _t: &Timeouts) -> io::Result<Box<dyn Link>> {
        let found = WindowsUsbPrintDriver::list().map_err(io_err)?;
        let path = found
            .into_iter()
            .find(|d| {
                let f = UsbFound {
                    vid: d.vendor_id.unwrap_or(0),
                    pid: d.product_id.unwrap_or(0),
                    serial: serial_of(&d.device_path),
                    name: String::new(),
                };
                selects(sel, &f)
            })
            .ok_or_else(|| not_found(sel))?
            .device_path;
        let driver = WindowsUsbPrintDriver::open(&path).map_err(io_err)?;
        Ok(Box::new(UsbPrintLink {
            driver,
            asked: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_by_id_and_serial() {
        let f = UsbFound {
            vid: 0x0416,
            pid: 0x5011,
            serial: Some("AB12".into()),
            name: "Xprinter".into(),
        };
        assert_eq!(f.url(), "usb://0416:5011/AB12");
        assert!(selects(&UsbSelector::Auto, &f));
        let id = |serial: Option<&str>| UsbSelector::Id {
            vid: 0x0416,
            pid: 0x5011,
            serial: serial.map(str::to_owned),
        };
        assert!(selects(&id(None), &f));
        assert!(selects(&id(Some("ab12")), &f));
        assert!(!selects(&id(Some("CD34")), &f));
        assert!(!selects(
            &UsbSelector::Id {
                vid: 0x04b8,
                pid: 0x0202,
                serial: None
            },
            &f
        ));
    }
}
