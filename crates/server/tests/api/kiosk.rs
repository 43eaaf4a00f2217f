//! Kiosk routes and their audiences: the print agent's websocket, the kiosk's
//! own health, every kiosk's health for administrators; a kiosk's ticket gets
//! a print job for that kiosk.

use serde_json::{json, Value};

use crate::helpers::{connect_agent, kiosk_me, next_print_job, spawn_app, working_morning};

const ME: &str = "/api/v1/kiosks/me";
const LIST: &str = "/api/v1/kiosks";

#[tokio::test]
async fn kiosk_routes_have_their_audiences() {
    let app = spawn_app().await;
    let kiosk = app.bearer(&app.kiosk_token);
    let rating = app.bearer(&app.rating_token);
    let quay1 = app.bearer(&app.login("quay1").await);

    // The kiosk's own state: the kiosk device only.
    assert_eq!(
        app.anon.get(app.url(ME)).send().await.unwrap().status(),
        401
    );
    for other in [&rating, &quay1, &app.client] {
        let r = other.get(app.url(ME)).send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "forbidden");
    }
    let me = kiosk_me(&app, &app.kiosk_token).await;
    assert_eq!(me["device"]["kind"], "kiosk");
    assert_eq!(me["device"]["centre"], "mo-cay");
    // No agent ever connected: the page warns that tickets will not print.
    assert_eq!(me["health"], Value::Null);
    let id = me["device"]["id"].as_i64().unwrap();

    // Every kiosk's health: administrators only.
    assert_eq!(
        app.anon.get(app.url(LIST)).send().await.unwrap().status(),
        401
    );
    for other in [&kiosk, &rating, &quay1] {
        assert_eq!(other.get(app.url(LIST)).send().await.unwrap().status(), 403);
    }
    let list: Value = app
        .client
        .get(app.url(LIST))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kiosks = list.as_array().unwrap();
    assert_eq!(kiosks.len(), 1, "{list}");
    assert_eq!(kiosks[0]["device"]["id"], id);
    assert!(kiosks.iter().all(|k| k["device"]["kind"] == "kiosk"));

    // The agent: a kiosk device, `me` or its own id; the websocket check comes after.
    let agent = |k: &str| app.url(&format!("/api/v1/kiosks/{k}/agent"));
    assert_eq!(
        app.anon.get(agent("me")).send().await.unwrap().status(),
        401
    );
    assert_eq!(rating.get(agent("me")).send().await.unwrap().status(), 403);
    assert_eq!(quay1.get(agent("me")).send().await.unwrap().status(), 403);
    assert_eq!(
        kiosk
            .get(agent(&(id + 1).to_string()))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        kiosk.get(agent("nonsense")).send().await.unwrap().status(),
        403
    );
    for own in ["me".to_string(), id.to_string()] {
        let r = kiosk.get(agent(&own)).send().await.unwrap();
        assert_eq!(r.status(), 426, "{own}: a plain GET is not an upgrade");
    }

    // A kiosk's ticket is to be printed on that kiosk; a staff ticket is not printed.
    let t = app.issue("A").await;
    assert_eq!(t["channel"], "kiosk");
    let jobs = app.state.store.pending_print_jobs(id, 0).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].ticket_token, t["token"].as_str().unwrap());
    let r = quay1
        .post(app.url("/api/v1/centres/mo-cay/tickets"))
        .json(&json!({"service": "A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        app.state
            .store
            .pending_print_jobs(id, 0)
            .await
            .unwrap()
            .len(),
        1
    );
    let me = kiosk_me(&app, &app.kiosk_token).await;
    assert_eq!(me["health"], Value::Null, "no agent report yet");
    assert_eq!(me["pending_jobs"], 1);
    let list: Value = app
        .client
        .get(app.url(LIST))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["pending_jobs"], 1);
    app.stop().await;
}

