//! [`FeedbackStore`] over SQL (the `feedback` table of migration 0003).

use async_trait::async_trait;
use futures::FutureExt;
use luot_domain::{CentreCode, CounterNumber, ServiceCode};
use sqlx::AnyConnection;

use super::rows::{self, micros};
use super::SqlStore;
use crate::feedback::*;
use crate::{Conflict, Error, Result};

type TicketRow = (
    i64,
    String,
    String,
    i64,
    Option<i64>,
    i64,
    Option<String>,
    String,
);

const TICKET: &str = "SELECT t.id, t.number, t.status, t.centre_id, t.counter_id, t.service_id, \
     t.staff, s.code FROM tickets t JOIN services s ON s.id = t.service_id";

async fn record(c: &mut AnyConnection, t: TicketRow, f: NewFeedback) -> Result<FeedbackView> {
    let (id, number, status, centre_id, counter_id, service_id, staff, service) = t;
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
    Ok(FeedbackView {
        number,
        service: ServiceCode::parse(&service)?,
        counter,
        rating: f.rating,
        comment: f.comment,
    })
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
                    Ok((record(c, t, f).await?, Vec::new()))
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
                    Ok((record(c, t, f).await?, Vec::new()))
                }
                .boxed()
            })
            .await
    }
}
