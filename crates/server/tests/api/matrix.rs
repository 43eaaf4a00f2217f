//! The authorisation matrix: every route in the OpenAPI document against every
//! audience (anonymous, display device, kiosk device, rating device, staff of
//! another counter, staff of the counter, administrator). Denied audiences get
//! exactly 401 (no credentials) or 403 (wrong audience); allowed ones get past
//! authorisation (whatever the business answer). A route missing from the table
//! fails the test, so a new route must declare its audience here; a route whose
//! audience depends on a query (`?view=staff`) has a row for each. No answer to
//! staff or administrators carries a ticket's token (the citizen's secret),
//! except where they sent it themselves.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::helpers::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Display,
    Kiosk,
    Rating,
    OtherStaff,
    Staff,
    Admin,
}

const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::Display,
    Who::Kiosk,
    Who::Rating,
    Who::OtherStaff,
    Who::Staff,
    Who::Admin,
];

/// Who may call a route.
#[derive(Clone, Copy, Debug)]
enum Audience {
    Public,
    /// Any signed-in staff member or device.
    SignedIn,
    /// A kiosk device, or staff of the centre.
    KioskOrStaff,
    /// Staff of the centre (at any counter) and administrators; no device.
    CentreStaff,
    /// Staff allowed at counter 1 (quay1) and administrators.
    StaffAtCounter,
    RatingDevice,
    KioskDevice,
    Admin,
}

fn allowed(a: Audience, w: Who) -> bool {
    use Who::*;
    match a {
        Audience::Public => true,
        Audience::SignedIn => w != Anonymous,
        Audience::KioskOrStaff => matches!(w, Kiosk | OtherStaff | Staff | Admin),
        Audience::CentreStaff => matches!(w, OtherStaff | Staff | Admin),
        Audience::StaffAtCounter => matches!(w, Staff | Admin),
        Audience::RatingDevice => w == Rating,
        Audience::KioskDevice => w == Kiosk,
        Audience::Admin => w == Admin,
    }
}

