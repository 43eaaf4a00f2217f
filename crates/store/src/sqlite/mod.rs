//! The embedded SQLite backend: one file, WAL mode, every commit synced
//! (`synchronous = FULL`) so a reply means durable. Writes go through the
//! group-commit [`writer::Writer`]; reads use a small pool of read-only
//! connections that WAL lets run beside the writer.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;
use jiff::Timestamp;
use luot_domain::{Action, CentreCode, Event};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, SqlitePool};
use tokio::sync::broadcast;

use crate::{model::*, Error, Options, Result, Store};

mod counters;
mod events;
mod queue;
mod rows;
mod setup;
mod tickets;
pub mod writer;

/// How many committed events a slow subscriber may fall behind before it is
/// told it lagged (and must re-read a snapshot).
const EVENT_BUFFER: usize = 16_384;

pub struct SqliteStore {
    /// Read-only connections; WAL gives each read a consistent snapshot.
    read: SqlitePool,
    /// The one write connection, behind the group-commit task.
    writer: writer::Writer,
    /// Committed events, fed by the writer after each commit.
    events: broadcast::Sender<Event>,
}

impl SqliteStore {
    /// Opens `url` (`sqlite://path`, `sqlite:path` or a bare path), creating the
    /// file and running migrations as needed.
    pub async fn open(url: &str, options: Options) -> Result<Self> {
        let base = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url).map_err(|e| Error::Unavailable(e.to_string()))?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let base = base
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .disable_statement_logging();
        let mut conn = base.clone().create_if_missing(true).connect().await?;
        sqlx::migrate!("../../migrations/sqlite")
            .run(&mut conn)
            .await
            .map_err(|e| Error::Internal(format!("migration failed: {e}")))?;
        let read = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(base.read_only(true))
            .await?;
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let (writer, _task) = writer::Writer::spawn(conn, events.clone());
        Ok(Self { read, writer, events })
    }

    async fn read(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        Ok(self.read.acquire().await?)
    }

    async fn counter_cmd<F>(&self, f: F) -> Result<CounterOutcome>
    where
        F: for<'c> FnOnce(
                &'c mut sqlx::SqliteConnection,
            ) -> futures::future::BoxFuture<'c, Result<(CounterOutcome, Vec<Event>)>>
            + Send
            + 'static,
    {
        self.writer.run(f).await
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_centre(&self, setup: CentreSetup, now: Timestamp) -> Result<()> {
        self.writer.run(move |c| setup::create_centre(c, setup, now).boxed()).await
    }

    async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM centres").fetch_one(&self.read).await?;
        Ok(n == 0)
    }

    async fn centres(&self) -> Result<Vec<CentreSummary>> {
        setup::centres(&mut *self.read().await?).await
    }

    async fn centre_setup(&self, centre: &CentreCode) -> Result<CentreSetup> {
        setup::centre_setup(&mut *self.read().await?, centre).await
    }

    async fn services(&self, centre: &CentreCode, now: Timestamp) -> Result<Vec<ServiceOverview>> {
        let mut tx = self.read.begin().await?;
        let row = rows::centre(&mut tx, centre).await?;
        let out = queue::services(&mut tx, &row, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn ticket_by_token(&self, token: &str, now: Timestamp) -> Result<TicketView> {
        let mut tx = self.read.begin().await?;
        let out = tickets::by_token(&mut tx, token, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn queue(&self, centre: &CentreCode, now: Timestamp) -> Result<QueueSnapshot> {
        let mut tx = self.read.begin().await?;
        let out = queue::snapshot(&mut tx, centre, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn events_after(&self, centre: &CentreCode, after: i64, limit: u32) -> Result<Vec<Event>> {
        let mut c = self.read().await?;
        let row = rows::centre(&mut c, centre).await?;
        events::after(&mut c, row.id, centre, after, limit).await
    }

    async fn issue_ticket(&self, cmd: IssueTicket) -> Result<TicketView> {
        self.writer.run(move |c| tickets::issue(c, cmd).boxed()).await
    }

    async fn call_next(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.counter_cmd(move |c| counters::call_next(c, at).boxed()).await
    }

    async fn recall(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.counter_cmd(move |c| counters::act(c, at, Action::Recall).boxed()).await
    }

    async fn start(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.counter_cmd(move |c| counters::act(c, at, Action::Start).boxed()).await
    }

    async fn complete(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.counter_cmd(move |c| counters::act(c, at, Action::Complete).boxed()).await
    }

    async fn no_show(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.counter_cmd(move |c| counters::act(c, at, Action::NoShow).boxed()).await
    }

    async fn transfer(&self, at: CounterRef, to: Transfer) -> Result<CounterOutcome> {
        self.counter_cmd(move |c| counters::transfer(c, at, to).boxed()).await
    }

    async fn pause(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.counter_cmd(move |c| counters::set_open(c, at, false).boxed()).await
    }

    async fn resume(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.counter_cmd(move |c| counters::set_open(c, at, true).boxed()).await
    }

    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    async fn close(&self) {
        self.writer.close().await;
        self.read.close().await;
    }
}
