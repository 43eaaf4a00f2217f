//! Issuing tickets: one path for every ticket.
//!
//! Walk-in commands (kiosk, staff, web) go through [`issue`], one command or a
//! whole batch of them: the writer hands over every issue command of its batch
//! at once (issuing is the hot write: every kiosk press is one), and the batch
//! costs two look-ups (its centres, their services), one idempotency check
//! per 64 keys, one numbering update per service and day, one query for every
//! service's positions and ETAs, and one multi-row INSERT each (per 64 rows)
//! for tickets, keys, print jobs and events: the same few statements whether
//! it holds one centre's tickets or a province's. A single command is a batch
//! of one. Appointment check-ins (sql/booking/checkin.rs) and offline
//! replays (sql/offline.rs) number and write their tickets through the same
//! [`write`] and [`sequences`].
//!
//! The outcome is what the commands would give run one after another in batch
//! order: consecutive numbers per service and day in that order, the same
//! checks, each ticket's position read after the whole batch is in (the state
//! its holder will find). A refused command writes nothing and gets its error;
//! a retry of a stored Idempotency-Key gets its ticket. What a batch cannot
//! settle on its own fails it as a whole ([`issue`] returns `Err`): a daily
//! cap reached within the batch, any statement failing. The writer (batch.rs)
//! then rolls the transaction back and issues every command alone, in a
//! savepoint of its own, so a command still fails alone and numbers stay
//! gap-free. An Idempotency-Key repeated within the batch is left for after
//! it (`None` in [`Issued`]): alone, it is the retry it is.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use jiff::Timestamp;
use luot_domain::{eta, numbering, priority, CentreCode, Event, PriorityCode};
use tokio::sync::oneshot;

mod write;

pub use write::{number_for, sequences, write, Key, NewTicket};

use super::batch::{self, JobOn, Outcome};
use super::build::Sql;
use super::rows::{self, micros, new_token, ts, CentreRow, ServiceRow};
use super::tickets::{self, QueueKey};
use super::tx::{args, Arg, Tx};
use crate::{model::*, Conflict, Error, Result};

/// An issue command waiting in the writer's queue.
pub struct IssueJob {
    pub cmd: IssueTicket,
    pub reply: oneshot::Sender<Result<TicketView>>,
}

impl IssueJob {
    /// The command alone, in its own savepoint, with its audit entry if it
    /// has one.
    pub fn into_job<C: Tx + 'static>(self) -> JobOn<C> {
        let mut cmd = self.cmd;
        let audit = cmd.audit.take();
        batch::one(
            move |c: &mut C| issue_one(c, cmd).boxed(),
            self.reply,
            audit,
        )
    }
}

/// What [`issue`] made of one command: issued (the view and its event), a
/// retry answered (no event), or refused (nothing written); `None`: its
/// Idempotency-Key came earlier in the batch, so it runs alone after.
pub type Issued = Option<Result<(TicketView, Vec<Event>)>>;

/// Issues one command.
pub async fn issue_one<C: Tx + ?Sized>(
    c: &mut C,
    cmd: IssueTicket,
) -> Result<(TicketView, Vec<Event>)> {
    match issue(c, &[&cmd]).await?.pop() {
        Some(Some(done)) => done,
        _ => Err(Error::Internal("issuing one command left it undone".into())),
    }
}

