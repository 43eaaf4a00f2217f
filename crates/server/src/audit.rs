//! The audit trail: every staff and admin action is recorded with who, what,
//! when and from where. Details name things (ticket numbers, counters, device
//! ids), never citizens.
//!
//! An action that writes is wrapped in [`AppState::audited`]: its audit row is
//! written in the action's own transaction (see `luot_store::audit`), so the two
//! commit together. Events that never write (a failed login) use
//! [`AppState::audit`], which records on its own.

use std::future::Future;

use luot_domain::CentreCode;
use luot_store::auth::NewAudit;
use serde_json::Value;

use crate::{auth::ClientIp, state::AppState};

impl AppState {
    /// Records `action` by `actor` (`staff:lan`, `device:3`, `system`) on its
    /// own, for what writes nothing else (a failed login). A failure to record
    /// is logged, not shown.
    pub async fn audit(
        &self,
        actor: String,
        ip: ClientIp,
        action: &str,
        centre: Option<&CentreCode>,
        details: Value,
    ) {
        let nothing = async { Ok::<(), std::convert::Infallible>(()) };
        let _ = self
            .audited(actor, ip, action, centre, details, nothing)
            .await;
    }

    /// Runs the store command `f` with its audit entry written in the same
    /// transaction. The ticket events the command appended are added to the
    /// details. A command that fails leaves no entry; one that succeeded without
    /// writing anything is recorded alone.
    pub async fn audited<T, E, F>(
        &self,
        actor: String,
        ip: ClientIp,
        action: &str,
        centre: Option<&CentreCode>,
        details: Value,
        f: F,
    ) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let entry = NewAudit {
            at: self.now(),
            actor,
            action: action.to_owned(),
            centre: centre.cloned(),
            ip: ip.0.map(|ip| ip.to_string()),
            details,
        };
        let (out, unwritten) = luot_store::audit::audited(entry, f).await;
        if let (Ok(_), Some(entry)) = (&out, unwritten) {
            let action = entry.action.clone();
            if let Err(e) = self.store.record_audit(entry).await {
                tracing::error!(error = %e, action, "could not record an audit entry");
            }
        }
        out
    }
}
