//! Reports over HTTP: a scripted day of tickets, read back as JSON, as CSV
//! (parsed) and as XLSX (opened with calamine); the figures agree.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use jiff::SignedDuration;
use serde_json::{json, Value};

use crate::helpers::*;

const REPORTS: &str = "/api/v1/centres/mo-cay/reports";

fn at(mins: i64) -> jiff::Timestamp {
    working_morning() + SignedDuration::from_mins(mins)
}

/// Sets a service's target service time through the admin API.
async fn target_service_minutes(app: &TestApp, code: &str, minutes: u32) {
    let cfg = admin_config(app).await;
    let mut service = cfg["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .unwrap()
        .clone();
    service["target_service_minutes"] = json!(minutes);
    let r = app
        .client
        .put(app.url(&format!("/api/v1/admin/centres/mo-cay/services/{code}")))
        .json(&service)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// Counter 1 serves A001 (waited 10 min, served 6), counter 1 calls A002 and
/// marks it a no-show (waited 20); counter 3 serves C001 (waited 30, served 15).
/// A001 is rated 4 (hài lòng), C001 2 (không hài lòng). A's target service
/// time is 5 minutes (A001 past it), C's 15 (C001 within: the limit counts);
/// the other services have none.
async fn scripted_day(app: &TestApp) {
    target_service_minutes(app, "A", 5).await;
    target_service_minutes(app, "C", 15).await;
    let a001 = app.issue("A").await;
    app.issue("A").await;
    let c001 = app.issue("C").await;
    let step = |m: i64, k: u16, action: &'static str| async move {
        app.set_now(at(m));
        let (s, v) = app.counter(k, action, json!({})).await;
        assert_eq!(s, 200, "{action} at {k}: {v}");
    };
    step(10, 1, "call-next").await;
    step(12, 1, "start").await;
    step(18, 1, "complete").await;
    step(20, 1, "call-next").await;
    step(21, 1, "recall").await;
    step(22, 1, "no-show").await;
    step(30, 3, "call-next").await;
    step(30, 3, "start").await;
    step(45, 3, "complete").await;
    for (t, rating) in [(a001, 4), (c001, 2)] {
        let r = app
            .anon
            .post(app.url(&format!(
                "/api/v1/tickets/{}/feedback",
                t["token"].as_str().unwrap()
            )))
            .json(&json!({ "rating": rating }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
}

async fn get(app: &TestApp, query: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("{REPORTS}?{query}")))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_scripted_day_in_every_format() {
    let app = spawn_app().await;
    scripted_day(&app).await;
    let day = "from=2026-11-26&to=2026-11-26";

    let r: Value = get(&app, day).await.json().await.unwrap();
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{r}");
    assert_eq!(
        (
            &rows[0]["service"],
            &rows[0]["counter"],
            &rows[0]["issued"],
            &rows[0]["served"],
            &rows[0]["no_shows"]
        ),
        (&json!("A"), &json!(1), &json!(2), &json!(1), &json!(1))
    );
    assert_eq!(rows[0]["mean_wait_minutes"], 15.0);
    assert_eq!(rows[0]["mean_service_minutes"], 6.0);
    assert_eq!(
        (&rows[1]["service"], &rows[1]["counter"]),
        (&json!("C"), &json!(3))
    );
    assert_eq!(rows[1]["mean_wait_minutes"], 30.0);
    assert_eq!(rows[1]["mean_service_minutes"], 15.0);
    // Ratings: the count, per level, the share satisfied (4 or 5) and the mean.
    let ratings = |r: &Value| {
        (
            r["ratings"].clone(),
            r["rating_counts"].clone(),
            r["satisfaction"].clone(),
            r["mean_rating"].clone(),
        )
    };
    let levels = |l5: u32, l4: u32, l3: u32, l2: u32, l1: u32| {
        json!({"very_satisfied": l5, "satisfied": l4, "neutral": l3,
               "dissatisfied": l2, "very_dissatisfied": l1})
    };
    assert_eq!(
        ratings(&rows[0]),
        (json!(1), levels(0, 1, 0, 0, 0), json!(100.0), json!(4.0))
    );
    assert_eq!(
        ratings(&rows[1]),
        (json!(1), levels(0, 0, 0, 1, 0), json!(0.0), json!(2.0))
    );

    let r = get(&app, &format!("{day}&format=csv")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("luot-mo-cay-2026-11-26-2026-11-26.csv"));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a BOM for Excel");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0][0], "Ngày (Date)");
    assert_eq!(
        lines[1],
        [
            "2026-11-26",
            "A",
            "Tư pháp - Hộ tịch",
            "1",
            "2",
            "1",
            "1",
            "0",
            "15",
            "6",
            "1",
            "0",
            "1",
            "0",
            "0",
            "0",
            "100",
            "4",
            "0",
            "Quản trị viên",
            "30",
            "2",
            "2",
            "100",
            // Target service time 5 min: A001 (6 min) past it, A002 never served.
            "5",
            "1",
            "0",
            "0"
        ]
    );
    assert_eq!(lines[2][10..18], ["1", "0", "0", "0", "1", "0", "0", "2"]);
    assert!(text.lines().next().unwrap().contains(
        ",\"Hài lòng và rất hài lòng, % (Satisfied or very satisfied, %)\",\"Điểm đánh giá trung bình, 1-5 (Mean rating, 1-5)\",Hết hạn cuối ngày (Expired at day end),Cán bộ (Officer),"
    ));
    assert!(text
        .lines()
        .next()
        .unwrap()
        .ends_with(",\"Phục vụ trong chỉ tiêu, % (Served within target time, %)\""));
    // C001 waited exactly its 30-minute target, and was served in exactly its
    // 15: within both.
    assert_eq!(
        lines[2][19..],
        [
            "Quản trị viên",
            "30",
            "1",
            "1",
            "100",
            "15",
            "1",
            "1",
            "100"
        ]
    );
    assert_eq!(
        lines[2][1..10],
        [
            "C",
            "Đất đai - Xây dựng",
            "3",
            "1",
            "1",
            "0",
            "0",
            "30",
            "15"
        ]
    );

    let r = get(&app, &format!("{day}&format=xlsx")).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Báo cáo").unwrap();
    assert_eq!(sheet.height(), 3);
    assert_eq!(
        sheet.get((0, 2)),
        Some(&Data::String("Lĩnh vực (Service)".into()))
    );
    assert_eq!(
        sheet.get((1, 2)),
        Some(&Data::String("Tư pháp - Hộ tịch".into()))
    );
    assert_eq!(sheet.get((1, 4)), Some(&Data::Float(2.0)));
    assert_eq!(sheet.get((1, 8)), Some(&Data::Float(15.0)));
    assert_eq!(sheet.get((2, 9)), Some(&Data::Float(15.0)));
    assert_eq!(
        sheet.get((0, 16)),
        Some(&Data::String(
            "Hài lòng và rất hài lòng, % (Satisfied or very satisfied, %)".into()
        ))
    );
    let row = |r: usize| -> Vec<_> { (10..18).map(|c| sheet.get((r, c)).cloned()).collect() };
    let nums = |v: [f64; 8]| -> Vec<_> { v.into_iter().map(|n| Some(Data::Float(n))).collect() };
    assert_eq!(row(1), nums([1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 100.0, 4.0]));
    assert_eq!(row(2), nums([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 2.0]));
    assert_eq!(
        (19..28)
            .map(|c| sheet.get((1, c)).cloned())
            .collect::<Vec<_>>(),
        [
            Some(Data::String("Quản trị viên".into())),
            Some(Data::Float(30.0)),
            Some(Data::Float(2.0)),
            Some(Data::Float(2.0)),
            Some(Data::Float(100.0)),
            Some(Data::Float(5.0)),
            Some(Data::Float(1.0)),
            Some(Data::Float(0.0)),
            Some(Data::Float(0.0))
        ]
    );
    assert_eq!(
        sheet.get((0, 27)),
        Some(&Data::String(
            "Phục vụ trong chỉ tiêu, % (Served within target time, %)".into()
        ))
    );
    // Totals per service, officer and day, a sheet each.
    let officers = book.worksheet_range("Cán bộ").unwrap();
    assert_eq!(officers.height(), 2);
    assert_eq!(
        (0..12)
            .map(|c| officers.get((1, c)).cloned())
            .collect::<Vec<_>>(),
        [
            Some(Data::String("admin".into())),
            Some(Data::String("Quản trị viên".into())),
            Some(Data::Float(3.0)),
            Some(Data::Float(2.0)),
            Some(Data::Float(1.0)),
            Some(Data::Float(0.0)),
            Some(Data::Float(3.0)),
            Some(Data::Float(3.0)),
            Some(Data::Float(100.0)),
            // Served within the target service time: C001 of A001 and C001.
            Some(Data::Float(2.0)),
            Some(Data::Float(1.0)),
            Some(Data::Float(50.0))
        ]
    );
    assert_eq!(book.worksheet_range("Lĩnh vực").unwrap().height(), 3);
    assert_eq!(book.worksheet_range("Ngày").unwrap().height(), 2);
    app.stop().await;
}

/// The JSON carries the officer and the share within target on each row and
/// the totals per service, officer and day; a ticket called past its target
/// counts against it.
#[tokio::test]
async fn officers_and_targets_in_json() {
    let app = spawn_app().await;
    scripted_day(&app).await;
    // A003, issued at 45, called at 80 by quay1: past A's 30-minute target.
    app.issue("A").await;
    let quay1 = app.login("quay1").await;
    app.set_now(at(80));
    let r = app
        .bearer(&quay1)
        .post(app.url("/api/v1/centres/mo-cay/counters/1/call-next"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r: Value = get(&app, "from=2026-11-26&to=2026-11-26")
        .await
        .json()
        .await
        .unwrap();
    let rows: Vec<_> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["service"].as_str().unwrap().to_owned(),
                x["officer"].as_str().unwrap().to_owned(),
                x["issued"].as_u64().unwrap(),
                x["no_shows"].as_u64().unwrap(),
                x["target"].clone(),
                x["service_target"].clone(),
            )
        })
        .collect();
    let share = |called: u32, within: u32, percent: f64| json!({"called": called, "within": within, "percent": percent});
    let served = |served: u32, within: u32, percent: Value| json!({"served": served, "within": within, "percent": percent});
    assert_eq!(
        rows,
        [
            (
                "A".into(),
                "admin".into(),
                2,
                1,
                share(2, 2, 100.0),
                served(1, 0, json!(0.0))
            ),
            // A003 is called, not served: no share of service time.
            (
                "A".into(),
                "quay1".into(),
                1,
                0,
                share(1, 0, 0.0),
                served(0, 0, Value::Null)
            ),
            (
                "C".into(),
                "admin".into(),
                1,
                0,
                share(1, 1, 100.0),
                served(1, 1, json!(100.0))
            ),
        ],
        "{r}"
    );
    assert_eq!(r["rows"][0]["target_service_minutes"], 5);
    assert_eq!(
        r["by_service"][0]["service_target"],
        served(1, 0, json!(0.0))
    );
    assert_eq!(
        r["by_service"][1]["service_target"],
        served(1, 1, json!(100.0))
    );
    assert_eq!(r["by_day"][0]["service_target"], served(2, 1, json!(50.0)));
    assert_eq!(r["by_service"][0]["key"], "A");
    assert_eq!(r["by_service"][0]["no_shows"], 1);
    assert_eq!(r["by_service"][0]["target"], share(3, 2, 66.7));
    let officers: Vec<_> = r["by_officer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["key"].clone(),
                o["no_shows"].clone(),
                o["target"]["percent"].clone(),
            )
        })
        .collect();
    assert_eq!(
        officers,
        [
            (json!("quay1"), json!(0), json!(0.0)),
            (json!("admin"), json!(1), json!(100.0)),
        ],
        "{r}"
    );
    assert_eq!(r["by_day"][0]["target"], share(4, 3, 75.0));
    app.stop().await;
}

