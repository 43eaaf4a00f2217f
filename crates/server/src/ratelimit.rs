//! Keyed rate limits for everything that must slow down guessing and flooding
//! (sign-in, tickets, bookings, look-ups, feedback, check-ins), on the
//! `governor` crate: GCRA, one atomic cell per key in a sharded map, so a check
//! is O(1). Each key (an address, a phone number) may make `burst` requests at
//! once, then `burst` more per `per`; a refusal says how long until the next.
//!
//! The key set is bounded: past [`MAX_KEYS`] keys, keys back at full budget are
//! forgotten (at most once per [`MAX_KEYS`] / 4 requests or 5 s, so the sweep
//! costs O(1) per request amortised); if the map is still full, a request is refused
//! (429) rather than let memory grow. In memory and per process: a limit, not
//! an accounting.
//!
//! Sign-in has its own throttle, [`Backoff`]: failures only, per address and
//! per (address, username), with delays that double; never per username alone,
//! so guessing from one address never locks the owner out elsewhere.

use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use axum::http::StatusCode;
use governor::{clock::Clock, state::keyed::DashMapStateStore, Quota};
use tokio::time::Instant;

use crate::error::ApiError;

/// Keys one limiter keeps at most.
pub const MAX_KEYS: usize = 100_000;

type Governor =
    governor::RateLimiter<String, DashMapStateStore<String>, governor::clock::DefaultClock>;

pub struct RateLimiter {
    inner: Governor,
    max_keys: usize,
    /// Requests admitted since the last sweep.
    inserted: AtomicUsize,
    /// When the map was last swept.
    swept: Mutex<Instant>,
}

impl RateLimiter {
    /// `burst` requests at once, then `burst` more per `per`.
    pub fn new(burst: u32, per: Duration) -> Self {
        Self::with_max_keys(burst, per, MAX_KEYS)
    }

    /// Like [`RateLimiter::new`] keeping at most `max_keys` keys.
    pub fn with_max_keys(burst: u32, per: Duration, max_keys: usize) -> Self {
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let period = (per / burst.get()).max(Duration::from_nanos(1));
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
            .allow_burst(burst);
        Self {
            inner: governor::RateLimiter::dashmap(quota),
            max_keys: max_keys.max(1),
            inserted: AtomicUsize::new(0),
            swept: Mutex::new(Instant::now()),
        }
    }

    /// Takes one token for `key`, or says how long until one is free.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let key = key.to_owned();
        if self.inner.len() >= self.max_keys {
            let sweep_every = (self.max_keys / 4).max(1);
            let mut swept = self.swept.lock().unwrap_or_else(|p| p.into_inner());
            if self.inserted.load(Ordering::Relaxed) >= sweep_every
                || swept.elapsed() >= Duration::from_secs(5)
            {
                self.inserted.store(0, Ordering::Relaxed);
                *swept = Instant::now();
                self.inner.retain_recent();
            }
            if self.inner.len() >= self.max_keys {
                // Every key still in use: refuse until some age out.
                return Err(Duration::from_secs(5));
            }
        }
        self.inserted.fetch_add(1, Ordering::Relaxed);
        self.inner
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(self.inner.clock().now()))
    }

    /// Keys held now.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Growing delays after failures, per key: the first `free` failures cost
/// nothing, then each one doubles the wait (from `base` up to `max`) before
/// the key may try again. A success forgets the key; so do twice `max`
/// without a failure. At most [`MAX_KEYS`] keys: when full, the oldest half is dropped
/// (amortised O(log n) per new key), so a flood of distinct keys costs the
/// flood, not the owner.
pub struct Backoff<K> {
    free: u32,
    base: Duration,
    max: Duration,
    max_keys: usize,
    entries: Mutex<HashMap<K, Strikes>>,
}

#[derive(Clone, Copy)]
struct Strikes {
    failures: u32,
    last: Instant,
    until: Instant,
}

impl<K: Hash + Eq + Clone> Backoff<K> {
    pub fn new(free: u32, base: Duration, max: Duration) -> Self {
        Self {
            free,
            base,
            max,
            max_keys: MAX_KEYS,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(wait)` while `key` must wait after its failures.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        let now = Instant::now();
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match entries.get(key) {
            Some(s) if s.until > now => Err(s.until - now),
            _ => Ok(()),
        }
    }

    /// Records a failure of `key`.
    pub fn failed(&self, key: &K) {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.max_keys && !entries.contains_key(key) {
            let max = self.max;
            entries.retain(|_, s| now.saturating_duration_since(s.last) < max * 2);
            if entries.len() >= self.max_keys {
                let mut ages: Vec<Instant> = entries.values().map(|s| s.last).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 2];
                entries.retain(|_, s| s.last > cut);
            }
        }
        let s = entries.entry(key.clone()).or_insert(Strikes {
            failures: 0,
            last: now,
            until: now,
        });
        if now.saturating_duration_since(s.last) >= self.max * 2 {
            s.failures = 0;
        }
        s.failures += 1;
        s.last = now;
        if s.failures > self.free {
            let doublings = (s.failures - self.free - 1).min(20);
            let wait = self.base.saturating_mul(1 << doublings).min(self.max);
            s.until = now + wait;
        }
    }

    /// Forgets `key` (after a success).
    pub fn succeeded(&self, key: &K) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(key);
    }
}

impl ApiError {
    /// 429 `rate_limited`, answered with a `Retry-After` header.
    pub fn rate_limited(retry_after: Duration) -> Self {
        let secs = (retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0)).max(1);
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("Quá nhiều yêu cầu, vui lòng thử lại sau {secs} giây"),
            format!("Too many requests, retry in {secs} s"),
        );
        e.retry_after = Some(secs);
        e
    }
}

/// Takes a token from `limiter` for `key` now, or answers 429.
pub fn limit(limiter: &RateLimiter, key: &str) -> Result<(), ApiError> {
    limiter.check(key).map_err(ApiError::rate_limited)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_with_the_wait() {
        let rl = RateLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(rl.check("ip").is_ok());
        }
        let wait = rl.check("ip").unwrap_err();
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        // Other keys are unaffected.
        assert!(rl.check("other").is_ok());
    }

    /// A flood of distinct keys never holds more than the bound.
    #[test]
    fn the_key_set_is_bounded() {
        let rl = RateLimiter::with_max_keys(2, Duration::from_secs(60), 100);
        let mut refused = 0;
        for i in 0..1000 {
            if rl.check(&format!("k{i}")).is_err() {
                refused += 1;
            }
        }
        assert!(rl.len() <= 100, "{}", rl.len());
        assert!(refused >= 900, "{refused}");
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_doubles_after_the_free_failures_and_a_success_forgets() {
        let b = Backoff::new(3, Duration::from_secs(1), Duration::from_secs(60));
        for _ in 0..3 {
            assert!(b.check(&"k").is_ok());
            b.failed(&"k");
        }
        assert!(b.check(&"k").is_ok(), "three failures are free");
        let mut waits = Vec::new();
        for _ in 0..8 {
            b.failed(&"k");
            let wait = b.check(&"k").unwrap_err();
            waits.push(wait.as_secs());
            tokio::time::advance(wait).await;
            assert!(b.check(&"k").is_ok());
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert!(b.check(&"other").is_ok());
        b.succeeded(&"k");
        b.failed(&"k");
        assert!(b.check(&"k").is_ok(), "a success starts over");
    }
}
