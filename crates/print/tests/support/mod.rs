//! Shared by the print integration tests: the ESC/POS reader, sample tickets, golden files, and
//! image helpers (PNG to dots, QR decoding).
#![allow(dead_code)]

pub mod escpos_parser;

use luot_print::{Lang, TicketPrint};
use std::path::PathBuf;

/// Sample ticket with every optional part present (logo, two-line header, address, two-line
/// footer) and capitals that need every trick: stacked marks (Ễ, Ỹ), horned letters (Ư, Ơ), đ/Đ.
pub fn full_ticket() -> TicketPrint {
    TicketPrint {
        header: Some(HEADER.into()),
        header_note: Some("Số 12 đường Nguyễn Đình Chiểu, thị trấn Mỏ Cày".into()),
        booking_code: Some("K7M2QX".into()),
        footer: Some(
            "Ông NGUYỄN VĂN Ỹ - ĐẤT ĐAI - Ư Ơ\nVui lòng giữ phiếu đến khi được phục vụ.".into(),
        ),
        logo_png: Some(logo()),
        ..TicketPrint::sample()
    }
}

/// The header of [`full_ticket`]: a line long enough to wrap on 58 mm paper, then a short one.
pub const HEADER: &str = "ỦY BAN NHÂN DÂN HUYỆN MỎ CÀY NAM, TỈNH BẾN TRE\nKính chào quý khách";

pub fn english_ticket() -> TicketPrint {
    TicketPrint {
        lang: Lang::En,
        ..full_ticket()
    }
}

/// A 64 x 32 logo: a black frame with a diagonal, on a transparent background.
pub fn logo() -> Vec<u8> {
    rgba_png(64, 32, |x, y| {
        let ink = x < 3 || y < 3 || x >= 61 || y >= 29 || x / 2 == y;
        if ink {
            [20, 40, 160, 255]
        } else {
            [0, 0, 0, 0]
        }
    })
}

/// An 8-bit RGBA PNG of `w` x `h` pixels coloured by `px(x, y)`.
pub fn rgba_png(w: u32, h: u32, px: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut wr = enc.write_header().unwrap();
    let data: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .flat_map(|(x, y)| px(x, y))
        .collect();
    wr.write_image_data(&data).unwrap();
    wr.finish().unwrap();
    out
}

pub fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
}

/// Compares `actual` with the golden file, or rewrites the file when `LUOT_BLESS=1`.
pub fn check_golden(name: &str, actual: &[u8]) {
    let path = golden_dir().join(name);
    if std::env::var("LUOT_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with LUOT_BLESS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let at = expected
            .iter()
            .zip(actual)
            .position(|(a, b)| a != b)
            .unwrap_or(expected.len().min(actual.len()));
        panic!(
            "{name} differs from the golden file at byte {at} (golden {} bytes, now {}); \
             if the change is intended, run `LUOT_BLESS=1 cargo test -p luot-print` and review the PNGs",
            expected.len(),
            actual.len()
        );
    }
}

/// Decodes a 1-bit PNG preview into (width, height, packed rows with 1 = black).
pub fn png_to_dots(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let info = reader.info();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    assert_eq!(info.bit_depth, png::BitDepth::One);
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let data = buf[..frame.buffer_size()].iter().map(|b| !b).collect();
    (frame.width, frame.height, data)
}

/// Every QR code found in a packed 1-bit image, decoded.
pub fn decode_qr(width: u32, height: u32, data: &[u8]) -> Vec<String> {
    // Paper continues white beyond an image; give the detector the same margin.
    const MARGIN: usize = 16;
    let stride = width.div_ceil(8) as usize;
    let (w, h) = (width as usize + 2 * MARGIN, height as usize + 2 * MARGIN);
    let mut img = rqrr::PreparedImage::prepare_from_bitmap(w, h, |x, y| {
        let (Some(x), Some(y)) = (x.checked_sub(MARGIN), y.checked_sub(MARGIN)) else {
            return false;
        };
        x < width as usize
            && y < height as usize
            && data[y * stride + x / 8] & (0x80 >> (x % 8)) != 0
    });
    img.detect_grids()
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect()
}
