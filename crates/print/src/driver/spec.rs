//! Where the printer is, as an installer types it (`--printer`), and the driver for each kind.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Which USB printer: the first printer-class device, or one by vendor, product and serial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsbSelector {
    Auto,
    Id {
        vid: u16,
        pid: u16,
        serial: Option<String>,
    },
}

/// Serial flow control (`flow=` in the URL).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Flow {
    #[default]
    None,
    /// RTS/CTS, what most serial receipt printers use.
    RtsCts,
    /// XON/XOFF. Unsafe for raster data (its bytes contain 0x11/0x13) but some printers want it.
    XonXoff,
}

/// Where the printer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterSpec {
    /// `tcp://HOST:PORT` (port 9100 when omitted).
    Tcp { host: String, port: u16 },
    /// An absolute device path, e.g. `/dev/usb/lp0`.
    Device(PathBuf),
    /// `file:DIR`: write each ticket into DIR.
    File(PathBuf),
    /// `usb://VID:PID[/SERIAL]` or `usb://auto`.
    Usb(UsbSelector),
    /// `serial:///dev/ttyUSB0?baud=115200&flow=rtscts`, `serial://COM3?baud=9600`.
    Serial { port: String, baud: u32, flow: Flow },
    /// `winspool://Printer Name`: a RAW job through the Windows spooler.
    Winspool(String),
}

/// A printer spec that names no known kind of printer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid printer {0:?}: expected tcp://HOST:PORT, usb://VID:PID[/SERIAL], usb://auto, serial://PORT?baud=N&flow=rtscts, winspool://NAME, a device path such as /dev/usb/lp0, or file:DIR")]
pub struct SpecError(pub String);

fn hex16(s: &str) -> Option<u16> {
    let s = s.trim_start_matches("0x").trim_start_matches("0X");
    (!s.is_empty() && s.len() <= 4)
        .then(|| u16::from_str_radix(s, 16).ok())
        .flatten()
}

fn parse_usb(rest: &str) -> Option<UsbSelector> {
    let rest = rest.trim_end_matches('/');
    if rest.eq_ignore_ascii_case("auto") {
        return Some(UsbSelector::Auto);
    }
    let (ids, serial) = match rest.split_once('/') {
        Some((ids, s)) if !s.is_empty() && !s.contains('/') => (ids, Some(s.to_owned())),
        Some(_) => return None,
        None => (rest, None),
    };
    let (v, p) = ids.split_once(':')?;
    Some(UsbSelector::Id {
        vid: hex16(v)?,
        pid: hex16(p)?,
        serial,
    })
}

fn parse_serial(rest: &str) -> Option<PrinterSpec> {
    let (port, query) = rest.split_once('?').unwrap_or((rest, ""));
    if port.is_empty() {
        return None;
    }
    let mut baud = 9600;
    let mut flow = Flow::None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=')? {
            ("baud", b) => baud = b.parse().ok().filter(|b| (300..=4_000_000).contains(b))?,
            ("flow", f) => {
                flow = match f.to_ascii_lowercase().as_str() {
                    "none" => Flow::None,
                    "rtscts" | "hardware" => Flow::RtsCts,
                    "xonxoff" | "software" => Flow::XonXoff,
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    Some(PrinterSpec::Serial {
        port: port.to_owned(),
        baud,
        flow,
    })
}

impl FromStr for PrinterSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let bad = || SpecError(s.to_owned());
        if let Some(rest) = t.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            // "[::1]:9100", "10.0.0.5:9100", "printer.local" (default port).
            let (host, port) = match rest.rsplit_once(':') {
                Some((h, p)) if !p.contains(']') => (h, p.parse().map_err(|_| bad())?),
                _ => (rest, 9100),
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() || host.contains('/') || port == 0 {
                return Err(bad());
            }
            return Ok(PrinterSpec::Tcp {
                host: host.to_owned(),
                port,
            });
        }
        if let Some(rest) = t.strip_prefix("usb://") {
            return parse_usb(rest).map(PrinterSpec::Usb).ok_or_else(bad);
        }
        if let Some(rest) = t.strip_prefix("serial://") {
            return parse_serial(rest).ok_or_else(bad);
        }
        if let Some(rest) = t.strip_prefix("winspool://") {
            let name = rest.trim_end_matches('/');
            if name.is_empty() {
                return Err(bad());
            }
            return Ok(PrinterSpec::Winspool(name.to_owned()));
        }
        if let Some(rest) = t.strip_prefix("file:") {
            let dir = rest.strip_prefix("//").unwrap_or(rest);
            if dir.is_empty() {
                return Err(bad());
            }
            return Ok(PrinterSpec::File(PathBuf::from(dir)));
        }
        if t.starts_with('/') && t.len() > 1 {
            return Ok(PrinterSpec::Device(PathBuf::from(t)));
        }
        Err(bad())
    }
}

