//! Reading tickets back: the view a ticket holder sees (position and ETA).
//! Issuing is in issuing/.

use jiff::Timestamp;
use luot_domain::{eta, Channel, CounterNumber, ServiceCode};
use sqlx::AnyConnection;

use super::rows::*;
use super::tx::{args, row, Cols, Tx};
use crate::{model::*, Result};

/// How many recent services feed the mean service time.
pub const RECENT_SERVICES: i64 = 20;

pub struct TicketRow {
    pub id: i64,
    pub service_id: i64,
    pub service_day: String,
    pub number: String,
    pub token: String,
    pub channel: String,
    pub priority: Option<String>,
    pub status: String,
    pub recalls: i64,
    pub slot_start: Option<i64>,
    pub issued_at: i64,
    pub queued_at: i64,
    pub called_at: Option<i64>,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub service_code: String,
    pub service_name: String,
    pub service_name_en: String,
    pub mean_service_minutes: i64,
    pub counter_number: Option<i64>,
    pub centre_code: String,
}

const TICKET_SELECT: &str =
    "SELECT t.id, t.service_id, t.service_day, t.number, t.token, t.channel, \
     t.priority, t.status, t.recalls, t.slot_start, t.issued_at, t.queued_at, t.called_at, \
     t.started_at, t.finished_at, s.code AS service_code, s.name AS service_name, \
     s.name_en AS service_name_en, s.mean_service_minutes, k.number AS counter_number, \
     c.code AS centre_code \
     FROM tickets t JOIN services s ON s.id = t.service_id JOIN centres c ON c.id = t.centre_id \
     LEFT JOIN counters k ON k.id = t.counter_id";

impl TicketRow {
    /// A row of [`TICKET_SELECT`], in its columns' order.
    fn decode(r: &dyn Cols) -> Result<Self> {
        Ok(Self {
            id: r.int(0)?,
            service_id: r.int(1)?,
            service_day: r.text(2)?,
            number: r.text(3)?,
            token: r.text(4)?,
            channel: r.text(5)?,
            priority: r.text_opt(6)?,
            status: r.text(7)?,
            recalls: r.int(8)?,
            slot_start: r.int_opt(9)?,
            issued_at: r.int(10)?,
            queued_at: r.int(11)?,
            called_at: r.int_opt(12)?,
            started_at: r.int_opt(13)?,
            finished_at: r.int_opt(14)?,
            service_code: r.text(15)?,
            service_name: r.text(16)?,
            service_name_en: r.text(17)?,
            mean_service_minutes: r.int(18)?,
            counter_number: r.int_opt(19)?,
            centre_code: r.text(20)?,
        })
    }
}

static BY_ID: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{TICKET_SELECT} WHERE t.id = $1"));
static BY_TOKEN: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{TICKET_SELECT} WHERE t.token = $1"));

pub async fn view<C: Tx + ?Sized>(c: &mut C, ticket_id: i64, now: Timestamp) -> Result<TicketView> {
    let row = row(c, &BY_ID, args![ticket_id], TicketRow::decode, "ticket").await?;
    to_view(c, row, now).await
}

pub async fn by_token<C: Tx + ?Sized>(
    c: &mut C,
    token: &str,
    now: Timestamp,
) -> Result<TicketView> {
    let row = row(c, &BY_TOKEN, args![token], TicketRow::decode, "ticket").await?;
    to_view(c, row, now).await
}

async fn to_view<C: Tx + ?Sized>(c: &mut C, row: TicketRow, now: Timestamp) -> Result<TicketView> {
    let status = status_of(&row.status)?;
    let (position, eta_minutes) = if status.is_waiting() {
        let key = QueueKey {
            id: row.id,
            service_id: row.service_id,
            service_day: row.service_day.clone(),
            priority: row.priority.is_some(),
            slot_start: row.slot_start,
            queued_at: row.queued_at,
        };
        position_and_eta(c, &key, now, row.mean_service_minutes).await?
    } else {
        (0, 0)
    };
    Ok(TicketView {
        number: row.number,
        service: ServiceCode::parse(&row.service_code)?,
        service_name: row.service_name,
        service_name_en: row.service_name_en,
        status,
        priority: row.priority,
        channel: Channel::parse(&row.channel).unwrap_or(Channel::Kiosk),
        token: row.token,
        position,
        eta_minutes,
        counter: row.counter_number.map(CounterNumber::new).transpose()?,
        recalls: row.recalls as u32,
        issued_at: ts(row.issued_at),
        called_at: row.called_at.map(ts),
        started_at: row.started_at.map(ts),
        finished_at: row.finished_at.map(ts),
        centre: luot_domain::CentreCode::parse(&row.centre_code)?,
    })
}

/// Where a waiting ticket stands in its service's queue.
pub struct QueueKey {
    pub id: i64,
    pub service_id: i64,
    pub service_day: String,
    pub priority: bool,
    pub slot_start: Option<i64>,
    pub queued_at: i64,
}

/// The filters of the three call groups at `$3` (see domain::call_order), as
/// the partial indexes of migration 0007 expect them.
pub const APPOINTMENT: &str = "slot_start IS NOT NULL AND slot_start <= $3";
pub const PRIORITY: &str = "priority IS NOT NULL AND (slot_start IS NULL OR slot_start > $3)";
pub const NORMAL: &str = "priority IS NULL AND (slot_start IS NULL OR slot_start > $3)";
const WAITING_IN: &str =
    "FROM tickets WHERE service_id = $1 AND service_day = $2 AND status IN ('waiting', 'transferred')";

