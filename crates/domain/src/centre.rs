//! Centres, services and counters: the configuration a queue runs on. These are
//! data an administrator edits, not code; the store persists them.

use jiff::civil::{Time, Weekday as JWeekday};
use serde::{Deserialize, Serialize};

use crate::{CentreCode, CounterNumber, Error, PriorityClass, ServiceCode, TicketPrefix};

/// Days of the week, serialised as `mon`..`sun` as administrators write them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    /// ISO 8601 numbering: 1 = Monday .. 7 = Sunday.
    pub fn iso_number(self) -> i8 {
        match self {
            Weekday::Mon => 1,
            Weekday::Tue => 2,
            Weekday::Wed => 3,
            Weekday::Thu => 4,
            Weekday::Fri => 5,
            Weekday::Sat => 6,
            Weekday::Sun => 7,
        }
    }
}

impl From<JWeekday> for Weekday {
    fn from(d: JWeekday) -> Self {
        match d {
            JWeekday::Monday => Self::Mon,
            JWeekday::Tuesday => Self::Tue,
            JWeekday::Wednesday => Self::Wed,
            JWeekday::Thursday => Self::Thu,
            JWeekday::Friday => Self::Fri,
            JWeekday::Saturday => Self::Sat,
            JWeekday::Sunday => Self::Sun,
        }
    }
}

/// When a centre or service receives citizens: sessions within a day (morning,
/// afternoon) on the listed working days.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// `[["07:00","11:30"],["13:30","17:00"]]`: sorted, non-overlapping sessions.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<String>>))]
    pub sessions: Vec<(Time, Time)>,
    pub working_days: Vec<Weekday>,
}

impl Default for OpeningHours {
    /// Mon-Fri 07:00-11:30 and 13:30-17:00, the usual hours of a commune centre.
    fn default() -> Self {
        Self {
            sessions: vec![
                (Time::constant(7, 0, 0, 0), Time::constant(11, 30, 0, 0)),
                (Time::constant(13, 30, 0, 0), Time::constant(17, 0, 0, 0)),
            ],
            working_days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
        }
    }
}

impl OpeningHours {
    /// Checks that sessions are non-empty, ordered and do not overlap.
    pub fn validate(&self) -> Result<(), Error> {
        let mut prev_end: Option<Time> = None;
        for (start, end) in &self.sessions {
            if start >= end {
                return Err(Error::invalid(
                    "hours",
                    "a session must end after it starts",
                ));
            }
            if prev_end.is_some_and(|p| *start < p) {
                return Err(Error::invalid(
                    "hours",
                    "sessions must be in order and not overlap",
                ));
            }
            prev_end = Some(*end);
        }
        Ok(())
    }

