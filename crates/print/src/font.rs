//! The embedded font and the few things raster layout needs from it: measure, draw, wrap.
//!
//! DejaVu Sans (regular and bold) is compiled into the binary so a kiosk PC without fonts still
//! prints every Vietnamese diacritic. Glyphs are drawn 1-bit by thresholding coverage at one half:
//! thermal heads have no grey, and a fixed threshold keeps the output deterministic for golden tests.

use crate::bitmap::Bitmap;
use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

struct Faces {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn faces() -> &'static Faces {
    static FACES: OnceLock<Faces> = OnceLock::new();
    FACES.get_or_init(|| Faces {
        // The files are part of the crate and covered by tests, so failure here is a build defect,
        // never a consequence of input.
        regular: FontRef::try_from_slice(REGULAR_TTF).expect("embedded DejaVuSans.ttf parses"),
        bold: FontRef::try_from_slice(BOLD_TTF).expect("embedded DejaVuSans-Bold.ttf parses"),
    })
}

/// Line extents by (size bits, bold).
type ExtentCache = Mutex<HashMap<(u32, bool), (u32, u32)>>;

/// Size and weight of a run of text, in printer dots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FontSpec {
    pub px: f32,
    pub bold: bool,
}

impl FontSpec {
    fn font(self) -> &'static FontRef<'static> {
        let f = faces();
        if self.bold {
            &f.bold
        } else {
            &f.regular
        }
    }

    /// Dots above and below the baseline that a line must allow. DejaVu's own ascent leaves no room
    /// for Vietnamese capitals with stacked marks (Ễ, Ẵ), so the extremes are measured from the
    /// glyphs themselves; otherwise their marks would touch the line above.
    fn extents(self) -> (u32, u32) {
        // Outlining ~30 glyphs per line adds up on long tickets; the answer depends only on the
        // size and weight, of which a ticket uses a handful.
        static CACHE: OnceLock<ExtentCache> = OnceLock::new();
        let key = (self.px.to_bits(), self.bold);
        let cache = CACHE.get_or_init(Default::default);
        if let Some(e) = cache.lock().ok().and_then(|c| c.get(&key).copied()) {
            return e;
        }
        let e = self.measure_extents();
        if let Ok(mut c) = cache.lock() {
            c.insert(key, e);
        }
        e
    }

    fn measure_extents(self) -> (u32, u32) {
        const TALLEST: &str = "ẪỄỖẴẰẲẨỂỔỞỬỸỶỲÝỦ";
        const DEEPEST: &str = "ỵỴọỌẠỤỰgjpqy";
        let font = self.font();
        let s = font.as_scaled(PxScale::from(self.px));
        let (mut up, mut down) = (s.ascent(), -s.descent());
        for c in TALLEST.chars().chain(DEEPEST.chars()) {
            if let Some(o) = font.outline_glyph(s.scaled_glyph(c)) {
                let b = o.px_bounds();
                up = up.max(-b.min.y);
                down = down.max(b.max.y);
            }
        }
        (up.ceil() as u32, down.ceil() as u32)
    }

    /// Height of one line: room for the highest stacked mark and the lowest dot below.
    pub fn line_height(self) -> u32 {
        let (up, down) = self.extents();
        up + down
    }

    /// Advance width of `text` in dots.
    pub fn measure(self, text: &str) -> u32 {
        let s = self.font().as_scaled(PxScale::from(self.px));
        let mut caret = 0.0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = s.glyph_id(c);
            if let Some(p) = prev {
                caret += s.kern(p, id);
            }
            caret += s.h_advance(id);
            prev = Some(id);
        }
        caret.ceil().max(0.0) as u32
    }

    /// Dots of ink above and below the baseline for this very text. The big number has no marks, so
    /// sizing its line by the alphabet's extremes would waste a centimetre of paper.
    pub fn ink_extents(self, text: &str) -> (u32, u32) {
        let font = self.font();
        let s = font.as_scaled(PxScale::from(self.px));
        let (mut up, mut down) = (0.0f32, 0.0f32);
        for c in text.chars() {
            if let Some(o) = font.outline_glyph(s.scaled_glyph(c)) {
                let b = o.px_bounds();
                up = up.max(-b.min.y);
                down = down.max(b.max.y);
            }
        }
        (up.ceil() as u32, down.ceil() as u32)
    }

    /// Draws one line with its top-left corner at (x, top), in a line of [`Self::line_height`].
    pub fn draw(self, bmp: &mut Bitmap, text: &str, x: i64, top: i64) {
        self.draw_on_baseline(bmp, text, x, top + i64::from(self.extents().0));
    }

    /// Draws one line with its baseline at `baseline`.
    pub fn draw_on_baseline(self, bmp: &mut Bitmap, text: &str, x: i64, baseline: i64) {
        let font = self.font();
        let scale = PxScale::from(self.px);
        let s = font.as_scaled(scale);
        let baseline = baseline as f32;
        let mut caret = x as f32;
        let mut prev = None;
        for c in text.chars() {
            let id = s.glyph_id(c);
            if let Some(p) = prev {
                caret += s.kern(p, id);
            }
            let glyph = id.with_scale_and_position(scale, point(caret, baseline));
            if let Some(outline) = font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                let (ox, oy) = (b.min.x as i64, b.min.y as i64);
                outline.draw(|gx, gy, coverage| {
                    if coverage >= 0.5 {
                        bmp.set(ox + i64::from(gx), oy + i64::from(gy), true);
                    }
                });
            }
            caret += s.h_advance(id);
            prev = Some(id);
        }
    }

    /// The largest size up to `self.px` at which `text` fits in `width` dots (for the big number).
    pub fn fit(self, text: &str, width: u32) -> FontSpec {
        let mut spec = self;
        while spec.px > 8.0 && spec.measure(text) > width {
            spec.px -= 2.0;
        }
        spec
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_cover_vietnamese() {
        for bold in [false, true] {
            let spec = FontSpec { px: 24.0, bold };
            for c in crate::viet::non_ascii_letters() {
                assert_ne!(spec.font().glyph_id(c).0, 0, "no glyph for {c}");
            }
        }
    }

    #[test]
    fn stacked_marks_stay_inside_the_line_box() {
        // Ễ and Ộ carry marks above and below; neither may spill into the neighbouring lines.
        for bold in [false, true] {
            let spec = FontSpec { px: 32.0, bold };
            let (w, h) = (spec.measure("ỄỘỸ gý"), spec.line_height());
            let mut bmp = Bitmap::new(w + 8, h + 20);
            spec.draw(&mut bmp, "ỄỘỸ gý", 4, 10);
            let inked = |y: u32| (0..bmp.width()).any(|x| bmp.get(x, y));
            assert!((10..10 + h).any(inked));
            assert!(!(0..10).any(inked), "ink above the line");
            assert!(!(10 + h..h + 20).any(inked), "ink below the line");
        }
    }

    #[test]
    fn fit_shrinks_until_it_fits() {
        let spec = FontSpec {
            px: 400.0,
            bold: true,
        }
        .fit("A012", 300);
        assert!(spec.measure("A012") <= 300);
        assert!(spec.px < 400.0);
    }
}
