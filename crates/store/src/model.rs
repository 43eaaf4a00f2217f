//! What the store takes and returns: commands with their clock and actor, and the
//! views the API serialises. Views of public things carry no personal data.

use crate::auth::NewAudit;
use jiff::Timestamp;
use luot_domain::{
    Centre, CentreCode, Channel, Counter, CounterNumber, CounterState, PriorityCode, Service,
    ServiceCode, TicketStatus,
};
use serde::{Deserialize, Serialize};

/// A whole centre to create at once (the demo seed, an import).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CentreSetup {
    pub centre: Centre,
    pub services: Vec<Service>,
    pub counters: Vec<Counter>,
}

/// Who did something: `staff:lan`, `kiosk:3`, `public`, `system`.
pub type Actor = String;

#[derive(Debug, Clone)]
pub struct IssueTicket {
    pub centre: CentreCode,
    pub service: ServiceCode,
    pub priority: Option<PriorityCode>,
    pub channel: Channel,
    pub actor: Actor,
    /// Client-chosen key: a retried request with the same key returns the same
    /// ticket and issues nothing new.
    pub idempotency_key: Option<String>,
    /// The kiosk device whose printer prints this ticket: its print job is
    /// created in the same transaction as the ticket.
    pub print_on: Option<i64>,
    pub now: Timestamp,
    /// The audit entry committed with the ticket (staff issues; see crate::audit).
    pub audit: Option<NewAudit>,
    /// Issue whatever the opening hours and holidays (`--always-open`).
    pub any_hour: bool,
}

/// The target of a counter command.
#[derive(Debug, Clone)]
pub struct CounterRef {
    pub centre: CentreCode,
    pub counter: CounterNumber,
    pub actor: Actor,
    pub now: Timestamp,
    /// The audit entry committed with the command (see crate::audit).
    pub audit: Option<NewAudit>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct Transfer {
    /// Move to this service's queue.
    pub service: Option<ServiceCode>,
    /// Or to this counter only.
    pub counter: Option<CounterNumber>,
    /// Transfer this waiting ticket instead of the counter's current one.
    pub ticket: Option<String>,
    pub note: Option<String>,
}

/// A ticket as its holder and staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TicketView {
    pub number: String,
    pub service: ServiceCode,
    pub service_name: String,
    pub service_name_en: String,
    pub status: TicketStatus,
    /// The priority class code; in public answers only `priority` (see
    /// [`PUBLIC_PRIORITY`]).
    pub priority: Option<String>,
    pub channel: Channel,
    /// The capability in the ticket's QR code: the citizen's secret for the
    /// status page. Absent from every answer to staff (counter actions, staff
    /// issues and check-ins): see [`TicketView::for_staff`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(required = false)]
    pub token: String,
    /// People ahead in the same queue; 0 once called.
    pub position: u32,
    pub eta_minutes: u32,
    pub counter: Option<CounterNumber>,
    pub recalls: u32,
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub called_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<Timestamp>,
    pub centre: CentreCode,
}

/// What public answers (the public queue, a ticket's status by its token) say
/// of a ticket's priority class: that it has one, never which. A class such as
/// `disability` or `pregnant` tells a stranger about the person holding the
/// number; staff views keep the class.
pub const PUBLIC_PRIORITY: &str = "priority";

fn public_priority(priority: &mut Option<String>) {
    if priority.is_some() {
        *priority = Some(PUBLIC_PRIORITY.to_owned());
    }
}

impl TicketView {
    /// The ticket as a public answer shows it: its priority class, if any,
    /// only as [`PUBLIC_PRIORITY`].
    pub fn public(mut self) -> Self {
        public_priority(&mut self.priority);
        self
    }

    /// The ticket as staff may see it: without its token, which only the
    /// citizen holding the printed QR (and the kiosk printing it) should have.
    pub fn for_staff(mut self) -> Self {
        self.token = String::new();
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CentreSummary {
    pub code: CentreCode,
    pub name: String,
    pub name_en: String,
    pub address: String,
    pub hotline: String,
    pub timezone: String,
    /// The classes a kiosk offers on its priority path.
    #[schema(value_type = Vec<Object>)]
    pub priority_classes: Vec<luot_domain::PriorityClass>,
    /// The display's call phrase, `{number}` and `{counter}` filled in.
    pub announcement_vi: String,
    pub announcement_en: String,
    /// Printed under the logo on every ticket; lines apart, empty for none.
    #[serde(default)]
    pub ticket_header: String,
    /// Printed at the foot of every ticket; lines apart, empty for none.
    #[serde(default)]
    pub ticket_footer: String,
    /// Walk-in tickets print the service's documents to bring.
    #[serde(default)]
    pub print_documents: bool,
}

/// A service with its live figures, as the kiosk and portal show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServiceOverview {
    pub code: ServiceCode,
    pub prefix: String,
    pub name: String,
    pub name_en: String,
    pub examples: Vec<String>,
    /// What to bring.
    pub note: String,
    /// The board's short name (empty: `name`).
    #[serde(default)]
    pub short_name: String,
    #[serde(default)]
    pub short_name_en: String,
    pub active: bool,
    /// Within opening hours now, and not a holiday.
    pub open_now: bool,
    /// Takes tickets now: active, not capped, and open (or the centre does not
    /// enforce hours).
    pub accepting: bool,
    /// When walk-in issuing opens next, while the centre enforces its hours
    /// and this service is closed now (`None`: open, or no opening ahead).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub opens_at: Option<Timestamp>,
    /// The daily cap is reached.
    pub capped: bool,
    pub waiting: u32,
    pub open_counters: u32,
    pub eta_minutes: u32,
    pub issued_today: u32,
    pub daily_cap: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TicketBrief {
    pub number: String,
    pub service: ServiceCode,
    pub status: TicketStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CounterView {
    pub number: CounterNumber,
    pub name: String,
    pub state: CounterState,
    pub serves: Vec<ServiceCode>,
    pub current: Option<TicketBrief>,
}

/// A waiting ticket in the queue list. Public: number, service and timing only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WaitingTicket {
    pub number: String,
    pub service: ServiceCode,
    /// The priority class code in the staff view; in the public queue only
    /// `priority` (see [`PUBLIC_PRIORITY`]).
    pub priority: Option<String>,
    pub channel: Channel,
    pub status: TicketStatus,
    pub target_counter: Option<CounterNumber>,
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub slot_start: Option<Timestamp>,
    /// Whole minutes since issue by the server's clock (a counter PC's clock
    /// may be off).
    pub waited_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallView {
    pub number: String,
    pub service: ServiceCode,
    pub counter: CounterNumber,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// The state of a centre's queues at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QueueSnapshot {
    pub centre: CentreSummary,
    pub notice: String,
    pub counters: Vec<CounterView>,
    pub services: Vec<ServiceOverview>,
    /// In call order per service (appointments, priority, the rest).
    pub waiting: Vec<WaitingTicket>,
    /// Most recent first.
    pub last_calls: Vec<CallView>,
    /// The snapshot includes every event up to this id.
    pub last_event_id: i64,
}

impl QueueSnapshot {
    /// The snapshot as the public sees it: waiting tickets' priority classes
    /// only as [`PUBLIC_PRIORITY`].
    pub fn public(mut self) -> Self {
        for w in &mut self.waiting {
            public_priority(&mut w.priority);
        }
        self
    }
}

/// What a counter command did: the ticket it acted on (none for pause/resume or an
/// empty queue) and the counter afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CounterOutcome {
    pub ticket: Option<TicketView>,
    pub counter: CounterView,
}
