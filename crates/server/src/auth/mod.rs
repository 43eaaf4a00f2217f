//! Who is calling, and whether they may. Every request resolves to a [`Caller`]:
//! anonymous, a staff member (session cookie or bearer session token) or a
//! registered device (bearer device token). Handlers state their audience by
//! asking the caller: [`Caller::staff_at`], [`Caller::device`], or the
//! [`RequireStaff`] / [`RequireAdmin`] extractors. Wrong or missing credentials
//! are 401 `unauthenticated`; a known caller outside the audience is 403 `forbidden`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts},
};
use luot_domain::{CentreCode, CounterNumber};
use luot_store::auth::{Account, DeviceKind, DeviceView, Role};
use serde::Serialize;

use crate::{
    error::ApiError,
    ratelimit::{Backoff, RateLimiter},
    state::AppState,
};

pub mod bootstrap;
pub mod device_cache;
pub mod passwords;
pub mod session_cache;
pub mod sessions;
pub mod tokens;

pub use sessions::{CookieSecure, Policy};

/// Authentication settings and the login limiters, shared by all handlers.
pub struct AuthConfig {
    pub policy: Policy,
    pub cookie_secure: CookieSecure,
    /// Login attempts per client address, right or wrong.
    pub login_per_ip: RateLimiter,
    /// Failed sign-ins per address: growing delays after 10.
    pub failures_per_ip: Backoff<String>,
    /// Failed sign-ins per (address, username): growing delays after 3. Never
    /// per username alone, so guessing from one address cannot lock the owner
    /// out from another; guessing spread over many addresses is slowed by the
    /// argon2 gate and each address's own budget.
    pub failures_per_account: Backoff<(String, String)>,
    /// Sign-ins checking a password at once, and waiting (503 beyond).
    pub gate: Arc<passwords::Gate>,
    /// Cost of new password hashes (`Fast` only in tests).
    pub password_cost: passwords::Cost,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`--trusted-proxy`).
    /// Empty: the socket's peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            policy: Policy::default(),
            cookie_secure: CookieSecure::Auto,
            login_per_ip: RateLimiter::new(20, Duration::from_secs(600)),
            failures_per_ip: Backoff::new(10, Duration::from_secs(1), Duration::from_secs(900)),
            failures_per_account: Backoff::new(3, Duration::from_secs(1), Duration::from_secs(900)),
            gate: Arc::new(passwords::Gate::for_cores()),
            password_cost: passwords::Cost::Default,
            trusted_proxies: Vec::new(),
        }
    }
}

/// A signed-in staff member or administrator.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Staff {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// `None`: every counter.
    #[schema(value_type = Option<Vec<u16>>)]
    pub counters: Option<Vec<CounterNumber>>,
    /// `None`: every centre.
    #[schema(value_type = Option<String>)]
    pub centre: Option<CentreCode>,
}

impl From<Account> for Staff {
    fn from(a: Account) -> Self {
        Self {
            username: a.username,
            display_name: a.display_name,
            role: a.role,
            counters: a.counters,
            centre: a.centre,
        }
    }
}

impl Staff {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
    pub fn actor(&self) -> String {
        format!("staff:{}", self.username)
    }
    pub fn belongs_to(&self, centre: &CentreCode) -> bool {
        self.centre.as_ref().is_none_or(|c| c == centre)
    }
    /// Administrators use any counter of their centres; staff those listed.
    pub fn may_use(&self, centre: &CentreCode, counter: CounterNumber) -> bool {
        self.belongs_to(centre)
            && (self.is_admin()
                || self
                    .counters
                    .as_ref()
                    .is_none_or(|list| list.contains(&counter)))
    }
}

/// A registered device, by its token.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Device {
    pub id: i64,
    pub kind: DeviceKind,
    pub name: String,
    #[schema(value_type = String)]
    pub centre: CentreCode,
    /// A rating tablet's counter, where alone it rates (`None`: bound to no
    /// counter, so it rates nowhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u16>)]
    pub counter: Option<CounterNumber>,
}

impl Device {
    /// A rating tablet reads and submits ratings at the counter it is bound
    /// to, and nowhere else (403).
    pub fn rates_at(&self, counter: CounterNumber) -> Result<(), ApiError> {
        if self.counter == Some(counter) {
            return Ok(());
        }
        Err(ApiError::forbidden(
            format!("Máy đánh giá này không thuộc quầy {counter}"),
            format!("This rating tablet does not belong to counter {counter}"),
        ))
    }

    pub fn actor(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.id)
    }
}