/// People ahead of a waiting ticket in its service's queue, in call order
/// (group, queued_at, id), and its ETA, in one statement. Every count reads only
/// a small part of an index: the appointment and priority groups are short, and
/// a normal ticket's position is the queue length (kept by triggers) less those
/// behind it, who are few for the freshly issued ticket this is most often
/// asked about. The ETA needs the open counters and the recent service times.
pub async fn position_and_eta<C: Tx + ?Sized>(
    c: &mut C,
    t: &QueueKey,
    now: Timestamp,
    configured_minutes: i64,
) -> Result<(u32, u32)> {
    let now = micros(now);
    let before = "queued_at <= $4 AND (queued_at < $4 OR id < $5)";
    let after = "queued_at >= $4 AND (queued_at > $4 OR id > $5)";
    let ahead = if t.slot_start.is_some_and(|s| s <= now) {
        format!("(SELECT COUNT(*) {WAITING_IN} AND {APPOINTMENT} AND {before})")
    } else if t.priority {
        format!(
            "(SELECT COUNT(*) {WAITING_IN} AND {APPOINTMENT}) \
             + (SELECT COUNT(*) {WAITING_IN} AND {PRIORITY} AND {before})"
        )
    } else {
        format!(
            "{} - 1 - (SELECT COUNT(*) {WAITING_IN} AND {NORMAL} AND {after})",
            queue_length("$1", "$2")
        )
    };
    let rows = c
        .rows(
            &with_eta_sql(&ahead),
            args![t.service_id, &t.service_day, now, t.queued_at, t.id],
            EtaRow::decode,
        )
        .await?;
    let (ahead, open, mean) = eta_parts(&rows, configured_minutes);
    let ahead = ahead.max(0) as u32;
    Ok((ahead, eta::eta_minutes(ahead, open, mean)))
}

/// A service's waiting tickets today (all call groups), kept by triggers: an
/// SQL expression over the placeholders `service` (its id) and `day` (the
/// service day), `$1` and `$2` in a statement of its own.
pub fn queue_length(service: &str, day: &str) -> String {
    format!(
        "COALESCE((SELECT waiting FROM queue_lengths WHERE service_id = {service} \
         AND service_day = {day}), 0)"
    )
}

/// A statement answering `first` (an expression over `$1` service id, `$2`
/// service day and whatever else it binds) with what the ETA needs: the
/// service's open counters and its recent service times, one row per recent
/// service (at least one row).
pub fn with_eta_sql(first: &str) -> String {
    eta_select(first, "$1", "$2")
}

/// [`with_eta_sql`] over the placeholders `service` and `day` (a part of a
/// larger statement: issuing reads every service's at once).
pub fn eta_select(first: &str, service: &str, day: &str) -> String {
    format!(
        "SELECT p.first, p.open, r.d FROM (SELECT ({first}) AS first, \
         (SELECT COUNT(*) FROM counter_services cs JOIN counters k ON k.id = cs.counter_id \
          WHERE cs.service_id = {service} AND k.state = 'open') AS open) p \
         LEFT JOIN (SELECT finished_at - COALESCE(started_at, called_at) AS d FROM tickets \
          WHERE service_id = {service} AND status = 'done' AND service_day = {day} \
          AND called_at IS NOT NULL ORDER BY finished_at DESC LIMIT {RECENT_SERVICES}) r ON 1 = 1"
    )
}

/// A row of [`with_eta_sql`]: the first value, the service's open counters,
/// and one recent service's duration in microseconds (none without any).
#[derive(sqlx::FromRow)]
pub struct EtaRow {
    pub first: i64,
    pub open: i64,
    pub d: Option<i64>,
}

impl EtaRow {
    pub fn decode(r: &dyn Cols) -> Result<Self> {
        Ok(Self {
            first: r.int(0)?,
            open: r.int(1)?,
            d: r.int_opt(2)?,
        })
    }
}

/// Reads [`with_eta_sql`]'s rows: the first value, the open counters, and the
/// mean service time in seconds.
pub fn eta_parts(rows: &[EtaRow], configured_minutes: i64) -> (i64, u32, f64) {
    let (first, open) = rows.first().map_or((0, 0), |r| (r.first, r.open));
    let recent: Vec<u32> = rows
        .iter()
        .filter_map(|r| r.d)
        .map(|us| (us.max(0) / 1_000_000) as u32)
        .collect();
    let mean = eta::mean_service_seconds(&recent, configured_minutes as u32);
    (first, open.max(0) as u32, mean)
}

/// The ETA for `ahead` people in a service's queue today.
pub async fn estimate(
    c: &mut AnyConnection,
    service_id: i64,
    day: &str,
    configured_minutes: i64,
    ahead: u32,
) -> Result<u32> {
    let rows: Vec<EtaRow> = sqlx::query_as(&with_eta_sql("CAST(0 AS BIGINT)"))
        .bind(service_id)
        .bind(day)
        .fetch_all(&mut *c)
        .await?;
    let (_, open, mean) = eta_parts(&rows, configured_minutes);
    Ok(eta::eta_minutes(ahead, open, mean))
}
