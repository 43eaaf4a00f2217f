//! The counter console's booking side over HTTP: staff check a booking in (by
//! code, by CCCD QR), once (a second time is 409 `already_checked_in`), only at
//! their centre, audited without personal data; the staff view of the queue
//! names the citizen behind an appointment ticket, and no public reply does.

use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use crate::events::{connect, next_json};
use crate::helpers::*;

const NAME: &str = "Trần Thị Bích Ngọc";
const OTHER_NAME: &str = "Lê Hoàng Đức";
const CCCD: &str = "051185004321||Trần Thị Bích Ngọc|23111985|Nữ|Thôn Phú Lộc|02032022";

/// 10:00 local on the helpers' working Thursday.
fn ten() -> Timestamp {
    "2026-11-26T03:00:00Z".parse().unwrap()
}

fn at(mins: i64) -> Timestamp {
    ten() + SignedDuration::from_mins(mins)
}

/// Books `service` at `start` for `name`; returns the booking code.
async fn book(app: &TestApp, service: &str, start: Timestamp, name: &str, phone: &str) -> String {
    let mut body = json!({
        "service": service, "slot_start": start.to_string(), "name": name,
        "phone": phone, "consent": true
    });
    if name == NAME {
        body["id_number"] = json!("051185004321");
    }
    let r = app.post("/api/v1/centres/mo-cay/appointments", body).await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A staff member of another centre (`ba-tri`, a copy of the demo centre),
/// signed in; returns the bearer token.
async fn other_centre_staff(app: &TestApp) -> String {
    let centre = app.second_centre().await;
    app.account("batri1", luot_store::auth::Role::Staff, Some(&centre), None)
        .await
}

#[tokio::test]
async fn staff_check_in_a_booking_once_at_their_centre() {
    let app = spawn_app().await;
    let code = book(&app, "A", ten(), NAME, "0912345678").await;
    let other = book(&app, "B", ten(), OTHER_NAME, "0987654321").await;
    app.set_now(at(-20));
    let quay1 = app.bearer(&app.login("quay1").await);
    let quay2 = app.bearer(&app.login("quay2").await);
    let batri = app.bearer(&other_centre_staff(&app).await);
    let by_scan = app.url("/api/v1/centres/mo-cay/check-in");
    let by_code = |c: &str| app.url(&format!("/api/v1/appointments/{c}/check-in"));

    // Nobody signed in, and staff of another centre, are refused.
    let (s, e) = send(app.anon.post(&by_scan).json(&json!({ "scan": code }))).await;
    assert_eq!((s, e["code"].as_str()), (401, Some("unauthenticated")));
    assert_eq!(send(app.anon.post(by_code(&code))).await.0, 401);
    let (s, e) = send(batri.post(&by_scan).json(&json!({ "scan": code }))).await;
    assert_eq!((s, e["code"].as_str()), (403, Some("forbidden")));
    // By code, another centre's booking is as unknown as a wrong code.
    assert_eq!(send(batri.post(by_code(&code))).await.0, 404);

    // Counter 1 checks the citizen in by scanning her CCCD.
    let (s, out) = send(quay1.post(&by_scan).json(&json!({ "scan": CCCD }))).await;
    assert_eq!(s, 201, "{out}");
    let t = &out["ticket"];
    assert_eq!(
        (
            t["number"].as_str(),
            t["service"].as_str(),
            t["channel"].as_str(),
            &t["priority"],
            t["status"].as_str()
        ),
        (
            Some("A001"),
            Some("A"),
            Some("appointment"),
            &Value::Null,
            Some("waiting")
        )
    );
    assert_eq!(out["appointment"]["status"], "checked_in");

    // A second check-in by staff, whoever and however, is a clear 409.
    for req in [
        quay2.post(&by_scan).json(&json!({ "scan": code })),
        quay1.post(by_code(&code)),
        quay1.post(&by_scan).json(&json!({ "scan": CCCD })),
    ] {
        let (s, e) = send(req).await;
        assert_eq!(
            (s, e["code"].as_str(), e["ticket"].as_str()),
            (409, Some("already_checked_in"), Some("A001")),
            "{e}"
        );
        assert!(e["message"].as_str().unwrap().contains("A001"));
    }
    // A kiosk's second scan still shows the citizen her number.
    let kiosk = app.bearer(&app.kiosk_token);
    let (s, again) = send(kiosk.post(by_code(&code))).await;
    assert_eq!((s, again["new"].as_bool()), (200, Some(false)));

    // Counter 2 checks the other booking in by its code (picked from the list).
    let (s, out) = send(quay2.post(&by_scan).json(&json!({ "scan": other }))).await;
    assert_eq!((s, out["ticket"]["number"].as_str()), (201, Some("B001")));

    // Audited once each, naming the booking and ticket, never the citizen.
    let log = app.state.store.audit_log(None, 50).await.unwrap();
    let checkins: Vec<_> = log
        .iter()
        .filter(|e| e.action == "counter.checkin")
        .map(|e| {
            (
                e.actor.as_str(),
                e.details["events"].clone(),
                e.details["booking"].as_str(),
                e.details["via"].as_str(),
            )
        })
        .collect();
    let issued = |n: &str| json!([{"type": "ticket_issued", "number": n}]);
    assert_eq!(
        checkins,
        vec![
            (
                "staff:quay2",
                issued("B001"),
                Some(other.as_str()),
                Some("code")
            ),
            // By CCCD the booking is found by the command: its ticket names it.
            ("staff:quay1", issued("A001"), None, Some("id_card")),
        ]
    );
    let text = serde_json::to_string(&log).unwrap();
    for secret in [NAME, OTHER_NAME, "051185004321", "0912345678"] {
        assert!(!text.contains(secret), "{secret} in the audit log");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_staff_view_names_bookings_and_public_replies_never_do() {
    let app = spawn_app().await;
    let code = book(&app, "A", ten(), NAME, "0912345678").await;
    let later = book(&app, "B", at(30), OTHER_NAME, "0987654321").await;
    app.issue("A").await; // a walk-in, 09:00
    app.set_now(at(-20));
    let mut ws = connect(&app, "").await;
    assert_eq!(next_json(&mut ws).await["type"], "snapshot");
    let quay1 = app.bearer(&app.login("quay1").await);
    let (s, out) = send(
        quay1
            .post(app.url("/api/v1/centres/mo-cay/check-in"))
            .json(&json!({ "scan": code })),
    )
    .await;
    assert_eq!(s, 201, "{out}");
    // Staff see the number, never the citizen's token.
    assert!(out["ticket"].get("token").is_none(), "{out}");
    let token = app.token_of("A002").await;
    let issued = next_json(&mut ws).await;
    assert_eq!(
        (issued["type"].as_str(), issued["number"].as_str()),
        (Some("ticket_issued"), Some("A002"))
    );

    app.set_now(at(-5));
    let staff_view = app.url("/api/v1/centres/mo-cay/queue?view=staff");
    let r = quay1.get(&staff_view).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["booked"],
        json!([{ "number": "A002", "code": code, "name": NAME,
                 "slot_start": ten().to_string(), "time": "10:00" }])
    );
    let awaiting = v["awaiting_check_in"].as_array().unwrap();
    assert_eq!(awaiting.len(), 1);
    assert_eq!(
        (
            awaiting[0]["code"].as_str(),
            awaiting[0]["service"].as_str(),
            awaiting[0]["name"].as_str(),
            awaiting[0]["time"].as_str()
        ),
        (
            Some(later.as_str()),
            Some("B"),
            Some(OTHER_NAME),
            Some("10:30")
        )
    );
    // The waiting list with the server's minutes: walk-in since 09:00, booking
    // since its check-in at 09:40.
    let waited: Vec<_> = v["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["number"].as_str().unwrap(),
                w["waited_minutes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(waited, vec![("A001", 55), ("A002", 15)]);

    // Who may see it: staff of the centre only.
    let kiosk = app.bearer(&app.kiosk_token);
    let batri = app.bearer(&other_centre_staff(&app).await);
    assert_eq!(send(app.anon.get(&staff_view)).await.0, 401);
    assert_eq!(send(kiosk.get(&staff_view)).await.0, 403);
    assert_eq!(send(batri.get(&staff_view)).await.0, 403);
    let (s, e) = send(quay1.get(app.url("/api/v1/centres/mo-cay/queue?view=all"))).await;
    assert_eq!((s, e["code"].as_str()), (400, Some("invalid_view")));

    // Public replies carry no name, phone or booking code: anonymous, and even
    // with a staff member's credentials when the staff view is not asked for.
    let mut public = Vec::new();
    for path in [
        "/api/v1/centres/mo-cay/queue",
        "/api/v1/centres/mo-cay/display",
        "/api/v1/centres/mo-cay/services",
        "/api/v1/centres",
        &format!("/api/v1/tickets/{token}"),
    ] {
        for client in [&app.anon, &quay1] {
            let r = client.get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            public.push((path.to_owned(), r.text().await.unwrap()));
        }
    }
    let snapshot = next_json(&mut connect(&app, "").await).await;
    public.push(("events".into(), snapshot.to_string()));
    public.push(("ticket_issued".into(), issued.to_string()));
    for (what, body) in &public {
        for secret in [
            NAME,
            OTHER_NAME,
            "0912345678",
            "051185004321",
            &code,
            &later,
        ] {
            assert!(!body.contains(secret), "{secret} in {what}: {body}");
        }
    }
    app.stop().await;
}
