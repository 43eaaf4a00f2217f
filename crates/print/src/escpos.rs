//! ESC/POS command bytes, written out explicitly.
//!
//! We do not route through the `escpos` crate: its text goes out as UTF-8, it has no TCVN-3, its
//! native QR defaults to Model 1 and its image fit assumes 512 dots. Every command here is sized and
//! encoded for the profile at hand, and the test parser in `tests/escpos_parser.rs` reads them back.

use crate::bitmap::Bitmap;

pub const ESC: u8 = 0x1B;
pub const GS: u8 = 0x1D;
pub const LF: u8 = 0x0A;

/// Rows per GS v 0 command. Cheap printers have small receive buffers and some reject raster
/// commands taller than a few hundred rows; 128 rows is 9 KiB on 80 mm paper.
pub const BAND_ROWS: u32 = 128;

/// Text alignment (ESC a).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left = 0,
    Centre = 1,
}

/// Builds a command stream.
#[derive(Debug, Default)]
pub struct Commands {
    out: Vec<u8>,
}

impl Commands {
    pub fn new() -> Self {
        Commands::default()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.out.extend_from_slice(bytes);
        self
    }

    /// ESC @: clears whatever a previous job left set (size, bold, code page).
    pub fn init(&mut self) -> &mut Self {
        self.raw(&[ESC, b'@'])
    }

    /// ESC t n: character code table.
    pub fn code_page(&mut self, page: u8) -> &mut Self {
        self.raw(&[ESC, b't', page])
    }

    pub fn align(&mut self, a: Align) -> &mut Self {
        self.raw(&[ESC, b'a', a as u8])
    }

    /// ESC E n: emphasised (bold) text.
    pub fn bold(&mut self, on: bool) -> &mut Self {
        self.raw(&[ESC, b'E', u8::from(on)])
    }

    /// GS B n: white on black.
    pub fn reverse(&mut self, on: bool) -> &mut Self {
        self.raw(&[GS, b'B', u8::from(on)])
    }

    /// GS ! n: character magnification, 1..=8 in each direction.
    pub fn size(&mut self, width: u8, height: u8) -> &mut Self {
        let w = width.clamp(1, 8) - 1;
        let h = height.clamp(1, 8) - 1;
        self.raw(&[GS, b'!', (w << 4) | h])
    }

    pub fn newline(&mut self) -> &mut Self {
        self.raw(&[LF])
    }

    /// ESC d n: print and feed n lines.
    pub fn feed_lines(&mut self, n: u8) -> &mut Self {
        self.raw(&[ESC, b'd', n])
    }

    /// ESC J n: print and feed n dots (vertical gaps in text mode).
    pub fn feed_dots(&mut self, n: u8) -> &mut Self {
        self.raw(&[ESC, b'J', n])
    }

    /// GS V 66 n: feed to the cutter (plus n dots) and cut, leaving one point as most ticket
    /// printers do; printers without a partial cutter make a full cut for this command.
    pub fn cut(&mut self) -> &mut Self {
        self.raw(&[GS, b'V', 66, 0])
    }

    /// GS v 0: the image in bands of at most [`BAND_ROWS`] rows.
    pub fn raster(&mut self, bmp: &Bitmap) -> &mut Self {
        let stride = bmp.stride();
        let mut y = 0;
        while y < bmp.height() {
            let rows = (bmp.height() - y).min(BAND_ROWS);
            let (x_l, x_h) = ((stride & 0xFF) as u8, (stride >> 8) as u8);
            let (y_l, y_h) = ((rows & 0xFF) as u8, (rows >> 8) as u8);
            self.raw(&[GS, b'v', b'0', 0, x_l, x_h, y_l, y_h]);
            self.raw(bmp.rows(y, y + rows));
            y += rows;
        }
        self
    }

    /// GS ( k: a QR code drawn by the printer. Model 2 and error correction M are set explicitly
    /// because printers (and the `escpos` crate) default to Model 1 / level L.
    pub fn native_qr(&mut self, data: &[u8], module_dots: u8) -> &mut Self {
        // Function 165: model 2.
        self.raw(&[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
        // Function 167: module size in dots.
        self.raw(&[GS, b'(', b'k', 3, 0, 49, 67, module_dots.clamp(1, 16)]);
        // Function 169: error correction level M (48 = L, 49 = M, 50 = Q, 51 = H).
        self.raw(&[GS, b'(', b'k', 3, 0, 49, 69, 49]);
        // Function 180: store the data; length counts the three bytes after pH.
        let len = data.len() + 3;
        self.raw(&[
            GS,
            b'(',
            b'k',
            (len & 0xFF) as u8,
            (len >> 8) as u8,
            49,
            80,
            48,
        ]);
        self.raw(data);
        // Function 181: print the stored symbol.
        self.raw(&[GS, b'(', b'k', 3, 0, 49, 81, 48])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raster_is_split_into_bands() {
        let bmp = Bitmap::new(576, 300);
        let bytes = {
            let mut c = Commands::new();
            c.raster(&bmp);
            c.into_bytes()
        };
        // 128 + 128 + 44 rows, each band 8 header bytes + 72 bytes per row.
        assert_eq!(bytes.len(), 3 * 8 + 300 * 72);
        assert_eq!(&bytes[..8], &[GS, b'v', b'0', 0, 72, 0, 128, 0]);
        assert_eq!(
            &bytes[8 + 128 * 72..8 + 128 * 72 + 8],
            &[GS, b'v', b'0', 0, 72, 0, 128, 0]
        );
    }

    #[test]
    fn native_qr_sets_model_2_and_level_m() {
        let mut c = Commands::new();
        c.native_qr(b"http://x/t/1", 6);
        let b = c.into_bytes();
        assert_eq!(&b[..9], &[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
        assert!(b
            .windows(8)
            .any(|w| w == [GS, b'(', b'k', 3, 0, 49, 69, 49]));
        assert!(b
            .windows(8)
            .any(|w| w == [GS, b'(', b'k', 15, 0, 49, 80, 48]));
    }
}
