//! The loop the outbound workers share (webhook deliveries, turn notices): a
//! round of passes every second and after the events the store publishes; a
//! round runs passes until one finds nothing due (a pass sends at most one
//! delivery per webhook, to keep each hook's order, so a backlog takes a pass
//! per item). Events that arrived during a round are covered by the next one:
//! a burst of a thousand events costs a few rounds, not a thousand (each pass
//! reads the database, and under load a pass per event competed with the
//! requests that made them). Each worker keeps its own pass (what is due, how
//! it is sent, how an attempt is recorded); this is only the schedule and the
//! HTTP client.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::state::AppState;

/// Retries are looked for this often even without new events.
const TICK: Duration = Duration::from_secs(1);

/// A round's passes stop here even if items are still due; the next tick or
/// event starts another round.
const MAX_PASSES_PER_ROUND: usize = 10_000;

/// At most this many queued events are folded into one pass (a bound on the
/// drain, should events arrive as fast as it takes them).
const COALESCE: usize = 100_000;

/// The client of every outbound call: a short connect timeout, no redirects
/// (a receiver cannot send our signed payload elsewhere).
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client with default TLS roots")
}

/// Starts a worker that runs `pass` (which answers how many items it
/// handled). The receiver counts finished rounds (tests wait on it). The
/// worker ends when the store's event stream closes.
pub fn spawn<F, Fut>(state: AppState, pass: F) -> (JoinHandle<()>, watch::Receiver<u64>)
where
    F: Fn(AppState, Arc<reqwest::Client>) -> Fut + Send + 'static,
    Fut: Future<Output = usize> + Send,
{
    let (tx, rx) = watch::channel(0u64);
    let client = Arc::new(client());
    let task = tokio::spawn(async move {
        let mut events = state.store.subscribe();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut passes = 0u64;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                e = events.recv() => {
                    if let Err(broadcast::error::RecvError::Closed) = e {
                        return;
                    }
                    if !drain(&mut events) {
                        return;
                    }
                }
            }
            // Until nothing is due, but never forever in one round (a store
            // that keeps failing to record attempts would hand them out again).
            for _ in 0..MAX_PASSES_PER_ROUND {
                if pass(state.clone(), client.clone()).await == 0 {
                    break;
                }
            }
            passes += 1;
            tx.send_replace(passes);
        }
    });
    (task, rx)
}

/// Takes the events already queued (one pass covers them all); false once
/// the stream is closed.
fn drain<T: Clone>(events: &mut broadcast::Receiver<T>) -> bool {
    use broadcast::error::TryRecvError;
    for _ in 0..COALESCE {
        match events.try_recv() {
            Ok(_) | Err(TryRecvError::Lagged(_)) => {}
            Err(TryRecvError::Empty) => return true,
            Err(TryRecvError::Closed) => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use tokio::sync::broadcast;

    #[test]
    fn queued_events_are_drained_and_a_closed_stream_noticed() {
        let (tx, mut rx) = broadcast::channel(8);
        for i in 0..20 {
            let _ = tx.send(i); // more than the buffer: the receiver lags
        }
        assert!(super::drain(&mut rx));
        assert!(matches!(
            rx.try_recv(),
            Err(broadcast::error::TryRecvError::Empty)
        ));
        tx.send(1).unwrap();
        drop(tx);
        assert!(!super::drain(&mut rx));
    }
}
