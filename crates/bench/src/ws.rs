//! Simulated displays on the events websocket. Each connects, reads its
//! snapshot, then measures call-to-display latency: from the moment a counter's
//! call-next request left the client to the moment this display received the
//! `ticket_called` event for it.
//!
//! "Received" is when the frame reached the display's socket: the kernel's
//! receive timestamp of its data (`SO_TIMESTAMPNS`), as a display on its own
//! machine would have it. One thread of the harness reads all 5,000 sockets,
//! one after another, so when it reads a frame also counts its turn among the
//! others; that figure is kept too ([`Latency::read`]).
//!
//! Matching an event to its request: each counter has one call in flight at a
//! time, and logs the instant of each call before sending it (and marks the
//! ones answered 204, which announce nothing). A display that has seen k calls
//! of counter c so far therefore reads the k-th announced call of c's log.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

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

/// The displays' connections, kept open until [`Displays::finish`].
pub struct Displays {
    pub connected: Arc<AtomicUsize>,
    pub failed: usize,
    stop: Arc<AtomicBool>,
    waker: Arc<mio::Waker>,
    reader: Option<std::thread::JoinHandle<Latency>>,
}

/// Anonymous event streams one source address opens: under the server's
/// default cap of 50 per address, so displays come from many addresses as
/// they would in a province (`client::loopback_source`).
pub const PER_ADDRESS: usize = 40;

/// The token of the reader's waker; connections count from 0.
const WAKE: mio::Token = mio::Token(usize::MAX);

/// Connects `n` displays (at most 256 handshakes at a time), [`PER_ADDRESS`]
/// per loopback address; each measures calls logged in `log` until
/// `Displays::finish`.
///
/// The harness shares the two cores with the server it measures, and 5,000
/// displays at 10 calls/s are 100,000 frames a second. So the displays are
/// lean: a connection is a plain socket after the websocket handshake (done
/// here, by hand), and one thread reads all of them from one `epoll` set,
/// parsing frames in place. One task per display with a full websocket
/// client cost the harness a whole core and inflated what it measured.
pub async fn connect(
    addr: SocketAddr,
    centre: &str,
    n: usize,
    log: Arc<CallLog>,
    deadline: Duration,
) -> Displays {
    let connected = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let poll = match mio::Poll::new() {
        Ok(p) => p,
        Err(e) => panic!("luot-bench: no epoll: {e}"),
    };
    let waker = match mio::Waker::new(poll.registry(), WAKE) {
        Ok(w) => Arc::new(w),
        Err(e) => panic!("luot-bench: no epoll waker: {e}"),
    };
    let (new_tx, new_rx) = std::sync::mpsc::channel::<(std::net::TcpStream, Conn)>();
    let reader = {
        let (log, connected, stop) = (log.clone(), connected.clone(), stop.clone());
        std::thread::Builder::new()
            .name("displays".into())
            .spawn(move || read_all(poll, new_rx, &log, &connected, &stop))
            .ok()
    };

    let path = format!("/api/v1/centres/{centre}/events");
    let mut tasks = JoinSet::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(256));
    let mut source = crate::client::next_source();
    for i in 0..n {
        if i > 0 && i % PER_ADDRESS == 0 {
            source = crate::client::next_source();
        }
        let (path, gate) = (path.clone(), gate.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            match tokio::time::timeout(deadline, handshake(addr, source, &path)).await {
                Ok(Ok(conn)) => Ok(conn),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err("websocket handshake or snapshot timed out".to_owned()),
            }
        });
    }
    let mut failed = 0;
    let mut errors = OpStats::new("call to display");
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok(Ok(conn)) => {
                connected.fetch_add(1, Ordering::Relaxed);
                if new_tx.send(conn).is_err() {
                    failed += 1;
                }
            }
            Ok(Err(e)) => {
                failed += 1;
                errors.error(e);
            }
            Err(e) => {
                failed += 1;
                errors.error(e);
            }
        }
    }
    let _ = waker.wake();
    for e in errors.error_samples {
        eprintln!("luot-bench: a display failed to connect: {e}");
    }
    Displays {
        connected,
        failed,
        stop,
        waker,
        reader,
    }
}

