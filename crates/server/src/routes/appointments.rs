//! Online booking: the portal's booking info, free slots, booking, look-up and
//! cancellation by code + phone, the calendar file and the booking QR. All
//! public and rate-limited per IP (and per phone where one is given). The phone
//! comes in the `X-Phone` header (or `?phone=`); a wrong phone answers exactly
//! like an unknown code, 404.

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::IntoResponse,
    routing::get,
    Router,
};
use jiff::{civil::Date, Timestamp};
use luot_domain::{booking, cccd, BookingCode, Phone, ServiceCode};
use luot_store::{AppointmentView, Book, BookingInfo, DaySlots};
use serde::{Deserialize, Serialize};

use crate::{
    auth::ClientIp,
    error::{ApiError, ApiResult},
    extract::{Json, Path, Query},
    ratelimit::limit,
    state::{centre_code, service_code, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/centres/{centre}/booking", get(info))
        .route(
            "/api/v1/centres/{centre}/services/{service}/slots",
            get(slots),
        )
        .route(
            "/api/v1/centres/{centre}/appointments",
            axum::routing::post(book),
        )
        .route("/api/v1/appointments/{code}", get(lookup).delete(cancel))
        .route(
            "/api/v1/appointments/{code}/withdraw",
            axum::routing::post(withdraw),
        )
        .route("/api/v1/appointments/{code}/calendar.ics", get(calendar))
        .route("/api/v1/appointments/{code}/qr.svg", get(qr))
}

/// The consent text the portal shows beside the (unticked) checkbox.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Consent {
    pub version: &'static str,
    pub text: &'static str,
    pub text_en: &'static str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BookingInfoReply {
    #[serde(flatten)]
    pub info: BookingInfo,
    pub consent: Consent,
    /// The optional reminder consent, a box of its own (unticked).
    pub reminder_consent: Consent,
    /// Today in the centre's timezone, by the server's clock (the first
    /// bookable date; the horizon counts from here).
    #[schema(value_type = String, format = Date)]
    pub today: Date,
}

/// Audience: public. What the portal needs before booking: bookable services
/// with their settings, holidays, rules, and the consent text.
#[utoipa::path(get, path = "/api/v1/centres/{centre}/booking", tag = "appointments",
    params(("centre" = String, Path)),
    responses((status = 200, body = BookingInfoReply), (status = 404, body = crate::error::ErrorBody)))]
