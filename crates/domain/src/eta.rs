//! Waiting-time estimates: people ahead divided by the open counters serving that
//! service, times the recent mean service time (the configured mean until there is
//! history). Rounded up to whole minutes; a citizen is better served by a slightly
//! pessimistic figure than by an optimistic one.

/// Recent completed services count as history once there are this many.
pub const MIN_HISTORY: usize = 3;

/// The mean of recent service durations in seconds, or the configured mean.
pub fn mean_service_seconds(recent: &[u32], configured_minutes: u32) -> f64 {
    if recent.len() >= MIN_HISTORY {
        recent.iter().map(|s| f64::from(*s)).sum::<f64>() / recent.len() as f64
    } else {
        f64::from(configured_minutes) * 60.0
    }
}

/// Minutes until a ticket with `ahead` people before it is likely called.
/// With no open counter the estimate assumes one will open, rather than none.
pub fn eta_minutes(ahead: u32, open_counters: u32, mean_seconds: f64) -> u32 {
    if ahead == 0 {
        return 0;
    }
    let counters = f64::from(open_counters.max(1));
    (f64::from(ahead) / counters * mean_seconds / 60.0).ceil() as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn uses_history_once_there_is_enough() {
        assert_eq!(mean_service_seconds(&[60, 120], 10), 600.0);
        assert_eq!(mean_service_seconds(&[60, 120, 180], 10), 120.0);
    }

    #[test]
    fn examples() {
        assert_eq!(eta_minutes(0, 2, 600.0), 0);
        assert_eq!(eta_minutes(4, 2, 600.0), 20);
        assert_eq!(eta_minutes(3, 2, 300.0), 8);
        assert_eq!(eta_minutes(3, 0, 300.0), 15);
    }

    proptest! {
        #[test]
        fn more_people_never_means_less_waiting(a in 0u32..500, b in 0u32..500, c in 0u32..10, m in 30f64..3600.0) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(eta_minutes(lo, c, m) <= eta_minutes(hi, c, m));
            prop_assert!(eta_minutes(hi, c + 1, m) <= eta_minutes(hi, c, m));
        }
    }
}
