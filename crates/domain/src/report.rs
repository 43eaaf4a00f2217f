//! Report periods (a range of service days an administrator asks figures for,
//! bounded so one request cannot make the server walk years of tickets), and
//! how ratings add up to a satisfaction figure.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::Error;

/// The longest period one report covers: a (leap) year.
pub const MAX_REPORT_DAYS: i32 = 366;

/// An inclusive range of service days, `from <= to`, at most
/// [`MAX_REPORT_DAYS`] days long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportRange {
    from: Date,
    to: Date,
}

impl ReportRange {
    pub fn new(from: Date, to: Date) -> Result<Self, Error> {
        if to < from {
            return Err(Error::invalid("to", "the end is before the start"));
        }
        let days = (to - from).get_days() + 1;
        if days > MAX_REPORT_DAYS {
            return Err(Error::invalid(
                "to",
                format!("a report covers at most {MAX_REPORT_DAYS} days"),
            ));
        }
        Ok(Self { from, to })
    }
    pub fn from(&self) -> Date {
        self.from
    }
    pub fn to(&self) -> Date {
        self.to
    }
}

/// How many ratings were given at each of the five levels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingCounts {
    /// 5, Rất hài lòng.
    pub very_satisfied: u32,
    /// 4, Hài lòng.
    pub satisfied: u32,
    /// 3, Bình thường.
    pub neutral: u32,
    /// 2, Không hài lòng.
    pub dissatisfied: u32,
    /// 1, Rất không hài lòng.
    pub very_dissatisfied: u32,
}

impl RatingCounts {
    /// Counts one rating of `level` (1 to 5); other values are ignored.
    pub fn add(&mut self, level: u8, n: u32) {
        match level {
            5 => self.very_satisfied += n,
            4 => self.satisfied += n,
            3 => self.neutral += n,
            2 => self.dissatisfied += n,
            1 => self.very_dissatisfied += n,
            _ => {}
        }
    }

    pub fn total(&self) -> u32 {
        self.very_satisfied
            + self.satisfied
            + self.neutral
            + self.dissatisfied
            + self.very_dissatisfied
    }

    /// The satisfaction figure: the share of ratings that are "Rất hài lòng"
    /// or "Hài lòng", in percent rounded to one decimal. `None` without ratings.
    pub fn satisfied_percent(&self) -> Option<f64> {
        let n = self.total();
        (n > 0).then(|| {
            let happy = f64::from(self.very_satisfied + self.satisfied);
            (happy * 1000.0 / f64::from(n)).round() / 10.0
        })
    }

    /// The mean level on the 1 to 5 scale, rounded to two decimals. `None`
    /// without ratings.
    pub fn mean(&self) -> Option<f64> {
        let n = self.total();
        (n > 0).then(|| {
            let sum = 5 * u64::from(self.very_satisfied)
                + 4 * u64::from(self.satisfied)
                + 3 * u64::from(self.neutral)
                + 2 * u64::from(self.dissatisfied)
                + u64::from(self.very_dissatisfied);
            (sum as f64 * 100.0 / f64::from(n)).round() / 100.0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfaction_adds_up() {
        let none = RatingCounts::default();
        assert_eq!(
            (none.total(), none.satisfied_percent(), none.mean()),
            (0, None, None)
        );
        let mut r = RatingCounts::default();
        for level in [5, 5, 4, 3, 1, 2] {
            r.add(level, 1);
        }
        r.add(9, 1);
        assert_eq!(r.total(), 6);
        // 3 of 6 satisfied; (5+5+4+3+1+2)/6 = 3.333...
        assert_eq!((r.satisfied_percent(), r.mean()), (Some(50.0), Some(3.33)));
        let mut third = RatingCounts::default();
        third.add(4, 1);
        third.add(3, 2);
        assert_eq!(
            (third.satisfied_percent(), third.mean()),
            (Some(33.3), Some(3.33))
        );
    }

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn bounds() {
        assert!(ReportRange::new(d("2026-11-26"), d("2026-11-26")).is_ok());
        assert!(ReportRange::new(d("2024-01-01"), d("2024-12-31")).is_ok());
        assert!(ReportRange::new(d("2024-01-01"), d("2025-01-01")).is_err());
        assert!(ReportRange::new(d("2026-11-27"), d("2026-11-26")).is_err());
    }
}
