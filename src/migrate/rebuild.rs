//! What SQLite's table rebuild must keep that the table's definition does not say:
//! the steps of SQLite's "Making Other Kinds Of Table Schema Changes" that read the
//! live schema. Views that use the table are dropped first (a view naming a table
//! that is gone makes the rename fail) and made again after; the table's triggers and
//! the indexes sqlkit does not model (over expressions, or with a predicate it was not
//! given) are made again from their own SQL; generated columns and columns of types
//! sqlkit does not map are carried over by their own definitions (the latter with their
//! values).

use super::ops::Op;
use super::reflect::reflect_table;
use super::sqltext::{mentions, tokens, Tok};
use crate::engine::Connection;
use crate::error::{Error, Result};
use crate::schema::OpaqueKind;
use crate::value::Value;

/// `stmts` (the rebuild of `table` for `op`) with what keeps the live schema's other
/// objects around it.
pub(crate) fn around_sqlite_rebuild(
    conn: &mut Connection,
    table: &str,
    op: &Op,
    stmts: Vec<String>,
) -> Result<Vec<String>> {
    // Columns sqlkit does not model are carried over by their own definitions, from
    // the table's CREATE TABLE text: a generated column as it is (its values are
    // computed again), a column of an unmapped type with its values copied.
    let mut stmts = stmts;
    if let Some(live) = reflect_table(conn, table)? {
        let opaque: Vec<(String, bool)> = live
            .def()
            .opaque()
            .iter()
            .filter_map(|o| match o.kind {
                OpaqueKind::GeneratedColumn => Some((o.name.clone(), true)),
                OpaqueKind::Column => Some((o.name.clone(), false)),
                _ => None,
            })
            .collect();
        if !opaque.is_empty() {
            let create = conn.query_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                &[Value::from(table)],
            )?;
            let text: String = match create.first() {
                Some(r) => r.get(0)?,
                None => String::new(),
            };
            let defs = column_definitions(&text);
            let mut extra_defs = Vec::new();
            let mut copied = Vec::new();
            for (col, generated) in &opaque {
                let def = defs
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(col))
                    .map(|(_, d)| d.clone())
                    .ok_or_else(|| {
                        Error::Schema(
                            format!(
                                "SQLite's table rebuild of `{table}` for \"{}\" would lose \
                                 column `{col}`, whose definition it cannot read: make this \
                                 change with raw SQL",
                                op.describe()
                            )
                            .into(),
                        )
                    })?;
                extra_defs.push(def);
                if !generated {
                    copied.push(col.clone());
                }
            }
            stmts = carry_columns(stmts, &extra_defs, &copied)?;
        }
    }
    let name = [Value::from(table)];
    // The table's own indexes and triggers, with their SQL (automatic indexes have none).
    let own = conn.query_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ?1 \
         AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
        &name,
    )?;
    let views = conn.query_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'view' AND sql IS NOT NULL ORDER BY name",
        &[],
    )?;
    // Indexes the rebuild makes itself (from the table's definition) are not made twice.
    let made: Vec<String> = stmts.iter().filter_map(|s| index_name(s)).collect();
    let mut before = Vec::new();
    let mut after = Vec::new();
    for r in &own {
        let (kind, obj, sql): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if kind == "index" && made.iter().any(|m| m.eq_ignore_ascii_case(&obj)) {
            continue;
        }
        after.push(sql);
    }
    for r in &views {
        let (view, sql): (String, String) = (r.get(0)?, r.get(1)?);
        if mentions(&sql, table) {
            before.push(format!("DROP VIEW \"{}\"", view.replace('"', "\"\"")));
            after.push(sql);
        }
    }
    Ok(before.into_iter().chain(stmts).chain(after).collect())
}

/// `(name, definition text)` of each column of a `CREATE TABLE` statement (table
/// constraints left out).
fn column_definitions(sql: &str) -> Vec<(String, String)> {
    let toks = tokens(sql);
    let mut depth = 0;
    let mut parts: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (t, a, b) in &toks {
        match t {
            Tok::Open => {
                depth += 1;
                if depth == 1 {
                    start = Some(*b);
                    continue;
                }
            }
            Tok::Close => {
                if depth == 1 {
                    if let Some(s0) = start.take() {
                        parts.push((s0, *a));
                    }
                }
                depth -= 1;
            }
            Tok::Other if depth == 1 && sql.get(*a..*b) == Some(",") => {
                if let Some(s0) = start {
                    parts.push((s0, *a));
                }
                start = Some(*b);
            }
            _ => {}
        }
    }
    let constraint = ["constraint", "primary", "unique", "foreign", "check"];
    parts
        .into_iter()
        .filter_map(|(a, b)| {
            let text = sql.get(a..b)?.trim();
            let (t, x, y) = tokens(text).into_iter().next()?;
            let (name, bare) = match t {
                Tok::Quoted(q) => (q, false),
                Tok::Word => (text.get(x..y)?.to_string(), true),
                _ => return None,
            };
            if bare && constraint.iter().any(|c| name.eq_ignore_ascii_case(c)) {
                return None;
            }
            Some((name, text.to_string()))
        })
        .collect()
}

