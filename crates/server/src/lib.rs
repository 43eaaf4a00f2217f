//! The Lượt server: REST and websocket API over a [`luot_store::Store`], the
//! static UIs, and graceful shutdown. `main` only parses configuration and calls
//! [`serve`]; tests call [`serve`] on port 0 with a fresh database.
#![forbid(unsafe_code)]

use std::future::Future;

use axum::{extract::DefaultBodyLimit, http::StatusCode, response::IntoResponse, Router};
use tokio::net::TcpListener;
use tower_http::{catch_panic::CatchPanicLayer, trace::TraceLayer};

pub mod audit;
pub mod auth;
pub mod booking_error;
pub mod config;
pub mod conn;
pub mod deadline;
pub mod demo;
pub mod error;
pub mod export;
pub mod extract;
pub mod headers;
pub mod housekeeping;
pub mod hub;
pub mod ics;
pub mod kiosk_agent;
pub mod notices;
pub mod notify;
pub mod outbound;
pub mod printing;
pub mod ratelimit;
pub mod routes;
pub mod state;
pub mod ui;
pub mod webhooks;
pub mod ws_caps;

pub use state::AppState;

/// The largest request body accepted (bookings and settings are small).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(routes::router())
        .merge(ui::router())
        .fallback(|| async {
            error::ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "Không tìm thấy",
                "Not found",
            )
        })
        .with_state(state)
        .layer(axum::middleware::from_fn(deadline::guard))
        .layer(axum::middleware::from_fn(headers::security))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(|_| {
            error::ApiError::internal("a handler panicked").into_response()
        }))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
}

/// What the log says of a request: its method and the route it matched
/// (`/api/v1/tickets/{token}`), never its path or query, which carry ticket
/// tokens, booking phones and device tokens. A request no route matched is
/// logged as [`UNMATCHED`].
fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or(UNMATCHED, |p| p.as_str());
    tracing::debug_span!("request", method = %req.method(), route)
}

/// The route logged for a request no route matched.
pub const UNMATCHED: &str = "(no route)";

/// Serves on a bound listener until `shutdown` completes, then lets in-flight
/// requests finish. Websocket connections are told to close (they send their
/// clients a close frame, and displays reconnect to the next server).
/// Connections are capped and must send their headers in time
/// ([`conn::ConnLimits`], from `state.conn`).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let signal = state.shutdown_receiver();
    let down = state.clone();
    let trigger = tokio::spawn(async move {
        shutdown.await;
        down.begin_shutdown();
    });
    let limits = state.conn;
    let result = conn::serve(listener, app(state), limits, signal).await;
    trigger.abort();
    result
}
