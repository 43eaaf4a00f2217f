//! Turns the centre's logo (any PNG) into black dots that fit the ticket header.
//!
//! The logo comes from an administrator's upload, so a broken or huge file must not stop a ticket
//! from printing: decoding is memory-limited and any failure just leaves the logo out.

use crate::bitmap::Bitmap;
use std::io::Cursor;

/// Decoder memory cap; a ticket logo is a few kilobytes.
const MAX_DECODE_BYTES: usize = 16 * 1024 * 1024;

/// Decodes `png_bytes` and scales it down (never up) to at most `max_w` x `max_h` dots, thresholding
/// luminance at one half after compositing any transparency onto white paper.
pub fn load(png_bytes: &[u8], max_w: u32, max_h: u32) -> Option<Bitmap> {
    let limits = png::Limits {
        bytes: MAX_DECODE_BYTES,
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(png_bytes), limits);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    let (w, h) = (info.width, info.height);
    if w == 0 || h == 0 {
        return None;
    }
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let dark = |x: u32, y: u32| -> bool {
        let i = (y as usize * w as usize + x as usize) * channels;
        let p = &pixels[i..i + channels];
        let (lum, alpha) = match channels {
            1 => (u32::from(p[0]), 255),
            2 => (u32::from(p[0]), u32::from(p[1])),
            3 => (luma(p), 255),
            _ => (luma(p), u32::from(p[3])),
        };
        // Composite onto white: transparent pixels are paper.
        let on_white = (lum * alpha + 255 * (255 - alpha)) / 255;
        on_white < 128
    };
    let scale = f64::min(
        1.0,
        f64::min(
            f64::from(max_w) / f64::from(w),
            f64::from(max_h) / f64::from(h),
        ),
    );
    let out_w = ((f64::from(w) * scale).floor() as u32).max(1);
    let out_h = ((f64::from(h) * scale).floor() as u32).max(1);
    let mut out = Bitmap::new(out_w, out_h);
    for y in 0..out_h {
        for x in 0..out_w {
            // Nearest source pixel: logos are flat artwork, and this keeps lines crisp.
            let sx = ((f64::from(x) + 0.5) / scale) as u32;
            let sy = ((f64::from(y) + 0.5) / scale) as u32;
            if dark(sx.min(w - 1), sy.min(h - 1)) {
                out.set(i64::from(x), i64::from(y), true);
            }
        }
    }
    Some(out)
}

fn luma(p: &[u8]) -> u32 {
    (299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2])) / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgba_png(w: u32, h: u32, px: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().unwrap();
        let px = &px;
        let data: Vec<u8> = (0..h)
            .flat_map(|y| (0..w).flat_map(move |x| px(x, y)))
            .collect();
        wr.write_image_data(&data).unwrap();
        wr.finish().unwrap();
        out
    }

    #[test]
    fn thresholds_and_treats_transparency_as_paper() {
        // Left half opaque black, right half transparent black.
        let png = rgba_png(
            4,
            2,
            |x, _| if x < 2 { [0, 0, 0, 255] } else { [0, 0, 0, 0] },
        );
        let bmp = load(&png, 100, 100).unwrap();
        assert_eq!((bmp.width(), bmp.height()), (4, 2));
        assert!(bmp.get(0, 0) && bmp.get(1, 1));
        assert!(!bmp.get(2, 0) && !bmp.get(3, 1));
    }

    #[test]
    fn scales_down_to_fit() {
        let png = rgba_png(400, 100, |_, _| [0, 0, 0, 255]);
        let bmp = load(&png, 200, 200).unwrap();
        assert_eq!((bmp.width(), bmp.height()), (200, 50));
    }

    #[test]
    fn garbage_is_ignored() {
        assert!(load(b"not a png", 100, 100).is_none());
        assert!(load(&[], 100, 100).is_none());
    }
}
