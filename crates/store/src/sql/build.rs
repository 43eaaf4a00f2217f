//! Dynamic SQL over sqlx's `Any` driver. sqlx's own `QueryBuilder<Any>` writes
//! `?` for every parameter, which PostgreSQL refuses (launchbadge/sqlx#3000),
//! so this builder writes each placeholder for the connection's backend:
//! `?` on SQLite (anonymous parameters: numbered ones cost SQLite a linear
//! search per parameter, quadratic over a multi-row INSERT), `$1`, `$2`, ...
//! on PostgreSQL. The text is built from literal pieces and placeholders only;
//! values are always bound, never written into the text.

use std::fmt::Write;

use super::tx::Tx;

pub struct Sql {
    text: String,
    /// Placeholders written so far.
    params: usize,
    numbered: bool,
}

impl Sql {
    /// A statement for `c`'s backend, starting with `head`.
    pub fn new<C: Tx + ?Sized>(c: &C, head: &str) -> Self {
        Self {
            text: head.to_owned(),
            params: 0,
            numbered: c.numbered(),
        }
    }

    /// Literal SQL.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    /// One placeholder: the next value bound fills it.
    pub fn param(&mut self) -> &mut Self {
        self.params += 1;
        if self.numbered {
            let _ = write!(self.text, "${}", self.params);
        } else {
            self.text.push('?');
        }
        self
    }

    /// A new parameter that the text names more than once: its placeholder,
    /// to `push` wherever it is needed. It carries its number on both
    /// backends (`?N` on SQLite, `$N` on PostgreSQL), so its uses may come
    /// in any order; the next value bound fills it.
    pub fn shared_param(&mut self) -> String {
        self.params += 1;
        if self.numbered {
            format!("${}", self.params)
        } else {
            format!("?{}", self.params)
        }
    }

    /// `rows` rows of a multi-row `VALUES`, each `(` then its pieces `)`,
    /// comma-separated; a piece is a literal (`Some`) or a placeholder (`None`).
    pub fn rows(&mut self, rows: usize, row: &[Option<&str>]) -> &mut Self {
        for r in 0..rows {
            self.text.push_str(if r == 0 { "(" } else { ", (" });
            for (i, piece) in row.iter().enumerate() {
                if i > 0 {
                    self.text.push_str(", ");
                }
                match piece {
                    Some(literal) => {
                        self.text.push_str(literal);
                    }
                    None => {
                        self.param();
                    }
                }
            }
            self.text.push(')');
        }
        self
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(numbered: bool) -> Sql {
        Sql {
            text: "INSERT INTO t (a, b, c) VALUES ".into(),
            params: 0,
            numbered,
        }
    }

    #[test]
    fn placeholders_per_backend() {
        let mut s = sql(false);
        s.rows(2, &[None, Some("'x'"), None]).push(" WHERE k IN (");
        s.param().push(", ").param().push(")");
        assert_eq!(
            s.as_str(),
            "INSERT INTO t (a, b, c) VALUES (?, 'x', ?), (?, 'x', ?) WHERE k IN (?, ?)"
        );
        let mut s = sql(true);
        s.rows(2, &[None, Some("'x'"), None]).push(" WHERE k IN (");
        s.param().push(", ").param().push(")");
        assert_eq!(
            s.as_str(),
            "INSERT INTO t (a, b, c) VALUES ($1, 'x', $2), ($3, 'x', $4) WHERE k IN ($5, $6)"
        );
    }

    #[test]
    fn a_shared_parameter_carries_its_number() {
        for (numbered, want) in [
            // SQLite gives an anonymous `?` the number after the largest so far.
            (false, "SELECT ?2 + ?1 + ?2 + ?"),
            (true, "SELECT $2 + $1 + $2 + $3"),
        ] {
            let mut s = Sql {
                text: "SELECT ".into(),
                params: 0,
                numbered,
            };
            let (a, b) = (s.shared_param(), s.shared_param());
            s.push(&format!("{b} + {a} + {b} + "));
            s.param();
            assert_eq!(s.as_str(), want);
        }
    }
}
