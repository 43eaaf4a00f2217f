//! Lượt ticket printing: a [`TicketPrint`] becomes ESC/POS bytes for a thermal printer and a PNG
//! preview, both from one layout ([`layout`]); drivers ([`driver`]) deliver the bytes.
//!
//! ```text
//! TicketPrint --layout--> [Block] --raster--> Bitmap --+--> GS v 0 bands (Raster mode)
//!                                 \                    +--> PNG preview
//!                                  --textmode--> ESC t + code-page text (TCVN-3 / CP1258 modes)
//! ```
//!
//! Raster is the default because it prints every Vietnamese diacritic on any printer; code-page
//! text is an option per printer profile. The kiosk protocol types live in [`job`] so the server and
//! the kiosk client share them.
#![deny(unsafe_code)] // only driver::winspool (Windows) allows it

pub mod bitmap;
pub mod driver;
pub mod encoding;
pub mod escpos;
pub mod font;
pub mod job;
pub mod layout;
pub mod logo;
pub mod profile;
pub mod qr;
pub mod raster;
mod textmode;
pub mod ticket;
pub mod viet;

pub use driver::{Delivery, JobOutcome, PrintError, Printer, PrinterSpec, PrinterStatus};
pub use job::{JobId, KioskMessage, ServerMessage};
pub use profile::{CodePages, Family, Paper, PrinterProfile, ProfileError, TextMode};
pub use ticket::{priority_label, Lang, TicketPrint};

use escpos::{Align, Commands};
use raster::Part;

/// A ticket ready for a printer: the bytes to send and the preview to keep or show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub escpos: Vec<u8>,
    pub png: Vec<u8>,
}

/// The ESC/POS bytes for `t` on a printer with profile `p`, from init to cut.
pub fn render_escpos(t: &TicketPrint, p: &PrinterProfile) -> Vec<u8> {
    escpos_from_blocks(&layout::layout(t), p)
}

/// The PNG preview of `t` on `paper`: 1-bit, exactly the paper's width in dots, and pixel-identical
/// to the image sent in Raster mode.
pub fn render_png(t: &TicketPrint, paper: Paper) -> Vec<u8> {
    raster::render_image(&layout::layout(t), paper).to_png()
}

/// Both at once, laying the ticket out once and, in Raster mode, drawing it once.
pub fn render(t: &TicketPrint, p: &PrinterProfile) -> Rendered {
    let blocks = layout::layout(t);
    let image = raster::render_image(&blocks, p.paper);
    let escpos = if p.effective_text_mode() == TextMode::Raster && !p.native_qr {
        let mut c = Commands::new();
        c.init().raster(&image);
        finish(c, p)
    } else {
        escpos_from_blocks(&blocks, p)
    };
    Rendered {
        escpos,
        png: image.to_png(),
    }
}

fn escpos_from_blocks(blocks: &[layout::Block], p: &PrinterProfile) -> Vec<u8> {
    let mut c = Commands::new();
    c.init();
    match p.effective_text_mode() {
        TextMode::Raster => {
            for part in raster::render(blocks, p.paper, p.native_qr) {
                match part {
                    Part::Image(img) => {
                        c.raster(&img);
                    }
                    Part::NativeQr { data, module } => {
                        c.align(Align::Centre)
                            .native_qr(data.as_bytes(), module.min(16) as u8)
                            .newline()
                            .align(Align::Left);
                    }
                }
            }
        }
        TextMode::Tcvn3 | TextMode::Cp1258 => textmode::render_into(&mut c, blocks, p),
    }
    finish(c, p)
}

/// Feed and cut (or, without a cutter, feed far enough to tear past the last line).
fn finish(mut c: Commands, p: &PrinterProfile) -> Vec<u8> {
    if p.cut {
        c.cut();
    } else {
        c.feed_lines(5);
    }
    c.into_bytes()
}
