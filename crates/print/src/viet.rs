//! The Vietnamese alphabet as data: every vowel with its five tones, in both cases.
//!
//! Both code-page encoders and the raster text path start here. Text may arrive decomposed (base
//! letter + combining marks, as macOS and some web forms send it); the printer fonts and code pages
//! want one precomposed letter, so [`compose`] folds the marks back first.

/// The six tones, in the order of the columns of [`VOWELS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    Level = 0,
    Grave = 1,
    Hook = 2,
    Tilde = 3,
    Acute = 4,
    Dot = 5,
}

const TONES: [Tone; 6] = [
    Tone::Level,
    Tone::Grave,
    Tone::Hook,
    Tone::Tilde,
    Tone::Acute,
    Tone::Dot,
];

/// Each row: a base vowel (column 0) and its grave, hook, tilde, acute and dot-below forms.
/// The first twelve rows are lower case, the next twelve the same letters in upper case.
pub const VOWELS: [[char; 6]; 24] = [
    ['a', 'à', 'ả', 'ã', 'á', 'ạ'],
    ['ă', 'ằ', 'ẳ', 'ẵ', 'ắ', 'ặ'],
    ['â', 'ầ', 'ẩ', 'ẫ', 'ấ', 'ậ'],
    ['e', 'è', 'ẻ', 'ẽ', 'é', 'ẹ'],
    ['ê', 'ề', 'ể', 'ễ', 'ế', 'ệ'],
    ['i', 'ì', 'ỉ', 'ĩ', 'í', 'ị'],
    ['o', 'ò', 'ỏ', 'õ', 'ó', 'ọ'],
    ['ô', 'ồ', 'ổ', 'ỗ', 'ố', 'ộ'],
    ['ơ', 'ờ', 'ở', 'ỡ', 'ớ', 'ợ'],
    ['u', 'ù', 'ủ', 'ũ', 'ú', 'ụ'],
    ['ư', 'ừ', 'ử', 'ữ', 'ứ', 'ự'],
    ['y', 'ỳ', 'ỷ', 'ỹ', 'ý', 'ỵ'],
    ['A', 'À', 'Ả', 'Ã', 'Á', 'Ạ'],
    ['Ă', 'Ằ', 'Ẳ', 'Ẵ', 'Ắ', 'Ặ'],
    ['Â', 'Ầ', 'Ẩ', 'Ẫ', 'Ấ', 'Ậ'],
    ['E', 'È', 'Ẻ', 'Ẽ', 'É', 'Ẹ'],
    ['Ê', 'Ề', 'Ể', 'Ễ', 'Ế', 'Ệ'],
    ['I', 'Ì', 'Ỉ', 'Ĩ', 'Í', 'Ị'],
    ['O', 'Ò', 'Ỏ', 'Õ', 'Ó', 'Ọ'],
    ['Ô', 'Ồ', 'Ổ', 'Ỗ', 'Ố', 'Ộ'],
    ['Ơ', 'Ờ', 'Ở', 'Ỡ', 'Ớ', 'Ợ'],
    ['U', 'Ù', 'Ủ', 'Ũ', 'Ú', 'Ụ'],
    ['Ư', 'Ừ', 'Ử', 'Ữ', 'Ứ', 'Ự'],
    ['Y', 'Ỳ', 'Ỷ', 'Ỹ', 'Ý', 'Ỵ'],
];

/// Every letter of the Vietnamese alphabet that is not plain ASCII: toned vowels in both cases,
/// ă â ê ô ơ ư and đ. Used by the encoder tests to prove full coverage.
pub fn non_ascii_letters() -> impl Iterator<Item = char> {
    VOWELS
        .iter()
        .flat_map(|row| row.iter().copied())
        .chain(['đ', 'Đ'])
        .filter(|c| !c.is_ascii())
}

/// Splits a Vietnamese vowel into its toneless base and its tone: 'ấ' -> ('â', Acute).
pub fn split_tone(c: char) -> Option<(char, Tone)> {
    VOWELS
        .iter()
        .find_map(|row| row.iter().position(|&v| v == c).map(|i| (row[0], TONES[i])))
}

/// Puts a tone on a toneless base vowel: ('â', Acute) -> 'ấ'.
pub fn with_tone(base: char, tone: Tone) -> Option<char> {
    VOWELS
        .iter()
        .find(|row| row[0] == base)
        .map(|row| row[tone as usize])
}

/// The combining tone marks, as Unicode and as Windows-1258 encode them.
pub fn tone_of_combining(c: char) -> Option<Tone> {
    match c {
        '\u{0300}' | '\u{0340}' => Some(Tone::Grave),
        '\u{0309}' => Some(Tone::Hook),
        '\u{0303}' => Some(Tone::Tilde),
        '\u{0301}' | '\u{0341}' => Some(Tone::Acute),
        '\u{0323}' => Some(Tone::Dot),
        _ => None,
    }
}

/// Unicode NFC (the `unicode-normalization` crate): folds combining tone and vowel marks into
/// precomposed letters ("a\u{302}\u{301}" -> "ấ"), so text typed on any system (macOS and some
/// phone keyboards send decomposed Vietnamese) maps to the font's precomposed glyphs and to the
/// code pages. Marks with no precomposed letter stay as they are.
pub fn compose(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_has_every_toned_letter_once() {
        let letters: Vec<char> = non_ascii_letters().collect();
        // 12 vowels x 6 forms x 2 cases, minus the 12 plain ASCII vowels, plus đ and Đ.
        assert_eq!(letters.len(), 12 * 6 * 2 - 12 + 2);
        let mut unique = letters.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), letters.len());
    }

    #[test]
    fn case_rows_match() {
        for (lower, upper) in VOWELS[..12].iter().zip(&VOWELS[12..]) {
            for (l, u) in lower.iter().zip(upper) {
                assert_eq!(l.to_uppercase().collect::<String>(), u.to_string());
            }
        }
    }

    #[test]
    fn split_and_join_round_trip() {
        assert_eq!(split_tone('ấ'), Some(('â', Tone::Acute)));
        assert_eq!(split_tone('Ỹ'), Some(('Y', Tone::Tilde)));
        assert_eq!(split_tone('b'), None);
        assert_eq!(with_tone('ư', Tone::Dot), Some('ự'));
    }

    #[test]
    fn composes_decomposed_input() {
        assert_eq!(compose("Nguye\u{302}\u{303}n"), "Nguyễn");
        assert_eq!(compose("NGUYE\u{302}\u{303}N"), "NGUYỄN");
        assert_eq!(compose("Ho\u{323}\u{302}"), "Hộ");
        assert_eq!(compose("u\u{31B}\u{300}"), "ừ");
        assert_eq!(compose("đất đai"), "đất đai");
        // The deprecated tone-mark code points are the same marks.
        assert_eq!(compose("a\u{341}"), "á");
        // A second tone has no precomposed letter: the mark stays visible.
        assert_eq!(compose("a\u{301}\u{300}"), "á\u{300}");
        // No precomposed letter at all: the mark stays.
        assert_eq!(compose("q\u{303}"), "q\u{303}");
    }
}
