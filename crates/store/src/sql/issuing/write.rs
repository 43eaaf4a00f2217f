//! Writing tickets: the only place a ticket row is inserted (with its
//! idempotency key, its print job and its `ticket_issued` event), and the only
//! numbering. Walk-ins (one or a batch), appointment check-ins and offline
//! replays all end here.

use std::collections::HashMap;

use jiff::Timestamp;
use luot_domain::{
    Channel, Event, EventKind, NumberSequence, PriorityCode, TicketNumber, TicketPrefix,
};
use sqlx::{AnyConnection, Row};

use crate::sql::build::Sql;
use crate::sql::offline::{NEXT_SEQ, NEXT_SEQS};
use crate::sql::rows::{micros, CentreRow, ServiceRow};
use crate::{Error, Result};

/// Rows per multi-row INSERT: a few hundred bound values, far below either
/// backend's limit, and few distinct statement texts.
pub const CHUNK: usize = 64;

/// A ticket about to be written: everything its row and its event need.
pub struct NewTicket<'a> {
    pub centre: &'a CentreRow,
    pub svc: &'a ServiceRow,
    /// The service day (local calendar day) its number belongs to.
    pub day: String,
    pub number: String,
    pub token: String,
    pub channel: Channel,
    pub priority: Option<PriorityCode>,
    /// Who issued it (and granted its priority, if any).
    pub actor: &'a str,
    /// An appointment's slot start: the ticket queues at it.
    pub slot_start: Option<i64>,
    /// When it was issued (an offline ticket: on the kiosk).
    pub issued_at: i64,
    /// The leased block an offline ticket's number came from.
    pub lease_id: Option<i64>,
    /// The kiosk whose printer prints it.
    pub print_on: Option<i64>,
    /// The Idempotency-Key it answers, with its scope and request fingerprint.
    pub key: Option<Key<'a>>,
    /// When the command runs (its event's and print job's time).
    pub now: Timestamp,
    /// Set by [`write`].
    pub id: i64,
}

/// An Idempotency-Key as stored: its caller's (the issuing actor's), so two
/// callers never share one.
#[derive(Clone)]
pub struct Key<'a> {
    pub scope: &'a str,
    pub key: &'a str,
    pub fingerprint: String,
}

impl NewTicket<'_> {
    fn queued_at(&self) -> i64 {
        self.slot_start.unwrap_or(self.issued_at)
    }

    pub fn event_kind(&self) -> EventKind {
        EventKind::TicketIssued {
            number: self.number.clone(),
            service: self.svc.code(),
            channel: self.channel,
            priority: self.priority.is_some(),
        }
    }
}

/// The next `n` daily sequence numbers of a service and day, in order:
/// consecutive, except that a run jumps past the numbers leased to kiosks for
/// offline use (sql/offline.rs).
pub async fn sequences(
    c: &mut AnyConnection,
    svc: &ServiceRow,
    day: &str,
    n: usize,
) -> Result<Vec<i64>> {
    if n > 1 {
        let n = n as i64;
        let last: Option<i64> = sqlx::query_scalar(NEXT_SEQS)
            .bind(svc.id)
            .bind(day)
            .bind(svc.start_number + n - 1)
            .bind(n)
            .fetch_optional(&mut *c)
            .await?;
        if let Some(last) = last {
            return Ok((last - n + 1..=last).collect());
        }
        // The run would reach the leased span: one by one, each jumping it.
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(
            sqlx::query_scalar(NEXT_SEQ)
                .bind(svc.id)
                .bind(day)
                .bind(svc.start_number)
                .fetch_one(&mut *c)
                .await?,
        );
    }
    Ok(out)
}

/// The printed number of daily sequence `seq`, if the service's daily cap
/// (when `capped`) admits it.
pub fn number_for(svc: &ServiceRow, seq: i64, capped: bool) -> Result<String> {
    let sequence = NumberSequence {
        start_number: svc.start_number as u32,
        daily_cap: svc.daily_cap.filter(|_| capped).map(|c| c as u32),
    };
    let seq = sequence.admit(u32::try_from(seq).unwrap_or(u32::MAX))?;
    Ok(TicketNumber::new(TicketPrefix::parse(&svc.prefix)?, seq).to_string())
}

