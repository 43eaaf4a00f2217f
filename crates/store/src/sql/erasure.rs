//! Erasure on request: one person's data at one centre, found by the phone or
//! the ID number they gave (see `RetentionStore::erase_person`). Everything
//! that names a citizen hangs off their bookings: the booking's own fields,
//! and through its ticket the rating comment, the transfer note and the phone
//! left for turn notices; a phone left for notices without a booking is found
//! by itself. The
//! figures (ticket times, rating levels) stay.

use luot_domain::EventKind;
use sqlx::AnyConnection;

use super::auth::insert_audit;
use super::booking::ERASE_PERSONAL;
use super::events;
use super::rows::{self, micros};
use crate::retention::{Erased, Person};
use crate::{AdminCtx, Result};

#[derive(sqlx::FromRow)]
struct Match {
    id: i64,
    status: String,
    service_id: i64,
    slot_start: i64,
    ticket_id: Option<i64>,
}

fn count(done: sqlx::any::AnyQueryResult) -> u32 {
    u32::try_from(done.rows_affected()).unwrap_or(u32::MAX)
}

/// The erasure itself, in the writer's transaction, with its audit entry.
pub async fn erase_person(
    c: &mut AnyConnection,
    ctx: AdminCtx,
    person: Person,
    key: crate::id_key::IdKey,
) -> Result<(Erased, Vec<luot_domain::Event>)> {
    let centre = rows::centre(c, &ctx.centre).await?;
    let (column, value) = match &person {
        Person::Phone(p) => ("phone", p.as_str().to_owned()),
        Person::IdNumber(id) => ("id_hash", key.hash(id)),
    };
    let found: Vec<Match> = sqlx::query_as(&format!(
        "SELECT id, status, service_id, slot_start, ticket_id FROM appointments \
         WHERE centre_id = $1 AND {column} = $2 ORDER BY id"
    ))
    .bind(centre.id)
    .bind(&value)
    .fetch_all(&mut *c)
    .await?;
    let now = ctx.now;
    let mut erased = Erased::default();
    let mut events = Vec::new();
    for m in &found {
        // A booking still to come cannot be kept for someone no longer named:
        // it is cancelled and its place freed, as a cancellation would.
        let cancel = m.status == "booked";
        let set_status = if cancel {
            ", status = 'cancelled', cancelled_at = $1"
        } else {
            ""
        };
        let done = sqlx::query(&format!(
            "UPDATE appointments SET {ERASE_PERSONAL}{set_status} WHERE id = $2"
        ))
        .bind(micros(now))
        .bind(m.id)
        .execute(&mut *c)
        .await?;
        erased.bookings += count(done);
        if cancel {
            sqlx::query(
                "UPDATE slot_counts SET booked = booked - 1 \
                 WHERE service_id = $1 AND slot_start = $2 AND booked > 0",
            )
            .bind(m.service_id)
            .bind(m.slot_start)
            .execute(&mut *c)
            .await?;
        }
        if let Some(ticket) = m.ticket_id {
            let done = sqlx::query("DELETE FROM notice_phones WHERE ticket_id = $1")
                .bind(ticket)
                .execute(&mut *c)
                .await?;
            erased.notice_phones += count(done);
            let done = sqlx::query(
                "UPDATE feedback SET comment = NULL WHERE ticket_id = $1 AND comment IS NOT NULL",
            )
            .bind(ticket)
            .execute(&mut *c)
            .await?;
            erased.comments += count(done);
            let done = sqlx::query(
                "UPDATE tickets SET transfer_note = NULL WHERE id = $1 AND transfer_note IS NOT NULL",
            )
            .bind(ticket)
            .execute(&mut *c)
            .await?;
            erased.transfer_notes += count(done);
        }
    }
    if let Person::Phone(p) = &person {
        // A phone left at the kiosk or on a ticket's page, with no booking.
        let done = sqlx::query("DELETE FROM notice_phones WHERE centre_id = $1 AND phone = $2")
            .bind(centre.id)
            .bind(p.as_str())
            .execute(&mut *c)
            .await?;
        erased.notice_phones += count(done);
    }
    if found.iter().any(|m| m.status == "booked") {
        // Counter consoles refetch today's bookings.
        let e = events::append(
            c,
            &centre,
            EventKind::BookingChanged,
            None,
            None,
            &ctx.actor,
            now,
        )
        .await?;
        events.push(e);
    }
    if let Some(mut entry) = ctx.audit {
        if let serde_json::Value::Object(map) = &mut entry.details {
            map.insert("erased".into(), serde_json::to_value(erased)?);
        }
        insert_audit(c, &entry, &[]).await?;
    }
    Ok((erased, events))
}
