//! The first accounts: `luot admin create` on the command line, and at the first
//! `--demo` start an administrator, one staff member per demo counter and the demo
//! devices, with generated passwords and tokens handed back to be written once
//! to a private file.

use std::path::PathBuf;

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

/// What the first demo start created: written once to a private file
/// ([`DemoCredentials::write`]), kept nowhere else in clear.
#[derive(Debug, Clone)]
pub struct DemoCredentials {
    /// (username, password, what it is for)
    pub accounts: Vec<(String, String, String)>,
    /// (kind, device id, token)
    pub devices: Vec<(DeviceKind, i64, String)>,
}

/// The file the demo's passwords and device links go to, in the data directory.
pub const DEMO_CREDENTIALS_FILE: &str = "demo-credentials.txt";

impl DemoCredentials {
    /// The private file's text: each account's password and each device's
    /// pairing link. The token is in the link's fragment (`/pair#token=`),
    /// which browsers never send, so opening the link logs it nowhere.
    pub fn file_text(&self, base_url: &str) -> String {
        let mut s = String::from(
            "# Lượt demo: accounts and devices. Keep this file private; delete it once noted.\n",
        );
        for (u, p, what) in &self.accounts {
            s.push_str(&format!("{u:<8} {p}   {what}\n"));
        }
        for (kind, id, token) in &self.devices {
            s.push_str(&format!(
                "{} device {id}: {base_url}/pair#token={token}\n",
                kind.as_str()
            ));
        }
        s
    }

    /// What is printed at the first demo start: where the file is, the
    /// usernames and the pages; no password, no token.
    pub fn summary(&self, base_url: &str, file: &std::path::Path) -> String {
        let users: Vec<&str> = self.accounts.iter().map(|a| a.0.as_str()).collect();
        let devices: Vec<String> = self
            .devices
            .iter()
            .map(|(kind, id, _)| format!("{} {id}", kind.as_str()))
            .collect();
        format!(
            "\n=== Lượt demo ===\n  Passwords and device pairing links: {} (readable by you only)\n  \
             Accounts: {}\n  Devices: {}\n  \
             Counter console: {base_url}/counter   Admin: {base_url}/admin\n",
            file.display(),
            users.join(", "),
            devices.join(", "),
        )
    }

    /// Writes [`DemoCredentials::file_text`] to [`DEMO_CREDENTIALS_FILE`] in
    /// `dir`: a file made with mode 0600 (on Unix; Windows keeps its default
    /// ACL) under a temporary name, then renamed over any old one, so the
    /// secrets are never readable by others, not even for a moment.
    pub fn write(&self, dir: &std::path::Path, base_url: &str) -> std::io::Result<PathBuf> {
        use std::io::Write;
        std::fs::create_dir_all(dir)?;
        let path = dir.join(DEMO_CREDENTIALS_FILE);
        let partial = dir.join(format!("{DEMO_CREDENTIALS_FILE}.partial"));
        match std::fs::remove_file(&partial) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&partial)?;
        file.write_all(self.file_text(base_url).as_bytes())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&partial, &path)?;
        Ok(path)
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
