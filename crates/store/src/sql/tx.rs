//! The statements of a command, over either of the writer's connections: the
//! sqlx one (PostgreSQL, and SQLite's general path) or SQLite's write lane
//! (lane.rs), where a command's statements run on the connection's own
//! thread with no round trip each. A command written against [`Tx`] is one
//! implementation for both: the SQL is the same text (`$n` parameters, which
//! SQLite takes as named ones), the rows are read by position through
//! [`Cols`].

use std::ops::Range;

use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::{Any, AnyConnection, Row as _};

use crate::{Error, Result};

/// A value bound to a statement: integers (timestamps, ids, booleans) and
/// text are all the commands bind.
#[derive(Debug, Clone)]
pub enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_owned()))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_owned))
    }
}

/// The arguments of a statement, in `$1`, `$2`, ... order.
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::sql::tx::Arg::from($v)),*] };
}
pub(crate) use args;

/// Rows per multi-row statement at most: a few hundred bound values, far
/// below either backend's limit.
pub const CHUNK: usize = 64;

/// `0..n` in pieces of [`CHUNK`] rows (the last one shorter): as few
/// statements as possible.
pub fn chunks(n: usize) -> Vec<Range<usize>> {
    (0..n)
        .step_by(CHUNK)
        .map(|start| start..n.min(start + CHUNK))
        .collect()
}

/// `0..n` in pieces whose sizes are powers of two (64, 32, ..., 1; the
/// biggest that fits first): a multi-row statement then has seven texts
/// whatever the number of rows, so their prepared statements are reused.
pub fn powers_of_two(n: usize) -> Vec<Range<usize>> {
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < n {
        let left = (n - start).min(CHUNK);
        let size = 1 << left.ilog2();
        pieces.push(start..start + size);
        start += size;
    }
    pieces
}

/// A row being read, its columns by position.
pub trait Cols {
    fn int(&self, i: usize) -> Result<i64>;
    fn int_opt(&self, i: usize) -> Result<Option<i64>>;
    fn text(&self, i: usize) -> Result<String>;
    fn text_opt(&self, i: usize) -> Result<Option<String>>;
}

/// Reads one row into a value.
pub type Decode<T> = fn(&dyn Cols) -> Result<T>;

/// A connection inside the writer's transaction.
pub trait Tx: Send {
    /// Runs `sql` with `args`, every row read by `decode`.
    fn rows<'a, T: Send + 'a>(
        &'a mut self,
        sql: &'a str,
        args: Vec<Arg>,
        decode: Decode<T>,
    ) -> BoxFuture<'a, Result<Vec<T>>>;

    /// Runs `sql` with `args`; the rows it changed.
    fn exec<'a>(&'a mut self, sql: &'a str, args: Vec<Arg>) -> BoxFuture<'a, Result<u64>>;

    /// Runs one or more statements without arguments (transaction control:
    /// BEGIN, SAVEPOINT, COMMIT), in one round trip where there is one.
    fn control<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<()>>;

    /// Whether placeholders are numbered (`$1`, PostgreSQL) rather than
    /// anonymous (`?`, SQLite); see build.rs.
    fn numbered(&self) -> bool;

    /// `0..n` cut into the rows of multi-row statements (an INSERT of many
    /// tickets, a look-up of many keys), each at most [`CHUNK`] rows. By
    /// default in as few pieces as possible, each a round trip to
    /// PostgreSQL; SQLite's lane cuts them in powers of two (lane.rs).
    fn pieces(&self, n: usize) -> Vec<Range<usize>> {
        chunks(n)
    }
}

/// The first row, if any.
pub async fn row_opt<C: Tx + ?Sized, T: Send>(
    c: &mut C,
    sql: &str,
    args: Vec<Arg>,
    decode: Decode<T>,
) -> Result<Option<T>> {
    Ok(c.rows(sql, args, decode).await?.into_iter().next())
}

/// The first row; `NotFound(what)` without one.
pub async fn row<C: Tx + ?Sized, T: Send>(
    c: &mut C,
    sql: &str,
    args: Vec<Arg>,
    decode: Decode<T>,
    what: &'static str,
) -> Result<T> {
    row_opt(c, sql, args, decode)
        .await?
        .ok_or(Error::NotFound(what))
}

/// [`Cols`] for a driver's row type, whose `$get(i)` reads a column by
/// position into any type it decodes.
macro_rules! cols_by {
    ($row:ty, $get:ident) => {
        impl $crate::sql::tx::Cols for $row {
            fn int(&self, i: usize) -> $crate::Result<i64> {
                Ok(self.$get(i)?)
            }
            fn int_opt(&self, i: usize) -> $crate::Result<Option<i64>> {
                Ok(self.$get(i)?)
            }
            fn text(&self, i: usize) -> $crate::Result<String> {
                Ok(self.$get(i)?)
            }
            fn text_opt(&self, i: usize) -> $crate::Result<Option<String>> {
                Ok(self.$get(i)?)
            }
        }
    };
}
pub(crate) use cols_by;