/// Every route with its audience and a body to send.
fn table() -> Vec<(&'static str, &'static str, Audience, Value)> {
    use Audience::*;
    let c = "/api/v1/centres/{centre}/counters/{counter}";
    let mut t = vec![
        ("get", "/healthz", Public, Value::Null),
        ("get", "/api/v1/centres", Public, Value::Null),
        (
            "get",
            "/api/v1/centres/{centre}/services",
            Public,
            Value::Null,
        ),
        ("get", "/api/v1/centres/{centre}/queue", Public, Value::Null),
        // The same route's staff view (a query, not a path of its own).
        (
            "get",
            "/api/v1/centres/{centre}/queue?view=staff",
            CentreStaff,
            Value::Null,
        ),
        (
            "get",
            "/api/v1/centres/{centre}/display",
            Public,
            Value::Null,
        ),
        (
            "get",
            "/api/v1/centres/{centre}/events",
            Public,
            Value::Null,
        ),
        ("get", "/api/v1/tickets/{token}", Public, Value::Null),
        (
            "get",
            "/api/v1/tickets/{token}/ticket.png",
            Public,
            Value::Null,
        ),
        (
            "post",
            "/api/v1/tickets/{token}/feedback",
            Public,
            json!({"rating": 5}),
        ),
        (
            "post",
            "/api/v1/centres/{centre}/tickets",
            KioskOrStaff,
            json!({"service": "A"}),
        ),
        (
            "put",
            "/api/v1/centres/{centre}/notice",
            Admin,
            json!({"text": "Xin chào"}),
        ),
        ("post", "/api/v1/auth/login", Public, json!({})),
        ("get", "/api/v1/auth/me", SignedIn, Value::Null),
        (
            "post",
            "/api/v1/devices",
            Admin,
            json!({"kind": "display", "name": "x", "centre": "mo-cay"}),
        ),
        ("get", "/api/v1/devices", Admin, Value::Null),
        ("delete", "/api/v1/devices/{id}", Admin, Value::Null),
        ("get", "/api/v1/audit", Admin, Value::Null),
        ("get", "/api/v1/kiosks", Admin, Value::Null),
        // Administration (routes/admin): unknown service `Z`, so nothing is deleted.
        ("get", "/api/v1/admin/centres/{centre}", Admin, Value::Null),
        (
            "put",
            "/api/v1/admin/centres/{centre}/settings",
            Admin,
            json!({}),
        ),
        (
            "post",
            "/api/v1/admin/centres/{centre}/services",
            Admin,
            json!({}),
        ),
        (
            "put",
            "/api/v1/admin/centres/{centre}/services/{service}",
            Admin,
            json!({}),
        ),
        (
            "delete",
            "/api/v1/admin/centres/{centre}/services/{service}",
            Admin,
            Value::Null,
        ),
        (
            "post",
            "/api/v1/admin/centres/{centre}/counters",
            Admin,
            json!({}),
        ),
        (
            "put",
            "/api/v1/admin/centres/{centre}/counters/{counter}",
            Admin,
            json!({}),
        ),
        (
            "delete",
            "/api/v1/admin/centres/{centre}/counters/{counter}",
            Admin,
            Value::Null,
        ),
        (
            "put",
            "/api/v1/admin/centres/{centre}/services/{service}/booking",
            Admin,
            json!({"enabled": true, "slot_minutes": 30, "capacity": 2, "horizon_days": 7, "lead_minutes": 60}),
        ),
        (
            "put",
            "/api/v1/admin/centres/{centre}/booking-rules",
            Admin,
            json!({"limits": {"per_day": 2, "per_service_per_day": 1},
                "check_in": {"before_minutes": 30, "after_minutes": 15}, "retention_days": 30}),
        ),
        (
            "post",
            "/api/v1/admin/centres/{centre}/erasure",
            Admin,
            json!({"phone": "0912345678"}),
        ),
        (
            "get",
            "/api/v1/admin/centres/{centre}/holidays",
            Admin,
            Value::Null,
        ),
        (
            "put",
            "/api/v1/admin/centres/{centre}/holidays/{date}",
            Admin,
            json!({"name": "Tết"}),
        ),
        (
            "delete",
            "/api/v1/admin/centres/{centre}/holidays/{date}",
            Admin,
            Value::Null,
        ),
        (
            "put",
            "/api/v1/admin/centres/{centre}/logo",
            Admin,
            Value::Null,
        ),
        (
            "delete",
            "/api/v1/admin/centres/{centre}/logo",
            Admin,
            Value::Null,
        ),
        ("get", "/api/v1/centres/{centre}/logo", Public, Value::Null),
        // Staff accounts: an unknown username, so nothing changes.
        ("get", "/api/v1/admin/staff", Admin, Value::Null),
        ("post", "/api/v1/admin/staff", Admin, json!({})),
        (
            "put",
            "/api/v1/admin/staff/{username}",
            Admin,
            json!({"active": false}),
        ),
        (
            "delete",
            "/api/v1/admin/staff/{username}",
            Admin,
            Value::Null,
        ),
        (
            "get",
            "/api/v1/centres/{centre}/reports",
            Admin,
            Value::Null,
        ),
        ("get", "/api/v1/kiosks/me", KioskDevice, Value::Null),
        // Past authorisation the kiosk "me" is not a device id: 400.
        (
            "post",
            "/api/v1/kiosks/{kiosk}/jobs/{job}/reprint",
            CentreStaff,
            Value::Null,
        ),
        // The kiosk's own reprint button: past authorisation, 409 (nothing went wrong).
        (
            "post",
            "/api/v1/kiosks/me/tickets/{token}/reprint",
            KioskDevice,
            Value::Null,
        ),
        ("post", "/api/v1/kiosks/me/leases", KioskDevice, Value::Null),
        (
            "post",
            "/api/v1/kiosks/me/offline-tickets",
            KioskDevice,
            json!({"service": "A", "seq": 901, "token": "AAAAAAAAAAAAAAAAAAAAAA", "issued_at": "2026-11-26T02:00:00Z"}),
        ),
        // The kiosk's plain GET gets past authorisation to 426 (not an upgrade).
        (
            "get",
            "/api/v1/kiosks/{kiosk}/agent",
            KioskDevice,
            Value::Null,
        ),
        (
            "get",
            "/api/v1/centres/{centre}/counters/{counter}/today",
            StaffAtCounter,
            Value::Null,
        ),
        (
            "post",
            "/api/v1/centres/{centre}/counters/{counter}/feedback",
            RatingDevice,
            json!({"rating": 4}),
        ),
        (
            "get",
            "/api/v1/centres/{centre}/booking",
            Public,
            Value::Null,
        ),
        (
            "get",
            "/api/v1/centres/{centre}/services/{service}/slots",
            Public,
            Value::Null,
        ),
        (
            "post",
            "/api/v1/centres/{centre}/appointments",
            Public,
            json!({}),
        ),
        ("get", "/api/v1/appointments/{code}", Public, Value::Null),
        ("delete", "/api/v1/appointments/{code}", Public, Value::Null),
        (
            "post",
            "/api/v1/appointments/{code}/withdraw",
            Public,
            json!({"purpose": "reminders"}),
        ),
        (
            "get",
            "/api/v1/appointments/{code}/calendar.ics",
            Public,
            Value::Null,
        ),
        (
            "get",
            "/api/v1/appointments/{code}/qr.svg",
            Public,
            Value::Null,
        ),
        (
            "post",
            "/api/v1/appointments/{code}/check-in",
            KioskOrStaff,
            Value::Null,
        ),
        (
            "post",
            "/api/v1/centres/{centre}/check-in",
            KioskOrStaff,
            json!({"scan": "ZZZZZZ"}),
        ),
        (
            "post",
            "/api/v1/centres/{centre}/counters/{counter}/dossiers",
            StaffAtCounter,
            json!({"code": "H37-0001"}),
        ),
        (
            "get",
            "/api/v1/tickets/{token}/dossiers",
            Public,
            Value::Null,
        ),
        (
            "get",
            "/api/v1/tickets/{token}/evaluation.svg",
            Public,
            Value::Null,
        ),
        (
            "get",
            "/api/v1/centres/{centre}/counters/{counter}/evaluation",
            RatingDevice,
            Value::Null,
        ),
        (
            "get",
            "/api/v1/centres/{centre}/reports/dossiers?from=2026-11-01&to=2026-11-30",
            Admin,
            Value::Null,
        ),
        (
            "get",
            "/api/v1/admin/centres/{centre}/webhooks",
            Admin,
            Value::Null,
        ),
        (
            "post",
            "/api/v1/admin/centres/{centre}/webhooks",
            Admin,
            json!({}),
        ),
        (
            "delete",
            "/api/v1/admin/centres/{centre}/webhooks/{id}",
            Admin,
            Value::Null,
        ),
        (
            "get",
            "/api/v1/admin/centres/{centre}/notifier",
            Admin,
            Value::Null,
        ),
        (
            "put",
            "/api/v1/admin/centres/{centre}/notifier",
            Admin,
            json!({}),
        ),
        (
            "delete",
            "/api/v1/admin/centres/{centre}/notifier",
            Admin,
            Value::Null,
        ),
        ("get", "/api/v1/tickets/{token}/notice", Public, Value::Null),
        (
            "get",
            "/api/v1/centres/{centre}/reports/notices?from=2026-11-01&to=2026-11-30",
            Admin,
            Value::Null,
        ),
        ("post", "/api/v1/tickets/{token}/notice", Public, json!({})),
        (
            "delete",
            "/api/v1/tickets/{token}/notice",
            Public,
            Value::Null,
        ),
        (
            "get",
            "/api/v1/centres/{centre}/stats/live",
            Public,
            Value::Null,
        ),
        // Last: it ends the caller's session.
        ("post", "/api/v1/auth/logout", Public, Value::Null),
    ];
    for action in [
        "call-next",
        "recall",
        "start",
        "complete",
        "no-show",
        "pause",
        "resume",
    ] {
        let p: &'static str = Box::leak(format!("{c}/{action}").into_boxed_str());
        t.insert(t.len() - 1, ("post", p, StaffAtCounter, json!({})));
    }
    let p: &'static str = Box::leak(format!("{c}/transfer").into_boxed_str());
    t.insert(
        t.len() - 1,
        ("post", p, StaffAtCounter, json!({"service": "B"})),
    );
    t
}

