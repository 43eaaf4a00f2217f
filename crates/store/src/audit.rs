//! Audit entries committed with the action they describe. A write command
//! carries its entry as an argument (`audit: Option<NewAudit>`: a field of
//! [`IssueTicket`](crate::IssueTicket), [`CounterRef`](crate::CounterRef),
//! [`CheckIn`](crate::CheckIn) and [`AdminCtx`](crate::AdminCtx), a parameter of
//! the account, session and device commands), and the writer inserts it inside
//! that command's own savepoint, after the command's writes, with the ticket
//! events it appended added to the details. So the action and its audit row
//! commit together or not at all: no action without its record, no record of
//! an action that rolled back. What writes nothing else (a failed login) is
//! recorded alone with `AuthStore::record_audit`.

pub use crate::auth::NewAudit;
