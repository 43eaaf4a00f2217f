//! The single writer with group commit. SQLite allows one writer at a time, and
//! a durable commit costs a disk sync (on PostgreSQL too, a WAL flush); so one task owns the write connection,
//! takes every command waiting in its channel, runs them within one transaction
//! (issue commands together, in a few set-based statements, see issue_bulk/;
//! every other command inside its own SAVEPOINT), and commits them together
//! with a single sync. A reply
//! (and the command's events) go out only after that commit is on disk: a reply
//! means durable. On SQLite the sync runs beside the next batch (durable.rs).
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
use super::durable::SyncFn;
use super::issue_bulk::IssueJob;
use crate::{auth::NewAudit, Error, IssueTicket, Result, TicketView};

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
    /// SQLite: commits are not synced by COMMIT itself; this syncs them while
    /// the next batch runs, and a batch's replies and events wait for it
    /// (see durable.rs). `None`: COMMIT is durable on its own.
    pub durable: Option<SyncFn>,
}

/// A committed batch waiting for its sync: its events (in id order) and the
/// replies of its commands.
struct Committed {
    events: Vec<Event>,
    replies: Vec<Box<dyn FnOnce(Result<()>) + Send>>,
}

/// Syncs committed batches in commit order, then publishes their events and
/// answers their commands. One sync covers every batch committed before it.
async fn syncer(mut rx: mpsc::Receiver<Committed>, sync: SyncFn, publish: Publish) {
    let mut done = Vec::new();
    while rx.recv_many(&mut done, 256).await > 0 {
        let f = sync.clone();
        let synced = match tokio::task::spawn_blocking(move || f()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = &synced {
            tracing::error!(error = %e, "committed writes could not be synced to disk");
        }
        for c in done.drain(..) {
            if !c.events.is_empty() {
                (publish)(c.events);
            }
            for reply in c.replies {
                reply(synced.clone().map_err(|e| {
                    Error::Unavailable(format!("the commit could not be synced to disk: {e}"))
                }));
            }
        }
    }
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
        let syncer = config.durable.clone().map(|sync| {
            let (tx, rx) = mpsc::channel(64);
            (tx, tokio::spawn(syncer(rx, sync, config.publish.clone())))
        });
        let handle = tokio::spawn(run(conn, config, rx, connected.clone(), syncer));
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
        self.run_audited(None, f).await
    }

    /// [`Self::run`] with the command's audit entry (see crate::audit), inserted
    /// into the command's savepoint after its own writes.
    pub async fn run_audited<T, F>(&self, audit: Option<NewAudit>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<(T, Vec<Event>)>>
            + Send
            + 'static,
    {
        if !self.is_connected() {
            return Err(Error::Unavailable("the database is unreachable".into()));
        }
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
        let job = IssueJob { cmd, reply };
        let job = match job.cmd.audit {
            Some(_) => Job::One(job.into_one()),
            None => Job::Issue(Box::new(job)),
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
    syncer: Option<(mpsc::Sender<Committed>, tokio::task::JoinHandle<()>)>,
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
                let replies: Vec<_> = outcomes.into_iter().map(|o| o.reply).collect();
                match &syncer {
                    Some((to_sync, _)) => {
                        // Back-pressure: at most 64 batches wait for a sync.
                        let batch = Committed { events, replies };
                        if let Err(mpsc::error::SendError(batch)) = to_sync.send(batch).await {
                            for reply in batch.replies {
                                reply(Err(Error::Unavailable("the store is shut down".into())));
                            }
                        }
                    }
                    None => {
                        if !events.is_empty() {
                            (config.publish)(events);
                        }
                        for reply in replies {
                            reply(Ok(()));
                        }
                    }
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
    // Every committed batch is synced and answered before close completes.
    if let Some((to_sync, task)) = syncer {
        drop(to_sync);
        let _ = task.await;
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use futures::FutureExt;
    use luot_domain::{CentreCode, EventKind};

    use super::*;

    /// With a separate sync, a command's reply and events wait for the sync
    /// that follows its commit, and the writer is not blocked meanwhile.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn replies_and_events_wait_for_the_sync() {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("w.db").display());
        let connect: Connect = Arc::new(move || {
            let url = url.clone();
            async move { AnyConnection::connect(&url).await }.boxed()
        });
        let conn = connect().await.unwrap();
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let (called_tx, called) = std::sync::mpsc::channel::<()>();
        let gate = Mutex::new(gate);
        let called_tx = Mutex::new(called_tx);
        let sync: SyncFn = Arc::new(move || {
            let _ = called_tx.lock().unwrap().send(());
            let _ = gate.lock().unwrap().recv();
            Ok(())
        });
        let published = Arc::new(Mutex::new(Vec::new()));
        let seen = published.clone();
        let publish: Publish = Arc::new(move |events: Vec<Event>| {
            seen.lock().unwrap().extend(events.iter().map(|e| e.id));
        });
        let config = Config {
            connect,
            begin: "BEGIN IMMEDIATE",
            after_begin: None,
            before_commit: None,
            timeout: None,
            connect_timeout: Duration::from_secs(5),
            publish,
            durable: Some(sync),
        };
        let (writer, _task) = Writer::spawn(conn, config);
        let event = |id| Event {
            id,
            centre: CentreCode::parse("mo-cay").unwrap(),
            at: jiff::Timestamp::UNIX_EPOCH,
            kind: EventKind::ConfigChanged,
        };
        let command = |sql: &'static str, id: i64| {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .run(move |c| {
                        async move {
                            sqlx::query(sql).execute(&mut *c).await?;
                            Ok(((), vec![event(id)]))
                        }
                        .boxed()
                    })
                    .await
            })
        };
        let first = command("CREATE TABLE t (x INTEGER)", 1);
        let wait = |rx: std::sync::mpsc::Receiver<()>| {
            tokio::task::spawn_blocking(move || {
                rx.recv_timeout(Duration::from_secs(10)).unwrap();
                rx
            })
        };
        let called = wait(called).await.unwrap();
        // Committed, not yet synced: no reply, no event.
        assert!(!first.is_finished());
        assert!(published.lock().unwrap().is_empty());
        // The writer takes the next command meanwhile; it waits for its own sync.
        let second = command("INSERT INTO t VALUES (1)", 2);
        release.send(()).unwrap();
        first.await.unwrap().unwrap();
        let _called = wait(called).await.unwrap();
        release.send(()).unwrap();
        second.await.unwrap().unwrap();
        assert_eq!(*published.lock().unwrap(), [1, 2]);
    }
}
