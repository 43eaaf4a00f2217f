//! Staff accounts: `GET`/`POST /api/v1/admin/staff`, `PUT`/`DELETE
//! /api/v1/admin/staff/{username}`. Audience: admin; an administrator of one
//! centre sees and manages only that centre's accounts.
//!
//! Accounts are never removed: tickets, ratings and the audit log name staff by
//! username, so `DELETE` deactivates the account and keeps its username
//! reserved. Deactivation and a new password end the account's sessions at
//! once. An administrator cannot deactivate, demote or move their own account,
//! and the store refuses to leave any centre without an active administrator.
//! Input checks live in `staff_input.rs`.

use axum::{
    extract::State,
    http::StatusCode,
    routing::{get, put},
    Router,
};
use luot_domain::CentreCode;
use luot_store::auth::{Account, AccountChanges, NewAccount, NewAudit, Role};
use serde_json::{json, Value};

use super::staff_input::{self as input, NewStaff, StaffChanges};
use super::Admin;
use crate::{
    auth::passwords,
    error::{ApiError, ApiResult, ErrorBody},
    extract::{Json, Path},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/staff", get(list).post(create))
        .route("/api/v1/admin/staff/{username}", put(update).delete(remove))
}

impl Admin {
    /// 403 unless this administrator manages accounts of `centre` (`None`:
    /// every centre, which only a deployment-wide administrator does).
    fn manages(&self, centre: &Option<CentreCode>) -> ApiResult<()> {
        match (&self.staff.centre, centre) {
            (None, _) => Ok(()),
            (Some(mine), Some(theirs)) if mine == theirs => Ok(()),
            _ => Err(ApiError::forbidden(
                "Bạn chỉ quản lý tài khoản của trung tâm mình",
                "You manage only the accounts of your own centre",
            )),
        }
    }

    /// The account at `username`, if this administrator manages it.
    async fn account(&self, state: &AppState, username: &str) -> ApiResult<Account> {
        if !crate::auth::bootstrap::valid_username(username) {
            return Err(ApiError::not_found("account"));
        }
        let account = state.store.account(username).await?;
        self.manages(&account.centre)?;
        Ok(account)
    }

    /// The audit entry of `action`, which the store command commits with its
    /// change, filed under the account's centre.
    fn audit(
        &self,
        state: &AppState,
        action: &str,
        centre: Option<&CentreCode>,
        details: Value,
    ) -> Option<NewAudit> {
        let (actor, ip) = (self.staff.actor(), self.ip);
        Some(state.audit_entry(actor, ip, action, centre, details))
    }
}

fn own_account() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "own_account",
        "Không thể tự vô hiệu hóa, hạ quyền hoặc chuyển trung tâm tài khoản đang đăng nhập: hãy nhờ một quản trị viên khác",
        "You cannot deactivate, demote or move the account you are signed in with: ask another administrator",
    )
}

/// What the audit log keeps of an account: never a password.
fn summary(a: &Account) -> Value {
    json!({
        "username": a.username,
        "role": a.role,
        "centre": a.centre,
        "counters": a.counters,
        "active": a.active,
    })
}

/// Every account this administrator manages, by username; never a password
/// or its hash. Audience: admin.
#[utoipa::path(get, path = "/api/v1/admin/staff", tag = "admin",
    responses((status = 200, body = [Account]), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, admin: Admin) -> ApiResult<Json<Vec<Account>>> {
    let mut all = state.store.accounts().await?;
    all.retain(|a| admin.manages(&a.centre).is_ok());
    Ok(Json(all))
}