#[tokio::test]
async fn kiosk_routes_are_in_the_openapi_document() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    for p in [LIST, ME, "/api/v1/kiosks/{kiosk}/agent"] {
        assert!(doc["paths"][p]["get"].is_object(), "{p} missing");
    }
    assert!(doc["paths"]["/api/v1/kiosks/{kiosk}/jobs/{job}/reprint"]["post"].is_object());
    app.stop().await;
}

#[tokio::test]
async fn after_an_outage_finished_and_old_tickets_are_not_printed() {
    use luot_print::Paper;

    let app = spawn_app().await;
    let me = kiosk_me(&app, &app.kiosk_token).await;
    let id = me["device"]["id"].as_i64().unwrap();
    // No agent runs for a while: one ticket is served meanwhile, one grows old.
    let served = app.issue("A").await;
    assert_eq!(app.counter(1, "call-next", json!({})).await.0, 200);
    assert_eq!(app.counter(1, "start", json!({})).await.0, 200);
    assert_eq!(app.counter(1, "complete", json!({})).await.0, 200);
    let _old = app.issue("B").await;
    app.set_now(crate::helpers::working_morning() + jiff::SignedDuration::from_mins(31));
    let fresh = app.issue("C").await;
    assert_eq!(
        app.state
            .store
            .pending_print_jobs(id, 0)
            .await
            .unwrap()
            .len(),
        3
    );

    // The agent connects: only the fresh ticket is sent, the others are retired.
    let mut ws = connect_agent(&app, &app.kiosk_token, Paper::Mm80).await;
    let printed = next_print_job(&mut ws).await.1.number;
    assert_eq!(printed, fresh["number"].as_str().unwrap());
    assert_ne!(printed, served["number"].as_str().unwrap());
    let left = app.state.store.pending_print_jobs(id, 0).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].ticket_token, fresh["token"].as_str().unwrap());
    drop(ws);
    app.stop().await;
}

/// A kiosk whose agent went quiet (its server process died without recording
/// the close) is shown disconnected once it missed its pongs; a pong brings it
/// back.
#[tokio::test]
async fn a_kiosk_unheard_for_a_while_is_shown_disconnected() {
    use futures::SinkExt;
    use tokio_tungstenite::tungstenite::Message;

    let app = spawn_app().await;
    let mut ws = connect_agent(&app, &app.kiosk_token, luot_print::Paper::Mm80).await;
    let connected = |me: &Value| me["health"]["connected"].clone();
    // The agent's messages are recorded as the server reads them: poll, bounded.
    let app_ref = &app;
    let kiosk_once = move |done: fn(&Value) -> bool| async move {
        let mut me = kiosk_me(app_ref, &app_ref.kiosk_token).await;
        for _ in 0..200 {
            if done(&me) {
                break;
            }
            me = kiosk_me(app_ref, &app_ref.kiosk_token).await;
        }
        me
    };
    // Wait until the hello is recorded (it names the agent's version).
    let me = kiosk_once(|me| me["health"]["version"] == json!("test")).await;
    assert_eq!(connected(&me), json!(true), "{me}");

    // Two minutes of silence on the centre's clock: no longer connected.
    let later = working_morning() + jiff::SignedDuration::from_secs(120);
    app.set_now(later);
    let me = kiosk_me(&app, &app.kiosk_token).await;
    assert_eq!(connected(&me), json!(false), "{me}");
    let list: Value = app.get(LIST).await.json().await.unwrap();
    assert_eq!(list[0]["health"]["connected"], json!(false), "{list}");

    // A pong is a sign of life.
    let pong = serde_json::to_string(&luot_print::KioskMessage::Pong).unwrap();
    ws.send(Message::text(pong)).await.unwrap();
    let me = kiosk_once(|me| me["health"]["connected"] == json!(true)).await;
    assert_eq!(connected(&me), json!(true), "{me}");
    assert_eq!(me["health"]["last_seen"], json!(later.to_string()), "{me}");
    app.stop().await;
}

