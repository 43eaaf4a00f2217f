//! Reports: figures per service day x service x counter x officer over a range
//! of days, aggregated in SQL (sums cast to BIGINT so both backends decode them
//! the same), then summed per service, officer and day. A ticket counts under
//! the service it ended in and the counter and officer that last called it;
//! tickets never called have neither. A rating (at most one per ticket) counts
//! under its ticket's row, whenever it was given. The shares within target
//! (called within the target wait, served within the target service time) use
//! the service's targets as they are now.

use luot_domain::{CentreCode, CounterNumber, RatingCounts, ReportRange, ServiceCode};
use sqlx::AnyConnection;

use super::super::rows;
use crate::{Error, Report, ReportRow, ReportTotal, Result, ServiceTargetShare, TargetShare};

#[derive(sqlx::FromRow)]
struct Agg {
    service_day: String,
    code: String,
    name: String,
    sort: i64,
    counter: Option<i64>,
    staff: Option<String>,
    officer_name: Option<String>,
    target_wait_minutes: Option<i64>,
    target_service_minutes: Option<i64>,
    issued: i64,
    served: i64,
    no_shows: i64,
    cancelled: i64,
    expired: i64,
    wait_us: i64,
    waits: i64,
    service_us: i64,
    services: i64,
    rated_5: i64,
    rated_4: i64,
    rated_3: i64,
    rated_2: i64,
    rated_1: i64,
    target_called: i64,
    target_within: i64,
    service_target_served: i64,
    service_target_within: i64,
}

impl Agg {
    fn rating_counts(&self) -> RatingCounts {
        let mut r = RatingCounts::default();
        let levels = [
            self.rated_1,
            self.rated_2,
            self.rated_3,
            self.rated_4,
            self.rated_5,
        ];
        for (level, n) in (1u8..).zip(levels) {
            r.add(level, u32::try_from(n).unwrap_or(0));
        }
        r
    }
}

const MINUTE_US: f64 = 60_000_000.0;

/// Mean in minutes, one decimal; none over zero samples.
fn mean_minutes(total_us: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| ((total_us as f64 / n as f64 / MINUTE_US) * 10.0).round() / 10.0)
}

