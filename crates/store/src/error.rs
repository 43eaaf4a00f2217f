//! The store's errors. Constraint violations are mapped to meaning inside the
//! store, so callers never see SQL text; the server maps each variant to a status.

use luot_domain as domain;

/// Why a command or query failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The named thing (centre, service, counter, ticket) does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The command conflicts with the current state.
    #[error("{0}")]
    Conflict(Conflict),
    /// A rule of the queue refused the command.
    #[error(transparent)]
    Rule(#[from] domain::Error),
    /// The database cannot be reached or is shutting down; worth retrying.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or corrupted data. Logged, never shown.
    #[error("internal store error: {0}")]
    Internal(String),
}

/// Conflicts with the current state, each with a stable meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("the counter has no ticket in progress")]
    NoCurrentTicket,
    #[error("the Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    #[error("the service is not taking tickets")]
    ServiceInactive,
    #[error("recall the ticket before marking it a no-show")]
    RecallFirst,
    /// A unique key without a more precise meaning below.
    #[error("it already exists")]
    AlreadyExists,
    /// Another centre has this code.
    #[error("another centre has this code")]
    CentreCodeTaken,
    /// Another service of the centre has this code.
    #[error("another service of the centre has this code")]
    ServiceCodeTaken,
    /// Another counter of the centre has this number.
    #[error("another counter of the centre has this number")]
    CounterNumberTaken,
    /// Another account (active or not) has this username.
    #[error("the username is taken (deactivated accounts keep theirs)")]
    UsernameTaken,
    #[error("the ticket is not in a queue")]
    NotWaiting,
    #[error("the ticket was already rated")]
    AlreadyRated,
    #[error("only a served ticket can be rated")]
    NotServed,
    /// A ticket prefix equal to another service's, or one that would print the
    /// same numbers (`1` and `12`).
    #[error("another service of the centre uses this prefix or one that prints alike")]
    DuplicatePrefix,
    /// The service (or centre) issued tickets this service day, so its numbering
    /// (prefix, start number, timezone) can change only from the next day.
    #[error("tickets were issued today; change the numbering from the next service day")]
    NumberingInUse,
    /// Tickets refer to it; deactivate or close it instead of deleting.
    #[error("it is referred to by tickets; deactivate or close it instead")]
    InUse,
    /// A counter's list names a service the centre does not have.
    #[error("the counter's list names an unknown service")]
    UnknownService,
    /// The change would leave a centre (or the whole deployment) without an
    /// active administrator who could undo it.
    #[error("this is the last active administrator of its centres")]
    LastAdmin,
    /// An offline ticket's number is not in the kiosk's leased blocks of its day.
    #[error("the number is not in a block leased to this kiosk for that day")]
    NotLeased,
    /// An offline ticket's number was stored with another token.
    #[error("the number was already issued to another ticket")]
    NumberTaken,
    /// The ticket's story is over (served, no-show, cancelled, expired).
    #[error("the ticket has ended")]
    TicketEnded,
    /// A counter may move the tickets of its own queue only (sent to it, or of
    /// a service it serves); another counter's ticket is never pulled away.
    #[error("the ticket is in another counter's queue")]
    OtherCountersTicket,
    /// The centre has no notifier: it sends no turn notices.
    #[error("this centre does not send turn notices")]
    NoNotifier,
    /// The kiosk's own reprint was already used: one copy per ticket from the kiosk.
    #[error("this ticket was already printed again once; staff can print another copy")]
    ReprintUsed,
    /// The kiosk's own reprint is only for a ticket whose print went wrong
    /// (`unknown` or `failed`), not one printed or still printing.
    #[error("this ticket printed or is still printing")]
    ReprintNotNeeded,
    /// The kiosk's own reprint is only for the citizen still at the kiosk.
    #[error("the time to print this ticket again at the kiosk is over; staff can print a copy")]
    ReprintTooLate,
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Error::NotFound("row"),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Error::Conflict(unique_conflict(db.constraint(), db.message()))
            }
            sqlx::Error::Database(db) if db.code().is_some_and(|c| is_transient(&c)) => {
                Error::Unavailable(e.to_string())
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => Error::Unavailable(e.to_string()),
            _ => Error::Internal(e.to_string()),
        }
    }
}

