//! The key of ID-number hashes. A booking keeps its ID (CCCD) number only as
//! HMAC-SHA256 under this key (and the last four digits), so that the kiosk can
//! find the booking when the card is scanned. With only twelve digits, eight of
//! them unknown, the hash is reversed in seconds by whoever holds the key: so
//! the key never lives in the database. It is a file (created on first run,
//! mode 0600) that a stolen database file does not bring along.
//!
//! The database keeps a fingerprint of the key (an HMAC of a fixed label, which
//! says nothing about the key): a start with another key file, whose hashes
//! would silently never match again, is refused instead.
//!
//! Databases made before the key file kept the key (the "pepper") in the table
//! `booking_secret`: the first start with no key file writes it into the new
//! file, then deletes it from the database (and, on SQLite, from the WAL).

use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::Mac;
use sqlx::AnyPool;

use crate::{Error, Result};

/// The label whose HMAC under the key is stored as the key's fingerprint.
const CHECK_LABEL: &[u8] = b"luot id-key check v1";

/// The secret key of ID-number hashes. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct IdKey(Vec<u8>);

impl std::fmt::Debug for IdKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdKey(***)")
    }
}

impl IdKey {
    /// A new random key: 32 random bytes, written (and used) as 64 hex digits,
    /// the form the old database pepper had.
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self(hex::encode(bytes).into_bytes())
    }

    /// The key in a key file: its content without surrounding whitespace.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.len() < 32 {
            return Err(Error::Internal(
                "the ID-number key file holds fewer than 32 characters".into(),
            ));
        }
        Ok(Self(text.as_bytes().to_vec()))
    }

    fn mac(&self) -> hmac::Hmac<sha2::Sha256> {
        // HMAC takes a key of any length.
        hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length")
    }

    /// The keyed hash of an ID number, as stored in `appointments.id_hash`.
    pub fn hash(&self, id_number: &str) -> String {
        let mut mac = self.mac();
        mac.update(id_number.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// What the database keeps to recognise the key without holding it.
    pub fn fingerprint(&self) -> String {
        let mut mac = self.mac();
        mac.update(CHECK_LABEL);
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Where a SQLite database's key file goes by default: beside the database,
/// named after it (`luot.db` -> `luot.id.key`), so that copying `luot.db*`
/// (the database, its WAL and shared memory) does not take the key along.
/// `None` for an in-memory database.
pub fn default_file_for_sqlite(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.contains(":memory:") || path.starts_with("file::memory") {
        return None;
    }
    let path = Path::new(path);
    let stem = path.file_stem()?.to_string_lossy().into_owned();
    Some(path.with_file_name(format!("{stem}.id.key")))
}

/// Writes a new key file readable by its owner only; never replaces one.
fn create_file(path: &Path, key: &IdKey) -> Result<()> {
    let fail = |e: std::io::Error| {
        Error::Internal(format!(
            "cannot create the ID-number key file {}: {e}",
            path.display()
        ))
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(fail)?;
    file.write_all(&key.0).map_err(fail)?;
    file.write_all(b"\n").map_err(fail)?;
    file.sync_all().map_err(fail)
}

/// What the database says about its key.
struct Stored {
    /// The old in-database key, if still there.
    pepper: Option<String>,
    /// The fingerprint of the key in use since the key file.
    fingerprint: Option<String>,
    /// Whether any booking holds an ID-number hash.
    hashes: bool,
}

async fn stored(pool: &AnyPool) -> Result<Stored> {
    Ok(Stored {
        pepper: sqlx::query_scalar("SELECT pepper FROM booking_secret")
            .fetch_optional(pool)
            .await?,
        fingerprint: sqlx::query_scalar("SELECT fingerprint FROM id_key_check")
            .fetch_optional(pool)
            .await?,
        hashes: sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM (SELECT 1 FROM appointments WHERE id_hash IS NOT NULL LIMIT 1) x",
        )
        .fetch_one(pool)
        .await?
            > 0,
    })
}

/// The key for this database, from `file` (created when missing), checked
/// against the database's fingerprint; the old pepper, if any, moved out of the
/// database. Returns whether the pepper was deleted (SQLite then scrubs its
/// WAL). Without a file (an in-memory database, or a caller that chose none):
/// a key for this run only, or the old pepper while the database still has it.
pub(crate) async fn resolve(pool: &AnyPool, file: Option<&Path>) -> Result<(IdKey, bool)> {
    let db = stored(pool).await?;
    let Some(file) = file else {
        let key = match &db.pepper {
            Some(p) => IdKey(p.as_bytes().to_vec()),
            None => IdKey::generate(),
        };
        return Ok((key, false));
    };
    let pepper = db.pepper.as_deref().map(|p| IdKey(p.as_bytes().to_vec()));
    let (key, new) = match std::fs::read_to_string(file) {
        Ok(text) => (IdKey::parse(&text)?, false),
        // Hashes made under the old pepper keep matching; with none made, a
        // fresh key (the pepper may sit in old backups).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match (&pepper, db.hashes) {
            (Some(p), true) => (p.clone(), true),
            _ => (IdKey::generate(), true),
        },
        Err(e) => {
            return Err(Error::Internal(format!(
                "cannot read the ID-number key file {}: {e}",
                file.display()
            )))
        }
    };
    let matches = match (&db.fingerprint, &pepper) {
        (Some(f), _) => *f == key.fingerprint(),
        // Hashes from before the key file were made under the pepper.
        (None, Some(p)) if db.hashes => *p == key,
        (None, None) if db.hashes => false,
        (None, _) => true,
    };
    if !matches {
        let why = if new {
            "is missing"
        } else {
            "holds another key"
        };
        return Err(Error::Internal(format!(
            "the ID-number key file {} {why}: this database's ID-number hashes were made with \
             another key and would never match again. Restore the key file this database was \
             used with (see docs/privacy.md, \"The key of ID-number hashes\")",
            file.display()
        )));
    }
    if new {
        create_file(file, &key)?;
        tracing::info!(file = %file.display(), "created the ID-number key file");
    }
    if db.fingerprint.is_none() {
        sqlx::query("INSERT INTO id_key_check (fingerprint) VALUES ($1)")
            .bind(key.fingerprint())
            .execute(pool)
            .await?;
    }
    let moved = db.pepper.is_some();
    if moved {
        sqlx::query("DELETE FROM booking_secret")
            .execute(pool)
            .await?;
        if pepper.as_ref() == Some(&key) {
            tracing::info!(file = %file.display(), "moved the ID-number key from the database into the key file");
        } else {
            // A pepper no hash was made with (a fresh database's migration
            // leaves one): nothing to move, so no news for the operator.
            tracing::debug!("dropped the database's unused ID-number pepper");
        }
    }
    Ok((key, moved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key_and_files_sit_beside_the_database() {
        let key = IdKey::generate();
        let shown = format!("{key:?}");
        assert_eq!(shown, "IdKey(***)");
        assert_ne!(
            key.hash("001099012345"),
            IdKey::generate().hash("001099012345")
        );
        assert_eq!(
            default_file_for_sqlite("sqlite:///var/lib/luot/luot.db"),
            Some(PathBuf::from("/var/lib/luot/luot.id.key"))
        );
        assert_eq!(
            default_file_for_sqlite("sqlite://luot.db?mode=rwc"),
            Some(PathBuf::from("luot.id.key"))
        );
        assert_eq!(default_file_for_sqlite("sqlite::memory:"), None);
    }
}
