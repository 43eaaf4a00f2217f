//! The single writer with group commit. SQLite allows one writer at a time, and
//! a durable commit costs a disk sync (on PostgreSQL too, a WAL flush); so one task
//! (on PostgreSQL on a thread of its own, see [`Writer::start`]) owns the write connection,
//! takes every command waiting in its channel, runs them within one transaction
//! (issue commands together, in a few set-based statements, see issuing/;
//! every other command inside its own SAVEPOINT), and commits them together
//! with a single sync. A reply (and the command's events) go out only after
//! COMMIT returned, and COMMIT returns only once the batch is on disk
//! (SQLite `synchronous = FULL`, PostgreSQL `synchronous_commit = on`): a
//! reply means durable, and so does a published event.
//!
//! The batch adapts to the load with no timer: the writer takes whatever is
//! queued when it is free. A lone command commits at once; commands arriving
//! while a commit (and its sync) runs wait for it and form the next batch, so a
//! batch closes when the previous sync finishes, up to [`MAX_BATCH`].
//!
//! On SQLite the issue, counter (call next, complete, ...) and booking
//! commands of a batch run on the write lane (lane.rs), a second write
//! connection on a thread of its own, in a transaction right after the
//! batch's: a counter command is a
//! dozen dependent statements, and through sqlx each would cost a round trip
//! between threads. The two transactions never overlap (this task runs one,
//! then the other), and the lane's follow the same rules: replies and events
//! after COMMIT, a failed COMMIT stops the writer.
//!
//! One command failing rolls back to its savepoint and leaves the others in the
//! batch untouched. A command that panics is caught and answered with an error, so
//! the writer survives bugs.
//!
//! Fail-stop: when COMMIT itself fails on SQLite (an I/O error, a failed
//! fsync), whether the batch reached the disk is unknown, and retrying a sync
//! after a failure cannot prove it did. The writer then stops for good: the
//! batch and every later write are answered `Unavailable` (503), nothing of it
//! is published, `/healthz` answers 503, until the process restarts (and
//! SQLite's recovery settles what the file holds). See docs/durability.md.
//!
//! The connection can break (PostgreSQL restarts, a network blip). The writer
//! then drops it, answers every command `Unavailable` at once while it is down
//! (a quick 503, never a hang), and reconnects in the background with backoff.
//! Nothing is replied or published before COMMIT succeeds, so an acknowledged write is never
//! lost; a command answered `Unavailable` because its COMMIT broke may or may not
//! have committed (clients retry with an Idempotency-Key). PostgreSQL never
//! reports an error for a COMMIT it made durable (a failed WAL flush is a
//! server PANIC, seen here as a lost connection), so there a failed COMMIT on a
//! live connection is a rollback and the writer goes on.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use luot_domain::Event;
use sqlx::{AnyConnection, Connection};
use tokio::sync::{mpsc, oneshot};

use super::batch::{self, BatchError, Job, Outcome, Steps};
use super::booking::{BookJob, Prepared};
use super::counters::{CounterCmd, CounterJob};
use super::issuing::IssueJob;
use super::lane::{Lane, LaneConn};
use crate::{auth::NewAudit, CounterOutcome, CounterRef, Error, IssueTicket, Result, TicketView};

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
    /// How a batch's transaction opens and closes ([`Steps`]); its timeout
    /// also bounds a connection check after a failed batch.
    pub steps: Steps,
    /// How long one reconnection attempt may take.
    pub connect_timeout: Duration,
    pub publish: Publish,
    /// A failed COMMIT leaves the batch's durability unknown (SQLite): stop
    /// the writer until restart instead of going on.
    pub fail_stop: bool,
    /// SQLite: the write lane, where counter commands run (lane.rs).
    pub lane: Option<Lane>,
    /// Run the writer on a thread of its own ([`Writer::start`]), not as a
    /// task of the caller's runtime.
    pub own_thread: bool,
}

/// What the writer's state is, readable without asking the writer task.
struct Status {
    /// False while the connection is down and being replaced.
    connected: AtomicBool,
    /// Set once, when a COMMIT failed with its durability unknown: why every
    /// write is refused until the process restarts.
    stopped: OnceLock<String>,
    /// When the last batch committed, in ms since `epoch` (0: never).
    last_commit_ms: AtomicU64,
    epoch: Instant,
}