pub async fn info(
    State(state): State<AppState>,
    ip: ClientIp,
    Path(centre): Path<String>,
) -> ApiResult<Json<BookingInfoReply>> {
    limit(&state.booking_limits.ip, &ip.key())?;
    let info = state.store.booking_info(&centre_code(&centre)?).await?;
    let (c, r) = (&booking::CONSENT, &booking::REMINDER_CONSENT);
    let tz = jiff::tz::TimeZone::get(&info.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    Ok(Json(BookingInfoReply {
        today: state.now().to_zoned(tz).date(),
        info,
        consent: Consent {
            version: c.version,
            text: c.vi,
            text_en: c.en,
        },
        reminder_consent: Consent {
            version: r.version,
            text: r.vi,
            text_en: r.en,
        },
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SlotsQuery {
    /// Local date `YYYY-MM-DD`; today when omitted.
    pub date: Option<String>,
}

/// Audience: public. The bookable slots of a service on a date with the places
/// left; `closed` says why a date has none (holiday, weekend, ...).
#[utoipa::path(get, path = "/api/v1/centres/{centre}/services/{service}/slots", tag = "appointments",
    params(("centre" = String, Path), ("service" = String, Path), SlotsQuery),
    responses((status = 200, body = DaySlots), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn slots(
    State(state): State<AppState>,
    ip: ClientIp,
    Path((centre, service)): Path<(String, String)>,
    Query(q): Query<SlotsQuery>,
) -> ApiResult<Json<DaySlots>> {
    limit(&state.booking_limits.ip, &ip.key())?;
    let (centre, service) = (centre_code(&centre)?, service_code(&service)?);
    let now = state.now();
    let date = match q.date.as_deref() {
        Some(d) => d.parse::<Date>().map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_date",
                "Ngày không hợp lệ (YYYY-MM-DD)",
                "date must be YYYY-MM-DD",
            )
        })?,
        None => {
            let tz = jiff::tz::TimeZone::get(&state.store.booking_info(&centre).await?.timezone)
                .unwrap_or(jiff::tz::TimeZone::UTC);
            now.to_zoned(tz).date()
        }
    };
    Ok(Json(
        state.store.free_slots(&centre, &service, date, now).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BookRequest {
    #[schema(value_type = String)]
    pub service: ServiceCode,
    /// The slot's `start` as returned by the slots endpoint (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub slot_start: Timestamp,
    pub name: String,
    /// Vietnamese mobile number, `0912345678` or `+84912345678`.
    pub phone: String,
    /// Optional CCCD number (12 digits); lets the citizen check in by scanning the card.
    #[serde(default)]
    pub id_number: Option<String>,
    /// Must be true: the citizen ticked the consent box.
    pub consent: bool,
    /// The version of the consent text shown (from the booking info).
    #[serde(default)]
    pub consent_version: Option<String>,
    /// Optional: the citizen ticked the reminder consent (its own box).
    #[serde(default)]
    pub reminders: bool,
    /// The version of the reminder consent text shown.
    #[serde(default)]
    pub reminders_consent_version: Option<String>,
}

fn clean_name(s: &str) -> ApiResult<String> {
    let name = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(
            luot_domain::Error::invalid("name", "give a name of 1 to 100 characters").into(),
        );
    }
    Ok(name)
}

/// Audience: public (rate-limited per IP and per phone). Books a place in a
/// slot: 409 `slot_full` with `next_slots`, 409 `limit_reached`, 422
/// `consent_required` when the consent box was not ticked.
#[utoipa::path(post, path = "/api/v1/centres/{centre}/appointments", tag = "appointments",
    params(("centre" = String, Path)), request_body = BookRequest,
    responses((status = 201, body = AppointmentView),
        (status = 409, body = crate::error::ErrorBody, description = "slot_full (with next_slots), limit_reached, too_soon, no_slots"),
        (status = 422, body = crate::error::ErrorBody, description = "consent_required, invalid phone, name or ID"),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn book(
    State(state): State<AppState>,
    ip: ClientIp,
    Path(centre): Path<String>,
    Json(req): Json<BookRequest>,
) -> ApiResult<(StatusCode, Json<AppointmentView>)> {
    limit(&state.booking_limits.ip, &ip.key())?;
    let centre = centre_code(&centre)?;
    let consent = booking::check_consent(req.consent, req.consent_version.as_deref())?;
    let reminders =
        booking::check_reminder_consent(req.reminders, req.reminders_consent_version.as_deref())?;
    let phone = Phone::parse(&req.phone)?;
    limit(&state.booking_limits.phone, phone.as_str())?;
    let id_number = match req.id_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => Some(cccd::parse_id_number(id)?),
    };
    let cmd = Book {
        centre,
        service: req.service,
        slot_start: req.slot_start,
        name: clean_name(&req.name)?,
        phone,
        id_number,
        consent_version: consent.version.into(),
        consent_text: consent.vi.into(),
        reminder_consent_version: reminders.map(|r| r.version.to_owned()),
        now: state.now(),
    };
    Ok((StatusCode::CREATED, Json(state.store.book(cmd).await?)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PhoneQuery {
    /// The phone given when booking (or send it in the `X-Phone` header).
    pub phone: Option<String>,
}

/// The code from the path and the phone from the header or query, both checked
/// and rate-limited; malformed ones are 404 like wrong ones.
fn holder(
    state: &AppState,
    ip: ClientIp,
    code: &str,
    headers: &HeaderMap,
    q: PhoneQuery,
) -> ApiResult<(BookingCode, Phone)> {
    limit(&state.booking_limits.ip, &ip.key())?;
    let phone = headers
        .get("x-phone")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(q.phone)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "phone_required",
                "Cần nhập số điện thoại đã dùng khi đặt lịch",
                "the phone used when booking is required",
            )
        })?;
    let phone = Phone::parse(&phone).map_err(|_| ApiError::not_found("appointment"))?;
    limit(&state.booking_limits.phone, phone.as_str())?;
    let code = BookingCode::parse(code).map_err(|_| ApiError::not_found("appointment"))?;
    Ok((code, phone))
}

/// Audience: public, with the booking's phone (`X-Phone` or `?phone=`).
#[utoipa::path(get, path = "/api/v1/appointments/{code}", tag = "appointments",
    params(("code" = String, Path), ("X-Phone" = Option<String>, Header), PhoneQuery),
    responses((status = 200, body = AppointmentView), (status = 404, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    ip: ClientIp,
    Path(code): Path<String>,
    headers: HeaderMap,
    Query(q): Query<PhoneQuery>,
) -> ApiResult<Json<AppointmentView>> {
    let (code, phone) = holder(&state, ip, &code, &headers, q)?;
    Ok(Json(state.store.appointment(&code, &phone).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WithdrawRequest {
    /// `booking` or `reminders`.
    pub purpose: booking::ConsentPurpose,
}

/// Audience: public, with the booking's phone. Withdraws one consent (Law
/// 91/2025/QH15): `reminders` stops reminders, the booking stays; `booking`
/// cancels a booking still to come (its place freed) and erases the name,
/// phone and ID number of any booking, which then no longer answers to the
/// phone. Answers the booking as it is after.
#[utoipa::path(post, path = "/api/v1/appointments/{code}/withdraw", tag = "appointments",
    params(("code" = String, Path), ("X-Phone" = Option<String>, Header), PhoneQuery),
    request_body = WithdrawRequest,
    responses((status = 200, body = AppointmentView), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ip: ClientIp,
    Path(code): Path<String>,
    headers: HeaderMap,
    Query(q): Query<PhoneQuery>,
    Json(body): Json<WithdrawRequest>,
) -> ApiResult<Json<AppointmentView>> {
    let (code, phone) = holder(&state, ip, &code, &headers, q)?;
    Ok(Json(
        state
            .store
            .withdraw_consent(&code, &phone, body.purpose, state.now())
            .await?,
    ))
}

/// Audience: public, with the booking's phone. Cancels and frees the place.
#[utoipa::path(delete, path = "/api/v1/appointments/{code}", tag = "appointments",
    params(("code" = String, Path), ("X-Phone" = Option<String>, Header), PhoneQuery),
    responses((status = 200, body = AppointmentView), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "already checked in, cancelled or expired")))]
pub async fn cancel(
    State(state): State<AppState>,
    ip: ClientIp,
    Path(code): Path<String>,
    headers: HeaderMap,
    Query(q): Query<PhoneQuery>,
) -> ApiResult<Json<AppointmentView>> {
    let (code, phone) = holder(&state, ip, &code, &headers, q)?;
    Ok(Json(
        state
            .store
            .cancel_appointment(&code, &phone, state.now())
            .await?,
    ))
}

/// Audience: public, with the booking's phone. An iCalendar file for the booking.
#[utoipa::path(get, path = "/api/v1/appointments/{code}/calendar.ics", tag = "appointments",
    params(("code" = String, Path), ("X-Phone" = Option<String>, Header), PhoneQuery),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = crate::error::ErrorBody)))]
pub async fn calendar(
    State(state): State<AppState>,
    ip: ClientIp,
    Path(code): Path<String>,
    headers: HeaderMap,
    Query(q): Query<PhoneQuery>,
) -> ApiResult<impl IntoResponse> {
    let (code, phone) = holder(&state, ip, &code, &headers, q)?;
    let a = state.store.appointment(&code, &phone).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"luot-{code}.ics\""),
            ),
        ],
        crate::ics::calendar(&a, state.now()),
    ))
}

/// Audience: public. The booking QR (an SVG carrying just the code). Drawn for
/// any well-formed code without a look-up, so it reveals nothing.
#[utoipa::path(get, path = "/api/v1/appointments/{code}/qr.svg", tag = "appointments",
    params(("code" = String, Path)),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = crate::error::ErrorBody)))]
pub async fn qr(Path(code): Path<String>) -> ApiResult<impl IntoResponse> {
    let code = BookingCode::parse(&code).map_err(|_| ApiError::not_found("appointment"))?;
    let svg = qrcode::QrCode::new(code.as_str().as_bytes())
        .map_err(ApiError::internal)?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        svg,
    ))
}
