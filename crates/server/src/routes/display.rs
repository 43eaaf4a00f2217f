//! What waiting-room displays read: the public display snapshot (also the first
//! message of the event stream) and the administrator's notice line. Public
//! data only: ticket numbers, services, counters; never tokens or names.

use axum::{
    extract::State,
    routing::{get, put},
    Router,
};
use jiff::Timestamp;
use luot_domain::CentreCode;
use luot_store::{CallView, CounterView, MAX_NOTICE_CHARS};
use serde::{Deserialize, Serialize};

use crate::{
    auth::{Caller, ClientIp},
    error::{ApiError, ApiResult},
    extract::{Json, Path},
    state::{centre_code, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/centres/{centre}/display", get(display))
        .route("/api/v1/centres/{centre}/notice", put(set_notice))
}

/// The centre as a display needs it, with the announcement phrases.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisplayCentre {
    pub code: CentreCode,
    pub name: String,
    pub name_en: String,
    pub timezone: String,
    /// e.g. `Xin mời công dân số {number} đến quầy số {counter}`.
    pub announcement_vi: String,
    pub announcement_en: String,
}

/// A service's queue as the board shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisplayService {
    pub code: String,
    pub prefix: String,
    pub name: String,
    pub name_en: String,
    /// Shown instead of the name when set (the administrator's short display name).
    pub short_name: String,
    pub short_name_en: String,
    pub waiting: u32,
    pub open_counters: u32,
    pub eta_minutes: u32,
}

/// Everything a board shows, as of event `last_event_id`. On the event stream
/// this is the message `{"type": "snapshot", ...}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisplaySnapshot {
    /// Always `snapshot`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub centre: DisplayCentre,
    pub notice: String,
    pub counters: Vec<CounterView>,
    pub services: Vec<DisplayService>,
    /// Calls and recalls, most recent first.
    pub last_calls: Vec<CallView>,
    /// The snapshot includes every event up to this id; the stream continues
    /// after it.
    pub last_event_id: i64,
    /// The server's clock, so a TV box with a wrong clock can show the right time.
    #[schema(value_type = String, format = DateTime)]
    pub server_time: Timestamp,
}

/// Reads the display snapshot of `centre`.
pub async fn snapshot(state: &AppState, centre: &CentreCode) -> ApiResult<DisplaySnapshot> {
    let now = state.now();
    let q = state.store.queue(centre, now).await?;
    Ok(DisplaySnapshot {
        kind: "snapshot",
        centre: DisplayCentre {
            code: q.centre.code,
            name: q.centre.name,
            name_en: q.centre.name_en,
            timezone: q.centre.timezone,
            announcement_vi: q.centre.announcement_vi,
            announcement_en: q.centre.announcement_en,
        },
        notice: q.notice,
        counters: q.counters,
        services: q
            .services
            .into_iter()
            .map(|s| DisplayService {
                code: s.code.to_string(),
                prefix: s.prefix,
                name: s.name,
                name_en: s.name_en,
                short_name: s.short_name,
                short_name_en: s.short_name_en,
                waiting: s.waiting,
                open_counters: s.open_counters,
                eta_minutes: s.eta_minutes,
            })
            .collect(),
        last_calls: q.last_calls,
        last_event_id: q.last_event_id,
        server_time: now,
    })
}

/// The public display snapshot: the same JSON as the event stream's first
/// message. Audience: public.
#[utoipa::path(get, path = "/api/v1/centres/{centre}/display", tag = "display",
    params(("centre" = String, Path)),
    responses((status = 200, body = DisplaySnapshot), (status = 404, body = crate::error::ErrorBody)))]
pub async fn display(
    State(state): State<AppState>,
    Path(centre): Path<String>,
) -> ApiResult<Json<DisplaySnapshot>> {
    let centre = centre_code(&centre)?;
    Ok(Json(snapshot(&state, &centre).await?))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notice {
    /// The line scrolled across the displays; empty clears it. At most 500
    /// characters, no control characters.
    pub text: String,
}

/// Sets the notice line the displays scroll (they get `notice_changed` live).
/// Audience: admin of the centre; audited.
#[utoipa::path(put, path = "/api/v1/centres/{centre}/notice", tag = "display",
    params(("centre" = String, Path)),
    request_body = Notice,
    responses((status = 200, body = Notice), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody, description = "too long or has control characters")))]
pub async fn set_notice(
    State(state): State<AppState>,
    Path(centre): Path<String>,
    caller: Caller,
    ip: ClientIp,
    Json(notice): Json<Notice>,
) -> ApiResult<Json<Notice>> {
    caller.admin()?;
    let centre = centre_code(&centre)?;
    let admin = caller.staff_of(&centre)?;
    let text = notice.text.trim().to_owned();
    if text.chars().count() > MAX_NOTICE_CHARS {
        return Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "notice_too_long",
            format!("Thông báo dài tối đa {MAX_NOTICE_CHARS} ký tự"),
            format!("The notice is at most {MAX_NOTICE_CHARS} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "notice_invalid",
            "Thông báo chỉ gồm một dòng chữ, không có ký tự điều khiển",
            "The notice is one line of text without control characters",
        ));
    }
    state
        .store
        .set_notice(&centre, text.clone(), admin.actor(), state.now())
        .await?;
    state
        .audit(
            admin.actor(),
            ip,
            "display.set_notice",
            Some(&centre),
            serde_json::json!({}),
        )
        .await;
    Ok(Json(Notice { text }))
}
