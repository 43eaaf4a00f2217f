//! Unicode text to printer code pages, for printers driven in code-page text mode.
//!
//! Two encoders, both written out as tables here because no maintained crate has them right:
//! TCVN-3 (Epson pages 30 and 31) and Windows-1258 (Epson page 52). Input is first composed
//! ([`crate::viet::compose`]) and stripped of control characters, so a ticket field can never smuggle
//! an ESC/POS command onto the paper.

pub mod cp1258;
pub mod tcvn3;

/// `ESC t` page numbers on Epson printers (Xprinter clones often renumber these).
pub const PAGE_TCVN3: u8 = 30;
/// TCVN-3 capitals: the same byte values as page 30's lower-case letters, drawn as capitals.
pub const PAGE_TCVN3_CAPITALS: u8 = 31;
/// WPC1258 (Windows-1258).
pub const PAGE_CP1258: u8 = 52;

/// A stretch of bytes to print in one code page; the caller selects `page` with `ESC t` first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub page: u8,
    pub bytes: Vec<u8>,
}

/// Composes Vietnamese letters and turns control characters (ESC, GS, DLE, newlines...) into
/// spaces: lines are laid out by the caller, and a stray control byte would be a printer command.
pub(crate) fn clean(s: &str) -> String {
    crate::viet::compose(s)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// ASCII stand-ins for typographic punctuation a code page lacks, so "Tư pháp – Hộ tịch" does not
/// print a question mark where the dash was.
pub(crate) fn ascii_fallback(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{00A0}' | '\u{2007}' | '\u{202F}' => " ",
        '\u{2010}'..='\u{2015}' | '\u{2212}' => "-",
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => "\"",
        '\u{2026}' => "...",
        '\u{2022}' | '\u{00B7}' => "*",
        _ => return None,
    })
}

/// Pushes `byte` onto the last run if it is in `page`, else opens a new run.
pub(crate) fn push(runs: &mut Vec<Run>, page: u8, byte: u8) {
    match runs.last_mut() {
        Some(run) if run.page == page => run.bytes.push(byte),
        _ => runs.push(Run {
            page,
            bytes: vec![byte],
        }),
    }
}
