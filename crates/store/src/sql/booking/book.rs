//! Free slots, booking, look-up and cancellation. The capacity
//! of a slot is guarded by one conditional upsert on `slot_counts`: it adds a
//! place only while `booked < capacity`. On SQLite the single writer makes that
//! serial anyway; on PostgreSQL `ON CONFLICT DO UPDATE` locks the row and
//! re-checks the condition on the latest version, so concurrent server processes
//! cannot overbook either.

use futures::FutureExt;
use jiff::{civil::Date, tz::TimeZone, Timestamp};
use luot_domain::{
    booking::{ConsentPurpose, Refusal},
    cccd, slots, BookingCode, BookingSettings, CentreCode, Error as Rule, EventKind, Phone,
    ServiceCode,
};
use sqlx::AnyConnection;

use super::settings::{holidays, rules, settings};
use crate::sql::batch::{self, JobOn};
use crate::sql::events;
use crate::sql::rows::{self, micros, ts, CentreRow, ServiceRow};
use crate::sql::tx::{args, row_opt, Tx};
use crate::{booking::*, Error, Result};

/// How many "next free slots" a full slot's refusal offers.
const NEXT_FREE: usize = 3;

/// A service with everything slot generation needs.
pub struct Bookable {
    pub svc: ServiceRow,
    pub settings: BookingSettings,
    pub hours: luot_domain::OpeningHours,
    pub holidays: Vec<Date>,
    pub tz: TimeZone,
}

pub async fn bookable(
    c: &mut AnyConnection,
    centre: &CentreRow,
    service: &ServiceCode,
) -> Result<Bookable> {
    let svc = rows::service(c, centre.id, service).await?;
    let mut settings = settings(c, svc.id).await?;
    if svc.active == 0 {
        settings.enabled = false;
    }
    Ok(Bookable {
        hours: svc.hours(&centre.config)?,
        settings,
        holidays: holidays(c, centre.id)
            .await?
            .into_iter()
            .map(|h| h.date)
            .collect(),
        tz: centre.tz()?,
        svc,
    })
}

/// The places taken in each of `slots` (a day's) that has any, by
/// slot start: one range read of `slot_counts`, not one query per slot (a
/// refusal's "next free slots" may read several days of them).
async fn booked_between(
    c: &mut AnyConnection,
    service_id: i64,
    slots: &[slots::Slot],
) -> Result<std::collections::HashMap<i64, u32>> {
    let starts = slots.iter().map(|s| micros(s.start));
    let (Some(first), Some(last)) = (starts.clone().min(), starts.max()) else {
        return Ok(Default::default());
    };
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT slot_start, booked FROM slot_counts \
         WHERE service_id = $1 AND slot_start >= $2 AND slot_start <= $3",
    )
    .bind(service_id)
    .bind(first)
    .bind(last)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(start, n)| (start, n.max(0) as u32))
        .collect())
}

/// The bookable slots of `date` with the places left.
pub async fn day(
    c: &mut AnyConnection,
    b: &Bookable,
    date: Date,
    now: Timestamp,
) -> Result<DaySlots> {
    let mut out = DaySlots {
        service: b.svc.code(),
        date,
        slots: Vec::new(),
        closed: None,
    };
    match slots::bookable_slots(date, now, &b.hours, &b.settings, &b.holidays, &b.tz) {
        Err(why) => out.closed = Some(why),
        Ok(list) => {
            let taken = booked_between(c, b.svc.id, &list).await?;
            for s in list {
                let taken = taken.get(&micros(s.start)).copied().unwrap_or(0);
                out.slots.push(SlotView {
                    start: s.start,
                    end: s.end,
                    time: s
                        .start
                        .to_zoned(b.tz.clone())
                        .time()
                        .strftime("%H:%M")
                        .to_string(),
                    capacity: b.settings.capacity,
                    remaining: b.settings.capacity.saturating_sub(taken),
                });
            }
        }
    }
    Ok(out)
}

/// The next free slot starts after `after`, within the horizon.
async fn next_free(
    c: &mut AnyConnection,
    b: &Bookable,
    after: Timestamp,
    now: Timestamp,
) -> Result<Vec<Timestamp>> {
    let mut out = Vec::new();
    for date in slots::horizon_dates(now, &b.settings, &b.tz) {
        let d = day(c, b, date, now).await?;
        for s in d.slots {
            if s.start > after && s.remaining > 0 {
                out.push(s.start);
                if out.len() == NEXT_FREE {
                    return Ok(out);
                }
            }
        }
    }
    Ok(out)
}

