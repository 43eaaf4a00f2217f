//! `GET`/`PUT`/`DELETE /api/v1/admin/centres/{centre}/notifier`: how the
//! centre's turn notices leave (`webhook`, `sms_http`, `zalo_zns`) and at how
//! many people ahead. Audience: admin, audited. `GET` never shows the
//! webhook's secret.

use axum::{extract::State, http::StatusCode, routing::get, Router};
use luot_domain::notice::{Channel, Notifier};
use serde_json::json;

use super::Admin;
use crate::{
    error::{ApiError, ApiResult, ErrorBody},
    extract::{Json, Path},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/admin/centres/{centre}/notifier",
        get(show).put(set).delete(remove),
    )
}

/// The centre's notifier (`null` when it sends no notices). Audience: admin.
#[utoipa::path(get, path = "/api/v1/admin/centres/{centre}/notifier", tag = "admin",
    params(("centre" = String, Path)),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
) -> ApiResult<Json<Option<Notifier>>> {
    let ctx = admin.ctx(&state, &centre)?;
    let mut n = state.store.notifier(&ctx.centre).await?;
    if let Some(Notifier {
        channel: Channel::Webhook { secret, .. },
        ..
    }) = n.as_mut()
    {
        secret.clear();
    }
    Ok(Json(n))
}

/// Sets the notifier, e.g. `{"kind": "zalo_zns", "template_id": "231415",
/// "ahead": 3, "ahead_by_service": {"A": 5}}`. Audience: admin.
#[utoipa::path(put, path = "/api/v1/admin/centres/{centre}/notifier", tag = "admin",
    params(("centre" = String, Path)),
    request_body = Object,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
    Json(body): Json<serde_json::Value>,
) -> ApiResult<StatusCode> {
    let ctx = admin.ctx(&state, &centre)?;
    let n: Notifier = serde_json::from_value(body).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("Cấu hình gửi tin không hợp lệ: {e}"),
            format!("not a notifier: {e}"),
        )
        .with("field", "kind")
    })?;
    n.validate().map_err(luot_store::Error::from)?;
    let details = json!({ "kind": n.channel.kind(), "ahead": n.ahead });
    let ctx = admin.audited(ctx, "notifier.set", details);
    state.store.set_notifier(ctx, Some(n)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stops the centre's notices. Audience: admin.
#[utoipa::path(delete, path = "/api/v1/admin/centres/{centre}/notifier", tag = "admin",
    params(("centre" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
) -> ApiResult<StatusCode> {
    let ctx = admin.ctx(&state, &centre)?;
    let ctx = admin.audited(ctx, "notifier.remove", json!({}));
    state.store.set_notifier(ctx, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
