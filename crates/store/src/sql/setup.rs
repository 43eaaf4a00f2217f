//! Creating a centre with its services and counters, and reading the
//! configuration back.

use jiff::Timestamp;
use luot_domain::{Counter, CounterNumber, Service, ServiceCode, TicketPrefix};
use sqlx::AnyConnection;

use super::rows::{self, micros, CentreRow};
use crate::{model::*, Conflict, Error, Result};

pub async fn create_centre(
    c: &mut AnyConnection,
    setup: CentreSetup,
    now: Timestamp,
) -> Result<((), Vec<luot_domain::Event>)> {
    setup.centre.tz()?;
    setup.centre.hours.validate()?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM centres WHERE code = $1")
        .bind(setup.centre.code.as_str())
        .fetch_optional(&mut *c)
        .await?;
    if exists.is_some() {
        return Err(Error::Conflict(Conflict::CentreCodeTaken));
    }
    let centre_id: i64 = sqlx::query_scalar(
        "INSERT INTO centres (code, config, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(setup.centre.code.as_str())
    .bind(serde_json::to_string(&setup.centre)?)
    .bind(micros(now))
    .fetch_one(&mut *c)
    .await?;
    let mut service_ids = std::collections::HashMap::new();
    for (sort, s) in setup.services.iter().enumerate() {
        if let Some(h) = &s.hours {
            h.validate()?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO services (centre_id, code, prefix, name, name_en, start_number, daily_cap, \
             mean_service_minutes, hours, examples, active, sort, note, short_name, short_name_en) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        )
        .bind(centre_id)
        .bind(s.code.as_str())
        .bind(s.prefix.as_str())
        .bind(&s.name)
        .bind(&s.name_en)
        .bind(i64::from(s.start_number))
        .bind(s.daily_cap.map(i64::from))
        .bind(i64::from(s.mean_service_minutes))
        .bind(s.hours.as_ref().map(serde_json::to_string).transpose()?)
        .bind(serde_json::to_string(&s.examples)?)
        .bind(i64::from(s.active))
        .bind(sort as i64)
        .bind(&s.note)
        .bind(&s.short_name)
        .bind(&s.short_name_en)
        .fetch_one(&mut *c)
        .await?;
        super::admin::set_targets(c, id, s).await?;
        service_ids.insert(s.code.clone(), id);
    }
    for k in &setup.counters {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO counters (centre_id, number, name, state) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(centre_id)
        .bind(i64::from(k.number.get()))
        .bind(&k.name)
        .bind(k.state.as_str())
        .fetch_one(&mut *c)
        .await?;
        for (rank, code) in k.serves.iter().enumerate() {
            let sid = service_ids.get(code).ok_or_else(|| {
                luot_domain::Error::invalid(
                    "counter",
                    format!("counter {} serves unknown service {code}", k.number),
                )
            })?;
            sqlx::query(
                "INSERT INTO counter_services (counter_id, service_id, rank) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(sid)
            .bind(rank as i64)
            .execute(&mut *c)
            .await?;
        }
    }
    Ok(((), Vec::new()))
}

pub async fn centres(c: &mut AnyConnection) -> Result<Vec<CentreSummary>> {
    let rows: Vec<super::rows::StoredCentre> =
        sqlx::query_as("SELECT id, config, notice FROM centres ORDER BY code")
            .fetch_all(&mut *c)
            .await?;
    rows.into_iter()
        .map(|r| {
            Ok(CentreRow {
                id: r.id,
                config: serde_json::from_str(&r.config)?,
                notice: r.notice,
            }
            .summary())
        })
        .collect()
}

pub async fn centre_setup(
    c: &mut AnyConnection,
    code: &luot_domain::CentreCode,
) -> Result<CentreSetup> {
    let centre = rows::centre(c, code).await?;
    let services = rows::services(c, centre.id)
        .await?
        .into_iter()
        .map(|s| {
            Ok(Service {
                code: ServiceCode::parse(&s.code)?,
                prefix: TicketPrefix::parse(&s.prefix)?,
                name: s.name,
                name_en: s.name_en,
                start_number: s.start_number as u32,
                daily_cap: s.daily_cap.map(|c| c as u32),
                mean_service_minutes: s.mean_service_minutes as u32,
                hours: s.hours.as_deref().map(serde_json::from_str).transpose()?,
                active: s.active != 0,
                examples: serde_json::from_str(&s.examples)?,
                note: s.note,
                short_name: s.short_name,
                short_name_en: s.short_name_en,
                target_wait_minutes: s.target_wait_minutes.map(|m| m as u32),
                target_service_minutes: s.target_service_minutes.map(|m| m as u32),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let counter_rows: Vec<rows::CounterRow> = sqlx::query_as(
        "SELECT id, number, name, state, current_ticket_id FROM counters WHERE centre_id = $1 ORDER BY number",
    )
    .bind(centre.id)
    .fetch_all(&mut *c)
    .await?;
    let mut counters = Vec::new();
    for k in counter_rows {
        counters.push(Counter {
            number: CounterNumber::new(k.number)?,
            name: k.name.clone(),
            serves: rows::serves(c, k.id).await?,
            state: k.state(),
        });
    }
    Ok(CentreSetup {
        centre: centre.config,
        services,
        counters,
    })
}
