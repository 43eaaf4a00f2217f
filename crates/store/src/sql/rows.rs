//! Row types and the small lookups every command starts with: a centre by code, a
//! service by code, a counter by number. Timestamps are stored as microseconds.

use std::collections::HashMap;

use jiff::Timestamp;
use luot_domain::{
    Centre, CentreCode, CounterNumber, CounterState, OpeningHours, ServiceCode, TicketStatus,
};
use sqlx::AnyConnection;

use super::build::Sql;
use super::tx::{args, row, row_opt, Cols, Tx};
use crate::{model::*, Error, Result};

pub fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub fn ts(us: i64) -> Timestamp {
    Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// SQL condition (tickets `t`, services `s`): the ticket was called within
/// its service's target waiting time, counted from the later of its issue and
/// its place in the queue (an appointment waits from its slot). False for a
/// service without a target. The live figures and the reports share it.
macro_rules! called_within_target_sql {
    () => {
        "(t.called_at IS NOT NULL AND s.target_wait_minutes IS NOT NULL \
         AND t.called_at - (CASE WHEN t.queued_at > t.issued_at THEN t.queued_at ELSE t.issued_at END) \
         <= s.target_wait_minutes * 60000000)"
    };
}
pub(crate) use called_within_target_sql;

/// SQL condition (tickets `t`, services `s`): the ticket was served (started
/// and completed) and its service time counts against a target service time.
/// The reports' mean service time counts the same tickets.
macro_rules! served_with_target_sql {
    () => {
        "(t.status = 'done' AND t.started_at IS NOT NULL AND t.finished_at IS NOT NULL \
         AND s.target_service_minutes IS NOT NULL)"
    };
}
pub(crate) use served_with_target_sql;

/// SQL condition (tickets `t`, services `s`): as [`served_with_target_sql`],
/// and served (start to completion) within the service's target service time.
macro_rules! served_within_target_sql {
    () => {
        concat!(
            $crate::sql::rows::served_with_target_sql!(),
            " AND t.finished_at - t.started_at <= s.target_service_minutes * 60000000"
        )
    };
}
pub(crate) use served_within_target_sql;

/// A ticket token for the QR code: unguessable (22 random letters and
/// digits, about 131 bits) behind 7 characters of the issue time in
/// milliseconds, which sort as the time does. Only the random part keeps it
/// secret; the time part makes tokens arrive in order, so the unique index on
/// `tickets.token` grows at its right edge, as the other indexes of a ticket
/// do, instead of dirtying a random page of it per ticket: fewer pages to
/// write, sync and checkpoint per batch (docs/benchmarks.md). `issued` is the
/// command's time (its clock, not a second reading of the system's).
pub fn new_token(issued: Timestamp) -> String {
    token_at(u64::try_from(issued.as_millisecond()).unwrap_or(0))
}

/// Digits in ASCII order, so that fixed-width numbers sort as text.
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// 62^7 ms: about 111 years from 1970.
const TIME_DIGITS: usize = 7;

fn token_at(ms: u64) -> String {
    use rand::Rng;
    let mut out = vec![0u8; TIME_DIGITS];
    let mut t = ms.min(62u64.pow(TIME_DIGITS as u32) - 1);
    for d in out.iter_mut().rev() {
        *d = BASE62[(t % 62) as usize];
        t /= 62;
    }
    let mut rng = rand::thread_rng();
    out.extend((0..22).map(|_| BASE62[rng.gen_range(0..BASE62.len())]));
    String::from_utf8(out).unwrap_or_default()
}

pub struct CentreRow {
    pub id: i64,
    pub config: Centre,
    pub notice: String,
}

/// A `centres` row as stored: its settings still JSON.
#[derive(sqlx::FromRow)]
pub struct StoredCentre {
    pub id: i64,
    pub config: String,
    pub notice: String,
}

pub async fn centre<C: Tx + ?Sized>(c: &mut C, code: &CentreCode) -> Result<CentreRow> {
    let (id, config, notice) = row(
        c,
        "SELECT id, config, notice FROM centres WHERE code = $1",
        args![code.as_str()],
        |r| Ok((r.int(0)?, r.text(1)?, r.text(2)?)),
        "centre",
    )
    .await?;
    Ok(CentreRow {
        id,
        config: parse_config(id, &config)?,
        notice,
    })
}

impl CentreRow {
    pub fn summary(&self) -> CentreSummary {
        let c = &self.config;
        CentreSummary {
            code: c.code.clone(),
            name: c.name.clone(),
            name_en: c.name_en.clone(),
            address: c.address.clone(),
            hotline: c.hotline.clone(),
            timezone: c.timezone.clone(),
            priority_classes: c.priority_classes.clone(),
            announcement_vi: c.announcement_vi.clone(),
            announcement_en: c.announcement_en.clone(),
            ticket_header: c.ticket_header.clone(),
            ticket_footer: c.ticket_footer.clone(),
            print_documents: c.print_documents,
        }
    }
    pub fn tz(&self) -> Result<jiff::tz::TimeZone> {
        Ok(self.config.tz()?)
    }
}

#[derive(Clone)]
pub struct ServiceRow {
    pub id: i64,
    pub code: String,
    pub prefix: String,
    pub name: String,
    pub name_en: String,
    pub start_number: i64,
    pub daily_cap: Option<i64>,
    pub mean_service_minutes: i64,
    pub hours: Option<String>,
    pub examples: String,
    /// 0 or 1: booleans are integers on both backends.
    pub active: i64,
    /// What to bring (migration 0004).
    pub note: String,
    /// The board's short names (migration 0017); empty: the name.
    pub short_name: String,
    pub short_name_en: String,
    /// Targets in minutes (migration 0018).
    pub target_wait_minutes: Option<i64>,
    pub target_service_minutes: Option<i64>,
}

pub const SERVICE_COLUMNS: &str = "id, code, prefix, name, name_en, start_number, daily_cap, \
     mean_service_minutes, hours, examples, active, note, short_name, short_name_en, \
     target_wait_minutes, target_service_minutes";

impl ServiceRow {
    /// A row of [`SERVICE_COLUMNS`], in their order.
    pub fn decode(r: &dyn Cols) -> Result<Self> {
        Ok(Self {
            id: r.int(0)?,
            code: r.text(1)?,
            prefix: r.text(2)?,
            name: r.text(3)?,
            name_en: r.text(4)?,
            start_number: r.int(5)?,
            daily_cap: r.int_opt(6)?,
            mean_service_minutes: r.int(7)?,
            hours: r.text_opt(8)?,
            examples: r.text(9)?,
            active: r.int(10)?,
            note: r.text(11)?,
            short_name: r.text(12)?,
            short_name_en: r.text(13)?,
            target_wait_minutes: r.int_opt(14)?,
            target_service_minutes: r.int_opt(15)?,
        })
    }
    pub fn code(&self) -> ServiceCode {
        ServiceCode::parse(&self.code).expect("service codes are validated on write")
    }
    pub fn hours(&self, centre: &Centre) -> Result<OpeningHours> {
        match &self.hours {
            Some(h) => Ok(serde_json::from_str(h)?),
            None => Ok(centre.hours.clone()),
        }
    }
}

/// A centre and one of its services in one round trip (the issue path's first
/// read); the separate lookups only run to tell which one is missing.
pub async fn centre_and_service<C: Tx + ?Sized>(
    c: &mut C,
    centre_code: &CentreCode,
    code: &ServiceCode,
) -> Result<(CentreRow, ServiceRow)> {
    // The service's columns first (read by ServiceRow::decode), then the
    // centre's.
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let cols: Vec<String> = SERVICE_COLUMNS
            .split(',')
            .map(|col| format!("s.{}", col.trim()))
            .collect();
        format!(
            "SELECT {}, c.id, c.config, c.notice \
             FROM centres c JOIN services s ON s.centre_id = c.id WHERE c.code = $1 AND s.code = $2",
            cols.join(", ")
        )
    });
    let found = row_opt(c, &SQL, args![centre_code.as_str(), code.as_str()], |r| {
        let svc = ServiceRow::decode(r)?;
        let at = SERVICE_COLUMNS.split(',').count();
        Ok((svc, r.int(at)?, r.text(at + 1)?, r.text(at + 2)?))
    })
    .await?;
    match found {
        Some((svc, id, config, notice)) => {
            let centre = CentreRow {
                id,
                config: parse_config(id, &config)?,
                notice,
            };
            Ok((centre, svc))
        }
        None => {
            let centre = centre(c, centre_code).await?;
            let svc = service(c, centre.id, code).await?;
            Ok((centre, svc))
        }
    }
}

