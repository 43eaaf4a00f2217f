//! Webhooks over SQL (migration 0018). The outbox is the event log: each hook
//! remembers the last event id it handed on (`last_event_id`); the next event it
//! subscribes to becomes a delivery row with its id and the exact body to send.
//! A hook has at most one pending delivery, so its deliveries leave in event
//! order. Claiming a delivery pushes its `next_attempt_at` ahead by the lease,
//! through the writer, so two processes never send one delivery at once.

use jiff::Timestamp;
use luot_domain::CentreCode;
use serde_json::json;
use sqlx::AnyConnection;

use super::dossiers;
use crate::integration::*;
use crate::sql::rows::{self, micros, ts};
use crate::{Error, Result};

/// Events read per hook per pass while looking for the next one it wants.
const SCAN: i64 = 200;
/// Deliveries listed per hook on the admin page.
const SHOWN: i64 = 20;

#[derive(sqlx::FromRow)]
struct HookRow {
    id: i64,
    centre_id: i64,
    url: String,
    events: String,
    last_event_id: i64,
    created_at: i64,
    personal_data: i64,
}

const HOOK: &str =
    "SELECT id, centre_id, url, events, last_event_id, created_at, personal_data FROM webhooks";

pub async fn create(c: &mut AnyConnection, ctx: &crate::AdminCtx, hook: NewWebhook) -> Result<i64> {
    let centre = rows::centre(c, &ctx.centre).await?;
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM webhooks WHERE centre_id = $1 AND active = 1")
            .bind(centre.id)
            .fetch_one(&mut *c)
            .await?;
    if count as usize >= MAX_WEBHOOKS_PER_CENTRE {
        return Err(luot_domain::Error::invalid(
            "url",
            format!("at most {MAX_WEBHOOKS_PER_CENTRE} webhooks per centre"),
        )
        .into());
    }
    // A new hook starts from now: it is not sent the centre's whole history.
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM events")
        .fetch_one(&mut *c)
        .await?;
    Ok(sqlx::query_scalar(
        "INSERT INTO webhooks (centre_id, url, events, secret, active, last_event_id, \
         created_at, created_by, personal_data) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8) \
         RETURNING id",
    )
    .bind(centre.id)
    .bind(&hook.url)
    .bind(serde_json::to_string(&hook.events)?)
    .bind(&hook.secret)
    .bind(last.unwrap_or(0))
    .bind(micros(ctx.now))
    .bind(&ctx.actor)
    .bind(i64::from(hook.personal_data))
    .fetch_one(&mut *c)
    .await?)
}

pub async fn delete(c: &mut AnyConnection, centre: &CentreCode, id: i64) -> Result<()> {
    let centre = rows::centre(c, centre).await?;
    let done = sqlx::query(
        "UPDATE webhooks SET active = 0 WHERE id = $1 AND centre_id = $2 AND active = 1",
    )
    .bind(id)
    .bind(centre.id)
    .execute(&mut *c)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("webhook"));
    }
    // Nothing more leaves for a deleted hook.
    sqlx::query(
        "UPDATE webhook_deliveries SET status = 'failed', last_error = 'webhook deleted', \
         body = '' WHERE webhook_id = $1 AND status = 'pending'",
    )
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    delivery: String,
    event: String,
    status: String,
    attempts: i64,
    response_status: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
    delivered_at: Option<i64>,
}

