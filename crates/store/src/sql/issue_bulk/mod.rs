//! Issuing a whole batch of tickets in a few set-based statements.
//!
//! Issuing is the hot write: every kiosk press is one. Run one by one, a ticket
//! costs about ten statements (savepoint, look-ups, numbering, inserts of the
//! ticket, its idempotency key, print job and event, its position, release),
//! and on SQLite each statement is a round trip to the connection's worker
//! thread. Here the writer hands over every issue command of its batch at once,
//! and the batch costs, per centre, two look-ups and one idempotency check; per
//! service and day, one numbering update and two position queries; and one
//! multi-row INSERT each for tickets, keys, print jobs and events (in chunks).
//!
//! The outcome is what the single path would give had the commands run one
//! after another in batch order: consecutive numbers per service and day in
//! that order, the same checks (`tickets::check`), each ticket's position read
//! after the whole batch is in (the state its holder will find).
//!
//! Anything unusual goes to the single path (`tickets::issue`, each command in
//! its own savepoint, after this): a command the checks refuse (it gets its
//! error there), an Idempotency-Key already stored or repeated in the batch (a
//! retry gets its ticket there), an unknown centre or service. A daily cap
//! reached, or any statement failing, rolls the batch's transaction back (the
//! bulk runs first in it) and every command takes the single path in a fresh
//! one: so a command still fails alone, and numbers stay gap-free.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use luot_domain::{eta, CentreCode, Event};
use sqlx::AnyConnection;
use tokio::sync::oneshot;

mod insert;

use insert::{insert_events, insert_keys, insert_print_jobs, insert_tickets, known_keys};

use super::batch::{self, OneJob, Outcome};
use super::rows::{self, micros, new_token, CentreRow, ServiceRow};
use super::tickets::{self, Checked, Fresh, QueueKey, QUEUE_LENGTH};
use crate::{model::*, Error, Result};

/// An issue command waiting in the writer's queue.
pub struct IssueJob {
    pub cmd: IssueTicket,
    pub reply: oneshot::Sender<Result<TicketView>>,
}

impl IssueJob {
    /// The same command on the single path (`tickets::issue`), in its own
    /// savepoint, with its audit entry if it has one.
    pub fn into_one(self) -> OneJob {
        let mut cmd = self.cmd;
        let audit = cmd.audit.take();
        batch::one(move |c| tickets::issue(c, cmd).boxed(), self.reply, audit)
    }
}

/// Issues what it can of `jobs`, pushing their outcomes, and returns the
/// jobs left for the single path: `Ok` when the bulk went through, `Err` with
/// every job when it failed, in which case the caller must roll the whole
/// transaction back (this runs first in its batch, so nothing else is lost)
/// and run them all one by one. No savepoint: SQLite would copy every page the
/// bulk touches into a statement journal, a sizeable part of its cost.
pub async fn run(
    c: &mut AnyConnection,
    jobs: Vec<IssueJob>,
    outcomes: &mut Vec<Outcome>,
) -> std::result::Result<Vec<IssueJob>, Vec<IssueJob>> {
    let cmds: Vec<&IssueTicket> = jobs.iter().map(|j| &j.cmd).collect();
    let attempt = AssertUnwindSafe(issue_all(c, &cmds)).catch_unwind().await;
    drop(cmds);
    let issued = match attempt {
        Ok(Ok(issued)) => issued,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "bulk issue fell back to one by one");
            return Err(jobs);
        }
        Err(_) => {
            tracing::error!("bulk issue panicked; issuing one by one");
            return Err(jobs);
        }
    };
    let mut left = Vec::new();
    for (job, done) in jobs.into_iter().zip(issued) {
        match done {
            Some((view, event)) => {
                let reply = job.reply;
                outcomes.push(Outcome {
                    ok: true,
                    events: vec![event],
                    reply: Box::new(move |commit: Result<()>| {
                        let _ = reply.send(commit.map(|()| view));
                    }),
                });
            }
            None => left.push(job),
        }
    }
    Ok(left)
}

/// A command the bulk path takes, with what the checks decided.
struct Plan<'a> {
    at: usize,
    cmd: &'a IssueTicket,
    centre: &'a CentreRow,
    svc: &'a ServiceRow,
    checked: Checked,
    number: String,
    token: String,
    /// Set by `insert::insert_tickets`.
    ticket_id: i64,
}

/// A centre and its services by code (`None` in the map: no such centre).
type Loaded = (CentreRow, HashMap<String, ServiceRow>);