impl Status {
    fn ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
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
    /// Connected, stopped, last commit: `/healthz` reads it.
    status: Arc<Status>,
}

impl Writer {
    /// Opens the write connection and starts the writer: as a task of the
    /// caller's runtime, or (`own_thread`, PostgreSQL) on a thread of its own
    /// with a single-threaded runtime. The writer waits on its connection once
    /// per statement; on PostgreSQL that is a round trip to the server, and
    /// on the server's runtime each wake-up queued behind the request tasks
    /// ready at that moment (hundreds under load), a delay paid a dozen times
    /// per batch while every other writer waits (flat out 5,483 and 6,139/s
    /// on the runtime, 7,004 and 8,814/s on its own thread, builds
    /// alternating). On SQLite the issue, counter and booking commands run
    /// on the lane's thread anyway, and the other commands' statements, each
    /// a hop to sqlx's worker thread and back, were slower on a parked thread
    /// (woken by a system call each time) than on a busy worker: bookings,
    /// then on that connection, 1,120 to 1,854/s against 1,714 to 2,229/s. With `own_thread` the
    /// connection is made on that thread, so its socket belongs to that
    /// runtime.
    pub async fn start(config: Config) -> Result<Self> {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let status = Arc::new(Status {
            connected: AtomicBool::new(true),
            stopped: OnceLock::new(),
            last_commit_ms: AtomicU64::new(0),
            epoch: Instant::now(),
        });
        if !config.own_thread {
            let conn = (config.connect)().await?;
            tokio::spawn(run(conn, config, rx, status.clone()));
            return Ok(Self { jobs: tx, status });
        }
        let (ready, opened) = oneshot::channel::<Result<()>>();
        let state = status.clone();
        let thread = std::thread::Builder::new()
            .name("luot-writer".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready.send(Err(Error::Internal(format!(
                            "cannot start the writer's runtime: {e}"
                        ))));
                        return;
                    }
                };
                rt.block_on(async move {
                    match (config.connect)().await {
                        Ok(conn) => {
                            let _ = ready.send(Ok(()));
                            run(conn, config, rx, state).await;
                        }
                        Err(e) => {
                            let _ = ready.send(Err(e.into()));
                        }
                    }
                });
            });
        if let Err(e) = thread {
            return Err(Error::Internal(format!("cannot start the writer: {e}")));
        }
        opened
            .await
            .map_err(|_| Error::Internal("the writer stopped while starting".into()))??;
        Ok(Self { jobs: tx, status })
    }

    /// Whether the write connection is up (false while reconnecting, and
    /// once stopped).
    pub fn is_connected(&self) -> bool {
        self.status.connected.load(Ordering::Relaxed) && self.stopped().is_none()
    }

    /// Why the writer stopped for good (a COMMIT failed), if it did.
    pub fn stopped(&self) -> Option<&str> {
        self.status.stopped.get().map(String::as_str)
    }

    /// Whether a batch committed within `window`: proof enough that the
    /// database takes durable writes, without a probe of our own.
    pub fn committed_within(&self, window: Duration) -> bool {
        let last = self.status.last_commit_ms.load(Ordering::Relaxed);
        last != 0 && self.status.ms().saturating_sub(last) < window.as_millis() as u64
    }

    /// `Unavailable` when no write can be taken now.
    fn ready(&self) -> Result<()> {
        if let Some(why) = self.stopped() {
            return Err(Error::Unavailable(why.to_owned()));
        }
        if !self.is_connected() {
            return Err(Error::Unavailable("the database is unreachable".into()));
        }
        Ok(())
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
        self.ready()?;
        let (tx, rx) = oneshot::channel::<Result<T>>();
        self.submit(Job::One(batch::one(f, tx, audit)), rx).await
    }

    /// Issues a ticket in the next batch, together with the batch's other
    /// issue commands (issuing/), an audited one (staff) with its audit row;
    /// returns it after the commit.
    pub async fn issue(&self, cmd: IssueTicket) -> Result<TicketView> {
        self.ready()?;
        let (reply, rx) = oneshot::channel();
        let job = Job::Issue(Box::new(IssueJob { cmd, reply }));
        self.submit(job, rx).await
    }

    /// Runs a counter command in the next batch (on SQLite's write lane);
    /// returns its answer after the commit.
    pub async fn counter(&self, at: CounterRef, cmd: CounterCmd) -> Result<CounterOutcome> {
        self.ready()?;
        let (reply, rx) = oneshot::channel();
        let job = Job::Counter(Box::new(CounterJob { at, cmd, reply }));
        self.submit(job, rx).await
    }

    /// Books a place in the next batch (on SQLite's write lane); returns the
    /// booking after the commit.
    pub async fn book(
        &self,
        cmd: crate::Book,
        prepared: Prepared,
        id_hash: Option<String>,
    ) -> Result<crate::AppointmentView> {
        self.ready()?;
        let (reply, rx) = oneshot::channel();
        let job = Job::Book(Box::new(BookJob {
            cmd,
            prepared,
            id_hash,
            reply,
        }));
        self.submit(job, rx).await
    }

    async fn submit<T>(&self, job: Job, rx: oneshot::Receiver<Result<T>>) -> Result<T> {
        self.jobs
            .send(Msg::Job(job))
            .await
            .map_err(|_| Error::Unavailable("the store is shut down".into()))?;
        // A dropped job (connection lost before or during its batch, or the
        // writer stopped) lands here.
        rx.await.map_err(|_| match self.stopped() {
            Some(why) => Error::Unavailable(why.to_owned()),
            None => Error::Unavailable("the database connection was lost".into()),
        })?
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
    status: Arc<Status>,
) {
    let mut conn = Some(conn);
    let mut msgs = Vec::with_capacity(MAX_BATCH);
    let mut close = None;
    let mut backoff = BACKOFF.0;
    while close.is_none() {
        if status.stopped.get().is_some() {
            // Stopped for good: every write is dropped unrun (`Unavailable`).
            if rx.recv_many(&mut msgs, MAX_BATCH).await == 0 {
                break;
            }
            drop(take_jobs(&mut msgs, &mut close));
            continue;
        }
        if conn.is_none() {
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
                        status.connected.store(true, Ordering::Relaxed);
                        tracing::info!("database write connection restored");
                    }
                }
            }
            continue;
        }
        // Whatever is queued now, without waiting for more: the batch is what
        // arrived while the previous one committed.
        if rx.recv_many(&mut msgs, MAX_BATCH).await == 0 {
            break;
        }
        let mut jobs = take_jobs(&mut msgs, &mut close);
        // Issue, counter and booking commands go to the lane, after this batch (one
        // transaction at a time: the two connections never wait for each
        // other's lock).
        let lane_jobs = match &config.lane {
            Some(_) => split_lane(&mut jobs),
            None => Vec::new(),
        };
        if !jobs.is_empty() {
            conn = sqlx_round(conn, &config, &status, jobs).await;
            if conn.is_none() {
                backoff = BACKOFF.0;
            }
        }
        if let (Some(lane), false) = (&config.lane, lane_jobs.is_empty()) {
            if status.stopped.get().is_none() {
                lane_round(lane, &config, &status, lane_jobs).await;
            }
        }
    }
    rx.close();
    if let Some(c) = conn {
        let _ = c.close().await;
    }
    if let Some(lane) = config.lane {
        lane.close().await;
    }
    if let Some(done) = close {
        let _ = done.send(());
    }
}

