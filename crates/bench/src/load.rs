//! The simulated devices: a `/healthz` prober (the floor of what one HTTP
//! request costs here), kiosks issuing tickets, counters calling and completing.
//! Each runs as a number of concurrent workers, one keep-alive connection each,
//! flat out or paced to a total rate; every loop stops at its deadline or after
//! its share of `max_ops`, whichever comes first.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::task::JoinSet;
use tokio::time::{interval_at, MissedTickBehavior};

use crate::client::Conn;
use crate::stats::OpStats;
use crate::ws::CallLog;

/// How a group of workers loads the server.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub workers: usize,
    pub duration: Duration,
    /// Total operations per second across workers; 0 = as fast as replies allow.
    pub rate: f64,
    /// Upper bound on operations across workers.
    pub max_ops: u64,
}

/// Paces one worker and bounds its loop in count and time. Paced workers
/// are spread over the period (worker `w` of `n` starts `w / n` of a period
/// late), so the total rate arrives as a steady stream, as presses at many
/// kiosks do, not as one burst of every worker at each tick.
pub struct Pacer {
    deadline: Instant,
    left: u64,
    tick: Option<tokio::time::Interval>,
    /// The time between two operations of all workers together, when paced.
    spacing: Option<Duration>,
}

impl Pacer {
    pub fn new(plan: &Plan, start: Instant, worker: usize) -> Self {
        let workers = plan.workers.max(1);
        let tick = (plan.rate > 0.0).then(|| {
            let period = Duration::from_secs_f64(workers as f64 / plan.rate);
            let offset = period.mul_f64((worker % workers) as f64 / workers as f64);
            let mut i = interval_at((start + offset).into(), period);
            i.set_missed_tick_behavior(MissedTickBehavior::Skip);
            i
        });
        Self {
            deadline: start + plan.duration,
            left: plan.max_ops.div_ceil(workers as u64),
            tick,
            spacing: (plan.rate > 0.0).then(|| Duration::from_secs_f64(1.0 / plan.rate)),
        }
    }

    /// Paced: the time between two operations of all workers together.
    pub fn spacing(&self) -> Option<Duration> {
        self.spacing
    }

    pub async fn next(&mut self) -> bool {
        if self.left == 0 || Instant::now() >= self.deadline {
            return false;
        }
        self.left -= 1;
        if let Some(t) = &mut self.tick {
            t.tick().await;
        }
        Instant::now() < self.deadline
    }
}

/// Collects worker results; a worker that panicked is a bug in the harness.
async fn join_all<T: 'static>(mut set: JoinSet<T>) -> Vec<T> {
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.expect("a load worker panicked"));
    }
    out
}

pub async fn healthz(addr: SocketAddr, plan: Plan) -> OpStats {
    let start = Instant::now();
    let mut set = JoinSet::new();
    for w in 0..plan.workers {
        set.spawn(async move {
            let mut conn = Conn::new(addr);
            let mut s = OpStats::new("GET /healthz");
            let mut pacer = Pacer::new(&plan, start, w);
            while pacer.next().await {
                let t = Instant::now();
                match conn.get("/healthz").await {
                    Ok(r) if r.status == 200 => s.record(t.elapsed()),
                    Ok(r) => s.error(format!("status {}", r.status)),
                    Err(e) => s.error(e),
                }
            }
            s
        });
    }
    let mut total = OpStats::new("GET /healthz");
    for s in join_all(set).await {
        total.merge(&s);
    }
    total.elapsed = start.elapsed();
    total
}

/// What the kiosks got: the numbers issued, for the correctness check.
pub struct Issued {
    pub stats: OpStats,
    pub numbers: Vec<String>,
}