/// What the reader keeps of one display besides its socket: the bytes read
/// but not yet parsed (a frame cut in two by the network).
struct Conn {
    pending: Vec<u8>,
    /// Per counter, how many of its calls this display has seen.
    cursors: Vec<usize>,
}

/// The key of every handshake: the server checks its form, not its value.
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// The websocket handshake by hand, then the snapshot every stream starts
/// with: the display is live once it has read it.
async fn handshake(
    addr: SocketAddr,
    source: std::net::Ipv4Addr,
    path: &str,
) -> std::io::Result<(std::net::TcpStream, Conn)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = crate::client::connect(addr, Some(source)).await?;
    stream.set_nodelay(true)?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    // The reply's head, then at least one whole frame.
    let mut head_end = None;
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::other("closed during the handshake"));
        }
        buf.extend_from_slice(&chunk[..n]);
        if head_end.is_none() {
            if let Some(at) = find(&buf, b"\r\n\r\n") {
                if !buf.starts_with(b"HTTP/1.1 101") {
                    let line = String::from_utf8_lossy(&buf[..find(&buf, b"\r\n").unwrap_or(at)])
                        .into_owned();
                    return Err(std::io::Error::other(format!("no upgrade: {line}")));
                }
                head_end = Some(at + 4);
            }
        }
        if let Some(h) = head_end {
            match frame(&buf[h..]) {
                Ok(Some((Frame { opcode: TEXT, .. }, used))) => {
                    buf.drain(..h + used);
                    break;
                }
                Ok(Some(_)) => return Err(std::io::Error::other("no snapshot first")),
                Ok(None) => {}
                Err(e) => return Err(std::io::Error::other(e)),
            }
        }
        if buf.len() > MAX_FRAME + 4096 {
            return Err(std::io::Error::other("snapshot too large"));
        }
    }
    Ok((
        stream.into_std()?,
        Conn {
            pending: buf,
            cursors: Vec::new(),
        },
    ))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

const TEXT: u8 = 0x1;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;

/// Larger frames than this end the connection (the server's largest is a
/// snapshot of a busy centre, well under it).
const MAX_FRAME: usize = 4 << 20;

/// One server-to-client frame (never masked, never fragmented by this server).
#[derive(Debug, PartialEq)]
struct Frame<'a> {
    fin: bool,
    opcode: u8,
    payload: &'a [u8],
}

/// The first whole frame of `b` and the bytes it takes, `None` while it is
/// incomplete.
fn frame(b: &[u8]) -> Result<Option<(Frame<'_>, usize)>, &'static str> {
    let [b0, b1, ..] = *b else { return Ok(None) };
    if b1 & 0x80 != 0 {
        return Err("masked frame from the server");
    }
    let (len, head) = match b1 & 0x7f {
        126 => match b.get(2..4) {
            Some(l) => (usize::from(u16::from_be_bytes([l[0], l[1]])), 4),
            None => return Ok(None),
        },
        127 => match b.get(2..10) {
            Some(l) => {
                let mut a = [0u8; 8];
                a.copy_from_slice(l);
                (
                    usize::try_from(u64::from_be_bytes(a)).unwrap_or(usize::MAX),
                    10,
                )
            }
            None => return Ok(None),
        },
        l => (usize::from(l), 2),
    };
    if len > MAX_FRAME {
        return Err("frame too large");
    }
    Ok(b.get(head..head + len).map(|payload| {
        (
            Frame {
                fin: b0 & 0x80 != 0,
                opcode: b0 & 0x0f,
                payload,
            },
            head + len,
        )
    }))
}

/// A client frame (masked, as clients must) with a short payload.
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let len = payload.len().min(125);
    let mask = [0x5a, 0x17, 0xc3, 0x2e];
    let mut f = vec![0x80 | opcode, 0x80 | len as u8];
    f.extend_from_slice(&mask);
    f.extend(
        payload[..len]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4]),
    );
    f
}

