//! "Your turn is near": a phone left on a ticket with its own consent; a
//! notice when the threshold of people ahead is reached and one when called,
//! each once, through a local fake of each notifier kind (signed webhook, SMS
//! gateway by GET and by POST, Zalo ZNS), retried after a receiver error,
//! surviving a restart; the phone deleted when the ticket ends.

use std::sync::{Arc, Mutex};

use jiff::ToSpan;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::one_stop::{signed, SECRET};

/// One request as a fake gateway saw it.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    method: String,
    uri: String,
    headers: axum::http::HeaderMap,
    pub(crate) body: String,
}

impl Seen {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map_or("", |v| v.to_str().unwrap_or(""))
    }
}

/// A fake gateway: records every request; answers an error while `failing`
/// counts down (500, or for Zalo 200 with `error: -124`).
#[derive(Clone, Default)]
pub(crate) struct Gateway {
    seen: Arc<Mutex<Vec<Seen>>>,
    failing: Arc<Mutex<u32>>,
    zalo: bool,
}

impl Gateway {
    pub(crate) async fn start(self) -> String {
        use axum::{body::Bytes, http::StatusCode, response::IntoResponse, Router};
        let me = self.clone();
        let app = Router::new().fallback(
            move |method: axum::http::Method,
                  uri: axum::http::Uri,
                  headers: axum::http::HeaderMap,
                  body: Bytes| {
                let me = me.clone();
                async move {
                    me.seen.lock().unwrap().push(Seen {
                        method: method.to_string(),
                        uri: uri.to_string(),
                        headers,
                        body: String::from_utf8(body.to_vec()).unwrap(),
                    });
                    let fail = {
                        let mut f = me.failing.lock().unwrap();
                        let fail = *f > 0;
                        *f = f.saturating_sub(1);
                        fail
                    };
                    match (me.zalo, fail) {
                        (true, false) => {
                            axum::Json(json!({"error": 0, "message": "Success"})).into_response()
                        }
                        (true, true) => {
                            axum::Json(json!({"error": -124, "message": "token expired"}))
                                .into_response()
                        }
                        (false, false) => StatusCode::OK.into_response(),
                        (false, true) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                    }
                }
            },
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await });
        url
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits for `n` requests, one worker pass at a time (no sleeps).
    pub(crate) async fn wait_for(
        &self,
        n: usize,
        passes: &mut tokio::sync::watch::Receiver<u64>,
    ) -> Vec<Seen> {
        for _ in 0..100 {
            if self.seen().len() >= n {
                return self.seen();
            }
            passes.changed().await.unwrap();
        }
        panic!("waited for {n} requests, got {:?}", self.seen());
    }
}

