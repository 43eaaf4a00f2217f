//! The kiosk client end to end against a fake server and a fake network printer: every ticket is
//! printed exactly once and acknowledged, through printer failures, server restarts and client
//! restarts.

mod support;

use futures::SinkExt;
use luot_print::{render_escpos, JobOutcome, KioskMessage, Paper, PrinterProfile, PrinterStatus};
use std::time::Duration;
use support::fake_printer::{FakePrinter, PAPER_OUT, READY};
use support::fake_server::{Agent, FakeServer};
use support::{config, state_dir, ticket, Client};
use tokio_tungstenite::tungstenite::Message;

fn bytes_of(number: &str) -> Vec<u8> {
    render_escpos(&ticket(number), &PrinterProfile::default())
}

/// Compares the complete jobs the printer received with the tickets expected, in order, reporting
/// ticket numbers rather than kilobytes of raster on failure.
fn assert_printed(printer: &FakePrinter, numbers: &[&str]) {
    let jobs = printer.jobs();
    let got: Vec<String> = jobs
        .iter()
        .map(|j| {
            numbers
                .iter()
                .find(|n| *j == bytes_of(n))
                .map_or_else(|| "<unexpected bytes>".to_owned(), |n| n.to_string())
        })
        .collect();
    assert_eq!(
        got, numbers,
        "tickets printed (complete jobs on the printer)"
    );
}

fn acks(msgs: &[KioskMessage]) -> Vec<u64> {
    msgs.iter()
        .filter_map(|m| match m {
            KioskMessage::Ack { job_id } => Some(*job_id),
            _ => None,
        })
        .collect()
}

async fn hello(agent: &mut Agent) -> (PrinterStatus, Paper) {
    match agent.recv().await {
        KioskMessage::Hello {
            printer,
            paper,
            version,
        } => {
            assert_eq!(version, env!("CARGO_PKG_VERSION"));
            (printer, paper)
        }
        other => panic!("expected hello, got {other:?}"),
    }
}

async fn until_ack(agent: &mut Agent, job_id: u64) -> Vec<KioskMessage> {
    agent
        .recv_until(|m| *m == KioskMessage::Ack { job_id })
        .await
}

