//! `GET /api/v1/centres/{centre}/events`: the live event stream (websocket) that
//! displays, counters and status pages follow. Audience: public (events carry
//! ticket numbers, services and counters only).
//!
//! Protocol, server to client (text frames, JSON):
//! - first a snapshot `{"type":"snapshot", ...}` (see [`DisplaySnapshot`]), or,
//!   with `?after=ID`, every event of the centre with id > ID from the log;
//! - then every committed event of the centre, in commit order, as
//!   `{"id","centre","at","type",...}` (`luot_domain::Event`);
//! - a fresh snapshot whenever the client fell behind (or the resume gap was
//!   too large, or ID is not in this database): replace the state, announce
//!   nothing from it;
//! - `{"type":"pong"}` in answer to a client's `{"type":"ping"}`.
//!
//! Heartbeats: the server sends a websocket ping every 20 s carrying a random
//! payload, and drops the connection when that ping is not answered (a pong
//! with the same payload) within `--ws-ping-timeout` (30 s). Only a peer that
//! reads what we send can answer, so a frozen screen, or a client that writes
//! `{"type":"ping"}` and never reads, is dropped: its messages do not count.
//! Every write must also be taken within that time, and the write buffer is
//! bounded, so a peer that stops reading cannot hold memory. Browsers answer
//! ping frames themselves; pages also send `{"type":"ping"}` every ~20 s (to
//! learn that the server is alive) and reconnect (with `?after=<last id>`) when
//! nothing has arrived for ~60 s. On shutdown the server sends a close frame
//! (1001, going away).
//!
//! Caps (`crate::ws_caps`): anonymous clients get at most `--ws-per-address`
//! streams per address (429), everyone at most `--max-websockets` (503).

use std::time::Duration;

use axum::{
    extract::{
        ws::{rejection::WebSocketUpgradeRejection, CloseFrame, Message, Utf8Bytes, WebSocket},
        State, WebSocketUpgrade,
    },
    http::StatusCode,
    response::Response,
    routing::get,
    Router,
};
use futures::SinkExt;
use luot_domain::CentreCode;
use serde::Deserialize;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::display::{self, DisplaySnapshot};
use crate::{
    auth::{Caller, ClientIp},
    error::{ApiError, ApiResult},
    extract::{Path, Query},
    hub::Frame,
    state::{centre_code, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/centres/{centre}/events", get(events))
}

/// A resume further back than this many events gets a snapshot instead. It is
/// above the hub's per-centre buffer, so a connection dropped for lagging (at
/// most that many events behind) resumes from the log when it reconnects at
/// once. A display shows replayed calls without announcing stale ones.
pub const MAX_RESUME: u32 = 5000;
const _: () = assert!(MAX_RESUME as usize > crate::hub::Hub::DEFAULT_CAPACITY);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EventsQuery {
    /// The last event id the client has seen: the stream resumes after it.
    pub after: Option<i64>,
}

/// Live events of a centre (websocket).
///
/// A GET that upgrades to a websocket. The first message is a snapshot `{"type":"snapshot", ...}` (the `DisplaySnapshot`
/// schema, the same as `GET /api/v1/centres/{centre}/display`); with
/// `?after=ID` it is instead every event with id > ID (a snapshot if more than
/// 1000 or ID is unknown). Then every committed event of the centre as
/// `{"id": 41, "centre": "mo-cay", "at": "2026-11-26T02:15:00Z", "type":
/// "ticket_called", "number": "A012", "service": "A", "counter": 3}`; types:
/// ticket_issued, ticket_called, ticket_recalled, ticket_started,
/// ticket_completed, ticket_no_show, ticket_cancelled, ticket_expired, ticket_transferred,
/// counter_paused, counter_resumed, notice_changed, config_changed. A client
/// that falls behind gets a fresh snapshot. The server pings every 20 s and
/// drops connections that do not answer a ping within 30 s; clients may send
/// `{"type":"ping"}` and get `{"type":"pong"}`. An address may hold 50
/// anonymous streams (429 `too_many_connections` beyond), the server 10 000
/// in all (503 `too_many_connections`). Audience: public.
#[utoipa::path(get, path = "/api/v1/centres/{centre}/events", tag = "display",
    params(("centre" = String, Path), EventsQuery),
    responses((status = 101, description = "switching to the websocket protocol"),
        (status = 404, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody, description = "too_many_connections: this address has its share of streams"),
        (status = 503, body = crate::error::ErrorBody, description = "too_many_connections: the server has as many streams as it takes"),
        (status = 426, body = crate::error::ErrorBody, description = "not a websocket request")))]