/// The assignments that erase a booking's personal data (name, phone, ID
/// number), with `$1` the time of erasure. The booking itself (service, slot,
/// status, ticket) stays for the figures.
pub const ERASE_PERSONAL: &str =
    "name = '', phone = '', id_hash = NULL, id_last4 = NULL, anonymised_at = $1";

/// What a booking checks against the centre's configuration, read before it
/// reaches the writer (on a read connection): the writer's single connection
/// then runs only what must be serial (the per-person limits, the slot's
/// capacity, the insert). A refusal on these grounds never queues for it.
pub struct Prepared {
    centre: CentreRow,
    b: Bookable,
    slot: slots::Slot,
    day: String,
    rules: BookingRules,
    /// Whether the centre sends turn notices (a notifier is set up): what
    /// the new booking's view says about them, read here, not by the writer.
    notifiers: bool,
}

pub async fn prepare(c: &mut AnyConnection, cmd: &Book) -> Result<Prepared> {
    let centre = rows::centre(c, &cmd.centre).await?;
    let b = bookable(c, &centre, &cmd.service).await?;
    let slot = slots::check_slot(
        cmd.slot_start,
        cmd.now,
        &b.hours,
        &b.settings,
        &b.holidays,
        &b.tz,
    )?;
    let day = slots::local_date(slot.start, &b.tz).to_string();
    let rules = rules(c, centre.id).await?;
    let notifiers = has_notifiers(c, centre.id).await?;
    Ok(Prepared {
        centre,
        b,
        slot,
        day,
        rules,
        notifiers,
    })
}

/// A booking waiting in the writer's queue. Like a counter command it is
/// one implementation over [`Tx`]: on SQLite the writer runs it on the write
/// lane (lane.rs), where its statements cost no hop between threads each; on
/// PostgreSQL on its connection; in its own savepoint either way.
pub struct BookJob {
    pub cmd: Book,
    pub prepared: Prepared,
    /// The ID number's hash under the key file's key (crate::id_key).
    pub id_hash: Option<String>,
    pub reply: tokio::sync::oneshot::Sender<Result<AppointmentView>>,
}

impl BookJob {
    pub fn into_job<C: Tx + 'static>(self) -> JobOn<C> {
        let Self {
            cmd,
            prepared,
            id_hash,
            reply,
        } = self;
        batch::one(
            move |c: &mut C| book(c, cmd, prepared, id_hash).boxed(),
            reply,
            None,
        )
    }
}

