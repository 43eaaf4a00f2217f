//! Windows-1258, Epson code page 52 ("WPC1258").
//!
//! The page holds the base letters with vowel marks (ă â ê ô ơ ư đ), a few toned Latin-1 letters
//! (à á è é í ó ù ú ...), and the five tone marks as combining bytes. A Vietnamese letter the page
//! lacks is written as base + tone: `ấ` is `â` (0xE2) followed by the acute (0xEC), never `a` +
//! circumflex + acute as Unicode NFD would have it, because the page has no combining circumflex.

use super::{clean, Run, PAGE_CP1258};
use crate::viet::{split_tone, Tone};

/// Code points of bytes 0x80..=0xFF; `'\0'` marks the five unassigned bytes.
#[rustfmt::skip]
const HIGH: [char; 128] = [
    '\u{20AC}', '\0', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', // 0x80
    '\u{02C6}', '\u{2030}', '\0', '\u{2039}', '\u{0152}', '\0', '\0', '\0', // 0x88
    '\0', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', // 0x90
    '\u{02DC}', '\u{2122}', '\0', '\u{203A}', '\u{0153}', '\0', '\0', '\u{0178}', // 0x98
    '\u{00A0}', '\u{00A1}', '\u{00A2}', '\u{00A3}', '\u{00A4}', '\u{00A5}', '\u{00A6}', '\u{00A7}', // 0xA0
    '\u{00A8}', '\u{00A9}', '\u{00AA}', '\u{00AB}', '\u{00AC}', '\u{00AD}', '\u{00AE}', '\u{00AF}', // 0xA8
    '\u{00B0}', '\u{00B1}', '\u{00B2}', '\u{00B3}', '\u{00B4}', '\u{00B5}', '\u{00B6}', '\u{00B7}', // 0xB0
    '\u{00B8}', '\u{00B9}', '\u{00BA}', '\u{00BB}', '\u{00BC}', '\u{00BD}', '\u{00BE}', '\u{00BF}', // 0xB8
    '\u{00C0}', '\u{00C1}', '\u{00C2}', '\u{0102}', '\u{00C4}', '\u{00C5}', '\u{00C6}', '\u{00C7}', // 0xC0
    '\u{00C8}', '\u{00C9}', '\u{00CA}', '\u{00CB}', '\u{0300}', '\u{00CD}', '\u{00CE}', '\u{00CF}', // 0xC8
    '\u{0110}', '\u{00D1}', '\u{0309}', '\u{00D3}', '\u{00D4}', '\u{01A0}', '\u{00D6}', '\u{00D7}', // 0xD0
    '\u{00D8}', '\u{00D9}', '\u{00DA}', '\u{00DB}', '\u{00DC}', '\u{01AF}', '\u{0303}', '\u{00DF}', // 0xD8
    '\u{00E0}', '\u{00E1}', '\u{00E2}', '\u{0103}', '\u{00E4}', '\u{00E5}', '\u{00E6}', '\u{00E7}', // 0xE0
    '\u{00E8}', '\u{00E9}', '\u{00EA}', '\u{00EB}', '\u{0301}', '\u{00ED}', '\u{00EE}', '\u{00EF}', // 0xE8
    '\u{0111}', '\u{00F1}', '\u{0323}', '\u{00F3}', '\u{00F4}', '\u{01A1}', '\u{00F6}', '\u{00F7}', // 0xF0
    '\u{00F8}', '\u{00F9}', '\u{00FA}', '\u{00FB}', '\u{00FC}', '\u{01B0}', '\u{20AB}', '\u{00FF}', // 0xF8
];

/// The combining byte for each tone.
fn tone_byte(tone: Tone) -> Option<u8> {
    match tone {
        Tone::Level => None,
        Tone::Grave => Some(0xCC),
        Tone::Hook => Some(0xD2),
        Tone::Tilde => Some(0xDE),
        Tone::Acute => Some(0xEC),
        Tone::Dot => Some(0xF2),
    }
}

/// Whether `b` is one of the five combining tone marks (drawn over the letter before it).
pub fn is_tone_byte(b: u8) -> bool {
    matches!(b, 0xCC | 0xD2 | 0xDE | 0xEC | 0xF2)
}

fn single_byte(c: char) -> Option<u8> {
    if c.is_ascii() {
        return Some(c as u8);
    }
    // The unassigned slots hold '\0', which `clean` has already turned into a space.
    HIGH.iter().position(|&h| h == c).map(|i| 0x80 + i as u8)
}

/// Encodes one line of text as page 52 bytes: precomposed where the page has the letter (as
/// Windows itself does), otherwise base letter + combining tone mark; `?` for anything else.
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in clean(text).chars() {
        if let Some(b) = single_byte(c) {
            out.push(b);
            continue;
        }
        let pair =
            split_tone(c).and_then(|(base, tone)| Some((single_byte(base)?, tone_byte(tone)?)));
        match pair {
            Some((base, tone)) => out.extend([base, tone]),
            None => out.push(b'?'),
        }
    }
    out
}

/// The same bytes as a [`Run`], for the text-mode renderer.
pub fn encode_run(text: &str) -> Run {
    Run {
        page: PAGE_CP1258,
        bytes: encode(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::viet::{compose, non_ascii_letters};

    fn decode(bytes: &[u8]) -> String {
        let s: String = bytes
            .iter()
            .map(|&b| {
                if b < 0x80 {
                    b as char
                } else {
                    HIGH[(b - 0x80) as usize]
                }
            })
            .collect();
        compose(&s)
    }

    #[test]
    fn every_vietnamese_letter_in_both_cases_round_trips() {
        for c in non_ascii_letters() {
            let bytes = encode(&c.to_string());
            assert!(!bytes.contains(&b'?'), "{c} not encodable");
            assert!(bytes.len() <= 2, "{c}: at most base + tone");
            assert_eq!(decode(&bytes), c.to_string(), "{c}");
        }
    }

    #[test]
    fn tone_goes_on_the_marked_base_not_on_plain_a() {
        assert_eq!(encode("ấ"), [0xE2, 0xEC]);
        assert_eq!(encode("Ự"), [0xDD, 0xF2]);
        assert_eq!(encode("Ỹ"), [b'Y', 0xDE]);
        assert_eq!(encode("ễ"), [0xEA, 0xDE]);
        // Present in the page itself: one byte, as Windows writes it.
        assert_eq!(encode("á"), [0xE1]);
        assert_eq!(encode("Đ"), [0xD0]);
    }

    #[test]
    fn phrases_round_trip() {
        for s in [
            "NGUYỄN",
            "HỘ TỊCH",
            "ĐẤT ĐAI",
            "Thời gian chờ dự kiến: ~15 phút",
            "Ư Ơ Ỹ",
        ] {
            assert_eq!(decode(&encode(s)), s);
        }
    }

    #[test]
    fn controls_are_blanked_and_unknowns_marked() {
        assert_eq!(encode("a\x1bb"), b"a b");
        assert_eq!(encode("中"), b"?");
        assert_eq!(encode_run("x").page, 52);
    }
}
