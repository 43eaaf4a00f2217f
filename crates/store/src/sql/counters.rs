//! Counter commands: call next, recall, start, complete, no-show, transfer, pause,
//! resume. Each reads the counter and its ticket, asks the domain whether the move
//! is legal, writes, and appends the event that displays announce.

use futures::FutureExt;
use luot_domain::{
    call_order, ticket::transition, Action, Candidate, CounterNumber, CounterState, Event,
    EventKind, ServiceCode, TicketStatus, Unstarted,
};
use tokio::sync::oneshot;

use super::batch::{self, JobOn};
use super::tx::{args, row, row_opt, Cols, Tx};
use super::{events, rows::*, tickets};
use crate::{model::*, Conflict, Error, Result};

type Reply = Result<(CounterOutcome, Vec<Event>)>;

/// What a counter command does.
pub enum CounterCmd {
    CallNext(Option<Unstarted>),
    /// Recall, start, complete or no-show.
    Act(Action),
    Transfer(Transfer),
    /// Resume (`true`) or pause.
    SetOpen(bool),
}

/// A counter command waiting in the writer's queue. It is one implementation
/// over [`Tx`]: the writer runs it on SQLite's write lane (lane.rs) or on its
/// sqlx connection (PostgreSQL), in its own savepoint either way.
pub struct CounterJob {
    pub at: CounterRef,
    pub cmd: CounterCmd,
    pub reply: oneshot::Sender<Result<CounterOutcome>>,
}

impl CounterJob {
    pub fn into_job<C: Tx + 'static>(self) -> JobOn<C> {
        let mut at = self.at;
        let audit = at.audit.take();
        let cmd = self.cmd;
        batch::one(move |c: &mut C| run(c, at, cmd).boxed(), self.reply, audit)
    }
}

async fn run<C: Tx>(c: &mut C, at: CounterRef, cmd: CounterCmd) -> Reply {
    match cmd {
        CounterCmd::CallNext(unstarted) => call_next(c, at, unstarted).await,
        CounterCmd::Act(action) => act(c, at, action).await,
        CounterCmd::Transfer(to) => transfer(c, at, to).await,
        CounterCmd::SetOpen(open) => set_open(c, at, open).await,
    }
}

/// The counter's ticket in progress.
struct Current {
    id: i64,
    number: String,
    status: String,
    recalls: i64,
    service_code: String,
}

/// The counter, its ticket in progress and the services it serves (in its
/// order of preference), in one read.
async fn counter_with_current<C: Tx>(
    c: &mut C,
    centre_id: i64,
    number: CounterNumber,
) -> Result<(CounterRow, Option<Current>, Vec<ServiceCode>)> {
    struct Row {
        id: i64,
        number: i64,
        name: String,
        state: String,
        current_ticket_id: Option<i64>,
        cur_number: Option<String>,
        cur_status: Option<String>,
        cur_recalls: Option<i64>,
        cur_service: Option<String>,
        serves: Option<String>,
    }
    // Service codes are letters and digits (ServiceCode::parse): a comma
    // separates them safely.
    let r: Row = row(
        c,
        "SELECT k.id, k.number, k.name, k.state, k.current_ticket_id, t.number AS cur_number, \
         t.status AS cur_status, t.recalls AS cur_recalls, s.code AS cur_service, \
         (SELECT string_agg(sv.code, ',' ORDER BY cs.rank) FROM counter_services cs \
          JOIN services sv ON sv.id = cs.service_id WHERE cs.counter_id = k.id) AS serves \
         FROM counters k LEFT JOIN tickets t ON t.id = k.current_ticket_id \
         LEFT JOIN services s ON s.id = t.service_id \
         WHERE k.centre_id = $1 AND k.number = $2",
        args![centre_id, i64::from(number.get())],
        |r| {
            Ok(Row {
                id: r.int(0)?,
                number: r.int(1)?,
                name: r.text(2)?,
                state: r.text(3)?,
                current_ticket_id: r.int_opt(4)?,
                cur_number: r.text_opt(5)?,
                cur_status: r.text_opt(6)?,
                cur_recalls: r.int_opt(7)?,
                cur_service: r.text_opt(8)?,
                serves: r.text_opt(9)?,
            })
        },
        "counter",
    )
    .await?;
    let current = match (
        r.current_ticket_id,
        r.cur_number,
        r.cur_status,
        r.cur_recalls,
        r.cur_service,
    ) {
        (Some(id), Some(number), Some(status), Some(recalls), Some(service_code)) => {
            Some(Current {
                id,
                number,
                status,
                recalls,
                service_code,
            })
        }
        _ => None,
    };
    let serves = r
        .serves
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|code| !code.is_empty())
        .map(|code| ServiceCode::parse(code).map_err(Error::from))
        .collect::<Result<Vec<_>>>()?;
    let k = CounterRow {
        id: r.id,
        number: r.number,
        name: r.name,
        state: r.state,
        current_ticket_id: r.current_ticket_id,
    };
    Ok((k, current, serves))
}

