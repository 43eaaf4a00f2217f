//! The print worker: the only task that talks to the printer.
//!
//! It outlives websocket connections, so a job being retried while the server connection drops
//! keeps its place, and its ack is sent on whichever connection is up when it prints. Jobs are
//! printed one at a time in arrival order; a job is acknowledged only after the printer took it and
//! the journal recorded it. Between jobs it polls the printer's status for the server.

use crate::backoff::Backoff;
use crate::config::Timings;
use crate::journal::{fingerprint, Journal};
use luot_print::{
    render, JobId, KioskMessage, Printer, PrinterProfile, PrinterStatus, TicketPrint,
};
use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;

/// A print request from the server.
#[derive(Debug)]
pub struct Job {
    pub id: JobId,
    pub ticket: Box<TicketPrint>,
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
        if self.journal.is_printed(job.id, fp) {
            tracing::info!(
                job_id = job.id,
                "job already printed; acknowledging again without printing"
            );
            self.send(KioskMessage::Ack { job_id: job.id });
            return;
        }
        if self.journal.id_reused(job.id, fp) {
            tracing::warn!(
                job_id = job.id,
                "job id seen before with another ticket; printing the new one"
            );
        }
        let profile = self.profile;
        let ticket = job.ticket;
        let number = ticket.number.clone();
        // Rendering rasterises a few hundred lines of text: keep it off the async threads.
        let rendered = match tokio::task::spawn_blocking(move || render(&ticket, &profile)).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(job_id = job.id, error = %e, "rendering the ticket failed");
                self.send(KioskMessage::Failed {
                    job_id: job.id,
                    reason: format!("render failed: {e}"),
                });
                return;
            }
        };
        let mut backoff = Backoff::new(self.timings.print_retry);
        let mut last_reason: Option<String> = None;
        loop {
            match self.printer.print_job(job.id, &rendered).await {
                Ok(()) => break,
                Err(e) => {
                    let reason = e.to_string();
                    tracing::warn!(job_id = job.id, %number, error = %reason, "printing failed; will retry");
                    // One `failed` per distinct reason, not one per retry.
                    if last_reason.as_deref() != Some(reason.as_str()) {
                        self.send(KioskMessage::Failed {
                            job_id: job.id,
                            reason: reason.clone(),
                        });
                        last_reason = Some(reason);
                    }
                    self.refresh_status().await;
                    tokio::time::sleep(backoff.next_delay()).await;
                }
            }
        }
        if let Err(e) = self.journal.record(job.id, fp) {
            // Still ack: the ticket is on paper. Only a later re-send could print it twice.
            tracing::error!(job_id = job.id, error = %e, journal = %self.journal.path().display(), "cannot record printed job");
        }
        tracing::info!(job_id = job.id, %number, printer = %self.printer.describe(), "ticket printed");
        self.send(KioskMessage::Ack { job_id: job.id });
        if last_reason.is_some() {
            self.refresh_status().await;
        }
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
        // An offline ticket's job is the kiosk's own: the server has no such job.
        if let KioskMessage::Ack { job_id } | KioskMessage::Failed { job_id, .. } = &msg {
            if *job_id >= crate::offline::OFFLINE_JOB_BASE {
                return;
            }
        }
        // The receiver lives as long as the client; if it is gone we are shutting down.
        let _ = self.events.send(msg);
    }
}
