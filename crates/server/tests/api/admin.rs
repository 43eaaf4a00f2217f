//! The administration API: changes take effect on the next request, bad input
//! gets a 4xx with a stable code, and the contract lists every route.

use serde_json::{json, Value};

use crate::helpers::*;

const BASE: &str = "/api/v1/admin/centres/mo-cay";

/// A request as the demo administrator.
pub async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut rb = app.client.request(method, app.url(path));
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn config(app: &TestApp) -> Value {
    let (s, v) = send(app, reqwest::Method::GET, BASE, None).await;
    assert_eq!(s, 200, "{v}");
    v
}

fn service<'a>(cfg: &'a Value, code: &str) -> &'a Value {
    cfg["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .unwrap()
}

#[tokio::test]
async fn changing_a_services_hours_shows_at_once() {
    let app = spawn_app().await;
    let cfg = config(&app).await;
    assert_eq!(cfg["centre"]["code"], "mo-cay");
    assert_eq!(cfg["services"].as_array().unwrap().len(), 6);
    // The demo centre accepts at any hour; enforce hours, then move A to the afternoon.
    let mut centre = cfg["centre"].clone();
    centre["enforce_hours"] = json!(true);
    let (s, v) = send(
        &app,
        reqwest::Method::PUT,
        &format!("{BASE}/settings"),
        Some(centre),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let mut a = service(&cfg, "A").clone();
    a["hours"] = json!({"sessions": [["13:30", "17:00"]], "working_days": ["mon", "tue", "wed", "thu", "fri"]});
    a["note"] = json!("Căn cước, giấy chứng sinh");
    let (s, v) = send(
        &app,
        reqwest::Method::PUT,
        &format!("{BASE}/services/A"),
        Some(a),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["sort"], 0);

    let services: Value = app
        .get("/api/v1/centres/mo-cay/services")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(services[0]["code"], "A");
    assert_eq!(services[0]["open_now"], false);
    assert_eq!(services[0]["accepting"], false);
    assert_eq!(services[0]["note"], "Căn cước, giấy chứng sinh");
    assert_eq!(services[1]["accepting"], true);
    let r = app
        .post("/api/v1/centres/mo-cay/tickets", json!({"service": "A"}))
        .await;
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "service_closed");
    // When it opens: today 13:30 local, in the body and in the message.
    assert_eq!(body["opens_at"], "2026-11-26T06:30:00Z", "{body}");
    assert_eq!(services[0]["opens_at"], "2026-11-26T06:30:00Z");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("13:30 ngày 26/11/2026"),
        "{body}"
    );
    app.stop().await;
}

/// `--always-open` (tests, demos): the same closed service issues anyway.
#[tokio::test]
async fn always_open_lifts_the_hours() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("luot.db").display());
    let app = spawn_app_with(&url, dir, |s| s.always_open = true).await;
    let cfg = config(&app).await;
    let mut centre = cfg["centre"].clone();
    centre["enforce_hours"] = json!(true);
    let (s, _) = send(
        &app,
        reqwest::Method::PUT,
        &format!("{BASE}/settings"),
        Some(centre),
    )
    .await;
    assert_eq!(s, 200);
    // Saturday: the centre keeps Mon-Fri hours.
    app.set_now(working_morning() + jiff::SignedDuration::from_hours(48));
    let services: Value = app
        .get("/api/v1/centres/mo-cay/services")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&services[0]["open_now"], &services[0]["accepting"]),
        (&json!(false), &json!(true))
    );
    assert!(services[0]["opens_at"].is_null());
    assert_eq!(app.issue("A").await["number"], "A001");
    app.stop().await;
}

