//! The state every handler shares.

use std::{sync::Arc, time::Duration};

use jiff::Timestamp;
use luot_domain::{CentreCode, CounterNumber, ServiceCode};
use luot_store::Store;
use tokio::sync::watch;

use crate::auth::{AuthConfig, SharedAuth};
use crate::{error::ApiError, hub::Hub, ratelimit::RateLimiter};

/// The source of "now". Production reads the system clock; tests pin it.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

#[derive(Clone)]
pub struct AppState {
    /// All persistence; the backend is chosen at start-up.
    pub store: Arc<dyn Store>,
    /// Every handler takes time from here, never from the system directly, so
    /// tests can move through service days.
    pub clock: Clock,
    /// The URL printed in ticket QR codes (`--public-url`); `None` uses the
    /// request's host.
    pub public_url: Option<String>,
    /// Committed events, serialised once and fanned out per centre to the
    /// websocket connections.
    pub hub: Hub,
    /// `--always-open`: walk-in issuing ignores opening hours and holidays,
    /// and every service day ends at local midnight.
    pub always_open: bool,
    /// Heartbeat timing of the event stream (short in tests).
    pub stream: StreamSettings,
    /// Open event streams, per anonymous address and in all
    /// (`--ws-per-address`, `--max-websockets`).
    pub websockets: Arc<crate::ws_caps::SocketCaps>,
    /// Flips to `true` when the server shuts down, so long-lived websocket
    /// connections send a close frame and end instead of holding shutdown up.
    shutdown: Arc<watch::Sender<bool>>,
    /// Session policy, cookie settings and the login rate limiters.
    pub auth: SharedAuth,
    /// Rate limits of the public booking endpoints.
    pub booking_limits: Arc<BookingLimits>,
    /// Rate limits of the other anonymous writes (remote tickets, ratings)
    /// and the remote share of daily caps.
    pub public_limits: Arc<PublicLimits>,
    /// Ticket logos converted for the printer, so `ticket.png` and the kiosk
    /// agent convert a logo once per version instead of once per ticket.
    pub logos: Arc<crate::printing::LogoCache>,
    /// Device tokens recently read, so kiosks do not cost a read per request.
    pub devices: Arc<crate::auth::device_cache::DeviceCache>,
    /// Staff sessions recently checked, so staff requests do not cost a read.
    pub sessions: Arc<crate::auth::session_cache::SessionCache>,
    /// The one live print agent per kiosk device: a second connection replaces the first.
    pub kiosk_agents: Arc<crate::kiosk_agent::Agents>,
    /// Open connections and the header-read timeout (`--max-connections`).
    pub conn: crate::conn::ConnLimits,
}

/// Heartbeats on the event stream: the server pings every `ping_every` and
/// drops a connection whose ping is not answered within `ping_timeout`
/// (`--ws-ping-timeout`), or that does not take a write within it.
#[derive(Debug, Clone, Copy)]
pub struct StreamSettings {
    pub ping_every: Duration,
    pub ping_timeout: Duration,
}

impl StreamSettings {
    pub const DEFAULT_PING_TIMEOUT: Duration = Duration::from_secs(30);
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            ping_every: Duration::from_secs(20),
            ping_timeout: Self::DEFAULT_PING_TIMEOUT,
        }
    }
}

