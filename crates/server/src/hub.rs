//! The event hub: one task per process between the store's broadcast of
//! committed events and the websocket connections. It serialises each event to
//! JSON once and fans the same bytes out to every connection following that
//! event's centre, so a call costs one `serde_json` run however many displays
//! watch it, and a connection holds nothing but a channel receiver.
//!
//! It also caches each centre's serialised snapshot (briefly, and only while no
//! newer event has been seen) with one computation at a time per centre, so a
//! room of displays reconnecting at once after a restart costs one snapshot
//! query, not thousands.

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex, Weak},
    time::{Duration, Instant},
};

use axum::extract::ws::Utf8Bytes;
use luot_domain::{CentreCode, Event};
use luot_store::Store;
use tokio::sync::broadcast::{self, error::RecvError};

/// What a connection receives from the hub.
#[derive(Debug, Clone)]
pub enum Frame {
    /// One committed event, already serialised (the `luot_domain::Event` JSON).
    Event { id: i64, json: Utf8Bytes },
    /// The hub itself fell behind the store and lost events: every connection
    /// must send its client a fresh snapshot.
    Resync,
}

/// A handle to the hub; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    /// One channel per centre that somebody follows; created on the first
    /// subscription, dropped when a publish finds nobody listening.
    centres: Mutex<HashMap<CentreCode, broadcast::Sender<Frame>>>,
    /// Centres known to exist, with the newest event id this process has seen
    /// for each (0 before any): lets connections skip a database look-up and
    /// tells when a cached snapshot is stale.
    latest: Mutex<HashMap<CentreCode, i64>>,
    /// Per centre, the last snapshot made; its async lock makes concurrent
    /// connections wait for one computation instead of each running their own.
    snapshots: Mutex<HashMap<CentreCode, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
    /// How many frames a connection may fall behind before it lags (and gets
    /// a snapshot instead). Small in tests to provoke lagging.
    capacity: usize,
}

struct Cached {
    last_event_id: i64,
    made: Instant,
    json: Utf8Bytes,
}

/// How long a snapshot may be reused when no event came since: its waiting
/// counts and ETAs move with the clock too, but not faster than this matters.
const SNAPSHOT_TTL: Duration = Duration::from_secs(2);

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding these locks cannot leave the maps inconsistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Hub {
    /// Frames a connection may fall behind by default: a burst of calls from
    /// every counter of a large centre fits many times over.
    pub const DEFAULT_CAPACITY: usize = 1024;

    /// Starts the hub task on `store`'s committed events. The task ends when the
    /// store stops publishing or the hub is dropped.
    pub fn start(store: &dyn Store, capacity: usize) -> Self {
        let inner = Arc::new(Inner {
            centres: Mutex::new(HashMap::new()),
            latest: Mutex::new(HashMap::new()),
            snapshots: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        });
        tokio::spawn(run(store.subscribe(), Arc::downgrade(&inner)));
        Self { inner }
    }

    /// Frames for `centre` from now on. Subscribe before reading a snapshot or
    /// the log, then drop frames already covered: that way nothing committed in
    /// between is missed.
    pub fn subscribe(&self, centre: &CentreCode) -> broadcast::Receiver<Frame> {
        let mut centres = self.inner.lock();
        match centres.get(centre) {
            Some(tx) => tx.subscribe(),
            None => {
                let (tx, rx) = broadcast::channel(self.inner.capacity);
                centres.insert(centre.clone(), tx);
                rx
            }
        }
    }

    /// Whether `centre` is known to exist (marked by [`Hub::mark_known`] after a
    /// successful look-up, or seen in an event).
    pub fn is_known(&self, centre: &CentreCode) -> bool {
        locked(&self.inner.latest).contains_key(centre)
    }

    /// Records that `centre` exists (call only after the store confirmed it).
    pub fn mark_known(&self, centre: &CentreCode) {
        locked(&self.inner.latest)
            .entry(centre.clone())
            .or_insert(0);
    }

    /// The centre's serialised snapshot and the event id it covers: a cached
    /// one if it is fresh and no newer event has been seen, else `make`'s.
    /// Callers subscribe before calling this, so an event the cache does not
    /// know about yet still reaches them on their channel.
    pub async fn snapshot<F, Fut, E>(
        &self,
        centre: &CentreCode,
        make: F,
    ) -> Result<(i64, Utf8Bytes), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(i64, Utf8Bytes), E>>,
    {
        let slot = locked(&self.inner.snapshots)
            .entry(centre.clone())
            .or_default()
            .clone();
        let mut cached = slot.lock().await;
        let latest = locked(&self.inner.latest).get(centre).copied().unwrap_or(0);
        if let Some(c) = cached.as_ref() {
            if c.last_event_id >= latest && c.made.elapsed() < SNAPSHOT_TTL {
                return Ok((c.last_event_id, c.json.clone()));
            }
        }
        match make().await {
            Ok((id, json)) => {
                *cached = Some(Cached {
                    last_event_id: id,
                    made: Instant::now(),
                    json: json.clone(),
                });
                Ok((id, json))
            }
            Err(e) => {
                // Unknown centres must not leave entries behind.
                drop(cached);
                if !self.is_known(centre) {
                    locked(&self.inner.snapshots).remove(centre);
                }
                Err(e)
            }
        }
    }

    /// How many connections follow `centre` (for tests and metrics).
    pub fn followers(&self, centre: &CentreCode) -> usize {
        self.inner
            .lock()
            .get(centre)
            .map_or(0, broadcast::Sender::receiver_count)
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CentreCode, broadcast::Sender<Frame>>> {
        locked(&self.centres)
    }

    fn publish(&self, event: &Event) {
        // Before the fan-out: a snapshot cached before this event is now stale.
        let seen = event.id;
        locked(&self.latest)
            .entry(event.centre.clone())
            .and_modify(|id| *id = (*id).max(seen))
            .or_insert(seen);
        let mut centres = self.lock();
        let Some(tx) = centres.get(&event.centre) else {
            return; // nobody follows this centre: not even worth serialising
        };
        let json = match serde_json::to_string(event) {
            Ok(s) => Utf8Bytes::from(s),
            Err(e) => {
                tracing::error!(error = %e, id = event.id, "cannot serialise an event");
                return;
            }
        };
        if tx.send(Frame::Event { id: event.id, json }).is_err() {
            centres.remove(&event.centre);
        }
    }

    fn resync_all(&self) {
        // Events were lost: no cached snapshot can be trusted.
        locked(&self.snapshots).clear();
        let mut centres = self.lock();
        centres.retain(|_, tx| tx.send(Frame::Resync).is_ok());
    }
}

async fn run(mut events: broadcast::Receiver<Event>, hub: Weak<Inner>) {
    loop {
        let next = events.recv().await;
        let Some(hub) = hub.upgrade() else { return };
        match next {
            Ok(event) => hub.publish(&event),
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "the event hub fell behind; displays resync");
                hub.resync_all();
            }
            Err(RecvError::Closed) => return,
        }
    }
}