pub async fn events(
    State(state): State<AppState>,
    Path(centre): Path<String>,
    Query(q): Query<EventsQuery>,
    ip: ClientIp,
    caller: Result<Caller, ApiError>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let centre = centre_code(&centre)?;
    // Unknown centres get a 404 before the upgrade. Known ones skip the
    // database, so a storm of reconnecting displays upgrades at once and does
    // not sit on HTTP buffers waiting for the pool.
    if !state.hub.is_known(&centre) {
        state.store.last_event_id(&centre).await?;
        state.hub.mark_known(&centre);
    }
    let ws = ws.map_err(|_| {
        ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "websocket_required",
            "Đường dẫn này chỉ dùng được qua WebSocket",
            "This path needs a WebSocket connection",
        )
    })?;
    // Staff consoles (session cookie) and devices are exempt from the
    // per-address cap; anyone else, including a wrong credential on this
    // public stream, counts against their address.
    let address = match caller {
        Ok(Caller::Staff(_) | Caller::Device(_)) => None,
        Ok(Caller::Anonymous) | Err(_) => Some(ip.key()),
    };
    let slot = state.websockets.take(address)?;
    // Small buffers: displays only read, and ten thousand of them must fit in
    // little memory. Clients send nothing but pings. Writes are buffered up to
    // a few frames (the buffer grows only as far as it is used) so a backlog
    // of events leaves in one write; every send flushes. The buffer never
    // grows past MAX_WRITE_BUFFER: a peer that stops reading gets an error
    // (or the write timeout) instead of our memory.
    Ok(ws
        .read_buffer_size(1024)
        .write_buffer_size(4096)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(16 * 1024)
        .max_frame_size(16 * 1024)
        .on_upgrade(move |socket| async move {
            let _slot = slot;
            let after = q.after.filter(|&a| a >= 0);
            let peer = Peer {
                socket,
                write_timeout: state.stream.ping_timeout,
            };
            if let Err(e) = follow(peer, state, centre, after).await {
                tracing::debug!(error = %e, "event stream ended");
            }
        }))
}

/// The most a connection buffers in user space before a write fails: a
/// snapshot of a busy centre and a backlog of events fit.
const MAX_WRITE_BUFFER: usize = 1024 * 1024;

/// The socket, with every write bounded in time: a peer that stops reading
/// fills its TCP window and then our send buffer, and a write that cannot
/// finish within `write_timeout` ends the connection.
struct Peer {
    socket: WebSocket,
    write_timeout: Duration,
}

impl Peer {
    async fn send(&mut self, msg: Message) -> Result<(), Closed> {
        let t = self.write_timeout;
        timed(t, self.socket.send(msg)).await
    }

    async fn feed(&mut self, msg: Message) -> Result<(), Closed> {
        let t = self.write_timeout;
        timed(t, self.socket.feed(msg)).await
    }

    async fn flush(&mut self) -> Result<(), Closed> {
        let t = self.write_timeout;
        timed(t, self.socket.flush()).await
    }
}

async fn timed(
    limit: Duration,
    write: impl std::future::Future<Output = Result<(), axum::Error>>,
) -> Result<(), Closed> {
    match tokio::time::timeout(limit, write).await {
        Ok(r) => Ok(r?),
        Err(_) => Err("write timed out: the peer does not read".into()),
    }
}

#[derive(Deserialize)]
struct ClientMessage {
    #[serde(rename = "type")]
    kind: String,
}

/// Why a connection ended early; only logged.
type Closed = Box<dyn std::error::Error + Send + Sync>;

