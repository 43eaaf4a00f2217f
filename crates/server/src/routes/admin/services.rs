//! `POST /api/v1/admin/centres/{centre}/services`, `PUT`/`DELETE
//! .../services/{service}`: a centre's services (names, prefix, start number,
//! daily cap, hours, mean service minutes, active, examples, what to bring,
//! order). Audience: admin.
//!
//! Numbering rule: prefix and start number change only while the service has
//! issued no ticket this service day (409 `numbering_in_use` otherwise; change
//! it from the next day), so no number is ever printed twice in a day.

use axum::{extract::State, http::StatusCode, routing::post, routing::put, Router};
use luot_store::ServiceConfig;
use serde_json::json;

use super::Admin;
use crate::{
    error::{ApiResult, ErrorBody},
    extract::{Json, Path},
    state::{service_code, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/centres/{centre}/services", post(create))
        .route(
            "/api/v1/admin/centres/{centre}/services/{service}",
            put(update).delete(remove),
        )
}

/// Adds a service; 409 `service_code_taken` for a taken code, 409
/// `duplicate_prefix` for a prefix that prints like another service's, 422
/// `invalid` for a bad field. Audience: admin.
#[utoipa::path(post, path = "/api/v1/admin/centres/{centre}/services", tag = "admin",
    params(("centre" = String, Path, description = "Centre code")),
    request_body = ServiceConfig,
    responses((status = 201, body = ServiceConfig), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
    Json(body): Json<ServiceConfig>,
) -> ApiResult<(StatusCode, Json<ServiceConfig>)> {
    let ctx = admin.ctx(&state, &centre)?;
    let details = json!({ "service": body.service.code });
    let ctx = admin.audited(ctx, "admin.service.create", details);
    let saved = state.store.create_service(ctx, body).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Replaces a service (the body's `code` must be the path's). `sort: null`
/// keeps its place. Audience: admin.
#[utoipa::path(put, path = "/api/v1/admin/centres/{centre}/services/{service}", tag = "admin",
    params(("centre" = String, Path, description = "Centre code"),
        ("service" = String, Path, description = "Service code")),
    request_body = ServiceConfig,
    responses((status = 200, body = ServiceConfig), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    Path((centre, service)): Path<(String, String)>,
    Json(body): Json<ServiceConfig>,
) -> ApiResult<Json<ServiceConfig>> {
    let ctx = admin.ctx(&state, &centre)?;
    let service = service_code(&service)?;
    let details = json!({ "service": service, "prefix": body.service.prefix,
                          "active": body.service.active });
    let ctx = admin.audited(ctx, "admin.service.update", details);
    let saved = state.store.update_service(ctx, service, body).await?;
    Ok(Json(saved))
}

/// Deletes a service that never issued a ticket; otherwise 409 `in_use`
/// (set `active: false` instead). Audience: admin.
#[utoipa::path(delete, path = "/api/v1/admin/centres/{centre}/services/{service}", tag = "admin",
    params(("centre" = String, Path, description = "Centre code"),
        ("service" = String, Path, description = "Service code")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    admin: Admin,
    Path((centre, service)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let ctx = admin.ctx(&state, &centre)?;
    let service = service_code(&service)?;
    let details = json!({ "service": service });
    let ctx = admin.audited(ctx, "admin.service.delete", details);
    state.store.delete_service(ctx, service).await?;
    Ok(StatusCode::NO_CONTENT)
}
