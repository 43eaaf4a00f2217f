//! `spawn_app`: a real server on 127.0.0.1:0 over a fresh SQLite file (or a fresh
//! PostgreSQL database with `spawn_app_on`), seeded with the demo centre and its
//! demo accounts and devices, with a clock the test can set.
//!
//! `app.client` (and `get`/`post`/`counter`) carries the demo administrator's
//! bearer token, so flows that are not about authorisation stay short;
//! `app.anon` carries nothing; `app.issue` uses the demo kiosk's token;
//! `app.login("quay2")` and `app.bearer(token)` give other audiences.

use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use luot_server::auth::{bootstrap, passwords::Cost, AuthConfig, Policy};
use luot_server::{demo, AppState};
use luot_store::auth::DeviceKind;
use serde_json::{json, Value};

pub struct TestApp {
    pub addr: std::net::SocketAddr,
    /// Authenticated as the demo administrator (bearer token).
    pub client: reqwest::Client,
    /// No credentials.
    pub anon: reqwest::Client,
    pub admin_token: String,
    /// The demo kiosk's and rating tablet's device tokens.
    pub kiosk_token: String,
    pub rating_token: String,
    /// Demo accounts: (username, password).
    pub accounts: Vec<(String, String)>,
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

/// Sessions that outlive any clock jump a test makes (days of service), so the
/// helper tokens stay valid; expiry tests set the default policy with
/// [`spawn_app_with`].
pub fn lenient_policy() -> Policy {
    Policy {
        idle: std::time::Duration::from_secs(90 * 86_400),
        absolute: std::time::Duration::from_secs(90 * 86_400),
    }
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
        None,
    )
    .await
}

/// Like [`spawn_app_on`] with store options (short timeouts for outage tests).
pub async fn spawn_app_with_options(
    url: &str,
    dir: tempfile::TempDir,
    options: luot_store::Options,
) -> TestApp {
    spawn_app_full(url, dir, options, "127.0.0.1:0", |_| {}, None).await
}

/// The credentials a restarted app keeps (sessions and devices live in the
/// database, so the old tokens stay valid).
struct Carried {
    admin_token: String,
    kiosk_token: String,
    rating_token: String,
    accounts: Vec<(String, String)>,
}

async fn spawn_app_full(
    url: &str,
    dir: tempfile::TempDir,
    options: luot_store::Options,
    listen: &str,
    configure: impl FnOnce(&mut AppState),
    carried: Option<Carried>,
) -> TestApp {
    let store = luot_store::connect(url, options).await.unwrap();
    let now = Arc::new(Mutex::new(working_morning()));
    demo::seed_if_empty(store.as_ref(), working_morning())
        .await
        .unwrap();
    let mo_cay = luot_domain::CentreCode::parse("mo-cay").unwrap();
    let creds = match &carried {
        Some(c) => bootstrap::DemoCredentials {
            accounts: Vec::new(),
            devices: vec![
                (DeviceKind::Kiosk, 0, c.kiosk_token.clone()),
                (DeviceKind::Rating, 0, c.rating_token.clone()),
            ],
        },
        None => {
            match bootstrap::demo_accounts(store.as_ref(), &mo_cay, Cost::Fast, working_morning())
                .await
                .unwrap()
            {
                Some(creds) => creds,
                None => reused_database_credentials(store.as_ref(), &mo_cay).await,
            }
        }
    };
    let device = |kind| {
        creds
            .devices
            .iter()
            .find(|d| d.0 == kind)
            .map(|d| d.2.clone())
            .unwrap()
    };
    let mut state = AppState::new(store);
    let clock = now.clone();
    state.clock = Arc::new(move || *clock.lock().unwrap());
    state.auth = Arc::new(AuthConfig {
        password_cost: Cost::Fast,
        policy: lenient_policy(),
        ..AuthConfig::default()
    });
    configure(&mut state);
    let listener = tokio::net::TcpListener::bind(listen).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(luot_server::serve(listener, state.clone(), async {
        let _ = rx.await;
    }));
    let mut app = TestApp {
        addr,
        client: reqwest::Client::new(),
        anon: reqwest::Client::new(),
        admin_token: String::new(),
        kiosk_token: device(DeviceKind::Kiosk),
        rating_token: device(DeviceKind::Rating),
        accounts: creds
            .accounts
            .iter()
            .map(|(u, p, _)| (u.clone(), p.clone()))
            .collect(),
        state,
        now,
        _dir: dir,
        db_url: url.to_owned(),
        shutdown: Some(tx),
        server: Some(server),
    };
    match carried {
        Some(c) => {
            app.admin_token = c.admin_token;
            app.accounts = c.accounts;
        }
        None => app.admin_token = app.login("admin").await,
    }
    app.client = app.bearer(&app.admin_token);
    app
}