/// A centre's configuration, parsed once per distinct JSON text: every command
/// reads it, and parsing it costs more than the query. Keyed by the text itself,
/// so an edit (by any process) is seen at once and nothing needs invalidating.
pub(crate) fn parse_config(id: i64, json: &str) -> Result<Centre> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static CACHE: std::sync::LazyLock<Mutex<HashMap<i64, (String, Centre)>>> =
        std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));
    if let Ok(cache) = CACHE.lock() {
        if let Some((text, centre)) = cache.get(&id) {
            if text == json {
                return Ok(centre.clone());
            }
        }
    }
    let centre: Centre = serde_json::from_str(json)?;
    if let Ok(mut cache) = CACHE.lock() {
        // Bounded: a deployment has at most a few hundred centres.
        if cache.len() > 4096 {
            cache.clear();
        }
        cache.insert(id, (json.to_owned(), centre.clone()));
    }
    Ok(centre)
}

pub async fn service<C: Tx + ?Sized>(
    c: &mut C,
    centre_id: i64,
    code: &ServiceCode,
) -> Result<ServiceRow> {
    row(
        c,
        &SERVICE_BY_CODE,
        args![centre_id, code.as_str()],
        ServiceRow::decode,
        "service",
    )
    .await
}

static SERVICE_BY_CODE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {SERVICE_COLUMNS} FROM services WHERE centre_id = $1 AND code = $2")
});

