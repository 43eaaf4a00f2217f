//! Citizens booking through the public booking API: first the free slots of
//! every service over the booking horizon (`GET .../slots?date=`), then
//! bookers spread over those slots, each booking as a different citizen (the
//! per-person limits allow one booking per service and day per phone); then a
//! crowd racing for one slot, of which exactly its capacity may win.
//!
//! The public booking routes are rate-limited per address (60 requests a
//! minute): every simulated citizen connects from a loopback address of its
//! own (`client::loopback_source`), and a booker moves to a fresh one every
//! [`PER_ADDRESS`] requests, so the server runs with its production limits.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::task::JoinSet;

use crate::client::{next_source, Conn};
use crate::load::{Pacer, Plan};
use crate::stats::OpStats;

/// Requests one source address makes before the next: under the server's
/// burst of 60 per address and minute.
pub const PER_ADDRESS: u32 = 50;

/// A slot some citizens may still book.
#[derive(Debug, Clone)]
pub struct FreeSlot {
    pub service: String,
    /// RFC 3339, as the slots API gives it and the booking API takes it.
    pub start: String,
    pub capacity: u32,
}

/// The free slots of `services` from today over `days` days.
pub async fn free_slots(
    addr: SocketAddr,
    centre: &str,
    services: &[String],
    days: u32,
) -> anyhow::Result<Vec<FreeSlot>> {
    let mut conn = Conn::new(addr);
    let mut used = 0;
    let today = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh")?)
        .date();
    let mut out = Vec::new();
    for svc in services {
        for d in 0..days {
            let date = today.checked_add(jiff::Span::new().days(i64::from(d)))?;
            if used % PER_ADDRESS == 0 {
                conn.set_source(next_source());
            }
            used += 1;
            let r = conn
                .get(&format!(
                    "/api/v1/centres/{centre}/services/{svc}/slots?date={date}"
                ))
                .await?;
            anyhow::ensure!(r.status == 200, "slots of {svc} on {date}: {}", r.status);
            let v = r.json()?;
            for s in v["slots"].as_array().into_iter().flatten() {
                let remaining = s["remaining"].as_u64().unwrap_or(0);
                if let (Some(start), true) = (s["start"].as_str(), remaining > 0) {
                    out.push(FreeSlot {
                        service: svc.clone(),
                        start: start.to_owned(),
                        capacity: s["capacity"].as_u64().unwrap_or(0) as u32,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// What the bookers got.
pub struct Booked {
    pub stats: OpStats,
    /// 409 `slot_full` answers: the slot filled up meanwhile (not an error).
    pub full: u64,
    /// Per slot (index into the slots given), how many bookings succeeded.
    pub per_slot: Vec<u32>,
}

/// A citizen's booking request; `n` makes the phone (and so the citizen) unique.
fn request(slot: &FreeSlot, n: u64, consent: &str) -> String {
    serde_json::json!({
        "service": slot.service,
        "slot_start": slot.start,
        "name": "Nguyễn Văn Thử",
        "phone": format!("09{:08}", n % 100_000_000),
        "consent": true,
        "consent_version": consent,
    })
    .to_string()
}

fn is_slot_full(r: &crate::client::Reply) -> bool {
    r.json().is_ok_and(|v| v["code"] == "slot_full")
}

/// Bookers spread over `slots` (each takes the next slot in a stride through
/// the list, so concurrent bookings rarely meet on one slot).
pub async fn spread(
    addr: SocketAddr,
    centre: &str,
    slots: &[FreeSlot],
    consent: &str,
    plan: Plan,
) -> Booked {
    let start = Instant::now();
    let path = format!("/api/v1/centres/{centre}/appointments");
    let next = Arc::new(AtomicU64::new(0));
    let slots: Arc<[FreeSlot]> = slots.into();
    let mut set = JoinSet::new();
    for w in 0..plan.workers {
        let (path, next, slots) = (path.clone(), next.clone(), slots.clone());
        let consent = consent.to_owned();
        set.spawn(async move {
            let mut conn = Conn::new(addr);
            let mut used = 0;
            let mut s = OpStats::new("book (spread over slots)");
            let mut full = 0;
            let mut won = Vec::new();
            let mut pacer = Pacer::new(&plan, start, w);
            while pacer.next().await {
                let n = next.fetch_add(1, Ordering::Relaxed);
                // A stride coprime with most list lengths walks every slot.
                let i = (n.wrapping_mul(7919) % slots.len() as u64) as usize;
                let body = request(&slots[i], n, &consent);
                if used % PER_ADDRESS == 0 {
                    conn.set_source(next_source());
                }
                used += 1;
                let t = Instant::now();
                match conn.post(&path, &body).await {
                    Ok(r) if r.status == 201 => {
                        s.record(t.elapsed());
                        won.push(i);
                    }
                    Ok(r) if r.status == 409 && is_slot_full(&r) => {
                        s.record(t.elapsed());
                        full += 1;
                    }
                    Ok(r) => s.error(format!(
                        "status {}: {}",
                        r.status,
                        String::from_utf8_lossy(&r.body)
                    )),
                    Err(e) => s.error(e),
                }
            }
            (s, full, won)
        });
    }
    let mut out = Booked {
        stats: OpStats::new("book (spread over slots)"),
        full: 0,
        per_slot: vec![0; slots.len()],
    };
    while let Some(r) = set.join_next().await {
        let (s, full, won) = r.expect("a booking worker panicked");
        out.stats.merge(&s);
        out.full += full;
        for i in won {
            out.per_slot[i] += 1;
        }
    }
    out.stats.elapsed = start.elapsed();
    out
}

/// How a race for one slot ended.
pub struct Race {
    pub stats: OpStats,
    pub won: u32,
    pub full: u32,
    pub capacity: u32,
}

/// `crowd` citizens book `slot` at once, each on its own connection; phones
/// start at `first_phone` so they differ from the spread phase's.
pub async fn race(
    addr: SocketAddr,
    centre: &str,
    slot: &FreeSlot,
    crowd: usize,
    first_phone: u64,
    consent: &str,
) -> Race {
    let path = format!("/api/v1/centres/{centre}/appointments");
    let gate = Arc::new(tokio::sync::Barrier::new(crowd));
    let mut set = JoinSet::new();
    for k in 0..crowd {
        let (path, gate) = (path.clone(), gate.clone());
        let body = request(slot, first_phone + k as u64, consent);
        set.spawn(async move {
            let mut conn = Conn::new(addr);
            conn.set_source(next_source());
            // Connect first, then all send at once.
            let _ = conn.get("/healthz").await;
            gate.wait().await;
            let t = Instant::now();
            let r = conn.post(&path, &body).await;
            (t.elapsed(), r)
        });
    }
    let mut out = Race {
        stats: OpStats::new("book (race for one slot)"),
        won: 0,
        full: 0,
        capacity: slot.capacity,
    };
    let start = Instant::now();
    while let Some(r) = set.join_next().await {
        match r.expect("a racing citizen panicked") {
            (t, Ok(r)) if r.status == 201 => {
                out.stats.record(t);
                out.won += 1;
            }
            (t, Ok(r)) if r.status == 409 && is_slot_full(&r) => {
                out.stats.record(t);
                out.full += 1;
            }
            (_, Ok(r)) => out.stats.error(format!(
                "status {}: {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            )),
            (_, Err(e)) => out.stats.error(e),
        }
    }
    out.stats.elapsed = start.elapsed();
    out
}

/// What the booking phase measured, for the targets.
pub struct Figures {
    pub rate: f64,
    pub p99: f64,
    pub errors: u64,
    pub slots: usize,
    pub race: Option<Race>,
}

/// Citizens book spread over every free slot of the horizon, then a crowd
/// races for one slot (kept out of the spread so its capacity is whole).
pub async fn phase(
    args: &crate::cli::RunArgs,
    addr: std::net::SocketAddr,
    services: &[String],
    secs: std::time::Duration,
    healthz_rate: f64,
    http_rows: &mut Vec<crate::stats::Row>,
    results: &mut crate::report::Results,
) -> anyhow::Result<Figures> {
    let consent = crate::setup::consent_version(addr, &args.centre).await?;
    let mut slots = free_slots(addr, &args.centre, services, crate::setup::BOOKING_DAYS).await?;
    let raced = if args.race > 0 { slots.pop() } else { None };
    anyhow::ensure!(!slots.is_empty(), "no free slots to book");
    eprintln!(
        "luot-bench: {} citizens booking over {} free slots, {secs:?}",
        args.bookers,
        slots.len()
    );
    let plan = Plan {
        workers: args.bookers,
        duration: secs,
        rate: args.booking_rate,
        max_ops: args.max_ops,
    };
    let b = spread(addr, &args.centre, &slots, &consent, plan).await;
    http_rows.push(crate::stats::Row::of(&b.stats, healthz_rate));
    let over = b
        .per_slot
        .iter()
        .zip(&slots)
        .filter(|(n, s)| **n > s.capacity)
        .count();
    results.extras.push((
        "bookings answered 409 slot_full (slot filled meanwhile)".into(),
        b.full.to_string(),
    ));
    results.checks.push(crate::verify::Check {
        what: "no slot overbooked (client view)".into(),
        ok: over == 0,
        detail: format!(
            "{} bookings over {} slots, {over} slots over capacity",
            b.stats.count() - b.full,
            slots.len()
        ),
    });
    results
        .extras
        .extend(crate::stats::error_samples(&[&b.stats]));
    let race = match raced {
        Some(slot) => {
            eprintln!(
                "luot-bench: {} citizens racing for one slot of {}",
                args.race, slot.capacity
            );
            let r = race(addr, &args.centre, &slot, args.race, 50_000_000, &consent).await;
            http_rows.push(crate::stats::Row::of(&r.stats, healthz_rate));
            results.checks.push(crate::verify::Check {
                what: "race for one slot: exactly its capacity won".into(),
                ok: r.won == r.capacity && r.stats.errors == 0,
                detail: format!(
                    "{} citizens, {} won, {} told slot_full, capacity {}",
                    args.race, r.won, r.full, r.capacity
                ),
            });
            Some(r)
        }
        None => None,
    };
    Ok(Figures {
        rate: b.stats.rate(),
        p99: b.stats.ms(0.99),
        errors: b.stats.errors,
        slots: slots.len(),
        race,
    })
}
