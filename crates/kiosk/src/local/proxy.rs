//! The passthrough: a request of the page goes to the server with the kiosk's
//! device token; the answer comes back as it is. While the server is out of
//! reach, a GET the page needs is answered from the last good copy.

use super::{error, Local};
use axum::{
    body::Bytes,
    extract::{Request, State},
    http::{header, HeaderMap, HeaderName, Method, StatusCode},
    response::{IntoResponse, Response},
};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// The largest request body passed on (a ticket, a check-in: a few hundred bytes).
pub const MAX_BODY: usize = 64 * 1024;
/// The largest answer passed back (a ticket image is about 20 KB).
const MAX_ANSWER: usize = 2 * 1024 * 1024;
/// A GET answered by the server within this long, or not at all.
const GET_TIMEOUT: Duration = Duration::from_secs(5);

/// Headers the page sends that the server reads.
const FORWARD: [HeaderName; 3] = [
    header::CONTENT_TYPE,
    header::ACCEPT_LANGUAGE,
    header::ACCEPT,
];

/// The server's answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub body: Bytes,
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut res = (self.status, self.body).into_response();
        let h = res.headers_mut();
        if let Some(ct) = self.content_type.and_then(|v| v.parse().ok()) {
            h.insert(header::CONTENT_TYPE, ct);
        }
        if let Some(ra) = self.retry_after.and_then(|v| v.parse().ok()) {
            h.insert(header::RETRY_AFTER, ra);
        }
        h.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        res
    }
}

impl Local {
    /// Sends one request to the server, retrying a refused connection until
    /// `deadline`; `None` when the server could not be reached by then.
    pub async fn forward(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: Bytes,
        deadline: Instant,
    ) -> Option<Answer> {
        let url = format!("{}{}", self.server, path_and_query);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.reach.failed();
                return None;
            }
            let mut req = self
                .http
                .request(method.clone(), &url)
                .header(header::AUTHORIZATION, &self.auth)
                .timeout(left)
                .body(body.clone());
            for name in FORWARD
                .iter()
                .chain([&HeaderName::from_static("idempotency-key")])
            {
                if let Some(v) = headers.get(name) {
                    req = req.header(name, v);
                }
            }
            match req.send().await {
                Ok(res) => {
                    let status = res.status();
                    let text = |n: header::HeaderName| {
                        res.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    let content_type = text(header::CONTENT_TYPE);
                    let retry_after = text(header::RETRY_AFTER);
                    let body = match read_limited(res).await {
                        Some(b) => b,
                        None => {
                            self.reach.failed();
                            return None;
                        }
                    };
                    self.reach.ok();
                    return Some(Answer {
                        status,
                        content_type,
                        retry_after,
                        body,
                    });
                }
                Err(e) if e.is_connect() => {
                    self.reach.failed();
                    tokio::time::sleep(Duration::from_millis(250).min(left)).await;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "server request failed");
                    self.reach.failed();
                    return None;
                }
            }
        }
    }
}

async fn read_limited(mut res: reqwest::Response) -> Option<Bytes> {
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = res.chunk().await {
        out.extend_from_slice(&chunk);
        if out.len() > MAX_ANSWER {
            return None;
        }
    }
    Some(Bytes::from(out))
}

/// Paths whose last good answer serves the page while offline.
fn cacheable(path: &str) -> bool {
    path == "/api/v1/centres"
        || (path.starts_with("/api/v1/centres/") && path.ends_with("/services"))
}

/// Everything the local server does not answer itself.
pub async fn passthrough(State(local): State<Arc<Local>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let pq = req
        .uri()
        .path_and_query()
        .map_or(path.clone(), |p| p.as_str().to_owned());
    let headers = req.headers().clone();
    let body = match axum::body::to_bytes(req.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "Yêu cầu quá lớn",
                "Request too large",
            )
        }
    };
    let deadline = Instant::now()
        + if local.reach.down_for() >= local.offline_after {
            // Known down: one quick try, so a page refresh does not hang.
            Duration::from_millis(500)
        } else {
            GET_TIMEOUT
        };
    let is_get = method == Method::GET;
    match local.forward(method, &pq, &headers, body, deadline).await {
        Some(a) => {
            if is_get && a.status == StatusCode::OK && cacheable(&path) {
                let ct = a.content_type.clone().unwrap_or_default();
                if let Ok(mut cache) = local.cache.lock() {
                    cache.insert(path, (ct, a.body.clone()));
                }
            }
            a.into_response()
        }
        None => {
            let cached = local.cache.lock().ok().and_then(|c| c.get(&path).cloned());
            match cached {
                Some((ct, body)) if is_get => Answer {
                    status: StatusCode::OK,
                    content_type: Some(ct),
                    retry_after: None,
                    body,
                }
                .into_response(),
                _ => unreachable_server(),
            }
        }
    }
}

pub fn unreachable_server() -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "server_unreachable",
        "Không kết nối được máy chủ",
        "The server cannot be reached",
    )
}
