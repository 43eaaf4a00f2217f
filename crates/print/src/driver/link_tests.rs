//! The conversation against the simulated printer: each outcome, and that only a status answer
//! after the job can say `printed`.

use super::*;
use crate::driver::sim::{SimBehaviour, SimPrinter, PAPER_OUT, READY};

fn quick() -> Timeouts {
    Timeouts {
        connect: Duration::from_millis(200),
        write: Duration::from_secs(1),
        status: Duration::from_millis(20),
        confirm: Duration::from_millis(50),
    }
}

fn run(sim: &SimPrinter, bytes: &[u8]) -> Result<Delivery, PrintError> {
    deliver(sim.link().as_mut(), bytes, &quick(), "usb://fake")
}

const JOB: &[u8] = b"\x1b@ticket\n\r\x1dVB\x00";

#[test]
fn a_ready_printer_confirms_after_the_job() {
    let sim = SimPrinter::new(SimBehaviour::default());
    assert_eq!(run(&sim, JOB).unwrap(), Delivery::Printed);
    let got = sim.received();
    // Status before (1 and 4), the job, then the confirming query after it.
    let at = got.windows(JOB.len()).position(|w| w == JOB).unwrap();
    assert_eq!(&got[at + JOB.len()..at + JOB.len() + 3], &[0x10, 0x04, 1]);
}

#[test]
fn silence_is_unknown_never_printed() {
    let sim = SimPrinter::new(SimBehaviour {
        silent: true,
        ..SimBehaviour::default()
    });
    assert!(matches!(run(&sim, JOB).unwrap(), Delivery::Unknown(_)));
    // The job was still sent: a silent printer may well print.
    assert!(sim.received().windows(JOB.len()).any(|w| w == JOB));
}

#[test]
fn a_reset_mid_job_is_unknown() {
    let sim = SimPrinter::new(SimBehaviour {
        reset_after: Some(12),
        ..SimBehaviour::default()
    });
    assert!(matches!(run(&sim, JOB).unwrap(), Delivery::Unknown(_)));
}

#[test]
fn paper_out_mid_job_fails_with_the_reason() {
    let sim = SimPrinter::new(SimBehaviour {
        paper_out_after: Some(12),
        ..SimBehaviour::default()
    });
    assert_eq!(
        run(&sim, JOB).unwrap(),
        Delivery::Failed(PrinterStatus::PaperOut)
    );
}

#[test]
fn cover_opened_mid_job_fails_with_the_reason() {
    let sim = SimPrinter::new(SimBehaviour {
        cover_open_after: Some(12),
        ..SimBehaviour::default()
    });
    let d = run(&sim, JOB).unwrap();
    assert_eq!(d, Delivery::Failed(PrinterStatus::CoverOpen));
    assert_eq!(d.reason(), "cover open");
}

/// A raster-sized job (2 KB) on a line carrying 20 000 bytes a second: the printer reads the
/// query after it about 100 ms later, five times the status wait.
fn slow_line() -> (SimPrinter, Vec<u8>) {
    let sim = SimPrinter::new(SimBehaviour {
        bytes_per_sec: Some(20_000),
        ..SimBehaviour::default()
    });
    let mut job = b"\x1b@".to_vec();
    job.extend(std::iter::repeat_n(0xAA, 2000));
    job.extend_from_slice(b"\x1dVB\x00");
    (sim, job)
}

#[test]
fn a_slow_line_is_confirmed_once_the_printer_has_read_the_job() {
    let (sim, job) = slow_line();
    let t = Timeouts {
        confirm: Duration::from_secs(5),
        ..quick()
    };
    assert!(t.status < Duration::from_millis(100));
    assert_eq!(
        deliver(sim.link().as_mut(), &job, &t, "serial://fake").unwrap(),
        Delivery::Printed
    );
}

#[test]
fn a_line_slower_than_the_confirm_wait_is_unknown_never_printed() {
    let (sim, job) = slow_line();
    // 50 ms to confirm a job the printer needs 100 ms to read.
    let d = run(&sim, &job).unwrap();
    assert!(matches!(d, Delivery::Unknown(_)), "{d:?}");
}

#[test]
fn a_printer_out_of_paper_before_the_job_gets_nothing() {
    let sim = SimPrinter::new(SimBehaviour {
        answers: PAPER_OUT,
        ..SimBehaviour::default()
    });
    assert!(matches!(run(&sim, JOB), Err(PrintError::NotReady { .. })));
    assert!(!sim.received().windows(JOB.len()).any(|w| w == JOB));
}

#[test]
fn status_of_the_sim() {
    let sim = SimPrinter::new(SimBehaviour::default());
    assert_eq!(
        read_status(sim.link().as_mut(), Duration::from_millis(10)),
        PrinterStatus::Ok
    );
    sim.set(SimBehaviour {
        answers: [READY[0], READY[1], 0x1E],
        ..SimBehaviour::default()
    });
    assert_eq!(
        read_status(sim.link().as_mut(), Duration::from_millis(10)),
        PrinterStatus::PaperLow
    );
}

#[tokio::test]
async fn link_printer_runs_the_conversation_off_the_async_threads() {
    let sim = SimPrinter::new(SimBehaviour::default());
    let s = sim.clone();
    let p = LinkPrinter::new("usb://fake", quick(), Arc::new(move || Ok(s.link())));
    assert_eq!(p.status().await, PrinterStatus::Ok);
    assert_eq!(p.deliver(JOB).await.unwrap(), Delivery::Printed);
    let gone = LinkPrinter::new(
        "usb://gone",
        quick(),
        Arc::new(|| Err(io::ErrorKind::NotFound.into())),
    );
    assert_eq!(gone.status().await, PrinterStatus::Offline);
    assert!(matches!(
        gone.deliver(JOB).await,
        Err(PrintError::Connect { .. })
    ));
}
