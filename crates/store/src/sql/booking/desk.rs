//! The staff view of the queue (the counter console): the public snapshot, the
//! citizen behind each appointment ticket still in play today, and today's
//! bookings not yet checked in. Personal data, read for staff only; both lists
//! come from the `appointments_day` index (migration 0009).

use jiff::{tz::TimeZone, Timestamp};
use luot_domain::{booking::Arrival, BookingCode, CentreCode, ServiceCode};
use sqlx::AnyConnection;

use super::settings::rules;
use crate::sql::queue;
use crate::sql::rows::{self, ts};
use crate::{booking::*, Result};

/// At most this many rows in each list; a centre's day has far fewer bookings.
const LIST_LIMIT: i64 = 500;

fn local_time(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).time().strftime("%H:%M").to_string()
}

/// The code and slot of the booking an appointment ticket was issued for.
pub async fn ticket_booking(
    c: &mut AnyConnection,
    ticket_token: &str,
) -> Result<Option<TicketBooking>> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT a.code, a.slot_start FROM appointments a \
         JOIN tickets t ON t.id = a.ticket_id WHERE t.token = $1",
    )
    .bind(ticket_token)
    .fetch_optional(&mut *c)
    .await?;
    row.map(|(code, start)| {
        Ok(TicketBooking {
            code: BookingCode::parse(&code)?,
            slot_start: ts(start),
        })
    })
    .transpose()
}

/// A checked-in booking's ticket still in the queue.
#[derive(sqlx::FromRow)]
struct BookedRow {
    number: String,
    code: String,
    name: String,
    slot_start: i64,
}

/// A booking of the day not checked in yet.
#[derive(sqlx::FromRow)]
struct AwaitingRow {
    code: String,
    service: String,
    name: String,
    slot_start: i64,
}

pub async fn staff_queue(
    c: &mut AnyConnection,
    code: &CentreCode,
    now: Timestamp,
) -> Result<StaffQueue> {
    let queue = queue::snapshot(c, code, now).await?;
    let centre = rows::centre(c, code).await?;
    let tz = centre.tz()?;
    let day = luot_domain::service_day(now, &tz).to_string();

    let booked: Vec<BookedRow> = sqlx::query_as(
        "SELECT t.number, a.code, a.name, a.slot_start FROM appointments a \
         JOIN tickets t ON t.id = a.ticket_id \
         WHERE a.centre_id = $1 AND a.service_day = $2 AND a.status = 'checked_in' \
         AND t.status IN ('waiting', 'transferred', 'called', 'serving') \
         ORDER BY a.slot_start, t.number LIMIT $3",
    )
    .bind(centre.id)
    .bind(&day)
    .bind(LIST_LIMIT)
    .fetch_all(&mut *c)
    .await?;
    let booked = booked
        .into_iter()
        .map(|r| {
            Ok(BookedTicket {
                number: r.number,
                code: BookingCode::parse(&r.code)?,
                name: r.name,
                slot_start: ts(r.slot_start),
                time: local_time(ts(r.slot_start), &tz),
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let window = rules(c, centre.id).await?.check_in;
    let awaiting: Vec<AwaitingRow> = sqlx::query_as(
        "SELECT a.code, s.code AS service, a.name, a.slot_start FROM appointments a \
         JOIN services s ON s.id = a.service_id \
         WHERE a.centre_id = $1 AND a.service_day = $2 AND a.status = 'booked' \
         ORDER BY a.slot_start, a.code LIMIT $3",
    )
    .bind(centre.id)
    .bind(&day)
    .bind(LIST_LIMIT)
    .fetch_all(&mut *c)
    .await?;
    let awaiting_check_in = awaiting
        .into_iter()
        // Past its window a booking can no longer be checked in (housekeeping
        // marks it a no-show within the minute).
        .filter(|a| !matches!(window.arrival(ts(a.slot_start), now), Arrival::Late { .. }))
        .map(|a| {
            let start = ts(a.slot_start);
            Ok(AwaitingBooking {
                code: BookingCode::parse(&a.code)?,
                service: ServiceCode::parse(&a.service)?,
                name: a.name,
                slot_start: start,
                time: local_time(start, &tz),
                check_in_opens: window.opens(start),
                check_in_closes: window.closes(start),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(StaffQueue {
        queue,
        booked,
        awaiting_check_in,
    })
}
