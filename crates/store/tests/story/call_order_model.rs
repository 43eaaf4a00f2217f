//! The store's fast paths against a model: call-next reads one index entry per
//! service and group, and a ticket's position comes from a trigger-kept queue
//! length less those behind it (migration 0007). Here a long, mixed day (two
//! services, priority tickets, counters with different service orders,
//! transfers to a service and to a counter) is replayed step by step, and after
//! every step each pick and each waiting ticket's position must equal what the
//! domain rules compute over the whole queue.

use luot_domain::{call_order, Candidate, Channel, PriorityCode};
use luot_store::{CounterRef, IssueTicket, Transfer};

use crate::harness::*;

/// What the model knows about a ticket.
#[derive(Clone)]
struct T {
    id: i64,
    number: String,
    token: String,
    service: &'static str,
    priority: bool,
    queued_at: jiff::Timestamp,
    target: Option<i64>,
    waiting: bool,
}

impl T {
    fn candidate(&self) -> Candidate {
        Candidate {
            id: self.id,
            service: code(self.service),
            priority: self.priority,
            slot_start: None,
            queued_at: self.queued_at,
            target_counter: self.target.map(counter),
        }
    }
}

/// The counters' service orders: 1 and 3 prefer A, 2 prefers B.
fn serves(n: i64) -> Vec<luot_domain::ServiceCode> {
    if n == 2 {
        vec![code("B"), code("A")]
    } else {
        vec![code("A"), code("B")]
    }
}

/// People ahead of `t` in its service's queue, by the domain's order.
fn model_position(all: &[T], t: &T, now: jiff::Timestamp) -> u32 {
    let key = |x: &T| (x.candidate().group(now), x.queued_at, x.id);
    all.iter()
        .filter(|x| x.waiting && x.service == t.service && key(x) < key(t))
        .count() as u32
}

#[tokio::test]
async fn picks_and_positions_match_the_rules() {
    for b in backends().await {
        let s = &b.store;
        let mut setup = small_centre(3);
        for k in &mut setup.counters {
            k.serves = serves(k.number.get().into());
        }
        s.create_centre(setup, morning()).await.unwrap();
        let mut all: Vec<T> = Vec::new();
        let mut now = morning();
        for step in 0..150usize {
            now += jiff::SignedDuration::from_secs(7);
            match step % 5 {
                // Issue three of every five steps; every fourth is a priority ticket.
                0 | 1 | 3 => {
                    let service = if step % 3 == 0 { "B" } else { "A" };
                    let priority = step % 4 == 0;
                    let v = s
                        .issue_ticket(IssueTicket {
                            centre: centre_code(),
                            service: code(service),
                            priority: priority.then(|| PriorityCode::parse("elderly").unwrap()),
                            channel: Channel::Kiosk,
                            actor: "kiosk".into(),
                            idempotency_key: None,
                            print_on: None,
                            now,
                            audit: None,
                            any_hour: false,
                        })
                        .await
                        .unwrap();
                    let t = T {
                        id: all.len() as i64 + 1,
                        number: v.number.clone(),
                        token: v.token.clone(),
                        service,
                        priority,
                        queued_at: now,
                        target: None,
                        waiting: true,
                    };
                    assert_eq!(
                        v.position,
                        model_position(&all, &t, now),
                        "{}: issue {step}",
                        b.name
                    );
                    all.push(t);
                }
                // Call at a counter, in turn; the pick must be the model's.
                2 => {
                    let n = (step / 5 % 3) as i64 + 1;
                    let cands: Vec<Candidate> =
                        all.iter().filter(|t| t.waiting).map(T::candidate).collect();
                    let want = call_order::pick_next(counter(n), &serves(n), &cands, now)
                        .map(|c| all[c.id as usize - 1].number.clone());
                    let got = s
                        .call_next(CounterRef {
                            centre: centre_code(),
                            counter: counter(n),
                            actor: "staff".into(),
                            now,
                            audit: None,
                        })
                        .await
                        .unwrap()
                        .ticket
                        .map(|t| t.number);
                    assert_eq!(got, want, "{}: call at counter {n}, step {step}", b.name);
                    if let Some(number) = got {
                        all.iter_mut().find(|t| t.number == number).unwrap().waiting = false;
                    }
                }
                // Transfer a waiting ticket: alternately to the other service and to counter 3.
                _ => {
                    let Some(t) = all
                        .iter_mut()
                        .rev()
                        .find(|t| t.waiting && t.target.is_none())
                    else {
                        continue;
                    };
                    let to_counter = step % 10 == 9;
                    let to_service = if t.service == "A" { "B" } else { "A" };
                    s.transfer(
                        CounterRef {
                            centre: centre_code(),
                            counter: counter(1),
                            actor: "staff".into(),
                            now,
                            audit: None,
                        },
                        Transfer {
                            service: (!to_counter).then(|| code(to_service)),
                            counter: to_counter.then(|| counter(3)),
                            ticket: Some(t.number.clone()),
                            note: None,
                        },
                    )
                    .await
                    .unwrap();
                    if to_counter {
                        t.target = Some(3);
                    } else {
                        t.service = to_service;
                    }
                }
            }
            // Every waiting ticket's position, as its holder would see it.
            for t in all.iter().filter(|t| t.waiting) {
                let v = s.ticket_by_token(&t.token, now).await.unwrap();
                assert_eq!(
                    v.position,
                    model_position(&all, t, now),
                    "{}: position of {} after step {step}",
                    b.name,
                    t.number
                );
            }
        }
        // The queue lengths the triggers keep agree with a plain count.
        let waiting: u32 = s
            .services(&centre_code(), now)
            .await
            .unwrap()
            .iter()
            .map(|o| o.waiting)
            .sum();
        assert_eq!(waiting as usize, all.iter().filter(|t| t.waiting).count());
        s.close().await;
    }
}
