//! The first accounts: `luot admin create` on the command line, and at the first
//! `--demo` start an administrator, one staff member per demo counter and the demo
//! devices, with generated passwords and tokens handed back to be printed once.

use jiff::Timestamp;
use luot_domain::{CentreCode, CounterNumber};
use luot_store::auth::{Account, DeviceKind, NewAccount, NewDevice, Role};
use luot_store::Store;

use super::{passwords, tokens};
use crate::error::ApiError;

/// Usernames: 1-32 of `a-z 0-9 . _ -`, starting with a letter or digit.
pub fn valid_username(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

pub fn check_username(s: &str) -> Result<(), ApiError> {
    if valid_username(s) {
        Ok(())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_username",
            "Tên đăng nhập gồm 1-32 ký tự a-z, 0-9, dấu chấm, gạch dưới, gạch ngang",
            "A username is 1-32 of a-z, 0-9, dot, underscore, hyphen",
        ))
    }
}

/// Creates an account with a freshly hashed password.
#[allow(clippy::too_many_arguments)]
pub async fn create_account(
    store: &dyn Store,
    username: &str,
    display_name: &str,
    password: &str,
    role: Role,
    centre: Option<CentreCode>,
    counters: Option<Vec<CounterNumber>>,
    cost: passwords::Cost,
    now: Timestamp,
) -> Result<Account, ApiError> {
    check_username(username)?;
    passwords::check_new(password)?;
    let password_hash = passwords::hash(password.to_owned(), cost).await?;
    let account = Account {
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        role,
        centre,
        counters,
        active: true,
    };
    Ok(store
        .create_account(
            NewAccount {
                account,
                password_hash,
            },
            now,
            None,
        )
        .await?)
}

/// What the first demo start created; printed once, kept nowhere in clear.
#[derive(Debug, Clone)]
pub struct DemoCredentials {
    /// (username, password, what it is for)
    pub accounts: Vec<(String, String, String)>,
    /// (kind, device id, token)
    pub devices: Vec<(DeviceKind, i64, String)>,
}

impl DemoCredentials {
    /// The text printed at the first demo start.
    pub fn describe(&self, base_url: &str) -> String {
        let mut s =
            String::from("\n=== Lượt demo: accounts and devices (shown once; keep them) ===\n");
        for (u, p, what) in &self.accounts {
            s.push_str(&format!("  {u:<8} {p}   {what}\n"));
        }
        for (kind, id, token) in &self.devices {
            let page = match kind {
                DeviceKind::Kiosk => format!("{base_url}/kiosk?token={token}"),
                DeviceKind::Rating => format!("{base_url}/rate/1?token={token}"),
                DeviceKind::Display => format!("{base_url}/display?token={token}"),
            };
            s.push_str(&format!("  {} device {id}: {page}\n", kind.as_str()));
        }
        s.push_str(&format!(
            "  Counter console: {base_url}/counter   Admin: {base_url}/admin\n"
        ));
        s
    }
}

/// At a demo start with no accounts: an administrator `admin`, one staff member
/// `quayN` per counter (allowed only there), a kiosk and a rating tablet.
/// Returns `None` when accounts already exist (a restart changes nothing).
pub async fn demo_accounts(
    store: &dyn Store,
    centre: &CentreCode,
    cost: passwords::Cost,
    now: Timestamp,
) -> anyhow::Result<Option<DemoCredentials>> {
    if store.account_count().await? > 0 {
        return Ok(None);
    }
    let setup = store.centre_setup(centre).await?;
    let mut out = DemoCredentials {
        accounts: Vec::new(),
        devices: Vec::new(),
    };
    let admin_pw = tokens::new_password();
    create_account(
        store,
        "admin",
        "Quản trị viên",
        &admin_pw,
        Role::Admin,
        None,
        None,
        cost,
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}", e.body.message_en))?;
    out.accounts
        .push(("admin".into(), admin_pw, "administrator (/admin)".into()));
    for k in &setup.counters {
        let username = format!("quay{}", k.number);
        let pw = tokens::new_password();
        create_account(
            store,
            &username,
            &format!("Cán bộ {}", k.name),
            &pw,
            Role::Staff,
            Some(centre.clone()),
            Some(vec![k.number]),
            cost,
            now,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.body.message_en))?;
        out.accounts
            .push((username, pw, format!("staff, {} only", k.name)));
    }
    for (kind, name) in [
        (DeviceKind::Kiosk, "Kiosk sảnh chính"),
        (DeviceKind::Rating, "Máy đánh giá quầy 1"),
    ] {
        let token = tokens::new_token(tokens::DEVICE_PREFIX);
        let d = store
            .create_device(
                NewDevice {
                    kind,
                    name: name.into(),
                    centre: centre.clone(),
                    token_hash: tokens::hash_token(&token),
                    created_by: "system".into(),
                    // The demo tablet stands at counter 1.
                    counter: (kind == DeviceKind::Rating)
                        .then(|| CounterNumber::new(1))
                        .transpose()?,
                },
                now,
                None,
            )
            .await?;
        out.devices.push((kind, d.id, token));
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    #[test]
    fn usernames() {
        for ok in ["admin", "quay1", "lan.nguyen", "a", "x_y-z"] {
            assert!(super::valid_username(ok), "{ok}");
        }
        for bad in ["", "Admin", "-x", "lan nguyen", "ngọc", &"a".repeat(33)] {
            assert!(!super::valid_username(bad), "{bad}");
        }
    }
}
