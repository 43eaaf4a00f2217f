//! Publishing committed events when several processes share one PostgreSQL
//! database. Every process must see every centre's events, its own and the
//! others', in id order, once each, on its own broadcast (`Store::subscribe`):
//! displays, websockets with `?after=`, and kiosk print jobs hang off it.
//!
//! The event log is the source of truth; notifications only say "look now".
//! One task owns `last`, the highest id published, and is the only publisher:
//! - its own writer hands over each committed batch; if the batch follows
//!   `last` directly it is published as is (no query), otherwise the gap (other
//!   processes' events, or ids burnt by rolled-back commands) is filled by
//!   reading the log after `last`, which includes the batch itself;
//! - a NOTIFY from any process (payload: its last id) triggers the same read
//!   unless the id is already published (our own NOTIFYs come back to us);
//! - the read also runs every `poll` and after the LISTEN connection is
//!   re-established, because notifications sent while it was down are lost.
//!
//! Reading "after `last`" never skips anything because ids are commit-ordered
//! (postgres.rs): a read returns a complete prefix of the log. If a read fails
//! (the database is down) the own batches wait in `pending` and the read is
//! retried; nothing is published out of order and nothing is dropped.

use std::collections::BTreeMap;
use std::time::Duration;

use luot_domain::{CentreCode, Event};
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::AnyPool;
use tokio::sync::{broadcast, mpsc};

use super::{postgres::EVENTS_CHANNEL, rows::ts};
use crate::Result;

/// Rows per log read; a long catch-up reads page after page.
const PAGE: i64 = 1_000;
/// Retry delay after a failed read while own batches wait.
const RETRY: Duration = Duration::from_millis(250);

/// Why the relay should read the log.
enum Wake {
    /// A NOTIFY with the sender's last event id (None if unparsable).
    Notified(Option<i64>),
    /// The LISTEN connection was (re)established: notifications may be lost.
    Listening,
}

/// The handles of a running relay; `stop` (or dropping it) ends its tasks.
pub struct Relay {
    /// The writer sends each committed batch here.
    pub own: mpsc::UnboundedSender<Vec<Event>>,
    tasks: [tokio::task::JoinHandle<()>; 2],
}

impl Relay {
    /// Starts the relay after event `last` (the log's newest id at start-up).
    pub fn spawn(
        url: &str,
        read: AnyPool,
        events: broadcast::Sender<Event>,
        last: i64,
        poll: Duration,
        acquire_timeout: Duration,
    ) -> Self {
        let (own_tx, own_rx) = mpsc::unbounded_channel();
        let (wake_tx, wake_rx) = mpsc::channel(64);
        let listen = tokio::spawn(listen(url.to_owned(), wake_tx, acquire_timeout));
        let state = State {
            read,
            events,
            last,
            pending: BTreeMap::new(),
        };
        let publish = tokio::spawn(state.run(own_rx, wake_rx, poll));
        Self {
            own: own_tx,
            tasks: [listen, publish],
        }
    }

