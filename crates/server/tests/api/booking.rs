//! Booking over HTTP: slots, book, look-up and cancel with the phone, consent,
//! slot full with the next free slots, rate limits, check-in windows, and
//! call-next serving a checked-in appointment before earlier walk-ins once its
//! slot has begun.

use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use crate::helpers::*;

/// 10:00 local on the helpers' working Thursday.
pub(crate) fn ten() -> Timestamp {
    "2026-11-26T03:00:00Z".parse().unwrap()
}

pub(crate) fn at(mins: i64) -> Timestamp {
    ten() + SignedDuration::from_mins(mins)
}

pub(crate) fn booking(service: &str, start: Timestamp, phone: &str) -> Value {
    json!({
        "service": service, "slot_start": start.to_string(), "name": "Trần Thị Bích Ngọc",
        "phone": phone, "consent": true, "consent_version": luot_domain::booking::CONSENT.version
    })
}

/// Service A's slots on the working Thursday.
async fn slots_a(app: &TestApp) -> Value {
    app.get("/api/v1/centres/mo-cay/services/A/slots?date=2026-11-26")
        .await
        .json()
        .await
        .unwrap()
}

pub(crate) async fn book(app: &TestApp, body: Value) -> (u16, Value) {
    let r = app.post("/api/v1/centres/mo-cay/appointments", body).await;
    (r.status().as_u16(), r.json().await.unwrap())
}

pub(crate) async fn with_phone(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    phone: Option<&str>,
) -> (u16, Value) {
    let mut req = app.client.request(method, app.url(path));
    if let Some(p) = phone {
        req = req.header("x-phone", p);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn book_look_up_and_cancel() {
    let app = spawn_app().await;
    let slots = slots_a(&app).await;
    let first = &slots["slots"][0];
    assert_eq!(
        (first["time"].as_str(), first["remaining"].as_u64()),
        (Some("10:00"), Some(2))
    );
    let sat: Value = app
        .get("/api/v1/centres/mo-cay/services/A/slots?date=2026-11-28")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sat["closed"], "not_a_working_day");
    let bad = app
        .get("/api/v1/centres/mo-cay/services/A/slots?date=26-11-2026")
        .await;
    assert_eq!(bad.status(), 400);

    let (status, a) = book(&app, booking("A", ten(), "+84 912 345 678")).await;
    assert_eq!(status, 201, "{a}");
    let code = a["code"].as_str().unwrap().to_owned();
    assert_eq!(a["phone"], "0912***678");
    assert!(a["bring_note"].as_str().unwrap().contains("CCCD"));
    let slots = slots_a(&app).await;
    assert_eq!(slots["slots"][0]["remaining"], 1);

    let path = format!("/api/v1/appointments/{code}");
    let (s, e) = with_phone(&app, reqwest::Method::GET, &path, None).await;
    assert_eq!((s, e["code"].as_str()), (400, Some("phone_required")));
    let (s, e) = with_phone(&app, reqwest::Method::GET, &path, Some("0987654321")).await;
    assert_eq!((s, e["code"].as_str()), (404, Some("not_found")));
    let (s, unknown) = with_phone(
        &app,
        reqwest::Method::GET,
        "/api/v1/appointments/ZZZZZZ",
        Some("0912345678"),
    )
    .await;
    assert_eq!(
        (s, &unknown),
        (404, &e),
        "a wrong phone looks exactly like an unknown code"
    );
    let (s, v) = with_phone(&app, reqwest::Method::GET, &path, Some("0912345678")).await;
    assert_eq!((s, v["name"].as_str()), (200, Some("Trần Thị Bích Ngọc")));
    let by_query = app.get(&format!("{path}?phone=0912345678")).await;
    assert_eq!(by_query.status(), 200);

    let ics = app
        .client
        .get(app.url(&format!("{path}/calendar.ics")))
        .header("x-phone", "0912345678")
        .send()
        .await
        .unwrap();
    assert!(ics.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let ics = ics.text().await.unwrap();
    assert!(ics.contains("DTSTART:20261126T030000Z"), "{ics}");
    assert!(!ics.contains("0912345678"));
    let qr = app.get(&format!("{path}/qr.svg")).await;
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().contains("<svg"));

    let (s, _) = with_phone(&app, reqwest::Method::DELETE, &path, Some("0987654321")).await;
    assert_eq!(s, 404);
    let (s, v) = with_phone(&app, reqwest::Method::DELETE, &path, Some("0912345678")).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("cancelled")));
    let slots = slots_a(&app).await;
    assert_eq!(slots["slots"][0]["remaining"], 2);
    app.stop().await;
}

