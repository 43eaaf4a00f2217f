//! "Your turn is near" in the store: the phone a citizen leaves for one ticket
//! (with its own consent), the centre's notifier, and the outbox of notices.
//!
//! The outbox is `turn_notices`: one row per ticket and threshold (`near`,
//! `called`; a unique constraint makes each go out once), inserted when the
//! queue reaches the threshold and sent, retried and recorded by the server's
//! notice worker. A notice row never holds the phone: it is read from
//! `notice_phones` when sending, and a trigger deletes it (and drops unsent
//! notices) in the transaction that ends the ticket. Rows stay, without
//! personal data, for the reports.

use async_trait::async_trait;
use jiff::Timestamp;
use luot_domain::notice::{Channel, Notice, Notifier};
use luot_domain::{CentreCode, Phone, ServiceCode};
use serde::{Deserialize, Serialize};

use crate::Result;

/// Phones registered at once per centre (tickets still in the queue): past
/// it, registration answers 503 `notices_full`.
pub const MAX_PHONES_PER_CENTRE: i64 = 2000;
/// Unsent notices per centre: past it, new notices are not created (logged)
/// until the notifier catches up.
pub const MAX_PENDING_PER_CENTRE: i64 = 500;
/// Retries stop this long after a notice was due: later, it is no use.
pub const NOTICE_RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(3600);
/// An attempt in flight holds its notice this long (crash or stall).
pub const NOTICE_LEASE: std::time::Duration = std::time::Duration::from_secs(30);
/// A phone left on a ticket that never ended (a day that closed with people
/// waiting) is deleted after this long anyway.
pub const PHONE_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Where the citizen left the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeSource {
    StatusPage,
    Kiosk,
    Booking,
}

impl NoticeSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StatusPage => "status_page",
            Self::Kiosk => "kiosk",
            Self::Booking => "booking",
        }
    }
}

/// A citizen asks for turn notices on their ticket.
#[derive(Debug, Clone)]
pub struct RegisterNotice {
    /// The ticket's token (from its QR code or the issue answer).
    pub token: String,
    pub phone: Phone,
    /// The version of the notice consent text the citizen ticked.
    pub consent_version: String,
    pub source: NoticeSource,
    pub now: Timestamp,
}

/// One notice as the status page and the reports show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeView {
    /// `near` or `called`.
    pub threshold: String,
    /// `pending`, `sent`, `failed` or `dropped` (the ticket ended first).
    pub status: String,
    pub attempts: u32,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<Timestamp>,
}

/// A ticket's notices, for its holder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TicketNotices {
    /// Whether the centre sends turn notices at all.
    pub available: bool,
    /// The phone left, masked (`0912***678`); `null` when none.
    pub phone: Option<String>,
    /// "Your turn is near" goes out at this many people ahead.
    pub ahead: u32,
    pub notices: Vec<NoticeView>,
}

/// A notice the worker should send now, leased to it for [`NOTICE_LEASE`].
#[derive(Debug, Clone)]
pub struct DueNotice {
    pub id: i64,
    pub delivery: String,
    pub centre: CentreCode,
    pub channel: Channel,
    pub notice: Notice,
    pub phone: Phone,
    pub attempts: u32,
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum NoticeResult {
    Sent { status: u16 },
    Failed { status: Option<u16>, error: String },
}

/// Notices per day, service and outcome (reports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeCount {
    #[schema(value_type = String, format = Date)]
    pub day: jiff::civil::Date,
    pub service: ServiceCode,
    /// `near` or `called`.
    pub threshold: String,
    pub sent: u32,
    pub failed: u32,
    pub dropped: u32,
    pub pending: u32,
}

#[async_trait]
pub trait NoticeStore: Send + Sync {
    /// Leaves (or replaces) the phone for the ticket's notices. `NotFound` for
    /// an unknown token; `Conflict(TicketEnded)` once the ticket has ended;
    /// `Conflict(NoNotifier)` when the centre sends none.
    async fn register_notice(&self, cmd: RegisterNotice) -> Result<TicketNotices>;
    /// Withdraws: the phone is deleted, unsent notices dropped.
    async fn withdraw_notice(&self, token: &str) -> Result<()>;
    async fn ticket_notices(&self, token: &str) -> Result<TicketNotices>;

    async fn notifier(&self, centre: &CentreCode) -> Result<Option<Notifier>>;
    /// Sets (`Some`) or removes the centre's notifier.
    async fn set_notifier(&self, ctx: crate::AdminCtx, notifier: Option<Notifier>) -> Result<()>;

    /// Creates the notices the queue has reached (once per ticket and
    /// threshold) and deletes phones past [`PHONE_MAX_AGE`]. Reads first;
    /// writes only when there is something to create. Returns how many
    /// notices were created.
    async fn enqueue_notices(&self, now: Timestamp) -> Result<u32>;
    /// Leases the notices due by `now` (at most `limit`).
    async fn due_notices(&self, now: Timestamp, limit: u32) -> Result<Vec<DueNotice>>;
    async fn record_notice(&self, id: i64, result: NoticeResult, now: Timestamp) -> Result<()>;
    /// Notices of the service days `from..=to`.
    async fn notice_report(
        &self,
        centre: &CentreCode,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<Vec<NoticeCount>>;
}
