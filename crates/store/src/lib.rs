//! Persistence for Lượt. The [`Store`] trait has one method per business command;
//! each command is one transaction that reads state, applies a `luot_domain` rule,
//! writes rows and appends its events. Events are published to subscribers only
//! after the commit, so nobody sees a call that could still roll back.
//!
//! The backend is chosen by URL scheme in [`connect`]: `sqlite:` (the embedded
//! default) or `postgres:` (several processes may share one database). Callers hold an `Arc<dyn Store>` and never
//! know which.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use luot_domain::{CentreCode, Event};
use tokio::sync::broadcast;

pub mod admin;
pub mod audit;
pub mod auth;
pub mod booking;
mod display;
mod error;
pub mod feedback;
pub mod health;
pub mod id_key;
pub mod integration;
pub mod kiosk;
pub mod model;
pub mod notices;
pub mod offline;
pub mod retention;
pub mod sql;
#[doc(hidden)]
pub mod testing;

pub use admin::{
    AdminConfig, AdminCtx, AdminStore, Report, ReportRow, ReportTotal, ServiceConfig,
    ServiceTargetShare, TargetShare,
};
pub use auth::AuthStore;
pub use booking::*;
pub use display::{DisplayStore, MAX_NOTICE_CHARS};
pub use error::{Conflict, Error, Result};
pub use feedback::FeedbackStore;
pub use health::HealthStore;
pub use integration::IntegrationStore;
pub use kiosk::{KioskHealth, KioskReport, KioskStore, PendingJob, PrintJobRecord};
pub use model::*;
pub use notices::NoticeStore;
pub use offline::{Leases, NumberBlock, OfflineStore, OfflineTicket, Replayed};
pub use retention::{Erased, Person, RetentionStore, KEY_LIFETIME, KEY_PRUNE_BATCH};
pub use sql::EXPIRE_BATCH;

/// The business commands and queries of the queue.
#[async_trait]
pub trait Store:
    AdminStore
    + BookingStore
    + DisplayStore
    + HealthStore
    + IntegrationStore
    + KioskStore
    + NoticeStore
    + AuthStore
    + FeedbackStore
    + RetentionStore
    + OfflineStore
    + Send
    + Sync
    + 'static
{
    // ---- setup ----
    /// Creates a centre with its services and counters in one transaction;
    /// `Conflict(CentreCodeTaken)` if the code is taken.
    async fn create_centre(&self, setup: CentreSetup, now: Timestamp) -> Result<()>;
    /// Whether no centre exists yet (the demo seeds only an empty database).
    async fn is_empty(&self) -> Result<bool>;

    // ---- queries ----
    async fn centres(&self) -> Result<Vec<CentreSummary>>;
    /// One centre's summary, as `centres` lists it; `NotFound` for an unknown code.
    async fn centre(&self, centre: &CentreCode) -> Result<CentreSummary>;
    /// The full configuration of one centre.
    async fn centre_setup(&self, centre: &CentreCode) -> Result<CentreSetup>;
    async fn services(&self, centre: &CentreCode, now: Timestamp) -> Result<Vec<ServiceOverview>>;
    async fn ticket_by_token(&self, token: &str, now: Timestamp) -> Result<TicketView>;
    /// Tickets of `service` issued through `channel` on the service day of
    /// `now` (the remote share of the daily cap counts them).
    async fn issued_today(
        &self,
        centre: &CentreCode,
        service: &luot_domain::ServiceCode,
        channel: luot_domain::Channel,
        now: Timestamp,
    ) -> Result<u32>;
    async fn queue(&self, centre: &CentreCode, now: Timestamp) -> Result<QueueSnapshot>;
    /// Events of a centre with id > `after`, oldest first, at most `limit`.
    async fn events_after(&self, centre: &CentreCode, after: i64, limit: u32)
        -> Result<Vec<Event>>;

    // ---- commands ----
    async fn issue_ticket(&self, cmd: IssueTicket) -> Result<TicketView>;
    /// Calls the next ticket at a counter (finishing the one in progress), or
    /// `ticket: None` when nobody waits. A ticket called but never started
    /// leaves as the centre's `call_next_unstarted` says (by default a no-show).
    async fn call_next(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.call_next_with(at, None).await
    }
    /// [`Store::call_next`] with staff's answer for a ticket called but never
    /// started (`None`: the centre's setting).
    async fn call_next_with(
        &self,
        at: CounterRef,
        unstarted: Option<luot_domain::Unstarted>,
    ) -> Result<CounterOutcome>;
    async fn recall(&self, at: CounterRef) -> Result<CounterOutcome>;
    async fn start(&self, at: CounterRef) -> Result<CounterOutcome>;
    async fn complete(&self, at: CounterRef) -> Result<CounterOutcome>;
    async fn no_show(&self, at: CounterRef) -> Result<CounterOutcome>;
    async fn transfer(&self, at: CounterRef, to: Transfer) -> Result<CounterOutcome>;
    async fn pause(&self, at: CounterRef) -> Result<CounterOutcome>;
    async fn resume(&self, at: CounterRef) -> Result<CounterOutcome>;
    /// Expires the tickets still waiting, transferred or called whose service
    /// day ended by `now` (`luot_domain::day`), at most a batch of them (call
    /// again while the count is [`EXPIRE_BATCH`]); returns how many. With
    /// `keep_hours` a centre that enforces its hours ends the day at closing
    /// time, else (`--always-open`) every day ends at local midnight.
    async fn expire_tickets(&self, now: Timestamp, keep_hours: bool) -> Result<u32>;

    // ---- events ----
    /// Committed events, in commit order, from now on. On PostgreSQL this
    /// includes the events of every other process sharing the database.
    fn subscribe(&self) -> broadcast::Receiver<Event>;
    /// Waits for in-flight commands and closes the database.
    async fn close(&self);
}

/// Options common to every backend.
#[derive(Debug, Clone)]
pub struct Options {
    /// Read connections (SQLite) or pool size (PostgreSQL).
    pub max_connections: u32,
    /// How long a query waits for a pooled connection, and a connection
    /// attempt may take, before the request fails with `Unavailable` (503).
    pub acquire_timeout: Duration,
    /// PostgreSQL `statement_timeout` for every connection (zero: none). Also
    /// bounds how long a write waits for another process's batch.
    pub statement_timeout: Duration,
    /// PostgreSQL: how often each process reads the event log for other
    /// processes' events even without a NOTIFY (the fallback that cannot miss).
    pub event_poll: Duration,
    /// The key file of ID-number hashes ([`id_key`]); created when missing.
    /// `None`: beside a SQLite database file (`luot.db` -> `luot.id.key`);
    /// for PostgreSQL or an in-memory database a key for this run only
    /// (tests), so the server always names one for PostgreSQL.
    pub secret_file: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(10),
            event_poll: Duration::from_secs(2),
            secret_file: None,
        }
    }
}

/// Opens (creating and migrating as needed) the database at `url`:
/// `sqlite://path`, `postgres://...`, or a bare SQLite file path.
pub async fn connect(url: &str, options: Options) -> Result<Arc<dyn Store>> {
    let store = sql::SqlStore::open(url, options).await?;
    Ok(Arc::new(store))
}
