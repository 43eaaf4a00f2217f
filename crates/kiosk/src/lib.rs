//! Lượt kiosk client: keeps a websocket to the server, prints the tickets it is sent, and reports
//! the printer's state.
//!
//! ```text
//!  server ──print──▶ session ──Job──▶ worker ──ESC/POS──▶ printer
//!         ◀──ack/failed/status── (events, status watch) ◀──┘      └─▶ journal (printed ids)
//! ```
//!
//! [`run`] owns the reconnect loop; a [`session`] lives for one connection; the [`worker`] lives for
//! the whole process so a job survives reconnects; the [`journal`] makes acknowledgements
//! idempotent across reconnects and restarts.
#![forbid(unsafe_code)]

pub mod backoff;
pub mod config;
pub mod journal;
pub mod local;
pub mod offline;
pub mod printers;
pub mod session;
#[cfg(windows)]
pub mod winservice;
pub mod worker;

pub use config::{Cli, Config, Timings};

use backoff::Backoff;
use journal::Journal;
use session::{Links, Ws};
use std::future::Future;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{header, HeaderValue};
use worker::Worker;

/// Reasons the client cannot start; once running it never gives up on its own.
#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    #[error("cannot open the print journal in {dir}: {source}")]
    Journal { dir: String, source: std::io::Error },
    #[error("the device token contains characters not allowed in an HTTP header")]
    Token,
    #[error("cannot serve the kiosk page on {addr}: {reason}")]
    Ui { addr: String, reason: String },
}

/// Jobs waiting for the printer; the server rarely has more than a handful unacknowledged.
const QUEUE: usize = 256;

/// Runs the client until `shutdown` completes.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> Result<(), KioskError> {
    let journal = Journal::open(&config.state_dir).map_err(|source| KioskError::Journal {
        dir: config.state_dir.display().to_string(),
        source,
    })?;
    let auth = HeaderValue::from_str(&format!("Bearer {}", config.token))
        .map_err(|_| KioskError::Token)?;
    #[cfg(feature = "tls")]
    {
        // Explicit, so a build that also links another rustls provider does not leave the choice
        // ambiguous (rustls then refuses to pick one at connect time). Err = already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    if !cfg!(feature = "tls") && config.agent_url.starts_with("wss://") {
        tracing::error!(
            "this build has no TLS; use an http:// server URL or build with --features tls"
        );
    }
    let printer = config.printer.open_with(config.timings.printer);
    tracing::info!(
        server = %config.agent_url,
        printer = %printer.describe(),
        paper = %config.profile.paper,
        text_mode = %config.profile.text_mode,
        family = %config.profile.family,
        journal = %journal.path().display(),
        "kiosk client starting"
    );

    if config.profile.effective_text_mode() != config.profile.text_mode {
        tracing::warn!(
            family = %config.profile.family,
            text_mode = %config.profile.text_mode,
            "this printer family has no code page for the text mode: tickets print as raster"
        );
    }
    let (jobs_tx, jobs_rx) = mpsc::channel(QUEUE);
    let (events_tx, mut events_rx) = mpsc::unbounded_channel();
    // Asked once before connecting, so the first `hello` already tells the server the truth.
    let initial = printer.status().await;
    tracing::info!(status = ?initial, "printer status");
    let (status_tx, mut status_rx) = watch::channel(initial);
    let own = std::sync::Arc::new(local::prints::OwnPrints::default());
    let worker = Worker {
        printer,
        profile: config.profile,
        journal,
        timings: config.timings,
        jobs: jobs_rx,
        events: events_tx,
        status: status_tx,
        own: own.clone(),
    };
    let worker = tokio::spawn(worker.run());
    let ui = match &config.ui {
        Some(ui) => Some(start_ui(ui, &config, &jobs_tx, &status_rx, own).await?),
        None => None,
    };

    let timings = config.timings;
    let mut backoff = Backoff::new(timings.reconnect);
    tokio::pin!(shutdown);
    loop {
        let attempt = async {
            let mut ws = connect(&config.agent_url, &auth, &timings).await?;
            tracing::info!(server = %config.agent_url, "connected");
            let started = Instant::now();
            let links = Links {
                jobs: &jobs_tx,
                events: &mut events_rx,
                status: &mut status_rx,
            };
            let end = session::run(&mut ws, links, config.profile.paper, &timings).await;
            // Best effort: tell a live server we are going, without waiting on a dead one.
            let _ =
                tokio::time::timeout(std::time::Duration::from_millis(200), ws.close(None)).await;
            Ok::<_, String>((end, started.elapsed()))
        };
        tokio::select! {
            () = &mut shutdown => break,
            outcome = attempt => match outcome {
                Ok((end, lasted)) => {
                    tracing::warn!(?end, ?lasted, "disconnected from server");
                    if lasted >= timings.stable_after {
                        backoff.reset();
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot connect to server"),
            },
        }
        let delay = backoff.next_delay();
        tracing::debug!(?delay, "reconnecting after backoff");
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(delay) => {}
        }
    }
    if let Some((serve, sync)) = ui {
        sync.abort();
        serve.abort();
    }
    // A job cut off here was not acknowledged; the server re-sends it to the next run.
    worker.abort();
    let _ = worker.await;
    tracing::info!("kiosk client stopped");
    Ok(())
}

