//! Checking a booking in (its appointment ticket), and the housekeeping the
//! server runs every minute: no-shows after the window, reminders (each marked
//! sent in the transaction that hands it out, so none goes twice), and erasing
//! personal data after the retention period.

use jiff::{SignedDuration, Timestamp};
use luot_domain::{
    booking::{Arrival, Refusal},
    BookingCode, Channel, Error as Rule,
};
use sqlx::AnyConnection;

use super::book::{self as b, AppointmentRow, APPOINTMENT_SELECT};
use super::settings::rules;
use crate::notices::{NoticeSource, RegisterNotice};
use crate::sql::issuing::{self, NewTicket};
use crate::sql::notices;
use crate::sql::rows::{self, micros, new_token, ts};
use crate::sql::{retention, tickets};
use crate::{booking::*, Conflict, Error, Result};

type Reply = Result<(CheckInOutcome, Vec<luot_domain::Event>)>;

/// `id_hash`: the keyed hash of the ID number checked in by (if it is).
pub async fn check_in(c: &mut AnyConnection, cmd: CheckIn, id_hash: Option<String>) -> Reply {
    let row = match (&cmd.by, id_hash) {
        (CheckInBy::IdNumber { centre, .. }, Some(hash)) => {
            by_id_number(c, centre, &hash, cmd.now).await?
        }
        (CheckInBy::Code(code), _) => b::row_by_code(c, code).await?,
        (CheckInBy::IdNumber { .. }, None) => {
            return Err(Error::Internal(
                "check-in by ID number without its hash".into(),
            ))
        }
    };
    if cmd
        .within
        .as_ref()
        .is_some_and(|c| c.as_str() != row.centre_code)
    {
        return Err(Error::NotFound("appointment"));
    }
    let window = rules(c, row.centre_id).await?.check_in;
    let start = ts(row.slot_start);
    match row.status.as_str() {
        "checked_in" => {
            let ticket_id = row
                .ticket_id
                .ok_or_else(|| Error::Internal("checked in without a ticket".into()))?;
            let ticket = tickets::view(c, ticket_id, cmd.now).await?;
            if cmd.refuse_repeat {
                let ticket = ticket.number;
                return Err(Rule::Booking(Refusal::AlreadyCheckedIn { ticket }).into());
            }
            let appointment = b::to_view(c, row).await?;
            return Ok((
                CheckInOutcome {
                    appointment,
                    ticket,
                    new: false,
                },
                Vec::new(),
            ));
        }
        "booked" => {}
        "missed" => return Err(too_late(&row)?),
        other => {
            let status = AppointmentStatus::parse(other)
                .map(|s| s.as_str())
                .unwrap_or("unknown");
            return Err(Rule::Booking(Refusal::NotActive { status }).into());
        }
    }
    match window.arrival(start, cmd.now) {
        Arrival::Early { opens_at } => {
            return Err(Rule::Booking(Refusal::TooEarly { opens_at }).into())
        }
        Arrival::Late { .. } => return Err(too_late(&row)?),
        Arrival::OnTime => {}
    }
    let (ticket_id, token, event) = issue_appointment_ticket(c, &row, &cmd).await?;
    sqlx::query(
        "UPDATE appointments SET status = 'checked_in', checked_in_at = $1, ticket_id = $2 WHERE id = $3",
    )
    .bind(micros(cmd.now))
    .bind(ticket_id)
    .bind(row.id)
    .execute(&mut *c)
    .await?;
    turn_notices_for_booking(c, &row, token, cmd.now).await?;
    let ticket = tickets::view(c, ticket_id, cmd.now).await?;
    let appointment = b::view_by_code(c, &BookingCode::parse(&row.code)?).await?;
    Ok((
        CheckInOutcome {
            appointment,
            ticket,
            new: true,
        },
        vec![event],
    ))
}

fn too_late(row: &AppointmentRow) -> Result<Error> {
    Ok(Rule::Booking(Refusal::TooLate {
        service: luot_domain::ServiceCode::parse(&row.service_code)?,
    })
    .into())
}

