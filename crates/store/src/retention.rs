//! Data retention: personal data is kept for a centre's `data_retention_days`
//! (a centre setting, 30 to 3650 days) and then erased, while what reports count
//! stays. The server's housekeeping calls [`RetentionStore::erase_expired`]
//! every minute.
//!
//! What is personal in this schema, and what happens to it past the period:
//!
//! | data | erased | kept |
//! |---|---|---|
//! | bookings (`appointments`) | name, phone, ID hash and last digits (the booking's own, shorter, retention applies first) | service, slot, status, ticket |
//! | ratings (`feedback`) | the free-text comment | the level, ticket, counter, staff member |
//! | tickets | the transfer note (free text typed by staff) | numbers, services, counters, times, priority class, staff |
//! | audit log | the IP address; the typed username of a failed sign-in naming no account | who (staff), what, when, centre |
//! | sessions | the whole row (it ended long before) | |
//! | turn-notice phones (`notice_phones`) | the whole row, by a trigger when the ticket ends (at the latest after 24 hours, `crate::notices`) | the notices sent (`turn_notices`: no phone) |
//!
//! Priority classes stay: on a walk-in ticket they name no one, and an
//! appointment ticket stops naming anyone once its booking is anonymised.
//! Staff accounts are not citizens' data and stay while the account exists.
//!
//! The same erasure also runs at once for one person on request
//! ([`RetentionStore::erase_person`]), and for one booking when it is cancelled.
//! On SQLite each of them ends with the WAL checkpointed and truncated, so the
//! erased values are in no file of the database (docs/privacy.md).
//! Audit entries and sessions that belong to no single centre follow the
//! longest period of any centre, so no centre loses audit history it keeps.

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use luot_domain::Phone;

use crate::{AdminCtx, Result};

/// What one pass (or one erasure request) erased, per kind of data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Erased {
    /// Bookings whose name, phone and ID number were erased.
    pub bookings: u32,
    /// Rating comments.
    pub comments: u32,
    /// Ticket transfer notes.
    pub transfer_notes: u32,
    /// Audit entries whose IP address (or failed sign-in name) was erased.
    pub audit_entries: u32,
    /// Sessions deleted.
    pub sessions: u32,
    /// Phones left for turn notices (`notice_phones`), deleted.
    pub notice_phones: u32,
}

impl Erased {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Every record erased, whatever its kind.
    pub fn total(&self) -> u32 {
        self.bookings
            .saturating_add(self.comments)
            .saturating_add(self.transfer_notes)
            .saturating_add(self.audit_entries)
            .saturating_add(self.sessions)
            .saturating_add(self.notice_phones)
    }
}

/// Whose data an erasure request names: the phone or the ID number they gave.
#[derive(Debug, Clone)]
pub enum Person {
    Phone(Phone),
    /// A CCCD number (12 digits), matched through its keyed hash.
    IdNumber(String),
}

#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Erases personal data older than each centre's retention period (see the
    /// module documentation for what exactly), in one transaction. Repeating it
    /// erases nothing more; statistics (ticket counts, times, rating levels)
    /// are untouched.
    async fn erase_expired(&self, now: Timestamp) -> Result<Erased>;

    /// Erases, at `ctx.centre`, everything that names `person` (a data
    /// subject's request under Law 91/2025/QH15): the name, phone and ID number
    /// of each of their bookings (a booking still to come is cancelled and its
    /// place freed), the phone left for turn notices on any ticket, the comments of the ratings of their tickets, and the
    /// transfer notes on those tickets. The audit entry of `ctx` commits with
    /// it, the counts added to its details (never the phone or ID number).
    /// Asking again erases nothing more.
    async fn erase_person(&self, ctx: AdminCtx, person: Person) -> Result<Erased>;

    /// Deletes at most [`KEY_PRUNE_BATCH`] Idempotency-Keys stored more than
    /// [`KEY_LIFETIME`] before `now`, oldest first, in one short transaction;
    /// returns how many (call again while it is [`KEY_PRUNE_BATCH`]). A key
    /// only protects the retries of one press, so a day bounds the table; a
    /// retry within it still gets its ticket.
    async fn prune_idempotency_keys(&self, now: Timestamp) -> Result<u32>;
}

/// How long an Idempotency-Key is kept (and a retry with it gets its ticket).
pub const KEY_LIFETIME: SignedDuration = SignedDuration::from_hours(24);

/// Most keys one [`RetentionStore::prune_idempotency_keys`] call deletes, so
/// the writer is never held long.
pub const KEY_PRUNE_BATCH: u32 = 1000;
