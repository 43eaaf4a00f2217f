//! A PostgreSQL outage, made by cutting a TCP proxy between the server and the
//! database: while it lasts every command and read answers 503 `unavailable`
//! quickly (never a hang, never a 500) and `/healthz` says `degraded`; after
//! it the server serves again by itself, says `ok`, publishes events again,
//! and every write it acknowledged is still there. (PostgreSQL only.)

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::*;
use crate::pg;

/// The longest a request may take while the database is away.
const QUICK: Duration = Duration::from_secs(5);

async fn healthz(app: &TestApp) -> (u16, String) {
    let r = app.get("/healthz").await;
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    (
        status,
        body["status"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Polls `/healthz` until it reports `want`; panics after `within`.
async fn wait_health(app: &TestApp, want: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let asked = Instant::now();
        let (_, status) = healthz(app).await;
        assert!(
            asked.elapsed() < QUICK,
            "/healthz took {:?}",
            asked.elapsed()
        );
        if status == want {
            return;
        }
        assert!(Instant::now() < deadline, "/healthz never said {want}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Posts and checks the outage contract: 2xx, or 503 `unavailable`, quickly.
async fn post_timed(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    post_within(app, path, body, QUICK).await
}

async fn post_within(app: &TestApp, path: &str, body: Value, within: Duration) -> (u16, Value) {
    let asked = Instant::now();
    // Tickets are issued as the demo kiosk: staff answers carry no ticket
    // token, and the tokens are what proves each acknowledged ticket is kept.
    let r = if path.ends_with("/tickets") {
        app.bearer(&app.kiosk_token)
            .post(app.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    } else {
        app.post(path, body).await
    };
    let status = r.status().as_u16();
    let body: Value = if status == 204 {
        Value::Null
    } else {
        r.json().await.unwrap()
    };
    assert!(
        status < 300 || (status == 503 && body["code"] == "unavailable"),
        "{path}: {status} {body}"
    );
    if status == 503 {
        assert!(
            asked.elapsed() < within,
            "{path}: 503 after {:?}",
            asked.elapsed()
        );
    }
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_rides_out_a_database_outage() {
    let Some(admin) = pg::admin_url("the outage test") else {
        return;
    };
    let db = pg::fresh_database(&admin).await;
    let proxy = pg::Proxy::start(&db).await;
    let app = Arc::new(spawn_app_on(&proxy.url(&db), tempfile::tempdir().unwrap()).await);
    let issue_path = "/api/v1/centres/mo-cay/tickets";
    let mut acknowledged = vec![app.issue("A").await["token"].as_str().unwrap().to_owned()];
    assert_eq!(healthz(&app).await, (200, "ok".into()));

    // Kiosks keep issuing through the outage; each 201 is an acknowledged write.
    let stop = Arc::new(AtomicBool::new(false));
    let kiosks: Vec<_> = ["B", "C", "D"]
        .into_iter()
        .map(|service| {
            let (app, stop) = (app.clone(), stop.clone());
            tokio::spawn(async move {
                let mut tokens = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let (status, body) =
                        post_timed(&app, issue_path, json!({ "service": service })).await;
                    if status == 201 {
                        tokens.push(body["token"].as_str().unwrap().to_owned());
                    }
                    // Pacing only: a kiosk does not retry in a tight loop.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                tokens
            })
        })
        .collect();

    proxy.cut();
    wait_health(&app, "degraded", Duration::from_secs(5)).await;
    assert_eq!(healthz(&app).await.0, 503);
    let (status, _) = post_timed(&app, issue_path, json!({ "service": "A" })).await;
    assert_eq!(status, 503, "issuing while the database is away");
    let (status, _) = post_timed(
        &app,
        "/api/v1/centres/mo-cay/counters/1/call-next",
        json!({}),
    )
    .await;
    assert_eq!(status, 503, "calling while the database is away");
    let asked = Instant::now();
    let r = app.get("/api/v1/centres/mo-cay/queue").await;
    assert_eq!(r.status(), 503, "reading while the database is away");
    assert!(asked.elapsed() < QUICK, "read took {:?}", asked.elapsed());

    proxy.restore();
    wait_health(&app, "ok", Duration::from_secs(20)).await;
    let mut events = app.state.store.subscribe();
    let after = app.issue("A").await;
    acknowledged.push(after["token"].as_str().unwrap().to_owned());
    // Events flow again: the new ticket is published.
    let number = after["number"].as_str().unwrap().to_owned();
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let e = events.recv().await.unwrap();
            if serde_json::to_value(&e).unwrap()["number"] == number.as_str() {
                break;
            }
        }
    })
    .await
    .expect("no event for a ticket issued after the outage");

    stop.store(true, Ordering::SeqCst);
    for k in kiosks {
        acknowledged.extend(k.await.unwrap());
    }
    for token in &acknowledged {
        let r = app.get(&format!("/api/v1/tickets/{token}")).await;
        assert_eq!(r.status(), 200, "an acknowledged ticket was lost");
    }
    Arc::into_inner(app).unwrap().stop().await;
}

/// A silent network (packets vanish, nothing is closed): requests still end
/// with 503 within the configured timeouts, `/healthz` says `degraded`, and the
/// server recovers once the network is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_network_does_not_hang_requests() {
    let Some(admin) = pg::admin_url("the silent-network test") else {
        return;
    };
    let db = pg::fresh_database(&admin).await;
    let proxy = pg::Proxy::start(&db).await;
    let options = luot_store::Options {
        acquire_timeout: Duration::from_secs(1),
        statement_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let app = spawn_app_with_options(&proxy.url(&db), tempfile::tempdir().unwrap(), options).await;
    let before = app.issue("A").await;

    proxy.silence();
    // Statement timeout + 2 s for the batch, then one connection attempt
    // (about 4 s), with room for a loaded machine.
    let (status, _) = post_within(
        &app,
        "/api/v1/centres/mo-cay/tickets",
        json!({ "service": "A" }),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(status, 503, "issuing into a silent network");
    wait_health(&app, "degraded", Duration::from_secs(5)).await;
    let asked = Instant::now();
    let r = app.get("/api/v1/centres/mo-cay/queue").await;
    assert_eq!(r.status(), 503, "reading from a silent network");
    assert!(asked.elapsed() < QUICK, "read took {:?}", asked.elapsed());

    proxy.restore();
    wait_health(&app, "ok", Duration::from_secs(20)).await;
    app.issue("A").await;
    let token = before["token"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/tickets/{token}")).await.status(),
        200
    );
    app.stop().await;
}
