//! Who a counter calls next. Among the waiting tickets of the services a counter
//! serves: checked-in appointments whose slot has begun first, then priority
//! tickets, then the rest; within a group, the counter's service order, then the
//! ticket's place in time (issue time, kept across transfers). A ticket transferred
//! to a particular counter is only called there, and ranks there as if of the
//! counter's first service, since staff sent it on purpose.

use jiff::Timestamp;

use crate::{CounterNumber, ServiceCode};

/// The three groups, in the order they are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CallGroup {
    /// A checked-in booking whose slot has begun.
    Appointment,
    /// A ticket flagged with one of the centre's priority classes.
    Priority,
    Normal,
}

/// What call-next needs to know about one waiting ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub service: ServiceCode,
    pub priority: bool,
    /// The booked slot's start, for appointment tickets.
    pub slot_start: Option<Timestamp>,
    /// The ticket's place in time: its issue time, kept across transfers.
    pub queued_at: Timestamp,
    /// Set when staff transferred the ticket to one counter.
    pub target_counter: Option<CounterNumber>,
}

impl Candidate {
    /// The group at `now`: an appointment checked in early waits with the walk-ins
    /// until its slot begins.
    pub fn group(&self, now: Timestamp) -> CallGroup {
        match self.slot_start {
            Some(slot) if slot <= now => CallGroup::Appointment,
            _ if self.priority => CallGroup::Priority,
            _ => CallGroup::Normal,
        }
    }

    /// The ordering key at a counter, or `None` if that counter may not call it.
    pub fn key(
        &self,
        counter: CounterNumber,
        serves: &[ServiceCode],
        now: Timestamp,
    ) -> Option<(CallGroup, usize, Timestamp, i64)> {
        let rank = match self.target_counter {
            Some(target) if target == counter => 0,
            Some(_) => return None,
            None => serves.iter().position(|s| *s == self.service)?,
        };
        Some((self.group(now), rank, self.queued_at, self.id))
    }
}

/// The ticket a counter should call now, if any.
pub fn pick_next<'a>(
    counter: CounterNumber,
    serves: &[ServiceCode],
    candidates: &'a [Candidate],
    now: Timestamp,
) -> Option<&'a Candidate> {
    candidates
        .iter()
        .filter_map(|c| c.key(counter, serves, now).map(|k| (k, c)))
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> ServiceCode {
        ServiceCode::parse(s).unwrap()
    }
    fn at(min: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + min * 60).unwrap()
    }
    fn counter(n: i64) -> CounterNumber {
        CounterNumber::new(n).unwrap()
    }
    fn cand(id: i64, svc: &str, priority: bool, slot: Option<i64>, queued: i64) -> Candidate {
        Candidate {
            id,
            service: code(svc),
            priority,
            slot_start: slot.map(at),
            queued_at: at(queued),
            target_counter: None,
        }
    }

    #[test]
    fn appointments_then_priority_then_the_rest() {
        let serves = [code("A"), code("B")];
        let c = vec![
            cand(1, "A", false, None, 0),
            cand(2, "B", true, None, 5),
            cand(3, "B", false, Some(10), 8),
        ];
        // Before the appointment's slot begins, the priority ticket goes first.
        assert_eq!(pick_next(counter(1), &serves, &c, at(9)).unwrap().id, 2);
        // Once it begins, the appointment does.
        assert_eq!(pick_next(counter(1), &serves, &c, at(10)).unwrap().id, 3);
    }

    #[test]
    fn service_order_then_time() {
        let c = vec![cand(1, "A", false, None, 0), cand(2, "B", false, None, 1)];
        // Counter 2 prefers B even though A came first.
        let pick = pick_next(counter(2), &[code("B"), code("A")], &c, at(5));
        assert_eq!(pick.unwrap().id, 2);
        let pick = pick_next(counter(1), &[code("A"), code("B")], &c, at(5));
        assert_eq!(pick.unwrap().id, 1);
        // A counter that serves neither calls nobody.
        assert!(pick_next(counter(3), &[code("C")], &c, at(5)).is_none());
    }

    #[test]
    fn transferred_to_a_counter_only_there() {
        let mut t = cand(1, "C", false, None, 0);
        t.target_counter = Some(counter(4));
        let c = vec![t, cand(2, "A", false, None, 1)];
        assert_eq!(
            pick_next(counter(4), &[code("A")], &c, at(5)).unwrap().id,
            1
        );
        assert_eq!(
            pick_next(counter(1), &[code("A"), code("C")], &c, at(5))
                .unwrap()
                .id,
            2
        );
    }

    fn arb_candidate() -> impl Strategy<Value = Candidate> {
        (
            0i64..10_000,
            0usize..4,
            any::<bool>(),
            proptest::option::of(0i64..120),
            0i64..120,
            proptest::option::of(1i64..4),
        )
            .prop_map(|(id, s, p, slot, q, target)| Candidate {
                id,
                service: code(["A", "B", "C", "D"][s]),
                priority: p,
                slot_start: slot.map(at),
                queued_at: at(q),
                target_counter: target.filter(|t| *t == 3).map(counter),
            })
    }

    proptest! {
        /// The pick is served by the counter, and nobody it may call ranks before it.
        #[test]
        fn pick_is_the_minimum(cands in proptest::collection::vec(arb_candidate(), 0..40), now in 0i64..150) {
            let serves = [code("B"), code("A")];
            let now = at(now);
            match pick_next(counter(2), &serves, &cands, now) {
                None => prop_assert!(cands.iter().all(|c| c.key(counter(2), &serves, now).is_none())),
                Some(p) => {
                    let k = p.key(counter(2), &serves, now).unwrap();
                    prop_assert!(serves.contains(&p.service));
                    for c in &cands {
                        if let Some(ck) = c.key(counter(2), &serves, now) { prop_assert!(k <= ck); }
                    }
                }
            }
        }

        /// Taking each service's own best candidate first (as the store does to avoid
        /// reading whole queues) picks the same ticket as looking at everyone.
        #[test]
        fn best_per_service_is_enough(cands in proptest::collection::vec(arb_candidate(), 0..40), now in 0i64..150) {
            let serves = [code("C"), code("A"), code("D")];
            let now = at(now);
            let full = pick_next(counter(3), &serves, &cands, now).map(|c| c.id);
            let mut best: Vec<Candidate> = Vec::new();
            for s in ["A", "B", "C", "D"] {
                let in_service = cands.iter().filter(|c| c.service.as_str() == s && c.target_counter.is_none());
                if let Some(b) = in_service.min_by_key(|c| (c.group(now), c.queued_at, c.id)) {
                    best.push(b.clone());
                }
            }
            best.extend(cands.iter().filter(|c| c.target_counter == Some(counter(3))).cloned());
            let reduced = pick_next(counter(3), &serves, &best, now).map(|c| c.id);
            prop_assert_eq!(full, reduced);
        }
    }
}