/// Issues what it can of `jobs` in one go, pushing their outcomes, and returns
/// the jobs to run alone: `Ok` with those left for after when the batch went
/// through, `Err` with every job when it failed, in which case the caller
/// must roll the whole transaction back (this runs first in its batch, so
/// nothing else is lost) and run them all alone. No savepoint: SQLite would
/// copy every page the batch touches into a statement journal, a sizeable part
/// of its cost.
pub async fn run<C: Tx + ?Sized>(
    c: &mut C,
    jobs: Vec<IssueJob>,
    outcomes: &mut Vec<Outcome>,
) -> std::result::Result<Vec<IssueJob>, Vec<IssueJob>> {
    let cmds: Vec<&IssueTicket> = jobs.iter().map(|j| &j.cmd).collect();
    let attempt = AssertUnwindSafe(issue(c, &cmds)).catch_unwind().await;
    drop(cmds);
    let issued = match attempt {
        Ok(Ok(issued)) => issued,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "a batch of tickets fell back to one by one");
            return Err(jobs);
        }
        Err(_) => {
            tracing::error!("issuing a batch panicked; issuing one by one");
            return Err(jobs);
        }
    };
    // Staff tickets carry their audit entries: one multi-row INSERT for the
    // batch, as alone each goes in with its ticket (a retry too, with no
    // events; a refusal writes nothing). Failing, the batch goes one by one.
    let audits: Vec<(&crate::auth::NewAudit, &[Event])> = jobs
        .iter()
        .zip(&issued)
        .filter_map(|(job, done)| match (&job.cmd.audit, done) {
            (Some(audit), Some(Ok((_, events)))) => Some((audit, events.as_slice())),
            _ => None,
        })
        .collect();
    if !audits.is_empty() {
        let attempt = AssertUnwindSafe(super::auth::insert_audits(c, &audits))
            .catch_unwind()
            .await;
        drop(audits);
        if !matches!(attempt, Ok(Ok(()))) {
            tracing::error!("auditing a batch of tickets failed; issuing one by one");
            return Err(jobs);
        }
    }
    let mut left = Vec::new();
    for (job, done) in jobs.into_iter().zip(issued) {
        match done {
            Some(result) => {
                let reply = job.reply;
                let (ok, events, result) = match result {
                    Ok((view, events)) => (true, events, Ok(view)),
                    Err(e) => (false, Vec::new(), Err(e)),
                };
                outcomes.push(Outcome {
                    ok,
                    events,
                    reply: Box::new(move |commit: Result<()>| {
                        let _ = reply.send(match commit {
                            Ok(()) => result,
                            // A refusal stays a refusal whatever the commit.
                            Err(e) => result.and(Err(e)),
                        });
                    }),
                });
            }
            None => left.push(job),
        }
    }
    Ok(left)
}

/// What an idempotency key is bound to: a retry must ask for the same thing.
pub fn fingerprint(cmd: &IssueTicket) -> String {
    format!(
        "{}|{}|{}",
        cmd.service,
        cmd.priority.as_ref().map(|p| p.as_str()).unwrap_or(""),
        cmd.channel.as_str()
    )
}

/// Whether walk-in issuing is open at `now` for `svc` (opening hours and
/// holidays, where the centre enforces them), else the refusal with when it
/// opens next.
async fn check_open<C: Tx + ?Sized>(
    c: &mut C,
    centre: &CentreRow,
    svc: &ServiceRow,
    now: Timestamp,
) -> Result<()> {
    if !centre.config.enforce_hours {
        return Ok(());
    }
    let tz = centre.tz()?;
    let hours = svc.hours(&centre.config)?;
    let open = hours.is_open(now.to_zoned(tz.clone()).datetime())
        && !is_holiday(c, centre.id, numbering::service_day(now, &tz)).await?;
    if open {
        return Ok(());
    }
    let holidays = super::booking::settings::holidays(c, centre.id).await?;
    let days: Vec<_> = holidays.into_iter().map(|h| h.date).collect();
    let opens_at = luot_domain::day::next_opening(&hours, &days, now, &tz).map(|t| t.to_zoned(tz));
    Err(Error::Rule(luot_domain::Error::Closed { opens_at }))
}

/// One indexed look-up: whether `date` is one of the centre's holidays.
async fn is_holiday<C: Tx + ?Sized>(
    c: &mut C,
    centre_id: i64,
    date: jiff::civil::Date,
) -> Result<bool> {
    let hit = c
        .rows(
            "SELECT 1 FROM holidays WHERE centre_id = $1 AND day = $2",
            args![centre_id, date.to_string()],
            |r| r.int(0),
        )
        .await?;
    Ok(!hit.is_empty())
}

/// The rules a new walk-in ticket must pass: an active service, open hours
/// and no holiday (when the centre enforces them and the command does not
/// lift them, `--always-open`), a known priority class. Returns the priority
/// class's code and the service day.
async fn check<C: Tx + ?Sized>(
    c: &mut C,
    centre: &CentreRow,
    svc: &ServiceRow,
    cmd: &IssueTicket,
) -> Result<(Option<PriorityCode>, String)> {
    if svc.active == 0 {
        return Err(Error::Conflict(Conflict::ServiceInactive));
    }
    let tz = centre.tz()?;
    if !cmd.any_hour {
        check_open(c, centre, svc, cmd.now).await?;
    }
    let priority = match &cmd.priority {
        Some(p) => Some(
            priority::resolve(&centre.config.priority_classes, p.as_str())?
                .code
                .clone(),
        ),
        None => None,
    };
    Ok((priority, numbering::service_day(cmd.now, &tz).to_string()))
}

/// A centre and its services by code.
type Loaded = (CentreRow, HashMap<String, ServiceRow>);

