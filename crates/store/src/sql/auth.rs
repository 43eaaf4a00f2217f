//! [`AuthStore`] over SQL: accounts, sessions, devices and the audit log
//! (migration 0003). Writes go through the group-commit writer like every
//! command; none of them appends queue events.

use async_trait::async_trait;
use futures::FutureExt;
use jiff::Timestamp;
use luot_domain::{CentreCode, CounterNumber, Event};
use sqlx::AnyConnection;

use super::build::Sql;
use super::rows::{self, micros, ts};
use super::SqlStore;
use crate::auth::*;
use crate::{Conflict, Error, Result};

const ACCOUNT_COLUMNS: &str = "username, display_name, role, centre, counters, active";

#[derive(sqlx::FromRow)]
struct AccountRow {
    username: String,
    display_name: String,
    role: String,
    centre: Option<String>,
    counters: Option<String>,
    active: i64,
}

impl AccountRow {
    fn into_account(self) -> Result<Account> {
        let counters = match self.counters {
            None => None,
            Some(j) => {
                let ns: Vec<i64> = serde_json::from_str(&j)?;
                Some(
                    ns.into_iter()
                        .map(CounterNumber::new)
                        .collect::<Result<Vec<_>, _>>()?,
                )
            }
        };
        Ok(Account {
            role: Role::parse(&self.role)
                .ok_or_else(|| Error::Internal(format!("unknown role `{}`", self.role)))?,
            centre: self.centre.as_deref().map(CentreCode::parse).transpose()?,
            counters,
            active: self.active != 0,
            username: self.username,
            display_name: self.display_name,
        })
    }
}

fn counters_json(c: &Option<Vec<CounterNumber>>) -> Option<String> {
    c.as_ref().map(|ns| {
        serde_json::to_string(&ns.iter().map(|n| n.get()).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".into())
    })
}

async fn account_row(c: &mut AnyConnection, username: &str) -> Result<Option<(i64, Account)>> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_optional(&mut *c)
        .await?;
    let Some((id,)) = row else { return Ok(None) };
    let a: AccountRow = sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(&mut *c)
    .await?;
    Ok(Some((id, a.into_account()?)))
}

const DEVICE_COLUMNS: &str = "d.id, d.kind, d.name, c.code AS centre, d.revoked, d.created_at, \
     d.created_by, d.last_seen, d.counter_number";

#[derive(sqlx::FromRow)]
struct DeviceRow {
    id: i64,
    kind: String,
    name: String,
    centre: String,
    revoked: i64,
    created_at: i64,
    created_by: String,
    last_seen: Option<i64>,
    counter_number: Option<i64>,
}

fn device_view(r: DeviceRow) -> Result<DeviceView> {
    Ok(DeviceView {
        counter: r.counter_number.map(CounterNumber::new).transpose()?,
        id: r.id,
        kind: DeviceKind::parse(&r.kind)
            .ok_or_else(|| Error::Internal(format!("unknown device kind `{}`", r.kind)))?,
        name: r.name,
        centre: CentreCode::parse(&r.centre)?,
        revoked: r.revoked != 0,
        created_at: ts(r.created_at),
        created_by: r.created_by,
        last_seen: r.last_seen.map(ts),
    })
}

