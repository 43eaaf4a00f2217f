//! The rules of the queue, pure: ticket numbering, the ticket state machine, the
//! order in which a counter calls tickets, waiting-time estimates, and the validated
//! codes every other layer speaks in. No IO, no async, no database: the clock is
//! always a parameter, so every rule can be unit- and property-tested.
#![forbid(unsafe_code)]

pub mod booking;
pub mod call_order;
pub mod cccd;
pub mod centre;
pub mod codes;
pub mod config;
pub mod day;
pub mod dossier;
pub mod error;
pub mod eta;
pub mod event;
pub mod notice;
pub mod numbering;
pub mod priority;
pub mod report;
pub mod slots;
pub mod ticket;

pub use booking::{BookingCode, CheckInWindow, Limits, Phone, Refusal};
pub use call_order::{pick_next, CallGroup, Candidate};
pub use centre::{Centre, Counter, CounterState, OpeningHours, Service, Unstarted, Weekday};
pub use codes::{CentreCode, CounterNumber, ServiceCode, TicketPrefix};
pub use dossier::{DossierCode, DossierPattern};
pub use error::Error;
pub use event::{Event, EventKind};
pub use numbering::{service_day, NumberSequence, TicketNumber};
pub use priority::{default_priority_classes, PriorityClass, PriorityCode};
pub use report::{RatingCounts, ReportRange};
pub use slots::{BookingSettings, NoSlots, Slot};
pub use ticket::{Action, Channel, TicketStatus};
