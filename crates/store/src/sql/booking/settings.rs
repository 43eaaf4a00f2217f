//! Booking settings per service, booking rules and holidays per centre: read
//! with defaults for what was never set, and written by the administrator (and
//! the demo seed).

use luot_domain::{BookingSettings, ServiceCode};
use sqlx::AnyConnection;

use crate::sql::rows;
use crate::{booking::*, Error, Result};

/// A service's booking settings (defaults where none were set) with its
/// documents to bring, which live on the service (`services.note`, `note_en`:
/// one text for the kiosk, the portal, bookings and the printed ticket).
#[derive(sqlx::FromRow)]
struct SettingsRow {
    enabled: Option<i64>,
    slot_minutes: Option<i64>,
    capacity: Option<i64>,
    horizon_days: Option<i64>,
    lead_minutes: Option<i64>,
    note: String,
    note_en: String,
}

pub async fn settings(c: &mut AnyConnection, service_id: i64) -> Result<BookingSettings> {
    let r: SettingsRow = sqlx::query_as(
        "SELECT b.enabled, b.slot_minutes, b.capacity, b.horizon_days, b.lead_minutes, \
         s.note, s.note_en FROM services s LEFT JOIN booking_settings b ON b.service_id = s.id \
         WHERE s.id = $1",
    )
    .bind(service_id)
    .fetch_optional(&mut *c)
    .await?
    .ok_or(Error::NotFound("service"))?;
    let d = BookingSettings::default();
    let n = |v: Option<i64>, default: u32| v.map_or(default, |v| v as u32);
    Ok(BookingSettings {
        enabled: r.enabled.map_or(d.enabled, |e| e != 0),
        slot_minutes: n(r.slot_minutes, d.slot_minutes),
        capacity: n(r.capacity, d.capacity),
        horizon_days: n(r.horizon_days, d.horizon_days),
        lead_minutes: n(r.lead_minutes, d.lead_minutes),
        bring_note: r.note,
        bring_note_en: r.note_en,
    })
}

/// A centre's row of `booking_rules`.
#[derive(sqlx::FromRow)]
struct RulesRow {
    per_day: i64,
    per_service_per_day: i64,
    checkin_before_min: i64,
    checkin_after_min: i64,
    retention_days: i64,
}

pub async fn rules(c: &mut AnyConnection, centre_id: i64) -> Result<BookingRules> {
    let row: Option<RulesRow> = sqlx::query_as(
        "SELECT per_day, per_service_per_day, checkin_before_min, checkin_after_min, \
         retention_days FROM booking_rules WHERE centre_id = $1",
    )
    .bind(centre_id)
    .fetch_optional(&mut *c)
    .await?;
    Ok(match row {
        None => BookingRules::default(),
        Some(r) => BookingRules {
            limits: luot_domain::Limits {
                per_day: r.per_day as u32,
                per_service_per_day: r.per_service_per_day as u32,
            },
            check_in: luot_domain::CheckInWindow {
                before_minutes: r.checkin_before_min as u32,
                after_minutes: r.checkin_after_min as u32,
            },
            retention_days: r.retention_days as u32,
        },
    })
}

pub async fn holidays<C: crate::sql::tx::Tx + ?Sized>(
    c: &mut C,
    centre_id: i64,
) -> Result<Vec<Holiday>> {
    let rows = c
        .rows(
            "SELECT day, name FROM holidays WHERE centre_id = $1 ORDER BY day",
            crate::sql::tx::args![centre_id],
            |r| Ok((r.text(0)?, r.text(1)?)),
        )
        .await?;
    rows.into_iter()
        .map(|(day, name)| {
            let date = day
                .parse()
                .map_err(|e| Error::Internal(format!("stored holiday `{day}`: {e}")))?;
            Ok(Holiday { date, name })
        })
        .collect()
}

