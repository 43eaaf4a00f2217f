//! What printers this machine can see, each with the `--printer` URL to use
//! (`luot-kiosk printers`). Best effort: a kind that cannot be listed is reported, not fatal.

pub use super::usb::UsbFound;

/// One printer (or port) found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub url: String,
    pub kind: &'static str,
    pub description: String,
}

/// Everything found, and why some kinds could not be listed.
#[derive(Debug, Default)]
pub struct Discovery {
    pub found: Vec<Found>,
    pub problems: Vec<String>,
}

/// Lists USB printer-class devices, serial ports, device files and (on Windows) spooler printers.
pub fn discover() -> Discovery {
    let mut d = Discovery::default();
    match super::usb::list() {
        Ok(list) => d.found.extend(list.into_iter().map(|u| Found {
            url: u.url(),
            kind: "usb",
            description: u.name,
        })),
        Err(e) => d.problems.push(format!("USB: {e}")),
    }
    match serialport::available_ports() {
        Ok(ports) => d.found.extend(ports.into_iter().map(|p| {
            let description = match p.port_type {
                serialport::SerialPortType::UsbPort(u) => format!(
                    "USB serial {:04x}:{:04x} {}",
                    u.vid,
                    u.pid,
                    u.product.unwrap_or_default()
                ),
                serialport::SerialPortType::PciPort => "serial port".into(),
                _ => "serial port (baud and flow control as the printer's self-test page says)"
                    .into(),
            };
            Found {
                url: format!("serial://{}?baud=9600", p.port_name),
                kind: "serial",
                description,
            }
        })),
        Err(e) => d.problems.push(format!("serial ports: {e}")),
    }
    #[cfg(unix)]
    if let Ok(dir) = std::fs::read_dir("/dev/usb") {
        let mut lp: Vec<_> = dir
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("lp"))
            })
            .collect();
        lp.sort();
        d.found.extend(lp.into_iter().map(|p| Found {
            url: p.display().to_string(),
            kind: "device",
            description: "usblp device file (kernel printer driver)".into(),
        }));
    }
    #[cfg(windows)]
    match super::winspool::list() {
        Ok(names) => d.found.extend(names.into_iter().map(|n| Found {
            url: format!("winspool://{n}"),
            kind: "windows",
            description: "Windows printer (RAW job through the spooler)".into(),
        })),
        Err(e) => d.problems.push(format!("Windows printers: {e}")),
    }
    d
}
