//! Satisfaction ratings (5 Rất hài lòng … 1 Rất không hài lòng), one per served
//! ticket. Citizens rate from the ticket's status page with its token; a counter's
//! rating tablet rates the ticket that counter just completed, without knowing
//! its token.

use std::time::Duration;

use axum::{
    extract::State,
    http::StatusCode,
    routing::{get, post},
    Router,
};
use luot_store::auth::DeviceKind;
use luot_store::feedback::{CounterToday, FeedbackView, NewFeedback};
use serde::Deserialize;

use crate::{
    auth::Caller,
    error::{ApiError, ApiResult},
    extract::{Json, Path},
    state::{centre_code, counter_number, ticket_token, AppState},
};

/// How long after completion a rating tablet may still rate the ticket.
pub(crate) const TABLET_WINDOW: Duration = Duration::from_secs(15 * 60);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tickets/{token}/feedback", post(rate_ticket))
        .route(
            "/api/v1/centres/{centre}/counters/{counter}/feedback",
            post(rate_at_counter),
        )
        .route(
            "/api/v1/centres/{centre}/counters/{counter}/today",
            get(today),
        )
}

/// Today's figures of a counter: served, no-shows, mean service time, ratings.
/// Audience: staff allowed at that counter.
#[utoipa::path(get, path = "/api/v1/centres/{centre}/counters/{counter}/today", tag = "counters",
    params(("centre" = String, Path), ("counter" = u16, Path)),
    responses((status = 200, body = CounterToday), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn today(
    State(state): State<AppState>,
    Path((centre, counter)): Path<(String, String)>,
    caller: Caller,
) -> ApiResult<Json<CounterToday>> {
    caller.staff()?;
    let centre = centre_code(&centre)?;
    let counter = counter_number(&counter)?;
    caller.staff_at(&centre, counter)?;
    Ok(Json(
        state
            .store
            .counter_today(&centre, counter, state.now())
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Rating {
    /// 5 rất hài lòng, 4 hài lòng, 3 bình thường, 2 không hài lòng, 1 rất không hài lòng.
    pub rating: u8,
    /// Optional, at most 500 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

fn feedback(r: Rating, source: String, state: &AppState) -> NewFeedback {
    NewFeedback {
        rating: r.rating,
        comment: r
            .comment
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
        source,
        now: state.now(),
    }
}

/// Rates a served ticket, once. Audience: anyone with the ticket's token.
#[utoipa::path(post, path = "/api/v1/tickets/{token}/feedback", tag = "feedback",
    params(("token" = String, Path)),
    request_body = Rating,
    responses((status = 201, body = FeedbackView), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "`already_rated` or `not_served`"),
        (status = 422, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody, description = "too many ratings from this address")))]
pub async fn rate_ticket(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ip: crate::auth::ClientIp,
    Json(r): Json<Rating>,
) -> ApiResult<(StatusCode, Json<FeedbackView>)> {
    ticket_token(&token)?;
    crate::ratelimit::limit(&state.public_limits.ratings, &ip.key())?;
    let f = feedback(r, "ticket".into(), &state);
    Ok((
        StatusCode::CREATED,
        Json(state.store.rate_ticket(&token, f).await?),
    ))
}

/// Rates the ticket this counter completed last (within 15 minutes), once.
/// Audience: the rating device bound to this counter (another counter's, or
/// one bound to none: 403).
#[utoipa::path(post, path = "/api/v1/centres/{centre}/counters/{counter}/feedback", tag = "feedback",
    params(("centre" = String, Path), ("counter" = u16, Path)),
    request_body = Rating,
    responses((status = 201, body = FeedbackView), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody, description = "no ticket completed here lately"),
        (status = 409, body = crate::error::ErrorBody, description = "`already_rated`")))]
pub async fn rate_at_counter(
    State(state): State<AppState>,
    Path((centre, counter)): Path<(String, String)>,
    caller: Caller,
    Json(r): Json<Rating>,
) -> ApiResult<(StatusCode, Json<FeedbackView>)> {
    if matches!(caller, Caller::Anonymous) {
        return Err(ApiError::unauthenticated());
    }
    let centre = centre_code(&centre)?;
    let device = caller.device(&[DeviceKind::Rating], &centre)?;
    let counter = counter_number(&counter)?;
    device.rates_at(counter)?;
    let f = feedback(r, device.actor(), &state);
    let view = state
        .store
        .rate_last_at_counter(&centre, counter, TABLET_WINDOW, f)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}
