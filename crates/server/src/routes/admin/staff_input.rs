//! What an administrator sends about a staff account, checked into values that
//! cannot be wrong before the store sees them: each refusal is a 422 with its
//! own code, so the admin page can say exactly which field to fix.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use luot_domain::{CentreCode, CounterNumber};
use luot_store::auth::{Account, AccountChanges, Role};
use serde::{Deserialize, Deserializer};

use crate::{
    auth::passwords,
    error::{ApiError, ApiResult},
    state::AppState,
};

/// The longest display name kept.
const MAX_DISPLAY_NAME: usize = 80;

/// A new account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewStaff {
    /// 1-32 of `a-z 0-9 . _ -`, starting with a letter or digit; never changes.
    pub username: String,
    /// The person's name as staff and reports show it.
    pub display_name: String,
    /// `admin` or `staff`.
    #[schema(example = "staff")]
    pub role: String,
    /// The centre's code; null: every centre (only a deployment-wide
    /// administrator may create such an account).
    pub centre: Option<String>,
    /// Counter numbers of `centre` a staff member may use; null: every counter.
    pub counters: Option<Vec<i64>>,
    #[serde(default = "yes")]
    pub active: bool,
    /// 8 to 256 characters.
    #[serde(default)]
    pub password: String,
}

fn yes() -> bool {
    true
}

/// Changes to an account: absent fields stay as they are.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct StaffChanges {
    /// May be sent, but must be the account's own.
    pub username: Option<String>,
    pub display_name: Option<String>,
    /// `admin` or `staff`.
    pub role: Option<String>,
    /// The centre's code; null: every centre.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub centre: Option<Option<String>>,
    /// Counter numbers; null: every counter.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<i64>>)]
    pub counters: Option<Option<Vec<i64>>>,
    pub active: Option<bool>,
    /// A new password (8 to 256 characters); ends the account's sessions.
    pub password: Option<String>,
}

/// A field that is present, possibly as null (absent fields stay `None`).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

fn invalid(code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, vi, en)
}

pub fn display_name(s: &str) -> ApiResult<String> {
    let s = s.trim();
    let n = s.chars().count();
    if n == 0 || n > MAX_DISPLAY_NAME || s.chars().any(char::is_control) {
        return Err(invalid(
            "invalid_display_name",
            format!("Họ tên dài 1-{MAX_DISPLAY_NAME} ký tự, trên một dòng"),
            format!("A display name is 1-{MAX_DISPLAY_NAME} characters on one line"),
        ));
    }
    Ok(s.to_owned())
}

pub fn role(s: &str) -> ApiResult<Role> {
    Role::parse(s).ok_or_else(|| {
        invalid(
            "invalid_role",
            "Vai trò là admin (quản trị) hoặc staff (cán bộ)",
            "The role is admin or staff",
        )
    })
}

fn unknown_centre() -> ApiError {
    invalid(
        "unknown_centre",
        "Không có trung tâm này",
        "There is no such centre",
    )
}

/// A centre that exists, or `None` (every centre).
pub async fn centre(state: &AppState, code: Option<&str>) -> ApiResult<Option<CentreCode>> {
    let Some(code) = code else { return Ok(None) };
    let code = CentreCode::parse(code).map_err(|_| unknown_centre())?;
    let known = state.store.centres().await?;
    if !known.iter().any(|c| c.code == code) {
        return Err(unknown_centre());
    }
    Ok(Some(code))
}