pub async fn report(
    c: &mut AnyConnection,
    code: &CentreCode,
    range: ReportRange,
) -> Result<Report> {
    let centre = rows::centre(c, code).await?;
    let rows: Vec<Agg> = sqlx::query_as(concat!(
        "SELECT t.service_day, s.code, s.name, s.sort, k.number AS counter, \
         t.staff, a.display_name AS officer_name, s.target_wait_minutes, s.target_service_minutes, \
         COUNT(*) AS issued, \
         CAST(SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END) AS BIGINT) AS served, \
         CAST(SUM(CASE WHEN t.status = 'no_show' THEN 1 ELSE 0 END) AS BIGINT) AS no_shows, \
         CAST(SUM(CASE WHEN t.status = 'cancelled' THEN 1 ELSE 0 END) AS BIGINT) AS cancelled, \
         CAST(SUM(CASE WHEN t.status = 'expired' THEN 1 ELSE 0 END) AS BIGINT) AS expired, \
         CAST(SUM(CASE WHEN t.called_at IS NOT NULL THEN t.called_at - t.issued_at ELSE 0 END) AS BIGINT) AS wait_us, \
         CAST(SUM(CASE WHEN t.called_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS waits, \
         CAST(SUM(CASE WHEN t.status = 'done' AND t.started_at IS NOT NULL AND t.finished_at IS NOT NULL \
              THEN t.finished_at - t.started_at ELSE 0 END) AS BIGINT) AS service_us, \
         CAST(SUM(CASE WHEN t.status = 'done' AND t.started_at IS NOT NULL AND t.finished_at IS NOT NULL \
              THEN 1 ELSE 0 END) AS BIGINT) AS services, \
         CAST(SUM(CASE WHEN f.rating = 5 THEN 1 ELSE 0 END) AS BIGINT) AS rated_5, \
         CAST(SUM(CASE WHEN f.rating = 4 THEN 1 ELSE 0 END) AS BIGINT) AS rated_4, \
         CAST(SUM(CASE WHEN f.rating = 3 THEN 1 ELSE 0 END) AS BIGINT) AS rated_3, \
         CAST(SUM(CASE WHEN f.rating = 2 THEN 1 ELSE 0 END) AS BIGINT) AS rated_2, \
         CAST(SUM(CASE WHEN f.rating = 1 THEN 1 ELSE 0 END) AS BIGINT) AS rated_1, \
         CAST(SUM(CASE WHEN t.called_at IS NOT NULL AND s.target_wait_minutes IS NOT NULL \
              THEN 1 ELSE 0 END) AS BIGINT) AS target_called, \
         CAST(SUM(CASE WHEN ",
        rows::called_within_target_sql!(),
        " THEN 1 ELSE 0 END) AS BIGINT) AS target_within, \
         CAST(SUM(CASE WHEN ",
        rows::served_with_target_sql!(),
        " THEN 1 ELSE 0 END) AS BIGINT) AS service_target_served, \
         CAST(SUM(CASE WHEN ",
        rows::served_within_target_sql!(),
        " THEN 1 ELSE 0 END) AS BIGINT) AS service_target_within \
         FROM tickets t JOIN services s ON s.id = t.service_id \
         LEFT JOIN counters k ON k.id = t.counter_id \
         LEFT JOIN feedback f ON f.ticket_id = t.id \
         LEFT JOIN accounts a ON t.staff = 'staff:' || a.username \
         WHERE t.centre_id = $1 AND t.service_day >= $2 AND t.service_day <= $3 \
         GROUP BY t.service_day, s.code, s.name, s.sort, k.number, t.staff, a.display_name, \
         s.target_wait_minutes, s.target_service_minutes"
    ))
    .bind(centre.id)
    .bind(range.from().to_string())
    .bind(range.to().to_string())
    .fetch_all(&mut *c)
    .await?;
    let mut rows = rows;
    // Sorted here: the backends order NULL counters differently.
    rows.sort_by(|a, b| {
        (
            &a.service_day,
            a.sort,
            &a.code,
            a.counter.unwrap_or(i64::MAX),
            &a.staff,
        )
            .cmp(&(
                &b.service_day,
                b.sort,
                &b.code,
                b.counter.unwrap_or(i64::MAX),
                &b.staff,
            ))
    });
    let order: Vec<String> = {
        let mut by_sort: Vec<(i64, &String)> = rows.iter().map(|r| (r.sort, &r.code)).collect();
        by_sort.sort();
        by_sort.dedup();
        by_sort.into_iter().map(|(_, c)| c.clone()).collect()
    };
    let out = rows
        .into_iter()
        .map(|r| {
            let ratings = r.rating_counts();
            Ok(ReportRow {
                day: r
                    .service_day
                    .parse()
                    .map_err(|_| Error::Internal(format!("stored day `{}`", r.service_day)))?,
                service: ServiceCode::parse(&r.code)?,
                service_name: r.name,
                counter: r.counter.map(CounterNumber::new).transpose()?,
                issued: r.issued as u32,
                served: r.served as u32,
                no_shows: r.no_shows as u32,
                cancelled: r.cancelled as u32,
                expired: r.expired as u32,
                mean_wait_minutes: mean_minutes(r.wait_us, r.waits),
                mean_service_minutes: mean_minutes(r.service_us, r.services),
                ratings: ratings.total(),
                satisfaction: ratings.satisfied_percent(),
                mean_rating: ratings.mean(),
                rating_counts: ratings,
                officer: r
                    .staff
                    .map(|s| s.strip_prefix("staff:").unwrap_or(&s).to_owned()),
                officer_name: r.officer_name,
                target_wait_minutes: r.target_wait_minutes.map(|m| m as u32),
                target: TargetShare::new(r.target_called as u32, r.target_within as u32),
                target_service_minutes: r.target_service_minutes.map(|m| m as u32),
                service_target: ServiceTargetShare::new(
                    r.service_target_served as u32,
                    r.service_target_within as u32,
                ),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut by_service =
        ReportTotal::group(&out, |r| (r.service.to_string(), r.service_name.clone()));
    by_service.sort_by_key(|t| order.iter().position(|c| *c == t.key));
    let mut by_officer = ReportTotal::group(&out, |r| {
        let key = r.officer.clone().unwrap_or_default();
        let name = r.officer_name.clone().unwrap_or_else(|| key.clone());
        (key, name)
    });
    // Officers by name; "never called" last.
    by_officer.sort_by(|a, b| (a.key.is_empty(), &a.name).cmp(&(b.key.is_empty(), &b.name)));
    let by_day = ReportTotal::group(&out, |r| (r.day.to_string(), r.day.to_string()));
    Ok(Report {
        centre: centre.summary(),
        from: range.from(),
        to: range.to(),
        rows: out,
        by_service,
        by_officer,
        by_day,
    })
}
