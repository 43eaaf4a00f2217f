//! Ticket numbers: a service's prefix plus a zero-padded daily sequence (`A001`, or
//! `1001` where the prefix is a digit), unique per centre x service x service day and
//! never reused. The service day is the calendar day in the centre's timezone, so the
//! sequence restarts at local midnight, not at UTC midnight.

use std::fmt;

use jiff::{civil::Date, tz::TimeZone, Timestamp};
use serde::Serialize;

use crate::{Error, TicketPrefix};

/// The local calendar day a moment belongs to in a centre's timezone.
pub fn service_day(now: Timestamp, tz: &TimeZone) -> Date {
    now.to_zoned(tz.clone()).date()
}

/// A ticket's printed and announced number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TicketNumber {
    prefix: TicketPrefix,
    seq: u32,
}

impl TicketNumber {
    pub fn new(prefix: TicketPrefix, seq: u32) -> Self {
        Self { prefix, seq }
    }
    pub fn seq(&self) -> u32 {
        self.seq
    }
}

impl fmt::Display for TicketNumber {
    /// At least three digits so numbers line up on the board; more when the day
    /// runs past 999.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:03}", self.prefix, self.seq)
    }
}

/// The numbering rule of one service: where the day starts and how far it may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberSequence {
    /// The first number of every service day (1 gives `A001`).
    pub start_number: u32,
    /// The most tickets one service day may issue; `None` for no cap.
    pub daily_cap: Option<u32>,
}

impl NumberSequence {
    /// The next sequence number after `last` (the last one issued this service day,
    /// `None` when none was), or the cap error. Numbers are never reused: a
    /// cancelled ticket keeps its number.
    pub fn next(&self, last: Option<u32>) -> Result<u32, Error> {
        let next = match last {
            None => self.start_number,
            Some(l) => l.checked_add(1).ok_or(Error::DailyCapReached { cap: l })?,
        };
        self.admit(next)
    }

    /// Checks a sequence number a store allocated atomically (the first of the
    /// day is `start_number`): within the cap and the five digits a ticket shows.
    pub fn admit(&self, seq: u32) -> Result<u32, Error> {
        let issued = seq.saturating_sub(self.start_number);
        if let Some(cap) = self.daily_cap {
            if issued >= cap {
                return Err(Error::DailyCapReached { cap });
            }
        }
        if seq > 99_999 {
            return Err(Error::DailyCapReached { cap: 99_999 });
        }
        Ok(seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn prefix(s: &str) -> TicketPrefix {
        TicketPrefix::parse(s).unwrap()
    }

    #[test]
    fn formats_with_three_digits_at_least() {
        assert_eq!(TicketNumber::new(prefix("A"), 1).to_string(), "A001");
        assert_eq!(TicketNumber::new(prefix("1"), 1).to_string(), "1001");
        assert_eq!(TicketNumber::new(prefix("B"), 42).to_string(), "B042");
        assert_eq!(TicketNumber::new(prefix("A"), 1234).to_string(), "A1234");
    }

    #[test]
    fn sequence_starts_at_start_number_and_respects_the_cap() {
        let s = NumberSequence {
            start_number: 1,
            daily_cap: Some(3),
        };
        assert_eq!(s.next(None), Ok(1));
        assert_eq!(s.next(Some(1)), Ok(2));
        assert_eq!(s.next(Some(2)), Ok(3));
        assert_eq!(s.next(Some(3)), Err(Error::DailyCapReached { cap: 3 }));
        let s = NumberSequence {
            start_number: 100,
            daily_cap: None,
        };
        assert_eq!(s.next(None), Ok(100));
        assert_eq!(s.next(Some(100)), Ok(101));
    }

    #[test]
    fn service_day_rolls_over_at_local_midnight() {
        let tz = TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
        // 16:59:59 UTC is 23:59:59 in Viet Nam (UTC+7); one second later is the next day.
        let before: Timestamp = "2026-11-26T16:59:59Z".parse().unwrap();
        let after: Timestamp = "2026-11-26T17:00:00Z".parse().unwrap();
        assert_eq!(service_day(before, &tz).to_string(), "2026-11-26");
        assert_eq!(service_day(after, &tz).to_string(), "2026-11-27");
        // Early morning local time is still the previous UTC day.
        let morning: Timestamp = "2026-11-26T23:30:00Z".parse().unwrap();
        assert_eq!(service_day(morning, &tz).to_string(), "2026-11-27");
    }

    proptest! {
        #[test]
        fn numbers_are_unique_and_increasing(start in 1u32..500, cap in 1u32..300) {
            let s = NumberSequence { start_number: start, daily_cap: Some(cap) };
            let mut last = None;
            let mut seen = std::collections::HashSet::new();
            let mut issued = 0;
            while let Ok(n) = s.next(last) {
                prop_assert!(seen.insert(TicketNumber::new(prefix("A"), n).to_string()));
                if let Some(l) = last { prop_assert!(n > l); }
                last = Some(n);
                issued += 1;
            }
            prop_assert_eq!(issued, cap);
        }

        #[test]
        fn service_day_is_the_local_date(secs in 1_700_000_000i64..1_900_000_000) {
            let tz = TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
            let ts = Timestamp::from_second(secs).unwrap();
            // Viet Nam has no daylight saving: local = UTC + 7h.
            let shifted = Timestamp::from_second(secs + 7 * 3600).unwrap();
            prop_assert_eq!(service_day(ts, &tz), service_day(shifted, &TimeZone::UTC));
        }
    }
}
