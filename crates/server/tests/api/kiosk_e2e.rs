//! The kiosk end to end: the real server, a registered kiosk device and the
//! `luot-kiosk` client (in process) printing to a fake network printer on
//! 127.0.0.1 and to a file printer. A tap yields exactly one printed ticket
//! whose raster carries a QR that decodes to the ticket's live status page,
//! through a printer hanging up mid-job and a server restart.

use std::path::PathBuf;
use std::time::Duration;

use luot_kiosk::backoff::BackoffPolicy;
use luot_kiosk::{Config, Timings};
use luot_print::driver::Timeouts;
use luot_print::{Paper, PrinterProfile, PrinterSpec};
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::helpers::{kiosk_me, spawn_app, TestApp};
use crate::print_support::{decode_qr, escpos_parser};

/// What `fake_printer` waits for at most.
mod fake_server {
    pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);
}
#[allow(dead_code)]
#[path = "../../../kiosk/tests/support/fake_printer.rs"]
pub(crate) mod fake_printer;

use fake_printer::FakePrinter;

pub(crate) fn timings() -> Timings {
    let quick = BackoffPolicy {
        base: Duration::from_millis(10),
        max: Duration::from_millis(100),
    };
    Timings {
        connect_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(20),
        keepalive: Duration::from_secs(5),
        status_poll: Duration::from_secs(3600),
        stable_after: Duration::from_secs(3600),
        reconnect: quick,
        print_retry: quick,
        printer: Timeouts {
            connect: Duration::from_secs(2),
            write: Duration::from_secs(5),
            status: Duration::from_millis(500),
            confirm: Duration::from_secs(5),
        },
    }
}

/// The client as `luot-kiosk --server http://ADDR --token T --printer P --paper N` runs it.
fn config(app: &TestApp, token: &str, printer: PrinterSpec, paper: Paper, dir: PathBuf) -> Config {
    Config {
        agent_url: luot_kiosk::config::agent_url(&format!("http://{}", app.addr)).unwrap(),
        token: token.into(),
        printer,
        profile: PrinterProfile {
            paper,
            ..PrinterProfile::default()
        },
        state_dir: dir,
        timings: timings(),
        ui: None,
    }
}

/// A running client, stopped on drop.
struct Client {
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Client {
    fn start(config: Config) -> Client {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = luot_kiosk::run(config, async {
                let _ = stopped.await;
            })
            .await;
        });
        Client {
            stop: Some(stop),
            task,
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.task.abort();
    }
}

/// The raster's width and the QR codes read from it, as a phone would read the paper.
fn read_ticket(bytes: &[u8]) -> (u32, Vec<String>) {
    let parsed = escpos_parser::parse(bytes).expect("valid ESC/POS");
    let img = parsed.single_image().expect("one raster image");
    let qr = decode_qr(img.width_dots, img.rows, &img.data);
    (img.width_dots, qr)
}

