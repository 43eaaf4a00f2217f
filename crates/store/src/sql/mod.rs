//! The SQL store: one implementation over sqlx's `Any` driver, written in the
//! dialect SQLite and PostgreSQL share (`$1` parameters, `RETURNING`,
//! `ON CONFLICT`, window functions; integers for booleans and timestamps).
//! What differs per backend lives here: opening, pragmas, migrations, and how a
//! write transaction begins.
//!
//! SQLite is the embedded default: one file, WAL mode, `synchronous = FULL`:
//! every COMMIT syncs the WAL before it returns, so a reply means durable and
//! readers (a small pool that WAL lets run beside the writer) see only what is
//! on disk. Writes go through the group-commit [`writer::Writer`], which makes
//! one sync serve every command that arrived while the previous one ran.
//!
//! PostgreSQL may be shared by several processes: postgres.rs makes event ids
//! commit-ordered across them, relay.rs publishes every process's events.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;
use jiff::Timestamp;
use luot_domain::{Action, CentreCode, Event};
use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{AnyPool, ConnectOptions, Connection, Executor};
use tokio::sync::broadcast;

use crate::{model::*, Error, Options, Result, Store};

mod admin;
mod auth;
mod batch;
mod booking;
mod build;
mod counters;
use counters::CounterCmd;
mod day;
pub use day::EXPIRE_BATCH;
mod display;
mod erasure;
mod events;
mod feedback;
mod health;
mod integration;
mod issuing;
mod kiosk;
mod lane;
mod notices;
mod offline;
mod outbox;
pub mod postgres;
mod queue;
mod relay;
mod retention;
mod rows;
mod setup;
mod tickets;
mod tx;
pub mod writer;

/// How many committed events a slow subscriber may fall behind before it is
/// told it lagged (and must re-read a snapshot).
const EVENT_BUFFER: usize = 16_384;

/// Per-connection SQLite settings (journal mode is kept by the file itself).
/// Statement journals (every savepoint's copy of the pages it changes) stay in
/// memory: in temp files they cost a file create, writes and a close per
/// command. They only ever matter to the open transaction, never to a crash.
/// `synchronous = FULL`: in WAL mode, SQLite syncs the WAL at every COMMIT
/// before COMMIT returns (docs/durability.md). `secure_delete = ON`: what is
/// deleted or overwritten (an erased name, a phone) is overwritten with zeros
/// in its page, not left in free space; see [`SqlStore::scrub_wal`] for the
/// copies the WAL still holds.
const SQLITE_PRAGMAS: &str = "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY; PRAGMA secure_delete = ON;";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct SqlStore {
    pub backend: Backend,
    /// Read connections; on SQLite, WAL gives each read a consistent snapshot.
    read: AnyPool,
    /// The one write connection, behind the group-commit task.
    pub(crate) writer: writer::Writer,
    /// Committed events, fed by the writer after each commit (SQLite) or by
    /// the relay (PostgreSQL, where other processes' events arrive too).
    events: broadcast::Sender<Event>,
    /// PostgreSQL: the task that publishes every process's events in id order.
    relay: Option<relay::Relay>,
    /// The health check's last write probe (see health.rs).
    probe: health::Probe,
    /// The key of ID-number hashes, read from its file at open (never kept
    /// in the database).
    pub(crate) id_key: crate::id_key::IdKey,
}

/// A URL the `Any` driver accepts for SQLite: `sqlite://path`, `sqlite:path`,
/// or a bare path.
fn sqlite_url(url: &str) -> String {
    if url.starts_with("sqlite:") {
        url.to_owned()
    } else {
        format!("sqlite://{url}")
    }
}

/// SQLite's write lane (lane.rs) on the database file of `url`; none for an
/// in-memory database, which a second connection would not share.
fn sqlite_lane(url: &str) -> Result<Option<lane::Lane>> {
    let options =
        SqliteConnectOptions::from_str(url).map_err(|e| Error::Unavailable(e.to_string()))?;
    let path = options.get_filename();
    let name = path.to_string_lossy();
    if name.is_empty() || name.contains(":memory:") || name.starts_with("file::memory") {
        return Ok(None);
    }
    lane::Lane::open(path, SQLITE_PRAGMAS).map(Some)
}

