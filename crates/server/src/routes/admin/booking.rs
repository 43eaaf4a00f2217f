//! `PUT /api/v1/admin/centres/{centre}/services/{service}/booking` (a
//! service's booking settings: online or not, slot length, places a slot, days
//! ahead, lead time, and the documents to bring, "giấy tờ cần mang", shown on
//! the portal, the confirmation and the ticket page) and `PUT
//! /api/v1/admin/centres/{centre}/booking-rules` (the centre's limits per phone
//! and check-in window). What is set is read back from the public `GET
//! /api/v1/centres/{centre}/booking`. Audience: admin.

use axum::{extract::State, routing::put, Router};
use luot_domain::BookingSettings;
use luot_store::BookingRules;
use serde_json::json;

use super::Admin;
use crate::{
    error::{ApiError, ApiResult, ErrorBody},
    extract::{Json, Path},
    state::{service_code, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/centres/{centre}/services/{service}/booking",
            put(set_settings),
        )
        .route(
            "/api/v1/admin/centres/{centre}/booking-rules",
            put(set_rules),
        )
}

/// Longest documents-to-bring text, per language.
const MAX_DOCUMENTS: usize = 1000;

fn invalid(field: &'static str, reason: &'static str) -> ApiError {
    luot_domain::Error::invalid(field, reason).into()
}

/// Replaces a service's booking settings; 422 `invalid` with `field` for a
/// value out of range. Audience: admin.
#[utoipa::path(put, path = "/api/v1/admin/centres/{centre}/services/{service}/booking", tag = "admin",
    params(("centre" = String, Path, description = "Centre code"),
        ("service" = String, Path, description = "Service code")),
    request_body = BookingSettings,
    responses((status = 200, body = BookingSettings), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_settings(
    State(state): State<AppState>,
    admin: Admin,
    Path((centre, service)): Path<(String, String)>,
    Json(body): Json<BookingSettings>,
) -> ApiResult<Json<BookingSettings>> {
    let ctx = admin.ctx(&state, &centre)?;
    let service = service_code(&service)?;
    body.validate()?;
    for (field, text) in [
        ("bring_note", &body.bring_note),
        ("bring_note_en", &body.bring_note_en),
    ] {
        if text.chars().count() > MAX_DOCUMENTS {
            return Err(invalid(field, "at most 1000 characters"));
        }
    }
    let details = json!({ "service": service, "slot_minutes": body.slot_minutes,
        "capacity": body.capacity, "horizon_days": body.horizon_days, "enabled": body.enabled });
    let ctx = admin.audited(ctx, "admin.booking.settings", details);
    state
        .store
        .set_booking_settings(&ctx.centre, &service, body.clone(), ctx.audit)
        .await?;
    Ok(Json(body))
}

/// Replaces the centre's booking rules: bookings a day per phone (1 to 20),
/// per service a day (1 to the daily limit), the check-in window (0 to 240
/// minutes each side) and how long booking data is kept (30 to 3650 days).
/// Audience: admin.
#[utoipa::path(put, path = "/api/v1/admin/centres/{centre}/booking-rules", tag = "admin",
    params(("centre" = String, Path, description = "Centre code")),
    request_body = BookingRules,
    responses((status = 200, body = BookingRules), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_rules(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
    Json(body): Json<BookingRules>,
) -> ApiResult<Json<BookingRules>> {
    let ctx = admin.ctx(&state, &centre)?;
    let l = &body.limits;
    if !(1..=20).contains(&l.per_day) {
        return Err(invalid("per_day", "1 to 20 bookings a day per phone"));
    }
    if !(1..=l.per_day).contains(&l.per_service_per_day) {
        return Err(invalid(
            "per_service_per_day",
            "1 to the daily limit per service",
        ));
    }
    if body.check_in.before_minutes > 240 || body.check_in.after_minutes > 240 {
        return Err(invalid("check_in", "0 to 240 minutes each side"));
    }
    if !(30..=3650).contains(&body.retention_days) {
        return Err(invalid("retention_days", "keep data 30 to 3650 days"));
    }
    let details = json!({ "per_day": l.per_day, "per_service_per_day": l.per_service_per_day });
    let ctx = admin.audited(ctx, "admin.booking.rules", details);
    state
        .store
        .set_booking_rules(&ctx.centre, body.clone(), ctx.audit)
        .await?;
    Ok(Json(body))
}
