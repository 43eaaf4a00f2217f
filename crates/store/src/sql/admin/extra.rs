//! Administration beyond services and counters: holidays, the ticket logo, and
//! the whole configuration as the admin pages read it.

use base64::Engine;
use jiff::civil::Date;
use luot_domain::{config::MAX_TEXT, CentreCode, Error as Rule};
use sqlx::AnyConnection;

use super::super::{rows, setup};
use super::config::{changed, Reply};
use crate::{AdminConfig, AdminCtx, Error, Holiday, Result, ServiceConfig};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub async fn config(c: &mut AnyConnection, code: &CentreCode) -> Result<AdminConfig> {
    let setup = setup::centre_setup(c, code).await?;
    let centre = rows::centre(c, code).await?;
    let sorts: Vec<(String, i64)> =
        sqlx::query_as("SELECT code, sort FROM services WHERE centre_id = $1")
            .bind(centre.id)
            .fetch_all(&mut *c)
            .await?;
    let services = setup
        .services
        .into_iter()
        .map(|s| {
            let sort = sorts
                .iter()
                .find(|(k, _)| k == s.code.as_str())
                .map(|r| r.1);
            ServiceConfig { service: s, sort }
        })
        .collect();
    let has_logo: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM centre_logos WHERE centre_id = $1")
            .bind(centre.id)
            .fetch_one(&mut *c)
            .await?;
    Ok(AdminConfig {
        centre: setup.centre,
        services,
        counters: setup.counters,
        holidays: holidays(c, centre.id).await?,
        has_logo: has_logo > 0,
    })
}

pub async fn holidays(c: &mut AnyConnection, centre_id: i64) -> Result<Vec<Holiday>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT day, name FROM holidays WHERE centre_id = $1 ORDER BY day")
            .bind(centre_id)
            .fetch_all(&mut *c)
            .await?;
    rows.into_iter()
        .map(|(day, name)| {
            let date = day
                .parse()
                .map_err(|_| Error::Internal(format!("stored holiday `{day}`")))?;
            Ok(Holiday { date, name })
        })
        .collect()
}

pub async fn put_holiday(c: &mut AnyConnection, ctx: AdminCtx, h: Holiday) -> Reply<Holiday> {
    let centre = rows::centre(c, &ctx.centre).await?;
    let name = h.name.trim();
    if name.is_empty() || name.chars().count() > MAX_TEXT {
        return Err(Rule::invalid("name", "a holiday needs a name of 1 to 200 characters").into());
    }
    sqlx::query(
        "INSERT INTO holidays (centre_id, day, name) VALUES ($1, $2, $3) \
         ON CONFLICT (centre_id, day) DO UPDATE SET name = excluded.name",
    )
    .bind(centre.id)
    .bind(h.date.to_string())
    .bind(name)
    .execute(&mut *c)
    .await?;
    let events = changed(c, &centre, &ctx).await?;
    Ok((
        Holiday {
            date: h.date,
            name: name.to_owned(),
        },
        events,
    ))
}

pub async fn delete_holiday(c: &mut AnyConnection, ctx: AdminCtx, date: Date) -> Reply<()> {
    let centre = rows::centre(c, &ctx.centre).await?;
    let gone = sqlx::query("DELETE FROM holidays WHERE centre_id = $1 AND day = $2")
        .bind(centre.id)
        .bind(date.to_string())
        .execute(&mut *c)
        .await?
        .rows_affected();
    if gone == 0 {
        return Err(Error::NotFound("holiday"));
    }
    // Uploads and removals alike, so a version is never seen twice (a removed
    // logo's successor must not match a cache of the removed one).
    sqlx::query("UPDATE centres SET logo_version = logo_version + 1 WHERE id = $1")
        .bind(centre.id)
        .execute(&mut *c)
        .await?;
    let events = changed(c, &centre, &ctx).await?;
    Ok(((), events))
}

pub async fn logo(c: &mut AnyConnection, code: &CentreCode) -> Result<Option<Vec<u8>>> {
    let centre = rows::centre(c, code).await?;
    let png: Option<String> =
        sqlx::query_scalar("SELECT png FROM centre_logos WHERE centre_id = $1")
            .bind(centre.id)
            .fetch_optional(&mut *c)
            .await?;
    png.map(|p| {
        B64.decode(p)
            .map_err(|e| Error::Internal(format!("stored logo: {e}")))
    })
    .transpose()
}

pub async fn logo_version(c: &mut AnyConnection, code: &CentreCode) -> Result<Option<i64>> {
    let row: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT c.logo_version, l.centre_id FROM centres c \
         LEFT JOIN centre_logos l ON l.centre_id = c.id WHERE c.code = $1",
    )
    .bind(code.as_str())
    .fetch_optional(&mut *c)
    .await?;
    let (version, logo) = row.ok_or(Error::NotFound("centre"))?;
    Ok(logo.map(|_| version))
}

pub async fn set_logo(c: &mut AnyConnection, ctx: AdminCtx, png: Option<Vec<u8>>) -> Reply<()> {
    let centre = rows::centre(c, &ctx.centre).await?;
    match png {
        Some(bytes) => {
            sqlx::query(
                "INSERT INTO centre_logos (centre_id, png, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (centre_id) DO UPDATE SET png = excluded.png, updated_at = excluded.updated_at",
            )
            .bind(centre.id)
            .bind(B64.encode(bytes))
            .bind(rows::micros(ctx.now))
            .execute(&mut *c)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM centre_logos WHERE centre_id = $1")
                .bind(centre.id)
                .execute(&mut *c)
                .await?;
        }
    }
    // Uploads and removals alike, so a version is never seen twice (a removed
    // logo's successor must not match a cache of the removed one).
    sqlx::query("UPDATE centres SET logo_version = logo_version + 1 WHERE id = $1")
        .bind(centre.id)
        .execute(&mut *c)
        .await?;
    let events = changed(c, &centre, &ctx).await?;
    Ok(((), events))
}
