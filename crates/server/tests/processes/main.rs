//! Two real `luot` server processes on one fresh PostgreSQL database, as behind
//! a load balancer without sticky sessions: 2,000 tickets issued on A while
//! counters call next on A and B alternately; afterwards no number is
//! duplicated and no ticket was called twice. A display following B's event
//! websocket sees every call, A's included, in id order, once each; and a
//! display that reconnects to A with `?after=` resumes exactly where B left it.
//! Its own test target because it spawns processes. Skips (saying why) when
//! `LUOT_TEST_PG_URL` is unset; CI sets it.

#[path = "../common/pg.rs"]
mod pg;

/// SQLite durability under a killed or failing fsync (Linux: LD_PRELOAD).
#[cfg(target_os = "linux")]
mod crash;

/// No token, phone or password in a real process's output or log.
mod secrets;

/// The demo as a newcomer runs it, joined to the one-stop system (issue 17).
mod one_stop;

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use luot_domain::*;
use luot_store::CentreSetup;
use serde_json::{json, Value};
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;

const TICKETS: usize = 2_000;
const ISSUERS: usize = 16;
const COUNTERS: i64 = 8;
const CENTRE: &str = "tinh-thu";

/// One `luot` process; killed when dropped.
struct Server {
    base: String,
    _child: Child,
}