/// Per command, its view and event, or `None` for the single path.
async fn issue_all(
    c: &mut AnyConnection,
    cmds: &[&IssueTicket],
) -> Result<Vec<Option<(TicketView, Event)>>> {
    // Centres and their services, each read once.
    let mut centres: HashMap<&CentreCode, Option<Loaded>> = HashMap::new();
    for cmd in cmds {
        if centres.contains_key(&cmd.centre) {
            continue;
        }
        let loaded = match rows::centre(c, &cmd.centre).await {
            Ok(centre) => {
                let services = rows::services(c, centre.id).await?;
                let by_code = services.into_iter().map(|s| (s.code.clone(), s)).collect();
                Some((centre, by_code))
            }
            Err(Error::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        centres.insert(&cmd.centre, loaded);
    }

    // The checks; a refused command gets its error from the single path.
    let mut plans = Vec::new();
    let mut keys: HashMap<i64, Vec<&str>> = HashMap::new();
    let mut seen_keys = HashSet::new();
    for (at, cmd) in cmds.iter().enumerate() {
        let Some((centre, services)) = centres.get(&cmd.centre).and_then(Option::as_ref) else {
            continue;
        };
        let Some(svc) = services.get(cmd.service.as_str()) else {
            continue;
        };
        let Ok(checked) = tickets::check(centre, svc, cmd) else {
            continue;
        };
        if let Some(key) = &cmd.idempotency_key {
            // A key twice in one batch: the second is a retry of the first.
            if !seen_keys.insert((centre.id, key.as_str())) {
                continue;
            }
            keys.entry(centre.id).or_default().push(key);
        }
        plans.push(Plan {
            at,
            cmd,
            centre,
            svc,
            checked,
            number: String::new(),
            token: new_token(),
            ticket_id: 0,
        });
    }
    // Keys already stored: retries, answered by the single path.
    let known = known_keys(c, &keys).await?;
    plans.retain(|p| {
        p.cmd
            .idempotency_key
            .as_ref()
            .is_none_or(|k| !known.contains(&(p.centre.id, k.clone())))
    });

    // Numbers: one allocation per service and day, handed out in batch order.
    let mut groups: Vec<((i64, String), Vec<usize>)> = Vec::new();
    for (i, p) in plans.iter().enumerate() {
        let g = (p.svc.id, p.checked.day.clone());
        match groups.iter_mut().find(|(k, _)| *k == g) {
            Some((_, members)) => members.push(i),
            None => groups.push((g, vec![i])),
        }
    }
    for ((service_id, day), members) in &groups {
        let n = members.len() as i64;
        let svc = plans[members[0]].svc;
        let last: i64 = sqlx::query_scalar(
            // No row when the run would reach leased numbers (sql/offline.rs):
            // the bulk fails and the single path skips them.
            super::offline::NEXT_SEQS,
        )
        .bind(service_id)
        .bind(day)
        .bind(svc.start_number + n - 1)
        .bind(n)
        .fetch_one(&mut *c)
        .await?;
        // A cap reached fails the bulk: the single path refuses exactly the
        // commands past it.
        for (k, &i) in members.iter().enumerate() {
            plans[i].number = tickets::number_for(svc, last - n + 1 + k as i64)?;
        }
    }

    insert_tickets(c, &mut plans).await?;
    insert_keys(c, &plans).await?;
    insert_print_jobs(c, &plans).await?;
    let mut events = insert_events(c, &plans).await?;

    let mut out: Vec<Option<(TicketView, Event)>> = cmds.iter().map(|_| None).collect();
    for (_, members) in &groups {
        let positions = positions(c, &plans, members).await?;
        for (&i, (ahead, eta_minutes)) in members.iter().zip(positions) {
            let p = &plans[i];
            let fresh = Fresh {
                centre: p.centre,
                svc: p.svc,
                channel: p.cmd.channel,
                priority: p.checked.priority.clone(),
                number: p.number.clone(),
                token: p.token.clone(),
                issued_at: micros(p.cmd.now),
            };
            let event = events
                .remove(&p.ticket_id)
                .ok_or_else(|| Error::Internal("a bulk ticket without its event".into()))?;
            out[p.at] = Some((fresh.view(ahead, eta_minutes), event));
        }
    }
    Ok(out)
}

/// Position and ETA of each ticket of one service and day (`members`), read
/// after the whole batch is in. A normal ticket's position is the queue length
/// less one less the normal tickets behind it (as in `tickets::position_and_eta`),
/// and those behind a fresh ticket are the batch's later ones and the rare
/// ticket queued later still: all read in one query. A priority ticket (rare)
/// asks on its own.
async fn positions(
    c: &mut AnyConnection,
    plans: &[Plan<'_>],
    members: &[usize],
) -> Result<Vec<(u32, u32)>> {
    let first = &plans[members[0]];
    let (service_id, day) = (first.svc.id, &first.checked.day);
    let rows: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(&tickets::with_eta_sql(QUEUE_LENGTH))
        .bind(service_id)
        .bind(day)
        .fetch_all(&mut *c)
        .await?;
    let (waiting, open, mean) = tickets::eta_parts(&rows, first.svc.mean_service_minutes);

    let earliest = members
        .iter()
        .map(|&i| micros(plans[i].cmd.now))
        .min()
        .unwrap_or(0);
    // The normal call group (tickets::NORMAL) at each ticket's own `now` is
    // applied below, per ticket.
    let later: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT queued_at, id, slot_start FROM tickets WHERE service_id = $1 AND service_day = $2 \
         AND status IN ('waiting', 'transferred') AND priority IS NULL AND queued_at >= $3",
    )
    .bind(service_id)
    .bind(day)
    .bind(earliest)
    .fetch_all(&mut *c)
    .await?;

    let mut out = Vec::with_capacity(members.len());
    for &i in members {
        let p = &plans[i];
        let (now, queued_at, id) = (micros(p.cmd.now), micros(p.cmd.now), p.ticket_id);
        if p.checked.priority.is_some() {
            let key = QueueKey {
                id,
                service_id,
                service_day: day.clone(),
                priority: true,
                slot_start: None,
                queued_at,
            };
            out.push(
                tickets::position_and_eta(c, &key, p.cmd.now, p.svc.mean_service_minutes).await?,
            );
            continue;
        }
        let behind = later
            .iter()
            .filter(|(q, t, slot)| {
                slot.is_none_or(|s| s > now) && (*q > queued_at || (*q == queued_at && *t > id))
            })
            .count() as i64;
        let ahead = (waiting - 1 - behind).max(0) as u32;
        out.push((ahead, eta::eta_minutes(ahead, open, mean)));
    }
    Ok(out)
}