/// A service by id.
pub async fn service_by_id<C: Tx + ?Sized>(c: &mut C, id: i64) -> Result<ServiceRow> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("SELECT {SERVICE_COLUMNS} FROM services WHERE id = $1")
    });
    row(c, &SQL, args![id], ServiceRow::decode, "service").await
}

/// The centres of `codes` that exist, each by its code and with its services
/// (in their order), in two statements however many centres (issuing's batch,
/// which on a province's server mixes many).
pub async fn centres_with_services<C: Tx + ?Sized>(
    c: &mut C,
    codes: &[&CentreCode],
) -> Result<Vec<(String, CentreRow, Vec<ServiceRow>)>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        c,
        "SELECT id, config, notice, code FROM centres WHERE code IN ",
    );
    // One "row" of placeholders: the IN list.
    sql.rows(1, &vec![None; codes.len()]);
    let bound = codes.iter().flat_map(|code| args![code.as_str()]).collect();
    let stored = c
        .rows(sql.as_str(), bound, |r| {
            Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.text(3)?))
        })
        .await?;
    let mut centres = Vec::with_capacity(stored.len());
    for (id, config, notice, code) in stored {
        let row = CentreRow {
            id,
            config: parse_config(id, &config)?,
            notice,
        };
        centres.push((code, row));
    }
    if centres.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        c,
        &format!("SELECT {SERVICE_COLUMNS}, centre_id FROM services WHERE centre_id IN "),
    );
    sql.rows(1, &vec![None; centres.len()])
        .push(" ORDER BY sort, code");
    let bound = centres.iter().flat_map(|(_, k)| args![k.id]).collect();
    let services = c
        .rows(sql.as_str(), bound, |r| {
            // The centre after SERVICE_COLUMNS (16 of them).
            Ok((r.int(16)?, ServiceRow::decode(r)?))
        })
        .await?;
    let mut by_centre: HashMap<i64, Vec<ServiceRow>> = HashMap::new();
    for (centre_id, svc) in services {
        by_centre.entry(centre_id).or_default().push(svc);
    }
    Ok(centres
        .into_iter()
        .map(|(code, k)| {
            let services = by_centre.remove(&k.id).unwrap_or_default();
            (code, k, services)
        })
        .collect())
}

