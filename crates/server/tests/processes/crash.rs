//! Durability of the one write path on SQLite, against a real `luot` process
//! whose disk syncs the test controls: a small shared library (built here with
//! the system C compiler, which Rust itself links with) is loaded with
//! `LD_PRELOAD` and makes `fsync`/`fdatasync` hang or fail while a flag file
//! says so. Nothing in `luot` knows about it.
//!
//! - Killed between commit and sync: a ticket whose COMMIT wrote the WAL but
//!   whose sync never returned is not acknowledged, not published, not seen by
//!   readers; after SIGKILL and a restart every acknowledged ticket is there,
//!   and the kiosk's retry with its Idempotency-Key yields exactly one ticket.
//! - A commit syncs its WAL with `fdatasync` (data, and the size where it
//!   grew), not `fsync`, which also wrote the inode for its modification time
//!   (.cargo/config.toml builds SQLite with `HAVE_FDATASYNC`).
//! - A failing sync: the write gets 503 `unavailable`, the writer stops (a later
//!   write gets 503 too, even with the disk healthy again), `/healthz` answers
//!   503, no event goes out; after a restart every acknowledged ticket is there.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Value};
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;

use super::{centre, free_port, CENTRE};

const SHIM: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Appends "CALL PATH" to FLAG.log: which call synced which file. */
static void record(const char *flag, const char *call, int fd) {
    char link[64], path[4096], log[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    path[n < 0 ? 0 : n] = 0;
    snprintf(log, sizeof log, "%s.log", flag);
    FILE *f = fopen(log, "a");
    if (f) { fprintf(f, "%s %s\n", call, path); fclose(f); }
}

/* The flag file's first byte: 'f' fails every sync with EIO, 'h' hangs it
   (after creating FLAG.hit) until the process is killed, 'c' records it
   (record); else pass through. */
static int fault(const char *call, int synced) {
    const char *flag = getenv("LUOT_FAULT_FSYNC");
    if (!flag) return 0;
    int fd = open(flag, O_RDONLY);
    if (fd < 0) return 0;
    char c = 0;
    ssize_t n = read(fd, &c, 1);
    close(fd);
    if (n != 1) return 0;
    if (c == 'h') {
        char hit[4096];
        snprintf(hit, sizeof hit, "%s.hit", flag);
        close(open(hit, O_CREAT | O_WRONLY, 0600));
        for (;;) pause();
    }
    if (c == 'f') { errno = EIO; return -1; }
    if (c == 'c') record(flag, call, synced);
    return 0;
}

int fsync(int fd) {
    static int (*real)(int);
    if (fault("fsync", fd)) return -1;
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (fault("fdatasync", fd)) return -1;
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    return real(fd);
}
"#;

/// Builds the shim into `dir`.
fn build_shim(dir: &Path) -> PathBuf {
    let src = dir.join("faultsync.c");
    let lib = dir.join("libfaultsync.so");
    std::fs::write(&src, SHIM).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = std::process::Command::new(&cc)
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&lib)
        .arg(&src)
        .arg("-ldl")
        .output()
        .unwrap_or_else(|e| panic!("the crash test needs a C compiler (`{cc}`): {e}"));
    assert!(
        out.status.success(),
        "building the fsync shim failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    lib
}

/// A `luot` process on `db`, with the shim when `shim` is given.
struct Luot {
    base: String,
    child: Child,
}

async fn start(db: &str, shim: Option<(&Path, &Path)>, client: &reqwest::Client) -> Luot {
    for _ in 0..5 {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_luot"));
        cmd.args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            db,
        ])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
        if let Some((lib, flag)) = shim {
            cmd.env("LD_PRELOAD", lib).env("LUOT_FAULT_FSYNC", flag);
        }
        let mut child = cmd.spawn().expect("cannot start luot");
        let base = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if child.try_wait().unwrap().is_some() {
                break; // the port was taken: another one
            }
            if let Ok(r) = client.get(format!("http://{base}/healthz")).send().await {
                if r.status() == 200 && child.try_wait().unwrap().is_none() {
                    return Luot { base, child };
                }
            }
            assert!(Instant::now() < deadline, "luot never became healthy");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("luot would not start");
}

/// A seeded database in `dir` ([`seeded_db`]) and `luot` on it with the sync
/// shim: the flag file that steers the shim, the database (for a restart
/// without the shim), the client and the server.
async fn start_shimmed(dir: &Path) -> (PathBuf, String, reqwest::Client, Luot) {
    let lib = build_shim(dir);
    let flag = dir.join("fsync-flag");
    let (db, client) = seeded_db(dir).await;
    let luot = start(&db, Some((&lib, &flag)), &client).await;
    (flag, db, client, luot)
}

