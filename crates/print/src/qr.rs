//! QR codes for the ticket's live-status link, sized for the paper.
//!
//! The same module size is used whether the QR is drawn into the raster or sent as a native GS ( k
//! command, so a ticket looks the same on both kinds of printer. Error correction is M: a thermal
//! ticket crumpled in a pocket still scans, and the link stays at version 3 or 4 (29-33 modules).

use crate::bitmap::Bitmap;
use crate::profile::Paper;
use qrcode::{EcLevel, QrCode};

/// Bytes a QR code holds at most at level M (version 40, byte mode).
pub const MAX_BYTES: usize = 2331;

/// Modules of white around the symbol, as the QR specification asks.
pub const QUIET_ZONE: usize = 4;

/// A QR symbol as a square of modules.
#[derive(Debug, Clone)]
pub struct QrMatrix {
    size: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `data` at error correction level M; `None` when it is too long for any QR version.
    pub fn encode(data: &str) -> Option<QrMatrix> {
        // Version 40 at level M holds 2331 bytes; refusing longer input up front spares the
        // encoder a slow search through every version.
        if data.len() > MAX_BYTES {
            return None;
        }
        let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()?;
        Some(QrMatrix {
            size: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect(),
        })
    }

    /// Modules per side, without the quiet zone.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Dots per module so the symbol plus quiet zone takes about half the paper width: large
    /// enough for an old phone camera, small enough to leave room for the number.
    pub fn module_dots(&self, paper: Paper) -> u32 {
        let total = (self.size + 2 * QUIET_ZONE) as u32;
        let target = paper.dots() * 55 / 100;
        (target / total)
            .clamp(2, 16)
            .min(paper.dots() / total)
            .max(1)
    }

    /// The symbol with its quiet zone, `module` dots per module.
    pub fn to_bitmap(&self, module: u32) -> Bitmap {
        let side = (self.size + 2 * QUIET_ZONE) as u32 * module;
        let mut bmp = Bitmap::new(side, side);
        for y in 0..self.size {
            for x in 0..self.size {
                if self.dark[y * self.size + x] {
                    let px = (x + QUIET_ZONE) as i64 * i64::from(module);
                    let py = (y + QUIET_ZONE) as i64 * i64::from(module);
                    bmp.fill_rect(px, py, module, module, true);
                }
            }
        }
        bmp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A status link with a ticket token as the server makes them (7
    /// characters of time, 22 random), on a centre's LAN address and on a
    /// province's host name.
    #[test]
    fn status_link_fits_both_papers() {
        let token = "Vd3gh8Qvldq0TIS6M6SGkzRAnraUg";
        for host in [
            "http://192.168.1.10:8080",
            "https://hcc.tinh-ben-tre.gov.vn",
        ] {
            let m = QrMatrix::encode(&format!("{host}/t/{token}")).unwrap();
            for paper in [Paper::Mm58, Paper::Mm80] {
                let module = m.module_dots(paper);
                let bmp = m.to_bitmap(module);
                assert!(bmp.width() <= paper.dots());
                assert!(
                    module >= 4,
                    "{host}, {paper:?}: module {module} too small to scan reliably"
                );
            }
        }
    }

    #[test]
    fn oversized_payload_is_refused_not_panicked() {
        assert!(QrMatrix::encode(&"x".repeat(5000)).is_none());
    }
}
