//! SQL text built in step with its bind values (numbered placeholders, the same on both
//! backends, except the long lists of bulk inserts and id look-ups: see [`placeholders`]), and
//! the case-list access clause every query over cases must apply the same way:
//! one place, so a list, a count and a download can never disagree about who sees what.

use crate::Backend;
use crate::error::StoreError;
use crate::read::Scope;
use sqlx::AnyConnection;

/// Rows per multi-row insert: 500 × 8 parameters stays far below both backends' limits.
pub(crate) const MAX_ROWS: usize = 500;

/// Lengths an `IN (…)` list is padded to (by repeating its last value, which changes nothing),
/// so that the backends see a handful of statement texts that stay in the prepared-statement
/// cache instead of one text per count; the largest is the most ids one statement takes.
const LIST_SHAPES: [usize; 5] = [1, 8, 32, 128, 512];

/// The most values one `IN (…)` list takes.
pub(crate) const MAX_LIST: usize = LIST_SHAPES[LIST_SHAPES.len() - 1];

/// The padded length for a list of `n` values (`1 ..= MAX_LIST`).
pub(crate) fn list_shape(n: usize) -> usize {
    LIST_SHAPES
        .into_iter()
        .find(|s| *s >= n)
        .unwrap_or(MAX_LIST)
}

/// `n` placeholders numbered from `first`, comma-separated. SQLite gets bare `?`: it resolves a
/// numbered parameter by scanning the statement's names, once per parameter when the statement
/// is parsed and again when it is bound, which is quadratic in a long list.
pub(crate) fn placeholders(sqlite: bool, n: usize, first: usize) -> String {
    let mut out = String::with_capacity(n * 4);
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        if sqlite {
            out.push('?');
        } else {
            out.push('$');
            out.push_str(&(first + i).to_string());
        }
    }
    out
}

/// `values` cut into `IN (…)` lists of fixed lengths: each list's placeholders and the values
/// to bind, the last value repeated up to the list's length.
pub(crate) fn in_lists<T>(backend: Backend, values: &[T]) -> Vec<(String, Vec<&T>)> {
    let sqlite = backend == Backend::Sqlite;
    values
        .chunks(MAX_LIST)
        .map(|chunk| {
            let n = list_shape(chunk.len());
            let mut binds: Vec<&T> = chunk.iter().collect();
            if let Some(last) = chunk.last() {
                binds.resize(n, last);
            }
            (placeholders(sqlite, n, 1), binds)
        })
        .collect()
}

/// Whether a connection is SQLite's (for [`placeholders`]).
pub(crate) fn is_sqlite(conn: &sqlx::AnyConnection) -> bool {
    conn.backend_name().eq_ignore_ascii_case("sqlite")
}

/// A bound value of a bulk insert.
pub(crate) enum Val {
    T(String),
    I(i64),
    N(Option<i64>),
    /// Optional text.
    S(Option<String>),
    /// Optional bytes (sealed personal data).
    B(Option<Vec<u8>>),
}

/// Inserts rows with multi-row `VALUES` in chunks of at most [`MAX_ROWS`]; `tail` follows the
/// values (an `ON CONFLICT` clause, or nothing).
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    head: &str,
    tail: &str,
    rows: Vec<Vec<Val>>,
) -> Result<(), StoreError> {
    let sqlite = is_sqlite(conn);
    for chunk in rows.chunks(MAX_ROWS) {
        let mut text = format!("{head} VALUES ");
        let mut k = 1;
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            text.push('(');
            text.push_str(&placeholders(sqlite, row.len(), k));
            text.push(')');
            k += row.len();
        }
        text.push_str(tail);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(text));
        for row in chunk {
            for v in row {
                q = match v {
                    Val::T(s) => q.bind(s.clone()),
                    Val::I(i) => q.bind(*i),
                    Val::N(n) => q.bind(*n),
                    Val::S(s) => q.bind(s.clone()),
                    Val::B(b) => q.bind(b.clone()),
                };
            }
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

pub(crate) struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

pub(crate) enum Arg {
    Text(String),
    Int(i64),
}

impl Sql {
    pub fn new(base: &str) -> Self {
        Sql {
            text: base.to_string(),
            args: Vec::new(),
        }
    }

    pub fn bind(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    pub fn and(&mut self, clause: &str) {
        self.text.push_str(" AND ");
        self.text.push_str(clause);
    }

    pub fn in_list(&mut self, column: &str, values: &[String]) {
        if values.is_empty() {
            self.and("1 = 0");
            return;
        }
        let ph: Vec<String> = values
            .iter()
            .map(|v| self.bind(Arg::Text(v.clone())))
            .collect();
        self.and(&format!("{column} IN ({})", ph.join(", ")));
    }

    /// The access scope over `cases c`: never an accusation against the viewer's own unit.
    pub fn scope(&mut self, scope: &Scope) {
        match scope {
            Scope::All => {}
            Scope::Unit(u) => {
                let p = self.bind(Arg::Text(u.clone()));
                self.and(&format!(
                    "c.id IN (SELECT case_id FROM case_units WHERE unit = {p}) \
                     AND NOT (c.kind = 'accusation' AND c.accused_unit IS NOT NULL AND c.accused_unit = {p})"
                ));
            }
            Scope::Local { unit, regions } => {
                let p = self.bind(Arg::Text(unit.clone()));
                let ph: Vec<String> = regions
                    .iter()
                    .map(|r| self.bind(Arg::Text(r.clone())))
                    .collect();
                let in_regions = if ph.is_empty() {
                    "1 = 0".to_string()
                } else {
                    format!("c.region IN ({})", ph.join(", "))
                };
                self.and(&format!(
                    "({in_regions} OR c.id IN (SELECT case_id FROM case_units WHERE unit = {p})) \
                     AND NOT (c.kind = 'accusation' AND c.accused_unit IS NOT NULL AND c.accused_unit = {p})"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_shapes_fit() {
        for n in 1..=MAX_LIST {
            let s = list_shape(n);
            assert!(s >= n && LIST_SHAPES.contains(&s));
        }
        assert_eq!(placeholders(false, 3, 2), "$2, $3, $4");
        assert_eq!(placeholders(true, 3, 2), "?, ?, ?");
    }
}