/// Today's bookings at the centre made with this ID number (by its keyed
/// hash): the one whose window is open, else one already checked in, else the
/// nearest (for early/late).
async fn by_id_number(
    c: &mut AnyConnection,
    centre: &luot_domain::CentreCode,
    hash: &str,
    now: Timestamp,
) -> Result<AppointmentRow> {
    let centre = rows::centre(c, centre).await?;
    let today = luot_domain::service_day(now, &centre.tz()?).to_string();
    let found: Vec<AppointmentRow> = sqlx::query_as(&format!(
        "{APPOINTMENT_SELECT} WHERE a.centre_id = $1 AND a.id_hash = $2 AND a.service_day = $3 \
         AND a.status IN ('booked', 'checked_in', 'missed') ORDER BY a.slot_start"
    ))
    .bind(centre.id)
    .bind(hash)
    .bind(&today)
    .fetch_all(&mut *c)
    .await?;
    let window = rules(c, centre.id).await?.check_in;
    let rank = |r: &AppointmentRow| match (r.status.as_str(), window.arrival(ts(r.slot_start), now))
    {
        ("booked", Arrival::OnTime) => 0,
        ("checked_in", _) => 1,
        ("booked", Arrival::Early { .. }) => 2,
        _ => 3,
    };
    found
        .into_iter()
        .min_by_key(|r| (rank(r), r.slot_start))
        .ok_or(Error::NotFound("appointment"))
}