/// A free port: bind, read it, release it (the server binds it a moment later).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `luot` on a free port and waits until it is healthy. The port was
/// free a moment ago; if someone took it meanwhile our process exits (and a
/// foreign server may answer on it), so a process that died is retried on
/// another port, and health only counts while our process is alive.
async fn start(db: &str, client: &reqwest::Client) -> Server {
    for _ in 0..5 {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_luot"))
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                db,
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("cannot start luot");
        let base = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if child.try_wait().unwrap().is_some() {
                break; // it died (the port was taken): another port
            }
            if let Ok(r) = client.get(format!("http://{base}/healthz")).send().await {
                if r.status() == 200 && child.try_wait().unwrap().is_none() {
                    return Server {
                        base,
                        _child: child,
                    };
                }
            }
            assert!(
                Instant::now() < deadline,
                "luot on {base} never became healthy"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    panic!("luot would not start");
}

/// A centre without a daily cap (the demo's 300 per service is too few) that
/// takes tickets at any hour, since the processes run on the real clock.
fn centre() -> CentreSetup {
    let service = |c: &str, p: &str| Service {
        code: ServiceCode::parse(c).unwrap(),
        prefix: TicketPrefix::parse(p).unwrap(),
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
            name: "Trung tâm thử nghiệm".into(),
            name_en: "Test centre".into(),
            address: String::new(),
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
        services: vec![service("A", "A"), service("B", "1")],
        counters: (1..=COUNTERS)
            .map(|n| Counter {
                number: CounterNumber::new(n).unwrap(),
                name: format!("Quầy {n}"),
                serves: vec![
                    ServiceCode::parse("A").unwrap(),
                    ServiceCode::parse("B").unwrap(),
                ],
                state: CounterState::Open,
            })
            .collect(),
    }
}

/// An administrator with a session opened straight in the database (either
/// process accepts it: sessions live in PostgreSQL); returns the bearer token.
async fn operator_session(store: &dyn luot_store::Store) -> String {
    use luot_server::auth::{passwords, tokens};
    use luot_store::auth::{Account, NewAccount, Role};
    let now = jiff::Timestamp::now();
    let account = Account {
        username: "operator".into(),
        display_name: "Operator".into(),
        role: Role::Admin,
        centre: None,
        counters: None,
        active: true,
    };
    let password_hash = passwords::hash_blocking("not used here", passwords::Cost::Fast).unwrap();
    store
        .create_account(
            NewAccount {
                account,
                password_hash,
            },
            now,
            None,
        )
        .await
        .unwrap();
    let token = tokens::new_token(tokens::SESSION_PREFIX);
    store
        .create_session("operator", &tokens::hash_token(&token), None, now, None)
        .await
        .unwrap();
    token
}

/// What a display saw: event ids in arrival order and the numbers called.
#[derive(Default)]
struct Seen {
    ids: Vec<i64>,
    called: Vec<String>,
}

/// Follows a centre's events on `base` like a display: resumes with `?after=`
/// after a resync snapshot, and stops once `want` calls were seen or `after`
/// events reach `until`.
async fn follow(base: &str, after: Option<i64>, stop: impl Fn(&Seen) -> bool) -> Seen {
    let mut seen = Seen::default();
    let mut resume = after;
    loop {
        let url = match resume {
            Some(a) => format!("ws://{base}/api/v1/centres/{CENTRE}/events?after={a}"),
            None => format!("ws://{base}/api/v1/centres/{CENTRE}/events"),
        };
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(60), ws.next())
                .await
                .expect("the event stream went silent");
            // The server closed or dropped the stream (a resync it could not
            // serve under load): reconnect and resume, as a display does.
            let msg = match msg {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(m)) => m,
            };
            let Message::Text(text) = msg else { continue };
            let v: Value = serde_json::from_str(&text).unwrap();
            match v["type"].as_str() {
                Some("pong") => {}
                // The first message, or a resync after falling behind: take
                // the rest from the log by resuming after the last id seen.
                Some("snapshot") if resume.is_none() && seen.ids.is_empty() => {
                    resume = Some(v["last_event_id"].as_i64().unwrap_or(0));
                }
                Some("snapshot") => break,
                Some(kind) => {
                    let id = v["id"].as_i64().unwrap();
                    seen.ids.push(id);
                    resume = Some(id);
                    if kind == "ticket_called" {
                        seen.called.push(v["number"].as_str().unwrap().to_owned());
                    }
                    if stop(&seen) {
                        return seen;
                    }
                }
                None => panic!("an event without a type: {v}"),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_database() {
    let Some(admin) = pg::admin_url("the two-process test") else {
        return;
    };
    let db = pg::fresh_database(&admin).await;
    let store = luot_store::connect(&db, Default::default()).await.unwrap();
    store
        .create_centre(centre(), jiff::Timestamp::now())
        .await
        .unwrap();
    let token = operator_session(store.as_ref()).await;
    store.close().await;
    let mut auth = reqwest::header::HeaderMap::new();
    auth.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .default_headers(auth)
        .build()
        .unwrap();
    let (a, b) = tokio::join!(start(&db, &client), start(&db, &client));
    let started = Instant::now();

    // A display on B, following from before the first ticket.
    let display = {
        let base = b.base.clone();
        tokio::spawn(async move { follow(&base, None, |s| s.called.len() >= TICKETS).await })
    };

    let issued_all = Arc::new(AtomicBool::new(false));
    let issuers: Vec<_> = (0..ISSUERS)
        .map(|i| {
            let (client, base) = (client.clone(), a.base.clone());
            tokio::spawn(async move {
                let mut numbers = Vec::new();
                for k in 0..TICKETS / ISSUERS {
                    let service = if (i + k).is_multiple_of(3) { "B" } else { "A" };
                    let r = client
                        .post(format!("http://{base}/api/v1/centres/{CENTRE}/tickets"))
                        .json(&json!({ "service": service }))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 201);
                    let body: Value = r.json().await.unwrap();
                    numbers.push(body["number"].as_str().unwrap().to_owned());
                }
                numbers
            })
        })
        .collect();
    let counters: Vec<_> = (1..=COUNTERS)
        .map(|n| {
            let client = client.clone();
            let bases = [a.base.clone(), b.base.clone()];
            let done = issued_all.clone();
            tokio::spawn(async move {
                let mut called = Vec::new();
                for round in 0usize.. {
                    let finished = done.load(Ordering::SeqCst);
                    let base = &bases[(round + n as usize) % 2];
                    let r = client
                        .post(format!(
                            "http://{base}/api/v1/centres/{CENTRE}/counters/{n}/call-next"
                        ))
                        .send()
                        .await
                        .unwrap();
                    match r.status().as_u16() {
                        200 => {
                            let body: Value = r.json().await.unwrap();
                            called.push(body["number"].as_str().unwrap().to_owned());
                        }
                        204 if finished => break,
                        // Nobody waits yet; pacing only.
                        204 => tokio::time::sleep(Duration::from_millis(20)).await,
                        s => panic!("call-next on {base}: {s} {}", r.text().await.unwrap()),
                    }
                }
                called
            })
        })
        .collect();

    let mut numbers = Vec::new();
    for h in issuers {
        numbers.extend(h.await.unwrap());
    }
    issued_all.store(true, Ordering::SeqCst);
    let mut called = Vec::new();
    for h in counters {
        called.extend(h.await.unwrap());
    }
    eprintln!(
        "two processes: {TICKETS} tickets issued and called in {:?}",
        started.elapsed()
    );
    assert_eq!(numbers.len(), TICKETS);
    assert_eq!(
        numbers.iter().collect::<HashSet<_>>().len(),
        TICKETS,
        "duplicate numbers"
    );
    assert_eq!(called.len(), TICKETS, "every ticket is called");
    assert_eq!(
        called.iter().collect::<HashSet<_>>().len(),
        TICKETS,
        "a ticket was called twice"
    );

    // B's display saw every call, A's included, in id order, none twice.
    let seen = tokio::time::timeout(Duration::from_secs(60), display)
        .await
        .expect("the display on B did not see every call")
        .unwrap();
    assert!(
        seen.ids.windows(2).all(|w| w[0] < w[1]),
        "events out of order"
    );
    let on_display: HashSet<_> = seen.called.iter().collect();
    assert_eq!(on_display, called.iter().collect::<HashSet<_>>());

    // A display that reconnects to A resumes exactly where it was on B.
    let cut = seen.ids.len() - 500;
    let (resume_after, tail) = (seen.ids[cut - 1], &seen.ids[cut..]);
    let last = *tail.last().unwrap();
    let resumed = follow(&a.base, Some(resume_after), |s| {
        s.ids.last().is_some_and(|&id| id >= last)
    })
    .await;
    assert_eq!(resumed.ids, tail, "the resume on A differs from B");
}
