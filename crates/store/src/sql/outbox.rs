//! What the two outboxes (webhook deliveries, turn notices) share: recording
//! one send attempt, with its retry schedule or its giving up.

use std::time::Duration;

use jiff::Timestamp;
use sqlx::AnyConnection;

use super::rows::micros;
use crate::Result;

/// One outbox table: its name, the status and time column of a success, and
/// how long and how often a failure is retried. Static names only.
pub(super) struct Outbox {
    pub table: &'static str,
    pub done_status: &'static str,
    pub done_at: &'static str,
    pub retry_for: Duration,
    pub backoff: fn(u32) -> Duration,
}

/// Records an attempt on a pending row: `Ok(status)` ends it as done,
/// `Err((status, error))` schedules the next attempt or, past `retry_for`
/// since the row was written, ends it as `failed`.
pub(super) async fn record_attempt(
    c: &mut AnyConnection,
    outbox: &Outbox,
    id: i64,
    outcome: std::result::Result<u16, (Option<u16>, String)>,
    now: Timestamp,
) -> Result<()> {
    let Outbox {
        table,
        done_status,
        done_at,
        ..
    } = outbox;
    match outcome {
        Ok(status) => {
            sqlx::query(&format!(
                "UPDATE {table} SET status = '{done_status}', attempts = attempts + 1, \
                 last_attempt_at = $1, {done_at} = $1, response_status = $2, last_error = NULL \
                 WHERE id = $3 AND status = 'pending'"
            ))
            .bind(micros(now))
            .bind(i64::from(status))
            .bind(id)
            .execute(&mut *c)
            .await?;
        }
        Err((status, error)) => {
            let (attempts, created): (i64, i64) = sqlx::query_as(&format!(
                "SELECT attempts, created_at FROM {table} WHERE id = $1"
            ))
            .bind(id)
            .fetch_one(&mut *c)
            .await?;
            let attempts = attempts + 1;
            let give_up = micros(now) - created >= outbox.retry_for.as_micros() as i64;
            sqlx::query(&format!(
                "UPDATE {table} SET status = $1, attempts = $2, last_attempt_at = $3, \
                 next_attempt_at = $4, response_status = $5, last_error = $6 \
                 WHERE id = $7 AND status = 'pending'"
            ))
            .bind(if give_up { "failed" } else { "pending" })
            .bind(attempts)
            .bind(micros(now))
            .bind(micros(now) + (outbox.backoff)(attempts as u32).as_micros() as i64)
            .bind(status.map(i64::from))
            .bind(error.chars().take(300).collect::<String>())
            .bind(id)
            .execute(&mut *c)
            .await?;
        }
    }
    Ok(())
}
