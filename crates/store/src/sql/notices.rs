//! [`NoticeStore`] over SQL (migration 0026): phones left for turn notices,
//! the centres' notifiers, and the `turn_notices` outbox. Finding the notices
//! the queue has reached is a read; only a pass that has notices to create
//! (or stale phones to delete) goes through the writer, where
//! `ON CONFLICT DO NOTHING` on (ticket, threshold) keeps each to one even with
//! several processes. A claim is a conditional update of `next_attempt_at`,
//! so two processes never send one notice at once.

use async_trait::async_trait;
use futures::FutureExt;
use jiff::Timestamp;
use luot_domain::notice::{Notice, Notifier, Threshold};
use luot_domain::{CentreCode, Phone};
use sqlx::AnyConnection;

use super::rows::{self, micros, ts};
use super::tickets::{position_and_eta, QueueKey};
use super::SqlStore;
use crate::notices::*;
use crate::{Conflict, Error, Result};

async fn notifier_of(c: &mut AnyConnection, centre_id: i64) -> Result<Option<Notifier>> {
    let config: Option<String> =
        sqlx::query_scalar("SELECT config FROM notifiers WHERE centre_id = $1")
            .bind(centre_id)
            .fetch_optional(&mut *c)
            .await?;
    Ok(config.map(|s| serde_json::from_str(&s)).transpose()?)
}

#[derive(sqlx::FromRow)]
pub(crate) struct TicketRef {
    id: i64,
    centre_id: i64,
    status: String,
    service: String,
}

async fn ticket(c: &mut AnyConnection, token: &str) -> Result<TicketRef> {
    sqlx::query_as(
        "SELECT t.id, t.centre_id, t.status, s.code AS service FROM tickets t \
         JOIN services s ON s.id = t.service_id WHERE t.token = $1",
    )
    .bind(token)
    .fetch_optional(&mut *c)
    .await?
    .ok_or(Error::NotFound("ticket"))
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    threshold: String,
    status: String,
    attempts: i64,
    sent_at: Option<i64>,
}

async fn of_ticket(c: &mut AnyConnection, t: &TicketRef) -> Result<TicketNotices> {
    let notifier = notifier_of(c, t.centre_id).await?;
    let phone: Option<String> =
        sqlx::query_scalar("SELECT phone FROM notice_phones WHERE ticket_id = $1")
            .bind(t.id)
            .fetch_optional(&mut *c)
            .await?;
    let rows: Vec<NoticeRow> = sqlx::query_as(
        "SELECT threshold, status, attempts, sent_at FROM turn_notices WHERE ticket_id = $1 \
         ORDER BY id",
    )
    .bind(t.id)
    .fetch_all(&mut *c)
    .await?;
    Ok(TicketNotices {
        available: notifier.is_some(),
        phone: phone.map(|p| luot_domain::booking::mask_phone(&p)),
        ahead: notifier.map_or(luot_domain::notice::DEFAULT_AHEAD, |n| {
            n.ahead_for(&t.service)
        }),
        notices: rows
            .into_iter()
            .map(|r| NoticeView {
                threshold: r.threshold,
                status: r.status,
                attempts: r.attempts as u32,
                sent_at: r.sent_at.map(ts),
            })
            .collect(),
    })
}

/// Why a phone is refused when the centre has [`MAX_PHONES_PER_CENTRE`].
const PHONES_FULL: &str = "too many phones registered for notices";

/// What became of a phone left for notices.
pub(crate) enum Left {
    /// Stored, for this ticket.
    Stored(TicketRef),
    /// Not stored: the centre holds [`MAX_PHONES_PER_CENTRE`] already.
    Full,
}

async fn register(c: &mut AnyConnection, cmd: RegisterNotice) -> Result<TicketNotices> {
    match leave_phone(c, &cmd).await? {
        Left::Stored(t) => of_ticket(c, &t).await,
        Left::Full => Err(Error::Unavailable(PHONES_FULL.into())),
    }
}

