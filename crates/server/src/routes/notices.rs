//! `GET`/`POST`/`DELETE /api/v1/tickets/{token}/notice`: "your turn is near".
//! Whoever holds a ticket's token (its QR code, the kiosk that issued it) may
//! leave a phone for that ticket's notices, with a separate consent box that
//! starts unticked (Law 91/2025/QH15: one purpose, one consent); the phone is
//! used for nothing else and is deleted when the ticket ends. Audience: anyone
//! with the token.

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::IntoResponse,
    routing::get,
    Router,
};
use luot_domain::Phone;
use luot_store::auth::DeviceKind;
use luot_store::notices::{NoticeSource, RegisterNotice, TicketNotices};
use serde::{Deserialize, Serialize};

use crate::{
    auth::Caller,
    error::{ApiError, ApiResult},
    extract::{Json, Path},
    state::{ticket_token, AppState},
};

/// The version of the notice consent text; a request must name it.
pub const CONSENT_VERSION: &str = "notice-2026-12-v2";
pub const CONSENT_VI: &str = "Tôi đồng ý để Trung tâm dùng số điện thoại này chỉ để báo khi sắp đến lượt và khi được gọi cho số thứ tự này, theo Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15; số điện thoại được xóa khi lượt kết thúc hoặc khi tôi rút lại đồng ý.";
pub const CONSENT_EN: &str = "I agree that the centre uses this phone number only to tell me when my turn is near and when I am called for this ticket, under Law 91/2025/QH15 on personal data protection; the number is deleted when the ticket ends or when I withdraw this consent.";

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/tickets/{token}/notice",
        get(show).post(register).delete(withdraw),
    )
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NoticeConsent {
    pub version: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NoticeAnswer {
    #[serde(flatten)]
    pub notices: TicketNotices,
    /// The text to show beside the (unticked) consent box.
    pub consent: NoticeConsent,
}

fn answer(notices: TicketNotices) -> NoticeAnswer {
    NoticeAnswer {
        notices,
        consent: NoticeConsent {
            version: CONSENT_VERSION,
            vi: CONSENT_VI,
            en: CONSENT_EN,
        },
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RegisterBody {
    /// A Vietnamese mobile number (`0912345678`, `+84 912 345 678`).
    pub phone: String,
    /// Must be true: the citizen ticked the notice consent box.
    pub consent: bool,
    /// The consent version shown (`GET .../notice`).
    pub consent_version: String,
    /// `status_page` (default) or `kiosk`.
    #[serde(default)]
    pub source: Option<NoticeSource>,
}

/// Whether the centre sends notices, the phone left (masked) and the notices
/// sent. Audience: anyone with the ticket's token.
#[utoipa::path(get, path = "/api/v1/tickets/{token}/notice", tag = "tickets",
    params(("token" = String, Path)),
    responses((status = 200, body = NoticeAnswer), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<impl IntoResponse> {
    ticket_token(&token)?;
    let notices = state.store.ticket_notices(&token).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(answer(notices))))
}

/// Leaves (or replaces) the phone for the ticket's notices, at most 4 times
/// an hour per phone (429 `rate_limited`). Audience: anyone with the ticket's
/// token.
#[utoipa::path(post, path = "/api/v1/tickets/{token}/notice", tag = "tickets",
    params(("token" = String, Path)),
    request_body = RegisterBody,
    responses((status = 201, body = NoticeAnswer),
        (status = 401, body = crate::error::ErrorBody, description = "source kiosk without a device token"),
        (status = 403, body = crate::error::ErrorBody, description = "source kiosk from another device or centre"),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "ticket_ended, notices_unavailable"),
        (status = 422, body = crate::error::ErrorBody, description = "consent_required, invalid phone"),
        (status = 429, body = crate::error::ErrorBody, description = "this phone was left on too many tickets lately"),
        (status = 503, body = crate::error::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    Path(token): Path<String>,
    caller: Caller,
    Json(body): Json<RegisterBody>,
) -> ApiResult<(StatusCode, Json<NoticeAnswer>)> {
    ticket_token(&token)?;
    if !body.consent || body.consent_version != CONSENT_VERSION {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "consent_required",
            "Cần đánh dấu đồng ý nhận tin báo (nội dung đồng ý hiện hành)",
            "tick the notice consent (current version) to leave a phone",
        ));
    }
    let phone = Phone::parse(&body.phone).map_err(luot_store::Error::from)?;
    let source = match body.source {
        Some(NoticeSource::Kiosk) => {
            let ticket = state.store.ticket_by_token(&token, state.now()).await?;
            caller.device(&[DeviceKind::Kiosk], &ticket.centre)?;
            NoticeSource::Kiosk
        }
        _ => NoticeSource::StatusPage,
    };
    // Keyed by the normalised number, so `+84 912...` and `0912...` are one.
    crate::ratelimit::limit(&state.public_limits.notice_phone, phone.as_str())?;
    let cmd = RegisterNotice {
        token,
        phone,
        consent_version: body.consent_version,
        source,
        now: state.now(),
    };
    let notices = state.store.register_notice(cmd).await?;
    Ok((StatusCode::CREATED, Json(answer(notices))))
}

/// Withdraws: the phone is deleted and unsent notices dropped. Audience:
/// anyone with the ticket's token.
#[utoipa::path(delete, path = "/api/v1/tickets/{token}/notice", tag = "tickets",
    params(("token" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<StatusCode> {
    ticket_token(&token)?;
    state.store.withdraw_notice(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}
