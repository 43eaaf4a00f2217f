//! The centre's logo (any PNG an administrator uploads) as black dots for the ticket: scaled to
//! the paper's width (keeping its shape, no taller than [`max_height`]) and dithered to 1 bit.
//!
//! Conversion costs a decode, a resample and an error diffusion; the server does it once per
//! centre, logo version and paper and ships the result as a 1-bit PNG ([`prepare_png`]). Converting
//! that PNG again gives the same dots (it already fits and has no grey), so the kiosk's renderer and
//! the preview pass it through unchanged. The logo comes from an upload, so a broken or huge file
//! must not stop a ticket from printing: decoding is memory-limited and any failure just leaves the
//! logo out.
//!
//! Resampling averages areas (each dot takes the share of every source pixel it covers), which
//! suits flat artwork both ways: shrinking keeps thin lines as grey that the dithering renders as
//! dots, enlarging keeps edges sharp with at most one grey dot between colours. Dithering is
//! Floyd-Steinberg in integers, serpentine, so photographs and tints print as shades and output is
//! the same on every platform (the golden files depend on it).

use crate::bitmap::Bitmap;
use crate::profile::Paper;
use std::io::Cursor;

/// Decoder memory cap; the API accepts logos up to 48 KB and 1024 x 1024 pixels.
const MAX_DECODE_BYTES: usize = 16 * 1024 * 1024;
/// White left and right of the logo, as beside text.
const SIDE: u32 = 8;

/// The tallest logo printed, in dots (16 mm on 58 mm paper, 20 mm on 80 mm at 203 dpi), so a
/// square or portrait logo does not print a long strip before the number.
pub fn max_height(paper: Paper) -> u32 {
    match paper {
        Paper::Mm58 => 128,
        Paper::Mm80 => 160,
    }
}

/// The box a logo is fitted into: the paper's width less the side margins, by [`max_height`].
pub fn fit_box(paper: Paper) -> (u32, u32) {
    (paper.dots() - 2 * SIDE, max_height(paper))
}

/// The logo as it prints on `paper`: as large as fits in [`fit_box`] with its proportions kept,
/// transparency composited onto white paper, dithered. `None` for anything that is not a
/// decodable PNG.
pub fn prepare(png_bytes: &[u8], paper: Paper) -> Option<Bitmap> {
    let (w, h, luma) = decode_luma(png_bytes)?;
    let (max_w, max_h) = fit_box(paper);
    let scale = f64::min(
        f64::from(max_w) / f64::from(w),
        f64::from(max_h) / f64::from(h),
    );
    let out_w = ((f64::from(w) * scale).round() as u32).clamp(1, max_w);
    let out_h = ((f64::from(h) * scale).round() as u32).clamp(1, max_h);
    let grey = if (out_w, out_h) == (w, h) {
        luma
    } else {
        resample(&luma, w, h, out_w, out_h)
    };
    Some(dither(&grey, out_w, out_h))
}

/// [`prepare`] encoded as a 1-bit PNG: what the server caches and sends in print jobs.
pub fn prepare_png(png_bytes: &[u8], paper: Paper) -> Option<Vec<u8>> {
    prepare(png_bytes, paper).map(|b| b.to_png())
}

/// Decodes any PNG (palette, grey, 16-bit, with or without alpha) to one luma byte per pixel on
/// white paper.
fn decode_luma(png_bytes: &[u8]) -> Option<(u32, u32, Vec<u8>)> {
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
    let stride = info.line_size;
    let mut out = Vec::with_capacity(w as usize * h as usize);
    for y in 0..h as usize {
        let row = buf.get(y * stride..y * stride + w as usize * channels)?;
        for p in row.chunks_exact(channels) {
            let (lum, alpha) = match channels {
                1 => (u32::from(p[0]), 255),
                2 => (u32::from(p[0]), u32::from(p[1])),
                3 => (luma(p), 255),
                _ => (luma(p), u32::from(p[3])),
            };
            // Composite onto white: transparent pixels are paper.
            out.push(((lum * alpha + 255 * (255 - alpha)) / 255) as u8);
        }
    }
    Some((w, h, out))
}

