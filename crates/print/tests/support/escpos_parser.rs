//! A small ESC/POS reader for tests: it walks the bytes the way a printer would and reports what
//! would come out (text decoded from the selected code page, raster images, native QR payloads,
//! cuts). It is strict: an unknown command is an error, so the renderer cannot emit anything the
//! tests did not account for. Its code-page tables are written independently of the library's.

use luot_print::viet::compose;

/// One GS v 0 command.
#[derive(Debug, Clone)]
pub struct Raster {
    pub width_dots: u32,
    pub rows: u32,
    pub data: Vec<u8>,
}

/// One GS ( k QR symbol as the printer would store and print it.
#[derive(Debug, Clone, Default)]
pub struct NativeQr {
    pub model: Option<u8>,
    pub module: Option<u8>,
    pub ec: Option<u8>,
    pub data: Vec<u8>,
    pub printed: bool,
}

#[derive(Debug, Default)]
pub struct Parsed {
    /// Printed text; `\n` where the printer would feed a line.
    pub text: String,
    /// Every GS v 0 command (band) as sent.
    pub rasters: Vec<Raster>,
    /// Bands sent back to back, stacked into the images they form.
    pub images: Vec<Raster>,
    pub qrs: Vec<NativeQr>,
    /// Every `ESC t n` in order.
    pub pages: Vec<u8>,
    pub cuts: usize,
    /// Whether the stream ends with a cut (nothing printed after it).
    pub ends_with_cut: bool,
    pub inits: usize,
    /// The widest text line in dots (font A: 12 dots a cell, times the GS ! width).
    pub widest_line_dots: u32,
}

/// Where a printer family keeps the Vietnamese tables (`ESC t n`).
#[derive(Debug, Clone, Copy)]
pub struct Pages {
    pub tcvn3: u8,
    /// The page drawing TCVN-3's lower-case bytes as capitals, if the family has one.
    pub capitals: Option<u8>,
    pub cp1258: u8,
}

/// Epson's numbers.
pub const EPSON: Pages = Pages {
    tcvn3: 30,
    capitals: Some(31),
    cp1258: 52,
};

/// TCVN-3 bytes 0xA0..=0xFF, sixteen per row; '·' marks unassigned bytes.
const TCVN3_HIGH: [&str; 6] = [
    "·ĂÂÊÔƠƯĐăâêôơưđ·",
    "·····àảãáạ·ằẳẵắ·",
    "······ặầẩẫấậè·ẻẽ",
    "éẹềểễếệìỉ···ĩíịò",
    "·ỏõóọồổỗốộờởỡớợù",
    "·ủũúụừửữứựỳỷỹýỵ·",
];

/// Windows-1258 bytes 0x80..=0xFF (from the code page's published table); U+FFFD marks unassigned.
const CP1258_HIGH: &str = "€\u{FFFD}‚ƒ„…†‡ˆ‰\u{FFFD}‹Œ\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}‘’“”•–—˜™\u{FFFD}›œ\u{FFFD}\u{FFFD}Ÿ\u{A0}¡¢£¤¥¦§¨©ª«¬\u{AD}®¯°±²³´µ¶·¸¹º»¼½¾¿\
ÀÁÂĂÄÅÆÇÈÉÊË\u{300}ÍÎÏĐÑ\u{309}ÓÔƠÖ×ØÙÚÛÜƯ\u{303}ßàáâăäåæçèéêë\u{301}íîïđñ\u{323}óôơö÷øùúûüư₫ÿ";

fn decode_byte(pages: &Pages, page: u8, b: u8) -> Result<String, String> {
    let capitals = Some(page) == pages.capitals;
    if b < 0x80 {
        let c = b as char;
        return Ok(if capitals {
            c.to_ascii_uppercase().to_string()
        } else {
            c.to_string()
        });
    }
    let tcvn3 = page == pages.tcvn3 || capitals;
    let c = if tcvn3 && b >= 0xA0 {
        TCVN3_HIGH[usize::from(b - 0xA0) / 16]
            .chars()
            .nth(usize::from(b % 16))
    } else if page == pages.cp1258 {
        CP1258_HIGH.chars().nth(usize::from(b - 0x80))
    } else {
        None
    };
    match c {
        Some('·') if tcvn3 => Err(format!("byte {b:#04x} has no character in page {page}")),
        Some('\u{FFFD}') | None => Err(format!("byte {b:#04x} has no character in page {page}")),
        Some(c) if capitals => Ok(c.to_uppercase().collect()),
        Some(c) => Ok(c.to_string()),
    }
}

/// Parses a complete job for an Epson-numbered printer.
pub fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    parse_with(bytes, &EPSON)
}

