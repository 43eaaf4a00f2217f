//! Personal data (Law 91/2025/QH15): a cancelled booking's name and phone, and
//! everything an erasure request names, are gone from every file of the
//! database (`luot.db`, `-wal`, `-shm`), read as raw bytes, while the server
//! runs and after it stopped; the erasure endpoint's audience, input and audit.

use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use crate::helpers::*;

/// 10:00 local on the helpers' working Thursday.
fn at(mins: i64) -> Timestamp {
    "2026-11-26T03:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_mins(mins)
}

async fn book(app: &TestApp, start: Timestamp, name: &str, phone: &str, id: Option<&str>) -> Value {
    let r = app
        .post(
            "/api/v1/centres/mo-cay/appointments",
            json!({ "service": "A", "slot_start": start.to_string(), "name": name,
                "phone": phone, "id_number": id, "consent": true }),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

/// The database files of the app's directory that exist, with their bytes.
fn db_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    ["luot.db", "luot.db-wal", "luot.db-shm"]
        .iter()
        .filter_map(|f| Some((f.to_string(), std::fs::read(dir.join(f)).ok()?)))
        .collect()
}

/// The files among `files` that hold `needle` anywhere.
fn holding(files: &[(String, Vec<u8>)], needle: &str) -> Vec<String> {
    let n = needle.as_bytes();
    files
        .iter()
        .filter(|(_, bytes)| bytes.windows(n.len()).any(|w| w == n))
        .map(|(f, _)| f.clone())
        .collect()
}

async fn erase(app: &TestApp, body: Value) -> (u16, Value) {
    let r = app.post("/api/v1/admin/centres/mo-cay/erasure", body).await;
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn cancelled_and_erased_data_is_in_no_database_file_running_or_stopped() {
    let app = spawn_app().await;
    let dir = app._dir.path().to_owned();
    // Unusual values, so a match can only be ours.
    let people = [
        ("Đoàn Thị Xoábỏ", "0398111222"),
        ("Vũ Văn Quênlãng", "0398333444"),
        ("Hồ Thị Cănước", "0398555666"),
    ];

    // 1. Booked, then cancelled by the citizen.
    let first = book(&app, at(0), people[0].0, people[0].1, None).await;
    let files = db_files(&dir);
    assert!(
        !holding(&files, people[0].0).is_empty(),
        "a booking's name is on disk once booked (else this test proves nothing)"
    );
    let r = app
        .client
        .delete(app.url(&format!(
            "/api/v1/appointments/{}",
            first["code"].as_str().unwrap()
        )))
        .header("x-phone", people[0].1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // 2. Booked, checked in, served, rated with a comment naming the phone;
    //    then erased on request by phone.
    let second = book(&app, at(30), people[1].0, people[1].1, None).await;
    book(&app, at(60), people[2].0, people[2].1, Some("079199912345")).await;
    app.set_now(at(10));
    let r = app
        .bearer(&app.kiosk_token)
        .post(app.url(&format!(
            "/api/v1/appointments/{}/check-in",
            second["code"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let ticket: Value = r.json().await.unwrap();
    let token = ticket["ticket"]["token"].as_str().unwrap().to_owned();
    app.set_now(at(30));
    for action in ["call-next", "start", "complete"] {
        let (s, _) = app.counter(1, action, json!({})).await;
        assert_eq!(s, 200, "{action}");
    }
    let comment = format!("Xin gọi lại cho tôi số {}", people[1].1);
    let r = app
        .anon
        .post(app.url(&format!("/api/v1/tickets/{token}/feedback")))
        .json(&json!({ "rating": 4, "comment": comment }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (s, v) = erase(&app, json!({ "phone": people[1].1 })).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["erased"], 2, "the booking and the rating's comment: {v}");
    assert_eq!(
        (
            v["by_kind"]["bookings"].as_u64(),
            v["by_kind"]["comments"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let (_, again) = erase(&app, json!({ "phone": people[1].1 })).await;
    assert_eq!(again["erased"], 0, "asking again erases nothing more");

    // 3. Booked with an ID number, erased on request by that number: the
    //    booking still to come is cancelled and its place freed.
    let (s, v) = erase(&app, json!({ "id_number": "079199912345" })).await;
    assert_eq!((s, v["erased"].as_u64()), (200, Some(1)), "{v}");
    app.set_now(at(-60)); // back to 09:00, when 11:00 is still bookable
    let slots: Value = app
        .get("/api/v1/centres/mo-cay/services/A/slots?date=2026-11-26")
        .await
        .json()
        .await
        .unwrap();
    let eleven = slots["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["start"] == at(60).to_string())
        .unwrap();
    assert_eq!(
        eleven["remaining"], eleven["capacity"],
        "the place is free again"
    );

    let files = db_files(&dir);
    assert!(files.iter().any(|(f, _)| f == "luot.db"));
    for (name, phone) in people {
        assert_eq!(
            holding(&files, name),
            Vec::<String>::new(),
            "{name} while running"
        );
        assert_eq!(
            holding(&files, phone),
            Vec::<String>::new(),
            "{phone} while running"
        );
    }

    let kept = app.stop_keeping_files().await;
    let files = db_files(kept.path());
    assert!(files.iter().any(|(f, _)| f == "luot.db"));
    for (name, phone) in people {
        assert_eq!(
            holding(&files, name),
            Vec::<String>::new(),
            "{name} after shutdown"
        );
        assert_eq!(
            holding(&files, phone),
            Vec::<String>::new(),
            "{phone} after shutdown"
        );
    }
}

#[tokio::test]
async fn erasure_is_for_the_centres_admins_checks_its_input_and_is_audited() {
    let app = spawn_app().await;
    let path = app.url("/api/v1/admin/centres/mo-cay/erasure");
    let body = json!({ "phone": "0398111222" });
    let r = app.anon.post(&path).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let staff = app.bearer(&app.login("quay1").await);
    let r = staff.post(&path).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .bearer(&app.kiosk_token)
        .post(&path)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    for bad in [
        json!({}),
        json!({ "phone": "0398111222", "id_number": "079199912345" }),
        json!({ "phone": "12" }),
        json!({ "id_number": "07919991234x" }),
    ] {
        let (s, e) = erase(&app, bad.clone()).await;
        assert_eq!(
            (s, e["code"].as_str()),
            (422, Some("invalid")),
            "{bad}: {e}"
        );
    }
    let (s, v) = erase(&app, body).await;
    assert_eq!((s, v["erased"].as_u64()), (200, Some(0)));

    let log: Value = app.get("/api/v1/audit").await.json().await.unwrap();
    let entry = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "privacy.erasure")
        .expect("the erasure is in the audit log");
    assert_eq!(entry["centre"], "mo-cay");
    assert_eq!(entry["details"]["by"], "phone");
    assert_eq!(entry["details"]["erased"]["bookings"], 0);
    assert!(
        !entry.to_string().contains("0398111222"),
        "the audit entry never names the person: {entry}"
    );
}

/// The text of a public answer, `null` for a failed one.
async fn public_json(app: &TestApp, path: &str) -> Value {
    let r = app.anon.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

/// A ticket in every priority class of the demo centre (kiosk and counter),
/// then every public answer read as an anonymous client: the public queue,
/// the display snapshot, the event stream's frames (snapshot and live
/// events), each ticket's status, notice and dossiers by its token, the live
/// statistics, the portal's centre list and booking facts. None names a
/// class, by code, Vietnamese or English name; a ticket with one shows only
/// the generic `priority`. The centre's list of classes (what a kiosk offers)
/// is the one place they are named, and is left out of the scan.
#[tokio::test]
async fn no_public_answer_names_a_priority_class() {
    let app = spawn_app().await;
    let classes = app.priority_classes().await;
    assert!(classes.len() >= 5, "{classes:?}");
    let mut ws = crate::events::connect(&app, "").await;
    let first = crate::events::next_json(&mut ws).await;
    assert_eq!(first["type"], "snapshot");

    let kiosk = app.bearer(&app.kiosk_token);
    let staff = app.bearer(&app.login("quay1").await);
    let mut tokens = Vec::new();
    for (i, class) in classes.iter().enumerate() {
        let by = if i % 2 == 0 { &kiosk } else { &staff };
        let t = app.issue_priority(by, class).await;
        let number = t["number"].as_str().unwrap();
        tokens.push(app.token_of(number).await);
    }
    let mut frames = vec![first];
    while frames.len() < classes.len() + 1 {
        frames.push(crate::events::next_json(&mut ws).await);
    }

    let mut answers = vec![
        (
            "queue".to_owned(),
            public_json(&app, "/api/v1/centres/mo-cay/queue").await,
        ),
        (
            "display".to_owned(),
            public_json(&app, "/api/v1/centres/mo-cay/display").await,
        ),
        (
            "stats/live".to_owned(),
            public_json(&app, "/api/v1/centres/mo-cay/stats/live").await,
        ),
        (
            "centres".to_owned(),
            public_json(&app, "/api/v1/centres").await,
        ),
        (
            "booking".to_owned(),
            public_json(&app, "/api/v1/centres/mo-cay/booking").await,
        ),
    ];
    for (i, f) in frames.into_iter().enumerate() {
        answers.push((format!("event frame {i}"), f));
    }
    for t in &tokens {
        for tail in ["", "/notice", "/dossiers"] {
            let path = format!("/api/v1/tickets/{t}{tail}");
            answers.push((path.clone(), public_json(&app, &path).await));
        }
    }
    // A ticket with a class shows that it has one, not which.
    let status = &answers[answers.len() - 3].1;
    assert_eq!(status["priority"], "priority", "{status}");
    let waiting = answers[0].1["waiting"].as_array().unwrap();
    assert_eq!(waiting.len(), classes.len());
    assert!(
        waiting.iter().all(|w| w["priority"] == "priority"),
        "{waiting:?}"
    );

    for (what, mut answer) in answers {
        // The centre's own list of classes, wherever a centre is described.
        if let Some(c) = answer.get_mut("centre").and_then(Value::as_object_mut) {
            c.remove("priority_classes");
        }
        if let Some(c) = answer.as_object_mut() {
            c.remove("priority_classes");
        }
        if let Some(list) = answer.as_array_mut() {
            for c in list.iter_mut().filter_map(Value::as_object_mut) {
                c.remove("priority_classes");
            }
        }
        let text = answer.to_string();
        for class in &classes {
            let code = format!("\"{}\"", class["code"].as_str().unwrap());
            for name in [
                code.as_str(),
                class["name"].as_str().unwrap(),
                class["name_en"].as_str().unwrap(),
            ] {
                assert!(!text.contains(name), "{what} names `{name}`: {text}");
            }
        }
    }
}
