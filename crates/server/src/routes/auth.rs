//! Signing in and out. `POST /api/v1/auth/login` checks a password (argon2id
//! behind the gate of `auth::passwords`; attempts limited per address, failures
//! delayed per address and per (address, username), never per username alone) and opens a session: the token in the
//! reply for API clients, and the HttpOnly session cookie plus the CSRF cookie
//! for the pages. `GET /api/v1/auth/me` says who the credentials belong to.

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    auth::{passwords, sessions, tokens, Caller, ClientIp, Staff},
    error::{ApiError, ApiResult},
    extract::Json,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/me", get(me))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// The session token, for `Authorization: Bearer` (API clients).
    pub token: String,
    /// The value to echo in `X-CSRF-Token` on cookie-authenticated writes.
    pub csrf_token: String,
    pub staff: Staff,
    /// The session ends after this many minutes without use.
    pub idle_minutes: u64,
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "Sai tên đăng nhập hoặc mật khẩu",
        "Wrong username or password",
    )
}

/// Signs a staff member in. Audience: anyone (rate-limited).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse, description = "session cookie and CSRF cookie set"),
        (status = 401, body = crate::error::ErrorBody, description = "wrong username or password"),
        (status = 429, body = crate::error::ErrorBody, description = "too many attempts; see Retry-After"),
        (status = 503, body = crate::error::ErrorBody, description = "too many sign-ins at once; see Retry-After")))]
pub async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let username = req.username.trim().to_lowercase();
    let auth = &state.auth;
    let address = ip.key();
    auth.login_per_ip
        .check(&address)
        .map_err(ApiError::rate_limited)?;
    if username.len() > 64 || req.password.len() > passwords::MAX_PASSWORD_LEN {
        return Err(invalid_credentials());
    }
    let account_key = (address.clone(), username.clone());
    auth.failures_per_ip
        .check(&address)
        .and_then(|()| auth.failures_per_account.check(&account_key))
        .map_err(ApiError::rate_limited)?;
    let found = state.store.account_for_login(&username).await?;
    let (account, hash) = match found {
        Some((a, h)) => (Some(a), h),
        None => (None, passwords::decoy_hash().to_owned()),
    };
    let ok = passwords::verify(&auth.gate, req.password, hash).await?;
    let account = match account {
        Some(a) if ok && a.active => {
            auth.failures_per_account.succeeded(&account_key);
            a
        }
        other => {
            auth.failures_per_ip.failed(&address);
            auth.failures_per_account.failed(&account_key);
            // What was typed as a username names no account: it may be a
            // password typed in the wrong box or a phone number, so it is not
            // written down.
            // Filed under the account's centre, so its administrator sees
            // the attempts on it.
            let (actor, reason, centre) = match other {
                None => ("anonymous".to_owned(), "unknown_account", None),
                Some(a) if !ok => (format!("staff:{}", a.username), "wrong_password", a.centre),
                Some(a) => (format!("staff:{}", a.username), "inactive", a.centre),
            };
            let details = json!({ "reason": reason });
            state
                .audit(actor, ip, "auth.login_failed", centre.as_ref(), details)
                .await;
            return Err(invalid_credentials());
        }
    };
    let token = tokens::new_token(tokens::SESSION_PREFIX);
    // Bound to this session: no other session's requests carry it.
    let csrf = sessions::csrf_for(&token);
    let username = account.username.clone();
    let staff = Staff::from(account);
    let audit = state.audit_entry(
        staff.actor(),
        ip,
        "auth.login",
        staff.centre.as_ref(),
        json!({}),
    );
    state
        .store
        .create_session(
            &username,
            &tokens::hash_token(&token),
            ip.0.map(|i| i.to_string()),
            state.now(),
            Some(audit),
        )
        .await?;
    let cookies = sessions::set_cookies(
        &token,
        &csrf,
        &state.auth.policy,
        state.auth.cookie_secure,
        &headers,
    );
    let body = LoginResponse {
        token,
        csrf_token: csrf,
        staff,
        idle_minutes: state.auth.policy.idle.as_secs() / 60,
    };
    let mut r = Json(body).into_response();
    for c in cookies {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-store".parse().map_err(ApiError::internal)?,
    );
    Ok(r)
}

/// Ends the session of the credentials sent (bearer token or cookie) and clears
/// the cookies. Audience: staff; harmless without a session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "signed out"),
        (status = 403, body = crate::error::ErrorBody, description = "cookie without X-CSRF-Token")))]
pub async fn logout(
    State(state): State<AppState>,
    ip: ClientIp,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token = bearer.or_else(|| sessions::cookie(&headers, sessions::SESSION_COOKIE));
    if let (Caller::Staff(s), Some(t)) = (&caller, token) {
        let hash = tokens::hash_token(t.trim());
        let audit = state.audit_entry(s.actor(), ip, "auth.logout", s.centre.as_ref(), json!({}));
        let ended = state.store.delete_session(&hash, Some(audit)).await;
        // After the delete committed: a check that read the session before
        // cannot cache it again (see SessionCache).
        state.sessions.forget(&hash);
        ended?;
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    for c in sessions::clear_cookies() {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(r)
}

/// Who these credentials belong to: a staff member or a device. Audience: staff,
/// devices (401 without credentials).
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Caller), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(caller: Caller) -> ApiResult<Json<Caller>> {
    match caller {
        Caller::Anonymous => Err(ApiError::unauthenticated()),
        c => Ok(Json(c)),
    }
}
