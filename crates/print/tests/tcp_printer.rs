//! The TCP 9100 driver against a fake network printer on 127.0.0.1: bytes arrive intact, status
//! answers are read, a printer that is not ready holds the job back, and a connection cut mid-job
//! or a silent printer is `unknown`, never `printed`.

use luot_print::driver::{status, Delivery, PrintError, Printer, PrinterStatus, Timeouts};
use luot_print::PrinterSpec;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the fake behaves on every connection.
#[derive(Clone, Copy)]
struct Behaviour {
    /// Answers to DLE EOT 1, 2, 4; `None` = a printer that never answers.
    answers: Option<[u8; 3]>,
    /// Hang up after this many bytes.
    drop_after: Option<usize>,
}

/// Records each connection's bytes.
async fn fake_printer(b: Behaviour) -> (u16, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = log.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let log = log2.clone();
            tokio::spawn(async move {
                let idx = {
                    let mut l = log.lock().unwrap();
                    l.push(Vec::new());
                    l.len() - 1
                };
                let mut buf = [0u8; 8192];
                let mut seen = Vec::new();
                loop {
                    let n = match s.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    seen.extend_from_slice(&buf[..n]);
                    log.lock().unwrap()[idx] = seen.clone();
                    if b.drop_after.is_some_and(|limit| seen.len() >= limit) {
                        return;
                    }
                    // A query is answered when it is the last thing received, as the client waits.
                    if let (Some(ans), [.., 0x10, 0x04, q]) = (b.answers, seen.as_slice()) {
                        let reply = match q {
                            1 => ans[0],
                            2 => ans[1],
                            _ => ans[2],
                        };
                        let _ = s.write_all(&[reply]).await;
                    }
                }
            });
        }
    });
    (port, log)
}

fn quick() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        write: Duration::from_secs(5),
        status: Duration::from_millis(150),
        confirm: Duration::from_secs(2),
    }
}

fn tcp(port: u16) -> Box<dyn Printer> {
    PrinterSpec::Tcp {
        host: "127.0.0.1".into(),
        port,
    }
    .open_with(quick())
}

const OK: [u8; 3] = [0x12, 0x12, 0x12];
const JOB: &[u8] = b"\x1b@ticket bytes\x1dV\x42\x00";

#[tokio::test]
async fn delivers_the_job_between_status_queries() {
    let (port, log) = fake_printer(Behaviour {
        answers: Some(OK),
        drop_after: None,
    })
    .await;
    let p = tcp(port);
    assert_eq!(p.status().await, PrinterStatus::Ok);
    assert_eq!(p.deliver(JOB).await.unwrap(), Delivery::Printed);
    let conns = log.lock().unwrap().clone();
    assert_eq!(conns.len(), 2, "one connection for status, one for the job");
    let mut expected = Vec::new();
    expected.extend(status::query(1));
    expected.extend(status::query(4));
    expected.extend(JOB);
    // After the job: the confirmation, then the paper sensor (paper out mid-job is `failed`).
    expected.extend(status::query(1));
    expected.extend(status::query(4));
    assert_eq!(conns[1], expected);
}

#[tokio::test]
async fn cover_open_holds_the_job_back() {
    let (port, log) = fake_printer(Behaviour {
        answers: Some([0x1A, 0x16, 0x12]),
        drop_after: None,
    })
    .await;
    let p = tcp(port);
    assert_eq!(p.status().await, PrinterStatus::CoverOpen);
    let err = p.deliver(JOB).await.unwrap_err();
    assert!(
        matches!(
            err,
            PrintError::NotReady {
                status: PrinterStatus::CoverOpen,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        log.lock().unwrap().iter().all(|c| !c.ends_with(JOB)),
        "nothing sent"
    );
}

#[tokio::test]
async fn paper_low_still_prints() {
    let (port, log) = fake_printer(Behaviour {
        answers: Some([0x12, 0x12, 0x1E]),
        drop_after: None,
    })
    .await;
    let p = tcp(port);
    assert_eq!(p.status().await, PrinterStatus::PaperLow);
    assert_eq!(p.deliver(JOB).await.unwrap(), Delivery::Printed);
    assert!(log.lock().unwrap()[1].windows(JOB.len()).any(|w| w == JOB));
}

#[tokio::test]
async fn a_silent_printer_gets_the_job_but_it_stays_unknown() {
    let (port, log) = fake_printer(Behaviour {
        answers: None,
        drop_after: None,
    })
    .await;
    let p = tcp(port);
    assert_eq!(p.status().await, PrinterStatus::Unknown);
    assert!(matches!(
        p.deliver(JOB).await.unwrap(),
        Delivery::Unknown(_)
    ));
    assert!(log.lock().unwrap()[1].ends_with(JOB));
}

#[tokio::test]
async fn hang_up_mid_job_is_unknown_not_printed() {
    let big = vec![0x55u8; 200_000];
    let (port, _log) = fake_printer(Behaviour {
        answers: Some(OK),
        drop_after: Some(1000),
    })
    .await;
    let p = tcp(port);
    let d = p.deliver(&big).await.unwrap();
    assert!(matches!(d, Delivery::Unknown(_)), "{d:?}");
}

#[tokio::test]
async fn nobody_listening_is_offline() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let p = tcp(port);
    assert_eq!(p.status().await, PrinterStatus::Offline);
    assert!(matches!(
        p.deliver(JOB).await,
        Err(PrintError::Connect { .. })
    ));
}
