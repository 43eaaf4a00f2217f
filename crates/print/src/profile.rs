//! What a given printer can do: paper width, how it takes text, whether it draws QR codes itself.
//!
//! Profiles are parsed from the strings an installer types on the kiosk command line ("58", "80",
//! "raster", "tcvn3", "cp1258", "epson", "xprinter", "star"), so parsing is forgiving about case and
//! spelling ("58mm", "80 mm").

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Paper roll width. The dot counts are the printable width of a 203 dpi head.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Paper {
    /// 58 mm roll, 384 dots.
    #[serde(rename = "58")]
    Mm58,
    /// 80 mm roll, 576 dots.
    #[default]
    #[serde(rename = "80")]
    Mm80,
}

impl Paper {
    /// Printable width in dots; every raster image sent to the printer is exactly this wide.
    pub fn dots(self) -> u32 {
        match self {
            Paper::Mm58 => 384,
            Paper::Mm80 => 576,
        }
    }

    /// Characters per line in the printer's font A (12 dots wide), used by code-page text modes.
    pub fn columns(self) -> usize {
        (self.dots() / 12) as usize
    }

    /// "58" or "80", as on the command line and in the kiosk `hello` message.
    pub fn as_str(self) -> &'static str {
        match self {
            Paper::Mm58 => "58",
            Paper::Mm80 => "80",
        }
    }
}

/// How text reaches the paper.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextMode {
    /// Text drawn into an image with the embedded font and sent as GS v 0. Works on every printer
    /// and prints every Vietnamese diacritic, which is why it is the default.
    #[default]
    Raster,
    /// TCVN-3 (Epson pages 30 and 31 for toned capitals); the page numbers come from the
    /// printer's [`Family`].
    Tcvn3,
    /// Windows-1258 (Epson page 52): base letter plus a combining tone mark.
    Cp1258,
}

/// Whose firmware numbers the code pages (`ESC t n`): the same table has a different `n` on
/// each family, and a wrong `n` prints another alphabet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Epson TM-T20/T82/T88 and printers that follow Epson's numbering: TCVN-3 on 30 with its
    /// toned capitals on 31, WPC1258 on 52.
    #[default]
    Epson,
    /// Xprinter and the common Chinese firmware (Rongta, Gprinter, ZJiang, "POS-58/80"): TCVN-3
    /// ("Vietnam") on 27 with no capitals page, WPC1258 on 94.
    Xprinter,
    /// Star printers in ESC/POS emulation: no Vietnamese code page, so text modes print as raster.
    Star,
}

/// The `ESC t` numbers of the Vietnamese tables on one family; `None` where it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodePages {
    pub tcvn3: Option<u8>,
    /// TCVN-3's toned capitals (the lower-case bytes drawn as capitals). Without it a toned
    /// capital prints as its lower-case letter, which still reads right.
    pub tcvn3_capitals: Option<u8>,
    pub cp1258: Option<u8>,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Epson => "epson",
            Family::Xprinter => "xprinter",
            Family::Star => "star",
        }
    }

    /// Sources: Epson's ESC/POS reference (ESC t: 30, 31 TCVN-3; 52 WPC1258); Xprinter's command
    /// manual (ESC t 27 "Vietnam", TCVN-3) and the common Chinese firmware table (94 WPC1258);
    /// Star's ESC/POS emulation lists no Vietnamese page. See crates/print/README.md.
    pub fn code_pages(self) -> CodePages {
        match self {
            Family::Epson => CodePages {
                tcvn3: Some(30),
                tcvn3_capitals: Some(31),
                cp1258: Some(52),
            },
            Family::Xprinter => CodePages {
                tcvn3: Some(27),
                tcvn3_capitals: None,
                cp1258: Some(94),
            },
            Family::Star => CodePages {
                tcvn3: None,
                tcvn3_capitals: None,
                cp1258: None,
            },
        }
    }
}

impl TextMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TextMode::Raster => "raster",
            TextMode::Tcvn3 => "tcvn3",
            TextMode::Cp1258 => "cp1258",
        }
    }
}

/// One printer's capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PrinterProfile {
    pub paper: Paper,
    pub text_mode: TextMode,
    /// The printer understands GS ( k QR commands; otherwise the QR is drawn into the raster.
    pub native_qr: bool,
    /// The printer has an auto-cutter; otherwise we only feed past the tear bar.
    pub cut: bool,
    /// Whose code page numbers the printer uses (text modes only).
    #[serde(default)]
    pub family: Family,
}

impl PrinterProfile {
    /// The text mode actually used: a code-page mode the family has no table for prints as raster.
    pub fn effective_text_mode(&self) -> TextMode {
        let pages = self.family.code_pages();
        match self.text_mode {
            TextMode::Tcvn3 if pages.tcvn3.is_none() => TextMode::Raster,
            TextMode::Cp1258 if pages.cp1258.is_none() => TextMode::Raster,
            m => m,
        }
    }
}

