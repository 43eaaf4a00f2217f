//! The ways a request can break a rule of the queue. Each variant carries what a
//! person needs to understand it; the server maps them to stable API codes.

/// A broken rule. The store wraps it; the server turns it into a 4xx.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A code, number or name that does not have the required shape.
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The service has issued its daily cap of tickets for this service day.
    #[error("daily cap of {cap} tickets reached")]
    DailyCapReached { cap: u32 },
    /// The action is not allowed from the ticket's current status.
    #[error("cannot {action} a ticket that is {from}")]
    IllegalTransition {
        from: &'static str,
        action: &'static str,
    },
    /// Outside the service's opening hours or on a holiday, where the centre
    /// enforces them; with when it opens next (local time), if it does.
    #[error("the service is closed at this time")]
    Closed { opens_at: Option<jiff::Zoned> },
    /// The counter is paused or closed and cannot call.
    #[error("counter is {state}")]
    CounterNotOpen { state: &'static str },
    /// A booking or check-in rule (see `booking::Refusal`).
    #[error("{0}")]
    Booking(crate::booking::Refusal),
}

impl Error {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
