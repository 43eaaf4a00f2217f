//! Writes the sample ticket as PNG previews and ESC/POS files, for eyeballing layout changes or
//! replaying to a real printer: `cargo run -p luot-print --example preview -- /tmp/ticket`
//! then `cat /tmp/ticket/80-raster.bin > /dev/usb/lp0` (or `nc PRINTER 9100 < ...`).

use luot_print::{render, Paper, PrinterProfile, TextMode, TicketPrint};
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "ticket-preview".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let ticket = TicketPrint {
        booking_code: Some("K7M2QX".into()),
        header: Some("UBND XÃ MỎ CÀY\nKính chào quý khách".into()),
        ..TicketPrint::sample()
    };
    for paper in [Paper::Mm58, Paper::Mm80] {
        for text_mode in [TextMode::Raster, TextMode::Tcvn3, TextMode::Cp1258] {
            let profile = PrinterProfile {
                paper,
                text_mode,
                ..PrinterProfile::default()
            };
            let out = render(&ticket, &profile);
            std::fs::write(dir.join(format!("{paper}-{text_mode}.bin")), &out.escpos)?;
            std::fs::write(dir.join(format!("{paper}.png")), &out.png)?;
        }
    }
    println!("wrote {}", dir.display());
    Ok(())
}