pub async fn list(c: &mut AnyConnection, centre: &CentreCode) -> Result<Vec<Webhook>> {
    let centre = rows::centre(c, centre).await?;
    let hooks: Vec<HookRow> = sqlx::query_as(&format!(
        "{HOOK} WHERE centre_id = $1 AND active = 1 ORDER BY id"
    ))
    .bind(centre.id)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::with_capacity(hooks.len());
    for h in hooks {
        let deliveries: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT delivery, event, status, attempts, response_status, last_error, created_at, \
             delivered_at FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(h.id)
        .bind(SHOWN)
        .fetch_all(&mut *c)
        .await?;
        out.push(Webhook {
            id: h.id,
            url: h.url,
            events: serde_json::from_str(&h.events)?,
            personal_data: h.personal_data != 0,
            created_at: ts(h.created_at),
            deliveries: deliveries
                .into_iter()
                .map(|d| DeliveryView {
                    delivery: d.delivery,
                    event: d.event,
                    status: d.status,
                    attempts: d.attempts as u32,
                    response_status: d.response_status.map(|s| s as u16),
                    last_error: d.last_error,
                    created_at: ts(d.created_at),
                    delivered_at: d.delivered_at.map(ts),
                })
                .collect(),
        });
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    ticket_id: Option<i64>,
    appointment_id: Option<i64>,
    at: i64,
    payload: String,
}

/// Turns each active hook's next subscribed event into a pending delivery
/// (when it has none pending), then leases every delivery due by `now`.
pub async fn due(c: &mut AnyConnection, now: Timestamp, limit: u32) -> Result<Vec<DueDelivery>> {
    let hooks: Vec<HookRow> = sqlx::query_as(&format!("{HOOK} WHERE active = 1 ORDER BY id"))
        .fetch_all(&mut *c)
        .await?;
    for h in &hooks {
        let pending: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM webhook_deliveries WHERE webhook_id = $1 AND status = 'pending' LIMIT 1",
        )
        .bind(h.id)
        .fetch_optional(&mut *c)
        .await?;
        if pending.is_none() {
            enqueue_next(c, h, now).await?;
        }
    }
    #[derive(sqlx::FromRow)]
    struct DueRow {
        id: i64,
        url: String,
        secret: String,
        delivery: String,
        event: String,
        body: String,
        attempts: i64,
    }
    let due: Vec<DueRow> = sqlx::query_as(
        "SELECT d.id, h.url, h.secret, d.delivery, d.event, d.body, d.attempts \
         FROM webhook_deliveries d JOIN webhooks h ON h.id = d.webhook_id \
         WHERE d.status = 'pending' AND h.active = 1 AND d.next_attempt_at <= $1 \
         ORDER BY d.id LIMIT $2",
    )
    .bind(micros(now))
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await?;
    let lease = micros(now) + ATTEMPT_LEASE.as_micros() as i64;
    let mut out = Vec::with_capacity(due.len());
    for d in due {
        sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = $2")
            .bind(lease)
            .bind(d.id)
            .execute(&mut *c)
            .await?;
        out.push(DueDelivery {
            id: d.id,
            url: d.url,
            secret: d.secret,
            delivery: d.delivery,
            event: d.event,
            body: d.body,
            attempts: d.attempts as u32,
        });
    }
    Ok(out)
}

