//! Appending to and reading the event log. Appends happen inside the command's
//! transaction; the writer publishes them after the commit.

use jiff::Timestamp;
use luot_domain::{CentreCode, Event, EventKind};
use sqlx::AnyConnection;

use super::rows::{micros, ts, CentreRow};
use super::tx::{args, row, Tx};
use crate::Result;

/// Appends one event; the returned event carries its id.
pub async fn append<C: Tx + ?Sized>(
    c: &mut C,
    centre: &CentreRow,
    kind: EventKind,
    ticket_id: Option<i64>,
    counter_id: Option<i64>,
    actor: &str,
    now: Timestamp,
) -> Result<Event> {
    let logged = Logged {
        kind: kind.name(),
        ticket: ticket_id,
        counter: counter_id,
        appointment: None,
    };
    append_logged(c, centre, kind, logged, actor, now).await
}

/// What the log row keeps beside the event's payload: its kind (the
/// event's name unless a finer one is given, as for bookings made and
/// cancelled) and what it concerns.
#[derive(Default)]
pub struct Logged<'a> {
    pub kind: &'a str,
    pub ticket: Option<i64>,
    pub counter: Option<i64>,
    pub appointment: Option<i64>,
}

/// [`append`], with the log row's columns given in full, in one statement.
pub async fn append_logged<C: Tx + ?Sized>(
    c: &mut C,
    centre: &CentreRow,
    kind: EventKind,
    logged: Logged<'_>,
    actor: &str,
    now: Timestamp,
) -> Result<Event> {
    let payload = serde_json::to_string(&kind)?;
    let id = row(
        c,
        "INSERT INTO events (centre_id, kind, ticket_id, counter_id, appointment_id, actor, at, \
         payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        args![
            centre.id,
            logged.kind,
            logged.ticket,
            logged.counter,
            logged.appointment,
            actor,
            micros(now),
            payload
        ],
        |r| r.int(0),
        "event",
    )
    .await?;
    Ok(Event {
        id,
        centre: centre.config.code.clone(),
        at: now,
        kind,
    })
}

pub async fn after(
    c: &mut AnyConnection,
    centre_id: i64,
    code: &CentreCode,
    after: i64,
    limit: u32,
) -> Result<Vec<Event>> {
    #[derive(sqlx::FromRow)]
    struct Stored {
        id: i64,
        at: i64,
        payload: String,
    }
    let rows: Vec<Stored> = sqlx::query_as(
        "SELECT id, at, payload FROM events WHERE centre_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(centre_id)
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Event {
                id: r.id,
                centre: code.clone(),
                at: ts(r.at),
                kind: serde_json::from_str(&r.payload)?,
            })
        })
        .collect()
}

/// The newest event id of a centre (0 when none).
pub async fn last_id(c: &mut AnyConnection, centre_id: i64) -> Result<i64> {
    let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM events WHERE centre_id = $1")
        .bind(centre_id)
        .fetch_one(&mut *c)
        .await?;
    Ok(id.unwrap_or(0))
}
