//! Online booking: the [`BookingStore`] commands (free slots, book, look up,
//! cancel, check in, expire no-shows, send reminders once, anonymise) and the
//! types they take and return. Personal data (name, phone, ID number) appears
//! only in views for the person who holds the booking code and phone, in the
//! staff view of the queue ([`StaffQueue`]) and in reminders; ID numbers are
//! kept as a keyed hash and the last four digits.

use async_trait::async_trait;
use jiff::{civil::Date, Timestamp};
use luot_domain::{
    BookingCode, BookingSettings, CentreCode, CheckInWindow, Limits, NoSlots, Phone, ServiceCode,
};
use serde::{Deserialize, Serialize};

use crate::{QueueSnapshot, Result, TicketView};

/// A centre's booking rules; a centre that never set them uses the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BookingRules {
    #[schema(value_type = Object)]
    pub limits: Limits,
    #[schema(value_type = Object)]
    pub check_in: CheckInWindow,
    /// Days after the slot after which a booking's personal data is erased.
    pub retention_days: u32,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            check_in: CheckInWindow::default(),
            retention_days: 30,
        }
    }
}

/// A day without bookings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Holiday {
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub name: String,
}

/// A service as the booking portal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BookableService {
    pub code: ServiceCode,
    pub name: String,
    pub name_en: String,
    pub examples: Vec<String>,
    pub settings: BookingSettings,
    /// The weekdays the service works, ISO numbered (1 = Monday .. 7 = Sunday),
    /// so the portal offers only those dates.
    pub working_days: Vec<i8>,
}

/// Everything the portal needs before a citizen picks a slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BookingInfo {
    pub centre: CentreCode,
    pub name: String,
    pub name_en: String,
    pub address: String,
    pub hotline: String,
    pub timezone: String,
    pub rules: BookingRules,
    pub holidays: Vec<Holiday>,
    pub services: Vec<BookableService>,
}

/// One slot with the places left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SlotView {
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
    /// Local start time, `07:30`.
    pub time: String,
    pub capacity: u32,
    pub remaining: u32,
}

/// The slots of one service on one local date. `closed` says why there are none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DaySlots {
    pub service: ServiceCode,
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub slots: Vec<SlotView>,
    #[schema(value_type = Option<String>)]
    pub closed: Option<NoSlots>,
}

/// What an appointment ticket prints of its booking: no personal data (the
/// holder of the ticket booked it; the code alone neither looks the booking up
/// nor cancels it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketBooking {
    pub code: BookingCode,
    pub slot_start: Timestamp,
}

/// Book a slot. The handler has validated the phone and the consent.
#[derive(Debug, Clone)]
pub struct Book {
    pub centre: CentreCode,
    pub service: ServiceCode,
    pub slot_start: Timestamp,
    pub name: String,
    pub phone: Phone,
    /// A validated ID number (12 or 9 digits); stored only as hash + last 4.
    pub id_number: Option<String>,
    pub consent_version: String,
    pub consent_text: String,
    /// The version of the reminder consent ticked (its own, optional box);
    /// `None`: no reminders, no turn notices to this phone.
    pub reminder_consent_version: Option<String>,
    pub now: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    CheckedIn,
    Cancelled,
    /// Not checked in by the end of its slot plus the check-in grace.
    Missed,
}

impl AppointmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::CheckedIn => "checked_in",
            Self::Cancelled => "cancelled",
            Self::Missed => "missed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Booked, Self::CheckedIn, Self::Cancelled, Self::Missed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// A booking as its holder sees it (they proved the code and the phone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AppointmentView {
    #[schema(value_type = String)]
    pub code: BookingCode,
    pub status: AppointmentStatus,
    pub centre: CentreCode,
    pub centre_name: String,
    pub centre_name_en: String,
    pub address: String,
    pub timezone: String,
    pub service: ServiceCode,
    pub service_name: String,
    pub service_name_en: String,
    #[schema(value_type = String, format = DateTime)]
    pub slot_start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub slot_end: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub check_in_opens: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub check_in_closes: Timestamp,
    pub name: String,
    /// `0912***678`.
    pub phone: String,
    /// `********2345`, when an ID number was given.
    pub id_number: Option<String>,
    pub bring_note: String,
    pub bring_note_en: String,
    pub consent_version: String,
    /// The reminder consent's version while given (not withdrawn).
    pub reminder_consent_version: Option<String>,
    /// Whether the phone gets the "your turn is near" notices of the booking's
    /// ticket: before check-in, whether it will (the reminder consent covers
    /// them and the centre sends notices); after, whether it is left on the
    /// ticket (until the ticket ends or the consent is withdrawn).
    pub turn_notices: bool,
    /// The ticket's number once checked in.
    pub ticket_number: Option<String>,
}

/// How a kiosk or staff member finds the booking to check in.
#[derive(Debug, Clone)]
pub enum CheckInBy {
    Code(BookingCode),
    /// Today's booking at this centre made with this ID number (from a CCCD QR).
    IdNumber {
        centre: CentreCode,
        id_number: String,
    },
}

#[derive(Debug, Clone)]
pub struct CheckIn {
    pub by: CheckInBy,
    /// Only a booking at this centre (the kiosk's or staff member's); `None`
    /// for staff of every centre. Another centre's booking is `NotFound`.
    pub within: Option<CentreCode>,
    /// `kiosk:3`, `staff:lan`.
    pub actor: String,
    /// A booking already checked in is refused (`AlreadyCheckedIn`, for
    /// staff) instead of answered with its ticket (`new: false`, for a kiosk
    /// where the citizen scanned twice).
    pub refuse_repeat: bool,
    /// The kiosk device whose printer prints the appointment ticket, as for a
    /// walk-in (`IssueTicket::print_on`): the job commits with the check-in. A
    /// second scan of a booking already checked in prints nothing.
    pub print_on: Option<i64>,
    pub now: Timestamp,
    /// The audit entry committed with the check-in (staff; see crate::audit).
    pub audit: Option<crate::auth::NewAudit>,
}

