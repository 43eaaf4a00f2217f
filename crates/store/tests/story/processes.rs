//! Two stores on one PostgreSQL database, as two server processes would hold
//! them: issuing and calling race across both, and each store's broadcast
//! carries every event of both, in id order, once each, exactly the log.
//! (PostgreSQL only: SQLite is one process by design.)

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use luot_domain::{Channel, Event};
use luot_store::{CounterRef, IssueTicket, Store};
use tokio::sync::broadcast;

use crate::harness::*;

const TICKETS: usize = 1_000;
const ISSUERS: usize = 8;
const COUNTERS: i64 = 8;

/// Two stores on one fresh database, or None (with the reason printed).
async fn two_stores() -> Option<(Fresh, Arc<dyn Store>)> {
    let admin = pg_url("the two-store test")?;
    let a = postgres(&admin).await;
    let b = luot_store::connect(&a.url, Default::default())
        .await
        .unwrap();
    Some((a, b))
}

fn issue(i: usize, k: usize) -> IssueTicket {
    IssueTicket {
        centre: centre_code(),
        service: code(if (i + k).is_multiple_of(3) { "B" } else { "A" }),
        priority: None,
        channel: Channel::Kiosk,
        actor: format!("kiosk:{i}"),
        idempotency_key: None,
        print_on: None,
        now: morning(),
        audit: None,
        any_hour: false,
    }
}

