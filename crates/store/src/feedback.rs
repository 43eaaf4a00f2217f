//! Satisfaction ratings: one per served ticket, linked to the ticket, the counter
//! and the staff member who served it. From the ticket's own status page (by its
//! token) or from the counter's rating tablet (the counter's last completed ticket).

use async_trait::async_trait;
use jiff::Timestamp;
use luot_domain::{CentreCode, CounterNumber, ServiceCode};
use serde::{Deserialize, Serialize};

use crate::Result;

/// The longest comment kept.
pub const MAX_COMMENT_CHARS: usize = 500;

/// A rating to record. `rating` is 1 (rất không hài lòng) to 5 (rất hài lòng).
#[derive(Debug, Clone)]
pub struct NewFeedback {
    pub rating: u8,
    pub comment: Option<String>,
    /// `ticket` (status page) or `rating:<device id>` (a counter tablet).
    pub source: String,
    pub now: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeedbackView {
    pub number: String,
    pub service: ServiceCode,
    pub counter: Option<CounterNumber>,
    pub rating: u8,
    pub comment: Option<String>,
}

/// A counter's figures for today (the centre's service day).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CounterToday {
    pub served: u32,
    pub no_shows: u32,
    /// Mean minutes from start to completion of the tickets served; null before the first.
    pub mean_service_minutes: Option<f64>,
    /// Mean rating given today to tickets this counter served; null without ratings.
    pub mean_rating: Option<f64>,
    pub ratings: u32,
}

#[async_trait]
pub trait FeedbackStore: Send + Sync {
    /// Today's figures of one counter.
    async fn counter_today(
        &self,
        centre: &CentreCode,
        counter: CounterNumber,
        now: Timestamp,
    ) -> Result<CounterToday>;
    /// Rates the ticket with this token: `NotFound("ticket")`,
    /// `Conflict(NotServed)` unless it was served, `Conflict(AlreadyRated)`.
    async fn rate_ticket(&self, token: &str, f: NewFeedback) -> Result<FeedbackView>;
    /// Rates the ticket a counter completed last, if within `window` before
    /// `f.now`: `NotFound("ticket")` when there is none, `Conflict(AlreadyRated)`.
    async fn rate_last_at_counter(
        &self,
        centre: &CentreCode,
        counter: CounterNumber,
        window: std::time::Duration,
        f: NewFeedback,
    ) -> Result<FeedbackView>;
}