/// Parses a complete job. Text in the Windows-1258 page is composed (base + combining tone -> one
/// letter).
pub fn parse_with(bytes: &[u8], pages: &Pages) -> Result<Parsed, String> {
    let mut p = Parsed::default();
    let mut page = 0u8;
    // GS ! width multiplier, and the current line's width in dots.
    let mut scale = 1u32;
    let mut line = 0u32;
    let mut i = 0usize;
    let need = |i: usize, n: usize| -> Result<&[u8], String> {
        bytes
            .get(i..i + n)
            .ok_or_else(|| format!("truncated command at {i}"))
    };
    let mut raw_text = String::new();
    // Whether the previous command was a raster band, so the next one continues the same image.
    let mut in_image = false;
    while i < bytes.len() {
        let b = bytes[i];
        let was_in_image = std::mem::take(&mut in_image);
        p.ends_with_cut = false;
        match b {
            0x0A => {
                raw_text.push('\n');
                line = 0;
                i += 1;
            }
            0x1B => {
                let cmd = need(i, 2)?[1];
                match cmd {
                    b'@' => {
                        p.inits += 1;
                        page = 0;
                        scale = 1;
                        i += 2;
                    }
                    b't' => {
                        page = need(i, 3)?[2];
                        p.pages.push(page);
                        i += 3;
                    }
                    b'a' | b'E' | b'J' => i += 3,
                    b'd' => {
                        raw_text.push('\n');
                        line = 0;
                        i += 3;
                    }
                    other => return Err(format!("unknown ESC {other:#04x} at {i}")),
                }
            }
            0x1D => {
                let cmd = need(i, 2)?[1];
                match cmd {
                    b'!' => {
                        scale = u32::from(need(i, 3)?[2] >> 4) + 1;
                        i += 3;
                    }
                    b'B' => i += 3,
                    b'V' => {
                        let m = need(i, 3)?[2];
                        i += if m == 65 || m == 66 { 4 } else { 3 };
                        need(i - 1, 1)?;
                        p.cuts += 1;
                        p.ends_with_cut = true;
                    }
                    b'v' => {
                        let h = need(i, 8)?;
                        if h[2] != b'0' {
                            return Err(format!("GS v {} is not GS v 0", h[2]));
                        }
                        let x = usize::from(h[4]) | usize::from(h[5]) << 8;
                        let y = usize::from(h[6]) | usize::from(h[7]) << 8;
                        let data = need(i + 8, x * y)?.to_vec();
                        let band = Raster {
                            width_dots: (x * 8) as u32,
                            rows: y as u32,
                            data,
                        };
                        match p.images.last_mut() {
                            Some(img) if was_in_image && img.width_dots == band.width_dots => {
                                img.rows += band.rows;
                                img.data.extend_from_slice(&band.data);
                            }
                            _ => p.images.push(band.clone()),
                        }
                        p.rasters.push(band);
                        in_image = true;
                        i += 8 + x * y;
                    }
                    b'(' => {
                        let h = need(i, 5)?;
                        if h[2] != b'k' {
                            return Err(format!("GS ( {} unsupported", h[2]));
                        }
                        let len = usize::from(h[3]) | usize::from(h[4]) << 8;
                        let body = need(i + 5, len)?;
                        qr_function(&mut p, body)?;
                        i += 5 + len;
                    }
                    other => return Err(format!("unknown GS {other:#04x} at {i}")),
                }
            }
            0x10 => return Err(format!("DLE (real-time command) inside a job at {i}")),
            b if b < 0x20 => return Err(format!("control byte {b:#04x} at {i}")),
            b => {
                let s = decode_byte(pages, page, b)?;
                // A combining tone mark is drawn over the letter before it.
                if !s.chars().all(|c| ('\u{300}'..='\u{36F}').contains(&c)) {
                    line += 12 * scale;
                    p.widest_line_dots = p.widest_line_dots.max(line);
                }
                raw_text.push_str(&s);
                i += 1;
            }
        }
    }
    p.text = compose(&raw_text);
    Ok(p)
}

/// cn = 49 (QR) functions 65 (model), 67 (module size), 69 (error correction), 80 (store), 81 (print).
fn qr_function(p: &mut Parsed, body: &[u8]) -> Result<(), String> {
    if body.first() != Some(&49) {
        return Err(format!("GS ( k cn {:?} is not QR", body.first()));
    }
    let fresh = p.qrs.last().is_none_or(|q| q.printed);
    if fresh {
        p.qrs.push(NativeQr::default());
    }
    let q = p.qrs.last_mut().ok_or("no qr")?;
    match body.get(1) {
        Some(65) => q.model = body.get(2).copied(),
        Some(67) => q.module = body.get(2).copied(),
        Some(69) => q.ec = body.get(2).copied(),
        Some(80) if body.get(2) == Some(&48) => q.data = body[3..].to_vec(),
        Some(81) => q.printed = true,
        other => return Err(format!("QR function {other:?} unsupported")),
    }
    Ok(())
}

impl Parsed {
    /// The whole job as one image, when it is a single run of bands (raster mode).
    pub fn single_image(&self) -> Option<&Raster> {
        match self.images.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Printed text with line breaks folded into spaces, for phrase searches across wrapped lines.
    pub fn flat_text(&self) -> String {
        self.text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}
