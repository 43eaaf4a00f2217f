//! The walk-in flow over HTTP: issue, status, call-next, recall, start, complete,
//! no-show, transfer, pause/resume; idempotent retries; numbering per day.

use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn a_ticket_is_issued_called_and_completed() {
    let app = spawn_app().await;
    let services: Value = app
        .get("/api/v1/centres/mo-cay/services")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(services.as_array().unwrap().len(), 6);
    assert_eq!(services[0]["code"], "A");
    assert_eq!(services[0]["open_now"], true);

    let t = app.issue("A").await;
    assert_eq!(t["number"], "A001");
    assert_eq!(t["status"], "waiting");
    assert_eq!(t["channel"], "kiosk");
    assert_eq!(t["position"], 0);
    let token = t["token"].as_str().unwrap().to_owned();
    let t2 = app.issue("A").await;
    assert_eq!(t2["number"], "A002");
    assert_eq!(t2["position"], 1);
    // 1 ahead, three open counters serve A, 12 minutes each: 4 minutes.
    assert_eq!(t2["eta_minutes"], 4);

    let (s, called) = app.counter(1, "call-next", json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(called["number"], "A001");
    assert_eq!(called["status"], "called");
    assert_eq!(called["counter"], 1);

    let status: Value = app
        .get(&format!("/api/v1/tickets/{token}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "called");
    assert_eq!(status["counter"], 1);

    let (s, r) = app.counter(1, "recall", json!({})).await;
    assert_eq!((s, r["recalls"].clone()), (200, json!(1)));
    let (s, r) = app.counter(1, "start", json!({})).await;
    assert_eq!((s, r["status"].clone()), (200, json!("serving")));
    let (s, r) = app.counter(1, "complete", json!({})).await;
    assert_eq!((s, r["status"].clone()), (200, json!("done")));

    // Nothing in progress any more.
    let (s, r) = app.counter(1, "complete", json!({})).await;
    assert_eq!((s, r["code"].clone()), (409, json!("no_current_ticket")));

    let status: Value = app
        .get(&format!("/api/v1/tickets/{token}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "done");
    app.stop().await;
}

#[tokio::test]
async fn call_next_serves_priority_first_and_answers_204_when_empty() {
    let app = spawn_app().await;
    let (s, _) = app.counter(1, "call-next", json!({})).await;
    assert_eq!(s, 204);
    app.issue("A").await;
    let r = app
        .post(
            "/api/v1/centres/mo-cay/tickets",
            json!({"service": "A", "priority": "elderly"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let (_, first) = app.counter(1, "call-next", json!({})).await;
    assert_eq!(first["number"], "A002");
    assert_eq!(first["priority"], "elderly");
    let (_, second) = app.counter(1, "call-next", json!({})).await;
    assert_eq!(second["number"], "A001");
    // Call-next finished the previous ticket.
    let q: Value = app
        .get("/api/v1/centres/mo-cay/queue")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(q["counters"][0]["current"]["number"], "A001");
    assert_eq!(q["last_calls"][0]["number"], "A001");
    assert_eq!(q["last_calls"][1]["number"], "A002");
    app.stop().await;
}

#[tokio::test]
async fn no_show_needs_a_recall_first() {
    let app = spawn_app().await;
    app.issue("B").await;
    app.counter(2, "call-next", json!({})).await;
    let (s, r) = app.counter(2, "no-show", json!({})).await;
    assert_eq!((s, r["code"].clone()), (409, json!("recall_first")));
    app.counter(2, "recall", json!({})).await;
    let (s, r) = app.counter(2, "no-show", json!({})).await;
    assert_eq!((s, r["status"].clone()), (200, json!("no_show")));
    app.stop().await;
}

#[tokio::test]
async fn transfer_keeps_the_place_in_time() {
    let app = spawn_app().await;
    let a = app.issue("A").await;
    app.issue("C").await; // C001, after A001
    app.counter(1, "call-next", json!({})).await; // counter 1 calls A001
                                                  // A001 actually needs land registration (C), served at counter 3.
    let (s, t) = app
        .counter(1, "transfer", json!({"service": "C", "note": "hồ sơ đất"}))
        .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["status"], "transferred");
    assert_eq!(t["service"], "C");
    assert_eq!(t["number"], a["number"]);
    // Issued before C001, so counter 3 calls it first.
    let (_, next) = app.counter(3, "call-next", json!({})).await;
    assert_eq!(next["number"], "A001");
    // Transfer to a counter: only that counter calls it.
    app.issue("B").await;
    let (s, _) = app
        .counter(1, "transfer", json!({"ticket": "B001", "counter": 4}))
        .await;
    assert_eq!(s, 200);
    let (s, _) = app.counter(2, "call-next", json!({})).await;
    assert_eq!(s, 204, "counter 2 serves B but B001 was sent to counter 4");
    let (_, t) = app.counter(4, "call-next", json!({})).await;
    assert_eq!(t["number"], "B001");
    // Once counter 4 has called it, another counter cannot pull it away by number.
    let (s, r) = app
        .counter(1, "transfer", json!({"ticket": "B001", "service": "A"}))
        .await;
    assert_eq!((s, r["code"].clone()), (409, json!("ticket_taken")));
    // A transfer needs a destination.
    let (s, r) = app.counter(4, "transfer", json!({})).await;
    assert_eq!((s, r["code"].clone()), (422, json!("invalid")));
    app.stop().await;
}

#[tokio::test]
async fn pause_and_resume() {
    let app = spawn_app().await;
    let (s, c) = app.counter(3, "pause", json!({})).await;
    assert_eq!((s, c["state"].clone()), (200, json!("paused")));
    let services: Value = app
        .get("/api/v1/centres/mo-cay/services")
        .await
        .json()
        .await
        .unwrap();
    let c_service = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "C")
        .unwrap();
    assert_eq!(c_service["open_counters"], 0);
    let (s, c) = app.counter(3, "resume", json!({})).await;
    assert_eq!((s, c["state"].clone()), (200, json!("open")));
    // Calling from a paused counter opens it: the staff member is at the desk.
    app.counter(3, "pause", json!({})).await;
    app.issue("C").await;
    let (s, _) = app.counter(3, "call-next", json!({})).await;
    assert_eq!(s, 200);
    let q: Value = app
        .get("/api/v1/centres/mo-cay/queue")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(q["counters"][2]["state"], "open");
    app.stop().await;
}

#[tokio::test]
async fn an_idempotent_retry_issues_nothing_new() {
    let app = spawn_app().await;
    let send = |key: &'static str, service: &'static str| {
        app.client
            .post(app.url("/api/v1/centres/mo-cay/tickets"))
            .header("Idempotency-Key", key)
            .json(&json!({ "service": service }))
            .send()
    };
    let first: Value = send("kiosk-1-0001", "A")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let again: Value = send("kiosk-1-0001", "A")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["number"], "A001");
    assert_eq!(again["number"], "A001");
    assert_eq!(again["token"], first["token"]);
    let other: Value = send("kiosk-1-0002", "A")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(other["number"], "A002");
    // The same key for a different request is refused, not silently reused.
    let r = send("kiosk-1-0001", "B").await.unwrap();
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "idempotency_key_reused");
    let services: Value = app
        .get("/api/v1/centres/mo-cay/services")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(services[0]["issued_today"], 2);
    app.stop().await;
}

#[tokio::test]
async fn numbers_restart_each_local_service_day() {
    let app = spawn_app().await;
    // 23:59 local on Thursday.
    app.set_now("2026-11-26T16:59:00Z".parse().unwrap());
    assert_eq!(app.issue("A").await["number"], "A001");
    assert_eq!(app.issue("A").await["number"], "A002");
    // 00:01 local on Friday: a new service day, though still Thursday in UTC.
    app.set_now("2026-11-26T17:01:00Z".parse().unwrap());
    assert_eq!(app.issue("A").await["number"], "A001");
    // Yesterday's waiting tickets are not called today.
    let (_, t) = app.counter(1, "call-next", json!({})).await;
    assert_eq!(t["issued_at"], "2026-11-26T17:01:00Z");
    app.stop().await;
}

#[tokio::test]
async fn the_daily_cap_is_enforced() {
    let app = spawn_app().await;
    // The demo caps each service at 300 a day.
    for _ in 0..300 {
        app.issue("F").await;
    }
    let r = app
        .post("/api/v1/centres/mo-cay/tickets", json!({"service": "F"}))
        .await;
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "daily_cap_reached");
    let services: Value = app
        .get("/api/v1/centres/mo-cay/services")
        .await
        .json()
        .await
        .unwrap();
    let f = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "F")
        .unwrap();
    assert_eq!(
        (f["capped"].clone(), f["accepting"].clone()),
        (json!(true), json!(false))
    );
    app.stop().await;
}

#[tokio::test]
async fn openapi_documents_every_path() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/healthz",
        "/api/v1/centres",
        "/api/v1/centres/{centre}/services",
        "/api/v1/centres/{centre}/tickets",
        "/api/v1/tickets/{token}",
        "/api/v1/centres/{centre}/queue",
    ] {
        assert!(paths.contains_key(p), "{p} missing from OpenAPI");
    }
    for action in [
        "call-next",
        "recall",
        "start",
        "complete",
        "no-show",
        "transfer",
        "pause",
        "resume",
    ] {
        let p = format!("/api/v1/centres/{{centre}}/counters/{{counter}}/{action}");
        assert!(paths.contains_key(&p), "{p} missing from OpenAPI");
    }
    assert!(doc["components"]["schemas"]["TicketView"].is_object());
    let health: Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(health["status"], "ok");
    app.stop().await;
}
