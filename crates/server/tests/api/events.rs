//! The live event stream (websocket): snapshot then events, fan-out to many
//! clients, resuming with `?after`, lagging clients, heartbeats, shutdown and a
//! server restart. Every wait is on a message, bounded by a timeout.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

/// How long any single expected message may take.
const WAIT: Duration = Duration::from_secs(10);

pub async fn connect(app: &TestApp, query: &str) -> Ws {
    let url = format!("ws://{}/api/v1/centres/mo-cay/events{query}", app.addr);
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

/// The next JSON text message, skipping control frames; panics on close.
pub async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("no message in time")
            .expect("stream ended")
            .expect("websocket error");
        match msg {
            Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected message {other:?}"),
        }
    }
}

/// Reads until a message of `kind` arrives; returns it and what came before.
async fn until_type(ws: &mut Ws, kind: &str) -> (Value, Vec<Value>) {
    let mut before = Vec::new();
    loop {
        let v = next_json(ws).await;
        if v["type"] == kind {
            return (v, before);
        }
        before.push(v);
    }
}

#[tokio::test]
async fn a_snapshot_then_every_event_as_it_commits() {
    let app = spawn_app().await;
    app.issue("A").await;
    app.issue("B").await;
    let mut ws = connect(&app, "").await;
    let snap = next_json(&mut ws).await;
    assert_eq!(snap["type"], "snapshot");
    assert_eq!(snap["centre"]["code"], "mo-cay");
    assert_eq!(
        snap["centre"]["announcement_vi"],
        "Xin mời công dân số {number} đến quầy số {counter}"
    );
    assert_eq!(snap["counters"].as_array().unwrap().len(), 4);
    assert_eq!(snap["counters"][0]["state"], "open");
    assert_eq!(snap["services"][0]["code"], "A");
    assert_eq!(snap["services"][0]["waiting"], 1);
    assert_eq!(snap["services"][1]["waiting"], 1);
    let last = snap["last_event_id"].as_i64().unwrap();
    assert!(last >= 2, "{snap}");
    // Public: no tokens, no waiting list with channels or priorities.
    let text = snap.to_string();
    assert!(
        !text.contains("token") && snap.get("waiting").is_none(),
        "{text}"
    );

    app.counter(1, "call-next", json!({})).await;
    let called = next_json(&mut ws).await;
    assert_eq!(called["type"], "ticket_called");
    assert_eq!(called["number"], "A001");
    assert_eq!(called["counter"], 1);
    assert_eq!(called["centre"], "mo-cay");
    assert!(called["id"].as_i64().unwrap() > last);

    app.counter(1, "recall", json!({})).await;
    let recalled = next_json(&mut ws).await;
    assert_eq!(
        (recalled["type"].clone(), recalled["recalls"].clone()),
        (json!("ticket_recalled"), json!(1))
    );
    app.counter(2, "pause", json!({})).await;
    assert_eq!(next_json(&mut ws).await["type"], "counter_paused");

    // A page's own heartbeat.
    ws.send(Message::text(r#"{"type":"ping"}"#)).await.unwrap();
    assert_eq!(next_json(&mut ws).await, json!({"type": "pong"}));

    let r = app
        .client
        .put(app.url("/api/v1/centres/mo-cay/notice"))
        .json(&json!({"text": "  Hôm nay nghỉ trưa từ 11:30 đến 13:30  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let notice = next_json(&mut ws).await;
    assert_eq!(notice["type"], "notice_changed");
    assert_eq!(notice["text"], "Hôm nay nghỉ trưa từ 11:30 đến 13:30");
    let display: Value = app
        .get("/api/v1/centres/mo-cay/display")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(display["notice"], "Hôm nay nghỉ trưa từ 11:30 đến 13:30");
    assert_eq!(display["last_calls"][0]["number"], "A001");
    assert_eq!(display["counters"][1]["state"], "paused");
    app.stop().await;
}

#[tokio::test]
async fn a_call_reaches_fifty_connected_displays() {
    let app = spawn_app().await;
    app.issue("C").await;
    let mut clients = futures::future::join_all((0..50).map(|_| connect(&app, ""))).await;
    for ws in &mut clients {
        assert_eq!(next_json(ws).await["type"], "snapshot");
    }
    let centre = luot_domain::CentreCode::parse("mo-cay").unwrap();
    assert_eq!(app.state.hub.followers(&centre), 50);
    app.counter(3, "call-next", json!({})).await;
    let got = futures::future::join_all(clients.iter_mut().map(next_json)).await;
    for e in got {
        assert_eq!(
            (e["type"].as_str(), e["number"].as_str()),
            (Some("ticket_called"), Some("C001"))
        );
        assert_eq!(e["counter"], 3);
    }
    app.stop().await;
}

#[tokio::test]
async fn a_cached_snapshot_is_never_older_than_an_event_already_delivered() {
    let app = spawn_app().await;
    app.issue("A").await;
    let mut first = connect(&app, "").await;
    let before = next_json(&mut first).await;
    // Within the cache's lifetime: the same snapshot serves the next display.
    let mut second = connect(&app, "").await;
    assert_eq!(next_json(&mut second).await, before);
    app.counter(1, "call-next", json!({})).await;
    let called = next_json(&mut first).await;
    // The hub has handled the call, so a display connecting now must see it.
    let mut third = connect(&app, "").await;
    let after = next_json(&mut third).await;
    assert_eq!(after["last_event_id"], called["id"]);
    assert_eq!(after["counters"][0]["current"]["number"], "A001");
    assert_eq!(after["last_calls"][0]["number"], "A001");
    app.stop().await;
}

#[tokio::test]
async fn after_resumes_from_the_log_without_gaps_or_duplicates() {
    let app = spawn_app().await;
    let mut ws = connect(&app, "").await;
    let seen = next_json(&mut ws).await["last_event_id"].as_i64().unwrap();
    drop(ws);
    // Missed while away.
    app.issue("A").await;
    app.issue("A").await;
    app.counter(1, "call-next", json!({})).await;

    let mut ws = connect(&app, &format!("?after={seen}")).await;
    let missed = [
        next_json(&mut ws).await,
        next_json(&mut ws).await,
        next_json(&mut ws).await,
    ];
    let types: Vec<_> = missed.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["ticket_issued", "ticket_issued", "ticket_called"]);
    assert_eq!(missed[2]["number"], "A001");
    let ids: Vec<i64> = missed.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(
        ids[0] > seen && ids.windows(2).all(|w| w[0] < w[1]),
        "{ids:?}"
    );
    // Then live, with nothing repeated.
    app.counter(2, "call-next", json!({})).await;
    let live = next_json(&mut ws).await;
    assert_eq!(
        (live["type"].as_str(), live["number"].as_str()),
        (Some("ticket_called"), Some("A002"))
    );
    assert!(live["id"].as_i64().unwrap() > ids[2]);

    // An id this database never issued (another database, a reset): a snapshot.
    let mut ws = connect(&app, "?after=999999").await;
    assert_eq!(next_json(&mut ws).await["type"], "snapshot");
    // Too far behind: a snapshot rather than a flood.
    let store = app.state.store.clone();
    let centre = luot_domain::CentreCode::parse("mo-cay").unwrap();
    let now = app.state.now();
    let writes = (0..=luot_server::routes::events::MAX_RESUME)
        .map(|i| store.set_notice(&centre, format!("#{i}"), "test".into(), now));
    for r in futures::future::join_all(writes).await {
        r.unwrap();
    }
    let mut ws = connect(&app, &format!("?after={}", ids[2])).await;
    let snap = next_json(&mut ws).await;
    assert_eq!(snap["type"], "snapshot");
    assert!(snap["notice"].as_str().unwrap().starts_with('#'));
    app.stop().await;
}

#[tokio::test]
async fn a_lagging_client_gets_a_fresh_snapshot_and_continues() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("luot.db").display());
    let app = spawn_app_with(&url, dir, |s| {
        s.hub = luot_server::hub::Hub::start(s.store.as_ref(), 2);
    })
    .await;
    let mut ws = connect(&app, "").await;
    assert_eq!(next_json(&mut ws).await["type"], "snapshot");
    // Fifty tickets in one commit: the hub forwards them in one go, far more
    // than the connection's two-frame buffer holds.
    app.issue_burst("B", 50).await;
    let (snap, before) = until_type(&mut ws, "snapshot").await;
    assert!(before.len() < 50, "lagged after {} events", before.len());
    let resynced_at = snap["last_event_id"].as_i64().unwrap();
    // The snapshot is at least as new as everything delivered before it.
    assert!(before
        .iter()
        .all(|e| e["id"].as_i64().unwrap() <= resynced_at));
    // And the stream goes on after it with no stale event.
    app.counter(1, "call-next", json!({})).await;
    loop {
        let e = next_json(&mut ws).await;
        assert!(
            e["type"] == "snapshot" || e["id"].as_i64().unwrap() > resynced_at,
            "{e}"
        );
        if e["type"] == "ticket_called" {
            assert_eq!(e["number"], "B001");
            break;
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_display_resumes_on_a_restarted_server_with_what_it_missed() {
    let app = spawn_app().await;
    app.issue("A").await;
    let mut ws = connect(&app, "").await;
    next_json(&mut ws).await;
    app.counter(1, "call-next", json!({})).await;
    let last = next_json(&mut ws).await["id"].as_i64().unwrap();

    let app = tokio::time::timeout(WAIT, app.restart())
        .await
        .expect("shutdown hung");
    // The old server said goodbye.
    let closed = tokio::time::timeout(WAIT, ws.next())
        .await
        .expect("no close");
    match closed {
        Some(Ok(Message::Close(Some(f)))) => assert_eq!(u16::from(f.code), 1001),
        other => panic!("expected a close frame, got {other:?}"),
    }
    // Calls made while the display was away, then it reconnects.
    app.issue("A").await;
    app.counter(2, "call-next", json!({})).await;
    let mut ws = connect(&app, &format!("?after={last}")).await;
    let (called, before) = until_type(&mut ws, "ticket_called").await;
    assert_eq!(called["number"], "A002");
    assert_eq!(called["counter"], 2);
    assert_eq!(before.len(), 1);
    assert_eq!(before[0]["type"], "ticket_issued");
    app.stop().await;
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_heartbeat_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("luot.db").display());
    let app = spawn_app_with(&url, dir, |s| {
        s.stream.ping_every = Duration::from_millis(50);
        s.stream.ping_timeout = Duration::from_millis(200);
    })
    .await;
    // A raw client that completes the handshake and then never answers a ping.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = TcpStream::connect(app.addr).await.unwrap();
    let req = format!(
        "GET /api/v1/centres/mo-cay/events HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n",
        app.addr
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    tokio::time::timeout(WAIT, tcp.read_to_end(&mut got))
        .await
        .expect("the server kept a silent client")
        .unwrap();
    assert!(got.starts_with(b"HTTP/1.1 101"));
    // The last frame is a close (0x88) with code 1001 (0x03e9).
    let close = got
        .windows(4)
        .rposition(|w| w[0] == 0x88 && w[2..] == [0x03, 0xe9]);
    assert!(close.is_some(), "no close frame");
    app.stop().await;
}

#[tokio::test]
async fn plain_http_and_unknown_centres_get_json_errors() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/centres/mo-cay/events").await;
    assert_eq!(r.status(), 426);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "websocket_required"
    );
    let r = app.get("/api/v1/centres/nowhere/events").await;
    assert_eq!(r.status(), 404);
    let url = format!("ws://{}/api/v1/centres/nowhere/events", app.addr);
    assert!(tokio_tungstenite::connect_async(url).await.is_err());

    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let events = &doc["paths"]["/api/v1/centres/{centre}/events"]["get"];
    assert!(
        events["description"].as_str().unwrap().contains("snapshot"),
        "{events}"
    );
    assert!(doc["paths"]["/api/v1/centres/{centre}/notice"]["put"].is_object());

    let notice = app.url("/api/v1/centres/mo-cay/notice");
    let long = "a".repeat(501);
    for (text, code) in [
        (long.as_str(), "notice_too_long"),
        ("hai\ndòng", "notice_invalid"),
    ] {
        let r = app
            .client
            .put(&notice)
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert_eq!(r.json::<Value>().await.unwrap()["code"], code);
    }
    let r = app
        .client
        .put(app.url("/api/v1/centres/nowhere/notice"))
        .json(&json!({"text": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    app.stop().await;
}
