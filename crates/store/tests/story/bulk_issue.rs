//! Issuing under concurrency, where the writer issues whole batches together
//! (issuing/): numbers stay gap-free per service and day in one order,
//! Idempotency-Keys stay exact (retries in the same batch or a later one),
//! each ticket gets its event and print job, positions count the queue, a
//! daily cap refuses exactly the tickets past it, and a refused command fails
//! alone.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures::future::join_all;
use luot_domain::{Channel, EventKind, PriorityCode};
use luot_store::{Conflict, Error, IssueTicket, Store};

use crate::harness::*;

fn cmd(service: &str, key: Option<String>, print_on: Option<i64>) -> IssueTicket {
    IssueTicket {
        centre: centre_code(),
        service: code(service),
        priority: None,
        channel: Channel::Kiosk,
        actor: "kiosk:1".into(),
        idempotency_key: key,
        print_on,
        now: morning(),
        audit: None,
        any_hour: false,
    }
}

/// Issues every command at once (so the writer finds many in its queue).
async fn issue_all(
    s: &Arc<dyn Store>,
    cmds: Vec<IssueTicket>,
) -> Vec<luot_store::Result<luot_store::TicketView>> {
    join_all(cmds.into_iter().map(|c| {
        let s = s.clone();
        async move { s.issue_ticket(c).await }
    }))
    .await
}