/// Leaves (or replaces) the phone for the ticket's notices, whoever asks: the
/// ticket's holder (status page, kiosk) or a booking's check-in, in the
/// check-in's transaction (`sql::booking::checkin`). Its refusals come before
/// any write, so a caller may carry on without the phone.
pub(crate) async fn leave_phone(c: &mut AnyConnection, cmd: &RegisterNotice) -> Result<Left> {
    let t = ticket(c, &cmd.token).await?;
    if !matches!(
        t.status.as_str(),
        "waiting" | "transferred" | "called" | "serving"
    ) {
        return Err(Error::Conflict(Conflict::TicketEnded));
    }
    if notifier_of(c, t.centre_id).await?.is_none() {
        return Err(Error::Conflict(Conflict::NoNotifier));
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notice_phones WHERE centre_id = $1")
        .bind(t.centre_id)
        .fetch_one(&mut *c)
        .await?;
    if n >= MAX_PHONES_PER_CENTRE {
        return Ok(Left::Full);
    }
    sqlx::query(
        "INSERT INTO notice_phones (ticket_id, centre_id, phone, source, consent_version, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (ticket_id) DO UPDATE SET \
         phone = excluded.phone, source = excluded.source, \
         consent_version = excluded.consent_version, created_at = excluded.created_at",
    )
    .bind(t.id)
    .bind(t.centre_id)
    .bind(cmd.phone.as_str())
    .bind(cmd.source.as_str())
    .bind(&cmd.consent_version)
    .bind(micros(cmd.now))
    .execute(&mut *c)
    .await?;
    Ok(Left::Stored(t))
}

async fn withdraw(c: &mut AnyConnection, token: &str) -> Result<()> {
    let t = ticket(c, token).await?;
    sqlx::query("DELETE FROM notice_phones WHERE ticket_id = $1")
        .bind(t.id)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "UPDATE turn_notices SET status = 'dropped', last_error = 'withdrawn' \
         WHERE ticket_id = $1 AND status = 'pending'",
    )
    .bind(t.id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Registered {
    ticket_id: i64,
    centre_id: i64,
    status: String,
    service_id: i64,
    service_day: String,
    priority: Option<String>,
    slot_start: Option<i64>,
    queued_at: i64,
    mean_service_minutes: i64,
    service: String,
    counter: Option<i64>,
    config: String,
    near: i64,
    called: i64,
}

/// A notice to create.
struct Reached {
    centre_id: i64,
    ticket_id: i64,
    threshold: Threshold,
    ahead: Option<u32>,
    counter: Option<i64>,
}

/// What the queue has reached: tickets with a phone whose next notice is due
/// and not yet created (a read).
async fn reached(c: &mut AnyConnection, now: Timestamp) -> Result<Vec<Reached>> {
    let rows: Vec<Registered> = sqlx::query_as(
        "SELECT p.ticket_id, p.centre_id, t.status, t.service_id, t.service_day, t.priority, \
         t.slot_start, t.queued_at, s.mean_service_minutes, s.code AS service, \
         k.number AS counter, n.config, \
         (SELECT COUNT(*) FROM turn_notices x WHERE x.ticket_id = p.ticket_id \
          AND x.threshold = 'near') AS near, \
         (SELECT COUNT(*) FROM turn_notices x WHERE x.ticket_id = p.ticket_id \
          AND x.threshold = 'called') AS called \
         FROM notice_phones p JOIN notifiers n ON n.centre_id = p.centre_id \
         JOIN tickets t ON t.id = p.ticket_id JOIN services s ON s.id = t.service_id \
         LEFT JOIN counters k ON k.id = t.counter_id ORDER BY p.ticket_id",
    )
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let reach = |threshold, ahead, counter| Reached {
            centre_id: r.centre_id,
            ticket_id: r.ticket_id,
            threshold,
            ahead,
            counter,
        };
        match r.status.as_str() {
            "called" if r.called == 0 => out.push(reach(Threshold::Called, None, r.counter)),
            "waiting" | "transferred" if r.near == 0 => {
                let notifier: Notifier = serde_json::from_str(&r.config)?;
                let key = QueueKey {
                    id: r.ticket_id,
                    service_id: r.service_id,
                    service_day: r.service_day.clone(),
                    priority: r.priority.is_some(),
                    slot_start: r.slot_start,
                    queued_at: r.queued_at,
                };
                let (ahead, _) = position_and_eta(c, &key, now, r.mean_service_minutes).await?;
                if ahead <= notifier.ahead_for(&r.service) {
                    out.push(reach(Threshold::Near, Some(ahead), None));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

async fn create(c: &mut AnyConnection, reached: Vec<Reached>, now: Timestamp) -> Result<u32> {
    let mut made = 0;
    for r in reached {
        let pending: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM turn_notices WHERE centre_id = $1 AND status = 'pending'",
        )
        .bind(r.centre_id)
        .fetch_one(&mut *c)
        .await?;
        if pending >= MAX_PENDING_PER_CENTRE {
            tracing::warn!(
                centre = r.centre_id,
                "turn notice outbox full; notice not created"
            );
            continue;
        }
        let done = sqlx::query(
            "INSERT INTO turn_notices (centre_id, ticket_id, threshold, ahead, counter_number, \
             delivery, status, attempts, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) \
             ON CONFLICT (ticket_id, threshold) DO NOTHING",
        )
        .bind(r.centre_id)
        .bind(r.ticket_id)
        .bind(r.threshold.as_str())
        .bind(r.ahead.map(i64::from))
        .bind(r.counter)
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(micros(now))
        .execute(&mut *c)
        .await?;
        made += done.rows_affected() as u32;
    }
    let stale = micros(now) - PHONE_MAX_AGE.as_micros() as i64;
    sqlx::query("DELETE FROM notice_phones WHERE created_at < $1")
        .bind(stale)
        .execute(&mut *c)
        .await?;
    Ok(made)
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: i64,
    centre_id: i64,
    delivery: String,
    threshold: String,
    ahead: Option<i64>,
    counter_number: Option<i64>,
    attempts: i64,
    number: String,
    service: String,
    phone: Option<String>,
}

async fn due(c: &mut AnyConnection, now: Timestamp, limit: u32) -> Result<Vec<DueNotice>> {
    let rows: Vec<DueRow> = sqlx::query_as(
        "SELECT n.id, n.centre_id, n.delivery, n.threshold, n.ahead, n.counter_number, \
         n.attempts, t.number, s.code AS service, p.phone FROM turn_notices n \
         JOIN tickets t ON t.id = n.ticket_id JOIN services s ON s.id = t.service_id \
         LEFT JOIN notice_phones p ON p.ticket_id = n.ticket_id \
         WHERE n.status = 'pending' AND n.next_attempt_at <= $1 ORDER BY n.id LIMIT $2",
    )
    .bind(micros(now))
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await?;
    let lease = micros(now) + NOTICE_LEASE.as_micros() as i64;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let centre: (String, String) =
            sqlx::query_as("SELECT code, config FROM centres WHERE id = $1")
                .bind(r.centre_id)
                .fetch_one(&mut *c)
                .await?;
        let notifier = notifier_of(c, r.centre_id).await?;
        let (Some(phone), Some(notifier)) = (r.phone, notifier) else {
            // Withdrawn, or the centre stopped sending: nothing to send it with.
            drop_notice(c, r.id, "no phone or no notifier").await?;
            continue;
        };
        let claimed = sqlx::query(
            "UPDATE turn_notices SET next_attempt_at = $1, channel = $2 \
             WHERE id = $3 AND status = 'pending' AND next_attempt_at <= $4",
        )
        .bind(lease)
        .bind(notifier.channel.kind())
        .bind(r.id)
        .bind(micros(now))
        .execute(&mut *c)
        .await?;
        if claimed.rows_affected() == 0 {
            continue;
        }
        let config: luot_domain::Centre = serde_json::from_str(&centre.1)?;
        out.push(DueNotice {
            id: r.id,
            delivery: r.delivery,
            centre: CentreCode::parse(&centre.0)?,
            channel: notifier.channel,
            notice: Notice {
                threshold: Threshold::parse(&r.threshold)
                    .ok_or_else(|| Error::Internal(format!("threshold {}", r.threshold)))?,
                number: r.number,
                service: r.service,
                centre_name: config.name,
                ahead: r.ahead.map(|a| a.max(0) as u32),
                counter: r.counter_number.map(|k| k.clamp(0, 9999) as u16),
            },
            phone: Phone::parse(&phone)?,
            attempts: r.attempts as u32,
        });
    }
    Ok(out)
}

async fn drop_notice(c: &mut AnyConnection, id: i64, why: &str) -> Result<()> {
    sqlx::query(
        "UPDATE turn_notices SET status = 'dropped', last_error = $1 \
         WHERE id = $2 AND status = 'pending'",
    )
    .bind(why)
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The wait before attempt `n + 1`: 1 s doubling to a minute (a notice is
/// worth something for minutes, not hours).
pub fn backoff(attempts: u32) -> std::time::Duration {
    std::time::Duration::from_secs((1u64 << attempts.saturating_sub(1).min(6)).min(60))
}

async fn record(
    c: &mut AnyConnection,
    id: i64,
    result: NoticeResult,
    now: Timestamp,
) -> Result<()> {
    let outcome = match result {
        NoticeResult::Sent { status } => Ok(status),
        NoticeResult::Failed { status, error } => Err((status, error)),
    };
    super::outbox::record_attempt(c, &NOTICES, id, outcome, now).await
}

const NOTICES: super::outbox::Outbox = super::outbox::Outbox {
    table: "turn_notices",
    done_status: "sent",
    done_at: "sent_at",
    retry_for: NOTICE_RETRY_FOR,
    backoff,
};

#[derive(sqlx::FromRow)]
struct CountRow {
    service_day: String,
    service: String,
    threshold: String,
    status: String,
    n: i64,
}

async fn report(
    c: &mut AnyConnection,
    centre: &CentreCode,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> Result<Vec<NoticeCount>> {
    let centre = rows::centre(c, centre).await?;
    let rows: Vec<CountRow> = sqlx::query_as(
        "SELECT t.service_day, s.code AS service, n.threshold, n.status, COUNT(*) AS n \
         FROM turn_notices n JOIN tickets t ON t.id = n.ticket_id \
         JOIN services s ON s.id = t.service_id \
         WHERE n.centre_id = $1 AND t.service_day >= $2 AND t.service_day <= $3 \
         GROUP BY t.service_day, s.code, n.threshold, n.status \
         ORDER BY t.service_day, s.code, n.threshold",
    )
    .bind(centre.id)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(&mut *c)
    .await?;
    let mut out: Vec<NoticeCount> = Vec::new();
    for r in rows {
        let day: jiff::civil::Date = r
            .service_day
            .parse()
            .map_err(|e| Error::Internal(format!("service day: {e}")))?;
        let service = luot_domain::ServiceCode::parse(&r.service)?;
        let same = out.last().is_some_and(|l: &NoticeCount| {
            l.day == day && l.service == service && l.threshold == r.threshold
        });
        if !same {
            out.push(NoticeCount {
                day,
                service,
                threshold: r.threshold.clone(),
                sent: 0,
                failed: 0,
                dropped: 0,
                pending: 0,
            });
        }
        let last = out.last_mut().expect("pushed above");
        let n = r.n.max(0) as u32;
        match r.status.as_str() {
            "sent" => last.sent += n,
            "failed" => last.failed += n,
            "dropped" => last.dropped += n,
            _ => last.pending += n,
        }
    }
    Ok(out)
}

#[async_trait]
impl NoticeStore for SqlStore {
    async fn register_notice(&self, cmd: RegisterNotice) -> Result<TicketNotices> {
        self.writer
            .run(move |c| async move { Ok((register(c, cmd).await?, Vec::new())) }.boxed())
            .await
    }

    async fn withdraw_notice(&self, token: &str) -> Result<()> {
        let token = token.to_owned();
        self.writer
            .run(move |c| async move { Ok((withdraw(c, &token).await?, Vec::new())) }.boxed())
            .await
    }

    async fn ticket_notices(&self, token: &str) -> Result<TicketNotices> {
        let mut c = self.read().await?;
        let t = ticket(&mut c, token).await?;
        of_ticket(&mut c, &t).await
    }

    async fn notifier(&self, centre: &CentreCode) -> Result<Option<Notifier>> {
        let mut c = self.read().await?;
        let centre = rows::centre(&mut c, centre).await?;
        notifier_of(&mut c, centre.id).await
    }

    async fn set_notifier(
        &self,
        mut ctx: crate::AdminCtx,
        notifier: Option<Notifier>,
    ) -> Result<()> {
        self.writer
            .run_audited(ctx.audit.take(), move |c| {
                async move {
                    let centre = rows::centre(c, &ctx.centre).await?;
                    match notifier {
                        Some(n) => {
                            sqlx::query(
                                "INSERT INTO notifiers (centre_id, kind, config, updated_at, \
                                 updated_by) VALUES ($1, $2, $3, $4, $5) \
                                 ON CONFLICT (centre_id) DO UPDATE SET kind = excluded.kind, \
                                 config = excluded.config, updated_at = excluded.updated_at, \
                                 updated_by = excluded.updated_by",
                            )
                            .bind(centre.id)
                            .bind(n.channel.kind())
                            .bind(serde_json::to_string(&n)?)
                            .bind(micros(ctx.now))
                            .bind(&ctx.actor)
                            .execute(&mut *c)
                            .await?;
                        }
                        None => {
                            sqlx::query("DELETE FROM notifiers WHERE centre_id = $1")
                                .bind(centre.id)
                                .execute(&mut *c)
                                .await?;
                        }
                    }
                    Ok(((), Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn enqueue_notices(&self, now: Timestamp) -> Result<u32> {
        let (todo, stale) = {
            let mut c = self.read().await?;
            let stale: Option<i64> = sqlx::query_scalar(
                "SELECT ticket_id FROM notice_phones WHERE created_at < $1 LIMIT 1",
            )
            .bind(micros(now) - PHONE_MAX_AGE.as_micros() as i64)
            .fetch_optional(&mut *c)
            .await?;
            (reached(&mut c, now).await?, stale.is_some())
        };
        if todo.is_empty() && !stale {
            return Ok(0);
        }
        self.writer
            .run(move |c| async move { Ok((create(c, todo, now).await?, Vec::new())) }.boxed())
            .await
    }

    async fn due_notices(&self, now: Timestamp, limit: u32) -> Result<Vec<DueNotice>> {
        let any: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM turn_notices WHERE status = 'pending' AND next_attempt_at <= $1 LIMIT 1",
        )
        .bind(micros(now))
        .fetch_optional(&mut *self.read().await?)
        .await?;
        if any.is_none() {
            return Ok(Vec::new());
        }
        self.writer
            .run(move |c| async move { Ok((due(c, now, limit).await?, Vec::new())) }.boxed())
            .await
    }

    async fn record_notice(&self, id: i64, result: NoticeResult, now: Timestamp) -> Result<()> {
        self.writer
            .run(move |c| {
                async move { Ok((record(c, id, result, now).await?, Vec::new())) }.boxed()
            })
            .await
    }

    async fn notice_report(
        &self,
        centre: &CentreCode,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<Vec<NoticeCount>> {
        report(&mut *self.read().await?, centre, from, to).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_to_a_minute() {
        let s: Vec<u64> = (1..=9).map(|n| super::backoff(n).as_secs()).collect();
        assert_eq!(s, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
