//! Issuing through a server outage: two kiosks, each `luot-kiosk --ui` (in
//! process) with a file printer, serve the kiosk page's ticket API. Online,
//! numbers come from the server; with the server stopped, each kiosk issues 20
//! tickets from its leased block (printed, journalled); once the server is
//! back, all 40 are replayed into the queue in issue-time order, with no
//! number twice and each replayed exactly once. Also the lease and replay
//! endpoints' refusals over HTTP, and an offline ticket whose print is not
//! confirmed: shown as such on the local page's API, and copied once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use luot_kiosk::backoff::BackoffPolicy;
use luot_kiosk::config::Ui;
use luot_kiosk::{Config, Timings};
use luot_print::{PrinterProfile, PrinterSpec};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::helpers::{spawn_app, working_morning, TestApp};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running client with its local page, stopped on drop.
struct Kiosk {
    ui: String,
    dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Kiosk {
    fn start(app: &TestApp, token: &str, dir: &Path) -> Kiosk {
        let quick = BackoffPolicy {
            base: Duration::from_millis(10),
            max: Duration::from_millis(100),
        };
        let timings = Timings {
            reconnect: quick,
            print_retry: quick,
            status_poll: Duration::from_secs(3600),
            ..Timings::default()
        };
        Kiosk::start_with(
            app,
            token,
            dir,
            PrinterSpec::File(dir.join("printed")),
            timings,
        )
    }

    fn start_with(
        app: &TestApp,
        token: &str,
        dir: &Path,
        printer: PrinterSpec,
        timings: Timings,
    ) -> Kiosk {
        let port = free_port();
        let server = format!("http://{}", app.addr);
        let config = Config {
            agent_url: luot_kiosk::config::agent_url(&server).unwrap(),
            token: token.into(),
            printer,
            profile: PrinterProfile::default(),
            state_dir: dir.join("state"),
            timings,
            ui: Some(Ui {
                addr: format!("127.0.0.1:{port}").parse().unwrap(),
                server,
                offline_after: Duration::from_millis(500),
                probe: Duration::from_millis(100),
            }),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            luot_kiosk::run(config, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Kiosk {
            ui: format!("http://127.0.0.1:{port}"),
            dir: dir.to_owned(),
            stop: Some(stop),
            task,
        }
    }

    /// Taps a service on the page: the answer's status and body.
    async fn tap(&self, service: &str) -> (u16, Value) {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/centres/mo-cay/tickets", self.ui))
            .json(&json!({ "service": service }))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    /// The page's `GET /api/v1/kiosks/me` until `done` holds of it (10 s at most).
    async fn me_until(&self, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let me: Value = reqwest::get(format!("{}/api/v1/kiosks/me", self.ui))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if done(&me) {
                return me;
            }
            assert!(Instant::now() < deadline, "never: {me}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The page's "In lại phiếu" button for the ticket `token`.
    async fn reprint(&self, token: &Value) -> (u16, Value) {
        let url = format!(
            "{}/api/v1/kiosks/me/tickets/{}/reprint",
            self.ui,
            token.as_str().unwrap()
        );
        let r = reqwest::Client::new().post(url).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    /// Waits until the page is served and the kiosk holds leased blocks.
    async fn ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let page = reqwest::get(format!("{}/kiosk", self.ui)).await;
            let leases = std::fs::read(self.dir.join("state/offline-leases.json")).ok();
            let has_blocks = leases
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .is_some_and(|l| l["blocks"].as_array().is_some_and(|b| !b.is_empty()));
            if page.is_ok_and(|p| p.status() == 200) && has_blocks {
                // The page reads the centre once; offline tickets print its name.
                reqwest::get(format!("{}/api/v1/centres", self.ui))
                    .await
                    .unwrap();
                return;
            }
            assert!(Instant::now() < deadline, "kiosk page never ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn replayed(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("state/offline-replayed.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Offline tickets printed: `<job>.bin` files with an offline job id.
    fn printed_offline(&self) -> usize {
        let offline = |p: PathBuf| {
            p.extension().is_some_and(|x| x == "bin")
                && p.file_stem()
                    .and_then(|s| s.to_str()?.parse::<u64>().ok())
                    .is_some_and(|id| id >= luot_kiosk::offline::OFFLINE_JOB_BASE)
        };
        std::fs::read_dir(self.dir.join("printed"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| offline(e.path()))
                    .count()
            })
            .unwrap_or(0)
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.task.abort();
    }
}

/// 20 taps during the outage, each answered at once with an offline ticket.
async fn twenty(k: &Kiosk) -> Vec<Value> {
    let mut out = Vec::new();
    for _ in 0..20 {
        let (status, t) = k.tap("A").await;
        assert_eq!(status, 201, "{t}");
        assert_eq!(t["offline"], true, "{t}");
        out.push(t);
    }
    out
}

async fn new_kiosk_token(app: &TestApp) -> String {
    let reg: Value = app
        .client
        .post(app.url("/api/v1/devices"))
        .json(&json!({"kind": "kiosk", "name": "Kiosk 2", "centre": "mo-cay"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reg["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn two_kiosks_issue_through_an_outage_and_replay_in_time_order() {
    let app = spawn_app().await;
    let token2 = new_kiosk_token(&app).await;
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let kiosks = [
        Kiosk::start(&app, &app.kiosk_token.clone(), dirs[0].path()),
        Kiosk::start(&app, &token2, dirs[1].path()),
    ];
    for k in &kiosks {
        k.ready().await;
    }
    // Online: the page's tap goes through to the server.
    let (status, online) = kiosks[0].tap("A").await;
    assert_eq!(status, 201, "{online}");
    assert_eq!(online["number"], "A001");
    assert!(online.get("offline").is_none());

    let (app, answers) = app
        .outage(async {
            let (a, b) = tokio::join!(twenty(&kiosks[0]), twenty(&kiosks[1]));
            [a, b]
        })
        .await;
    // The server comes back later (its clock moved on too).
    app.set_now(working_morning() + jiff::SignedDuration::from_mins(10));
    let mut numbers = HashSet::new();
    for t in answers.iter().flatten() {
        assert!(
            numbers.insert(t["number"].as_str().unwrap().to_owned()),
            "{t}"
        );
    }
    assert_eq!(numbers.len(), 40);
    for k in &kiosks {
        let deadline = Instant::now() + Duration::from_secs(20);
        while k.printed_offline() < 20 {
            assert!(Instant::now() < deadline, "{} printed", k.printed_offline());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(k.printed_offline(), 20, "each offline ticket printed once");
    }

    // Within 20 s every offline ticket is in the queue.
    let deadline = Instant::now() + Duration::from_secs(20);
    let waiting = loop {
        let q: Value = app
            .get("/api/v1/centres/mo-cay/queue")
            .await
            .json()
            .await
            .unwrap();
        let waiting: Vec<Value> = q["waiting"].as_array().unwrap().clone();
        if waiting.len() == 41 {
            break waiting;
        }
        assert!(
            Instant::now() < deadline,
            "{} of 41 in the queue",
            waiting.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let queued: Vec<&str> = waiting
        .iter()
        .map(|t| t["number"].as_str().unwrap())
        .collect();
    let distinct: HashSet<&&str> = queued.iter().collect();
    assert_eq!(distinct.len(), 41, "no number twice: {queued:?}");
    for n in &numbers {
        assert!(queued.contains(&n.as_str()), "{n} queued");
    }
    // Issue-time order: the queue's order is the order the citizens were served paper.
    let times: Vec<jiff::Timestamp> = waiting
        .iter()
        .map(|t| t["issued_at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    for k in &kiosks {
        let replayed = k.replayed();
        let once: HashSet<&String> = replayed.iter().collect();
        assert_eq!((replayed.len(), once.len()), (20, 20), "each replayed once");
    }
    // Every offline ticket's QR now opens its status page.
    let t = &answers[1][0];
    let token = t["token"].as_str().unwrap();
    let r = app
        .anon
        .get(app.url(&format!("/api/v1/tickets/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(kiosks);
    app.stop().await;
}

#[tokio::test]
async fn leases_and_replays_refuse_what_is_not_the_kiosks() {
    let app = spawn_app().await;
    let kiosk = app.bearer(&app.kiosk_token);
    let l: Value = kiosk
        .post(app.url("/api/v1/kiosks/me/leases"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let a = l["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["service"] == "A")
        .unwrap();
    assert_eq!(
        (a["first"].as_u64(), a["last"].as_u64()),
        (Some(901), Some(920))
    );
    let replay = |seq: u32, token: &str| {
        kiosk
            .post(app.url("/api/v1/kiosks/me/offline-tickets"))
            .json(&json!({"service": "A", "seq": seq, "token": token,
                "issued_at": working_morning().to_string()}))
            .send()
    };
    let tok = "Abcdefghijklmnopqrstu1";
    let r = replay(901, tok).await.unwrap();
    assert_eq!(r.status(), 201);
    let r = replay(901, tok).await.unwrap();
    assert_eq!(r.status(), 200, "a repeat stores nothing");
    let body: Value = replay(901, "Abcdefghijklmnopqrstu2")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["code"], "number_taken");
    let body: Value = replay(950, "Abcdefghijklmnopqrstu3")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["code"], "not_leased");
    let r = replay(902, "short").await.unwrap();
    assert_eq!(r.status(), 422);
    app.stop().await;
}

/// The job of ticket `number` in a `kiosks/me` answer (the original, or its copy).
fn job_of<'a>(me: &'a Value, number: &Value, reprint: bool) -> Option<&'a Value> {
    me["recent_jobs"]
        .as_array()?
        .iter()
        .find(|j| &j["ticket_number"] == number && j["reprint"] == reprint)
}

/// Offline, the printer hangs up in the middle of a ticket: the local page's
/// `GET /api/v1/kiosks/me` says `unknown` for it, as the server does for its
/// own tickets, so the page shows the number in large type with "Nếu phiếu
/// chưa in ra, hãy ghi lại số này" (it used to say printed: no jobs, none
/// pending). The page's "In lại phiếu" prints one copy, marked BẢN IN LẠI; a
/// second tap is refused. Back online, the kiosk's own jobs are still listed
/// with the server's, and the button is passed through for the server's tickets.
#[tokio::test]
async fn offline_a_ticket_not_confirmed_printed_says_so_and_is_copied_once() {
    use crate::kiosk_e2e::fake_printer::FakePrinter;

    let app = spawn_app().await;
    let printer = FakePrinter::start().await;
    let dir = tempfile::tempdir().unwrap();
    let tcp = PrinterSpec::Tcp {
        host: "127.0.0.1".into(),
        port: printer.port,
    };
    let timings = crate::kiosk_e2e::timings();
    let kiosk = Kiosk::start_with(&app, &app.kiosk_token.clone(), dir.path(), tcp, timings);
    kiosk.ready().await;

    let (app, offline) = app
        .outage(async {
            printer.drop_next_job_after(4000);
            let (status, t) = kiosk.tap("A").await;
            assert_eq!((status, &t["offline"]), (201, &json!(true)), "{t}");
            let number = t["number"].clone();
            let me = kiosk
                .me_until(|me| job_of(me, &number, false).is_some_and(|j| !j["outcome"].is_null()))
                .await;
            assert_eq!(me["offline"], true, "{me}");
            let job = job_of(&me, &number, false).unwrap();
            assert_eq!(job["outcome"], "unknown", "{me}");
            assert!(
                job["reason"].as_str().is_some_and(|r| !r.is_empty()),
                "{me}"
            );
            assert_eq!(me["pending_jobs"], 0);
            assert_eq!((printer.partial_jobs(), printer.jobs().len()), (1, 0));

            // The button: one copy, printed whole this time.
            let (status, body) = kiosk.reprint(&t["token"]).await;
            assert_eq!(status, 202, "{body}");
            printer.wait_for_jobs(1).await;
            let me = kiosk
                .me_until(|me| job_of(me, &number, true).is_some_and(|j| j["outcome"] == "printed"))
                .await;
            assert_eq!(job_of(&me, &number, false).unwrap()["outcome"], "unknown");
            let (status, body) = kiosk.reprint(&t["token"]).await;
            assert_eq!((status, body["code"].as_str()), (409, Some("reprint_used")));
            assert_eq!(printer.jobs().len(), 1, "one copy only");
            t
        })
        .await;

    // Online again: the server's answer, with the kiosk's own jobs in it.
    let me = kiosk
        .me_until(|me| me["device"].is_object() && me.get("offline").is_none())
        .await;
    let job = job_of(&me, &offline["number"], false).expect("the offline job is still listed");
    assert_eq!(job["outcome"], "unknown");
    // A server ticket's button goes to the server, which decides (printed: not needed).
    let (status, online) = kiosk.tap("B").await;
    assert_eq!(status, 201, "{online}");
    assert!(online.get("offline").is_none(), "{online}");
    let number = online["number"].clone();
    kiosk
        .me_until(|me| job_of(me, &number, false).is_some_and(|j| j["outcome"] == "printed"))
        .await;
    let (status, body) = kiosk.reprint(&online["token"]).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("reprint_not_needed"))
    );
    drop(kiosk);
    app.stop().await;
}
