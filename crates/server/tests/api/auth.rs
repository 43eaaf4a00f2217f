//! Sign-in, sessions, CSRF, login rate limits, devices and the basic audiences of
//! the queue routes.

use serde_json::{json, Value};

use crate::helpers::*;

const ISSUE: &str = "/api/v1/centres/mo-cay/tickets";

async fn status_code(r: reqwest::Response) -> (u16, Value) {
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn login_gives_a_token_and_cookies_and_me_says_who() {
    let app = spawn_app().await;
    let r = app
        .anon
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "quay2", "password": app.password("quay2")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let body: Value = r.json().await.unwrap();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("luot_session="))
        .unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"));
    assert!(session.contains("Path=/") && !session.contains("Secure"));
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("luot_csrf="))
        .unwrap();
    assert!(!csrf.contains("HttpOnly"));
    assert_eq!(body["staff"]["username"], "quay2");
    assert_eq!(body["staff"]["role"], "staff");
    assert_eq!(body["staff"]["counters"], json!([2]));

    let token = body["token"].as_str().unwrap();
    let me: Value = app
        .bearer(token)
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["type"].clone(), me["username"].clone()),
        (json!("staff"), json!("quay2"))
    );
    let cookie = format!("luot_session={token}");
    let me = app
        .anon
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let (s, b) = status_code(
        app.anon
            .get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, b["code"].clone()), (401, json!("unauthenticated")));
    let me: Value = app
        .bearer(&app.kiosk_token)
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["type"].clone(), me["kind"].clone()),
        (json!("device"), json!("kiosk"))
    );
    let me: Value = app
        .bearer(&app.rating_token)
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["kind"].clone(), me["centre"].clone()),
        (json!("rating"), json!("mo-cay"))
    );

    // Wrong password, unknown user: the same answer.
    for (u, p) in [("quay2", "wrong password"), ("nobody", "whatever1")] {
        let (s, b) = status_code(
            app.anon
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"username": u, "password": p}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((s, b["code"].clone()), (401, json!("invalid_credentials")));
    }
    // Logout ends the session.
    let r = app
        .bearer(token)
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = app
        .bearer(token)
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token_bearer_writes_do_not() {
    let app = spawn_app().await;
    app.issue("A").await;
    let r = app
        .anon
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "quay1", "password": app.password("quay1")}))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    let (token, csrf) = (
        body["token"].as_str().unwrap(),
        body["csrf_token"].as_str().unwrap(),
    );
    let call = app.url("/api/v1/centres/mo-cay/counters/1/call-next");
    let cookies = format!("luot_session={token}; luot_csrf={csrf}");
    // Another site can make the browser send cookies, but cannot read them.
    let (s, b) = status_code(
        app.anon
            .post(&call)
            .header("cookie", &cookies)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, b["code"].clone()), (403, json!("csrf_failed")));
    let (s, b) = status_code(
        app.anon
            .post(&call)
            .header("cookie", &cookies)
            .header("x-csrf-token", "guessed")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, b["code"].clone()), (403, json!("csrf_failed")));
    // Reads need no CSRF token.
    let r = app
        .anon
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (s, b) = status_code(
        app.anon
            .post(&call)
            .header("cookie", &cookies)
            .header("x-csrf-token", csrf)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, b["number"].clone()), (200, json!("A001")));
    // A bearer token is not sent by browsers on their own: no CSRF token needed.
    let r = app
        .bearer(token)
        .post(app.url("/api/v1/centres/mo-cay/counters/1/recall"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn failed_sign_ins_are_delayed_per_address_and_username() {
    let app = spawn_app().await;
    let attempt = || {
        app.anon
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": "quay3", "password": "guess guess"}))
            .send()
    };
    // Three failures are free; the fourth starts the delays.
    for _ in 0..4 {
        assert_eq!(attempt().await.unwrap().status(), 401);
    }
    let r = attempt().await.unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["code"], "rate_limited");
    // Even the right password waits, from this address.
    let r = app
        .anon
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "quay3", "password": app.password("quay3")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    // A wrong password for a real account is on record under that account.
    let log = app.state.store.audit_log(None, 20).await.unwrap();
    let failed = log
        .iter()
        .find(|e| e.action == "auth.login_failed")
        .unwrap();
    assert_eq!(failed.actor, "staff:quay3");
    assert_eq!(failed.details, json!({"reason": "wrong_password"}));
    app.stop().await;
}

#[tokio::test]
async fn sessions_end_after_30_idle_minutes_and_slide_with_use() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("luot.db").display());
    let app = spawn_app_with(&url, dir, |s| {
        s.auth = std::sync::Arc::new(luot_server::auth::AuthConfig {
            password_cost: luot_server::auth::passwords::Cost::Fast,
            ..Default::default()
        })
    })
    .await;
    let token = app.login("quay1").await;
    let me = |t: &str| app.bearer(t).get(app.url("/api/v1/auth/me")).send();
    let t0 = working_morning();
    let at = |m: i64| t0 + jiff::SignedDuration::from_mins(m);
    app.set_now(at(29));
    assert_eq!(me(&token).await.unwrap().status(), 200);
    // Used at 29 minutes, so alive at 58.
    app.set_now(at(58));
    assert_eq!(me(&token).await.unwrap().status(), 200);
    app.set_now(at(89));
    assert_eq!(me(&token).await.unwrap().status(), 401);
    // And it stays ended.
    app.set_now(at(90));
    assert_eq!(me(&token).await.unwrap().status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn devices_are_registered_by_admins_and_revoked_at_once() {
    let app = spawn_app().await;
    let (s, d) = status_code(
        app.client
            .post(app.url("/api/v1/devices"))
            .json(&json!({"kind": "display", "name": "Màn hình sảnh", "centre": "mo-cay"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{d}");
    let display = d["token"].as_str().unwrap().to_owned();
    let id = d["id"].as_i64().unwrap();
    // A display may not issue tickets.
    let (s, b) = status_code(
        app.bearer(&display)
            .post(app.url(ISSUE))
            .json(&json!({"service": "A"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, b["code"].clone()), (403, json!("forbidden")));
    // Staff cannot register devices; anonymous callers are told to sign in.
    let staff = app.login("quay1").await;
    let body = json!({"kind": "kiosk", "name": "x", "centre": "mo-cay"});
    let r = app
        .bearer(&staff)
        .post(app.url("/api/v1/devices"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .anon
        .post(app.url("/api/v1/devices"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Listing shows when each was last seen, never a token.
    let list: Value = app.get("/api/v1/devices").await.json().await.unwrap();
    let shown = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .unwrap();
    assert!(shown["last_seen"].is_string() && shown.get("token").is_none());
    assert!(!list.to_string().contains(&display));
    // Revoked: the token names nobody from now on.
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/devices/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .bearer(&display)
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .delete(app.url("/api/v1/devices/999"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn queue_routes_have_their_audiences() {
    let app = spawn_app().await;
    // Anonymous callers cannot issue where remote tickets are off (the demo).
    let (s, b) = status_code(
        app.anon
            .post(app.url(ISSUE))
            .json(&json!({"service": "A"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, b["code"].clone()), (401, json!("unauthenticated")));
    // Staff issue for someone at the counter: channel `counter`.
    let quay1 = app.bearer(&app.login("quay1").await);
    let t: Value = quay1
        .post(app.url(ISSUE))
        .json(&json!({"service": "A", "priority": "elderly"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t["channel"], "counter");
    // A kiosk issues with channel `kiosk`.
    assert_eq!(app.issue("A").await["channel"], "kiosk");
    // Counter actions: only staff allowed at that counter.
    let call = |n: u16| app.url(&format!("/api/v1/centres/mo-cay/counters/{n}/call-next"));
    assert_eq!(app.anon.post(call(1)).send().await.unwrap().status(), 401);
    assert_eq!(
        app.bearer(&app.kiosk_token)
            .post(call(1))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let (s, b) = status_code(quay1.post(call(2)).send().await.unwrap()).await;
    assert_eq!((s, b["code"].clone()), (403, json!("forbidden")));
    let (s, b) = status_code(quay1.post(call(1)).send().await.unwrap()).await;
    assert_eq!((s, b["number"].clone()), (200, json!("A001")));
    // The action is attributed and audited.
    let log = app.state.store.audit_log(None, 50).await.unwrap();
    let e = log
        .iter()
        .find(|e| e.action == "counter.call_next")
        .unwrap();
    assert_eq!(e.actor, "staff:quay1");
    assert_eq!(e.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(e.details["counter"], 1);
    assert_eq!(
        e.details["events"],
        json!([{"type": "ticket_called", "number": "A001"}])
    );
    assert!(log
        .iter()
        .any(|e| e.action == "auth.login" && e.actor == "staff:quay1"));
    // Public reads stay public.
    for p in [
        "/api/v1/centres",
        "/api/v1/centres/mo-cay/services",
        "/api/v1/centres/mo-cay/queue",
        "/healthz",
    ] {
        assert_eq!(
            app.anon.get(app.url(p)).send().await.unwrap().status(),
            200,
            "{p}"
        );
    }
    // A bearer token that names nobody is refused even on a public route's neighbour.
    let r = app
        .bearer("luots_nothing")
        .post(app.url(ISSUE))
        .json(&json!({"service": "A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    app.stop().await;
}

/// Behind a trusted reverse proxy each citizen keeps a login budget of their
/// own (keyed on the address in `X-Forwarded-For`), and the audit log records
/// that address; without `--trusted-proxy` the header is ignored, so a client
/// cannot dodge the limit by writing it.
#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    use luot_server::{auth::AuthConfig, ratelimit::RateLimiter};
    use std::time::Duration;

    for trusted in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("luot.db").display());
        let app = spawn_app_with(&url, dir, |s| {
            s.auth = std::sync::Arc::new(AuthConfig {
                password_cost: luot_server::auth::passwords::Cost::Fast,
                login_per_ip: RateLimiter::new(2, Duration::from_secs(600)),
                trusted_proxies: if trusted {
                    vec!["127.0.0.0/8".parse().unwrap()]
                } else {
                    Vec::new()
                },
                ..Default::default()
            });
        })
        .await;
        let attempt = |forwarded: &'static str| {
            app.anon
                .post(app.url("/api/v1/auth/login"))
                .header("x-forwarded-for", forwarded)
                .json(&json!({"username": "nobody", "password": "guess guess"}))
                .send()
        };
        let status = |r: reqwest::Response| r.status().as_u16();
        if trusted {
            assert_eq!(status(attempt("203.0.113.5").await.unwrap()), 401);
            // A left-hand entry is what the client wrote itself: it changes nothing.
            let forged = attempt("198.51.100.1, 203.0.113.5").await.unwrap();
            assert_eq!(status(forged), 401);
            assert_eq!(status(attempt("203.0.113.5").await.unwrap()), 429);
            // Another citizen behind the same proxy has a budget of their own.
            assert_eq!(status(attempt("203.0.113.6").await.unwrap()), 401);
        } else {
            // Every attempt claims another address, yet they share one budget
            // (the test's own sign-ins from 127.0.0.1 may already have used some).
            let claims = ["203.0.113.6", "203.0.113.7", "203.0.113.8"];
            let mut statuses = Vec::new();
            for c in claims {
                statuses.push(status(attempt(c).await.unwrap()));
            }
            assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
        }
        let log = app.state.store.audit_log(None, 10).await.unwrap();
        let failed = log
            .iter()
            .find(|e| e.action == "auth.login_failed")
            .unwrap();
        let expected = if trusted { "203.0.113.6" } else { "127.0.0.1" };
        assert_eq!(failed.ip.as_deref(), Some(expected), "trusted={trusted}");
        // The typed name matches no account: it is not written down.
        assert_eq!(failed.actor, "anonymous");
        assert_eq!(failed.details, json!({"reason": "unknown_account"}));
        assert!(!format!("{log:?}").contains("nobody"));
        app.stop().await;
    }
}
