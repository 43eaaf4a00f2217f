//! Report periods: a range of service days an administrator asks figures for.
//! Bounded so one request cannot make the server walk years of tickets.

use jiff::civil::Date;

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

#[cfg(test)]
mod tests {
    use super::*;

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
