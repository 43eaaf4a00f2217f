//! Dossier codes (mã hồ sơ): the number the province's one-stop system gives a
//! citizen's matter, printed on the receipt as text and barcode/QR. An officer
//! attaches one or more to the ticket being served, so satisfaction ratings and
//! waiting times can be counted per dossier, as the Decision 766/QĐ-TTg index does.
//!
//! Each province formats its codes its own way, so the accepted shape is a
//! pattern the administrator sets ([`DossierPattern`]); the default accepts what
//! every known system prints: letters, digits, `.`, `-`, `_`, 4 to 40 characters.
//! Rust's `regex` runs in linear time, so an administrator's pattern cannot stall
//! the server, and its compiled size is bounded.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Error;

/// What codes look like when the administrator set nothing.
pub const DEFAULT_DOSSIER_PATTERN: &str = "[A-Za-z0-9._-]{4,40}";
/// Longest pattern an administrator may set.
pub const MAX_PATTERN_CHARS: usize = 200;
/// Longest code, whatever the pattern says: a code is stored and exported.
pub const MAX_CODE_CHARS: usize = 64;
/// Most dossier codes on one ticket (a citizen may file several matters).
pub const MAX_DOSSIERS_PER_TICKET: usize = 20;
/// The placeholder of an evaluation URL template.
pub const DOSSIER_PLACEHOLDER: &str = "{dossier_code}";

/// A compiled, anchored dossier-code pattern.
#[derive(Debug, Clone)]
pub struct DossierPattern(regex::Regex);

impl DossierPattern {
    /// Compiles `pattern` anchored at both ends (a partial match never passes).
    pub fn parse(pattern: &str) -> Result<Self, Error> {
        if pattern.trim().is_empty() || pattern.chars().count() > MAX_PATTERN_CHARS {
            return Err(Error::invalid(
                "dossier_pattern",
                format!("1 to {MAX_PATTERN_CHARS} characters"),
            ));
        }
        regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
            .size_limit(1 << 20)
            .build()
            .map(Self)
            .map_err(|_| Error::invalid("dossier_pattern", "not a valid regular expression"))
    }

    /// The centre's pattern, or the default.
    pub fn of(pattern: Option<&str>) -> Result<Self, Error> {
        Self::parse(pattern.unwrap_or(DEFAULT_DOSSIER_PATTERN))
    }

    pub fn default_pattern() -> Self {
        Self::parse(DEFAULT_DOSSIER_PATTERN).expect("the default pattern compiles")
    }
}

/// A dossier code that matched its centre's pattern. Leading and trailing
/// whitespace (a scanner's Enter, a pasted space) is trimmed first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct DossierCode(String);

impl DossierCode {
    pub fn parse(s: &str, pattern: &DossierPattern) -> Result<Self, Error> {
        let s = s.trim();
        if s.is_empty()
            || s.chars().count() > MAX_CODE_CHARS
            || s.chars().any(char::is_control)
            || !pattern.0.is_match(s)
        {
            return Err(Error::invalid(
                "dossier_code",
                "does not have the shape of this centre's dossier codes",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// A code read back from storage (it was checked when attached).
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks an evaluation URL template: an `http(s)://` address containing
/// [`DOSSIER_PLACEHOLDER`] once.
pub fn check_evaluation_template(template: &str) -> Result<(), Error> {
    let ok = (template.starts_with("https://") || template.starts_with("http://"))
        && template.matches(DOSSIER_PLACEHOLDER).count() == 1
        && template.len() <= 500
        && !template
            .chars()
            .any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "evaluation_url_template",
            format!("an http(s) address containing {DOSSIER_PLACEHOLDER} once"),
        ))
    }
}

/// The evaluation page of one dossier: the template with the code
/// percent-encoded in place of the placeholder.
pub fn evaluation_url(template: &str, code: &DossierCode) -> String {
    let mut encoded = String::new();
    for b in code.as_str().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    template.replacen(DOSSIER_PLACEHOLDER, &encoded, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pattern_takes_receipt_codes_and_refuses_the_rest() {
        let p = DossierPattern::default_pattern();
        for ok in [
            "000.00.21.H37-241204-0001",
            "H37.21-2024_15",
            "ABCD",
            " G12.3456 \n",
        ] {
            assert!(DossierCode::parse(ok, &p).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "abc",
            "has space inside",
            "mã-hồ-sơ",
            &"A".repeat(41),
            "a/b/c/d",
        ] {
            assert!(DossierCode::parse(bad, &p).is_err(), "{bad}");
        }
        assert_eq!(
            DossierCode::parse(" G12.3456 \n", &p).unwrap().as_str(),
            "G12.3456"
        );
    }

    #[test]
    fn an_admin_pattern_is_anchored() {
        let p = DossierPattern::parse("H37-[0-9]{6}").unwrap();
        assert!(DossierCode::parse("H37-123456", &p).is_ok());
        assert!(DossierCode::parse("xH37-123456", &p).is_err());
        assert!(DossierCode::parse("H37-1234567", &p).is_err());
        assert!(DossierPattern::parse("(").is_err());
        assert!(DossierPattern::parse("").is_err());
    }

    #[test]
    fn evaluation_urls_encode_the_code() {
        let t = "https://dichvucong.example.vn/danh-gia?ma={dossier_code}&src=luot";
        check_evaluation_template(t).unwrap();
        let c = DossierCode::from_stored("000.00.21.H37-241204 0001".into());
        assert_eq!(
            evaluation_url(t, &c),
            "https://dichvucong.example.vn/danh-gia?ma=000.00.21.H37-241204%200001&src=luot"
        );
        for bad in [
            "ftp://x/{dossier_code}",
            "https://x/",
            "https://x/{dossier_code}/{dossier_code}",
        ] {
            assert!(check_evaluation_template(bad).is_err(), "{bad}");
        }
    }
}