/// Binds the local page and API (`--ui`), opens the offline book, and starts
/// serving and syncing.
async fn start_ui(
    ui: &config::Ui,
    config: &Config,
    jobs: &mpsc::Sender<worker::Job>,
    status: &watch::Receiver<luot_print::PrinterStatus>,
    prints: std::sync::Arc<local::prints::OwnPrints>,
) -> Result<(tokio::task::JoinHandle<()>, tokio::task::JoinHandle<()>), KioskError> {
    let fail = |reason: String| KioskError::Ui {
        addr: ui.addr.to_string(),
        reason,
    };
    let addr = local::check_addr(ui.addr).map_err(fail)?;
    let book =
        offline::book::Book::open(&config.state_dir).map_err(|source| KioskError::Journal {
            dir: config.state_dir.display().to_string(),
            source,
        })?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let http = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(2))
        .user_agent(concat!("luot-kiosk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let shared = std::sync::Arc::new(local::Local {
        server: ui.server.clone(),
        auth: format!("Bearer {}", config.token),
        http,
        book: std::sync::Mutex::new(book),
        cache: Default::default(),
        reach: Default::default(),
        jobs: jobs.clone(),
        status: status.clone(),
        offline_after: ui.offline_after,
        wake: Default::default(),
        lease_due: Default::default(),
        prints,
    });
    tracing::info!(page = %format!("http://{addr}/kiosk"), "kiosk page served locally");
    let serve = {
        let shared = shared.clone();
        tokio::spawn(async move {
            if let Err(e) = local::serve(listener, shared, std::future::pending()).await {
                tracing::error!(error = %e, "the local kiosk page stopped");
            }
        })
    };
    let sync = tokio::spawn(offline::sync(shared, ui.probe));
    Ok((serve, sync))
}

/// Opens the agent websocket with the device token.
async fn connect(url: &str, auth: &HeaderValue, timings: &Timings) -> Result<Ws, String> {
    let mut request = url
        .into_client_request()
        .map_err(|e| format!("bad server URL: {e}"))?;
    request
        .headers_mut()
        .insert(header::AUTHORIZATION, auth.clone());
    let agent = concat!("luot-kiosk/", env!("CARGO_PKG_VERSION"));
    request
        .headers_mut()
        .insert(header::USER_AGENT, HeaderValue::from_static(agent));
    match tokio::time::timeout(
        timings.connect_timeout,
        tokio_tungstenite::connect_async(request),
    )
    .await
    {
        Ok(Ok((ws, _response))) => Ok(ws),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp))) => Err(format!(
            "server refused the websocket: HTTP {} (is the device token valid?)",
            resp.status()
        )),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("connection timed out".into()),
    }
}
