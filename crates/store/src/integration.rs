//! Joining the province's one-stop system: dossier codes on tickets, the
//! per-dossier export the provincial system imports, outbound webhooks, and the
//! live per-service figures (waiting, estimated wait, share within target).
//!
//! Webhooks take the event log as their outbox: every event row commits in the
//! same transaction as its state change, so nothing a hook subscribes to can be
//! lost between the change and the delivery. Each hook keeps the last event id it
//! has handed on; the next matching event becomes a delivery row (its id, body
//! and attempts), sent and retried until delivered or a day has passed. One
//! pending delivery per hook at a time keeps each hook's deliveries in event
//! order, hence in order per ticket.

use async_trait::async_trait;
use jiff::Timestamp;
use luot_domain::{CentreCode, CounterNumber, DossierCode, ServiceCode};
use serde::{Deserialize, Serialize};

use crate::Result;

/// Most webhooks per centre: each is polled and delivered to in turn.
pub const MAX_WEBHOOKS_PER_CENTRE: usize = 10;
/// Retries stop this long after the first attempt; the delivery is `failed`.
pub const RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// An attempt in flight holds its delivery this long (crash or stall), so
/// another process (or the next pass) does not send it at the same time.
pub const ATTEMPT_LEASE: std::time::Duration = std::time::Duration::from_secs(30);

/// The webhook event names, and the event-log kinds they come from.
pub const WEBHOOK_EVENTS: &[(&str, &str)] = &[
    ("ticket.issued", "ticket_issued"),
    ("ticket.called", "ticket_called"),
    ("ticket.served", "ticket_completed"),
    ("ticket.no_show", "ticket_no_show"),
    ("ticket.expired", "ticket_expired"),
    ("ticket.rated", "ticket_rated"),
    ("dossier.attached", "dossier_attached"),
    ("booking.created", "booking_created"),
    ("booking.cancelled", "booking_cancelled"),
];

/// The webhook event name of an event-log kind, if hooks can subscribe to it.
pub fn webhook_event_of(kind: &str) -> Option<&'static str> {
    WEBHOOK_EVENTS
        .iter()
        .find(|(_, k)| *k == kind)
        .map(|(name, _)| *name)
}

/// A dossier code attached at a counter, as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attached {
    /// The ticket it went to.
    pub number: String,
    pub service: ServiceCode,
    /// Every dossier code of that ticket, oldest first.
    #[schema(value_type = Vec<String>)]
    pub dossiers: Vec<DossierCode>,
}

/// A staff member's attach command at a counter (with its audit entry).
#[derive(Debug, Clone)]
pub struct AttachDossier {
    pub at: crate::CounterRef,
    /// The raw text typed or scanned; checked against the centre's pattern.
    pub code: String,
}

/// What a ticket's status page shows about its dossiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TicketDossiers {
    #[schema(value_type = Vec<String>)]
    pub dossiers: Vec<DossierCode>,
    /// The provincial rating page of the first dossier, once the service is
    /// over and the centre set `evaluation_url_template`.
    pub evaluation_url: Option<String>,
}

/// The ticket a counter finished last (lately), for its rating tablet: its
/// number, dossier codes and provincial rating page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CounterEvaluation {
    pub number: String,
    #[serde(flatten)]
    pub dossiers: TicketDossiers,
}

/// One line of the per-dossier export: the shape the provincial system imports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DossierRow {
    pub dossier_code: String,
    pub ticket: String,
    pub service: ServiceCode,
    pub service_name: String,
    pub counter: Option<CounterNumber>,
    /// The officer who served (username).
    pub officer: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub called_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<Timestamp>,
    /// Minutes from issue to call.
    pub wait_minutes: Option<f64>,
    /// 1 (rất không hài lòng) to 5 (rất hài lòng), if rated.
    pub rating: Option<u8>,
    pub comment: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub rated_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub attached_at: Timestamp,
}