/// What a counter command answers: the ticket it moved and the counter as the
/// command left it. `k` is the counter as written (state and current ticket),
/// so it is not read again; `serves` when the command already read it.
async fn outcome<C: Tx>(
    c: &mut C,
    k: &CounterRow,
    serves: Option<Vec<ServiceCode>>,
    ticket: Option<i64>,
    now: jiff::Timestamp,
) -> Result<CounterOutcome> {
    let view = match ticket {
        Some(id) => Some(tickets::view(c, id, now).await?),
        None => None,
    };
    let serves = match serves {
        Some(s) => s,
        None => super::rows::serves(c, k.id).await?,
    };
    let current = match k.current_ticket_id {
        None => None,
        Some(id) => match view.as_ref().filter(|_| ticket == Some(id)) {
            Some(v) => Some(TicketBrief {
                number: v.number.clone(),
                service: v.service.clone(),
                status: v.status,
            }),
            None => ticket_brief(c, id).await?,
        },
    };
    Ok(CounterOutcome {
        ticket: view,
        counter: CounterView {
            number: k.number(),
            name: k.name.clone(),
            state: k.state(),
            serves,
            current,
        },
    })
}

/// Writes the counter's state and current ticket as `k` holds them; `staff`,
/// when given, as the person at it.
async fn settle<C: Tx>(c: &mut C, k: &CounterRow, staff: Option<&str>) -> Result<()> {
    c.exec(
        "UPDATE counters SET state = $1, current_ticket_id = $2, staff = COALESCE($3, staff) \
         WHERE id = $4",
        args![&k.state, k.current_ticket_id, staff, k.id],
    )
    .await?;
    Ok(())
}

/// Moves the counter's current ticket by `action`, stamping the matching column.
/// The counter itself is the caller's to write (a ticket that ends leaves it).
async fn finish_current<C: Tx>(
    c: &mut C,
    centre: &CentreRow,
    k: &CounterRow,
    cur: &Current,
    action: Action,
    at: &CounterRef,
) -> Result<(Event, bool)> {
    let from = status_of(&cur.status)?;
    let to = transition(from, action)?;
    let now = micros(at.now);
    let service = ServiceCode::parse(&cur.service_code)?;
    let number = cur.number.clone();
    let counter_no = k.number();
    let (set, kind) = match action {
        Action::Recall => (
            "recalls = recalls + 1, recalled_at = $3",
            EventKind::TicketRecalled {
                number,
                service,
                counter: counter_no,
                recalls: cur.recalls as u32 + 1,
            },
        ),
        Action::Start => (
            "started_at = $3",
            EventKind::TicketStarted {
                number,
                service,
                counter: counter_no,
            },
        ),
        Action::Complete => (
            "finished_at = $3",
            EventKind::TicketCompleted {
                number,
                service,
                counter: counter_no,
            },
        ),
        Action::NoShow => (
            "finished_at = $3",
            EventKind::TicketNoShow {
                number,
                service,
                counter: counter_no,
            },
        ),
        _ => return Err(Error::Internal(format!("finish_current with {action:?}"))),
    };
    c.exec(
        &format!("UPDATE tickets SET status = $1, {set} WHERE id = $2"),
        args![to.as_str(), cur.id, now],
    )
    .await?;
    let event =
        events::append(c, centre, kind, Some(cur.id), Some(k.id), &at.actor, at.now).await?;
    Ok((event, to.is_final()))
}

