//! Issuing has one path (sql/issuing/) that a single command and a whole
//! write batch both take, and check-ins and replays write through. Here
//! proptest drives random interleavings of walk-in issues (alone, or several
//! at once so the writer batches them, some with Idempotency-Keys, repeated
//! within a batch or later), appointment check-ins, calls, transfers and
//! restarts of the store, and after every step checks the store against a
//! plain model: numbers gap-free per service in issue order, a repeated key
//! gives back its ticket and takes no number, each call picks what the domain
//! rules pick, and every waiting ticket's position is the model's. Some
//! walk-ins carry an audit entry (as a staff issue does): each that issues or
//! retries leaves exactly one, naming the number it issued, whether the batch
//! took it or it ran alone.

use std::collections::HashMap;

use futures::future::join_all;
use jiff::Timestamp;
use luot_domain::{call_order, Candidate, Channel, PriorityCode};
use luot_store::*;
use proptest::prelude::*;
use sqlx::Connection;

use crate::booking::{book_cmd, centre_with_capacity, mins, phone, ten};
use crate::harness::*;

const SERVICES: [&str; 2] = ["A", "B"];
const BOOKINGS: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    /// Walk-ins issued at once: (service, priority, Idempotency-Key, audited).
    Issue(Vec<(usize, bool, Option<u8>, bool)>),
    CheckIn(usize),
    Call(i64),
    /// The latest waiting ticket: to the other service, or to counter 2.
    Transfer {
        to_counter: bool,
    },
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    let walk_in = (
        0..2usize,
        prop::bool::weighted(0.25),
        prop::option::weighted(0.4, 0..4u8),
        prop::bool::weighted(0.4),
    );
    prop_oneof![
        4 => prop::collection::vec(walk_in, 1..6).prop_map(Op::Issue),
        1 => (0..BOOKINGS).prop_map(Op::CheckIn),
        3 => (1..=2i64).prop_map(Op::Call),
        1 => any::<bool>().prop_map(|to_counter| Op::Transfer { to_counter }),
        1 => Just(Op::Restart),
    ]
}

/// What the model knows of a ticket.
#[derive(Clone)]
struct T {
    id: i64,
    number: String,
    token: String,
    service: usize,
    /// The service whose sequence numbered it.
    numbered: usize,
    priority: bool,
    slot_start: Option<Timestamp>,
    queued_at: Timestamp,
    target: Option<i64>,
    waiting: bool,
}

impl T {
    fn candidate(&self) -> Candidate {
        Candidate {
            id: self.id,
            service: code(SERVICES[self.service]),
            priority: self.priority,
            slot_start: self.slot_start,
            queued_at: self.queued_at,
            target_counter: self.target.map(counter),
        }
    }
}

#[derive(Default)]
struct Model {
    tickets: Vec<T>,
    /// The next daily sequence per service.
    next: [u32; 2],
    /// Idempotency-Key -> token.
    keys: HashMap<u8, String>,
    /// Booking index -> token of its appointment ticket.
    checked_in: HashMap<usize, String>,
    /// The audit entries owed, by the number each names (`None`: a retry,
    /// which names none).
    audits: Vec<Option<String>>,
}

impl Model {
    /// Numbers follow the issue order: within the service that numbered
    /// them, a later ticket (a larger id) has the larger number.
    fn check_numbering(&self, name: &str, step: usize) {
        for svc in 0..SERVICES.len() {
            let mut mine: Vec<&T> = self.tickets.iter().filter(|t| t.numbered == svc).collect();
            mine.sort_by_key(|t| t.id);
            let seqs: Vec<u32> = mine.iter().map(|t| seq(&t.number)).collect();
            assert!(
                seqs.windows(2).all(|w| w[0] < w[1]),
                "{name}: step {step}: numbers out of issue order: {seqs:?}"
            );
        }
    }

    fn position(&self, t: &T, now: Timestamp) -> u32 {
        let key = |x: &T| (x.candidate().group(now), x.queued_at, x.id);
        self.tickets
            .iter()
            .filter(|x| x.waiting && x.service == t.service && key(x) < key(t))
            .count() as u32
    }
}

fn seq(number: &str) -> u32 {
    number[1..].parse().unwrap()
}

/// A key always asks for the same thing (its service, no priority), so its
/// repeats are retries.
fn keyed(key: u8) -> usize {
    usize::from(key % 2)
}

