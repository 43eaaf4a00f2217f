//! The single writer with group commit. SQLite allows one writer at a time, and
//! a durable commit costs a disk sync (on PostgreSQL too, a WAL flush); so one task owns the write connection,
//! takes every command waiting in its channel, runs each inside its own SAVEPOINT
//! within one transaction, and commits them together with a single sync. A reply
//! (and the command's events) go out only after that commit: a reply means durable.
//!
//! One command failing rolls back to its savepoint and leaves the others in the
//! batch untouched. A command that panics is caught and answered with an error, so
//! the writer survives bugs.

use std::panic::AssertUnwindSafe;

use futures::{future::BoxFuture, FutureExt};
use luot_domain::Event;
use sqlx::{AnyConnection, Connection};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::{Error, Result};

/// The most commands one commit may carry; bounds the latency of the first.
const MAX_BATCH: usize = 512;

/// What a finished command hands back to the writer.
struct Outcome {
    ok: bool,
    events: Vec<Event>,
    /// Sends the reply once the batch's fate is known.
    reply: Box<dyn FnOnce(Result<()>) + Send>,
}

type Job = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Outcome> + Send>;

enum Msg {
    Job(Job),
    /// Finish what is queued before it, close the connection, then answer.
    Close(oneshot::Sender<()>),
}

/// A handle to the writer task; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Msg>,
}

impl Writer {
    /// Starts the writer task on `conn`, publishing committed events on `events`.
    /// `begin` opens a write transaction: `BEGIN IMMEDIATE` on SQLite takes the
    /// write lock up front, so the batch never fails half-way on a busy lock.
    pub fn spawn(
        conn: AnyConnection,
        begin: &'static str,
        events: broadcast::Sender<Event>,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let handle = tokio::spawn(run(conn, begin, rx, events));
        (Self { jobs: tx }, handle)
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
        let (tx, rx) = oneshot::channel::<Result<T>>();
        let job: Job = Box::new(move |conn| {
            async move {
                let result = AssertUnwindSafe(f(conn)).catch_unwind().await;
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
        });
        self.jobs
            .send(Msg::Job(job))
            .await
            .map_err(|_| Error::Unavailable("the store is shut down".into()))?;
        rx.await
            .map_err(|_| Error::Unavailable("the store writer stopped".into()))?
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

async fn run(
    mut conn: AnyConnection,
    begin: &'static str,
    mut rx: mpsc::Receiver<Msg>,
    events: broadcast::Sender<Event>,
) {
    let mut msgs = Vec::with_capacity(MAX_BATCH);
    let mut close = None;
    while close.is_none() && rx.recv_many(&mut msgs, MAX_BATCH).await > 0 {
        let mut jobs = Vec::with_capacity(msgs.len());
        for msg in msgs.drain(..) {
            match msg {
                Msg::Job(job) if close.is_none() => jobs.push(job),
                // Jobs after a close are dropped: their callers get `Unavailable`.
                Msg::Job(_) => {}
                Msg::Close(done) => close = Some(done),
            }
        }
        if jobs.is_empty() {
            continue;
        }
        match run_batch(&mut conn, begin, jobs).await {
            Ok(outcomes) => {
                for o in outcomes {
                    for e in o.events {
                        // No subscriber is fine: nobody is watching.
                        let _ = events.send(e);
                    }
                    (o.reply)(Ok(()));
                }
            }
            Err((e, outcomes)) => {
                tracing::error!(error = %e, "commit failed; the batch was rolled back");
                for o in outcomes {
                    let err = Error::Unavailable(format!("commit failed: {e}"));
                    (o.reply)(if o.ok { Err(err) } else { Ok(()) });
                }
            }
        }
    }
    rx.close();
    let _ = conn.close().await;
    if let Some(done) = close {
        let _ = done.send(());
    }
}

/// Runs one batch in one transaction. On a failure of the transaction itself
/// every outcome so far is returned with the error so each gets an answer; jobs
/// not yet run are dropped, and their callers get `Unavailable`.
async fn run_batch(
    conn: &mut AnyConnection,
    begin: &'static str,
    jobs: Vec<Job>,
) -> std::result::Result<Vec<Outcome>, (sqlx::Error, Vec<Outcome>)> {
    let mut outcomes = Vec::with_capacity(jobs.len());
    if let Err(e) = exec(conn, begin).await {
        return Err((e, outcomes));
    }
    for job in jobs {
        if let Err(e) = exec(conn, "SAVEPOINT cmd").await {
            let _ = exec(conn, "ROLLBACK").await;
            return Err((e, outcomes));
        }
        let outcome = job(conn).await;
        let undo = if outcome.ok {
            Ok(())
        } else {
            exec(conn, "ROLLBACK TO cmd").await
        };
        outcomes.push(outcome);
        if let Err(e) = undo.and(exec(conn, "RELEASE cmd").await) {
            let _ = exec(conn, "ROLLBACK").await;
            return Err((e, outcomes));
        }
    }
    match exec(conn, "COMMIT").await {
        Ok(()) => Ok(outcomes),
        Err(e) => {
            let _ = exec(conn, "ROLLBACK").await;
            Err((e, outcomes))
        }
    }
}

/// Boxed so the writer task's future is provably `Send` (sqlx's executor
/// lifetimes otherwise defeat the higher-ranked check in `tokio::spawn`).
fn exec<'c>(
    conn: &'c mut AnyConnection,
    sql: &'static str,
) -> BoxFuture<'c, std::result::Result<(), sqlx::Error>> {
    async move { sqlx::query(sql).execute(&mut *conn).await.map(|_| ()) }.boxed()
}
