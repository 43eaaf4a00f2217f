//! Reports over a scripted day: the figures are the ones a person counts by hand.

use jiff::{SignedDuration, Timestamp};
use luot_domain::{Channel, ReportRange};
use luot_store::{CounterRef, IssueTicket};

use crate::harness::*;

fn issue(service: &str, at: Timestamp) -> IssueTicket {
    IssueTicket {
        centre: centre_code(),
        service: code(service),
        priority: None,
        channel: Channel::Kiosk,
        actor: "test".into(),
        idempotency_key: None,
        print_on: None,
        now: at,
    }
}

fn at(n: i64, now: Timestamp) -> CounterRef {
    CounterRef {
        centre: centre_code(),
        counter: counter(n),
        actor: "staff:test".into(),
        now,
    }
}

fn min(m: i64) -> Timestamp {
    morning() + SignedDuration::from_mins(m)
}

#[tokio::test]
async fn a_scripted_day_adds_up() {
    for b in backends().await {
        let s = &b.store;
        let mut setup = small_centre(2);
        setup.counters[1].serves = vec![code("B")];
        s.create_centre(setup, morning()).await.unwrap();
        s.issue_ticket(issue("A", min(0))).await.unwrap();
        s.issue_ticket(issue("A", min(1))).await.unwrap();
        s.issue_ticket(issue("B", min(2))).await.unwrap();
        let t = s.call_next(at(1, min(10))).await.unwrap().ticket.unwrap();
        assert_eq!(t.number, "A001");
        s.start(at(1, min(11))).await.unwrap();
        s.complete(at(1, min(16))).await.unwrap();
        let t = s.call_next(at(1, min(20))).await.unwrap().ticket.unwrap();
        assert_eq!(t.number, "A002");
        s.recall(at(1, min(22))).await.unwrap();
        s.no_show(at(1, min(24))).await.unwrap();
        let t = s.call_next(at(2, min(30))).await.unwrap().ticket.unwrap();
        assert_eq!(t.number, "1001");
        s.start(at(2, min(30))).await.unwrap();
        s.complete(at(2, min(40))).await.unwrap();
        s.issue_ticket(issue("A", min(24 * 60))).await.unwrap();

        let day1 = "2026-11-26".parse().unwrap();
        let day2 = "2026-11-27".parse().unwrap();
        let r = s
            .report(&centre_code(), ReportRange::new(day1, day2).unwrap())
            .await
            .unwrap();
        let rows: Vec<_> = r
            .rows
            .iter()
            .map(|r| {
                (
                    r.day.to_string(),
                    r.service.to_string(),
                    r.counter.map(|c| c.get()),
                    (r.issued, r.served, r.no_shows, r.cancelled),
                    r.mean_wait_minutes,
                    r.mean_service_minutes,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (
                    "2026-11-26".into(),
                    "A".into(),
                    Some(1),
                    (2, 1, 1, 0),
                    Some(14.5),
                    Some(5.0)
                ),
                (
                    "2026-11-26".into(),
                    "B".into(),
                    Some(2),
                    (1, 1, 0, 0),
                    Some(28.0),
                    Some(10.0)
                ),
                (
                    "2026-11-27".into(),
                    "A".into(),
                    None,
                    (1, 0, 0, 0),
                    None,
                    None
                ),
            ],
            "{}",
            b.name
        );
        // A range of one day sees only that day.
        let r = s
            .report(&centre_code(), ReportRange::new(day2, day2).unwrap())
            .await
            .unwrap();
        assert_eq!(r.rows.len(), 1);
    }
}
