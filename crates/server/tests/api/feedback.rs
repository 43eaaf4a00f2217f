//! Satisfaction ratings: once per served ticket, by its token or from the
//! counter's rating tablet; and the audit log's paging.

use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn a_served_ticket_is_rated_once() {
    let app = spawn_app().await;
    let t = app.issue("A").await;
    let token = t["token"].as_str().unwrap();
    let rate = |body: Value| {
        app.anon
            .post(app.url(&format!("/api/v1/tickets/{token}/feedback")))
            .json(&body)
            .send()
    };
    let r = rate(json!({"rating": 5})).await.unwrap();
    assert_eq!(r.status(), 409, "not served yet");
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "not_served");
    let quay1 = app.bearer(&app.login("quay1").await);
    for action in ["call-next", "start", "complete"] {
        let r = quay1
            .post(app.url(&format!("/api/v1/centres/mo-cay/counters/1/{action}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{action}");
    }
    let r = rate(json!({"rating": 6})).await.unwrap();
    assert_eq!(r.status(), 422);
    let r = rate(json!({"rating": 5, "comment": "Cán bộ nhiệt tình"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (
            v["number"].clone(),
            v["counter"].clone(),
            v["rating"].clone()
        ),
        (json!("A001"), json!(1), json!(5))
    );
    let r = rate(json!({"rating": 1})).await.unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "already_rated");
    // The counter's figures for today count it.
    let today: Value = quay1
        .get(app.url("/api/v1/centres/mo-cay/counters/1/today"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            today["served"].clone(),
            today["no_shows"].clone(),
            today["ratings"].clone(),
            today["mean_rating"].clone()
        ),
        (json!(1), json!(0), json!(1), json!(5.0))
    );
    app.stop().await;
}

#[tokio::test]
async fn the_rating_tablet_rates_the_counters_last_completed_ticket() {
    let app = spawn_app().await;
    let tablet = app.bearer(&app.rating_token);
    let url = app.url("/api/v1/centres/mo-cay/counters/1/feedback");
    let r = tablet
        .post(&url)
        .json(&json!({"rating": 4}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "nothing completed yet");
    app.issue("A").await;
    app.issue("A").await;
    app.counter(1, "call-next", json!({})).await;
    app.counter(1, "complete", json!({})).await;
    app.counter(1, "call-next", json!({})).await;
    let (s, _) = app.counter(1, "complete", json!({})).await;
    assert_eq!(s, 200);
    let r = tablet
        .post(&url)
        .json(&json!({"rating": 4}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["number"], "A002");
    let r = tablet
        .post(&url)
        .json(&json!({"rating": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "once per ticket");
    // Only a rating device: a kiosk cannot rate for citizens.
    let r = app
        .bearer(&app.kiosk_token)
        .post(&url)
        .json(&json!({"rating": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Too late: the next citizen's rating must not land on an old ticket.
    app.issue("A").await;
    app.counter(1, "call-next", json!({})).await;
    app.counter(1, "complete", json!({})).await;
    app.set_now(working_morning() + jiff::SignedDuration::from_mins(16));
    let r = tablet
        .post(&url)
        .json(&json!({"rating": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn the_audit_log_pages_for_admins_only() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.issue("B").await;
        app.counter(2, "call-next", json!({})).await;
    }
    let page: Value = app.get("/api/v1/audit?limit=2").await.json().await.unwrap();
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["action"], "counter.call_next");
    assert_eq!(entries[0]["actor"], "staff:admin");
    assert_eq!(entries[0]["ip"], "127.0.0.1");
    let before = page["next_before"].as_i64().unwrap();
    let next: Value = app
        .get(&format!("/api/v1/audit?limit=2&before={before}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(next["entries"][0]["id"].as_i64().unwrap() < before);
    let staff = app.bearer(&app.login("quay1").await);
    assert_eq!(
        staff
            .get(app.url("/api/v1/audit"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    app.stop().await;
}

#[tokio::test]
async fn two_counters_racing_for_one_ticket_get_one_each_answer() {
    let app = spawn_app().await;
    // Counters 1 and 2 both serve A (the demo); one citizen waits.
    app.issue("A").await;
    let (q1, q2) = (
        app.bearer(&app.login("quay1").await),
        app.bearer(&app.login("quay2").await),
    );
    let call = |c: &reqwest::Client, n: u16| {
        c.post(app.url(&format!("/api/v1/centres/mo-cay/counters/{n}/call-next")))
            .send()
    };
    let (a, b) = tokio::join!(call(&q1, 1), call(&q2, 2));
    let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 204], "exactly one counter gets the ticket");
    app.stop().await;
}

/// "Gọi tiếp" twice without "start": the first citizen never came, so the
/// ticket is a no-show (never served), the rating tablet has nothing to ask
/// about, and the report counts the no-show. Staff may say otherwise in the
/// same tap (`previous: served`); a started service is always served.
#[tokio::test]
async fn call_next_after_an_absent_citizen_is_a_no_show_without_a_rating() {
    let app = spawn_app().await;
    let tablet = app.bearer(&app.rating_token);
    let url = app.url("/api/v1/centres/mo-cay/counters/1/feedback");
    let absent = app.issue("A").await;
    let next = app.issue("A").await;
    let (s, first) = app.counter(1, "call-next", json!({})).await;
    assert_eq!((s, &first["number"]), (200, &absent["number"]));
    let (s, second) = app.counter(1, "call-next", json!({})).await;
    assert_eq!((s, &second["number"]), (200, &next["number"]));
    let token = absent["token"].as_str().unwrap();
    let v: Value = app
        .get(&format!("/api/v1/tickets/{token}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "no_show");
    let rate = |rating: u8| tablet.post(&url).json(&json!({ "rating": rating })).send();
    assert_eq!(rate(5).await.unwrap().status(), 404, "no service to rate");
    let centre = luot_domain::CentreCode::parse("mo-cay").unwrap();
    let events = app
        .state
        .store
        .events_after(&centre, 0, 1000)
        .await
        .unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.name()).collect();
    assert!(kinds.contains(&"ticket_no_show"), "{kinds:?}");
    assert!(
        !kinds.contains(&"ticket_completed"),
        "the tablet asks on this: {kinds:?}"
    );

    // Staff say the called citizen was served: done, and the tablet asks.
    app.issue("A").await;
    let (s, _) = app
        .counter(1, "call-next", json!({"previous": "served"}))
        .await;
    assert_eq!(s, 200);
    let token = next["token"].as_str().unwrap();
    let v: Value = app
        .get(&format!("/api/v1/tickets/{token}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "done");
    assert_eq!(rate(4).await.unwrap().status(), 201);
    // A service that started is served whatever is said.
    app.counter(1, "start", json!({})).await;
    let (s, _) = app
        .counter(1, "call-next", json!({"previous": "no_show"}))
        .await;
    assert_eq!(s, 204);
    let (s, body) = app
        .counter(1, "call-next", json!({"previous": "gone"}))
        .await;
    assert_eq!((s, &body["code"]), (422, &json!("invalid_body")), "{body}");

    let report: Value = app
        .get("/api/v1/centres/mo-cay/reports?from=2026-11-26&to=2026-11-26&format=json")
        .await
        .json()
        .await
        .unwrap();
    let rows = report["rows"].as_array().unwrap();
    let sum = |k: &str| rows.iter().map(|r| r[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!((sum("served"), sum("no_shows")), (2, 1), "{report}");
    app.stop().await;
}
