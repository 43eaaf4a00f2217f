//! Draws the layout into 1-bit images the width of the paper.
//!
//! In raster mode the whole ticket is one image (or, when the printer draws QR codes itself, the
//! images above and below the QR). The PNG preview is the same image, so what a clerk sees on screen
//! is dot for dot what the citizen gets.

use crate::bitmap::Bitmap;
use crate::font::FontSpec;
use crate::layout::{clip, wrap, Block, Style, MAX_CHARS};
use crate::logo;
use crate::profile::Paper;
use crate::qr::QrMatrix;

/// White margin left and right of text, in dots.
const SIDE: u32 = 8;
/// White space above the first line, in dots; the printer adds its own feed before the cut.
pub const TOP: u32 = 8;
/// White space between the logo and the header, in dots.
pub const LOGO_GAP: u32 = 8;

/// A piece of the printed ticket, top to bottom.
#[derive(Debug, Clone)]
pub enum Part {
    /// Full paper width.
    Image(Bitmap),
    /// Left to the printer (GS ( k), `module` dots per module.
    NativeQr { data: String, module: u32 },
}

/// Below 22 dots DejaVu's hook (dấu hỏi: "Mỏ", "của", "để") thresholds to a slanted stroke that
/// reads as an acute (dấu sắc) on the 1-bit ticket: at 18 and 21 dots "của" printed as "cúa".
/// Checked by eye on 3x enlargements of every tone mark, regular and bold, 18 to 26 dots.
pub const MIN_TEXT_PX: f32 = 22.0;

/// Font size for a style on a paper width: 80 mm sizes scaled by 2/3 would be unreadable on
/// 58 mm, so each width has its own. No text is below [`MIN_TEXT_PX`].
pub fn font_for(style: Style, paper: Paper) -> FontSpec {
    let narrow = paper == Paper::Mm58;
    let (px, bold) = match style {
        Style::Title => (if narrow { 24.0 } else { 30.0 }, true),
        Style::Note | Style::NumberLabel | Style::Small => {
            (if narrow { MIN_TEXT_PX } else { 24.0 }, false)
        }
        Style::Service => (if narrow { 28.0 } else { 36.0 }, true),
        Style::Number => (if narrow { 150.0 } else { 200.0 }, true),
        Style::Badge => (if narrow { 22.0 } else { 26.0 }, true),
        Style::Body => (if narrow { 24.0 } else { 27.0 }, false),
    };
    FontSpec { px, bold }
}

/// Renders the blocks; with `native_qr` the QR codes are left to the printer.
pub fn render(blocks: &[Block], paper: Paper, native_qr: bool) -> Vec<Part> {
    let width = paper.dots();
    let mut parts = Vec::new();
    let mut canvas = Bitmap::new(width, TOP);
    for block in blocks {
        match block {
            Block::Logo(png) => {
                if let Some(img) = logo::prepare(png, paper) {
                    canvas.append(&img.centred_in(width));
                    canvas.append(&Bitmap::new(width, LOGO_GAP));
                }
            }
            Block::Text { text, style } => text_block(&mut canvas, text, *style, paper),
            Block::Qr(data) => match QrMatrix::encode(data) {
                Some(m) if native_qr => {
                    let module = m.module_dots(paper);
                    parts.push(Part::Image(std::mem::replace(
                        &mut canvas,
                        Bitmap::new(width, 0),
                    )));
                    parts.push(Part::NativeQr {
                        data: data.clone(),
                        module,
                    });
                }
                Some(m) => canvas.append(&m.to_bitmap(m.module_dots(paper)).centred_in(width)),
                // Too long for a QR: print the link so it can still be typed.
                None => text_block(&mut canvas, &clip(data, MAX_CHARS), Style::Small, paper),
            },
            Block::Rule => canvas.append(&rule(width)),
            Block::Gap(dots) => canvas.append(&Bitmap::new(width, *dots)),
        }
    }
    canvas.append(&Bitmap::new(width, TOP));
    parts.push(Part::Image(canvas));
    parts
}

/// The whole ticket as one image with the QR drawn in (the preview, and raster-mode printing).
pub fn render_image(blocks: &[Block], paper: Paper) -> Bitmap {
    let mut out = Bitmap::new(paper.dots(), 0);
    for part in render(blocks, paper, false) {
        if let Part::Image(img) = part {
            out.append(&img);
        }
    }
    out
}

fn text_block(canvas: &mut Bitmap, text: &str, style: Style, paper: Paper) {
    let width = paper.dots();
    let max = width - 2 * SIDE;
    let spec = match style {
        Style::Number => font_for(style, paper).fit(text, max),
        _ => font_for(style, paper),
    };
    let pad = if style == Style::Badge { 12 } else { 0 };
    let lines = wrap(text, max - 2 * pad, |s| spec.measure(s));
    for line in lines {
        let h = spec.line_height();
        let w = spec.measure(&line);
        let x = i64::from((width - w.min(width)) / 2);
        if style == Style::Number {
            // Sized to the ink, with a little air, instead of the alphabet's tallest letters.
            let (up, down) = spec.ink_extents(&line);
            let mut row = Bitmap::new(width, up + down + 16);
            spec.draw_on_baseline(&mut row, &line, x, i64::from(up) + 8);
            canvas.append(&row);
        } else if style == Style::Badge {
            // White on black, a little wider and taller than the text.
            let mut row = Bitmap::new(width, h + 6);
            spec.draw(&mut row, &line, x, 3);
            row.invert_rect(x - i64::from(pad), 0, w + 2 * pad, h + 6);
            canvas.append(&row);
        } else {
            let mut row = Bitmap::new(width, h);
            spec.draw(&mut row, &line, x, 0);
            canvas.append(&row);
        }
    }
    canvas.append(&Bitmap::new(width, 4));
}

/// A dashed line with some air above and below.
fn rule(width: u32) -> Bitmap {
    let mut b = Bitmap::new(width, 18);
    let mut x = SIDE;
    while x < width - SIDE {
        b.fill_rect(i64::from(x), 8, 8.min(width - SIDE - x), 2, true);
        x += 12;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::layout;
    use crate::ticket::TicketPrint;

    #[test]
    fn no_text_is_small_enough_to_blur_the_hook() {
        use Style::*;
        for paper in [Paper::Mm58, Paper::Mm80] {
            for style in [
                Title,
                Note,
                NumberLabel,
                Small,
                Service,
                Number,
                Badge,
                Body,
            ] {
                assert!(
                    font_for(style, paper).px >= MIN_TEXT_PX,
                    "{style:?} on {paper}"
                );
            }
        }
    }

    #[test]
    fn image_is_exactly_paper_wide() {
        for paper in [Paper::Mm58, Paper::Mm80] {
            let img = render_image(&layout(&TicketPrint::sample()), paper);
            assert_eq!(img.width(), paper.dots());
            assert!(img.height() > 400);
        }
    }

    #[test]
    fn native_qr_splits_the_image_around_the_code() {
        let parts = render(&layout(&TicketPrint::sample()), Paper::Mm80, true);
        assert_eq!(parts.len(), 3);
        assert!(matches!(parts[1], Part::NativeQr { .. }));
    }

    #[test]
    fn number_is_shrunk_to_fit_narrow_paper() {
        let spec = font_for(Style::Number, Paper::Mm58).fit("B1234", 384 - 2 * SIDE);
        assert!(spec.measure("B1234") <= 384 - 2 * SIDE);
    }
}
