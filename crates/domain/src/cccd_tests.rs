use super::*;

/// The synthetic payloads of the demo data (../shared/domain/services.json).
const SEVEN_FIELDS: &str =
    "001099012345|123456789|Nguyễn Văn An|01021960|Nam|Thôn 1, xã Mỏ Cày, Quảng Ngãi|15082021";
const EMPTY_OLD_ID: &str =
    "051185004321||Trần Thị Bích Ngọc|23111985|Nữ|Thôn Phú Lộc, xã Mỏ Cày, tỉnh Quảng Ngãi|02032022";
const MORE_FIELDS: &str = "051201009876|212345678|Lê Hoàng Đức|09072001|Nam|Xã Mỏ Cày, Quảng Ngãi|10102024|Lê Văn Hùng|Phạm Thị Lan";

#[test]
fn seven_fields() {
    let c = parse(SEVEN_FIELDS).unwrap();
    assert_eq!(c.id_number, "001099012345");
    assert_eq!(c.full_name, "Nguyễn Văn An");
    assert_eq!(c.birth_date, Some(jiff::civil::date(1960, 2, 1)));
}

#[test]
fn empty_old_id_field() {
    let c = parse(EMPTY_OLD_ID).unwrap();
    assert_eq!(c.id_number, "051185004321");
    assert_eq!(c.full_name, "Trần Thị Bích Ngọc");
    assert_eq!(c.birth_date, Some(jiff::civil::date(1985, 11, 23)));
}

#[test]
fn extra_fields_of_2024_cards() {
    let c = parse(MORE_FIELDS).unwrap();
    assert_eq!(c.id_number, "051201009876");
    assert_eq!(c.full_name, "Lê Hoàng Đức");
    assert_eq!(c.birth_date, Some(jiff::civil::date(2001, 7, 9)));
}

#[test]
fn six_fields_and_fewer() {
    let six = "001099012345||Nguyễn Văn An|01021960|Nam|Mỏ Cày";
    assert_eq!(parse(six).unwrap().full_name, "Nguyễn Văn An");
    let two = "001099012345|";
    let c = parse(two).unwrap();
    assert_eq!(c.id_number, "001099012345");
    assert_eq!(c.full_name, "");
    assert_eq!(c.birth_date, None);
}

#[test]
fn keyboard_wedge_artefacts() {
    for p in [
        format!("{SEVEN_FIELDS}\r\n"),
        format!("{SEVEN_FIELDS}\r"),
        format!("\n {SEVEN_FIELDS}\n"),
        format!("\u{feff}{SEVEN_FIELDS}\0"),
    ] {
        assert_eq!(parse(&p).unwrap().id_number, "001099012345", "{p:?}");
    }
}

#[test]
fn decomposed_tone_marks_are_normalised() {
    let decomposed: String = "Nguyễn Văn An".nfd().collect();
    assert_ne!(decomposed, "Nguyễn Văn An");
    let p = format!("001099012345||{decomposed}|01021960|Nam|x|15082021");
    assert_eq!(parse(&p).unwrap().full_name, "Nguyễn Văn An");
    let spaced = "001099012345|| Nguyễn  Văn   An |01021960";
    assert_eq!(parse(spaced).unwrap().full_name, "Nguyễn Văn An");
}

#[test]
fn garbage_is_refused_not_panicked_on() {
    for p in [
        "",
        "|||",
        "hello",
        "12345|x",
        "00109901234X|a|b",
        "ĐĐĐĐĐĐĐĐĐĐĐĐ|x",
        "K7PX3M",
    ] {
        assert!(parse(p).is_err(), "{p:?}");
    }
    // A bad birth date is tolerated: the ID is what check-in needs.
    assert_eq!(parse("001099012345||An|31021960").unwrap().birth_date, None);
}

#[test]
fn debug_never_shows_the_full_number() {
    let c = parse(SEVEN_FIELDS).unwrap();
    let d = format!("{c:?}");
    assert!(!d.contains("001099012345"), "{d}");
    assert!(d.contains("2345"));
    assert_eq!(mask_id("001099012345"), "********2345");
}

#[test]
fn typed_id_numbers() {
    assert_eq!(parse_id_number(" 0010 9901 2345 ").unwrap(), "001099012345");
    assert_eq!(parse_id_number("123456789").unwrap(), "123456789");
    assert!(parse_id_number("12345").is_err());
    assert!(parse_id_number("00109901234a").is_err());
}

proptest::proptest! {
    /// Whatever a scanner types, parsing returns (never panics), and a success
    /// always carries a 12-digit ID.
    #[test]
    fn any_input_is_safe(s in "\\PC{0,200}") {
        if let Ok(c) = parse(&s) {
            proptest::prop_assert_eq!(c.id_number.len(), 12);
        }
    }
}
