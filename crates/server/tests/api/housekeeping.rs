//! The housekeeping task on a paused clock: each minute it expires bookings
//! past their check-in window, sends due reminders exactly once, and erases
//! personal data past the centre's retention period while the figures stay.

use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};
use luot_domain::{BookingCode, Phone};
use luot_server::{housekeeping, notify::Notifier};
use luot_store::{AppointmentStatus, Reminder, ReminderKind};
use serde_json::{json, Value};

use crate::helpers::*;

#[derive(Default)]
struct Recorder(Mutex<Vec<Reminder>>);

#[async_trait::async_trait]
impl Notifier for Recorder {
    async fn remind(&self, r: &Reminder) -> anyhow::Result<()> {
        self.0.lock().unwrap().push(r.clone());
        Ok(())
    }
}

fn ten() -> Timestamp {
    "2026-11-26T03:00:00Z".parse().unwrap()
}

/// Skips the task's minute on a paused clock, then waits for the round it
/// triggers. Time runs normally while the database works: a paused runtime
/// that idles on database IO would jump to (and fire) the pool's acquire
/// timeout.
async fn next_minute(rounds: &mut tokio::sync::watch::Receiver<u64>) {
    let seen = *rounds.borrow();
    tokio::time::pause();
    tokio::time::advance(housekeeping::PERIOD).await;
    tokio::time::resume();
    rounds.wait_for(|n| *n > seen).await.unwrap();
}

