//! The single writer with group commit. SQLite allows one writer at a time, and
//! a durable commit costs a disk sync (on PostgreSQL too, a WAL flush); so one task owns the write connection,
//! takes every command waiting in its channel, runs them within one transaction
//! (issue commands together, in a few set-based statements, see issue_bulk/;
//! every other command inside its own SAVEPOINT), and commits them together
//! with a single sync. A reply
//! (and the command's events) go out only after that commit: a reply means durable.
//!
//! One command failing rolls back to its savepoint and leaves the others in the
//! batch untouched. A command that panics is caught and answered with an error, so
//! the writer survives bugs.
//!
//! The connection can break (PostgreSQL restarts, a network blip). The writer
//! then drops it, answers every command `Unavailable` at once while it is down
//! (a quick 503, never a hang), and reconnects in the background with backoff.
//! Nothing is replied before COMMIT succeeds, so an acknowledged write is never
//! lost; a command answered `Unavailable` because its COMMIT broke may or may not
//! have committed (clients retry with an Idempotency-Key).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use luot_domain::Event;
use sqlx::{AnyConnection, Connection};
use tokio::sync::{mpsc, oneshot};

use super::batch::{self, BatchError, Job};
use super::issue_bulk::IssueJob;
use crate::{Error, IssueTicket, Result, TicketView};

/// The most commands one commit may carry; bounds the latency of the first.
pub const MAX_BATCH: usize = 512;
/// Reconnect backoff: doubles from the first to the last while the database is away.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(2));

/// Opens a fresh write connection (with the backend's per-connection settings).
pub type Connect = Arc<
    dyn Fn() -> BoxFuture<'static, std::result::Result<AnyConnection, sqlx::Error>> + Send + Sync,
>;
/// Hands a committed batch's events, in id order, to whoever publishes them.
pub type Publish = Arc<dyn Fn(Vec<Event>) + Send + Sync>;

/// How the writer talks to its backend.
pub struct Config {
    pub connect: Connect,
    /// Opens a write transaction: `BEGIN IMMEDIATE` on SQLite takes the write
    /// lock up front, so the batch never fails half-way on a busy lock.
    pub begin: &'static str,
    /// Run right after `begin`, before any command (PostgreSQL: the advisory
    /// lock that makes event ids commit-ordered across processes; see postgres.rs).
    pub after_begin: Option<&'static str>,
    /// Run before COMMIT when the batch appended events, with the last event id
    /// as `$1` (PostgreSQL: NOTIFY, delivered only if the commit succeeds).
    pub before_commit: Option<&'static str>,
    /// A batch (or a connection attempt) taking longer than this is abandoned
    /// and its connection dropped: a half-open TCP connection must not hang us.
    pub timeout: Option<Duration>,
    /// How long one reconnection attempt may take.
    pub connect_timeout: Duration,
    pub publish: Publish,
}

enum Msg {
    Job(Job),
    /// Finish what is queued before it, close the connection, then answer.
    Close(oneshot::Sender<()>),
}

/// A handle to the writer task; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Msg>,
    /// Whether the writer holds a working connection; `/healthz` reads it.
    connected: Arc<AtomicBool>,
}

