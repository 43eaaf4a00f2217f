//! What only PostgreSQL needs: commit-ordered event ids across processes, the
//! NOTIFY wake-up, and per-connection time limits.
//!
//! ## Why event ids are commit-ordered
//!
//! Event ids come from a sequence, assigned at INSERT. With several processes
//! writing, a batch could take id 11, another take 12 and commit first: a
//! client that saw 12 and resumes with `?after=12` would never see 11. So every
//! write batch takes one transaction-scoped advisory lock ([`WRITE_LOCK`]) as
//! its first statement, before it can touch the sequence. Batches across
//! processes therefore commit one at a time, and a batch's ids are all greater
//! than those of every batch that committed before it; the lock is released
//! only after the commit is visible. Consequences relied on elsewhere:
//! - any read of the log (`id > n`) returns a complete prefix: no id below the
//!   largest one read can commit later (relay.rs depends on it);
//! - writer batches never wait on each other's row locks, so they cannot
//!   deadlock, and call-next's conditional update never loses a race between
//!   two writers (it stays, as the guard for writes outside the writer);
//! - the sequence must not be cached per session (`CACHE 1`, the default).
//!
//! Without it, batches of two processes deadlock within seconds (each batch
//! holds the numbering rows of several services until it commits, taken in
//! whatever order its commands came), which would need per-command retries.
//!
//! The cost: writes of the whole deployment go through one transaction at a
//! time. Group commit keeps that cheap (a batch carries every command waiting
//! in its process), and it was measured: see the README's PostgreSQL section.
//! Reads, websockets and everything else still scale with the processes.
//!
//! The alternative (record each event's transaction id and publish only below
//! `pg_snapshot_xmin`) lets writers overlap but needs `xid8` columns the `Any`
//! driver cannot decode and leaves readers waiting on the slowest open
//! transaction; one lock is simpler to reason about and fast enough here.
//!
//! A writer that hangs while holding the lock (a half-open connection) would
//! stall every process; `idle_in_transaction_session_timeout` makes the server
//! end such a transaction, and `statement_timeout` bounds how long the others
//! wait for the lock (their commands get `Unavailable`, a 503).

use std::time::Duration;

/// The NOTIFY channel every committing batch that appended events signals.
pub const EVENTS_CHANNEL: &str = "luot_events";

/// How every write batch begins: the advisory lock right after BEGIN, in the
/// same round trip; released by COMMIT/ROLLBACK. The key is arbitrary but
/// fixed ("Luot" in ASCII).
pub const WRITE_LOCK: &str = "BEGIN; SELECT pg_advisory_xact_lock(1282768756)";

/// Sent inside the batch, so it is delivered only if the batch commits; with
/// COMMIT in one round trip (batch.rs), hence the id as a literal (an integer
/// the store formats, never input). The payload is the batch's last event id;
/// listeners treat it as a wake-up.
pub fn notify(last_event: i64) -> String {
    format!("SELECT pg_notify('{EVENTS_CHANNEL}', '{last_event}')")
}

/// Per-connection limits for pooled (read) connections. `0` disables a limit.
pub fn read_settings(statement_timeout: Duration) -> String {
    format!("SET statement_timeout = {}", statement_timeout.as_millis())
}

/// The write connection also bounds how long a transaction may sit idle: a
/// writer stuck mid-batch must not hold [`WRITE_LOCK`] for ever.
pub fn write_settings(statement_timeout: Duration) -> String {
    let ms = statement_timeout.as_millis();
    let idle = if ms == 0 { 0 } else { ms.max(1_000) * 2 };
    format!("SET statement_timeout = {ms}; SET idle_in_transaction_session_timeout = {idle}")
}

/// Statements the write connection keeps prepared. A batch's multi-row
/// INSERTs have one text per row count (up to issuing::CHUNK, for each of
/// tickets, keys, print jobs, events and the key look-up), so sqlx's default
/// of 100 would evict under a varying load, and a statement not kept costs a
/// second round trip (Parse, then Bind/Execute).
pub const WRITE_STATEMENT_CACHE: usize = 1024;

/// The write connection's URL: `url` with [`WRITE_STATEMENT_CACHE`] unless
/// it sets a capacity itself.
pub fn write_url(url: &str) -> String {
    if url.contains("statement-cache-capacity=") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}statement-cache-capacity={WRITE_STATEMENT_CACHE}")
}

/// Whether a URL names PostgreSQL.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}