    pub fn stop(&self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A dropped store must not leave its LISTEN connection and poll running.
impl Drop for Relay {
    fn drop(&mut self) {
        self.stop();
    }
}

struct State {
    read: AnyPool,
    events: broadcast::Sender<Event>,
    /// The highest event id published.
    last: i64,
    /// Own committed events waiting for a gap before them to be filled.
    pending: BTreeMap<i64, Event>,
}

impl State {
    async fn run(
        mut self,
        mut own: mpsc::UnboundedReceiver<Vec<Event>>,
        wake: mpsc::Receiver<Wake>,
        poll: Duration,
    ) {
        let mut wake = Some(wake);
        // `interval` refuses a zero period.
        let mut tick = tokio::time::interval(poll.max(Duration::from_millis(10)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let read = tokio::select! {
                batch = own.recv() => match batch {
                    Some(batch) => self.own_batch(batch),
                    None => return,
                },
                w = recv_wake(&mut wake) => match w {
                    Some(Wake::Notified(Some(id))) => id > self.last,
                    Some(_) => true,
                    // The listener stopped (store closing); polling goes on.
                    None => { wake = None; false }
                },
                _ = tick.tick() => true,
                () = tokio::time::sleep(RETRY), if !self.pending.is_empty() => true,
            };
            if read {
                if let Err(e) = self.catch_up().await {
                    tracing::warn!(error = %e, "reading the event log failed; will retry");
                }
            }
        }
    }

    /// Publishes an own batch directly when it follows `last`; otherwise parks
    /// it and asks for a log read.
    fn own_batch(&mut self, batch: Vec<Event>) -> bool {
        let fresh = batch.into_iter().filter(|e| e.id > self.last);
        self.pending.extend(fresh.map(|e| (e.id, e)));
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() != self.last + 1 {
                return true;
            }
            let e = entry.remove();
            self.publish(e);
        }
        false
    }

    fn publish(&mut self, e: Event) {
        self.last = e.id;
        // No subscriber is fine: nobody is watching.
        let _ = self.events.send(e);
    }

    /// Publishes everything in the log after `last`, page by page.
    async fn catch_up(&mut self) -> Result<()> {
        loop {
            #[derive(sqlx::FromRow)]
            struct Logged {
                id: i64,
                centre: String,
                at: i64,
                payload: String,
            }
            let rows: Vec<Logged> = sqlx::query_as(
                "SELECT e.id, c.code AS centre, e.at, e.payload FROM events e \
                 JOIN centres c ON c.id = e.centre_id WHERE e.id > $1 ORDER BY e.id LIMIT $2",
            )
            .bind(self.last)
            .bind(PAGE)
            .fetch_all(&self.read)
            .await?;
            let full = rows.len() as i64 == PAGE;
            for Logged {
                id,
                centre: code,
                at,
                payload,
            } in rows
            {
                self.pending.remove(&id);
                match decode(id, &code, at, &payload) {
                    Some(e) => self.publish(e),
                    // Written by a newer version (rolling upgrade): skip it
                    // rather than stall every later event.
                    None => {
                        tracing::warn!(id, "skipping an event this version cannot read");
                        self.last = id;
                    }
                }
            }
            if !full {
                break;
            }
        }
        // Committed before the read began, so the read returned them; anything
        // left is at most a duplicate of what was published.
        self.pending.retain(|id, _| *id > self.last);
        let rest = std::mem::take(&mut self.pending);
        for (_, e) in rest {
            self.publish(e);
        }
        Ok(())
    }
}

async fn recv_wake(wake: &mut Option<mpsc::Receiver<Wake>>) -> Option<Wake> {
    match wake {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn decode(id: i64, code: &str, at: i64, payload: &str) -> Option<Event> {
    Some(Event {
        id,
        centre: CentreCode::parse(code).ok()?,
        at: ts(at),
        kind: serde_json::from_str(payload).ok()?,
    })
}

/// Keeps a LISTEN connection open and turns notifications into wake-ups;
/// reconnects with backoff and says so, since notifications sent meanwhile
/// are lost. Ends when the relay is gone.
async fn listen(url: String, wake: mpsc::Sender<Wake>, acquire_timeout: Duration) {
    let mut backoff = Duration::from_millis(100);
    while !wake.is_closed() {
        match subscribe(&url, acquire_timeout).await {
            Ok(mut listener) => {
                backoff = Duration::from_millis(100);
                let _ = wake.try_send(Wake::Listening);
                loop {
                    match listener.try_recv().await {
                        Ok(Some(n)) => {
                            // A full queue already holds a wake-up: reading
                            // the log once covers both.
                            let _ = wake.try_send(Wake::Notified(n.payload().parse().ok()));
                        }
                        Ok(None) => {
                            let _ = wake.try_send(Wake::Listening);
                        }
                        // Whatever broke, start over on a new connection.
                        Err(e) => {
                            tracing::warn!(error = %e, "event LISTEN connection lost");
                            break;
                        }
                    }
                    if wake.is_closed() {
                        return;
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e, "cannot LISTEN for events yet"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

async fn subscribe(url: &str, acquire_timeout: Duration) -> Result<PgListener> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(acquire_timeout)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_lazy(url)?;
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.listen(EVENTS_CHANNEL).await?;
    Ok(listener)
}