impl SqlStore {
    /// Opens `url`, creating (SQLite) and migrating the database as needed.
    pub async fn open(url: &str, options: Options) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let key_file = options.secret_file.clone().or_else(|| {
            (!postgres::is_postgres_url(url))
                .then(|| crate::id_key::default_file_for_sqlite(url))
                .flatten()
        });
        let (backend, url) = if postgres::is_postgres_url(url) {
            // Several processes may start at once: sqlx's migrator holds an
            // advisory lock while it runs.
            let mut conn = sqlx::PgConnection::connect(url).await?;
            sqlx::migrate!("../../migrations/postgres")
                .run(&mut conn)
                .await
                .map_err(|e| Error::Internal(format!("migration failed: {e}")))?;
            conn.close().await?;
            (Backend::Postgres, url.to_owned())
        } else {
            let url = sqlite_url(url);
            let sqlite = SqliteConnectOptions::from_str(&url)
                .map_err(|e| Error::Unavailable(e.to_string()))?;
            let mut conn = sqlite
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .pragma("secure_delete", "ON")
                .connect()
                .await?;
            sqlx::migrate!("../../migrations/sqlite")
                .run(&mut conn)
                .await
                .map_err(|e| Error::Internal(format!("migration failed: {e}")))?;
            conn.close().await?;
            (Backend::Sqlite, url)
        };
        let (read_settings, write_settings): (String, String) = match backend {
            Backend::Sqlite => (SQLITE_PRAGMAS.into(), SQLITE_PRAGMAS.into()),
            Backend::Postgres => (
                postgres::read_settings(options.statement_timeout),
                postgres::write_settings(options.statement_timeout),
            ),
        };
        let read = AnyPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .after_connect(move |conn, _| {
                let settings = read_settings.clone();
                Box::pin(async move {
                    conn.execute(settings.as_str()).await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let connect: writer::Connect = {
            let url = match backend {
                Backend::Postgres => postgres::write_url(&url),
                Backend::Sqlite => url.clone(),
            };
            Arc::new(move || {
                let (url, settings) = (url.clone(), write_settings.clone());
                async move {
                    let mut conn = sqlx::AnyConnection::connect(&url).await?;
                    conn.execute(settings.as_str()).await?;
                    Ok(conn)
                }
                .boxed()
            })
        };
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let (config, relay) = match backend {
            Backend::Sqlite => {
                let tx = events.clone();
                let publish: writer::Publish = Arc::new(move |batch| {
                    for e in batch {
                        // No subscriber is fine: nobody is watching.
                        let _ = tx.send(e);
                    }
                });
                let config = writer::Config {
                    connect,
                    steps: batch::SQLITE_STEPS,
                    connect_timeout: options.acquire_timeout,
                    publish,
                    fail_stop: true,
                    lane: sqlite_lane(&url)?,
                    // Measured slower on a thread of its own (Writer::start).
                    own_thread: false,
                };
                (config, None)
            }
            Backend::Postgres => {
                let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events")
                    .fetch_one(&read)
                    .await?;
                let relay = relay::Relay::spawn(
                    &url,
                    read.clone(),
                    events.clone(),
                    last,
                    options.event_poll,
                    options.acquire_timeout,
                );
                let own = relay.own.clone();
                let publish: writer::Publish = Arc::new(move |batch| {
                    let _ = own.send(batch);
                });
                // A healthy batch takes milliseconds and each statement (the
                // lock wait included) is bounded by the server; past this the
                // connection itself is presumed dead (a silent network).
                let timeout = (!options.statement_timeout.is_zero())
                    .then(|| options.statement_timeout + Duration::from_secs(2));
                let config = writer::Config {
                    connect,
                    steps: batch::Steps {
                        begin: postgres::WRITE_LOCK,
                        before_commit: Some(postgres::notify),
                        timeout,
                    },
                    connect_timeout: options.acquire_timeout,
                    publish,
                    fail_stop: false,
                    lane: None,
                    own_thread: true,
                };
                (config, Some(relay))
            }
        };
        let (id_key, moved) = crate::id_key::resolve(&read, key_file.as_deref()).await?;
        let writer = writer::Writer::start(config).await?;
        let store = Self {
            backend,
            read,
            writer,
            events,
            relay,
            probe: Default::default(),
            id_key,
        };
        if moved {
            // The old key's row was deleted (zeroed by secure_delete); its
            // copies in the WAL go too.
            store.scrub_wal().await?;
        }
        Ok(store)
    }

    async fn read(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.read.acquire().await?)
    }

    /// After personal data was erased (SQLite): copies the WAL into the
    /// database and truncates it to nothing (`wal_checkpoint(TRUNCATE)`). The
    /// pages the erasure zeroed then replace the old ones in the database file,
    /// and the older copies of those pages, still in WAL frames, are gone with
    /// the WAL's content. A reader in the middle of a snapshot can hold the
    /// checkpoint back; it is then retried a few times and, if still blocked,
    /// logged (the next erasure or purge tries again). PostgreSQL: nothing here
    /// (see docs/privacy.md: VACUUM).
    pub(crate) async fn scrub_wal(&self) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        for attempt in 0..5 {
            let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&mut *self.read().await?)
                .await?;
            if busy == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
        }
        tracing::warn!("the WAL could not be truncated after an erasure (readers kept it busy)");
        Ok(())
    }

