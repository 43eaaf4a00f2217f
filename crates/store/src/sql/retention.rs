//! [`RetentionStore`] over SQL: one pass through the writer erases personal data
//! older than each centre's `data_retention_days` (what counts as personal is in
//! `crate::retention`). Every statement reads only rows that still hold such
//! data, through the partial indexes of migration 0011, so a pass that finds
//! nothing costs a few index probes.

use async_trait::async_trait;
use futures::FutureExt;
use jiff::{SignedDuration, Timestamp};
use sqlx::AnyConnection;

use super::rows::{self, micros};
use super::SqlStore;
use crate::retention::{Erased, Person, RetentionStore, KEY_LIFETIME, KEY_PRUNE_BATCH};
use crate::{AdminCtx, Result};

/// `now` minus `days` whole days.
pub(crate) fn days_before(now: Timestamp, days: u32) -> Timestamp {
    now.saturating_sub(SignedDuration::from_hours(24 * i64::from(days)))
        .unwrap_or(now)
}

/// Where one centre's retention period begins.
pub(crate) struct Cutoff {
    pub centre_id: i64,
    pub code: String,
    /// Personal data from before this instant goes.
    pub at: Timestamp,
    /// The local service day of `at`: tickets of earlier days go.
    pub day: String,
}

/// Every centre's cutoff at `now`.
pub(crate) async fn cutoffs(c: &mut AnyConnection, now: Timestamp) -> Result<Vec<Cutoff>> {
    #[derive(sqlx::FromRow)]
    struct Stored {
        id: i64,
        code: String,
        config: String,
    }
    let centres: Vec<Stored> = sqlx::query_as("SELECT id, code, config FROM centres ORDER BY id")
        .fetch_all(&mut *c)
        .await?;
    let mut out = Vec::with_capacity(centres.len());
    for Stored {
        id: centre_id,
        code,
        config,
    } in centres
    {
        let config = rows::parse_config(centre_id, &config)?;
        let at = days_before(now, config.data_retention_days);
        let day = at.to_zoned(config.tz()?).date().to_string();
        out.push(Cutoff {
            centre_id,
            code,
            at,
            day,
        });
    }
    Ok(out)
}

/// One centre's cutoff (booking anonymisation honours it as well as its own).
pub(crate) async fn centre_cutoff(
    c: &mut AnyConnection,
    centre_id: i64,
    now: Timestamp,
) -> Result<Timestamp> {
    let config: String = sqlx::query_scalar("SELECT config FROM centres WHERE id = $1")
        .bind(centre_id)
        .fetch_one(&mut *c)
        .await?;
    let config = rows::parse_config(centre_id, &config)?;
    Ok(days_before(now, config.data_retention_days))
}

/// Rows a statement changed, as a count.
fn count(done: sqlx::any::AnyQueryResult) -> u32 {
    u32::try_from(done.rows_affected()).unwrap_or(u32::MAX)
}

/// The pass itself, inside the writer's transaction.
async fn erase(c: &mut AnyConnection, now: Timestamp) -> Result<Erased> {
    let mut erased = Erased {
        bookings: super::booking::anonymise(c, now).await?,
        ..Erased::default()
    };
    let cutoffs = cutoffs(c, now).await?;
    for k in &cutoffs {
        let done = sqlx::query(
            "UPDATE feedback SET comment = NULL \
             WHERE centre_id = $1 AND comment IS NOT NULL AND created_at < $2",
        )
        .bind(k.centre_id)
        .bind(micros(k.at))
        .execute(&mut *c)
        .await?;
        erased.comments += count(done);
        let done = sqlx::query(
            "UPDATE tickets SET transfer_note = NULL \
             WHERE centre_id = $1 AND transfer_note IS NOT NULL AND service_day < $2",
        )
        .bind(k.centre_id)
        .bind(&k.day)
        .execute(&mut *c)
        .await?;
        erased.transfer_notes += count(done);
        let done = sqlx::query(
            "UPDATE audit_log SET ip = NULL WHERE centre = $1 AND ip IS NOT NULL AND at < $2",
        )
        .bind(&k.code)
        .bind(micros(k.at))
        .execute(&mut *c)
        .await?;
        erased.audit_entries += count(done);
    }
    // What belongs to no single centre follows the longest period of any.
    let Some(earliest) = cutoffs.iter().map(|k| micros(k.at)).min() else {
        return Ok(erased);
    };
    // A failed sign-in records whatever was typed as the username: when it
    // names no account it may be a mistyped password or a phone number.
    let done = sqlx::query(
        "UPDATE audit_log SET ip = NULL, actor = CASE \
             WHEN action = 'auth.login_failed' \
                  AND actor NOT IN (SELECT 'staff:' || username FROM accounts) THEN 'anonymous' \
             ELSE actor END \
         WHERE ip IS NOT NULL AND at < $1",
    )
    .bind(earliest)
    .execute(&mut *c)
    .await?;
    erased.audit_entries += count(done);
    let done = sqlx::query("DELETE FROM sessions WHERE last_seen < $1")
        .bind(earliest)
        .execute(&mut *c)
        .await?;
    erased.sessions += count(done);
    Ok(erased)
}

#[async_trait]
impl RetentionStore for SqlStore {
    async fn erase_expired(&self, now: Timestamp) -> Result<Erased> {
        let erased = self
            .writer
            .run(move |c| async move { Ok((erase(c, now).await?, Vec::new())) }.boxed())
            .await?;
        if !erased.is_empty() {
            self.scrub_wal().await?;
        }
        Ok(erased)
    }

    async fn erase_person(&self, ctx: AdminCtx, person: Person) -> Result<Erased> {
        let key = self.id_key.clone();
        let erased = self
            .writer
            .run(move |c| super::erasure::erase_person(c, ctx, person, key).boxed())
            .await?;
        self.scrub_wal().await?;
        Ok(erased)
    }

    async fn prune_idempotency_keys(&self, now: Timestamp) -> Result<u32> {
        let before = micros(now.saturating_sub(KEY_LIFETIME).unwrap_or(now));
        self.writer
            .run(move |c| {
                async move {
                    // Oldest first through idempotency_keys_created (0030).
                    let done = sqlx::query(
                        "DELETE FROM idempotency_keys WHERE (centre_id, scope, key) IN \
                         (SELECT centre_id, scope, key FROM idempotency_keys \
                          WHERE created_at < $1 ORDER BY created_at LIMIT $2)",
                    )
                    .bind(before)
                    .bind(i64::from(KEY_PRUNE_BATCH))
                    .execute(&mut *c)
                    .await?;
                    Ok((count(done), Vec::new()))
                }
                .boxed()
            })
            .await
    }
}
