//! Reading the QR code on a CCCD / căn cước card, as a keyboard-wedge scanner
//! types it: `ID|old ID|Full name|DDMMYYYY|sex|address|DDMMYYYY`, where the old
//! ID may be empty and 2024 căn cước cards append more fields. Parsing is
//! tolerant (surrounding whitespace, trailing CR/LF the scanner sends as Enter,
//! a byte-order mark, decomposed tone marks, missing or extra fields) and keeps
//! only what check-in needs: the 12-digit ID number, the name and the birth date.
//! The raw payload (address, parents' names) is never kept.

use jiff::civil::Date;
use unicode_normalization::UnicodeNormalization;

use crate::Error;

/// What check-in keeps of a card. `Debug` masks the ID so it cannot leak into
/// a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct CccdCard {
    /// The 12-digit personal identification number.
    pub id_number: String,
    /// NFC-normalised, single-spaced; empty if the card's QR had none.
    pub full_name: String,
    pub birth_date: Option<Date>,
}

impl std::fmt::Debug for CccdCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CccdCard")
            .field("id_number", &mask_id(&self.id_number))
            .finish_non_exhaustive()
    }
}

/// `********2345`: only the last four digits, as staff see it.
pub fn mask_id(id: &str) -> String {
    let n = id.chars().count();
    let tail: String = id.chars().skip(n.saturating_sub(4)).collect();
    format!("{}{tail}", "*".repeat(n.saturating_sub(4)))
}

/// Checks and normalises a typed ID number: 12 digits (CCCD / căn cước) or the
/// 9 digits of an old CMND; spaces are forgiven.
pub fn parse_id_number(s: &str) -> Result<String, Error> {
    let id: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if (id.len() == 12 || id.len() == 9) && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(Error::invalid(
            "id_number",
            "an ID number has 12 digits (or 9 for an old CMND)",
        ))
    }
}

/// Parses a scanned card payload.
pub fn parse(payload: &str) -> Result<CccdCard, Error> {
    // Scanners end with CR, LF or both; some prefix a BOM or pad with NULs.
    let cleaned: String = payload
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\0')
        .chars()
        .filter(|c| *c != '\r' && *c != '\n')
        .collect();
    let fields: Vec<&str> = cleaned.split('|').map(str::trim).collect();
    if fields.len() < 2 {
        return Err(Error::invalid("cccd", "not a CCCD QR code"));
    }
    let id = fields[0];
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            "cccd",
            "the card number must have 12 digits",
        ));
    }
    let full_name = fields
        .get(2)
        .map(|n| n.nfc().collect::<String>())
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let birth_date = fields.get(3).and_then(|d| ddmmyyyy(d));
    Ok(CccdCard {
        id_number: id.to_owned(),
        full_name,
        birth_date,
    })
}

fn ddmmyyyy(s: &str) -> Option<Date> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let day: i8 = s[0..2].parse().ok()?;
    let month: i8 = s[2..4].parse().ok()?;
    let year: i16 = s[4..8].parse().ok()?;
    Date::new(year, month, day).ok()
}

#[cfg(test)]
#[path = "cccd_tests.rs"]
mod tests;
