//! The booking housekeeping task on a paused clock: each minute it expires
//! bookings past their check-in window and sends due reminders exactly once.

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
    for start in [ten(), ten() + SignedDuration::from_hours(24)] {
        let body = json!({"service": "A", "slot_start": start.to_string(), "name": "Lê Hoàng Đức",
            "phone": "0912345678", "consent": true});
        let r = app.post("/api/v1/centres/mo-cay/appointments", body).await;
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        codes.push(BookingCode::parse(v["code"].as_str().unwrap()).unwrap());
    }

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

    // 10:16: the 10:00 booking's window (to 10:15) has closed; tomorrow is within a day.
    app.set_now(ten() + SignedDuration::from_mins(16));
    next_minute(&mut rounds).await;
    let phone = Phone::parse("0912345678").unwrap();
    let a = app
        .state
        .store
        .appointment(&codes[0], &phone)
        .await
        .unwrap();
    assert_eq!(a.status, AppointmentStatus::NoShow);
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