/// Each unique key with its meaning: the constraint's name on PostgreSQL
/// (`constraint()`), and the columns SQLite names in its message ("UNIQUE
/// constraint failed: services.centre_id, services.code"). A key not listed is
/// [`Conflict::AlreadyExists`]; `unique_keys_have_their_meaning` in the store
/// story proves the list against both backends' real errors.
const UNIQUE_KEYS: &[(&str, &str, Conflict)] = &[
    (
        "centres_code_key",
        "centres.code",
        Conflict::CentreCodeTaken,
    ),
    (
        "services_centre_id_code_key",
        "services.centre_id, services.code",
        Conflict::ServiceCodeTaken,
    ),
    (
        "services_centre_id_prefix_key",
        "services.centre_id, services.prefix",
        Conflict::DuplicatePrefix,
    ),
    (
        "counters_centre_id_number_key",
        "counters.centre_id, counters.number",
        Conflict::CounterNumberTaken,
    ),
    (
        "accounts_username_key",
        "accounts.username",
        Conflict::UsernameTaken,
    ),
    (
        "tickets_centre_id_service_day_number_key",
        "tickets.centre_id, tickets.service_day, tickets.number",
        Conflict::NumberTaken,
    ),
    (
        "feedback_ticket_id_key",
        "feedback.ticket_id",
        Conflict::AlreadyRated,
    ),
];

/// The meaning of a unique violation, from the constraint's name
/// (PostgreSQL) or the columns in the message (SQLite).
pub(crate) fn unique_conflict(constraint: Option<&str>, message: &str) -> Conflict {
    let columns = message
        .strip_prefix("UNIQUE constraint failed: ")
        .unwrap_or_default();
    UNIQUE_KEYS
        .iter()
        .find(|(name, cols, _)| constraint == Some(*name) || columns == *cols)
        .map_or(Conflict::AlreadyExists, |(_, _, c)| *c)
}

/// SQLSTATEs that mean "the database is (briefly) not there or gave up on
/// this attempt", so a retry may well succeed: 503, never 500. Class 08 is a
/// broken connection, 57 an operator intervention (shutdown, restart, statement
/// timeout), 53 exhausted resources; 40001 and 40P01 are serialization failures
/// and deadlocks, 55P03 a lock that could not be taken. Only PostgreSQL's
/// five-character SQLSTATEs qualify: SQLite's numeric codes (531 is a
/// constraint error) must not be read as class 53.
fn is_transient(sqlstate: &str) -> bool {
    let class = |c: &str| sqlstate.len() == 5 && sqlstate.starts_with(c);
    ["08", "57", "53"].into_iter().any(class) || ["40001", "40P01", "55P03"].contains(&sqlstate)
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Internal(format!("stored JSON: {e}"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::{unique_conflict, Conflict};

    #[test]
    fn unique_violations_are_named_on_both_backends() {
        // SQLite names the columns, PostgreSQL the constraint.
        assert_eq!(
            unique_conflict(None, "UNIQUE constraint failed: accounts.username"),
            Conflict::UsernameTaken
        );
        assert_eq!(
            unique_conflict(Some("accounts_username_key"), "duplicate key value"),
            Conflict::UsernameTaken
        );
        assert_eq!(
            unique_conflict(
                None,
                "UNIQUE constraint failed: services.centre_id, services.prefix"
            ),
            Conflict::DuplicatePrefix
        );
        assert_eq!(
            unique_conflict(Some("counters_centre_id_number_key"), ""),
            Conflict::CounterNumberTaken
        );
        // A key without a listed meaning stays generic.
        assert_eq!(
            unique_conflict(
                None,
                "UNIQUE constraint failed: holidays.centre_id, holidays.day"
            ),
            Conflict::AlreadyExists
        );
        assert_eq!(
            unique_conflict(Some("webhook_deliveries_delivery"), ""),
            Conflict::AlreadyExists
        );
    }

    #[test]
    fn transient_sqlstates() {
        for code in [
            "08006", "57P01", "57014", "53300", "40001", "40P01", "55P03",
        ] {
            assert!(super::is_transient(code), "{code}");
        }
        // Constraint violations (PostgreSQL, then SQLite's numeric codes).
        for code in ["23505", "23503", "531", "2067", "5", "42P01"] {
            assert!(!super::is_transient(code), "{code}");
        }
    }
}