    /// Whether the centre is open at a local date-time.
    pub fn is_open(&self, at: jiff::civil::DateTime) -> bool {
        self.working_days.contains(&Weekday::from(at.weekday()))
            && self
                .sessions
                .iter()
                .any(|(s, e)| at.time() >= *s && at.time() < *e)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Centre {
    pub code: CentreCode,
    pub name: String,
    pub name_en: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub hotline: String,
    /// IANA timezone; the service day is the calendar day here.
    pub timezone: String,
    #[serde(default)]
    pub hours: OpeningHours,
    #[serde(default = "crate::default_priority_classes")]
    pub priority_classes: Vec<PriorityClass>,
    /// `Xin mời công dân số {number} đến quầy số {counter}`.
    pub announcement_vi: String,
    pub announcement_en: String,
    /// Recalls a called ticket needs before it may be marked no-show.
    pub no_show_after_recalls: u32,
    /// Whether citizens may take a ticket remotely (without a kiosk or staff).
    pub remote_tickets: bool,
    /// Refuse tickets outside opening hours (a demo centre turns this off so it
    /// works at any hour).
    #[serde(default = "yes")]
    pub enforce_hours: bool,
    /// Printed above the number on every ticket (may be empty).
    #[serde(default)]
    pub ticket_header: String,
    /// Printed at the foot of every ticket (may be empty).
    #[serde(default)]
    pub ticket_footer: String,
    /// Days finished tickets, bookings and feedback are kept with their
    /// personal data; reports keep only counts after that.
    #[serde(default = "default_retention_days")]
    pub data_retention_days: u32,
    /// The shape of this province's dossier codes (a regular expression,
    /// anchored); `None`: [`crate::dossier::DEFAULT_DOSSIER_PATTERN`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dossier_pattern: Option<String>,
    /// The provincial portal's rating page for one dossier, with
    /// `{dossier_code}`; shown as a QR code and a link after a service with a
    /// dossier code, so the citizen can rate where the index counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_url_template: Option<String>,
    /// What "Gọi tiếp" does with a citizen called but never started, when
    /// staff do not say (default: a no-show, never counted as served).
    #[serde(default)]
    pub call_next_unstarted: Unstarted,
    /// Print the service's documents to bring ("Giấy tờ cần mang") on the
    /// walk-in ticket.
    #[serde(default)]
    pub print_documents: bool,
}

/// How a ticket called but not started leaves the counter when the next one
/// is called.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unstarted {
    /// The citizen never came: `no_show`.
    #[default]
    NoShow,
    /// Staff served without pressing "start": `done`.
    Served,
}

fn yes() -> bool {
    true
}

/// Two years: long enough for yearly reports, short enough to hold little.
pub fn default_retention_days() -> u32 {
    730
}

impl Centre {
    pub fn tz(&self) -> Result<jiff::tz::TimeZone, Error> {
        jiff::tz::TimeZone::get(&self.timezone).map_err(|_| {
            Error::invalid("timezone", format!("unknown timezone `{}`", self.timezone))
        })
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub code: ServiceCode,
    pub prefix: TicketPrefix,
    pub name: String,
    pub name_en: String,
    pub start_number: u32,
    pub daily_cap: Option<u32>,
    /// Used for waiting-time estimates until there is recent history.
    pub mean_service_minutes: u32,
    /// `None`: the centre's hours.
    pub hours: Option<OpeningHours>,
    pub active: bool,
    /// Shown in the portal and on the kiosk: "Đăng ký khai sinh", ...
    #[serde(default)]
    pub examples: Vec<String>,
    /// What to bring ("Giấy tờ cần mang theo"), shown in the portal and on the kiosk.
    #[serde(default)]
    pub note: String,
    /// What the waiting-room board shows instead of a long name (empty: the name).
    #[serde(default)]
    pub short_name: String,
    #[serde(default)]
    pub short_name_en: String,
    /// Target waiting time (issue to call), minutes; `None`: no target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_wait_minutes: Option<u32>,
    /// Target service time (start to finish), minutes; `None`: no target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_service_minutes: Option<u32>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterState {
    Open,
    Paused,
    Closed,
}

impl CounterState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Paused => "paused",
            Self::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Paused, Self::Closed]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counter {
    pub number: CounterNumber,
    pub name: String,
    /// Services in order of preference: call-next looks at the first one first.
    pub serves: Vec<ServiceCode>,
    pub state: CounterState,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_hours_are_a_commune_centre_week() {
        let h = OpeningHours::default();
        h.validate().unwrap();
        let thu_morning: jiff::civil::DateTime = "2026-11-26T08:00".parse().unwrap();
        let thu_lunch: jiff::civil::DateTime = "2026-11-26T12:00".parse().unwrap();
        let sat: jiff::civil::DateTime = "2026-11-28T08:00".parse().unwrap();
        assert!(h.is_open(thu_morning));
        assert!(!h.is_open(thu_lunch));
        assert!(!h.is_open(sat));
    }

    #[test]
    fn overlapping_sessions_are_refused() {
        let h = OpeningHours {
            sessions: vec![
                (Time::constant(7, 0, 0, 0), Time::constant(12, 0, 0, 0)),
                (Time::constant(11, 0, 0, 0), Time::constant(17, 0, 0, 0)),
            ],
            working_days: vec![Weekday::Mon],
        };
        assert!(h.validate().is_err());
    }
}
