//! The audit trail: every staff and admin action is recorded with who, what,
//! when and from where. Details name things (ticket numbers, counters, device
//! ids), never citizens. A failure to record is logged, not shown: the action it
//! describes has already happened.

use luot_domain::CentreCode;
use luot_store::auth::NewAudit;
use serde_json::Value;

use crate::{auth::ClientIp, state::AppState};

impl AppState {
    /// Records `action` by `actor` (`staff:lan`, `kiosk:3`, `system`).
    pub async fn audit(
        &self,
        actor: String,
        ip: ClientIp,
        action: &str,
        centre: Option<&CentreCode>,
        details: Value,
    ) {
        let entry = NewAudit {
            at: self.now(),
            actor,
            action: action.to_owned(),
            centre: centre.cloned(),
            ip: ip.0.map(|ip| ip.to_string()),
            details,
        };
        if let Err(e) = self.store.record_audit(entry).await {
            tracing::error!(error = %e, action, "could not record an audit entry");
        }
    }
}