pub async fn book<C: Tx>(
    c: &mut C,
    cmd: Book,
    prepared: Prepared,
    id_hash: Option<String>,
) -> Result<(AppointmentView, Vec<luot_domain::Event>)> {
    let Prepared {
        centre,
        b,
        slot,
        day,
        rules,
        notifiers,
    } = prepared;
    let same_day = c
        .rows(
            "SELECT s.code FROM appointments a JOIN services s ON s.id = a.service_id \
             WHERE a.phone = $1 AND a.service_day = $2 AND a.status IN ('booked', 'checked_in')",
            args![cmd.phone.as_str(), &day],
            |r| r.text(0),
        )
        .await?
        .iter()
        .map(|s| ServiceCode::parse(s))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    rules.limits.check(&same_day, &cmd.service)?;

    let taken = row_opt(
        c,
        "INSERT INTO slot_counts (service_id, slot_start, booked) VALUES ($1, $2, 1) \
         ON CONFLICT (service_id, slot_start) DO UPDATE SET booked = slot_counts.booked + 1 \
         WHERE slot_counts.booked < $3 RETURNING booked",
        args![b.svc.id, micros(slot.start), i64::from(b.settings.capacity)],
        |r| r.int(0),
    )
    .await?;
    if taken.is_none() {
        // The next free slots are found after this batch, on a read
        // connection ([`next_free_after`]): a search over the horizon's days
        // need not hold up every other write.
        return Err(Rule::Booking(Refusal::SlotFull { next: Vec::new() }).into());
    }

    // The hash under the key file's key (crate::id_key), made by the caller.
    let id_last4 = cmd.id_number.as_deref().map(|id| {
        let masked = cccd::mask_id(id);
        masked[masked.len() - 4..].to_owned()
    });
    // A fresh code; ON CONFLICT DO NOTHING keeps a rare collision from aborting
    // the transaction (PostgreSQL) and simply draws again.
    let mut code = None;
    let mut appointment = 0;
    for _ in 0..16 {
        let candidate = BookingCode::from_random(rand::random());
        let id = row_opt(
            c,
            "INSERT INTO appointments (centre_id, service_id, code, slot_start, slot_end, service_day, \
             name, phone, id_hash, id_last4, consent_version, consent_text, status, created_at, \
             notice_consent_version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'booked', $13, $14) \
             ON CONFLICT (code) DO NOTHING RETURNING id",
            args![
                centre.id,
                b.svc.id,
                candidate.as_str(),
                micros(slot.start),
                micros(slot.end),
                &day,
                &cmd.name,
                cmd.phone.as_str(),
                id_hash.clone(),
                id_last4.clone(),
                &cmd.consent_version,
                &cmd.consent_text,
                micros(cmd.now),
                cmd.reminder_consent_version.clone()
            ],
            |r| r.int(0),
        )
        .await?;
        if let Some(id) = id {
            code = Some(candidate);
            appointment = id;
            break;
        }
    }
    let code = code.ok_or_else(|| Error::Internal("no free booking code after 16 draws".into()))?;
    let event = booking_changed(c, &centre, BOOKING_CREATED, appointment, cmd.now).await?;
    // The view from what this command wrote and what was prepared, not read
    // back: every statement here holds up the writer.
    let turn_notices = notifiers
        && cmd
            .reminder_consent_version
            .as_deref()
            .is_some_and(luot_domain::booking::reminders_cover_turn_notices);
    let row = AppointmentRow {
        id: appointment,
        centre_id: centre.id,
        service_id: b.svc.id,
        code: code.as_str().to_owned(),
        status: AppointmentStatus::Booked.as_str().to_owned(),
        slot_start: micros(slot.start),
        slot_end: micros(slot.end),
        name: cmd.name,
        phone: cmd.phone.as_str().to_owned(),
        id_last4,
        consent_version: cmd.consent_version,
        notice_consent_version: cmd.reminder_consent_version,
        ticket_id: None,
        service_code: b.svc.code.clone(),
        service_name: b.svc.name.clone(),
        service_name_en: b.svc.name_en.clone(),
        centre_code: centre.config.code.as_str().to_owned(),
    };
    let looks = Looks {
        settings: &b.settings,
        check_in: rules.check_in,
        ticket_number: None,
        turn_notices,
    };
    Ok((view(row, centre.config, looks)?, vec![event]))
}

/// The next free slots after `after`, for a refusal of a full slot: read on
/// a read connection once the refusal is known (see [`book`]).
pub async fn next_free_after(
    c: &mut AnyConnection,
    centre: &CentreCode,
    service: &ServiceCode,
    after: Timestamp,
    now: Timestamp,
) -> Result<Vec<Timestamp>> {
    let centre = rows::centre(c, centre).await?;
    let b = bookable(c, &centre, service).await?;
    next_free(c, &b, after, now).await
}

/// Whether the centre has a notifier set up (it sends turn notices).
async fn has_notifiers(c: &mut AnyConnection, centre_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifiers WHERE centre_id = $1")
        .bind(centre_id)
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0)
}

/// The event log's kinds of a booking made and a booking cancelled (the
/// `booking.created` and `booking.cancelled` webhooks).
pub const BOOKING_CREATED: &str = "booking_created";
pub const BOOKING_CANCELLED: &str = "booking_cancelled";

/// Tells counter consoles that today's bookings may have changed (see
/// [`EventKind::BookingChanged`]); the portal is the actor, no one personal.
/// The stream's payload names no booking; the log row keeps which booking
/// and what happened to it (`kind`) for the webhooks (migration 0026).
async fn booking_changed<C: Tx + ?Sized>(
    c: &mut C,
    centre: &CentreRow,
    kind: &str,
    appointment: i64,
    now: Timestamp,
) -> Result<luot_domain::Event> {
    let logged = events::Logged {
        kind,
        appointment: Some(appointment),
        ..Default::default()
    };
    events::append_logged(c, centre, EventKind::BookingChanged, logged, "portal", now).await
}