/// Recall, start, complete or no-show on the counter's current ticket.
async fn act<C: Tx>(c: &mut C, at: CounterRef, action: Action) -> Reply {
    let centre = centre(c, &at.centre).await?;
    let (mut k, cur, serves) = counter_with_current(c, centre.id, at.counter).await?;
    let cur = cur.ok_or(Error::Conflict(Conflict::NoCurrentTicket))?;
    if action == Action::NoShow
        && status_of(&cur.status)? == TicketStatus::Called
        && (cur.recalls as u32) < centre.config.no_show_after_recalls
    {
        return Err(Error::Conflict(Conflict::RecallFirst));
    }
    let (event, ended) = finish_current(c, &centre, &k, &cur, action, &at).await?;
    if ended {
        k.current_ticket_id = None;
        settle(c, &k, None).await?;
    }
    Ok((
        outcome(c, &k, Some(serves), Some(cur.id), at.now).await?,
        vec![event],
    ))
}

struct CandidateRow {
    id: i64,
    number: String,
    status: String,
    service_code: String,
    priority: Option<String>,
    slot_start: Option<i64>,
    queued_at: i64,
    target_number: Option<i64>,
}

impl CandidateRow {
    fn decode(r: &dyn Cols) -> Result<Self> {
        Ok(Self {
            id: r.int(0)?,
            number: r.text(1)?,
            status: r.text(2)?,
            service_code: r.text(3)?,
            priority: r.text_opt(4)?,
            slot_start: r.int_opt(5)?,
            queued_at: r.int(6)?,
            target_number: r.int_opt(7)?,
        })
    }

    fn candidate(&self) -> Result<Candidate> {
        Ok(Candidate {
            id: self.id,
            service: ServiceCode::parse(&self.service_code)?,
            priority: self.priority.is_some(),
            slot_start: self.slot_start.map(ts),
            queued_at: ts(self.queued_at),
            target_counter: self.target_number.map(CounterNumber::new).transpose()?,
        })
    }
}

/// For each service the counter serves and each call group, the first waiting
/// ticket in (queued_at, id) order, one index probe each (migration 0007); plus
/// the tickets transferred to this counter. Enough for the domain to pick (see
/// call_order's `best_per_service_is_enough`), at a cost that does not grow with
/// the queue.
static CANDIDATES_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let columns = "t.id, t.number, t.status, s.code AS service_code, t.priority, t.slot_start, \
                   t.queued_at";
    let arm = |group: &str| {
        format!(
            "SELECT {columns}, CAST(NULL AS BIGINT) AS target_number FROM counter_services cs \
             JOIN tickets t ON t.id = (SELECT id FROM tickets WHERE service_id = cs.service_id \
             AND service_day = $2 AND status IN ('waiting', 'transferred') \
             AND target_counter_id IS NULL AND {group} ORDER BY queued_at, id LIMIT 1) \
             JOIN services s ON s.id = t.service_id WHERE cs.counter_id = $1"
        )
    };
    format!(
        "{} UNION ALL {} UNION ALL {} UNION ALL \
         SELECT {columns}, tk.number AS target_number FROM tickets t \
         JOIN services s ON s.id = t.service_id JOIN counters tk ON tk.id = t.target_counter_id \
         WHERE t.target_counter_id = $1 AND t.service_day = $2 \
         AND t.status IN ('waiting', 'transferred')",
        arm(tickets::APPOINTMENT),
        arm(tickets::PRIORITY),
        arm(tickets::NORMAL),
    )
});

async fn candidates<C: Tx>(
    c: &mut C,
    k: &CounterRow,
    day: &str,
    now: i64,
) -> Result<Vec<CandidateRow>> {
    c.rows(&CANDIDATES_SQL, args![k.id, day, now], CandidateRow::decode)
        .await
}

