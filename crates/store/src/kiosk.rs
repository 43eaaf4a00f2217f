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
    /// When the job was made; its life (`expires_at`) counts from here.
    pub created_at: Timestamp,
    /// The job this one copies: a reprint, marked "BẢN IN LẠI".
    pub reprint_of: Option<i64>,
}

/// A recent job and what became of it, for the kiosk page and the admin's kiosk list.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PrintJobRecord {
    pub job_id: i64,
    pub ticket_number: String,
    /// `printed`, `unknown`, `failed`, `expired`, or null while the kiosk has not answered.
    pub outcome: Option<String>,
    /// Why it is not `printed` (for people).
    pub reason: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    pub reprint: bool,
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
    /// Records a job's final outcome other than `printed` (`unknown`, `failed`, `expired`): the
    /// job is answered and never sent again by itself. Repeats keep the first outcome.
    async fn finish_print_job(
        &self,
        device_id: i64,
        job_id: i64,
        outcome: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<()>;
    /// The kiosk's latest jobs, newest first.
    async fn recent_print_jobs(&self, device_id: i64, limit: u32) -> Result<Vec<PrintJobRecord>>;
    /// Queues a second copy of a job's ticket on the same kiosk, marked as a reprint; returns its
    /// id. `NotFound` when the job is not this kiosk's. The audit entry commits with it.
    async fn reprint_job(
        &self,
        device_id: i64,
        job_id: i64,
        now: Timestamp,
        audit: Option<crate::auth::NewAudit>,
    ) -> Result<i64>;
    /// The kiosk's own reprint button: queues the one copy a kiosk may ask for of its job
    /// `job_id` (an original, not a copy), checked in the same transaction: `NotFound` when it is
    /// not this kiosk's original job, `Conflict(ReprintNotNeeded)` unless its print went wrong
    /// (`unknown` or `failed`), `Conflict(ReprintUsed)` once any copy of it exists (the kiosk's or
    /// staff's). The time limit is the caller's. The audit entry commits with it.
    async fn reprint_job_once(
        &self,
        device_id: i64,
        job_id: i64,
        now: Timestamp,
        audit: Option<crate::auth::NewAudit>,
    ) -> Result<i64>;
    /// A ticket's first kiosk job (the original, not a copy), by ticket token: its id, its
    /// kiosk's device id and when it was made.
    async fn job_of_ticket(&self, ticket_token: &str) -> Result<Option<(i64, i64, Timestamp)>>;
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
