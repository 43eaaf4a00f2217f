//! "Your turn is near" for bookings, on both backends: a booking whose
//! reminder consent covers turn notices (`reminders-2026-12-v2`) has its phone
//! left on the ticket its check-in issues, and the notice goes out to it; a
//! booking without that consent (none, or the first reminders text) gets
//! none; withdrawing the reminder consent deletes the phone.

use jiff::Timestamp;
use luot_domain::booking::{ConsentPurpose, REMINDER_CONSENT};
use luot_domain::notice::{Channel, Notifier, Threshold};
use luot_store::notices::{NoticeSource, RegisterNotice, MAX_PHONES_PER_CENTRE};
use luot_store::*;

use crate::booking::{book_cmd, centre_with_capacity, mins, phone, ten};
use crate::harness::*;

fn check_in(code: &luot_domain::BookingCode, now: Timestamp) -> CheckIn {
    CheckIn {
        within: None,
        by: CheckInBy::Code(code.clone()),
        actor: "kiosk:1".into(),
        refuse_repeat: false,
        print_on: None,
        now,
        audit: None,
    }
}

async fn set_notifier(s: &dyn Store) {
    let ctx = AdminCtx {
        centre: centre_code(),
        actor: "staff:admin".into(),
        now: morning(),
        audit: None,
    };
    let notifier = Notifier {
        channel: Channel::Webhook {
            url: "http://127.0.0.1:9/notice".into(),
            secret: "sixteen characters at least".into(),
        },
        ahead: 3,
        ahead_by_service: Default::default(),
    };
    s.set_notifier(ctx, Some(notifier)).await.unwrap();
}

#[tokio::test]
async fn a_booking_with_the_reminder_consent_gets_turn_notices_after_check_in() {
    for b in backends().await {
        let (s, name) = (b.store.as_ref(), b.name);
        centre_with_capacity(s, 3).await;
        set_notifier(s).await;
        let with = s.book(book_cmd("A", ten(), phone(1))).await.unwrap();
        let without = s
            .book(Book {
                reminder_consent_version: None,
                ..book_cmd("A", ten(), phone(2))
            })
            .await
            .unwrap();
        // Made under the first reminder text, which named no turn notices.
        let old = s
            .book(Book {
                reminder_consent_version: Some("reminders-2026-12-v1".into()),
                ..book_cmd("A", ten(), phone(3))
            })
            .await
            .unwrap();
        assert_eq!(
            with.reminder_consent_version.as_deref(),
            Some(REMINDER_CONSENT.version)
        );
        assert_eq!(
            (with.turn_notices, without.turn_notices, old.turn_notices),
            (true, false, false),
            "{name}: what the booking promises"
        );
        // The answer to a booking is what a look-up shows of it.
        for (booked, p) in [(&with, 1), (&without, 2), (&old, 3)] {
            let read = s.appointment(&booked.code, &phone(p)).await.unwrap();
            assert_eq!(&read, booked, "{name}");
        }

        let at = ten() - mins(20);
        let mine = s.check_in(check_in(&with.code, at)).await.unwrap();
        let theirs = s.check_in(check_in(&without.code, at)).await.unwrap();
        let older = s.check_in(check_in(&old.code, at)).await.unwrap();
        assert!(mine.appointment.turn_notices, "{name}");
        assert!(!theirs.appointment.turn_notices, "{name}");
        assert!(!older.appointment.turn_notices, "{name}");
        let notices = s.ticket_notices(&mine.ticket.token).await.unwrap();
        assert_eq!(notices.phone.as_deref(), Some("0900***001"), "{name}");
        for other in [&theirs, &older] {
            let n = s.ticket_notices(&other.ticket.token).await.unwrap();
            assert_eq!(n.phone, None, "{name}: {}", other.ticket.number);
        }

        // All three are within 3 of the counter: only the one with a phone is told.
        let now = at + mins(1);
        assert_eq!(s.enqueue_notices(now).await.unwrap(), 1, "{name}");
        let due = s.due_notices(now, 10).await.unwrap();
        assert_eq!(due.len(), 1, "{name}");
        assert_eq!(due[0].phone, phone(1), "{name}");
        assert_eq!(due[0].notice.threshold, Threshold::Near, "{name}");
        assert_eq!(due[0].notice.number, mine.ticket.number, "{name}");

        // Withdrawing the reminder consent deletes the phone from the ticket.
        let v = s
            .withdraw_consent(&with.code, &phone(1), ConsentPurpose::Reminders, now)
            .await
            .unwrap();
        assert_eq!(
            (v.reminder_consent_version, v.turn_notices),
            (None, false),
            "{name}"
        );
        let notices = s.ticket_notices(&mine.ticket.token).await.unwrap();
        assert_eq!(notices.phone, None, "{name}");
    }
}

