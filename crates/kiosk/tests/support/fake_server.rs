//! A stand-in for the Lượt server's kiosk agent endpoint: accepts the websocket, records the path
//! and Authorization header, and lets a test send jobs and read the kiosk's messages.

use futures::{SinkExt, StreamExt};
use luot_print::{KioskMessage, ServerMessage};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Generous upper bound for anything the client should do promptly; never slept, only awaited.
pub const PATIENCE: Duration = Duration::from_secs(15);

pub struct FakeServer {
    listener: TcpListener,
}

impl FakeServer {
    pub async fn bind(addr: &str) -> FakeServer {
        FakeServer {
            listener: TcpListener::bind(addr).await.unwrap(),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap()
    }

    /// Waits for the next kiosk connection and completes the websocket handshake.
    pub async fn accept(&self) -> Agent {
        let (tcp, _) = tokio::time::timeout(PATIENCE, self.listener.accept())
            .await
            .expect("kiosk connects")
            .unwrap();
        let mut seen = (String::new(), None);
        let seen_ref = &mut seen;
        // The callback's error type is tungstenite's, large by design; we never return it.
        #[allow(clippy::result_large_err)]
        let callback = |req: &Request, resp: Response| {
            seen_ref.0 = req.uri().path().to_owned();
            seen_ref.1 = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            Ok(resp)
        };
        let ws = tokio_tungstenite::accept_hdr_async(tcp, callback)
            .await
            .unwrap();
        Agent {
            ws,
            path: seen.0,
            authorization: seen.1,
        }
    }
}

/// One kiosk connection, seen from the server.
pub struct Agent {
    pub ws: WebSocketStream<TcpStream>,
    pub path: String,
    pub authorization: Option<String>,
}

impl Agent {
    pub async fn send(&mut self, msg: &ServerMessage) {
        self.ws
            .send(Message::text(serde_json::to_string(msg).unwrap()))
            .await
            .unwrap();
    }

    pub async fn print(&mut self, job_id: u64, ticket: &luot_print::TicketPrint) {
        self.send(&ServerMessage::Print {
            job_id,
            ticket: Box::new(ticket.clone()),
            expires_at: None,
            sent_at: None,
        })
        .await;
    }

    /// The next protocol message, skipping websocket control frames.
    pub async fn recv(&mut self) -> KioskMessage {
        self.try_recv().await.expect("kiosk sends a message")
    }

    /// Like `recv`, but `None` when the kiosk closed the connection.
    pub async fn try_recv(&mut self) -> Option<KioskMessage> {
        // One deadline for the whole wait: the client's keepalive pings must not extend it.
        let wait = async {
            loop {
                match self.ws.next().await {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return None,
                    Some(Ok(Message::Text(t))) => {
                        return Some(serde_json::from_str(t.as_str()).unwrap())
                    }
                    Some(Ok(_)) => continue,
                }
            }
        };
        tokio::time::timeout(PATIENCE, wait)
            .await
            .expect("kiosk message in time")
    }

    /// Reads messages until `want` matches one, returning everything read on the way (inclusive).
    pub async fn recv_until(&mut self, want: impl Fn(&KioskMessage) -> bool) -> Vec<KioskMessage> {
        let mut seen = Vec::new();
        loop {
            let m = self.recv().await;
            let done = want(&m);
            seen.push(m);
            if done {
                return seen;
            }
        }
    }

    /// A ping/pong round trip: every message the kiosk sent before answering is returned, which
    /// proves nothing else (say, a second ack) was queued ahead of it.
    pub async fn drain_with_ping(&mut self) -> Vec<KioskMessage> {
        self.send(&ServerMessage::Ping).await;
        let mut seen = self.recv_until(|m| *m == KioskMessage::Pong).await;
        seen.pop();
        seen
    }
}
