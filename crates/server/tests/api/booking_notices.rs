//! "Your turn is near" for a booking made online: with the reminder consent
//! (`reminders-2026-12-v2`, which covers the ticket's turn notices) the
//! booking's phone is left on the ticket at check-in, so the notifier sends
//! "near" to it; without it, nothing is left; withdrawing the reminder consent
//! deletes it.

use luot_domain::booking::REMINDER_CONSENT;
use serde_json::{json, Value};

use crate::booking::{at, book, booking, ten, with_phone};
use crate::helpers::*;
use crate::one_stop::{signed, SECRET};
use crate::turn_notices::{set_notifier, worker, Gateway};

const PHONE: &str = "0912345678";

#[tokio::test]
async fn a_booking_with_reminders_gets_turn_notices_after_check_in() {
    let app = spawn_app().await;
    let gw = Gateway::default();
    let url = gw.clone().start().await;
    set_notifier(
        &app,
        json!({"kind": "webhook", "url": format!("{url}/notice"), "secret": SECRET}),
    )
    .await;
    // The consent text and the refusal of the first one: booking.rs.
    let mut b = booking("A", ten(), PHONE);
    b["reminders"] = json!(true);
    b["reminders_consent_version"] = json!(REMINDER_CONSENT.version);
    let (status, a) = book(&app, b).await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["turn_notices"], true, "{a}");
    let (_, plain) = book(&app, booking("A", ten(), "0987654321")).await;
    assert_eq!(plain["turn_notices"], false, "{plain}");

    app.set_now(at(-20));
    let code = a["code"].as_str().unwrap();
    let r = app
        .post(&format!("/api/v1/appointments/{code}/check-in"), json!({}))
        .await;
    assert_eq!(r.status(), 201);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["appointment"]["turn_notices"], true, "{out}");
    let other = plain["code"].as_str().unwrap();
    let r = app
        .post(&format!("/api/v1/appointments/{other}/check-in"), json!({}))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        column(&app.db_url, "SELECT source FROM notice_phones").await,
        [Some("booking".to_owned())],
        "only the booking with the consent left its phone"
    );

    // No one ahead of it: "near" goes to the booking's phone.
    let (task, mut done) = worker(&app, None, None);
    let seen = gw.wait_for(1, &mut done).await;
    assert_eq!(seen[0].header("x-luot-event"), "notice.near");
    assert!(signed(seen[0].header("x-luot-signature"), &seen[0].body));
    let n: Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        (&n["phone"], &n["number"]),
        (&json!(PHONE), &out["ticket"]["number"])
    );
    task.abort();

    // Withdrawing the reminder consent deletes the phone from the ticket.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/appointments/{code}/withdraw")))
        .header("x-phone", PHONE)
        .json(&json!({"purpose": "reminders"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(column(&app.db_url, "SELECT phone FROM notice_phones")
        .await
        .is_empty());
    let path = format!("/api/v1/appointments/{code}");
    let (_, v) = with_phone(&app, reqwest::Method::GET, &path, Some(PHONE)).await;
    assert_eq!(v["turn_notices"], false, "{v}");
    app.stop().await;
}
