//! PostgreSQL for server tests: a fresh database per test, and a TCP proxy
//! between the server and PostgreSQL that a test can cut, silence and restore (the
//! machine's PostgreSQL is shared, so it is never restarted by a test).
//! Shared by the `api` and `processes` test targets via `#[path]`.

// Each target uses a part of this file.
#![allow(dead_code)]

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The admin URL, or None with the reason printed (the test then skips).
/// Under CI (`CI` set) a missing URL fails the test instead, so CI never
/// passes without having run it; a set but unreachable URL fails in
/// [`fresh_database`].
pub fn admin_url(test: &str) -> Option<String> {
    match std::env::var("LUOT_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) => {
            panic!("CI is set but LUOT_TEST_PG_URL is not: {test} cannot be skipped in CI")
        }
        _ => {
            eprintln!("skipping {test}: LUOT_TEST_PG_URL is not set");
            None
        }
    }
}

/// Creates a uniquely named database beside the one in `admin_url`; returns
/// its URL. Left behind for inspection until the next run, like the store
/// story's (luot_store::testing).
pub async fn fresh_database(admin_url: &str) -> String {
    luot_store::testing::fresh_pg_database(admin_url, "luot_s").await
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

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Up,
    /// Open connections are closed; new ones are accepted and closed at once
    /// (what a restarting server or a reset link looks like).
    Cut,
    /// Nothing moves and nothing is closed: connections, old and new, stay
    /// open in silence (a black-holed network, the case timeouts are for).
    Silent,
}

/// A TCP proxy in front of PostgreSQL that a test can cut, silence and restore.
pub struct Proxy {
    pub addr: SocketAddr,
    mode: watch::Sender<Mode>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(database_url: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (mode, _) = watch::channel(Mode::Up);
        let target = upstream(database_url);
        let task = tokio::spawn({
            let mode = mode.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    let mut watch = mode.subscribe();
                    let target = target.clone();
                    tokio::spawn(async move {
                        let now = *watch.borrow_and_update();
                        if now != Mode::Up {
                            // Refused (Cut) or held in silence until restored.
                            if now == Mode::Silent {
                                let _ = watch.wait_for(|m| *m == Mode::Up).await;
                            }
                            drop(client);
                            return;
                        }
                        let Ok(mut server) = TcpStream::connect(&target).await else {
                            return;
                        };
                        let mut client = client;
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                            _ = watch.wait_for(|m| *m != Mode::Up) => {}
                        }
                        // Silent: keep both ends open, saying nothing, until
                        // restored; then drop them (the stream is torn anyway).
                        if *watch.borrow() == Mode::Silent {
                            let _ = watch.wait_for(|m| *m == Mode::Up).await;
                        }
                    });
                }
            }
        });
        Self { addr, mode, task }
    }

    /// The database URL with the proxy in place of the server.
    pub fn url(&self, database_url: &str) -> String {
        database_url.replacen(&upstream(database_url), &self.addr.to_string(), 1)
    }

    pub fn cut(&self) {
        self.mode.send_replace(Mode::Cut);
    }

    pub fn silence(&self) {
        self.mode.send_replace(Mode::Silent);
    }

    pub fn restore(&self) {
        self.mode.send_replace(Mode::Up);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
