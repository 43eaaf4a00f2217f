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
//! Heartbeats: the server sends a websocket ping every 20 s and closes the
//! connection after 60 s without hearing anything (pong or message). Browsers
//! cannot send ping frames, so pages send `{"type":"ping"}` every ~20 s and
//! reconnect (with `?after=<last id>`) when nothing has arrived for ~60 s. On
//! shutdown the server sends a close frame (1001, going away).

use std::time::Instant;

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
/// drops connections silent for 60 s; clients may send `{"type":"ping"}` and get
/// `{"type":"pong"}`. Audience: public.
#[utoipa::path(get, path = "/api/v1/centres/{centre}/events", tag = "display",
    params(("centre" = String, Path), EventsQuery),
    responses((status = 101, description = "switching to the websocket protocol"),
        (status = 404, body = crate::error::ErrorBody),
        (status = 426, body = crate::error::ErrorBody, description = "not a websocket request")))]
pub async fn events(
    State(state): State<AppState>,
    Path(centre): Path<String>,
    Query(q): Query<EventsQuery>,
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
    // Small buffers: displays only read, and ten thousand of them must fit in
    // little memory. Clients send nothing but pings. Writes are buffered up to
    // a few frames (the buffer grows only as far as it is used) so a backlog
    // of events leaves in one write; every send flushes.
    Ok(ws
        .read_buffer_size(1024)
        .write_buffer_size(4096)
        .max_message_size(16 * 1024)
        .max_frame_size(16 * 1024)
        .on_upgrade(move |socket| async move {
            let after = q.after.filter(|&a| a >= 0);
            if let Err(e) = follow(socket, state, centre, after).await {
                tracing::debug!(error = %e, "event stream ended");
            }
        }))
}

#[derive(Deserialize)]
struct ClientMessage {
    #[serde(rename = "type")]
    kind: String,
}

/// Why a connection ended early; only logged.
type Closed = Box<dyn std::error::Error + Send + Sync>;

async fn follow(
    mut socket: WebSocket,
    state: AppState,
    centre: CentreCode,
    after: Option<i64>,
) -> Result<(), Closed> {
    // Subscribe first, then read: whatever commits in between arrives on `rx`
    // and is dropped if the snapshot or log already covered it.
    let mut rx = state.hub.subscribe(&centre);
    let mut last = match after {
        Some(after) => resume(&mut socket, &state, &centre, after).await?,
        None => send_snapshot(&mut socket, &state, &centre).await?,
    };
    let settings = state.stream;
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + settings.ping_every,
        settings.ping_every,
    );
    let mut heard = Instant::now();
    let shutdown = state.shutting_down();
    tokio::pin!(shutdown);
    loop {
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
                                socket.feed(Message::Text(json)).await?;
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
                            match send_snapshot(&mut socket, &state, &centre).await {
                                Ok(id) => last = id,
                                // The database could not answer (a busy pool, an
                                // outage): say so, so the client reconnects with
                                // `?after=` instead of seeing a reset.
                                Err(e) => {
                                    tracing::warn!(error = %e, "resync failed; closing the stream");
                                    return close(socket, 1011, "resync failed; reconnect").await;
                                }
                            }
                        }
                        Err(RecvError::Closed) => {
                            socket.flush().await?;
                            return close(socket, 1011, "event hub stopped").await;
                        }
                    }
                }
                socket.flush().await?;
            },
            msg = socket.recv() => {
                heard = Instant::now();
                match msg {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                    Some(Ok(Message::Text(t))) => {
                        if serde_json::from_str::<ClientMessage>(&t).is_ok_and(|m| m.kind == "ping") {
                            socket.send(Message::Text(Utf8Bytes::from_static(r#"{"type":"pong"}"#))).await?;
                        }
                    }
                    Some(Ok(_)) => {}
                }
            },
            _ = ping.tick() => {
                if heard.elapsed() >= settings.silence_timeout {
                    return close(socket, 1001, "no heartbeat").await;
                }
                socket.send(Message::Ping(Default::default())).await?;
            },
            () = &mut shutdown => return close(socket, 1001, "server shutting down").await,
        }
    }
}

/// Sends the events after `after` from the log, or a snapshot when the gap is
/// too large. Returns the last id sent.
async fn resume(
    socket: &mut WebSocket,
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
        return send_snapshot(socket, state, centre).await;
    }
    let mut last = after;
    for e in events {
        socket
            .send(Message::Text(serde_json::to_string(&e)?.into()))
            .await?;
        last = e.id;
    }
    Ok(last)
}

async fn send_snapshot(
    socket: &mut WebSocket,
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
    socket.send(Message::Text(json)).await?;
    Ok(id)
}

async fn close(mut socket: WebSocket, code: u16, reason: &'static str) -> Result<(), Closed> {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    socket.send(Message::Close(Some(frame))).await?;
    Ok(())
}
