//! The print worker: the only task that talks to the printer.
//!
//! It outlives websocket connections, so a job being retried while the server connection drops
//! keeps its place, and its answer is sent on whichever connection is up when it is known. Jobs
//! are printed one at a time in arrival order. A job is `printed` (ack) only when the printer
//! confirmed it; once its first byte may have gone out it is never sent again by itself, whatever
//! happens (the journal records `sent` first). Between jobs it polls the printer's status.

use crate::backoff::Backoff;
use crate::config::Timings;
use crate::journal::{fingerprint, Journal, Step};
use crate::local::prints::OwnPrints;
use luot_print::{
    render, Delivery, JobId, JobOutcome, KioskMessage, Printer, PrinterProfile, PrinterStatus,
    TicketPrint,
};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};

/// A print request from the server.
#[derive(Debug)]
pub struct Job {
    pub id: JobId,
    pub ticket: Box<TicketPrint>,
    /// Past this the job is dropped, never printed late (measured on this kiosk's clock).
    pub deadline: Option<Instant>,
}

impl Job {
    pub fn expired(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// What the worker owns. Built by [`crate::run`].
pub struct Worker {
    pub printer: Box<dyn Printer>,
    pub profile: PrinterProfile,
    pub journal: Journal,
    pub timings: Timings,
    pub jobs: mpsc::Receiver<Job>,
    /// Acks and failures, delivered by whichever session is connected (buffered in between).
    pub events: mpsc::UnboundedSender<KioskMessage>,
    /// Latest printer status; sessions report changes and put it in `hello`.
    pub status: watch::Sender<PrinterStatus>,
    /// Outcomes of the kiosk's own jobs (offline tickets), which the server has not got.
    pub own: Arc<OwnPrints>,
}

impl Worker {
    /// Runs until the job channel closes.
    pub async fn run(mut self) {
        // The client polled once at start; the first poll here is one period later.
        let period = self.timings.status_poll;
        let mut poll = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                job = self.jobs.recv() => match job {
                    Some(job) => self.handle(job).await,
                    None => return,
                },
                _ = poll.tick() => self.refresh_status().await,
            }
        }
    }

    async fn handle(&mut self, job: Job) {
        let fp = fingerprint(&job.ticket);
        if let Some(step) = self.journal.step(job.id, fp) {
            // Never a second copy by itself: answer with what happened the first time.
            let (outcome, reason) = match step {
                Step::Done(o) => (o, "already answered before a reconnect or restart"),
                Step::Sent => (
                    JobOutcome::Unknown,
                    "the kiosk stopped while this ticket was being printed",
                ),
            };
            tracing::info!(
                job_id = job.id,
                ?step,
                "job seen before; answering again without printing"
            );
            self.answer(job.id, outcome, reason.into());
            return;
        }
        if self.journal.id_reused(job.id, fp) {
            tracing::warn!(
                job_id = job.id,
                "job id seen before with another ticket; printing the new one"
            );
        }
        if job.expired() {
            self.finish(
                &job,
                fp,
                JobOutcome::Expired,
                "expired before it could print".into(),
            );
            return;
        }
        let profile = self.profile;
        let ticket = job.ticket.clone();
        let number = ticket.number.clone();
        // Rendering rasterises a few hundred lines of text: keep it off the async threads.
        let rendered = match tokio::task::spawn_blocking(move || render(&ticket, &profile)).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(job_id = job.id, error = %e, "rendering the ticket failed");
                self.finish(&job, fp, JobOutcome::Failed, format!("render failed: {e}"));
                return;
            }
        };
        // Synced before the first byte goes out: after a crash or a reconnect this job is never
        // sent again by itself.
        if let Err(e) = self.journal.record_step(job.id, fp, Step::Sent) {
            tracing::error!(job_id = job.id, error = %e, journal = %self.journal.path().display(), "cannot record the job before printing");
        }
        let mut backoff = Backoff::new(self.timings.print_retry);
        let mut last_reason: Option<String> = None;
        let delivery = loop {
            match self.printer.deliver_job(job.id, &rendered).await {
                Ok(d) => break d,
                Err(e) => {
                    // Nothing reached the printer: safe to try again, until the job expires.
                    let reason = e.to_string();
                    tracing::warn!(job_id = job.id, %number, error = %reason, "printer not reachable; will retry");
                    // One `failed` per distinct reason, not one per retry.
                    if last_reason.as_deref() != Some(reason.as_str()) {
                        self.send(KioskMessage::Failed {
                            job_id: job.id,
                            reason: reason.clone(),
                        });
                        last_reason = Some(reason);
                    }
                    self.refresh_status().await;
                    let mut wait = backoff.next_delay();
                    if let Some(d) = job.deadline {
                        wait = wait.min(d.saturating_duration_since(Instant::now()));
                    }
                    tokio::time::sleep(wait).await;
                    if job.expired() {
                        let why = format!(
                            "expired while the printer was unavailable ({})",
                            last_reason.unwrap_or_default()
                        );
                        self.finish(&job, fp, JobOutcome::Expired, why);
                        return;
                    }
                }
            }
        };
        let outcome = delivery.outcome();
        match &delivery {
            Delivery::Printed => {
                tracing::info!(job_id = job.id, %number, printer = %self.printer.describe(), "ticket printed (confirmed)");
            }
            other => {
                tracing::warn!(job_id = job.id, %number, ?outcome, reason = %other.reason(), "ticket not confirmed printed");
            }
        }
        self.finish(&job, fp, outcome, delivery.reason());
        if last_reason.is_some() || outcome != JobOutcome::Printed {
            self.refresh_status().await;
        }
    }

    /// Records the final outcome, then tells the server.
    fn finish(&mut self, job: &Job, fp: u64, outcome: JobOutcome, reason: String) {
        if let Err(e) = self.journal.record_step(job.id, fp, Step::Done(outcome)) {
            tracing::error!(job_id = job.id, error = %e, journal = %self.journal.path().display(), "cannot record the job's outcome");
        }
        self.answer(job.id, outcome, reason);
    }

    fn answer(&self, job_id: JobId, outcome: JobOutcome, reason: String) {
        self.send(match outcome {
            JobOutcome::Printed => KioskMessage::Ack { job_id },
            outcome => KioskMessage::Outcome {
                job_id,
                outcome,
                reason,
            },
        });
    }

    async fn refresh_status(&mut self) {
        let now = self.printer.status().await;
        let changed = self.status.send_if_modified(|s| {
            let changed = *s != now;
            *s = now;
            changed
        });
        if changed {
            tracing::info!(status = ?now, printer = %self.printer.describe(), "printer status changed");
        }
    }

    fn send(&self, msg: KioskMessage) {
        // An offline ticket's job is the kiosk's own: the server has no such job; the local page
        // reads its outcome instead.
        match &msg {
            KioskMessage::Ack { job_id } if OwnPrints::is_own(*job_id) => {
                return self.own.answered(*job_id, JobOutcome::Printed, "");
            }
            KioskMessage::Outcome {
                job_id,
                outcome,
                reason,
            } if OwnPrints::is_own(*job_id) => return self.own.answered(*job_id, *outcome, reason),
            KioskMessage::Failed { job_id, .. } if OwnPrints::is_own(*job_id) => return,
            _ => {}
        }
        // The receiver lives as long as the client; if it is gone we are shutting down.
        let _ = self.events.send(msg);
    }
}
