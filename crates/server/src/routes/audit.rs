//! `GET /api/v1/audit`: the audit log, newest first, paged with `?before=ID`.
//! Audience: admin. An administrator of one centre reads the entries filed
//! under that centre only; an administrator of every centre (no centre on the
//! account) reads them all, including those filed under none (sign-ins of
//! unknown names, accounts of every centre).

use axum::{extract::State, routing::get, Router};
use luot_store::auth::AuditEntry;
use serde::{Deserialize, Serialize};

use crate::{
    auth::RequireAdmin,
    error::ApiResult,
    extract::{Json, Query},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/audit", get(list))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct Page {
    /// Entries older than this id (the `next_before` of the previous page).
    pub before: Option<i64>,
    /// At most 500; default 100.
    pub limit: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next page; null at the end.
    pub next_before: Option<i64>,
}

/// The audit log: who did what, when, from where. Audience: admin; an
/// administrator of one centre sees that centre's entries only.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(Page),
    responses((status = 200, body = AuditPage), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    Query(page): Query<Page>,
) -> ApiResult<Json<AuditPage>> {
    let limit = page.limit.unwrap_or(100).clamp(1, 500);
    let entries = match &admin.centre {
        None => state.store.audit_log(page.before, limit).await?,
        Some(centre) => {
            state
                .store
                .centre_audit_log(centre, page.before, limit)
                .await?
        }
    };
    let next_before = if entries.len() == limit as usize {
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(Json(AuditPage {
        entries,
        next_before,
    }))
}