impl From<DeviceView> for Device {
    fn from(d: DeviceView) -> Self {
        Self {
            id: d.id,
            kind: d.kind,
            name: d.name,
            centre: d.centre,
            counter: d.counter,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Caller {
    Anonymous,
    Staff(Staff),
    Device(Device),
}

fn wrong_audience() -> ApiError {
    ApiError::forbidden(
        "Bạn không có quyền thực hiện thao tác này",
        "You may not do this",
    )
}

impl Caller {
    /// `staff:<username>`, `kiosk:<id>` (device kind and id), or `public`.
    pub fn actor(&self) -> String {
        match self {
            Caller::Anonymous => "public".into(),
            Caller::Staff(s) => s.actor(),
            Caller::Device(d) => d.actor(),
        }
    }

    /// Any signed-in staff member or administrator.
    pub fn staff(&self) -> Result<&Staff, ApiError> {
        match self {
            Caller::Anonymous => Err(ApiError::unauthenticated()),
            Caller::Device(_) => Err(wrong_audience()),
            Caller::Staff(s) => Ok(s),
        }
    }

    /// A staff member or administrator of `centre`.
    pub fn staff_of(&self, centre: &CentreCode) -> Result<&Staff, ApiError> {
        let s = self.staff()?;
        if s.belongs_to(centre) {
            Ok(s)
        } else {
            Err(wrong_audience())
        }
    }

    /// A staff member allowed at this counter.
    pub fn staff_at(
        &self,
        centre: &CentreCode,
        counter: CounterNumber,
    ) -> Result<&Staff, ApiError> {
        let s = self.staff()?;
        if s.may_use(centre, counter) {
            Ok(s)
        } else {
            Err(ApiError::forbidden(
                format!("Tài khoản này không được dùng quầy {counter}"),
                format!("This account may not use counter {counter}"),
            ))
        }
    }

    pub fn admin(&self) -> Result<&Staff, ApiError> {
        let s = self.staff()?;
        if s.is_admin() {
            Ok(s)
        } else {
            Err(wrong_audience())
        }
    }

    /// A device of one of `kinds` registered to `centre`.
    pub fn device(&self, kinds: &[DeviceKind], centre: &CentreCode) -> Result<&Device, ApiError> {
        match self {
            Caller::Anonymous => Err(ApiError::unauthenticated()),
            Caller::Device(d) if kinds.contains(&d.kind) && &d.centre == centre => Ok(d),
            _ => Err(wrong_audience()),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let caller = resolve(parts, state).await?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
    if let Some(v) = parts.headers.get(header::AUTHORIZATION) {
        // An explicit credential that names nobody is an error, never anonymity.
        let token = v
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthenticated)?;
        return by_token(state, token)
            .await?
            .ok_or_else(ApiError::unauthenticated);
    }
    if let Some(token) = sessions::cookie(&parts.headers, sessions::SESSION_COOKIE) {
        // A stale cookie leaves the browser anonymous: public pages still work.
        if let Some(staff) = session(state, token).await? {
            if !parts.method.is_safe() {
                sessions::check_csrf(&parts.headers, token)?;
            }
            return Ok(Caller::Staff(staff));
        }
    }
    Ok(Caller::Anonymous)
}

async fn by_token(state: &AppState, token: &str) -> Result<Option<Caller>, ApiError> {
    if token.len() > 128 {
        return Ok(None);
    }
    if token.starts_with(tokens::DEVICE_PREFIX) {
        let hash = tokens::hash_token(token);
        let d = match state.devices.get(&hash) {
            Some(d) => d,
            None => {
                let Some(d) = state.store.device_by_token(&hash).await? else {
                    return Ok(None);
                };
                state.devices.put(hash.clone(), d.clone());
                d
            }
        };
        if d.revoked {
            return Ok(None);
        }
        let now = state.now();
        let stale = d
            .last_seen
            .is_none_or(|t| now.as_microsecond() - t.as_microsecond() > sessions::TOUCH_EVERY_US);
        if stale {
            state.store.touch_device(d.id, now).await?;
            state.devices.seen(&hash, now);
        }
        return Ok(Some(Caller::Device(d.into())));
    }
    Ok(session(state, token).await?.map(Caller::Staff))
}

/// The staff member of a live session; ends sessions that expired.
pub async fn session(state: &AppState, token: &str) -> Result<Option<Staff>, ApiError> {
    if !token.starts_with(tokens::SESSION_PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    let hash = tokens::hash_token(token);
    let s = match state.sessions.get(&hash) {
        Some(s) => s,
        None => {
            let generation = state.sessions.generation();
            let Some(s) = state.store.session(&hash).await? else {
                return Ok(None);
            };
            state.sessions.put(generation, hash.clone(), s.clone());
            s
        }
    };
    let now = state.now();
    if !s.account.active || state.auth.policy.expired(s.created_at, s.last_seen, now) {
        let deleted = state.store.delete_session(&hash, None).await;
        state.sessions.forget(&hash);
        deleted?;
        return Ok(None);
    }
    if now.as_microsecond() - s.last_seen.as_microsecond() > sessions::TOUCH_EVERY_US {
        state.store.touch_session(&hash, now).await?;
        state.sessions.seen(&hash, now);
    }
    Ok(Some(s.account.into()))
}

/// The client's address: the socket's peer, or, when that peer is a trusted
/// reverse proxy, the address the proxies recorded in `X-Forwarded-For`. Rate
/// limits and the audit log key on it, so behind a proxy each citizen keeps a
/// budget of their own instead of everyone sharing the proxy's.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The rate-limit key: the IPv4 address, or the IPv6 /64 network (one
    /// household or phone gets a whole /64, so single IPv6 addresses would give
    /// one client endless budgets).
    pub fn key(&self) -> String {
        match self.0 {
            None => "unknown".into(),
            Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            Some(ip) => ip.to_canonical().to_string(),
        }
    }

    /// Walks `X-Forwarded-For` from the right (the entry our own proxy added)
    /// past every trusted proxy; the first untrusted address is the client. A
    /// client cannot forge its way past this: what it writes itself sits to the
    /// left of what the trusted proxy appended. An unparsable entry stops the
    /// walk at the last address known good.
    pub fn resolve(peer: Option<IpAddr>, forwarded: &[&str], trusted: &[ipnet::IpNet]) -> Self {
        let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
        let Some(mut client) = peer else {
            return Self(None);
        };
        if !is_trusted(&client) {
            return Self(Some(client));
        }
        let hops = forwarded
            .iter()
            .rev()
            .flat_map(|h| h.rsplit(','))
            .map(|s| s.trim().parse::<IpAddr>());
        for hop in hops {
            match hop {
                Ok(ip) => {
                    client = ip;
                    if !is_trusted(&ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        Self(Some(client))
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let trusted = &state.auth.trusted_proxies;
        if trusted.is_empty() {
            return Ok(Self(peer));
        }
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Ok(Self::resolve(peer, &forwarded, trusted))
    }
}

/// Extracts a signed-in staff member or administrator (401/403 otherwise).
pub struct RequireStaff(pub Staff);

impl FromRequestParts<AppState> for RequireStaff {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self(
            Caller::from_request_parts(parts, state)
                .await?
                .staff()?
                .clone(),
        ))
    }
}

/// Extracts a signed-in administrator (401/403 otherwise).
pub struct RequireAdmin(pub Staff);

impl FromRequestParts<AppState> for RequireAdmin {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self(
            Caller::from_request_parts(parts, state)
                .await?
                .admin()?
                .clone(),
        ))
    }
}

/// Keeps `Arc<AuthConfig>` cheap to share in `AppState`.
pub type SharedAuth = Arc<AuthConfig>;

#[cfg(test)]
mod tests {
    use super::ClientIp;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        let trusted: Vec<ipnet::IpNet> = vec![
            "10.0.0.0/8".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ];
        let resolve = |peer: &str, xff: &[&str]| ClientIp::resolve(Some(ip(peer)), xff, &trusted).0;
        // Not behind a trusted proxy: the header is the client's own words.
        assert_eq!(
            resolve("203.0.113.9", &["1.1.1.1"]),
            Some(ip("203.0.113.9"))
        );
        // One proxy; the client's forged entry sits to the left and is skipped.
        assert_eq!(
            resolve("127.0.0.1", &["6.6.6.6, 203.0.113.9"]),
            Some(ip("203.0.113.9"))
        );
        // Two proxies, over two header lines.
        assert_eq!(
            resolve("127.0.0.1", &["203.0.113.9", "10.1.2.3"]),
            Some(ip("203.0.113.9"))
        );
        // Only trusted hops: the leftmost known address.
        assert_eq!(resolve("127.0.0.1", &["10.0.0.7"]), Some(ip("10.0.0.7")));
        // Garbage stops the walk at the last good address.
        assert_eq!(
            resolve("127.0.0.1", &["203.0.113.9, not-an-ip"]),
            Some(ip("127.0.0.1"))
        );
        // No header: the proxy itself.
        assert_eq!(resolve("127.0.0.1", &[]), Some(ip("127.0.0.1")));
        assert_eq!(ClientIp::resolve(None, &["1.1.1.1"], &trusted).0, None);
    }

    /// Rate limits key IPv6 clients by their /64: every address of one
    /// network shares a budget.
    #[test]
    fn ipv6_clients_share_their_64_for_rate_limits() {
        let key = |s: &str| ClientIp(Some(ip(s))).key();
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("203.0.113.9"), "203.0.113.9");
        assert_eq!(key("::ffff:203.0.113.9"), "203.0.113.9");
    }
}
