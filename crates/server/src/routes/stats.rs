//! `GET /api/v1/centres/{centre}/stats/live`: per service the number waiting,
//! the estimated wait, the longest wait so far and the share of today's calls
//! within the service's target; per counter whether it is serving, idle,
//! paused or closed. Counts and minutes only, no personal data. Audience:
//! public (the portal's home shows it, so a citizen can choose when to come;
//! the admin's "Hôm nay" page polls it).

use axum::{extract::State, http::header, response::IntoResponse, routing::get, Router};
use luot_store::integration::LiveStats;

use crate::{
    error::ApiResult,
    extract::{Json, Path},
    state::{centre_code, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/centres/{centre}/stats/live", get(live))
}

/// Live figures of the centre today. Audience: public.
#[utoipa::path(get, path = "/api/v1/centres/{centre}/stats/live", tag = "centres",
    params(("centre" = String, Path, description = "Centre code")),
    responses((status = 200, body = LiveStats), (status = 404, body = crate::error::ErrorBody)))]
pub async fn live(
    State(state): State<AppState>,
    Path(centre): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let centre = centre_code(&centre)?;
    let stats = state.store.live_stats(&centre, state.now()).await?;
    // Fresh enough for a citizen deciding when to come; cheap under a crowd.
    Ok(([(header::CACHE_CONTROL, "public, max-age=5")], Json(stats)))
}
