//! Every class of bad input gets a 4xx with a stable code and messages in both
//! languages; never a 500, never a stack trace or SQL.

use serde_json::{json, Value};

use crate::helpers::*;

async fn expect(r: reqwest::Response, status: u16, code: &str) {
    assert_eq!(r.status().as_u16(), status, "expected {status} {code}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(body["message_en"].as_str().is_some_and(|m| !m.is_empty()));
    let text = body.to_string().to_lowercase();
    assert!(
        !text.contains("sqlite") && !text.contains("sqlx") && !text.contains("panicked"),
        "{text}"
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx() {
    let app = spawn_app().await;
    let tickets = app.url("/api/v1/centres/mo-cay/tickets");
    let c = &app.client;

    expect(
        c.post(&tickets)
            .body("{\"service\":")
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap(),
        400,
        "malformed_json",
    )
    .await;
    expect(
        c.post(&tickets)
            .body("{\"service\":\"A\"}")
            .send()
            .await
            .unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    expect(
        c.post(&tickets).json(&json!({})).send().await.unwrap(),
        422,
        "invalid_body",
    )
    .await;
    expect(
        c.post(&tickets)
            .json(&json!({"service": 7}))
            .send()
            .await
            .unwrap(),
        422,
        "invalid_body",
    )
    .await;
    expect(
        c.post(&tickets)
            .json(&json!({"service": "A B"}))
            .send()
            .await
            .unwrap(),
        422,
        "invalid_body",
    )
    .await;
    expect(
        c.post(&tickets)
            .json(&json!({"service": "Z"}))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    expect(
        c.post(&tickets)
            .json(&json!({"service": "A", "priority": "vip"}))
            .send()
            .await
            .unwrap(),
        422,
        "invalid",
    )
    .await;
    expect(
        c.post(&tickets)
            .json(&json!({"service": "A", "priority": "VIP!"}))
            .send()
            .await
            .unwrap(),
        422,
        "invalid_body",
    )
    .await;
    expect(
        c.post(&tickets)
            .header("Idempotency-Key", "x".repeat(300))
            .json(&json!({"service": "A"}))
            .send()
            .await
            .unwrap(),
        400,
        "bad_idempotency_key",
    )
    .await;
    let huge = format!("{{\"service\":\"A\",\"pad\":\"{}\"}}", "x".repeat(200_000));
    expect(
        c.post(&tickets)
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .unwrap(),
        413,
        "payload_too_large",
    )
    .await;

    expect(
        app.post("/api/v1/centres/nowhere/tickets", json!({"service": "A"}))
            .await,
        404,
        "not_found",
    )
    .await;
    expect(
        app.post(
            "/api/v1/centres/NOT%20A%20CODE/tickets",
            json!({"service": "A"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    expect(
        app.get("/api/v1/centres/nowhere/services").await,
        404,
        "not_found",
    )
    .await;
    expect(
        app.get("/api/v1/centres/nowhere/queue").await,
        404,
        "not_found",
    )
    .await;
    expect(
        app.get("/api/v1/tickets/doesnotexist").await,
        404,
        "not_found",
    )
    .await;
    expect(
        app.get("/api/v1/tickets/%27%3B%20drop").await,
        404,
        "not_found",
    )
    .await;
    expect(
        app.post("/api/v1/centres/mo-cay/counters/99/call-next", json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
    expect(
        app.post("/api/v1/centres/mo-cay/counters/0/call-next", json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
    expect(
        app.post("/api/v1/centres/mo-cay/counters/abc/recall", json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
    expect(
        app.post("/api/v1/centres/mo-cay/counters/1/start", json!({}))
            .await,
        409,
        "no_current_ticket",
    )
    .await;
    expect(
        app.post(
            "/api/v1/centres/mo-cay/counters/1/transfer",
            json!({"service": 5}),
        )
        .await,
        422,
        "invalid_body",
    )
    .await;
    expect(app.get("/api/v1/nothing-here").await, 404, "not_found").await;
    // A state-machine violation: starting twice.
    app.issue("A").await;
    app.counter(1, "call-next", json!({})).await;
    app.counter(1, "start", json!({})).await;
    expect(
        app.post("/api/v1/centres/mo-cay/counters/1/start", json!({}))
            .await,
        409,
        "illegal_transition",
    )
    .await;
    expect(
        app.post("/api/v1/centres/mo-cay/counters/1/no-show", json!({}))
            .await,
        409,
        "illegal_transition",
    )
    .await;
    app.stop().await;
}
