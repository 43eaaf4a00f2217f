//! Issuing through an outage, server side: a kiosk leases blocks of numbers
//! while it is online, and replays the tickets it issued from them once the
//! server is back (rules in `luot_store::offline`). Both paths belong to the
//! kiosk device alone: `luot-kiosk` calls them with its device token.

use axum::{extract::State, http::StatusCode, routing::post, Router};
use jiff::Timestamp;
use luot_domain::{PriorityCode, ServiceCode};
use luot_store::{auth::DeviceKind, Leases, OfflineTicket, TicketView};
use serde::Deserialize;

use crate::{
    auth::{Caller, Device},
    error::{ApiError, ApiResult},
    extract::Json,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/kiosks/me/leases", post(leases))
        .route("/api/v1/kiosks/me/offline-tickets", post(replay))
}

fn kiosk(caller: &Caller) -> ApiResult<&Device> {
    match caller {
        Caller::Device(d) if d.kind == DeviceKind::Kiosk => Ok(d),
        Caller::Anonymous => Err(ApiError::unauthenticated()),
        _ => Err(ApiError::forbidden(
            "Chỉ thiết bị kiosk được dùng đường dẫn này",
            "Only a kiosk device may use this path",
        )),
    }
}

/// The calling kiosk's blocks of offline numbers for today, one or more per
/// active service; a service with fewer than half a block unused gets a fresh
/// block (20 numbers, from 901 up for a service that starts at 1; never issued
/// online). Call it after replaying. Audience: a kiosk device.
#[utoipa::path(post, path = "/api/v1/kiosks/me/leases", tag = "kiosks",
    responses((status = 200, body = Leases), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn leases(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Leases>> {
    let device = kiosk(&caller)?;
    let leases = state
        .store
        .lease_numbers(device.id, &device.centre, state.now())
        .await?;
    Ok(Json(leases))
}

/// A ticket the kiosk issued offline.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflineRequest {
    #[schema(value_type = String)]
    pub service: ServiceCode,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub priority: Option<PriorityCode>,
    /// The sequence number printed (905 for `A905`), from one of its blocks.
    pub seq: u32,
    /// The token in the printed QR code: 22 letters and digits, chosen by the kiosk.
    pub token: String,
    /// When the kiosk issued it (RFC 3339): its place in the queue.
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: Timestamp,
}

/// Puts a ticket issued offline into the queue at its issue time, among the
/// tickets issued meanwhile. Idempotent: the same ticket again answers 200
/// with the stored ticket (201 the first time). 409 `not_leased` for a number
/// outside the kiosk's blocks of that day, 409 `number_taken` for a number
/// stored with another token. Audience: a kiosk device.
#[utoipa::path(post, path = "/api/v1/kiosks/me/offline-tickets", tag = "kiosks",
    request_body = OfflineRequest,
    responses((status = 201, body = TicketView), (status = 200, body = TicketView, description = "replayed before"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody, description = "unknown service"),
        (status = 409, body = crate::error::ErrorBody, description = "not_leased, number_taken"),
        (status = 422, body = crate::error::ErrorBody, description = "bad token")))]
pub async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<OfflineRequest>,
) -> ApiResult<(StatusCode, Json<TicketView>)> {
    let device = kiosk(&caller)?;
    if req.token.len() != 22 || !req.token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "Mã phiếu phải gồm 22 chữ cái hoặc chữ số",
            "token must be 22 letters or digits",
        )
        .with("field", "token"));
    }
    let replayed = state
        .store
        .replay_offline(OfflineTicket {
            device_id: device.id,
            centre: device.centre.clone(),
            service: req.service,
            priority: req.priority,
            seq: req.seq,
            token: req.token,
            issued_at: req.issued_at,
            actor: caller.actor(),
            now: state.now(),
        })
        .await?;
    let status = if replayed.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(replayed.ticket)))
}
