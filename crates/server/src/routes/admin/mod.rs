//! Administration API (audience: admin): `/api/v1/admin/centres/{centre}/...`.
//! Administrators set up a centre without touching a file: settings, services,
//! counters (with the services each serves, in order), holidays and the ticket
//! logo. Every change is one store transaction that also announces
//! `ConfigChanged` (displays and kiosks reload), and is written to the audit log.
//! Staff accounts are `/api/v1/admin/staff` (`staff.rs`); reports are in
//! `routes/reports.rs`.

use axum::{extract::FromRequestParts, http::request::Parts, Router};
use luot_store::{auth::NewAudit, AdminCtx};
use serde_json::Value;

use crate::{
    auth::{ClientIp, RequireAdmin, Staff},
    error::ApiError,
    state::{centre_code, AppState},
};

pub mod booking;
pub mod counters;
pub mod erasure;
pub mod holidays;
pub mod logo;
pub mod notifier;
pub mod services;
pub mod settings;
pub mod staff;
mod staff_input;
pub mod webhooks;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(settings::router())
        .merge(booking::router())
        .merge(services::router())
        .merge(counters::router())
        .merge(erasure::router())
        .merge(holidays::router())
        .merge(logo::router())
        .merge(staff::router())
        .merge(webhooks::router())
        .merge(notifier::router())
}

/// A signed-in administrator (401 without credentials, 403 for anyone else),
/// with the address the request came from for the audit log.
pub struct Admin {
    staff: Staff,
    ip: ClientIp,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let RequireAdmin(staff) = RequireAdmin::from_request_parts(parts, state).await?;
        let Ok(ip) = ClientIp::from_request_parts(parts, state).await;
        Ok(Admin { staff, ip })
    }
}

impl Admin {
    /// The context of a change to `centre`: 403 for an administrator of
    /// another centre.
    pub fn ctx(&self, state: &AppState, centre: &str) -> Result<AdminCtx, ApiError> {
        let centre = centre_code(centre)?;
        if !self.staff.belongs_to(&centre) {
            return Err(ApiError::forbidden(
                "Tài khoản này không quản trị trung tâm này",
                "This account does not administer this centre",
            ));
        }
        Ok(AdminCtx {
            centre,
            actor: self.staff.actor(),
            now: state.now(),
            audit: None,
        })
    }

    /// `ctx` with the audit entry of `action` (who, what, when, from where),
    /// which the store command commits with its change.
    pub fn audited(&self, ctx: AdminCtx, action: &str, details: Value) -> AdminCtx {
        let entry = NewAudit {
            at: ctx.now,
            actor: ctx.actor.clone(),
            action: action.to_owned(),
            centre: Some(ctx.centre.clone()),
            ip: self.ip.0.map(|ip| ip.to_string()),
            details,
        };
        AdminCtx {
            audit: Some(entry),
            ..ctx
        }
    }
}