/// A server restarted on a database that has accounts: the tests cannot know
/// the old passwords, so every account gets a new one and new devices are added.
async fn reused_database_credentials(
    store: &dyn luot_store::Store,
    centre: &luot_domain::CentreCode,
) -> bootstrap::DemoCredentials {
    let mut accounts = Vec::new();
    for a in store.accounts().await.unwrap() {
        let password = luot_server::auth::tokens::new_password();
        let hash = luot_server::auth::passwords::hash_blocking(&password, Cost::Fast).unwrap();
        let changes = luot_store::auth::AccountChanges {
            password_hash: Some(hash),
            ..Default::default()
        };
        store
            .update_account(&a.username, changes, working_morning(), None)
            .await
            .unwrap();
        accounts.push((a.username, password, String::new()));
    }
    let mut devices = Vec::new();
    for kind in [DeviceKind::Kiosk, DeviceKind::Rating] {
        let token = luot_server::auth::tokens::new_token(luot_server::auth::tokens::DEVICE_PREFIX);
        let new = luot_store::auth::NewDevice {
            kind,
            name: "test".into(),
            centre: centre.clone(),
            token_hash: luot_server::auth::tokens::hash_token(&token),
            created_by: "system".into(),
            counter: (kind == DeviceKind::Rating)
                .then(|| luot_domain::CounterNumber::new(1).unwrap()),
        };
        let d = store
            .create_device(new, working_morning(), None)
            .await
            .unwrap();
        devices.push((kind, d.id, token));
    }
    bootstrap::DemoCredentials { accounts, devices }
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

    /// The demo password of `username`.
    pub fn password(&self, username: &str) -> String {
        self.accounts
            .iter()
            .find(|(u, _)| u == username)
            .map(|(_, p)| p.clone())
            .unwrap_or_else(|| panic!("no demo account {username}"))
    }

    /// Signs in as a demo account over HTTP; returns the session token.
    pub async fn login(&self, username: &str) -> String {
        self.login_with(username, &self.password(username)).await
    }

    /// Signs in over HTTP (panics unless 200); returns the session token.
    pub async fn login_with(&self, username: &str, password: &str) -> String {
        let r = self
            .anon
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login {username}");
        let body: Value = r.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// Creates the second centre `ba-tri` (a copy of the demo centre) unless
    /// it exists.
    pub async fn second_centre(&self) -> luot_domain::CentreCode {
        let code = luot_domain::CentreCode::parse("ba-tri").unwrap();
        let store = &self.state.store;
        if store.last_event_id(&code).await.is_err() {
            let mut setup = luot_server::demo::setup().unwrap();
            setup.centre.code = code.clone();
            store.create_centre(setup, working_morning()).await.unwrap();
        }
        code
    }

    /// A new account (`centre`: `None` for every centre) with the password
    /// `username` + " password", signed in over HTTP: its session token.
    pub async fn account(
        &self,
        username: &str,
        role: luot_store::auth::Role,
        centre: Option<&luot_domain::CentreCode>,
        counters: Option<Vec<u16>>,
    ) -> String {
        use luot_server::auth::passwords;
        use luot_store::auth::{Account, NewAccount};
        let password = format!("{username} password");
        let account = Account {
            username: username.into(),
            display_name: username.into(),
            role,
            centre: centre.cloned(),
            counters: counters.map(|c| {
                c.into_iter()
                    .map(|n| luot_domain::CounterNumber::new(i64::from(n)).unwrap())
                    .collect()
            }),
            active: true,
        };
        let password_hash = passwords::hash_blocking(&password, Cost::Fast).unwrap();
        let new = NewAccount {
            account,
            password_hash,
        };
        self.state
            .store
            .create_account(new, working_morning(), None)
            .await
            .unwrap();
        self.login_with(username, &password).await
    }

    /// The token of today's ticket `number` at the demo centre, read from the
    /// database: staff answers never carry it.
    pub async fn token_of(&self, number: &str) -> String {
        let sql = format!(
            "SELECT t.token FROM tickets t JOIN centres c ON c.id = t.centre_id \
             WHERE c.code = 'mo-cay' AND t.number = '{number}' ORDER BY t.id DESC"
        );
        column(&self.db_url, &sql).await[0].clone().unwrap()
    }

    /// The demo centre's priority classes, as its public queue lists them.
    pub async fn priority_classes(&self) -> Vec<Value> {
        let r = self
            .anon
            .get(self.url("/api/v1/centres/mo-cay/queue"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let queue: Value = r.json().await.unwrap();
        queue["centre"]["priority_classes"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Issues a ticket for service A in priority `class` (a class as
    /// [`Self::priority_classes`] lists it) as `by`; its body.
    pub async fn issue_priority(&self, by: &reqwest::Client, class: &Value) -> Value {
        let r = by
            .post(self.url("/api/v1/centres/mo-cay/tickets"))
            .json(&json!({"service": "A", "priority": class["code"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{class}");
        r.json().await.unwrap()
    }

    /// A client that sends `Authorization: Bearer token` on every request.
    pub fn bearer(&self, token: &str) -> reqwest::Client {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        reqwest::Client::builder()
            .default_headers(h)
            .build()
            .unwrap()
    }

    /// Issues a ticket for `service` at the demo centre from the demo kiosk;
    /// panics unless 201.
    pub async fn issue(&self, service: &str) -> Value {
        let r = self
            .bearer(&self.kiosk_token)
            .post(self.url("/api/v1/centres/mo-cay/tickets"))
            .json(&json!({ "service": service }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "issue {service}");
        r.json().await.unwrap()
    }

    /// Issues `n` kiosk tickets of `service` at the demo centre at once,
    /// straight through the store (no HTTP): they arrive in the writer
    /// together and commit in a few batches, their events published in bursts.
    pub async fn issue_burst(&self, service: &str, n: usize) {
        let store = self.state.store.clone();
        let issues = (0..n).map(|_| {
            store.issue_ticket(luot_store::IssueTicket {
                centre: luot_domain::CentreCode::parse("mo-cay").unwrap(),
                service: luot_domain::ServiceCode::parse(service).unwrap(),
                priority: None,
                channel: luot_domain::Channel::Kiosk,
                actor: "test".into(),
                idempotency_key: None,
                print_on: None,
                now: self.state.now(),
                audit: None,
                any_hour: false,
            })
        });
        for r in futures::future::join_all(issues).await {
            r.unwrap();
        }
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

    /// Stops the server and closes the store, keeping the database's
    /// directory for the caller to look at the files left behind.
    #[allow(dead_code)]
    pub async fn stop_keeping_files(mut self) -> tempfile::TempDir {
        self.shut_down().await;
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self._dir, dir)
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

    /// A server outage: stops this server, awaits `meanwhile`, then starts it
    /// again on the same address over the same database (the clock carries over).
    #[allow(dead_code)]
    pub async fn outage<T>(
        mut self,
        meanwhile: impl std::future::Future<Output = T>,
    ) -> (TestApp, T) {
        let addr = self.addr.to_string();
        self.shut_down().await;
        let out = meanwhile.await;
        (self.restart_at(&addr).await, out)
    }

    async fn restart_at(mut self, listen: &str) -> TestApp {
        self.shut_down().await;
        let now = *self.now.lock().unwrap();
        let carried = Carried {
            admin_token: self.admin_token.clone(),
            kiosk_token: self.kiosk_token.clone(),
            rating_token: self.rating_token.clone(),
            accounts: self.accounts.clone(),
        };
        let next = spawn_app_full(
            &self.db_url,
            self._dir,
            luot_store::Options::default(),
            listen,
            |_| {},
            Some(carried),
        )
        .await;
        next.set_now(now);
        next
    }
}

/// `GET /api/v1/kiosks/me` as the kiosk with device `token`: its device,
/// agent health and jobs waiting.
pub async fn kiosk_me(app: &TestApp, token: &str) -> Value {
    let r = app
        .bearer(token)
        .get(app.url("/api/v1/kiosks/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// A websocket client connection (event stream, kiosk agent).
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects the kiosk agent websocket with the device `token` and says `hello`
/// with a ready printer on `paper`, as the kiosk client does first.
pub async fn connect_agent(app: &TestApp, token: &str, paper: luot_print::Paper) -> Ws {
    use futures::SinkExt;
    use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};
    let mut req = format!("ws://{}/api/v1/kiosks/me/agent", app.addr)
        .into_client_request()
        .unwrap();
    let auth = format!("Bearer {token}").parse().unwrap();
    req.headers_mut().insert("authorization", auth);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let hello = luot_print::KioskMessage::Hello {
        printer: luot_print::PrinterStatus::Ok,
        paper,
        version: "test".into(),
    };
    let text = serde_json::to_string(&hello).unwrap();
    ws.send(Message::Text(text.into())).await.unwrap();
    ws
}

/// The next print job on an agent connection (pings skipped): its id and ticket.
pub async fn next_print_job(ws: &mut Ws) -> (u64, luot_print::TicketPrint) {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let wait = async {
        loop {
            let Message::Text(t) = ws.next().await.unwrap().unwrap() else {
                continue;
            };
            if let luot_print::ServerMessage::Print { job_id, ticket, .. } =
                serde_json::from_str(&t).unwrap()
            {
                return (job_id, *ticket);
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), wait)
        .await
        .expect("a print job within 10 s")
}

/// The stored values of one column (for what no endpoint returns).
pub async fn column(db_url: &str, sql: &str) -> Vec<Option<String>> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(db_url).await.unwrap();
    let rows: Vec<(Option<String>,)> = sqlx::query_as(sql).fetch_all(&mut c).await.unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

/// The demo centre's configuration as the admin pages read it.
pub async fn admin_config(app: &TestApp) -> serde_json::Value {
    app.get("/api/v1/admin/centres/mo-cay")
        .await
        .json()
        .await
        .unwrap()
}

/// Changes the demo centre's settings through the admin API (as the admin).
pub async fn put_settings(app: &TestApp, change: impl FnOnce(&mut serde_json::Value)) {
    let mut cfg = admin_config(app).await;
    let mut centre = cfg["centre"].take();
    change(&mut centre);
    let r = app
        .client
        .put(app.url("/api/v1/admin/centres/mo-cay/settings"))
        .json(&centre)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}
