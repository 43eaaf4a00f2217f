//! A black-box run of the real `luot` binary over a day boundary, driven only
//! through its command line and HTTP API, with its clock set by the hidden
//! testing flag `--fake-now` (`LUOT_FAKE_NOW`). On Monday tickets are issued
//! and two "Gọi tiếp" in a row without "start" leave the first a no-show; the
//! rest are left waiting or called. Run again on Tuesday over the same
//! database, those tickets are expired (not waiting), off the public queue,
//! and never called. Its own test target because it spawns processes.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

const PASSWORD: &str = "một mật khẩu dài cho kiểm thử";
/// Monday 30/11/2026 and Tuesday 1/12/2026, 09:00 in Viet Nam.
const MONDAY: &str = "2026-11-30T02:00:00Z";
const TUESDAY: &str = "2026-12-01T02:00:00Z";

fn luot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_luot"));
    c.env("RUST_LOG", "warn").kill_on_drop(true);
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `luot --demo` on `db` with its clock starting at `now`; healthy or panics.
async fn start(db: &str, now: &str, http: &reqwest::Client) -> (Child, String) {
    for _ in 0..5 {
        let port = free_port();
        let mut child = luot()
            .args(["--demo", "--always-open", "--database-url", db])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("LUOT_FAKE_NOW", now)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start luot");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while child.try_wait().unwrap().is_none() {
            if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
                if r.status() == 200 {
                    return (child, base);
                }
            }
            assert!(Instant::now() < deadline, "luot never became healthy");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    panic!("luot would not start");
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
    /// "Gọi tiếp" at counter `k` of the demo centre: status and number called.
    async fn call(&self, k: u16) -> (u16, Value) {
        let path = format!("/api/v1/centres/mo-cay/counters/{k}/call-next");
        let (s, v) = self.post(&path, json!({})).await;
        (s, v["number"].clone())
    }
    async fn status(&self, token: &str) -> Value {
        self.get(&format!("/api/v1/tickets/{token}")).await["status"].clone()
    }
    async fn get(&self, path: &str) -> Value {
        let (s, v) = self.send(reqwest::Method::GET, path, None).await;
        assert_eq!(s, 200, "GET {path}: {v}");
        v
    }
}

async fn sign_in(http: &reqwest::Client, base: &str) -> Api {
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "ngay", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    Api {
        http: http.clone(),
        base: base.to_owned(),
        token: v["token"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test]
async fn tickets_left_on_monday_are_expired_and_never_called_on_tuesday() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("luot.db").display());
    let http = reqwest::Client::new();

    // An administrator first (`luot admin create`, password on stdin).
    let mut create = luot()
        .args([
            "--database-url",
            &db,
            "admin",
            "create",
            "--username",
            "ngay",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = create.stdin.take().unwrap();
    stdin
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    assert!(create.wait().await.unwrap().success());

    // Monday: four tickets; counter 1 calls twice without starting, counter 2
    // calls once; one is left waiting.
    let (mut monday, base) = start(&db, MONDAY, &http).await;
    let api = sign_in(&http, &base).await;
    let centre = "/api/v1/centres/mo-cay";
    // Tickets from a kiosk: staff answers carry no ticket token, and the
    // citizen's status page (by token) is what this test reads.
    let (s, device) = api
        .post(
            "/api/v1/devices",
            json!({"kind": "kiosk", "name": "Kiosk sảnh", "centre": "mo-cay"}),
        )
        .await;
    assert_eq!(s, 201, "{device}");
    let kiosk = Api {
        http: http.clone(),
        base: base.clone(),
        token: device["token"].as_str().unwrap().to_owned(),
    };
    let mut tickets = Vec::new();
    for _ in 0..4 {
        let (s, t) = kiosk
            .post(&format!("{centre}/tickets"), json!({"service": "A"}))
            .await;
        assert_eq!(s, 201, "{t}");
        tickets.push(t);
    }
    let number = |i: usize| tickets[i]["number"].clone();
    let token = |i: usize| tickets[i]["token"].as_str().unwrap().to_owned();
    assert_eq!(
        tickets[0]["issued_at"].as_str().unwrap().get(..10),
        Some("2026-11-30")
    );
    assert_eq!(api.call(1).await, (200, number(0)));
    assert_eq!(api.call(1).await, (200, number(1)));
    assert_eq!(api.call(2).await, (200, number(2)));
    // Two call-next in a row without start: the first is a no-show.
    assert_eq!(api.status(&token(0)).await, "no_show");
    assert_eq!(api.status(&token(3)).await, "waiting");
    monday.kill().await.unwrap();

    // Tuesday, same database: what Monday left is expired at start-up.
    let (mut tuesday, base) = start(&db, TUESDAY, &http).await;
    let api = sign_in(&http, &base).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = api.get(&format!("/api/v1/tickets/{}", token(3))).await;
        if v["status"] == "expired" {
            // Stamped with the end of Monday (local midnight: the demo keeps no hours).
            assert_eq!(v["finished_at"], "2026-11-30T17:00:00Z", "{v}");
            break;
        }
        assert_eq!(v["status"], "waiting", "{v}");
        assert!(Instant::now() < deadline, "never expired: {v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for i in [1, 2] {
        assert_eq!(api.status(&token(i)).await, "expired", "{}", number(i));
    }
    assert_eq!(api.status(&token(0)).await, "no_show");
    let queue = api.get(&format!("{centre}/queue")).await;
    assert_eq!(queue["waiting"], json!([]), "{queue}");
    assert!(
        queue["counters"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["current"].is_null()),
        "{queue}"
    );
    for k in 1..=4 {
        let (s, v) = api.call(k).await;
        assert_eq!(s, 204, "counter {k} called {v}");
    }
    // Tuesday's numbering starts again, and that ticket is the one called.
    let (s, t) = api
        .post(&format!("{centre}/tickets"), json!({"service": "A"}))
        .await;
    assert_eq!((s, &t["number"]), (201, &json!("A001")));
    assert_eq!(api.call(1).await, (200, json!("A001")));
    tuesday.kill().await.unwrap();
}
