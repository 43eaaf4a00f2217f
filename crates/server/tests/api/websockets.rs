//! Caps and deadlines of the live event stream against a real server on
//! loopback, each 127.0.0.x source address a different client: one address's
//! share of anonymous streams, the cap on all streams, and a peer that never
//! reads dropped at the ping deadline.

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue, Message};

use crate::edge::connect_from;
use crate::helpers::*;

type RawWs = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Opens the event stream from source address `ip` with extra `headers`:
/// the socket, or the refusal's status and error code.
async fn open_from(
    app: &TestApp,
    ip: &str,
    headers: &[(&'static str, &str)],
) -> Result<RawWs, (u16, String)> {
    let tcp = connect_from(ip, app.addr).await;
    let url = format!("ws://{}/api/v1/centres/mo-cay/events", app.addr);
    let mut req = url.into_client_request().unwrap();
    for (k, v) in headers {
        req.headers_mut()
            .insert(*k, HeaderValue::from_str(v).unwrap());
    }
    match tokio_tungstenite::client_async(req, tcp).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            let body: serde_json::Value =
                serde_json::from_slice(r.body().as_deref().unwrap_or_default()).unwrap();
            assert!(r.headers().contains_key("retry-after"), "{r:?}");
            Err((
                r.status().as_u16(),
                body["code"].as_str().unwrap().to_owned(),
            ))
        }
        Err(e) => panic!("{e}"),
    }
}

/// Waits (bounded) until `cond` holds.
async fn eventually(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// 100 anonymous streams from one address: 50 open, the other 50 get 429
/// `too_many_connections` with `Retry-After`; another address, and a staff
/// member from the same address, still get theirs.
#[tokio::test]
async fn one_address_holds_at_most_fifty_anonymous_streams() {
    let app = spawn_app().await;
    let mut open = Vec::new();
    let mut refused = Vec::new();
    for _ in 0..100 {
        match open_from(&app, "127.0.0.2", &[]).await {
            Ok(ws) => open.push(ws),
            Err(e) => refused.push(e),
        }
    }
    assert_eq!(open.len(), 50);
    assert!(
        refused
            .iter()
            .all(|e| *e == (429, "too_many_connections".into())),
        "{refused:?}"
    );
    assert_eq!(app.state.websockets.open_from("127.0.0.2"), 50);
    let other = open_from(&app, "127.0.0.3", &[]).await;
    assert!(other.is_ok());
    let token = format!("Bearer {}", app.login("quay1").await);
    let staff = open_from(&app, "127.0.0.2", &[("authorization", &token)]).await;
    assert!(staff.is_ok());
    // Closing one makes room for the address again.
    let mut first = open.remove(0);
    first.close(None).await.unwrap();
    eventually("the closed stream still counted", || {
        app.state.websockets.open_from("127.0.0.2") == 49
    })
    .await;
    assert!(open_from(&app, "127.0.0.2", &[]).await.is_ok());
    app.stop().await;
}

/// Behind a trusted proxy, the forwarded address is the one capped: two
/// citizens behind the same proxy each have their own share.
#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_capped() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("luot.db").display());
    let app = spawn_app_with(&url, dir, |s| {
        s.websockets = std::sync::Arc::new(luot_server::ws_caps::SocketCaps::new(3, 100));
        let mut auth = luot_server::auth::AuthConfig {
            password_cost: luot_server::auth::passwords::Cost::Fast,
            policy: lenient_policy(),
            ..Default::default()
        };
        auth.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
        s.auth = std::sync::Arc::new(auth);
    })
    .await;
    let a = [("x-forwarded-for", "203.0.113.7")];
    let b = [("x-forwarded-for", "203.0.113.8")];
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(open_from(&app, "127.0.0.2", &a).await.unwrap());
    }
    assert_eq!(
        open_from(&app, "127.0.0.2", &a).await.err(),
        Some((429, "too_many_connections".into()))
    );
    open.push(open_from(&app, "127.0.0.2", &b).await.unwrap());
    assert_eq!(app.state.websockets.open_from("203.0.113.7"), 3);
    app.stop().await;
}

