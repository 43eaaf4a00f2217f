//! The edge against a real server on loopback: slow headers, the connection
//! cap, and (in later modules of this file) floods from one address. Each
//! 127.0.0.x source address is a different client.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::helpers::*;

/// A TCP connection from source address `ip` (127.0.0.x).
pub async fn connect_from(ip: &str, addr: SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{ip}:0").parse().unwrap()).unwrap();
    socket.connect(addr).await.unwrap()
}

/// An HTTP client whose requests come from source address `ip`.
pub fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// Reads until the server closes the connection (or 5 s pass: `None`).
async fn until_closed(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    match timeout(Duration::from_secs(5), s.read_to_end(&mut got)).await {
        Ok(_) => Some(got),
        Err(_) => None,
    }
}

/// 50 connections from one address that never finish their headers are
/// dropped at the header-read timeout (short here; 10 s by default, see the
/// unit tests of `conn`), while another address is answered in well under 1 s.
#[tokio::test]
async fn slow_headers_are_dropped_while_others_are_answered() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("luot.db").display());
    let app = spawn_app_with(&url, dir, |s| {
        s.conn.header_read_timeout = Duration::from_millis(700);
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut s = connect_from("127.0.0.2", app.addr).await;
        s.write_all(b"GET /api/v1/centres HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    let other = client_from("127.0.0.3");
    let started = Instant::now();
    let r = other
        .get(app.url("/api/v1/centres/mo-cay/services"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    for s in &mut slow {
        let got = until_closed(s).await.expect("a slow client is dropped");
        // Nothing of a response but, at most, hyper's 408.
        assert!(
            got.is_empty() || got.starts_with(b"HTTP/1.1 408"),
            "{got:?}"
        );
    }
    app.stop().await;
}

/// Over `--max-connections`, a new connection is answered 503 with
/// `Retry-After` and closed at once, while the connections already open are
/// still served; once some close, new ones are accepted again.
#[tokio::test]
async fn connections_over_the_cap_get_503_and_the_open_ones_are_served() {
    const CAP: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("luot.db").display());
    let app = spawn_app_with(&url, dir, |s| s.conn.max_connections = CAP).await;
    // The test's own pooled connections may hold a few places: CAP raw ones
    // fill the rest (the first of them is surely in).
    let mut open = Vec::new();
    for i in 0..CAP {
        open.push(connect_from(&format!("127.0.0.{}", 10 + i), app.addr).await);
    }
    let mut refused = connect_from("127.0.0.30", app.addr).await;
    let got = until_closed(&mut refused).await.expect("closed at once");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 503 "), "{text}");
    assert!(text.contains("retry-after: 5"), "{text}");
    assert!(text.contains("too_many_connections"), "{text}");
    // An open connection is served.
    let first = &mut open[0];
    first
        .write_all(
            b"GET /api/v1/centres/mo-cay/services HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let got = until_closed(first).await.unwrap();
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    // Closing them makes room.
    drop(open);
    let again = client_from("127.0.0.31");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match again
            .get(app.url("/api/v1/centres/mo-cay/services"))
            .send()
            .await
        {
            Ok(r) if r.status() == 200 => break,
            other => assert!(Instant::now() < deadline, "still refused: {other:?}"),
        }
        tokio::task::yield_now().await;
    }
    app.stop().await;
}

/// An attacker's 40 wrong passwords for `quay3` from 127.0.0.2 are delayed
/// (429 with a growing `Retry-After`), and the owner signs in from 127.0.0.3
/// at once: a username is never locked for everyone.
#[tokio::test]
async fn the_owner_signs_in_after_an_attackers_forty_wrong_passwords() {
    let app = spawn_app().await;
    let attacker = client_from("127.0.0.2");
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let r = attacker
            .post(app.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "quay3", "password": "wrong guess"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 401).count(),
        4,
        "{statuses:?}"
    );
    assert!(statuses[4..].iter().all(|&s| s == 429), "{statuses:?}");
    let owner = client_from("127.0.0.3");
    let r = owner
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "quay3", "password": app.password("quay3")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.stop().await;
}

/// 240 sign-ins at once, from 240 addresses, with unknown usernames (each
/// checks the full-cost decoy hash, 19 MiB): never more argon2 runs at once
/// than the gate admits (one per core), the excess answered 503 `busy` with
/// `Retry-After` at once, none a 5xx otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_sign_ins_is_bounded_by_the_argon2_gate() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for i in 0..240 {
        let ip = format!("127.0.{}.{}", 1 + i / 200, 2 + i % 200);
        let url = app.url("/api/v1/auth/login");
        tasks.push(tokio::spawn(async move {
            let r = client_from(&ip)
                .post(url)
                .json(&serde_json::json!({"username": format!("nobody{i}"), "password": "guess guess"}))
                .send()
                .await
                .unwrap();
            let retry = r.headers().get("retry-after").is_some();
            let b: serde_json::Value = r.json().await.unwrap_or_default();
            (b["code"].as_str().unwrap_or("").to_owned(), retry)
        }));
    }
    let mut busy = 0;
    let mut wrong = 0;
    for t in tasks {
        match t.await.unwrap() {
            (code, true) if code == "busy" => busy += 1,
            (code, _) if code == "invalid_credentials" => wrong += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(busy + wrong, 240);
    assert!(busy > 0, "no request was turned away");
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let peak = app.state.auth.gate.peak();
    assert!(peak <= cores, "{peak} argon2 at once on {cores} cores");
    app.stop().await;
}

/// Pages carry the CSP ('self' only, no framing) and the other security
/// headers; a ticket's status and a sign-in are `no-store`; public figures
/// that may be cached say so themselves.
#[tokio::test]
async fn security_headers_and_no_store_on_tickets() {
    let app = spawn_app().await;
    for page in ["/", "/admin", "/counter", "/display", "/kiosk/", "/t/abc"] {
        let r = app.anon.get(app.url(page)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{page}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{page}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{page}: {csp}");
        assert_eq!(h["x-frame-options"], "DENY", "{page}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{page}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{page}");
    }
    let ticket = app.issue("A").await;
    let token = ticket["token"].as_str().unwrap();
    let r = app
        .anon
        .get(app.url(&format!("/api/v1/tickets/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    // An error answer of the API too.
    let r = app
        .anon
        .get(app.url("/api/v1/tickets/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    app.stop().await;
}

/// An anonymous (remote) ticket for service F asked from `ip`, with an
/// Idempotency-Key if given: the status and the body.
fn remote_ticket(
    app: &TestApp,
    ip: &str,
    key: Option<&'static str>,
) -> impl std::future::Future<Output = (u16, serde_json::Value)> {
    let c = client_from(ip);
    let url = app.url("/api/v1/centres/mo-cay/tickets");
    async move {
        let mut req = c.post(url).json(&serde_json::json!({"service": "F"}));
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }
}

/// 300 remote tickets asked from one address: at most 30 are issued (10 by
/// the per-address limit), the rest 429; another address is still served;
/// and remote tickets never take more than their share (50%) of a service's
/// daily cap, which is kept for walk-ins.
#[tokio::test]
async fn one_address_cannot_take_the_remote_tickets_of_the_day() {
    let app = spawn_app().await;
    put_settings(&app, |c| c["remote_tickets"] = serde_json::json!(true)).await;
    let remote = |ip: &str| {
        let r = remote_ticket(&app, ip, None);
        async move {
            let (status, b) = r.await;
            (status, b["code"].as_str().unwrap_or("").to_owned())
        }
    };
    let mut issued = 0;
    for _ in 0..300 {
        match remote("127.0.0.2").await {
            (201, _) => issued += 1,
            (429, code) => assert_eq!(code, "rate_limited"),
            other => panic!("{other:?}"),
        }
    }
    assert!((1..=30).contains(&issued), "{issued}");
    assert_eq!(remote("127.0.0.3").await.0, 201);
    // Many addresses: remote tickets stop at half the cap of 300.
    let mut from_many = issued + 1;
    let mut refused = None;
    'outer: for a in 4..=40 {
        for _ in 0..10 {
            match remote(&format!("127.0.1.{a}")).await {
                (201, _) => from_many += 1,
                (409, code) => {
                    refused = Some(code);
                    break 'outer;
                }
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(refused.as_deref(), Some("remote_share_reached"));
    assert_eq!(from_many, 150);
    // Walk-ins still get their numbers.
    let walk_in = app.issue("F").await;
    assert!(walk_in["number"].is_string(), "{walk_in}");
    app.stop().await;
}

/// An anonymous caller's `Idempotency-Key` is bound to its address: the same
/// citizen retrying gets the same remote ticket back, while another address
/// sending the same key (guessed, or read over a shoulder) gets a ticket of its
/// own, never the first one's number and status token.
#[tokio::test]
async fn an_anonymous_idempotency_key_is_its_senders_only() {
    let app = spawn_app().await;
    put_settings(&app, |c| c["remote_tickets"] = serde_json::json!(true)).await;
    let remote = |ip: &str| {
        let r = remote_ticket(&app, ip, Some("3f1c9a52-shared-key"));
        async move {
            let (status, b) = r.await;
            assert_eq!(status, 201, "{b}");
            (
                b["number"].as_str().unwrap().to_owned(),
                b["token"].as_str().unwrap().to_owned(),
            )
        }
    };
    let first = remote("127.0.0.7").await;
    assert_eq!(
        remote("127.0.0.7").await,
        first,
        "a retry gets its ticket back"
    );
    let other = remote("127.0.0.8").await;
    assert_ne!(other.0, first.0, "another address gets its own number");
    assert_ne!(other.1, first.1, "and never the first ticket's token");
}
