//! The kiosk agent connection (`GET /api/v1/kiosks/{kiosk}/agent`): the server
//! side of `luot-kiosk`. It sends each print job of its kiosk, records
//! acknowledgements, failures and printer status, and re-sends every
//! unacknowledged job after a reconnect; the client's journal makes a re-sent
//! job already printed an acknowledgement without a second print. Jobs are found
//! in the database, woken by the committed `ticket_issued` events of the kiosk's
//! centre (which cross processes on PostgreSQL) and by a slow poll that cannot
//! miss, so a job reaches its kiosk whichever process it is connected to.
//! Jobs go out only after the kiosk's `hello`, which names its paper: the
//! centre's logo is sent already converted for that width.
//!
//! Each job carries `expires_at` ([`JOB_LIFE`] after it was made): the kiosk
//! drops it unprinted past that and answers `expired`; the server retires such
//! a job the same way. A job's answer is final (`ack` = printed, or `outcome`
//! unknown/failed/expired): it is never sent again by itself; a second copy is
//! a new job (`reprint_of`). One agent per device: a second connection
//! replaces the first, which is closed and stops printing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use luot_domain::{CentreCode, EventKind};
use luot_print::job::{KioskMessage, ServerMessage};
use luot_print::{Lang, Paper};
use luot_store::{KioskHealth, KioskReport};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::Notify;
use tokio::time::{interval, Instant, MissedTickBehavior};

use crate::state::AppState;

/// How often the server pings, and how long silence may last before the
/// connection is taken for dead.
const PING_EVERY: Duration = Duration::from_secs(20);
const DEAD_AFTER: Duration = Duration::from_secs(65);
/// A job still unprinted this long after it was made is not printed: the
/// citizen has long left the kiosk (whose page told them to note the number).
pub const JOB_LIFE: Duration = Duration::from_secs(10 * 60);

/// The live agent connection of each kiosk device, so a second connection
/// with the same token replaces the first.
#[derive(Default)]
pub struct Agents {
    live: Mutex<HashMap<i64, (u64, Arc<Notify>)>>,
    next: std::sync::atomic::AtomicU64,
}

impl Agents {
    /// Registers a new connection of `device`; the previous one, if any, is
    /// told to stop. Returns this connection's generation and its stop signal.
    fn claim(&self, device: i64) -> (u64, Arc<Notify>, bool) {
        let generation = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let stop = Arc::new(Notify::new());
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let replaced = live.insert(device, (generation, stop.clone()));
        if let Some((_, old)) = &replaced {
            // notify_one stores a permit, so the old loop stops even if it is
            // not waiting right now.
            old.notify_one();
        }
        (generation, stop, replaced.is_some())
    }

    /// Forgets the connection unless a newer one already took its place.
    fn release(&self, device: i64, generation: u64) {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        if live.get(&device).is_some_and(|(g, _)| *g == generation) {
            live.remove(&device);
        }
    }
}
/// The fallback poll for jobs whose wake-up was missed.
const POLL_EVERY: Duration = Duration::from_secs(5);

/// Who the connection belongs to.
pub struct Agent {
    pub device_id: i64,
    pub centre: CentreCode,
    /// Base of the QR URL printed on tickets.
    pub base_url: String,
}

/// What one connection has learnt so far.
#[derive(Default)]
struct Session {
    /// The printer's paper, from `hello`; no job is sent before it is known.
    paper: Option<Paper>,
    /// The last job sent on this connection.
    sent_up_to: i64,
}

/// A kiosk reported connected but unheard for longer than this is shown as
/// disconnected: its server process may have died without recording the close.
/// Live agents answer a ping every [`PING_EVERY`].
pub const QUIET_AFTER: Duration = DEAD_AFTER;

/// `health` as of `now`: `connected` only while the agent was heard recently.
pub fn as_of(mut health: KioskHealth, now: jiff::Timestamp) -> KioskHealth {
    let quiet = now.duration_since(health.last_seen);
    if quiet > jiff::SignedDuration::try_from(QUIET_AFTER).unwrap_or(jiff::SignedDuration::MAX) {
        health.connected = false;
    }
    health
}