cols_by!(sqlx::any::AnyRow, try_get);

fn query(sql: &str, args: Vec<Arg>) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments<'_>> {
    let mut q = sqlx::query(sql);
    for a in args {
        q = match a {
            Arg::Int(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
        };
    }
    q
}

impl Tx for AnyConnection {
    fn rows<'a, T: Send + 'a>(
        &'a mut self,
        sql: &'a str,
        args: Vec<Arg>,
        decode: Decode<T>,
    ) -> BoxFuture<'a, Result<Vec<T>>> {
        async move {
            let rows = query(sql, args).fetch_all(&mut *self).await?;
            rows.iter().map(|r| decode(r)).collect()
        }
        .boxed()
    }

    fn exec<'a>(&'a mut self, sql: &'a str, args: Vec<Arg>) -> BoxFuture<'a, Result<u64>> {
        async move { Ok(query(sql, args).execute(&mut *self).await?.rows_affected()) }.boxed()
    }

    fn control<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<()>> {
        // A bare &str goes without arguments (PostgreSQL's simple query
        // protocol: several statements in one round trip).
        async move {
            sqlx::Executor::execute(&mut *self, sql).await?;
            Ok(())
        }
        .boxed()
    }

    fn numbered(&self) -> bool {
        !self.backend_name().eq_ignore_ascii_case("sqlite")
    }
}

/// The read side's connections are connections too (a view read for an
/// answer runs the same code as inside a command).
macro_rules! tx_by_deref {
    ($($t:ty),*) => {$(
        impl Tx for $t {
            fn rows<'a, T: Send + 'a>(
                &'a mut self,
                sql: &'a str,
                args: Vec<Arg>,
                decode: Decode<T>,
            ) -> BoxFuture<'a, Result<Vec<T>>> {
                let c: &'a mut AnyConnection = self;
                c.rows(sql, args, decode)
            }
            fn exec<'a>(&'a mut self, sql: &'a str, args: Vec<Arg>) -> BoxFuture<'a, Result<u64>> {
                let c: &'a mut AnyConnection = self;
                c.exec(sql, args)
            }
            fn control<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<()>> {
                let c: &'a mut AnyConnection = self;
                c.control(sql)
            }
            fn numbered(&self) -> bool {
                let c: &AnyConnection = self;
                c.numbered()
            }
        }
    )*};
}
tx_by_deref!(sqlx::pool::PoolConnection<Any>, sqlx::Transaction<'_, Any>);

impl<X: Tx + ?Sized> Tx for &mut X {
    fn rows<'a, T: Send + 'a>(
        &'a mut self,
        sql: &'a str,
        args: Vec<Arg>,
        decode: Decode<T>,
    ) -> BoxFuture<'a, Result<Vec<T>>> {
        (**self).rows(sql, args, decode)
    }
    fn exec<'a>(&'a mut self, sql: &'a str, args: Vec<Arg>) -> BoxFuture<'a, Result<u64>> {
        (**self).exec(sql, args)
    }
    fn control<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<()>> {
        (**self).control(sql)
    }
    fn numbered(&self) -> bool {
        (**self).numbered()
    }
    fn pieces(&self, n: usize) -> Vec<Range<usize>> {
        (**self).pieces(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(pieces: &[Range<usize>]) -> Vec<usize> {
        pieces.iter().map(ExactSizeIterator::len).collect()
    }

    /// Both cuts cover `0..n` exactly, in order, in pieces of at most
    /// [`CHUNK`]; the lane's are powers of two, at most one of each size
    /// below [`CHUNK`].
    #[test]
    fn pieces_cover_every_row_once() {
        for n in 0..=300 {
            for (pieces, pow2) in [(chunks(n), false), (powers_of_two(n), true)] {
                let rows: Vec<usize> = pieces.iter().cloned().flatten().collect();
                assert_eq!(rows, (0..n).collect::<Vec<_>>(), "n = {n}");
                assert!(pieces.iter().all(|p| !p.is_empty() && p.len() <= CHUNK));
                if pow2 {
                    assert!(pieces.iter().all(|p| p.len().is_power_of_two()));
                    let small: Vec<usize> =
                        sizes(&pieces).into_iter().filter(|&s| s < CHUNK).collect();
                    let mut distinct = small.clone();
                    distinct.dedup();
                    assert_eq!(small, distinct, "n = {n}");
                }
            }
        }
        assert_eq!(sizes(&chunks(130)), [64, 64, 2]);
        assert_eq!(sizes(&powers_of_two(13)), [8, 4, 1]);
        assert_eq!(sizes(&powers_of_two(130)), [64, 64, 2]);
    }
}