/// Collects what a subscriber receives until it has seen event `last`.
async fn drain_until(rx: &mut broadcast::Receiver<Event>, seen: &mut Vec<i64>, last: i64) {
    while seen.last().copied().unwrap_or(0) < last {
        let e = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("the broadcast stalled")
            .expect("the subscriber lagged or the store closed");
        seen.push(e.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_act_as_one() {
    let Some((a, b)) = two_stores().await else {
        return;
    };
    let stores = [a.store.clone(), b.clone()];
    let mut subs = [stores[0].subscribe(), stores[1].subscribe()];
    stores[0]
        .create_centre(small_centre(COUNTERS), morning())
        .await
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let started = std::time::Instant::now();

    let issuers: Vec<_> = (0..ISSUERS)
        .map(|i| {
            let s = stores[i % 2].clone();
            tokio::spawn(async move {
                let mut out = Vec::new();
                for k in 0..TICKETS / ISSUERS {
                    out.push(s.issue_ticket(issue(i, k)).await.unwrap().number);
                }
                out
            })
        })
        .collect();
    // Each counter alternates between the stores, as behind a load balancer
    // without sticky sessions.
    let counters: Vec<_> = (1..=COUNTERS)
        .map(|n| {
            let stores = stores.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let mut wake = stores[0].subscribe();
                let mut called = Vec::new();
                for round in 0.. {
                    let at = CounterRef {
                        centre: centre_code(),
                        counter: counter(n),
                        actor: format!("staff:{n}"),
                        now: morning(),
                        audit: None,
                    };
                    let finished = done.load(Ordering::SeqCst);
                    match stores[round % 2].call_next(at).await.unwrap().ticket {
                        Some(t) => called.push(t.number),
                        None if finished => break,
                        None => {
                            let _ =
                                tokio::time::timeout(Duration::from_millis(20), wake.recv()).await;
                        }
                    }
                }
                called
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for h in issuers {
        numbers.extend(h.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let mut called = Vec::new();
    for h in counters {
        called.extend(h.await.unwrap());
    }
    eprintln!(
        "two stores: {TICKETS} issued and called in {:?}",
        started.elapsed()
    );

    assert_eq!(numbers.iter().collect::<HashSet<_>>().len(), TICKETS);
    assert_eq!(called.len(), TICKETS, "every ticket is called");
    assert_eq!(
        called.iter().collect::<HashSet<_>>().len(),
        TICKETS,
        "a ticket was called twice"
    );

    // Both broadcasts carry exactly the log, in order, once each.
    let log: Vec<i64> = stores[0]
        .events_after(&centre_code(), 0, 1_000_000)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    let last = *log.last().unwrap();
    for (i, rx) in subs.iter_mut().enumerate() {
        let mut seen = Vec::new();
        drain_until(rx, &mut seen, last).await;
        assert_eq!(seen, log, "store {i}'s broadcast differs from the log");
    }
    stores[1].close().await;
    stores[0].close().await;
}

/// Events committed without a NOTIFY (a lost notification) still arrive, by
/// polling; an event this version cannot read is skipped, not a stall.
#[tokio::test]
async fn polling_catches_what_notify_missed() {
    let Some(admin) = pg_url("the polling test") else {
        return;
    };
    let fresh = postgres(&admin).await;
    fresh
        .store
        .create_centre(small_centre(1), morning())
        .await
        .unwrap();
    let options = luot_store::Options {
        event_poll: Duration::from_millis(100),
        ..Default::default()
    };
    let s = luot_store::connect(&fresh.url, options).await.unwrap();
    let mut rx = s.subscribe();

    // Another writer commits straight into the log, without NOTIFY.
    use sqlx::Connection;
    let mut raw = sqlx::PgConnection::connect(&fresh.url).await.unwrap();
    let insert = "INSERT INTO events (centre_id, kind, at, payload) \
                  SELECT id, $1, 0, $2 FROM centres RETURNING id";
    let paused = luot_domain::EventKind::CounterPaused {
        counter: counter(1),
    };
    sqlx::query(insert)
        .bind("from_the_future")
        .bind(r#"{"type":"from_the_future"}"#)
        .execute(&mut raw)
        .await
        .unwrap();
    let id: i64 = sqlx::query_scalar(insert)
        .bind(paused.name())
        .bind(serde_json::to_string(&paused).unwrap())
        .fetch_one(&mut raw)
        .await
        .unwrap();

    let e = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("polling never delivered the event")
        .unwrap();
    assert_eq!((e.id, e.kind), (id, paused));
    s.close().await;
    fresh.store.close().await;
}

/// Every connection to the database is terminated (what a PostgreSQL restart
/// does to its clients): the next commands succeed, because the writer
/// reconnects before running them, and the other store's LISTEN comes back
/// (polling is off here, so only it can deliver).
#[tokio::test]
async fn terminated_connections_are_replaced() {
    let Some((a, b)) = two_stores().await else {
        return;
    };
    let admin = std::env::var("LUOT_TEST_PG_URL").unwrap();
    let no_polling = luot_store::Options {
        event_poll: Duration::from_secs(3600),
        ..Default::default()
    };
    let listener = luot_store::connect(&a.url, no_polling).await.unwrap();
    a.store
        .create_centre(small_centre(1), morning())
        .await
        .unwrap();
    let mut rx = listener.subscribe();

    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(&admin).await.unwrap();
    let db = a.url.rsplit('/').next().unwrap().to_owned();
    let pids: Vec<i32> = sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&db)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(pids.len() >= 3, "the stores' connections were found");
    sqlx::query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid")
        .bind(&pids)
        .execute(&mut admin)
        .await
        .unwrap();
    // Termination is asynchronous: wait until the backends are gone, so the
    // command below meets a dead connection rather than a dying one.
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let left: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ANY($1)")
                    .bind(&pids)
                    .fetch_one(&mut admin)
                    .await
                    .unwrap();
            if left == 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the backends did not exit");

    let ticket = b
        .issue_ticket(issue(0, 1))
        .await
        .expect("issue after restart");
    let e = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let e = rx.recv().await.unwrap();
            if let luot_domain::EventKind::TicketIssued { number, .. } = &e.kind {
                if *number == ticket.number {
                    return e;
                }
            }
        }
    })
    .await
    .expect("the LISTEN connection did not come back");
    assert!(e.id > 0);
    for s in [&listener, &b, &a.store] {
        s.close().await;
    }
}
