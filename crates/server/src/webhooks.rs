//! Webhook delivery: takes due deliveries from the store (which turns the event
//! log into one pending delivery per hook, in event order, and leases each for
//! 30 s), POSTs each as JSON, and records the outcome. Wakes on every committed
//! event and once a second for retries.
//!
//! Each request carries `X-Luot-Event` (e.g. `ticket.called`),
//! `X-Luot-Delivery` (the same on every retry: receivers drop duplicates by it)
//! and `X-Luot-Signature: sha256=<hex HMAC-SHA256 of the raw body with the
//! hook's secret>`. A 2xx answer is delivered; anything else (a status, a
//! refused connection, 10 s without an answer) is retried with backoff (1 s
//! doubling to 15 min) until a day has passed, then the delivery is `failed`
//! and the hook moves on. Delivery is at least once: a crash between the
//! receiver's 2xx and the record means one more attempt with the same id.

use std::time::Duration;

use hmac::{Hmac, Mac};
use luot_store::integration::{AttemptResult, DueDelivery};
use sha2::Sha256;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::AppState;

/// One attempt's bound: a slow receiver cannot hold the worker.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries taken per pass (the rest wait for the next pass).
const PER_PASS: u32 = 32;

/// `sha256=` + the hex HMAC-SHA256 of `body` keyed with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// One pass: every due delivery attempted once. Returns how many were attempted.
pub async fn run_once(state: &AppState, client: &reqwest::Client) -> usize {
    let due = match state.store.due_deliveries(state.now(), PER_PASS).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "reading due webhook deliveries failed");
            return 0;
        }
    };
    let n = due.len();
    // Hooks are independent: their deliveries go out side by side, each hook's
    // in order (the store hands out one per hook at a time).
    let attempts = due.into_iter().map(|d| async move {
        let result = attempt(client, &d).await;
        if let AttemptResult::Failed { status, error } = &result {
            tracing::warn!(delivery = %d.delivery, event = %d.event, attempts = d.attempts + 1,
                status = ?status, %error, "webhook delivery failed; will retry");
        }
        if let Err(e) = state.store.record_attempt(d.id, result, state.now()).await {
            tracing::warn!(error = %e, delivery = %d.delivery, "recording a webhook attempt failed");
        }
    });
    futures::future::join_all(attempts).await;
    n
}

async fn attempt(client: &reqwest::Client, d: &DueDelivery) -> AttemptResult {
    let sent = client
        .post(&d.url)
        .timeout(ATTEMPT_TIMEOUT)
        .header("content-type", "application/json")
        .header("user-agent", "luot-webhooks/1")
        .header("x-luot-event", &d.event)
        .header("x-luot-delivery", &d.delivery)
        .header("x-luot-signature", signature(&d.secret, d.body.as_bytes()))
        .body(d.body.clone())
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => AttemptResult::Delivered {
            status: r.status().as_u16(),
        },
        Ok(r) => AttemptResult::Failed {
            status: Some(r.status().as_u16()),
            error: format!("answered {}", r.status()),
        },
        Err(e) => AttemptResult::Failed {
            status: None,
            error: if e.is_timeout() {
                "no answer in time".into()
            } else if e.is_connect() {
                "could not connect".into()
            } else {
                "request failed".into()
            },
        },
    }
}

/// Starts the worker (see [`crate::outbound`]). The receiver counts finished
/// passes (tests wait on it).
pub fn spawn(state: AppState) -> (JoinHandle<()>, watch::Receiver<u64>) {
    crate::outbound::spawn(state, |state, client| async move {
        run_once(&state, &client).await
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn signature_is_hex_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            super::signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
