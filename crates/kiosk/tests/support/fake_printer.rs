//! A network printer on 127.0.0.1 that records what it receives, answers DLE EOT status queries,
//! and can be told to hang up in the middle of the next job or to report a fault.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// The cut command that ends every job.
const CUT: [u8; 4] = [0x1D, b'V', 66, 0];

#[derive(Debug, Default)]
struct State {
    /// Bytes of each connection, in order of arrival.
    connections: Vec<Vec<u8>>,
    /// Answers to DLE EOT 1, 2 and 4.
    answers: [u8; 3],
    /// Hang up the next connection that carries more than this many bytes.
    drop_next_after: Option<usize>,
}

#[derive(Clone)]
pub struct FakePrinter {
    pub port: u16,
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
}

pub const READY: [u8; 3] = [0x12, 0x12, 0x12];
pub const PAPER_OUT: [u8; 3] = [0x1A, 0x32, 0x72];

impl FakePrinter {
    pub async fn start() -> FakePrinter {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            answers: READY,
            ..State::default()
        }));
        let changed = Arc::new(Notify::new());
        let printer = FakePrinter {
            port,
            state,
            changed,
        };
        let p = printer.clone();
        tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                tokio::spawn(p.clone().serve(s));
            }
        });
        printer
    }

    async fn serve(self, mut s: tokio::net::TcpStream) {
        let (idx, drop_after) = {
            let mut st = self.state.lock().unwrap();
            st.connections.push(Vec::new());
            (st.connections.len() - 1, st.drop_next_after)
        };
        let mut buf = vec![0u8; 16 * 1024];
        let mut seen = Vec::new();
        loop {
            let n = match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            seen.extend_from_slice(&buf[..n]);
            let answers = {
                let mut st = self.state.lock().unwrap();
                st.connections[idx] = seen.clone();
                if drop_after.is_some_and(|limit| seen.len() > limit)
                    && st.drop_next_after.is_some()
                {
                    // Consumed: only one job is cut off.
                    st.drop_next_after = None;
                    drop(st);
                    self.changed.notify_waiters();
                    return;
                }
                st.answers
            };
            if let [.., 0x10, 0x04, q] = seen.as_slice() {
                let reply = match q {
                    1 => answers[0],
                    2 => answers[1],
                    _ => answers[2],
                };
                let _ = s.write_all(&[reply]).await;
            }
            self.changed.notify_waiters();
        }
        self.changed.notify_waiters();
    }

    pub fn set_answers(&self, answers: [u8; 3]) {
        self.state.lock().unwrap().answers = answers;
    }

    pub fn drop_next_job_after(&self, bytes: usize) {
        self.state.lock().unwrap().drop_next_after = Some(bytes);
    }

    /// Complete jobs received: the bytes between the status queries, for connections whose job
    /// arrived whole (ends with the cut command).
    pub fn jobs(&self) -> Vec<Vec<u8>> {
        let st = self.state.lock().unwrap();
        st.connections.iter().filter_map(|c| job_in(c)).collect()
    }

    /// Connections that carried part of a job but not all of it.
    pub fn partial_jobs(&self) -> usize {
        let st = self.state.lock().unwrap();
        st.connections
            .iter()
            .filter(|c| c.len() > 12 && job_in(c).is_none())
            .count()
    }

    /// Waits until at least `n` complete jobs arrived.
    pub async fn wait_for_jobs(&self, n: usize) -> Vec<Vec<u8>> {
        tokio::time::timeout(super::fake_server::PATIENCE, async {
            loop {
                let notified = self.changed.notified();
                let jobs = self.jobs();
                if jobs.len() >= n {
                    return jobs;
                }
                notified.await;
            }
        })
        .await
        .expect("printer receives the jobs in time")
    }
}

/// Strips leading status queries and one trailing query; what is left is a job if it ends in a cut.
fn job_in(conn: &[u8]) -> Option<Vec<u8>> {
    let mut body = conn;
    while let [0x10, 0x04, _, rest @ ..] = body {
        body = rest;
    }
    while let Some(rest) = body
        .strip_suffix(&[0x10, 0x04, 1])
        .or_else(|| body.strip_suffix(&[0x10, 0x04, 2]))
        .or_else(|| body.strip_suffix(&[0x10, 0x04, 4]))
    {
        body = rest;
    }
    (body.len() > CUT.len() && body.ends_with(&CUT)).then(|| body.to_vec())
}
