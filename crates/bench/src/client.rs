//! A lean HTTP/1.1 client: one keep-alive connection per simulated device,
//! straight on hyper. The load generator shares two cores with the server, so
//! every microsecond it spends per request is taken from the figure it measures;
//! a pooled high-level client would cost noticeably more.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{anyhow, Context};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpSocket, TcpStream};

/// No single request may take longer than this; a stuck server ends the run
/// with errors rather than hanging it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A reply: status and body bytes.
pub struct Reply {
    pub status: u16,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        Ok(serde_json::from_slice(&self.body)?)
    }
}

/// One device's connection; reconnects after an error.
pub struct Conn {
    addr: SocketAddr,
    host: String,
    sender: Option<SendRequest<Full<Bytes>>>,
    /// Sent with every request (`Authorization: ...`) once auth needs it.
    auth: Option<String>,
    /// The local address to connect from (a citizen of its own), or any.
    source: Option<Ipv4Addr>,
}

/// A loopback address of its own for client `n` (127.b.c.d, never 127.0.0.x):
/// the server's per-address limits (booking: 60 requests a minute per
/// address; websockets: 50 anonymous streams per address) then see as many
/// clients as a real crowd would be, instead of one address doing everything.
/// Linux routes all of 127.0.0.0/8 to the loopback interface.
pub fn loopback_source(n: u64) -> Ipv4Addr {
    let d = 1 + (n % 250) as u8;
    let c = 1 + ((n / 250) % 250) as u8;
    let b = 1 + ((n / 62_500) % 250) as u8;
    Ipv4Addr::new(127, b, c, d)
}

/// Hands out fresh source addresses, one per call, over the whole run.
pub fn next_source() -> Ipv4Addr {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    loopback_source(NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Connects to `addr`, from `source` when given.
pub async fn connect(addr: SocketAddr, source: Option<Ipv4Addr>) -> std::io::Result<TcpStream> {
    match source {
        None => TcpStream::connect(addr).await,
        Some(ip) => {
            let socket = TcpSocket::new_v4()?;
            socket.bind(SocketAddr::from((ip, 0)))?;
            socket.connect(addr).await
        }
    }
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            host: addr.to_string(),
            sender: None,
            auth: None,
            source: None,
        }
    }

    /// Connects from `ip` from now on (the next request opens a new connection).
    pub fn set_source(&mut self, ip: Ipv4Addr) {
        self.source = Some(ip);
        self.sender = None;
    }

    pub fn with_auth(mut self, header: Option<String>) -> Self {
        self.auth = header;
        self
    }

    async fn sender(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = connect(self.addr, self.source)
                .await
                .with_context(|| format!("connecting to {}", self.addr))?;
            stream.set_nodelay(true)?;
            let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
            // The connection task ends when the sender is dropped or the peer closes.
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        self.sender.as_mut().ok_or_else(|| anyhow!("no connection"))
    }

    /// Sends one request and reads the whole reply.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        json: Option<&str>,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<Reply> {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(a) = &self.auth {
            req = req.header("authorization", a);
        }
        let body = match json {
            Some(j) => {
                req = req.header("content-type", "application/json");
                Full::new(Bytes::copy_from_slice(j.as_bytes()))
            }
            None => Full::new(Bytes::new()),
        };
        let req = req.body(body)?;
        let result = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let sender = self.sender().await?;
            sender.ready().await?;
            let resp = sender.send_request(req).await?;
            let status = resp.status().as_u16();
            let body = resp.into_body().collect().await?.to_bytes();
            anyhow::Ok(Reply { status, body })
        })
        .await;
        match result {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => {
                self.sender = None;
                Err(e)
            }
            Err(_) => {
                self.sender = None;
                Err(anyhow!("request timed out after {REQUEST_TIMEOUT:?}"))
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> anyhow::Result<Reply> {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn post(&mut self, path: &str, json: &str) -> anyhow::Result<Reply> {
        self.send(Method::POST, path, Some(json), &[]).await
    }

    pub async fn put(&mut self, path: &str, json: &str) -> anyhow::Result<Reply> {
        self.send(Method::PUT, path, Some(json), &[]).await
    }

    /// A POST with extra headers (an `Idempotency-Key`).
    pub async fn post_with(
        &mut self,
        path: &str,
        json: &str,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<Reply> {
        self.send(Method::POST, path, Some(json), headers).await
    }
}