/// Creates an account. 422 `invalid_username` (1-32 of `a-z 0-9 . _ -`),
/// `invalid_display_name`, `invalid_role`, `weak_password` (8 to 256
/// characters, as for `luot admin create`), `unknown_centre`,
/// `counters_need_centre`, `unknown_counter`; 409 `username_taken` (also by a
/// deactivated account). `counters` limits a staff member to those counters of
/// its centre (null: every counter); administrators use every counter, so
/// theirs is stored as null. Audited as `admin.staff.create`. Audience: admin.
#[utoipa::path(post, path = "/api/v1/admin/staff", tag = "admin",
    request_body = NewStaff,
    responses((status = 201, body = Account), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "an account outside the administrator's centre"),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    Json(body): Json<NewStaff>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    crate::auth::bootstrap::check_username(&body.username)?;
    let display_name = input::display_name(&body.display_name)?;
    let role = input::role(&body.role)?;
    passwords::check_new(&body.password)?;
    let centre = input::centre(&state, body.centre.as_deref()).await?;
    admin.manages(&centre)?;
    let counters = input::counters(&state, role, &centre, body.counters).await?;
    let password_hash = passwords::hash(body.password, state.auth.password_cost).await?;
    let account = Account {
        username: body.username,
        display_name,
        role,
        centre,
        counters,
        active: body.active,
    };
    let details = summary(&account);
    let centre = account.centre.clone();
    let new = NewAccount {
        account,
        password_hash,
    };
    let audit = admin.audit(&state, "admin.staff.create", centre.as_ref(), details);
    let saved = state
        .store
        .create_account(new, state.now(), audit)
        .await
        .map_err(ApiError::from)?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Changes an account: only the fields given (`centre: null` = every centre,
/// `counters: null` = every counter); `username`, if given, must be the
/// path's (422 `username_immutable`). A new `password` or `active: false` ends
/// the account's sessions at once. 409 `own_account` for deactivating,
/// demoting or moving one's own account, 409 `last_admin` when no other active
/// administrator would be left for its centres; other codes as for creating.
/// Audited as `admin.staff.update` with the names of the fields changed.
/// Audience: admin.
#[utoipa::path(put, path = "/api/v1/admin/staff/{username}", tag = "admin",
    params(("username" = String, Path, description = "The account's username")),
    request_body = StaffChanges,
    responses((status = 200, body = Account), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    Path(username): Path<String>,
    Json(body): Json<StaffChanges>,
) -> ApiResult<Json<Account>> {
    let old = admin.account(&state, &username).await?;
    let (changes, changed) = input::changes(&state, &old, body).await?;
    if let Some(centre) = &changes.centre {
        admin.manages(centre)?;
    }
    if old.username == admin.staff.username {
        let demoted = changes.role.is_some_and(|r| r != Role::Admin);
        let moved = changes.centre.as_ref().is_some_and(|c| *c != old.centre);
        if changes.active == Some(false) || demoted || moved {
            return Err(own_account());
        }
    }
    let mut details = summary(&input::applied(&old, &changes));
    details["changed"] = json!(changed);
    let centre = changes.centre.clone().unwrap_or(old.centre);
    let audit = admin.audit(&state, "admin.staff.update", centre.as_ref(), details);
    let saved = state
        .store
        .update_account(&username, changes, state.now(), audit)
        .await
        .map_err(ApiError::from);
    // Its sessions may have ended or changed: none is taken from the cache.
    state.sessions.forget_all();
    let saved = saved?;
    Ok(Json(saved))
}

/// Deactivates an account; it is never removed, so tickets served, ratings
/// and audit entries keep pointing at one person, and its username stays
/// reserved (reactivate it with `PUT {"active": true}`). Its sessions end at
/// once; repeating it is harmless. 409 `own_account` for one's own account,
/// 409 `last_admin` for the last active administrator of its centres.
/// Audited as `admin.staff.delete`. Audience: admin.
#[utoipa::path(delete, path = "/api/v1/admin/staff/{username}", tag = "admin",
    params(("username" = String, Path, description = "The account's username")),
    responses((status = 200, body = Account, description = "the account, now inactive"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    admin: Admin,
    Path(username): Path<String>,
) -> ApiResult<Json<Account>> {
    let old = admin.account(&state, &username).await?;
    if old.username == admin.staff.username {
        return Err(own_account());
    }
    let changes = AccountChanges {
        active: Some(false),
        ..Default::default()
    };
    let details = json!({ "username": old.username, "was_active": old.active });
    let audit = admin.audit(&state, "admin.staff.delete", old.centre.as_ref(), details);
    let saved = state
        .store
        .update_account(&username, changes, state.now(), audit)
        .await
        .map_err(ApiError::from);
    // Its sessions may have ended or changed: none is taken from the cache.
    state.sessions.forget_all();
    let saved = saved?;
    Ok(Json(saved))
}