/// Leaves the booking's phone for its new ticket's turn notices when its
/// reminder consent covers them (`reminders_cover_turn_notices`), the way the
/// ticket's holder would on the status page. The check-in goes ahead without
/// it when the centre sends no notices or has too many phones at once.
async fn turn_notices_for_booking(
    c: &mut AnyConnection,
    row: &AppointmentRow,
    token: String,
    now: Timestamp,
) -> Result<()> {
    let Some(version) = row
        .notice_consent_version
        .as_deref()
        .filter(|v| luot_domain::booking::reminders_cover_turn_notices(v))
    else {
        return Ok(());
    };
    // An erased booking has no phone left to use.
    let Ok(phone) = luot_domain::Phone::parse(&row.phone) else {
        return Ok(());
    };
    let cmd = RegisterNotice {
        token,
        phone,
        consent_version: version.to_owned(),
        source: NoticeSource::Booking,
        now,
    };
    match notices::leave_phone(c, &cmd).await {
        Ok(notices::Left::Stored(_)) | Err(Error::Conflict(Conflict::NoNotifier)) => Ok(()),
        Ok(notices::Left::Full) => {
            tracing::warn!(
                centre = row.centre_id,
                "the centre's list of phones for notices is full; a booking checked in without turn notices"
            );
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Issues the appointment ticket: numbered like a walk-in of the service that
/// day (the walk-in daily cap does not apply: the place was promised), with
/// `slot_start` set and `queued_at` = slot start, so call-next serves it first
/// once its slot has begun and earlier slots before later ones.
async fn issue_appointment_ticket(
    c: &mut AnyConnection,
    row: &AppointmentRow,
    cmd: &CheckIn,
) -> Result<(i64, String, luot_domain::Event)> {
    let centre = rows::centre(c, &luot_domain::CentreCode::parse(&row.centre_code)?).await?;
    let svc = rows::service(
        c,
        centre.id,
        &luot_domain::ServiceCode::parse(&row.service_code)?,
    )
    .await?;
    let day = luot_domain::service_day(cmd.now, &centre.tz()?).to_string();
    // The walk-in daily cap does not apply: the place was promised.
    let seq = issuing::sequences(c, &svc, &day, 1).await?;
    let number = issuing::number_for(&svc, seq[0], false)?;
    let mut new = [NewTicket {
        centre: &centre,
        svc: &svc,
        day,
        number,
        token: new_token(cmd.now),
        channel: Channel::Appointment,
        priority: None,
        actor: cmd.actor.as_str(),
        slot_start: Some(row.slot_start),
        issued_at: micros(cmd.now),
        lease_id: None,
        print_on: cmd.print_on,
        key: None,
        now: cmd.now,
        id: 0,
    }];
    let mut events = issuing::write(c, &mut new).await?;
    let event = events
        .pop()
        .ok_or_else(|| Error::Internal("an appointment ticket without its event".into()))?;
    let [ticket] = new;
    Ok((ticket.id, ticket.token, event))
}

/// Marks as `missed` the bookings not checked in by the end of their slot plus
/// the check-in grace (the window's minutes after the start). The grace is per
/// centre, so each centre's is applied to its own rows.
pub async fn expire(
    c: &mut AnyConnection,
    now: Timestamp,
) -> Result<(u32, Vec<luot_domain::Event>)> {
    let centres: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT centre_id FROM appointments WHERE status = 'booked' AND slot_start < $1",
    )
    .bind(micros(now))
    .fetch_all(&mut *c)
    .await?;
    let mut n = 0;
    for (centre_id,) in centres {
        let window = rules(c, centre_id).await?.check_in;
        let after = SignedDuration::from_mins(i64::from(window.after_minutes));
        let cutoff = now.saturating_sub(after).unwrap_or(now);
        let done = sqlx::query(
            "UPDATE appointments SET status = 'missed' WHERE centre_id = $1 AND status = 'booked' \
             AND slot_end <= $2",
        )
        .bind(centre_id)
        .bind(micros(cutoff))
        .execute(&mut *c)
        .await?;
        n += done.rows_affected() as u32;
    }
    Ok((n, Vec::new()))
}

/// Erases name, phone and ID hash of bookings whose slot is older than the
/// centre's booking retention period, or its `data_retention_days` when that is
/// shorter. The booking itself stays for statistics. Part of the retention pass
/// (`sql::retention`), and callable alone.
pub async fn anonymise(c: &mut AnyConnection, now: Timestamp) -> Result<u32> {
    let centres: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT centre_id FROM appointments WHERE anonymised_at IS NULL AND slot_start < $1",
    )
    .bind(micros(now))
    .fetch_all(&mut *c)
    .await?;
    let mut n = 0;
    for (centre_id,) in centres {
        let days = rules(c, centre_id).await?.retention_days;
        let cutoff = retention::days_before(now, days)
            .max(retention::centre_cutoff(c, centre_id, now).await?);
        let done = sqlx::query(&format!(
            "UPDATE appointments SET {} WHERE centre_id = $2 AND anonymised_at IS NULL \
             AND slot_end <= $3",
            b::ERASE_PERSONAL
        ))
        .bind(micros(now))
        .bind(centre_id)
        .bind(micros(cutoff))
        .execute(&mut *c)
        .await?;
        n += done.rows_affected() as u32;
    }
    Ok(n)
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: i64,
    code: String,
    phone: String,
    name: String,
    slot_start: i64,
    reminded_day_at: Option<i64>,
    service_name: String,
    config: String,
}

/// Reminders due now: the day before (within 24 hours of the slot) and an hour
/// before. A booking made inside the last hour gets only the hour reminder.
pub async fn claim_reminders(
    c: &mut AnyConnection,
    now: Timestamp,
) -> Result<(Vec<Reminder>, Vec<luot_domain::Event>)> {
    let day = micros(now) + 24 * 3_600_000_000;
    let hour = micros(now) + 3_600_000_000;
    let due: Vec<DueRow> = sqlx::query_as(
        "SELECT a.id, a.code, a.phone, a.name, a.slot_start, a.reminded_day_at, s.name AS service_name, \
         c.config FROM appointments a JOIN services s ON s.id = a.service_id \
         JOIN centres c ON c.id = a.centre_id WHERE a.status = 'booked' AND a.slot_start > $1 \
         AND a.notice_consent_version IS NOT NULL \
         AND ((a.reminded_day_at IS NULL AND a.slot_start <= $2) \
           OR (a.reminded_hour_at IS NULL AND a.slot_start <= $3)) ORDER BY a.slot_start",
    )
    .bind(micros(now))
    .bind(day)
    .bind(hour)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::new();
    for r in due {
        let kind = if r.slot_start <= hour {
            ReminderKind::HourBefore
        } else {
            ReminderKind::DayBefore
        };
        // The hour reminder also settles a day reminder never sent.
        let sql = match kind {
            ReminderKind::HourBefore => {
                "UPDATE appointments SET reminded_hour_at = $1, reminded_day_at = COALESCE(reminded_day_at, $1) WHERE id = $2"
            }
            ReminderKind::DayBefore => "UPDATE appointments SET reminded_day_at = $1 WHERE id = $2",
        };
        sqlx::query(sql)
            .bind(micros(now))
            .bind(r.id)
            .execute(&mut *c)
            .await?;
        if kind == ReminderKind::DayBefore && r.reminded_day_at.is_some() {
            continue;
        }
        let centre: luot_domain::Centre = serde_json::from_str(&r.config)?;
        out.push(Reminder {
            kind,
            code: BookingCode::parse(&r.code)?,
            phone: r.phone,
            name: r.name,
            centre_name: centre.name,
            address: centre.address,
            service_name: r.service_name,
            slot_start: ts(r.slot_start),
            timezone: centre.timezone,
        });
    }
    Ok((out, Vec::new()))
}
