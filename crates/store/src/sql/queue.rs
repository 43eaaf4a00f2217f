//! The live picture of a centre: services with waiting counts and ETAs, counters
//! with their current tickets, the waiting list in call order, and the last calls.

use jiff::Timestamp;
use luot_domain::{Channel, CounterNumber, EventKind, ServiceCode};
use sqlx::AnyConnection;

use super::{
    events,
    rows::{self, *},
    tickets,
};
use crate::{model::*, Result};

/// Tickets of `service` issued through `channel` on the service day of `now`
/// (every number of that day, whatever became of it).
pub async fn issued_today(
    c: &mut AnyConnection,
    centre: &CentreRow,
    service: &luot_domain::ServiceCode,
    channel: luot_domain::Channel,
    now: Timestamp,
) -> Result<u32> {
    let day = luot_domain::service_day(now, &centre.tz()?).to_string();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets t JOIN services s ON s.id = t.numbered_service_id \
         WHERE t.centre_id = $1 AND t.service_day = $2 AND s.code = $3 AND t.channel = $4",
    )
    .bind(centre.id)
    .bind(&day)
    .bind(service.as_str())
    .bind(channel.as_str())
    .fetch_one(&mut *c)
    .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

pub async fn services(
    c: &mut AnyConnection,
    centre: &CentreRow,
    now: Timestamp,
) -> Result<Vec<ServiceOverview>> {
    let tz = centre.tz()?;
    let local = now.to_zoned(tz.clone()).datetime();
    let day = luot_domain::service_day(now, &tz).to_string();
    let waiting: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT service_id, COUNT(*) FROM tickets WHERE centre_id = $1 AND service_day = $2 \
         AND status IN ('waiting', 'transferred') GROUP BY service_id",
    )
    .bind(centre.id)
    .bind(&day)
    .fetch_all(&mut *c)
    .await?;
    let issued: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT d.service_id, d.last_seq - s.start_number + 1 FROM daily_sequences d \
         JOIN services s ON s.id = d.service_id WHERE s.centre_id = $1 AND d.service_day = $2",
    )
    .bind(centre.id)
    .bind(&day)
    .fetch_all(&mut *c)
    .await?;
    let lookup =
        |rows: &[(i64, i64)], id: i64| rows.iter().find(|r| r.0 == id).map_or(0, |r| r.1 as u32);
    let holidays: Vec<jiff::civil::Date> = super::booking::settings::holidays(c, centre.id)
        .await?
        .into_iter()
        .map(|h| h.date)
        .collect();
    let mut out = Vec::new();
    for s in rows::services(c, centre.id).await? {
        let n_waiting = lookup(&waiting, s.id);
        let issued_today = lookup(&issued, s.id);
        let open_counters: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM counter_services cs JOIN counters k ON k.id = cs.counter_id \
             WHERE cs.service_id = $1 AND k.state = 'open'",
        )
        .bind(s.id)
        .fetch_one(&mut *c)
        .await?;
        let eta = tickets::estimate(c, s.id, &day, s.mean_service_minutes, n_waiting).await?;
        let hours = s.hours(&centre.config)?;
        let open_now = hours.is_open(local) && !holidays.contains(&local.date());
        let enforced = centre.config.enforce_hours;
        let opens_at = (enforced && !open_now)
            .then(|| luot_domain::day::next_opening(&hours, &holidays, now, &tz))
            .flatten();
        let capped = s
            .daily_cap
            .is_some_and(|cap| i64::from(issued_today) >= cap);
        out.push(ServiceOverview {
            code: s.code(),
            prefix: s.prefix.clone(),
            name: s.name.clone(),
            name_en: s.name_en.clone(),
            examples: serde_json::from_str(&s.examples)?,
            note: s.note.clone(),
            short_name: s.short_name.clone(),
            short_name_en: s.short_name_en.clone(),
            active: s.active != 0,
            accepting: s.active != 0 && !capped && (open_now || !enforced),
            opens_at,
            open_now,
            capped,
            waiting: n_waiting,
            open_counters: open_counters as u32,
            eta_minutes: eta,
            issued_today,
            daily_cap: s.daily_cap.map(|c| c as u32),
        });
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct WaitingRow {
    number: String,
    service_code: String,
    priority: Option<String>,
    channel: String,
    status: String,
    target_number: Option<i64>,
    issued_at: i64,
    slot_start: Option<i64>,
}

