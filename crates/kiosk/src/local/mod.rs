//! `--ui 127.0.0.1:8081`: the kiosk page and the server's API, served on the
//! kiosk PC itself, so the kiosk's browser never depends on the LAN.
//!
//! ```text
//!  browser ──/kiosk──▶ embedded kiosk-ui/
//!          ──/api/…──▶ passthrough (device token added) ──▶ server
//!                      └─ server out of reach 5 s: POST …/tickets issues from a leased block
//!                         (journal, then printer), GETs answer from the last good copy
//!          ──/api/v1/kiosks/me, …/reprint──▶ the kiosk's own jobs merged in, or printed here
//! ```
//!
//! The browser holds no token: the passthrough adds the kiosk's own. The
//! address must be a loopback one, since whoever reaches it acts as the kiosk.

mod issue;
pub mod prints;
mod proxy;

use crate::offline::{book::Book, Reach};
use crate::worker::Job;
use axum::{
    extract::Path,
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{any, get, post},
    Router,
};
use luot_print::PrinterStatus;
use rust_embed::RustEmbed;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch, Notify};

#[derive(RustEmbed)]
#[folder = "../../kiosk-ui"]
struct Page;
/// The front-end modules every UI shares (`/shared/api.js`, ...).
#[derive(RustEmbed)]
#[folder = "../../shared-ui"]
struct Shared;

/// What the local server shares with the sync task.
pub struct Local {
    /// `http://HOST:PORT` of the server, without a trailing slash.
    pub server: String,
    pub auth: String,
    pub http: reqwest::Client,
    pub book: Mutex<Book>,
    /// Last good answers to the GETs the page needs offline, by path.
    pub cache: Mutex<HashMap<String, (String, axum::body::Bytes)>>,
    pub reach: Reach,
    pub jobs: mpsc::Sender<Job>,
    pub status: watch::Receiver<PrinterStatus>,
    /// How long the server must be out of reach before tickets are issued offline.
    pub offline_after: Duration,
    /// Wakes the sync task (a ticket to replay).
    pub wake: Notify,
    /// Offline tickets were issued: refresh the blocks at the next chance.
    pub lease_due: AtomicBool,
    /// The kiosk's own print jobs (offline tickets, their copies) and what became of them.
    pub prints: Arc<prints::OwnPrints>,
}

impl Local {
    pub fn lease_due(&self) {
        self.lease_due.store(true, Ordering::Relaxed);
    }
    pub fn take_lease_due(&self) -> bool {
        self.lease_due.swap(false, Ordering::Relaxed)
    }
}

/// Refuses addresses other machines could reach.
pub fn check_addr(addr: SocketAddr) -> Result<SocketAddr, String> {
    if addr.ip().is_loopback() {
        Ok(addr)
    } else {
        Err(format!(
            "--ui {addr}: use a loopback address such as 127.0.0.1:8081 (whoever reaches it acts as this kiosk)"
        ))
    }
}

pub fn router(local: Arc<Local>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/kiosk") }))
        .route("/kiosk", get(|| async { index() }))
        .route("/kiosk/", get(|| async { index() }))
        .route("/kiosk/{*path}", get(asset))
        .route(
            "/shared/{*path}",
            get(|Path(p): Path<String>| async move { file::<Shared>(&p) }),
        )
        .route("/api/v1/centres/{centre}/tickets", post(issue::issue))
        .route("/api/v1/tickets/{token}", get(issue::status))
        .route("/api/v1/tickets/{token}/ticket.png", get(issue::preview))
        .route("/api/v1/kiosks/me", get(prints::me))
        .route(
            "/api/v1/kiosks/me/tickets/{token}/reprint",
            post(prints::reprint),
        )
        .route("/api/{*rest}", any(proxy::passthrough))
        .route("/healthz", get(proxy::passthrough))
        .fallback(proxy::passthrough)
        .layer(axum::extract::DefaultBodyLimit::max(proxy::MAX_BODY))
        .with_state(local)
}

/// The page, marked as served by `luot-kiosk` (the page then needs no token).
fn index() -> Response {
    match Page::get("index.html") {
        Some(f) => {
            let html = String::from_utf8_lossy(&f.data).replacen(
                "<head>",
                "<head>\n<meta name=\"luot-kiosk-local\" content=\"1\">",
                1,
            );
            (
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                html,
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

async fn asset(Path(path): Path<String>) -> Response {
    if path.is_empty() || path == "index.html" {
        return index();
    }
    file::<Page>(&path)
}

fn file<E: RustEmbed>(path: &str) -> Response {
    match E::get(path) {
        Some(f) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            (
                [
                    (header::CONTENT_TYPE, mime.as_ref().to_owned()),
                    (header::CACHE_CONTROL, "no-cache".to_owned()),
                ],
                f.data,
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// A JSON error in the server's shape (stable code, Vietnamese and English).
pub fn error(status: StatusCode, code: &str, vi: &str, en: &str) -> Response {
    let body = serde_json::json!({"code": code, "message": vi, "message_en": en});
    (status, axum::Json(body)).into_response()
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    local: Arc<Local>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(local))
        .with_graceful_shutdown(shutdown)
        .await
}
