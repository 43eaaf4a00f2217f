//! `booking.created` and `booking.cancelled` webhooks: a booking's id,
//! service, slot and status for every hook; its code, name and phone only for
//! a hook the administrator allowed personal data.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::one_stop::{signed, Receiver, SECRET};

const PHONE: &str = "0912345678";

async fn hook(app: &TestApp, url: &str, personal: Option<bool>) -> i64 {
    let mut body = json!({"url": url, "events": ["booking.created", "booking.cancelled"],
        "secret": SECRET});
    if let Some(p) = personal {
        body["personal_data"] = json!(p);
    }
    let r = app
        .post("/api/v1/admin/centres/mo-cay/webhooks", body)
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// Waits until the worker has finished `n` more passes (every due delivery
/// attempted in each).
async fn passes(rx: &mut tokio::sync::watch::Receiver<u64>, n: u64) {
    let start = *rx.borrow_and_update();
    while *rx.borrow_and_update() < start + n {
        rx.changed().await.unwrap();
    }
}

#[tokio::test]
async fn booking_events_reach_hooks_with_personal_data_only_where_allowed() {
    let app = spawn_app().await;
    let plain = Receiver::default();
    let plain_url = plain.clone().start().await;
    let personal = Receiver::default();
    let personal_url = personal.clone().start().await;
    hook(&app, &plain_url, None).await;
    hook(&app, &personal_url, Some(true)).await;
    let hooks: Value = app
        .get("/api/v1/admin/centres/mo-cay/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            hooks[0]["personal_data"].as_bool(),
            hooks[1]["personal_data"].as_bool()
        ),
        (Some(false), Some(true))
    );
    let (worker, mut done) = luot_server::webhooks::spawn(app.state.clone());

    let r = app
        .post(
            "/api/v1/centres/mo-cay/appointments",
            json!({"service": "A", "slot_start": "2026-11-26T03:00:00Z",
                "name": "Trần Thị Bích Ngọc", "phone": PHONE, "consent": true,
                "consent_version": luot_domain::booking::CONSENT.version}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let code = r.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/appointments/{code}")))
        .header("x-phone", PHONE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let (p, q) = (plain.wait_for(2).await, personal.wait_for(2).await);
    for got in [&p, &q] {
        let events: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(events, ["booking.created", "booking.cancelled"]);
        for (_, delivery, sig, body) in got.iter() {
            assert!(signed(sig, body));
            let b: Value = serde_json::from_str(body).unwrap();
            assert_eq!(&b["delivery"], delivery);
            assert_eq!(b["data"]["service"], "A");
            assert_eq!(b["data"]["slot_start"], "2026-11-26T03:00:00Z");
        }
    }
    let data = |got: &[crate::one_stop::Received], i: usize| -> Value {
        serde_json::from_str::<Value>(&got[i].3).unwrap()["data"].clone()
    };
    // The same booking in both events, by its id; the status as it was sent.
    assert_eq!(data(&p, 0)["booking"], data(&p, 1)["booking"]);
    assert_eq!(data(&p, 1)["status"], "cancelled");
    // The plain hook is told nothing that names anyone.
    for (_, _, _, body) in &p {
        for personal in [PHONE, "Bích Ngọc", code.as_str()] {
            assert!(!body.contains(personal), "{personal} in {body}");
        }
    }
    // The hook allowed personal data gets the code, and the name and phone
    // unless the cancellation erased them before the delivery was built
    // (cancelling erases them at once: docs/privacy.md).
    let d = data(&q, 0);
    let person = (d["name"].as_str(), d["phone"].as_str());
    assert_eq!(d["code"].as_str(), Some(code.as_str()));
    assert!(
        person == (Some("Trần Thị Bích Ngọc"), Some(PHONE)) || person == (None, None),
        "{d}"
    );

    // Steady state: two more full passes send nothing again.
    passes(&mut done, 2).await;
    assert_eq!((plain.got().len(), personal.got().len()), (2, 2));
    // The sent bodies that held personal data are not kept.
    let kept = column(&app.db_url, "SELECT body FROM webhook_deliveries").await;
    assert!(
        kept.iter().flatten().all(|b| !b.contains(PHONE)),
        "a delivered personal body is emptied: {kept:?}"
    );
    worker.abort();
    app.stop().await;
}
