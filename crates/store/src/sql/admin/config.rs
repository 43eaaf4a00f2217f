//! Administration commands over SQL: centre settings, services, counters. Each
//! validates with the domain rules, writes, and appends `ConfigChanged` in the
//! writer's transaction (see `crate::admin` for the numbering rule). Holidays, the
//! logo and the read side live in `extra.rs`; reports in `report.rs`.

use luot_domain::{
    config::{prefixes_clash, unknown_service},
    Centre, Counter, CounterNumber, Error as Rule, Event, EventKind, Service, ServiceCode,
    TicketPrefix,
};
use sqlx::AnyConnection;

use super::super::{events, rows};
use crate::{AdminCtx, Conflict, Error, Result, ServiceConfig};

pub type Reply<T> = Result<(T, Vec<Event>)>;

/// Appends the event every configuration change ends with.
pub async fn changed(
    c: &mut AnyConnection,
    centre: &rows::CentreRow,
    ctx: &AdminCtx,
) -> Result<Vec<Event>> {
    let e = events::append(
        c,
        centre,
        EventKind::ConfigChanged,
        None,
        None,
        &ctx.actor,
        ctx.now,
    )
    .await?;
    Ok(vec![e])
}

/// Rows still pointing at a service or counter make the delete an `InUse`,
/// whichever table holds them (other areas add their own references).
fn in_use(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            Error::Conflict(Conflict::InUse)
        }
        _ => e.into(),
    }
}

fn today(centre: &rows::CentreRow, ctx: &AdminCtx) -> Result<String> {
    Ok(luot_domain::service_day(ctx.now, &centre.tz()?).to_string())
}

pub async fn update_settings(
    c: &mut AnyConnection,
    ctx: AdminCtx,
    settings: Centre,
) -> Reply<Centre> {
    let centre = rows::centre(c, &ctx.centre).await?;
    if settings.code != ctx.centre {
        return Err(Rule::invalid("code", "a centre's code cannot change").into());
    }
    settings.validate()?;
    if settings.timezone != centre.config.timezone {
        // Another timezone moves the service day, which would restart numbering.
        let issued: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tickets WHERE centre_id = $1 AND service_day = $2",
        )
        .bind(centre.id)
        .bind(today(&centre, &ctx)?)
        .fetch_one(&mut *c)
        .await?;
        if issued > 0 {
            return Err(Error::Conflict(Conflict::NumberingInUse));
        }
    }
    sqlx::query("UPDATE centres SET config = $1 WHERE id = $2")
        .bind(serde_json::to_string(&settings)?)
        .bind(centre.id)
        .execute(&mut *c)
        .await?;
    let events = changed(c, &centre, &ctx).await?;
    Ok((settings, events))
}

/// Refuses a prefix that prints like another service's (`except` is the service
/// being edited).
async fn check_prefix(
    c: &mut AnyConnection,
    centre_id: i64,
    except: Option<i64>,
    prefix: &TicketPrefix,
) -> Result<()> {
    let others: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, prefix FROM services WHERE centre_id = $1")
            .bind(centre_id)
            .fetch_all(&mut *c)
            .await?;
    for (id, p) in others {
        if Some(id) != except && prefixes_clash(&TicketPrefix::parse(&p)?, prefix) {
            return Err(Error::Conflict(Conflict::DuplicatePrefix));
        }
    }
    Ok(())
}

