//! Issuing through an outage: blocks of numbers leased to kiosks, and the
//! tickets a kiosk issued from them while the server was out of reach.
//!
//! **Where leased numbers come from.** Online numbers run from the service's
//! start number up, consecutive. Leased blocks come from a span above them: the
//! first block of a service day starts at `start_number + OFFLINE_OFFSET` (901
//! for a service starting at 1), each next block right after the last one (or
//! after the last online number, should the day have gone that far). The
//! online sequence skips the span the day's blocks cover
//! (`daily_sequences.lease_lo..=lease_hi`): a busy day that reaches 901 online
//! jumps past the leased numbers. So a leased number is never issued online,
//! two kiosks' blocks never overlap, and the board shows ordinary numbers
//! (`A012`) online and high ones (`A905`) for tickets issued offline. A daily
//! cap counts the skipped span like issued numbers.
//!
//! **Lifetime.** A block is valid for its service day only. A kiosk asks for
//! blocks whenever it is online ([`OfflineStore::lease_numbers`]); a service
//! whose kiosk has fewer than half a block unused gets a fresh block, so blocks
//! are refilled after use. At the end of the day the unused numbers are released
//! ([`OfflineStore::release_leases`]): a gap on the board, never a reuse.
//!
//! **Replay.** Back online, the kiosk sends each ticket it issued offline, in
//! issue order ([`OfflineStore::replay_offline`]). The ticket enters the queue
//! at its offline issue time, among the tickets issued meanwhile. A replay is
//! idempotent: the same number with the same token answers the stored ticket;
//! a number outside the kiosk's blocks, or taken by another token, is refused.

use async_trait::async_trait;
use jiff::Timestamp;
use luot_domain::{CentreCode, PriorityCode, ServiceCode};
use serde::Serialize;

use crate::{Actor, Result, TicketView};

/// How many numbers one block holds.
pub const LEASE_BLOCK: u32 = 20;
/// Where a service day's leased numbers start, above its start number.
pub const OFFLINE_OFFSET: u32 = 900;

/// One block of numbers leased to a kiosk for one service and day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NumberBlock {
    #[schema(value_type = String)]
    pub service: ServiceCode,
    /// The service's ticket prefix: the kiosk prints `{prefix}{seq:03}`.
    pub prefix: String,
    pub service_name: String,
    pub service_name_en: String,
    /// First and last sequence number of the block, both included.
    pub first: u32,
    pub last: u32,
    /// Numbers of the block already replayed (issued), e.g. `A905`.
    pub used: Vec<String>,
}

/// A kiosk's blocks for the current service day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Leases {
    /// The centre's local date the blocks belong to (`2026-11-26`).
    pub service_day: String,
    /// The end of that day (local midnight): no block is used after it.
    #[schema(value_type = String, format = DateTime)]
    pub valid_until: Timestamp,
    /// The centre's timezone, for printing offline issue times.
    pub timezone: String,
    /// The server's clock when it answered: a kiosk keeps its offset, so
    /// offline issue times follow the server's clock, not the kiosk PC's.
    #[schema(value_type = String, format = DateTime)]
    pub now: Timestamp,
    pub blocks: Vec<NumberBlock>,
}

/// A ticket a kiosk issued offline, as it replays it.
#[derive(Debug, Clone)]
pub struct OfflineTicket {
    pub device_id: i64,
    pub centre: CentreCode,
    pub service: ServiceCode,
    pub priority: Option<PriorityCode>,
    /// The sequence number printed (from one of the kiosk's blocks).
    pub seq: u32,
    /// The token the kiosk generated and printed in the QR code.
    pub token: String,
    /// When the kiosk issued it: its place in the queue.
    pub issued_at: Timestamp,
    pub actor: Actor,
    pub now: Timestamp,
}

/// The stored ticket, and whether this replay stored it (false: a repeat).
#[derive(Debug, Clone)]
pub struct Replayed {
    pub ticket: TicketView,
    pub new: bool,
}

#[async_trait]
pub trait OfflineStore: Send + Sync {
    /// The kiosk's blocks for today, one per active service of its centre at
    /// least, allocating a fresh block where fewer than half a block is unused.
    async fn lease_numbers(
        &self,
        device_id: i64,
        centre: &CentreCode,
        now: Timestamp,
    ) -> Result<Leases>;
    /// Puts a ticket issued offline into the queue at its issue time. Refuses
    /// (`Conflict::NotLeased`) a number outside the kiosk's blocks of that day
    /// and (`Conflict::NumberTaken`) a number stored with another token.
    async fn replay_offline(&self, ticket: OfflineTicket) -> Result<Replayed>;
    /// Marks the blocks of days before today (in each centre's timezone)
    /// released; returns how many.
    async fn release_leases(&self, now: Timestamp) -> Result<u64>;
}
