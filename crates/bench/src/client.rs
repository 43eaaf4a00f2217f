//! A lean HTTP/1.1 client: one keep-alive connection per simulated device,
//! straight on hyper. The load generator shares two cores with the server, so
//! every microsecond it spends per request is taken from the figure it measures;
//! a pooled high-level client would cost noticeably more.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{anyhow, Context};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

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
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            host: addr.to_string(),
            sender: None,
            auth: None,
        }
    }

    pub fn with_auth(mut self, header: Option<String>) -> Self {
        self.auth = header;
        self
    }

    async fn sender(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.addr)
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
