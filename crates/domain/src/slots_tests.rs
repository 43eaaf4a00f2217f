use super::*;
use jiff::civil::date;
use proptest::prelude::*;

fn vn() -> TimeZone {
    TimeZone::get("Asia/Ho_Chi_Minh").unwrap()
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Tết Đinh Mùi 2027 (a demo list; the real one comes from the centre).
fn tet() -> Vec<Date> {
    (4..=10).map(|d| date(2027, 2, d)).collect()
}

#[test]
fn a_working_day_has_morning_and_afternoon_slots() {
    let s = BookingSettings::default(); // 30-minute slots
    let slots = day_slots(date(2026, 11, 26), &OpeningHours::default(), &s, &[], &vn()).unwrap();
    // 07:00-11:30 is 9 slots, 13:30-17:00 is 7.
    assert_eq!(slots.len(), 16);
    // 07:00 in Viet Nam (UTC+7) is 00:00 UTC.
    assert_eq!(slots[0].start, at("2026-11-26T00:00:00Z"));
    assert_eq!(slots[8].end, at("2026-11-26T04:30:00Z"));
    assert_eq!(slots[9].start, at("2026-11-26T06:30:00Z"));
    assert_eq!(slots[15].end, at("2026-11-26T10:00:00Z"));
}

#[test]
fn slots_that_do_not_fit_a_session_are_dropped() {
    let s = BookingSettings {
        slot_minutes: 40,
        ..Default::default()
    };
    let slots = day_slots(date(2026, 11, 26), &OpeningHours::default(), &s, &[], &vn()).unwrap();
    // 270 min / 40 = 6 slots (the last 30 min unused); 210 / 40 = 5.
    assert_eq!(slots.len(), 11);
}

#[test]
fn weekends_and_holidays_offer_none() {
    let s = BookingSettings::default();
    let h = OpeningHours::default();
    assert_eq!(
        day_slots(date(2026, 11, 28), &h, &s, &[], &vn()),
        Err(NoSlots::NotAWorkingDay)
    );
    assert_eq!(
        day_slots(date(2027, 2, 5), &h, &s, &tet(), &vn()),
        Err(NoSlots::Holiday)
    );
    assert!(day_slots(date(2027, 2, 11), &h, &s, &tet(), &vn()).is_ok());
    let off = BookingSettings {
        enabled: false,
        ..Default::default()
    };
    assert_eq!(
        day_slots(date(2026, 11, 26), &h, &off, &[], &vn()),
        Err(NoSlots::BookingDisabled)
    );
}

#[test]
fn horizon_and_lead_time() {
    let s = BookingSettings::default(); // 7 days, 60 min lead
    let h = OpeningHours::default();
    let now = at("2026-11-26T02:00:00Z"); // Thu 09:00 local
    let today = bookable_slots(date(2026, 11, 26), now, &h, &s, &[], &vn()).unwrap();
    // 10:00 is exactly the lead time away: bookable; 09:30 is not.
    assert_eq!(today[0].start, at("2026-11-26T03:00:00Z"));
    assert_eq!(today.len(), 16 - 6);
    assert!(bookable_slots(date(2026, 12, 3), now, &h, &s, &[], &vn()).is_ok());
    assert_eq!(
        bookable_slots(date(2026, 12, 4), now, &h, &s, &[], &vn()),
        Err(NoSlots::OutsideHorizon)
    );
    assert_eq!(
        bookable_slots(date(2026, 11, 25), now, &h, &s, &[], &vn()),
        Err(NoSlots::OutsideHorizon)
    );
}

#[test]
fn the_local_day_decides_not_utc() {
    // 23:30 UTC on the 25th is already 06:30 on Thursday the 26th in Viet Nam.
    let now = at("2026-11-25T23:30:00Z");
    assert_eq!(local_date(now, &vn()), date(2026, 11, 26));
    let s = BookingSettings {
        horizon_days: 0,
        lead_minutes: 0,
        ..Default::default()
    };
    let today = bookable_slots(
        date(2026, 11, 26),
        now,
        &OpeningHours::default(),
        &s,
        &[],
        &vn(),
    )
    .unwrap();
    assert_eq!(today.len(), 16);
    // And 17:00 UTC on the 26th is midnight: the 26th is past, the horizon ends.
    let late = at("2026-11-26T17:00:00Z");
    assert_eq!(
        bookable_slots(
            date(2026, 11, 26),
            late,
            &OpeningHours::default(),
            &s,
            &[],
            &vn()
        ),
        Err(NoSlots::OutsideHorizon)
    );
}

#[test]
fn check_slot_accepts_only_real_slots() {
    let s = BookingSettings::default();
    let h = OpeningHours::default();
    let now = at("2026-11-26T02:00:00Z");
    assert!(check_slot(at("2026-11-27T00:30:00Z"), now, &h, &s, &[], &vn()).is_ok());
    let off_grid = check_slot(at("2026-11-27T00:10:00Z"), now, &h, &s, &[], &vn()).unwrap_err();
    assert_eq!(off_grid, Error::Booking(Refusal::NotASlot));
    let soon = check_slot(at("2026-11-26T02:30:00Z"), now, &h, &s, &[], &vn()).unwrap_err();
    assert_eq!(soon, Error::Booking(Refusal::TooSoon));
    let lunch = check_slot(at("2026-11-26T05:00:00Z"), now, &h, &s, &[], &vn()).unwrap_err();
    assert_eq!(lunch, Error::Booking(Refusal::NotASlot));
    let sat = check_slot(at("2026-11-28T01:00:00Z"), now, &h, &s, &[], &vn()).unwrap_err();
    assert_eq!(
        sat,
        Error::Booking(Refusal::NoSlots(NoSlots::NotAWorkingDay))
    );
}

#[test]
fn settings_are_validated() {
    assert!(BookingSettings::default().validate().is_ok());
    assert!(BookingSettings {
        slot_minutes: 0,
        ..Default::default()
    }
    .validate()
    .is_err());
    assert!(BookingSettings {
        capacity: 0,
        ..Default::default()
    }
    .validate()
    .is_err());
    assert!(BookingSettings {
        horizon_days: 365,
        ..Default::default()
    }
    .validate()
    .is_err());
}

proptest! {
    /// Slots never overlap, lie inside a session on the same local day, and each
    /// lasts exactly the slot length.
    #[test]
    fn slots_tile_the_sessions(len in 5u32..=240, day in 0i64..400) {
        let s = BookingSettings { slot_minutes: len, ..Default::default() };
        let h = OpeningHours::default();
        let d = date(2026, 1, 1).checked_add(day.days()).unwrap();
        if let Ok(slots) = day_slots(d, &h, &s, &[], &vn()) {
            for w in slots.windows(2) {
                prop_assert!(w[0].end <= w[1].start);
            }
            for sl in &slots {
                prop_assert_eq!(sl.end.duration_since(sl.start).as_mins(), i64::from(len));
                let z = sl.start.to_zoned(vn());
                prop_assert_eq!(z.date(), d);
                prop_assert!(h.is_open(z.datetime()));
            }
        }
    }
}