pub(crate) async fn set_notifier(app: &TestApp, body: Value) {
    let r = app
        .client
        .put(app.url("/api/v1/admin/centres/mo-cay/notifier"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
}

async fn leave_phone(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let r = app
        .anon
        .post(app.url(&format!("/api/v1/tickets/{token}/notice")))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

const PHONE: &str = "0912345678";

fn consent() -> Value {
    json!({"phone": PHONE, "consent": true,
        "consent_version": luot_server::routes::notices::CONSENT_VERSION})
}

/// Waits until the worker has finished `n` more passes.
pub(crate) async fn passes(rx: &mut tokio::sync::watch::Receiver<u64>, n: u64) {
    let start = *rx.borrow_and_update();
    while *rx.borrow_and_update() < start + n {
        rx.changed().await.unwrap();
    }
}

pub(crate) fn worker(
    app: &TestApp,
    zalo_url: Option<String>,
    token_file: Option<std::path::PathBuf>,
) -> (
    tokio::task::JoinHandle<()>,
    tokio::sync::watch::Receiver<u64>,
) {
    let mut opts = luot_server::notices::NoticeOptions::default();
    if let Some(u) = zalo_url {
        opts.zalo_url = u;
    }
    opts.zalo_token_file = token_file;
    luot_server::notices::spawn(app.state.clone(), opts)
}

#[tokio::test]
async fn a_signed_webhook_notice_when_near_and_when_called_each_once() {
    let app = spawn_app().await;
    let gw = Gateway::default();
    let url = gw.clone().start().await;
    let first = app.issue("A").await;
    app.issue("A").await;
    let mine = app.issue("A").await;
    let token = mine["token"].as_str().unwrap();

    // No notifier yet: nothing to register for.
    let (s, b) = leave_phone(&app, token, consent()).await;
    assert_eq!((s, b["code"].as_str()), (409, Some("notices_unavailable")));
    set_notifier(
        &app,
        json!({"kind": "webhook", "url": format!("{url}/notice"),
        "secret": SECRET, "ahead": 1}),
    )
    .await;
    // The consent is its own box, and must be ticked.
    let mut unticked = consent();
    unticked["consent"] = json!(false);
    let (s, b) = leave_phone(&app, token, unticked).await;
    assert_eq!((s, b["code"].as_str()), (422, Some("consent_required")));
    let mut bad = consent();
    bad["phone"] = json!("12345");
    assert_eq!(leave_phone(&app, token, bad).await.0, 422);
    let (s, b) = leave_phone(&app, token, consent()).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(
        (b["phone"].as_str(), b["ahead"].as_u64()),
        (Some("0912***678"), Some(1))
    );
    assert!(b["consent"]["vi"].as_str().unwrap().contains("xóa"));
    // The secret is not shown back.
    let n: Value = app
        .get("/api/v1/admin/centres/mo-cay/notifier")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (n["kind"].as_str(), n["secret"].as_str()),
        (Some("webhook"), Some(""))
    );

    let (task, mut done) = worker(&app, None, None);
    // Two ahead: not yet.
    passes(&mut done, 2).await;
    assert!(gw.seen().is_empty());
    // One ahead: "near", and the receiver fails once: the same notice again.
    *gw.failing.lock().unwrap() = 1;
    let (_, called) = app.counter(1, "call-next", json!({})).await;
    assert_eq!(called["number"], first["number"]);
    gw.wait_for(1, &mut done).await;
    let now = *app.now.lock().unwrap();
    app.set_now(now + 1.minutes());
    let seen = gw.wait_for(2, &mut done).await;
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.header("x-luot-event"), "notice.near");
        assert!(signed(s.header("x-luot-signature"), &s.body));
    }
    assert_eq!(seen[0].body, seen[1].body, "a retry sends the same notice");
    let b: Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        (b["number"].clone(), b["ahead"].as_u64()),
        (mine["number"].clone(), Some(1))
    );
    assert_eq!(b["phone"], PHONE);
    assert!(b["message"].as_str().unwrap().contains("còn 1 người"));

    // Nobody ahead: no second "near"; called: one "called" with the counter.
    app.counter(1, "complete", json!({})).await;
    app.counter(1, "call-next", json!({})).await;
    app.counter(1, "complete", json!({})).await;
    let (_, called) = app.counter(1, "call-next", json!({})).await;
    assert_eq!(called["number"], mine["number"]);
    let seen = gw.wait_for(3, &mut done).await;
    assert_eq!(seen[2].header("x-luot-event"), "notice.called");
    let b: Value = serde_json::from_str(&seen[2].body).unwrap();
    assert_eq!(b["counter"], 1);
    assert_ne!(
        seen[2].header("x-luot-delivery"),
        seen[0].header("x-luot-delivery")
    );
    // The ticket page shows what was sent.
    let v: Value = app
        .get(&format!("/api/v1/tickets/{token}/notice"))
        .await
        .json()
        .await
        .unwrap();
    let states: Vec<(&str, &str)> = v["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["threshold"].as_str().unwrap(),
                n["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(states, [("near", "sent"), ("called", "sent")]);

    // The ticket ends: the phone is gone from the database.
    assert_eq!(
        column(&app.db_url, "SELECT phone FROM notice_phones")
            .await
            .len(),
        1
    );
    app.counter(1, "start", json!({})).await;
    app.counter(1, "complete", json!({})).await;
    assert!(column(&app.db_url, "SELECT phone FROM notice_phones")
        .await
        .is_empty());
    let (s, b) = leave_phone(&app, token, consent()).await;
    assert_eq!((s, b["code"].as_str()), (409, Some("ticket_ended")));
    // Steady state: nothing more is sent.
    passes(&mut done, 2).await;
    assert_eq!(gw.seen().len(), 3);
    // The reports count them.
    let r: Value = app
        .get("/api/v1/centres/mo-cay/reports/notices?from=2026-11-26&to=2026-11-26")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r[0]["service"], "A");
    assert_eq!(
        (r[0]["threshold"].as_str(), r[0]["sent"].as_u64()),
        (Some("called"), Some(1))
    );
    assert_eq!(
        (r[1]["threshold"].as_str(), r[1]["sent"].as_u64()),
        (Some("near"), Some(1))
    );
    task.abort();
    app.stop().await;
}