pub async fn info(c: &mut AnyConnection, code: &luot_domain::CentreCode) -> Result<BookingInfo> {
    let centre = rows::centre(c, code).await?;
    let mut services = Vec::new();
    for s in rows::services(c, centre.id).await? {
        if s.active == 0 {
            continue;
        }
        services.push(BookableService {
            code: s.code(),
            name: s.name.clone(),
            name_en: s.name_en.clone(),
            examples: serde_json::from_str(&s.examples)?,
            settings: settings(c, s.id).await?,
            working_days: s
                .hours(&centre.config)?
                .working_days
                .iter()
                .map(|d| d.iso_number())
                .collect(),
        });
    }
    let cfg = &centre.config;
    Ok(BookingInfo {
        centre: cfg.code.clone(),
        name: cfg.name.clone(),
        name_en: cfg.name_en.clone(),
        address: cfg.address.clone(),
        hotline: cfg.hotline.clone(),
        timezone: cfg.timezone.clone(),
        rules: rules(c, centre.id).await?,
        holidays: holidays(c, centre.id).await?,
        services,
    })
}

pub async fn set_settings(
    c: &mut AnyConnection,
    centre: luot_domain::CentreCode,
    service: ServiceCode,
    s: BookingSettings,
) -> Result<((), Vec<luot_domain::Event>)> {
    s.validate()?;
    let centre = rows::centre(c, &centre).await?;
    let svc = rows::service(c, centre.id, &service).await?;
    sqlx::query(
        "INSERT INTO booking_settings (service_id, enabled, slot_minutes, capacity, horizon_days, \
         lead_minutes) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (service_id) DO UPDATE SET enabled = $2, slot_minutes = $3, capacity = $4, \
         horizon_days = $5, lead_minutes = $6",
    )
    .bind(svc.id)
    .bind(i64::from(s.enabled))
    .bind(i64::from(s.slot_minutes))
    .bind(i64::from(s.capacity))
    .bind(i64::from(s.horizon_days))
    .bind(i64::from(s.lead_minutes))
    .execute(&mut *c)
    .await?;
    // The documents to bring are the service's own (one text everywhere).
    sqlx::query("UPDATE services SET note = $1, note_en = $2 WHERE id = $3")
        .bind(&s.bring_note)
        .bind(&s.bring_note_en)
        .bind(svc.id)
        .execute(&mut *c)
        .await?;
    Ok(((), Vec::new()))
}

pub async fn set_rules(
    c: &mut AnyConnection,
    centre: luot_domain::CentreCode,
    r: BookingRules,
) -> Result<((), Vec<luot_domain::Event>)> {
    let centre = rows::centre(c, &centre).await?;
    sqlx::query(
        "INSERT INTO booking_rules (centre_id, per_day, per_service_per_day, checkin_before_min, \
         checkin_after_min, retention_days) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (centre_id) DO UPDATE SET per_day = $2, per_service_per_day = $3, \
         checkin_before_min = $4, checkin_after_min = $5, retention_days = $6",
    )
    .bind(centre.id)
    .bind(i64::from(r.limits.per_day))
    .bind(i64::from(r.limits.per_service_per_day))
    .bind(i64::from(r.check_in.before_minutes))
    .bind(i64::from(r.check_in.after_minutes))
    .bind(i64::from(r.retention_days))
    .execute(&mut *c)
    .await?;
    Ok(((), Vec::new()))
}

pub async fn set_holidays(
    c: &mut AnyConnection,
    centre: luot_domain::CentreCode,
    list: Vec<Holiday>,
) -> Result<((), Vec<luot_domain::Event>)> {
    let centre = rows::centre(c, &centre).await?;
    sqlx::query("DELETE FROM holidays WHERE centre_id = $1")
        .bind(centre.id)
        .execute(&mut *c)
        .await?;
    for h in list {
        sqlx::query(
            "INSERT INTO holidays (centre_id, day, name) VALUES ($1, $2, $3) \
             ON CONFLICT (centre_id, day) DO UPDATE SET name = $3",
        )
        .bind(centre.id)
        .bind(h.date.to_string())
        .bind(&h.name)
        .execute(&mut *c)
        .await?;
    }
    Ok(((), Vec::new()))
}
