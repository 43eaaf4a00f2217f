//! One websocket connection to the server, from `hello` to whatever ends it.
//!
//! The session only relays: print jobs go to the worker, acks and status changes come back. It
//! watches for a dead server itself, because a server that vanished without closing TCP (power
//! cut, NAT timeout) would otherwise leave the kiosk waiting forever: we ping every `keepalive`,
//! and if no frame at all arrives for `idle_timeout` the connection is abandoned.

use crate::config::Timings;
use crate::worker::Job;
use futures::{SinkExt, StreamExt};
use luot_print::{KioskMessage, Paper, PrinterStatus, ServerMessage};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Why a session ended; all of them lead to a reconnect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The server closed the connection.
    Closed,
    /// Nothing heard for `idle_timeout`.
    Silent,
    /// The transport failed.
    Error(String),
}

/// The worker's ends of the channels, lent to each session in turn.
pub struct Links<'a> {
    pub jobs: &'a mpsc::Sender<Job>,
    pub events: &'a mut mpsc::UnboundedReceiver<KioskMessage>,
    pub status: &'a mut watch::Receiver<PrinterStatus>,
}

/// Runs the protocol on a connected websocket until it ends.
pub async fn run(ws: &mut Ws, links: Links<'_>, paper: Paper, timings: &Timings) -> End {
    let printer = *links.status.borrow_and_update();
    let hello = KioskMessage::Hello {
        printer,
        paper,
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    if let Err(end) = send(ws, &hello, timings).await {
        return end;
    }
    let idle = tokio::time::sleep(timings.idle_timeout);
    tokio::pin!(idle);
    let mut keepalive =
        tokio::time::interval_at(Instant::now() + timings.keepalive, timings.keepalive);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);

    loop {
        tokio::select! {
            frame = ws.next() => {
                idle.as_mut().reset(Instant::now() + timings.idle_timeout);
                let text = match frame {
                    None => return End::Closed,
                    Some(Err(e)) => return End::Error(e.to_string()),
                    Some(Ok(Message::Close(_))) => return End::Closed,
                    Some(Ok(Message::Text(t))) => t,
                    // Pings are answered by tungstenite; pongs and binary frames only prove life.
                    Some(Ok(_)) => continue,
                };
                match serde_json::from_str::<ServerMessage>(text.as_str()) {
                    Ok(ServerMessage::Print { job_id, ticket, expires_at, sent_at }) => {
                        tracing::debug!(job_id, number = %ticket.number, "print job received");
                        let deadline = deadline(expires_at, sent_at);
                        if links.jobs.send(Job { id: job_id, ticket, deadline }).await.is_err() {
                            return End::Error("print worker stopped".into());
                        }
                    }
                    Ok(ServerMessage::Ping) => {
                        if let Err(end) = send(ws, &KioskMessage::Pong, timings).await {
                            return end;
                        }
                    }
                    // A newer server may send messages we do not know; ignoring them keeps us running.
                    Err(e) => tracing::warn!(error = %e, "ignoring unreadable server message"),
                }
            }
            Some(event) = links.events.recv() => {
                if let Err(end) = send(ws, &event, timings).await {
                    return end;
                }
            }
            Ok(()) = links.status.changed() => {
                let printer = *links.status.borrow_and_update();
                if let Err(end) = send(ws, &KioskMessage::Status { printer }, timings).await {
                    return end;
                }
            }
            _ = keepalive.tick() => {
                let ping = tokio::time::timeout(timings.idle_timeout, ws.send(Message::Ping(Default::default())));
                match ping.await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => return End::Error(e.to_string()),
                    Err(_) => return End::Silent,
                }
            }
            () = &mut idle => return End::Silent,
        }
    }
}

/// The job's deadline on this kiosk's clock: its remaining life by the server's clock when sent
/// (`expires_at - sent_at`), so clocks set minutes apart do not matter.
fn deadline(expires_at: Option<i64>, sent_at: Option<i64>) -> Option<Instant> {
    let expires_at = expires_at?;
    let now_ms = sent_at.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    });
    let left = u64::try_from(expires_at.saturating_sub(now_ms)).unwrap_or(0);
    Some(Instant::now() + std::time::Duration::from_millis(left))
}

/// Sends one protocol message; a send that cannot complete within the idle timeout means the
/// server stopped reading.
async fn send(ws: &mut Ws, msg: &KioskMessage, timings: &Timings) -> Result<(), End> {
    let json = serde_json::to_string(msg).map_err(|e| End::Error(e.to_string()))?;
    match tokio::time::timeout(timings.idle_timeout, ws.send(Message::text(json))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(End::Error(e.to_string())),
        Err(_) => Err(End::Silent),
    }
}