/// A centre that sends no notices keeps no phone, and the check-in goes on.
#[tokio::test]
async fn without_a_notifier_check_in_keeps_no_phone() {
    for b in backends().await {
        let (s, name) = (b.store.as_ref(), b.name);
        centre_with_capacity(s, 2).await;
        let a = s.book(book_cmd("A", ten(), phone(1))).await.unwrap();
        assert!(!a.turn_notices, "{name}: the centre sends none");
        let out = s
            .check_in(check_in(&a.code, ten() - mins(20)))
            .await
            .unwrap();
        assert!(out.new && !out.appointment.turn_notices, "{name}");
        let n = s.ticket_notices(&out.ticket.token).await.unwrap();
        assert_eq!((n.available, n.phone), (false, None), "{name}");
    }
}

/// A centre holds at most `MAX_PHONES_PER_CENTRE` phones for notices. Past
/// that, a phone left on the status page is refused (`Unavailable`), and a
/// booking's check-in still issues its ticket, only without turn notices.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_list_of_phones_refuses_more_and_check_in_goes_on() {
    use futures::future::join_all;
    use sqlx::Connection;
    for b in backends().await {
        let (s, name) = (b.store.as_ref(), b.name);
        centre_with_capacity(s, 2).await;
        set_notifier(s).await;
        let a = s.book(book_cmd("A", ten(), phone(1))).await.unwrap();
        assert!(a.turn_notices, "{name}");
        // The list filled: a phone on each of as many walk-in tickets.
        let at = ten() - mins(20);
        let cap = usize::try_from(MAX_PHONES_PER_CENTRE).unwrap();
        for chunk in 0..cap.div_ceil(500) {
            let n = 500.min(cap - chunk * 500);
            let issued = join_all((0..n).map(|_| s.issue_ticket(walk_in("B", at)))).await;
            assert!(issued.iter().all(Result::is_ok), "{name}");
        }
        let mut c = sqlx::AnyConnection::connect(&b.url).await.unwrap();
        sqlx::query(
            "INSERT INTO notice_phones (ticket_id, centre_id, phone, source, consent_version, \
             created_at) SELECT id, centre_id, '0900000000', 'status_page', 'test', 0 \
             FROM tickets",
        )
        .execute(&mut c)
        .await
        .unwrap();
        c.close().await.unwrap();
        let extra = s.issue_ticket(walk_in("B", at)).await.unwrap();
        let refused = s
            .register_notice(RegisterNotice {
                token: extra.token.clone(),
                phone: phone(2),
                consent_version: "notices-test".into(),
                source: NoticeSource::StatusPage,
                now: at,
            })
            .await;
        assert!(
            matches!(&refused, Err(Error::Unavailable(m)) if m.contains("too many phones")),
            "{name}: {refused:?}"
        );
        let out = s.check_in(check_in(&a.code, at)).await.unwrap();
        assert!(out.new, "{name}: the check-in issued its ticket");
        assert!(!out.appointment.turn_notices, "{name}: without notices");
        let n = s.ticket_notices(&out.ticket.token).await.unwrap();
        assert_eq!(n.phone, None, "{name}");
    }
}
