//! What a given printer can do: paper width, how it takes text, whether it draws QR codes itself.
//!
//! Profiles are parsed from the strings an installer types on the kiosk command line ("58", "80",
//! "raster", "tcvn3", "cp1258"), so parsing is forgiving about case and spelling ("58mm", "80 mm").

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
    /// Epson code page 30 (TCVN-3 lower case and the plain capitals) with page 31 for toned capitals.
    Tcvn3,
    /// Epson code page 52 (Windows-1258): base letter plus a combining tone mark.
    Cp1258,
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
}

impl Default for PrinterProfile {
    fn default() -> Self {
        PrinterProfile {
            paper: Paper::Mm80,
            text_mode: TextMode::Raster,
            native_qr: false,
            cut: true,
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
    }

    #[test]
    fn default_profile_is_80mm_raster_with_cut() {
        let p = PrinterProfile::default();
        assert_eq!(
            (p.paper, p.text_mode, p.native_qr, p.cut),
            (Paper::Mm80, TextMode::Raster, false, true)
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
