//! Renders the layout as printer text in a code page (TCVN-3 or Windows-1258).
//!
//! For printers whose firmware fonts are wanted (faster, sharper) and known to carry Vietnamese.
//! Sizes map to GS ! magnification of font A (12 x 24 dots), so line widths are counted in
//! character cells as the printer will print them (after encoding: "…" is three cells, a
//! combining tone mark none), and every line fits the paper. The encoders tag their runs with
//! Epson's page numbers; the printer's [`Family`](crate::Family) says which `ESC t` it really
//! takes. Logos, and QR codes on printers without native QR, still go out as raster images.

use crate::bitmap::Bitmap;
use crate::encoding::{cp1258, tcvn3, Run, PAGE_CP1258, PAGE_TCVN3, PAGE_TCVN3_CAPITALS};
use crate::escpos::{Align, Commands};
use crate::layout::{clip, wrap, Block, Style, MAX_CHARS};
use crate::logo;
use crate::profile::{CodePages, PrinterProfile, TextMode};
use crate::qr::QrMatrix;

/// How a style prints in text mode: bold, magnification, reversed.
struct Look {
    bold: bool,
    scale: u8,
    tall: bool,
    reverse: bool,
}

fn look(style: Style, text: &str, columns: usize) -> Look {
    let plain = Look {
        bold: false,
        scale: 1,
        tall: false,
        reverse: false,
    };
    match style {
        Style::Title => Look {
            bold: true,
            tall: true,
            ..plain
        },
        Style::Service => Look {
            bold: true,
            scale: 2,
            ..plain
        },
        Style::Number => {
            // As large as fits on one line, capped at 6x (144 dots tall) like the raster number.
            let len = text.chars().count().max(1);
            let scale = (columns / len).clamp(1, 6) as u8;
            Look {
                bold: true,
                scale,
                ..plain
            }
        }
        Style::Badge => Look {
            bold: true,
            reverse: true,
            ..plain
        },
        Style::Note | Style::NumberLabel | Style::Body | Style::Small => plain,
    }
}

/// Appends the ticket body (everything between init and cut) to `c`.
pub fn render_into(c: &mut Commands, blocks: &[Block], profile: &PrinterProfile) {
    let paper = profile.paper;
    let columns = paper.columns();
    let mode = profile.text_mode;
    let pages = profile.family.code_pages();
    let base_page = physical(
        &pages,
        match mode {
            TextMode::Cp1258 => PAGE_CP1258,
            _ => PAGE_TCVN3,
        },
    );
    c.code_page(base_page).align(Align::Centre);
    let mut page = base_page;
    for block in blocks {
        match block {
            Block::Logo(png) => {
                if let Some(img) = logo::prepare(png, paper) {
                    image(c, &img.centred_in(paper.dots()));
                }
            }
            Block::Text { text, style } => {
                let l = look(*style, text, columns);
                c.bold(l.bold)
                    .size(l.scale, if l.tall { 2 } else { l.scale })
                    .reverse(l.reverse);
                let cols = (columns / usize::from(l.scale)).max(1) as u32;
                // Reversed text gets a space each side so the black bar frames it: two cells
                // the wrapped text must leave free.
                let pad = if l.reverse && cols > 2 { 2 } else { 0 };
                for line in wrap(text, cols - pad, |s| cells(mode, s)) {
                    let line = if pad > 0 { format!(" {line} ") } else { line };
                    for run in encode(mode, &line) {
                        let run_page = physical(&pages, run.page);
                        if run_page != page {
                            c.code_page(run_page);
                            page = run_page;
                        }
                        c.raw(&run.bytes);
                    }
                    c.newline();
                }
                c.bold(false).size(1, 1).reverse(false);
                if page != base_page {
                    c.code_page(base_page);
                    page = base_page;
                }
            }
            Block::Qr(data) => match QrMatrix::encode(data) {
                Some(m) if profile.native_qr => {
                    c.native_qr(data.as_bytes(), m.module_dots(paper) as u8)
                        .newline();
                }
                Some(m) => image(
                    c,
                    &m.to_bitmap(m.module_dots(paper)).centred_in(paper.dots()),
                ),
                None => {
                    for line in wrap(&clip(data, MAX_CHARS), columns as u32, |s| cells(mode, s)) {
                        c.raw(&concat(encode(mode, &line))).newline();
                    }
                }
            },
            Block::Rule => {
                c.raw(&vec![b'-'; columns]).newline();
            }
            Block::Gap(dots) => {
                c.feed_dots((*dots).min(255) as u8);
            }
        }
    }
}

/// Full-width raster; alignment is reset around it because some printers apply ESC a to images.
fn image(c: &mut Commands, img: &Bitmap) {
    c.align(Align::Left).raster(img).align(Align::Centre);
}

fn encode(mode: TextMode, line: &str) -> Vec<Run> {
    match mode {
        TextMode::Cp1258 => vec![cp1258::encode_run(line)],
        _ => tcvn3::encode(line),
    }
}

/// The page a run tagged with Epson's number goes to on this printer. Without a capitals page,
/// TCVN-3 capitals go to the base page, where the same bytes are the lower-case letters.
fn physical(pages: &CodePages, epson: u8) -> u8 {
    let page = match epson {
        PAGE_TCVN3 => pages.tcvn3,
        PAGE_TCVN3_CAPITALS => pages.tcvn3_capitals.or(pages.tcvn3),
        PAGE_CP1258 => pages.cp1258,
        _ => None,
    };
    page.unwrap_or(epson)
}

/// Character cells `s` takes on paper once encoded: one per byte, except Windows-1258's
/// combining tone marks, which the printer draws over the letter before them.
fn cells(mode: TextMode, s: &str) -> u32 {
    let n = match mode {
        TextMode::Cp1258 => cp1258::encode(s)
            .iter()
            .filter(|b| !cp1258::is_tone_byte(**b))
            .count(),
        _ => tcvn3::encode(s).iter().map(|r| r.bytes.len()).sum(),
    };
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Joins runs for text known to be in one page (URLs are ASCII).
fn concat(runs: Vec<Run>) -> Vec<u8> {
    runs.into_iter().flat_map(|r| r.bytes).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::layout;
    use crate::profile::Paper;
    use crate::ticket::TicketPrint;

    #[test]
    fn number_magnification_fits_the_line() {
        assert_eq!(look(Style::Number, "A012", Paper::Mm58.columns()).scale, 6);
        assert_eq!(
            look(Style::Number, "A0123456", Paper::Mm58.columns()).scale,
            4
        );
    }

    #[test]
    fn tcvn3_ticket_returns_to_the_base_page_after_capitals() {
        let profile = PrinterProfile {
            text_mode: TextMode::Tcvn3,
            ..PrinterProfile::default()
        };
        let mut c = Commands::new();
        render_into(&mut c, &layout(&TicketPrint::sample()), &profile);
        let b = c.into_bytes();
        let switches: Vec<u8> = b
            .windows(3)
            .filter(|w| w[0] == 0x1B && w[1] == b't')
            .map(|w| w[2])
            .collect();
        assert!(
            switches.contains(&31),
            "toned capitals in TƯ PHÁP - HỘ TỊCH need page 31"
        );
        assert_eq!(switches.last(), Some(&30));
    }
}
