//! Appointments: the rules around a booking other than its slot. Per-person
//! limits (default 2 bookings a day, 1 per service a day), the check-in window
//! (default from 30 minutes before the slot start to 15 minutes after, with early
//! and late outcomes), booking codes (short, in an alphabet without 0/O and 1/I),
//! Vietnamese mobile numbers, and the consent a citizen gives.

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::slots::NoSlots;
use crate::{Error, ServiceCode};

/// Why a booking or check-in is refused. The server maps each to a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The date offers no slots.
    NoSlots(NoSlots),
    /// The requested start is not one of the service's slots.
    NotASlot,
    /// The slot starts within the lead time.
    TooSoon,
    /// Every place in the slot is taken; `next` holds the next free slot starts.
    SlotFull { next: Vec<Timestamp> },
    /// The person (by phone) already has `limit` bookings that day, or one for
    /// this service.
    LimitReached { per_service: bool, limit: u32 },
    /// The consent box was not ticked, or the text shown is not the current one.
    ConsentRequired,
    /// Check-in before the window opens; come back at `opens_at`.
    TooEarly { opens_at: Timestamp },
    /// Check-in after the window closed; take a normal ticket instead.
    TooLate { service: ServiceCode },
    /// The booking was cancelled or expired.
    NotActive { status: &'static str },
    /// Staff check in a booking already checked in (by a kiosk or another
    /// counter); `ticket` is the number it got.
    AlreadyCheckedIn { ticket: String },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSlots(why) => write!(f, "no slots on that date ({why:?})"),
            Self::NotASlot => f.write_str("that time is not one of the service's slots"),
            Self::TooSoon => f.write_str("the slot starts too soon to be booked"),
            Self::SlotFull { .. } => f.write_str("the slot is full"),
            Self::LimitReached {
                per_service: true, ..
            } => f.write_str("already booked for this service that day"),
            Self::LimitReached { limit, .. } => {
                write!(f, "at most {limit} bookings a day per person")
            }
            Self::ConsentRequired => {
                f.write_str("consent to the processing of personal data is required")
            }
            Self::TooEarly { opens_at } => write!(f, "too early: check in from {opens_at}"),
            Self::TooLate { .. } => f.write_str("too late to check in; take a normal ticket"),
            Self::NotActive { status } => write!(f, "the booking is {status}"),
            Self::AlreadyCheckedIn { ticket } => {
                write!(f, "this booking was already checked in: ticket {ticket}")
            }
        }
    }
}

/// Per-person limits, counted by normalised phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub per_day: u32,
    pub per_service_per_day: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_day: 2,
            per_service_per_day: 1,
        }
    }
}

impl Limits {
    /// Checks a new booking for `service` against the person's active bookings
    /// on the same day (their services).
    pub fn check(&self, same_day: &[ServiceCode], service: &ServiceCode) -> Result<(), Error> {
        let for_service = same_day.iter().filter(|s| *s == service).count() as u32;
        if for_service >= self.per_service_per_day {
            return Err(Error::Booking(Refusal::LimitReached {
                per_service: true,
                limit: self.per_service_per_day,
            }));
        }
        if same_day.len() as u32 >= self.per_day {
            return Err(Error::Booking(Refusal::LimitReached {
                per_service: false,
                limit: self.per_day,
            }));
        }
        Ok(())
    }
}

/// When a booking may be checked in, around its slot start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInWindow {
    pub before_minutes: u32,
    pub after_minutes: u32,
}

impl Default for CheckInWindow {
    fn default() -> Self {
        Self {
            before_minutes: 30,
            after_minutes: 15,
        }
    }
}

/// Where `now` falls relative to a slot's check-in window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Before the window: come back at `opens_at`.
    Early {
        opens_at: Timestamp,
    },
    OnTime,
    /// After the window closed at `closed_at`.
    Late {
        closed_at: Timestamp,
    },
}

impl CheckInWindow {
    pub fn opens(&self, slot_start: Timestamp) -> Timestamp {
        slot_start
            .saturating_sub(SignedDuration::from_mins(i64::from(self.before_minutes)))
            .unwrap_or(slot_start)
    }
    /// The first instant at which check-in is refused as late.
    pub fn closes(&self, slot_start: Timestamp) -> Timestamp {
        slot_start
            .saturating_add(SignedDuration::from_mins(i64::from(self.after_minutes)))
            .unwrap_or(slot_start)
    }
    /// Early, on time (opens <= now < closes), or late.
    pub fn arrival(&self, slot_start: Timestamp, now: Timestamp) -> Arrival {
        let opens_at = self.opens(slot_start);
        let closed_at = self.closes(slot_start);
        if now < opens_at {
            Arrival::Early { opens_at }
        } else if now >= closed_at {
            Arrival::Late { closed_at }
        } else {
            Arrival::OnTime
        }
    }
}

/// The booking code alphabet: digits and capitals without 0/O and 1/I, which
/// people confuse when reading a code aloud or typing it at a kiosk. 32 symbols,
/// so a random byte maps to one without bias.
pub const CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// 32^6: about a billion codes, plenty for unique codes per deployment.
pub const CODE_LEN: usize = 6;

/// A booking code such as `K7PX3M`: short, unambiguous, in the booking QR.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct BookingCode(String);

impl BookingCode {
    /// A code from random bytes (the caller owns the randomness; the store
    /// retries on the rare collision, which its unique index detects).
    pub fn from_random(bytes: [u8; CODE_LEN]) -> Self {
        Self(
            bytes
                .iter()
                .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
                .collect(),
        )
    }