impl Writer {
    /// Starts the writer task on `conn`.
    pub fn spawn(conn: AnyConnection, config: Config) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let connected = Arc::new(AtomicBool::new(true));
        let handle = tokio::spawn(run(conn, config, rx, connected.clone()));
        (
            Self {
                jobs: tx,
                connected,
            },
            handle,
        )
    }

    /// Whether the write connection is up (false while reconnecting).
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    /// Runs `f` in the next batch and returns its result after the commit.
    /// `f` returns its value and the events it appended.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<(T, Vec<Event>)>>
            + Send
            + 'static,
    {
        if !self.is_connected() {
            return Err(Error::Unavailable("the database is unreachable".into()));
        }
        // The audit entry of the action in progress (see crate::audit) goes
        // into this command's savepoint, after the command's own writes.
        let audit = crate::audit::take();
        let (tx, rx) = oneshot::channel::<Result<T>>();
        self.submit(Job::One(batch::one(f, tx, audit)), rx).await
    }

    /// Issues a ticket in the next batch, together with the batch's other
    /// issue commands (issue_bulk/); returns it after the commit. An audited
    /// issue (staff) takes the single path, its audit row in its savepoint.
    pub async fn issue(&self, cmd: IssueTicket) -> Result<TicketView> {
        if !self.is_connected() {
            return Err(Error::Unavailable("the database is unreachable".into()));
        }
        let (reply, rx) = oneshot::channel();
        let job = match crate::audit::take() {
            Some(entry) => Job::One(IssueJob { cmd, reply }.into_one(Some(entry))),
            None => Job::Issue(IssueJob { cmd, reply }),
        };
        self.submit(job, rx).await
    }

    async fn submit<T>(&self, job: Job, rx: oneshot::Receiver<Result<T>>) -> Result<T> {
        self.jobs
            .send(Msg::Job(job))
            .await
            .map_err(|_| Error::Unavailable("the store is shut down".into()))?;
        // A dropped job (connection lost before or during its batch) lands here.
        rx.await
            .map_err(|_| Error::Unavailable("the database connection was lost".into()))?
    }

    /// Commits what is queued, then closes the connection. Later commands get
    /// `Unavailable`.
    pub async fn close(&self) {
        let (tx, rx) = oneshot::channel();
        if self.jobs.send(Msg::Close(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

/// Splits received messages into jobs and a close request.
fn take_jobs(msgs: &mut Vec<Msg>, close: &mut Option<oneshot::Sender<()>>) -> Vec<Job> {
    let mut jobs = Vec::with_capacity(msgs.len());
    for msg in msgs.drain(..) {
        match msg {
            Msg::Job(job) if close.is_none() => jobs.push(job),
            // Jobs after a close are dropped: their callers get `Unavailable`.
            Msg::Job(_) => {}
            Msg::Close(done) => *close = Some(done),
        }
    }
    jobs
}

async fn run(
    conn: AnyConnection,
    config: Config,
    mut rx: mpsc::Receiver<Msg>,
    connected: Arc<AtomicBool>,
) {
    let mut conn = Some(conn);
    let mut msgs = Vec::with_capacity(MAX_BATCH);
    let mut close = None;
    let mut backoff = BACKOFF.0;
    while close.is_none() {
        let Some(c) = conn.as_mut() else {
            // Down: answer at once whatever arrives (dropping a job answers
            // `Unavailable`), and try to reconnect when the backoff expires.
            tokio::select! {
                n = rx.recv_many(&mut msgs, MAX_BATCH) => {
                    if n == 0 { break; }
                    drop(take_jobs(&mut msgs, &mut close));
                }
                () = tokio::time::sleep(backoff) => {
                    conn = reconnect(&config).await;
                    backoff = (backoff * 2).min(BACKOFF.1);
                    if conn.is_some() {
                        backoff = BACKOFF.0;
                        connected.store(true, Ordering::Relaxed);
                        tracing::info!("database write connection restored");
                    }
                }
            }
            continue;
        };
        if rx.recv_many(&mut msgs, MAX_BATCH).await == 0 {
            break;
        }
        let jobs = take_jobs(&mut msgs, &mut close);
        if jobs.is_empty() {
            continue;
        }
        let result = match batch::run(c, &config, jobs).await {
            // Nothing ran yet: the connection went stale while idle (the
            // database restarted since the last batch). One fresh try.
            Err(BatchError::NotStarted(e, jobs)) => {
                tracing::warn!(error = %e, "write connection lost; reconnecting");
                conn = reconnect(&config).await;
                match conn.as_mut() {
                    Some(c) => batch::run(c, &config, jobs).await,
                    None => Err(BatchError::NotStarted(e, jobs)),
                }
            }
            other => other,
        };
        let broken = match result {
            Ok(mut outcomes) => {
                let mut events: Vec<Event> = outcomes
                    .iter_mut()
                    .flat_map(|o| std::mem::take(&mut o.events))
                    .collect();
                // Published in commit order: the bulk issue ran before the rest.
                events.sort_by_key(|e| e.id);
                if !events.is_empty() {
                    (config.publish)(events);
                }
                for o in outcomes {
                    (o.reply)(Ok(()));
                }
                false
            }
            Err(BatchError::NotStarted(e, jobs)) => {
                tracing::error!(error = %e, "cannot open a write transaction");
                drop(jobs);
                true
            }
            Err(BatchError::Failed(e, outcomes)) => {
                tracing::error!(error = %e, "commit failed; the batch was rolled back");
                for o in outcomes {
                    let err = Error::Unavailable(format!("commit failed: {e}"));
                    (o.reply)(if o.ok { Err(err) } else { Ok(()) });
                }
                match conn.as_mut() {
                    Some(c) => !alive(c, &config).await,
                    None => true,
                }
            }
            Err(BatchError::TimedOut) => {
                tracing::error!("a write batch timed out; dropping the connection");
                true
            }
        };
        if broken || conn.is_none() {
            conn = None;
            connected.store(false, Ordering::Relaxed);
            backoff = BACKOFF.0;
        }
    }
    rx.close();
    if let Some(c) = conn {
        let _ = c.close().await;
    }
    if let Some(done) = close {
        let _ = done.send(());
    }
}

async fn reconnect(config: &Config) -> Option<AnyConnection> {
    tokio::time::timeout(config.connect_timeout, (config.connect)())
        .await
        .unwrap_or(Err(sqlx::Error::PoolTimedOut))
        .map_err(|e| tracing::warn!(error = %e, "database write connection not available"))
        .ok()
}

/// Whether the connection still answers after a failed batch.
async fn alive(c: &mut AnyConnection, config: &Config) -> bool {
    let t = config.timeout.unwrap_or(Duration::from_secs(5));
    matches!(tokio::time::timeout(t, c.ping()).await, Ok(Ok(())))
}
