//! Part of the province's one-stop system: dossier codes attached at the
//! counter (and their export with ratings), the evaluation link, outbound
//! webhooks (signed, retried, surviving a restart) and the live figures.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use jiff::ToSpan;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::*;

const CODE: &str = "000.00.21.H37-261126-0001";

async fn attach(app: &TestApp, client: &reqwest::Client, counter: u16, code: &str) -> (u16, Value) {
    let r = client
        .post(app.url(&format!(
            "/api/v1/centres/mo-cay/counters/{counter}/dossiers"
        )))
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn dossier_codes_attach_to_the_ticket_served_and_export_with_its_rating() {
    let app = spawn_app().await;
    let t = app.issue("A").await;
    let token = t["token"].as_str().unwrap();
    // Nothing at the counter yet.
    let (s, body) = attach(&app, &app.client, 1, CODE).await;
    assert_eq!((s, body["code"].as_str()), (409, Some("no_current_ticket")));
    assert_eq!(app.counter(1, "call-next", json!({})).await.0, 200);

    // Staff of another counter may not; the counter's own officer may.
    let quay2 = app.bearer(&app.login("quay2").await);
    assert_eq!(attach(&app, &quay2, 1, CODE).await.0, 403);
    let quay1 = app.bearer(&app.login("quay1").await);
    let (s, body) = attach(&app, &quay1, 1, &format!("  {CODE}\n")).await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["number"], t["number"]);
    assert_eq!(body["dossiers"], json!([CODE]));
    // A second scan of the same receipt changes nothing; a second dossier adds.
    assert_eq!(
        attach(&app, &quay1, 1, CODE).await.1["dossiers"],
        json!([CODE])
    );
    let (s, body) = attach(&app, &quay1, 1, "H37-TP-0002").await;
    assert_eq!(
        (s, body["dossiers"].clone()),
        (201, json!([CODE, "H37-TP-0002"]))
    );
    // Not a code: 422 with its own error code, nothing stored.
    for bad in ["ab", "mã hồ sơ", "x/y/z/w", ""] {
        let (s, body) = attach(&app, &quay1, 1, bad).await;
        assert_eq!(
            (s, body["code"].as_str()),
            (422, Some("invalid_dossier_code")),
            "{bad}"
        );
    }

    // The status page lists them; no evaluation link before the service ends
    // or without a template.
    let dossiers = |app: &TestApp| {
        let url = app.url(&format!("/api/v1/tickets/{token}/dossiers"));
        let anon = app.anon.clone();
        async move {
            anon.get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let d = dossiers(&app).await;
    assert_eq!(d["dossiers"], json!([CODE, "H37-TP-0002"]));
    assert_eq!(d["evaluation_url"], Value::Null);
    put_settings(&app, |c| {
        c["evaluation_url_template"] =
            json!("https://dichvucong.example.vn/danh-gia?ma={dossier_code}");
    })
    .await;
    assert_eq!(app.counter(1, "start", json!({})).await.0, 200);
    assert_eq!(app.counter(1, "complete", json!({})).await.0, 200);
    let d = dossiers(&app).await;
    assert_eq!(
        d["evaluation_url"],
        format!("https://dichvucong.example.vn/danh-gia?ma={CODE}")
    );
    let qr = app
        .anon
        .get(app.url(&format!("/api/v1/tickets/{token}/evaluation.svg")))
        .send()
        .await
        .unwrap();
    assert_eq!(qr.status(), 200);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    // The counter's rating tablet gets the same link with its QR code inline.
    let tablet = app.bearer(&app.rating_token);
    let evaluation = |k: u16| {
        tablet
            .get(app.url(&format!("/api/v1/centres/mo-cay/counters/{k}/evaluation")))
            .send()
    };
    let r = evaluation(1).await.unwrap();
    assert_eq!(r.status(), 200);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["number"], t["number"]);
    assert_eq!(e["dossiers"], json!([CODE, "H37-TP-0002"]));
    assert_eq!(e["evaluation_url"], d["evaluation_url"]);
    assert!(e["qr_svg"].as_str().unwrap().starts_with("<?xml"), "{e}");
    // Another counter's: not this tablet's (403); 15 minutes on, nothing (404).
    assert_eq!(evaluation(2).await.unwrap().status(), 403);
    app.set_now(working_morning() + jiff::SignedDuration::from_mins(16));
    assert_eq!(evaluation(1).await.unwrap().status(), 404);
    app.set_now(working_morning());
    // A bad template is refused by the settings check.
    let mut cfg: Value = app
        .get("/api/v1/admin/centres/mo-cay")
        .await
        .json()
        .await
        .unwrap();
    cfg["centre"]["evaluation_url_template"] = json!("https://example.vn/no-placeholder");
    let r = app
        .client
        .put(app.url("/api/v1/admin/centres/mo-cay/settings"))
        .json(&cfg["centre"])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    // Between citizens, a late scan goes to the ticket just finished.
    let (s, body) = attach(&app, &quay1, 1, "H37-TP-0003").await;
    assert_eq!((s, body["number"].clone()), (201, t["number"].clone()));

    // Rated, then exported per dossier with the rating.
    let r = app
        .anon
        .post(app.url(&format!("/api/v1/tickets/{token}/feedback")))
        .json(&json!({"rating": 5, "comment": "Nhanh, chu đáo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let path = "/api/v1/centres/mo-cay/reports/dossiers?from=2026-11-26&to=2026-11-26";
    let rows: Value = app.get(path).await.json().await.unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["dossier_code"], CODE);
    assert_eq!(rows[0]["ticket"], t["number"]);
    assert_eq!(rows[0]["service"], "A");
    // Called and served by the demo administrator (app.counter).
    assert_eq!(rows[0]["officer"], "admin");
    assert_eq!(rows[0]["rating"], 5);
    assert_eq!(rows[0]["comment"], "Nhanh, chu đáo");
    let csv = app
        .get(&format!("{path}&format=csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("\u{feff}Mã hồ sơ (Dossier code)"), "{csv}");
    assert!(
        csv.contains(&format!("{CODE},{}", t["number"].as_str().unwrap())),
        "{csv}"
    );
    assert!(csv.contains("Nhanh, chu đáo"));
    let xlsx = app.get(&format!("{path}&format=xlsx")).await;
    assert_eq!(xlsx.status(), 200);
    assert_eq!(&xlsx.bytes().await.unwrap()[..2], b"PK");
    // Anonymous readers of the ticket page are not given the comment or officer.
    let d = dossiers(&app).await;
    assert!(d.get("officer").is_none() && !d.to_string().contains("Nhanh"));
    app.stop().await;
}

/// A webhook receiver on loopback: records every request, answers 500 while
/// `failing` is above zero (counting down).
/// One request as received: event, delivery id, signature, body.
pub type Received = (String, String, String, String);

#[derive(Clone, Default)]
pub struct Receiver {
    pub got: Arc<Mutex<Vec<Received>>>,
    pub failing: Arc<Mutex<u32>>,
}

impl Receiver {
    pub async fn start(self) -> String {
        use axum::{body::Bytes, http::HeaderMap, http::StatusCode, routing::post, Router};
        let me = self.clone();
        let app = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| {
                let me = me.clone();
                async move {
                    let h = |n: &str| headers[n].to_str().unwrap().to_owned();
                    me.got.lock().unwrap().push((
                        h("x-luot-event"),
                        h("x-luot-delivery"),
                        h("x-luot-signature"),
                        String::from_utf8(body.to_vec()).unwrap(),
                    ));
                    let mut f = me.failing.lock().unwrap();
                    if *f > 0 {
                        *f -= 1;
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::NO_CONTENT
                    }
                }
            }),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await });
        url
    }

    pub fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.got().len() >= n {
                return self.got();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("waited for {n} requests, got {:?}", self.got());
    }
}

pub const SECRET: &str = "a shared secret of the province";

pub fn signed(sig: &str, body: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    sig == format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn register(app: &TestApp, url: &str, events: Value) -> i64 {
    let r = app
        .post(
            "/api/v1/admin/centres/mo-cay/webhooks",
            json!({"url": url, "events": events, "secret": SECRET}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn webhooks_deliver_signed_events_in_order_and_retry_a_failing_receiver() {
    let app = spawn_app().await;
    let rx = Receiver::default();
    let url = rx.clone().start().await;
    // Bad registrations.
    for (body, field) in [
        (
            json!({"url": "ftp://x/y", "events": ["ticket.called"], "secret": SECRET}),
            "url",
        ),
        (
            json!({"url": url, "events": ["ticket.exploded"], "secret": SECRET}),
            "events",
        ),
        (
            json!({"url": url, "events": [], "secret": SECRET}),
            "events",
        ),
        (
            json!({"url": url, "events": ["ticket.called"], "secret": "short"}),
            "secret",
        ),
    ] {
        let r = app
            .post("/api/v1/admin/centres/mo-cay/webhooks", body)
            .await;
        assert_eq!(r.status(), 422);
        let b: Value = r.json().await.unwrap();
        assert_eq!(
            (b["code"].as_str(), b["field"].as_str()),
            (Some("invalid_webhook"), Some(field))
        );
    }
    // Events before the hook existed are not sent.
    app.issue("B").await;
    let id = register(&app, &url, json!(["ticket.issued", "ticket.called"])).await;
    let (worker, _passes) = luot_server::webhooks::spawn(app.state.clone());

    let t = app.issue("A").await;
    assert_eq!(app.counter(1, "call-next", json!({})).await.0, 200);
    // A start is not subscribed to: it is skipped.
    assert_eq!(app.counter(1, "start", json!({})).await.0, 200);
    let got = rx.wait_for(2).await;
    let events: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
    assert_eq!(events, ["ticket.issued", "ticket.called"]);
    for (event, delivery, sig, body) in &got {
        assert!(signed(sig, body), "signature of {event}");
        let b: Value = serde_json::from_str(body).unwrap();
        assert_eq!(&b["event"], event);
        assert_eq!(&b["delivery"], delivery);
        assert_eq!(b["centre"], "mo-cay");
        assert_eq!(b["data"]["number"], t["number"]);
        assert!(
            !body.contains(t["token"].as_str().unwrap()),
            "no token in a payload"
        );
    }
    assert_ne!(got[0].1, got[1].1, "each delivery has its own id");

    // The receiver fails twice: the same delivery comes back until it is taken.
    *rx.failing.lock().unwrap() = 2;
    assert_eq!(app.counter(1, "complete", json!({})).await.0, 200);
    app.issue("A").await;
    let got = rx.wait_for(3).await;
    assert_eq!(got[2].0, "ticket.issued");
    for extra in 1..=2 {
        // Retries are spaced by the clock the server reads: move it past the backoff.
        let now = *app.now.lock().unwrap();
        app.set_now(now + 20.minutes());
        rx.wait_for(3 + extra).await;
    }
    let got = rx.got();
    assert_eq!(got.len(), 5, "{got:?}");
    assert!(
        got[2..].iter().all(|g| g.1 == got[2].1 && g.3 == got[2].3),
        "same id and body"
    );
    let hooks: Value = app
        .get("/api/v1/admin/centres/mo-cay/webhooks")
        .await
        .json()
        .await
        .unwrap();
    let last = &hooks[0]["deliveries"][0];
    assert_eq!(
        (last["status"].as_str(), last["attempts"].as_u64()),
        (Some("delivered"), Some(3))
    );
    assert_eq!(hooks[0]["id"], id);
    assert!(
        hooks[0].get("secret").is_none(),
        "the secret is never shown"
    );
    // Steady state: nothing more is sent.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.got().len(), 5);

    // Deleted: nothing more leaves for it.
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/admin/centres/mo-cay/webhooks/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    app.issue("A").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.got().len(), 5);
    worker.abort();
    app.stop().await;
}

#[tokio::test]
async fn a_pending_delivery_survives_a_restart() {
    let app = spawn_app().await;
    let rx = Receiver::default();
    let url = rx.clone().start().await;
    register(&app, &url, json!(["ticket.issued"])).await;
    *rx.failing.lock().unwrap() = 1;
    let (worker, _) = luot_server::webhooks::spawn(app.state.clone());
    let t = app.issue("A").await;
    rx.wait_for(1).await;
    worker.abort();
    let app = app.restart().await;
    let now = *app.now.lock().unwrap();
    app.set_now(now + 1.hours());
    let (worker, _) = luot_server::webhooks::spawn(app.state.clone());
    let got = rx.wait_for(2).await;
    assert_eq!(
        got[0].1, got[1].1,
        "the same delivery, sent again after the restart"
    );
    let b: Value = serde_json::from_str(&got[1].3).unwrap();
    assert_eq!(b["data"]["number"], t["number"]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.got().len(), 2, "delivered once it was taken");
    worker.abort();
    app.stop().await;
}

#[tokio::test]
async fn live_figures_show_waits_against_the_target_publicly() {
    let app = spawn_app().await;
    let first = app.issue("A").await;
    app.issue("A").await;
    let live = |app: &TestApp| {
        let (anon, url) = (
            app.anon.clone(),
            app.url("/api/v1/centres/mo-cay/stats/live"),
        );
        async move {
            anon.get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let service = |v: &Value| {
        v["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["service"] == "A")
            .unwrap()
            .clone()
    };
    let a = service(&live(&app).await);
    assert_eq!(
        (a["waiting"].as_u64(), a["target_wait_minutes"].as_u64()),
        (Some(2), Some(30))
    );
    assert_eq!(a["within_target_percent"], Value::Null, "no call yet");
    assert_eq!(a["over_target"], false);

    // The first is called at once: within target.
    let (_, called) = app.counter(1, "call-next", json!({})).await;
    assert_eq!(called["number"], first["number"]);
    // The second waits 45 minutes: over target now, and when called.
    app.set_now(working_morning() + 45.minutes());
    let v = live(&app).await;
    let a = service(&v);
    assert_eq!(a["within_target_percent"], 100.0);
    assert_eq!(a["longest_wait_minutes"], 45);
    assert_eq!(a["over_target"], true);
    let k1 = v["counters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["counter"] == 1)
        .unwrap();
    assert_eq!(k1["activity"], "serving");
    app.counter(1, "call-next", json!({})).await;
    let a = service(&live(&app).await);
    assert_eq!(
        (a["waiting"].as_u64(), a["within_target_percent"].as_f64()),
        (Some(0), Some(50.0))
    );
    assert_eq!(a["over_target"], false);
    // Public and free of personal data or tokens.
    let text = live(&app).await.to_string();
    assert!(!text.contains(first["token"].as_str().unwrap()));
    app.stop().await;
}

/// The outbound workers fold the events that arrive while they work into
/// their next round: 300 tickets issued at once (a few commits, 300 events)
/// cost a few rounds of the webhook worker, where a round per event read the
/// database 300 times beside the requests that made them; and a round goes on
/// while deliveries are due, so the backlog of 300 leaves at once, not one a
/// second.
#[tokio::test]
async fn a_burst_of_events_costs_a_few_outbound_passes() {
    let app = spawn_app().await;
    let rx = Receiver::default();
    let url = rx.clone().start().await;
    register(&app, &url, json!(["ticket.issued"])).await;
    let (worker, passes) = luot_server::webhooks::spawn(app.state.clone());
    let settled = |passes: tokio::sync::watch::Receiver<u64>| async move {
        loop {
            let n = *passes.borrow();
            tokio::time::sleep(Duration::from_millis(300)).await;
            if *passes.borrow() == n {
                return n;
            }
        }
    };
    let before = settled(passes.clone()).await;
    app.issue_burst("A", 300).await;
    // Every event is still delivered (a full pass runs again at once).
    let got = rx.wait_for(300).await;
    let ids: std::collections::HashSet<&str> = got.iter().map(|g| g.1.as_str()).collect();
    assert_eq!(ids.len(), 300, "each delivery once");
    let rounds = settled(passes).await - before;
    assert!(rounds < 60, "{rounds} rounds for 300 events");
    worker.abort();
    app.stop().await;
}
