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
