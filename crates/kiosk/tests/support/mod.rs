//! Test doubles for the kiosk client: a websocket server speaking the agent protocol and a
//! network printer on port 9100, both on 127.0.0.1, plus a handle to run and stop the client.
#![allow(dead_code)]

pub mod fake_printer;
pub mod fake_server;

use luot_kiosk::backoff::BackoffPolicy;
use luot_kiosk::{Config, Timings};
use luot_print::driver::Timeouts;
use luot_print::{PrinterProfile, PrinterSpec, TicketPrint};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Short delays so reconnects and retries happen within milliseconds.
pub fn fast_timings() -> Timings {
    Timings {
        connect_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(20),
        keepalive: Duration::from_secs(5),
        // Tests that want status polls set this lower.
        status_poll: Duration::from_secs(3600),
        stable_after: Duration::from_secs(3600),
        reconnect: BackoffPolicy {
            base: Duration::from_millis(10),
            max: Duration::from_millis(50),
        },
        print_retry: BackoffPolicy {
            base: Duration::from_millis(10),
            max: Duration::from_millis(50),
        },
        printer: Timeouts {
            connect: Duration::from_secs(2),
            write: Duration::from_secs(5),
            status: Duration::from_millis(500),
            confirm: Duration::from_secs(5),
        },
    }
}

/// Client logs in test output when `RUST_LOG` is set (e.g. `RUST_LOG=luot_kiosk=debug`).
pub fn init_logs() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .try_init();
    }
}

pub fn config(server_port: u16, printer_port: u16, state_dir: PathBuf) -> Config {
    init_logs();
    Config {
        agent_url: format!("ws://127.0.0.1:{server_port}/api/v1/kiosks/me/agent"),
        token: "device-token-123".into(),
        printer: PrinterSpec::Tcp {
            host: "127.0.0.1".into(),
            port: printer_port,
        },
        profile: PrinterProfile::default(),
        state_dir,
        timings: fast_timings(),
        ui: None,
    }
}

/// A fresh state directory per test.
pub fn state_dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("luot-kiosk-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// A running client that stops when asked (or dropped).
pub struct Client {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Client {
    pub fn start(config: Config) -> Client {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            luot_kiosk::run(config, async {
                let _ = stopped.await;
            })
            .await
            .expect("client runs");
        });
        Client {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the client and waits until it has shut down.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap();
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// A ticket whose number is easy to spot in logs.
pub fn ticket(number: &str) -> TicketPrint {
    TicketPrint {
        number: number.into(),
        qr_url: format!("http://127.0.0.1/t/{number}"),
        ..TicketPrint::sample()
    }
}