/// A checked-in booking and its appointment ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckInOutcome {
    pub appointment: AppointmentView,
    pub ticket: TicketView,
    /// False when the booking was already checked in (a second scan).
    pub new: bool,
}

/// Who booked a ticket still in the queue or at a counter (staff view only):
/// the appointment ticket's number with the citizen's name and slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BookedTicket {
    /// The ticket's number (unique in the centre for the day).
    pub number: String,
    #[schema(value_type = String)]
    pub code: BookingCode,
    pub name: String,
    #[schema(value_type = String, format = DateTime)]
    pub slot_start: Timestamp,
    /// Local slot time, `10:00`.
    pub time: String,
}

/// A booking of today not yet checked in, for the counter console's list
/// (staff view only). Bookings whose check-in window has closed are left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AwaitingBooking {
    #[schema(value_type = String)]
    pub code: BookingCode,
    #[schema(value_type = String)]
    pub service: ServiceCode,
    pub name: String,
    #[schema(value_type = String, format = DateTime)]
    pub slot_start: Timestamp,
    /// Local slot time, `10:00`.
    pub time: String,
    #[schema(value_type = String, format = DateTime)]
    pub check_in_opens: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub check_in_closes: Timestamp,
}

/// The queue as the centre's staff see it: the public snapshot, plus the names
/// behind appointment tickets and today's bookings still to check in. Carries
/// personal data: only for staff of the centre, never on a public reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaffQueue {
    #[serde(flatten)]
    pub queue: QueueSnapshot,
    /// Appointment tickets waiting, called or being served today.
    pub booked: Vec<BookedTicket>,
    /// Today's bookings not yet checked in, by slot.
    pub awaiting_check_in: Vec<AwaitingBooking>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    DayBefore,
    HourBefore,
}

/// A reminder to send; it carries the phone, so never log it unmasked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    pub kind: ReminderKind,
    pub code: BookingCode,
    pub phone: String,
    pub name: String,
    pub centre_name: String,
    pub address: String,
    pub service_name: String,
    pub slot_start: Timestamp,
    pub timezone: String,
}

/// Booking commands and queries.
#[async_trait]
pub trait BookingStore: Send + Sync {
    /// The centre's bookable services, rules and holidays.
    async fn booking_info(&self, centre: &CentreCode) -> Result<BookingInfo>;
    async fn set_booking_settings(
        &self,
        centre: &CentreCode,
        service: &ServiceCode,
        settings: BookingSettings,
        audit: Option<crate::auth::NewAudit>,
    ) -> Result<()>;
    async fn set_booking_rules(
        &self,
        centre: &CentreCode,
        rules: BookingRules,
        audit: Option<crate::auth::NewAudit>,
    ) -> Result<()>;
    /// Replaces the centre's holiday list.
    async fn set_holidays(&self, centre: &CentreCode, holidays: Vec<Holiday>) -> Result<()>;
    /// The bookable slots of a date with the places left.
    async fn free_slots(
        &self,
        centre: &CentreCode,
        service: &ServiceCode,
        date: Date,
        now: Timestamp,
    ) -> Result<DaySlots>;
    /// Books a place: never beyond capacity (`SlotFull` with the next free
    /// slots), within the per-person limits.
    async fn book(&self, cmd: Book) -> Result<AppointmentView>;
    /// A booking by code and phone; a wrong phone is `NotFound`, like a wrong code.
    async fn appointment(&self, code: &BookingCode, phone: &Phone) -> Result<AppointmentView>;
    /// Cancels a booked (not yet checked-in) appointment, freeing its place.
    async fn cancel_appointment(
        &self,
        code: &BookingCode,
        phone: &Phone,
        now: Timestamp,
    ) -> Result<AppointmentView>;
    /// Withdraws one consent of the booking's holder (code and phone, as for a
    /// look-up). `Booking`: a booking still to come is cancelled (as
    /// [`BookingStore::cancel_appointment`]), any other keeps its status and
    /// loses its name, phone and ID number; `Reminders`: no more reminders, and
    /// the phone left for its ticket's turn notices is deleted.
    async fn withdraw_consent(
        &self,
        code: &BookingCode,
        phone: &Phone,
        purpose: luot_domain::booking::ConsentPurpose,
        now: Timestamp,
    ) -> Result<AppointmentView>;
    /// Checks a booking in within its window, issuing its appointment ticket.
    async fn check_in(&self, cmd: CheckIn) -> Result<CheckInOutcome>;
    /// The booking behind an appointment ticket (by the ticket's token): its
    /// code and slot, which print on the ticket. `None` for any other ticket.
    async fn ticket_booking(&self, ticket_token: &str) -> Result<Option<TicketBooking>>;
    /// The queue snapshot with the names behind appointment tickets and
    /// today's bookings not yet checked in (one consistent read). Staff only.
    async fn staff_queue(&self, centre: &CentreCode, now: Timestamp) -> Result<StaffQueue>;
    /// Marks bookings whose check-in window closed as no-shows; returns how many.
    async fn expire_bookings(&self, now: Timestamp) -> Result<u32>;
    /// Erases personal data of bookings past the retention period.
    async fn anonymise_bookings(&self, now: Timestamp) -> Result<u32>;
    /// The reminders due at `now`, each marked sent in the same transaction so
    /// none goes out twice.
    async fn claim_reminders(&self, now: Timestamp) -> Result<Vec<Reminder>>;
}
