//! The audit trail: every staff and admin action is recorded with who, what,
//! when and from where. Details name things (ticket numbers, counters, device
//! ids), never citizens.
//!
//! An action that writes carries its entry into the store command
//! ([`AppState::audit_entry`] builds it; see `luot_store::audit`): the store
//! writes it in the action's own transaction, so the two commit together and a
//! refused action leaves none. Events that never write (a failed login) use
//! [`AppState::audit`], which records on its own.

use luot_domain::CentreCode;
use luot_store::auth::NewAudit;
use serde_json::Value;

use crate::{auth::ClientIp, state::AppState};

impl AppState {
    /// The audit entry of `action` by `actor` (`staff:lan`, `device:3`,
    /// `system`) now, for a store command to commit with its writes. The
    /// ticket events the command appends are added to the details.
    pub fn audit_entry(
        &self,
        actor: String,
        ip: ClientIp,
        action: &str,
        centre: Option<&CentreCode>,
        details: Value,
    ) -> NewAudit {
        NewAudit {
            at: self.now(),
            actor,
            action: action.to_owned(),
            centre: centre.cloned(),
            ip: ip.0.map(|ip| ip.to_string()),
            details,
        }
    }

    /// Records `action` on its own, for what writes nothing else (a failed
    /// login). A failure to record is logged, not shown.
    pub async fn audit(
        &self,
        actor: String,
        ip: ClientIp,
        action: &str,
        centre: Option<&CentreCode>,
        details: Value,
    ) {
        let entry = self.audit_entry(actor, ip, action, centre, details);
        if let Err(e) = self.store.record_audit(entry).await {
            tracing::error!(error = %e, action, "could not record an audit entry");
        }
    }
}
