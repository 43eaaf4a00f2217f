//! Registered devices (kiosks, displays, rating tablets), each with its own
//! revocable bearer token. Audience: administrators. The token is shown once,
//! in the reply to the registration; only its hash is kept. The reply also
//! carries a pairing link and its QR code: the device scans it (or opens the
//! link) and `/pair` keeps the token and opens the device's page. The token
//! rides in the link's fragment (`#token=`), which browsers never send, so it
//! reaches no server log, and `/pair` removes it from the address bar.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::{delete, get},
    Router,
};
use luot_domain::{CentreCode, CounterNumber};
use luot_store::auth::{DeviceKind, DeviceView, NewDevice};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    auth::{tokens, ClientIp, RequireAdmin},
    error::{ApiError, ApiResult},
    extract::{Json, Path},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/devices", get(list).post(register))
        .route("/api/v1/devices/{id}", delete(revoke))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RegisterDevice {
    pub kind: DeviceKind,
    /// Where it stands, e.g. `Kiosk sảnh chính`.
    pub name: String,
    #[schema(value_type = String)]
    pub centre: CentreCode,
    /// The counter a rating tablet stands at (required for `rating`, where
    /// it alone rates; not for kiosks and displays).
    #[serde(default)]
    #[schema(value_type = Option<u16>)]
    pub counter: Option<CounterNumber>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RegisteredDevice {
    pub id: i64,
    /// The device's bearer token. Shown once: store it on the device.
    pub token: String,
    /// `{server}/pair#token=...`: opened on the device, it pairs it.
    pub pairing_url: String,
    /// The pairing link as a QR code (SVG), to scan with the device's camera.
    pub pairing_qr_svg: String,
    pub device: DeviceView,
}

/// The pairing link and its QR code for a new device's token.
fn pairing(base: &str, token: &str) -> Result<(String, String), ApiError> {
    let url = format!("{}/pair#token={token}", base.trim_end_matches('/'));
    let svg = qrcode::QrCode::new(url.as_bytes())
        .map_err(ApiError::internal)?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    Ok((url, svg))
}

/// Registers a device. Audience: admin.
#[utoipa::path(post, path = "/api/v1/devices", tag = "devices",
    request_body = RegisterDevice,
    responses((status = 201, body = RegisteredDevice), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ip: ClientIp,
    RequireAdmin(admin): RequireAdmin,
    headers: HeaderMap,
    Json(req): Json<RegisterDevice>,
) -> ApiResult<(StatusCode, Json<RegisteredDevice>)> {
    let name = req.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "Tên thiết bị dài 1-80 ký tự",
            "A device name is 1-80 characters",
        ));
    }
    if !admin.belongs_to(&req.centre) {
        return Err(ApiError::forbidden(
            "Bạn không quản trị trung tâm này",
            "You do not administer this centre",
        ));
    }
    match (req.kind, req.counter) {
        (DeviceKind::Rating, None) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "Máy đánh giá phải gắn với một quầy",
                "A rating tablet needs its counter",
            )
            .with("field", "counter"))
        }
        (DeviceKind::Kiosk | DeviceKind::Display, Some(_)) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "Chỉ máy đánh giá gắn với quầy",
                "Only a rating tablet has a counter",
            )
            .with("field", "counter"))
        }
        _ => {}
    }
    let token = tokens::new_token(tokens::DEVICE_PREFIX);
    let details = json!({"kind": req.kind, "name": name, "counter": req.counter});
    let new = NewDevice {
        kind: req.kind,
        name,
        centre: req.centre.clone(),
        token_hash: tokens::hash_token(&token),
        created_by: admin.actor(),
        counter: req.counter,
    };
    let audit = state.audit_entry(
        admin.actor(),
        ip,
        "device.register",
        Some(&req.centre),
        details,
    );
    let device = state
        .store
        .create_device(new, state.now(), Some(audit))
        .await?;
    let base = crate::printing::base_url(state.public_url.as_deref(), &headers);
    let (pairing_url, pairing_qr_svg) = pairing(&base, &token)?;
    Ok((
        StatusCode::CREATED,
        Json(RegisteredDevice {
            id: device.id,
            token,
            pairing_url,
            pairing_qr_svg,
            device,
        }),
    ))
}

/// Every registered device with when it was last seen. Audience: admin.
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices",
    responses((status = 200, body = [DeviceView]), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
) -> ApiResult<Json<Vec<DeviceView>>> {
    let mut all = state.store.devices().await?;
    all.retain(|d| admin.belongs_to(&d.centre));
    Ok(Json(all))
}

/// Revokes a device's token at once. Audience: admin.
#[utoipa::path(delete, path = "/api/v1/devices/{id}", tag = "devices",
    params(("id" = i64, Path)),
    responses((status = 200, body = DeviceView), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    ip: ClientIp,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeviceView>> {
    let mine = state
        .store
        .devices()
        .await?
        .into_iter()
        .find(|d| d.id == id);
    match &mine {
        None => return Err(ApiError::not_found("device")),
        Some(d) if !admin.belongs_to(&d.centre) => {
            return Err(ApiError::forbidden(
                "Bạn không quản trị trung tâm này",
                "You do not administer this centre",
            ))
        }
        Some(_) => {}
    }
    let centre = mine
        .map(|d| d.centre)
        .ok_or_else(|| ApiError::not_found("device"))?;
    let details = json!({"device": id});
    let audit = state.audit_entry(admin.actor(), ip, "device.revoke", Some(&centre), details);
    let d = state
        .store
        .revoke_device(id, state.now(), Some(audit))
        .await?;
    state.devices.forget(id);
    Ok(Json(d))
}
