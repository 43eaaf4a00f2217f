//! A last-resort deadline on every request. The store answers `Unavailable`
//! within its own timeouts (pool acquire, statement timeout, the writer's batch
//! timeout), but a read already in flight when the network goes silent waits on
//! TCP, which can take many minutes; no request should. Past the deadline the
//! client gets the same 503 `unavailable` as any other outage. A websocket
//! upgrade answers at once and the connection lives on outside this deadline.

use std::time::Duration;

use axum::{extract::Request, middleware::Next, response::IntoResponse, response::Response};

use crate::error::ApiError;

/// Longer than the store's slowest path (acquire + statement timeout + margin)
/// with the default flags.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

pub async fn guard(req: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_DEADLINE, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::from(luot_store::Error::Unavailable("request deadline".into()))
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request, routing::get, Router};
    use tower::ServiceExt;

    #[tokio::test(start_paused = true)]
    async fn a_hanging_request_gets_503() {
        let app = Router::new()
            .route("/hang", get(std::future::pending::<&'static str>))
            .route("/fine", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(super::guard));
        let hang = Request::get("/hang").body(Body::empty()).unwrap();
        let r = app.clone().oneshot(hang).await.unwrap();
        assert_eq!(r.status(), 503);
        let fine = Request::get("/fine").body(Body::empty()).unwrap();
        assert_eq!(app.oneshot(fine).await.unwrap().status(), 200);
    }
}