#[tokio::test]
async fn sms_gateways_by_get_and_by_post_fill_their_templates() {
    let app = spawn_app().await;
    let gw = Gateway::default();
    let url = gw.clone().start().await;
    // GET: placeholders in the URL, percent-encoded.
    set_notifier(
        &app,
        json!({"kind": "sms_http", "method": "GET",
        "url": format!("{url}/send?to={{phone84}}&text={{message}}&ref={{delivery}}")}),
    )
    .await;
    app.issue("B").await;
    let mine = app.issue("B").await;
    let token = mine["token"].as_str().unwrap();
    assert_eq!(leave_phone(&app, token, consent()).await.0, 201);
    let (task, mut done) = worker(&app, None, None);
    let seen = gw.wait_for(1, &mut done).await;
    assert_eq!(seen[0].method, "GET");
    assert!(
        seen[0]
            .uri
            .starts_with("/send?to=84912345678&text=S%E1%BA%AFp%20"),
        "{}",
        seen[0].uri
    );
    // POST: a JSON body, values JSON-escaped.
    set_notifier(
        &app,
        json!({"kind": "sms_http", "method": "POST", "url": format!("{url}/sms"),
        "body_template": "{\"phone\":\"{phone}\",\"content\":\"{message}\"}"}),
    )
    .await;
    app.counter(2, "call-next", json!({})).await;
    app.counter(2, "complete", json!({})).await;
    let (_, called) = app.counter(2, "call-next", json!({})).await;
    assert_eq!(called["number"], mine["number"]);
    let seen = gw.wait_for(2, &mut done).await;
    assert_eq!(
        (seen[1].method.as_str(), seen[1].uri.as_str()),
        ("POST", "/sms")
    );
    let b: Value = serde_json::from_str(&seen[1].body).unwrap();
    assert_eq!(b["phone"], PHONE);
    assert!(b["content"]
        .as_str()
        .unwrap()
        .starts_with(&format!("Mời số {}", mine["number"].as_str().unwrap())));
    passes(&mut done, 2).await;
    assert_eq!(gw.seen().len(), 2);
    task.abort();
    app.stop().await;
}