pub async fn services<C: Tx + ?Sized>(c: &mut C, centre_id: i64) -> Result<Vec<ServiceRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("SELECT {SERVICE_COLUMNS} FROM services WHERE centre_id = $1 ORDER BY sort, code")
    });
    c.rows(&SQL, args![centre_id], ServiceRow::decode).await
}

#[derive(sqlx::FromRow, Clone)]
pub struct CounterRow {
    pub id: i64,
    pub number: i64,
    pub name: String,
    pub state: String,
    pub current_ticket_id: Option<i64>,
}

impl CounterRow {
    pub fn number(&self) -> CounterNumber {
        CounterNumber::new(self.number).expect("counter numbers are validated on write")
    }
    pub fn state(&self) -> CounterState {
        CounterState::parse(&self.state).unwrap_or(CounterState::Closed)
    }
}

pub async fn counter<C: Tx + ?Sized>(
    c: &mut C,
    centre_id: i64,
    number: CounterNumber,
) -> Result<CounterRow> {
    row(
        c,
        "SELECT id, number, name, state, current_ticket_id FROM counters \
         WHERE centre_id = $1 AND number = $2",
        args![centre_id, i64::from(number.get())],
        |r| {
            Ok(CounterRow {
                id: r.int(0)?,
                number: r.int(1)?,
                name: r.text(2)?,
                state: r.text(3)?,
                current_ticket_id: r.int_opt(4)?,
            })
        },
        "counter",
    )
    .await
}

/// The service codes a counter serves, in its order of preference.
pub async fn serves<C: Tx + ?Sized>(c: &mut C, counter_id: i64) -> Result<Vec<ServiceCode>> {
    let codes = c
        .rows(
            "SELECT s.code FROM counter_services cs JOIN services s ON s.id = cs.service_id \
             WHERE cs.counter_id = $1 ORDER BY cs.rank",
            args![counter_id],
            |r| r.text(0),
        )
        .await?;
    codes
        .into_iter()
        .map(|s| ServiceCode::parse(&s).map_err(Error::from))
        .collect()
}

pub async fn counter_view(c: &mut AnyConnection, row: &CounterRow) -> Result<CounterView> {
    let current = match row.current_ticket_id {
        None => None,
        Some(id) => ticket_brief(c, id).await?,
    };
    Ok(CounterView {
        number: row.number(),
        name: row.name.clone(),
        state: row.state(),
        serves: serves(c, row.id).await?,
        current,
    })
}

/// A ticket's number, service and status (a counter's current ticket).
pub async fn ticket_brief<C: Tx + ?Sized>(c: &mut C, id: i64) -> Result<Option<TicketBrief>> {
    let t = row_opt(
        c,
        "SELECT t.number, s.code AS service, t.status FROM tickets t \
         JOIN services s ON s.id = t.service_id WHERE t.id = $1",
        args![id],
        |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)),
    )
    .await?;
    t.map(|(number, service, status)| -> Result<TicketBrief> {
        Ok(TicketBrief {
            number,
            service: ServiceCode::parse(&service)?,
            status: status_of(&status)?,
        })
    })
    .transpose()
}

pub fn status_of(s: &str) -> Result<TicketStatus> {
    TicketStatus::parse(s).ok_or_else(|| Error::Internal(format!("unknown ticket status `{s}`")))
}

#[cfg(test)]
mod token_tests {
    use super::*;

    /// Tokens sort as their issue times do, whatever their random parts;
    /// two of the same millisecond differ; each is letters and digits.
    #[test]
    fn tokens_sort_by_time_and_stay_unguessable() {
        let times = [
            0,
            1,
            61,
            62,
            1_765_000_000_000,
            1_765_000_000_001,
            3_000_000_000_000,
        ];
        let tokens: Vec<String> = times.iter().map(|&t| token_at(t)).collect();
        for w in tokens.windows(2) {
            assert!(w[0] < w[1], "{} !< {}", w[0], w[1]);
        }
        assert_ne!(token_at(5), token_at(5));
        for t in &tokens {
            assert_eq!(t.len(), 29);
            assert!(t.bytes().all(|b| b.is_ascii_alphanumeric()));
        }
        assert_eq!(&token_at(62)[..7], "0000010");
    }
}
