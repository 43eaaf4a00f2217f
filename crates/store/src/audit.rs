//! Audit entries committed with the action they describe. A caller wraps a store
//! command in [`audited`]; the first write that command hands the writer carries
//! the entry, and the writer inserts it inside that command's own savepoint. So
//! the action and its audit row commit together or not at all: no action without
//! its record, no record of an action that rolled back.
//!
//! The entry travels in a task-local slot rather than as a parameter of every
//! store method: the store's API stays about the business, and the writer is the
//! one place that knows where a command's transaction is.

use std::future::Future;
use std::sync::{Arc, Mutex};

use crate::auth::NewAudit;

type Slot = Arc<Mutex<Option<NewAudit>>>;

tokio::task_local! {
    static CURRENT: Slot;
}

/// Runs `f` with `entry` as the audit entry of its first write. Returns `f`'s
/// output, and the entry back when no write took it (a command that changed
/// nothing, such as a call when nobody waits), for the caller to record alone.
pub async fn audited<F: Future>(entry: NewAudit, f: F) -> (F::Output, Option<NewAudit>) {
    let slot: Slot = Arc::new(Mutex::new(Some(entry)));
    let out = CURRENT.scope(slot.clone(), f).await;
    let left = lock(&slot).take();
    (out, left)
}

/// The pending entry of the current task, taken by the write that records it.
pub(crate) fn take() -> Option<NewAudit> {
    CURRENT.try_with(|slot| lock(slot).take()).ok().flatten()
}

fn lock(slot: &Slot) -> std::sync::MutexGuard<'_, Option<NewAudit>> {
    slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
