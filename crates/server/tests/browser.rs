//! Runs the browser tests (tests/browser/*.test.mjs, node:test + playwright-core
//! driving headless Chromium) so `cargo test --workspace` covers the UIs. Each
//! test file gets a fresh server on port 0 with the demo centre and the clock
//! pinned to a working morning, passed as `LUOT_BASE_URL`; files run one after
//! another. Screenshots go to target/browser-artifacts/.
//!
//! The webhook sender and the turn-notice sender run beside the server, as in
//! the binary.
//!
//! Tests can also steer the server through `LUOT_CONTROL_URL`:
//! `POST /restart` restarts it on the same address and database (open pages
//! must reconnect by themselves), `POST /now` with an RFC 3339 instant as the
//! body moves its clock.
//!
//! Needs `node`, `tests/browser/node_modules` (`npm ci` there) and
//! `/usr/bin/chromium`. When one is missing the test fails if `CI` is set and is
//! skipped (with the reason printed) otherwise. `LUOT_BROWSER_TEST=display` runs
//! only the files whose name contains `display`.
//!
//! A separate test target because it spawns node and Chromium processes.

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use axum::{extract::State, http::StatusCode, routing::post, Router};
use std::path::{Path, PathBuf};

/// What a browser test asks of the runner.
enum Command {
    Restart,
    Now(jiff::Timestamp),
}

type Request = (Command, tokio::sync::oneshot::Sender<()>);

/// Starts the control endpoint; the runner carries out what it receives (the
/// server's futures are not `Send`-provable inside an axum handler).
async fn control() -> (
    String,
    tokio::sync::mpsc::Receiver<Request>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Request>(4);
    async fn ask(tx: &tokio::sync::mpsc::Sender<Request>, c: Command) -> StatusCode {
        let (done, wait) = tokio::sync::oneshot::channel();
        if tx.send((c, done)).await.is_err() || wait.await.is_err() {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        StatusCode::OK
    }
    let router = Router::new()
        .route(
            "/restart",
            post(
                |State(tx): State<tokio::sync::mpsc::Sender<Request>>| async move {
                    ask(&tx, Command::Restart).await
                },
            ),
        )
        .route(
            "/now",
            post(
                |State(tx): State<tokio::sync::mpsc::Sender<Request>>, body: String| async move {
                    match body.trim().parse::<jiff::Timestamp>() {
                        Ok(at) => ask(&tx, Command::Now(at)).await,
                        Err(_) => StatusCode::BAD_REQUEST,
                    }
                },
            ),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (url, rx, task)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Why the browser tests cannot run here, if they cannot.
fn missing(dir: &Path) -> Option<String> {
    let node = std::process::Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Some("`node` is not installed".into());
    }
    if !dir.join("node_modules/playwright-core").is_dir() {
        return Some(format!(
            "{} has no node_modules (run `npm ci` there)",
            dir.display()
        ));
    }
    let chromium = std::env::var("LUOT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} is missing (apt-get install chromium)"));
    }
    None
}

fn test_files(dir: &Path) -> Vec<PathBuf> {
    let filter = std::env::var("LUOT_BROWSER_TEST").unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".test.mjs") && name.contains(&filter)
        })
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_tests() {
    let dir = root().join("tests/browser");
    if let Some(reason) = missing(&dir) {
        if std::env::var_os("CI").is_some() {
            panic!("browser tests cannot run: {reason}");
        }
        eprintln!("skipping the browser tests: {reason}");
        return;
    }
    let artifacts = root().join("target/browser-artifacts");
    let mut failed = Vec::new();
    for file in test_files(&dir) {
        let mut app = helpers::spawn_app().await;
        // The webhook sender, as the binary runs it (the webhooks page's test
        // receives deliveries on a local listener).
        let mut webhooks = luot_server::webhooks::spawn(app.state.clone()).0;
        // The turn-notice sender: the kiosk's and the ticket page's phone
        // boxes are tested against a local fake notifier.
        let mut notice_sender =
            luot_server::notices::spawn(app.state.clone(), Default::default()).0;
        let (control_url, mut requests, control_task) = control().await;
        let run = tokio::process::Command::new("node")
            .arg("--test")
            .arg(&file)
            .current_dir(&dir)
            .env("LUOT_BASE_URL", format!("http://{}", app.addr))
            .env("LUOT_CONTROL_URL", control_url)
            .env("LUOT_ADMIN_TOKEN", &app.admin_token)
            .env("LUOT_KIOSK_TOKEN", &app.kiosk_token)
            .env("LUOT_RATING_TOKEN", &app.rating_token)
            .env(
                "LUOT_ACCOUNTS",
                serde_json::to_string(
                    &app.accounts
                        .iter()
                        .cloned()
                        .collect::<std::collections::HashMap<_, _>>(),
                )
                .unwrap(),
            )
            .env("LUOT_ARTIFACTS", &artifacts)
            .kill_on_drop(true)
            .status();
        // A hung page must not hang `cargo test`.
        let run = tokio::time::timeout(std::time::Duration::from_secs(300), run);
        tokio::pin!(run);
        let status = loop {
            tokio::select! {
                status = &mut run => break status,
                Some((command, done)) = requests.recv() => {
                    match command {
                        Command::Restart => {
                            webhooks.abort();
                            notice_sender.abort();
                            app = app.restart_in_place().await;
                            webhooks = luot_server::webhooks::spawn(app.state.clone()).0;
                            notice_sender = luot_server::notices::spawn(app.state.clone(), Default::default()).0;
                        }
                        Command::Now(at) => app.set_now(at),
                    }
                    let _ = done.send(());
                }
            }
        };
        control_task.abort();
        webhooks.abort();
        notice_sender.abort();
        app.stop().await;
        if !status.is_ok_and(|s| s.is_ok_and(|s| s.success())) {
            failed.push(file.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(failed.is_empty(), "browser tests failed: {failed:?}");
}