/// A fresh SQLite database with the test centre and a kiosk device, and an
/// HTTP client that issues as that kiosk (the kiosk's retries with their
/// Idempotency-Key are what a crash must not double; anonymous remote
/// tickets are limited per address).
async fn seeded_db(dir: &Path) -> (String, reqwest::Client) {
    use luot_server::auth::tokens;
    let db = format!("sqlite://{}", dir.join("luot.db").display());
    let store = luot_store::connect(&db, Default::default()).await.unwrap();
    let now = jiff::Timestamp::now();
    store.create_centre(centre(), now).await.unwrap();
    let token = tokens::new_token(tokens::DEVICE_PREFIX);
    let device = luot_store::auth::NewDevice {
        kind: luot_store::auth::DeviceKind::Kiosk,
        name: "Kiosk".into(),
        centre: luot_domain::CentreCode::parse(CENTRE).unwrap(),
        token_hash: tokens::hash_token(&token),
        created_by: "system".into(),
        counter: None,
    };
    store.create_device(device, now, None).await.unwrap();
    store.close().await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    (db, client)
}

/// Issues a ticket with `key`; the status and body.
async fn issue(client: &reqwest::Client, base: &str, key: &str) -> (u16, Value) {
    let r = client
        .post(format!("http://{base}/api/v1/centres/{CENTRE}/tickets"))
        .header("idempotency-key", key)
        .json(&json!({"service": "A"}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn waiting(client: &reqwest::Client, base: &str) -> u64 {
    let services: Value = client
        .get(format!("http://{base}/api/v1/centres/{CENTRE}/services"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    services
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["waiting"].as_u64().unwrap())
        .sum()
}

/// Follows the centre's events from now on (connected, its snapshot read,
/// when this returns); the task returns the numbers of every `ticket_issued`
/// received until the stream ends.
async fn follow(base: &str) -> tokio::task::JoinHandle<Vec<String>> {
    let url = format!("ws://{base}/api/v1/centres/{CENTRE}/events");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(30), ws.next())
        .await
        .unwrap();
    assert!(matches!(first, Some(Ok(Message::Text(t))) if t.contains("snapshot")));
    tokio::spawn(async move {
        let mut issued = Vec::new();
        while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(30), ws.next()).await
        {
            if let Message::Text(text) = msg {
                let v: Value = serde_json::from_str(&text).unwrap();
                if v["type"] == "ticket_issued" {
                    issued.push(v["number"].as_str().unwrap().to_owned());
                }
            }
        }
        issued
    })
}

/// Waits (bounded) until `path` exists.
async fn appears(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Tickets `keys` issued and acknowledged, their numbers and tokens.
async fn issue_acked(
    client: &reqwest::Client,
    base: &str,
    keys: &[String],
) -> Vec<(String, String)> {
    let mut acked = Vec::new();
    for key in keys {
        let (status, t) = issue(client, base, key).await;
        assert_eq!(status, 201, "{t}");
        acked.push((
            t["number"].as_str().unwrap().to_owned(),
            t["token"].as_str().unwrap().to_owned(),
        ));
    }
    acked
}

async fn assert_all_there(client: &reqwest::Client, base: &str, acked: &[(String, String)]) {
    for (number, token) in acked {
        let r = client
            .get(format!("http://{base}/api/v1/tickets/{token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "acknowledged ticket {number} was lost");
        let t: Value = r.json().await.unwrap();
        assert_eq!(t["number"], number.as_str());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_commit_and_sync_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let (flag, db, client, mut luot) = start_shimmed(dir.path()).await;
    let events = follow(&luot.base).await;
    let keys: Vec<String> = (0..20).map(|i| format!("crash-key-{i}")).collect();
    let acked = issue_acked(&client, &luot.base, &keys).await;

    // The next sync hangs: the ticket's COMMIT has written the WAL and waits
    // in fsync when the process dies.
    std::fs::write(&flag, "h").unwrap();
    let pending = client
        .post(format!(
            "http://{}/api/v1/centres/{CENTRE}/tickets",
            luot.base
        ))
        .header("idempotency-key", "crash-key-pending")
        .json(&json!({"service": "A"}))
        .send();
    let pending = tokio::spawn(async move { pending.await.map(|r| r.status()) });
    appears(&dir.path().join("fsync-flag.hit")).await;
    // Readers see only what is durable: the pending ticket is not waiting.
    assert_eq!(waiting(&client, &luot.base).await, 20);
    luot.child.start_kill().unwrap();
    luot.child.wait().await.unwrap();
    let answer = pending.await.unwrap();
    assert!(
        answer.is_err(),
        "the pending ticket was never answered: {answer:?}"
    );
    let published = events.await.unwrap();
    let numbers: Vec<String> = acked.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(
        published, numbers,
        "only acknowledged tickets were published"
    );

    // Restarted without the fault: everything acknowledged is there, and the
    // kiosk's retry of the unacknowledged press yields one ticket, whether
    // the killed commit survived or not.
    let luot = start(&db, None, &client).await;
    assert_all_there(&client, &luot.base, &acked).await;
    let (status, retried) = issue(&client, &luot.base, "crash-key-pending").await;
    assert!(status == 200 || status == 201, "{status} {retried}");
    let (_, again) = issue(&client, &luot.base, "crash-key-pending").await;
    assert_eq!(retried["token"], again["token"]);
    assert_eq!(waiting(&client, &luot.base).await, 21);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sync_stops_writes_until_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (flag, db, client, mut luot) = start_shimmed(dir.path()).await;
    let events = follow(&luot.base).await;
    let keys: Vec<String> = (0..10).map(|i| format!("fail-key-{i}")).collect();
    let acked = issue_acked(&client, &luot.base, &keys).await;

    std::fs::write(&flag, "f").unwrap();
    let (status, body) = issue(&client, &luot.base, "fail-key-x").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "unavailable");
    // The disk is fine again, but the writer stays stopped until restart.
    std::fs::write(&flag, "ok").unwrap();
    let (status, _) = issue(&client, &luot.base, "fail-key-y").await;
    assert_eq!(status, 503, "a write after the failed sync is refused");
    let health = client
        .get(format!("http://{}/healthz", luot.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 503);
    // Readers still work, and see only the acknowledged tickets.
    assert_eq!(waiting(&client, &luot.base).await, 10);
    luot.child.start_kill().unwrap();
    luot.child.wait().await.unwrap();
    let published = events.await.unwrap();
    let numbers: Vec<String> = acked.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(published, numbers, "nothing unacknowledged was published");

    let luot = start(&db, None, &client).await;
    assert_all_there(&client, &luot.base, &acked).await;
    let (status, _) = issue(&client, &luot.base, "fail-key-y").await;
    assert_eq!(status, 201, "writes work again after the restart");
}

/// With no write for a few seconds, `/healthz` probes with a write of its own:
/// a disk that can no longer sync turns it 503 before any client writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_finds_a_disk_that_cannot_commit() {
    let dir = tempfile::tempdir().unwrap();
    let (flag, _, client, luot) = start_shimmed(dir.path()).await;
    let acked = issue_acked(&client, &luot.base, &["probe-key-0".to_owned()]).await;
    std::fs::write(&flag, "f").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = client
            .get(format!("http://{}/healthz", luot.base))
            .send()
            .await
            .unwrap();
        if r.status() == 503 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "/healthz never noticed the failing disk"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, _) = issue(&client, &luot.base, "probe-key-1").await;
    assert_eq!(status, 503, "the probe's failed commit stopped the writer");
    assert_all_there(&client, &luot.base, &acked).await;
}

/// Each commit syncs the WAL with `fdatasync`, never `fsync`: SQLite falls
/// back to `fsync` unless built with `HAVE_FDATASYNC` (.cargo/config.toml),
/// and `fsync` also writes the inode for the file's new modification time, a
/// second synchronous write per commit for nothing a commit needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_sync_the_wal_with_fdatasync() {
    let dir = tempfile::tempdir().unwrap();
    let (flag, _, client, luot) = start_shimmed(dir.path()).await;
    std::fs::write(&flag, "c").unwrap();
    let keys: Vec<String> = (0..5).map(|i| format!("sync-key-{i}")).collect();
    issue_acked(&client, &luot.base, &keys).await;
    std::fs::write(&flag, "ok").unwrap();
    let log = std::fs::read_to_string(dir.path().join("fsync-flag.log")).unwrap_or_default();
    let wal: Vec<&str> = log.lines().filter(|l| l.ends_with("luot.db-wal")).collect();
    assert!(
        wal.len() >= keys.len(),
        "each acknowledged ticket's commit synced the WAL: {log}"
    );
    assert!(
        wal.iter().all(|l| l.starts_with("fdatasync ")),
        "the WAL is synced with fdatasync only: {log}"
    );
}
