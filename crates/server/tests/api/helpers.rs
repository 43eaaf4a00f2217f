//! `spawn_app`: a real server on 127.0.0.1:0 over a fresh SQLite file (or a fresh
//! PostgreSQL database with `spawn_app_on`), seeded with the demo centre, with a
//! clock the test can set.

use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use luot_server::{demo, AppState};
use serde_json::Value;

pub struct TestApp {
    pub addr: std::net::SocketAddr,
    pub client: reqwest::Client,
    pub state: AppState,
    /// The instant every request sees as "now"; move it with `set_now`.
    pub now: Arc<Mutex<Timestamp>>,
    pub _dir: tempfile::TempDir,
    /// The database this server runs on (a restart reuses it).
    pub db_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// Thursday 26 November 2026, 09:00 in Viet Nam: a working morning.
pub fn working_morning() -> Timestamp {
    "2026-11-26T02:00:00Z".parse().unwrap()
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("luot.db").display());
    spawn_app_on(&url, dir).await
}

pub async fn spawn_app_on(url: &str, dir: tempfile::TempDir) -> TestApp {
    spawn_app_with(url, dir, |_| {}).await
}

/// Like [`spawn_app_on`], letting the test adjust the state first (a tiny event
/// hub, short heartbeats).
pub async fn spawn_app_with(
    url: &str,
    dir: tempfile::TempDir,
    configure: impl FnOnce(&mut AppState),
) -> TestApp {
    spawn_app_full(
        url,
        dir,
        luot_store::Options::default(),
        "127.0.0.1:0",
        configure,
    )
    .await
}

/// Like [`spawn_app_on`] with store options (short timeouts for outage tests).
pub async fn spawn_app_with_options(
    url: &str,
    dir: tempfile::TempDir,
    options: luot_store::Options,
) -> TestApp {
    spawn_app_full(url, dir, options, "127.0.0.1:0", |_| {}).await
}

/// Like [`spawn_app_with`] on a given address (a restart on the same port).
pub async fn spawn_app_at(
    url: &str,
    dir: tempfile::TempDir,
    listen: &str,
    configure: impl FnOnce(&mut AppState),
) -> TestApp {
    spawn_app_full(url, dir, luot_store::Options::default(), listen, configure).await
}

async fn spawn_app_full(
    url: &str,
    dir: tempfile::TempDir,
    options: luot_store::Options,
    listen: &str,
    configure: impl FnOnce(&mut AppState),
) -> TestApp {
    let store = luot_store::connect(url, options).await.unwrap();
    let now = Arc::new(Mutex::new(working_morning()));
    demo::seed_if_empty(store.as_ref(), working_morning())
        .await
        .unwrap();
    let mut state = AppState::new(store);
    let clock = now.clone();
    state.clock = Arc::new(move || *clock.lock().unwrap());
    configure(&mut state);
    let listener = tokio::net::TcpListener::bind(listen).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(luot_server::serve(listener, state.clone(), async {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        client: reqwest::Client::new(),
        state,
        now,
        _dir: dir,
        db_url: url.to_owned(),
        shutdown: Some(tx),
        server: Some(server),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn set_now(&self, t: Timestamp) {
        *self.now.lock().unwrap() = t;
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Issues a ticket for `service` at the demo centre; panics unless 201.
    pub async fn issue(&self, service: &str) -> Value {
        let r = self
            .post(
                "/api/v1/centres/mo-cay/tickets",
                serde_json::json!({ "service": service }),
            )
            .await;
        assert_eq!(r.status(), 201, "issue {service}");
        r.json().await.unwrap()
    }

    /// A counter action at the demo centre; returns status and body (Null on 204).
    pub async fn counter(&self, counter: u16, action: &str, body: Value) -> (u16, Value) {
        let r = self
            .post(
                &format!("/api/v1/centres/mo-cay/counters/{counter}/{action}"),
                body,
            )
            .await;
        let status = r.status().as_u16();
        let body = if status == 204 {
            Value::Null
        } else {
            r.json().await.unwrap()
        };
        (status, body)
    }

    /// Stops the server and closes the store.
    pub async fn stop(mut self) {
        self.shut_down().await;
    }

    async fn shut_down(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(s) = self.server.take() {
            let _ = s.await;
        }
        self.state.store.close().await;
    }

    /// Stops this server and starts a new one (on a new port) over the same
    /// database, as after a restart; the clock carries over.
    pub async fn restart(self) -> TestApp {
        self.restart_at("127.0.0.1:0").await
    }

    /// Like [`TestApp::restart`] on the same address, so open pages reconnect
    /// to the new server by themselves (used by the browser runner).
    #[allow(dead_code)]
    pub async fn restart_in_place(self) -> TestApp {
        let addr = self.addr.to_string();
        self.restart_at(&addr).await
    }

    async fn restart_at(mut self, listen: &str) -> TestApp {
        self.shut_down().await;
        let now = *self.now.lock().unwrap();
        let next = spawn_app_at(&self.db_url, self._dir, listen, |_| {}).await;
        next.set_now(now);
        next
    }
}
