//! One group-commit batch: BEGIN, the batch's issue commands together (see
//! issuing/), every other command in its own SAVEPOINT, COMMIT.
//! Split from writer.rs, which owns the connections' life; this owns one
//! transaction's, on either connection (generic over [`Tx`]): the sqlx one,
//! or SQLite's write lane (lane.rs), which runs it on its own thread.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::{future::BoxFuture, FutureExt};
use luot_domain::Event;
use sqlx::AnyConnection;
use tokio::sync::oneshot;

use super::booking::BookJob;
use super::counters::CounterJob;
use super::issuing::{self, IssueJob};
use super::tx::Tx;
use crate::{auth::NewAudit, Error, Result};

/// What a finished command hands back to the writer.
pub struct Outcome {
    pub ok: bool,
    pub events: Vec<Event>,
    /// Sends the reply once the batch's fate is known.
    pub reply: Box<dyn FnOnce(Result<()>) + Send>,
}

/// A queued command, to run on a connection `C`. Dropping it unrun answers
/// its caller `Unavailable`.
pub enum Job<C = AnyConnection> {
    /// Any command: runs alone in its own savepoint.
    One(JobOn<C>),
    /// Issuing a ticket: the batch issues all of these together. Boxed: a
    /// command is much larger than the other variants.
    Issue(Box<IssueJob>),
    /// A counter command: like any command, in its own savepoint.
    Counter(Box<CounterJob>),
    /// A booking: like any command, in its own savepoint.
    Book(Box<BookJob>),
}

/// SQLite's: `BEGIN IMMEDIATE`, nothing else, no timeout (a local file).
pub const SQLITE_STEPS: Steps = Steps {
    begin: "BEGIN IMMEDIATE",
    before_commit: None,
    timeout: None,
};

/// How a batch's transaction opens and closes on its connection.
#[derive(Clone, Copy)]
pub struct Steps {
    /// Opens a write transaction, in one round trip (`BEGIN IMMEDIATE` on
    /// SQLite: the write lock up front, so a batch never fails half-way on a
    /// busy lock; PostgreSQL: BEGIN and the advisory lock, postgres.rs).
    pub begin: &'static str,
    /// Before COMMIT when the batch appended events, given the last event id,
    /// in COMMIT's round trip (PostgreSQL: NOTIFY).
    pub before_commit: Option<fn(i64) -> String>,
    /// Past this, the batch is abandoned (a half-open TCP connection).
    pub timeout: Option<Duration>,
}

/// A command run alone in its own savepoint, on a connection `C`.
pub type JobOn<C> = Box<dyn for<'c> FnOnce(&'c mut C) -> BoxFuture<'c, Outcome> + Send>;

/// Wraps a store command as a job whose result goes to `tx` after the commit.
/// `f` returns its value and the events it appended; `audit`, the command's
/// audit entry (see crate::audit), is inserted after the command's own
/// writes, inside its savepoint. A panic in `f` is caught and answered as an
/// error, so the writer survives bugs.
pub fn one<C, T, F>(f: F, tx: oneshot::Sender<Result<T>>, audit: Option<NewAudit>) -> JobOn<C>
where
    C: Tx + 'static,
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut C) -> BoxFuture<'c, Result<(T, Vec<Event>)>> + Send + 'static,
{
    Box::new(move |conn| {
        async move {
            let command = async move {
                let (value, events) = f(&mut *conn).await?;
                if let Some(entry) = &audit {
                    super::auth::insert_audit(conn, entry, &events).await?;
                }
                Ok((value, events))
            };
            let result = AssertUnwindSafe(command).catch_unwind().await;
            let result = result.unwrap_or_else(|_| {
                tracing::error!("a store command panicked; it was rolled back");
                Err(Error::Internal("command panicked".into()))
            });
            match result {
                Ok((value, events)) => Outcome {
                    ok: true,
                    events,
                    reply: Box::new(move |commit: Result<()>| {
                        let _ = tx.send(commit.map(|()| value));
                    }),
                },
                Err(e) => Outcome {
                    ok: false,
                    events: Vec::new(),
                    reply: Box::new(move |_| {
                        let _ = tx.send(Err(e));
                    }),
                },
            }
        }
        .boxed()
    })
}