/// The reader thread: every display's socket in one `epoll` set, until `stop`.
fn read_all(
    mut poll: mio::Poll,
    new: std::sync::mpsc::Receiver<(std::net::TcpStream, Conn)>,
    log: &CallLog,
    connected: &AtomicUsize,
    stop: &AtomicBool,
) -> Latency {
    use nix::sys::socket::sockopt;
    let mut s = Latency::new();
    let mut events = mio::Events::with_capacity(1024);
    let mut cmsg = nix::cmsg_space!(nix::sys::time::TimeSpec);
    let mut conns: Vec<Option<(mio::net::TcpStream, Conn)>> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        if let Err(e) = poll.poll(&mut events, Some(Duration::from_millis(100))) {
            if e.kind() != std::io::ErrorKind::Interrupted {
                s.arrived.error(format!("epoll: {e}"));
                break;
            }
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        // New displays; a socket with data already waiting is reported as
        // ready when it joins the set.
        while let Ok((stream, mut conn)) = new.try_recv() {
            let token = mio::Token(conns.len());
            let stamped = nix::sys::socket::setsockopt(&stream, sockopt::ReceiveTimestampns, &true);
            if let Err(e) = stream
                .set_nonblocking(true)
                .and(stamped.map_err(Into::into))
            {
                s.arrived.error(e);
                continue;
            }
            let mut stream = mio::net::TcpStream::from_std(stream);
            if let Err(e) = poll
                .registry()
                .register(&mut stream, token, mio::Interest::READABLE)
            {
                s.arrived.error(e);
                continue;
            }
            // Frames read along with the snapshot.
            let now = At::read_now();
            let pending = std::mem::take(&mut conn.pending);
            let open = consume(&pending, &mut conn, &mut stream, now, log, &mut s)
                .map(|used| conn.pending.extend_from_slice(&pending[used..]));
            if open.is_some() {
                conns.push(Some((stream, conn)));
            } else {
                connected.fetch_sub(1, Ordering::Relaxed);
                conns.push(None);
            }
        }
        for event in &events {
            if event.token() == WAKE {
                continue;
            }
            let Some(slot) = conns.get_mut(event.token().0) else {
                continue;
            };
            let Some((stream, conn)) = slot else { continue };
            // Edge-triggered: read until the socket is empty.
            let open = loop {
                match recv_stamped(stream, &mut chunk, &mut cmsg) {
                    Ok((0, _)) => break false,
                    Ok((n, now)) => {
                        let ok = if conn.pending.is_empty() {
                            consume(&chunk[..n], conn, stream, now, log, &mut s)
                                .map(|used| conn.pending.extend_from_slice(&chunk[used..n]))
                        } else {
                            let mut all = std::mem::take(&mut conn.pending);
                            all.extend_from_slice(&chunk[..n]);
                            consume(&all, conn, stream, now, log, &mut s).map(|used| {
                                all.drain(..used);
                                conn.pending = all;
                            })
                        };
                        if ok.is_none() {
                            break false;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break true,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        s.arrived.error(format!("display read: {e}"));
                        break false;
                    }
                }
            };
            if !open {
                let _ = poll.registry().deregister(stream);
                *slot = None;
                connected.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
    // Close politely (1000, normal closure), then drop.
    let close = client_frame(CLOSE, &1000u16.to_be_bytes());
    for (mut stream, _) in conns.into_iter().flatten() {
        use std::io::Write;
        let _ = stream.write(&close);
        connected.fetch_sub(1, Ordering::Relaxed);
    }
    s
}

/// Handles the whole frames at the start of `bytes`; returns how many bytes
/// they took, or `None` when the connection is over (a close frame, a
/// protocol error).
fn consume(
    bytes: &[u8],
    conn: &mut Conn,
    stream: &mut mio::net::TcpStream,
    now: At,
    log: &CallLog,
    s: &mut Latency,
) -> Option<usize> {
    let mut used = 0;
    loop {
        match frame(&bytes[used..]) {
            Ok(None) => return Some(used),
            Ok(Some((f, n))) => {
                used += n;
                if !f.fin {
                    s.arrived.error("fragmented frame");
                    return None;
                }
                match f.opcode {
                    TEXT => match std::str::from_utf8(f.payload) {
                        Ok(text) => record(text, now, log, &mut conn.cursors, s),
                        Err(_) => {
                            s.arrived.error("text frame not UTF-8");
                            return None;
                        }
                    },
                    PING => {
                        use std::io::Write;
                        // A pong of a few bytes fits an empty send buffer;
                        // if it does not, the server's heartbeat drops us,
                        // which the run then reports.
                        let _ = stream.write(&client_frame(0xA, f.payload));
                    }
                    CLOSE => return None,
                    _ => {}
                }
            }
            Err(e) => {
                s.arrived.error(e);
                return None;
            }
        }
    }
}

fn record(text: &str, now: At, log: &CallLog, cursors: &mut Vec<usize>, s: &mut Latency) {
    // Cheap filter first: most frames are other events.
    if !text.contains("\"ticket_called\"") {
        if text.contains("\"snapshot\"") {
            s.arrived.error("display fell behind and got a snapshot");
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
        s.arrived
            .record(now.arrived.saturating_duration_since(sent));
        s.read.record(now.read.saturating_duration_since(sent));
    }
}

/// When a display got a frame: its data reached the socket, then the reader
/// thread read it.
#[derive(Clone, Copy)]
struct At {
    arrived: Instant,
    read: Instant,
}

impl At {
    /// Read now, with no earlier arrival known.
    fn read_now() -> Self {
        let now = Instant::now();
        Self {
            arrived: now,
            read: now,
        }
    }
}

/// What the displays measured: call to frame arrived (the figure judged), and
/// call to frame read by the harness's reader thread.
pub struct Latency {
    pub arrived: OpStats,
    pub read: OpStats,
}

impl Latency {
    fn new() -> Self {
        Self {
            arrived: OpStats::new("call to display"),
            read: OpStats::new("call to display (read by the harness)"),
        }
    }
}

/// A non-blocking read of `stream` with the kernel's receive timestamp of the
/// data (the latest, when the read takes several packets: the later arrival,
/// so never an early one); without a timestamp, the time of the read.
fn recv_stamped(
    stream: &mio::net::TcpStream,
    buf: &mut [u8],
    cmsg: &mut Vec<u8>,
) -> std::io::Result<(usize, At)> {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
    use std::os::fd::AsRawFd;
    let mut iov = [std::io::IoSliceMut::new(buf)];
    let got = recvmsg::<()>(
        stream.as_raw_fd(),
        &mut iov,
        Some(cmsg),
        MsgFlags::MSG_DONTWAIT,
    )?;
    let stamp = got.cmsgs()?.find_map(|c| match c {
        ControlMessageOwned::ScmTimestampns(ts) => Some(
            std::time::UNIX_EPOCH
                + Duration::new(
                    u64::try_from(ts.tv_sec()).unwrap_or(0),
                    u32::try_from(ts.tv_nsec()).unwrap_or(0),
                ),
        ),
        _ => None,
    });
    let read = Instant::now();
    // The arrival as an `Instant`: how long ago, by the wall clock.
    let ago = stamp
        .and_then(|t| std::time::SystemTime::now().duration_since(t).ok())
        .unwrap_or_default();
    let arrived = read.checked_sub(ago).unwrap_or(read);
    Ok((got.bytes, At { arrived, read }))
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
    /// Disconnects every display and returns what they measured.
    pub async fn finish(mut self) -> Latency {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.waker.wake();
        let reader = self.reader.take();
        let joined = tokio::task::spawn_blocking(move || reader.map(|r| r.join())).await;
        match joined {
            Ok(Some(Ok(s))) => s,
            _ => {
                let mut s = Latency::new();
                s.arrived.error("the displays' reader thread failed");
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_whole_or_not_at_all() {
        let mut b = vec![0x81, 5];
        b.extend_from_slice(b"hello");
        b.extend_from_slice(&[0x89, 0]);
        let (f, n) = frame(&b).unwrap().unwrap();
        assert_eq!(
            (f.fin, f.opcode, f.payload, n),
            (true, TEXT, &b"hello"[..], 7)
        );
        let (f, n) = frame(&b[7..]).unwrap().unwrap();
        assert_eq!((f.opcode, f.payload.len(), n), (PING, 0, 2));
        assert_eq!(frame(&b[..6]).unwrap(), None);
        assert_eq!(frame(&b[..1]).unwrap(), None);
        // 16-bit and 64-bit lengths.
        let mut long = vec![0x81, 126, 0x01, 0x00];
        long.extend(std::iter::repeat_n(b'x', 256));
        assert_eq!(frame(&long).unwrap().unwrap().1, 260);
        assert_eq!(frame(&long[..259]).unwrap(), None);
        let huge = [0x81, 127, 0, 0, 0, 0, 0xff, 0, 0, 0];
        assert!(frame(&huge).is_err());
        assert!(frame(&[0x81, 0x85, 1, 2, 3, 4]).is_err());
    }

    #[test]
    fn client_frames_are_masked() {
        let f = client_frame(0xA, b"abc");
        assert_eq!(f[0], 0x8A);
        assert_eq!(f[1], 0x83);
        let unmasked: Vec<u8> = f[6..]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ f[2 + i % 4])
            .collect();
        assert_eq!(unmasked, b"abc");
    }

    /// The arrival is when the data reached the socket, not when it was read:
    /// data left waiting 5 ms is dated from its sending. (Linux turns receive
    /// timestamps on for the whole machine in a deferred work item when a
    /// first socket asks, so the first sends may come undated: a few tries.)
    #[test]
    fn a_frame_is_dated_by_its_arrival_not_its_read() {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut sender = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (receiver, _) = listener.accept().unwrap();
        nix::sys::socket::setsockopt(
            &receiver,
            nix::sys::socket::sockopt::ReceiveTimestampns,
            &true,
        )
        .unwrap();
        let receiver = mio::net::TcpStream::from_std(receiver);
        let mut buf = [0u8; 64];
        let mut cmsg = nix::cmsg_space!(nix::sys::time::TimeSpec);
        // The wall clock and the monotonic one agree to well within 1 ms.
        let slack = Duration::from_millis(1);
        let mut dated = false;
        for _ in 0..20 {
            let before = Instant::now();
            sender.write_all(b"frame").unwrap();
            let sent = Instant::now();
            // Left unread for 5 ms (a busy reader).
            while sent.elapsed() < Duration::from_millis(5) {
                std::hint::spin_loop();
            }
            let (n, at) = recv_stamped(&receiver, &mut buf, &mut cmsg).unwrap();
            assert_eq!(&buf[..n], b"frame");
            assert!(at.arrived + slack >= before, "arrived before the send");
            if at.arrived <= sent + slack {
                assert!(at.read.duration_since(at.arrived) >= Duration::from_millis(4));
                dated = true;
                break;
            }
            // Undated: the time of the read, as documented.
            assert_eq!(at.arrived, at.read);
        }
        assert!(dated, "no frame was dated by its arrival");
    }

    #[test]
    fn the_counter_of_an_event() {
        let e = r#"{"id":7,"type":"ticket_called","counter": 12,"number":"A001"}"#;
        assert_eq!(counter_of(e), Some(12));
        assert_eq!(counter_of(r#"{"type":"snapshot"}"#), None);
    }
}