impl fmt::Display for PrinterSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrinterSpec::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            PrinterSpec::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            PrinterSpec::Device(p) => write!(f, "{}", p.display()),
            PrinterSpec::File(p) => write!(f, "file:{}", p.display()),
            PrinterSpec::Usb(UsbSelector::Auto) => write!(f, "usb://auto"),
            PrinterSpec::Usb(UsbSelector::Id { vid, pid, serial }) => {
                write!(f, "usb://{vid:04x}:{pid:04x}")?;
                match serial {
                    Some(s) => write!(f, "/{s}"),
                    None => Ok(()),
                }
            }
            PrinterSpec::Serial { port, baud, flow } => {
                write!(f, "serial://{port}?baud={baud}")?;
                match flow {
                    Flow::None => Ok(()),
                    Flow::RtsCts => write!(f, "&flow=rtscts"),
                    Flow::XonXoff => write!(f, "&flow=xonxoff"),
                }
            }
            PrinterSpec::Winspool(name) => write!(f, "winspool://{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        let ok = |s: &str| s.parse::<PrinterSpec>().unwrap();
        assert_eq!(
            ok("tcp://1.2.3.4:9100"),
            PrinterSpec::Tcp {
                host: "1.2.3.4".into(),
                port: 9100
            }
        );
        assert_eq!(
            ok("tcp://printer.local"),
            PrinterSpec::Tcp {
                host: "printer.local".into(),
                port: 9100
            }
        );
        assert_eq!(
            ok("tcp://[::1]:9101"),
            PrinterSpec::Tcp {
                host: "::1".into(),
                port: 9101
            }
        );
        assert_eq!(
            ok("/dev/usb/lp0"),
            PrinterSpec::Device("/dev/usb/lp0".into())
        );
        assert_eq!(
            ok("file:/tmp/tickets"),
            PrinterSpec::File("/tmp/tickets".into())
        );
        assert_eq!(ok("file:out"), PrinterSpec::File("out".into()));
        assert_eq!(ok("usb://auto"), PrinterSpec::Usb(UsbSelector::Auto));
        assert_eq!(
            ok("usb://0416:5011/ABC123"),
            PrinterSpec::Usb(UsbSelector::Id {
                vid: 0x0416,
                pid: 0x5011,
                serial: Some("ABC123".into())
            })
        );
        assert_eq!(
            ok("serial:///dev/ttyUSB0?baud=115200&flow=rtscts"),
            PrinterSpec::Serial {
                port: "/dev/ttyUSB0".into(),
                baud: 115_200,
                flow: Flow::RtsCts
            }
        );
        assert_eq!(
            ok("serial://COM3"),
            PrinterSpec::Serial {
                port: "COM3".into(),
                baud: 9600,
                flow: Flow::None
            }
        );
        assert_eq!(
            ok("winspool://XP-80C (copy 1)"),
            PrinterSpec::Winspool("XP-80C (copy 1)".into())
        );
        for bad in [
            "",
            "lp0",
            "tcp://",
            "tcp://:9100",
            "tcp://1.2.3.4:x",
            "tcp://h:0",
            "file:",
            "http://x",
            "usb://",
            "usb://04b8",
            "usb://zzzz:0202",
            "usb://04b8:0202/a/b",
            "serial://",
            "serial://COM3?baud=fast",
            "serial://COM3?flow=magic",
            "serial://COM3?parity=even",
            "winspool://",
        ] {
            assert!(
                bad.parse::<PrinterSpec>().is_err(),
                "{bad:?} should not parse"
            );
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "tcp://1.2.3.4:9100",
            "tcp://[::1]:9101",
            "/dev/usb/lp0",
            "file:/tmp/x",
            "usb://auto",
            "usb://04b8:0202",
            "usb://0416:5011/SN1",
            "serial:///dev/ttyS0?baud=19200&flow=rtscts",
            "serial://COM3?baud=9600",
            "winspool://EPSON TM-T82",
        ] {
            assert_eq!(s.parse::<PrinterSpec>().unwrap().to_string(), s);
        }
    }
}