/// Finds the hook's next subscribed event after its cursor and makes it a
/// delivery; moves the cursor past what the hook does not want.
async fn enqueue_next(c: &mut AnyConnection, h: &HookRow, now: Timestamp) -> Result<()> {
    let wanted: Vec<String> = serde_json::from_str(&h.events)?;
    let events: Vec<EventRow> = sqlx::query_as(
        "SELECT id, kind, ticket_id, appointment_id, at, payload FROM events \
         WHERE centre_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(h.centre_id)
    .bind(h.last_event_id)
    .bind(SCAN)
    .fetch_all(&mut *c)
    .await?;
    let Some(last) = events.last().map(|e| e.id) else {
        return Ok(());
    };
    let next = events
        .into_iter()
        .find(|e| webhook_event_of(&e.kind).is_some_and(|name| wanted.iter().any(|w| w == name)));
    let cursor = next.as_ref().map_or(last, |e| e.id);
    if let Some(e) = next {
        let name = webhook_event_of(&e.kind).expect("filtered above");
        let delivery = uuid::Uuid::new_v4().to_string();
        let body = payload(c, h, &e, name, &delivery).await?;
        sqlx::query(
            "INSERT INTO webhook_deliveries (webhook_id, event_id, delivery, event, body, status, \
             attempts, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)",
        )
        .bind(h.id)
        .bind(e.id)
        .bind(&delivery)
        .bind(name)
        .bind(body)
        .bind(micros(now))
        .execute(&mut *c)
        .await?;
    }
    sqlx::query("UPDATE webhooks SET last_event_id = $1 WHERE id = $2 AND last_event_id < $1")
        .bind(cursor)
        .bind(h.id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The JSON body of one delivery: the event as the stream has it (numbers,
/// service and counter codes), the centre, and the ticket's dossier codes; for
/// a booking event, the booking (see [`booking_data`]). No personal data
/// unless the hook is allowed it: events carry none, and dossier codes
/// identify a matter, not a person.
async fn payload(
    c: &mut AnyConnection,
    h: &HookRow,
    e: &EventRow,
    name: &str,
    delivery: &str,
) -> Result<String> {
    let code: String = sqlx::query_scalar("SELECT code FROM centres WHERE id = $1")
        .bind(h.centre_id)
        .fetch_one(&mut *c)
        .await?;
    let mut data: serde_json::Value = match e.appointment_id {
        Some(a) => booking_data(c, a, h.personal_data != 0).await?,
        None => serde_json::from_str(&e.payload)?,
    };
    if let Some(obj) = data.as_object_mut() {
        obj.remove("type");
        if let Some(ticket) = e.ticket_id {
            obj.insert(
                "dossier_codes".into(),
                json!(dossiers::codes_for_payload(c, ticket).await?),
            );
        }
    }
    Ok(json!({
        "delivery": delivery,
        "event": name,
        "event_id": e.id,
        "centre": code,
        "occurred_at": ts(e.at),
        "data": data,
    })
    .to_string())
}

#[derive(sqlx::FromRow)]
struct BookingRow {
    id: i64,
    service: String,
    slot_start: i64,
    slot_end: i64,
    status: String,
    code: String,
    name: String,
    phone: String,
}

/// A booking event's data: the booking's id (the same in `booking.created`
/// and `booking.cancelled`), service, slot and status; with the hook allowed
/// personal data, also the booking code, name and phone (empty once the
/// booking is anonymised: read when the delivery is made, so an erasure
/// before it wins).
async fn booking_data(c: &mut AnyConnection, id: i64, personal: bool) -> Result<serde_json::Value> {
    let b: BookingRow = sqlx::query_as(
        "SELECT a.id, s.code AS service, a.slot_start, a.slot_end, a.status, a.code, a.name, \
         a.phone FROM appointments a JOIN services s ON s.id = a.service_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await?;
    let mut data = json!({
        "booking": b.id,
        "service": b.service,
        "slot_start": ts(b.slot_start),
        "slot_end": ts(b.slot_end),
        "status": b.status,
    });
    if personal {
        let shown = |s: String| (!s.is_empty()).then_some(s);
        data["code"] = json!(b.code);
        data["name"] = json!(shown(b.name));
        data["phone"] = json!(shown(b.phone));
    }
    Ok(data)
}

pub async fn record(
    c: &mut AnyConnection,
    id: i64,
    result: AttemptResult,
    now: Timestamp,
) -> Result<()> {
    let outcome = match result {
        AttemptResult::Delivered { status } => Ok(status),
        AttemptResult::Failed { status, error } => Err((status, error)),
    };
    super::super::outbox::record_attempt(c, &DELIVERIES, id, outcome, now).await?;
    // A body that may hold personal data is kept only while it may be sent
    // again: once delivered or given up, it is emptied.
    sqlx::query(
        "UPDATE webhook_deliveries SET body = '' WHERE id = $1 AND status <> 'pending' \
         AND webhook_id IN (SELECT id FROM webhooks WHERE personal_data = 1)",
    )
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

const DELIVERIES: super::super::outbox::Outbox = super::super::outbox::Outbox {
    table: "webhook_deliveries",
    done_status: "delivered",
    done_at: "delivered_at",
    retry_for: RETRY_FOR,
    backoff,
};

/// The wait before attempt `n + 1`: 1 s doubling to 15 minutes, so a receiver
/// down for a day still gets about a hundred attempts, spaced out.
pub fn backoff(attempts: u32) -> std::time::Duration {
    let secs = 1u64 << attempts.saturating_sub(1).min(10);
    std::time::Duration::from_secs(secs.min(15 * 60))
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_to_a_ceiling() {
        let s: Vec<u64> = (1..=12).map(|n| super::backoff(n).as_secs()).collect();
        assert_eq!(s, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
    }
}
