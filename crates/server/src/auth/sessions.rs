//! Sessions and their cookies. A session is a random token (stored hashed) with an
//! idle expiry that slides with use and an absolute one that does not. Browsers
//! carry it in the `luot_session` cookie (HttpOnly, SameSite=Strict); API clients
//! send it as `Authorization: Bearer`. Cookie-authenticated unsafe requests must
//! echo the `luot_csrf` cookie in an `X-CSRF-Token` header: another site can
//! make a browser send the cookie, never read it. The CSRF token is bound to
//! its session: it is a hash of the session token ([`csrf_for`]), so a CSRF
//! token read from one session (another account's, or a stale tab's) is refused
//! with any other, and it gives nothing of the session token away.

use std::time::Duration;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use jiff::Timestamp;

use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "luot_session";
pub const CSRF_COOKIE: &str = "luot_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// When sessions end.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Unused this long, a session ends (each use pushes it further).
    pub idle: Duration,
    /// However busy, a session ends this long after sign-in.
    pub absolute: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(30 * 60),
            absolute: Duration::from_secs(12 * 3600),
        }
    }
}

/// `last_seen` is written at most this often, not on every request.
pub const TOUCH_EVERY_US: i64 = 60_000_000;

fn us(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

impl Policy {
    pub fn expired(&self, created: Timestamp, last_seen: Timestamp, now: Timestamp) -> bool {
        let now = now.as_microsecond();
        now - last_seen.as_microsecond() > us(self.idle)
            || now - created.as_microsecond() > us(self.absolute)
    }
}

/// Whether cookies get the `Secure` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CookieSecure {
    /// When the request came over https (the `X-Forwarded-Proto` of a proxy).
    Auto,
    Always,
    Never,
}

/// The value of cookie `name` in the request, if any.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

fn secure(mode: CookieSecure, headers: &HeaderMap) -> bool {
    match mode {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https")),
    }
}

/// `Set-Cookie` values for a new session: the HttpOnly session cookie and the
/// script-readable CSRF cookie.
pub fn set_cookies(
    session: &str,
    csrf: &str,
    policy: &Policy,
    mode: CookieSecure,
    headers: &HeaderMap,
) -> [HeaderValue; 2] {
    let sec = if secure(mode, headers) {
        "; Secure"
    } else {
        ""
    };
    let age = policy.absolute.as_secs();
    let make = |s: String| HeaderValue::from_str(&s).unwrap_or(HeaderValue::from_static(""));
    [
        make(format!(
            "{SESSION_COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age={age}{sec}"
        )),
        make(format!(
            "{CSRF_COOKIE}={csrf}; SameSite=Strict; Path=/; Max-Age={age}{sec}"
        )),
    ]
}

/// `Set-Cookie` values that delete both cookies.
pub fn clear_cookies() -> [HeaderValue; 2] {
    [
        HeaderValue::from_static("luot_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
        HeaderValue::from_static("luot_csrf=; SameSite=Strict; Path=/; Max-Age=0"),
    ]
}

/// The CSRF token of the session whose token is `session`: SHA-256 of it
/// under a label, base64url. Only whoever holds the session (its HttpOnly
/// cookie, or the sign-in answer) can know it.
pub fn csrf_for(session: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"luot-csrf\0")
        .chain_update(session.as_bytes())
        .finalize();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// 403 `csrf_failed` unless the `X-CSRF-Token` header is the CSRF token of
/// the session `session` (the one the request's cookie names).
pub fn check_csrf(headers: &HeaderMap, session: &str) -> Result<(), ApiError> {
    let expected = csrf_for(session);
    let header = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    match header {
        Some(h) if constant_time_eq(expected.as_bytes(), h.as_bytes()) => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "Phiên làm việc không hợp lệ, vui lòng tải lại trang",
            "Missing or wrong X-CSRF-Token header; reload the page",
        )),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_absolute_expiry() {
        let p = Policy::default();
        let t0: Timestamp = "2026-11-26T02:00:00Z".parse().unwrap();
        let min = |m: i64| t0 + jiff::SignedDuration::from_mins(m);
        assert!(!p.expired(t0, t0, min(30)));
        assert!(p.expired(t0, t0, min(31)));
        // Used at 11h50, still inside idle, but past 12 h since sign-in.
        assert!(!p.expired(t0, min(710), min(719)));
        assert!(p.expired(t0, min(710), min(721)));
    }

    #[test]
    fn cookies_and_csrf() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; luot_session=abc; luot_csrf=xyz"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert!(check_csrf(&h, "abc").is_err());
        // The cookie's value alone proves nothing: the header must be the
        // session's own token.
        h.insert(CSRF_HEADER, HeaderValue::from_static("xyz"));
        assert!(check_csrf(&h, "abc").is_err());
        let abc = HeaderValue::from_str(&csrf_for("abc")).unwrap();
        h.insert(CSRF_HEADER, abc);
        assert!(check_csrf(&h, "abc").is_ok());
        assert!(check_csrf(&h, "abd").is_err());
        assert_ne!(csrf_for("abc"), csrf_for("abd"));
        assert!(!csrf_for("abc").contains("abc"));
        let [s, _] = set_cookies("t", "c", &Policy::default(), CookieSecure::Auto, &h);
        assert!(!s.to_str().unwrap().contains("Secure"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let [s, c] = set_cookies("t", "c", &Policy::default(), CookieSecure::Auto, &h);
        assert!(s
            .to_str()
            .unwrap()
            .contains("HttpOnly; SameSite=Strict; Path=/"));
        assert!(s.to_str().unwrap().ends_with("; Secure"));
        assert!(!c.to_str().unwrap().contains("HttpOnly"));
    }
}