pub async fn create_service(
    c: &mut AnyConnection,
    ctx: AdminCtx,
    cfg: ServiceConfig,
) -> Reply<ServiceConfig> {
    let centre = rows::centre(c, &ctx.centre).await?;
    let s = &cfg.service;
    s.validate()?;
    if rows::service(c, centre.id, &s.code).await.is_ok() {
        return Err(Error::Conflict(Conflict::ServiceCodeTaken));
    }
    check_prefix(c, centre.id, None, &s.prefix).await?;
    let sort = match cfg.sort {
        Some(n) => n,
        None => {
            let max: Option<i64> =
                sqlx::query_scalar("SELECT MAX(sort) FROM services WHERE centre_id = $1")
                    .bind(centre.id)
                    .fetch_one(&mut *c)
                    .await?;
            max.map_or(0, |m| m + 1)
        }
    };
    sqlx::query(
        "INSERT INTO services (centre_id, code, prefix, name, name_en, start_number, daily_cap, \
         mean_service_minutes, hours, examples, active, sort, note, short_name, short_name_en) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(centre.id)
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
    .bind(sort)
    .bind(&s.note)
    .bind(&s.short_name)
    .bind(&s.short_name_en)
    .execute(&mut *c)
    .await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM services WHERE centre_id = $1 AND code = $2")
        .bind(centre.id)
        .bind(s.code.as_str())
        .fetch_one(&mut *c)
        .await?;
    set_targets(c, id, s).await?;
    let events = changed(c, &centre, &ctx).await?;
    Ok((
        ServiceConfig {
            service: cfg.service,
            sort: Some(sort),
        },
        events,
    ))
}

pub async fn update_service(
    c: &mut AnyConnection,
    ctx: AdminCtx,
    code: ServiceCode,
    cfg: ServiceConfig,
) -> Reply<ServiceConfig> {
    let centre = rows::centre(c, &ctx.centre).await?;
    let row = rows::service(c, centre.id, &code).await?;
    let s = &cfg.service;
    if s.code != code {
        return Err(Rule::invalid("code", "a service's code cannot change").into());
    }
    s.validate()?;
    if s.prefix.as_str() != row.prefix || i64::from(s.start_number) != row.start_number {
        let issued: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM daily_sequences WHERE service_id = $1 AND service_day = $2",
        )
        .bind(row.id)
        .bind(today(&centre, &ctx)?)
        .fetch_one(&mut *c)
        .await?;
        if issued > 0 {
            return Err(Error::Conflict(Conflict::NumberingInUse));
        }
        check_prefix(c, centre.id, Some(row.id), &s.prefix).await?;
    }
    sqlx::query(
        "UPDATE services SET prefix = $1, name = $2, name_en = $3, start_number = $4, \
         daily_cap = $5, mean_service_minutes = $6, hours = $7, examples = $8, active = $9, \
         sort = COALESCE($10, sort), note = $11, short_name = $12, short_name_en = $13 WHERE id = $14",
    )
    .bind(s.prefix.as_str())
    .bind(&s.name)
    .bind(&s.name_en)
    .bind(i64::from(s.start_number))
    .bind(s.daily_cap.map(i64::from))
    .bind(i64::from(s.mean_service_minutes))
    .bind(s.hours.as_ref().map(serde_json::to_string).transpose()?)
    .bind(serde_json::to_string(&s.examples)?)
    .bind(i64::from(s.active))
    .bind(cfg.sort)
    .bind(&s.note)
    .bind(&s.short_name)
    .bind(&s.short_name_en)
    .bind(row.id)
    .execute(&mut *c)
    .await?;
    set_targets(c, row.id, s).await?;
    let sort: i64 = sqlx::query_scalar("SELECT sort FROM services WHERE id = $1")
        .bind(row.id)
        .fetch_one(&mut *c)
        .await?;
    let events = changed(c, &centre, &ctx).await?;
    Ok((
        ServiceConfig {
            service: cfg.service,
            sort: Some(sort),
        },
        events,
    ))
}

pub async fn delete_service(c: &mut AnyConnection, ctx: AdminCtx, code: ServiceCode) -> Reply<()> {
    let centre = rows::centre(c, &ctx.centre).await?;
    let row = rows::service(c, centre.id, &code).await?;
    let used: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM tickets WHERE service_id = $1 OR numbered_service_id = $1) \
         + (SELECT COUNT(*) FROM daily_sequences WHERE service_id = $1)",
    )
    .bind(row.id)
    .fetch_one(&mut *c)
    .await?;
    if used > 0 {
        return Err(Error::Conflict(Conflict::InUse));
    }
    sqlx::query("DELETE FROM counter_services WHERE service_id = $1")
        .bind(row.id)
        .execute(&mut *c)
        .await?;
    sqlx::query("DELETE FROM services WHERE id = $1")
        .bind(row.id)
        .execute(&mut *c)
        .await
        .map_err(in_use)?;
    let events = changed(c, &centre, &ctx).await?;
    Ok(((), events))
}