/// What becomes of one command before anything is written.
enum Plan {
    /// Refused, or a retry (answered after the writes, with its ticket id).
    Refused(Error),
    Retry(i64),
    Later,
    /// Index into the new tickets.
    New(usize),
}

/// Issues `cmds` as if run one after another; one [`Issued`] per command.
pub async fn issue<C: Tx + ?Sized>(c: &mut C, cmds: &[&IssueTicket]) -> Result<Vec<Issued>> {
    // Centres and their services, each read once, all in two statements.
    let mut codes: Vec<&CentreCode> = Vec::new();
    for cmd in cmds {
        if !codes.contains(&&cmd.centre) {
            codes.push(&cmd.centre);
        }
    }
    let centres: HashMap<String, Loaded> = rows::centres_with_services(c, &codes)
        .await?
        .into_iter()
        .map(|(code, centre, services)| {
            let by_code = services.into_iter().map(|s| (s.code.clone(), s)).collect();
            (code, (centre, by_code))
        })
        .collect();
    let found = |cmd: &IssueTicket| -> Result<(&CentreRow, &ServiceRow)> {
        let (centre, services) = centres
            .get(cmd.centre.as_str())
            .ok_or(Error::NotFound("centre"))?;
        let svc = services
            .get(cmd.service.as_str())
            .ok_or(Error::NotFound("service"))?;
        Ok((centre, svc))
    };

    // Keys already stored: retries. A key is its caller's (the actor's).
    let keys: Vec<(i64, &str, &str)> = cmds
        .iter()
        .filter_map(|cmd| {
            let key = cmd.idempotency_key.as_deref()?;
            let (centre, _) = found(cmd).ok()?;
            Some((centre.id, cmd.actor.as_str(), key))
        })
        .collect();
    let known = known_keys(c, &keys).await?;

    // Each command's fate, and the tickets to write.
    let mut plans = Vec::with_capacity(cmds.len());
    let mut new: Vec<NewTicket> = Vec::new();
    let mut seen_keys = HashSet::new();
    for cmd in cmds {
        let (centre, svc) = match found(cmd) {
            Ok(found) => found,
            Err(e) => {
                plans.push(Plan::Refused(e));
                continue;
            }
        };
        let fingerprint = fingerprint(cmd);
        let mut key = None;
        if let Some(k) = &cmd.idempotency_key {
            let scoped = (centre.id, cmd.actor.clone(), k.clone());
            if let Some((prior, ticket_id)) = known.get(&scoped) {
                plans.push(if *prior == fingerprint {
                    Plan::Retry(*ticket_id)
                } else {
                    Plan::Refused(Error::Conflict(Conflict::IdempotencyKeyReused))
                });
                continue;
            }
            if !seen_keys.insert(scoped) {
                plans.push(Plan::Later);
                continue;
            }
            key = Some(Key {
                scope: cmd.actor.as_str(),
                key: k.as_str(),
                fingerprint,
            });
        }
        let (priority, day) = match check(c, centre, svc, cmd).await {
            Ok(checked) => checked,
            Err(e) => {
                plans.push(Plan::Refused(e));
                continue;
            }
        };
        plans.push(Plan::New(new.len()));
        new.push(NewTicket {
            centre,
            svc,
            day,
            number: String::new(),
            token: new_token(cmd.now),
            channel: cmd.channel,
            priority,
            actor: cmd.actor.as_str(),
            slot_start: None,
            issued_at: micros(cmd.now),
            lease_id: None,
            print_on: cmd.print_on,
            key,
            now: cmd.now,
            id: 0,
        });
    }

    // Numbers: one allocation per service and day, handed out in batch order.
    let groups = groups(&new);
    for members in &groups {
        let first = &new[members[0]];
        let (svc, day) = (first.svc, first.day.clone());
        let seqs = sequences(c, svc, &day, members.len()).await?;
        // Past the cap: the batch fails, and alone each command past it is
        // refused.
        for (&i, seq) in members.iter().zip(seqs) {
            new[i].number = number_for(svc, seq, true)?;
        }
    }

    let mut events = write(c, &mut new)
        .await?
        .into_iter()
        .map(Some)
        .collect::<Vec<_>>();
    let mut views: Vec<Option<TicketView>> = new.iter().map(|_| None).collect();
    let queues = queues(c, &new, &groups).await?;
    for (members, queue) in groups.iter().zip(&queues) {
        for (&i, (ahead, eta_minutes)) in members
            .iter()
            .zip(positions(c, &new, members, queue).await?)
        {
            views[i] = Some(fresh_view(&new[i], ahead, eta_minutes));
        }
    }

    let mut out = Vec::with_capacity(cmds.len());
    for (cmd, plan) in cmds.iter().zip(plans) {
        out.push(match plan {
            Plan::Refused(e) => Some(Err(e)),
            Plan::Later => None,
            Plan::Retry(id) => Some(Ok((tickets::view(c, id, cmd.now).await?, Vec::new()))),
            Plan::New(i) => {
                let view = views[i].take();
                let event = events[i].take();
                match (view, event) {
                    (Some(view), Some(event)) => Some(Ok((view, vec![event]))),
                    _ => return Err(Error::Internal("an issued ticket without its view".into())),
                }
            }
        });
    }
    Ok(out)
}

