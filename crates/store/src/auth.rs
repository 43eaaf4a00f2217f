//! Staff accounts, sessions, registered devices and the audit log: what the
//! server's auth layer persists. Secrets never reach the store in clear: session
//! and device tokens arrive as hashes, passwords as argon2id PHC strings. The
//! policy (expiry, who may do what) lives in the server; this trait only records.

use async_trait::async_trait;
use jiff::Timestamp;
use luot_domain::{CentreCode, CounterNumber};
use serde::{Deserialize, Serialize};

use crate::Result;

/// What an account may do: administrators configure, staff run counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Staff,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Role::Admin),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }
}

/// A staff account as everyone but the password check sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Account {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The centre the account belongs to; `None` = every centre.
    #[schema(value_type = Option<String>)]
    pub centre: Option<CentreCode>,
    /// The counters a staff member may use; `None` = every counter.
    #[schema(value_type = Option<Vec<u16>>)]
    pub counters: Option<Vec<CounterNumber>>,
    pub active: bool,
}

/// An account to create. `password_hash` is an argon2id PHC string.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub account: Account,
    pub password_hash: String,
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub centre: Option<Option<CentreCode>>,
    pub counters: Option<Option<Vec<CounterNumber>>>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
}

/// A live session with its account.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub account: Account,
    pub created_at: Timestamp,
    pub last_seen: Timestamp,
}

/// What a device is for; each kind may do a different, small set of things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Kiosk,
    Display,
    Rating,
}

impl DeviceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Kiosk => "kiosk",
            DeviceKind::Display => "display",
            DeviceKind::Rating => "rating",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "kiosk" => Some(DeviceKind::Kiosk),
            "display" => Some(DeviceKind::Display),
            "rating" => Some(DeviceKind::Rating),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewDevice {
    pub kind: DeviceKind,
    pub name: String,
    pub centre: CentreCode,
    pub token_hash: String,
    /// `staff:<username>` of the administrator who registered it.
    pub created_by: String,
    /// The counter a rating tablet is bound to (required for one; `None` for
    /// kiosks and displays).
    pub counter: Option<CounterNumber>,
}

/// A registered device (never its token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeviceView {
    pub id: i64,
    pub kind: DeviceKind,
    pub name: String,
    #[schema(value_type = String)]
    pub centre: CentreCode,
    pub revoked: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    pub created_by: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_seen: Option<Timestamp>,
    /// A rating tablet's counter: it rates there only. `None` for kiosks and
    /// displays, and for a tablet registered before the binding whose name
    /// did not say its counter (it rates nowhere until registered again).
    #[serde(default)]
    #[schema(value_type = Option<u16>)]
    pub counter: Option<CounterNumber>,
}

/// One audit entry to record. `details` must not carry personal data.
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub at: Timestamp,
    /// `staff:<username>`, `device:<id>`, `system`, `anonymous`.
    pub actor: String,
    /// Dotted verb, e.g. `auth.login`, `counter.call_next`, `device.revoke`.
    pub action: String,
    pub centre: Option<CentreCode>,
    pub ip: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    #[schema(value_type = Option<String>)]
    pub centre: Option<CentreCode>,
    pub ip: Option<String>,
    pub details: serde_json::Value,
}

/// Accounts, sessions, devices, audit.
#[async_trait]
pub trait AuthStore: Send + Sync {
    // ---- accounts ----
    /// `Conflict(UsernameTaken)` if the username is taken. Each command here that
    /// takes an `audit` entry commits it with the change (see crate::audit).
    async fn create_account(
        &self,
        new: NewAccount,
        now: Timestamp,
        audit: Option<NewAudit>,
    ) -> Result<Account>;
    /// The account and its password hash, for a login.
    async fn account_for_login(&self, username: &str) -> Result<Option<(Account, String)>>;
    async fn account(&self, username: &str) -> Result<Account>;
    async fn accounts(&self) -> Result<Vec<Account>>;
    async fn account_count(&self) -> Result<u64>;
    /// Applies `changes`; a deactivated account or a new password ends its sessions.
    /// `Conflict(LastAdmin)` when an active administrator would stop being one
    /// (deactivated, demoted, or limited to one centre) while no other active
    /// administrator covers the centres it administered. Accounts are never
    /// deleted: tickets, ratings and the audit log name staff by username.
    async fn update_account(
        &self,
        username: &str,
        changes: AccountChanges,
        now: Timestamp,
        audit: Option<NewAudit>,
    ) -> Result<Account>;

    // ---- sessions ----
    async fn create_session(
        &self,
        username: &str,
        token_hash: &str,
        ip: Option<String>,
        now: Timestamp,
        audit: Option<NewAudit>,
    ) -> Result<()>;
    /// The session and its account, if the token hash names one.
    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>>;
    async fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<()>;
    async fn delete_session(&self, token_hash: &str, audit: Option<NewAudit>) -> Result<()>;

    // ---- devices ----
    /// `NotFound("centre")` for an unknown centre.
    async fn create_device(
        &self,
        new: NewDevice,
        now: Timestamp,
        audit: Option<NewAudit>,
    ) -> Result<DeviceView>;
    async fn device_by_token(&self, token_hash: &str) -> Result<Option<DeviceView>>;
    async fn devices(&self) -> Result<Vec<DeviceView>>;
    /// `NotFound("device")` for an unknown id; revoking twice is harmless.
    async fn revoke_device(
        &self,
        id: i64,
        now: Timestamp,
        audit: Option<NewAudit>,
    ) -> Result<DeviceView>;
    async fn touch_device(&self, id: i64, now: Timestamp) -> Result<()>;

    // ---- audit ----
    async fn record_audit(&self, entry: NewAudit) -> Result<()>;
    /// Newest first; entries with id < `before` when given.
    async fn audit_log(&self, before: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>>;
    /// Like [`AuthStore::audit_log`], only the entries filed under `centre`
    /// (what an administrator of that centre may read).
    async fn centre_audit_log(
        &self,
        centre: &CentreCode,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>>;
}