/// Over `--max-websockets`, a stream is refused 503 `too_many_connections`
/// whoever asks; one closing makes room.
#[tokio::test]
async fn the_server_holds_at_most_max_websockets() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("luot.db").display());
    let app = spawn_app_with(&url, dir, |s| {
        s.websockets = std::sync::Arc::new(luot_server::ws_caps::SocketCaps::new(50, 5));
    })
    .await;
    let mut open = Vec::new();
    for i in 0..5 {
        open.push(
            open_from(&app, &format!("127.0.0.{}", 10 + i), &[])
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        open_from(&app, "127.0.0.20", &[]).await.err(),
        Some((503, "too_many_connections".into()))
    );
    let token = format!("Bearer {}", app.login("quay1").await);
    assert_eq!(
        open_from(&app, "127.0.0.21", &[("authorization", &token)])
            .await
            .err(),
        Some((503, "too_many_connections".into()))
    );
    // A kiosk's print agent counts against the total like every websocket.
    let agent = || {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = format!("ws://{}/api/v1/kiosks/me/agent", app.addr)
            .into_client_request()
            .unwrap();
        let auth = format!("Bearer {}", app.kiosk_token).parse().unwrap();
        req.headers_mut().insert("authorization", auth);
        tokio_tungstenite::connect_async(req)
    };
    match agent().await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 503),
        other => panic!("a print agent past the total: {:?}", other.map(|_| ())),
    }
    drop(open.pop());
    eventually("the dropped stream still counted", || {
        app.state.websockets.open() == 4
    })
    .await;
    let (kiosk, _) = agent().await.unwrap();
    assert_eq!(app.state.websockets.open(), 5, "the agent holds a place");
    drop(kiosk);
    eventually("the closed agent still counted", || {
        app.state.websockets.open() == 4
    })
    .await;
    assert!(open_from(&app, "127.0.0.20", &[]).await.is_ok());
    app.stop().await;
}

/// A client that keeps writing `{"type":"ping"}` but never reads cannot
/// answer the server's ping frames: it is dropped at the deadline (short
/// here; 30 s by default), and its place is given back. A client that reads
/// stays connected across many deadlines.
#[tokio::test]
async fn a_peer_that_never_reads_is_dropped_at_the_ping_deadline() {
    const TIMEOUT: Duration = Duration::from_millis(300);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("luot.db").display());
    let app = spawn_app_with(&url, dir, |s| {
        s.stream.ping_every = Duration::from_millis(50);
        s.stream.ping_timeout = TIMEOUT;
    })
    .await;
    let mut reader = open_from(&app, "127.0.0.2", &[]).await.unwrap();
    let mut frozen = open_from(&app, "127.0.0.3", &[]).await.unwrap();
    assert_eq!(app.state.websockets.open(), 2);
    let started = Instant::now();
    // The frozen client writes, never reads; the reader reads and answers.
    let mut texts = 0;
    while started.elapsed() < TIMEOUT * 5 {
        let _ = frozen.send(Message::text(r#"{"type":"ping"}"#)).await;
        if let Ok(Some(Ok(Message::Text(_)))) =
            tokio::time::timeout(Duration::from_millis(50), reader.next()).await
        {
            texts += 1;
        }
        if app.state.websockets.open_from("127.0.0.3") == 0 {
            break;
        }
    }
    let dropped_after = started.elapsed();
    assert_eq!(app.state.websockets.open_from("127.0.0.3"), 0);
    // Dropped within one ping interval plus the deadline (and scheduling slack).
    assert!(dropped_after < TIMEOUT * 3, "{dropped_after:?}");
    assert!(texts >= 1, "the reader got its snapshot");
    // The reader keeps its stream over several more deadlines.
    let keep = Instant::now();
    while keep.elapsed() < TIMEOUT * 4 {
        match tokio::time::timeout(Duration::from_millis(50), reader.next()).await {
            Err(_) | Ok(Some(Ok(_))) => {}
            other => panic!("the reader lost its stream: {other:?}"),
        }
    }
    assert_eq!(app.state.websockets.open_from("127.0.0.2"), 1);
    app.stop().await;
}
