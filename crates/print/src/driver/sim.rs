//! A simulated ESC/POS printer behind a [`Link`], for tests (the USB path has no real device in
//! CI): it answers DLE EOT or stays silent, can go paper-out or open its cover after N bytes,
//! reset the link after N bytes, or take its bytes slowly (a baud rate: an answer is readable
//! only once every byte before its query has gone through). A slow line takes real time, so
//! tests keep jobs small and rates such that it is milliseconds.

use super::link::Link;
use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Answers to DLE EOT 1, 2 and 4 of a ready printer.
pub const READY: [u8; 3] = [0x12, 0x12, 0x12];
/// Paper out (offline, cause paper, sensor end).
pub const PAPER_OUT: [u8; 3] = [0x1A, 0x32, 0x72];
/// Cover open (offline, cause cover, paper present).
pub const COVER_OPEN: [u8; 3] = [0x1A, 0x16, 0x12];

/// What the simulated printer does.
#[derive(Debug, Clone)]
pub struct SimBehaviour {
    pub answers: [u8; 3],
    /// Never answers status.
    pub silent: bool,
    /// The link fails once this many bytes of jobs arrived (a reset, an unplugged cable).
    pub reset_after: Option<usize>,
    /// Answers paper-out once this many bytes arrived.
    pub paper_out_after: Option<usize>,
    /// Answers cover-open once this many bytes arrived.
    pub cover_open_after: Option<usize>,
    /// Bytes per second the line carries (baud / 10); `None` is instant.
    pub bytes_per_sec: Option<u32>,
}

impl Default for SimBehaviour {
    fn default() -> Self {
        SimBehaviour {
            answers: READY,
            silent: false,
            reset_after: None,
            paper_out_after: None,
            cover_open_after: None,
            bytes_per_sec: None,
        }
    }
}

/// The printer's state, shared by every link opened to it.
#[derive(Debug, Default)]
pub struct SimState {
    pub behaviour: SimBehaviour,
    /// Every byte received, status queries included.
    pub received: Vec<u8>,
    /// Answers with the byte count the printer must have read before sending each.
    outbox: VecDeque<(usize, u8)>,
    /// When the first byte of the current link arrived: a slow line counts from here.
    started: Option<Instant>,
    /// Set by a reset; the next link opened works again.
    broken: bool,
}

impl SimState {
    /// When the printer will have read `bytes` bytes of this link.
    fn read_by(&self, bytes: usize) -> Option<Instant> {
        let rate = self.behaviour.bytes_per_sec?;
        let start = self.started?;
        let secs = bytes as f64 / f64::from(rate.max(1));
        Some(start + Duration::from_secs_f64(secs))
    }
}

/// A handle on one simulated printer.
#[derive(Debug, Clone, Default)]
pub struct SimPrinter(pub Arc<Mutex<SimState>>);

impl SimPrinter {
    pub fn new(behaviour: SimBehaviour) -> Self {
        SimPrinter(Arc::new(Mutex::new(SimState {
            behaviour,
            ..SimState::default()
        })))
    }

    /// A fresh link, as a driver's opener would make.
    pub fn link(&self) -> Box<dyn Link> {
        let mut st = self.0.lock().unwrap_or_else(|e| e.into_inner());
        st.broken = false;
        st.started = None;
        st.outbox.clear();
        let from = st.received.len();
        drop(st);
        Box::new(SimLink {
            printer: self.clone(),
            from,
        })
    }

    pub fn received(&self) -> Vec<u8> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .received
            .clone()
    }

    pub fn set(&self, behaviour: SimBehaviour) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).behaviour = behaviour;
    }
}

struct SimLink {
    printer: SimPrinter,
    /// `received` held this many bytes when the link opened.
    from: usize,
}

impl Link for SimLink {
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        let mut st = (self.printer).0.lock().unwrap_or_else(|e| e.into_inner());
        if st.started.is_none() {
            st.started = Some(Instant::now());
        }
        for &b in data {
            if st.broken {
                return Err(io::ErrorKind::ConnectionReset.into());
            }
            st.received.push(b);
            let n = st.received.len();
            if let Some(limit) = st.behaviour.reset_after {
                if n >= limit {
                    st.behaviour.reset_after = None;
                    st.broken = true;
                    return Err(io::ErrorKind::ConnectionReset.into());
                }
            }
            if st.behaviour.paper_out_after.is_some_and(|limit| n >= limit) {
                st.behaviour.answers = PAPER_OUT;
            }
            if st
                .behaviour
                .cover_open_after
                .is_some_and(|limit| n >= limit)
            {
                st.behaviour.answers = COVER_OPEN;
            }
            if let [.., 0x10, 0x04, q @ (1 | 2 | 4)] = st.received.as_slice() {
                let i = match q {
                    1 => 0,
                    2 => 1,
                    _ => 2,
                };
                if !st.behaviour.silent {
                    let a = st.behaviour.answers[i];
                    let on_link = n - self.from;
                    st.outbox.push_back((on_link, a));
                }
            }
        }
        Ok(())
    }

    fn read_within(&mut self, buf: &mut [u8], wait: Duration) -> io::Result<usize> {
        let mut st = (self.printer).0.lock().unwrap_or_else(|e| e.into_inner());
        if st.broken {
            return Err(io::ErrorKind::ConnectionReset.into());
        }
        // On a slow line the next answer comes once the printer has read up to its query: wait
        // for it as a blocking read would, but never longer than `wait`.
        if let Some(at) = st.outbox.front().and_then(|&(k, _)| st.read_by(k)) {
            let now = Instant::now();
            if at > now {
                drop(st);
                std::thread::sleep((at - now).min(wait));
                if at - now > wait {
                    return Ok(0);
                }
                st = (self.printer).0.lock().unwrap_or_else(|e| e.into_inner());
            }
        }
        let now = Instant::now();
        let mut n = 0;
        while n < buf.len() {
            let ready = match st.outbox.front() {
                Some(&(k, _)) => st.read_by(k).is_none_or(|at| at <= now),
                None => false,
            };
            if !ready {
                break;
            }
            if let Some((_, b)) = st.outbox.pop_front() {
                buf[n] = b;
                n += 1;
            }
        }
        Ok(n)
    }
}
