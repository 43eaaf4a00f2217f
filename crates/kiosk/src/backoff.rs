//! Exponential backoff with jitter, for reconnecting to the server and retrying the printer.
//!
//! Jitter matters here: after a server restart every kiosk of a province reconnects at once, and
//! spreading them over half the delay keeps the server from a thundering herd.

use rand::Rng;
use std::time::Duration;

/// First delay and cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    pub base: Duration,
    pub max: Duration,
}

/// Successive delays: base, 2 x base, 4 x base ... up to max, each drawn from [d/2, d].
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: BackoffPolicy,
    attempt: u32,
}

impl Backoff {
    pub fn new(policy: BackoffPolicy) -> Self {
        Backoff { policy, attempt: 0 }
    }

    /// The un-jittered delay for the current attempt.
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(20)).unwrap_or(u32::MAX);
        self.policy.base.saturating_mul(factor).min(self.policy.max)
    }

    /// The next delay to wait.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let half = ceiling / 2;
        let spread = (ceiling - half).as_micros() as u64;
        let jitter = if spread == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=spread)
        };
        half + Duration::from_micros(jitter)
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_doubles_and_caps_within_jitter_bounds() {
        let policy = BackoffPolicy {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        let mut b = Backoff::new(policy);
        let ceilings = [100, 200, 400, 800, 1000, 1000, 1000];
        for c in ceilings {
            let c = Duration::from_millis(c);
            let d = b.next_delay();
            assert!(d >= c / 2 && d <= c, "{d:?} outside [{:?}, {c:?}]", c / 2);
        }
        b.reset();
        assert_eq!(b.ceiling(), Duration::from_millis(100));
    }

    #[test]
    fn never_overflows() {
        let mut b = Backoff::new(BackoffPolicy {
            base: Duration::from_secs(1),
            max: Duration::from_secs(30),
        });
        for _ in 0..1000 {
            assert!(b.next_delay() <= Duration::from_secs(30));
        }
    }
}
