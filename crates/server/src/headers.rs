//! Security headers on every answer:
//! - `Content-Security-Policy`: scripts, styles, fonts, connections (the
//!   event websocket) only from this server; no inline script or style
//!   attribute (the UIs have none); images also as `data:` URLs; no plugins;
//!   the pages may not be framed (`frame-ancestors 'none'`);
//! - `X-Frame-Options: DENY` for browsers without CSP level 2;
//! - `Referrer-Policy: no-referrer`: ticket and booking pages carry their token
//!   in the URL, which must not leak to another site;
//! - `X-Content-Type-Options: nosniff`;
//! - `Cache-Control: no-store` on every API answer that does not say otherwise:
//!   tickets, bookings, staff views and sign-in carry tokens or personal data,
//!   and a shared or back-button cache must keep none of them. The few public
//!   figures that may be cached (live statistics) say so themselves.

use axum::{
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

pub const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

pub async fn security(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if api && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
