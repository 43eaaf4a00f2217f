//! The accept loop: every TCP connection is served by hyper's HTTP/1 server
//! with a header-read timeout, and the number of open connections is capped.
//!
//! `axum::serve` has neither, so a client that opens connections and never
//! finishes a request line (slowloris) held a socket and its buffers forever.
//! Here:
//! - a request's head must arrive within [`ConnLimits::header_read_timeout`]
//!   (10 s); hyper starts the same timer when a kept-alive connection waits for
//!   its next request, so an idle keep-alive connection is also closed after it;
//! - at most [`ConnLimits::max_connections`] connections are open at once
//!   (`--max-connections`, 4096); one more is answered `503` with `Retry-After`
//!   (without reading it) and closed at once, so the connections already open
//!   keep being served;
//! - a websocket leaves the count when it upgrades: the event stream has caps of
//!   its own (`routes::events`).
//!
//! On shutdown the loop stops accepting, idle connections close, requests in
//! flight finish, and [`serve`] returns once every connection has ended.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::{extract::ConnectInfo, Router};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// Limits on connections (`--max-connections`, `--header-read-timeout`).
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// Connections open at once; one more gets 503 and is closed.
    pub max_connections: usize,
    /// How long a client may take to send a request's head, and how long a
    /// kept-alive connection may sit idle before its next request.
    pub header_read_timeout: Duration,
}

impl ConnLimits {
    pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
}

impl Default for ConnLimits {
    fn default() -> Self {
        Self {
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            header_read_timeout: Self::DEFAULT_HEADER_READ_TIMEOUT,
        }
    }
}

/// What a connection over the cap is told before it is closed: a 503 with
/// `Retry-After`, in the API's error shape.
fn busy() -> &'static [u8] {
    static BUSY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BUSY.get_or_init(|| {
        let body = serde_json::json!({
            "code": "too_many_connections",
            "message": "Máy chủ đang quá tải, vui lòng thử lại sau",
            "message_en": "The server has too many connections, retry shortly",
        })
        .to_string();
        format!(
            "HTTP/1.1 503 Service Unavailable\r\nretry-after: 5\r\ncontent-type: application/json\r\n\
             connection: close\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    })
}

/// Serves `router` on `listener` until `shutdown` flips to `true`, then waits
/// for the open connections to end.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let open = Arc::new(Semaphore::new(max));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|down| *down) => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather
                // than spin, and keep serving the connections already open.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            // Never awaited: a client that does not read cannot hold the loop.
            let _ = stream.try_write(busy());
            tracing::debug!(%peer, "connection refused: too many open");
            continue;
        };
        let router = router.clone();
        let shutdown = shutdown.clone();
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            connection(stream, peer, router, limits, shutdown).await;
            drop(permit);
        });
    }
    // Every permit back: every connection has ended.
    let _all = open.acquire_many(max as u32).await;
    Ok(())
}

/// Serves one connection until it ends, or, once shutdown begins, until its
/// request in flight is answered.
pub async fn connection<S>(
    stream: S,
    peer: SocketAddr,
    router: Router,
    limits: ConnLimits,
    mut shutdown: watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = router.map_request(move |mut req: axum::http::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let conn = builder
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
            return;
        }
        _ = shutdown.wait_for(|down| *down) => {}
    }
    // Shutting down: finish the request in flight, then close.
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::{routing::get, Router};
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
    use tokio::time::timeout;

    /// A connection served as the accept loop serves it, over an in-memory pipe.
    fn served() -> (DuplexStream, tokio::sync::watch::Sender<bool>) {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let router = Router::new().route("/", get(|| async { "ok" }));
        let (tx, rx) = tokio::sync::watch::channel(false);
        let peer = "127.0.0.1:9".parse().unwrap();
        tokio::spawn(super::connection(
            server,
            peer,
            router,
            super::ConnLimits::default(),
            rx,
        ));
        (client, tx)
    }

    /// Reads until the server closes; `None` if it is still open after `wait`.
    async fn closed_within(client: &mut DuplexStream, wait: Duration) -> Option<Vec<u8>> {
        let mut got = Vec::new();
        timeout(wait, client.read_to_end(&mut got))
            .await
            .ok()?
            .ok()?;
        Some(got)
    }

    /// A client that never finishes its headers is dropped after 10 s (the
    /// default), not before.
    #[tokio::test(start_paused = true)]
    async fn unfinished_headers_are_dropped_after_ten_seconds() {
        let (mut client, _tx) = served();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        assert!(closed_within(&mut client, Duration::from_millis(9_900))
            .await
            .is_none());
        assert!(closed_within(&mut client, Duration::from_millis(200))
            .await
            .is_some());
    }

    /// A kept-alive connection waiting for its next request is closed after
    /// the same 10 s.
    #[tokio::test(start_paused = true)]
    async fn an_idle_keep_alive_connection_is_closed_after_ten_seconds() {
        let (mut client, _tx) = served();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        let n = client.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{:?}", &buf[..n]);
        assert!(closed_within(&mut client, Duration::from_millis(9_900))
            .await
            .is_none());
        assert!(closed_within(&mut client, Duration::from_millis(200))
            .await
            .is_some());
    }

    /// On shutdown an idle connection closes at once.
    #[tokio::test(start_paused = true)]
    async fn shutdown_closes_idle_connections() {
        let (mut client, tx) = served();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        let n = client.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        tx.send_replace(true);
        assert!(closed_within(&mut client, Duration::from_millis(100))
            .await
            .is_some());
    }

    #[test]
    fn the_busy_answer_is_well_formed() {
        let text = std::str::from_utf8(super::busy()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(len, body.len());
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["code"], "too_many_connections");
        assert!(head.starts_with("HTTP/1.1 503 ") && head.contains("retry-after: 5"));
    }
}
