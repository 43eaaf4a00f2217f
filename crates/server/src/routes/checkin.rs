//! Checking a booking in at the kiosk or a counter: by the code (typed, or the
//! booking QR scanned), or by the citizen's CCCD QR, which finds today's booking
//! made with that ID number. The reply is the appointment ticket (201 when new,
//! 200 when a kiosk checks in a booking already checked in: the citizen scanned
//! twice and sees their number again). Staff get 409 `already_checked_in` with
//! the ticket instead, so a counter never takes another's check-in for its own;
//! each staff check-in is audited in the check-in's own transaction
//! (`counter.checkin`: how it was found, the booking code when typed or
//! scanned, the ticket issued; never the name or ID number). Too early: 409
//! `too_early` with `come_back_at`; too late: 409 `too_late` with the service
//! for a normal ticket. A kiosk's check-in is printed on that kiosk like a
//! walk-in ticket: the print job commits with the check-in (a second scan
//! prints nothing).

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

/// Who checks in, as the store command needs it.
struct Scope {
    /// Only bookings of this centre (the kiosk's or the staff member's);
    /// `None` for staff of every centre.
    within: Option<CentreCode>,
    /// The kiosk that prints the ticket; staff print nothing.
    print_on: Option<i64>,
}

/// The audience of check-in: a kiosk device (its centre) or staff (their
/// centre; `None` for staff of every centre). Anyone else: 401 / 403.
fn scope(caller: &Caller) -> ApiResult<Scope> {
    match caller {
        Caller::Device(d) => {
            let kiosk = caller.device(&[DeviceKind::Kiosk], &d.centre)?;
            Ok(Scope {
                within: Some(kiosk.centre.clone()),
                print_on: Some(kiosk.id),
            })
        }
        Caller::Staff(s) => Ok(Scope {
            within: s.centre.clone(),
            print_on: None,
        }),
        Caller::Anonymous => Err(ApiError::unauthenticated()),
    }
}

async fn run(
    state: &AppState,
    caller: &Caller,
    ip: ClientIp,
    scope: Scope,
    by: CheckInBy,
) -> ApiResult<(StatusCode, Json<CheckInOutcome>)> {
    let within = scope.within;
    let details = match &by {
        CheckInBy::Code(code) => serde_json::json!({"booking": code, "via": "code"}),
        CheckInBy::IdNumber { .. } => serde_json::json!({"via": "id_card"}),
    };
    // A staff check-in is audited: the entry commits with the check-in (its
    // details gain the ticket from the command's event); a refused one leaves none.
    let audit = match caller {
        Caller::Staff(s) => {
            Some(state.audit_entry(s.actor(), ip, "counter.checkin", within.as_ref(), details))
        }
        _ => None,
    };
    let cmd = CheckIn {
        by,
        within,
        actor: caller.actor(),
        refuse_repeat: audit.is_some(),
        print_on: scope.print_on,
        now: state.now(),
        audit,
    };
    let mut out = state.store.check_in(cmd).await?;
    if let Caller::Staff(_) = caller {
        out.ticket = out.ticket.for_staff();
    }
    let status = if out.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(out)))
}

/// Audience: device (kiosk) or staff. Checks in by booking code. A booking of
/// another centre than the caller's is 404, like an unknown code. A kiosk's
/// check-in prints the ticket on that kiosk.
#[utoipa::path(post, path = "/api/v1/appointments/{code}/check-in", tag = "appointments",
    params(("code" = String, Path)),
    responses((status = 201, body = CheckInOutcome), (status = 200, body = CheckInOutcome, description = "kiosk: already checked in"),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "too_early (come_back_at), too_late (walk_in), appointment_not_active; staff: already_checked_in (ticket)")))]
pub async fn by_code(
    State(state): State<AppState>,
    ip: ClientIp,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<(StatusCode, Json<CheckInOutcome>)> {
    let scope = scope(&caller)?;
    limit(&state.booking_limits.check_in, &ip.key())?;
    let code = BookingCode::parse(&code).map_err(|_| ApiError::not_found("appointment"))?;
    run(&state, &caller, ip, scope, CheckInBy::Code(code)).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ScanRequest {
    /// What the scanner typed: a CCCD / căn cước QR payload or a booking code.
    pub scan: String,
}

/// Audience: device (kiosk) or staff of the centre (403 for another centre's).
/// Checks in by what a scanner read or a person typed: a CCCD QR (today's
/// booking made with that ID number at this centre) or a booking code. A
/// kiosk's check-in prints the ticket on that kiosk.
#[utoipa::path(post, path = "/api/v1/centres/{centre}/check-in", tag = "appointments",
    params(("centre" = String, Path)), request_body = ScanRequest,
    responses((status = 201, body = CheckInOutcome), (status = 200, body = CheckInOutcome),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "as for check-in by code; staff: already_checked_in (ticket)"),
        (status = 422, body = crate::error::ErrorBody, description = "neither a CCCD QR nor a booking code")))]
pub async fn by_scan(
    State(state): State<AppState>,
    ip: ClientIp,
    caller: Caller,
    Path(centre): Path<String>,
    Json(req): Json<ScanRequest>,
) -> ApiResult<(StatusCode, Json<CheckInOutcome>)> {
    let centre = centre_code(&centre)?;
    let print_on = match &caller {
        Caller::Device(_) => Some(caller.device(&[DeviceKind::Kiosk], &centre)?.id),
        _ => {
            caller.staff_of(&centre)?;
            None
        }
    };
    limit(&state.booking_limits.check_in, &ip.key())?;
    let scope = Scope {
        within: Some(centre.clone()),
        print_on,
    };
    let by = if req.scan.contains('|') {
        let card = cccd::parse(&req.scan)?;
        CheckInBy::IdNumber {
            centre,
            id_number: card.id_number,
        }
    } else {
        CheckInBy::Code(BookingCode::parse(req.scan.trim())?)
    };
    run(&state, &caller, ip, scope, by).await
}
