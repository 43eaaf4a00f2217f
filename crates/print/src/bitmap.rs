//! A 1-bit image in the printer's own layout: rows of packed bytes, most significant bit leftmost,
//! 1 = black dot. GS v 0 takes these rows as they are, and the PNG preview is encoded from the very
//! same buffer, which is what makes the preview pixel-identical to the paper.

/// Black-and-white image, `width` dots wide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    width: u32,
    height: u32,
    /// `stride * height` bytes, row after row.
    data: Vec<u8>,
}

impl Bitmap {
    pub fn new(width: u32, height: u32) -> Self {
        let stride = width.div_ceil(8) as usize;
        Bitmap {
            width,
            height,
            data: vec![0; stride * height as usize],
        }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// Bytes per row.
    pub fn stride(&self) -> usize {
        self.width.div_ceil(8) as usize
    }

    /// Packed rows, 1 = black.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Rows `from..to` as packed bytes (for printing in bands).
    pub fn rows(&self, from: u32, to: u32) -> &[u8] {
        let s = self.stride();
        let to = to.min(self.height);
        &self.data[from.min(to) as usize * s..to as usize * s]
    }

    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let i = y as usize * self.stride() + (x / 8) as usize;
        self.data[i] & (0x80 >> (x % 8)) != 0
    }

    /// Sets a dot; dots outside the image are ignored so callers can draw glyphs that overhang.
    pub fn set(&mut self, x: i64, y: i64, black: bool) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let i = y as usize * self.stride() + (x / 8) as usize;
        let bit = 0x80u8 >> (x % 8);
        if black {
            self.data[i] |= bit;
        } else {
            self.data[i] &= !bit;
        }
    }

    pub fn fill_rect(&mut self, x: i64, y: i64, w: u32, h: u32, black: bool) {
        for yy in y..y + i64::from(h) {
            for xx in x..x + i64::from(w) {
                self.set(xx, yy, black);
            }
        }
    }

    /// Flips every dot inside the rectangle (white text on a black bar).
    pub fn invert_rect(&mut self, x: i64, y: i64, w: u32, h: u32) {
        for yy in y..y + i64::from(h) {
            for xx in x..x + i64::from(w) {
                if xx >= 0 && yy >= 0 {
                    let v = self.get(xx as u32, yy as u32);
                    self.set(xx, yy, !v);
                }
            }
        }
    }

    /// Copies `src` with its top-left corner at (x, y); black dots only (white is transparent).
    pub fn draw(&mut self, src: &Bitmap, x: i64, y: i64) {
        for sy in 0..src.height {
            for sx in 0..src.width {
                if src.get(sx, sy) {
                    self.set(x + i64::from(sx), y + i64::from(sy), true);
                }
            }
        }
    }

    /// Appends `other` below this image; both must be the same width (the paper width).
    pub fn append(&mut self, other: &Bitmap) {
        debug_assert_eq!(self.width, other.width);
        if self.width == other.width {
            self.data.extend_from_slice(&other.data);
            self.height += other.height;
        }
    }

    /// Same image, `width` wide, content centred; used to send a narrow image as a full-width
    /// raster (printers place GS v 0 images at the left margin and some ignore ESC a for them).
    pub fn centred_in(&self, width: u32) -> Bitmap {
        let mut out = Bitmap::new(width, self.height);
        let x = (i64::from(width) - i64::from(self.width)) / 2;
        out.draw(self, x, 0);
        out
    }

    /// Encodes as a 1-bit greyscale PNG. In PNG 0 is black, so the bits are inverted.
    pub fn to_png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let inverted: Vec<u8> = self.data.iter().map(|b| !b).collect();
        let mut enc = png::Encoder::new(&mut out, self.width.max(1), self.height.max(1));
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::One);
        let written = enc.write_header().and_then(|mut w| {
            if self.width == 0 || self.height == 0 {
                w.write_image_data(&[0xFF])?;
            } else {
                w.write_image_data(&inverted)?;
            }
            w.finish()
        });
        // Writing into a Vec cannot fail and the sizes are consistent by construction.
        debug_assert!(written.is_ok(), "png encoding failed: {written:?}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_and_bounds() {
        let mut b = Bitmap::new(16, 2);
        b.set(0, 0, true);
        b.set(9, 1, true);
        b.set(-1, 0, true);
        b.set(16, 0, true);
        assert!(b.get(0, 0) && b.get(9, 1) && !b.get(1, 0));
        assert_eq!(b.data(), &[0x80, 0, 0, 0x40]);
    }

    #[test]
    fn centring_and_append() {
        let mut small = Bitmap::new(8, 1);
        small.set(0, 0, true);
        let wide = small.centred_in(24);
        assert!(wide.get(8, 0));
        let mut a = Bitmap::new(24, 1);
        a.append(&wide);
        assert_eq!(a.height(), 2);
        assert!(a.get(8, 1));
    }

    #[test]
    fn png_is_one_bit_greyscale() {
        let mut b = Bitmap::new(8, 1);
        b.set(0, 0, true);
        let png = b.to_png();
        assert_eq!(&png[1..4], b"PNG");
    }
}
