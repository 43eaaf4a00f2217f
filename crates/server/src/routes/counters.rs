//! Counter actions: call next, recall, start, complete, no-show, transfer, pause,
//! resume. Ticket actions answer with the ticket acted on; pause and resume with
//! the counter. Call-next answers 204 when nobody waits. Audience: staff allowed
//! at that counter (administrators at any counter of their centres); the actor
//! recorded is `staff:<username>`, and each action is audited.

use axum::{
    extract::{rejection::JsonRejection, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
    Router,
};
use luot_store::{CounterOutcome, CounterRef, CounterView, TicketView, Transfer};

use crate::{
    auth::{Caller, ClientIp},
    error::{ApiError, ApiResult},
    extract::{Json, Path},
    state::{centre_code, counter_number, AppState},
};

pub fn router() -> Router<AppState> {
    let base = "/api/v1/centres/{centre}/counters/{counter}";
    Router::new()
        .route(&format!("{base}/call-next"), post(call_next))
        .route(&format!("{base}/recall"), post(recall))
        .route(&format!("{base}/start"), post(start))
        .route(&format!("{base}/complete"), post(complete))
        .route(&format!("{base}/no-show"), post(no_show))
        .route(&format!("{base}/transfer"), post(transfer))
        .route(&format!("{base}/pause"), post(pause))
        .route(&format!("{base}/resume"), post(resume))
}

/// The counter acted on, once the caller is known to be staff allowed there:
/// 401 before 404, so an anonymous caller learns nothing about counters.
pub(super) fn counter_ref(
    state: &AppState,
    caller: &Caller,
    centre: &str,
    counter: &str,
) -> ApiResult<CounterRef> {
    caller.staff()?;
    let centre = centre_code(centre)?;
    let counter = counter_number(counter)?;
    let staff = caller.staff_at(&centre, counter)?;
    Ok(CounterRef {
        centre,
        counter,
        actor: staff.actor(),
        now: state.now(),
        audit: None,
    })
}

/// The counter command's target with its audit entry, committed with the
/// command; the entry's details name the counter, and the tickets come from the
/// command's events.
pub(super) fn audited(
    state: &AppState,
    ip: ClientIp,
    at: CounterRef,
    action: &str,
    details: serde_json::Value,
) -> CounterRef {
    let mut details = details;
    details["counter"] = serde_json::json!(at.counter);
    let entry = state.audit_entry(at.actor.clone(), ip, action, Some(&at.centre), details);
    CounterRef {
        audit: Some(entry),
        ..at
    }
}

/// The ticket acted on, as staff see it (no token).
fn ticket_of(outcome: CounterOutcome) -> ApiResult<Json<TicketView>> {
    outcome
        .ticket
        .map(|t| Json(t.for_staff()))
        .ok_or_else(|| ApiError::internal("counter action returned no ticket"))
}

/// What staff say about the ticket in progress when they call the next one.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallNext {
    /// For a ticket called but never started: `no_show` (the citizen did not
    /// come) or `served`; absent: the centre's `call_next_unstarted` (by
    /// default `no_show`). A ticket being served is always finished as served.
    #[serde(default)]
    pub previous: Option<luot_domain::Unstarted>,
}

