//! Leased number blocks and offline replay over SQL (see `crate::offline`),
//! and the numbering upsert every online path uses, which skips leased spans.

use async_trait::async_trait;
use futures::FutureExt;
use jiff::Timestamp;
use luot_domain::{numbering, priority, CentreCode, Channel, TicketNumber, TicketPrefix};
use sqlx::AnyConnection;

use super::issuing::{self, NewTicket};
use super::rows::{self, micros, ServiceRow};
use super::{tickets, SqlStore};
use crate::offline::*;
use crate::{Conflict, Error, Result};

/// The numbering upsert for one ticket: binds `$1` service id, `$2` service
/// day, `$3` the start number; returns the new `last_seq`. A next number that
/// falls in the day's leased span jumps past it.
pub const NEXT_SEQ: &str =
    "INSERT INTO daily_sequences (service_id, service_day, last_seq) VALUES ($1, $2, $3) \
     ON CONFLICT (service_id, service_day) DO UPDATE SET last_seq = CASE \
     WHEN daily_sequences.lease_hi IS NOT NULL AND daily_sequences.last_seq + 1 >= daily_sequences.lease_lo \
     AND daily_sequences.last_seq + 1 <= daily_sequences.lease_hi THEN daily_sequences.lease_hi + 1 \
     ELSE daily_sequences.last_seq + 1 END \
     RETURNING last_seq";

/// The numbering upsert for `$4` consecutive tickets (binds as [`NEXT_SEQ`],
/// `$3` being the last of the first run). Returns no row when the run would
/// reach into the leased span: the caller then issues one by one through
/// [`NEXT_SEQ`], which jumps.
pub const NEXT_SEQS: &str =
    "INSERT INTO daily_sequences (service_id, service_day, last_seq) VALUES ($1, $2, $3) \
     ON CONFLICT (service_id, service_day) DO UPDATE SET last_seq = daily_sequences.last_seq + $4 \
     WHERE daily_sequences.lease_hi IS NULL OR daily_sequences.last_seq + $4 < daily_sequences.lease_lo \
     OR daily_sequences.last_seq >= daily_sequences.lease_hi \
     RETURNING last_seq";

/// A block as stored.
#[derive(sqlx::FromRow)]
struct LeaseRow {
    id: i64,
    first_seq: i64,
    last_seq: i64,
}

/// The kiosk's open blocks of one service and day, oldest first.
async fn blocks_of(
    c: &mut AnyConnection,
    device_id: i64,
    service_id: i64,
    day: &str,
) -> Result<Vec<LeaseRow>> {
    Ok(sqlx::query_as(
        "SELECT id, first_seq, last_seq FROM number_leases WHERE device_id = $1 \
         AND service_id = $2 AND service_day = $3 AND released_at IS NULL ORDER BY first_seq",
    )
    .bind(device_id)
    .bind(service_id)
    .bind(day)
    .fetch_all(&mut *c)
    .await?)
}

/// Numbers of a block already issued (replayed).
async fn used_of(c: &mut AnyConnection, lease_id: i64) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT number FROM tickets WHERE lease_id = $1 ORDER BY number")
            .bind(lease_id)
            .fetch_all(&mut *c)
            .await?,
    )
}

