//! Centres and their services with live waiting counts and ETAs: what the kiosk
//! and the portal show first.

use axum::{extract::State, routing::get, Router};
use luot_store::{CentreSummary, ServiceOverview};

use crate::{
    error::ApiResult,
    extract::{Json, Path},
    state::{centre_code, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/centres", get(list))
        .route("/api/v1/centres/{centre}/services", get(services))
}

/// All centres of this deployment.
#[utoipa::path(get, path = "/api/v1/centres", tag = "centres",
    responses((status = 200, body = [CentreSummary])))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<CentreSummary>>> {
    Ok(Json(state.store.centres().await?))
}

/// A centre's services with waiting counts, open counters and ETA.
#[utoipa::path(get, path = "/api/v1/centres/{centre}/services", tag = "centres",
    params(("centre" = String, Path, description = "Centre code, e.g. `mo-cay`")),
    responses((status = 200, body = [ServiceOverview]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn services(
    State(state): State<AppState>,
    Path(centre): Path<String>,
) -> ApiResult<Json<Vec<ServiceOverview>>> {
    let centre = centre_code(&centre)?;
    let mut services = state.store.services(&centre, state.now()).await?;
    if state.always_open {
        // `--always-open`: hours and holidays do not hold issuing back.
        for s in &mut services {
            s.accepting = s.active && !s.capped;
            s.opens_at = None;
        }
    }
    Ok(Json(services))
}
