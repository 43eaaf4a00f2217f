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
        audit: None,
        any_hour: false,
    }
}

/// Counter `k` acting as staff member `who` at minute `m`.
fn by(k: i64, who: &str, m: i64) -> CounterRef {
    CounterRef {
        actor: format!("staff:{who}"),
        ..at(k, min(m))
    }
}

/// Two services and two counters: counter 1 serves A and B, counter 2 A.
fn two_counters() -> luot_store::CentreSetup {
    let mut setup = small_centre(2);
    setup.counters[0].serves = vec![code("A"), code("B")];
    setup.counters[1].serves = vec![code("A")];
    setup
}

fn at(n: i64, now: Timestamp) -> CounterRef {
    CounterRef {
        centre: centre_code(),
        counter: counter(n),
        actor: "staff:test".into(),
        now,
        audit: None,
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

/// Serves `n` tickets of `service` at counter `k`, one every 10 minutes from
/// `from` minutes; returns their tokens in order.
async fn serve(
    s: &dyn luot_store::Store,
    service: &str,
    k: i64,
    n: usize,
    from: i64,
) -> Vec<String> {
    let mut tokens = Vec::new();
    for i in 0..n {
        let m = from + 10 * i as i64;
        let t = s.issue_ticket(issue(service, min(m))).await.unwrap();
        let called = s
            .call_next(at(k, min(m + 1)))
            .await
            .unwrap()
            .ticket
            .unwrap();
        assert_eq!(called.number, t.number);
        s.start(at(k, min(m + 2))).await.unwrap();
        s.complete(at(k, min(m + 5))).await.unwrap();
        tokens.push(t.token);
    }
    tokens
}

#[tokio::test]
async fn ratings_join_the_report() {
    use luot_domain::RatingCounts;
    use luot_store::feedback::NewFeedback;
    let rate = |rating: u8, m: i64| NewFeedback {
        rating,
        comment: None,
        source: "ticket".into(),
        now: min(m),
    };
    for b in backends().await {
        let s = b.store.as_ref();
        let mut setup = small_centre(2);
        setup.counters[0].serves = vec![code("A")];
        setup.counters[1].serves = vec![code("B")];
        s.create_centre(setup, morning()).await.unwrap();
        // Counter 1: five A tickets served, four rated 5, 4, 3 and 1 (the last
        // the next morning: it still counts under the day it was served).
        let a = serve(s, "A", 1, 5, 0).await;
        for (token, (rating, m)) in a.iter().zip([(5, 60), (4, 61), (3, 62), (1, 24 * 60)]) {
            s.rate_ticket(token, rate(rating, m)).await.unwrap();
        }
        // Counter 2: three B tickets, rated 5 and 5 by their links and 2 on
        // the counter's tablet (its last completed ticket).
        let bs = serve(s, "B", 2, 3, 0).await;
        s.rate_ticket(&bs[0], rate(5, 60)).await.unwrap();
        s.rate_ticket(&bs[1], rate(5, 60)).await.unwrap();
        s.rate_last_at_counter(
            &centre_code(),
            counter(2),
            std::time::Duration::from_secs(15 * 60),
            rate(2, 26),
        )
        .await
        .unwrap();
        // A ticket never called: a row without ratings.
        s.issue_ticket(issue("A", min(100))).await.unwrap();

        let day = "2026-11-26".parse().unwrap();
        let r = s
            .report(&centre_code(), ReportRange::new(day, day).unwrap())
            .await
            .unwrap();
        let rows: Vec<_> = r
            .rows
            .iter()
            .map(|r| {
                (
                    r.service.to_string(),
                    r.counter.map(|c| c.get()),
                    r.served,
                    r.ratings,
                    r.rating_counts,
                    r.satisfaction,
                    r.mean_rating,
                )
            })
            .collect();
        let counts = |l5, l4, l3, l2, l1| RatingCounts {
            very_satisfied: l5,
            satisfied: l4,
            neutral: l3,
            dissatisfied: l2,
            very_dissatisfied: l1,
        };
        assert_eq!(
            rows,
            vec![
                // 2 of 4 satisfied; (5 + 4 + 3 + 1) / 4.
                (
                    "A".into(),
                    Some(1),
                    5,
                    4,
                    counts(1, 1, 1, 0, 1),
                    Some(50.0),
                    Some(3.25)
                ),
                ("A".into(), None, 0, 0, counts(0, 0, 0, 0, 0), None, None),
                // 2 of 3 satisfied; (5 + 5 + 2) / 3.
                (
                    "B".into(),
                    Some(2),
                    3,
                    3,
                    counts(2, 0, 0, 1, 0),
                    Some(66.7),
                    Some(4.0)
                ),
            ],
            "{}",
            b.name
        );
    }
}

/// Service A has a 10-minute target, B none. Lan (counter 1) and Minh
/// (counter 2) call A tickets: some within the target, some past it, one a
/// no-show; B tickets count as called but not against a target. The rows carry
/// the officer and the share within target; the totals per service, officer
/// and day add up.
#[tokio::test]
async fn targets_and_officers_add_up() {
    use luot_store::auth::{Account, NewAccount, Role};
    use luot_store::TargetShare;
    for b in backends().await {
        let s = b.store.as_ref();
        let mut setup = two_counters();
        setup.services[0].target_wait_minutes = Some(10);
        s.create_centre(setup, morning()).await.unwrap();
        let lan = NewAccount {
            account: Account {
                username: "lan".into(),
                display_name: "Nguyễn Thị Lan".into(),
                role: Role::Staff,
                centre: Some(centre_code()),
                counters: None,
                active: true,
            },
            password_hash: "$argon2id$stand-in".into(),
        };
        s.create_account(lan, morning(), None).await.unwrap();
        // A001..A004 at 0, B at 1 (1001).
        for _ in 0..4 {
            s.issue_ticket(issue("A", min(0))).await.unwrap();
        }
        s.issue_ticket(issue("B", min(1))).await.unwrap();
        // Lan calls A001 at 5 (within), serves it; A002 at 10 (within, the
        // limit), a no-show.
        s.call_next(by(1, "lan", 5)).await.unwrap();
        s.start(by(1, "lan", 6)).await.unwrap();
        s.complete(by(1, "lan", 8)).await.unwrap();
        s.call_next(by(1, "lan", 10)).await.unwrap();
        s.recall(by(1, "lan", 11)).await.unwrap();
        s.no_show(by(1, "lan", 12)).await.unwrap();
        // Minh calls A003 at 11 (past), serves it; A004 at 30 (past), a no-show.
        s.call_next(by(2, "minh", 11)).await.unwrap();
        s.start(by(2, "minh", 11)).await.unwrap();
        s.complete(by(2, "minh", 20)).await.unwrap();
        s.call_next(by(2, "minh", 30)).await.unwrap();
        s.recall(by(2, "minh", 31)).await.unwrap();
        s.no_show(by(2, "minh", 31)).await.unwrap();
        // Lan serves the B ticket: called, but B has no target.
        let t = s.call_next(by(1, "lan", 40)).await.unwrap().ticket.unwrap();
        assert_eq!(t.number, "1001");
        s.start(by(1, "lan", 40)).await.unwrap();
        s.complete(by(1, "lan", 45)).await.unwrap();
        // The next day Minh serves an A ticket within target.
        s.issue_ticket(issue("A", min(24 * 60))).await.unwrap();
        s.call_next(by(2, "minh", 24 * 60 + 3)).await.unwrap();
        s.recall(by(2, "minh", 24 * 60 + 4)).await.unwrap();
        s.no_show(by(2, "minh", 24 * 60 + 5)).await.unwrap();

        let day1: jiff::civil::Date = "2026-11-26".parse().unwrap();
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
                    r.officer.clone(),
                    r.officer_name.clone(),
                    (r.issued, r.served, r.no_shows),
                    r.target_wait_minutes,
                    r.target,
                )
            })
            .collect();
        let share = TargetShare::new;
        let lan = || (Some("lan".to_string()), Some("Nguyễn Thị Lan".to_string()));
        let minh = || (Some("minh".to_string()), None);
        assert_eq!(
            rows,
            vec![
                (
                    "2026-11-26".into(),
                    "A".into(),
                    Some(1),
                    lan().0,
                    lan().1,
                    (2, 1, 1),
                    Some(10),
                    share(2, 2)
                ),
                (
                    "2026-11-26".into(),
                    "A".into(),
                    Some(2),
                    minh().0,
                    minh().1,
                    (2, 1, 1),
                    Some(10),
                    share(2, 0)
                ),
                (
                    "2026-11-26".into(),
                    "B".into(),
                    Some(1),
                    lan().0,
                    lan().1,
                    (1, 1, 0),
                    None,
                    share(0, 0)
                ),
                (
                    "2026-11-27".into(),
                    "A".into(),
                    Some(2),
                    minh().0,
                    minh().1,
                    (1, 0, 1),
                    Some(10),
                    share(1, 1)
                ),
            ],
            "{}",
            b.name
        );
        assert_eq!(share(2, 2).percent, Some(100.0));
        assert_eq!(share(0, 0).percent, None);
        let totals = |t: &[luot_store::ReportTotal]| -> Vec<_> {
            t.iter()
                .map(|t| {
                    (
                        t.key.clone(),
                        t.name.clone(),
                        (t.issued, t.served, t.no_shows),
                        t.target.percent,
                    )
                })
                .collect()
        };
        let s3 = |a: &str, b: &str| (a.to_string(), b.to_string());
        let row = |k: (String, String), n: (u32, u32, u32), p: Option<f64>| (k.0, k.1, n, p);
        assert_eq!(
            totals(&r.by_service),
            vec![
                // 3 of 5 A tickets called within 10 minutes.
                row(s3("A", "Lĩnh vực A"), (5, 2, 3), Some(60.0)),
                row(s3("B", "Lĩnh vực B"), (1, 1, 0), None),
            ],
            "{}",
            b.name
        );
        assert_eq!(
            totals(&r.by_officer),
            vec![
                // By name: "Nguyễn Thị Lan" before "minh" (the username stands
                // in for a name without an account).
                row(s3("lan", "Nguyễn Thị Lan"), (3, 2, 1), Some(100.0)),
                row(s3("minh", "minh"), (3, 1, 2), Some(33.3)),
            ],
            "{}",
            b.name
        );
        assert_eq!(
            totals(&r.by_day),
            vec![
                row(s3("2026-11-26", "2026-11-26"), (5, 3, 2), Some(50.0)),
                row(s3("2026-11-27", "2026-11-27"), (1, 0, 1), Some(100.0)),
            ],
            "{}",
            b.name
        );
    }
}

