//! Booking slots: which appointment times a service offers on a date. Slots come
//! from the service's working days and sessions (default Mon-Fri 07:00-11:30 and
//! 13:30-17:00), cut into `slot_minutes` pieces that fit wholly inside a session;
//! holidays (Tết and the rest, a list the centre keeps) offer none. A slot can be
//! booked only within the horizon (today .. today + `horizon_days`, in the
//! centre's timezone) and at least `lead_minutes` ahead of now.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::booking::Refusal;
use crate::{Error, OpeningHours, Weekday};

/// A service's booking settings, edited by the administrator.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingSettings {
    /// Whether citizens may book this service online.
    pub enabled: bool,
    /// Length of one slot; sessions are cut into slots of this length.
    pub slot_minutes: u32,
    /// How many people one slot takes.
    pub capacity: u32,
    /// How many days ahead a slot may be booked (0: today only).
    pub horizon_days: u32,
    /// How long before a slot starts booking it closes.
    pub lead_minutes: u32,
    /// What to bring (shown on the confirmation), Vietnamese and English.
    #[serde(default)]
    pub bring_note: String,
    #[serde(default)]
    pub bring_note_en: String,
}

impl Default for BookingSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            slot_minutes: 30,
            capacity: 2,
            horizon_days: 7,
            lead_minutes: 60,
            bring_note: String::new(),
            bring_note_en: String::new(),
        }
    }
}

impl BookingSettings {
    /// Refuses settings that would generate no sensible slots.
    pub fn validate(&self) -> Result<(), Error> {
        if !(5..=240).contains(&self.slot_minutes) {
            return Err(Error::invalid("slot_minutes", "use 5 to 240 minutes"));
        }
        if !(1..=500).contains(&self.capacity) {
            return Err(Error::invalid("capacity", "use 1 to 500 people per slot"));
        }
        if self.horizon_days > 90 {
            return Err(Error::invalid("horizon_days", "at most 90 days ahead"));
        }
        if self.lead_minutes > 7 * 24 * 60 {
            return Err(Error::invalid("lead_minutes", "at most 7 days"));
        }
        Ok(())
    }
}

/// One bookable time: start and end, both as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Why a date offers no slots (shown instead of an empty list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoSlots {
    Holiday,
    NotAWorkingDay,
    BookingDisabled,
    OutsideHorizon,
}

/// The local instant of a civil date-time in `tz` (Viet Nam has no DST; the
/// compatible resolution keeps other zones sensible).
fn instant(dt: DateTime, tz: &TimeZone) -> Timestamp {
    tz.to_ambiguous_timestamp(dt)
        .compatible()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The local calendar date of an instant.
pub fn local_date(t: Timestamp, tz: &TimeZone) -> Date {
    t.to_zoned(tz.clone()).date()
}

/// Every slot of `date`, ignoring the clock; empty with the reason when the date
/// offers none.
pub fn day_slots(
    date: Date,
    hours: &OpeningHours,
    settings: &BookingSettings,
    holidays: &[Date],
    tz: &TimeZone,
) -> Result<Vec<Slot>, NoSlots> {
    if !settings.enabled {
        return Err(NoSlots::BookingDisabled);
    }
    if holidays.contains(&date) {
        return Err(NoSlots::Holiday);
    }
    if !hours.working_days.contains(&Weekday::from(date.weekday())) {
        return Err(NoSlots::NotAWorkingDay);
    }
    let len = i64::from(settings.slot_minutes.max(1));
    let mut out = Vec::new();
    for (open, close) in &hours.sessions {
        let mut t: Time = *open;
        loop {
            let Ok(end) = t.checked_add(len.minutes()) else {
                break;
            };
            // `checked_add` wraps past midnight on civil times; a wrap ends the day.
            if end > *close || end <= t {
                break;
            }
            out.push(Slot {
                start: instant(date.to_datetime(t), tz),
                end: instant(date.to_datetime(end), tz),
            });
            t = end;
        }
    }
    Ok(out)
}

/// Whether `date` is inside the booking horizon seen from `now`.
pub fn in_horizon(date: Date, now: Timestamp, settings: &BookingSettings, tz: &TimeZone) -> bool {
    let today = local_date(now, tz);
    let last = today
        .checked_add(i64::from(settings.horizon_days).days())
        .unwrap_or(today);
    date >= today && date <= last
}

/// Whether a slot can still be booked at `now` (lead time respected).
pub fn open_for_booking(slot: &Slot, now: Timestamp, settings: &BookingSettings) -> bool {
    let lead = jiff::SignedDuration::from_mins(i64::from(settings.lead_minutes));
    slot.start >= now.saturating_add(lead).unwrap_or(now)
}

/// The slots of `date` a citizen may book at `now`.
pub fn bookable_slots(
    date: Date,
    now: Timestamp,
    hours: &OpeningHours,
    settings: &BookingSettings,
    holidays: &[Date],
    tz: &TimeZone,
) -> Result<Vec<Slot>, NoSlots> {
    let all = day_slots(date, hours, settings, holidays, tz)?;
    if !in_horizon(date, now, settings, tz) {
        return Err(NoSlots::OutsideHorizon);
    }
    Ok(all
        .into_iter()
        .filter(|s| open_for_booking(s, now, settings))
        .collect())
}

/// Checks that `start` is a slot a citizen may book at `now` and returns it.
pub fn check_slot(
    start: Timestamp,
    now: Timestamp,
    hours: &OpeningHours,
    settings: &BookingSettings,
    holidays: &[Date],
    tz: &TimeZone,
) -> Result<Slot, Error> {
    let date = local_date(start, tz);
    let slots = day_slots(date, hours, settings, holidays, tz)
        .map_err(|why| Error::Booking(Refusal::NoSlots(why)))?;
    let slot = slots
        .into_iter()
        .find(|s| s.start == start)
        .ok_or(Error::Booking(Refusal::NotASlot))?;
    if !in_horizon(date, now, settings, tz) {
        return Err(Error::Booking(Refusal::NoSlots(NoSlots::OutsideHorizon)));
    }
    if !open_for_booking(&slot, now, settings) {
        return Err(Error::Booking(Refusal::TooSoon));
    }
    Ok(slot)
}

/// The dates from `from` up to the horizon, for "next free slots" searches.
pub fn horizon_dates(now: Timestamp, settings: &BookingSettings, tz: &TimeZone) -> Vec<Date> {
    let today = local_date(now, tz);
    (0..=i64::from(settings.horizon_days))
        .filter_map(|d| today.checked_add(d.days()).ok())
        .collect()
}

#[cfg(test)]
#[path = "slots_tests.rs"]
mod tests;