/// Calls the next waiting ticket (finishing the one in progress). 204 when
/// nobody waits. The body is optional.
#[utoipa::path(post, path = "/api/v1/centres/{centre}/counters/{counter}/call-next", tag = "counters",
    params(("centre" = String, Path), ("counter" = u16, Path)),
    request_body(content = Option<CallNext>),
    responses((status = 200, body = TicketView), (status = 204, description = "nobody waits"),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn call_next(
    State(state): State<AppState>,
    Path((centre, counter)): Path<(String, String)>,
    caller: Caller,
    ip: ClientIp,
    body: Result<axum::Json<CallNext>, JsonRejection>,
) -> ApiResult<Response> {
    let at = counter_ref(&state, &caller, &centre, &counter)?;
    let body = match body {
        Ok(axum::Json(b)) => b,
        // No body (or not JSON): the centre's setting.
        Err(JsonRejection::MissingJsonContentType(_)) => CallNext::default(),
        Err(e) => return Err(e.into()),
    };
    let details = serde_json::json!({ "previous": body.previous });
    let at = audited(&state, ip, at, "counter.call_next", details);
    let outcome = state.store.call_next_with(at, body.previous).await?;
    Ok(match outcome.ticket {
        Some(t) => Json(t.for_staff()).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

macro_rules! ticket_action {
    ($name:ident, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "counters",
            params(("centre" = String, Path), ("counter" = u16, Path)),
            responses((status = 200, body = TicketView),
                (status = 404, body = crate::error::ErrorBody),
                (status = 409, body = crate::error::ErrorBody, description = "no ticket in progress, or not allowed in its status")))]
        pub async fn $name(
            State(state): State<AppState>,
            Path((centre, counter)): Path<(String, String)>,
            caller: Caller,
            ip: ClientIp,
        ) -> ApiResult<Json<TicketView>> {
            let at = counter_ref(&state, &caller, &centre, &counter)?;
            let action = concat!("counter.", stringify!($name));
            let at = audited(&state, ip, at, action, serde_json::json!({}));
            ticket_of(state.store.$name(at).await?)
        }
    };
}

ticket_action!(
    recall,
    "/api/v1/centres/{centre}/counters/{counter}/recall",
    "Announces the current ticket again."
);
ticket_action!(
    start,
    "/api/v1/centres/{centre}/counters/{counter}/start",
    "The citizen arrived: service starts."
);
ticket_action!(
    complete,
    "/api/v1/centres/{centre}/counters/{counter}/complete",
    "Service finished."
);
ticket_action!(
    no_show,
    "/api/v1/centres/{centre}/counters/{counter}/no-show",
    "The called citizen did not come (after the configured recalls)."
);

/// Moves the current ticket (or `ticket`, a waiting one) to another service or
/// counter, keeping its place in time.
#[utoipa::path(post, path = "/api/v1/centres/{centre}/counters/{counter}/transfer", tag = "counters",
    params(("centre" = String, Path), ("counter" = u16, Path)),
    request_body = Transfer,
    responses((status = 200, body = TicketView), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn transfer(
    State(state): State<AppState>,
    Path((centre, counter)): Path<(String, String)>,
    caller: Caller,
    ip: ClientIp,
    Json(to): Json<Transfer>,
) -> ApiResult<Json<TicketView>> {
    let at = counter_ref(&state, &caller, &centre, &counter)?;
    // The note is free text and may name the citizen: it stays out of the log.
    let details = serde_json::json!({"to_service": to.service, "to_counter": to.counter});
    let at = audited(&state, ip, at, "counter.transfer", details);
    ticket_of(state.store.transfer(at, to).await?)
}

/// Pauses the counter: it stops counting as open for ETAs and displays.
#[utoipa::path(post, path = "/api/v1/centres/{centre}/counters/{counter}/pause", tag = "counters",
    params(("centre" = String, Path), ("counter" = u16, Path)),
    responses((status = 200, body = CounterView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn pause(
    State(state): State<AppState>,
    Path((centre, counter)): Path<(String, String)>,
    caller: Caller,
    ip: ClientIp,
) -> ApiResult<Json<CounterView>> {
    let at = counter_ref(&state, &caller, &centre, &counter)?;
    let at = audited(&state, ip, at, "counter.pause", serde_json::json!({}));
    let k = state.store.pause(at).await?;
    Ok(Json(k.counter))
}

/// Opens the counter again.
#[utoipa::path(post, path = "/api/v1/centres/{centre}/counters/{counter}/resume", tag = "counters",
    params(("centre" = String, Path), ("counter" = u16, Path)),
    responses((status = 200, body = CounterView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn resume(
    State(state): State<AppState>,
    Path((centre, counter)): Path<(String, String)>,
    caller: Caller,
    ip: ClientIp,
) -> ApiResult<Json<CounterView>> {
    let at = counter_ref(&state, &caller, &centre, &counter)?;
    let at = audited(&state, ip, at, "counter.resume", serde_json::json!({}));
    let k = state.store.resume(at).await?;
    Ok(Json(k.counter))
}
