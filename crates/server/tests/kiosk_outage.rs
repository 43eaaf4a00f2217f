//! Black box: the real `luot` and `luot-kiosk` binaries as processes, as a
//! centre runs them. `luot-kiosk --printer file:DIR --ui 127.0.0.1:PORT`
//! serves the kiosk page's ticket API; 3 tickets are issued through it, the
//! server is killed, 5 more are issued (each answered with its number and
//! printed to DIR), the server is restarted: within 20 s all 8 are in the
//! server's queue with distinct numbers. And `luot-kiosk printers` runs on
//! this machine and exits 0.
//!
//! Its own test target because it spawns processes. `luot-kiosk` is taken from
//! beside `luot` in the target directory (`cargo test --workspace` builds
//! both; alone, run `cargo build -p luot-kiosk` first).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use luot_domain::*;
use luot_store::CentreSetup;
use serde_json::{json, Value};
use tokio::process::{Child, Command};
use tokio::time::Instant;

const CENTRE: &str = "xa-thu";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A centre open at any hour (the processes run on the real clock).
fn centre() -> CentreSetup {
    let service = |c: &str| Service {
        code: ServiceCode::parse(c).unwrap(),
        prefix: TicketPrefix::parse(c).unwrap(),
        name: format!("Lĩnh vực {c}"),
        name_en: format!("Service {c}"),
        start_number: 1,
        daily_cap: None,
        mean_service_minutes: 10,
        hours: None,
        active: true,
        examples: vec![],
        note: String::new(),
        short_name: String::new(),
        short_name_en: String::new(),
        target_wait_minutes: None,
        target_service_minutes: None,
    };
    CentreSetup {
        centre: Centre {
            code: CentreCode::parse(CENTRE).unwrap(),
            name: "Trung tâm Phục vụ Hành chính công xã Thử".into(),
            name_en: "Test centre".into(),
            address: "Ấp 1".into(),
            hotline: String::new(),
            timezone: "Asia/Ho_Chi_Minh".into(),
            hours: OpeningHours::default(),
            priority_classes: default_priority_classes(),
            announcement_vi: "Xin mời công dân số {number} đến quầy số {counter}".into(),
            announcement_en: "Number {number}, please go to counter {counter}".into(),
            no_show_after_recalls: 1,
            remote_tickets: false,
            enforce_hours: false,
            ticket_header: String::new(),
            ticket_footer: String::new(),
            data_retention_days: 730,
            dossier_pattern: None,
            evaluation_url_template: None,
            call_next_unstarted: Default::default(),
            print_documents: false,
        },
        services: vec![service("A")],
        counters: vec![Counter {
            number: CounterNumber::new(1).unwrap(),
            name: "Quầy 1".into(),
            serves: vec![ServiceCode::parse("A").unwrap()],
            state: CounterState::Open,
        }],
    }
}

/// The database with the centre and a kiosk device; returns the device token.
async fn prepare(db: &str) -> String {
    use luot_server::auth::tokens;
    let store = luot_store::connect(db, luot_store::Options::default())
        .await
        .unwrap();
    let now = jiff::Timestamp::now();
    store.create_centre(centre(), now).await.unwrap();
    let token = tokens::new_token(tokens::DEVICE_PREFIX);
    let device = luot_store::auth::NewDevice {
        kind: luot_store::auth::DeviceKind::Kiosk,
        name: "Kiosk sảnh".into(),
        centre: CentreCode::parse(CENTRE).unwrap(),
        token_hash: tokens::hash_token(&token),
        created_by: "system".into(),
        counter: None,
    };
    store.create_device(device, now, None).await.unwrap();
    store.close().await;
    token
}

/// `luot` on `port`, healthy.
async fn start_server(db: &str, port: u16, http: &reqwest::Client) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_luot"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            db,
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("cannot start luot");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(child.try_wait().unwrap().is_none(), "luot exited");
        let health = http
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await;
        if health.is_ok_and(|r| r.status() == 200) {
            return child;
        }
        assert!(Instant::now() < deadline, "luot never became healthy");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn kiosk_binary() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_BIN_EXE_luot"))
        .with_file_name(format!("luot-kiosk{}", std::env::consts::EXE_SUFFIX));
    p.exists().then_some(p)
}

