//! Writing tickets: the only place a ticket row is inserted (with its
//! idempotency key, its print job and its `ticket_issued` event), and the only
//! numbering. Walk-ins (one or a batch), appointment check-ins and offline
//! replays all end here.

use std::collections::HashMap;

use crate::sql::build::Sql;
use crate::sql::offline::{NEXT_SEQ, NEXT_SEQS};
use crate::sql::rows::{micros, CentreRow, ServiceRow};
use crate::sql::tx::{args, row_opt, Arg, Tx};
use crate::{Error, Result};
use jiff::Timestamp;
use luot_domain::{
    Channel, Event, EventKind, NumberSequence, PriorityCode, TicketNumber, TicketPrefix,
};

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
pub async fn sequences<C: Tx + ?Sized>(
    c: &mut C,
    svc: &ServiceRow,
    day: &str,
    n: usize,
) -> Result<Vec<i64>> {
    if n > 1 {
        let n = n as i64;
        let last = row_opt(
            c,
            NEXT_SEQS,
            args![svc.id, day, svc.start_number + n - 1, n],
            |r| r.int(0),
        )
        .await?;
        if let Some(last) = last {
            return Ok((last - n + 1..=last).collect());
        }
        // The run would reach the leased span: one by one, each jumping it.
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(
            crate::sql::tx::row(
                c,
                NEXT_SEQ,
                args![svc.id, day, svc.start_number],
                |r| r.int(0),
                "sequence",
            )
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
pub async fn write<C: Tx + ?Sized>(c: &mut C, tickets: &mut [NewTicket<'_>]) -> Result<Vec<Event>> {
    for range in c.pieces(tickets.len()) {
        insert_tickets(c, &mut tickets[range]).await?;
    }
    let keyed: Vec<&NewTicket> = tickets.iter().filter(|t| t.key.is_some()).collect();
    for range in c.pieces(keyed.len()) {
        let chunk = &keyed[range];
        let mut sql = Sql::new(
            c,
            "INSERT INTO idempotency_keys (centre_id, scope, key, fingerprint, ticket_id, created_at) \
             VALUES ",
        );
        sql.rows(chunk.len(), &[None; 6]);
        let mut bound: Vec<Arg> = Vec::with_capacity(chunk.len() * 6);
        for t in chunk {
            let key = t.key.as_ref().expect("filtered");
            bound.extend(args![
                t.centre.id,
                key.scope,
                key.key,
                &key.fingerprint,
                t.id,
                micros(t.now)
            ]);
        }
        c.exec(sql.as_str(), bound).await?;
    }
    let printed: Vec<(i64, &NewTicket)> = tickets
        .iter()
        .filter_map(|t| t.print_on.map(|d| (d, t)))
        .collect();
    for range in c.pieces(printed.len()) {
        let chunk = &printed[range];
        let mut sql = Sql::new(
            c,
            "INSERT INTO print_jobs (device_id, ticket_id, created_at) VALUES ",
        );
        sql.rows(chunk.len(), &[None; 3]);
        let mut bound: Vec<Arg> = Vec::with_capacity(chunk.len() * 3);
        for (device, t) in chunk {
            bound.extend(args![*device, t.id, micros(t.now)]);
        }
        c.exec(sql.as_str(), bound).await?;
    }
    let mut events = Vec::with_capacity(tickets.len());
    for range in c.pieces(tickets.len()) {
        events.extend(insert_events(c, &tickets[range]).await?);
    }
    Ok(events)
}

async fn insert_tickets<C: Tx + ?Sized>(c: &mut C, chunk: &mut [NewTicket<'_>]) -> Result<()> {
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
    let mut bound: Vec<Arg> = Vec::with_capacity(chunk.len() * 14);
    for t in chunk.iter() {
        let priority = t.priority.as_ref();
        bound.extend(args![
            t.centre.id,
            t.svc.id,
            t.svc.id,
            &t.day,
            &t.number,
            &t.token,
            t.channel.as_str(),
            priority.map(|p| p.as_str()),
            priority.map(|_| t.actor),
            t.actor,
            t.slot_start,
            t.issued_at,
            t.queued_at(),
            t.lease_id
        ]);
    }
    let ids: HashMap<String, i64> = c
        .rows(sql.as_str(), bound, |r| Ok((r.text(1)?, r.int(0)?)))
        .await?
        .into_iter()
        .collect();
    for t in chunk.iter_mut() {
        t.id = *ids
            .get(&t.token)
            .ok_or_else(|| Error::Internal("a ticket was not inserted".into()))?;
    }
    Ok(())
}

/// Appends each ticket's `ticket_issued` event, in ticket order (so event ids
/// follow it).
async fn insert_events<C: Tx + ?Sized>(c: &mut C, chunk: &[NewTicket<'_>]) -> Result<Vec<Event>> {
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
    let mut bound: Vec<Arg> = Vec::with_capacity(chunk.len() * 5);
    let mut kinds = HashMap::with_capacity(chunk.len());
    for t in chunk {
        let kind = t.event_kind();
        bound.extend(args![
            t.centre.id,
            t.id,
            t.actor,
            micros(t.now),
            serde_json::to_string(&kind)?
        ]);
        kinds.insert(t.id, kind);
    }
    let ids: HashMap<i64, i64> = c
        .rows(sql.as_str(), bound, |r| Ok((r.int(1)?, r.int(0)?)))
        .await?
        .into_iter()
        .collect();
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