async fn issue_with(app: &TestApp, token: &str, service: &str) -> Value {
    let r = app
        .bearer(token)
        .post(app.url("/api/v1/centres/mo-cay/tickets"))
        .json(&json!({ "service": service }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn status_url(app: &TestApp, t: &Value) -> String {
    format!("http://{}/t/{}", app.addr, t["token"].as_str().unwrap())
}

/// Waits until the kiosk acknowledged every job (the server polls nothing here:
/// the ack is the client's last step, after the printer took the bytes).
async fn until_all_acked(app: &TestApp, token: &str) -> Value {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let me = kiosk_me(app, token).await;
            if me["health"]["pending_jobs"] == 0 && me["health"]["connected"] == true {
                return me;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("every job acknowledged")
}

#[tokio::test]
async fn a_kiosk_tap_prints_one_ticket_whose_qr_opens_the_status_page() {
    let app = spawn_app().await;
    let printer = FakePrinter::start().await;
    let dir = tempfile::tempdir().unwrap();
    let tcp = PrinterSpec::Tcp {
        host: "127.0.0.1".into(),
        port: printer.port,
    };
    let token = app.kiosk_token.clone();
    let client = Client::start(config(
        &app,
        &token,
        tcp.clone(),
        Paper::Mm58,
        dir.path().into(),
    ));

    // A tap: the ticket is printed once, 384 dots wide, its QR the status page.
    let first = app.issue("A").await;
    let jobs = printer.wait_for_jobs(1).await;
    let (width, qr) = read_ticket(&jobs[0]);
    assert_eq!(width, 384);
    assert_eq!(qr, vec![status_url(&app, &first)]);
    let page = app.anon.get(&qr[0]).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<html"));
    let token_path = format!("/api/v1/tickets/{}", first["token"].as_str().unwrap());
    let status: Value = app
        .anon
        .get(app.url(&token_path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["number"], first["number"]);
    let me = until_all_acked(&app, &token).await;
    assert_eq!(me["health"]["printer"], "ok");
    assert_eq!(me["health"]["paper"], "58");

    // The printer hangs up in the middle of the next ticket: `unknown`, never
    // `printed`, and never sent again by itself (half of it may be on paper).
    printer.drop_next_job_after(4000);
    let second = app.issue("B").await;
    let me = until_all_acked(&app, &token).await;
    assert_eq!(printer.partial_jobs(), 1);
    assert_eq!(printer.jobs().len(), 1, "no complete second copy");
    let latest = &me["recent_jobs"][0];
    assert_eq!(latest["ticket_number"], second["number"]);
    assert_eq!(latest["outcome"], "unknown", "{latest}");
    assert_eq!(me["recent_jobs"][1]["outcome"], "printed");

    // The printer runs out of paper: the job waits, unacknowledged, while the
    // server restarts (a new server over the same database, same address).
    printer.set_answers(fake_printer::PAPER_OUT);
    let third = app.issue("A").await;
    let app = app.restart_in_place().await;
    printer.set_answers(fake_printer::READY);
    // The client reconnects by itself; the new server sends the pending job.
    let fourth = app.issue("C").await;
    let jobs = printer.wait_for_jobs(3).await;
    until_all_acked(&app, &token).await;
    let printed: Vec<Vec<String>> = printer.jobs().iter().map(|j| read_ticket(j).1).collect();
    let expected: Vec<Vec<String>> = [&first, &third, &fourth]
        .iter()
        .map(|t| vec![status_url(&app, t)])
        .collect();
    assert_eq!(printed.len(), 3, "nothing printed twice");
    for t in &expected {
        assert_eq!(printed.iter().filter(|p| *p == t).count(), 1, "{t:?} once");
    }
    assert_eq!(jobs.len(), 3);
    drop(client);
    app.stop().await;
}

#[tokio::test]
async fn a_file_printer_kiosk_writes_the_ticket_and_its_preview() {
    let app = spawn_app().await;
    // An administrator registers a second kiosk; its token is shown once.
    let reg: Value = app
        .client
        .post(app.url("/api/v1/devices"))
        .json(&json!({"kind": "kiosk", "name": "Kiosk tầng 2", "centre": "mo-cay"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = reg["token"].as_str().unwrap().to_owned();
    let out = tempfile::tempdir().unwrap();
    let spec = PrinterSpec::File(out.path().into());
    let _client = Client::start(config(&app, &token, spec, Paper::Mm80, out.path().into()));
    let t = issue_with(&app, &token, "A").await;
    until_all_acked(&app, &token).await;
    let mut bins: Vec<PathBuf> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    assert_eq!(bins.len(), 1, "{bins:?}");
    let bin = bins.pop().unwrap();
    let (width, qr) = read_ticket(&std::fs::read(&bin).unwrap());
    assert_eq!(width, 576);
    assert_eq!(qr, vec![status_url(&app, &t)]);
    assert!(bin.with_extension("png").exists());
    // The first kiosk prints nothing of the second's.
    let first = kiosk_me(&app, &app.kiosk_token).await;
    assert_eq!(first["health"], Value::Null);
    app.stop().await;
}