#[derive(sqlx::FromRow)]
pub struct AppointmentRow {
    pub id: i64,
    pub centre_id: i64,
    pub service_id: i64,
    pub code: String,
    pub status: String,
    pub slot_start: i64,
    pub slot_end: i64,
    pub name: String,
    pub phone: String,
    pub id_last4: Option<String>,
    pub consent_version: String,
    pub notice_consent_version: Option<String>,
    pub ticket_id: Option<i64>,
    pub service_code: String,
    pub service_name: String,
    pub service_name_en: String,
    pub centre_code: String,
}

pub const APPOINTMENT_SELECT: &str = "SELECT a.id, a.centre_id, a.service_id, a.code, a.status, \
     a.slot_start, a.slot_end, a.name, a.phone, a.id_last4, a.consent_version, \
     a.notice_consent_version, a.ticket_id, \
     s.code AS service_code, s.name AS service_name, s.name_en AS service_name_en, \
     c.code AS centre_code FROM appointments a JOIN services s ON s.id = a.service_id \
     JOIN centres c ON c.id = a.centre_id";

pub async fn row_by_code(c: &mut AnyConnection, code: &BookingCode) -> Result<AppointmentRow> {
    sqlx::query_as(&format!("{APPOINTMENT_SELECT} WHERE a.code = $1"))
        .bind(code.as_str())
        .fetch_optional(&mut *c)
        .await?
        .ok_or(Error::NotFound("appointment"))
}

pub async fn view_by_code(c: &mut AnyConnection, code: &BookingCode) -> Result<AppointmentView> {
    let row = row_by_code(c, code).await?;
    to_view(c, row).await
}

pub async fn to_view(c: &mut AnyConnection, r: AppointmentRow) -> Result<AppointmentView> {
    let centre = rows::centre(c, &luot_domain::CentreCode::parse(&r.centre_code)?).await?;
    let s = settings(c, r.service_id).await?;
    let check_in = rules(c, r.centre_id).await?.check_in;
    let ticket_number: Option<String> = match r.ticket_id {
        Some(id) => {
            sqlx::query_scalar("SELECT number FROM tickets WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
        }
        None => None,
    };
    let turn_notices = turn_notices(c, &r).await?;
    let looks = Looks {
        settings: &s,
        check_in,
        ticket_number,
        turn_notices,
    };
    view(r, centre.config, looks)
}

/// What a booking's view shows beyond its own row.
struct Looks<'a> {
    settings: &'a BookingSettings,
    check_in: luot_domain::CheckInWindow,
    ticket_number: Option<String>,
    turn_notices: bool,
}

/// A booking as its holder sees it, from its row and the rest.
fn view(r: AppointmentRow, cfg: luot_domain::Centre, looks: Looks<'_>) -> Result<AppointmentView> {
    let Looks {
        settings: s,
        check_in: window,
        ticket_number,
        turn_notices,
    } = looks;
    let start = ts(r.slot_start);
    Ok(AppointmentView {
        code: BookingCode::parse(&r.code)?,
        status: AppointmentStatus::parse(&r.status)
            .ok_or_else(|| Error::Internal(format!("appointment status `{}`", r.status)))?,
        centre: cfg.code,
        centre_name: cfg.name,
        centre_name_en: cfg.name_en,
        address: cfg.address,
        timezone: cfg.timezone,
        service: ServiceCode::parse(&r.service_code)?,
        service_name: r.service_name,
        service_name_en: r.service_name_en,
        slot_start: start,
        slot_end: ts(r.slot_end),
        check_in_opens: window.opens(start),
        check_in_closes: window.closes(start),
        name: r.name,
        phone: luot_domain::booking::mask_phone(&r.phone),
        id_number: r.id_last4.map(|l| format!("********{l}")),
        bring_note: s.bring_note.clone(),
        bring_note_en: s.bring_note_en.clone(),
        consent_version: r.consent_version,
        reminder_consent_version: r.notice_consent_version,
        turn_notices,
        ticket_number,
    })
}

/// Whether the booking's phone gets its ticket's turn notices: once checked
/// in, whether it is left on the ticket (until the ticket ends or the consent
/// is withdrawn); before, whether it will be (the reminder consent covers them
/// and the centre sends notices).
async fn turn_notices(c: &mut AnyConnection, r: &AppointmentRow) -> Result<bool> {
    let (sql, id) = match r.ticket_id {
        Some(ticket) => (
            "SELECT COUNT(*) FROM notice_phones WHERE ticket_id = $1",
            ticket,
        ),
        None if r.status == "booked"
            && r.notice_consent_version
                .as_deref()
                .is_some_and(luot_domain::booking::reminders_cover_turn_notices) =>
        {
            (
                "SELECT COUNT(*) FROM notifiers WHERE centre_id = $1",
                r.centre_id,
            )
        }
        None => return Ok(false),
    };
    let n: i64 = sqlx::query_scalar(sql).bind(id).fetch_one(&mut *c).await?;
    Ok(n > 0)
}

