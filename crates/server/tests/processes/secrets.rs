//! The real `luot --demo` process on SQLite in an empty directory, every log
//! level on: its log names each request's route, never a ticket token, a phone
//! or a device token from the path or the query.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// A phone that only this test sends.
const PHONE: &str = "0912345678";

pub(super) struct Demo {
    pub(super) base: String,
    pub(super) child: Child,
}

/// Starts `luot --demo` in `dir` with every log level on, its standard output
/// and error to `dir/stdout` and `dir/stderr`.
pub(super) async fn start(dir: &Path, client: &reqwest::Client) -> Demo {
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

/// What the demo's credentials file holds: each account's username and
/// password, and each device's line head (`kiosk device 1: ...`) and token.
pub(super) struct Credentials {
    pub(super) accounts: Vec<(String, String)>,
    pub(super) devices: Vec<(String, String)>,
}

pub(super) fn credentials(text: &str) -> Credentials {
    let mut accounts = Vec::new();
    let mut devices = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some((what, token)) = line.split_once("/pair#token=") {
            devices.push((what.to_owned(), token.trim().to_owned()));
        } else if let [user, password, ..] = line.split_whitespace().collect::<Vec<_>>()[..] {
            accounts.push((user.to_owned(), password.to_owned()));
        }
    }
    Credentials { accounts, devices }
}

/// The first demo start writes the accounts' passwords and the devices'
/// pairing links (token in the fragment) to `demo-credentials.txt`, mode
/// 0600, beside the database; its output names that file, the usernames and
/// the pages, and carries no password or token, nor does its log while the
/// credentials are used.
#[tokio::test]
async fn the_demo_writes_its_credentials_to_a_private_file_not_its_output() {
    use serde_json::{json, Value};
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let mut demo = start(dir.path(), &client).await;
    let base = demo.base.clone();

    let file = dir.path().join("demo-credentials.txt");
    let text = std::fs::read_to_string(&file).expect("no demo-credentials.txt");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }
    let found = credentials(&text);
    let passwords: Vec<String> = found.accounts.into_iter().map(|a| a.1).collect();
    let devices: Vec<String> = found.devices.into_iter().map(|d| d.1).collect();
    assert_eq!(passwords.len(), 5, "admin and quay1-4: {text}");
    assert_eq!(devices.len(), 2, "a kiosk and a rating tablet: {text}");
    assert!(
        !text.contains("?token="),
        "device links in the fragment: {text}"
    );
    let stdout = std::fs::read_to_string(dir.path().join("stdout")).unwrap();
    assert!(stdout.contains(&file.display().to_string()), "{stdout}");
    assert!(
        stdout.contains("admin") && stdout.contains("quay4") && stdout.contains("/counter"),
        "{stdout}"
    );

    // They work: the administrator signs in, the kiosk issues a ticket.
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": passwords[0]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let kiosk = devices
        .iter()
        .find(|t| text.contains(&format!("kiosk device 1: {base}/pair#token={t}")))
        .expect("the kiosk's pairing link");
    let r = client
        .post(format!("{base}/api/v1/centres/mo-cay/tickets"))
        .bearer_auth(kiosk)
        .json(&json!({"service": "A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let ticket: Value = r.json().await.unwrap();
    let token = ticket["token"].as_str().unwrap().to_owned();
    let paths = [format!("/api/v1/tickets/{token}"), format!("/t/{token}")];
    visit(&mut demo, dir.path(), &client, &paths).await;

    let log = output(dir.path());
    assert!(log.contains("/api/v1/auth/login"), "{log}");
    for secret in passwords.iter().chain(&devices).chain([&token]) {
        assert!(
            !log.contains(secret.as_str()),
            "`{secret}` in the output:\n{log}"
        );
    }
}

/// The process's resident memory in KiB (Linux).
#[cfg(target_os = "linux")]
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// Password hashes (argon2id, 19 MiB of working memory each) do not stay in
/// the process: the demo's first start hashes five passwords, then fifteen
/// sign-ins come in bursts of five. With each hash's memory freed to the
/// allocator of whichever thread ran it, this process held 99 MiB after the
/// start and 216 MiB after the sign-ins; the hashes now reuse a few buffers.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn password_hashes_do_not_stay_in_memory() {
    use serde_json::{json, Value};
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let demo = start(dir.path(), &client).await;
    let pid = demo.child.id().unwrap();
    let after_start = resident_kib(pid);
    let text = std::fs::read_to_string(dir.path().join("demo-credentials.txt")).unwrap();
    let accounts = credentials(&text).accounts;
    assert_eq!(accounts.len(), 5, "{text}");
    for _ in 0..3 {
        let burst = accounts.iter().map(|(user, password)| {
            let r = client
                .post(format!("{}/api/v1/auth/login", demo.base))
                .json(&json!({"username": user, "password": password}))
                .send();
            async move {
                let r = r.await.unwrap();
                assert_eq!(r.status(), 200);
                r.json::<Value>().await.unwrap()
            }
        });
        futures::future::join_all(burst).await;
    }
    let after_sign_ins = resident_kib(pid);
    eprintln!(
        "resident: {} KiB after the demo's start, {} KiB after 15 sign-ins",
        after_start, after_sign_ins
    );
    assert!(
        after_start < 72 * 1024 && after_sign_ins < 100 * 1024,
        "resident: {} MiB after the demo's start, {} MiB after 15 sign-ins",
        after_start / 1024,
        after_sign_ins / 1024
    );
}
