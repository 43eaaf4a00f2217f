//! `GET /api/v1/admin/centres/{centre}`: the whole configuration the admin pages
//! edit; `PUT .../settings`: the centre's settings as one document (names,
//! address, hotline, timezone, hours and working days, priority classes,
//! announcement phrases, no-show rule, remote tickets, enforced hours, ticket
//! header and footer, data retention). Audience: admin.

use axum::{extract::State, routing::get, routing::put, Router};
use luot_domain::Centre;
use luot_store::AdminConfig;
use serde_json::json;

use super::Admin;
use crate::{
    error::{ApiResult, ErrorBody},
    extract::{Json, Path},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/centres/{centre}", get(config))
        .route("/api/v1/admin/centres/{centre}/settings", put(update))
}

/// The centre's full configuration: settings, services (in order), counters,
/// holidays, whether a logo is set. Audience: admin.
#[utoipa::path(get, path = "/api/v1/admin/centres/{centre}", tag = "admin",
    params(("centre" = String, Path, description = "Centre code")),
    responses((status = 200, body = AdminConfig), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn config(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
) -> ApiResult<Json<AdminConfig>> {
    let ctx = admin.ctx(&state, &centre)?;
    Ok(Json(state.store.admin_config(&ctx.centre).await?))
}

/// Replaces the centre's settings; takes effect with the next command and
/// announces `config_changed`. The code cannot change (422 `invalid`); a new
/// timezone once today's tickets exist is 409 `numbering_in_use`. Audience: admin.
#[utoipa::path(put, path = "/api/v1/admin/centres/{centre}/settings", tag = "admin",
    params(("centre" = String, Path, description = "Centre code")),
    request_body = Centre,
    responses((status = 200, body = Centre), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
    Json(settings): Json<Centre>,
) -> ApiResult<Json<Centre>> {
    let ctx = admin.ctx(&state, &centre)?;
    let ctx = admin.audited(ctx, "admin.settings.update", json!({}));
    let saved = state.store.update_centre_settings(ctx, settings).await?;
    Ok(Json(saved))
}