/// Runs one agent connection until it closes, dies or the server shuts down.
pub async fn run(mut socket: WebSocket, state: AppState, agent: Agent) {
    let (generation, replaced, took_over) = state.kiosk_agents.claim(agent.device_id);
    if took_over {
        tracing::warn!(
            device = agent.device_id,
            "a second print agent connected with this kiosk's token; it replaces the first, which stops printing"
        );
    }
    let mut events = state.store.subscribe();
    report(
        &state,
        agent.device_id,
        KioskReport {
            connected: true,
            ..Default::default()
        },
    )
    .await;
    tracing::info!(device = agent.device_id, "kiosk agent connected");
    let mut session = Session::default();
    let mut ping = interval(PING_EVERY);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut poll = interval(POLL_EVERY);
    poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let shutdown = state.shutting_down();
    tokio::pin!(shutdown);
    loop {
        let ok = tokio::select! {
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(text))) => {
                    last_heard = Instant::now();
                    handle(&state, &agent, &mut socket, &mut session, text.as_str()).await
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => false,
                Some(Ok(_)) => { last_heard = Instant::now(); true }
            },
            ev = events.recv() => match ev {
                Ok(e) if e.centre == agent.centre && matches!(e.kind, EventKind::TicketIssued { .. }) => {
                    send_pending(&state, &agent, &mut socket, &mut session).await
                }
                Ok(_) => true,
                Err(RecvError::Lagged(_)) => send_pending(&state, &agent, &mut socket, &mut session).await,
                Err(RecvError::Closed) => false,
            },
            _ = poll.tick() => send_pending(&state, &agent, &mut socket, &mut session).await,
            _ = ping.tick() => {
                last_heard.elapsed() < DEAD_AFTER && send(&mut socket, &ServerMessage::Ping).await
            }
            () = &mut shutdown => {
                let _ = socket.send(Message::Close(None)).await;
                false
            }
            () = replaced.notified() => {
                tracing::warn!(device = agent.device_id, "print agent replaced by a newer connection; closing this one");
                let close = axum::extract::ws::CloseFrame {
                    code: 4409,
                    reason: "replaced by another agent with this token".into(),
                };
                let _ = socket.send(Message::Close(Some(close))).await;
                return;
            }
        };
        if !ok {
            break;
        }
    }
    state.kiosk_agents.release(agent.device_id, generation);
    report(
        &state,
        agent.device_id,
        KioskReport {
            connected: false,
            ..Default::default()
        },
    )
    .await;
    tracing::info!(device = agent.device_id, "kiosk agent disconnected");
}

async fn handle(
    state: &AppState,
    agent: &Agent,
    socket: &mut WebSocket,
    session: &mut Session,
    text: &str,
) -> bool {
    let msg: KioskMessage = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(device = agent.device_id, error = %e, "unreadable kiosk message");
            return true;
        }
    };
    let now = state.now();
    let store = &state.store;
    let result = match msg {
        KioskMessage::Hello {
            printer,
            paper,
            version,
        } => {
            let r = KioskReport {
                connected: true,
                printer: Some(wire_name(&printer)),
                paper: Some(wire_name(&paper)),
                version: Some(version.chars().take(40).collect()),
                error: None,
            };
            let _ = store.report_kiosk(agent.device_id, r, now).await;
            // A hello starts a session on the client: send it everything pending.
            *session = Session {
                paper: Some(paper),
                sent_up_to: 0,
            };
            return send_pending(state, agent, socket, session).await;
        }
        KioskMessage::Ack { job_id } => {
            store
                .ack_print_job(agent.device_id, job_id as i64, now)
                .await
        }
        KioskMessage::Outcome {
            job_id,
            outcome,
            reason,
        } => {
            tracing::warn!(device = agent.device_id, job = job_id, outcome = outcome.as_str(), %reason, "print job not confirmed printed");
            store
                .finish_print_job(
                    agent.device_id,
                    job_id as i64,
                    outcome.as_str(),
                    &reason,
                    now,
                )
                .await
        }
        KioskMessage::Failed { job_id, reason } => {
            store
                .fail_print_job(agent.device_id, job_id as i64, &reason, now)
                .await
        }
        KioskMessage::Status { printer } => {
            let r = KioskReport {
                connected: true,
                printer: Some(wire_name(&printer)),
                ..Default::default()
            };
            store.report_kiosk(agent.device_id, r, now).await
        }
        // A pong refreshes `last_seen`, so every process can tell a live agent
        // from one whose server process died without saying goodbye.
        KioskMessage::Pong => {
            let r = KioskReport {
                connected: true,
                ..Default::default()
            };
            store.report_kiosk(agent.device_id, r, now).await
        }
    };
    if let Err(e) = result {
        tracing::warn!(device = agent.device_id, error = %e, "kiosk message not recorded");
    }
    true
}

