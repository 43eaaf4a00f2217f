//! Staff accounts over HTTP (`/api/v1/admin/staff`): what an administrator does
//! shows at the door at once: a new account signs in and is held to its
//! counters, a new password ends the old sessions, a deactivated account is
//! refused; bad input gets a stable code; an administrator cannot lock out
//! themselves or the last administrator.

use reqwest::Method as M;
use serde_json::{json, Value};

use crate::admin::send;
use crate::helpers::*;

const STAFF: &str = "/api/v1/admin/staff";

/// Signs in over HTTP: the session token, or the refusal's status.
async fn login(app: &TestApp, username: &str, password: &str) -> Result<String, u16> {
    let r = app
        .anon
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    match r.status().as_u16() {
        200 => Ok(r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()),
        s => Err(s),
    }
}

/// The status of `GET /api/v1/auth/me` with a session token.
async fn me(app: &TestApp, token: &str) -> u16 {
    let r = app.bearer(token).get(app.url("/api/v1/auth/me")).send();
    r.await.unwrap().status().as_u16()
}

/// `call-next` at a demo counter as `token`.
async fn call_next(app: &TestApp, token: &str, counter: u16) -> u16 {
    let path = format!("/api/v1/centres/mo-cay/counters/{counter}/call-next");
    let r = app.bearer(token).post(app.url(&path)).send();
    r.await.unwrap().status().as_u16()
}

fn lan(password: &str) -> Value {
    json!({"username": "lan.tran", "display_name": "Trần Thị Lan", "role": "staff",
        "centre": "mo-cay", "counters": [2], "active": true, "password": password})
}

#[tokio::test]
async fn an_account_signs_in_keeps_to_its_counters_and_is_shut_out_when_deactivated() {
    let app = spawn_app().await;
    let (s, v) = send(&app, M::POST, STAFF, Some(lan("mật khẩu đầu tiên"))).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["counters"], json!([2]));
    assert!(v.get("password").is_none() && v.get("password_hash").is_none());
    let (s, list) = send(&app, M::GET, STAFF, None).await;
    assert_eq!(s, 200);
    let text = list.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("password"),
        "{text}"
    );
    let names: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].clone())
        .collect();
    assert_eq!(
        names,
        ["admin", "lan.tran", "quay1", "quay2", "quay3", "quay4"]
    );

    // The new account signs in and may use counter 2 only.
    let first = login(&app, "lan.tran", "mật khẩu đầu tiên").await.unwrap();
    app.issue("A").await;
    assert_eq!(call_next(&app, &first, 1).await, 403);
    assert_eq!(call_next(&app, &first, 2).await, 200);

    // A new password: the old session and the old password stop working.
    let path = format!("{STAFF}/lan.tran");
    let (s, v) = send(
        &app,
        M::PUT,
        &path,
        Some(json!({"password": "mật khẩu thứ hai"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(me(&app, &first).await, 401);
    assert_eq!(login(&app, "lan.tran", "mật khẩu đầu tiên").await, Err(401));
    let second = login(&app, "lan.tran", "mật khẩu thứ hai").await.unwrap();
    assert_eq!(me(&app, &second).await, 200);

    // New counters apply to the open session at once.
    let (s, _) = send(&app, M::PUT, &path, Some(json!({"counters": [1, 3, 1]}))).await;
    assert_eq!(s, 200);
    assert_eq!(call_next(&app, &second, 2).await, 403);
    assert_ne!(call_next(&app, &second, 3).await, 403);

    // Deleting deactivates: the session ends, sign-in is refused, the
    // username stays taken, and reactivating lets the person back in.
    let (s, v) = send(&app, M::DELETE, &path, None).await;
    assert_eq!((s, v["active"].clone()), (200, json!(false)), "{v}");
    assert_eq!(me(&app, &second).await, 401);
    assert_eq!(login(&app, "lan.tran", "mật khẩu thứ hai").await, Err(401));
    let (s, v) = send(&app, M::POST, STAFF, Some(lan("mật khẩu thứ ba"))).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("username_taken")));
    let (s, _) = send(&app, M::PUT, &path, Some(json!({"active": true}))).await;
    assert_eq!(s, 200);
    assert!(login(&app, "lan.tran", "mật khẩu thứ hai").await.is_ok());

    // Every change is audited, never with a password.
    let (_, log) = send(&app, M::GET, "/api/v1/audit?limit=50", None).await;
    let staff: Vec<_> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("admin.staff."))
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["details"]["changed"].clone(),
            )
        })
        .collect();
    assert_eq!(
        staff,
        [
            ("admin.staff.update", json!(["activated"])),
            ("admin.staff.delete", Value::Null),
            ("admin.staff.update", json!(["counters"])),
            ("admin.staff.update", json!(["password"])),
            ("admin.staff.create", Value::Null),
        ]
    );
    assert!(!log.to_string().contains("mật khẩu"), "{log}");
    app.stop().await;
}