/// The daily sequence of a number (`A012` -> 12, `1012` with prefix `1` -> 12).
fn seq(number: &str) -> u32 {
    number[1..].parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn batches_of_tickets_stay_gap_free_and_idempotent() {
    const N: usize = 600;
    for b in backends().await {
        let s: Arc<dyn Store> = b.store.clone();
        s.create_centre(small_centre(2), morning()).await.unwrap();
        let device = 7;
        // A: keyed kiosk tickets printed on `device`; B: unkeyed; every fifth
        // a priority ticket.
        let cmds: Vec<IssueTicket> = (0..N)
            .map(|i| {
                let mut c = if i % 3 == 0 {
                    cmd("B", None, None)
                } else {
                    cmd("A", Some(format!("key-{i}")), Some(device))
                };
                if i % 5 == 0 {
                    c.priority = Some(PriorityCode::parse("elderly").unwrap());
                }
                c
            })
            .collect();
        let views: Vec<_> = issue_all(&s, cmds.clone())
            .await
            .into_iter()
            .map(|r| r.unwrap())
            .collect();

        // Gap-free per service, in one order, nothing twice.
        for (svc, want) in [("A", N - N.div_ceil(3)), ("B", N.div_ceil(3))] {
            let mut seqs: Vec<u32> = views
                .iter()
                .filter(|v| v.service.as_str() == svc)
                .map(|v| seq(&v.number))
                .collect();
            seqs.sort_unstable();
            assert_eq!(
                seqs,
                (1..=want as u32).collect::<Vec<_>>(),
                "{} {svc}",
                b.name
            );
        }
        // Positions: nobody was called, so a normal ticket has every priority
        // ticket of its service ahead plus the normal ones issued before it.
        for svc in ["A", "B"] {
            let mine: Vec<_> = views.iter().filter(|v| v.service.as_str() == svc).collect();
            let priority = mine.iter().filter(|v| v.priority.is_some()).count() as u32;
            let mut normal: Vec<_> = mine.iter().filter(|v| v.priority.is_none()).collect();
            normal.sort_by_key(|v| seq(&v.number));
            // A ticket sees at least those issued before it (and at most the
            // queue at the end: later ones of its batch may have priority).
            for (k, v) in normal.iter().enumerate() {
                assert!(v.position >= k as u32, "{} {svc} {}", b.name, v.number);
                assert!(v.position <= priority + k as u32, "{} {}", b.name, v.number);
            }
            let last = normal.last().unwrap();
            let now = s.ticket_by_token(&last.token, morning()).await.unwrap();
            assert_eq!(now.position, mine.len() as u32 - 1, "{}", b.name);
        }

        // One event per ticket, ids ascending; one print job per printed ticket.
        let events = s.events_after(&centre_code(), 0, 100_000).await.unwrap();
        assert!(events.windows(2).all(|w| w[0].id < w[1].id));
        let issued: HashSet<String> = events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::TicketIssued { number, .. } => Some(number.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(issued.len(), N, "{}", b.name);
        assert_eq!(events.len(), N, "{}", b.name);
        let jobs = s.pending_print_jobs(device, 0).await.unwrap();
        let mut printed = 0;
        let mut after = 0;
        let mut page = jobs;
        while !page.is_empty() {
            printed += page.len();
            after = page.last().unwrap().id;
            page = s.pending_print_jobs(device, after).await.unwrap();
        }
        assert!(after > 0);
        assert_eq!(printed, N - N.div_ceil(3), "{}", b.name);

        // Retries, all at once and twice each in the same wave: the same
        // tickets, nothing new issued; a key reused for another service is refused.
        let retries: Vec<IssueTicket> = cmds
            .iter()
            .filter(|c| c.idempotency_key.is_some())
            .flat_map(|c| [c.clone(), c.clone()])
            .collect();
        let want: HashMap<String, String> = cmds
            .iter()
            .zip(&views)
            .filter_map(|(c, v)| Some((c.idempotency_key.clone()?, v.number.clone())))
            .collect();
        for (c, r) in retries.iter().zip(issue_all(&s, retries.clone()).await) {
            let key = c.idempotency_key.as_ref().unwrap();
            assert_eq!(&r.unwrap().number, &want[key], "{} {key}", b.name);
        }
        let mut reused = cmd("B", Some("key-1".into()), None);
        reused.priority = None;
        assert!(matches!(
            s.issue_ticket(reused).await,
            Err(Error::Conflict(Conflict::IdempotencyKeyReused))
        ));
        let events = s.events_after(&centre_code(), 0, 100_000).await.unwrap();
        assert_eq!(events.len(), N, "{}: a retry issued a ticket", b.name);

        // A new key used twice in one wave: one ticket.
        let twice = issue_all(&s, vec![cmd("A", Some("fresh".into()), None); 5]).await;
        let numbers: HashSet<_> = twice.into_iter().map(|r| r.unwrap().number).collect();
        assert_eq!(numbers.len(), 1, "{}", b.name);
        s.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cap_and_refusals_fail_alone_in_a_batch() {
    for b in backends().await {
        let s: Arc<dyn Store> = b.store.clone();
        let mut setup = small_centre(1);
        setup.services[1].daily_cap = Some(10);
        setup.services.push({
            let mut c = setup.services[0].clone();
            c.code = code("C");
            c.prefix = luot_domain::TicketPrefix::parse("C").unwrap();
            c.active = false;
            c
        });
        s.create_centre(setup, morning()).await.unwrap();
        let mut cmds = Vec::new();
        for i in 0..90 {
            cmds.push(match i % 3 {
                0 => cmd("A", None, None),
                1 => cmd("B", None, None),
                _ if i % 2 == 0 => cmd("C", None, None),
                _ => {
                    let mut c = cmd("A", None, None);
                    c.priority = Some(PriorityCode::parse("no-such-class").unwrap());
                    c
                }
            });
        }
        let results = issue_all(&s, cmds.clone()).await;
        let mut a = Vec::new();
        let mut b_numbers = Vec::new();
        let mut capped = 0;
        for (c, r) in cmds.iter().zip(results) {
            match (c.service.as_str(), &c.priority, r) {
                ("A", None, Ok(v)) => a.push(seq(&v.number)),
                ("B", _, Ok(v)) => b_numbers.push(seq(&v.number)),
                ("B", _, Err(Error::Rule(luot_domain::Error::DailyCapReached { .. }))) => {
                    capped += 1
                }
                ("C", _, Err(Error::Conflict(Conflict::ServiceInactive))) => {}
                ("A", Some(_), Err(Error::Rule(_))) => {}
                (svc, p, r) => panic!("{}: {svc} {p:?}: unexpected {:?}", b.name, r.err()),
            }
        }
        a.sort_unstable();
        b_numbers.sort_unstable();
        assert_eq!(a, (1..=30).collect::<Vec<_>>(), "{}", b.name);
        assert_eq!(b_numbers, (1..=10).collect::<Vec<_>>(), "{}", b.name);
        assert_eq!(capped, 20, "{}", b.name);
        let events = s.events_after(&centre_code(), 0, 1000).await.unwrap();
        assert_eq!(events.len(), 40, "{}", b.name);
        s.close().await;
    }
}

/// An Idempotency-Key is its caller's: two kiosks (or a kiosk and a staff
/// member) sending the same key get a ticket each, alone or in one batch; the
/// same caller repeating it gets its ticket back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_are_per_caller() {
    for b in backends().await {
        let s: Arc<dyn Store> = b.store.clone();
        s.create_centre(small_centre(1), morning()).await.unwrap();
        let by = |actor: &str| {
            let mut c = cmd("A", Some("same-key".into()), None);
            c.actor = actor.into();
            c
        };
        let one = s.issue_ticket(by("kiosk:1")).await.unwrap();
        let other = s.issue_ticket(by("kiosk:2")).await.unwrap();
        assert_ne!(
            one.token, other.token,
            "{}: two callers, two tickets",
            b.name
        );
        let again = s.issue_ticket(by("kiosk:1")).await.unwrap();
        assert_eq!(
            again.token, one.token,
            "{}: the same caller, its ticket",
            b.name
        );
        // In one batch: a third caller and the first caller's retry.
        let views = issue_all(&s, vec![by("staff:lan"), by("kiosk:2"), by("staff:lan")]).await;
        let views: Vec<_> = views.into_iter().map(|v| v.unwrap()).collect();
        assert_eq!(views[1].token, other.token, "{}", b.name);
        assert_eq!(views[0].token, views[2].token, "{}", b.name);
        assert!(![&one.token, &other.token].contains(&&views[0].token));
        let numbers: HashSet<_> = [&one, &other, &views[0]]
            .iter()
            .map(|v| v.number.clone())
            .collect();
        assert_eq!(numbers.len(), 3, "{}: three tickets issued", b.name);
        s.close().await;
    }
}

/// One batch across centres (a province's server): each centre numbers its
/// own tickets, keys are per centre, a centre that does not exist refuses
/// its commands alone, and every centre's events carry only its tickets.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_across_centres_keeps_each_centre_apart() {
    for b in backends().await {
        let s: Arc<dyn Store> = b.store.clone();
        let codes: Vec<luot_domain::CentreCode> = ["trung-tam-a", "trung-tam-b", "trung-tam-c"]
            .iter()
            .map(|c| luot_domain::CentreCode::parse(c).unwrap())
            .collect();
        for c in &codes {
            let mut setup = small_centre(1);
            setup.centre.code = c.clone();
            s.create_centre(setup, morning()).await.unwrap();
        }
        let missing = luot_domain::CentreCode::parse("khong-co").unwrap();
        let at = |centre: &luot_domain::CentreCode, service: &str, key: &str| {
            let mut c = cmd(service, Some(key.into()), None);
            c.centre = centre.clone();
            c
        };
        // Twelve per centre over two services, the same keys in every centre,
        // and two for a centre that does not exist, all in one wave.
        let mut cmds = Vec::new();
        for i in 0..12 {
            for c in &codes {
                cmds.push(at(c, if i % 2 == 0 { "A" } else { "B" }, &format!("k{i}")));
            }
            if i % 6 == 0 {
                cmds.push(at(&missing, "A", &format!("k{i}")));
            }
        }
        let results = issue_all(&s, cmds.clone()).await;
        let mut per_centre: HashMap<String, Vec<String>> = HashMap::new();
        for (c, r) in cmds.iter().zip(&results) {
            if c.centre == missing {
                assert!(matches!(r, Err(Error::NotFound(_))), "{}: {r:?}", b.name);
                continue;
            }
            let v = r.as_ref().unwrap();
            assert_eq!(v.centre, c.centre, "{}", b.name);
            per_centre
                .entry(c.centre.as_str().to_owned())
                .or_default()
                .push(v.number.clone());
        }
        for c in &codes {
            let mut numbers = per_centre.remove(c.as_str()).unwrap();
            numbers.sort();
            // Service B's prefix is 1 (small_centre).
            let mut want: Vec<String> = (1..=6)
                .map(|n| format!("A{n:03}"))
                .chain((1..=6).map(|n| format!("1{n:03}")))
                .collect();
            want.sort();
            assert_eq!(numbers, want, "{}: {} numbers its own", b.name, c.as_str());
            let events = s.events_after(c, 0, 1000).await.unwrap();
            let issued = events
                .iter()
                .filter(|e| matches!(e.kind, EventKind::TicketIssued { .. }))
                .count();
            assert_eq!(issued, 12, "{}: {} events", b.name, c.as_str());
            assert!(events.iter().all(|e| &e.centre == c), "{}", b.name);
        }
        // The same wave again: every key is a retry in its own centre.
        let again = issue_all(&s, cmds.clone()).await;
        for ((c, first), second) in cmds.iter().zip(&results).zip(&again) {
            if c.centre == missing {
                continue;
            }
            assert_eq!(
                first.as_ref().unwrap().token,
                second.as_ref().unwrap().token,
                "{}: a retry in {}",
                b.name,
                c.centre.as_str()
            );
        }
        s.close().await;
    }
}

/// On PostgreSQL a ticket's service and numbering service are checked against
/// the ticket's own centre (migration 0033, one key per column pair), so the
/// database refuses a ticket row that names another centre's service, whoever
/// writes it; a service of its own centre is still accepted. (SQLite keeps one
/// key per column: rebuilding its tickets table for this was not worth it.)
#[tokio::test]
async fn postgres_keeps_a_tickets_services_in_its_centre() {
    let Some(admin) = pg_url("the test of tickets' keys to their centre's services") else {
        return;
    };
    let b = postgres(&admin).await;
    let s: Arc<dyn Store> = b.store.clone();
    let other = luot_domain::CentreCode::parse("trung-tam-khac").unwrap();
    for c in [centre_code(), other.clone()] {
        let mut setup = small_centre(1);
        setup.centre.code = c;
        s.create_centre(setup, morning()).await.unwrap();
    }
    let ticket = s.issue_ticket(cmd("A", None, None)).await.unwrap();
    use sqlx::Connection;
    let mut raw = sqlx::PgConnection::connect(&b.url).await.unwrap();
    let service_of = |centre: &str, service: &str| {
        format!(
            "(SELECT s.id FROM services s JOIN centres c ON c.id = s.centre_id \
             WHERE c.code = '{centre}' AND s.code = '{service}')"
        )
    };
    for column in ["service_id", "numbered_service_id"] {
        let set = |centre: &str, service: &str| {
            format!(
                "UPDATE tickets SET {column} = {} WHERE token = $1",
                service_of(centre, service)
            )
        };
        let refused = sqlx::query(&set(other.as_str(), "A"))
            .bind(&ticket.token)
            .execute(&mut raw)
            .await
            .expect_err("a ticket took another centre's service");
        let db = refused.as_database_error().expect("a database error");
        assert!(db.is_foreign_key_violation(), "{column}: {db}");
        let moved = sqlx::query(&set(centre_code().as_str(), "B"))
            .bind(&ticket.token)
            .execute(&mut raw)
            .await
            .unwrap();
        assert_eq!(moved.rows_affected(), 1, "{column}");
    }
}
