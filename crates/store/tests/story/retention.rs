//! Data retention on both backends: past a centre's `data_retention_days` the
//! personal data goes (booking names and phones, rating comments, transfer
//! notes, audit addresses, failed sign-in names, idle sessions) and the figures
//! stay (the report reads the same before and after).

use jiff::{SignedDuration, Timestamp};
use luot_domain::{BookingSettings, Channel, Phone, ReportRange};
use luot_store::auth::{Account, NewAccount, NewAudit, Role};
use luot_store::feedback::NewFeedback;
use luot_store::*;
use serde_json::json;
use sqlx::Connection;

use crate::harness::*;

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

fn at_counter(n: i64, now: Timestamp) -> CounterRef {
    CounterRef {
        centre: centre_code(),
        counter: counter(n),
        actor: "staff:lan".into(),
        now,
        audit: None,
    }
}

fn issue(service: &str, now: Timestamp) -> IssueTicket {
    IssueTicket {
        centre: centre_code(),
        service: code(service),
        priority: None,
        channel: Channel::Kiosk,
        actor: "test".into(),
        idempotency_key: None,
        print_on: None,
        now,
        audit: None,
        any_hour: false,
    }
}

fn audit(actor: &str, action: &str, centre: bool, at: Timestamp) -> NewAudit {
    NewAudit {
        at,
        actor: actor.into(),
        action: action.into(),
        centre: centre.then(centre_code),
        ip: Some("203.0.113.9".into()),
        details: json!({}),
    }
}

