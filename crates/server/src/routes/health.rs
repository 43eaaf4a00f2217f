//! `GET /healthz`: liveness plus whether the database answers and takes
//! durable writes. Public (load balancers poll it); `degraded` with 503 while
//! the database is away, cannot commit, or the writer stopped after a failed
//! commit (until restart; see docs/durability.md).

use axum::{extract::State, http::StatusCode, routing::get, Json, Router};
use serde::Serialize;

use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when the database does not answer or cannot commit.
    pub status: &'static str,
    pub database: &'static str,
    pub version: &'static str,
}

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(health))
}

/// Health of the server and its database.
#[utoipa::path(get, path = "/healthz", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    // Time-bounded inside the store: a probe never hangs on a dead database.
    let db_ok = state.store.health().await.is_ok();
    let status = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Health {
            status: if db_ok { "ok" } else { "degraded" },
            database: if db_ok { "ok" } else { "unavailable" },
            version: env!("CARGO_PKG_VERSION"),
        }),
    )
}
