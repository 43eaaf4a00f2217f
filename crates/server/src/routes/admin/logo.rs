//! The logo printed at the top of tickets: `PUT`/`DELETE
//! /api/v1/admin/centres/{centre}/logo` (audience: admin; the body is the PNG
//! itself, `Content-Type: image/png`), and `GET /api/v1/centres/{centre}/logo`
//! (public: kiosks and the ticket preview fetch it).

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, put},
    Router,
};
use serde_json::json;

use super::Admin;
use crate::{
    error::{ApiError, ApiResult, ErrorBody},
    extract::Path,
    state::{centre_code, AppState},
};

/// Largest logo accepted: a ticket logo is a small monochrome picture.
pub const MAX_LOGO_BYTES: usize = 48 * 1024;
/// Largest width and height in pixels (an 80 mm printer is 576 dots wide).
pub const MAX_LOGO_SIDE: u32 = 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/centres/{centre}/logo",
            put(upload).delete(remove),
        )
        .route("/api/v1/centres/{centre}/logo", get(download))
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "logo_too_large",
        format!(
            "Logo quá lớn: tối đa {} KB, {MAX_LOGO_SIDE}x{MAX_LOGO_SIDE} điểm ảnh",
            MAX_LOGO_BYTES / 1024
        ),
        format!(
            "logo too large: at most {} KB and {MAX_LOGO_SIDE}x{MAX_LOGO_SIDE} pixels",
            MAX_LOGO_BYTES / 1024
        ),
    )
}

/// Checks the PNG signature and the size in its IHDR chunk; returns
/// (width, height).
pub fn check_png(bytes: &[u8]) -> Result<(u32, u32), ApiError> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    let not_png = || {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "logo_not_png",
            "Logo phải là ảnh PNG",
            "the logo must be a PNG image",
        )
    };
    if bytes.len() < 24 || !bytes.starts_with(SIGNATURE) || &bytes[12..16] != b"IHDR" {
        return Err(not_png());
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let (w, h) = (be(&bytes[16..20]), be(&bytes[20..24]));
    if w == 0 || h == 0 {
        return Err(not_png());
    }
    if bytes.len() > MAX_LOGO_BYTES || w > MAX_LOGO_SIDE || h > MAX_LOGO_SIDE {
        return Err(too_large());
    }
    Ok((w, h))
}

/// Sets the ticket logo: a PNG of at most 48 KB and 1024x1024 pixels
/// (413 `logo_too_large`, 415 `logo_not_png`). Audience: admin.
#[utoipa::path(put, path = "/api/v1/admin/centres/{centre}/logo", tag = "admin",
    params(("centre" = String, Path, description = "Centre code")),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<StatusCode> {
    let ctx = admin.ctx(&state, &centre)?;
    let body = body.map_err(|_| too_large())?;
    let is_png = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("image/png"));
    if !is_png {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "logo_not_png",
            "Logo phải là ảnh PNG (Content-Type: image/png)",
            "the logo must be sent as image/png",
        ));
    }
    let (w, h) = check_png(&body)?;
    let details = json!({ "bytes": body.len(), "width": w, "height": h });
    let ctx = admin.audited(ctx, "admin.logo.set", details);
    state.store.set_logo(ctx, Some(body.to_vec())).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the ticket logo. Audience: admin.
#[utoipa::path(delete, path = "/api/v1/admin/centres/{centre}/logo", tag = "admin",
    params(("centre" = String, Path, description = "Centre code")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
) -> ApiResult<StatusCode> {
    let ctx = admin.ctx(&state, &centre)?;
    let ctx = admin.audited(ctx, "admin.logo.delete", json!({}));
    state.store.set_logo(ctx, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The ticket logo as PNG; 404 when none is set. Audience: public.
#[utoipa::path(get, path = "/api/v1/centres/{centre}/logo", tag = "centres",
    params(("centre" = String, Path, description = "Centre code")),
    responses((status = 200, content_type = "image/png", body = Vec<u8>),
        (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    Path(centre): Path<String>,
) -> ApiResult<Response> {
    let centre = centre_code(&centre)?;
    match state.store.logo(&centre).await? {
        Some(png) => Ok((
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            png,
        )
            .into_response()),
        None => Err(ApiError::not_found("logo")),
    }
}