/// Calls the next ticket. The one in progress is finished first: one being
/// served is done; one called but never started is what `unstarted` says
/// (staff's answer, else the centre's `call_next_unstarted`, by default a
/// no-show: pressing "next" does not make an absent citizen served).
async fn call_next<C: Tx>(c: &mut C, at: CounterRef, unstarted: Option<Unstarted>) -> Reply {
    let centre = centre(c, &at.centre).await?;
    let (mut k, cur, serves) = counter_with_current(c, centre.id, at.counter).await?;
    let mut events = Vec::new();
    // The counter is written once, at the end, with all this changed.
    let mut ended = false;
    if let Some(cur) = cur {
        let action = match status_of(&cur.status)? {
            TicketStatus::Called => match unstarted.unwrap_or(centre.config.call_next_unstarted) {
                Unstarted::NoShow => Some(Action::NoShow),
                Unstarted::Served => Some(Action::Complete),
            },
            TicketStatus::Serving => Some(Action::Complete),
            _ => None,
        };
        if let Some(action) = action {
            let (event, final_) = finish_current(c, &centre, &k, &cur, action, &at).await?;
            events.push(event);
            if final_ {
                ended = true;
                k.current_ticket_id = None;
            }
        }
    }
    // Calling means the staff member is at the desk.
    let resumed = k.state() != CounterState::Open;
    if resumed {
        k.state = CounterState::Open.as_str().to_owned();
        events.push(
            events::append(
                c,
                &centre,
                EventKind::CounterResumed {
                    counter: at.counter,
                },
                None,
                Some(k.id),
                &at.actor,
                at.now,
            )
            .await?,
        );
    }
    let day = luot_domain::service_day(at.now, &centre.tz()?).to_string();
    // On PostgreSQL, writer batches of all processes are serialized by an
    // advisory lock (postgres.rs), so no other writer can take our pick between
    // the read and the update, and no row lock is ever contended (hence no
    // `FOR UPDATE SKIP LOCKED`: it would buy nothing). The conditional update
    // stays as the guard for writes made outside the writer: it notices a
    // ticket taken meanwhile and we pick again.
    let mut attempts = 0;
    let (pick, number) = loop {
        let rows = candidates(c, &k, &day, micros(at.now)).await?;
        let cands = rows
            .iter()
            .map(CandidateRow::candidate)
            .collect::<Result<Vec<_>>>()?;
        let Some(pick) = call_order::pick_next(at.counter, &serves, &cands, at.now).cloned() else {
            if resumed || ended {
                settle(c, &k, resumed.then_some(at.actor.as_str())).await?;
            }
            return Ok((outcome(c, &k, Some(serves), None, at.now).await?, events));
        };
        let row = rows
            .iter()
            .find(|r| r.id == pick.id)
            .ok_or_else(|| Error::Internal("picked a ticket not among the candidates".into()))?;
        let to = transition(status_of(&row.status)?, Action::Call)?;
        let updated = c
            .exec(
                "UPDATE tickets SET status = $1, counter_id = $2, called_at = $3, staff = $4, \
                 recalls = 0 WHERE id = $5 AND status IN ('waiting', 'transferred')",
                args![to.as_str(), k.id, micros(at.now), &at.actor, pick.id],
            )
            .await?;
        if updated == 1 {
            break (pick, row.number.clone());
        }
        attempts += 1;
        if attempts >= 8 {
            return Err(Error::Conflict(Conflict::NotWaiting));
        }
    };
    k.current_ticket_id = Some(pick.id);
    settle(c, &k, Some(&at.actor)).await?;
    events.push(
        events::append(
            c,
            &centre,
            EventKind::TicketCalled {
                number,
                service: pick.service.clone(),
                counter: at.counter,
            },
            Some(pick.id),
            Some(k.id),
            &at.actor,
            at.now,
        )
        .await?,
    );
    Ok((
        outcome(c, &k, Some(serves), Some(pick.id), at.now).await?,
        events,
    ))
}

