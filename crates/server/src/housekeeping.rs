//! The housekeeping task: at start-up and once a minute it expires the
//! tickets of a service day that ended (`luot_store::Store::expire_tickets`:
//! at the centre's closing time, or local midnight), marks bookings whose check-in
//! window has closed as no-shows, hands due reminders to the [`Notifier`] (the
//! store marks each sent as it hands it out, so a restart or a second process
//! never sends one twice; a failed send is logged, not retried), and erases
//! personal data past each centre's retention period (booking names and
//! phones, rating comments, transfer notes, audit addresses: see
//! `luot_store::retention`), and deletes Idempotency-Keys older than a day
//! (`luot_store::KEY_LIFETIME`), in batches. Time comes from the state's clock, so tests drive
//! it with a pinned clock and a paused runtime.

use std::sync::Arc;
use std::time::Duration;

use luot_domain::booking::mask_phone;
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::auth::ClientIp;
use crate::notify::Notifier;
use crate::AppState;

/// How often the task runs.
pub const PERIOD: Duration = Duration::from_secs(60);

/// Most batches of expired tickets one round takes (a bound; the next round
/// goes on).
const EXPIRE_ROUNDS: u32 = 100;

/// Most batches of old Idempotency-Keys one round deletes.
const KEY_PRUNE_ROUNDS: u32 = 100;

/// One round: end past days, expire bookings, remind, erase, prune keys. Errors are
/// logged and the next round tries again.
pub async fn run_once(state: &AppState, notifier: &dyn Notifier) {
    let now = state.now();
    for _ in 0..EXPIRE_ROUNDS {
        match state.store.expire_tickets(now, !state.always_open).await {
            Ok(n) => {
                if n > 0 {
                    tracing::info!(n, "tickets of a service day that ended expired");
                }
                if n < luot_store::EXPIRE_BATCH {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "expiring tickets failed");
                break;
            }
        }
    }
    match state.store.expire_bookings(now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(n, "bookings not checked in marked missed"),
        Err(e) => tracing::warn!(error = %e, "expiring bookings failed"),
    }
    match state.store.claim_reminders(now).await {
        Ok(due) => {
            for r in due {
                if let Err(e) = notifier.remind(&r).await {
                    tracing::warn!(error = %e, code = %r.code.masked(), phone = %mask_phone(&r.phone), "reminder not delivered");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "claiming reminders failed"),
    }
    // Numbers leased to kiosks for a day now over will never be issued.
    match state.store.release_leases(now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(n, "unused offline number blocks of past days released"),
        Err(e) => tracing::warn!(error = %e, "releasing offline number blocks failed"),
    }
    match state.store.erase_expired(now).await {
        Ok(e) if e.is_empty() => {}
        Ok(e) => {
            let counts = json!({
                "bookings": e.bookings,
                "comments": e.comments,
                "transfer_notes": e.transfer_notes,
                "audit_entries": e.audit_entries,
                "sessions": e.sessions,
            });
            tracing::info!(%counts, "personal data past its retention period erased");
            // What was erased, in counts: administrators can show the policy works.
            let ip = ClientIp(None);
            state
                .audit("system".into(), ip, "retention.erase", None, counts)
                .await;
        }
        Err(e) => tracing::warn!(error = %e, "erasing personal data past retention failed"),
    }
    for _ in 0..KEY_PRUNE_ROUNDS {
        match state.store.prune_idempotency_keys(now).await {
            Ok(n) => {
                if n > 0 {
                    tracing::debug!(n, "idempotency keys older than a day deleted");
                }
                if n < luot_store::KEY_PRUNE_BATCH {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "deleting old idempotency keys failed");
                break;
            }
        }
    }
}

/// Starts the task. The receiver counts finished rounds (tests wait on it).
pub fn spawn(
    state: AppState,
    notifier: Arc<dyn Notifier>,
) -> (JoinHandle<()>, watch::Receiver<u64>) {
    let (tx, rx) = watch::channel(0u64);
    let task = tokio::spawn(async move {
        // The first tick is immediate: a server started after a day boundary
        // ends the past day before anything else.
        let mut tick = tokio::time::interval(PERIOD);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut rounds = 0;
        loop {
            tick.tick().await;
            run_once(&state, notifier.as_ref()).await;
            rounds += 1;
            tx.send_replace(rounds);
        }
    });
    (task, rx)
}