/// The counters an account of `role` at `centre` may use: `None` for
/// administrators (they use every counter) and for "every counter"; otherwise
/// counters of that centre, sorted, each once.
pub async fn counters(
    state: &AppState,
    role: Role,
    centre: &Option<CentreCode>,
    list: Option<Vec<i64>>,
) -> ApiResult<Option<Vec<CounterNumber>>> {
    let Some(list) = list.filter(|_| role == Role::Staff) else {
        return Ok(None);
    };
    let Some(centre) = centre else {
        return Err(invalid(
            "counters_need_centre",
            "Chỉ giới hạn quầy được cho tài khoản thuộc một trung tâm",
            "Only an account of one centre can be limited to counters",
        ));
    };
    if list.is_empty() {
        return Err(invalid(
            "invalid_counters",
            "Hãy chọn ít nhất một quầy, hoặc để trống để dùng mọi quầy",
            "List at least one counter, or null for every counter",
        ));
    }
    let known: BTreeSet<i64> = state
        .store
        .centre_setup(centre)
        .await?
        .counters
        .iter()
        .map(|k| i64::from(k.number.get()))
        .collect();
    let wanted: BTreeSet<i64> = list.into_iter().collect();
    let unknown: Vec<i64> = wanted.difference(&known).copied().collect();
    if !unknown.is_empty() {
        let shown = unknown
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        return Err(invalid(
            "unknown_counter",
            format!("Trung tâm không có quầy {shown}"),
            format!("The centre has no counter {shown}"),
        )
        .with("counters", &unknown));
    }
    let numbers = wanted
        .into_iter()
        .map(CounterNumber::new)
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::from)?;
    Ok(Some(numbers))
}

/// The store changes for `body` applied to `old`, and the names of the fields
/// that change (`password` when one is given; never its value).
pub async fn changes(
    state: &AppState,
    old: &Account,
    body: StaffChanges,
) -> ApiResult<(AccountChanges, Vec<&'static str>)> {
    if body.username.as_ref().is_some_and(|u| *u != old.username) {
        return Err(invalid(
            "username_immutable",
            "Không đổi được tên đăng nhập: hãy tạo tài khoản mới",
            "A username never changes: create a new account instead",
        ));
    }
    let mut ch = AccountChanges::default();
    let mut changed = Vec::new();
    if let Some(name) = body.display_name {
        let name = display_name(&name)?;
        if name != old.display_name {
            ch.display_name = Some(name);
            changed.push("display_name");
        }
    }
    let new_role = body.role.as_deref().map(role).transpose()?;
    if let Some(r) = new_role.filter(|r| *r != old.role) {
        ch.role = Some(r);
        changed.push("role");
    }
    if let Some(c) = body.centre {
        let c = centre(state, c.as_deref()).await?;
        if c != old.centre {
            ch.centre = Some(c);
            changed.push("centre");
        }
    }
    // The counters are checked against the account's centre and role after
    // the change, even when only those changed.
    if body.counters.is_some() || ch.role.is_some() || ch.centre.is_some() {
        let kept = || {
            old.counters
                .as_ref()
                .map(|ns| ns.iter().map(|n| i64::from(n.get())).collect())
        };
        let list = body.counters.unwrap_or_else(kept);
        let role = ch.role.unwrap_or(old.role);
        let centre = ch.centre.as_ref().unwrap_or(&old.centre);
        let c = counters(state, role, centre, list).await?;
        if c != old.counters {
            ch.counters = Some(c);
            changed.push("counters");
        }
    }
    if let Some(a) = body.active.filter(|a| *a != old.active) {
        ch.active = Some(a);
        changed.push(if a { "activated" } else { "deactivated" });
    }
    if let Some(p) = body.password {
        passwords::check_new(&p)?;
        ch.password_hash = Some(passwords::hash(p, state.auth.password_cost).await?);
        changed.push("password");
    }
    Ok((ch, changed))
}

/// `old` as it will be once `ch` is applied (what the audit entry records).
pub fn applied(old: &Account, ch: &AccountChanges) -> Account {
    let mut a = old.clone();
    if let Some(v) = &ch.display_name {
        a.display_name.clone_from(v);
    }
    if let Some(v) = ch.role {
        a.role = v;
    }
    if let Some(v) = &ch.centre {
        a.centre.clone_from(v);
    }
    if let Some(v) = &ch.counters {
        a.counters.clone_from(v);
    }
    if let Some(v) = ch.active {
        a.active = v;
    }
    a
}
