//! `GET /api/v1/admin/centres/{centre}/holidays`, `PUT`/`DELETE
//! .../holidays/{date}`: days the centre is closed (no bookings are offered).
//! A holiday is addressed by its date, so `PUT` both adds and renames.
//! Audience: admin.

use axum::{extract::State, http::StatusCode, routing::get, routing::put, Router};
use jiff::civil::Date;
use luot_store::Holiday;
use serde::Deserialize;
use serde_json::json;

use super::Admin;
use crate::{
    error::{ApiError, ApiResult, ErrorBody},
    extract::{Json, Path},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/centres/{centre}/holidays", get(list))
        .route(
            "/api/v1/admin/centres/{centre}/holidays/{date}",
            put(upsert).delete(remove),
        )
}

/// `YYYY-MM-DD`, or 400 `invalid_date`.
pub fn parse_date(field: &str, s: &str) -> Result<Date, ApiError> {
    s.parse::<Date>()
        .ok()
        .filter(|_| s.len() == 10)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_date",
                format!("Ngày không hợp lệ ({field}): dùng dạng YYYY-MM-DD"),
                format!("invalid date ({field}): use YYYY-MM-DD"),
            )
        })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct HolidayName {
    /// E.g. `Tết Nguyên đán`.
    pub name: String,
}

/// The centre's holidays, by date. Audience: admin.
#[utoipa::path(get, path = "/api/v1/admin/centres/{centre}/holidays", tag = "admin",
    params(("centre" = String, Path, description = "Centre code")),
    responses((status = 200, body = [Holiday]), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
) -> ApiResult<Json<Vec<Holiday>>> {
    let ctx = admin.ctx(&state, &centre)?;
    Ok(Json(state.store.holidays(&ctx.centre).await?))
}

/// Adds the holiday on `date`, or renames it. Audience: admin.
#[utoipa::path(put, path = "/api/v1/admin/centres/{centre}/holidays/{date}", tag = "admin",
    params(("centre" = String, Path, description = "Centre code"),
        ("date" = String, Path, description = "YYYY-MM-DD")),
    request_body = HolidayName,
    responses((status = 200, body = Holiday), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upsert(
    State(state): State<AppState>,
    admin: Admin,
    Path((centre, date)): Path<(String, String)>,
    Json(body): Json<HolidayName>,
) -> ApiResult<Json<Holiday>> {
    let ctx = admin.ctx(&state, &centre)?;
    let date = parse_date("date", &date)?;
    let holiday = Holiday {
        date,
        name: body.name,
    };
    let ctx = admin.audited(ctx, "admin.holiday.put", json!({ "date": date }));
    let saved = state.store.put_holiday(ctx, holiday).await?;
    Ok(Json(saved))
}

/// Removes the holiday on `date` (404 when there is none). Audience: admin.
#[utoipa::path(delete, path = "/api/v1/admin/centres/{centre}/holidays/{date}", tag = "admin",
    params(("centre" = String, Path, description = "Centre code"),
        ("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    admin: Admin,
    Path((centre, date)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let ctx = admin.ctx(&state, &centre)?;
    let date = parse_date("date", &date)?;
    let ctx = admin.audited(ctx, "admin.holiday.delete", json!({ "date": date }));
    state.store.delete_holiday(ctx, date).await?;
    Ok(StatusCode::NO_CONTENT)
}
