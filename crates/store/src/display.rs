//! What the waiting-room displays need beyond the queue commands: the
//! administrator's notice line and a cheap check of where a centre's event log
//! ends (so a display resuming with a stale id gets a fresh snapshot).

use async_trait::async_trait;
use jiff::Timestamp;
use luot_domain::CentreCode;

use crate::{Actor, Result};

/// The longest notice line accepted, in characters (it scrolls across the TV).
pub const MAX_NOTICE_CHARS: usize = 500;

#[async_trait]
pub trait DisplayStore: Send + Sync {
    /// Replaces the centre's notice line (empty clears it) and appends
    /// `NoticeChanged`. Text longer than [`MAX_NOTICE_CHARS`] or with control
    /// characters other than spaces is refused by the caller's validation; the
    /// store trims surrounding whitespace.
    async fn set_notice(
        &self,
        centre: &CentreCode,
        text: String,
        actor: Actor,
        now: Timestamp,
    ) -> Result<()>;

    /// The newest event id of a centre (0 when it has none); `NotFound` for an
    /// unknown centre.
    async fn last_event_id(&self, centre: &CentreCode) -> Result<i64>;
}
