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
    let payload = serde_json::to_string(&kind)?;
    let id = row(
        c,
        "INSERT INTO events (centre_id, kind, ticket_id, counter_id, actor, at, payload) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        args![
            centre.id,
            kind.name(),
            ticket_id,
            counter_id,
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
    struct Logged {
        id: i64,
        at: i64,
        payload: String,
    }
    let rows: Vec<Logged> = sqlx::query_as(
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
