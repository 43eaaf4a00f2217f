//! Who may read and do what, beyond the audience of each route (the matrix):
//! an administrator reads the audit log of their own centre only.

use luot_store::auth::Role;
use serde_json::{json, Value};

use crate::helpers::*;

/// The whole audit log as `client` may read it, page by page.
async fn audit_as(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let mut all = Vec::new();
    let mut before = String::new();
    loop {
        let r = client
            .get(app.url(&format!("/api/v1/audit?limit=3{before}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let page: Value = r.json().await.unwrap();
        all.extend(page["entries"].as_array().unwrap().iter().cloned());
        match page["next_before"].as_i64() {
            Some(id) => before = format!("&before={id}"),
            None => return all,
        }
    }
}

fn centres(log: &[Value]) -> Vec<Value> {
    let mut c: Vec<Value> = log.iter().map(|e| e["centre"].clone()).collect();
    c.sort_by_key(|v| v.to_string());
    c.dedup();
    c
}

/// An administrator of Mỏ Cày reads Mỏ Cày's entries, one of Ba Tri Ba Tri's,
/// page after page; the administrator of every centre reads all, including
/// the entries filed under no centre. Failed sign-ins on an account are filed
/// under its centre.
#[tokio::test]
async fn an_administrator_reads_the_audit_log_of_their_centres_only() {
    let app = spawn_app().await;
    let ba_tri = app.second_centre().await;
    let mo_cay = luot_domain::CentreCode::parse("mo-cay").unwrap();
    let mo_cay_admin = app.account("boss", Role::Admin, Some(&mo_cay), None).await;
    let ba_tri_admin = app
        .account("batri.admin", Role::Admin, Some(&ba_tri), None)
        .await;
    // Something at each centre, and a sign-in that names nobody.
    assert_eq!(app.counter(1, "call-next", json!({})).await.0, 204);
    let wrong = |u: &str| {
        app.anon
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": u, "password": "not this one"}))
            .send()
    };
    assert_eq!(wrong("batri.admin").await.unwrap().status(), 401);
    assert_eq!(wrong("nobody.here").await.unwrap().status(), 401);

    let seen = audit_as(&app, &app.bearer(&mo_cay_admin)).await;
    assert_eq!(centres(&seen), [json!("mo-cay")], "{seen:?}");
    assert!(seen.iter().any(|e| e["action"] == "counter.call_next"));
    assert!(seen.iter().any(|e| e["actor"] == "staff:boss"));

    let seen = audit_as(&app, &app.bearer(&ba_tri_admin)).await;
    assert_eq!(centres(&seen), [json!("ba-tri")], "{seen:?}");
    let actions: Vec<_> = seen.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"auth.login"), "{actions:?}");
    assert!(actions.contains(&"auth.login_failed"), "{actions:?}");

    // The administrator of every centre sees everything.
    let all = audit_as(&app, &app.client).await;
    assert_eq!(
        centres(&all),
        [json!("ba-tri"), json!("mo-cay"), Value::Null],
        "{all:?}"
    );
    assert!(all
        .iter()
        .any(|e| e["action"] == "auth.login_failed" && e["centre"].is_null()));
    app.stop().await;
}

/// The fields of a ticket answer, failing on anything but 2xx.
fn ok(r: (u16, Value)) -> Value {
    assert!((200..300).contains(&r.0), "{r:?}");
    r.1
}

async fn act(
    app: &TestApp,
    staff: &reqwest::Client,
    counter: u16,
    action: &str,
    body: Value,
) -> (u16, Value) {
    let path = format!("/api/v1/centres/mo-cay/counters/{counter}/{action}");
    let r = staff.post(app.url(&path)).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Counter staff move their own counter's tickets only: a transfer sends the
/// ticket in progress, or a waiting one of the counter's own queue, to another
/// service or counter; another counter's ticket is never pulled (403
/// `other_counters_ticket`), nor is anything sent to the counter itself
/// (422). No staff answer carries a ticket's token; the kiosk still gets it.
#[tokio::test]
async fn counter_staff_send_their_own_tickets_and_never_see_tokens() {
    let app = spawn_app().await;
    let quay1 = app.bearer(&app.login("quay1").await); // counter 1: A, B
    let quay3 = app.bearer(&app.login("quay3").await); // counter 3: C, E
    let c001 = app.issue("C").await;
    assert!(c001["token"].is_string(), "the kiosk prints the QR: {c001}");
    app.issue("B").await;

    // C001 waits in counter 3's queue: counter 1 cannot take it.
    let pull = json!({"ticket": "C001", "service": "A"});
    let (s, e) = act(&app, &quay1, 1, "transfer", pull).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (403, Some("other_counters_ticket")),
        "{e}"
    );
    let to_me = json!({"ticket": "C001", "counter": 1});
    let (s, e) = act(&app, &quay1, 1, "transfer", to_me).await;
    assert_eq!(
        (s, e["code"].as_str(), e["field"].as_str()),
        (422, Some("invalid"), Some("counter"))
    );
    // B001 is in counter 1's queue (B): counter 1 sends it to counter 4.
    let send = json!({"ticket": "B001", "counter": 4});
    let t = ok(act(&app, &quay1, 1, "transfer", send).await);
    assert_eq!((t["number"].as_str(), t.get("token")), (Some("B001"), None));
    // Now it is counter 4's: neither counter 1 nor counter 2 (B) takes it back.
    let back = json!({"ticket": "B001", "service": "B"});
    let (s, _) = act(&app, &quay1, 1, "transfer", back.clone()).await;
    assert_eq!(s, 403);
    let quay2 = app.bearer(&app.login("quay2").await);
    assert_eq!(act(&app, &quay2, 2, "transfer", back).await.0, 403);

    // Counter 3 calls C001 and sends it to counter 1, which serves it.
    let t = ok(act(&app, &quay3, 3, "call-next", json!({})).await);
    assert_eq!((t["number"].as_str(), t.get("token")), (Some("C001"), None));
    let t = ok(act(&app, &quay3, 3, "transfer", json!({"counter": 1})).await);
    assert_eq!(
        (t["status"].as_str(), t.get("token")),
        (Some("transferred"), None)
    );
    let mut answers = Vec::new();
    for action in ["call-next", "recall", "start", "complete"] {
        let t = ok(act(&app, &quay1, 1, action, json!({})).await);
        assert_eq!(t["number"], "C001", "{action}: {t}");
        answers.push(t);
    }
    // A ticket issued by staff: the number, not the token.
    let r = quay1
        .post(app.url("/api/v1/centres/mo-cay/tickets"))
        .json(&json!({"service": "A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    answers.push(r.json().await.unwrap());
    let tokens = column(&app.db_url, "SELECT token FROM tickets").await;
    for a in &answers {
        assert!(a.get("token").is_none(), "{a}");
        for t in tokens.iter().flatten() {
            assert!(!a.to_string().contains(t.as_str()), "{a}");
        }
    }
    app.stop().await;
}

/// A CSRF token is bound to its session: quay2's token (cookie and header
/// alike) is refused with quay1's session cookie; quay1's own is accepted.
#[tokio::test]
async fn a_csrf_token_from_one_session_is_refused_with_another() {
    let app = spawn_app().await;
    app.issue("A").await;
    let sign_in = |user: &'static str| {
        let r = app
            .anon
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": user, "password": app.password(user)}))
            .send();
        async move {
            let b: Value = r.await.unwrap().json().await.unwrap();
            let token = b["token"].as_str().unwrap().to_owned();
            (token, b["csrf_token"].as_str().unwrap().to_owned())
        }
    };
    let (session_a, csrf_a) = sign_in("quay1").await;
    let (_, csrf_b) = sign_in("quay2").await;
    assert_ne!(csrf_a, csrf_b);
    let call = |csrf: &str| {
        app.anon
            .post(app.url("/api/v1/centres/mo-cay/counters/1/call-next"))
            .header(
                "cookie",
                format!("luot_session={session_a}; luot_csrf={csrf}"),
            )
            .header("x-csrf-token", csrf)
            .send()
    };
    let r = call(&csrf_b).await.unwrap();
    assert_eq!(r.status(), 403);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["code"], "csrf_failed");
    let r = call(&csrf_a).await.unwrap();
    assert_eq!(r.status(), 200);
    app.stop().await;
}

/// Registers a device as the demo administrator: status and body.
async fn register(app: &TestApp, body: Value) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/devices"))
        .json(&body)
        .send();
    let r = r.await.unwrap();
    (r.status().as_u16(), r.json::<Value>().await.unwrap())
}

/// A rating tablet is registered for one counter and rates there only: the
/// demo tablet (counter 1) is refused at counter 2 even with a ticket just
/// completed there; registering a tablet needs its counter (422 without, 404
/// for one the centre does not have), a kiosk takes none; a tablet of
/// counter 2 rates at counter 2 and says so in `/auth/me`.
#[tokio::test]
async fn a_rating_tablet_rates_at_its_own_counter_only() {
    let app = spawn_app().await;
    let rate = |token: &str, counter: u16| {
        app.bearer(token)
            .post(app.url(&format!(
                "/api/v1/centres/mo-cay/counters/{counter}/feedback"
            )))
            .json(&json!({"rating": 5}))
            .send()
    };
    for counter in [1, 2] {
        app.issue("B").await;
        ok(app.counter(counter, "call-next", json!({})).await);
        ok(app.counter(counter, "complete", json!({})).await);
    }
    let r = rate(&app.rating_token, 2).await.unwrap();
    assert_eq!(r.status(), 403);
    // Nor does it read another counter's evaluation.
    let evaluation = |counter: u16| {
        let path = format!("/api/v1/centres/mo-cay/counters/{counter}/evaluation");
        app.bearer(&app.rating_token).get(app.url(&path)).send()
    };
    assert_eq!(evaluation(2).await.unwrap().status(), 403);
    assert_ne!(evaluation(1).await.unwrap().status(), 403);
    assert_eq!(rate(&app.rating_token, 1).await.unwrap().status(), 201);

    let tablet = |counter: Value| json!({"kind": "rating", "name": "Máy đánh giá", "centre": "mo-cay", "counter": counter});
    let (s, e) = register(&app, tablet(Value::Null)).await;
    assert_eq!(
        (s, e["code"].as_str(), e["field"].as_str()),
        (422, Some("invalid"), Some("counter"))
    );
    assert_eq!(register(&app, tablet(json!(99))).await.0, 404);
    let kiosk = json!({"kind": "kiosk", "name": "Kiosk", "centre": "mo-cay", "counter": 1});
    assert_eq!(register(&app, kiosk).await.0, 422);
    let (s, d) = register(&app, tablet(json!(2))).await;
    assert_eq!((s, &d["device"]["counter"]), (201, &json!(2)), "{d}");
    let token = d["token"].as_str().unwrap();
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
        (me["kind"].as_str(), &me["counter"]),
        (Some("rating"), &json!(2)),
        "{me}"
    );
    assert_eq!(rate(token, 1).await.unwrap().status(), 403);
    assert_eq!(rate(token, 2).await.unwrap().status(), 201);
    app.stop().await;
}