/// Rec. 601 luma, in integers.
fn luma(p: &[u8]) -> u32 {
    (299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2])) / 1000
}

/// For each output position along one axis, the source positions it covers and how much of it
/// each covers, in 1/65536ths (they add up to 65536).
fn weights(src: u32, dst: u32) -> Vec<Vec<(usize, u64)>> {
    const ONE: u64 = 1 << 16;
    // Output i spans [i * src, (i + 1) * src) in units of 1 / dst source pixels.
    let (src, dst) = (u64::from(src), u64::from(dst));
    (0..dst)
        .map(|i| {
            let (from, to) = (i * src, (i + 1) * src);
            let mut covered: Vec<(usize, u64)> = (from / dst..to.div_ceil(dst))
                .map(|j| {
                    let overlap = to.min((j + 1) * dst) - from.max(j * dst);
                    (j as usize, overlap * ONE / src)
                })
                .filter(|&(_, w)| w > 0)
                .collect();
            // Rounding down loses a little; give it to the largest share so each sum is exact.
            let lost = ONE - covered.iter().map(|c| c.1).sum::<u64>();
            if let Some(big) = covered.iter_mut().max_by_key(|c| c.1) {
                big.1 += lost;
            }
            covered
        })
        .collect()
}

/// Area-average resampling of a `w` x `h` grey image to `out_w` x `out_h`, one axis at a time.
fn resample(src: &[u8], w: u32, h: u32, out_w: u32, out_h: u32) -> Vec<u8> {
    let (xs, ys) = (weights(w, out_w), weights(h, out_h));
    // Horizontal pass into 16.16 fixed point, then vertical, rounding once at the end.
    let mut rows = vec![0u64; out_w as usize * h as usize];
    for y in 0..h as usize {
        let line = &src[y * w as usize..(y + 1) * w as usize];
        for (x, covered) in xs.iter().enumerate() {
            rows[y * out_w as usize + x] =
                covered.iter().map(|&(j, wt)| u64::from(line[j]) * wt).sum();
        }
    }
    let mut out = vec![0u8; out_w as usize * out_h as usize];
    for (y, covered) in ys.iter().enumerate() {
        for x in 0..out_w as usize {
            let v: u64 = covered
                .iter()
                .map(|&(j, wt)| rows[j * out_w as usize + x] * wt)
                .sum();
            out[y * out_w as usize + x] = ((v + (1 << 31)) >> 32).min(255) as u8;
        }
    }
    out
}

