//! `luot-kiosk printers`: the printers this machine can see, each with the `--printer` URL to
//! give the kiosk. Exits 0 even when none is found (it says what to check instead).

use luot_print::driver::discover::{discover, Discovery};

/// The listing as printed; pure so it can be tested.
pub fn render(d: &Discovery) -> String {
    let mut out = String::new();
    if d.found.is_empty() {
        out.push_str("No printer found.\n");
        out.push_str(
            "Check the cable and power; a network printer prints its IP address on its self-test \
             page (use tcp://IP:9100); `file:DIR` writes tickets to a folder.\n",
        );
    } else {
        out.push_str("Printers found (use the URL with --printer):\n");
        for f in &d.found {
            out.push_str(&format!(
                "  {:<8} {}\n           {}\n",
                f.kind, f.url, f.description
            ));
        }
    }
    for p in &d.problems {
        out.push_str(&format!("(could not list {p})\n"));
    }
    out
}

/// Runs the command: always succeeds.
pub fn run() -> std::process::ExitCode {
    print!("{}", render(&discover()));
    std::process::ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use luot_print::driver::discover::Found;

    #[test]
    fn lists_urls_or_says_none() {
        let none = render(&Discovery::default());
        assert!(none.starts_with("No printer found."));
        let some = render(&Discovery {
            found: vec![Found {
                url: "usb://0416:5011/AB12".into(),
                kind: "usb",
                description: "Xprinter XP-58".into(),
            }],
            problems: vec!["USB: permission denied".into()],
        });
        assert!(some.contains("usb://0416:5011/AB12") && some.contains("permission denied"));
    }

    #[test]
    fn discovery_runs_on_this_machine() {
        // Whatever is plugged in, listing must not fail or panic.
        let _ = render(&discover());
    }
}
