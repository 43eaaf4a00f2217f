//! The state every handler shares.

use std::sync::Arc;

use jiff::Timestamp;
use luot_domain::{CentreCode, CounterNumber, ServiceCode};
use luot_store::Store;

use crate::error::ApiError;

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
    /// Cancelled when the server shuts down, so long-lived connections
    /// (websockets) close instead of holding graceful shutdown open.
    pub shutdown: tokio_util::sync::CancellationToken,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            clock: Arc::new(Timestamp::now),
            public_url: None,
            shutdown: tokio_util::sync::CancellationToken::new(),
        }
    }

    pub fn now(&self) -> Timestamp {
        (self.clock)()
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
