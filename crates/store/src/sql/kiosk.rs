//! Print jobs and kiosk health over SQL.

use async_trait::async_trait;
use futures::FutureExt;
use jiff::Timestamp;
use sqlx::AnyConnection;

use super::{rows::*, SqlStore};
use crate::{kiosk::*, Conflict, Error, Result};

/// A print job still to be acknowledged.
#[derive(sqlx::FromRow)]
struct PendingRow {
    id: i64,
    ticket_token: String,
    attempts: i64,
    created_at: i64,
    reprint_of: Option<i64>,
}

/// A recent print job and what became of it.
#[derive(sqlx::FromRow)]
struct RecentRow {
    job_id: i64,
    ticket_number: String,
    outcome: Option<String>,
    last_error: Option<String>,
    created_at: i64,
    reprint_of: Option<i64>,
}

#[async_trait]
impl KioskStore for SqlStore {
    async fn pending_print_jobs(&self, device_id: i64, after: i64) -> Result<Vec<PendingJob>> {
        let rows: Vec<PendingRow> = sqlx::query_as(
            "SELECT j.id, t.token AS ticket_token, j.attempts, j.created_at, j.reprint_of FROM print_jobs j \
             JOIN tickets t ON t.id = j.ticket_id \
             WHERE j.device_id = $1 AND j.acked_at IS NULL AND j.id > $2 ORDER BY j.id LIMIT 100",
        )
        .bind(device_id)
        .bind(after)
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| PendingJob {
                id: r.id,
                ticket_token: r.ticket_token,
                attempts: r.attempts as u32,
                created_at: ts(r.created_at),
                reprint_of: r.reprint_of,
            })
            .collect())
    }

    async fn finish_print_job(
        &self,
        device_id: i64,
        job_id: i64,
        outcome: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<()> {
        let outcome = outcome.to_owned();
        let reason: String = reason.chars().take(300).collect();
        self.writer
            .run(move |c| {
                async move {
                    // The first answer stands: a repeat (after a reconnect) changes nothing.
                    let found = sqlx::query(
                        "UPDATE print_jobs SET acked_at = COALESCE(acked_at, $1), \
                         outcome = COALESCE(outcome, $2), \
                         last_error = CASE WHEN outcome IS NULL THEN $3 ELSE last_error END \
                         WHERE id = $4 AND device_id = $5",
                    )
                    .bind(micros(now))
                    .bind(&outcome)
                    .bind(&reason)
                    .bind(job_id)
                    .bind(device_id)
                    .execute(&mut *c)
                    .await?;
                    if found.rows_affected() == 0 {
                        return Err(Error::NotFound("print job"));
                    }
                    Ok(((), Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn recent_print_jobs(&self, device_id: i64, limit: u32) -> Result<Vec<PrintJobRecord>> {
        let rows: Vec<RecentRow> = sqlx::query_as(
            "SELECT j.id AS job_id, t.number AS ticket_number, j.outcome, j.last_error, j.created_at, j.reprint_of \
                 FROM print_jobs j JOIN tickets t ON t.id = j.ticket_id \
                 WHERE j.device_id = $1 ORDER BY j.id DESC LIMIT $2",
        )
        .bind(device_id)
        .bind(i64::from(limit.min(100)))
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| PrintJobRecord {
                job_id: r.job_id,
                ticket_number: r.ticket_number,
                // Only a final outcome explains itself; a pending job's last error is
                // a retry note.
                reason: r
                    .outcome
                    .as_deref()
                    .filter(|o| *o != "printed")
                    .and(r.last_error),
                outcome: r.outcome,
                created_at: ts(r.created_at),
                reprint: r.reprint_of.is_some(),
            })
            .collect())
    }

    async fn reprint_job(
        &self,
        device_id: i64,
        job_id: i64,
        now: Timestamp,
        audit: Option<crate::auth::NewAudit>,
    ) -> Result<i64> {
        self.writer
            .run_audited(audit, move |c| {
                async move { Ok((copy_job(c, device_id, job_id, now).await?, Vec::new())) }.boxed()
            })
            .await
    }

    async fn reprint_job_once(
        &self,
        device_id: i64,
        job_id: i64,
        now: Timestamp,
        audit: Option<crate::auth::NewAudit>,
    ) -> Result<i64> {
        self.writer
            .run_audited(audit, move |c| {
                async move {
                    // Checked and inserted under the writer's lock (SQLite's single writer,
                    // PostgreSQL's write lock): two taps at once make one copy.
                    let row: Option<(Option<String>, i64)> = sqlx::query_as(
                        "SELECT j.outcome, (SELECT COUNT(*) FROM print_jobs c \
                         WHERE c.device_id = j.device_id AND c.reprint_of = j.id) \
                         FROM print_jobs j WHERE j.id = $1 AND j.device_id = $2 \
                         AND j.reprint_of IS NULL",
                    )
                    .bind(job_id)
                    .bind(device_id)
                    .fetch_optional(&mut *c)
                    .await?;
                    let (outcome, copies) = row.ok_or(Error::NotFound("print job"))?;
                    if !matches!(outcome.as_deref(), Some("unknown" | "failed")) {
                        return Err(Error::Conflict(Conflict::ReprintNotNeeded));
                    }
                    if copies > 0 {
                        return Err(Error::Conflict(Conflict::ReprintUsed));
                    }
                    Ok((copy_job(c, device_id, job_id, now).await?, Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn job_of_ticket(&self, ticket_token: &str) -> Result<Option<(i64, i64, Timestamp)>> {
        #[derive(sqlx::FromRow)]
        struct First {
            id: i64,
            device_id: i64,
            created_at: i64,
        }
        let row: Option<First> = sqlx::query_as(
            "SELECT j.id, j.device_id, j.created_at FROM print_jobs j \
             JOIN tickets t ON t.id = j.ticket_id WHERE t.token = $1 \
             ORDER BY j.id LIMIT 1",
        )
        .bind(ticket_token)
        .fetch_optional(&mut *self.read().await?)
        .await?;
        Ok(row.map(|j| (j.id, j.device_id, ts(j.created_at))))
    }

    async fn ack_print_job(&self, device_id: i64, job_id: i64, now: Timestamp) -> Result<()> {
        self.writer
            .run(move |c| {
                async move {
                    // A repeated ack keeps the first acknowledgement's time.
                    let found = sqlx::query(
                        "UPDATE print_jobs SET acked_at = COALESCE(acked_at, $1), \
                         outcome = COALESCE(outcome, 'printed') \
                         WHERE id = $2 AND device_id = $3",
                    )
                    .bind(micros(now))
                    .bind(job_id)
                    .bind(device_id)
                    .execute(&mut *c)
                    .await?;
                    if found.rows_affected() == 0 {
                        return Err(Error::NotFound("print job"));
                    }
                    sqlx::query(
                        "INSERT INTO kiosk_health (device_id, last_seen, last_job_id) VALUES ($1, $2, $3) \
                         ON CONFLICT (device_id) DO UPDATE SET last_seen = excluded.last_seen, \
                         last_job_id = excluded.last_job_id, last_error = NULL",
                    )
                    .bind(device_id)
                    .bind(micros(now))
                    .bind(job_id)
                    .execute(&mut *c)
                    .await?;
                    Ok(((), Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn fail_print_job(
        &self,
        device_id: i64,
        job_id: i64,
        reason: &str,
        now: Timestamp,
    ) -> Result<()> {
        let reason: String = reason.chars().take(300).collect();
        self.writer
            .run(move |c| {
                async move {
                    let n = sqlx::query(
                        "UPDATE print_jobs SET attempts = attempts + 1, last_error = $1 \
                         WHERE id = $2 AND device_id = $3",
                    )
                    .bind(&reason)
                    .bind(job_id)
                    .bind(device_id)
                    .execute(&mut *c)
                    .await?;
                    if n.rows_affected() == 0 {
                        return Err(Error::NotFound("print job"));
                    }
                    sqlx::query(
                        "INSERT INTO kiosk_health (device_id, last_seen, last_error) VALUES ($1, $2, $3) \
                         ON CONFLICT (device_id) DO UPDATE SET last_seen = excluded.last_seen, \
                         last_error = excluded.last_error",
                    )
                    .bind(device_id)
                    .bind(micros(now))
                    .bind(&reason)
                    .execute(&mut *c)
                    .await?;
                    Ok(((), Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn report_kiosk(&self, device_id: i64, r: KioskReport, now: Timestamp) -> Result<()> {
        self.writer
            .run(move |c| {
                async move {
                    // What the report leaves out (None) keeps its stored value; a
                    // first report without a printer state says `unknown`. `$4`
                    // is used twice: parameters first appear in order, which
                    // SQLite's numbering of `$N` names needs.
                    sqlx::query(
                        "INSERT INTO kiosk_health \
                         (device_id, last_seen, connected, printer, paper, version, last_error) \
                         VALUES ($1, $2, $3, COALESCE($4, 'unknown'), $5, $6, $7) \
                         ON CONFLICT (device_id) DO UPDATE SET last_seen = excluded.last_seen, \
                         connected = excluded.connected, printer = COALESCE($4, kiosk_health.printer), \
                         paper = COALESCE(excluded.paper, kiosk_health.paper), \
                         version = COALESCE(excluded.version, kiosk_health.version), \
                         last_error = COALESCE(excluded.last_error, kiosk_health.last_error)",
                    )
                    .bind(device_id)
                    .bind(micros(now))
                    .bind(i64::from(r.connected))
                    .bind(r.printer)
                    .bind(r.paper)
                    .bind(r.version)
                    .bind(r.error)
                    .execute(&mut *c)
                    .await?;
                    Ok(((), Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn kiosk_health(&self, device_ids: &[i64]) -> Result<Vec<KioskHealth>> {
        let mut out = Vec::new();
        let mut c = self.read().await?;
        for &id in device_ids {
            #[derive(sqlx::FromRow)]
            struct Health {
                connected: i64,
                printer: String,
                paper: Option<String>,
                version: Option<String>,
                last_seen: i64,
                last_job_id: Option<i64>,
                last_error: Option<String>,
            }
            let row: Option<Health> = sqlx::query_as(
                "SELECT connected, printer, paper, version, last_seen, last_job_id, last_error \
                     FROM kiosk_health WHERE device_id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *c)
            .await?;
            let Some(Health {
                connected,
                printer,
                paper,
                version,
                last_seen,
                last_job_id,
                last_error,
            }) = row
            else {
                continue;
            };
            let pending: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM print_jobs WHERE device_id = $1 AND acked_at IS NULL",
            )
            .bind(id)
            .fetch_one(&mut *c)
            .await?;
            out.push(KioskHealth {
                device_id: id,
                connected: connected != 0,
                printer,
                paper,
                version,
                last_seen: ts(last_seen),
                last_job_id,
                last_error,
                pending_jobs: pending as u32,
            });
        }
        Ok(out)
    }
}

/// Queues one more copy of `device_id`'s job `job_id` (a reprint, marked as
/// such when printed); the new job's id.
async fn copy_job(
    c: &mut AnyConnection,
    device_id: i64,
    job_id: i64,
    now: Timestamp,
) -> Result<i64> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO print_jobs (device_id, ticket_id, created_at, reprint_of) \
         SELECT device_id, ticket_id, $1, id FROM print_jobs \
         WHERE id = $2 AND device_id = $3 RETURNING id",
    )
    .bind(micros(now))
    .bind(job_id)
    .bind(device_id)
    .fetch_optional(&mut *c)
    .await?;
    id.ok_or(Error::NotFound("print job"))
}
