//! `POST`/`GET /api/v1/admin/centres/{centre}/webhooks`, `DELETE
//! .../webhooks/{id}`: outbound webhooks to the province's systems. A hook
//! names the events it wants (`ticket.issued`, `ticket.called`, `ticket.served`,
//! `ticket.no_show`, `ticket.expired`, `ticket.rated`, `dossier.attached`,
//! `booking.created`, `booking.cancelled`) and a secret; each delivery is
//! signed with it (crates/server/src/webhooks.rs). Only a hook created with
//! `personal_data` receives a booking's code, name and phone. The list shows
//! each hook's latest deliveries and failures, never its secret. Audience:
//! admin, audited.

use axum::{extract::State, http::StatusCode, routing::delete, routing::get, Router};
use luot_store::integration::{NewWebhook, Webhook, WEBHOOK_EVENTS};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Admin;
use crate::{
    error::{ApiError, ApiResult, ErrorBody},
    extract::{Json, Path},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/centres/{centre}/webhooks",
            get(list).post(create),
        )
        .route(
            "/api/v1/admin/centres/{centre}/webhooks/{id}",
            delete(remove),
        )
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateWebhook {
    /// `https://...` (or `http://` on a private network) receiving JSON POSTs.
    pub url: String,
    /// Event names to deliver, e.g. `["ticket.called", "ticket.rated"]`.
    pub events: Vec<String>,
    /// Key of the HMAC-SHA256 in `X-Luot-Signature`: 16 to 200 characters.
    pub secret: String,
    /// Allow personal data in payloads: `booking.created` and
    /// `booking.cancelled` then carry the booking code, name and phone.
    /// Default false: no payload names anyone.
    #[serde(default)]
    pub personal_data: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

fn invalid(field: &'static str, vi: &str, en: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_webhook", vi, en).with("field", field)
}

fn check(body: &CreateWebhook) -> ApiResult<()> {
    let url = reqwest::Url::parse(&body.url).ok();
    let url_ok = url.as_ref().is_some_and(|u| {
        matches!(u.scheme(), "https" | "http") && u.host_str().is_some() && body.url.len() <= 500
    });
    if !url_ok {
        return Err(invalid(
            "url",
            "Địa chỉ nhận phải là một URL http(s) hợp lệ",
            "url must be a valid http(s) URL",
        ));
    }
    if body.events.is_empty()
        || body.events.len() > WEBHOOK_EVENTS.len()
        || !body
            .events
            .iter()
            .all(|e| WEBHOOK_EVENTS.iter().any(|(name, _)| name == e))
    {
        let names: Vec<&str> = WEBHOOK_EVENTS.iter().map(|(n, _)| *n).collect();
        return Err(invalid(
            "events",
            &format!("Chọn ít nhất một sự kiện trong: {}", names.join(", ")),
            &format!("choose at least one of: {}", names.join(", ")),
        ));
    }
    let n = body.secret.chars().count();
    if !(16..=200).contains(&n) || body.secret.chars().any(char::is_control) {
        return Err(invalid(
            "secret",
            "Khóa bí mật dài từ 16 đến 200 ký tự",
            "secret must be 16 to 200 characters",
        ));
    }
    Ok(())
}

/// Registers a webhook; deliveries start with the next event. Audience: admin.
#[utoipa::path(post, path = "/api/v1/admin/centres/{centre}/webhooks", tag = "admin",
    params(("centre" = String, Path, description = "Centre code")),
    request_body = CreateWebhook,
    responses((status = 201, body = Created), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
    Json(body): Json<CreateWebhook>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let ctx = admin.ctx(&state, &centre)?;
    check(&body)?;
    let mut events = body.events;
    events.sort();
    events.dedup();
    let details = json!({ "url": body.url, "events": events, "personal_data": body.personal_data });
    let hook = NewWebhook {
        url: body.url,
        events,
        secret: body.secret,
        personal_data: body.personal_data,
    };
    let ctx = admin.audited(ctx, "webhook.create", details);
    let id = state.store.create_webhook(ctx, hook).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// The centre's webhooks with their latest deliveries. Audience: admin.
#[utoipa::path(get, path = "/api/v1/admin/centres/{centre}/webhooks", tag = "admin",
    params(("centre" = String, Path, description = "Centre code")),
    responses((status = 200, body = [Webhook]), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
) -> ApiResult<Json<Vec<Webhook>>> {
    let ctx = admin.ctx(&state, &centre)?;
    Ok(Json(state.store.webhooks(&ctx.centre).await?))
}

/// Removes a webhook; nothing more is sent to it. Audience: admin.
#[utoipa::path(delete, path = "/api/v1/admin/centres/{centre}/webhooks/{id}", tag = "admin",
    params(("centre" = String, Path, description = "Centre code"), ("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    admin: Admin,
    Path((centre, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let ctx = admin.ctx(&state, &centre)?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found("webhook"))?;
    let ctx = admin.audited(ctx, "webhook.delete", json!({ "id": id }));
    state.store.delete_webhook(ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