/// The ids of a counter's services, in its order, or `UnknownService`.
async fn service_ids(
    c: &mut AnyConnection,
    centre_id: i64,
    serves: &[ServiceCode],
) -> Result<Vec<i64>> {
    let known: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, code FROM services WHERE centre_id = $1")
            .bind(centre_id)
            .fetch_all(&mut *c)
            .await?;
    let codes = known
        .iter()
        .map(|(_, code)| ServiceCode::parse(code))
        .collect::<Result<Vec<_>, _>>()?;
    if unknown_service(serves, &codes).is_some() {
        return Err(Error::Conflict(Conflict::UnknownService));
    }
    Ok(serves
        .iter()
        .filter_map(|s| codes.iter().position(|k| k == s).map(|i| known[i].0))
        .collect())
}

async fn set_serves(c: &mut AnyConnection, counter_id: i64, ids: &[i64]) -> Result<()> {
    sqlx::query("DELETE FROM counter_services WHERE counter_id = $1")
        .bind(counter_id)
        .execute(&mut *c)
        .await?;
    for (rank, sid) in ids.iter().enumerate() {
        sqlx::query(
            "INSERT INTO counter_services (counter_id, service_id, rank) VALUES ($1, $2, $3)",
        )
        .bind(counter_id)
        .bind(sid)
        .bind(rank as i64)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

pub async fn create_counter(c: &mut AnyConnection, ctx: AdminCtx, k: Counter) -> Reply<Counter> {
    let centre = rows::centre(c, &ctx.centre).await?;
    k.validate()?;
    if rows::counter(c, centre.id, k.number).await.is_ok() {
        return Err(Error::Conflict(Conflict::CounterNumberTaken));
    }
    let ids = service_ids(c, centre.id, &k.serves).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO counters (centre_id, number, name, state) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(centre.id)
    .bind(i64::from(k.number.get()))
    .bind(&k.name)
    .bind(k.state.as_str())
    .fetch_one(&mut *c)
    .await?;
    set_serves(c, id, &ids).await?;
    let events = changed(c, &centre, &ctx).await?;
    Ok((k, events))
}

pub async fn update_counter(
    c: &mut AnyConnection,
    ctx: AdminCtx,
    number: CounterNumber,
    k: Counter,
) -> Reply<Counter> {
    let centre = rows::centre(c, &ctx.centre).await?;
    let row = rows::counter(c, centre.id, number).await?;
    if k.number != number {
        return Err(Rule::invalid("number", "a counter's number cannot change").into());
    }
    k.validate()?;
    let ids = service_ids(c, centre.id, &k.serves).await?;
    sqlx::query("UPDATE counters SET name = $1, state = $2 WHERE id = $3")
        .bind(&k.name)
        .bind(k.state.as_str())
        .bind(row.id)
        .execute(&mut *c)
        .await?;
    set_serves(c, row.id, &ids).await?;
    let events = changed(c, &centre, &ctx).await?;
    Ok((k, events))
}

pub async fn delete_counter(
    c: &mut AnyConnection,
    ctx: AdminCtx,
    number: CounterNumber,
) -> Reply<()> {
    let centre = rows::centre(c, &ctx.centre).await?;
    let row = rows::counter(c, centre.id, number).await?;
    let used: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets WHERE counter_id = $1 OR target_counter_id = $1",
    )
    .bind(row.id)
    .fetch_one(&mut *c)
    .await?;
    if used > 0 || row.current_ticket_id.is_some() {
        return Err(Error::Conflict(Conflict::InUse));
    }
    sqlx::query("DELETE FROM counter_services WHERE counter_id = $1")
        .bind(row.id)
        .execute(&mut *c)
        .await?;
    sqlx::query("DELETE FROM counters WHERE id = $1")
        .bind(row.id)
        .execute(&mut *c)
        .await
        .map_err(in_use)?;
    let events = changed(c, &centre, &ctx).await?;
    Ok(((), events))
}

/// A service's waiting and service-time targets (migration 0018), written
/// beside the service's own row in the same transaction.
pub async fn set_targets(c: &mut AnyConnection, service_id: i64, s: &Service) -> Result<()> {
    sqlx::query(
        "UPDATE services SET target_wait_minutes = $1, target_service_minutes = $2 WHERE id = $3",
    )
    .bind(s.target_wait_minutes.map(i64::from))
    .bind(s.target_service_minutes.map(i64::from))
    .bind(service_id)
    .execute(&mut *c)
    .await?;
    Ok(())
}