async fn tap(http: &reqwest::Client, ui: &str) -> Value {
    let r = http
        .post(format!("{ui}/api/v1/centres/{CENTRE}/tickets"))
        .json(&json!({"service": "A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

/// Tickets printed to `dir` (`<job>.bin`); `offline`: only the offline ones.
fn bins(dir: &Path, offline: bool) -> usize {
    let counted = |p: PathBuf| {
        let id = p.file_stem().and_then(|s| s.to_str()?.parse::<u64>().ok());
        p.extension().is_some_and(|x| x == "bin")
            && (!offline || id.is_some_and(|id| id >= luot_kiosk::offline::OFFLINE_JOB_BASE))
    };
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| counted(e.path()))
                .count()
        })
        .unwrap_or(0)
}

async fn until_printed(dir: &Path, offline: bool, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while bins(dir, offline) < n {
        assert!(Instant::now() < deadline, "{} printed", bins(dir, offline));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn kiosk_issues_through_a_killed_server_and_replays() {
    let Some(kiosk_bin) = kiosk_binary() else {
        let why = "luot-kiosk is not built beside luot: run `cargo build -p luot-kiosk` (cargo test --workspace does)";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("skipped: {why}");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("luot.db").display());
    let token = prepare(&db).await;
    let http = reqwest::Client::new();
    let port = free_port();
    let server = start_server(&db, port, &http).await;

    let ui_port = free_port();
    let ui = format!("http://127.0.0.1:{ui_port}");
    let printed = dir.path().join("printed");
    let state = dir.path().join("state");
    let _kiosk = Command::new(kiosk_bin)
        .args([
            "--server",
            &format!("http://127.0.0.1:{port}"),
            "--printer",
            &format!("file:{}", printed.display()),
            "--ui",
            &format!("127.0.0.1:{ui_port}"),
            "--state-dir",
            &state.display().to_string(),
        ])
        .env("LUOT_KIOSK_TOKEN", &token)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("cannot start luot-kiosk");
    // The page is up and the kiosk holds its blocks.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let page = http.get(format!("{ui}/kiosk")).send().await;
        let leased = std::fs::read(state.join("offline-leases.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .is_some_and(|l| l["blocks"].as_array().is_some_and(|b| !b.is_empty()));
        if page.is_ok_and(|p| p.status() == 200) && leased {
            break;
        }
        assert!(Instant::now() < deadline, "the kiosk page never came up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    http.get(format!("{ui}/api/v1/centres"))
        .send()
        .await
        .unwrap();

    let mut numbers = Vec::new();
    for _ in 0..3 {
        let t = tap(&http, &ui).await;
        assert!(t.get("offline").is_none(), "{t}");
        numbers.push(t["number"].as_str().unwrap().to_owned());
    }
    assert_eq!(numbers, ["A001", "A002", "A003"]);

    drop(server); // killed
    for _ in 0..5 {
        let t = tap(&http, &ui).await;
        assert_eq!(t["offline"], true, "{t}");
        numbers.push(t["number"].as_str().unwrap().to_owned());
    }
    // The 5 offline ones printed to DIR while the server is down.
    until_printed(&printed, true, 5).await;

    let _server = start_server(&db, port, &http).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let q: Value = http
            .get(format!(
                "http://127.0.0.1:{port}/api/v1/centres/{CENTRE}/queue"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let queued: Vec<String> = q["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["number"].as_str().unwrap().to_owned())
            .collect();
        if queued.len() == 8 {
            let distinct: HashSet<&String> = queued.iter().collect();
            assert_eq!(distinct.len(), 8, "{queued:?}");
            for n in &numbers {
                assert!(queued.contains(n), "{n} in {queued:?}");
            }
            break;
        }
        assert!(
            Instant::now() < deadline,
            "within 20 s only {queued:?} of {numbers:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // An online job the kill cut off is printed once the agent reconnects.
    until_printed(&printed, false, 8).await;
}

#[tokio::test]
async fn luot_kiosk_printers_lists_and_exits_0() {
    let Some(kiosk_bin) = kiosk_binary() else {
        let why = "luot-kiosk is not built beside luot: run `cargo build -p luot-kiosk` (cargo test --workspace does)";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("skipped: {why}");
        return;
    };
    let out = Command::new(kiosk_bin)
        .arg("printers")
        .env_remove("LUOT_KIOSK_TOKEN")
        .env_remove("LUOT_KIOSK_SERVER")
        .output()
        .await
        .expect("cannot run luot-kiosk printers");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{:?}: {text}", out.status);
    // Whatever this machine has, it names the URL forms to use.
    assert!(!text.trim().is_empty());
}