impl Default for PrinterProfile {
    fn default() -> Self {
        PrinterProfile {
            paper: Paper::Mm80,
            text_mode: TextMode::Raster,
            native_qr: false,
            cut: true,
            family: Family::Epson,
        }
    }
}

/// A profile string that names no known paper or text mode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown paper width {0:?}: expected 58 or 80")]
    Paper(String),
    #[error("unknown text mode {0:?}: expected raster, tcvn3 or cp1258")]
    TextMode(String),
    #[error("unknown printer family {0:?}: expected epson, xprinter or star")]
    Family(String),
}

/// Lower-cases and drops spaces, dashes and a trailing "mm", so "80 mm" and "CP-1258" parse.
fn normalise(s: &str) -> String {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    t.strip_suffix("mm").map(str::to_owned).unwrap_or(t)
}

impl FromStr for Paper {
    type Err = ProfileError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match normalise(s).as_str() {
            "58" | "384" => Ok(Paper::Mm58),
            "80" | "576" => Ok(Paper::Mm80),
            _ => Err(ProfileError::Paper(s.to_owned())),
        }
    }
}

impl FromStr for TextMode {
    type Err = ProfileError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match normalise(s).as_str() {
            "raster" | "image" => Ok(TextMode::Raster),
            "tcvn3" | "tcvn" | "abc" => Ok(TextMode::Tcvn3),
            "cp1258" | "windows1258" | "wpc1258" | "1258" => Ok(TextMode::Cp1258),
            _ => Err(ProfileError::TextMode(s.to_owned())),
        }
    }
}

impl FromStr for Family {
    type Err = ProfileError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match normalise(s).as_str() {
            "epson" => Ok(Family::Epson),
            "xprinter" | "chinese" | "rongta" | "gprinter" | "zjiang" | "pos58" | "pos80" => {
                Ok(Family::Xprinter)
            }
            "star" => Ok(Family::Star),
            _ => Err(ProfileError::Family(s.to_owned())),
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Paper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for TextMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_installer_spellings() {
        assert_eq!("58".parse::<Paper>(), Ok(Paper::Mm58));
        assert_eq!("80mm".parse::<Paper>(), Ok(Paper::Mm80));
        assert_eq!(" 80 MM ".parse::<Paper>(), Ok(Paper::Mm80));
        assert!("76".parse::<Paper>().is_err());
        assert_eq!("RASTER".parse::<TextMode>(), Ok(TextMode::Raster));
        assert_eq!("tcvn3".parse::<TextMode>(), Ok(TextMode::Tcvn3));
        assert_eq!("CP-1258".parse::<TextMode>(), Ok(TextMode::Cp1258));
        assert!("utf8".parse::<TextMode>().is_err());
        assert_eq!("Epson".parse::<Family>(), Ok(Family::Epson));
        assert_eq!("XPrinter".parse::<Family>(), Ok(Family::Xprinter));
        assert_eq!("POS-58".parse::<Family>(), Ok(Family::Xprinter));
        assert_eq!("star".parse::<Family>(), Ok(Family::Star));
        assert!("citizen".parse::<Family>().is_err());
    }

    #[test]
    fn a_family_without_the_table_prints_raster() {
        let p = |family, text_mode| PrinterProfile {
            family,
            text_mode,
            ..PrinterProfile::default()
        };
        assert_eq!(
            p(Family::Epson, TextMode::Tcvn3).effective_text_mode(),
            TextMode::Tcvn3
        );
        assert_eq!(
            p(Family::Xprinter, TextMode::Cp1258).effective_text_mode(),
            TextMode::Cp1258
        );
        for m in [TextMode::Tcvn3, TextMode::Cp1258, TextMode::Raster] {
            assert_eq!(p(Family::Star, m).effective_text_mode(), TextMode::Raster);
        }
    }

    #[test]
    fn default_profile_is_80mm_raster_with_cut() {
        let p = PrinterProfile::default();
        assert_eq!(
            (p.paper, p.text_mode, p.native_qr, p.cut, p.family),
            (Paper::Mm80, TextMode::Raster, false, true, Family::Epson)
        );
        assert_eq!(Paper::Mm58.dots(), 384);
        assert_eq!(Paper::Mm80.dots(), 576);
    }

    #[test]
    fn paper_serialises_as_its_width() {
        assert_eq!(serde_json::to_string(&Paper::Mm80).unwrap(), "\"80\"");
        assert_eq!(
            serde_json::from_str::<Paper>("\"58\"").unwrap(),
            Paper::Mm58
        );
    }
}
