use super::*;
use proptest::prelude::*;

fn svc(s: &str) -> ServiceCode {
    ServiceCode::parse(s).unwrap()
}

#[test]
fn limits_per_day_and_per_service() {
    let l = Limits::default();
    l.check(&[], &svc("A")).unwrap();
    l.check(&[svc("B")], &svc("A")).unwrap();
    let same = l.check(&[svc("A")], &svc("A")).unwrap_err();
    assert!(matches!(
        same,
        Error::Booking(Refusal::LimitReached {
            per_service: true,
            ..
        })
    ));
    let day = l.check(&[svc("B"), svc("C")], &svc("A")).unwrap_err();
    assert!(matches!(
        day,
        Error::Booking(Refusal::LimitReached {
            per_service: false,
            limit: 2
        })
    ));
}

#[test]
fn check_in_window_edges() {
    let w = CheckInWindow::default();
    let slot: Timestamp = "2026-11-26T03:00:00Z".parse().unwrap();
    let at = |s: &str| s.parse::<Timestamp>().unwrap();
    assert_eq!(
        w.arrival(slot, at("2026-11-26T02:29:59Z")),
        Arrival::Early {
            opens_at: at("2026-11-26T02:30:00Z")
        }
    );
    assert_eq!(w.arrival(slot, at("2026-11-26T02:30:00Z")), Arrival::OnTime);
    assert_eq!(w.arrival(slot, at("2026-11-26T03:14:59Z")), Arrival::OnTime);
    assert_eq!(
        w.arrival(slot, at("2026-11-26T03:15:00Z")),
        Arrival::Late {
            closed_at: at("2026-11-26T03:15:00Z")
        }
    );
}

#[test]
fn codes_parse_forgivingly_and_refuse_ambiguous_letters() {
    assert_eq!(BookingCode::parse(" k7p-x3m ").unwrap().as_str(), "K7PX3M");
    for bad in [
        "K7PX3O", "K7PX30", "K7PX3I", "K7PX31", "K7PX3", "K7PX3MM", "", "K7PX3Ư",
    ] {
        assert!(BookingCode::parse(bad).is_err(), "{bad}");
    }
}

proptest! {
    /// Every generated code is six unambiguous characters and parses back.
    #[test]
    fn generated_codes_round_trip(bytes in any::<[u8; 6]>()) {
        let c = BookingCode::from_random(bytes);
        prop_assert_eq!(c.as_str().len(), CODE_LEN);
        prop_assert!(!c.as_str().contains(['0', 'O', '1', 'I']));
        prop_assert_eq!(BookingCode::parse(c.as_str()).unwrap(), c);
    }

    /// The window is a half-open interval: on time exactly between opens and closes.
    #[test]
    fn arrival_is_consistent(offset in -120i64..120) {
        let w = CheckInWindow::default();
        let slot: Timestamp = "2026-11-26T03:00:00Z".parse().unwrap();
        let now = slot + jiff::SignedDuration::from_mins(offset);
        let a = w.arrival(slot, now);
        match a {
            Arrival::Early { .. } => prop_assert!(offset < -30),
            Arrival::OnTime => prop_assert!((-30..15).contains(&offset)),
            Arrival::Late { .. } => prop_assert!(offset >= 15),
        }
    }

    /// Parsing a phone never panics, and a success is always a 10-digit 0x number.
    #[test]
    fn phones_are_safe(s in "\\PC{0,30}") {
        if let Ok(p) = Phone::parse(&s) {
            prop_assert_eq!(p.as_str().len(), 10);
            prop_assert!(p.as_str().starts_with('0'));
        }
    }
}

#[test]
fn vietnamese_mobile_numbers() {
    for ok in [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "+84912345678",
        "+84 912 345 678",
        "84912345678",
        "(+84) 912-345-678",
    ] {
        let ok = ok.replace("(+84)", "+84");
        assert_eq!(Phone::parse(&ok).unwrap().as_str(), "0912345678", "{ok}");
    }
    assert_eq!(Phone::parse("0351234567").unwrap().as_str(), "0351234567");
    for bad in [
        "",
        "091234567",
        "09123456789",
        "0212345678",
        "+1 912 345 678",
        "0912x45678",
        "+0912345678",
    ] {
        assert!(Phone::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(Phone::parse("0912345678").unwrap().masked(), "0912***678");
}

#[test]
fn consent_must_be_ticked_for_the_current_text() {
    assert!(check_consent(true, None).is_ok());
    assert!(check_consent(true, Some(CONSENT.version)).is_ok());
    assert!(check_consent(false, None).is_err());
    assert!(check_consent(true, Some("2020-old")).is_err());
}

/// One purpose, one consent: reminders are optional and separate, and every
/// text cites the law in force (Law 91/2025/QH15), not Decree 13/2023.
#[test]
fn consents_are_per_purpose_and_cite_law_91() {
    assert_eq!(
        check_reminder_consent(false, None)
            .unwrap()
            .map(|c| c.version),
        None
    );
    assert_eq!(
        check_reminder_consent(true, Some(REMINDER_CONSENT.version))
            .unwrap()
            .map(|c| c.version),
        Some(REMINDER_CONSENT.version)
    );
    assert!(check_reminder_consent(true, Some(CONSENT.version)).is_err());
    // The first reminder text named no turn notices: it is out of date.
    assert!(check_reminder_consent(true, Some("reminders-2026-12-v1")).is_err());
    assert!(
        REMINDER_CONSENT.vi.contains("sắp đến lượt")
            && REMINDER_CONSENT.en.contains("turn is near")
    );
    assert!(reminders_cover_turn_notices(REMINDER_CONSENT.version));
    assert!(!reminders_cover_turn_notices("reminders-2026-12-v1"));
    for c in [&CONSENT, &REMINDER_CONSENT] {
        assert!(c.vi.contains("91/2025/QH15") && c.en.contains("91/2025/QH15"));
        assert!(!c.vi.contains("13/2023") && !c.en.contains("13/2023"));
    }
    assert!(
        !CONSENT.vi.contains("nhắc lịch"),
        "the booking consent bundles reminders"
    );
}

#[test]
fn a_booking_code_is_masked_for_logs() {
    let code = BookingCode::parse("lk3-f7q").unwrap();
    assert_eq!(code.masked(), "LK****");
    assert!(!code.masked().contains("3F7Q"));
}
