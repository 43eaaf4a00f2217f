//! Simulated displays on the events websocket. Each connects, reads its
//! snapshot, then measures call-to-display latency: from the moment a counter's
//! call-next request left the client to the moment this display received the
//! `ticket_called` event for it.
//!
//! Matching an event to its request: each counter has one call in flight at a
//! time, and logs the instant of each call before sending it (and marks the
//! ones answered 204, which announce nothing). A display that has seen k calls
//! of counter c so far therefore reads the k-th announced call of c's log.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

use crate::stats::OpStats;

/// Per counter, the instant each call-next left the client; `None` for a call
/// answered 204 (nobody waiting, nothing announced).
#[derive(Default)]
pub struct CallLog {
    counters: Vec<Mutex<Vec<Option<Instant>>>>,
}

impl CallLog {
    pub fn new(counters: u16) -> Self {
        Self {
            counters: (0..=counters).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    /// Logs a call about to be sent; returns its slot.
    pub fn sent(&self, counter: u16, at: Instant) -> Option<usize> {
        let mut log = self.counters.get(usize::from(counter))?.lock().ok()?;
        log.push(Some(at));
        Some(log.len() - 1)
    }

    /// The call in `slot` announced nothing.
    pub fn empty(&self, counter: u16, slot: usize) {
        if let Some(Ok(mut log)) = self.counters.get(usize::from(counter)).map(|m| m.lock()) {
            if let Some(s) = log.get_mut(slot) {
                *s = None;
            }
        }
    }

    /// The next announced call of `counter` at or after `*cursor`.
    fn next(&self, counter: u16, cursor: &mut usize) -> Option<Instant> {
        let log = self.counters.get(usize::from(counter))?.lock().ok()?;
        while let Some(slot) = log.get(*cursor) {
            *cursor += 1;
            if slot.is_some() {
                return *slot;
            }
        }
        None
    }
}

/// The displays' connections, kept open until dropped.
pub struct Displays {
    pub connected: Arc<AtomicUsize>,
    pub failed: usize,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: JoinSet<OpStats>,
}

/// Anonymous event streams one source address opens: under the server's
/// default cap of 50 per address, so displays come from many addresses as
/// they would in a province (`client::loopback_source`).
pub const PER_ADDRESS: usize = 40;

/// Connects `n` displays (at most 256 handshakes at a time), [`PER_ADDRESS`]
/// per loopback address; each measures calls logged in `log` until
/// `Displays::finish`.
pub async fn connect(
    addr: SocketAddr,
    centre: &str,
    n: usize,
    log: Arc<CallLog>,
    deadline: Duration,
) -> Displays {
    let url = format!("ws://{addr}/api/v1/centres/{centre}/events");
    let connected = Arc::new(AtomicUsize::new(0));
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = JoinSet::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(256));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<bool>(n.max(1));
    let mut source = crate::client::next_source();
    for i in 0..n {
        if i > 0 && i % PER_ADDRESS == 0 {
            source = crate::client::next_source();
        }
        let url = url.clone();
        let log = log.clone();
        let connected = connected.clone();
        let mut stop_rx = stop_rx.clone();
        let gate = gate.clone();
        let ready = ready_tx.clone();
        tasks.spawn(async move {
            let mut s = OpStats::new("call to display");
            let permit = gate.acquire_owned().await;
            let ws = tokio::time::timeout(deadline, async {
                let stream = crate::client::connect(addr, Some(source)).await?;
                stream.set_nodelay(true)?;
                tokio_tungstenite::client_async(url.as_str(), stream)
                    .await
                    .map_err(std::io::Error::other)
            })
            .await;
            let mut ws = match ws {
                Ok(Ok((ws, _))) => ws,
                Ok(Err(e)) => {
                    s.error(e);
                    let _ = ready.send(false).await;
                    return s;
                }
                Err(_) => {
                    s.error("websocket handshake timed out");
                    let _ = ready.send(false).await;
                    return s;
                }
            };
            // The snapshot comes first; only then is the display live.
            let first = tokio::time::timeout(deadline, ws.next()).await;
            drop(permit);
            if !matches!(first, Ok(Some(Ok(_)))) {
                s.error("no snapshot");
                let _ = ready.send(false).await;
                return s;
            }
            connected.fetch_add(1, Ordering::Relaxed);
            let _ = ready.send(true).await;
            let mut cursors: Vec<usize> = Vec::new();
            // Made once: a fresh `changed()` per frame would register and
            // unregister with the shared watch channel for every frame.
            let stop = stop_rx.changed();
            tokio::pin!(stop);
            loop {
                tokio::select! {
                    _ = &mut stop => break,
                    msg = ws.next() => {
                        let Some(Ok(msg)) = msg else { break };
                        let now = Instant::now();
                        if let Message::Text(text) = msg {
                            record(&text, now, &log, &mut cursors, &mut s);
                        }
                    }
                }
            }
            connected.fetch_sub(1, Ordering::Relaxed);
            let _ = ws.close(None).await;
            s
        });
    }
    drop(ready_tx);
    let mut failed = 0;
    for _ in 0..n {
        match ready_rx.recv().await {
            Some(true) => {}
            _ => failed += 1,
        }
    }
    Displays {
        connected,
        failed,
        stop,
        tasks,
    }
}

fn record(text: &str, now: Instant, log: &CallLog, cursors: &mut Vec<usize>, s: &mut OpStats) {
    // Cheap filter first: most frames are other events.
    if !text.contains("\"ticket_called\"") {
        if text.contains("\"snapshot\"") {
            s.error("display fell behind and got a snapshot");
        }
        return;
    }
    let Some(counter) = counter_of(text) else {
        return;
    };
    let c = usize::from(counter);
    if cursors.len() <= c {
        cursors.resize(c + 1, 0);
    }
    // None: a call made by someone other than the harness's counters.
    if let Some(sent) = log.next(counter, &mut cursors[c]) {
        s.record(now.saturating_duration_since(sent));
    }
}

/// The `"counter":N` of an event, without parsing the whole JSON: ten
/// thousand frames a second share the CPU with the server under test.
fn counter_of(text: &str) -> Option<u16> {
    let at = text.find("\"counter\":")? + "\"counter\":".len();
    let digits: String = text[at..]
        .chars()
        .skip_while(|c| *c == ' ')
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

impl Displays {
    /// Disconnects every display and merges what they measured.
    pub async fn finish(mut self) -> OpStats {
        let _ = self.stop.send(true);
        let mut total = OpStats::new("call to display");
        while let Some(r) = self.tasks.join_next().await {
            if let Ok(s) = r {
                total.merge(&s);
            }
        }
        total
    }
}
