//! SQLite's write lane: a second write connection, owned by a thread of its
//! own, on which the writer runs the issue, counter and booking commands of
//! a batch (a kiosk press, call next, complete, a booking on the portal, ...)
//! in a transaction of their own.
//!
//! Why: through sqlx, every statement is a round trip between the writer task
//! and sqlx's worker thread for the connection, and on a small machine that
//! hop (two thread wake-ups) costs far more than the statement itself
//! (docs/benchmarks.md). A counter command is a dozen statements that depend
//! on each other, and the writer runs commands one after another, so the hops
//! set the rate of calls; a batch of tickets is a dozen statements too. Here
//! the whole transaction (BEGIN, the tickets together, every other command in
//! its savepoint, COMMIT with its sync) runs on the lane's thread, through
//! the same batch.rs as on the sqlx connection: one hop per batch. The
//! commands are the same code as on PostgreSQL ([`super::tx::Tx`]).
//!
//! The writer task owns both connections and uses them one after the other
//! (its sqlx batch, then the lane's), so they never contend for SQLite's write
//! lock; the durability rules are the writer's: nothing is answered or
//! published before COMMIT returned, and a failed COMMIT stops the writer
//! (writer.rs, docs/durability.md).

use std::ops::Range;
use std::path::Path;
use std::sync::mpsc;

use futures::future::BoxFuture;
use futures::FutureExt;
use rusqlite::{ffi, Connection, ErrorCode};
use tokio::sync::oneshot;

use super::batch::{self, BatchError, Job, Outcome};
use super::tx::{cols_by, Arg, Decode, Tx};
use crate::{error::unique_conflict, Error, Result};

/// How a lane batch ended: [`batch::run`]'s answer.
pub type LaneResult = std::result::Result<Vec<Outcome>, BatchError<LaneConn>>;

struct Batch {
    jobs: Vec<Job<LaneConn>>,
    done: oneshot::Sender<LaneResult>,
}

/// The lane's thread; dropping it closes the connection (after the batch in
/// progress).
pub struct Lane {
    batches: Option<mpsc::Sender<Batch>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Prepared statements the lane keeps: every command's statements, and the
/// multi-row ones in their seven sizes (the lane cuts a batch's rows in
/// pieces of 64, 32, ..., 1 rows: [`Tx::pieces`]). When each row count had a
/// text of its own, parsing them was a quarter of the lane's time with
/// batches of a few tickets (docs/benchmarks.md).
const STATEMENT_CACHE: usize = 256;
/// A statement binding more arguments than this is prepared for its one run,
/// not kept. None of the lane's does (64 tickets of 14 values are 896); the
/// bound keeps a statement whose text grows with its input from filling the
/// cache.
const CACHED_ARGS: usize = 1024;

impl Lane {
    /// Opens `path` (a database the store has created and migrated) with
    /// `pragmas`, on a thread of its own.
    pub fn open(path: &Path, pragmas: &str) -> Result<Self> {
        let conn = Connection::open(path).map_err(Error::from)?;
        conn.execute_batch(pragmas).map_err(Error::from)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let (tx, rx) = mpsc::channel::<Batch>();
        let thread = std::thread::Builder::new()
            .name("luot-write-lane".into())
            .spawn(move || {
                let mut conn = LaneConn { conn };
                for b in rx {
                    // The batch's futures never wait: every statement runs
                    // here, now, on this thread.
                    let result = futures::executor::block_on(batch::run(
                        &mut conn,
                        &batch::SQLITE_STEPS,
                        b.jobs,
                    ));
                    let _ = b.done.send(result);
                }
            })
            .map_err(|e| Error::Internal(format!("cannot start the write lane: {e}")))?;
        Ok(Self {
            batches: Some(tx),
            thread: Some(thread),
        })
    }

    /// Runs `jobs` in one transaction on the lane's thread.
    pub async fn run(&self, jobs: Vec<Job<LaneConn>>) -> LaneResult {
        let (done, result) = oneshot::channel();
        let Some(batches) = &self.batches else {
            return Err(BatchError::NotStarted(closed(), jobs));
        };
        if let Err(mpsc::SendError(b)) = batches.send(Batch { jobs, done }) {
            return Err(BatchError::NotStarted(closed(), b.jobs));
        }
        // The thread gone mid-batch: its jobs were dropped (`Unavailable`).
        result
            .await
            .unwrap_or_else(|_| Err(BatchError::Failed(closed(), Vec::new())))
    }