/// Allocates a fresh block for a service and day above everything issued or
/// leased that day; `None` when the five digits a number may have run out.
async fn new_block(
    c: &mut AnyConnection,
    device_id: i64,
    svc: &ServiceRow,
    day: &str,
    now: Timestamp,
) -> Result<Option<LeaseRow>> {
    // The first online ticket of the day then gets the start number.
    sqlx::query(
        "INSERT INTO daily_sequences (service_id, service_day, last_seq) VALUES ($1, $2, $3) \
         ON CONFLICT (service_id, service_day) DO NOTHING",
    )
    .bind(svc.id)
    .bind(day)
    .bind(svc.start_number - 1)
    .execute(&mut *c)
    .await?;
    let (last_seq, lease_hi): (i64, Option<i64>) = sqlx::query_as(
        "SELECT last_seq, lease_hi FROM daily_sequences WHERE service_id = $1 AND service_day = $2",
    )
    .bind(svc.id)
    .bind(day)
    .fetch_one(&mut *c)
    .await?;
    let first = (svc.start_number + i64::from(OFFLINE_OFFSET))
        .max(last_seq + 1)
        .max(lease_hi.map_or(0, |h| h + 1));
    let last = first + i64::from(LEASE_BLOCK) - 1;
    if last > 99_999 {
        return Ok(None);
    }
    sqlx::query(
        "UPDATE daily_sequences SET lease_lo = COALESCE(lease_lo, $1), lease_hi = $2 \
         WHERE service_id = $3 AND service_day = $4",
    )
    .bind(first)
    .bind(last)
    .bind(svc.id)
    .bind(day)
    .execute(&mut *c)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO number_leases (device_id, service_id, service_day, first_seq, last_seq, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(device_id)
    .bind(svc.id)
    .bind(day)
    .bind(first)
    .bind(last)
    .bind(micros(now))
    .fetch_one(&mut *c)
    .await?;
    Ok(Some(LeaseRow {
        id,
        first_seq: first,
        last_seq: last,
    }))
}

async fn lease(
    c: &mut AnyConnection,
    device_id: i64,
    centre: &CentreCode,
    now: Timestamp,
) -> Result<Leases> {
    let centre = rows::centre(c, centre).await?;
    let tz = centre.tz()?;
    let date = numbering::service_day(now, &tz);
    let day = date.to_string();
    let valid_until = date
        .tomorrow()
        .and_then(|d| d.to_zoned(tz.clone()))
        .map_err(|e| Error::Internal(format!("end of the service day: {e}")))?
        .timestamp();
    let mut blocks = Vec::new();
    for svc in rows::services(c, centre.id).await? {
        if svc.active == 0 {
            continue;
        }
        let mut held = Vec::new();
        let mut unused = 0;
        for row in blocks_of(c, device_id, svc.id, &day).await? {
            let used = used_of(c, row.id).await?;
            unused += row.last_seq - row.first_seq + 1 - used.len() as i64;
            held.push((row, used));
        }
        if unused < i64::from(LEASE_BLOCK / 2) {
            if let Some(row) = new_block(c, device_id, &svc, &day, now).await? {
                held.push((row, Vec::new()));
            }
        }
        for (row, used) in held {
            blocks.push(NumberBlock {
                service: svc.code(),
                prefix: svc.prefix.clone(),
                service_name: svc.name.clone(),
                service_name_en: svc.name_en.clone(),
                first: row.first_seq as u32,
                last: row.last_seq as u32,
                used,
            });
        }
    }
    Ok(Leases {
        service_day: day,
        valid_until,
        timezone: centre.config.timezone.clone(),
        now,
        blocks,
    })
}

async fn replay(
    c: &mut AnyConnection,
    t: OfflineTicket,
) -> Result<(Replayed, Vec<luot_domain::Event>)> {
    let (centre, svc) = rows::centre_and_service(c, &t.centre, &t.service).await?;
    // A kiosk clock ahead of the server's cannot queue a ticket in the future.
    let issued_at = t.issued_at.min(t.now);
    let day = numbering::service_day(issued_at, &centre.tz()?).to_string();
    let number = TicketNumber::new(TicketPrefix::parse(&svc.prefix)?, t.seq).to_string();
    let existing: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, token FROM tickets WHERE centre_id = $1 AND service_day = $2 AND number = $3",
    )
    .bind(centre.id)
    .bind(&day)
    .bind(&number)
    .fetch_optional(&mut *c)
    .await?;
    if let Some((id, token)) = existing {
        if token != t.token {
            return Err(Error::Conflict(Conflict::NumberTaken));
        }
        let ticket = tickets::view(c, id, t.now).await?;
        return Ok((Replayed { ticket, new: false }, Vec::new()));
    }
    let lease_id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM number_leases WHERE device_id = $1 AND service_id = $2 \
         AND service_day = $3 AND first_seq <= $4 AND last_seq >= $4",
    )
    .bind(t.device_id)
    .bind(svc.id)
    .bind(&day)
    .bind(i64::from(t.seq))
    .fetch_optional(&mut *c)
    .await?;
    let lease_id = lease_id.ok_or(Error::Conflict(Conflict::NotLeased))?;
    // The paper is in the citizen's hand: a priority class removed since is
    // dropped rather than the ticket refused.
    let prio = t.priority.as_ref().and_then(|p| {
        priority::resolve(&centre.config.priority_classes, p.as_str())
            .ok()
            .map(|c| c.code.clone())
    });
    let mut new = [NewTicket {
        centre: &centre,
        svc: &svc,
        day,
        number,
        token: t.token.clone(),
        channel: Channel::Kiosk,
        priority: prio,
        actor: t.actor.as_str(),
        slot_start: None,
        issued_at: micros(issued_at),
        lease_id: Some(lease_id),
        print_on: None,
        key: None,
        now: t.now,
        id: 0,
    }];
    let events = issuing::write(c, &mut new).await?;
    let ticket = tickets::view(c, new[0].id, t.now).await?;
    Ok((Replayed { ticket, new: true }, events))
}

async fn release(c: &mut AnyConnection, now: Timestamp) -> Result<u64> {
    let centres: Vec<String> = sqlx::query_scalar("SELECT code FROM centres ORDER BY id")
        .fetch_all(&mut *c)
        .await?;
    let mut released = 0;
    for code in centres {
        let centre = rows::centre(c, &CentreCode::parse(&code)?).await?;
        let today = numbering::service_day(now, &centre.tz()?).to_string();
        released += sqlx::query(
            "UPDATE number_leases SET released_at = $1 WHERE released_at IS NULL \
             AND service_day < $2 AND service_id IN (SELECT id FROM services WHERE centre_id = $3)",
        )
        .bind(micros(now))
        .bind(&today)
        .bind(centre.id)
        .execute(&mut *c)
        .await?
        .rows_affected();
    }
    Ok(released)
}

#[async_trait]
impl OfflineStore for SqlStore {
    async fn lease_numbers(
        &self,
        device_id: i64,
        centre: &CentreCode,
        now: Timestamp,
    ) -> Result<Leases> {
        let centre = centre.clone();
        self.writer
            .run(move |c| {
                async move { Ok((lease(c, device_id, &centre, now).await?, Vec::new())) }.boxed()
            })
            .await
    }

    async fn replay_offline(&self, ticket: OfflineTicket) -> Result<Replayed> {
        self.writer.run(move |c| replay(c, ticket).boxed()).await
    }

    async fn release_leases(&self, now: Timestamp) -> Result<u64> {
        self.writer
            .run(move |c| async move { Ok((release(c, now).await?, Vec::new())) }.boxed())
            .await
    }
}