/// A ticket whose print is `unknown` shows in the admin's kiosk list with why;
/// staff print it again on the same kiosk, marked as a reprint, and the copy is
/// audited. Only the kiosk's own centre's staff may, and only a real job.
#[tokio::test]
async fn staff_reprint_an_unconfirmed_ticket_marked_and_audited() {
    use futures::SinkExt;
    use luot_print::{JobOutcome, KioskMessage, Paper};
    use tokio_tungstenite::tungstenite::Message;

    let app = spawn_app().await;
    let id = kiosk_me(&app, &app.kiosk_token).await["device"]["id"]
        .as_i64()
        .unwrap();
    let mut ws = connect_agent(&app, &app.kiosk_token, Paper::Mm80).await;
    let t = app.issue("A").await;
    let (job, first) = next_print_job(&mut ws).await;
    assert!(!first.reprint);
    let outcome = KioskMessage::Outcome {
        job_id: job,
        outcome: JobOutcome::Unknown,
        reason: "no answer from the printer after the ticket".into(),
    };
    let text = serde_json::to_string(&outcome).unwrap();
    ws.send(Message::Text(text.into())).await.unwrap();

    // The admin's list names the ticket and why, once the agent's answer is in.
    let answered = async {
        loop {
            let list: Value = app.get(LIST).await.json().await.unwrap();
            let jobs = list[0]["unconfirmed_jobs"].clone();
            if jobs.as_array().is_some_and(|j| !j.is_empty()) {
                return jobs;
            }
            tokio::task::yield_now().await;
        }
    };
    let unconfirmed = tokio::time::timeout(std::time::Duration::from_secs(10), answered)
        .await
        .expect("the outcome is recorded");
    assert_eq!(unconfirmed[0]["job_id"], job);
    assert_eq!(unconfirmed[0]["ticket_number"], t["number"]);
    assert_eq!(unconfirmed[0]["outcome"], "unknown");
    assert_eq!(
        unconfirmed[0]["reason"],
        "no answer from the printer after the ticket"
    );

    let path = |k: i64, j: u64| format!("/api/v1/kiosks/{k}/jobs/{j}/reprint");
    let kiosk = app.bearer(&app.kiosk_token);
    assert_eq!(
        app.anon
            .post(app.url(&path(id, job)))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        kiosk
            .post(app.url(&path(id, job)))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let quay1 = app.bearer(&app.login("quay1").await);
    for (k, j) in [(id, job + 100), (id + 100, job)] {
        let r = quay1.post(app.url(&path(k, j))).send().await.unwrap();
        assert_eq!(r.status(), 404, "{k}/{j}");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "not_found");
    }
    let r = quay1.post(app.url(&path(id, job))).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let copy = r.json::<Value>().await.unwrap()["job_id"].as_u64().unwrap();
    assert_ne!(copy, job);

    // The copy goes to the same kiosk, the same ticket, marked as a reprint.
    let (again, second) = next_print_job(&mut ws).await;
    assert_eq!(again, copy);
    assert_eq!(second.number, first.number);
    assert!(second.reprint);

    let audit = app.get("/api/v1/audit").await.text().await.unwrap();
    let audit: Value = serde_json::from_str(&audit).unwrap();
    let entry = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "print.reprint")
        .expect("the reprint is audited")
        .clone();
    assert_eq!(entry["actor"], "staff:quay1");
    assert_eq!(entry["details"]["job"], job);
    assert_eq!(entry["details"]["kiosk"], id);
    app.stop().await;
}

