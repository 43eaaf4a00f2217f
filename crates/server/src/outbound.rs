//! The loop the outbound workers share (webhook deliveries, turn notices): a
//! pass every second and after every event the store publishes, and at once
//! again while a pass was full (more may be due). Each worker keeps its own
//! pass (what is due, how it is sent, how an attempt is recorded); this is
//! only the schedule and the HTTP client.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::AppState;

/// Retries are looked for this often even without new events.
const TICK: Duration = Duration::from_secs(1);

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
/// handled, at most `per_pass`). The receiver counts finished passes (tests
/// wait on it). The worker ends when the store's event stream closes.
pub fn spawn<F, Fut>(
    state: AppState,
    per_pass: usize,
    pass: F,
) -> (JoinHandle<()>, watch::Receiver<u64>)
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
                    if let Err(tokio::sync::broadcast::error::RecvError::Closed) = e {
                        return;
                    }
                }
            }
            while pass(state.clone(), client.clone()).await == per_pass {}
            passes += 1;
            tx.send_replace(passes);
        }
    });
    (task, rx)
}
