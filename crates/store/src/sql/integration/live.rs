//! Live figures of a centre today: per service the queue (from the queue
//! snapshot's overview), the longest wait so far, the share called within
//! the service's target wait and the share served within its target service
//! time; per counter whether it is serving, idle or paused.
//! Public: counts and minutes only.

use jiff::Timestamp;
use luot_domain::CounterState;
use sqlx::AnyConnection;

use crate::integration::*;
use crate::sql::{queue, rows};
use crate::Result;

const MINUTE: i64 = 60_000_000;

/// One service's day so far, in one grouped read.
#[derive(sqlx::FromRow)]
struct Day {
    service_id: i64,
    /// Earliest place in time of a ticket still waiting (the later of issue
    /// and slot start: an appointment waits from its slot).
    oldest_waiting: Option<i64>,
    called: i64,
    called_in_target: i64,
    served: i64,
    /// Served tickets whose service has a target service time, and those
    /// served within it.
    served_with_target: i64,
    served_in_target: i64,
    no_shows: i64,
}

pub async fn stats(
    c: &mut AnyConnection,
    code: &luot_domain::CentreCode,
    now: Timestamp,
) -> Result<LiveStats> {
    let centre = rows::centre(c, code).await?;
    let day = luot_domain::service_day(now, &centre.tz()?).to_string();
    let overview = queue::services(c, &centre, now).await?;
    let days: Vec<Day> = sqlx::query_as(concat!(
        "SELECT t.service_id, \
         MIN(CASE WHEN t.status IN ('waiting', 'transferred') THEN \
             (CASE WHEN t.queued_at > t.issued_at THEN t.queued_at ELSE t.issued_at END) END) \
             AS oldest_waiting, \
         SUM(CASE WHEN t.called_at IS NOT NULL THEN 1 ELSE 0 END) AS called, \
         SUM(CASE WHEN ",
        rows::called_within_target_sql!(),
        " THEN 1 ELSE 0 END) AS called_in_target, \
         SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END) AS served, \
         SUM(CASE WHEN ",
        rows::served_with_target_sql!(),
        " THEN 1 ELSE 0 END) AS served_with_target, \
         SUM(CASE WHEN ",
        rows::served_within_target_sql!(),
        " THEN 1 ELSE 0 END) AS served_in_target, \
         SUM(CASE WHEN t.status = 'no_show' THEN 1 ELSE 0 END) AS no_shows \
         FROM tickets t JOIN services s ON s.id = t.service_id \
         WHERE t.centre_id = $1 AND t.service_day = $2 GROUP BY t.service_id"
    ))
    .bind(centre.id)
    .bind(&day)
    .fetch_all(&mut *c)
    .await?;
    let services_rows = rows::services(c, centre.id).await?;
    let now_us = rows::micros(now);
    let mut services = Vec::with_capacity(overview.len());
    for o in overview.into_iter().filter(|o| o.active) {
        let Some(row) = services_rows.iter().find(|r| r.code == o.code.as_str()) else {
            continue;
        };
        let d = days.iter().find(|d| d.service_id == row.id);
        let longest = d
            .and_then(|d| d.oldest_waiting)
            .map_or(0, |t| ((now_us - t).max(0) / MINUTE) as u32);
        let target = row.target_wait_minutes.map(|m| m as u32);
        let within = match (target, d) {
            (Some(_), Some(d)) if d.called > 0 => {
                Some((d.called_in_target as f64 * 1000.0 / d.called as f64).round() / 10.0)
            }
            _ => None,
        };
        let service_share = d.map_or_else(Default::default, |d| {
            crate::ServiceTargetShare::new(d.served_with_target as u32, d.served_in_target as u32)
        });
        services.push(LiveService {
            service: o.code,
            name: o.name,
            name_en: o.name_en,
            waiting: o.waiting,
            eta_minutes: o.eta_minutes,
            longest_wait_minutes: longest,
            target_wait_minutes: target,
            within_target_percent: within,
            target_service_minutes: row.target_service_minutes.map(|m| m as u32),
            service_within_target_percent: service_share.percent,
            over_target: target.is_some_and(|t| o.waiting > 0 && longest > t),
            served_today: d.map_or(0, |d| d.served as u32),
            no_shows_today: d.map_or(0, |d| d.no_shows as u32),
        });
    }
    let counter_rows: Vec<rows::CounterRow> = sqlx::query_as(
        "SELECT id, number, name, state, current_ticket_id FROM counters WHERE centre_id = $1 \
         ORDER BY number",
    )
    .bind(centre.id)
    .fetch_all(&mut *c)
    .await?;
    let counters = counter_rows
        .iter()
        .map(|k| LiveCounter {
            counter: k.number(),
            name: k.name.clone(),
            activity: match (k.state(), k.current_ticket_id) {
                (CounterState::Closed, _) => "closed",
                (_, Some(_)) => "serving",
                (CounterState::Paused, None) => "paused",
                (CounterState::Open, None) => "idle",
            }
            .into(),
        })
        .collect();
    Ok(LiveStats {
        centre: centre.config.code.clone(),
        at: now,
        services,
        counters,
    })
}