async fn follow(
    mut peer: Peer,
    state: AppState,
    centre: CentreCode,
    after: Option<i64>,
) -> Result<(), Closed> {
    // Subscribe first, then read: whatever commits in between arrives on `rx`
    // and is dropped if the snapshot or log already covered it.
    let mut rx = state.hub.subscribe(&centre);
    let mut last = match after {
        Some(after) => resume(&mut peer, &state, &centre, after).await?,
        None => send_snapshot(&mut peer, &state, &centre).await?,
    };
    let settings = state.stream;
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + settings.ping_every,
        settings.ping_every,
    );
    // The ping waiting for its answer: its random payload and the instant by
    // which the pong must arrive. One at a time; the next ping goes out
    // after the answer.
    let mut unanswered: Option<([u8; 8], tokio::time::Instant)> = None;
    let shutdown = state.shutting_down();
    tokio::pin!(shutdown);
    loop {
        let deadline = unanswered.map(|(_, by)| by);
        tokio::select! {
            frame = rx.recv() => {
                // Frames already queued behind this one go out in the same
                // write: a connection that fell behind (a burst of events, a
                // busy machine) catches up with one system call, not one each.
                let mut next = Some(frame);
                while let Some(frame) = next.take() {
                    match frame {
                        Ok(Frame::Event { id, json }) => {
                            if id > last {
                                peer.feed(Message::Text(json)).await?;
                                last = id;
                            }
                            next = match rx.try_recv() {
                                Ok(f) => Some(Ok(f)),
                                Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
                                Err(TryRecvError::Closed) => Some(Err(RecvError::Closed)),
                                Err(TryRecvError::Empty) => None,
                            };
                        }
                        Ok(Frame::Resync) | Err(RecvError::Lagged(_)) => {
                            match send_snapshot(&mut peer, &state, &centre).await {
                                Ok(id) => last = id,
                                // The database could not answer (a busy pool, an
                                // outage): say so, so the client reconnects with
                                // `?after=` instead of seeing a reset.
                                Err(e) => {
                                    tracing::warn!(error = %e, "resync failed; closing the stream");
                                    return close(peer, 1011, "resync failed; reconnect").await;
                                }
                            }
                        }
                        Err(RecvError::Closed) => {
                            peer.flush().await?;
                            return close(peer, 1011, "event hub stopped").await;
                        }
                    }
                }
                peer.flush().await?;
            },
            msg = peer.socket.recv() => {
                match msg {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                    Some(Ok(Message::Pong(payload))) => {
                        if unanswered.is_some_and(|(sent, _)| payload[..] == sent[..]) {
                            unanswered = None;
                        }
                    }
                    // Answered, but not proof of reading: it does not put the
                    // deadline off.
                    Some(Ok(Message::Text(t))) => {
                        if serde_json::from_str::<ClientMessage>(&t).is_ok_and(|m| m.kind == "ping") {
                            peer.send(Message::Text(Utf8Bytes::from_static(r#"{"type":"pong"}"#))).await?;
                        }
                    }
                    Some(Ok(_)) => {}
                }
            },
            _ = ping.tick(), if unanswered.is_none() => {
                let payload: [u8; 8] = rand::random();
                peer.send(Message::Ping(payload.to_vec().into())).await?;
                unanswered = Some((payload, tokio::time::Instant::now() + settings.ping_timeout));
            },
            () = until(deadline) => return close(peer, 1001, "no heartbeat").await,
            () = &mut shutdown => return close(peer, 1001, "server shutting down").await,
        }
    }
}

/// Completes at `deadline`, never without one.
async fn until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Sends the events after `after` from the log, or a snapshot when the gap is
/// too large. Returns the last id sent.
async fn resume(
    peer: &mut Peer,
    state: &AppState,
    centre: &CentreCode,
    after: i64,
) -> Result<i64, Closed> {
    let events = state
        .store
        .events_after(centre, after, MAX_RESUME + 1)
        .await?;
    // Too far behind, or an id this database never issued (another database,
    // a restore): start over from a snapshot.
    if events.len() > MAX_RESUME as usize
        || (events.is_empty() && after > state.store.last_event_id(centre).await?)
    {
        return send_snapshot(peer, state, centre).await;
    }
    let mut last = after;
    for e in events {
        peer.send(Message::Text(serde_json::to_string(&e)?.into()))
            .await?;
        last = e.id;
    }
    Ok(last)
}

async fn send_snapshot(
    peer: &mut Peer,
    state: &AppState,
    centre: &CentreCode,
) -> Result<i64, Closed> {
    let (id, json) = state
        .hub
        .snapshot(centre, || async {
            let snap: DisplaySnapshot = display::snapshot(state, centre)
                .await
                .map_err(|e| format!("snapshot: {}", e.body.code))?;
            Ok::<_, Closed>((snap.last_event_id, serde_json::to_string(&snap)?.into()))
        })
        .await?;
    peer.send(Message::Text(json)).await?;
    Ok(id)
}

/// Says goodbye, within the write timeout (a peer that does not read is
/// dropped without it).
async fn close(mut peer: Peer, code: u16, reason: &'static str) -> Result<(), Closed> {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    peer.send(Message::Close(Some(frame))).await
}