#[tokio::test]
async fn zalo_zns_gets_the_84_phone_and_the_token_from_its_file_and_survives_a_restart() {
    let app = spawn_app().await;
    let gw = Gateway {
        zalo: true,
        ..Gateway::default()
    };
    let url = gw.clone().start().await;
    let token_file = app._dir.path().join("zalo-token");
    std::fs::write(&token_file, "oa-access-token-1\n").unwrap();
    set_notifier(&app, json!({"kind": "zalo_zns", "template_id": "231415"})).await;
    let mine = app.issue("A").await;
    let token = mine["token"].as_str().unwrap().to_owned();
    assert_eq!(leave_phone(&app, &token, consent()).await.0, 201);
    // Zalo refuses (200 with an error code): the notice stays pending.
    *gw.failing.lock().unwrap() = 1;
    let (task, mut done) = worker(
        &app,
        Some(format!("{url}/message/template")),
        Some(token_file.clone()),
    );
    let seen = gw.wait_for(1, &mut done).await;
    task.abort();
    assert_eq!(seen[0].header("access_token"), "oa-access-token-1");
    let b: Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        (b["phone"].as_str(), b["template_id"].as_str()),
        (Some("84912345678"), Some("231415"))
    );
    assert_eq!(b["template_data"]["number"], mine["number"]);
    assert_eq!(b["template_data"]["ahead"], "0");

    // Restarted, with a refreshed token: the same notice (same tracking id) goes out once.
    let app = app.restart().await;
    std::fs::write(&token_file, "oa-access-token-2").unwrap();
    let now = *app.now.lock().unwrap();
    app.set_now(now + 1.minutes());
    let (task, mut done) = worker(
        &app,
        Some(format!("{url}/message/template")),
        Some(token_file),
    );
    let seen = gw.wait_for(2, &mut done).await;
    assert_eq!(seen[1].header("access_token"), "oa-access-token-2");
    let again: Value = serde_json::from_str(&seen[1].body).unwrap();
    assert_eq!(again["tracking_id"], b["tracking_id"]);
    passes(&mut done, 2).await;
    assert_eq!(gw.seen().len(), 2, "sent once it was taken");
    let v: Value = app
        .get(&format!("/api/v1/tickets/{token}/notice"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["notices"][0]["status"], "sent");
    assert_eq!(v["notices"][0]["attempts"], 2);
    // Withdrawn: the phone is deleted.
    let r = app
        .anon
        .delete(app.url(&format!("/api/v1/tickets/{token}/notice")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(column(&app.db_url, "SELECT phone FROM notice_phones")
        .await
        .is_empty());
    task.abort();
    app.stop().await;
}

/// A phone enters the remote path only as a turn-notice phone: one phone is
/// left on at most 4 tickets an hour, however it is written and from wherever
/// the tickets came, so nobody can point many tickets' notices at one phone;
/// another phone is still taken.
#[tokio::test]
async fn one_phone_is_left_on_a_few_tickets_an_hour_at_most() {
    let app = spawn_app().await;
    let gw = Gateway::default();
    let url = gw.clone().start().await;
    set_notifier(
        &app,
        json!({"kind": "webhook", "url": url, "secret": SECRET}),
    )
    .await;
    let mut tokens = Vec::new();
    for _ in 0..5 {
        let t = app.issue("A").await;
        tokens.push(t["token"].as_str().unwrap().to_owned());
    }
    // The same number in both forms.
    for (i, token) in tokens[..4].iter().enumerate() {
        let mut body = consent();
        if i % 2 == 1 {
            body["phone"] = json!("+84 912 345 678");
        }
        let (s, b) = leave_phone(&app, token, body).await;
        assert_eq!(s, 201, "ticket {i}: {b}");
    }
    let (s, b) = leave_phone(&app, &tokens[4], consent()).await;
    assert_eq!((s, b["code"].as_str()), (429, Some("rate_limited")), "{b}");
    // The refused phone was not stored; another phone is taken.
    let v: Value = app
        .get(&format!("/api/v1/tickets/{}/notice", tokens[4]))
        .await
        .json()
        .await
        .unwrap();
    assert!(v["phone"].is_null(), "{v}");
    let mut other = consent();
    other["phone"] = json!("0987654321");
    let (s, b) = leave_phone(&app, &tokens[4], other).await;
    assert_eq!((s, b["phone"].as_str()), (201, Some("0987***321")), "{b}");
}

/// The kiosk's own box: the kiosk leaves the phone with its device token and
/// `source: kiosk`, and the phone is stored as given at the kiosk. Nobody else
/// may claim the kiosk as the source: not the public (401), not a staff
/// member or another device (403); the status page's own default still works.
#[tokio::test]
async fn only_a_kiosk_leaves_a_phone_as_the_kiosk() {
    let app = spawn_app().await;
    set_notifier(
        &app,
        json!({"kind": "webhook", "url": "http://127.0.0.1:9/notice", "secret": SECRET}),
    )
    .await;
    // Issued by the demo kiosk, with its device token.
    let ticket = app.issue("A").await;
    assert_eq!(ticket["channel"], "kiosk");
    let path = format!(
        "/api/v1/tickets/{}/notice",
        ticket["token"].as_str().unwrap()
    );
    let mut body = consent();
    body["source"] = json!("kiosk");
    let send = |client: reqwest::Client| {
        let (url, body) = (app.url(&path), body.clone());
        async move {
            let r = client.post(url).json(&body).send().await.unwrap();
            r.status().as_u16()
        }
    };
    assert_eq!(send(app.anon.clone()).await, 401);
    assert_eq!(send(app.client.clone()).await, 403, "staff");
    assert_eq!(
        send(app.bearer(&app.rating_token)).await,
        403,
        "a rating tablet"
    );
    assert!(column(&app.db_url, "SELECT source FROM notice_phones")
        .await
        .is_empty());
    assert_eq!(send(app.bearer(&app.kiosk_token)).await, 201);
    assert_eq!(
        column(&app.db_url, "SELECT source FROM notice_phones").await,
        [Some("kiosk".to_string())]
    );
    // Without `source`, anyone with the token: the status page's box.
    let mut page = consent();
    page["phone"] = json!("0987654321");
    let (s, _) = leave_phone(&app, ticket["token"].as_str().unwrap(), page).await;
    assert_eq!(s, 201);
    assert_eq!(
        column(&app.db_url, "SELECT source FROM notice_phones").await,
        [Some("status_page".to_string())]
    );
    app.stop().await;
}