/// The stored text of one column (for what no query of the store returns).
async fn stored(url: &str, sql: &str) -> Vec<Option<String>> {
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    let rows: Vec<(Option<String>,)> = sqlx::query_as(sql).fetch_all(&mut c).await.unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

#[tokio::test]
async fn personal_data_goes_after_the_retention_period_and_figures_stay() {
    for b in backends().await {
        let s = b.store.as_ref();
        let now = morning();
        let mut setup = small_centre(2);
        setup.centre.data_retention_days = 60;
        s.create_centre(setup, now).await.unwrap();
        // The booking rules keep bookings longer: the centre's period wins.
        let rules = BookingRules {
            retention_days: 365,
            ..Default::default()
        };
        s.set_booking_rules(&centre_code(), rules, None)
            .await
            .unwrap();
        s.set_booking_settings(&centre_code(), &code("A"), BookingSettings::default(), None)
            .await
            .unwrap();
        let phone = Phone::parse("0912345678").unwrap();
        let booking = s
            .book(Book {
                centre: centre_code(),
                service: code("A"),
                slot_start: "2026-11-26T03:00:00Z".parse().unwrap(),
                name: "Nguyễn Văn An".into(),
                phone: phone.clone(),
                id_number: Some("079123456789".into()),
                consent_version: luot_domain::booking::CONSENT.version.into(),
                consent_text: luot_domain::booking::CONSENT.vi.into(),
                reminder_consent_version: Some(
                    luot_domain::booking::REMINDER_CONSENT.version.into(),
                ),
                now,
            })
            .await
            .unwrap();

        s.create_account(
            NewAccount {
                account: Account {
                    username: "lan".into(),
                    display_name: "Trần Thị Lan".into(),
                    role: Role::Staff,
                    centre: Some(centre_code()),
                    counters: None,
                    active: true,
                },
                password_hash: "$argon2id$stand-in".into(),
            },
            now,
            None,
        )
        .await
        .unwrap();
        s.create_session("lan", "h1", Some("10.0.0.7".into()), now, None)
            .await
            .unwrap();

        // A served and rated ticket, and one transferred with a note.
        let min = |m| now + SignedDuration::from_mins(m);
        let rated = s.issue_ticket(issue("A", min(0))).await.unwrap();
        s.issue_ticket(issue("A", min(1))).await.unwrap();
        s.call_next(at_counter(1, min(2))).await.unwrap();
        s.start(at_counter(1, min(3))).await.unwrap();
        s.complete(at_counter(1, min(9))).await.unwrap();
        let comment = "Chị Lan nhiệt tình, gọi lại cho tôi: 0912345678";
        s.rate_ticket(
            &rated.token,
            NewFeedback {
                rating: 5,
                comment: Some(comment.into()),
                source: "ticket".into(),
                now: min(10),
            },
        )
        .await
        .unwrap();
        s.call_next(at_counter(1, min(11))).await.unwrap();
        let to_b = Transfer {
            service: Some(code("B")),
            note: Some("Ông Bình, hồ sơ đất thửa 12".into()),
            ..Default::default()
        };
        s.transfer(at_counter(1, min(12)), to_b).await.unwrap();

        s.record_audit(audit("staff:lan", "counter.call_next", true, min(2)))
            .await
            .unwrap();
        s.record_audit(audit(
            "staff:0912345678",
            "auth.login_failed",
            false,
            min(3),
        ))
        .await
        .unwrap();
        s.record_audit(audit("staff:lan", "auth.login_failed", false, min(4)))
            .await
            .unwrap();

        let day = "2026-11-26".parse().unwrap();
        let range = ReportRange::new(day, day).unwrap();
        let report = s.report(&centre_code(), range).await.unwrap();

        // Within the period nothing goes.
        let erased = s.erase_expired(now + days(59)).await.unwrap();
        assert!(erased.is_empty(), "{}: {erased:?}", b.name);
        assert_eq!(
            s.appointment(&booking.code, &phone).await.unwrap().name,
            "Nguyễn Văn An"
        );

        let later = now + days(61);
        let erased = s.erase_expired(later).await.unwrap();
        assert_eq!(
            erased,
            Erased {
                bookings: 1,
                comments: 1,
                transfer_notes: 1,
                audit_entries: 3,
                sessions: 1,
                notice_phones: 0,
            },
            "{}",
            b.name
        );
        assert!(matches!(
            s.appointment(&booking.code, &phone).await,
            Err(Error::NotFound(_))
        ));
        let personal = [
            "SELECT name FROM appointments",
            "SELECT phone FROM appointments",
            "SELECT id_hash FROM appointments",
            "SELECT comment FROM feedback",
            "SELECT transfer_note FROM tickets WHERE transfer_note IS NOT NULL",
        ];
        for sql in personal {
            let left = stored(&b.url, sql).await;
            assert!(
                left.iter().all(|v| v.as_deref().unwrap_or("").is_empty()),
                "{}: {sql} -> {left:?}",
                b.name
            );
        }
        assert_eq!(
            stored(&b.url, "SELECT CAST(rating AS TEXT) FROM feedback").await,
            vec![Some("5".into())]
        );
        let log = s.audit_log(None, 10).await.unwrap();
        assert!(log.iter().all(|e| e.ip.is_none()), "{}: {log:?}", b.name);
        let actors: Vec<_> = log.iter().map(|e| e.actor.as_str()).collect();
        // A failed sign-in of a real account keeps its name; typed junk does not.
        assert_eq!(
            actors,
            ["staff:lan", "anonymous", "staff:lan"],
            "{}",
            b.name
        );
        assert!(s.session("h1").await.unwrap().is_none());
        // The figures did not move.
        assert_eq!(s.report(&centre_code(), range).await.unwrap(), report);
        // Nothing is left to erase.
        assert!(s.erase_expired(later).await.unwrap().is_empty());
    }
}

/// An erasure request names one person at one centre: their bookings (one
/// served, rated with a comment and transferred with a note, one still to
/// come), found by phone or by ID number; another person's stay as they were.
#[tokio::test]
async fn erasure_on_request_takes_one_persons_data_and_nothing_else() {
    for b in backends().await {
        let s = b.store.as_ref();
        let now = morning();
        s.create_centre(small_centre(2), now).await.unwrap();
        let settings = BookingSettings {
            capacity: 1,
            ..BookingSettings::default()
        };
        s.set_booking_settings(&centre_code(), &code("A"), settings, None)
            .await
            .unwrap();
        let mut rules = BookingRules::default();
        rules.limits.per_service_per_day = 2;
        s.set_booking_rules(&centre_code(), rules, None)
            .await
            .unwrap();
        let book = |start: &str, name: &str, phone: &str, id: Option<&str>| Book {
            centre: centre_code(),
            service: code("A"),
            slot_start: start.parse().unwrap(),
            name: name.into(),
            phone: Phone::parse(phone).unwrap(),
            id_number: id.map(Into::into),
            consent_version: luot_domain::booking::CONSENT.version.into(),
            consent_text: luot_domain::booking::CONSENT.vi.into(),
            reminder_consent_version: Some(luot_domain::booking::REMINDER_CONSENT.version.into()),
            now,
        };
        let served = s
            .book(book(
                "2026-11-26T03:00:00Z",
                "Nguyễn Văn An",
                "0912345678",
                None,
            ))
            .await
            .unwrap();
        let later = book("2026-11-26T04:00:00Z", "Nguyễn Văn An", "0912345678", None);
        s.book(later).await.unwrap();
        let other = book(
            "2026-11-26T03:30:00Z",
            "Lê Thị Bình",
            "0987654321",
            Some("079123456789"),
        );
        let other = s.book(other).await.unwrap();

        let min =
            |m| "2026-11-26T03:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_mins(m);
        let checked = s
            .check_in(CheckIn {
                by: CheckInBy::Code(served.code.clone()),
                within: None,
                actor: "kiosk:1".into(),
                refuse_repeat: false,
                print_on: None,
                now: min(-10),
                audit: None,
            })
            .await
            .unwrap();
        s.call_next(at_counter(1, min(0))).await.unwrap();
        s.start(at_counter(1, min(1))).await.unwrap();
        s.complete(at_counter(1, min(5))).await.unwrap();
        s.rate_ticket(
            &checked.ticket.token,
            NewFeedback {
                rating: 4,
                comment: Some("An, 0912345678".into()),
                source: "ticket".into(),
                now: min(6),
            },
        )
        .await
        .unwrap();

        // A walk-in ticket on which the same phone was left for turn notices.
        s.issue_ticket(issue("A", min(7))).await.unwrap();
        {
            sqlx::any::install_default_drivers();
            let mut raw = sqlx::AnyConnection::connect(&b.url).await.unwrap();
            sqlx::query(
                "INSERT INTO notice_phones (ticket_id, centre_id, phone, source, consent_version, created_at) \
                 SELECT id, centre_id, '0912345678', 'kiosk', 'v1', 0 FROM tickets WHERE status = 'waiting'",
            )
            .execute(&mut raw)
            .await
            .unwrap();
        }
        let ctx = |action: &str| AdminCtx {
            centre: centre_code(),
            actor: "staff:admin".into(),
            now: min(10),
            audit: Some(NewAudit {
                details: json!({ "by": "phone" }),
                ..audit("staff:admin", action, true, min(10))
            }),
        };
        let phone = Phone::parse("0912345678").unwrap();
        let erased = s
            .erase_person(ctx("privacy.erasure"), Person::Phone(phone.clone()))
            .await
            .unwrap();
        assert_eq!(
            erased,
            Erased {
                bookings: 2,
                comments: 1,
                notice_phones: 1,
                ..Erased::default()
            },
            "{}",
            b.name
        );
        assert_eq!(
            stored(&b.url, "SELECT status FROM appointments ORDER BY id").await,
            [
                Some("checked_in".into()),
                Some("cancelled".into()),
                Some("booked".into())
            ],
            "{}: the booking still to come is cancelled",
            b.name
        );
        assert_eq!(
            stored(&b.url, "SELECT name FROM appointments ORDER BY id").await,
            [
                Some(String::new()),
                Some(String::new()),
                Some("Lê Thị Bình".into())
            ],
            "{}",
            b.name
        );
        assert_eq!(
            stored(&b.url, "SELECT comment FROM feedback").await,
            [None],
            "{}",
            b.name
        );
        // The place of the cancelled booking is free again.
        let slots = s
            .free_slots(
                &centre_code(),
                &code("A"),
                "2026-11-26".parse().unwrap(),
                now,
            )
            .await
            .unwrap();
        let eleven = slots.slots.iter().find(|x| x.time == "11:00").unwrap();
        assert_eq!(eleven.remaining, 1, "{}", b.name);
        let log = s.audit_log(None, 10).await.unwrap();
        assert_eq!(log[0].action, "privacy.erasure");
        assert_eq!(log[0].details["erased"]["bookings"], 2, "{}", b.name);
        assert!(stored(&b.url, "SELECT phone FROM notice_phones")
            .await
            .is_empty());
        assert!(!log[0].details.to_string().contains("0912345678"));

        // By ID number: the other person, whose phone is not asked for.
        let by_id = Person::IdNumber("079123456789".into());
        let erased = s
            .erase_person(ctx("privacy.erasure"), by_id.clone())
            .await
            .unwrap();
        assert_eq!(erased.total(), 1, "{}", b.name);
        assert!(matches!(
            s.appointment(&other.code, &Phone::parse("0987654321").unwrap())
                .await,
            Err(Error::NotFound(_))
        ));
        // Asked again, nothing more; an unknown centre is NotFound.
        assert!(s
            .erase_person(ctx("privacy.erasure"), by_id)
            .await
            .unwrap()
            .is_empty());
        let elsewhere = AdminCtx {
            centre: luot_domain::CentreCode::parse("khong-co").unwrap(),
            ..ctx("privacy.erasure")
        };
        assert!(matches!(
            s.erase_person(elsewhere, Person::Phone(phone)).await,
            Err(Error::NotFound(_))
        ));
    }
}

/// Idempotency-Keys live a day: a retry within it gets its ticket, the
/// housekeeping pass deletes older keys (and only those), a day later the
/// same key is a new press.
#[tokio::test]
async fn idempotency_keys_older_than_a_day_are_pruned() {
    for b in backends().await {
        let s = b.store.as_ref();
        let now = morning();
        s.create_centre(small_centre(1), now).await.unwrap();
        let keyed = |key: &str, at: Timestamp| IssueTicket {
            idempotency_key: Some(key.into()),
            any_hour: true,
            ..issue("A", at)
        };
        let first = s.issue_ticket(keyed("press-1", now)).await.unwrap();

        // Within the day nothing goes and a retry gets the same ticket.
        let within = now + SignedDuration::from_hours(23);
        assert_eq!(
            s.prune_idempotency_keys(within).await.unwrap(),
            0,
            "{}",
            b.name
        );
        let retry = s.issue_ticket(keyed("press-1", within)).await.unwrap();
        assert_eq!(retry.number, first.number, "{}", b.name);
        assert_eq!(retry.token, first.token, "{}", b.name);
        s.issue_ticket(keyed("press-2", within)).await.unwrap();

        // Past the day the old key goes, the fresh one stays.
        let later = now + KEY_LIFETIME + SignedDuration::from_mins(1);
        assert_eq!(
            s.prune_idempotency_keys(later).await.unwrap(),
            1,
            "{}",
            b.name
        );
        assert_eq!(
            stored(&b.url, "SELECT key FROM idempotency_keys").await,
            vec![Some("press-2".into())],
            "{}",
            b.name
        );
        assert_eq!(
            s.prune_idempotency_keys(later).await.unwrap(),
            0,
            "{}",
            b.name
        );
        // The fresh key still answers with its ticket; the pruned one is a new press.
        let again = s.issue_ticket(keyed("press-1", later)).await.unwrap();
        assert_ne!(again.token, first.token, "{}", b.name);
    }
}

/// The prune deletes at most a batch per call, oldest first.
#[tokio::test]
async fn idempotency_keys_are_pruned_in_batches() {
    for b in backends().await {
        let s = b.store.as_ref();
        let now = morning();
        s.create_centre(small_centre(1), now).await.unwrap();
        let n = KEY_PRUNE_BATCH + 5;
        let cmds = (0..n)
            .map(|i| IssueTicket {
                idempotency_key: Some(format!("k{i}")),
                any_hour: true,
                ..issue("A", now)
            })
            .collect::<Vec<_>>();
        for cmd in cmds {
            s.issue_ticket(cmd).await.unwrap();
        }
        let later = now + KEY_LIFETIME + SignedDuration::from_secs(1);
        assert_eq!(
            s.prune_idempotency_keys(later).await.unwrap(),
            KEY_PRUNE_BATCH,
            "{}",
            b.name
        );
        assert_eq!(
            s.prune_idempotency_keys(later).await.unwrap(),
            5,
            "{}",
            b.name
        );
        assert_eq!(
            s.prune_idempotency_keys(later).await.unwrap(),
            0,
            "{}",
            b.name
        );
        assert!(stored(&b.url, "SELECT key FROM idempotency_keys")
            .await
            .is_empty());
    }
}