/// How many waiting tickets a snapshot lists; the counts are always complete.
const WAITING_LIST_LIMIT: i64 = 500;

pub async fn snapshot(
    c: &mut AnyConnection,
    code: &luot_domain::CentreCode,
    now: Timestamp,
) -> Result<QueueSnapshot> {
    let centre = centre(c, code).await?;
    let last_event_id = events::last_id(c, centre.id).await?;
    let services = services(c, &centre, now).await?;
    let counter_rows: Vec<CounterRow> = sqlx::query_as(
        "SELECT id, number, name, state, current_ticket_id FROM counters WHERE centre_id = $1 ORDER BY number",
    )
    .bind(centre.id)
    .fetch_all(&mut *c)
    .await?;
    let mut counters = Vec::new();
    for k in &counter_rows {
        counters.push(counter_view(c, k).await?);
    }
    let day = luot_domain::service_day(now, &centre.tz()?).to_string();
    let rows: Vec<WaitingRow> = sqlx::query_as(
        "SELECT t.number, s.code AS service_code, t.priority, t.channel, t.status, tk.number AS target_number, \
         t.issued_at, t.slot_start FROM tickets t JOIN services s ON s.id = t.service_id \
         LEFT JOIN counters tk ON tk.id = t.target_counter_id \
         WHERE t.centre_id = $1 AND t.service_day = $2 AND t.status IN ('waiting', 'transferred') \
         ORDER BY s.sort, \
         CASE WHEN t.slot_start IS NOT NULL AND t.slot_start <= $3 THEN 0 \
         WHEN t.priority IS NOT NULL THEN 1 ELSE 2 END, t.queued_at, t.id LIMIT $4",
    )
    .bind(centre.id)
    .bind(&day)
    .bind(micros(now))
    .bind(WAITING_LIST_LIMIT)
    .fetch_all(&mut *c)
    .await?;
    let waiting = rows
        .into_iter()
        .map(|r| {
            Ok(WaitingTicket {
                number: r.number,
                service: ServiceCode::parse(&r.service_code)?,
                priority: r.priority,
                channel: Channel::parse(&r.channel).unwrap_or(Channel::Kiosk),
                status: status_of(&r.status)?,
                target_counter: r.target_number.map(CounterNumber::new).transpose()?,
                issued_at: ts(r.issued_at),
                slot_start: r.slot_start.map(ts),
                waited_minutes: u32::try_from((micros(now) - r.issued_at).max(0) / 60_000_000)
                    .unwrap_or(u32::MAX),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // Today's calls only: yesterday's A001 is not today's. (Filtered here,
    // not in SQL: with no call yet today, `at >= ...` would scan the log.)
    let tz = centre.tz()?;
    let since = micros(luot_domain::day::day_start(
        luot_domain::service_day(now, &tz),
        &tz,
    ));
    let calls: Vec<(i64, String)> = sqlx::query_as(
        "SELECT at, payload FROM events WHERE centre_id = $1 AND kind IN ('ticket_called', 'ticket_recalled') \
         ORDER BY id DESC LIMIT 10",
    )
    .bind(centre.id)
    .fetch_all(&mut *c)
    .await?;
    let mut last_calls = Vec::new();
    for (at, payload) in calls.into_iter().filter(|(at, _)| *at >= since) {
        match serde_json::from_str::<EventKind>(&payload)? {
            EventKind::TicketCalled {
                number,
                service,
                counter,
            }
            | EventKind::TicketRecalled {
                number,
                service,
                counter,
                ..
            } => last_calls.push(CallView {
                number,
                service,
                counter,
                at: ts(at),
            }),
            _ => {}
        }
    }
    Ok(QueueSnapshot {
        centre: centre.summary(),
        notice: centre.notice.clone(),
        counters,
        services,
        waiting,
        last_calls,
        last_event_id,
    })
}
