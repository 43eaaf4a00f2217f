//! The bench centre, made from the demo centre through the admin API only
//! (what an administrator would do in the admin pages): no daily cap on any
//! service, as many counters as the run simulates, each serving every service,
//! and booking open on every service (15-minute slots of 20 places over two
//! weeks, bookable until they start).

use std::net::SocketAddr;

use anyhow::{ensure, Context};
use serde_json::{json, Value};

use crate::client::Conn;

/// Days (from today) the bench centre takes bookings for.
pub const BOOKING_DAYS: u32 = 14;

fn ok(what: &str, r: &crate::client::Reply, expected: &[u16]) -> anyhow::Result<()> {
    ensure!(
        expected.contains(&r.status),
        "{what}: status {}: {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    Ok(())
}

/// Configures `centre` for the run as the administrator (`auth` is its
/// `Authorization` header value).
pub async fn bench_centre(
    addr: SocketAddr,
    centre: &str,
    auth: &str,
    counters: u16,
) -> anyhow::Result<()> {
    let mut conn = Conn::new(addr).with_auth(Some(auth.to_owned()));
    let base = format!("/api/v1/admin/centres/{centre}");
    let r = conn.get(&base).await?;
    ok("reading the centre's configuration", &r, &[200])?;
    let config = r.json()?;
    let services: Vec<Value> = config["services"].as_array().cloned().unwrap_or_default();
    ensure!(!services.is_empty(), "centre {centre} has no services");
    let codes: Vec<String> = services
        .iter()
        .filter_map(|s| s["code"].as_str().map(str::to_owned))
        .collect();
    // The demo caps each service at 300 a day; a benchmark issues far more
    // (the numbering still stops at 99,999 per service and day).
    for mut s in services {
        let code = s["code"].as_str().unwrap_or_default().to_owned();
        s["daily_cap"] = Value::Null;
        let r = conn
            .put(&format!("{base}/services/{code}"), &s.to_string())
            .await?;
        ok(&format!("lifting the daily cap of {code}"), &r, &[200])?;
        let booking = json!({
            "enabled": true,
            "slot_minutes": 15,
            "capacity": 20,
            "horizon_days": BOOKING_DAYS - 1,
            "lead_minutes": 0,
            "bring_note": "",
            "bring_note_en": "",
        });
        let r = conn
            .put(
                &format!("{base}/services/{code}/booking"),
                &booking.to_string(),
            )
            .await?;
        ok(&format!("booking settings of {code}"), &r, &[200])?;
    }
    let existing: Vec<i64> = config["counters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["number"].as_i64())
        .collect();
    for n in 1..=i64::from(counters) {
        let body = json!({
            "number": n,
            "name": format!("Quầy {n}"),
            "serves": codes,
            "state": "open",
        })
        .to_string();
        let r = if existing.contains(&n) {
            conn.put(&format!("{base}/counters/{n}"), &body).await?
        } else {
            conn.post(&format!("{base}/counters"), &body).await?
        };
        ok(&format!("counter {n}"), &r, &[200, 201])?;
    }
    Ok(())
}

/// The version of the booking consent text the portal shows (a booking must
/// name the one it showed).
pub async fn consent_version(addr: SocketAddr, centre: &str) -> anyhow::Result<String> {
    let mut conn = Conn::new(addr);
    conn.set_source(crate::client::next_source());
    let r = conn
        .get(&format!("/api/v1/centres/{centre}/booking"))
        .await?;
    ok("booking information", &r, &[200])?;
    r.json()?["consent"]["version"]
        .as_str()
        .map(str::to_owned)
        .context("the booking information names no consent version")
}