/// The new tickets' indexes per service and day, in batch order.
fn groups(new: &[NewTicket]) -> Vec<Vec<usize>> {
    let mut groups: Vec<((i64, &str), Vec<usize>)> = Vec::new();
    for (i, t) in new.iter().enumerate() {
        let g = (t.svc.id, t.day.as_str());
        match groups.iter_mut().find(|(k, _)| *k == g) {
            Some((_, members)) => members.push(i),
            None => groups.push((g, vec![i])),
        }
    }
    groups.into_iter().map(|(_, m)| m).collect()
}

/// Of `keys` (centre, scope, key), those already stored, with their
/// fingerprint and ticket: one statement per [`CHUNK`](crate::sql::tx::CHUNK)
/// keys at most ([`Tx::pieces`]), whatever their centres and scopes (each
/// kiosk is a scope of its own, and a province's batch mixes many).
async fn known_keys<C: Tx + ?Sized>(
    c: &mut C,
    keys: &[(i64, &str, &str)],
) -> Result<HashMap<(i64, String, String), (String, i64)>> {
    let mut known = HashMap::new();
    for range in c.pieces(keys.len()) {
        let chunk = &keys[range];
        // One arm per key, each an equality on the whole primary key: the
        // planner then uses all three columns whatever its statistics say.
        // With `key IN (...)` and statistics from when the table was small
        // (the morning after the nightly prune, before autovacuum analyses
        // it), PostgreSQL searched the index by centre and scope only and
        // filtered every key of that kiosk.
        let mut sql = Sql::new(c, "");
        let mut bound: Vec<Arg> = Vec::with_capacity(chunk.len() * 3);
        for (i, &(centre_id, scope, key)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push(
                "SELECT centre_id, scope, key, fingerprint, ticket_id FROM idempotency_keys \
                 WHERE centre_id = ",
            )
            .param()
            .push(" AND scope = ")
            .param()
            .push(" AND key = ")
            .param();
            bound.extend(args![centre_id, scope, key]);
        }
        let rows = c
            .rows(sql.as_str(), bound, |r| {
                Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.text(3)?, r.int(4)?))
            })
            .await?;
        for (centre_id, scope, key, fingerprint, ticket_id) in rows {
            known.insert((centre_id, scope, key), (fingerprint, ticket_id));
        }
    }
    Ok(known)
}

/// A freshly issued ticket as its holder sees it: everything is at hand, so
/// nothing is read back.
fn fresh_view(t: &NewTicket, position: u32, eta_minutes: u32) -> TicketView {
    TicketView {
        service: t.svc.code(),
        service_name: t.svc.name.clone(),
        service_name_en: t.svc.name_en.clone(),
        status: luot_domain::TicketStatus::Waiting,
        priority: t.priority.as_ref().map(|p| p.as_str().to_owned()),
        channel: t.channel,
        token: t.token.clone(),
        number: t.number.clone(),
        position,
        eta_minutes,
        counter: None,
        recalls: 0,
        issued_at: ts(t.issued_at),
        called_at: None,
        started_at: None,
        finished_at: None,
        centre: t.centre.config.code.clone(),
    }
}

/// A normal ticket queued no earlier than a batch's first.
struct Later {
    queued_at: i64,
    id: i64,
    slot_start: Option<i64>,
}

/// What one service and day's new tickets need for their positions and ETAs,
/// read after the whole batch is in: the ETA's parts (queue length, open
/// counters, mean service time) and the normal tickets queued since the
/// group's first.
struct Queue {
    waiting: i64,
    open: u32,
    mean: f64,
    later: Vec<Later>,
}

