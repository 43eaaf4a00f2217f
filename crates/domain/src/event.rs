//! The event log: what happened in a centre, in commit order. Every store command
//! appends its events in the same transaction as its state change; displays,
//! counters and status pages follow them live. Events are public: they carry ticket
//! numbers, service codes and counter numbers, never names, phones or tokens.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{CentreCode, Channel, CounterNumber, ServiceCode};

/// One committed event. `id` increases in commit order within a deployment, so a
/// client that saw id N resumes with `?after=N` and misses nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: i64,
    pub centre: CentreCode,
    pub at: Timestamp,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    TicketIssued {
        number: String,
        service: ServiceCode,
        channel: Channel,
        priority: bool,
    },
    TicketCalled {
        number: String,
        service: ServiceCode,
        counter: CounterNumber,
    },
    TicketRecalled {
        number: String,
        service: ServiceCode,
        counter: CounterNumber,
        recalls: u32,
    },
    TicketStarted {
        number: String,
        service: ServiceCode,
        counter: CounterNumber,
    },
    TicketCompleted {
        number: String,
        service: ServiceCode,
        counter: CounterNumber,
    },
    TicketNoShow {
        number: String,
        service: ServiceCode,
        counter: CounterNumber,
    },
    TicketCancelled {
        number: String,
        service: ServiceCode,
    },
    /// Its service day ended before it was served (`crate::day`): it leaves
    /// the queue and the board for good.
    TicketExpired {
        number: String,
        service: ServiceCode,
        /// The counter that had called it; `None` for a ticket still waiting.
        counter: Option<CounterNumber>,
    },
    TicketTransferred {
        number: String,
        from_service: ServiceCode,
        service: ServiceCode,
        from_counter: Option<CounterNumber>,
        to_counter: Option<CounterNumber>,
    },
    CounterPaused {
        counter: CounterNumber,
    },
    CounterResumed {
        counter: CounterNumber,
    },
    /// The administrator changed the notice line shown on displays.
    NoticeChanged {
        text: String,
    },
    /// Services, counters or settings changed: clients reload their configuration.
    ConfigChanged,
    /// A served ticket was rated (the level only; comments stay private).
    TicketRated {
        number: String,
        service: ServiceCode,
        counter: Option<CounterNumber>,
        rating: u8,
    },
    /// A dossier code was attached to a ticket at a counter. The code itself
    /// is not in the public stream; webhooks read it from the store.
    DossierAttached {
        number: String,
        service: ServiceCode,
        counter: CounterNumber,
    },
    /// A booking was made or cancelled: counter consoles refetch today's
    /// bookings to check in. Carries nothing (the bookings are personal data);
    /// displays and status pages ignore it.
    BookingChanged,
}

impl EventKind {
    /// The snake_case name used in the log and the stream.
    pub fn name(&self) -> &'static str {
        match self {
            Self::TicketIssued { .. } => "ticket_issued",
            Self::TicketCalled { .. } => "ticket_called",
            Self::TicketRecalled { .. } => "ticket_recalled",
            Self::TicketStarted { .. } => "ticket_started",
            Self::TicketCompleted { .. } => "ticket_completed",
            Self::TicketNoShow { .. } => "ticket_no_show",
            Self::TicketCancelled { .. } => "ticket_cancelled",
            Self::TicketExpired { .. } => "ticket_expired",
            Self::TicketTransferred { .. } => "ticket_transferred",
            Self::CounterPaused { .. } => "counter_paused",
            Self::CounterResumed { .. } => "counter_resumed",
            Self::NoticeChanged { .. } => "notice_changed",
            Self::ConfigChanged => "config_changed",
            Self::BookingChanged => "booking_changed",
            Self::TicketRated { .. } => "ticket_rated",
            Self::DossierAttached { .. } => "dossier_attached",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_flat_with_a_type_tag() {
        let e = Event {
            id: 7,
            centre: CentreCode::parse("mo-cay").unwrap(),
            at: Timestamp::from_second(1_800_000_000).unwrap(),
            kind: EventKind::TicketCalled {
                number: "A012".into(),
                service: ServiceCode::parse("A").unwrap(),
                counter: CounterNumber::new(3).unwrap(),
            },
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "ticket_called");
        assert_eq!(v["number"], "A012");
        assert_eq!(v["counter"], 3);
        assert_eq!(e.kind.name(), "ticket_called");
        let back: Event = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }
}
