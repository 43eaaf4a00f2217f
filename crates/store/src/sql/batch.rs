//! One group-commit batch: BEGIN, each command in its own SAVEPOINT, COMMIT.
//! Split from writer.rs, which owns the connection's life; this owns one
//! transaction's.

use futures::{future::BoxFuture, FutureExt};
use luot_domain::Event;
use sqlx::AnyConnection;

use super::writer::Config;
use crate::Result;

/// What a finished command hands back to the writer.
pub struct Outcome {
    pub ok: bool,
    pub events: Vec<Event>,
    /// Sends the reply once the batch's fate is known.
    pub reply: Box<dyn FnOnce(Result<()>) + Send>,
}

/// A queued command. Dropping it unrun answers its caller `Unavailable`.
pub type Job = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Outcome> + Send>;

pub enum BatchError {
    /// The transaction could not even begin; no job ran, so they can be retried.
    NotStarted(sqlx::Error, Vec<Job>),
    /// The transaction failed after jobs ran: every outcome so far, to answer.
    /// Jobs not yet run were dropped (their callers get `Unavailable`).
    Failed(sqlx::Error, Vec<Outcome>),
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
    for job in jobs {
        if let Err(e) = exec(conn, "SAVEPOINT cmd").await {
            let _ = exec(conn, "ROLLBACK").await;
            return Err(BatchError::Failed(e, outcomes));
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
            Err(BatchError::Failed(e, outcomes))
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