/// The booking only if the phone matches; otherwise the same `NotFound` as an
/// unknown code, so the reply gives no hint which was wrong.
pub async fn row_for_holder(
    c: &mut AnyConnection,
    code: &BookingCode,
    phone: &Phone,
) -> Result<AppointmentRow> {
    let row = row_by_code(c, code).await?;
    if row.phone.is_empty() || row.phone != phone.as_str() {
        return Err(Error::NotFound("appointment"));
    }
    Ok(row)
}

pub async fn cancel(
    c: &mut AnyConnection,
    code: BookingCode,
    phone: Phone,
    now: Timestamp,
) -> Result<(AppointmentView, Vec<luot_domain::Event>)> {
    let row = row_for_holder(c, &code, &phone).await?;
    if row.status != "booked" {
        let status = AppointmentStatus::parse(&row.status)
            .map(|s| s.as_str())
            .unwrap_or("unknown");
        return Err(Rule::Booking(Refusal::NotActive { status }).into());
    }
    // Cancelling ends the purpose the data was given for: name, phone and ID
    // number go at once, in the same statement (the store then scrubs the WAL).
    let done = sqlx::query(&format!(
        "UPDATE appointments SET status = 'cancelled', cancelled_at = $1, {ERASE_PERSONAL} \
         WHERE id = $2 AND status = 'booked'"
    ))
    .bind(micros(now))
    .bind(row.id)
    .execute(&mut *c)
    .await?;
    if done.rows_affected() == 1 {
        sqlx::query(
            "UPDATE slot_counts SET booked = booked - 1 WHERE service_id = $1 AND slot_start = $2 AND booked > 0",
        )
        .bind(row.service_id)
        .bind(row.slot_start)
        .execute(&mut *c)
        .await?;
    }
    let centre_code: String = sqlx::query_scalar("SELECT code FROM centres WHERE id = $1")
        .bind(row.centre_id)
        .fetch_one(&mut *c)
        .await?;
    let centre = rows::centre(c, &CentreCode::parse(&centre_code)?).await?;
    let event = booking_changed(c, &centre, BOOKING_CANCELLED, row.id, now).await?;
    Ok((view_by_code(c, &code).await?, vec![event]))
}

/// Withdraws one consent of the booking's holder (see
/// `BookingStore::withdraw_consent`). The phone copied for turn notices goes
/// with either consent: both were given for it.
pub async fn withdraw(
    c: &mut AnyConnection,
    code: BookingCode,
    phone: Phone,
    purpose: ConsentPurpose,
    now: Timestamp,
) -> Result<(AppointmentView, Vec<luot_domain::Event>)> {
    let row = row_for_holder(c, &code, &phone).await?;
    if let Some(ticket) = row.ticket_id {
        sqlx::query("DELETE FROM notice_phones WHERE ticket_id = $1")
            .bind(ticket)
            .execute(&mut *c)
            .await?;
    }
    match purpose {
        // A booking still to come cannot be kept for someone no longer
        // named: it is cancelled and its place freed.
        ConsentPurpose::Booking if row.status == "booked" => {
            sqlx::query("UPDATE appointments SET notice_consent_version = NULL WHERE id = $1")
                .bind(row.id)
                .execute(&mut *c)
                .await?;
            return cancel(c, code, phone, now).await;
        }
        ConsentPurpose::Booking => {
            sqlx::query(&format!(
                "UPDATE appointments SET {ERASE_PERSONAL}, notice_consent_version = NULL \
                 WHERE id = $2"
            ))
            .bind(micros(now))
            .bind(row.id)
            .execute(&mut *c)
            .await?;
        }
        ConsentPurpose::Reminders => {
            sqlx::query("UPDATE appointments SET notice_consent_version = NULL WHERE id = $1")
                .bind(row.id)
                .execute(&mut *c)
                .await?;
        }
    }
    Ok((view_by_code(c, &code).await?, Vec::new()))
}
