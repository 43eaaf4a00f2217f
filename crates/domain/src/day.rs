//! The service day as a centre lives it: when walk-in issuing is open (opening
//! hours, holidays excluded), when it opens next, and when the day ends. A
//! service day ends at the centre's closing time (the latest session end of the
//! centre's and its services' hours that day) or, on a day without hours or for
//! a centre that does not keep them, at local midnight. Tickets not served by
//! then are expired (`ticket::Action::Expire`), never called on a later day.

use jiff::{
    civil::{Date, DateTime, Time},
    tz::TimeZone,
    Timestamp, ToSpan,
};

use crate::{OpeningHours, Weekday};

/// How far ahead [`next_opening`] looks (a centre closed longer says nothing).
pub const LOOK_AHEAD_DAYS: i32 = 60;

/// The instant of a local date-time (Viet Nam has no DST; the compatible
/// resolution keeps other zones sensible).
fn instant(dt: DateTime, tz: &TimeZone) -> Timestamp {
    tz.to_ambiguous_timestamp(dt)
        .compatible()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn works(hours: &OpeningHours, date: Date, holidays: &[Date]) -> bool {
    !holidays.contains(&date) && hours.working_days.contains(&Weekday::from(date.weekday()))
}

/// When a centre closes on `date`: the latest session end among `hours` (the
/// centre's and its services'), or `None` when none of them works that day or
/// it is a holiday.
pub fn closing_time<'a>(
    hours: impl IntoIterator<Item = &'a OpeningHours>,
    date: Date,
    holidays: &[Date],
) -> Option<Time> {
    hours
        .into_iter()
        .filter(|h| works(h, date, holidays))
        .filter_map(|h| h.sessions.iter().map(|(_, end)| *end).max())
        .max()
}

/// When the service day `date` begins: local midnight.
pub fn day_start(date: Date, tz: &TimeZone) -> Timestamp {
    instant(date.to_datetime(Time::midnight()), tz)
}

/// When the service day `date` ends: at `closing` that day, else at the next
/// local midnight (never later).
pub fn day_end(date: Date, closing: Option<Time>, tz: &TimeZone) -> Timestamp {
    let midnight = date
        .tomorrow()
        .map(|d| day_start(d, tz))
        .unwrap_or(Timestamp::MAX);
    match closing {
        Some(t) => instant(date.to_datetime(t), tz).min(midnight),
        None => midnight,
    }
}

/// Whether walk-in issuing is open at `now` under `hours`, holidays excluded.
pub fn is_open(hours: &OpeningHours, holidays: &[Date], now: Timestamp, tz: &TimeZone) -> bool {
    let local = now.to_zoned(tz.clone()).datetime();
    !holidays.contains(&local.date()) && hours.is_open(local)
}

/// The next moment at or after `now` when `hours` open (holidays skipped),
/// within [`LOOK_AHEAD_DAYS`]; `None` when they never do.
pub fn next_opening(
    hours: &OpeningHours,
    holidays: &[Date],
    now: Timestamp,
    tz: &TimeZone,
) -> Option<Timestamp> {
    let local = now.to_zoned(tz.clone()).datetime();
    let mut date = local.date();
    for _ in 0..LOOK_AHEAD_DAYS {
        if works(hours, date, holidays) {
            let mut starts: Vec<Time> = hours.sessions.iter().map(|(s, _)| *s).collect();
            starts.sort();
            for start in starts {
                let at = date.to_datetime(start);
                if at >= local {
                    return Some(instant(at, tz));
                }
            }
        }
        date = date.checked_add(1.day()).ok()?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vn() -> TimeZone {
        TimeZone::get("Asia/Ho_Chi_Minh").unwrap()
    }
    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }
    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn the_day_ends_at_the_latest_closing_or_midnight() {
        let centre = OpeningHours::default();
        let late = OpeningHours {
            sessions: vec![(Time::constant(13, 0, 0, 0), Time::constant(19, 30, 0, 0))],
            ..Default::default()
        };
        // Thursday 26/11/2026: the centre closes 17:00, a service 19:30.
        let thu = date("2026-11-26");
        assert_eq!(
            closing_time([&centre], thu, &[]),
            Some(Time::constant(17, 0, 0, 0))
        );
        let closing = closing_time([&centre, &late], thu, &[]);
        assert_eq!(closing, Some(Time::constant(19, 30, 0, 0)));
        assert_eq!(day_end(thu, closing, &vn()), at("2026-11-26T12:30:00Z"));
        // Saturday and holidays have no hours: the day ends at local midnight.
        let sat = date("2026-11-28");
        assert_eq!(closing_time([&centre], sat, &[]), None);
        assert_eq!(closing_time([&centre], thu, &[thu]), None);
        assert_eq!(day_end(sat, None, &vn()), at("2026-11-28T17:00:00Z"));
    }

    #[test]
    fn holidays_close_walk_in_issuing() {
        let h = OpeningHours::default();
        let thu_morning = at("2026-11-26T02:00:00Z"); // 09:00 local
        assert!(is_open(&h, &[], thu_morning, &vn()));
        assert!(!is_open(&h, &[date("2026-11-26")], thu_morning, &vn()));
    }

    #[test]
    fn the_next_opening_skips_lunch_weekends_and_holidays() {
        let h = OpeningHours::default();
        // Thursday 12:00 local: the afternoon session at 13:30.
        let lunch = at("2026-11-26T05:00:00Z");
        assert_eq!(
            next_opening(&h, &[], lunch, &vn()),
            Some(at("2026-11-26T06:30:00Z"))
        );
        // Friday 18:00 local: Monday 07:00, or Tuesday when Monday is a holiday.
        let friday_evening = at("2026-11-27T11:00:00Z");
        assert_eq!(
            next_opening(&h, &[], friday_evening, &vn()),
            Some(at("2026-11-30T00:00:00Z"))
        );
        assert_eq!(
            next_opening(&h, &[date("2026-11-30")], friday_evening, &vn()),
            Some(at("2026-12-01T00:00:00Z"))
        );
        let never = OpeningHours {
            sessions: vec![],
            working_days: vec![],
        };
        assert_eq!(next_opening(&never, &[], lunch, &vn()), None);
    }
}
