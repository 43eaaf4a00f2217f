//! `POST /api/v1/centres/{centre}/counters/{counter}/dossiers {code}`: the
//! officer attaches a dossier code (mã hồ sơ), typed or scanned from the
//! receipt, to the ticket being served at that counter (or, between citizens,
//! to the one finished in the last 15 minutes). Audience: staff at that
//! counter; audited. The code must have the shape the centre's
//! `dossier_pattern` sets (422 `invalid_dossier_code` otherwise); 409
//! `no_current_ticket` when the counter has no ticket to attach it to.
//!
//! Once served, a ticket with a dossier code links to the provincial rating
//! page (the centre's `evaluation_url_template`): on its status page
//! (`/api/v1/tickets/{token}/dossiers` and `evaluation.svg`, anyone with the
//! token) and on the counter's rating tablet
//! (`GET /api/v1/centres/{centre}/counters/{counter}/evaluation`, the rating
//! devices of the centre: the ticket the counter finished in the last 15
//! minutes, with the QR code inline, as the tablet's token cannot ride on an
//! image request).

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::IntoResponse,
    routing::{get, post},
    Router,
};
use luot_store::auth::DeviceKind;
use luot_store::integration::{AttachDossier, Attached, CounterEvaluation, TicketDossiers};
use serde::{Deserialize, Serialize};

use super::counters::{audited, counter_ref};
use crate::{
    auth::{Caller, ClientIp},
    error::{ApiError, ApiResult},
    extract::{Json, Path},
    state::{centre_code, counter_number, ticket_token, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/centres/{centre}/counters/{counter}/dossiers",
            post(attach),
        )
        .route("/api/v1/tickets/{token}/dossiers", get(of_ticket))
        .route("/api/v1/tickets/{token}/evaluation.svg", get(evaluation_qr))
        .route(
            "/api/v1/centres/{centre}/counters/{counter}/evaluation",
            get(at_counter),
        )
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AttachBody {
    /// The dossier code as typed or scanned (surrounding spaces are ignored).
    pub code: String,
}

/// Attaches a dossier code to the counter's current ticket. Audience: staff at
/// that counter.
#[utoipa::path(post, path = "/api/v1/centres/{centre}/counters/{counter}/dossiers", tag = "counters",
    params(("centre" = String, Path), ("counter" = u16, Path)),
    request_body = AttachBody,
    responses((status = 201, body = Attached),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "no ticket at the counter"),
        (status = 422, body = crate::error::ErrorBody, description = "not a dossier code of this centre")))]
pub async fn attach(
    State(state): State<AppState>,
    Path((centre, counter)): Path<(String, String)>,
    caller: Caller,
    ip: ClientIp,
    Json(body): Json<AttachBody>,
) -> ApiResult<(StatusCode, Json<Attached>)> {
    let at = counter_ref(&state, &caller, &centre, &counter)?;
    let at = audited(
        &state,
        ip,
        at,
        "counter.attach_dossier",
        serde_json::json!({}),
    );
    let cmd = AttachDossier {
        at,
        code: body.code,
    };
    let attached = state
        .store
        .attach_dossier(cmd)
        .await
        .map_err(ApiError::from)
        .map_err(|e| {
            let field = e.extra.get("field").and_then(|f| f.as_str());
            if e.body.code == "invalid" && field == Some("dossier_code") {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_dossier_code",
                    "Mã hồ sơ không đúng định dạng của trung tâm",
                    "not a dossier code of this centre",
                )
                .with("field", "code")
            } else {
                e
            }
        })?;
    Ok((StatusCode::CREATED, Json(attached)))
}

/// A ticket's dossier codes and, once served, the provincial rating page of
/// its first dossier (when the centre set `evaluation_url_template`).
/// Audience: anyone with the ticket's token.
#[utoipa::path(get, path = "/api/v1/tickets/{token}/dossiers", tag = "tickets",
    params(("token" = String, Path)),
    responses((status = 200, body = TicketDossiers), (status = 404, body = crate::error::ErrorBody)))]
pub async fn of_ticket(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<impl IntoResponse> {
    ticket_token(&token)?;
    let dossiers = state.store.ticket_dossiers(&token).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(dossiers)))
}

/// The evaluation link of a served ticket as a QR code (SVG), for the status
/// page and the rating tablet; 404 when there is none. Audience: anyone with
/// the ticket's token.
#[utoipa::path(get, path = "/api/v1/tickets/{token}/evaluation.svg", tag = "tickets",
    params(("token" = String, Path)),
    responses((status = 200, content_type = "image/svg+xml", body = String),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn evaluation_qr(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<impl IntoResponse> {
    ticket_token(&token)?;
    let url = state
        .store
        .ticket_dossiers(&token)
        .await?
        .evaluation_url
        .ok_or_else(|| ApiError::not_found("evaluation"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        qr_svg(&url)?,
    ))
}

/// A link as a QR code, an SVG document.
fn qr_svg(url: &str) -> ApiResult<String> {
    Ok(qrcode::QrCode::new(url.as_bytes())
        .map_err(ApiError::internal)?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// What the rating tablet shows after a service: the ticket, its dossier
/// codes, and the provincial rating page as a link and a QR code.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TabletEvaluation {
    #[serde(flatten)]
    pub ticket: CounterEvaluation,
    /// `evaluation_url` as an SVG QR code; null without a link.
    pub qr_svg: Option<String>,
}

/// The ticket this counter finished last (within 15 minutes), with its dossier
/// codes and evaluation link; 404 when none. Audience: a rating device of the
/// centre.
#[utoipa::path(get, path = "/api/v1/centres/{centre}/counters/{counter}/evaluation", tag = "feedback",
    params(("centre" = String, Path), ("counter" = u16, Path)),
    responses((status = 200, body = TabletEvaluation), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody, description = "no ticket completed here lately")))]
pub async fn at_counter(
    State(state): State<AppState>,
    Path((centre, counter)): Path<(String, String)>,
    caller: Caller,
) -> ApiResult<impl IntoResponse> {
    let centre = centre_code(&centre)?;
    let device = caller.device(&[DeviceKind::Rating], &centre)?;
    let counter = counter_number(&counter)?;
    device.rates_at(counter)?;
    let since = state.now() - super::feedback::TABLET_WINDOW;
    let ticket = state
        .store
        .counter_evaluation(&centre, counter, since)
        .await?;
    let qr_svg = ticket
        .dossiers
        .evaluation_url
        .as_deref()
        .map(qr_svg)
        .transpose()?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(TabletEvaluation { ticket, qr_svg }),
    ))
}
