//! The real `luot --demo` process on SQLite in an empty directory, every log
//! level on: its log names each request's route, never a ticket token, a phone
//! or a device token from the path or the query.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// A phone that only this test sends.
const PHONE: &str = "0912345678";

struct Demo {
    base: String,
    child: Child,
}

/// Starts `luot --demo` in `dir` with every log level on, its standard output
/// and error to `dir/stdout` and `dir/stderr`.
async fn start(dir: &Path, client: &reqwest::Client) -> Demo {
    let db = format!("sqlite://{}", dir.join("luot.db").display());
    for _ in 0..5 {
        let port = super::free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_luot"))
            .args(["--demo", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", &db])
            .env("RUST_LOG", "debug")
            .env_remove("LUOT_STATE_DIR")
            .env_remove("LUOT_SECRET_FILE")
            .stdout(std::fs::File::create(dir.join("stdout")).unwrap())
            .stderr(std::fs::File::create(dir.join("stderr")).unwrap())
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("cannot start luot");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if child.try_wait().unwrap().is_some() {
                break; // the port was taken: another one
            }
            if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
                if r.status() == 200 && child.try_wait().unwrap().is_none() {
                    return Demo { base, child };
                }
            }
            assert!(Instant::now() < deadline, "luot never became healthy");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("luot would not start");
}

/// Both outputs of the process so far.
fn output(dir: &Path) -> String {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
    format!("{}{}", read("stdout"), read("stderr"))
}

/// Sends GET `paths` (none may fail with a 5xx), then waits until the log has
/// the line of the last one, a path no route matches, and stops the process.
async fn visit(demo: &mut Demo, dir: &Path, client: &reqwest::Client, paths: &[String]) {
    for path in paths {
        let r = client
            .get(format!("{}{path}", demo.base))
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
    }
    let r = client
        .get(format!("{}/no/such/page?phone={PHONE}", demo.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A request's log line is written after its answer: wait for it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !output(dir).contains(luot_server::UNMATCHED) {
        assert!(Instant::now() < deadline, "no request log: {}", output(dir));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    demo.child.kill().await.unwrap();
}

#[tokio::test]
async fn the_request_log_names_routes_never_tokens_or_phones() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let mut demo = start(dir.path(), &client).await;
    let ticket = "Tk7pQ2mZ9xW4vR8sL3nB6cY1";
    let device = "dev_Qm4Rt8Yx2Wp6Zs0Lk3Vn9Hb5";
    let paths = [
        format!("/api/v1/tickets/{ticket}"),
        format!("/api/v1/tickets/{ticket}/notice"),
        format!("/t/{ticket}?token={ticket}"),
        format!("/api/v1/appointments/LK3F7Q?phone={PHONE}"),
        format!("/display?token={device}"),
    ];
    visit(&mut demo, dir.path(), &client, &paths).await;

    let log = output(dir.path());
    for route in [
        "/api/v1/tickets/{token}",
        "/api/v1/tickets/{token}/notice",
        "/t/{token}",
        "/api/v1/appointments/{code}",
        "/display",
        luot_server::UNMATCHED,
    ] {
        assert!(log.contains(route), "route {route} not logged:\n{log}");
    }
    for secret in [ticket, device, PHONE, "LK3F7Q"] {
        assert!(!log.contains(secret), "`{secret}` in the log:\n{log}");
    }
}