/// Service A has a 5-minute target service time, B none. Lan serves A tickets
/// in 3 and 7 minutes, Minh one in exactly 5 (within: the limit counts) and
/// marks one a no-show (never served: not counted); Lan serves a B ticket.
/// Served within target: Lan 1 of 2, Minh 1 of 1, service A and the day 2 of
/// 3 (66.7%); B and its rows have no share.
#[tokio::test]
async fn served_within_the_target_service_time() {
    use luot_store::ServiceTargetShare;
    for b in backends().await {
        let s = b.store.as_ref();
        let mut setup = two_counters();
        setup.services[0].target_wait_minutes = Some(60);
        setup.services[0].target_service_minutes = Some(5);
        s.create_centre(setup, morning()).await.unwrap();
        for _ in 0..4 {
            s.issue_ticket(issue("A", min(0))).await.unwrap();
        }
        // A001: Lan, 3 minutes (within).
        s.call_next(by(1, "lan", 1)).await.unwrap();
        s.start(by(1, "lan", 2)).await.unwrap();
        s.complete(by(1, "lan", 5)).await.unwrap();
        // A002: Minh, started at 6, done at 11: exactly 5 minutes (within).
        s.call_next(by(2, "minh", 5)).await.unwrap();
        s.start(by(2, "minh", 6)).await.unwrap();
        s.complete(by(2, "minh", 11)).await.unwrap();
        // A003: Lan, called at 6, started at 7, done at 14: 7 minutes (past;
        // from the call it would be 8, from issue 14).
        s.call_next(by(1, "lan", 6)).await.unwrap();
        s.start(by(1, "lan", 7)).await.unwrap();
        s.complete(by(1, "lan", 14)).await.unwrap();
        // A004: Minh, a no-show.
        s.call_next(by(2, "minh", 12)).await.unwrap();
        s.recall(by(2, "minh", 13)).await.unwrap();
        s.no_show(by(2, "minh", 14)).await.unwrap();
        // 1001: Lan serves it in 2 minutes; B has no target service time.
        s.issue_ticket(issue("B", min(15))).await.unwrap();
        s.call_next(by(1, "lan", 16)).await.unwrap();
        s.start(by(1, "lan", 16)).await.unwrap();
        s.complete(by(1, "lan", 18)).await.unwrap();

        let day: jiff::civil::Date = "2026-11-26".parse().unwrap();
        let r = s
            .report(&centre_code(), ReportRange::new(day, day).unwrap())
            .await
            .unwrap();
        let share = ServiceTargetShare::new;
        let rows: Vec<_> = r
            .rows
            .iter()
            .map(|r| {
                (
                    r.service.to_string(),
                    r.officer.clone().unwrap_or_default(),
                    r.served,
                    r.target_service_minutes,
                    r.service_target,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("A".into(), "lan".into(), 2, Some(5), share(2, 1)),
                ("A".into(), "minh".into(), 1, Some(5), share(1, 1)),
                ("B".into(), "lan".into(), 1, None, share(0, 0)),
            ],
            "{}",
            b.name
        );
        let totals = |t: &[luot_store::ReportTotal]| -> Vec<_> {
            t.iter()
                .map(|t| (t.key.clone(), t.service_target))
                .collect()
        };
        let p = |t: ServiceTargetShare| (t.served, t.within, t.percent);
        assert_eq!(p(share(3, 2)), (3, 2, Some(66.7)));
        assert_eq!(p(share(0, 0)), (0, 0, None));
        assert_eq!(
            totals(&r.by_service),
            vec![("A".into(), share(3, 2)), ("B".into(), share(0, 0))],
            "{}",
            b.name
        );
        assert_eq!(
            totals(&r.by_officer),
            // Lan's B ticket has no target: not counted.
            vec![("lan".into(), share(2, 1)), ("minh".into(), share(1, 1))],
            "{}",
            b.name
        );
        assert_eq!(r.by_day[0].service_target.percent, Some(66.7), "{}", b.name);
    }
}