    /// Whether the lane's thread still runs (it ends only when closed, or
    /// if something outside a command panicked on it).
    pub fn is_alive(&self) -> bool {
        self.batches.is_some() && self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Closes the connection once the batch in progress is done.
    pub async fn close(mut self) {
        self.batches = None;
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

fn closed() -> Error {
    Error::Unavailable("the write lane is closed".into())
}

/// The lane's connection, as commands see it ([`Tx`]).
pub struct LaneConn {
    conn: Connection,
}

impl LaneConn {
    /// Runs `f` on `sql`, prepared (or taken from the cache) and bound.
    fn with<T>(
        &self,
        sql: &str,
        args: &[Arg],
        f: impl FnOnce(&mut rusqlite::Statement<'_>) -> Result<T>,
    ) -> Result<T> {
        if args.len() > CACHED_ARGS {
            let mut stmt = self.conn.prepare(sql)?;
            bind(&mut stmt, sql, args)?;
            f(&mut stmt)
        } else {
            let mut stmt = self.conn.prepare_cached(sql)?;
            bind(&mut stmt, sql, args)?;
            f(&mut stmt)
        }
    }

    fn rows_now<T>(&self, sql: &str, args: &[Arg], decode: Decode<T>) -> Result<Vec<T>> {
        self.with(sql, args, |stmt| {
            let mut rows = stmt.raw_query();
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(decode(r)?);
            }
            Ok(out)
        })
    }

    fn exec_now(&self, sql: &str, args: &[Arg]) -> Result<u64> {
        self.with(sql, args, |stmt| Ok(stmt.raw_execute()? as u64))
    }
}

/// Binds `args` to `stmt`: `?n` and `$n` (SQLite's named parameter "$n")
/// are bound to the n-th argument; an anonymous `?` takes the argument of its
/// position.
fn bind(stmt: &mut rusqlite::Statement<'_>, sql: &str, args: &[Arg]) -> Result<()> {
    for i in 1..=stmt.parameter_count() {
        let n = match stmt.parameter_name(i) {
            Some(name) => name
                .strip_prefix(['$', '?'])
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| Error::Internal(format!("parameter {name} in {sql}")))?,
            None => i,
        };
        let arg = args
            .get(n.wrapping_sub(1))
            .ok_or_else(|| Error::Internal(format!("no argument ${n} for {sql}")))?;
        match arg {
            Arg::Int(v) => stmt.raw_bind_parameter(i, v)?,
            Arg::Text(v) => stmt.raw_bind_parameter(i, v)?,
        }
    }
    Ok(())
}

impl Tx for LaneConn {
    fn rows<'a, T: Send + 'a>(
        &'a mut self,
        sql: &'a str,
        args: Vec<Arg>,
        decode: Decode<T>,
    ) -> BoxFuture<'a, Result<Vec<T>>> {
        futures::future::ready(self.rows_now(sql, &args, decode)).boxed()
    }

    fn exec<'a>(&'a mut self, sql: &'a str, args: Vec<Arg>) -> BoxFuture<'a, Result<u64>> {
        futures::future::ready(self.exec_now(sql, &args)).boxed()
    }

    fn control<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<()>> {
        // BEGIN, COMMIT, SAVEPOINT and the like, a few per batch or command:
        // each statement prepared once and kept. Control texts are the
        // store's own, with no `;` inside a statement.
        let run = || {
            for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                self.conn.prepare_cached(statement)?.raw_execute()?;
            }
            Ok(())
        };
        futures::future::ready(run()).boxed()
    }

    fn numbered(&self) -> bool {
        false
    }

