//! A simulated ESC/POS printer behind a [`Link`], for tests (the USB path has no real device in
//! CI): it answers DLE EOT or stays silent, can go paper-out after N bytes, or reset the link
//! after N bytes. The kiosk's tests use it as a fake USB printer.

use super::link::Link;
use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Answers to DLE EOT 1, 2 and 4 of a ready printer.
pub const READY: [u8; 3] = [0x12, 0x12, 0x12];
/// Paper out (offline, cause paper, sensor end).
pub const PAPER_OUT: [u8; 3] = [0x1A, 0x32, 0x72];

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
}

impl Default for SimBehaviour {
    fn default() -> Self {
        SimBehaviour {
            answers: READY,
            silent: false,
            reset_after: None,
            paper_out_after: None,
        }
    }
}

/// The printer's state, shared by every link opened to it.
#[derive(Debug, Default)]
pub struct SimState {
    pub behaviour: SimBehaviour,
    /// Every byte received, status queries included.
    pub received: Vec<u8>,
    outbox: VecDeque<u8>,
    /// Set by a reset; the next link opened works again.
    broken: bool,
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
        self.0.lock().unwrap_or_else(|e| e.into_inner()).broken = false;
        Box::new(SimLink(self.clone()))
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

struct SimLink(SimPrinter);

impl Link for SimLink {
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        let mut st = (self.0).0.lock().unwrap_or_else(|e| e.into_inner());
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
            if let [.., 0x10, 0x04, q @ (1 | 2 | 4)] = st.received.as_slice() {
                let i = match q {
                    1 => 0,
                    2 => 1,
                    _ => 2,
                };
                if !st.behaviour.silent {
                    let a = st.behaviour.answers[i];
                    st.outbox.push_back(a);
                }
            }
        }
        Ok(())
    }

    fn read_within(&mut self, buf: &mut [u8], _wait: Duration) -> io::Result<usize> {
        let mut st = (self.0).0.lock().unwrap_or_else(|e| e.into_inner());
        if st.broken {
            return Err(io::ErrorKind::ConnectionReset.into());
        }
        let mut n = 0;
        while n < buf.len() {
            match st.outbox.pop_front() {
                Some(b) => {
                    buf[n] = b;
                    n += 1;
                }
                None => break,
            }
        }
        Ok(n)
    }
}