pub async fn kiosks(
    addr: SocketAddr,
    centre: &str,
    services: &[String],
    plan: Plan,
    auth: Option<String>,
) -> Issued {
    static PHASES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let phase = PHASES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let start = Instant::now();
    let path = format!("/api/v1/centres/{centre}/tickets");
    let mut set = JoinSet::new();
    for w in 0..plan.workers {
        let path = path.clone();
        let services = services.to_vec();
        let auth = auth.clone();
        set.spawn(async move {
            let mut conn = Conn::new(addr).with_auth(auth);
            let mut s = OpStats::new("issue ticket");
            let mut numbers = Vec::new();
            let mut pacer = Pacer::new(&plan, start, w);
            let mut k = w;
            // Like the kiosk page, every press carries a fresh Idempotency-Key
            // (so the server also stores the key with each ticket), unique in
            // this run and phase, and led by the time in milliseconds as the
            // page's keys are (kiosk-ui/kiosk.js).
            let run = (std::process::id(), phase);
            while pacer.next().await {
                let body = format!(r#"{{"service":"{}"}}"#, services[k % services.len()]);
                let ms = jiff::Timestamp::now().as_millisecond();
                let key = format!("bench-{ms:012x}-{}-{}-{w}-{k}", run.0, run.1);
                k += 1;
                let t = Instant::now();
                match conn
                    .post_with(&path, &body, &[("idempotency-key", &key)])
                    .await
                {
                    Ok(r) if r.status == 201 => {
                        s.record(t.elapsed());
                        match r.json().ok().as_ref().and_then(|v| v["number"].as_str()) {
                            Some(n) => numbers.push(n.to_owned()),
                            None => s.error("201 without a number"),
                        }
                    }
                    Ok(r) => s.error(format!(
                        "status {}: {}",
                        r.status,
                        String::from_utf8_lossy(&r.body)
                    )),
                    Err(e) => s.error(e),
                }
            }
            (s, numbers)
        });
    }
    let mut stats = OpStats::new("issue ticket");
    let mut numbers = Vec::new();
    for (s, n) in join_all(set).await {
        stats.merge(&s);
        numbers.extend(n);
    }
    stats.elapsed = start.elapsed();
    Issued { stats, numbers }
}

/// What the counters did: each call's ticket number and when its request left.
pub struct Served {
    pub call: OpStats,
    pub complete: OpStats,
    /// (number, counter, instant the call-next request was sent)
    pub calls: Vec<(String, u16, Instant)>,
    /// Call-next answers of 204 (nobody waiting).
    pub empty: u64,
}

pub async fn counters(
    addr: SocketAddr,
    centre: &str,
    plan: Plan,
    auth: Option<String>,
    log: Option<Arc<CallLog>>,
) -> Served {
    let start = Instant::now();
    let mut set = JoinSet::new();
    for w in 0..plan.workers {
        let counter = (w + 1) as u16;
        let base = format!("/api/v1/centres/{centre}/counters/{counter}");
        let auth = auth.clone();
        let log = log.clone();
        set.spawn(async move {
            let mut conn = Conn::new(addr).with_auth(auth);
            let mut call = OpStats::new("call next");
            let mut complete = OpStats::new("complete");
            let mut calls = Vec::new();
            let mut empty = 0;
            let mut pacer = Pacer::new(&plan, start, w);
            let call_path = format!("{base}/call-next");
            let complete_path = format!("{base}/complete");
            while pacer.next().await {
                let t = Instant::now();
                let slot = log.as_ref().and_then(|l| l.sent(counter, t));
                match conn.post(&call_path, "{}").await {
                    Ok(r) if r.status == 200 => {
                        call.record(t.elapsed());
                        let v: Option<Value> = r.json().ok();
                        match v.as_ref().and_then(|v| v["number"].as_str()) {
                            Some(n) => calls.push((n.to_owned(), counter, t)),
                            None => call.error("200 without a number"),
                        }
                        // Paced, a counter completes its ticket half way to
                        // the next call of all counters, so calls and
                        // completes alternate evenly (as a centre's clerks,
                        // serving for minutes, complete at no particular
                        // moment), rather than each complete landing within
                        // a millisecond of its call.
                        if let Some(gap) = pacer.spacing() {
                            tokio::time::sleep_until((t + gap / 2).into()).await;
                        }
                        let t = Instant::now();
                        match conn.post(&complete_path, "").await {
                            Ok(r) if r.status == 200 => complete.record(t.elapsed()),
                            Ok(r) => complete.error(format!("status {}", r.status)),
                            Err(e) => complete.error(e),
                        }
                    }
                    Ok(r) if r.status == 204 => {
                        call.record(t.elapsed());
                        empty += 1;
                        if let (Some(l), Some(slot)) = (&log, slot) {
                            l.empty(counter, slot);
                        }
                    }
                    Ok(r) => call.error(format!(
                        "status {}: {}",
                        r.status,
                        String::from_utf8_lossy(&r.body)
                    )),
                    Err(e) => call.error(e),
                }
            }
            (call, complete, calls, empty)
        });
    }
    let mut out = Served {
        call: OpStats::new("call next"),
        complete: OpStats::new("complete"),
        calls: Vec::new(),
        empty: 0,
    };
    for (c, d, calls, empty) in join_all(set).await {
        out.call.merge(&c);
        out.complete.merge(&d);
        out.calls.extend(calls);
        out.empty += empty;
    }
    out.call.elapsed = start.elapsed();
    out.complete.elapsed = out.call.elapsed;
    out
}

/// Signs in and returns the session token for `Authorization: Bearer`.
pub async fn login(addr: SocketAddr, username: &str, password: &str) -> anyhow::Result<String> {
    let body = serde_json::json!({ "username": username, "password": password }).to_string();
    let r = Conn::new(addr).post("/api/v1/auth/login", &body).await?;
    anyhow::ensure!(r.status == 200, "login as {username}: status {}", r.status);
    r.json()?["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("login answered without a token"))
}

/// The service codes a centre offers (from the public API).
pub async fn service_codes(addr: SocketAddr, centre: &str) -> anyhow::Result<Vec<String>> {
    let r = Conn::new(addr)
        .get(&format!("/api/v1/centres/{centre}/services"))
        .await?;
    anyhow::ensure!(r.status == 200, "services of {centre}: status {}", r.status);
    let v = r.json()?;
    let codes: Vec<String> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["accepting"].as_bool().unwrap_or(true))
        .filter_map(|s| s["code"].as_str().map(str::to_owned))
        .collect();
    anyhow::ensure!(!codes.is_empty(), "centre {centre} accepts no tickets now");
    Ok(codes)
}

/// Whether the server answers `GET /healthz` with 200 (it is up).
pub async fn healthy(addr: SocketAddr) -> bool {
    matches!(Conn::new(addr).get("/healthz").await, Ok(r) if r.status == 200)
}
