//! The bulk issue's multi-row statements: the idempotency check, and the
//! inserts of tickets, keys, print jobs and events, in chunks.

use std::collections::{HashMap, HashSet};

use luot_domain::Event;
use sqlx::{AnyConnection, Row};

use super::super::rows::micros;
use super::super::tickets;
use super::Plan;
use crate::{Error, Result};

/// Rows per multi-row INSERT: a few hundred bound values, far below either
/// backend's limit, and few distinct statement texts.
const CHUNK: usize = 64;

/// The (centre, key) pairs among `keys` that are already stored.
pub async fn known_keys(
    c: &mut AnyConnection,
    keys: &HashMap<i64, Vec<&str>>,
) -> Result<HashSet<(i64, String)>> {
    let mut known = HashSet::new();
    for (&centre_id, keys) in keys {
        for chunk in keys.chunks(CHUNK) {
            let sql = dialect(
                c,
                &format!(
                    "SELECT key FROM idempotency_keys WHERE centre_id = ? AND key IN ({})",
                    rows_of(chunk.len(), "?")
                ),
            );
            let mut q = sqlx::query_scalar::<_, String>(&sql).bind(centre_id);
            for k in chunk {
                q = q.bind(*k);
            }
            for k in q.persistent(false).fetch_all(&mut *c).await? {
                known.insert((centre_id, k));
            }
        }
    }
    Ok(known)
}

/// `n` copies of `row`, comma-separated.
fn rows_of(n: usize, row: &str) -> String {
    vec![row; n].join(", ")
}

/// The statement for this backend: SQLite takes `?` as it is (anonymous
/// parameters; numbered or named ones cost SQLite a linear search per
/// parameter, quadratic over a multi-row INSERT), PostgreSQL numbers them
/// `$1`, `$2`, ... in order. Each `?` is bound once, in order, on both.
fn dialect(c: &AnyConnection, sql: &str) -> String {
    if c.backend_name().eq_ignore_ascii_case("sqlite") {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() * 2);
    let mut k = 0;
    for ch in sql.chars() {
        if ch == '?' {
            k += 1;
            out.push_str(&format!("${k}"));
        } else {
            out.push(ch);
        }
    }
    out
}

pub async fn insert_tickets(c: &mut AnyConnection, plans: &mut [Plan<'_>]) -> Result<()> {
    for chunk in plans.chunks_mut(CHUNK) {
        let sql = dialect(
            c,
            &format!(
                "INSERT INTO tickets (centre_id, numbered_service_id, service_id, service_day, number, \
                 token, channel, priority, priority_by, status, issued_by, issued_at, queued_at) VALUES {} \
                 RETURNING id, token",
                rows_of(chunk.len(), "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?)")
            ),
        );
        let mut q = sqlx::query(&sql);
        for p in chunk.iter() {
            let priority = p.checked.priority.as_ref();
            q = q
                .bind(p.centre.id)
                .bind(p.svc.id)
                .bind(p.svc.id)
                .bind(&p.checked.day)
                .bind(&p.number)
                .bind(&p.token)
                .bind(p.cmd.channel.as_str())
                .bind(priority.map(|p| p.as_str()))
                .bind(priority.map(|_| p.cmd.actor.as_str()))
                .bind(&p.cmd.actor)
                .bind(micros(p.cmd.now))
                .bind(micros(p.cmd.now));
        }
        let ids: HashMap<String, i64> = q
            .persistent(false)
            .fetch_all(&mut *c)
            .await?
            .iter()
            .map(|r| Ok((r.try_get::<String, _>(1)?, r.try_get::<i64, _>(0)?)))
            .collect::<std::result::Result<_, sqlx::Error>>()?;
        for p in chunk.iter_mut() {
            p.ticket_id = *ids
                .get(&p.token)
                .ok_or_else(|| Error::Internal("a bulk ticket was not inserted".into()))?;
        }
    }
    Ok(())
}

pub async fn insert_keys(c: &mut AnyConnection, plans: &[Plan<'_>]) -> Result<()> {
    let keyed: Vec<&Plan> = plans
        .iter()
        .filter(|p| p.cmd.idempotency_key.is_some())
        .collect();
    for chunk in keyed.chunks(CHUNK) {
        let sql = dialect(
            c,
            &format!(
                "INSERT INTO idempotency_keys (centre_id, key, fingerprint, ticket_id, created_at) VALUES {}",
                rows_of(chunk.len(), "(?, ?, ?, ?, ?)")
            ),
        );
        let mut q = sqlx::query(&sql);
        for p in chunk {
            q = q
                .bind(p.centre.id)
                .bind(p.cmd.idempotency_key.as_deref())
                .bind(tickets::fingerprint(p.cmd))
                .bind(p.ticket_id)
                .bind(micros(p.cmd.now));
        }
        q.persistent(false).execute(&mut *c).await?;
    }
    Ok(())
}

pub async fn insert_print_jobs(c: &mut AnyConnection, plans: &[Plan<'_>]) -> Result<()> {
    let printed: Vec<(i64, &Plan)> = plans
        .iter()
        .filter_map(|p| p.cmd.print_on.map(|d| (d, p)))
        .collect();
    for chunk in printed.chunks(CHUNK) {
        let sql = dialect(
            c,
            &format!(
                "INSERT INTO print_jobs (device_id, ticket_id, created_at) VALUES {}",
                rows_of(chunk.len(), "(?, ?, ?)")
            ),
        );
        let mut q = sqlx::query(&sql);
        for (device_id, p) in chunk {
            q = q.bind(device_id).bind(p.ticket_id).bind(micros(p.cmd.now));
        }
        q.persistent(false).execute(&mut *c).await?;
    }
    Ok(())
}

/// Appends every ticket's `ticket_issued` event, in batch order; by ticket id.
pub async fn insert_events(
    c: &mut AnyConnection,
    plans: &[Plan<'_>],
) -> Result<HashMap<i64, Event>> {
    let mut out = HashMap::with_capacity(plans.len());
    for chunk in plans.chunks(CHUNK) {
        let sql = dialect(
            c,
            &format!(
                "INSERT INTO events (centre_id, kind, ticket_id, counter_id, actor, at, payload) VALUES {} \
                 RETURNING id, ticket_id",
                rows_of(chunk.len(), "(?, 'ticket_issued', ?, NULL, ?, ?, ?)")
            ),
        );
        let mut q = sqlx::query(&sql);
        let mut kinds = HashMap::with_capacity(chunk.len());
        for p in chunk {
            let kind = tickets::issued_event(p.svc, p.cmd, &p.number, p.checked.priority.is_some());
            q = q
                .bind(p.centre.id)
                .bind(p.ticket_id)
                .bind(&p.cmd.actor)
                .bind(micros(p.cmd.now))
                .bind(serde_json::to_string(&kind)?);
            kinds.insert(p.ticket_id, (p, kind));
        }
        for r in q.persistent(false).fetch_all(&mut *c).await? {
            let (id, ticket_id): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            let (p, kind) = kinds
                .remove(&ticket_id)
                .ok_or_else(|| Error::Internal("an event for an unknown ticket".into()))?;
            out.insert(
                ticket_id,
                Event {
                    id,
                    centre: p.centre.config.code.clone(),
                    at: p.cmd.now,
                    kind,
                },
            );
        }
    }
    Ok(out)
}
