//! A keyed token bucket, shared by everything that must slow down guessing and
//! flooding (login attempts, bookings). Each key (an IP, a username) owns a bucket
//! of `burst` tokens that refills completely over `per`; a request takes one token
//! or is refused with how long until the next one. In memory and per process: a
//! limit, not an accounting.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::error::ApiError;

/// Keys kept before idle (full) buckets are dropped, so a flood of distinct keys
/// cannot grow memory without bound.
const PRUNE_AT: usize = 10_000;

pub struct RateLimiter {
    burst: f64,
    /// Seconds to regain one token.
    refill: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// `burst` requests at once, then `burst` more per `per`.
    pub fn new(burst: u32, per: Duration) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            burst,
            refill: per.as_secs_f64() / burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how long until one is free.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= PRUNE_AT {
            buckets.retain(|_, b| self.level(b, now) < self.burst);
        }
        let b = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        b.tokens = self.level(b, now);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) * self.refill))
        }
    }

    fn level(&self, b: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        (b.tokens + elapsed / self.refill).min(self.burst)
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
    limiter
        .check(key, Instant::now())
        .map_err(ApiError::rate_limited)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_then_refill() {
        let rl = RateLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(rl.check("ip", t0).is_ok());
        }
        let wait = rl.check("ip", t0).unwrap_err();
        assert!(wait > Duration::from_secs(19) && wait <= Duration::from_secs(20));
        // Other keys are unaffected.
        assert!(rl.check("other", t0).is_ok());
        // One token back after a third of the window.
        assert!(rl.check("ip", t0 + Duration::from_secs(20)).is_ok());
        assert!(rl.check("ip", t0 + Duration::from_secs(20)).is_err());
        // Never more than the burst, however long idle.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(rl.check("ip", later).is_ok());
        }
        assert!(rl.check("ip", later).is_err());
    }
}
