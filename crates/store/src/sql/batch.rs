//! One group-commit batch: BEGIN, the batch's issue commands together (see
//! issuing/), every other command in its own SAVEPOINT, COMMIT.
//! Split from writer.rs, which owns the connection's life; this owns one
//! transaction's.

use std::panic::AssertUnwindSafe;

use futures::{future::BoxFuture, FutureExt};
use luot_domain::Event;
use sqlx::AnyConnection;
use tokio::sync::oneshot;

use super::counters::CounterJob;
use super::issuing::{self, IssueJob};
use super::tx::Tx;
use super::writer::Config;
use crate::{auth::NewAudit, Error, Result};

/// What a finished command hands back to the writer.
pub struct Outcome {
    pub ok: bool,
    pub events: Vec<Event>,
    /// Sends the reply once the batch's fate is known.
    pub reply: Box<dyn FnOnce(Result<()>) + Send>,
}

/// A queued command. Dropping it unrun answers its caller `Unavailable`.
pub enum Job {
    /// Any command: runs alone in its own savepoint.
    One(OneJob),
    /// Issuing a ticket: the batch issues all of these together. Boxed: a
    /// command is much larger than the other variants.
    Issue(Box<IssueJob>),
    /// A counter command: on SQLite it runs on the write lane (lane.rs),
    /// elsewhere like any command.
    Counter(Box<CounterJob>),
}

/// A command run alone in its own savepoint, on a connection `C`.
pub type JobOn<C> = Box<dyn for<'c> FnOnce(&'c mut C) -> BoxFuture<'c, Outcome> + Send>;
/// A command on the sqlx connection.
pub type OneJob = JobOn<AnyConnection>;

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

pub enum BatchError {
    /// The transaction could not even begin; no job ran, so they can be retried.
    NotStarted(sqlx::Error, Vec<Job>),
    /// The transaction failed after jobs ran: every outcome so far, to answer.
    /// Jobs not yet run were dropped (their callers get `Unavailable`).
    Failed(sqlx::Error, Vec<Outcome>),
    /// COMMIT itself failed: every command ran, the outcomes are here to
    /// answer. Whether the transaction reached the disk is not known on
    /// SQLite (an I/O error, a failed sync), so the writer stops there.
    CommitFailed(sqlx::Error, Vec<Outcome>),
    /// The batch exceeded the configured timeout and was abandoned; its
    /// callers got `Unavailable` when their jobs were dropped.
    TimedOut,
}

/// Runs one batch in one transaction, bounded by `config.timeout`.
pub async fn run(
    conn: &mut AnyConnection,
    config: &Config,
    jobs: Vec<Job>,
) -> std::result::Result<Vec<Outcome>, BatchError> {
    if let Err(e) = begin(conn, config).await {
        // The writer replaces this connection, so no ROLLBACK (which could
        // itself hang on a half-open connection).
        return Err(BatchError::NotStarted(e, jobs));
    }
    match config.timeout {
        Some(t) => tokio::time::timeout(t, body(conn, config, jobs))
            .await
            .unwrap_or(Err(BatchError::TimedOut)),
        None => body(conn, config, jobs).await,
    }
}

async fn begin(conn: &mut AnyConnection, config: &Config) -> std::result::Result<(), sqlx::Error> {
    let open = async {
        exec(conn, config.begin).await?;
        if let Some(sql) = config.after_begin {
            exec(conn, sql).await?;
        }
        Ok(())
    };
    match config.timeout {
        Some(t) => tokio::time::timeout(t, open)
            .await
            .unwrap_or(Err(sqlx::Error::PoolTimedOut)),
        None => open.await,
    }
}

