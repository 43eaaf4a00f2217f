//! Correctness after a run: what the clients saw (every number they were given
//! is distinct, no number was handed to two counters) and, when the harness owns
//! the database, what the database holds (no duplicate numbers, no ticket called
//! twice, every ticket a client was given is there: a reply meant durable; no
//! slot holds more bookings than its capacity).

use std::collections::HashSet;

use sqlx::{Connection, Row};

/// One check and its outcome.
pub struct Check {
    pub what: String,
    pub ok: bool,
    pub detail: String,
}

fn check(what: &str, ok: bool, detail: String) -> Check {
    Check {
        what: what.to_owned(),
        ok,
        detail,
    }
}

/// Checks on what the clients were told.
pub fn client_side(issued: &[String], called: &[String]) -> Vec<Check> {
    let distinct: HashSet<&String> = issued.iter().collect();
    let called_distinct: HashSet<&String> = called.iter().collect();
    vec![
        check(
            "no duplicate numbers (client view)",
            distinct.len() == issued.len(),
            format!("{} issued, {} distinct", issued.len(), distinct.len()),
        ),
        check(
            "no ticket called twice (client view)",
            called_distinct.len() == called.len(),
            format!(
                "{} calls, {} distinct tickets",
                called.len(),
                called_distinct.len()
            ),
        ),
    ]
}

/// Checks on the database the server wrote, after it stopped.
pub async fn database(url: &str, issued: &[String]) -> anyhow::Result<Vec<Check>> {
    sqlx::any::install_default_drivers();
    let url = if url.starts_with("sqlite:") || url.starts_with("postgres") {
        url.to_owned()
    } else {
        format!("sqlite://{url}")
    };
    let mut c = sqlx::AnyConnection::connect(&url).await?;
    let dup: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT centre_id, service_day, number FROM tickets \
         GROUP BY centre_id, service_day, number HAVING COUNT(*) > 1) d",
    )
    .fetch_one(&mut c)
    .await?;
    let twice: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT ticket_id FROM events WHERE kind = 'ticket_called' \
         GROUP BY ticket_id HAVING COUNT(*) > 1) d",
    )
    .fetch_one(&mut c)
    .await?;
    // Tickets a counter holds that are not in a called/serving state, or held by
    // two counters at once, would mean a lost or doubled call.
    let doubled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT current_ticket_id FROM counters \
         WHERE current_ticket_id IS NOT NULL GROUP BY current_ticket_id HAVING COUNT(*) > 1) d",
    )
    .fetch_one(&mut c)
    .await?;
    let rows = sqlx::query("SELECT number FROM tickets")
        .fetch_all(&mut c)
        .await?;
    let stored: HashSet<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
    let missing = issued.iter().filter(|n| !stored.contains(*n)).count();
    // Bookings per slot against the service's capacity, and against the
    // per-slot count the store keeps.
    let overbooked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT a.service_id, a.slot_start FROM appointments a \
         JOIN booking_settings b ON b.service_id = a.service_id \
         WHERE a.status IN ('booked', 'checked_in') \
         GROUP BY a.service_id, a.slot_start, b.capacity HAVING COUNT(*) > b.capacity) d",
    )
    .fetch_one(&mut c)
    .await?;
    let bookings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM appointments")
        .fetch_one(&mut c)
        .await?;
    c.close().await?;
    Ok(vec![
        check(
            "no duplicate numbers (database)",
            dup == 0,
            format!("{} tickets stored, {dup} duplicated numbers", stored.len()),
        ),
        check(
            "no ticket called twice (database)",
            twice == 0 && doubled == 0,
            format!("{twice} tickets with two call events, {doubled} held by two counters"),
        ),
        check(
            "every ticket a client got is stored",
            missing == 0,
            format!("{missing} of {} missing", issued.len()),
        ),
        check(
            "no slot overbooked (database)",
            overbooked == 0,
            format!("{bookings} bookings stored, {overbooked} slots over capacity"),
        ),
    ])
}
