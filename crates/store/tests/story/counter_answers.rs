//! A counter command answers with the counter as it left it (state, services,
//! ticket in progress) and the ticket it moved. The answer is built from what
//! the command wrote, not read back, so here a long, mixed run of every counter
//! command (calls finishing called and served tickets, recalls, starts,
//! no-shows, transfers of the ticket in progress, pauses and resumes, at three
//! counters, with the queue now full, now empty) compares each answer with a
//! fresh read of the same counter, and checks that it says what the command
//! means (a call opens the counter and makes the ticket called its current one).

use luot_domain::{CounterState, TicketStatus, Unstarted};
use luot_store::{CounterOutcome, CounterRef, Store, Transfer};

use crate::harness::*;

/// A small deterministic generator (xorshift), so a failure replays.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

async fn command(
    s: &dyn Store,
    dice: &mut Dice,
    at: CounterRef,
) -> (&'static str, luot_store::Result<CounterOutcome>) {
    match dice.roll(10) {
        0 => ("call-next", s.call_next(at).await),
        1 => (
            "call-next no-show",
            s.call_next_with(at, Some(Unstarted::NoShow)).await,
        ),
        2 => (
            "call-next served",
            s.call_next_with(at, Some(Unstarted::Served)).await,
        ),
        3 => ("recall", s.recall(at).await),
        4 => ("start", s.start(at).await),
        5 => ("complete", s.complete(at).await),
        6 => ("no-show", s.no_show(at).await),
        7 => {
            let to = if dice.roll(2) == 0 {
                Transfer {
                    service: Some(code(if dice.roll(2) == 0 { "A" } else { "B" })),
                    counter: None,
                    ticket: None,
                    note: None,
                }
            } else {
                let other = (at.counter.get() as i64 % 3) + 1;
                Transfer {
                    service: None,
                    counter: Some(counter(other)),
                    ticket: None,
                    note: None,
                }
            };
            ("transfer", s.transfer(at, to).await)
        }
        8 => ("pause", s.pause(at).await),
        _ => ("resume", s.resume(at).await),
    }
}

#[tokio::test]
async fn a_counter_commands_answer_is_what_a_fresh_read_shows() {
    for b in backends().await {
        let s = &*b.store;
        s.create_centre(small_centre(3), morning()).await.unwrap();
        let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
        let mut now = morning();
        let mut answered = 0;
        for step in 0..400 {
            now += jiff::SignedDuration::from_secs(5);
            // Tickets come in bursts, so the queue is sometimes empty.
            if step % 40 < 15 && dice.roll(3) > 0 {
                let service = if dice.roll(2) == 0 { "A" } else { "B" };
                s.issue_ticket(walk_in(service, now)).await.unwrap();
                continue;
            }
            let n = dice.roll(3) as i64 + 1;
            let at = CounterRef {
                centre: centre_code(),
                counter: counter(n),
                actor: format!("staff{n}"),
                now,
                audit: None,
            };
            let (what, result) = command(s, &mut dice, at).await;
            // Refusals (nothing in progress, recall first, ...) are the
            // domain's; what is checked here is every answer given.
            let Ok(answer) = result else { continue };
            answered += 1;
            let fresh = s.queue(&centre_code(), now).await.unwrap();
            let k = fresh
                .counters
                .iter()
                .find(|k| k.number == counter(n))
                .unwrap();
            assert_eq!(
                &answer.counter, k,
                "{}: step {step}, {what} at counter {n}",
                b.name
            );
            // And the answer says what the command means.
            let ctx = format!("{}: step {step}, {what} at counter {n}", b.name);
            let current = answer.counter.current.as_ref().map(|c| c.number.as_str());
            let ticket = answer.ticket.as_ref().map(|t| t.number.as_str());
            match what {
                "call-next" | "call-next no-show" | "call-next served" => {
                    assert_eq!(answer.counter.state, CounterState::Open, "{ctx}");
                    assert_eq!(current, ticket, "{ctx}");
                    if let Some(t) = &answer.ticket {
                        assert_eq!(t.status, TicketStatus::Called, "{ctx}");
                    }
                }
                "complete" | "no-show" => assert_eq!(current, None, "{ctx}"),
                "start" | "recall" => assert_eq!(current, ticket, "{ctx}"),
                "transfer" => {
                    assert_eq!(current, None, "{ctx}");
                    let t = answer.ticket.as_ref().expect("the ticket transferred");
                    assert_eq!(t.status, TicketStatus::Transferred, "{ctx}");
                }
                "pause" => assert_eq!(answer.counter.state, CounterState::Paused, "{ctx}"),
                _ => assert_eq!(answer.counter.state, CounterState::Open, "{ctx}"),
            }
        }
        assert!(answered > 150, "{}: only {answered} answers", b.name);
        s.close().await;
    }
}