#[tokio::test]
async fn counters_and_services_are_managed_live() {
    let app = spawn_app().await;
    use reqwest::Method as M;
    // A new service, then a new counter serving only it.
    let cfg = config(&app).await;
    let mut g = service(&cfg, "B").clone();
    g["code"] = json!("G");
    g["prefix"] = json!("G");
    g["name"] = json!("Lao động - Việc làm");
    g["name_en"] = json!("Labour and employment");
    g["sort"] = Value::Null;
    let (s, v) = send(&app, M::POST, &format!("{BASE}/services"), Some(g.clone())).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["sort"], 6);
    let (s, v) = send(&app, M::POST, &format!("{BASE}/services"), Some(g.clone())).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("service_code_taken")));
    let (s, v) = send(
        &app,
        M::POST,
        &format!("{BASE}/counters"),
        Some(json!({"number": 5, "name": "Quầy 5", "serves": ["G"], "state": "open"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    app.issue("A").await;
    let g1 = app.issue("G").await;
    assert_eq!(g1["number"], "G001");
    let (s, v) = app.counter(5, "call-next", json!({})).await;
    assert_eq!((s, v["number"].as_str()), (200, Some("G001")));
    // Counter 5 now serves A first: it calls A001.
    let (s, v) = send(
        &app,
        M::PUT,
        &format!("{BASE}/counters/5"),
        Some(json!({"number": 5, "name": "Quầy 5", "serves": ["A", "G"], "state": "open"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app.counter(5, "call-next", json!({})).await;
    assert_eq!((s, v["number"].as_str()), (200, Some("A001")));
    // Deleting what tickets refer to is refused; deactivating works.
    let (s, v) = send(&app, M::DELETE, &format!("{BASE}/services/G"), None).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("in_use")));
    let (s, v) = send(&app, M::DELETE, &format!("{BASE}/counters/5"), None).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("in_use")));
    g["active"] = json!(false);
    let (s, _) = send(&app, M::PUT, &format!("{BASE}/services/G"), Some(g)).await;
    assert_eq!(s, 200);
    let r = app
        .post("/api/v1/centres/mo-cay/tickets", json!({"service": "G"}))
        .await;
    assert_eq!(r.status(), 409);
    // Holidays.
    let (s, v) = send(
        &app,
        M::PUT,
        &format!("{BASE}/holidays/2027-03-15"),
        Some(json!({"name": "Tết"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = send(&app, M::GET, &format!("{BASE}/holidays"), None).await;
    // The demo seeds national holidays too.
    assert!(v
        .as_array()
        .unwrap()
        .contains(&json!({"date": "2027-03-15", "name": "Tết"})));
    let (s, _) = send(
        &app,
        M::DELETE,
        &format!("{BASE}/holidays/2027-03-15"),
        None,
    )
    .await;
    assert_eq!(s, 204);
    app.stop().await;
}

async fn expect(
    app: &TestApp,
    m: reqwest::Method,
    path: &str,
    body: Option<Value>,
    status: u16,
    code: &str,
) {
    let (s, v) = send(app, m, path, body).await;
    assert_eq!((s, v["code"].as_str()), (status, Some(code)), "{path}: {v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(v["message_en"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn bad_configuration_gets_a_stable_4xx() {
    let app = spawn_app().await;
    use reqwest::Method as M;
    let cfg = config(&app).await;
    let a = service(&cfg, "A").clone();
    let svc = format!("{BASE}/services/A");
    let with = |k: &str, v: Value| {
        let mut x = a.clone();
        x[k] = v;
        Some(x)
    };
    // Hours that end before they start, an hour that does not exist.
    expect(
        &app,
        M::PUT,
        &svc,
        with(
            "hours",
            json!({"sessions": [["17:00", "13:00"]], "working_days": ["mon"]}),
        ),
        422,
        "invalid",
    )
    .await;
    expect(
        &app,
        M::PUT,
        &svc,
        with(
            "hours",
            json!({"sessions": [["25:00", "26:00"]], "working_days": ["mon"]}),
        ),
        422,
        "invalid_body",
    )
    .await;
    expect(
        &app,
        M::PUT,
        &svc,
        with("name", json!("  ")),
        422,
        "invalid",
    )
    .await;
    expect(
        &app,
        M::PUT,
        &svc,
        with("prefix", json!("B")),
        409,
        "duplicate_prefix",
    )
    .await;
    expect(&app, M::PUT, &svc, with("code", json!("Z")), 422, "invalid").await;
    expect(
        &app,
        M::PUT,
        &format!("{BASE}/services/Z"),
        with("code", json!("Z")),
        404,
        "not_found",
    )
    .await;
    // Numbering changes once a ticket is out today.
    app.issue("A").await;
    expect(
        &app,
        M::PUT,
        &svc,
        with("start_number", json!(50)),
        409,
        "numbering_in_use",
    )
    .await;
    expect(
        &app,
        M::PUT,
        &svc,
        with("prefix", json!("Q")),
        409,
        "numbering_in_use",
    )
    .await;
    // Counters.
    expect(
        &app,
        M::PUT,
        &format!("{BASE}/counters/1"),
        Some(json!({"number": 1, "name": "Quầy 1", "serves": ["A", "ZZ"], "state": "open"})),
        422,
        "unknown_service",
    )
    .await;
    expect(
        &app,
        M::PUT,
        &format!("{BASE}/counters/1"),
        Some(json!({"number": 1, "name": "Quầy 1", "serves": ["A"], "state": "asleep"})),
        422,
        "invalid_body",
    )
    .await;
    expect(
        &app,
        M::POST,
        &format!("{BASE}/counters"),
        Some(json!({"number": 1, "name": "Quầy 1", "serves": [], "state": "open"})),
        409,
        "counter_number_taken",
    )
    .await;
    // Settings.
    let mut centre = cfg["centre"].clone();
    centre["announcement_vi"] = json!("Mời số {number}");
    expect(
        &app,
        M::PUT,
        &format!("{BASE}/settings"),
        Some(centre.clone()),
        422,
        "invalid",
    )
    .await;
    centre["announcement_vi"] = cfg["centre"]["announcement_vi"].clone();
    centre["timezone"] = json!("Mars/Olympus");
    expect(
        &app,
        M::PUT,
        &format!("{BASE}/settings"),
        Some(centre.clone()),
        422,
        "invalid",
    )
    .await;
    centre["timezone"] = json!("Asia/Bangkok");
    expect(
        &app,
        M::PUT,
        &format!("{BASE}/settings"),
        Some(centre.clone()),
        409,
        "numbering_in_use",
    )
    .await;
    centre["timezone"] = cfg["centre"]["timezone"].clone();
    centre["data_retention_days"] = json!(1);
    expect(
        &app,
        M::PUT,
        &format!("{BASE}/settings"),
        Some(centre),
        422,
        "invalid",
    )
    .await;
    // Holidays, logo.
    expect(
        &app,
        M::PUT,
        &format!("{BASE}/holidays/2027-02-30"),
        Some(json!({"name": "x"})),
        400,
        "invalid_date",
    )
    .await;
    expect(
        &app,
        M::PUT,
        &format!("{BASE}/holidays/2027-03-15"),
        Some(json!({"name": ""})),
        422,
        "invalid",
    )
    .await;
    expect(
        &app,
        M::DELETE,
        &format!("{BASE}/holidays/2027-03-15"),
        None,
        404,
        "not_found",
    )
    .await;
    let r = app
        .client
        .put(app.url(&format!("{BASE}/logo")))
        .header("content-type", "image/png")
        .body("GIF89a not a png")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let big = [
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x10\0\0\0\x01\0".as_slice(),
        &[0u8; 16],
    ]
    .concat();
    let r = app
        .client
        .put(app.url(&format!("{BASE}/logo")))
        .header("content-type", "image/png")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    app.stop().await;
}

/// A 1x1 PNG.
pub const TINY_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";

#[tokio::test]
async fn the_ticket_logo_round_trips() {
    let app = spawn_app().await;
    assert_eq!(app.get("/api/v1/centres/mo-cay/logo").await.status(), 404);
    let r = app
        .client
        .put(app.url(&format!("{BASE}/logo")))
        .header("content-type", "image/png")
        .body(TINY_PNG)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = app.get("/api/v1/centres/mo-cay/logo").await;
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), TINY_PNG);
    assert_eq!(config(&app).await["has_logo"], true);
    let (s, _) = send(&app, reqwest::Method::DELETE, &format!("{BASE}/logo"), None).await;
    assert_eq!(s, 204);
    assert_eq!(app.get("/api/v1/centres/mo-cay/logo").await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn every_admin_route_is_in_the_contract() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    for path in [
        "/api/v1/admin/centres/{centre}",
        "/api/v1/admin/centres/{centre}/settings",
        "/api/v1/admin/centres/{centre}/services",
        "/api/v1/admin/centres/{centre}/services/{service}",
        "/api/v1/admin/centres/{centre}/counters",
        "/api/v1/admin/centres/{centre}/counters/{counter}",
        "/api/v1/admin/centres/{centre}/holidays",
        "/api/v1/admin/centres/{centre}/holidays/{date}",
        "/api/v1/admin/centres/{centre}/logo",
        "/api/v1/centres/{centre}/logo",
        "/api/v1/centres/{centre}/reports",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn only_administrators_change_the_centre_and_it_is_audited() {
    let app = spawn_app().await;
    let cfg = config(&app).await;
    let a = service(&cfg, "A").clone();
    let path = app.url(&format!("{BASE}/services/A"));
    let r = app.anon.put(&path).json(&a).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let staff = app.bearer(&app.login("quay1").await);
    let r = staff.put(&path).json(&a).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = staff
        .get(app.url("/api/v1/centres/mo-cay/reports?from=2026-11-26&to=2026-11-26"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (s, _) = send(
        &app,
        reqwest::Method::PUT,
        &format!("{BASE}/services/A"),
        Some(a),
    )
    .await;
    assert_eq!(s, 200);
    let audit = app.get("/api/v1/audit").await.text().await.unwrap();
    assert!(audit.contains("admin.service.update"), "{audit}");
    assert!(audit.contains("staff:admin"), "{audit}");
    app.stop().await;
}

#[tokio::test]
async fn booking_settings_and_rules_are_edited_and_checked() {
    let app = spawn_app().await;
    let put = |path: &str, body: Value| {
        let path = format!("{BASE}{path}");
        let app = &app;
        async move { send(app, reqwest::Method::PUT, &path, Some(body)).await }
    };
    let settings = json!({"enabled": true, "slot_minutes": 20, "capacity": 3, "horizon_days": 14,
        "lead_minutes": 30, "bring_note": "CCCD, sổ hộ khẩu", "bring_note_en": "ID card, household book"});
    let (s, v) = put("/services/C/booking", settings.clone()).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = put(
        "/booking-rules",
        json!({"limits": {"per_day": 3, "per_service_per_day": 2},
            "check_in": {"before_minutes": 45, "after_minutes": 10}, "retention_days": 60}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let info: Value = app
        .get("/api/v1/centres/mo-cay/booking")
        .await
        .json()
        .await
        .unwrap();
    let c = info["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "C")
        .unwrap();
    assert_eq!(c["settings"], settings);
    assert_eq!(info["rules"]["limits"]["per_day"], 3);
    assert_eq!(info["rules"]["check_in"]["before_minutes"], 45);
    // The slots follow the new length.
    let slots: Value = app
        .get("/api/v1/centres/mo-cay/services/C/slots?date=2026-11-27")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(slots["slots"][0]["time"], "07:00");
    assert_eq!(slots["slots"][1]["time"], "07:20");

    // Out of range: 422 `invalid` naming the field, in both languages.
    let mut bad = settings.clone();
    bad["slot_minutes"] = json!(1);
    let (s, v) = put("/services/C/booking", bad).await;
    assert_eq!(
        (s, v["code"].as_str(), v["field"].as_str()),
        (422, Some("invalid"), Some("slot_minutes"))
    );
    assert!(
        !v["message"].as_str().unwrap().is_empty() && !v["message_en"].as_str().unwrap().is_empty()
    );
    let mut long = settings.clone();
    long["bring_note"] = json!("x".repeat(1001));
    let (s, v) = put("/services/C/booking", long).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("bring_note")));
    let (s, v) = put(
        "/booking-rules",
        json!({"limits": {"per_day": 1, "per_service_per_day": 2},
            "check_in": {"before_minutes": 30, "after_minutes": 15}, "retention_days": 30}),
    )
    .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("per_service_per_day")));
    let (s, _) = put("/services/Z/booking", settings).await;
    assert_eq!(s, 404);
    app.stop().await;
}

#[tokio::test]
async fn a_new_device_gets_a_pairing_link_and_qr_with_the_token_in_the_fragment() {
    let app = spawn_app().await;
    let (s, v) = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/devices",
        Some(json!({"kind": "rating", "name": "Máy đánh giá quầy 2", "centre": "mo-cay", "counter": 2})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let token = v["token"].as_str().unwrap();
    let url = v["pairing_url"].as_str().unwrap();
    // The fragment never reaches a server, so the token stays out of every log.
    assert!(url.ends_with(&format!("/pair#token={token}")), "{url}");
    assert!(!url.contains('?'));
    assert!(v["pairing_qr_svg"].as_str().unwrap().contains("<svg"));
    app.stop().await;
}

#[tokio::test]
async fn a_short_display_name_reaches_the_board() {
    let app = spawn_app().await;
    let cfg = config(&app).await;
    let mut e = service(&cfg, "E").clone();
    e["short_name"] = json!("Hộ kinh doanh");
    let (s, v) = send(
        &app,
        reqwest::Method::PUT,
        &format!("{BASE}/services/E"),
        Some(e.clone()),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let board: Value = app
        .get("/api/v1/centres/mo-cay/display")
        .await
        .json()
        .await
        .unwrap();
    let shown = board["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "E")
        .unwrap();
    assert_eq!(shown["short_name"], "Hộ kinh doanh");
    assert_eq!(shown["name"], "Đăng ký hộ kinh doanh");
    // Too long for a board line: 422 naming the field.
    e["short_name"] = json!("x".repeat(41));
    let (s, v) = send(
        &app,
        reqwest::Method::PUT,
        &format!("{BASE}/services/E"),
        Some(e),
    )
    .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("short_name")));
    app.stop().await;
}
