//! The kiosk's own print jobs: offline tickets and their copies, which the
//! server never sees. The worker records what became of each; the local
//! `GET /api/v1/kiosks/me` lists them the way the server lists its jobs, so the
//! page shows an offline ticket that did not print for sure exactly as an
//! online one ("Nếu phiếu chưa in ra, hãy ghi lại số này"). The page's
//! "In lại phiếu" button prints one copy of such a ticket, marked "BẢN IN LẠI",
//! within a minute of issue; for the server's tickets it is passed through.

use super::{error, Local};
use crate::offline::{self, OFFLINE_JOB_BASE};
use crate::worker::Job;
use axum::{
    extract::{Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use luot_print::{JobId, JobOutcome, TicketPrint};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How many of its own jobs the kiosk keeps in mind (the page asks about the latest).
const KEEP: usize = 20;
/// As on the server: the reprint button is for the citizen still at the kiosk.
pub const REPRINT_WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
struct OwnJob {
    id: JobId,
    /// The ticket's token.
    token: String,
    print: TicketPrint,
    /// RFC 3339, as the page reads it.
    created_at: String,
    made: Instant,
    outcome: Option<JobOutcome>,
    reason: Option<String>,
    reprint: bool,
}

/// Why the reprint button is refused (409 with the server's codes), or
/// `NotOwn`: not one of the kiosk's own tickets, so the server decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotOwn,
    NotNeeded,
    Used,
    TooLate,
}

/// The kiosk's own jobs, newest last; shared by the worker and the local server.
#[derive(Debug, Default)]
pub struct OwnPrints {
    jobs: Mutex<VecDeque<OwnJob>>,
}

impl OwnPrints {
    /// A job id the kiosk made itself (the server's never reach this range).
    pub fn is_own(id: JobId) -> bool {
        id >= OFFLINE_JOB_BASE
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<OwnJob>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A job handed to the printer queue.
    pub fn queued(&self, id: JobId, token: &str, print: &TicketPrint, created_at: String) {
        let mut jobs = self.lock();
        jobs.push_back(OwnJob {
            id,
            token: token.to_owned(),
            print: print.clone(),
            created_at,
            made: Instant::now(),
            outcome: None,
            reason: None,
            reprint: print.reprint,
        });
        while jobs.len() > KEEP {
            jobs.pop_front();
        }
    }

    /// The worker's final word on one of these jobs; the first answer stands.
    pub fn answered(&self, id: JobId, outcome: JobOutcome, reason: &str) {
        if let Some(j) = self
            .lock()
            .iter_mut()
            .find(|j| j.id == id && j.outcome.is_none())
        {
            j.outcome = Some(outcome);
            j.reason = (outcome != JobOutcome::Printed).then(|| reason.to_owned());
        }
    }

    /// Jobs still waiting for the printer's answer.
    pub fn pending(&self) -> u32 {
        let n = self.lock().iter().filter(|j| j.outcome.is_none()).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The jobs as the server's `recent_jobs` shows its own, newest first.
    pub fn recent(&self) -> Vec<Value> {
        self.lock()
            .iter()
            .rev()
            .map(|j| {
                json!({
                    "job_id": j.id,
                    "ticket_number": j.print.number,
                    "outcome": j.outcome.map(JobOutcome::as_str),
                    "reason": j.reason,
                    "created_at": j.created_at,
                    "reprint": j.reprint,
                })
            })
            .collect()
    }

    /// The copy the reprint button asks for, at `now`: only of an own ticket
    /// whose print went wrong (`unknown`, `failed`), within [`REPRINT_WINDOW`]
    /// of its issue, once. The copy is recorded as queued.
    pub fn reprint(&self, token: &str, now: Instant, created_at: String) -> Result<Job, Refusal> {
        let mut jobs = self.lock();
        let original = jobs
            .iter()
            .find(|j| j.token == token && !j.reprint)
            .ok_or(Refusal::NotOwn)?;
        if now.saturating_duration_since(original.made) > REPRINT_WINDOW {
            return Err(Refusal::TooLate);
        }
        if !matches!(
            original.outcome,
            Some(JobOutcome::Unknown | JobOutcome::Failed)
        ) {
            return Err(Refusal::NotNeeded);
        }
        if jobs.iter().any(|j| j.token == token && j.reprint) {
            return Err(Refusal::Used);
        }
        let print = TicketPrint {
            reprint: true,
            ..original.print.clone()
        };
        let id = offline::job_id(&format!("{token}/reprint"));
        jobs.push_back(OwnJob {
            id,
            token: token.to_owned(),
            print: print.clone(),
            created_at,
            made: now,
            outcome: None,
            reason: None,
            reprint: true,
        });
        Ok(Job {
            id,
            ticket: Box::new(print),
            deadline: None,
        })
    }
}

/// `GET /api/v1/kiosks/me`: the server's answer with the kiosk's own jobs
/// first; offline, the kiosk's own printer state and jobs (the print client is
/// right here, so it is connected).
pub async fn me(State(local): State<Arc<Local>>, req: Request) -> Response {
    let online = super::proxy::passthrough(State(local.clone()), req).await;
    let own = local.prints.recent();
    let pending = local.prints.pending();
    if online.status() == StatusCode::OK {
        if own.is_empty() {
            return online;
        }
        let body = axum::body::to_bytes(online.into_body(), super::proxy::MAX_BODY * 16).await;
        let Some(mut me) = body
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        else {
            return super::proxy::unreachable_server();
        };
        let server_jobs = me["recent_jobs"].as_array().cloned().unwrap_or_default();
        me["recent_jobs"] = Value::Array(own.into_iter().chain(server_jobs).collect());
        let server_pending = me["pending_jobs"].as_u64().unwrap_or(0);
        me["pending_jobs"] = json!(server_pending + u64::from(pending));
        return ([(axum::http::header::CACHE_CONTROL, "no-store")], Json(me)).into_response();
    }
    if online.status() != StatusCode::SERVICE_UNAVAILABLE {
        return online;
    }
    let printer = serde_json::to_value(*local.status.borrow()).unwrap_or(Value::Null);
    Json(json!({
        "device": null,
        "health": {"connected": true, "printer": printer},
        "pending_jobs": pending,
        "recent_jobs": own,
        "offline": true,
    }))
    .into_response()
}

/// `POST /api/v1/kiosks/me/tickets/{token}/reprint`: the reprint button. An
/// offline ticket's copy is printed here (logged: the server's audit cannot be
/// written while it is out of reach); any other ticket is the server's to decide.
pub async fn reprint(
    State(local): State<Arc<Local>>,
    Path(token): Path<String>,
    req: Request,
) -> Response {
    let now = local
        .book
        .lock()
        .map(|b| b.now().to_string())
        .unwrap_or_default();
    let job = match local.prints.reprint(&token, Instant::now(), now) {
        Ok(job) => job,
        Err(Refusal::NotOwn) => return super::proxy::passthrough(State(local), req).await,
        Err(refusal) => return refused(refusal),
    };
    let (id, number) = (job.id, job.ticket.number.clone());
    if tokio::time::timeout(Duration::from_secs(2), local.jobs.send(job))
        .await
        .map_or(true, |r| r.is_err())
    {
        tracing::error!(%number, "the printer queue is full; copy not printed");
    }
    tracing::info!(%number, job_id = id, "offline ticket printed again at the kiosk (BẢN IN LẠI)");
    (StatusCode::ACCEPTED, Json(json!({ "job_id": id }))).into_response()
}

/// The server's codes and messages for the same refusals.
fn refused(r: Refusal) -> Response {
    let (code, vi, en) = match r {
        Refusal::NotOwn | Refusal::NotNeeded => (
            "reprint_not_needed",
            "Phiếu đã in xong hoặc đang in",
            "this ticket printed or is still printing",
        ),
        Refusal::Used => (
            "reprint_used",
            "Phiếu này đã được in lại một lần: mời hỏi cán bộ",
            "this ticket was already printed again once; staff can print another copy",
        ),
        Refusal::TooLate => (
            "reprint_too_late",
            "Đã quá thời gian in lại tại kiosk: mời hỏi cán bộ",
            "the time to print this ticket again at the kiosk is over; staff can print a copy",
        ),
    };
    error(StatusCode::CONFLICT, code, vi, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(number: &str) -> TicketPrint {
        TicketPrint {
            number: number.into(),
            ..TicketPrint::sample()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_offline_ticket_that_did_not_print_is_copied_once_within_a_minute() {
        let own = OwnPrints::default();
        let t0 = Instant::now();
        let (a, b) = (offline::job_id("a"), offline::job_id("b"));
        own.queued(a, "a", &ticket("A901"), "t".into());
        own.queued(b, "b", &ticket("A902"), "t".into());
        assert_eq!(own.pending(), 2);
        // Still printing, or printed: no copy.
        assert_eq!(
            own.reprint("a", t0, "t".into()).unwrap_err(),
            Refusal::NotNeeded
        );
        own.answered(a, JobOutcome::Unknown, "no answer after the ticket");
        own.answered(b, JobOutcome::Printed, "");
        assert_eq!(
            own.reprint("b", t0, "t".into()).unwrap_err(),
            Refusal::NotNeeded
        );
        assert_eq!(
            own.reprint("zz", t0, "t".into()).unwrap_err(),
            Refusal::NotOwn
        );
        let recent = own.recent();
        assert_eq!(recent[0]["ticket_number"], "A902");
        assert_eq!(recent[1]["outcome"], "unknown");
        assert_eq!(recent[1]["reason"], "no answer after the ticket");
        assert_eq!(recent[0]["reason"], Value::Null);

        tokio::time::advance(Duration::from_secs(59)).await;
        let copy = own.reprint("a", Instant::now(), "t".into()).unwrap();
        assert!(copy.ticket.reprint, "marked BẢN IN LẠI");
        assert_eq!(copy.ticket.number, "A901");
        assert_ne!(copy.id, a);
        assert!(OwnPrints::is_own(copy.id));
        assert_eq!(own.pending(), 1);
        assert_eq!(
            own.reprint("a", Instant::now(), "t".into()).unwrap_err(),
            Refusal::Used
        );
        // A copy that fails too gives no second copy.
        own.answered(copy.id, JobOutcome::Failed, "paper out");
        assert_eq!(
            own.reprint("a", Instant::now(), "t".into()).unwrap_err(),
            Refusal::Used
        );
        assert_eq!(own.recent()[0]["reprint"], true);

        let c = offline::job_id("c");
        own.queued(c, "c", &ticket("A903"), "t".into());
        own.answered(c, JobOutcome::Failed, "cover open");
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(
            own.reprint("c", Instant::now(), "t".into()).unwrap_err(),
            Refusal::TooLate
        );
    }
}
