//! Caps on the websockets (live event streams, and kiosks' print agents in
//! the total), so one address (or a crowd) cannot hold the server's memory
//! with open streams:
//! - at most `per_address` anonymous connections from one client address
//!   (`--ws-per-address`, 50; the address behind `--trusted-proxy` is the
//!   forwarded one, an IPv6 client is its /64). Staff and devices are exempt:
//!   they are few, and they are known;
//! - at most `total` connections in all (`--max-websockets`, 10 000: the
//!   displays, counters and status pages of a province's centres).
//!
//! A place is taken before the upgrade (over a cap: 429 or 503
//! `too_many_connections`, nothing upgraded) and given back when the
//! connection ends, or when the upgrade never happens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;

use crate::error::ApiError;

/// The open connections, under a lock held for a map update only.
pub struct SocketCaps {
    pub per_address: usize,
    pub total: usize,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    total: usize,
    /// Anonymous connections per client address key; an address with none
    /// has no entry, so the map never outgrows the connections open.
    by_address: HashMap<String, usize>,
}

impl SocketCaps {
    pub const DEFAULT_PER_ADDRESS: usize = 50;
    pub const DEFAULT_TOTAL: usize = 10_000;

    pub fn new(per_address: usize, total: usize) -> Self {
        Self {
            per_address,
            total,
            open: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a place for a connection from `address` (`None`: a staff member
    /// or a device, exempt from the per-address cap), or refuses: 503 when
    /// the server is full, 429 when this address has its share.
    pub fn take(self: &Arc<Self>, address: Option<String>) -> Result<Slot, ApiError> {
        let mut open = self.lock();
        if open.total >= self.total {
            let mut e = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too_many_connections",
                "Máy chủ đang có quá nhiều kết nối trực tiếp, vui lòng thử lại sau",
                "The server has too many live connections, retry shortly",
            );
            e.retry_after = Some(5);
            return Err(e);
        }
        if let Some(a) = &address {
            let n = open.by_address.get(a).copied().unwrap_or(0);
            if n >= self.per_address {
                let mut e = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_connections",
                    format!("Địa chỉ này đã mở {n} kết nối trực tiếp, vui lòng đóng bớt"),
                    format!("This address already has {n} live connections; close some"),
                );
                e.retry_after = Some(30);
                return Err(e);
            }
            open.by_address.insert(a.clone(), n + 1);
        }
        open.total += 1;
        Ok(Slot {
            caps: self.clone(),
            address,
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.lock().total
    }

    /// Anonymous connections open now from the address key `address`.
    pub fn open_from(&self, address: &str) -> usize {
        self.lock().by_address.get(address).copied().unwrap_or(0)
    }
}

impl Default for SocketCaps {
    fn default() -> Self {
        Self::new(Self::DEFAULT_PER_ADDRESS, Self::DEFAULT_TOTAL)
    }
}

/// A connection's place under the caps; dropping it gives the place back.
pub struct Slot {
    caps: Arc<SocketCaps>,
    address: Option<String>,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("address", &self.address)
            .finish()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.caps.lock();
        open.total = open.total.saturating_sub(1);
        if let Some(a) = &self.address {
            match open.by_address.get_mut(a) {
                Some(n) if *n > 1 => *n -= 1,
                _ => {
                    open.by_address.remove(a);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_address_and_in_all_and_give_back_on_drop() {
        let caps = Arc::new(SocketCaps::new(2, 3));
        let a1 = caps.take(Some("a".into())).unwrap();
        let a2 = caps.take(Some("a".into())).unwrap();
        let e = caps.take(Some("a".into())).unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.body.code),
            (429, "too_many_connections")
        );
        let b = caps.take(Some("b".into())).unwrap();
        // Full: even an exempt caller waits.
        assert_eq!(caps.take(None).unwrap_err().status.as_u16(), 503);
        drop(a1);
        assert_eq!((caps.open(), caps.open_from("a")), (2, 1));
        let a3 = caps.take(Some("a".into())).unwrap();
        drop(a3);
        drop(a2);
        drop(b);
        assert_eq!(caps.open(), 0);
        assert!(caps.lock().by_address.is_empty());
    }
}