/// The live figures ("Hôm nay") give today's share served within the target
/// service time: A001 in 3 minutes, A002 in exactly 5, A003 in 7 against A's
/// 5-minute target: 2 of 3. C has no target service time: null.
#[tokio::test]
async fn live_share_served_within_the_target_service_time() {
    let app = spawn_app().await;
    target_service_minutes(&app, "A", 5).await;
    for _ in 0..3 {
        app.issue("A").await;
    }
    for (from, to) in [(1, 4), (5, 10), (11, 18)] {
        for (m, action) in [(from, "call-next"), (from, "start"), (to, "complete")] {
            app.set_now(at(m));
            let (s, v) = app.counter(1, action, json!({})).await;
            assert_eq!(s, 200, "{action}: {v}");
        }
    }
    let live: Value = app
        .get("/api/v1/centres/mo-cay/stats/live")
        .await
        .json()
        .await
        .unwrap();
    let service = |code: &str| {
        live["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["service"] == code)
            .unwrap()
            .clone()
    };
    let a = service("A");
    assert_eq!(
        (
            &a["served_today"],
            &a["target_service_minutes"],
            &a["service_within_target_percent"]
        ),
        (&json!(3), &json!(5), &json!(66.7)),
        "{live}"
    );
    assert_eq!(service("C")["service_within_target_percent"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn bad_ranges_and_formats_are_4xx() {
    let app = spawn_app().await;
    for (query, status, code) in [
        ("from=2026-11-26", 400, "bad_query"),
        ("from=2026-13-01&to=2026-12-01", 400, "invalid_date"),
        ("from=26/11/2026&to=2026-12-01", 400, "invalid_date"),
        ("from=2026-11-27&to=2026-11-26", 422, "invalid_range"),
        ("from=2025-01-01&to=2026-01-02", 422, "invalid_range"),
        (
            "from=2026-11-26&to=2026-11-26&format=pdf",
            400,
            "invalid_format",
        ),
    ] {
        let r = get(&app, query).await;
        assert_eq!(r.status().as_u16(), status, "{query}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], code, "{query}");
    }
    // A full leap year is fine, and an empty range is just empty.
    let r: Value = get(&app, "from=2024-01-01&to=2024-12-31")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["rows"], json!([]));
    app.stop().await;
}