/// Takes the issue, counter and booking commands out of `jobs`, for the lane.
fn split_lane(jobs: &mut Vec<Job>) -> Vec<Job<LaneConn>> {
    let mut lane = Vec::new();
    let mut rest = Vec::with_capacity(jobs.len());
    for job in jobs.drain(..) {
        match job {
            Job::Issue(j) => lane.push(Job::Issue(j)),
            Job::Counter(j) => lane.push(Job::Counter(j)),
            Job::Book(j) => lane.push(Job::Book(j)),
            other => rest.push(other),
        }
    }
    *jobs = rest;
    lane
}

/// One batch on the lane: published and answered once committed; a failed
/// COMMIT stops the writer, as on the sqlx connection.
async fn lane_round(lane: &Lane, config: &Config, status: &Status, jobs: Vec<Job<LaneConn>>) {
    let result = lane.run(jobs).await;
    if result.is_err() && !lane.is_alive() {
        // Its thread is gone: no later write could run. Stop, visibly
        // (`/healthz` 503), rather than answer every write 503 unexplained.
        tracing::error!("the SQLite write lane stopped: the writer stops until restart");
        let _ = status
            .stopped
            .set("the write lane stopped; writes are refused until the server restarts".into());
    }
    match result {
        Ok(outcomes) => committed(config, status, outcomes),
        Err(BatchError::NotStarted(e, jobs)) => {
            tracing::error!(error = %e, "cannot open a write transaction on the lane");
            drop(jobs);
        }
        Err(BatchError::CommitFailed(e, outcomes)) => stop_on_failed_commit(status, &e, outcomes),
        Err(BatchError::Failed(e, outcomes)) => {
            tracing::error!(error = %e, "a lane batch failed; it was rolled back");
            answer_failed(outcomes, &format!("commit failed: {e}"));
        }
        Err(BatchError::TimedOut) => tracing::error!("a lane batch timed out"),
    }
}