pub enum BatchError<C = AnyConnection> {
    /// The transaction could not even begin; no job ran, so they can be retried.
    NotStarted(Error, Vec<Job<C>>),
    /// The transaction failed after jobs ran: every outcome so far, to answer.
    /// Jobs not yet run were dropped (their callers get `Unavailable`).
    Failed(Error, Vec<Outcome>),
    /// COMMIT itself failed: every command ran, the outcomes are here to
    /// answer. Whether the transaction reached the disk is not known on
    /// SQLite (an I/O error, a failed sync), so the writer stops there.
    CommitFailed(Error, Vec<Outcome>),
    /// The batch exceeded the configured timeout and was abandoned; its
    /// callers got `Unavailable` when their jobs were dropped.
    TimedOut,
}

/// Runs one batch in one transaction, bounded by `steps.timeout`.
pub async fn run<C: Tx + 'static>(
    conn: &mut C,
    steps: &Steps,
    jobs: Vec<Job<C>>,
) -> std::result::Result<Vec<Outcome>, BatchError<C>> {
    if let Err(e) = begin(conn, steps).await {
        // The writer replaces this connection, so no ROLLBACK (which could
        // itself hang on a half-open connection).
        return Err(BatchError::NotStarted(e, jobs));
    }
    match steps.timeout {
        Some(t) => tokio::time::timeout(t, body(conn, steps, jobs))
            .await
            .unwrap_or(Err(BatchError::TimedOut)),
        None => body(conn, steps, jobs).await,
    }
}

async fn begin<C: Tx>(conn: &mut C, steps: &Steps) -> Result<()> {
    let open = conn.control(steps.begin);
    match steps.timeout {
        Some(t) => tokio::time::timeout(t, open)
            .await
            .unwrap_or_else(|_| Err(Error::Unavailable("opening a transaction timed out".into()))),
        None => open.await,
    }
}

async fn body<C: Tx + 'static>(
    conn: &mut C,
    steps: &Steps,
    jobs: Vec<Job<C>>,
) -> std::result::Result<Vec<Outcome>, BatchError<C>> {
    let mut outcomes = Vec::with_capacity(jobs.len());
    let (mut ones, mut issues) = (Vec::new(), Vec::new());
    for job in jobs {
        match job {
            Job::One(j) => ones.push(j),
            Job::Issue(j) => issues.push(*j),
            Job::Counter(j) => ones.push(j.into_job()),
            Job::Book(j) => ones.push(j.into_job()),
        }
    }
    if !issues.is_empty() {
        // First in the transaction: a failed bulk rolls back nothing else.
        let left = match issuing::run(conn, issues, &mut outcomes).await {
            Ok(left) => left,
            Err(all) => {
                let restart = async {
                    conn.control("ROLLBACK").await?;
                    begin(conn, steps).await
                };
                if let Err(e) = restart.await {
                    let _ = conn.control("ROLLBACK").await;
                    return Err(BatchError::Failed(e, outcomes));
                }
                all
            }
        };
        // What the bulk path left runs one by one, like any command.
        ones.splice(0..0, left.into_iter().map(|j| j.into_job()));
    }
    // Each command in its own savepoint. Between two commands, the release of
    // one and the savepoint of the next go to the database together (one round
    // trip to the PostgreSQL server, not two).
    let n = ones.len();
    if n > 0 {
        if let Err(e) = conn.control("SAVEPOINT cmd").await {
            let _ = conn.control("ROLLBACK").await;
            return Err(BatchError::Failed(e, outcomes));
        }
    }
    for (i, job) in ones.into_iter().enumerate() {
        let outcome = job(conn).await;
        let undo = if outcome.ok {
            Ok(())
        } else {
            conn.control("ROLLBACK TO cmd").await
        };
        outcomes.push(outcome);
        let next = if i + 1 < n {
            conn.control("RELEASE cmd; SAVEPOINT cmd").await
        } else {
            conn.control("RELEASE cmd").await
        };
        if let Err(e) = undo.and(next) {
            let _ = conn.control("ROLLBACK").await;
            return Err(BatchError::Failed(e, outcomes));
        }
    }
    let last_event = outcomes
        .iter()
        .filter(|o| o.ok)
        .flat_map(|o| o.events.iter().map(|e| e.id))
        .max();
    // On PostgreSQL, where `before_commit` is set, a failure of either
    // statement is a rollback (it reports no error for a COMMIT it made
    // durable), handled as a failed COMMIT is there.
    let commit: std::borrow::Cow<str> = match (steps.before_commit, last_event) {
        (Some(sql), Some(last)) => format!("{}; COMMIT", sql(last)).into(),
        _ => "COMMIT".into(),
    };
    match conn.control(&commit).await {
        Ok(()) => Ok(outcomes),
        Err(e) => {
            let _ = conn.control("ROLLBACK").await;
            Err(BatchError::CommitFailed(e, outcomes))
        }
    }
}
