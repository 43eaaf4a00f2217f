//! `POST /api/v1/admin/centres/{centre}/counters`, `PUT`/`DELETE
//! .../counters/{counter}`: counters, their names and states, and the services
//! each serves in order of preference (call-next looks at the first first).
//! Audience: admin.

use axum::{extract::State, http::StatusCode, routing::post, routing::put, Router};
use luot_domain::Counter;
use serde_json::json;

use super::Admin;
use crate::{
    error::{ApiResult, ErrorBody},
    extract::{Json, Path},
    state::{counter_number, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/centres/{centre}/counters", post(create))
        .route(
            "/api/v1/admin/centres/{centre}/counters/{counter}",
            put(update).delete(remove),
        )
}

/// Adds a counter; 409 `counter_number_taken` for a taken number, 422
/// `unknown_service` when `serves` names a service the centre lacks. Audience: admin.
#[utoipa::path(post, path = "/api/v1/admin/centres/{centre}/counters", tag = "admin",
    params(("centre" = String, Path, description = "Centre code")),
    request_body = Counter,
    responses((status = 201, body = Counter), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
    Json(body): Json<Counter>,
) -> ApiResult<(StatusCode, Json<Counter>)> {
    let ctx = admin.ctx(&state, &centre)?;
    let details = json!({ "counter": body.number, "serves": body.serves });
    let ctx = admin.audited(ctx, "admin.counter.create", details);
    let saved = state.store.create_counter(ctx, body).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Replaces a counter (the body's `number` must be the path's): name, state,
/// and the ordered list of services it serves. Audience: admin.
#[utoipa::path(put, path = "/api/v1/admin/centres/{centre}/counters/{counter}", tag = "admin",
    params(("centre" = String, Path, description = "Centre code"),
        ("counter" = u16, Path, description = "Counter number")),
    request_body = Counter,
    responses((status = 200, body = Counter), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    Path((centre, counter)): Path<(String, String)>,
    Json(body): Json<Counter>,
) -> ApiResult<Json<Counter>> {
    let ctx = admin.ctx(&state, &centre)?;
    let number = counter_number(&counter)?;
    let details = json!({ "counter": number, "serves": body.serves, "state": body.state });
    let ctx = admin.audited(ctx, "admin.counter.update", details);
    let saved = state.store.update_counter(ctx, number, body).await?;
    Ok(Json(saved))
}

/// Deletes a counter that never called a ticket; otherwise 409 `in_use`
/// (set `state: closed` instead). Audience: admin.
#[utoipa::path(delete, path = "/api/v1/admin/centres/{centre}/counters/{counter}", tag = "admin",
    params(("centre" = String, Path, description = "Centre code"),
        ("counter" = u16, Path, description = "Counter number")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    admin: Admin,
    Path((centre, counter)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let ctx = admin.ctx(&state, &centre)?;
    let number = counter_number(&counter)?;
    let ctx = admin.audited(ctx, "admin.counter.delete", json!({ "counter": number }));
    state.store.delete_counter(ctx, number).await?;
    Ok(StatusCode::NO_CONTENT)
}
