//! Concurrency: 16 issuers and 8 counters over 2,000 tickets. Afterwards no
//! number is duplicated, no ticket was called twice, and every event is logged.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use luot_domain::{Channel, EventKind};
use luot_store::{CounterRef, IssueTicket, Store};

use crate::harness::*;

const TICKETS: usize = 2_000;
const ISSUERS: usize = 16;
const COUNTERS: i64 = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issuers_and_counters_race() {
    for b in backends().await {
        let s: Arc<dyn Store> = b.store.clone();
        s.create_centre(small_centre(COUNTERS), morning())
            .await
            .unwrap();
        let issued_done = Arc::new(std::sync::atomic::AtomicBool::new(false));

        let mut issuers = Vec::new();
        for i in 0..ISSUERS {
            let s = s.clone();
            issuers.push(tokio::spawn(async move {
                let mut numbers = Vec::new();
                for k in 0..TICKETS / ISSUERS {
                    let svc = if (i + k) % 3 == 0 { "B" } else { "A" };
                    let cmd = IssueTicket {
                        centre: centre_code(),
                        service: code(svc),
                        priority: None,
                        channel: Channel::Kiosk,
                        actor: format!("kiosk:{i}"),
                        idempotency_key: None,
                        print_on: None,
                        now: morning(),
                        audit: None,
                        any_hour: false,
                    };
                    numbers.push(s.issue_ticket(cmd).await.unwrap().number);
                }
                numbers
            }));
        }
        let mut counters = Vec::new();
        for n in 1..=COUNTERS {
            let s = s.clone();
            let done = issued_done.clone();
            counters.push(tokio::spawn(async move {
                // An empty queue waits for the next committed event rather than
                // hammering the writer with empty calls.
                let mut events = s.subscribe();
                let mut called = Vec::new();
                loop {
                    let at = CounterRef {
                        centre: centre_code(),
                        counter: counter(n),
                        actor: format!("staff:{n}"),
                        now: morning(),
                        audit: None,
                    };
                    match s.call_next(at).await.unwrap().ticket {
                        Some(t) => called.push(t.number),
                        None if done.load(std::sync::atomic::Ordering::SeqCst) => break,
                        None => {
                            let _ = tokio::time::timeout(
                                std::time::Duration::from_millis(20),
                                events.recv(),
                            )
                            .await;
                        }
                    }
                }
                called
            }));
        }
        let mut numbers = Vec::new();
        for h in issuers {
            numbers.extend(h.await.unwrap());
        }
        issued_done.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut called = Vec::new();
        for h in counters {
            called.extend(h.await.unwrap());
        }

        let unique: HashSet<_> = numbers.iter().collect();
        assert_eq!(numbers.len(), TICKETS, "{}", b.name);
        assert_eq!(
            unique.len(),
            TICKETS,
            "{}: duplicate ticket numbers",
            b.name
        );
        let called_unique: HashSet<_> = called.iter().collect();
        assert_eq!(
            called_unique.len(),
            called.len(),
            "{}: a ticket was called twice",
            b.name
        );
        assert_eq!(
            called.len(),
            TICKETS,
            "{}: every ticket is called once",
            b.name
        );

        // The log holds one issue and one call per ticket, and ids only grow.
        let events = s.events_after(&centre_code(), 0, 1_000_000).await.unwrap();
        let mut kinds: HashMap<&str, usize> = HashMap::new();
        for e in &events {
            *kinds.entry(e.kind.name()).or_default() += 1;
        }
        assert_eq!(kinds.get("ticket_issued"), Some(&TICKETS), "{}", b.name);
        assert_eq!(kinds.get("ticket_called"), Some(&TICKETS), "{}", b.name);
        assert!(events.windows(2).all(|w| w[0].id < w[1].id));
        let called_in_log: HashSet<_> = events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::TicketCalled { number, .. } => Some(number.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(called_in_log.len(), TICKETS);
        s.close().await;
    }
}

/// On SQLite a writer round commits twice (the other commands on the sqlx
/// connection, then the issue and counter commands on the write lane), so
/// the published stream interleaves two transactions' events. A subscriber
/// must still get every committed event once, in id order, each a commit's
/// event: tickets issued and notices set at the same time, on every backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_of_both_write_connections_go_out_in_id_order() {
    const ROUNDS: usize = 150;
    for b in backends().await {
        let s: Arc<dyn Store> = b.store.clone();
        s.create_centre(small_centre(2), morning()).await.unwrap();
        let mut events = s.subscribe();
        let mut tasks = Vec::new();
        for i in 0..4 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                for k in 0..ROUNDS {
                    if i % 2 == 0 {
                        let cmd = IssueTicket {
                            actor: format!("kiosk:{i}"),
                            ..walk_in("A", morning())
                        };
                        s.issue_ticket(cmd).await.unwrap();
                    } else {
                        s.set_notice(
                            &centre_code(),
                            format!("notice {i} {k}"),
                            "staff:admin".into(),
                            morning(),
                        )
                        .await
                        .unwrap();
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let logged = s.events_after(&centre_code(), 0, 1_000_000).await.unwrap();
        let (mut issued, mut notices) = (0, 0);
        let mut seen = Vec::new();
        while seen.len() < logged.len() {
            let e = tokio::time::timeout(std::time::Duration::from_secs(10), events.recv())
                .await
                .unwrap_or_else(|_| panic!("{}: an event never came", b.name))
                .unwrap();
            match e.kind {
                EventKind::TicketIssued { .. } => issued += 1,
                EventKind::NoticeChanged { .. } => notices += 1,
                _ => {}
            }
            seen.push(e.id);
        }
        assert_eq!((issued, notices), (2 * ROUNDS, 2 * ROUNDS), "{}", b.name);
        assert!(
            seen.windows(2).all(|w| w[0] < w[1]),
            "{}: events out of id order",
            b.name
        );
        let log_ids: Vec<i64> = logged.iter().map(|e| e.id).collect();
        assert_eq!(seen, log_ids, "{}: published is what is logged", b.name);
        s.close().await;
    }
}
