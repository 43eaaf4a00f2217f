//! The real `luot --demo` process, black box, as a province's integrator meets
//! it: a webhook registered through the API receives signed `ticket.issued`
//! and `ticket.called` deliveries on a local listener within 5 s of the
//! actions; a dossier code attached at the counter appears on the ticket's
//! status; `/stats/live` answers per service, with no personal data.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::secrets::{credentials, start};

const CENTRE: &str = "mo-cay";
const SECRET: &str = "a secret shared with the province";
const DOSSIER: &str = "000.00.21.H37-261206-0042";

/// One delivery as the listener saw it, and when.
#[derive(Clone, Debug)]
struct Delivery {
    event: String,
    id: String,
    signature: String,
    body: String,
    at: Instant,
}

/// A webhook receiver on loopback that records every request.
async fn listener() -> (String, Arc<Mutex<Vec<Delivery>>>) {
    use axum::{body::Bytes, http::HeaderMap, http::StatusCode, routing::post, Router};
    let got: Arc<Mutex<Vec<Delivery>>> = Arc::default();
    let seen = got.clone();
    let app = Router::new().route(
        "/luot",
        post(move |headers: HeaderMap, body: Bytes| {
            let seen = seen.clone();
            async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                seen.lock().unwrap().push(Delivery {
                    event: h("x-luot-event"),
                    id: h("x-luot-delivery"),
                    signature: h("x-luot-signature"),
                    body: String::from_utf8_lossy(&body).into_owned(),
                    at: Instant::now(),
                });
                StatusCode::NO_CONTENT
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/luot", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await });
    (url, got)
}

/// Waits (up to 5 s after `since`) for a delivery of `event`.
async fn delivery(got: &Mutex<Vec<Delivery>>, event: &str, since: Instant) -> Delivery {
    loop {
        if let Some(d) = got.lock().unwrap().iter().find(|d| d.event == event) {
            return d.clone();
        }
        assert!(
            since.elapsed() < Duration::from_secs(5),
            "no {event} delivery within 5 s: {:?}",
            got.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn signed(sig: &str, body: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    sig == format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The demo's accounts (username -> password) and its kiosk's token, from
/// the private credentials file the first start writes.
fn demo_credentials(dir: &std::path::Path) -> (HashMap<String, String>, String) {
    let text = std::fs::read_to_string(dir.join("demo-credentials.txt")).unwrap();
    let found = credentials(&text);
    let kiosk = found
        .devices
        .into_iter()
        .find(|(what, _)| what.starts_with("kiosk "))
        .map(|(_, token)| token)
        .expect("a kiosk in the demo credentials");
    (found.accounts.into_iter().collect(), kiosk)
}

#[tokio::test]
async fn the_demo_sends_signed_webhooks_and_shows_dossiers_and_live_figures() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let demo = start(dir.path(), &client).await;
    let base = demo.base.clone();
    let (accounts, kiosk) = demo_credentials(dir.path());
    let login = |user: &str| {
        let (client, base) = (client.clone(), base.clone());
        let body = json!({"username": user, "password": accounts[user]});
        async move {
            let r = client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()["token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let admin = login("admin").await;
    let quay1 = login("quay1").await;

    // The administrator registers the province's listener.
    let (url, got) = listener().await;
    let r = client
        .post(format!("{base}/api/v1/admin/centres/{CENTRE}/webhooks"))
        .bearer_auth(&admin)
        .json(&json!({
            "url": url,
            "events": ["ticket.issued", "ticket.called", "dossier.attached"],
            "secret": SECRET,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    // The kiosk issues a ticket: ticket.issued reaches the listener in 5 s.
    let issued_at = Instant::now();
    let r = client
        .post(format!("{base}/api/v1/centres/{CENTRE}/tickets"))
        .bearer_auth(&kiosk)
        .json(&json!({"service": "A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let ticket: Value = r.json().await.unwrap();
    let token = ticket["token"].as_str().unwrap().to_owned();
    let issued = delivery(&got, "ticket.issued", issued_at).await;

    // Counter 1's officer calls next: ticket.called in 5 s.
    let called_at = Instant::now();
    let r = client
        .post(format!(
            "{base}/api/v1/centres/{CENTRE}/counters/1/call-next"
        ))
        .bearer_auth(&quay1)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let called = delivery(&got, "ticket.called", called_at).await;

    for d in [&issued, &called] {
        assert!(signed(&d.signature, &d.body), "signature of {d:?}");
        let b: Value = serde_json::from_str(&d.body).unwrap();
        assert_eq!(
            (b["event"].as_str(), b["centre"].as_str()),
            (Some(d.event.as_str()), Some(CENTRE))
        );
        assert_eq!(b["delivery"].as_str(), Some(d.id.as_str()));
        assert_eq!(b["data"]["number"], ticket["number"]);
        assert!(!d.body.contains(&token), "no ticket token in a payload");
    }
    assert_ne!(issued.id, called.id);
    assert!(issued.at <= called.at, "in order");

    // A scanned receipt's dossier code, at the counter serving the ticket.
    let r = client
        .post(format!(
            "{base}/api/v1/centres/{CENTRE}/counters/1/dossiers"
        ))
        .bearer_auth(&quay1)
        .json(&json!({"code": DOSSIER}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let attached = delivery(&got, "dossier.attached", Instant::now()).await;
    assert!(signed(&attached.signature, &attached.body));
    assert!(attached.body.contains(DOSSIER), "{}", attached.body);
    // ... appears on the ticket's status, for the citizen holding the ticket.
    let status: Value = client
        .get(format!("{base}/api/v1/tickets/{token}/dossiers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(status.to_string().contains(DOSSIER), "{status}");

    // The public live figures answer per service, with no personal data.
    let r = client
        .get(format!("{base}/api/v1/centres/{CENTRE}/stats/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let live: Value = r.json().await.unwrap();
    let services = live["services"].as_array().unwrap();
    let setup = luot_server::demo::setup().unwrap();
    let mut answered: Vec<&str> = services
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = setup.services.iter().map(|s| s.code.as_str()).collect();
    answered.sort_unstable();
    expected.sort_unstable();
    assert_eq!(answered, expected, "one row per service of the demo");
    let a = services.iter().find(|s| s["service"] == "A").unwrap();
    assert_eq!(a["waiting"], 0, "the one ticket was called: {a}");
    assert!(a.get("within_target_percent").is_some(), "{a}");
    let text = live.to_string();
    assert!(!text.contains(&token) && !text.contains(DOSSIER), "{text}");
    drop(demo);
}