impl AppState {
    /// State over `store` with the system clock and a hub of the default size.
    /// Starts the hub task, so it must run inside a tokio runtime.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self::with_hub_capacity(store, Hub::DEFAULT_CAPACITY)
    }

    /// Like [`AppState::new`] with a hub whose connections lag after
    /// `capacity` unsent frames (tests make it tiny).
    pub fn with_hub_capacity(store: Arc<dyn Store>, capacity: usize) -> Self {
        let hub = Hub::start(store.as_ref(), capacity);
        Self {
            store,
            clock: Arc::new(Timestamp::now),
            public_url: None,
            always_open: false,
            hub,
            stream: StreamSettings::default(),
            websockets: Arc::default(),
            shutdown: Arc::new(watch::channel(false).0),
            auth: Arc::new(AuthConfig::default()),
            booking_limits: Arc::new(BookingLimits::default()),
            public_limits: Arc::new(PublicLimits::default()),
            devices: Arc::default(),
            sessions: Arc::default(),
            logos: Arc::default(),
            kiosk_agents: Arc::default(),
            conn: crate::conn::ConnLimits::default(),
        }
    }

    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Tells every long-lived connection to close (called by [`crate::serve`]).
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Flips to `true` when shutdown begins.
    pub fn shutdown_receiver(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Completes once shutdown has begun.
    pub fn shutting_down(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.shutdown.subscribe();
        async move {
            // An error means the sender is gone: the server is gone too.
            let _ = rx.wait_for(|down| *down).await;
        }
    }
}

/// Path segments: a code that cannot be valid names nothing, hence 404.
pub fn centre_code(s: &str) -> Result<CentreCode, ApiError> {
    CentreCode::parse(s).map_err(|_| ApiError::not_found("centre"))
}

pub fn service_code(s: &str) -> Result<ServiceCode, ApiError> {
    ServiceCode::parse(s).map_err(|_| ApiError::not_found("service"))
}

pub fn counter_number(s: &str) -> Result<CounterNumber, ApiError> {
    CounterNumber::parse(s).map_err(|_| ApiError::not_found("counter"))
}

/// Per-IP and per-phone limits for booking, look-up, cancel and check-in.
pub struct BookingLimits {
    /// Every public booking request (slots, book, look-up, cancel), per IP.
    pub ip: RateLimiter,
    /// Book, look-up and cancel attempts per phone number, whatever the IP.
    pub phone: RateLimiter,
    /// Check-in attempts per IP (a kiosk checks in many people).
    pub check_in: RateLimiter,
}

impl Default for BookingLimits {
    fn default() -> Self {
        Self {
            ip: RateLimiter::new(60, Duration::from_secs(60)),
            phone: RateLimiter::new(6, Duration::from_secs(600)),
            check_in: RateLimiter::new(120, Duration::from_secs(60)),
        }
    }
}

/// Limits on anonymous writes other than bookings, per client address (and
/// per phone for turn notices).
pub struct PublicLimits {
    /// Remote tickets per address: 10 per hour (a family, a shared phone, a
    /// carrier's NAT), so one address cannot take a service's day.
    pub remote_tickets: RateLimiter,
    /// Ratings from ticket pages per address.
    pub ratings: RateLimiter,
    /// Phones left for turn notices, per phone whatever the ticket or address:
    /// 4 per hour (a family's tickets), so nobody can point the notices of
    /// many tickets, remote ones from many addresses included, at one phone.
    pub notice_phone: RateLimiter,
    /// Percent of each service's daily cap that remote tickets may take; the
    /// rest is kept for walk-ins (`--remote-share`, 50).
    pub remote_share_percent: u8,
}

impl Default for PublicLimits {
    fn default() -> Self {
        Self {
            remote_tickets: RateLimiter::new(10, Duration::from_secs(3600)),
            ratings: RateLimiter::new(20, Duration::from_secs(600)),
            notice_phone: RateLimiter::new(4, Duration::from_secs(3600)),
            remote_share_percent: 50,
        }
    }
}

impl PublicLimits {
    /// The most remote tickets a service with `daily_cap` takes in a day.
    pub fn remote_cap(&self, daily_cap: u32) -> u32 {
        let share = u64::from(self.remote_share_percent.min(100));
        u32::try_from(u64::from(daily_cap) * share / 100).unwrap_or(daily_cap)
    }
}

/// A ticket token from a path: anything that cannot be one names no ticket.
pub fn ticket_token(s: &str) -> Result<&str, ApiError> {
    if s.len() <= 64 && !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(s)
    } else {
        Err(ApiError::not_found("ticket"))
    }
}