    fn pieces(&self, n: usize) -> Vec<Range<usize>> {
        // No round trip to save here, but a parse: seven texts per statement.
        super::tx::powers_of_two(n)
    }
}

cols_by!(rusqlite::Row<'_>, get);

impl From<rusqlite::Error> for Error {
    /// As for sqlx's errors (error.rs): a unique key has its meaning, a busy
    /// or failing database is `Unavailable`, the rest is a bug.
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(f, msg)
                if f.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                Error::Conflict(unique_conflict(None, msg.as_deref().unwrap_or_default()))
            }
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.code,
                    ErrorCode::DatabaseBusy
                        | ErrorCode::DatabaseLocked
                        | ErrorCode::SystemIoFailure
                        | ErrorCode::DiskFull
                        | ErrorCode::CannotOpen
                ) =>
            {
                Error::Unavailable(e.to_string())
            }
            _ => Error::Internal(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::batch;
    use crate::sql::tx::args;
    use crate::sql::writer::tests::event;

    /// A lane on a fresh file whose `child` rows need a `parent` by COMMIT
    /// (a deferred foreign key: a way to make a COMMIT fail).
    fn lane(dir: &tempfile::TempDir) -> (Lane, std::path::PathBuf) {
        let path = dir.path().join("lane.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE parent (id INTEGER PRIMARY KEY); \
             CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);",
        )
        .unwrap();
        drop(c);
        let lane = Lane::open(
            &path,
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
        )
        .unwrap();
        (lane, path)
    }

    /// The bundled SQLite is built as `.cargo/config.toml` asks: without
    /// memory statistics, whose global mutex every allocation took
    /// (docs/benchmarks.md). A build that drops the flag (`LIBSQLITE3_FLAGS`
    /// set by hand) fails here, not silently slower. (`HAVE_FDATASYNC` is not
    /// listed by SQLite; the crash tests check the sync call itself.)
    #[test]
    fn sqlite_is_built_with_the_projects_flags() {
        let c = Connection::open_in_memory().unwrap();
        let mut s = c.prepare("PRAGMA compile_options").unwrap();
        let options: Vec<String> = s
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
    }

    type Answer = oneshot::Receiver<Result<i64>>;

    /// A command running `sql` (inserting `id`), then failing if `fail`,
    /// panicking if `panic`.
    fn job(sql: &'static str, id: i64, fail: bool, panic: bool) -> (Job<LaneConn>, Answer) {
        let (tx, rx) = oneshot::channel();
        let job = batch::one(
            move |c: &mut LaneConn| {
                async move {
                    c.exec(sql, args![id]).await?;
                    if panic {
                        panic!("a bug in a command");
                    }
                    if fail {
                        return Err(Error::NotFound("test"));
                    }
                    Ok((id, vec![event(id)]))
                }
                .boxed()
            },
            tx,
            None,
        );
        (Job::One(job), rx)
    }

    fn stored(path: &Path, table: &str) -> Vec<i64> {
        let c = Connection::open(path).unwrap();
        let mut s = c
            .prepare(&format!("SELECT rowid FROM {table} ORDER BY rowid"))
            .unwrap();
        let ids = s.query_map([], |r| r.get(0)).unwrap();
        ids.map(|r| r.unwrap()).collect()
    }

    /// In one lane batch, a command that wrote and then failed, and one that
    /// panicked, are rolled back alone: the others commit with their events;
    /// each gets its own answer once the batch is settled.
    #[tokio::test]
    async fn a_failing_command_is_undone_alone_on_the_lane() {
        let dir = tempfile::tempdir().unwrap();
        let (lane, path) = lane(&dir);
        let insert = "INSERT INTO parent (id) VALUES ($1)";
        let (jobs, answers): (Vec<_>, Vec<_>) = [
            job(insert, 1, false, false),
            job(insert, 2, true, false),
            job(insert, 3, false, true),
            job(insert, 4, false, false),
        ]
        .into_iter()
        .unzip();
        let Ok(outcomes) = lane.run(jobs).await else {
            panic!("the batch did not commit");
        };
        let events: Vec<i64> = outcomes
            .iter()
            .flat_map(|o| o.events.iter().map(|e| e.id))
            .collect();
        assert_eq!(events, [1, 4]);
        for o in outcomes {
            (o.reply)(Ok(()));
        }
        let mut got = Vec::new();
        for a in answers {
            got.push(a.await.unwrap());
        }
        assert!(matches!(got[0], Ok(1)));
        assert!(matches!(got[1], Err(Error::NotFound("test"))));
        assert!(matches!(&got[2], Err(Error::Internal(m)) if m.contains("panicked")));
        assert!(matches!(got[3], Ok(4)));
        assert_eq!(stored(&path, "parent"), [1, 4]);
        lane.close().await;
    }

    /// A COMMIT that fails is reported as such, with every outcome to answer,
    /// and nothing of the batch is on disk; the lane takes the next batch.
    #[tokio::test]
    async fn a_failed_commit_on_the_lane_is_reported_and_nothing_stays() {
        let dir = tempfile::tempdir().unwrap();
        let (lane, path) = lane(&dir);
        let (a, _) = job("INSERT INTO parent (id) VALUES ($1)", 1, false, false);
        let (b, _) = job("INSERT INTO child (p) VALUES ($1 + 98)", 1, false, false);
        match lane.run(vec![a, b]).await {
            Err(BatchError::CommitFailed(e, outcomes)) => {
                assert!(e.to_string().contains("FOREIGN KEY"), "{e}");
                assert_eq!(outcomes.len(), 2);
                assert!(outcomes.iter().all(|o| o.ok));
            }
            _ => panic!("the COMMIT should have failed"),
        }
        assert!(stored(&path, "parent").is_empty());
        assert!(stored(&path, "child").is_empty());
        let (c, answer) = job("INSERT INTO parent (id) VALUES ($1)", 5, false, false);
        let Ok(outcomes) = lane.run(vec![c]).await else {
            panic!("the next batch did not commit");
        };
        for o in outcomes {
            (o.reply)(Ok(()));
        }
        assert!(matches!(answer.await.unwrap(), Ok(5)));
        assert_eq!(stored(&path, "parent"), [5]);
        lane.close().await;
    }

    /// `$n` parameters bind by their number, wherever and however often they
    /// appear; text, integers and NULL round-trip.
    #[tokio::test]
    async fn numbered_parameters_bind_by_number() {
        let dir = tempfile::tempdir().unwrap();
        let (lane, _) = lane(&dir);
        let mut conn = LaneConn {
            conn: Connection::open(dir.path().join("lane.db")).unwrap(),
        };
        let got = conn
            .rows(
                "SELECT $2, $1, $2 + $1, $3 IS NULL, $4",
                args![40_i64, 2_i64, None::<i64>, "chữ"],
                |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?, r.int(3)?, r.text(4)?)),
            )
            .await
            .unwrap();
        assert_eq!(got, [(2, 40, 42, 1, "chữ".to_owned())]);
        lane.close().await;
    }
}