/// Floyd-Steinberg error diffusion to black (below mid-grey) and white, serpentine. Pure black
/// and pure white carry no error, so a 1-bit image comes out exactly as it went in.
fn dither(grey: &[u8], w: u32, h: u32) -> Bitmap {
    let (w, h) = (w as usize, h as usize);
    // Errors are sixteenths of a grey level; two rows are enough.
    let mut err = [vec![0i32; w + 2], vec![0i32; w + 2]];
    let mut out = Bitmap::new(w as u32, h as u32);
    for y in 0..h {
        let (cur, next) = if y % 2 == 0 { (0, 1) } else { (1, 0) };
        err[next].iter_mut().for_each(|e| *e = 0);
        let leftwards = y % 2 == 1;
        for i in 0..w {
            let x = if leftwards { w - 1 - i } else { i };
            // Index x + 1 in the error rows, so both neighbours always exist.
            let value = i32::from(grey[y * w + x]) * 16 + err[cur][x + 1];
            let black = value < 128 * 16;
            if black {
                out.set(x as i64, y as i64, true);
            }
            let e = (value - if black { 0 } else { 255 * 16 }) / 16;
            let (ahead, behind) = if leftwards { (x, x + 2) } else { (x + 2, x) };
            err[cur][ahead] += e * 7;
            err[next][behind] += e * 3;
            err[next][x + 1] += e * 5;
            err[next][ahead] += e;
        }
    }
    out
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

    fn ink(b: &Bitmap) -> usize {
        (0..b.height())
            .flat_map(|y| (0..b.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| b.get(x, y))
            .count()
    }

    #[test]
    fn fills_the_width_and_keeps_the_shape() {
        // A wide banner fills the printable width; a square one is capped in height.
        let banner = rgba_png(400, 100, |_, _| [0, 0, 0, 255]);
        let b = prepare(&banner, Paper::Mm80).unwrap();
        assert_eq!((b.width(), b.height()), (560, 140));
        let b = prepare(&banner, Paper::Mm58).unwrap();
        assert_eq!((b.width(), b.height()), (368, 92));
        let square = rgba_png(1000, 1000, |_, _| [0, 0, 0, 255]);
        let b = prepare(&square, Paper::Mm80).unwrap();
        assert_eq!((b.width(), b.height()), (160, 160));
        // Small logos are enlarged too; solid black stays solid.
        let tiny = rgba_png(8, 4, |_, _| [0, 0, 0, 255]);
        let b = prepare(&tiny, Paper::Mm58).unwrap();
        assert_eq!((b.width(), b.height()), (256, 128));
        assert_eq!(ink(&b), 256 * 128);
    }

    #[test]
    fn transparency_is_paper_and_edges_stay_sharp() {
        // Left half opaque black, right half transparent black, enlarged 46 times.
        let png = rgba_png(
            8,
            2,
            |x, _| if x < 4 { [0, 0, 0, 255] } else { [0, 0, 0, 0] },
        );
        let b = prepare(&png, Paper::Mm80).unwrap();
        assert_eq!((b.width(), b.height()), (560, 140));
        for y in [0, 70, 139] {
            assert!((0..279).all(|x| b.get(x, y)), "row {y} left is black");
            assert!((281..560).all(|x| !b.get(x, y)), "row {y} right is white");
        }
    }

    #[test]
    fn greys_are_dithered_to_their_share_of_dots() {
        for (level, expected) in [(64u8, 0.75), (128, 0.5), (192, 0.25)] {
            let png = rgba_png(100, 50, |_, _| [level, level, level, 255]);
            let b = prepare(&png, Paper::Mm80).unwrap();
            let share = ink(&b) as f64 / f64::from(b.width() * b.height());
            assert!(
                (share - expected).abs() < 0.02,
                "grey {level}: {share} black"
            );
        }
    }

    #[test]
    fn shrinking_keeps_thin_lines_as_dots() {
        // One-pixel lines every 8 pixels, shrunk to a quarter: grey, not lost.
        let png = rgba_png(1024, 256, |x, _| {
            if x % 8 == 0 {
                [0, 0, 0, 255]
            } else {
                [255, 255, 255, 255]
            }
        });
        let b = prepare(&png, Paper::Mm58).unwrap();
        assert_eq!((b.width(), b.height()), (368, 92));
        let share = ink(&b) as f64 / f64::from(b.width() * b.height());
        assert!((share - 0.125).abs() < 0.02, "{share}");
    }

    #[test]
    fn a_prepared_logo_passes_through_unchanged() {
        let png = rgba_png(300, 170, |x, y| {
            let v = ((x * 255 / 300 + y) % 256) as u8;
            [v, 255 - v, v / 2, if (x + y) % 5 == 0 { 128 } else { 255 }]
        });
        for paper in [Paper::Mm58, Paper::Mm80] {
            let once = prepare_png(&png, paper).unwrap();
            let twice = prepare_png(&once, paper).unwrap();
            assert_eq!(once, twice, "{paper}");
            assert_eq!(
                prepare(&once, paper).unwrap(),
                prepare(&png, paper).unwrap()
            );
        }
    }

    #[test]
    fn weights_cover_each_output_exactly() {
        for (src, dst) in [(64, 560), (1000, 533), (7, 3), (3, 7), (560, 560)] {
            for covered in weights(src, dst) {
                assert_eq!(covered.iter().map(|c| c.1).sum::<u64>(), 1 << 16);
            }
        }
        assert_eq!(weights(5, 5)[2], vec![(2, 1 << 16)]);
    }

    #[test]
    fn garbage_is_ignored() {
        assert!(prepare(b"not a png", Paper::Mm80).is_none());
        assert!(prepare(&[], Paper::Mm58).is_none());
    }
}
