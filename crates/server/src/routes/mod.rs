//! The REST API, one module per resource, each with its own `router()`.

use axum::Router;

use crate::state::AppState;

pub mod admin;
pub mod appointments;
pub mod audit;
pub mod auth;
pub mod centres;
pub mod checkin;
pub mod counters;
pub mod devices;
pub mod display;
pub mod dossiers;
pub mod events;
pub mod feedback;
pub mod health;
pub mod kiosks;
pub mod notices;
pub mod offline;
pub mod openapi;
pub mod queue;
pub mod reports;
pub mod stats;
pub mod tickets;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(openapi::router())
        .merge(centres::router())
        .merge(tickets::router())
        .merge(counters::router())
        .merge(queue::router())
        .merge(display::router())
        .merge(events::router())
        .merge(auth::router())
        .merge(devices::router())
        .merge(feedback::router())
        .merge(audit::router())
        .merge(kiosks::router())
        .merge(offline::router())
        .merge(appointments::router())
        .merge(checkin::router())
        .merge(admin::router())
        .merge(reports::router())
        .merge(dossiers::router())
        .merge(notices::router())
        .merge(stats::router())
}