    async fn counter_cmd(
        &self,
        at: CounterRef,
        cmd: counters::CounterCmd,
    ) -> Result<CounterOutcome> {
        self.writer.counter(at, cmd).await
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn create_centre(&self, setup: CentreSetup, now: Timestamp) -> Result<()> {
        self.writer
            .run(move |c| setup::create_centre(c, setup, now).boxed())
            .await
    }

    async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM centres")
            .fetch_one(&self.read)
            .await?;
        Ok(n == 0)
    }

    async fn centres(&self) -> Result<Vec<CentreSummary>> {
        setup::centres(&mut *self.read().await?).await
    }

    async fn centre(&self, centre: &CentreCode) -> Result<CentreSummary> {
        Ok(rows::centre(&mut *self.read().await?, centre)
            .await?
            .summary())
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

    async fn issued_today(
        &self,
        centre: &CentreCode,
        service: &luot_domain::ServiceCode,
        channel: luot_domain::Channel,
        now: Timestamp,
    ) -> Result<u32> {
        let mut c = self.read().await?;
        let row = rows::centre(&mut c, centre).await?;
        queue::issued_today(&mut c, &row, service, channel, now).await
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

    async fn events_after(
        &self,
        centre: &CentreCode,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Event>> {
        let mut c = self.read().await?;
        let row = rows::centre(&mut c, centre).await?;
        events::after(&mut c, row.id, centre, after, limit).await
    }

    async fn issue_ticket(&self, cmd: IssueTicket) -> Result<TicketView> {
        self.writer.issue(cmd).await
    }

    async fn call_next_with(
        &self,
        at: CounterRef,
        unstarted: Option<luot_domain::Unstarted>,
    ) -> Result<CounterOutcome> {
        self.counter_cmd(at, CounterCmd::CallNext(unstarted)).await
    }

    async fn recall(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.counter_cmd(at, CounterCmd::Act(Action::Recall)).await
    }

    async fn start(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.counter_cmd(at, CounterCmd::Act(Action::Start)).await
    }

    async fn complete(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.counter_cmd(at, CounterCmd::Act(Action::Complete))
            .await
    }

    async fn no_show(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.counter_cmd(at, CounterCmd::Act(Action::NoShow)).await
    }

    async fn transfer(&self, at: CounterRef, to: Transfer) -> Result<CounterOutcome> {
        self.counter_cmd(at, CounterCmd::Transfer(to)).await
    }

    async fn pause(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.counter_cmd(at, CounterCmd::SetOpen(false)).await
    }

    async fn resume(&self, at: CounterRef) -> Result<CounterOutcome> {
        self.counter_cmd(at, CounterCmd::SetOpen(true)).await
    }

    async fn expire_tickets(&self, now: Timestamp, keep_hours: bool) -> Result<u32> {
        self.writer
            .run(move |c| day::expire(c, now, keep_hours).boxed())
            .await
    }

    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    async fn close(&self) {
        self.writer.close().await;
        if let Some(relay) = &self.relay {
            relay.stop();
        }
        self.read.close().await;
    }
}