#[tokio::test]
async fn prints_a_job_and_acknowledges_it() {
    let printer = FakePrinter::start().await;
    let server = FakeServer::bind("127.0.0.1:0").await;
    let client = Client::start(config(
        server.addr().port(),
        printer.port,
        state_dir("normal"),
    ));

    let mut agent = server.accept().await;
    assert_eq!(agent.path, "/api/v1/kiosks/me/agent");
    assert_eq!(
        agent.authorization.as_deref(),
        Some("Bearer device-token-123")
    );
    assert_eq!(hello(&mut agent).await, (PrinterStatus::Ok, Paper::Mm80));

    // Unknown message types from a newer server are ignored, not fatal.
    agent
        .ws
        .send(Message::text(r#"{"type":"reboot"}"#))
        .await
        .unwrap();
    agent.print(1, &ticket("A001")).await;
    let seen = until_ack(&mut agent, 1).await;
    assert_eq!(acks(&seen), [1]);
    assert_printed(&printer, &["A001"]);
    assert_eq!(
        acks(&agent.drain_with_ping().await),
        Vec::<u64>::new(),
        "acked once"
    );
    client.stop().await;
}

#[tokio::test]
async fn printer_hanging_up_mid_job_is_unknown_and_never_sent_again() {
    let printer = FakePrinter::start().await;
    printer.drop_next_job_after(4000);
    let server = FakeServer::bind("127.0.0.1:0").await;
    let client = Client::start(config(
        server.addr().port(),
        printer.port,
        state_dir("midjob"),
    ));
    let mut agent = server.accept().await;
    hello(&mut agent).await;

    agent.print(7, &ticket("B007")).await;
    let seen = agent
        .recv_until(|m| matches!(m, KioskMessage::Outcome { job_id: 7, .. }))
        .await;
    assert!(
        matches!(
            seen.last(),
            Some(KioskMessage::Outcome {
                outcome: JobOutcome::Unknown,
                ..
            })
        ),
        "{seen:?}"
    );
    assert!(acks(&seen).is_empty(), "a cut-off job is never `printed`");
    assert_eq!(printer.partial_jobs(), 1, "the attempt was cut off");
    // The server re-sends it (say after a reconnect): answered again, not printed again.
    agent.print(7, &ticket("B007")).await;
    let again = agent
        .recv_until(|m| matches!(m, KioskMessage::Outcome { job_id: 7, .. }))
        .await;
    assert!(acks(&again).is_empty());
    assert_eq!(printer.partial_jobs(), 1, "no second copy by itself");
    assert_printed(&printer, &[]);
    client.stop().await;
}

#[tokio::test]
async fn paper_out_holds_the_job_until_the_roll_is_changed() {
    let printer = FakePrinter::start().await;
    let server = FakeServer::bind("127.0.0.1:0").await;
    let client = Client::start(config(
        server.addr().port(),
        printer.port,
        state_dir("paper"),
    ));
    let mut agent = server.accept().await;
    hello(&mut agent).await;

    printer.set_answers(PAPER_OUT);
    agent.print(3, &ticket("C003")).await;
    // The failure and the status change may arrive in either order.
    let paper_out = KioskMessage::Status {
        printer: PrinterStatus::PaperOut,
    };
    let mut seen = agent
        .recv_until(|m| matches!(m, KioskMessage::Failed { job_id: 3, .. }))
        .await;
    if !seen.contains(&paper_out) {
        seen.extend(agent.recv_until(|m| *m == paper_out).await);
    }
    assert!(acks(&seen).is_empty());
    assert!(
        printer.jobs().is_empty(),
        "nothing sent to a printer without paper"
    );

    printer.set_answers(READY);
    let ok = KioskMessage::Status {
        printer: PrinterStatus::Ok,
    };
    let mut seen = until_ack(&mut agent, 3).await;
    if !seen.contains(&ok) {
        seen.extend(agent.recv_until(|m| *m == ok).await);
    }
    assert_eq!(acks(&seen), [3]);
    assert_printed(&printer, &["C003"]);
    client.stop().await;
}

#[tokio::test]
async fn status_changes_are_reported_while_idle() {
    let printer = FakePrinter::start().await;
    let server = FakeServer::bind("127.0.0.1:0").await;
    let mut cfg = config(server.addr().port(), printer.port, state_dir("status"));
    cfg.timings.status_poll = Duration::from_millis(20);
    let client = Client::start(cfg);
    let mut agent = server.accept().await;
    hello(&mut agent).await;

    printer.set_answers([0x1A, 0x16, 0x12]);
    agent
        .recv_until(|m| {
            *m == KioskMessage::Status {
                printer: PrinterStatus::CoverOpen,
            }
        })
        .await;
    printer.set_answers(READY);
    agent
        .recv_until(|m| {
            *m == KioskMessage::Status {
                printer: PrinterStatus::Ok,
            }
        })
        .await;
    client.stop().await;
}

#[tokio::test]
async fn server_restart_resends_nothing_twice_and_loses_nothing() {
    let printer = FakePrinter::start().await;
    let server = FakeServer::bind("127.0.0.1:0").await;
    let addr = server.addr();
    let client = Client::start(config(addr.port(), printer.port, state_dir("restart")));
    let mut agent = server.accept().await;
    hello(&mut agent).await;
    agent.print(1, &ticket("A001")).await;
    until_ack(&mut agent, 1).await;

    // The server goes away (process restart): listener and connection both gone.
    drop(agent);
    drop(server);
    let server = FakeServer::bind(&addr.to_string()).await;
    let mut agent = server.accept().await;
    hello(&mut agent).await;

    // The restarted server lost the ack and re-sends job 1, alongside a new job 2.
    agent.print(1, &ticket("A001")).await;
    agent.print(2, &ticket("A002")).await;
    let seen = until_ack(&mut agent, 2).await;
    assert_eq!(
        acks(&seen),
        [1, 2],
        "re-sent job acked from the journal, new job printed"
    );
    assert_printed(&printer, &["A001", "A002"]);
    assert!(acks(&agent.drain_with_ping().await).is_empty());
    client.stop().await;
}

#[tokio::test]
async fn connection_lost_before_the_ack_is_delivered() {
    let printer = FakePrinter::start().await;
    let server = FakeServer::bind("127.0.0.1:0").await;
    let client = Client::start(config(
        server.addr().port(),
        printer.port,
        state_dir("lostack"),
    ));
    let mut agent = server.accept().await;
    hello(&mut agent).await;
    agent.print(9, &ticket("D009")).await;
    // Cut the connection as soon as the ticket is on paper, before reading any ack.
    printer.wait_for_jobs(1).await;
    drop(agent);

    let mut agent = server.accept().await;
    hello(&mut agent).await;
    agent.print(9, &ticket("D009")).await;
    // The worker handles jobs in order, so once job 10 is acknowledged the re-sent job 9 has been
    // dealt with too (its ack may also have come earlier, buffered from the lost connection).
    agent.print(10, &ticket("D010")).await;
    let seen = until_ack(&mut agent, 10).await;
    assert!(acks(&seen).contains(&9), "job 9 acknowledged: {seen:?}");
    assert_printed(&printer, &["D009", "D010"]);
    client.stop().await;
}

#[tokio::test]
async fn journal_prevents_reprinting_after_a_client_restart() {
    let printer = FakePrinter::start().await;
    let server = FakeServer::bind("127.0.0.1:0").await;
    let dir = state_dir("journal");
    let first = Client::start(config(server.addr().port(), printer.port, dir.clone()));
    let mut agent = server.accept().await;
    hello(&mut agent).await;
    agent.print(5, &ticket("E005")).await;
    until_ack(&mut agent, 5).await;
    first.stop().await;
    assert!(agent.try_recv().await.is_none(), "old connection closed");

    let second = Client::start(config(server.addr().port(), printer.port, dir.clone()));
    let mut agent = server.accept().await;
    hello(&mut agent).await;
    agent.print(5, &ticket("E005")).await;
    agent.print(6, &ticket("E006")).await;
    let seen = until_ack(&mut agent, 6).await;
    assert_eq!(acks(&seen), [5, 6]);
    assert_printed(&printer, &["E005", "E006"]);

    // A recycled id with a different ticket (a reinstalled server) is printed, not swallowed.
    agent.print(5, &ticket("F001")).await;
    until_ack(&mut agent, 5).await;
    assert_printed(&printer, &["E005", "E006", "F001"]);
    second.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_silent_server_is_abandoned_and_reconnected() {
    let printer = FakePrinter::start().await;
    let server = FakeServer::bind("127.0.0.1:0").await;
    let mut cfg = config(server.addr().port(), printer.port, state_dir("silent"));
    cfg.timings.idle_timeout = Duration::from_secs(3);
    cfg.timings.keepalive = Duration::from_secs(1);
    let client = Client::start(cfg);
    let mut first = server.accept().await;
    hello(&mut first).await;
    // From here the first connection is never read again: no pongs, no messages. The client must
    // notice on its own and come back on a new connection.
    let mut second = server.accept().await;
    hello(&mut second).await;
    drop(first);
    client.stop().await;
}

#[tokio::test]
async fn file_printer_keeps_bin_png_and_journal_in_its_directory() {
    let server = FakeServer::bind("127.0.0.1:0").await;
    let dir = state_dir("file");
    let mut cfg = config(server.addr().port(), 0, dir.clone());
    cfg.printer = luot_print::PrinterSpec::File(dir.clone());
    let client = Client::start(cfg);
    let mut agent = server.accept().await;
    assert_eq!(
        hello(&mut agent).await.0,
        PrinterStatus::Ok,
        "a writable directory is a ready printer"
    );
    agent.print(42, &ticket("G042")).await;
    until_ack(&mut agent, 42).await;
    assert_eq!(std::fs::read(dir.join("42.bin")).unwrap(), bytes_of("G042"));
    let png = std::fs::read(dir.join("42.png")).unwrap();
    assert_eq!(png, luot_print::render_png(&ticket("G042"), Paper::Mm80));
    assert!(dir.join(luot_kiosk::journal::FILE_NAME).exists());
    client.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
