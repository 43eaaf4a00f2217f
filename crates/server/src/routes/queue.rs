//! `GET /api/v1/centres/{centre}/queue`: the live picture of a centre, for
//! displays and counters. It carries ticket numbers only, no personal data.

use axum::{extract::State, routing::get, Router};
use luot_store::QueueSnapshot;

use crate::{
    error::ApiResult,
    extract::{Json, Path},
    state::{centre_code, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/centres/{centre}/queue", get(snapshot))
}

/// Counters with their current tickets, services with waiting counts, the
/// waiting list in call order and the last calls.
#[utoipa::path(get, path = "/api/v1/centres/{centre}/queue", tag = "queue",
    params(("centre" = String, Path)),
    responses((status = 200, body = QueueSnapshot), (status = 404, body = crate::error::ErrorBody)))]
pub async fn snapshot(
    State(state): State<AppState>,
    Path(centre): Path<String>,
) -> ApiResult<Json<QueueSnapshot>> {
    let centre = centre_code(&centre)?;
    Ok(Json(state.store.queue(&centre, state.now()).await?))
}