async fn transfer<C: Tx>(c: &mut C, at: CounterRef, to: Transfer) -> Reply {
    if to.service.is_none() && to.counter.is_none() {
        return Err(luot_domain::Error::invalid(
            "transfer",
            "name a service or a counter to transfer to",
        )
        .into());
    }
    let centre = centre(c, &at.centre).await?;
    let mut k = counter(c, centre.id, at.counter).await?;
    let day = luot_domain::service_day(at.now, &centre.tz()?).to_string();
    // A transfer sends a ticket away from this counter: never to itself.
    if to.counter == Some(at.counter) {
        return Err(luot_domain::Error::invalid(
            "counter",
            "a transfer goes to another counter (or service), not to the counter making it",
        )
        .into());
    }
    type Moved = (i64, String, String, i64, Option<i64>);
    fn moved(r: &dyn Cols) -> Result<Moved> {
        Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.int(3)?, r.int_opt(4)?))
    }
    let ticket: Option<Moved> = match &to.ticket {
        Some(number) => Some(
            row(
                c,
                "SELECT t.id, t.number, t.status, t.service_id, t.target_counter_id FROM tickets t \
                 WHERE t.centre_id = $1 AND t.service_day = $2 AND t.number = $3",
                args![centre.id, &day, number.to_ascii_uppercase()],
                moved,
                "ticket",
            )
            .await?,
        ),
        None => match k.current_ticket_id {
            Some(id) => {
                row_opt(
                    c,
                    "SELECT id, number, status, service_id, target_counter_id \
                     FROM tickets WHERE id = $1",
                    args![id],
                    moved,
                )
                .await?
            }
            None => None,
        },
    };
    let (ticket_id, number, status, from_service_id, target_counter) =
        ticket.ok_or(Error::Conflict(Conflict::NoCurrentTicket))?;
    let from = status_of(&status)?;
    // A ticket named by number may be moved while it waits; once a counter has
    // called it, only that counter (through its current ticket) may move it.
    if to.ticket.is_some() && !from.is_waiting() && k.current_ticket_id != Some(ticket_id) {
        return Err(Error::Conflict(Conflict::NotWaiting));
    }
    // A waiting ticket named by number must be in this counter's own queue:
    // sent to this counter, or of a service it serves and sent to no counter.
    // Another counter's ticket is never pulled away.
    if to.ticket.is_some() && k.current_ticket_id != Some(ticket_id) {
        let own = match target_counter {
            Some(target) => target == k.id,
            None => {
                row(
                    c,
                    "SELECT COUNT(*) FROM counter_services WHERE counter_id = $1 \
                     AND service_id = $2",
                    args![k.id, from_service_id],
                    |r| r.int(0),
                    "count",
                )
                .await?
                    > 0
            }
        };
        if !own {
            return Err(Error::Conflict(Conflict::OtherCountersTicket));
        }
    }
    transition(from, Action::Transfer)?;
    let from_svc = service_by_id(c, from_service_id).await?;
    let new_service = match &to.service {
        Some(code) => service(c, centre.id, code).await?,
        None => from_svc.clone(),
    };
    let target = match to.counter {
        Some(n) => Some(counter(c, centre.id, n).await?),
        None => None,
    };
    let note = to
        .note
        .as_deref()
        .map(|n| n.chars().take(500).collect::<String>());
    c.exec(
        "UPDATE tickets SET status = 'transferred', service_id = $1, target_counter_id = $2, \
         counter_id = NULL, recalls = 0, transfer_note = $3 WHERE id = $4",
        args![
            new_service.id,
            target.as_ref().map(|t| t.id),
            note,
            ticket_id
        ],
    )
    .await?;
    c.exec(
        "UPDATE counters SET current_ticket_id = NULL WHERE current_ticket_id = $1",
        args![ticket_id],
    )
    .await?;
    if k.current_ticket_id == Some(ticket_id) {
        k.current_ticket_id = None;
    }
    let event = events::append(
        c,
        &centre,
        EventKind::TicketTransferred {
            number,
            from_service: from_svc.code(),
            service: new_service.code(),
            from_counter: Some(at.counter),
            to_counter: target.as_ref().map(CounterRow::number),
        },
        Some(ticket_id),
        Some(k.id),
        &at.actor,
        at.now,
    )
    .await?;
    Ok((
        outcome(c, &k, None, Some(ticket_id), at.now).await?,
        vec![event],
    ))
}

/// Pause (`open = false`) or resume a counter. Repeating it changes nothing.
async fn set_open<C: Tx>(c: &mut C, at: CounterRef, open: bool) -> Reply {
    let centre = centre(c, &at.centre).await?;
    let mut k = counter(c, centre.id, at.counter).await?;
    let (state, kind) = if open {
        (
            CounterState::Open,
            EventKind::CounterResumed {
                counter: at.counter,
            },
        )
    } else {
        (
            CounterState::Paused,
            EventKind::CounterPaused {
                counter: at.counter,
            },
        )
    };
    let mut events = Vec::new();
    if k.state() != state {
        k.state = state.as_str().to_owned();
        settle(c, &k, Some(&at.actor)).await?;
        events.push(events::append(c, &centre, kind, None, Some(k.id), &at.actor, at.now).await?);
    }
    let current = k.current_ticket_id;
    Ok((outcome(c, &k, None, current, at.now).await?, events))
}
