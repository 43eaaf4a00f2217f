//! The end of the service day: tickets still waiting, transferred or called
//! when their day ended become `expired`, stamped with the moment the day
//! ended, leave their counter and append `ticket_expired` (the board and the
//! status pages follow it). Run by the server's housekeeping at every round
//! and at start-up, so a server that was down over the boundary catches up.

use jiff::{civil::Date, Timestamp};
use luot_domain::{day, ticket::transition, Action, CounterNumber, EventKind};
use sqlx::AnyConnection;

use super::{booking::settings, events, rows::*};
use crate::{Error, Result};

/// Most tickets one call expires: the writer's transaction stays short; the
/// caller calls again while it gets a full batch.
pub const EXPIRE_BATCH: u32 = 500;

#[derive(sqlx::FromRow)]
struct Live {
    id: i64,
    number: String,
    status: String,
    service_day: String,
    /// The counter of a called ticket.
    counter: Option<i64>,
}

/// When the service day `date` of `centre` ends (see `luot_domain::day`).
pub fn day_end(
    centre: &CentreRow,
    services: &[ServiceRow],
    holidays: &[Date],
    date: Date,
    keep_hours: bool,
) -> Result<Timestamp> {
    let tz = centre.tz()?;
    if !(keep_hours && centre.config.enforce_hours) {
        return Ok(day::day_end(date, None, &tz));
    }
    let mut hours = vec![centre.config.hours.clone()];
    for s in services.iter().filter(|s| s.active != 0) {
        hours.push(s.hours(&centre.config)?);
    }
    let closing = day::closing_time(hours.iter(), date, holidays);
    Ok(day::day_end(date, closing, &tz))
}

/// Expires, over every centre, at most [`EXPIRE_BATCH`] tickets whose service
/// day ended by `now`. `keep_hours`: a centre that enforces its hours ends the
/// day at closing time; false (`--always-open`) ends every day at midnight.
pub async fn expire(
    c: &mut AnyConnection,
    now: Timestamp,
    keep_hours: bool,
) -> Result<(u32, Vec<luot_domain::Event>)> {
    let codes: Vec<(String,)> = sqlx::query_as("SELECT code FROM centres ORDER BY id")
        .fetch_all(&mut *c)
        .await?;
    let mut out = Vec::new();
    for (code,) in codes {
        let centre = centre(c, &luot_domain::CentreCode::parse(&code)?).await?;
        let tz = centre.tz()?;
        let today = luot_domain::service_day(now, &tz);
        let services = services(c, centre.id).await?;
        let holidays: Vec<Date> = settings::holidays(c, centre.id)
            .await?
            .into_iter()
            .map(|h| h.date)
            .collect();
        for svc in &services {
            // The (service_id, status, ...) index finds the live tickets.
            let live: Vec<Live> = sqlx::query_as(
                "SELECT t.id, t.number, t.status, t.service_day, \
                 CASE WHEN t.status = 'called' THEN k.number END AS counter \
                 FROM tickets t LEFT JOIN counters k ON k.id = t.counter_id \
                 WHERE t.service_id = $1 AND t.status IN ('waiting', 'transferred', 'called') \
                 AND t.service_day <= $2 ORDER BY t.id LIMIT $3",
            )
            .bind(svc.id)
            .bind(today.to_string())
            .bind(i64::from(EXPIRE_BATCH))
            .fetch_all(&mut *c)
            .await?;
            for t in live {
                let date: Date = t.service_day.parse().map_err(|e| {
                    Error::Internal(format!("stored service day `{}`: {e}", t.service_day))
                })?;
                let end = day_end(&centre, &services, &holidays, date, keep_hours)?;
                if now < end {
                    continue;
                }
                let to = transition(status_of(&t.status)?, Action::Expire)?;
                sqlx::query("UPDATE tickets SET status = $1, finished_at = $2 WHERE id = $3")
                    .bind(to.as_str())
                    .bind(micros(end))
                    .bind(t.id)
                    .execute(&mut *c)
                    .await?;
                sqlx::query(
                    "UPDATE counters SET current_ticket_id = NULL WHERE current_ticket_id = $1",
                )
                .bind(t.id)
                .execute(&mut *c)
                .await?;
                let kind = EventKind::TicketExpired {
                    number: t.number,
                    service: svc.code(),
                    counter: t.counter.map(CounterNumber::new).transpose()?,
                };
                out.push(events::append(c, &centre, kind, Some(t.id), None, "system", now).await?);
                if out.len() as u32 >= EXPIRE_BATCH {
                    return Ok((out.len() as u32, out));
                }
            }
        }
    }
    Ok((out.len() as u32, out))
}
