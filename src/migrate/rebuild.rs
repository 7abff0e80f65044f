//! What SQLite's table rebuild must keep that the table's definition does not say:
//! the steps of SQLite's "Making Other Kinds Of Table Schema Changes" that read the
//! live schema. Views that use the table are dropped first (a view naming a table
//! that is gone makes the rename fail) and made again after; the table's triggers and
//! the indexes sqlkit does not model (over expressions, or with a predicate it was not
//! given) are made again from their own SQL. A column the rebuild would lose (a
//! generated one, or one of a type sqlkit does not map) makes it refuse.

use super::ops::Op;
use super::reflect::reflect_table;
use super::sqltext::{tokens, Tok};
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
    if let Some(live) = reflect_table(conn, table)? {
        let lost: Vec<String> = live
            .def()
            .opaque()
            .iter()
            .filter(|o| matches!(o.kind, OpaqueKind::Column | OpaqueKind::GeneratedColumn))
            .map(|o| match (&o.kind, &o.sql) {
                (OpaqueKind::GeneratedColumn, _) => format!("`{}` (generated)", o.name),
                (_, Some(t)) if !t.is_empty() => format!("`{}` ({t})", o.name),
                _ => format!("`{}` (no type)", o.name),
            })
            .collect();
        if !lost.is_empty() {
            return Err(Error::Schema(
                format!(
                    "SQLite's table rebuild of `{table}` for \"{}\" would lose column(s) {}, \
                     which sqlkit does not model: make this change with raw SQL",
                    op.describe(),
                    lost.join(", ")
                )
                .into(),
            ));
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
        if names_table(&sql, table) {
            before.push(format!("DROP VIEW \"{}\"", view.replace('"', "\"\"")));
            after.push(sql);
        }
    }
    Ok(before.into_iter().chain(stmts).chain(after).collect())
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

/// Whether SQL text names `table` (as a word or a quoted name).
fn names_table(sql: &str, table: &str) -> bool {
    tokens(sql).iter().any(|(t, a, b)| match t {
        Tok::Word => sql
            .get(*a..*b)
            .is_some_and(|w| w.eq_ignore_ascii_case(table)),
        Tok::Quoted(q) => q.eq_ignore_ascii_case(table),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_and_table_mentions_are_read_from_sql() {
        assert_eq!(
            index_name("CREATE UNIQUE INDEX ix_a ON t (a)").as_deref(),
            Some("ix_a")
        );
        assert_eq!(
            index_name("CREATE INDEX IF NOT EXISTS \"x y\" ON t (a)").as_deref(),
            Some("x y")
        );
        assert_eq!(index_name("INSERT INTO t VALUES (1)"), None);
        assert!(names_table(
            "CREATE VIEW v AS SELECT * FROM \"Posts\" p",
            "posts"
        ));
        assert!(!names_table(
            "CREATE VIEW v AS SELECT 'posts' FROM other",
            "posts"
        ));
    }
}
