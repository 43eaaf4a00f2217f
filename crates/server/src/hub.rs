//! The event hub: one task per process between the store's broadcast of
//! committed events and the websocket connections. It serialises each event to
//! JSON once and fans the same bytes out to every connection following that
//! event's centre, so a call costs one `serde_json` run however many displays
//! watch it, and a connection holds nothing but a channel receiver.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, Weak},
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
    /// How many frames a connection may fall behind before it lags (and gets
    /// a snapshot instead). Small in tests to provoke lagging.
    capacity: usize,
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
        // A panic while holding this lock cannot leave the map inconsistent.
        self.centres.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn publish(&self, event: &Event) {
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