/// One batch on the sqlx connection; the connection to go on with (none
/// when it broke).
async fn sqlx_round(
    mut conn: Option<AnyConnection>,
    config: &Config,
    status: &Status,
    jobs: Vec<Job>,
) -> Option<AnyConnection> {
    let c = conn.as_mut()?;
    let result = match batch::run(c, &config.steps, jobs).await {
        // Nothing ran yet: the connection went stale while idle (the
        // database restarted since the last batch). One fresh try.
        Err(BatchError::NotStarted(e, jobs)) => {
            tracing::warn!(error = %e, "write connection lost; reconnecting");
            conn = reconnect(config).await;
            match conn.as_mut() {
                Some(c) => batch::run(c, &config.steps, jobs).await,
                None => Err(BatchError::NotStarted(e, jobs)),
            }
        }
        other => other,
    };
    let broken = match result {
        Ok(outcomes) => {
            committed(config, status, outcomes);
            false
        }
        Err(BatchError::NotStarted(e, jobs)) => {
            tracing::error!(error = %e, "cannot open a write transaction");
            drop(jobs);
            true
        }
        Err(BatchError::CommitFailed(e, outcomes)) if config.fail_stop => {
            stop_on_failed_commit(status, &e, outcomes);
            true
        }
        Err(BatchError::Failed(e, outcomes) | BatchError::CommitFailed(e, outcomes)) => {
            tracing::error!(error = %e, "commit failed; the batch was rolled back");
            answer_failed(outcomes, &format!("commit failed: {e}"));
            match conn.as_mut() {
                Some(c) => !alive(c, config).await,
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
        status.connected.store(false, Ordering::Relaxed);
    }
    conn
}

/// A COMMIT failed with its durability unknown (SQLite, either connection):
/// the batch is answered `Unavailable`, nothing of it is published, and the
/// writer stops until the process restarts.
fn stop_on_failed_commit(status: &Status, e: &Error, outcomes: Vec<Outcome>) {
    let why = format!(
        "a commit failed and may not be on disk ({e}); writes are refused until the server restarts"
    );
    tracing::error!(error = %e, "COMMIT failed, its durability unknown: the writer stops until restart");
    let _ = status.stopped.set(why.clone());
    answer_failed(outcomes, &why);
}

/// A batch is durable: noted for `/healthz`, its events go out (in commit
/// order: the bulk issue ran before the rest), then its replies.
fn committed(config: &Config, status: &Status, mut outcomes: Vec<Outcome>) {
    status
        .last_commit_ms
        .store(status.ms().max(1), Ordering::Relaxed);
    let mut events: Vec<Event> = outcomes
        .iter_mut()
        .flat_map(|o| std::mem::take(&mut o.events))
        .collect();
    events.sort_by_key(|e| e.id);
    if !events.is_empty() {
        (config.publish)(events);
    }
    for o in outcomes {
        (o.reply)(Ok(()));
    }
}

/// A batch did not commit (or may not have): nothing is published; commands
/// that ran get `Unavailable`, those that failed on their own their own error.
fn answer_failed(outcomes: Vec<Outcome>, why: &str) {
    for o in outcomes {
        let err = Error::Unavailable(why.to_owned());
        (o.reply)(if o.ok { Err(err) } else { Ok(()) });
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
    let t = config.steps.timeout.unwrap_or(Duration::from_secs(5));
    matches!(tokio::time::timeout(t, c.ping()).await, Ok(Ok(())))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Mutex;

    use futures::FutureExt;
    use luot_domain::{CentreCode, EventKind};

    use super::*;

    type Published = Arc<Mutex<Vec<Vec<i64>>>>;

    /// A writer on a fresh SQLite file whose `parent`/`child` tables have a
    /// deferred foreign key (checked at COMMIT: a way to make a COMMIT fail),
    /// recording each published batch's event ids.
    async fn writer(dir: &tempfile::TempDir) -> (Writer, Published, String) {
        writer_on(dir, true).await
    }

    /// [`writer`], on a thread of its own or as a task of the test's runtime.
    async fn writer_on(dir: &tempfile::TempDir, own_thread: bool) -> (Writer, Published, String) {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("w.db").display());
        let connect: Connect = {
            let url = url.clone();
            Arc::new(move || {
                let url = url.clone();
                async move {
                    let mut c = AnyConnection::connect(&url).await?;
                    sqlx::query("PRAGMA foreign_keys = ON")
                        .execute(&mut c)
                        .await?;
                    Ok(c)
                }
                .boxed()
            })
        };
        let mut conn = connect().await.unwrap();
        for sql in [
            "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
        ] {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
        let published: Published = Arc::default();
        let seen = published.clone();
        let publish: Publish = Arc::new(move |events: Vec<Event>| {
            seen.lock()
                .unwrap()
                .push(events.iter().map(|e| e.id).collect());
        });
        let config = Config {
            connect,
            steps: batch::SQLITE_STEPS,
            connect_timeout: Duration::from_secs(5),
            publish,
            fail_stop: true,
            lane: None,
            own_thread,
        };
        (Writer::start(config).await.unwrap(), published, url)
    }

    /// An event of id `id` (the tests' commands append one each).
    pub(crate) fn event(id: i64) -> Event {
        Event {
            id,
            centre: CentreCode::parse("mo-cay").unwrap(),
            at: jiff::Timestamp::UNIX_EPOCH,
            kind: EventKind::ConfigChanged,
        }
    }

    /// A command running `sql`, appending event `id`.
    fn command(writer: &Writer, sql: &'static str, id: i64) -> tokio::task::JoinHandle<Result<()>> {
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
    }

    /// Holds the writer inside a command (appending event `id`) until the
    /// returned sender fires, so the commands sent meanwhile form one batch.
    async fn hold(
        writer: &Writer,
        id: i64,
    ) -> (tokio::task::JoinHandle<Result<()>>, oneshot::Sender<()>) {
        let (entered_tx, entered) = oneshot::channel::<()>();
        let (release, gate) = oneshot::channel::<()>();
        let held = {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .run(move |_| {
                        async move {
                            let _ = entered_tx.send(());
                            let _ = gate.await;
                            Ok(((), vec![event(id)]))
                        }
                        .boxed()
                    })
                    .await
            })
        };
        entered.await.unwrap();
        (held, release)
    }

    /// The writer commits while the runtime of its callers is busy: on a
    /// thread of its own, a batch does not wait for the request tasks ready
    /// at each of its statements. Here the callers' runtime has one thread,
    /// blocked outright after the command was sent: the writer on its own
    /// thread commits meanwhile, the writer spawned on that runtime cannot.
    #[tokio::test(flavor = "current_thread")]
    async fn the_writer_commits_while_its_callers_runtime_is_busy() {
        for (own_thread, wait) in [
            (true, Duration::from_secs(10)),
            (false, Duration::from_millis(200)),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let (writer, published, _) = writer_on(&dir, own_thread).await;
            // Queued without an await: nothing of this runtime runs before
            // the block below.
            let (reply, sent) = oneshot::channel();
            let job = batch::one(
                |c: &mut AnyConnection| {
                    async move {
                        sqlx::query("INSERT INTO parent VALUES (1)")
                            .execute(&mut *c)
                            .await?;
                        Ok(((), vec![event(1)]))
                    }
                    .boxed()
                },
                reply,
                None,
            );
            assert!(writer.jobs.try_send(Msg::Job(Job::One(job))).is_ok());
            // The runtime's only thread is held here, polling nothing.
            let deadline = Instant::now() + wait;
            while published.lock().unwrap().is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            let during = published.lock().unwrap().clone();
            let expected: &[Vec<i64>] = if own_thread { &[vec![1]] } else { &[] };
            assert_eq!(during, expected, "own thread: {own_thread}");
            sent.await.unwrap().unwrap();
            assert_eq!(
                *published.lock().unwrap(),
                [vec![1]],
                "own thread: {own_thread}"
            );
        }
    }

    /// A lone command commits at once (no wait for company); the commands that
    /// arrive while a batch runs all go into the next one, which starts as
    /// soon as that batch committed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_is_what_arrived_during_the_last_commit() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, published, _) = writer(&dir).await;
        command(&writer, "INSERT INTO parent VALUES (1)", 1)
            .await
            .unwrap()
            .unwrap();
        // The writer is held inside a command until `release`.
        let (held, release) = hold(&writer, 2).await;
        let queued: Vec<_> = (3..=12)
            .map(|id| command(&writer, "INSERT INTO parent (id) VALUES (NULL)", id))
            .collect();
        // All ten are in the channel before the writer is let go.
        while writer.jobs.capacity() > writer.jobs.max_capacity() - 10 {
            tokio::task::yield_now().await;
        }
        release.send(()).unwrap();
        held.await.unwrap().unwrap();
        for q in queued {
            q.await.unwrap().unwrap();
        }
        assert_eq!(
            *published.lock().unwrap(),
            [vec![1], vec![2], (3..=12).collect::<Vec<_>>()]
        );
    }

    /// In one batch, a command that wrote and then failed is rolled back to
    /// its savepoint alone: the commands before and after it commit, with
    /// their events, and nothing of it is written or published.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_command_is_undone_alone_in_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, published, url) = writer(&dir).await;
        // The writer is held inside a command until `release`, so the next
        // ones form one batch.
        let (held, release) = hold(&writer, 1).await;
        let before = command(&writer, "INSERT INTO parent VALUES (2)", 2);
        while writer.jobs.capacity() > writer.jobs.max_capacity() - 1 {
            tokio::task::yield_now().await;
        }
        let failing = {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .run(move |c| {
                        async move {
                            sqlx::query("INSERT INTO parent VALUES (3)")
                                .execute(&mut *c)
                                .await?;
                            Err::<((), Vec<Event>), _>(Error::NotFound("test"))
                        }
                        .boxed()
                    })
                    .await
            })
        };
        while writer.jobs.capacity() > writer.jobs.max_capacity() - 2 {
            tokio::task::yield_now().await;
        }
        let after = command(&writer, "INSERT INTO parent VALUES (4)", 4);
        while writer.jobs.capacity() > writer.jobs.max_capacity() - 3 {
            tokio::task::yield_now().await;
        }
        release.send(()).unwrap();
        held.await.unwrap().unwrap();
        before.await.unwrap().unwrap();
        assert!(matches!(
            failing.await.unwrap(),
            Err(Error::NotFound("test"))
        ));
        after.await.unwrap().unwrap();
        assert_eq!(*published.lock().unwrap(), [vec![1], vec![2, 4]]);
        let mut c = AnyConnection::connect(&url).await.unwrap();
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM parent ORDER BY id")
            .fetch_all(&mut c)
            .await
            .unwrap();
        assert_eq!(ids, [2, 4]);
        writer.close().await;
    }

    /// A COMMIT that fails stops the writer: the batch's commands and every
    /// later one get `Unavailable`, nothing of them is published or written.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_commit_stops_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, published, url) = writer(&dir).await;
        command(&writer, "INSERT INTO parent VALUES (1)", 1)
            .await
            .unwrap()
            .unwrap();
        assert!(writer.committed_within(Duration::from_secs(60)));
        assert!(writer.stopped().is_none() && writer.is_connected());
        // Runs fine, fails at COMMIT (the deferred foreign key).
        let failed = command(&writer, "INSERT INTO child VALUES (99)", 2)
            .await
            .unwrap();
        assert!(matches!(failed, Err(Error::Unavailable(_))), "{failed:?}");
        assert!(writer.stopped().is_some());
        assert!(!writer.is_connected(), "/healthz sees the writer down");
        let later = command(&writer, "INSERT INTO parent VALUES (3)", 3)
            .await
            .unwrap();
        assert!(
            matches!(&later, Err(Error::Unavailable(m)) if m.contains("restart")),
            "{later:?}"
        );
        assert_eq!(*published.lock().unwrap(), [vec![1]]);
        let mut c = AnyConnection::connect(&url).await.unwrap();
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM parent")
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(rows, 1, "nothing after the failed commit was written");
        writer.close().await;
    }
}