#[tokio::test]
async fn every_route_answers_each_audience_as_declared() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str()))
                .map(move |m| (m.clone(), p.clone()))
        })
        .collect();
    let table = table();
    let declared: BTreeSet<(String, String)> = table
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.split('?').next().unwrap().to_string()))
        .collect();
    let missing: Vec<_> = documented.difference(&declared).collect();
    assert!(
        missing.is_empty(),
        "routes without an audience in the matrix: {missing:?}"
    );
    let stale: Vec<_> = declared.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "matrix rows for routes that do not exist: {stale:?}"
    );

    // The callers.
    let display = app
        .client
        .post(app.url("/api/v1/devices"))
        .json(&json!({"kind": "display", "name": "Màn hình", "centre": "mo-cay"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let quay1 = app.login("quay1").await;
    let quay2 = app.login("quay2").await;
    let ticket = app.issue("A").await;
    let token = ticket["token"].as_str().unwrap().to_owned();

    let mut staff_answers = Vec::new();
    for (method, path, audience, body) in table {
        for who in EVERYONE {
            let client = match who {
                Who::Anonymous => app.anon.clone(),
                Who::Display => app.bearer(&display),
                Who::Kiosk => app.bearer(&app.kiosk_token),
                Who::Rating => app.bearer(&app.rating_token),
                Who::OtherStaff => app.bearer(&quay2),
                Who::Staff => app.bearer(&quay1),
                Who::Admin => app.client.clone(),
            };
            // A fresh device to revoke each time, so every admin call finds one.
            let victim = app
                .client
                .post(app.url("/api/v1/devices"))
                .json(&json!({"kind": "display", "name": "x", "centre": "mo-cay"}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()["id"]
                .to_string();
            let url = app.url(
                &path
                    .replace("{centre}", "mo-cay")
                    .replace("{counter}", "1")
                    .replace("{token}", &token)
                    .replace("{service}", "A")
                    .replace("{code}", "ZZZZZZ")
                    .replace("{id}", &victim)
                    .replace("{kiosk}", "me")
                    .replace("{job}", "1")
                    .replace("{service}", "Z")
                    .replace("{date}", "2027-02-06")
                    .replace("{username}", "nobody"),
            );
            assert!(!url.contains('{'), "give the matrix a value for {url}");
            let req = match method {
                "get" => client.get(&url),
                "post" => client.post(&url),
                "put" => client.put(&url),
                "delete" => client.delete(&url),
                m => panic!("method {m}"),
            };
            let req = if body.is_null() { req } else { req.json(&body) };
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let what = format!("{method} {path} as {who:?} -> {status}");
            // Staff never see a ticket's token unless they came with it.
            if matches!(who, Who::Staff | Who::OtherStaff | Who::Admin) && !path.contains("{token}")
            {
                staff_answers.push((what.clone(), r.text().await.unwrap_or_default()));
            }
            assert!(status < 500, "{what}");
            if allowed(audience, who) {
                assert!(status != 401 && status != 403, "{what}: should be allowed");
            } else if who == Who::Anonymous {
                assert_eq!(status, 401, "{what}");
            } else {
                assert_eq!(status, 403, "{what}");
            }
        }
    }
    let tokens = column(&app.db_url, "SELECT token FROM tickets").await;
    assert!(tokens.len() > 2, "{tokens:?}");
    for (what, body) in &staff_answers {
        for t in tokens.iter().flatten() {
            assert!(
                !body.contains(t.as_str()),
                "a ticket token in {what}: {body}"
            );
        }
    }
    app.stop().await;
}
