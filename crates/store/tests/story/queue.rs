//! The queue's rules through the store: numbering, call order, hours, events.

use luot_domain::{Channel, EventKind, TicketStatus};
use luot_store::{CounterRef, IssueTicket};

use crate::harness::*;

fn issue(service: &str, at: jiff::Timestamp) -> IssueTicket {
    IssueTicket {
        centre: centre_code(),
        service: code(service),
        priority: None,
        channel: Channel::Kiosk,
        actor: "test".into(),
        idempotency_key: None,
        print_on: None,
        now: at,
        audit: None,
        any_hour: false,
    }
}

fn at_counter(n: i64, now: jiff::Timestamp) -> CounterRef {
    CounterRef {
        centre: centre_code(),
        counter: counter(n),
        actor: "staff:test".into(),
        now,
        audit: None,
    }
}

#[tokio::test]
async fn numbering_call_order_and_events() {
    for b in backends().await {
        let s = &b.store;
        s.create_centre(small_centre(2), morning()).await.unwrap();
        assert!(!s.is_empty().await.unwrap());
        // A second centre with the same code is refused.
        assert!(
            s.create_centre(small_centre(1), morning()).await.is_err(),
            "{}",
            b.name
        );

        let mut rx = s.subscribe();
        let a1 = s.issue_ticket(issue("A", morning())).await.unwrap();
        let b1 = s.issue_ticket(issue("B", morning())).await.unwrap();
        assert_eq!(
            (a1.number.as_str(), b1.number.as_str()),
            ("A001", "1001"),
            "{}",
            b.name
        );

        let t = morning() + jiff::SignedDuration::from_mins(1);
        let called = s.call_next(at_counter(2, t)).await.unwrap().ticket.unwrap();
        assert_eq!(called.number, "A001");
        assert_eq!(called.status, TicketStatus::Called);

        // Events arrive after commit, in order, with increasing ids.
        let e1 = rx.recv().await.unwrap();
        let e2 = rx.recv().await.unwrap();
        let e3 = rx.recv().await.unwrap();
        assert!(e1.id < e2.id && e2.id < e3.id);
        assert!(matches!(e3.kind, EventKind::TicketCalled { ref number, .. } if number == "A001"));
        let logged = s.events_after(&centre_code(), e1.id, 100).await.unwrap();
        assert_eq!(
            logged.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![e2.id, e3.id]
        );

        let q = s.queue(&centre_code(), t).await.unwrap();
        assert_eq!(q.waiting.len(), 1);
        assert_eq!(q.last_event_id, e3.id);
        assert_eq!(q.counters[1].current.as_ref().unwrap().number, "A001");
        s.close().await;
    }
}

#[tokio::test]
async fn hours_are_enforced_where_the_centre_asks() {
    for b in backends().await {
        let s = &b.store;
        s.create_centre(small_centre(1), morning()).await.unwrap();
        // 12:00 local: lunch break.
        let lunch: jiff::Timestamp = "2026-11-26T05:00:00Z".parse().unwrap();
        let err = s.issue_ticket(issue("A", lunch)).await.unwrap_err();
        assert!(
            matches!(
                err,
                luot_store::Error::Rule(luot_domain::Error::Closed { .. })
            ),
            "{}: {err}",
            b.name
        );
        // A refused command leaves no trace: the next number is still 001.
        assert_eq!(
            s.issue_ticket(issue("A", morning())).await.unwrap().number,
            "A001"
        );
        s.close().await;
    }
}

#[tokio::test]
async fn data_survives_a_reopen() {
    for b in backends().await {
        b.store
            .create_centre(small_centre(1), morning())
            .await
            .unwrap();
        let t = b.store.issue_ticket(issue("A", morning())).await.unwrap();
        b.store.close().await;
        let reopened = luot_store::connect(&b.url, Default::default())
            .await
            .unwrap();
        let again = reopened.ticket_by_token(&t.token, morning()).await.unwrap();
        assert_eq!(again.number, "A001", "{}", b.name);
        reopened.close().await;
    }
}