/// Inserts `tickets` (setting their ids), their keys, print jobs and events,
/// a few multi-row statements per chunk; returns the events in ticket order.
pub async fn write(c: &mut AnyConnection, tickets: &mut [NewTicket<'_>]) -> Result<Vec<Event>> {
    for chunk in tickets.chunks_mut(CHUNK) {
        insert_tickets(c, chunk).await?;
    }
    let keyed: Vec<&NewTicket> = tickets.iter().filter(|t| t.key.is_some()).collect();
    for chunk in keyed.chunks(CHUNK) {
        let mut sql = Sql::new(
            c,
            "INSERT INTO idempotency_keys (centre_id, scope, key, fingerprint, ticket_id, created_at) \
             VALUES ",
        );
        sql.rows(chunk.len(), &[None; 6]);
        let mut q = sqlx::query(sql.as_str());
        for t in chunk {
            let key = t.key.as_ref().expect("filtered");
            q = q
                .bind(t.centre.id)
                .bind(key.scope)
                .bind(key.key)
                .bind(&key.fingerprint)
                .bind(t.id)
                .bind(micros(t.now));
        }
        q.persistent(false).execute(&mut *c).await?;
    }
    let printed: Vec<(i64, &NewTicket)> = tickets
        .iter()
        .filter_map(|t| t.print_on.map(|d| (d, t)))
        .collect();
    for chunk in printed.chunks(CHUNK) {
        let mut sql = Sql::new(
            c,
            "INSERT INTO print_jobs (device_id, ticket_id, created_at) VALUES ",
        );
        sql.rows(chunk.len(), &[None; 3]);
        let mut q = sqlx::query(sql.as_str());
        for (device, t) in chunk {
            q = q.bind(device).bind(t.id).bind(micros(t.now));
        }
        q.persistent(false).execute(&mut *c).await?;
    }
    let mut events = Vec::with_capacity(tickets.len());
    for chunk in tickets.chunks(CHUNK) {
        events.extend(insert_events(c, chunk).await?);
    }
    Ok(events)
}

async fn insert_tickets(c: &mut AnyConnection, chunk: &mut [NewTicket<'_>]) -> Result<()> {
    let mut sql = Sql::new(
        c,
        "INSERT INTO tickets (centre_id, numbered_service_id, service_id, service_day, number, \
         token, channel, priority, priority_by, status, issued_by, slot_start, issued_at, \
         queued_at, lease_id) VALUES ",
    );
    let p = None;
    sql.rows(
        chunk.len(),
        &[p, p, p, p, p, p, p, p, p, Some("'waiting'"), p, p, p, p, p],
    )
    .push(" RETURNING id, token");
    let mut q = sqlx::query(sql.as_str());
    for t in chunk.iter() {
        let priority = t.priority.as_ref();
        q = q
            .bind(t.centre.id)
            .bind(t.svc.id)
            .bind(t.svc.id)
            .bind(&t.day)
            .bind(&t.number)
            .bind(&t.token)
            .bind(t.channel.as_str())
            .bind(priority.map(|p| p.as_str()))
            .bind(priority.map(|_| t.actor))
            .bind(t.actor)
            .bind(t.slot_start)
            .bind(t.issued_at)
            .bind(t.queued_at())
            .bind(t.lease_id);
    }
    let ids: HashMap<String, i64> = q
        .persistent(false)
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<String, _>(1)?, r.try_get::<i64, _>(0)?)))
        .collect::<std::result::Result<_, sqlx::Error>>()?;
    for t in chunk.iter_mut() {
        t.id = *ids
            .get(&t.token)
            .ok_or_else(|| Error::Internal("a ticket was not inserted".into()))?;
    }
    Ok(())
}

/// Appends each ticket's `ticket_issued` event, in ticket order (so event ids
/// follow it).
async fn insert_events(c: &mut AnyConnection, chunk: &[NewTicket<'_>]) -> Result<Vec<Event>> {
    let mut sql = Sql::new(
        c,
        "INSERT INTO events (centre_id, kind, ticket_id, counter_id, actor, at, payload) VALUES ",
    );
    let p = None;
    sql.rows(
        chunk.len(),
        &[p, Some("'ticket_issued'"), p, Some("NULL"), p, p, p],
    )
    .push(" RETURNING id, ticket_id");
    let mut q = sqlx::query(sql.as_str());
    let mut kinds = HashMap::with_capacity(chunk.len());
    for t in chunk {
        let kind = t.event_kind();
        q = q
            .bind(t.centre.id)
            .bind(t.id)
            .bind(t.actor)
            .bind(micros(t.now))
            .bind(serde_json::to_string(&kind)?);
        kinds.insert(t.id, kind);
    }
    let mut ids = HashMap::with_capacity(chunk.len());
    for r in q.persistent(false).fetch_all(&mut *c).await? {
        let (id, ticket_id): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        ids.insert(ticket_id, id);
    }
    chunk
        .iter()
        .map(|t| {
            let id = *ids
                .get(&t.id)
                .ok_or_else(|| Error::Internal("a ticket without its event".into()))?;
            let kind = kinds
                .remove(&t.id)
                .ok_or_else(|| Error::Internal("a ticket without its event".into()))?;
            Ok(Event {
                id,
                centre: t.centre.config.code.clone(),
                at: t.now,
                kind,
            })
        })
        .collect()
}