#[tokio::test]
async fn consent_is_required_and_input_is_checked() {
    let app = spawn_app().await;
    let mut b = booking("A", ten(), "0912345678");
    b["consent"] = json!(false);
    let (s, e) = book(&app, b).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("consent_required")));
    let mut b = booking("A", ten(), "0912345678");
    b["consent_version"] = json!("2019-old");
    assert_eq!(book(&app, b).await.0, 422);
    let mut b = booking("A", ten(), "0912345678");
    b.as_object_mut().unwrap().remove("consent");
    assert_eq!(book(&app, b).await.0, 422);
    for (field, value) in [("phone", "12345"), ("name", "   "), ("id_number", "12ab")] {
        let mut b = booking("A", ten(), "0912345678");
        b[field] = json!(value);
        let (s, e) = book(&app, b).await;
        assert_eq!((s, e["code"].as_str()), (422, Some("invalid")), "{field}");
    }
    let (s, e) = book(&app, booking("A", at(7), "0912345678")).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("not_a_slot")));
    let (s, e) = book(&app, booking("A", at(-45), "0912345678")).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("too_soon")));
    app.stop().await;
}

#[tokio::test]
async fn a_full_slot_offers_the_next_free_ones_and_limits_apply() {
    let app = spawn_app().await;
    assert_eq!(book(&app, booking("A", ten(), "0911111111")).await.0, 201);
    assert_eq!(book(&app, booking("A", ten(), "0922222222")).await.0, 201);
    let (s, e) = book(&app, booking("A", ten(), "0933333333")).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("slot_full")));
    assert_eq!(e["next_slots"][0], at(15).to_string());
    assert_eq!(e["next_slots"].as_array().unwrap().len(), 3);
    let (s, e) = book(&app, booking("A", at(15), "0911111111")).await;
    assert_eq!(
        (s, e["code"].as_str(), e["per_service"].as_bool()),
        (409, Some("limit_reached"), Some(true))
    );
    app.stop().await;
}

#[tokio::test]
async fn abuse_gets_429_per_phone_and_per_ip() {
    let app = spawn_app().await;
    let path = "/api/v1/appointments/ZZZZZZ";
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(
            with_phone(&app, reqwest::Method::GET, path, Some("0912345678"))
                .await
                .0,
        );
    }
    assert_eq!(statuses, [404, 404, 404, 404, 404, 404, 429]);
    let r = app
        .client
        .get(app.url(path))
        .header("x-phone", "0912345678")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=100).contains(&retry), "{retry}");
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["code"], "rate_limited");
    // Another phone from the same IP still works, until the IP's budget is spent.
    let mut last = 0;
    for _ in 0..60 {
        last = app
            .get("/api/v1/centres/mo-cay/services/A/slots?date=2026-11-27")
            .await
            .status()
            .as_u16();
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429);
    app.stop().await;
}

#[tokio::test]
async fn check_in_windows_then_call_next_serves_the_appointment_first() {
    let app = spawn_app().await;
    let walk_in_1 = app.issue("A").await; // 09:00
    let walk_in_2 = app.issue("A").await;
    let (_, a) = book(&app, booking("A", ten(), "0912345678")).await;
    let (_, late) = book(&app, booking("A", ten(), "0987654321")).await;
    let check_in = |code: &str| format!("/api/v1/appointments/{}/check-in", code);
    let code = a["code"].as_str().unwrap();

    let r = app.post(&check_in(code), json!({})).await;
    assert_eq!(r.status(), 409);
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        (e["code"].as_str(), e["come_back_at"].as_str()),
        (Some("too_early"), Some(at(-30).to_string().as_str()))
    );

    app.set_now(at(-20));
    let r = app.post(&check_in(code), json!({})).await;
    assert_eq!(r.status(), 201);
    let out: Value = r.json().await.unwrap();
    assert_eq!(
        (
            out["ticket"]["channel"].as_str(),
            out["ticket"]["number"].as_str()
        ),
        (Some("appointment"), Some("A003"))
    );
    let kiosk = app.bearer(&app.kiosk_token);
    let again = kiosk.post(app.url(&check_in(code))).send().await.unwrap();
    assert_eq!(
        again.status(),
        200,
        "a second scan at the kiosk is harmless"
    );
    // Staff are told it was done already (counter_desk.rs has the details).
    assert_eq!(app.post(&check_in(code), json!({})).await.status(), 409);

    app.set_now(at(16));
    let r = app
        .post(&check_in(late["code"].as_str().unwrap()), json!({}))
        .await;
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        (e["code"].as_str(), e["walk_in"]["service"].as_str()),
        (Some("too_late"), Some("A"))
    );

    // Before the slot begins the walk-ins keep their turn...
    app.set_now(at(-10));
    let (_, called) = app.counter(1, "call-next", json!({})).await;
    assert_eq!(called["number"], walk_in_1["number"], "{called}");
    // ...once it has begun, the appointment goes before the earlier walk-in.
    app.set_now(at(1));
    let (_, called) = app.counter(1, "call-next", json!({})).await;
    assert_eq!(called["number"], "A003");
    let (_, called) = app.counter(1, "call-next", json!({})).await;
    assert_eq!(called["number"], walk_in_2["number"]);
    app.stop().await;
}

