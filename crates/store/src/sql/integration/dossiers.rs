//! Dossier codes over SQL (the `dossiers` table of migration 0018): attaching at
//! a counter, the status page's list, and the per-dossier export.

use luot_domain::{
    dossier::{evaluation_url, MAX_DOSSIERS_PER_TICKET},
    CentreCode, CounterNumber, DossierCode, DossierPattern, Event, EventKind, ServiceCode,
};
use sqlx::AnyConnection;

use crate::integration::*;
use crate::sql::{events, rows};
use crate::{Conflict, Error, Result};

/// Between citizens, a code goes to the ticket finished this recently.
const AFTER_SERVICE: i64 = 15 * 60 * 1_000_000;

#[derive(sqlx::FromRow)]
struct TicketRef {
    id: i64,
    number: String,
    service: String,
}

const TICKET_REF: &str = "SELECT t.id, t.number, s.code AS service FROM tickets t \
     JOIN services s ON s.id = t.service_id";

async fn codes_of(c: &mut AnyConnection, ticket_id: i64) -> Result<Vec<DossierCode>> {
    let codes: Vec<String> =
        sqlx::query_scalar("SELECT code FROM dossiers WHERE ticket_id = $1 ORDER BY id")
            .bind(ticket_id)
            .fetch_all(&mut *c)
            .await?;
    Ok(codes.into_iter().map(DossierCode::from_stored).collect())
}

pub async fn attach(c: &mut AnyConnection, cmd: AttachDossier) -> Result<(Attached, Vec<Event>)> {
    let at = &cmd.at;
    let centre = rows::centre(c, &at.centre).await?;
    let pattern = DossierPattern::of(centre.config.dossier_pattern.as_deref())?;
    let code = DossierCode::parse(&cmd.code, &pattern)?;
    let k = rows::counter(c, centre.id, at.counter).await?;
    let ticket: Option<TicketRef> = match k.current_ticket_id {
        Some(id) => {
            sqlx::query_as(&format!("{TICKET_REF} WHERE t.id = $1"))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
        }
        None => {
            sqlx::query_as(&format!(
            "{TICKET_REF} WHERE t.counter_id = $1 AND t.status = 'done' AND t.finished_at >= $2 \
                 ORDER BY t.finished_at DESC, t.id DESC LIMIT 1"
        ))
            .bind(k.id)
            .bind(rows::micros(at.now) - AFTER_SERVICE)
            .fetch_optional(&mut *c)
            .await?
        }
    };
    let t = ticket.ok_or(Error::Conflict(Conflict::NoCurrentTicket))?;
    let service = ServiceCode::parse(&t.service)?;
    let mut codes = codes_of(c, t.id).await?;
    if codes.contains(&code) {
        // A second scan of the same receipt: nothing new.
        return Ok((
            Attached {
                number: t.number,
                service,
                dossiers: codes,
            },
            Vec::new(),
        ));
    }
    if codes.len() >= MAX_DOSSIERS_PER_TICKET {
        return Err(luot_domain::Error::invalid(
            "dossier_code",
            format!("at most {MAX_DOSSIERS_PER_TICKET} dossiers per ticket"),
        )
        .into());
    }
    sqlx::query(
        "INSERT INTO dossiers (centre_id, ticket_id, code, counter_id, staff, attached_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(centre.id)
    .bind(t.id)
    .bind(code.as_str())
    .bind(k.id)
    .bind(&at.actor)
    .bind(rows::micros(at.now))
    .execute(&mut *c)
    .await?;
    let event = events::append(
        c,
        &centre,
        EventKind::DossierAttached {
            number: t.number.clone(),
            service: service.clone(),
            counter: at.counter,
        },
        Some(t.id),
        Some(k.id),
        &at.actor,
        at.now,
    )
    .await?;
    codes.push(code);
    Ok((
        Attached {
            number: t.number,
            service,
            dossiers: codes,
        },
        vec![event],
    ))
}

pub async fn of_ticket(c: &mut AnyConnection, token: &str) -> Result<TicketDossiers> {
    #[derive(sqlx::FromRow)]
    struct Rated {
        id: i64,
        status: String,
        config: String,
    }
    let row: Option<Rated> = sqlx::query_as(
        "SELECT t.id, t.status, c.config FROM tickets t JOIN centres c ON c.id = t.centre_id \
         WHERE t.token = $1",
    )
    .bind(token)
    .fetch_optional(&mut *c)
    .await?;
    let Rated { id, status, config } = row.ok_or(Error::NotFound("ticket"))?;
    let dossiers = codes_of(c, id).await?;
    let template = serde_json::from_str::<luot_domain::Centre>(&config)?.evaluation_url_template;
    let evaluation_url = match (template, dossiers.first()) {
        (Some(t), Some(code)) if status == "done" => Some(evaluation_url(&t, code)),
        _ => None,
    };
    Ok(TicketDossiers {
        dossiers,
        evaluation_url,
    })
}

/// The ticket counter `counter` finished last, at or after `since`.
pub async fn last_done_at(
    c: &mut AnyConnection,
    centre: &CentreCode,
    counter: CounterNumber,
    since: jiff::Timestamp,
) -> Result<CounterEvaluation> {
    let centre = rows::centre(c, centre).await?;
    let k = rows::counter(c, centre.id, counter).await?;
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT number, token FROM tickets WHERE counter_id = $1 AND status = 'done' \
         AND finished_at >= $2 ORDER BY finished_at DESC, id DESC LIMIT 1",
    )
    .bind(k.id)
    .bind(rows::micros(since))
    .fetch_optional(&mut *c)
    .await?;
    let (number, token) = row.ok_or(Error::NotFound("ticket"))?;
    Ok(CounterEvaluation {
        number,
        dossiers: of_ticket(c, &token).await?,
    })
}

