//! Checking a booking in at the kiosk or a counter: by the code (typed, or the
//! booking QR scanned), or by the citizen's CCCD QR, which finds today's booking
//! made with that ID number. The reply is the appointment ticket (201 when new,
//! 200 when the booking was already checked in). Too early: 409 `too_early`
//! with `come_back_at`; too late: 409 `too_late` with the service for a normal
//! ticket.

use axum::{extract::State, http::StatusCode, routing::post, Router};
use luot_domain::{cccd, BookingCode, CentreCode};
use luot_store::{auth::DeviceKind, CheckIn, CheckInBy, CheckInOutcome};
use serde::Deserialize;

use crate::{
    auth::{Caller, ClientIp},
    error::{ApiError, ApiResult},
    extract::{Json, Path},
    ratelimit::limit,
    state::{centre_code, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/appointments/{code}/check-in", post(by_code))
        .route("/api/v1/centres/{centre}/check-in", post(by_scan))
}

/// The audience of check-in: a kiosk device (its centre) or staff (their
/// centre; `None` for staff of every centre). Anyone else: 401 / 403.
fn scope(caller: &Caller) -> ApiResult<Option<CentreCode>> {
    match caller {
        Caller::Device(d) => Ok(Some(
            caller
                .device(&[DeviceKind::Kiosk], &d.centre)?
                .centre
                .clone(),
        )),
        Caller::Staff(s) => Ok(s.centre.clone()),
        Caller::Anonymous => Err(ApiError::unauthenticated()),
    }
}

async fn run(
    state: &AppState,
    caller: &Caller,
    within: Option<CentreCode>,
    by: CheckInBy,
) -> ApiResult<(StatusCode, Json<CheckInOutcome>)> {
    let cmd = CheckIn {
        by,
        within,
        actor: caller.actor(),
        now: state.now(),
    };
    let out = state.store.check_in(cmd).await?;
    let status = if out.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(out)))
}

/// Audience: device (kiosk) or staff. Checks in by booking code.
#[utoipa::path(post, path = "/api/v1/appointments/{code}/check-in", tag = "appointments",
    params(("code" = String, Path)),
    responses((status = 201, body = CheckInOutcome), (status = 200, body = CheckInOutcome, description = "already checked in"),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "too_early (come_back_at), too_late (walk_in), appointment_not_active")))]
pub async fn by_code(
    State(state): State<AppState>,
    ip: ClientIp,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<(StatusCode, Json<CheckInOutcome>)> {
    let within = scope(&caller)?;
    limit(&state.booking_limits.check_in, &ip.key())?;
    let code = BookingCode::parse(&code).map_err(|_| ApiError::not_found("appointment"))?;
    run(&state, &caller, within, CheckInBy::Code(code)).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ScanRequest {
    /// What the scanner typed: a CCCD / căn cước QR payload or a booking code.
    pub scan: String,
}

/// Audience: device (kiosk) or staff. Checks in by what a scanner read: a CCCD
/// QR (today's booking made with that ID number at this centre) or a booking code.
#[utoipa::path(post, path = "/api/v1/centres/{centre}/check-in", tag = "appointments",
    params(("centre" = String, Path)), request_body = ScanRequest,
    responses((status = 201, body = CheckInOutcome), (status = 200, body = CheckInOutcome),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody, description = "neither a CCCD QR nor a booking code")))]
pub async fn by_scan(
    State(state): State<AppState>,
    ip: ClientIp,
    caller: Caller,
    Path(centre): Path<String>,
    Json(req): Json<ScanRequest>,
) -> ApiResult<(StatusCode, Json<CheckInOutcome>)> {
    let centre = centre_code(&centre)?;
    match &caller {
        Caller::Device(_) => drop(caller.device(&[DeviceKind::Kiosk], &centre)?),
        _ => drop(caller.staff_of(&centre)?),
    }
    limit(&state.booking_limits.check_in, &ip.key())?;
    let within = Some(centre.clone());
    let by = if req.scan.contains('|') {
        let card = cccd::parse(&req.scan)?;
        CheckInBy::IdNumber {
            centre,
            id_number: card.id_number,
        }
    } else {
        CheckInBy::Code(BookingCode::parse(req.scan.trim())?)
    };
    run(&state, &caller, within, by).await
}