fn walk_in_cmd(
    service: usize,
    priority: bool,
    key: Option<u8>,
    audited: bool,
    now: Timestamp,
) -> IssueTicket {
    IssueTicket {
        centre: centre_code(),
        service: code(SERVICES[service]),
        priority: priority.then(|| PriorityCode::parse("elderly").unwrap()),
        channel: Channel::Kiosk,
        actor: "kiosk:1".into(),
        idempotency_key: key.map(|k| format!("key-{k}")),
        print_on: None,
        now,
        audit: audited.then(|| luot_store::auth::NewAudit {
            at: now,
            actor: "staff:model".into(),
            action: "ticket.issue".into(),
            centre: Some(centre_code()),
            ip: None,
            details: serde_json::json!({ "service": SERVICES[service] }),
        }),
        any_hour: false,
    }
}

fn at(now: Timestamp, n: i64) -> CounterRef {
    CounterRef {
        centre: centre_code(),
        counter: counter(n),
        actor: "staff".into(),
        now,
        audit: None,
    }
}

async fn ticket_id(url: &str, token: &str) -> i64 {
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    let id = sqlx::query_scalar("SELECT id FROM tickets WHERE token = $1")
        .bind(token)
        .fetch_one(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    id
}

async fn run(ops: Vec<Op>) {
    for mut b in backends().await {
        let name = b.name;
        centre_with_capacity(&*b.store, 10).await;
        let mut bookings = Vec::new();
        for i in 0..BOOKINGS {
            let svc = SERVICES[i % 2];
            bookings.push(
                b.store
                    .book(book_cmd(svc, ten(), phone(i as u32)))
                    .await
                    .unwrap(),
            );
        }
        let mut m = Model::default();
        // Within the bookings' check-in window (from 09:30 to 10:15).
        let mut now = ten() - mins(25);
        for (step, op) in ops.iter().enumerate() {
            now += jiff::SignedDuration::from_secs(11);
            let s = b.store.clone();
            match op {
                Op::Issue(cmds) => {
                    let cmds: Vec<IssueTicket> = cmds
                        .iter()
                        .map(|&(svc, prio, key, audited)| match key {
                            Some(k) => walk_in_cmd(keyed(k), false, Some(k), audited, now),
                            None => walk_in_cmd(svc, prio, None, audited, now),
                        })
                        .collect();
                    let views = if cmds.len() == 1 {
                        vec![s.issue_ticket(cmds[0].clone()).await.unwrap()]
                    } else {
                        join_all(cmds.iter().cloned().map(|c| {
                            let s = s.clone();
                            async move { s.issue_ticket(c).await.unwrap() }
                        }))
                        .await
                    };
                    // New tickets, by service in number order (the order the
                    // writer took them in); retries give back their ticket.
                    let mut fresh: Vec<(&IssueTicket, &TicketView)> = Vec::new();
                    let mut batch_keys: HashMap<u8, &str> = HashMap::new();
                    for (cmd, v) in cmds.iter().zip(&views) {
                        let retry = cmd.idempotency_key.as_ref().is_some_and(|k| {
                            let k = k[4..].parse::<u8>().unwrap();
                            m.keys.contains_key(&k) || batch_keys.contains_key(&k)
                        });
                        if cmd.audit.is_some() {
                            m.audits.push((!retry).then(|| v.number.clone()));
                        }
                        let key = cmd
                            .idempotency_key
                            .as_ref()
                            .map(|k| k[4..].parse::<u8>().unwrap());
                        if let Some(k) = key {
                            if let Some(token) = m.keys.get(&k) {
                                assert_eq!(&v.token, token, "{name}: retry of key {k}");
                                continue;
                            }
                            if let Some(token) = batch_keys.get(&k) {
                                assert_eq!(v.token, *token, "{name}: key {k} twice in a batch");
                                continue;
                            }
                            batch_keys.insert(k, &v.token);
                        }
                        fresh.push((cmd, v));
                    }
                    for (k, token) in batch_keys {
                        m.keys.insert(k, token.to_owned());
                    }
                    fresh.sort_by_key(|(_, v)| (v.service.as_str().to_owned(), seq(&v.number)));
                    for (cmd, v) in fresh {
                        let service = SERVICES
                            .iter()
                            .position(|s| *s == v.service.as_str())
                            .unwrap();
                        m.next[service] += 1;
                        assert_eq!(
                            seq(&v.number),
                            m.next[service],
                            "{name}: step {step}: numbers gap-free"
                        );
                        let t = T {
                            id: ticket_id(&b.url, &v.token).await,
                            number: v.number.clone(),
                            token: v.token.clone(),
                            service,
                            numbered: service,
                            priority: cmd.priority.is_some(),
                            slot_start: None,
                            queued_at: now,
                            target: None,
                            waiting: true,
                        };
                        if views.len() == 1 {
                            assert_eq!(
                                v.position,
                                m.position(&t, now),
                                "{name}: step {step}: fresh position"
                            );
                        }
                        m.tickets.push(t);
                    }
                }
                Op::CheckIn(i) => {
                    let a = &bookings[*i];
                    let out = s
                        .check_in(CheckIn {
                            within: None,
                            by: CheckInBy::Code(a.code.clone()),
                            actor: "kiosk:1".into(),
                            refuse_repeat: false,
                            print_on: None,
                            now,
                            audit: None,
                        })
                        .await
                        .unwrap();
                    let v = out.ticket;
                    if let Some(token) = m.checked_in.get(i) {
                        assert!(!out.new, "{name}: checked in twice");
                        assert_eq!(&v.token, token);
                        continue;
                    }
                    assert!(out.new);
                    let service = i % 2;
                    m.next[service] += 1;
                    assert_eq!(
                        seq(&v.number),
                        m.next[service],
                        "{name}: step {step}: appointment number"
                    );
                    m.checked_in.insert(*i, v.token.clone());
                    m.tickets.push(T {
                        id: ticket_id(&b.url, &v.token).await,
                        number: v.number.clone(),
                        token: v.token.clone(),
                        service,
                        numbered: service,
                        priority: false,
                        slot_start: Some(ten()),
                        queued_at: ten(),
                        target: None,
                        waiting: true,
                    });
                }
                Op::Call(n) => {
                    let cands: Vec<Candidate> = m
                        .tickets
                        .iter()
                        .filter(|t| t.waiting)
                        .map(T::candidate)
                        .collect();
                    let serves = [code("A"), code("B")];
                    let want =
                        call_order::pick_next(counter(*n), &serves, &cands, now).map(|c| c.id);
                    let got = s
                        .call_next(at(now, *n))
                        .await
                        .unwrap()
                        .ticket
                        .map(|t| t.token);
                    let got = got.map(|token| {
                        let t = m.tickets.iter_mut().find(|t| t.token == token).unwrap();
                        t.waiting = false;
                        t.id
                    });
                    assert_eq!(got, want, "{name}: step {step}: call at counter {n}");
                }
                Op::Transfer { to_counter } => {
                    let Some(t) = m
                        .tickets
                        .iter_mut()
                        .rev()
                        .find(|t| t.waiting && t.target.is_none())
                    else {
                        continue;
                    };
                    let other = 1 - t.service;
                    s.transfer(
                        at(now, 1),
                        Transfer {
                            service: (!to_counter).then(|| code(SERVICES[other])),
                            counter: to_counter.then(|| counter(2)),
                            ticket: Some(t.number.clone()),
                            note: None,
                        },
                    )
                    .await
                    .unwrap();
                    if *to_counter {
                        t.target = Some(2);
                    } else {
                        t.service = other;
                    }
                }
                Op::Restart => {
                    b.store.close().await;
                    b.store = luot_store::connect(&b.url, Default::default())
                        .await
                        .unwrap();
                }
            }
            m.check_numbering(name, step);
            for t in m.tickets.iter().filter(|t| t.waiting) {
                let v = b.store.ticket_by_token(&t.token, now).await.unwrap();
                assert_eq!(
                    v.position,
                    m.position(t, now),
                    "{name}: position of {} after step {step} ({op:?})",
                    t.number
                );
            }
        }
        let waiting: u32 = b
            .store
            .services(&centre_code(), now)
            .await
            .unwrap()
            .iter()
            .map(|o| o.waiting)
            .sum();
        assert_eq!(
            waiting as usize,
            m.tickets.iter().filter(|t| t.waiting).count()
        );
        let mut c = sqlx::AnyConnection::connect(&b.url).await.unwrap();
        let details: Vec<String> = sqlx::query_scalar(
            "SELECT details FROM audit_log WHERE action = 'ticket.issue' ORDER BY id",
        )
        .fetch_all(&mut c)
        .await
        .unwrap();
        c.close().await.unwrap();
        let mut got: Vec<Option<String>> = details
            .iter()
            .map(|d| {
                let d: serde_json::Value = serde_json::from_str(d).unwrap();
                d["events"][0]["number"].as_str().map(str::to_owned)
            })
            .collect();
        got.sort();
        m.audits.sort();
        assert_eq!(got, m.audits, "{name}: one audit entry per audited issue");
        b.store.close().await;
    }
}

proptest! {
    // Bounded: each case is a fresh database per backend.
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn issuing_matches_the_model(ops in prop::collection::vec(op(), 1..24)) {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(run(ops));
    }
}
