//! PostgreSQL for server tests: a fresh database per test, and a TCP proxy
//! between the server and PostgreSQL that a test can cut and restore (the
//! machine's PostgreSQL is shared, so it is never restarted by a test).
//! Shared by the `api` and `processes` test targets via `#[path]`.

// Each target uses a part of this file.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sqlx::Connection;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The admin URL, or None with the reason printed (the test then skips).
pub fn admin_url(test: &str) -> Option<String> {
    match std::env::var("LUOT_TEST_PG_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            eprintln!("skipping {test}: LUOT_TEST_PG_URL is not set");
            None
        }
    }
}

/// Creates a uniquely named database beside the one in `admin_url`; returns
/// its URL. Left behind for inspection, like the store story's.
pub async fn fresh_database(admin_url: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!(
        "luot_s{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        jiff::Timestamp::now().as_millisecond() % 1_000_000
    );
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("LUOT_TEST_PG_URL is set but PostgreSQL is unreachable: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let _ = admin.close().await;
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    format!("{base}/{name}")
}

/// `host:port` of a `postgres://user@host:port/db` URL.
fn upstream(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split_once('@').map_or(rest, |(_, r)| r);
    let hostport = rest.split('/').next().unwrap_or(rest);
    if hostport.contains(':') {
        hostport.to_owned()
    } else {
        format!("{hostport}:5432")
    }
}

/// A TCP proxy in front of PostgreSQL. `cut` closes every open connection and
/// refuses new ones (accepted, then closed at once) until `restore`.
pub struct Proxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    /// Bumped on every cut: open connections watch it and hang up.
    generation: watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(database_url: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let (generation, _) = watch::channel(0u64);
        let target = upstream(database_url);
        let task = tokio::spawn({
            let up = up.clone();
            let generation = generation.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    if !up.load(Ordering::SeqCst) {
                        drop(client);
                        continue;
                    }
                    let mut cut = generation.subscribe();
                    let target = target.clone();
                    tokio::spawn(async move {
                        let Ok(server) = TcpStream::connect(&target).await else {
                            return;
                        };
                        let (mut client, mut server) = (client, server);
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                            _ = cut.changed() => {}
                        }
                    });
                }
            }
        });
        Self {
            addr,
            up,
            generation,
            task,
        }
    }

    /// The database URL with the proxy in place of the server.
    pub fn url(&self, database_url: &str) -> String {
        database_url.replacen(&upstream(database_url), &self.addr.to_string(), 1)
    }

    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
