//! Issuing through an outage, kiosk side: whether the server is reachable,
//! the offline book on disk ([`book`]), and the sync task that replays the
//! tickets issued offline and keeps the leased number blocks filled.
//!
//! Sync, while the local UI runs: every `probe` the server's `/healthz` is
//! asked; when it answers, the tickets issued offline are replayed in issue
//! order (`POST /api/v1/kiosks/me/offline-tickets`, idempotent: the server
//! knows a ticket by its number and token), then the blocks are refreshed
//! (`POST /api/v1/kiosks/me/leases`). A ticket the server refuses for good
//! (409/422) is logged and set aside rather than blocking the ones after it.

pub mod book;

use crate::local::Local;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Whether the server answered lately: the time of the first failure since
/// the last success (zero while reachable), in milliseconds since `epoch`.
#[derive(Debug)]
pub struct Reach {
    epoch: Instant,
    down_since_ms: AtomicU64,
}

impl Default for Reach {
    fn default() -> Self {
        Reach {
            epoch: Instant::now(),
            down_since_ms: AtomicU64::new(0),
        }
    }
}

impl Reach {
    pub fn ok(&self) {
        self.down_since_ms.store(0, Ordering::Relaxed);
    }
    pub fn failed(&self) {
        let now = self.epoch.elapsed().as_millis() as u64 + 1;
        let _ = self
            .down_since_ms
            .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
    }
    /// How long the server has been out of reach (zero when it is not).
    pub fn down_for(&self) -> Duration {
        match self.down_since_ms.load(Ordering::Relaxed) {
            0 => Duration::ZERO,
            since => {
                let now = self.epoch.elapsed().as_millis() as u64 + 1;
                Duration::from_millis(now.saturating_sub(since))
            }
        }
    }
}

/// A job id for an offline ticket's print job: in a space the server's ids
/// (a database sequence) never reach, so the worker's journal keeps them apart
/// and no acknowledgement of it goes to the server.
pub const OFFLINE_JOB_BASE: u64 = 1 << 62;

pub fn job_id(token: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in token.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    OFFLINE_JOB_BASE | (h & (OFFLINE_JOB_BASE - 1))
}

/// The sync task: runs until dropped.
pub async fn sync(local: Arc<Local>, probe: Duration) {
    let mut last_lease: Option<Instant> = None;
    loop {
        let healthy = local
            .http
            .get(format!("{}/healthz", local.server))
            .timeout(Duration::from_secs(3))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if healthy {
            local.reach.ok();
            let replayed_all = replay(&local).await;
            // Blocks after replaying, so the server counts what was used; and
            // again every few minutes (a new day, a service added).
            let stale = last_lease.is_none_or(|t| t.elapsed() >= Duration::from_secs(300));
            if replayed_all && (stale || local.take_lease_due()) && refresh_leases(&local).await {
                last_lease = Some(Instant::now());
            }
        } else {
            local.reach.failed();
        }
        tokio::select! {
            () = tokio::time::sleep(probe) => {}
            () = local.wake.notified() => {}
        }
    }
}

/// Replays every pending offline ticket in order; false when the server
/// stopped answering midway.
async fn replay(local: &Local) -> bool {
    let pending = match local.book.lock() {
        Ok(b) => b.pending(),
        Err(_) => return false,
    };
    if !pending.is_empty() {
        tracing::info!(count = pending.len(), "replaying tickets issued offline");
        local.lease_due();
    }
    for t in pending {
        let body = serde_json::json!({
            "service": t.service,
            "priority": t.priority,
            "seq": t.seq,
            "token": t.token,
            "issued_at": t.issued_at,
        });
        let res = local
            .http
            .post(format!("{}/api/v1/kiosks/me/offline-tickets", local.server))
            .header("authorization", &local.auth)
            .timeout(Duration::from_secs(10))
            .json(&body)
            .send()
            .await;
        let settled = match res {
            Ok(r) if r.status().is_success() => {
                tracing::info!(number = %t.number, "offline ticket replayed");
                true
            }
            Ok(r) if r.status().as_u16() == 409 || r.status().as_u16() == 422 => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                tracing::error!(number = %t.number, %status, answer = %text, "the server refused an offline ticket; set aside");
                true
            }
            Ok(r) => {
                tracing::warn!(number = %t.number, status = %r.status(), "replay failed; will retry");
                return false;
            }
            Err(e) => {
                tracing::warn!(number = %t.number, error = %e, "replay failed; will retry");
                local.reach.failed();
                return false;
            }
        };
        if settled {
            let marked = local.book.lock().map(|mut b| b.mark_replayed(&t.token));
            if let Ok(Err(e)) = marked {
                tracing::error!(error = %e, "cannot record a replayed ticket");
                return false;
            }
        }
    }
    true
}

/// Fetches the kiosk's blocks and keeps them on disk; false on failure.
async fn refresh_leases(local: &Local) -> bool {
    let res = local
        .http
        .post(format!("{}/api/v1/kiosks/me/leases", local.server))
        .header("authorization", &local.auth)
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    let leases: book::Leases = match res {
        Ok(r) if r.status().is_success() => match r.json().await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "unreadable number blocks");
                return false;
            }
        },
        Ok(r) => {
            tracing::warn!(status = %r.status(), "the server did not lease offline numbers");
            return false;
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot fetch offline number blocks");
            return false;
        }
    };
    let blocks = leases.blocks.len();
    match local.book.lock().map(|mut b| b.set_leases(leases)) {
        Ok(Ok(())) => {
            tracing::debug!(blocks, "offline number blocks refreshed");
            true
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot store offline number blocks");
            false
        }
        Err(_) => false,
    }
}