/// A webhook as the admin API shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    /// Whether booking events carry the holder's name, phone and booking code.
    pub personal_data: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// The newest deliveries, newest first.
    pub deliveries: Vec<DeliveryView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub delivery: String,
    pub event: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub response_status: Option<u16>,
    pub last_error: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<Timestamp>,
}

/// A webhook to create (validated by the caller: URL, events, secret).
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    pub secret: String,
    /// The administrator allows personal data (booking name, phone, code) in
    /// this hook's payloads; without it they carry none.
    pub personal_data: bool,
}

/// A delivery the worker should attempt now: leased to the caller for
/// [`ATTEMPT_LEASE`].
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub delivery: String,
    pub event: String,
    pub body: String,
    pub attempts: u32,
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum AttemptResult {
    Delivered { status: u16 },
    Failed { status: Option<u16>, error: String },
}

/// Live figures of one service today (public: no personal data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LiveService {
    pub service: ServiceCode,
    pub name: String,
    pub name_en: String,
    pub waiting: u32,
    /// Estimated wait for a ticket taken now, minutes.
    pub eta_minutes: u32,
    /// Minutes the longest-waiting ticket has waited so far.
    pub longest_wait_minutes: u32,
    pub target_wait_minutes: Option<u32>,
    /// Percent of today's called tickets called within the target (one
    /// decimal); `null` without a target or without calls.
    pub within_target_percent: Option<f64>,
    pub target_service_minutes: Option<u32>,
    /// Percent of today's served tickets served (start to completion) within
    /// the target service time (one decimal); `null` without a target or
    /// without a ticket served.
    pub service_within_target_percent: Option<f64>,
    /// Whether the longest wait is past the target now.
    pub over_target: bool,
    pub served_today: u32,
    pub no_shows_today: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LiveCounter {
    pub counter: CounterNumber,
    pub name: String,
    /// `serving` (a ticket called or in service), `idle`, `paused` or `closed`.
    pub activity: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LiveStats {
    pub centre: CentreCode,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub services: Vec<LiveService>,
    pub counters: Vec<LiveCounter>,
}

#[async_trait]
pub trait IntegrationStore {
    /// Attaches a dossier code to the counter's current ticket (called or in
    /// service), or, between citizens, to the ticket it finished within the
    /// last 15 minutes. `Conflict(NoCurrentTicket)` when there is none;
    /// attaching a code the ticket already has changes nothing.
    async fn attach_dossier(&self, cmd: AttachDossier) -> Result<Attached>;
    async fn ticket_dossiers(&self, token: &str) -> Result<TicketDossiers>;
    /// The ticket counter `counter` completed last, if it finished at or after
    /// `since`, with its dossiers and evaluation link; `NotFound` otherwise.
    async fn counter_evaluation(
        &self,
        centre: &CentreCode,
        counter: luot_domain::CounterNumber,
        since: Timestamp,
    ) -> Result<CounterEvaluation>;
    /// Dossiers attached in the service days `from..=to`, oldest first.
    async fn dossier_report(
        &self,
        centre: &CentreCode,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<Vec<DossierRow>>;

    async fn create_webhook(&self, ctx: crate::AdminCtx, hook: NewWebhook) -> Result<i64>;
    async fn webhooks(&self, centre: &CentreCode) -> Result<Vec<Webhook>>;
    async fn delete_webhook(&self, ctx: crate::AdminCtx, id: i64) -> Result<()>;
    /// Turns the events past each active hook's cursor into deliveries (at
    /// most one pending per hook) and leases those due by `now`.
    async fn due_deliveries(&self, now: Timestamp, limit: u32) -> Result<Vec<DueDelivery>>;
    async fn record_attempt(&self, id: i64, result: AttemptResult, now: Timestamp) -> Result<()>;

    async fn live_stats(&self, centre: &CentreCode, now: Timestamp) -> Result<LiveStats>;
}
