//! The ticket state machine. A ticket is `waiting` until a counter calls it, then
//! `called` (recalls keep it there), `serving` once staff start, and `done` when
//! finished; a called ticket nobody answers becomes `no_show`; a waiting ticket can be
//! `cancelled`. A transfer moves a ticket to another service or counter keeping its
//! place in time: it becomes `transferred`, which waits like `waiting` at its new
//! destination. A ticket still `waiting`, `transferred` or `called` when its
//! service day ends is `expired` (by the system, never by staff): it is never
//! called on a later day. Every other move is refused.

use serde::{Deserialize, Serialize};

use crate::Error;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Waiting,
    Called,
    Serving,
    Done,
    NoShow,
    Cancelled,
    Transferred,
    /// Its service day ended before it was served (see `crate::day`).
    Expired,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 8] = [
        Self::Waiting,
        Self::Called,
        Self::Serving,
        Self::Done,
        Self::NoShow,
        Self::Cancelled,
        Self::Transferred,
        Self::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Called => "called",
            Self::Serving => "serving",
            Self::Done => "done",
            Self::NoShow => "no_show",
            Self::Cancelled => "cancelled",
            Self::Transferred => "transferred",
            Self::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the ticket is in a queue, waiting for a counter to call it.
    pub fn is_waiting(self) -> bool {
        matches!(self, Self::Waiting | Self::Transferred)
    }

    /// Whether the ticket's story is over.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Done | Self::NoShow | Self::Cancelled | Self::Expired
        )
    }
}

/// What staff (or the system) do to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Call,
    Recall,
    Start,
    Complete,
    NoShow,
    Cancel,
    Transfer,
    /// The service day ended (the system's move, at the day boundary).
    Expire,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Self::Call,
        Self::Recall,
        Self::Start,
        Self::Complete,
        Self::NoShow,
        Self::Cancel,
        Self::Transfer,
        Self::Expire,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Recall => "recall",
            Self::Start => "start",
            Self::Complete => "complete",
            Self::NoShow => "no-show",
            Self::Cancel => "cancel",
            Self::Transfer => "transfer",
            Self::Expire => "expire",
        }
    }
}

/// The status after `action`, or the refusal.
///
/// `complete` is allowed straight from `called`: at a busy desk staff often skip
/// the separate "start". A transfer may happen while waiting (wrong service
/// chosen at the kiosk) or at the desk (called or serving).
pub fn transition(from: TicketStatus, action: Action) -> Result<TicketStatus, Error> {
    use Action as A;
    use TicketStatus as S;
    let to = match (from, action) {
        (S::Waiting | S::Transferred, A::Call) => S::Called,
        (S::Called, A::Recall) => S::Called,
        (S::Called, A::Start) => S::Serving,
        (S::Called | S::Serving, A::Complete) => S::Done,
        (S::Called, A::NoShow) => S::NoShow,
        (S::Waiting | S::Transferred, A::Cancel) => S::Cancelled,
        (S::Waiting | S::Transferred | S::Called | S::Serving, A::Transfer) => S::Transferred,
        (S::Waiting | S::Transferred | S::Called, A::Expire) => S::Expired,
        _ => {
            return Err(Error::IllegalTransition {
                from: from.as_str(),
                action: action.as_str(),
            })
        }
    };
    Ok(to)
}

/// How a ticket came to be.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Taken at a kiosk touch screen.
    Kiosk,
    /// Issued by staff at a counter for someone in front of them.
    Counter,
    /// Taken remotely (phone, web) where the centre enables it.
    Remote,
    /// A checked-in booking.
    Appointment,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Counter => "counter",
            Self::Remote => "remote",
            Self::Appointment => "appointment",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Kiosk, Self::Counter, Self::Remote, Self::Appointment]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Action as A;
    use TicketStatus as S;

    #[test]
    fn the_happy_path() {
        let mut s = S::Waiting;
        for a in [A::Call, A::Recall, A::Start, A::Complete] {
            s = transition(s, a).unwrap();
        }
        assert_eq!(s, S::Done);
    }

    #[test]
    fn illegal_moves_are_refused() {
        assert!(transition(S::Waiting, A::Start).is_err());
        assert!(transition(S::Waiting, A::Complete).is_err());
        assert!(transition(S::Waiting, A::NoShow).is_err());
        assert!(transition(S::Serving, A::NoShow).is_err());
        assert!(transition(S::Serving, A::Call).is_err());
        assert!(transition(S::Called, A::Cancel).is_err());
        assert!(transition(S::Serving, A::Expire).is_err());
        assert!(transition(S::Done, A::Expire).is_err());
        let e = transition(S::Done, A::Recall).unwrap_err();
        assert_eq!(e.to_string(), "cannot recall a ticket that is done");
    }

    #[test]
    fn a_transferred_ticket_waits_again() {
        let s = transition(S::Serving, A::Transfer).unwrap();
        assert!(s.is_waiting());
        assert_eq!(transition(s, A::Call), Ok(S::Called));
    }

    #[test]
    fn the_day_end_expires_what_was_not_served() {
        for s in [S::Waiting, S::Transferred, S::Called] {
            let to = transition(s, A::Expire).unwrap();
            assert_eq!(to, S::Expired);
            assert!(to.is_final() && !to.is_waiting());
            assert!(transition(to, A::Call).is_err());
        }
    }

    #[test]
    fn names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    proptest! {
        /// Whatever staff press, a final ticket never moves again, and a ticket
        /// only reaches `serving` through `called`.
        #[test]
        fn final_states_are_final(actions in proptest::collection::vec(0usize..A::ALL.len(), 0..40)) {
            let mut s = S::Waiting;
            for i in actions {
                let a = A::ALL[i];
                match transition(s, a) {
                    Ok(next) => {
                        prop_assert!(!s.is_final());
                        if next == S::Serving { prop_assert_eq!(s, S::Called); }
                        if next == S::Done { prop_assert!(matches!(s, S::Called | S::Serving)); }
                        s = next;
                    }
                    Err(_) => prop_assert!(s.is_final() || !matches!((s, a), (S::Waiting, A::Call))),
                }
            }
        }
    }
}