/// The rebuild's statements with `defs` added to the new table's columns (before its
/// constraints) and the `copied` columns added to the copy of the rows.
fn carry_columns(
    mut stmts: Vec<String>,
    defs: &[String],
    copied: &[String],
) -> Result<Vec<String>> {
    let bad = || Error::Schema("the rebuild's statements are not as expected".into());
    let create = stmts.first_mut().ok_or_else(bad)?;
    let toks = tokens(create);
    let mut depth = 0;
    let mut at = None;
    let mut prev_comma: Option<usize> = None;
    for (t, a, b) in &toks {
        match t {
            Tok::Open => depth += 1,
            Tok::Close => {
                if depth == 1 && at.is_none() {
                    at = Some(*a);
                }
                depth -= 1;
            }
            Tok::Other if depth == 1 && create.get(*a..*b) == Some(",") => prev_comma = Some(*a),
            Tok::Word if depth == 1 && at.is_none() => {
                let w = create.get(*a..*b).unwrap_or("");
                let after_comma = prev_comma.is_some_and(|c| {
                    create
                        .get(c + 1..*a)
                        .is_some_and(|between| between.trim().is_empty())
                });
                if after_comma
                    && ["constraint", "primary", "unique", "foreign", "check"]
                        .iter()
                        .any(|k| w.eq_ignore_ascii_case(k))
                {
                    at = prev_comma;
                }
            }
            _ => {}
        }
    }
    let at = at.ok_or_else(bad)?;
    let added: String = defs.iter().map(|d| format!(", {d}")).collect();
    create.insert_str(at, &added);
    if !copied.is_empty() {
        let insert = stmts.get_mut(1).ok_or_else(bad)?;
        let quoted: Vec<String> = copied
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect();
        let list = quoted.join(", ");
        let close = insert.find(") SELECT ").ok_or_else(bad)?;
        insert.insert_str(close, &format!(", {list}"));
        let from = insert.rfind(" FROM ").ok_or_else(bad)?;
        insert.insert_str(from, &format!(", {list}"));
    }
    Ok(stmts)
}

/// The index a `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON ..` statement makes.
fn index_name(sql: &str) -> Option<String> {
    let toks = tokens(sql);
    let words: Vec<(String, &Tok)> = toks
        .iter()
        .map(|(t, a, b)| match t {
            Tok::Quoted(q) => (q.clone(), t),
            _ => (sql.get(*a..*b).unwrap_or("").to_string(), t),
        })
        .collect();
    let mut it = words.iter();
    if !it.next()?.0.eq_ignore_ascii_case("create") {
        return None;
    }
    let mut w = it.next()?;
    if w.0.eq_ignore_ascii_case("unique") {
        w = it.next()?;
    }
    if !w.0.eq_ignore_ascii_case("index") {
        return None;
    }
    let mut w = it.next()?;
    if w.0.eq_ignore_ascii_case("if") {
        it.next()?;
        it.next()?;
        w = it.next()?;
    }
    Some(w.0.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_are_read_from_sql() {
        assert_eq!(
            index_name("CREATE UNIQUE INDEX ix_a ON t (a)").as_deref(),
            Some("ix_a")
        );
        assert_eq!(
            index_name("CREATE INDEX IF NOT EXISTS \"x y\" ON t (a)").as_deref(),
            Some("x y")
        );
        assert_eq!(index_name("INSERT INTO t VALUES (1)"), None);
        assert!(mentions(
            "CREATE VIEW v AS SELECT * FROM \"Posts\" p",
            "posts"
        ));
        assert!(!mentions(
            "CREATE VIEW v AS SELECT 'posts' FROM other",
            "posts"
        ));
    }

    #[test]
    fn column_definitions_are_read_and_carried() {
        let defs = column_definitions(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, \"a b\" TEXT, g TEXT GENERATED ALWAYS AS \
             (upper(\"a b\")) VIRTUAL, CONSTRAINT ck CHECK (id > 0))",
        );
        let names: Vec<&str> = defs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["id", "a b", "g"]);
        let stmts = carry_columns(
            vec![
                "CREATE TABLE n (id BIGINT, CONSTRAINT pk PRIMARY KEY (id))".into(),
                "INSERT INTO n (id) SELECT id FROM t".into(),
            ],
            &["x".into(), "g TEXT AS (1)".into()],
            &["x".into()],
        )
        .expect("carried");
        assert_eq!(
            stmts,
            [
                "CREATE TABLE n (id BIGINT, x, g TEXT AS (1), CONSTRAINT pk PRIMARY KEY (id))",
                "INSERT INTO n (id, \"x\") SELECT id, \"x\" FROM t"
            ]
        );
    }
}
