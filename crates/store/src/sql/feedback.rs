//! [`FeedbackStore`] over SQL (the `feedback` table of migration 0003).

use async_trait::async_trait;
use futures::FutureExt;
use luot_domain::{CentreCode, CounterNumber, ServiceCode};
use sqlx::AnyConnection;

use super::rows::{self, micros};
use super::SqlStore;
use crate::feedback::*;
use crate::{Conflict, Error, Result};

/// The ticket a rating is for ([`TICKET`]).
#[derive(sqlx::FromRow)]
struct TicketRow {
    id: i64,
    number: String,
    status: String,
    centre_id: i64,
    counter_id: Option<i64>,
    service_id: i64,
    staff: Option<String>,
    service: String,
}

const TICKET: &str = "SELECT t.id, t.number, t.status, t.centre_id, t.counter_id, t.service_id, \
     t.staff, s.code AS service FROM tickets t JOIN services s ON s.id = t.service_id";

/// A ticket a counter finished today, with its rating.
#[derive(sqlx::FromRow)]
struct FinishedRow {
    status: String,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    rating: Option<i64>,
}

/// Records a rating and appends `ticket_rated` (the level only) for the
/// centre's webhooks.
async fn record(
    c: &mut AnyConnection,
    t: TicketRow,
    f: NewFeedback,
) -> Result<(FeedbackView, Vec<luot_domain::Event>)> {
    let TicketRow {
        id,
        number,
        status,
        centre_id,
        counter_id,
        service_id,
        staff,
        service,
    } = t;
    if status != "done" {
        return Err(Error::Conflict(Conflict::NotServed));
    }
    let done: Option<i64> = sqlx::query_scalar("SELECT id FROM feedback WHERE ticket_id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    if done.is_some() {
        return Err(Error::Conflict(Conflict::AlreadyRated));
    }
    sqlx::query(
        "INSERT INTO feedback (ticket_id, centre_id, counter_id, service_id, staff, rating, \
         comment, source, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(centre_id)
    .bind(counter_id)
    .bind(service_id)
    .bind(staff)
    .bind(i64::from(f.rating))
    .bind(f.comment.clone())
    .bind(&f.source)
    .bind(micros(f.now))
    .execute(&mut *c)
    .await?;
    let counter = match counter_id {
        Some(k) => {
            let n: i64 = sqlx::query_scalar("SELECT number FROM counters WHERE id = $1")
                .bind(k)
                .fetch_one(&mut *c)
                .await?;
            Some(CounterNumber::new(n)?)
        }
        None => None,
    };
    let service = ServiceCode::parse(&service)?;
    let code: String = sqlx::query_scalar("SELECT code FROM centres WHERE id = $1")
        .bind(centre_id)
        .fetch_one(&mut *c)
        .await?;
    let centre = rows::centre(c, &CentreCode::parse(&code)?).await?;
    let event = super::events::append(
        c,
        &centre,
        luot_domain::EventKind::TicketRated {
            number: number.clone(),
            service: service.clone(),
            counter,
            rating: f.rating,
        },
        Some(id),
        counter_id,
        &f.source,
        f.now,
    )
    .await?;
    Ok((
        FeedbackView {
            number,
            service,
            counter,
            rating: f.rating,
            comment: f.comment,
        },
        vec![event],
    ))
}

fn check(f: &NewFeedback) -> Result<()> {
    if !(1..=5).contains(&f.rating) {
        return Err(luot_domain::Error::invalid("rating", "from 1 to 5").into());
    }
    if f.comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(luot_domain::Error::invalid("comment", "at most 500 characters").into());
    }
    Ok(())
}

#[async_trait]
impl FeedbackStore for SqlStore {
    async fn counter_today(
        &self,
        centre: &CentreCode,
        counter: CounterNumber,
        now: jiff::Timestamp,
    ) -> Result<CounterToday> {
        let mut c = self.read().await?;
        let centre = rows::centre(&mut c, centre).await?;
        let k = rows::counter(&mut c, centre.id, counter).await?;
        let day = luot_domain::numbering::service_day(now, &centre.tz()?).to_string();
        let rows: Vec<FinishedRow> = sqlx::query_as(
            "SELECT t.status, t.started_at, t.finished_at, f.rating FROM tickets t \
             LEFT JOIN feedback f ON f.ticket_id = t.id \
             WHERE t.counter_id = $1 AND t.service_day = $2 AND t.status IN ('done', 'no_show')",
        )
        .bind(k.id)
        .bind(day)
        .fetch_all(&mut *c)
        .await?;
        let mut out = CounterToday {
            served: 0,
            no_shows: 0,
            mean_service_minutes: None,
            mean_rating: None,
            ratings: 0,
        };
        let (mut minutes, mut timed, mut stars) = (0.0, 0u32, 0i64);
        for FinishedRow {
            status,
            started_at: started,
            finished_at: finished,
            rating,
        } in rows
        {
            if status == "no_show" {
                out.no_shows += 1;
                continue;
            }
            out.served += 1;
            if let (Some(s), Some(f)) = (started, finished) {
                minutes += (f - s) as f64 / 60_000_000.0;
                timed += 1;
            }
            if let Some(r) = rating {
                stars += r;
                out.ratings += 1;
            }
        }
        if timed > 0 {
            out.mean_service_minutes = Some((minutes / f64::from(timed) * 10.0).round() / 10.0);
        }
        if out.ratings > 0 {
            out.mean_rating = Some((stars as f64 / f64::from(out.ratings) * 10.0).round() / 10.0);
        }
        Ok(out)
    }

    async fn rate_ticket(&self, token: &str, f: NewFeedback) -> Result<FeedbackView> {
        check(&f)?;
        let token = token.to_owned();
        self.writer
            .run(move |c| {
                async move {
                    let t: Option<TicketRow> =
                        sqlx::query_as(&format!("{TICKET} WHERE t.token = $1"))
                            .bind(&token)
                            .fetch_optional(&mut *c)
                            .await?;
                    let t = t.ok_or(Error::NotFound("ticket"))?;
                    record(c, t, f).await
                }
                .boxed()
            })
            .await
    }

    async fn rate_last_at_counter(
        &self,
        centre: &CentreCode,
        counter: CounterNumber,
        window: std::time::Duration,
        f: NewFeedback,
    ) -> Result<FeedbackView> {
        check(&f)?;
        let centre = centre.clone();
        self.writer
            .run(move |c| {
                async move {
                    let centre = rows::centre(c, &centre).await?;
                    let k = rows::counter(c, centre.id, counter).await?;
                    let since = micros(f.now) - i64::try_from(window.as_micros()).unwrap_or(i64::MAX);
                    let t: Option<TicketRow> = sqlx::query_as(&format!(
                        "{TICKET} WHERE t.counter_id = $1 AND t.status = 'done' AND t.finished_at >= $2 \
                         ORDER BY t.finished_at DESC, t.id DESC LIMIT 1"
                    ))
                    .bind(k.id)
                    .bind(since)
                    .fetch_optional(&mut *c)
                    .await?;
                    let t = t.ok_or(Error::NotFound("ticket"))?;
                    record(c, t, f).await
                }
                .boxed()
            })
            .await
    }
}