/// The kiosk's own "In lại phiếu" button: a ticket of this kiosk whose print
/// went wrong is printed again once, within 60 s of issue (the test clock),
/// marked as a reprint and audited with the kiosk as actor; a second tap, a
/// ticket still printing and a ticket past the minute get 409 with a stable code.
#[tokio::test]
async fn kiosk_reprints_its_own_ticket_once_within_a_minute() {
    use futures::SinkExt;
    use jiff::SignedDuration;
    use luot_print::{JobOutcome, KioskMessage, Paper};
    use tokio_tungstenite::tungstenite::Message;

    let app = spawn_app().await;
    let id = kiosk_me(&app, &app.kiosk_token).await["device"]["id"]
        .as_i64()
        .unwrap();
    let kiosk = app.bearer(&app.kiosk_token);
    let mut ws = connect_agent(&app, &app.kiosk_token, Paper::Mm80).await;
    let path = |token: &Value| {
        app.url(&format!(
            "/api/v1/kiosks/me/tickets/{}/reprint",
            token.as_str().unwrap()
        ))
    };
    let tap = |token: Value| {
        let kiosk = kiosk.clone();
        let url = path(&token);
        async move {
            let r = kiosk.post(url).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    let answer = |job: u64, outcome: JobOutcome| {
        let msg = KioskMessage::Outcome {
            job_id: job,
            outcome,
            reason: "no answer from the printer after the ticket".into(),
        };
        Message::Text(serde_json::to_string(&msg).unwrap().into())
    };
    // Until the kiosk's answer about `number` is recorded.
    let app_ref = &app;
    let answered = |number: Value| async move {
        for _ in 0..500 {
            let me = kiosk_me(app_ref, &app_ref.kiosk_token).await;
            let jobs = me["recent_jobs"].as_array().cloned().unwrap_or_default();
            if jobs
                .iter()
                .any(|j| j["ticket_number"] == number && !j["outcome"].is_null())
            {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("the outcome of {number} is never recorded");
    };

    let t = app.issue("A").await;
    let (job, first) = next_print_job(&mut ws).await;
    assert!(!first.reprint);
    // Still printing: nothing to print again.
    let (status, body) = tap(t["token"].clone()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("reprint_not_needed"))
    );

    ws.send(answer(job, JobOutcome::Unknown)).await.unwrap();
    answered(t["number"].clone()).await;
    // Only the kiosk device, and only its own tickets.
    let url = path(&t["token"]);
    assert_eq!(app.anon.post(&url).send().await.unwrap().status(), 401);
    let quay1 = app.bearer(&app.login("quay1").await);
    assert_eq!(quay1.post(&url).send().await.unwrap().status(), 403);
    let (status, body) = tap(json!("NoSuchTicketToken00000")).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));

    // 59 s after issue: printed again, once.
    app.set_now(working_morning() + SignedDuration::from_secs(59));
    let (status, body) = tap(t["token"].clone()).await;
    assert_eq!(status, 202, "{body}");
    let copy = body["job_id"].as_u64().unwrap();
    let (again, second) = next_print_job(&mut ws).await;
    assert_eq!(again, copy);
    assert_eq!(second.number, first.number);
    assert!(second.reprint, "marked BẢN IN LẠI");
    let (status, body) = tap(t["token"].clone()).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("reprint_used")));
    assert!(
        body["message"].as_str().unwrap().contains("in lại"),
        "{body}"
    );

    // Another ticket that failed, asked for 61 s after its issue: too late.
    let late = app.issue("A").await;
    let (failed, _) = next_print_job(&mut ws).await;
    ws.send(answer(failed, JobOutcome::Failed)).await.unwrap();
    answered(late["number"].clone()).await;
    app.set_now(working_morning() + SignedDuration::from_secs(59 + 61));
    let (status, body) = tap(late["token"].clone()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("reprint_too_late"))
    );

    // One audit entry, the kiosk's, for the one copy.
    let audit: Value = app.get("/api/v1/audit").await.json().await.unwrap();
    let entries: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "print.reprint")
        .collect();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["actor"], format!("kiosk:{id}"));
    assert_eq!(entries[0]["details"]["job"], job);
    app.stop().await;
}