async fn device(c: &mut AnyConnection, id: i64) -> Result<DeviceView> {
    let r: Option<DeviceRow> = sqlx::query_as(&format!(
        "SELECT {DEVICE_COLUMNS} FROM devices d JOIN centres c ON c.id = d.centre_id WHERE d.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    device_view(r.ok_or(Error::NotFound("device"))?)
}

/// The centres an account administers: `Some(None)` every centre,
/// `Some(Some(c))` one; `None` when it is not an active administrator.
fn admin_scope(a: &Account) -> Option<Option<CentreCode>> {
    (a.active && a.role == Role::Admin).then(|| a.centre.clone())
}

/// Whether administering `outer` includes administering `inner`.
fn covers(outer: &Option<CentreCode>, inner: &Option<CentreCode>) -> bool {
    outer.is_none() || outer == inner
}

/// `Conflict(LastAdmin)` unless an active administrator other than `id`
/// administers every centre of `scope`. Runs in the writer's transaction, so
/// two administrators demoting each other cannot both succeed.
async fn keep_an_admin(c: &mut AnyConnection, id: i64, scope: &Option<CentreCode>) -> Result<()> {
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM accounts WHERE id <> $1 AND active = 1 AND role = 'admin' \
         AND (centre IS NULL OR centre = $2)",
    )
    .bind(id)
    // NULL never equals anything: a deployment-wide scope needs a deployment-wide admin.
    .bind(scope.as_ref().map(|c| c.as_str().to_owned()))
    .fetch_one(&mut *c)
    .await?;
    if others == 0 {
        return Err(Error::Conflict(Conflict::LastAdmin));
    }
    Ok(())
}

async fn update_account(
    c: &mut AnyConnection,
    username: String,
    ch: AccountChanges,
    now: Timestamp,
) -> Result<Account> {
    let (id, mut a) = account_row(c, &username)
        .await?
        .ok_or(Error::NotFound("account"))?;
    let before = admin_scope(&a);
    if let Some(v) = ch.display_name {
        a.display_name = v;
    }
    if let Some(v) = ch.role {
        a.role = v;
    }
    if let Some(v) = ch.centre {
        a.centre = v;
    }
    if let Some(v) = ch.counters {
        a.counters = v;
    }
    if let Some(v) = ch.active {
        a.active = v;
    }
    if let Some(scope) = before {
        if !admin_scope(&a).is_some_and(|now| covers(&now, &scope)) {
            keep_an_admin(c, id, &scope).await?;
        }
    }
    sqlx::query(
        "UPDATE accounts SET display_name = $1, role = $2, centre = $3, counters = $4, \
         active = $5, updated_at = $6, password_hash = COALESCE($7, password_hash) WHERE id = $8",
    )
    .bind(&a.display_name)
    .bind(a.role.as_str())
    .bind(a.centre.as_ref().map(|c| c.as_str().to_owned()))
    .bind(counters_json(&a.counters))
    .bind(i64::from(a.active))
    .bind(micros(now))
    .bind(ch.password_hash.clone())
    .bind(id)
    .execute(&mut *c)
    .await?;
    if !a.active || ch.password_hash.is_some() {
        sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(id)
            .execute(&mut *c)
            .await?;
    }
    Ok(a)
}

#[async_trait]
impl AuthStore for SqlStore {
    async fn create_account(
        &self,
        new: NewAccount,
        now: Timestamp,
        audit: Option<NewAudit>,
    ) -> Result<Account> {
        self.writer
            .run_audited(audit, move |c| {
                async move {
                    let a = new.account;
                    sqlx::query(
                        "INSERT INTO accounts (username, display_name, password_hash, role, centre, \
                         counters, active, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                    )
                    .bind(&a.username)
                    .bind(&a.display_name)
                    .bind(&new.password_hash)
                    .bind(a.role.as_str())
                    .bind(a.centre.as_ref().map(|c| c.as_str().to_owned()))
                    .bind(counters_json(&a.counters))
                    .bind(i64::from(a.active))
                    .bind(micros(now))
                    .execute(&mut *c)
                    .await?;
                    Ok((a, Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn account_for_login(&self, username: &str) -> Result<Option<(Account, String)>> {
        let mut c = self.read().await?;
        let hash: Option<(String,)> =
            sqlx::query_as("SELECT password_hash FROM accounts WHERE username = $1")
                .bind(username)
                .fetch_optional(&mut *c)
                .await?;
        let Some((hash,)) = hash else { return Ok(None) };
        let a = account_row(&mut c, username).await?;
        Ok(a.map(|(_, a)| (a, hash)))
    }

    async fn account(&self, username: &str) -> Result<Account> {
        let mut c = self.read().await?;
        account_row(&mut c, username)
            .await?
            .map(|(_, a)| a)
            .ok_or(Error::NotFound("account"))
    }

    async fn accounts(&self) -> Result<Vec<Account>> {
        let mut c = self.read().await?;
        let rows: Vec<AccountRow> = sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY username"
        ))
        .fetch_all(&mut *c)
        .await?;
        rows.into_iter().map(AccountRow::into_account).collect()
    }

    async fn account_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(&self.read)
            .await?;
        Ok(n as u64)
    }

    async fn update_account(
        &self,
        username: &str,
        changes: AccountChanges,
        now: Timestamp,
        audit: Option<NewAudit>,
    ) -> Result<Account> {
        let username = username.to_owned();
        self.writer
            .run_audited(audit, move |c| {
                async move { Ok((update_account(c, username, changes, now).await?, Vec::new())) }
                    .boxed()
            })
            .await
    }

    async fn create_session(
        &self,
        username: &str,
        token_hash: &str,
        ip: Option<String>,
        now: Timestamp,
        audit: Option<NewAudit>,
    ) -> Result<()> {
        let (username, token_hash) = (username.to_owned(), token_hash.to_owned());
        self.writer
            .run_audited(audit, move |c| {
                async move {
                    let (id, _) = account_row(c, &username)
                        .await?
                        .ok_or(Error::NotFound("account"))?;
                    sqlx::query(
                        "INSERT INTO sessions (token_hash, account_id, created_at, last_seen, ip) \
                         VALUES ($1, $2, $3, $3, $4)",
                    )
                    .bind(&token_hash)
                    .bind(id)
                    .bind(micros(now))
                    .bind(ip)
                    .execute(&mut *c)
                    .await?;
                    Ok(((), Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        let mut c = self.read().await?;
        #[derive(sqlx::FromRow)]
        struct SessionRow {
            username: String,
            created_at: i64,
            last_seen: i64,
        }
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT a.username, s.created_at, s.last_seen FROM sessions s \
             JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *c)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let Some((_, account)) = account_row(&mut c, &row.username).await? else {
            return Ok(None);
        };
        Ok(Some(SessionRecord {
            account,
            created_at: ts(row.created_at),
            last_seen: ts(row.last_seen),
        }))
    }

    async fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.writer
            .run(move |c| {
                async move {
                    sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
                        .bind(micros(now))
                        .bind(&token_hash)
                        .execute(&mut *c)
                        .await?;
                    Ok(((), Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn delete_session(&self, token_hash: &str, audit: Option<NewAudit>) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.writer
            .run_audited(audit, move |c| {
                async move {
                    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                        .bind(&token_hash)
                        .execute(&mut *c)
                        .await?;
                    Ok(((), Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn create_device(
        &self,
        new: NewDevice,
        now: Timestamp,
        audit: Option<NewAudit>,
    ) -> Result<DeviceView> {
        self.writer
            .run_audited(audit, move |c| {
                async move {
                    let centre = rows::centre(c, &new.centre).await?;
                    // A tablet's counter must be one of its centre's.
                    if let Some(n) = new.counter {
                        rows::counter(c, centre.id, n).await?;
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO devices (kind, name, centre_id, token_hash, created_at, \
                         created_by, counter_number) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(new.kind.as_str())
                    .bind(&new.name)
                    .bind(centre.id)
                    .bind(&new.token_hash)
                    .bind(micros(now))
                    .bind(&new.created_by)
                    .bind(new.counter.map(|n| i64::from(n.get())))
                    .fetch_one(&mut *c)
                    .await?;
                    Ok((device(c, id).await?, Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn device_by_token(&self, token_hash: &str) -> Result<Option<DeviceView>> {
        let mut c = self.read().await?;
        let r: Option<DeviceRow> = sqlx::query_as(&format!(
            "SELECT {DEVICE_COLUMNS} FROM devices d JOIN centres c ON c.id = d.centre_id \
             WHERE d.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&mut *c)
        .await?;
        r.map(device_view).transpose()
    }

    async fn devices(&self) -> Result<Vec<DeviceView>> {
        let mut c = self.read().await?;
        let rs: Vec<DeviceRow> = sqlx::query_as(&format!(
            "SELECT {DEVICE_COLUMNS} FROM devices d JOIN centres c ON c.id = d.centre_id \
             ORDER BY d.id"
        ))
        .fetch_all(&mut *c)
        .await?;
        rs.into_iter().map(device_view).collect()
    }

    async fn revoke_device(
        &self,
        id: i64,
        now: Timestamp,
        audit: Option<NewAudit>,
    ) -> Result<DeviceView> {
        self.writer
            .run_audited(audit, move |c| {
                async move {
                    device(c, id).await?;
                    sqlx::query(
                        "UPDATE devices SET revoked = 1, revoked_at = COALESCE(revoked_at, $1) \
                         WHERE id = $2",
                    )
                    .bind(micros(now))
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                    Ok((device(c, id).await?, Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn touch_device(&self, id: i64, now: Timestamp) -> Result<()> {
        self.writer
            .run(move |c| {
                async move {
                    sqlx::query("UPDATE devices SET last_seen = $1 WHERE id = $2")
                        .bind(micros(now))
                        .bind(id)
                        .execute(&mut *c)
                        .await?;
                    Ok(((), Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn record_audit(&self, e: NewAudit) -> Result<()> {
        self.writer
            .run(move |c| {
                async move {
                    insert_audit(c, &e, &[]).await?;
                    Ok(((), Vec::new()))
                }
                .boxed()
            })
            .await
    }

    async fn audit_log(&self, before: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>> {
        self.audit_page(None, before, limit).await
    }

    async fn centre_audit_log(
        &self,
        centre: &CentreCode,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        self.audit_page(Some(centre), before, limit).await
    }
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    actor: String,
    action: String,
    centre: Option<String>,
    ip: Option<String>,
    details: String,
}

impl SqlStore {
    /// A page of the audit log, newest first, of one centre or of all.
    async fn audit_page(
        &self,
        centre: Option<&CentreCode>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        let mut c = self.read().await?;
        let before = before.unwrap_or(i64::MAX);
        let rs: Vec<AuditRow> = match centre {
            None => {
                sqlx::query_as(
                    "SELECT id, at, actor, action, centre, ip, details FROM audit_log \
                     WHERE id < $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(&mut *c)
                .await?
            }
            Some(centre) => {
                sqlx::query_as(
                    "SELECT id, at, actor, action, centre, ip, details FROM audit_log \
                     WHERE centre = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                )
                .bind(centre.as_str())
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(&mut *c)
                .await?
            }
        };
        rs.into_iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.id,
                    at: ts(r.at),
                    actor: r.actor,
                    action: r.action,
                    centre: r.centre.as_deref().map(CentreCode::parse).transpose()?,
                    ip: r.ip,
                    details: serde_json::from_str(&r.details)?,
                })
            })
            .collect()
    }
}

/// Writes one audit row on `c` (inside the caller's transaction). The ticket
/// events the action appended are added to its details as `events` (type and
/// number), so an entry names what was called or completed even when the caller
/// could not know it before the command ran.
pub(super) async fn insert_audit<C: super::tx::Tx + ?Sized>(
    c: &mut C,
    e: &NewAudit,
    events: &[Event],
) -> Result<()> {
    insert_audits(c, &[(e, events)]).await
}

/// Inserts audit entries, each with the events its command appended (their
/// types and numbers go into its details), in multi-row INSERTs of at most
/// [`CHUNK`](super::tx::CHUNK) entries ([`Tx::pieces`](super::tx::Tx::pieces)):
/// the bulk issue path audits a batch's staff tickets so.
pub(super) async fn insert_audits<C: super::tx::Tx + ?Sized>(
    c: &mut C,
    entries: &[(&NewAudit, &[Event])],
) -> Result<()> {
    for range in c.pieces(entries.len()) {
        let chunk = &entries[range];
        let mut sql = Sql::new(
            c,
            "INSERT INTO audit_log (at, actor, action, centre, ip, details) VALUES ",
        );
        sql.rows(chunk.len(), &[None; 6]);
        let mut bound = Vec::with_capacity(chunk.len() * 6);
        for (e, events) in chunk {
            bound.extend(super::tx::args![
                micros(e.at),
                e.actor.as_str(),
                e.action.as_str(),
                e.centre.as_ref().map(|c| c.as_str()),
                e.ip.clone(),
                audit_details(e, events).to_string()
            ]);
        }
        c.exec(sql.as_str(), bound).await?;
    }
    Ok(())
}

/// An entry's details, with the types (and numbers) of the events its command
/// appended.
fn audit_details(e: &NewAudit, events: &[Event]) -> serde_json::Value {
    let mut details = e.details.clone();
    if let (serde_json::Value::Object(map), false) = (&mut details, events.is_empty()) {
        let list: Vec<serde_json::Value> = events
            .iter()
            .filter_map(|ev| {
                let v = serde_json::to_value(&ev.kind).ok()?;
                let mut item = serde_json::Map::new();
                item.insert("type".into(), v.get("type")?.clone());
                if let Some(n) = v.get("number") {
                    item.insert("number".into(), n.clone());
                }
                Some(serde_json::Value::Object(item))
            })
            .collect();
        map.insert("events".into(), serde_json::Value::Array(list));
    }
    details
}
