//! TCVN-3 (TCVN 5712:1993 "ABC"), the 8-bit Vietnamese encoding Epson calls code page 30.
//!
//! The table holds every lower-case letter and the seven plain capitals (Ă Â Ê Ô Ơ Ư Đ), but no
//! toned capitals: those were printed with a capitals font using the lower-case byte values. Epson
//! mirrors that with page 31, so a toned capital such as `Ễ` is page 31 + the byte of `ễ`. The
//! capitals page draws every letter as a capital, so we switch to it only for those letters.

use super::{ascii_fallback, clean, push, Run, PAGE_TCVN3, PAGE_TCVN3_CAPITALS};

/// Non-ASCII letters of page 30 and their bytes.
const TABLE: [(char, u8); 74] = [
    ('Ă', 0xA1),
    ('Â', 0xA2),
    ('Ê', 0xA3),
    ('Ô', 0xA4),
    ('Ơ', 0xA5),
    ('Ư', 0xA6),
    ('Đ', 0xA7),
    ('ă', 0xA8),
    ('â', 0xA9),
    ('ê', 0xAA),
    ('ô', 0xAB),
    ('ơ', 0xAC),
    ('ư', 0xAD),
    ('đ', 0xAE),
    ('à', 0xB5),
    ('ả', 0xB6),
    ('ã', 0xB7),
    ('á', 0xB8),
    ('ạ', 0xB9),
    ('ằ', 0xBB),
    ('ẳ', 0xBC),
    ('ẵ', 0xBD),
    ('ắ', 0xBE),
    ('ặ', 0xC6),
    ('ầ', 0xC7),
    ('ẩ', 0xC8),
    ('ẫ', 0xC9),
    ('ấ', 0xCA),
    ('ậ', 0xCB),
    ('è', 0xCC),
    ('ẻ', 0xCE),
    ('ẽ', 0xCF),
    ('é', 0xD0),
    ('ẹ', 0xD1),
    ('ề', 0xD2),
    ('ể', 0xD3),
    ('ễ', 0xD4),
    ('ế', 0xD5),
    ('ệ', 0xD6),
    ('ì', 0xD7),
    ('ỉ', 0xD8),
    ('ĩ', 0xDC),
    ('í', 0xDD),
    ('ị', 0xDE),
    ('ò', 0xDF),
    ('ỏ', 0xE1),
    ('õ', 0xE2),
    ('ó', 0xE3),
    ('ọ', 0xE4),
    ('ồ', 0xE5),
    ('ổ', 0xE6),
    ('ỗ', 0xE7),
    ('ố', 0xE8),
    ('ộ', 0xE9),
    ('ờ', 0xEA),
    ('ở', 0xEB),
    ('ỡ', 0xEC),
    ('ớ', 0xED),
    ('ợ', 0xEE),
    ('ù', 0xEF),
    ('ủ', 0xF1),
    ('ũ', 0xF2),
    ('ú', 0xF3),
    ('ụ', 0xF4),
    ('ừ', 0xF5),
    ('ử', 0xF6),
    ('ữ', 0xF7),
    ('ứ', 0xF8),
    ('ự', 0xF9),
    ('ỳ', 0xFA),
    ('ỷ', 0xFB),
    ('ỹ', 0xFC),
    ('ý', 0xFD),
    ('ỵ', 0xFE),
];

fn lookup(c: char) -> Option<u8> {
    TABLE.iter().find(|(k, _)| *k == c).map(|(_, b)| *b)
}

/// Encodes one line of text into runs of page 30 and page 31 bytes. Characters TCVN-3 cannot hold
/// become an ASCII stand-in or `?`.
pub fn encode(text: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    for c in clean(text).chars() {
        if c.is_ascii() {
            push(&mut runs, PAGE_TCVN3, c as u8);
        } else if let Some(b) = lookup(c) {
            push(&mut runs, PAGE_TCVN3, b);
        } else if let Some(b) = capital_via_lower_case(c) {
            push(&mut runs, PAGE_TCVN3_CAPITALS, b);
        } else {
            for b in ascii_fallback(c).unwrap_or("?").bytes() {
                push(&mut runs, PAGE_TCVN3, b);
            }
        }
    }
    runs
}

/// A toned capital is printed as its lower-case byte in the capitals page.
fn capital_via_lower_case(c: char) -> Option<u8> {
    if !c.is_uppercase() {
        return None;
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => lookup(l),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::viet::non_ascii_letters;

    /// Reads runs back the way a printer with pages 30/31 would show them.
    fn decode(runs: &[Run]) -> String {
        let mut s = String::new();
        for run in runs {
            for &b in &run.bytes {
                let c = if b.is_ascii() {
                    b as char
                } else {
                    TABLE
                        .iter()
                        .find(|(_, v)| *v == b)
                        .map(|(k, _)| *k)
                        .unwrap_or('\u{FFFD}')
                };
                if run.page == PAGE_TCVN3_CAPITALS {
                    s.extend(c.to_uppercase());
                } else {
                    s.push(c);
                }
            }
        }
        s
    }

    #[test]
    fn table_has_no_duplicate_bytes() {
        let mut bytes: Vec<u8> = TABLE.iter().map(|(_, b)| *b).collect();
        bytes.sort_unstable();
        bytes.dedup();
        assert_eq!(bytes.len(), TABLE.len());
    }

    #[test]
    fn every_vietnamese_letter_in_both_cases_round_trips() {
        for c in non_ascii_letters() {
            let runs = encode(&c.to_string());
            assert_eq!(runs.len(), 1, "{c}");
            assert!(!runs[0].bytes.contains(&b'?'), "{c} not encodable");
            assert_eq!(decode(&runs), c.to_string(), "{c}");
        }
    }

    #[test]
    fn known_bytes() {
        assert_eq!(encode("đ")[0].bytes, [0xAE]);
        assert_eq!(encode("Đ")[0].bytes, [0xA7]);
        assert_eq!(encode("ấ")[0].bytes, [0xCA]);
        let caps = encode("Ấ");
        assert_eq!(
            caps,
            vec![Run {
                page: PAGE_TCVN3_CAPITALS,
                bytes: vec![0xCA]
            }]
        );
    }

    #[test]
    fn capitals_switch_pages_only_where_needed() {
        let runs = encode("NGUYỄN VĂN");
        let pages: Vec<u8> = runs.iter().map(|r| r.page).collect();
        assert_eq!(pages, [30, 31, 30]);
        assert_eq!(decode(&runs), "NGUYỄN VĂN");
        for s in ["HỘ TỊCH", "ĐẤT ĐAI", "Tư pháp - Hộ tịch", "Ư Ơ Ỹ ỹ"] {
            assert_eq!(decode(&encode(s)), s);
        }
    }

    #[test]
    fn control_characters_cannot_reach_the_printer() {
        let runs = encode("A\x1b@\x1dV\x10\x04\nB");
        assert!(runs.iter().all(|r| r.bytes.iter().all(|&b| b >= 0x20)));
        assert_eq!(decode(&runs), "A @ V   B");
    }

    #[test]
    fn unknown_characters_degrade_readably() {
        assert_eq!(decode(&encode("A – B “x” 中")), "A - B \"x\" ?");
    }
}