#[derive(sqlx::FromRow)]
struct ReportLine {
    code: String,
    number: String,
    service: String,
    service_name: String,
    counter: Option<i64>,
    staff: Option<String>,
    issued_at: i64,
    called_at: Option<i64>,
    finished_at: Option<i64>,
    rating: Option<i64>,
    comment: Option<String>,
    rated_at: Option<i64>,
    attached_at: i64,
}

pub async fn report(
    c: &mut AnyConnection,
    centre_id: i64,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> Result<Vec<DossierRow>> {
    let lines: Vec<ReportLine> = sqlx::query_as(
        "SELECT d.code, t.number, s.code AS service, s.name AS service_name, k.number AS counter, \
         t.staff, t.issued_at, t.called_at, t.finished_at, f.rating, f.comment, \
         f.created_at AS rated_at, d.attached_at \
         FROM dossiers d JOIN tickets t ON t.id = d.ticket_id \
         JOIN services s ON s.id = t.service_id \
         LEFT JOIN counters k ON k.id = t.counter_id \
         LEFT JOIN feedback f ON f.ticket_id = t.id \
         WHERE d.centre_id = $1 AND t.service_day >= $2 AND t.service_day <= $3 \
         ORDER BY d.attached_at, d.id",
    )
    .bind(centre_id)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(&mut *c)
    .await?;
    lines
        .into_iter()
        .map(|l| {
            Ok(DossierRow {
                dossier_code: l.code,
                ticket: l.number,
                service: ServiceCode::parse(&l.service)?,
                service_name: l.service_name,
                counter: l.counter.map(CounterNumber::new).transpose()?,
                officer: l
                    .staff
                    .map(|s| s.strip_prefix("staff:").unwrap_or(&s).to_owned()),
                issued_at: rows::ts(l.issued_at),
                called_at: l.called_at.map(rows::ts),
                finished_at: l.finished_at.map(rows::ts),
                wait_minutes: l
                    .called_at
                    .map(|called| ((called - l.issued_at) as f64 / 6_000_000.0).round() / 10.0),
                rating: l.rating.map(|r| r as u8),
                comment: l.comment,
                rated_at: l.rated_at.map(rows::ts),
                attached_at: rows::ts(l.attached_at),
            })
        })
        .collect()
}

/// The dossier codes of a ticket, for a webhook payload.
pub async fn codes_for_payload(c: &mut AnyConnection, ticket_id: i64) -> Result<Vec<String>> {
    Ok(codes_of(c, ticket_id)
        .await?
        .into_iter()
        .map(|d| d.as_str().to_owned())
        .collect())
}
