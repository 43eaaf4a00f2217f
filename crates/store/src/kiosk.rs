//! Kiosk print jobs and kiosk health. A ticket issued from a kiosk device gets a
//! print job for that kiosk in the same transaction (see `IssueTicket::print_on`);
//! the kiosk client acknowledges each job once printed, and unacknowledged jobs
//! are sent again after every reconnect, so no ticket is lost.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;

use crate::Result;

/// A job waiting for its kiosk's acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingJob {
    pub id: i64,
    /// The ticket to print, by its token (the view is read when sending).
    pub ticket_token: String,
    pub attempts: u32,
}

/// What an administrator sees of a kiosk.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct KioskHealth {
    pub device_id: i64,
    pub connected: bool,
    /// `ok`, `paper_low`, `paper_out`, `cover_open`, `offline` or `unknown`.
    pub printer: String,
    pub paper: Option<String>,
    pub version: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub last_seen: Timestamp,
    pub last_job_id: Option<i64>,
    pub last_error: Option<String>,
    /// Jobs not yet acknowledged.
    pub pending_jobs: u32,
}

/// What the kiosk agent reported.
#[derive(Debug, Clone, Default)]
pub struct KioskReport {
    pub connected: bool,
    pub printer: Option<String>,
    pub paper: Option<String>,
    pub version: Option<String>,
    pub error: Option<String>,
}

#[async_trait]
pub trait KioskStore: Send + Sync {
    /// Unacknowledged jobs of a kiosk with id > `after`, oldest first.
    async fn pending_print_jobs(&self, device_id: i64, after: i64) -> Result<Vec<PendingJob>>;
    /// Marks a job printed. Repeats are no-ops; a job of another kiosk is `NotFound`.
    async fn ack_print_job(&self, device_id: i64, job_id: i64, now: Timestamp) -> Result<()>;
    /// Records a failed attempt; the job stays pending.
    async fn fail_print_job(
        &self,
        device_id: i64,
        job_id: i64,
        reason: &str,
        now: Timestamp,
    ) -> Result<()>;
    /// Records the agent's connection and printer state.
    async fn report_kiosk(&self, device_id: i64, report: KioskReport, now: Timestamp)
        -> Result<()>;
    /// Health of the given kiosks (those with no report yet are left out).
    async fn kiosk_health(&self, device_ids: &[i64]) -> Result<Vec<KioskHealth>>;
}
