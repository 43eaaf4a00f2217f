//! The kiosk agent protocol: JSON text frames on `GET /api/v1/kiosks/{kiosk}/agent`.
//!
//! Defined here, beside the ticket type, so the server and the kiosk client share one definition.
//! Every print job carries a server-assigned id: the server re-sends jobs the kiosk has not
//! answered after every reconnect, and the kiosk answers a job it already sent to the printer
//! with the outcome it recorded, without printing it again. Each job prints at most once by
//! itself; a second copy is a new job (a reprint, marked on the ticket).
//!
//! Outcomes are final: `ack` (printed: the printer confirmed after the cut) or `outcome`
//! (`unknown`, `failed`, `expired`). `failed_attempt` is not final: nothing reached the printer
//! and the kiosk retries until the job's `expires_at`.

use crate::driver::{JobOutcome, PrinterStatus};
use crate::profile::Paper;
use crate::ticket::TicketPrint;
use serde::{Deserialize, Serialize};

/// Server-assigned, unique per server database; the kiosk's journal is keyed by it.
pub type JobId = u64;

/// Server to kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// Print this ticket, then answer `ack` (or `failed` while the printer is down).
    Print {
        job_id: JobId,
        ticket: Box<TicketPrint>,
        /// Unix milliseconds after which the job must not print (server clock).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<i64>,
        /// The server's clock when it sent this, so the kiosk measures the job's life on its own
        /// clock however far apart the two clocks are.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sent_at: Option<i64>,
    },
    /// Liveness probe; the kiosk answers `pong`.
    Ping,
}

/// Kiosk to server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KioskMessage {
    /// First frame on every connection. The server answers by re-sending unacknowledged jobs.
    Hello {
        printer: PrinterStatus,
        paper: Paper,
        version: String,
    },
    /// Printed: the printer confirmed the job after the cut (or had, before a reconnect or
    /// restart). Sent at least once per job; the server must treat repeats as no-ops.
    Ack { job_id: JobId },
    /// The final word on a job that is not confirmed printed: `unknown` (sent, but silence, a
    /// timeout or a reset: maybe on paper), `failed` (the printer said paper out, cover open) or
    /// `expired` (dropped unprinted past `expires_at`). Never `printed`: that is `ack`.
    Outcome {
        job_id: JobId,
        outcome: JobOutcome,
        reason: String,
    },
    /// Nothing of the job reached the printer (unreachable, not ready). Not final: the kiosk
    /// keeps the job and retries with backoff until it expires. `reason` is for people.
    Failed { job_id: JobId, reason: String },
    /// The printer's state changed (paper low, cover open...).
    Status { printer: PrinterStatus },
    /// Answer to `ping`.
    Pong,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn wire_format_matches_the_contract() {
        let hello = KioskMessage::Hello {
            printer: PrinterStatus::PaperLow,
            paper: Paper::Mm80,
            version: "0.1.0".into(),
        };
        assert_eq!(
            serde_json::to_value(&hello).unwrap(),
            json!({"type": "hello", "printer": "paper_low", "paper": "80", "version": "0.1.0"})
        );
        assert_eq!(
            serde_json::to_value(KioskMessage::Ack { job_id: 123 }).unwrap(),
            json!({"type": "ack", "job_id": 123})
        );
        assert_eq!(
            serde_json::to_value(KioskMessage::Outcome {
                job_id: 9,
                outcome: JobOutcome::Unknown,
                reason: "no answer".into()
            })
            .unwrap(),
            json!({"type": "outcome", "job_id": 9, "outcome": "unknown", "reason": "no answer"})
        );
        assert_eq!(
            serde_json::to_value(KioskMessage::Pong).unwrap(),
            json!({"type": "pong"})
        );
        assert_eq!(
            serde_json::to_value(KioskMessage::Status {
                printer: PrinterStatus::CoverOpen
            })
            .unwrap(),
            json!({"type": "status", "printer": "cover_open"})
        );
    }

    #[test]
    fn print_job_round_trips_with_logo_as_base64() {
        let mut ticket = TicketPrint::sample();
        ticket.logo_png = Some(vec![0x89, b'P', b'N', b'G']);
        let msg = ServerMessage::Print {
            job_id: 7,
            ticket: Box::new(ticket),
            expires_at: Some(1_700_000_600_000),
            sent_at: Some(1_700_000_000_000),
        };
        let v: Value = serde_json::to_value(&msg).unwrap();
        assert_eq!(v["type"], "print");
        assert_eq!(v["job_id"], 7);
        assert_eq!(v["ticket"]["logo_png"], "iVBORw==");
        assert_eq!(v["ticket"]["lang"], "vi");
        assert_eq!(v["expires_at"], 1_700_000_600_000i64);
        let back: ServerMessage = serde_json::from_value(v).unwrap();
        assert_eq!(back, msg);
        assert_eq!(
            serde_json::from_str::<ServerMessage>(r#"{"type":"ping"}"#).unwrap(),
            ServerMessage::Ping
        );
    }

    #[test]
    fn optional_ticket_fields_may_be_omitted() {
        let v = json!({"type": "print", "job_id": 1, "ticket": {
            "centre_name": "C", "service_name": "S", "number": "A001", "issued_at": "01/01/2025 08:00",
            "people_ahead": 0, "qr_url": "http://h/t/x"}});
        let ServerMessage::Print { ticket, .. } = serde_json::from_value(v).unwrap() else {
            panic!("expected print");
        };
        assert_eq!(ticket.lang, crate::Lang::Vi);
        assert!(ticket.logo_png.is_none() && ticket.eta_minutes.is_none());
    }
}
