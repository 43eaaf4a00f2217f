//! The key of ID-number hashes lives in a key file, never in the database: a
//! stolen database file holds no key; the same key file after a restart still
//! matches; another key file is refused at start; an old database's pepper is
//! moved into the key file and deleted from the database.

use std::path::Path;

use luot_store::*;

use crate::booking::{book_cmd, centre_with_capacity, mins, phone, ten};
use crate::harness::*;

const ID: &str = "051185004321";

fn by_id(id: &str) -> CheckIn {
    CheckIn {
        within: None,
        by: CheckInBy::IdNumber {
            centre: centre_code(),
            id_number: id.into(),
        },
        actor: "kiosk:1".into(),
        refuse_repeat: false,
        print_on: None,
        now: ten() + mins(50),
        audit: None,
    }
}

/// The raw bytes of the database and its WAL and shared-memory files.
fn database_bytes(db: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(bytes) = std::fs::read(&name) {
            all.extend(bytes);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn open(url: &str) -> Result<std::sync::Arc<dyn Store>> {
    luot_store::connect(url, Default::default()).await
}

/// A new database at `url` with one booking made with [`ID`].
async fn book_with_id(url: &str) {
    let s = open(url).await.unwrap();
    centre_with_capacity(s.as_ref(), 2).await;
    let mut cmd = book_cmd("B", ten() + mins(60), phone(3));
    cmd.id_number = Some(ID.into());
    s.book(cmd).await.unwrap();
    s.close().await;
}

#[tokio::test]
async fn the_key_file_is_beside_the_database_never_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("luot.db");
    let key_file = dir.path().join("luot.id.key");
    let url = format!("sqlite://{}", db.display());

    book_with_id(&url).await;

    let key = std::fs::read_to_string(&key_file).unwrap();
    let key = key.trim();
    assert_eq!(key.len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let bytes = database_bytes(&db);
    assert!(!bytes.is_empty());
    // Neither the key nor the migration's pepper is on disk with the database.
    assert!(!contains(&bytes, key), "the key is in the database files");

    // Same key file: the hash still matches.
    let s = open(&url).await.unwrap();
    let out = s.check_in(by_id(ID)).await.unwrap();
    assert_eq!(out.appointment.service.as_str(), "B");
    s.close().await;

    // Another key file: refused at start, not a silent mismatch.
    std::fs::remove_file(&key_file).unwrap();
    std::fs::write(&key_file, "f".repeat(64)).unwrap();
    let refused = open(&url)
        .await
        .err()
        .expect("a foreign key file was accepted");
    assert!(refused.to_string().contains("key file"), "{refused}");
    // A lost key file is the same: a new one would never match.
    std::fs::remove_file(&key_file).unwrap();
    assert!(open(&url).await.is_err());
    assert!(!key_file.exists(), "a refused start left a new key file");
}

/// A database from before the key file: its pepper (in `booking_secret`) made
/// the hashes. The first start writes it into the new key file and deletes it
/// from the database and its WAL; the hashes keep matching.
#[tokio::test]
async fn an_old_databases_pepper_moves_into_the_key_file() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    let key_file = dir.path().join("old.id.key");
    let url = format!("sqlite://{}", db.display());
    book_with_id(&url).await;

    // Back to the old state: the pepper in the database, the hash made with
    // it, no fingerprint, no key file.
    let pepper = "0123456789abcdef".repeat(4);
    let old_hash = luot_store::id_key::IdKey::parse(&pepper).unwrap().hash(ID);
    let mut raw = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("DELETE FROM id_key_check")
        .execute(&mut raw)
        .await
        .unwrap();
    sqlx::query("INSERT INTO booking_secret (pepper) VALUES ($1)")
        .bind(&pepper)
        .execute(&mut raw)
        .await
        .unwrap();
    sqlx::query("UPDATE appointments SET id_hash = $1 WHERE id_hash IS NOT NULL")
        .bind(&old_hash)
        .execute(&mut raw)
        .await
        .unwrap();
    let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM appointments WHERE id_hash = $1")
        .bind(&old_hash)
        .fetch_one(&mut raw)
        .await
        .unwrap();
    assert_eq!(found, 1);
    raw.close().await.unwrap();
    std::fs::remove_file(&key_file).unwrap();

    let s = open(&url).await.unwrap();
    assert_eq!(std::fs::read_to_string(&key_file).unwrap().trim(), pepper);
    let out = s.check_in(by_id(ID)).await.unwrap();
    assert_eq!(out.appointment.service.as_str(), "B");
    assert!(
        !contains(&database_bytes(&db), &pepper),
        "the pepper is still in the database files (running)"
    );
    s.close().await;
    assert!(!contains(&database_bytes(&db), &pepper));
    // And the next start checks the file against the stored fingerprint.
    let s = open(&url).await.unwrap();
    s.close().await;
}