/// Sends the jobs not yet sent on this connection (none before `hello`).
/// False when the socket failed.
async fn send_pending(
    state: &AppState,
    agent: &Agent,
    socket: &mut WebSocket,
    session: &mut Session,
) -> bool {
    let Some(paper) = session.paper else {
        return true;
    };
    let jobs = match state
        .store
        .pending_print_jobs(agent.device_id, session.sent_up_to)
        .await
    {
        Ok(jobs) => jobs,
        Err(e) => {
            tracing::warn!(device = agent.device_id, error = %e, "cannot read print jobs");
            return true;
        }
    };
    if jobs.is_empty() {
        return true;
    }
    let centre = match state.store.centre(&agent.centre).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(device = agent.device_id, error = %e, "cannot read the kiosk's centre");
            return true;
        }
    };
    let logo = state
        .logos
        .get(state.store.as_ref(), &agent.centre, paper)
        .await;
    for job in jobs {
        let ticket = match state
            .store
            .ticket_by_token(&job.ticket_token, state.now())
            .await
        {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(job = job.id, error = %e, "print job without its ticket");
                continue;
            }
        };
        let expires_at = job.created_at.as_millisecond()
            + i64::try_from(JOB_LIFE.as_millis()).unwrap_or(i64::MAX);
        let now = state.now();
        if let Some(why) = stale(&ticket, now, expires_at) {
            // Nobody is at the kiosk for this paper any more (the page told the
            // citizen to note the number); printing a backlog after a long
            // outage would only leave a pile of orphan tickets.
            tracing::warn!(job = job.id, ticket = %ticket.number, why, "print job retired unprinted");
            let _ = state
                .store
                .finish_print_job(agent.device_id, job.id, "expired", why, now)
                .await;
            session.sent_up_to = job.id;
            continue;
        }
        let booking = crate::printing::booking_of(state.store.as_ref(), &ticket).await;
        let documents = crate::printing::documents_of(state.store.as_ref(), &ticket, &centre).await;
        let print = crate::printing::ticket_print(
            &ticket,
            &centre,
            &agent.base_url,
            Lang::Vi,
            logo.as_deref().map(Vec::as_slice),
            booking.as_ref(),
            documents,
        );
        let mut print = print;
        print.reprint = job.reprint_of.is_some();
        let msg = ServerMessage::Print {
            job_id: job.id as u64,
            ticket: Box::new(print),
            expires_at: Some(expires_at),
            sent_at: Some(now.as_millisecond()),
        };
        if !send(socket, &msg).await {
            return false;
        }
        session.sent_up_to = job.id;
    }
    true
}

/// Why a job is not worth printing any more: its ticket was already served,
/// cancelled or transferred, or the job outlived [`JOB_LIFE`].
fn stale(
    t: &luot_store::TicketView,
    now: jiff::Timestamp,
    expires_at_ms: i64,
) -> Option<&'static str> {
    use luot_domain::TicketStatus::*;
    match t.status {
        Waiting | Called | Serving => {}
        Done | NoShow | Cancelled | Transferred | Expired => return Some("ticket finished"),
    }
    (now.as_millisecond() >= expires_at_ms).then_some("expired before it could print")
}

async fn send(socket: &mut WebSocket, msg: &ServerMessage) -> bool {
    match serde_json::to_string(msg) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => true,
    }
}

async fn report(state: &AppState, device_id: i64, r: KioskReport) {
    if let Err(e) = state.store.report_kiosk(device_id, r, state.now()).await {
        tracing::warn!(device = device_id, error = %e, "kiosk state not recorded");
    }
}

/// The snake_case wire name of a status or paper, as the protocol spells it.
fn wire_name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "unknown".into(),
    }
}