/// Every group's [`Queue`], in one statement (one round trip to PostgreSQL,
/// however many services the batch touched): per group, its ETA rows
/// (`tickets::eta_select`, kind 0) and its normal tickets queued since the
/// group's earliest (kind 1), tagged with the group's index.
async fn queues<C: Tx + ?Sized>(
    c: &mut C,
    new: &[NewTicket<'_>],
    groups: &[Vec<usize>],
) -> Result<Vec<Queue>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(c, "");
    let mut bound: Vec<Arg> = Vec::with_capacity(groups.len() * 3);
    for (g, members) in groups.iter().enumerate() {
        let first = &new[members[0]];
        let earliest = members.iter().map(|&i| new[i].issued_at).min().unwrap_or(0);
        // Each named several times in the group's text.
        let (svc, day, since) = (sql.shared_param(), sql.shared_param(), sql.shared_param());
        if g > 0 {
            sql.push(" UNION ALL ");
        }
        let eta = tickets::eta_select(&tickets::queue_length(&svc, &day), &svc, &day);
        // The normal call group (tickets::NORMAL) at each ticket's own `now`
        // is applied in `positions`, per ticket.
        sql.push(&format!(
            "SELECT CAST({g} AS BIGINT) AS g, CAST(0 AS BIGINT) AS kind, e.first AS a, \
             e.open AS b, e.d AS c FROM ({eta}) e \
             UNION ALL SELECT CAST({g} AS BIGINT), CAST(1 AS BIGINT), queued_at, id, slot_start \
             FROM tickets WHERE service_id = {svc} AND service_day = {day} \
             AND status IN ('waiting', 'transferred') AND priority IS NULL AND queued_at >= {since}"
        ));
        bound.extend(args![first.svc.id, first.day.as_str(), earliest]);
    }
    let rows = c
        .rows(sql.as_str(), bound, |r| {
            Ok((r.int(0)?, r.int(1)?, r.int(2)?, r.int(3)?, r.int_opt(4)?))
        })
        .await?;
    let mut eta: Vec<Vec<tickets::EtaRow>> = groups.iter().map(|_| Vec::new()).collect();
    let mut later: Vec<Vec<Later>> = groups.iter().map(|_| Vec::new()).collect();
    for (g, kind, a, b, d) in rows {
        let g = usize::try_from(g)
            .ok()
            .filter(|&g| g < groups.len())
            .ok_or_else(|| Error::Internal("a queue row of no group".into()))?;
        if kind == 0 {
            eta[g].push(tickets::EtaRow {
                first: a,
                open: b,
                d,
            });
        } else {
            later[g].push(Later {
                queued_at: a,
                id: b,
                slot_start: d,
            });
        }
    }
    Ok(groups
        .iter()
        .zip(eta.into_iter().zip(later))
        .map(|(members, (eta, later))| {
            let svc = new[members[0]].svc;
            let (waiting, open, mean) = tickets::eta_parts(&eta, svc.mean_service_minutes);
            Queue {
                waiting,
                open,
                mean,
                later,
            }
        })
        .collect())
}

/// Position and ETA of each new ticket of one service and day (`members`),
/// from its group's [`Queue`]. A normal ticket's position is the queue length
/// less one less the normal tickets behind it (as in
/// `tickets::position_and_eta`), and those behind a fresh ticket are the
/// batch's later ones and the rare ticket queued later still. A priority
/// ticket (rare) asks on its own.
async fn positions<C: Tx + ?Sized>(
    c: &mut C,
    new: &[NewTicket<'_>],
    members: &[usize],
    queue: &Queue,
) -> Result<Vec<(u32, u32)>> {
    let first = &new[members[0]];
    let (service_id, day) = (first.svc.id, &first.day);
    let Queue {
        waiting,
        open,
        mean,
        ref later,
    } = *queue;
    let mut out = Vec::with_capacity(members.len());
    for &i in members {
        let t = &new[i];
        let (now, queued_at, id) = (micros(t.now), t.issued_at, t.id);
        if t.priority.is_some() {
            let key = QueueKey {
                id,
                service_id,
                service_day: day.clone(),
                priority: true,
                slot_start: None,
                queued_at,
            };
            out.push(tickets::position_and_eta(c, &key, t.now, t.svc.mean_service_minutes).await?);
            continue;
        }
        let behind = later
            .iter()
            .filter(|l| {
                l.slot_start.is_none_or(|s| s > now)
                    && (l.queued_at > queued_at || (l.queued_at == queued_at && l.id > id))
            })
            .count() as i64;
        let ahead = (waiting - 1 - behind).max(0) as u32;
        out.push((ahead, eta::eta_minutes(ahead, open, mean)));
    }
    Ok(out)
}