    /// For logs: the first two characters, the rest hidden (`LK****`). The
    /// code and the phone together open a booking, so neither is logged whole.
    pub fn masked(&self) -> String {
        let head: String = self.0.chars().take(2).collect();
        format!(
            "{head}{}",
            "*".repeat(self.0.chars().count().saturating_sub(2))
        )
    }

    /// Reads a typed or scanned code: case, spaces and dashes are forgiven.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let code: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
            Ok(Self(code))
        } else {
            Err(Error::invalid(
                "code",
                "a booking code is 6 letters and digits",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for BookingCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for BookingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Vietnamese mobile number, normalised to the domestic form `0xxxxxxxxx`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// Accepts `0912 345 678`, `0912.345.678`, `+84 912 345 678`, `84912345678`;
    /// mobile numbers have ten digits and start 03, 05, 07, 08 or 09.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let bad = || Error::invalid("phone", "use a Vietnamese mobile number such as 0912345678");
        let trimmed = s.trim();
        let plus = trimmed.starts_with('+');
        let mut digits = String::new();
        for c in trimmed.trim_start_matches('+').chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '.' | '-' | '(' | ')' => {}
                _ => return Err(bad()),
            }
        }
        let national = if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() == 9) {
            format!("0{rest}")
        } else if plus {
            return Err(bad());
        } else {
            digits
        };
        let ok = national.len() == 10
            && national.starts_with('0')
            && matches!(national.as_bytes()[1], b'3' | b'5' | b'7' | b'8' | b'9');
        if ok {
            Ok(Self(national))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For logs and public pages: `0912***678`.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

/// Masks all but the first four and last three characters of a phone number.
pub fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() < 8 {
        return "***".into();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}***{tail}")
}

/// A consent text citizens tick, one per purpose (Law 91/2025/QH15 on
/// personal data protection: consent is given for each purpose, never
/// bundled, and may be withdrawn). Its version is stored with each booking so
/// what they agreed to can be shown later, even after the text changes.
pub struct ConsentText {
    pub version: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
}

/// Consent to the booking itself (required): name, phone, ID number.
pub const CONSENT: ConsentText = ConsentText {
    version: "2026-12-v2",
    vi: "Tôi đồng ý để Trung tâm xử lý họ tên, số điện thoại và số định danh cá nhân (nếu có) \
         của tôi chỉ nhằm mục đích đặt lịch hẹn và tiếp nhận hồ sơ của tôi, theo Luật Bảo vệ \
         dữ liệu cá nhân số 91/2025/QH15. Dữ liệu được xóa khi tôi hủy lịch hoặc rút lại đồng \
         ý, và sau thời hạn lưu trữ.",
    en: "I agree that the Centre processes my name, phone number and personal ID number (if \
         given) only to book my appointment and receive my application, under Law \
         91/2025/QH15 on personal data protection. The data is erased when I cancel or \
         withdraw this consent, and after the retention period.",
};

/// Consent to reminders (optional, a box of its own that starts unticked):
/// the booking's phone is used to send reminders before the appointment and,
/// once checked in, the "your turn is near" notices of the booking's ticket.
/// Both serve one purpose, getting the holder to the counter on time; the
/// first version (`reminders-2026-12-v1`) named only the reminders, so it is
/// refused now, and bookings made under it get no turn notices.
pub const REMINDER_CONSENT: ConsentText = ConsentText {
    version: "reminders-2026-12-v2",
    vi: "Tôi đồng ý để Trung tâm dùng số điện thoại này để nhắn tin nhắc lịch hẹn (một ngày \
         và một giờ trước giờ hẹn) và, sau khi tôi xác nhận tại trung tâm, báo khi sắp đến \
         lượt và khi được mời lên quầy, theo Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15. \
         Số điện thoại gắn với số thứ tự được xóa khi lượt kết thúc. Không bắt buộc; tôi có \
         thể rút lại đồng ý bất cứ lúc nào.",
    en: "I agree that the Centre uses this phone number to remind me of my appointment (a \
         day and an hour before) and, once I have checked in at the centre, to tell me when \
         my turn is near and when I am called to a counter, under Law 91/2025/QH15 on \
         personal data protection. The number is removed from my ticket when my turn ends. \
         Optional; I may withdraw this consent at any time.",
};

/// Whether a booking's reminder consent, of this version, also covers the
/// turn notices of its ticket (the current text does; `reminders-2026-12-v1`
/// did not). A later text that still covers them adds its version here.
pub fn reminders_cover_turn_notices(version: &str) -> bool {
    version == REMINDER_CONSENT.version
}

/// The reminder consent, if ticked: `None` when not ticked; ticked for an
/// older text than the current one is refused like a missing booking consent.
pub fn check_reminder_consent(
    ticked: bool,
    version: Option<&str>,
) -> Result<Option<&'static ConsentText>, Error> {
    match (ticked, version) {
        (false, _) => Ok(None),
        (true, Some(v)) if v != REMINDER_CONSENT.version => {
            Err(Error::Booking(Refusal::ConsentRequired))
        }
        (true, _) => Ok(Some(&REMINDER_CONSENT)),
    }
}

/// What a consent was given for; each is withdrawn on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentPurpose {
    /// The booking itself: withdrawing it cancels a booking still to come and
    /// erases the name, phone and ID number.
    Booking,
    /// Reminders: withdrawing it stops them (and deletes a phone left for
    /// the booking's ticket's turn notices); the booking stays.
    Reminders,
}

/// Accepts consent only when ticked and given to the current text.
pub fn check_consent(consent: bool, version: Option<&str>) -> Result<&'static ConsentText, Error> {
    if consent && version.is_none_or(|v| v == CONSENT.version) {
        Ok(&CONSENT)
    } else {
        Err(Error::Booking(Refusal::ConsentRequired))
    }
}

#[cfg(test)]
#[path = "booking_tests.rs"]
mod tests;