#[tokio::test]
async fn check_in_by_scanning_a_cccd() {
    let app = spawn_app().await;
    let mut b = booking("B", at(60), "0912345678");
    b["id_number"] = json!("051185004321");
    let (s, a) = book(&app, b).await;
    assert_eq!((s, a["id_number"].as_str()), (201, Some("********4321")));
    app.set_now(at(45));
    // Check-in is for kiosks and staff: anonymous callers are refused.
    let anon = app
        .anon
        .post(app.url(&format!(
            "/api/v1/appointments/{}/check-in",
            a["code"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    let scan = "051185004321||Trần Thị Bích Ngọc|23111985|Nữ|Thôn Phú Lộc, xã Mỏ Cày, tỉnh Quảng Ngãi|02032022\r\n";
    let r = app
        .post("/api/v1/centres/mo-cay/check-in", json!({ "scan": scan }))
        .await;
    assert_eq!(r.status(), 201);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["appointment"]["code"], a["code"]);
    // The booking QR (just the code) works through the same form: at a kiosk,
    // a second scan shows the number again.
    let r = app
        .bearer(&app.kiosk_token)
        .post(app.url("/api/v1/centres/mo-cay/check-in"))
        .json(&json!({ "scan": a["code"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let other = "001099012345|123456789|Nguyễn Văn An|01021960|Nam|Thôn 1|15082021";
    let r = app
        .post("/api/v1/centres/mo-cay/check-in", json!({ "scan": other }))
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .post(
            "/api/v1/centres/mo-cay/check-in",
            json!({ "scan": "hello|world" }),
        )
        .await;
    assert_eq!(r.status(), 422);
    app.stop().await;
}

/// Law 91/2025/QH15: the booking consent and the reminder consent are separate
/// (the second optional), both texts cite the law, the versions given are
/// stored and shown, and each is withdrawn on its own: reminders alone, then
/// the booking consent, which cancels a booking still to come and erases its
/// name and phone (the holder's phone no longer finds it).
#[tokio::test]
async fn consents_are_per_purpose_stored_and_withdrawable() {
    let app = spawn_app().await;
    let info: Value = app
        .get("/api/v1/centres/mo-cay/booking")
        .await
        .json()
        .await
        .unwrap();
    for c in [&info["consent"], &info["reminder_consent"]] {
        assert!(c["text"].as_str().unwrap().contains("91/2025/QH15"), "{c}");
        assert!(
            c["text_en"].as_str().unwrap().contains("91/2025/QH15"),
            "{c}"
        );
        assert!(!c["text"].as_str().unwrap().contains("13/2023"), "{c}");
    }
    assert_ne!(
        info["consent"]["version"],
        info["reminder_consent"]["version"]
    );
    let reminders = info["reminder_consent"]["version"].clone();
    // The reminder box also covers the ticket's turn notices after check-in.
    let r = &info["reminder_consent"];
    assert!(r["text"].as_str().unwrap().contains("sắp đến lượt"), "{r}");
    assert!(
        r["text_en"].as_str().unwrap().contains("turn is near"),
        "{r}"
    );

    // An out-of-date reminder text is refused like a missing consent, the
    // first one too (it named only the reminders).
    let mut b = booking("A", at(0), "0911000001");
    b["reminders"] = json!(true);
    for old in ["2019-old", "reminders-2026-12-v1"] {
        b["reminders_consent_version"] = json!(old);
        let (status, e) = book(&app, b.clone()).await;
        assert_eq!(
            (status, e["code"].as_str()),
            (422, Some("consent_required")),
            "{old}"
        );
    }

    b["reminders_consent_version"] = reminders.clone();
    let (status, a) = book(&app, b).await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(
        a["consent_version"],
        json!(luot_domain::booking::CONSENT.version)
    );
    assert_eq!(a["reminder_consent_version"], reminders);
    let (_, plain) = book(&app, booking("A", at(30), "0911000002")).await;
    assert_eq!(plain["reminder_consent_version"], Value::Null);

    let code = a["code"].as_str().unwrap();
    let withdraw = |purpose: &'static str, phone: &'static str| {
        let req = app
            .client
            .post(app.url(&format!("/api/v1/appointments/{code}/withdraw")))
            .header("x-phone", phone)
            .json(&json!({ "purpose": purpose }));
        async move {
            let r = req.send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    // Another phone learns nothing; an unknown purpose is a client error.
    assert_eq!(withdraw("reminders", "0911999999").await.0, 404);
    assert!((400..500).contains(&withdraw("marketing", "0911000001").await.0));

    let (status, v) = withdraw("reminders", "0911000001").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["reminder_consent_version"], Value::Null);
    assert_eq!(v["status"], json!("booked"));
    let path = format!("/api/v1/appointments/{code}");
    let (status, v) = with_phone(&app, reqwest::Method::GET, &path, Some("0911000001")).await;
    assert_eq!(
        (status, &v["reminder_consent_version"]),
        (200, &Value::Null)
    );

    let (status, v) = withdraw("booking", "0911000001").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], json!("cancelled"));
    assert_eq!(v["name"], json!(""));
    let (status, _) = with_phone(&app, reqwest::Method::GET, &path, Some("0911000001")).await;
    assert_eq!(status, 404);
    // The place is free again.
    let slots = slots_a(&app).await;
    assert_eq!(slots["slots"][0]["remaining"], json!(2));
    app.stop().await;
}