#[tokio::test]
async fn bad_input_gets_a_stable_code() {
    let app = spawn_app().await;
    let with = |k: &str, v: Value| {
        let mut b = lan("mật khẩu đủ dài");
        b[k] = v;
        Some(b)
    };
    let cases = [
        (with("username", json!("Lan Tran")), 422, "invalid_username"),
        (
            with("display_name", json!("  ")),
            422,
            "invalid_display_name",
        ),
        (with("role", json!("boss")), 422, "invalid_role"),
        (with("password", json!("ngắn")), 422, "weak_password"),
        (with("centre", json!("khong-co")), 422, "unknown_centre"),
        (with("centre", Value::Null), 422, "counters_need_centre"),
        (with("counters", json!([2, 9])), 422, "unknown_counter"),
        (with("counters", json!([])), 422, "invalid_counters"),
        (with("counters", json!("1, 2")), 422, "invalid_body"),
        (with("username", json!("quay1")), 409, "username_taken"),
    ];
    for (body, status, code) in cases {
        let (s, v) = send(&app, M::POST, STAFF, body.clone()).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (status, Some(code)),
            "{body:?}: {v}"
        );
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(v["message_en"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (_, v) = send(&app, M::POST, STAFF, with("counters", json!([2, 9]))).await;
    assert_eq!(v["counters"], json!([9]));
    // Nothing was created by any of them.
    let (_, list) = send(&app, M::GET, STAFF, None).await;
    assert_eq!(list.as_array().unwrap().len(), 5);

    let quay1 = format!("{STAFF}/quay1");
    for (body, status, code) in [
        (json!({"username": "quay9"}), 422, "username_immutable"),
        (json!({"counters": [7]}), 422, "unknown_counter"),
        (json!({"password": "ngắn"}), 422, "weak_password"),
        (json!({"centre": "khong-co"}), 422, "unknown_centre"),
    ] {
        let (s, v) = send(&app, M::PUT, &quay1, Some(body.clone())).await;
        assert_eq!((s, v["code"].as_str()), (status, Some(code)), "{body}: {v}");
    }
    // An administrator's counters are every counter: a list is not kept.
    let (s, v) = send(&app, M::PUT, &quay1, Some(json!({"role": "admin"}))).await;
    assert_eq!((s, v["counters"].clone()), (200, Value::Null), "{v}");
    for path in [format!("{STAFF}/nobody"), format!("{STAFF}/Not%20A%20Name")] {
        let (s, v) = send(&app, M::PUT, &path, Some(json!({}))).await;
        assert_eq!((s, v["code"].as_str()), (404, Some("not_found")), "{path}");
        let (s, _) = send(&app, M::DELETE, &path, None).await;
        assert_eq!(s, 404, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn nobody_locks_out_themselves_or_the_last_administrator() {
    let app = spawn_app().await;
    let own = format!("{STAFF}/admin");
    for body in [
        json!({"active": false}),
        json!({"role": "staff"}),
        json!({"centre": "mo-cay"}),
    ] {
        let (s, v) = send(&app, M::PUT, &own, Some(body.clone())).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("own_account")),
            "{body}"
        );
    }
    let (s, v) = send(&app, M::DELETE, &own, None).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("own_account")));
    // Renaming oneself is fine.
    let (s, _) = send(
        &app,
        M::PUT,
        &own,
        Some(json!({"display_name": "Quản trị"})),
    )
    .await;
    assert_eq!(s, 200);

    // Two deployment-wide administrators remove each other at the same moment:
    // one wins, and the other is refused, so an administrator remains.
    let mut hoa = lan("mật khẩu của Hòa");
    hoa["username"] = json!("hoa");
    hoa["role"] = json!("admin");
    hoa["centre"] = Value::Null;
    let (s, v) = send(&app, M::POST, STAFF, Some(hoa)).await;
    assert_eq!(s, 201, "{v}");
    let hoa = app.bearer(&login(&app, "hoa", "mật khẩu của Hòa").await.unwrap());
    let (a, b) = tokio::join!(
        app.client.delete(app.url(&format!("{STAFF}/hoa"))).send(),
        hoa.delete(app.url(&own)).send(),
    );
    let mut statuses = Vec::new();
    for r in [a.unwrap(), b.unwrap()] {
        let s = r.status().as_u16();
        let v: Value = r.json().await.unwrap();
        statuses.push((s, v["code"].as_str().map(str::to_owned)));
    }
    statuses.sort();
    // The loser is refused by the store (`last_admin`), or already signed out.
    let loser = &statuses[1];
    assert_eq!(statuses[0].0, 200, "{statuses:?}");
    assert!(
        *loser == (409, Some("last_admin".into()))
            || *loser == (401, Some("unauthenticated".into())),
        "{statuses:?}"
    );
    let accounts = app.state.store.accounts().await.unwrap();
    let admins = accounts
        .iter()
        .filter(|a| a.active && a.role == luot_store::auth::Role::Admin);
    assert_eq!(admins.count(), 1, "{accounts:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_centre_administrator_manages_only_its_centre() {
    let app = spawn_app().await;
    let mut boss = lan("mật khẩu trưởng bộ phận");
    boss["username"] = json!("boss");
    boss["role"] = json!("admin");
    let (s, v) = send(&app, M::POST, STAFF, Some(boss)).await;
    assert_eq!(
        (s, v["centre"].clone(), v["counters"].clone()),
        (201, json!("mo-cay"), Value::Null)
    );
    let boss = app.bearer(
        &login(&app, "boss", "mật khẩu trưởng bộ phận")
            .await
            .unwrap(),
    );
    let list: Value = boss
        .get(app.url(STAFF))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].clone())
        .collect();
    // `admin` belongs to every centre: not this administrator's to manage.
    assert_eq!(names, ["boss", "quay1", "quay2", "quay3", "quay4"]);
    let r = boss
        .delete(app.url(&format!("{STAFF}/admin")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let mut everywhere = lan("mật khẩu đủ dài");
    everywhere["centre"] = Value::Null;
    everywhere["counters"] = Value::Null;
    let r = boss
        .post(app.url(STAFF))
        .json(&everywhere)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = boss
        .delete(app.url(&format!("{STAFF}/quay4")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.stop().await;
}