async fn body(
    conn: &mut AnyConnection,
    config: &Config,
    jobs: Vec<Job>,
) -> std::result::Result<Vec<Outcome>, BatchError> {
    let mut outcomes = Vec::with_capacity(jobs.len());
    let (mut ones, mut issues) = (Vec::new(), Vec::new());
    for job in jobs {
        match job {
            Job::One(j) => ones.push(j),
            Job::Issue(j) => issues.push(*j),
            Job::Counter(j) => ones.push(j.into_one()),
        }
    }
    if !issues.is_empty() {
        // First in the transaction: a failed bulk rolls back nothing else.
        let left = match issuing::run(conn, issues, &mut outcomes).await {
            Ok(left) => left,
            Err(all) => {
                let restart = async {
                    exec(conn, "ROLLBACK").await?;
                    begin(conn, config).await
                };
                if let Err(e) = restart.await {
                    let _ = exec(conn, "ROLLBACK").await;
                    return Err(BatchError::Failed(e, outcomes));
                }
                all
            }
        };
        // What the bulk path left runs one by one, like any command.
        ones.splice(0..0, left.into_iter().map(|j| j.into_one()));
    }
    // Each command in its own savepoint. Between two commands, the release of
    // one and the savepoint of the next go to the database together (one round
    // trip to SQLite's worker thread or the PostgreSQL server, not two: see
    // docs/benchmarks.md on what a statement's round trip costs).
    let n = ones.len();
    if n > 0 {
        if let Err(e) = exec(conn, "SAVEPOINT cmd").await {
            let _ = exec(conn, "ROLLBACK").await;
            return Err(BatchError::Failed(e, outcomes));
        }
    }
    for (i, job) in ones.into_iter().enumerate() {
        let outcome = job(conn).await;
        let undo = if outcome.ok {
            Ok(())
        } else {
            exec(conn, "ROLLBACK TO cmd").await
        };
        outcomes.push(outcome);
        let next = if i + 1 < n {
            exec_raw(conn, "RELEASE cmd; SAVEPOINT cmd").await
        } else {
            exec(conn, "RELEASE cmd").await
        };
        if let Err(e) = undo.and(next) {
            let _ = exec(conn, "ROLLBACK").await;
            return Err(BatchError::Failed(e, outcomes));
        }
    }
    let last_event = outcomes
        .iter()
        .filter(|o| o.ok)
        .flat_map(|o| o.events.iter().map(|e| e.id))
        .max();
    if let (Some(sql), Some(last)) = (config.before_commit, last_event) {
        if let Err(e) = exec_with(conn, sql, last.to_string()).await {
            let _ = exec(conn, "ROLLBACK").await;
            return Err(BatchError::Failed(e, outcomes));
        }
    }
    match exec(conn, "COMMIT").await {
        Ok(()) => Ok(outcomes),
        Err(e) => {
            let _ = exec(conn, "ROLLBACK").await;
            Err(BatchError::CommitFailed(e, outcomes))
        }
    }
}

/// Boxed so the writer task's future is provably `Send` (sqlx's executor
/// lifetimes otherwise defeat the higher-ranked check in `tokio::spawn`).
pub fn exec<'c>(
    conn: &'c mut AnyConnection,
    sql: &'static str,
) -> BoxFuture<'c, std::result::Result<(), sqlx::Error>> {
    async move { sqlx::query(sql).execute(&mut *conn).await.map(|_| ()) }.boxed()
}

/// Several statements without arguments in one round trip (PostgreSQL's
/// simple query protocol; SQLite runs them in turn on its worker thread).
fn exec_raw<'c>(
    conn: &'c mut AnyConnection,
    sql: &'static str,
) -> BoxFuture<'c, std::result::Result<(), sqlx::Error>> {
    // A bare &str is sent without arguments, as raw_sql does.
    async move { sqlx::Executor::execute(&mut *conn, sql).await.map(|_| ()) }.boxed()
}

fn exec_with<'c>(
    conn: &'c mut AnyConnection,
    sql: &'static str,
    arg: String,
) -> BoxFuture<'c, std::result::Result<(), sqlx::Error>> {
    async move {
        sqlx::query(sql)
            .bind(arg)
            .execute(&mut *conn)
            .await
            .map(|_| ())
    }
    .boxed()
}