#[tokio::test]
async fn every_minute_no_shows_expire_and_reminders_go_once() {
    let app = spawn_app().await;
    let mut codes = Vec::new();
    let reminders = luot_domain::booking::REMINDER_CONSENT.version;
    for start in [ten(), ten() + SignedDuration::from_hours(24)] {
        let body = json!({"service": "A", "slot_start": start.to_string(), "name": "Lê Hoàng Đức",
            "phone": "0912345678", "consent": true,
            "reminders": true, "reminders_consent_version": reminders});
        let r = app.post("/api/v1/centres/mo-cay/appointments", body).await;
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        codes.push(BookingCode::parse(v["code"].as_str().unwrap()).unwrap());
    }
    // Without the (separate, optional) reminder consent: never reminded.
    let body = json!({"service": "A", "slot_start": ten().to_string(), "name": "Phạm Thị Hoa",
        "phone": "0987654321", "consent": true});
    let r = app.post("/api/v1/centres/mo-cay/appointments", body).await;
    assert_eq!(r.status(), 201);

    let recorder = Arc::new(Recorder::default());
    let (task, mut rounds) = housekeeping::spawn(app.state.clone(), recorder.clone());
    // 09:00: today's 10:00 is an hour away; tomorrow's is more than a day away.
    rounds.wait_for(|n| *n >= 1).await.unwrap();
    let kinds = |r: &Recorder| {
        r.0.lock()
            .unwrap()
            .iter()
            .map(|x| (x.kind, x.code.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(&recorder),
        vec![(ReminderKind::HourBefore, codes[0].clone())]
    );

    // 10:46: the 10:00-10:30 booking was not checked in by its end and 15
    // minutes of grace: missed. Tomorrow's is within a day.
    app.set_now(ten() + SignedDuration::from_mins(46));
    next_minute(&mut rounds).await;
    let phone = Phone::parse("0912345678").unwrap();
    let a = app
        .state
        .store
        .appointment(&codes[0], &phone)
        .await
        .unwrap();
    assert_eq!(a.status, AppointmentStatus::Missed);
    assert_eq!(
        kinds(&recorder),
        vec![
            (ReminderKind::HourBefore, codes[0].clone()),
            (ReminderKind::DayBefore, codes[1].clone())
        ]
    );

    // Later rounds send nothing again.
    next_minute(&mut rounds).await;
    assert_eq!(recorder.0.lock().unwrap().len(), 2);
    task.abort();
    app.stop().await;
}

#[tokio::test]
async fn personal_data_goes_after_the_centres_retention_period() {
    let app = spawn_app().await;
    let base = "/api/v1/admin/centres/mo-cay";
    let cfg: Value = app.get(base).await.json().await.unwrap();
    let mut centre = cfg["centre"].clone();
    centre["data_retention_days"] = json!(30);
    let r = app
        .client
        .put(app.url(&format!("{base}/settings")))
        .json(&centre)
        .send();
    assert_eq!(r.await.unwrap().status(), 200);

    // A day's personal data: a booking, a rating comment, a transfer note, a
    // staff sign-in (its address) and a failed sign-in typing a phone number.
    let body = json!({"service": "A", "slot_start": ten().to_string(), "name": "Lê Hoàng Đức",
        "phone": "0912345678", "id_number": "079123456789", "consent": true});
    let r = app.post("/api/v1/centres/mo-cay/appointments", body).await;
    assert_eq!(r.status(), 201);
    let code = r.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let served = app.issue("A").await;
    app.issue("A").await;
    for action in ["call-next", "start", "complete", "call-next"] {
        assert_eq!(app.counter(1, action, json!({})).await.0, 200, "{action}");
    }
    let note = json!({"service": "B", "note": "Bà Tư, hồ sơ đất thửa 12"});
    assert_eq!(app.counter(1, "transfer", note).await.0, 200);
    let rate = format!(
        "/api/v1/tickets/{}/feedback",
        served["token"].as_str().unwrap()
    );
    let comment = json!({"rating": 4, "comment": "Gọi lại cho tôi: 0912345678"});
    assert_eq!(
        app.anon
            .post(app.url(&rate))
            .json(&comment)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let quay2 = app.login("quay2").await;
    let typo = json!({"username": "0987654321", "password": "nhầm"});
    let r = app
        .anon
        .post(app.url("/api/v1/auth/login"))
        .json(&typo)
        .send();
    assert_eq!(r.await.unwrap().status(), 401);
    let report_path = "/api/v1/centres/mo-cay/reports?from=2026-11-26&to=2026-11-26&format=json";
    let report: Value = app.get(report_path).await.json().await.unwrap();
    let lookup = |app: &TestApp| {
        app.anon
            .get(app.url(&format!("/api/v1/appointments/{code}")))
            .header("x-phone", "0912345678")
            .send()
    };

    let recorder = Arc::new(Recorder::default());
    let (task, mut rounds) = housekeeping::spawn(app.state.clone(), recorder);
    rounds.wait_for(|n| *n >= 1).await.unwrap();
    // Within the period everything stays.
    assert_eq!(lookup(&app).await.unwrap().status(), 200);
    assert_eq!(
        column(&app.db_url, "SELECT comment FROM feedback")
            .await
            .len(),
        1
    );

    let later = working_morning() + SignedDuration::from_hours(24 * 31);
    app.set_now(later);
    next_minute(&mut rounds).await;
    assert_eq!(lookup(&app).await.unwrap().status(), 404);
    for sql in [
        "SELECT comment FROM feedback",
        "SELECT transfer_note FROM tickets",
        "SELECT name FROM appointments",
        "SELECT phone FROM appointments",
        "SELECT id_hash FROM appointments",
    ] {
        let left = column(&app.db_url, sql).await;
        assert!(
            left.iter().all(|v| v.as_deref().unwrap_or("").is_empty()),
            "{sql}: {left:?}"
        );
    }
    // Sessions idle that long are gone; a fresh one sees an audit log without
    // old addresses, and without the phone number typed as a username.
    assert_eq!(
        app.bearer(&quay2)
            .get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let admin = app.bearer(&app.login("admin").await);
    let log: Value = admin
        .get(app.url("/api/v1/audit?limit=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let old: Vec<&Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["at"].as_str().unwrap().starts_with("2026-11-26"))
        .collect();
    assert!(old.len() >= 8, "{old:?}");
    assert!(old.iter().all(|e| e["ip"].is_null()), "{old:?}");
    assert!(!log.to_string().contains("0987654321"), "{log}");
    assert!(old
        .iter()
        .any(|e| e["action"] == "auth.login_failed" && e["actor"] == "anonymous"));
    // The erasure itself is on record, in counts.
    let entries = log["entries"].as_array().unwrap();
    let erased = entries.iter().find(|e| e["action"] == "retention.erase");
    let counts = &erased.unwrap()["details"];
    let counts = [
        &counts["bookings"],
        &counts["comments"],
        &counts["transfer_notes"],
    ];
    assert_eq!(counts, [&json!(1), &json!(1), &json!(1)], "{log}");
    // The figures are what they were.
    let now: Value = admin
        .get(app.url(report_path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // (But for the ticket transferred to B, left waiting: its day ended.)
    let without_expired = |rows: &Value| {
        let mut rows = rows.clone();
        for r in rows.as_array_mut().unwrap() {
            r.as_object_mut().unwrap().remove("expired");
        }
        rows
    };
    assert_eq!(
        without_expired(&now["rows"]),
        without_expired(&report["rows"])
    );
    let expired: Vec<&Value> = now["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["expired"])
        .collect();
    assert_eq!(expired, [&json!(0), &json!(1)]);
    let levels = column(&app.db_url, "SELECT CAST(rating AS TEXT) FROM feedback").await;
    assert_eq!(levels, [Some("4".to_owned())]);
    task.abort();
    app.stop().await;
}

/// The day boundary over a restart: tickets left waiting or called on
/// Thursday are expired when the server starts on Friday (its first round),
/// their status page says so, and Friday's counters never call them.
#[tokio::test]
async fn a_restart_on_the_next_day_expires_what_was_left() {
    let app = spawn_app().await;
    let waiting = app.issue("A").await;
    let called = app.issue("A").await;
    let (status, first) = app.counter(1, "call-next", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(first["number"], waiting["number"]);
    let (_, second) = app.counter(2, "call-next", json!({})).await;
    assert_eq!(second["number"], called["number"]);
    // Counter 1 finishes its ticket; counter 2's stays called; one more waits.
    app.counter(1, "complete", json!({})).await;
    let left = app.issue("A").await;

    app.set_now(working_morning() + SignedDuration::from_hours(24));
    let app = app.restart().await;
    housekeeping::run_once(&app.state, &Recorder::default()).await;
    for t in [&called, &left] {
        let token = t["token"].as_str().unwrap();
        let v: Value = app
            .get(&format!("/api/v1/tickets/{token}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v["status"], "expired", "{}", t["number"]);
        // The demo centre keeps no hours: its day ended at local midnight.
        assert_eq!(v["finished_at"], "2026-11-26T17:00:00Z");
    }
    let q: Value = app
        .get("/api/v1/centres/mo-cay/queue")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(q["waiting"], json!([]), "{q}");
    assert!(q["last_calls"].as_array().unwrap().is_empty(), "{q}");
    let (status, _) = app.counter(2, "call-next", json!({})).await;
    assert_eq!(status, 204, "nothing of Thursday is called on Friday");
}
