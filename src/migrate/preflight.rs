//! What each operation assumes of the database, compared with what the database has
//! before anything runs.
//!
//! A revision states the "before" side of what it changes (the column an
//! `alter_column` starts from, the column a `drop_column` keeps for its downgrade, the
//! index a `drop_index` removes). Trusting that side is how a migration destroys data:
//! a column that really is `numeric(10,4)`, altered "from `numeric(10,0)`", would be
//! judged a widening and its fractions cut. So the runner reflects the tables a plan
//! touches, walks the plan over them, and refuses with [`Error::SchemaMismatch`] where
//! an operation's assumption is not what the database holds.

use super::diff::scratch_defaults;
use super::ops::{ColumnSpec, Op, SchemaState, TableSpec};
use super::reflect::reflect_table;
use super::shape::stored_type;
use super::sqltext::plain;
use crate::engine::Connection;
use crate::error::{Error, Result, SchemaMismatch};
use crate::schema::SqlType;
use std::collections::HashSet;

/// The database's tables as a plan walks over them: reflected when first named, then
/// moved on by each operation.
pub(crate) struct Live {
    state: SchemaState,
    /// Tables looked for and not found (or dropped by the plan).
    absent: HashSet<String>,
    /// Tables the walk could not follow; their operations are compared when they run.
    unknown: HashSet<String>,
    /// Each reflected table's columns sqlkit does not model (see `TableDef::opaque`).
    opaque: Vec<(String, Vec<String>)>,
}

/// Where an operation sits, for the error.
pub(crate) struct At<'a> {
    pub file: &'a str,
    pub step: usize,
    pub op: &'a Op,
}

impl Live {
    pub(crate) fn new() -> Live {
        Live {
            state: SchemaState::default(),
            absent: HashSet::new(),
            unknown: HashSet::new(),
            opaque: Vec::new(),
        }
    }

    /// The live table `name`, reflected on first use.
    fn load(&mut self, conn: &mut Connection, name: &str) -> Result<()> {
        if self.state.table(name).is_some() || self.absent.contains(name) {
            return Ok(());
        }
        match reflect_table(conn, name)? {
            Some(t) => {
                let hidden: Vec<String> = t
                    .def()
                    .opaque()
                    .iter()
                    .filter(|o| {
                        matches!(
                            o.kind,
                            crate::schema::OpaqueKind::Column
                                | crate::schema::OpaqueKind::GeneratedColumn
                        )
                    })
                    .map(|o| o.name.clone())
                    .collect();
                if !hidden.is_empty() {
                    self.opaque.push((name.to_string(), hidden));
                }
                self.state
                    .tables
                    .push(TableSpec::of(t.def(), conn.dialect())?)
            }
            None => {
                self.absent.insert(name.to_string());
            }
        }
        Ok(())
    }

    /// Checks `at.op` against the database as the plan has left it so far, then moves
    /// the walk on past it.
    pub(crate) fn step(&mut self, conn: &mut Connection, at: &At<'_>) -> Result<()> {
        let names = tables_named(at.op);
        if names.iter().any(|t| self.unknown.contains(*t)) {
            return Ok(());
        }
        for t in &names {
            self.load(conn, t)?;
        }
        check(conn, &self.state, &self.opaque, at)?;
        // Reflection does not keep everything a revision names (SQLite does not name
        // foreign keys): those are matched by what they are.
        if let Op::DropForeignKey { table, foreign_key } = at.op {
            if let Ok(t) = self.state.table_mut(table) {
                t.foreign_keys.retain(|f| {
                    !(f.columns == foreign_key.columns
                        && f.references == foreign_key.references
                        && f.ref_columns == foreign_key.ref_columns)
                });
            }
            return Ok(());
        }
        if self.state.apply(at.op).is_err() {
            // What the walk cannot follow is compared just before it runs instead.
            for t in names {
                self.unknown.insert(t.to_string());
                self.state.tables.retain(|s| s.table != t);
            }
            return Ok(());
        }
        match at.op {
            Op::DropTable(s) => {
                self.absent.insert(s.table.clone());
            }
            Op::RenameTable { from, to } => {
                self.absent.insert(from.clone());
                self.absent.remove(to);
            }
            Op::CreateTable(s) => {
                self.absent.remove(&s.table);
            }
            _ => {}
        }
        Ok(())
    }
}

/// Checks `at.op` against the database as it is now (just before the operation runs).
pub(crate) fn check_now(conn: &mut Connection, at: &At<'_>) -> Result<()> {
    let mut live = Live::new();
    for t in tables_named(at.op) {
        live.load(conn, t)?;
    }
    check(conn, &live.state, &live.opaque, at)
}

/// The tables whose live definition `op` depends on.
fn tables_named(op: &Op) -> Vec<&str> {
    match op {
        Op::Sql(_) => Vec::new(),
        Op::CreateTable(s) => vec![s.table.as_str()],
        Op::RenameTable { from, to } => vec![from.as_str(), to.as_str()],
        op => op.table().into_iter().collect(),
    }
}

fn mismatch(at: &At<'_>, object: &str, expected: &str, found: &str) -> Error {
    Error::SchemaMismatch(Box::new(SchemaMismatch {
        file: at.file.into(),
        step: u32::try_from(at.step + 1).unwrap_or(u32::MAX),
        op: at.op.describe().into(),
        object: object.into(),
        expected: expected.into(),
        found: found.into(),
    }))
}

/// How a column reads in an error: `numeric(10,4) NOT NULL DEFAULT 0`.
fn show(c: &ColumnSpec, dialect: &str) -> String {
    let mut s = super::ops::type_name(stored_type(c.sql_type, c.autoincrement, dialect));
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    s
}

/// The type `c` is stored as on `dialect`: SQLite keeps every integer type as one
/// 64-bit integer (and an `INTEGER PRIMARY KEY` reads back as the rowid's BIGINT).
fn same_storage(c: &ColumnSpec, dialect: &str) -> SqlType {
    match stored_type(c.sql_type, c.autoincrement, dialect) {
        SqlType::SmallInt | SqlType::Integer if dialect == "sqlite" => SqlType::BigInt,
        t => t,
    }
}

/// Whether the column a revision states (`said`) is the one the database has
/// (`live`): type as the database stores it, nullability, and server default (compared
/// as the server writes both, through a scratch table, when their texts differ).
fn same_column(conn: &mut Connection, said: &ColumnSpec, live: &ColumnSpec) -> Result<bool> {
    let d = conn.dialect().name();
    if same_storage(said, d) != same_storage(live, d)
        || (said.nullable && !said.autoincrement) != (live.nullable && !live.autoincrement)
    {
        return Ok(false);
    }
    Ok(match (&said.default, &live.default) {
        (None, None) => true,
        (Some(_), None) | (None, Some(_)) => false,
        (Some(a), Some(b)) if a == b || plain(&a.to_string()) == plain(&b.to_string()) => true,
        (Some(_), Some(b)) => {
            let probe = TableSpec {
                table: String::new(),
                columns: vec![ColumnSpec {
                    autoincrement: false,
                    ..said.clone()
                }],
                primary_key: Vec::new(),
                foreign_keys: Vec::new(),
                uniques: Vec::new(),
                checks: Vec::new(),
                indexes: Vec::new(),
            };
            let written = scratch_defaults(conn, &probe)?;
            written
                .first()
                .and_then(|(_, t)| t.as_deref())
                .is_some_and(|t| plain(t) == plain(&b.to_string()))
        }
    })
}

/// The check itself: what `at.op` assumes, against `live`.
fn check(
    conn: &mut Connection,
    live: &SchemaState,
    opaque: &[(String, Vec<String>)],
    at: &At<'_>,
) -> Result<()> {
    let d = conn.dialect().name();
    let table = |name: &str| {
        live.table(name)
            .ok_or_else(|| mismatch(at, &format!("table `{name}`"), "present", "no such table"))
    };
    let column = |t: &TableSpec, said: &ColumnSpec| -> Result<ColumnSpec> {
        t.column(&said.name).cloned().ok_or_else(|| {
            mismatch(
                at,
                &format!("column `{}.{}`", t.table, said.name),
                &show(said, d),
                "no such column",
            )
        })
    };
    let absent = |what: String| mismatch(at, &what, "absent", "it already exists");
    match at.op {
        Op::Sql(_) => {}
        Op::CreateTable(s) => {
            if live.table(&s.table).is_some() {
                return Err(absent(format!("table `{}`", s.table)));
            }
        }
        Op::DropTable(s) => {
            let t = table(&s.table)?;
            for said in &s.columns {
                let have = column(t, said)?;
                if !same_column(conn, said, &have)? {
                    return Err(mismatch(
                        at,
                        &format!("column `{}.{}`", s.table, said.name),
                        &show(said, d),
                        &show(&have, d),
                    ));
                }
            }
            // Columns sqlkit does not model count too: the downgrade could not recreate
            // them.
            let extra: Vec<&str> = t
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .filter(|n| s.column(n).is_none())
                .chain(
                    opaque
                        .iter()
                        .filter(|(table, _)| *table == s.table)
                        .flat_map(|(_, cols)| cols.iter().map(String::as_str)),
                )
                .collect();
            if !extra.is_empty() {
                return Err(mismatch(
                    at,
                    &format!("table `{}`", s.table),
                    "the columns the revision lists (its downgrade recreates those)",
                    &format!("more columns: {}", extra.join(", ")),
                ));
            }
        }
        Op::RenameTable { from, to } => {
            table(from)?;
            if live.table(to).is_some() {
                return Err(absent(format!("table `{to}`")));
            }
        }
        Op::AddColumn {
            table: name,
            column: c,
        } => {
            if table(name)?.column(&c.name).is_some() {
                return Err(absent(format!("column `{name}.{}`", c.name)));
            }
        }
        Op::DropColumn {
            table: name,
            column: said,
        }
        | Op::AlterColumn {
            table: name,
            from: said,
            ..
        } => {
            let t = table(name)?;
            let have = column(t, said)?;
            if !same_column(conn, said, &have)? {
                return Err(mismatch(
                    at,
                    &format!("column `{name}.{}`", said.name),
                    &show(said, d),
                    &show(&have, d),
                ));
            }
        }
        Op::RenameColumn {
            table: name,
            from,
            to,
        } => {
            let t = table(name)?;
            if t.column(from).is_none() {
                return Err(mismatch(
                    at,
                    &format!("column `{name}.{from}`"),
                    "present",
                    "no such column",
                ));
            }
            if t.column(to).is_some() {
                return Err(absent(format!("column `{name}.{to}`")));
            }
        }
        Op::CreateIndex { table: name, .. }
        | Op::AddForeignKey { table: name, .. }
        | Op::AddUnique { table: name, .. }
        | Op::AddCheck { table: name, .. } => {
            table(name)?;
        }
        Op::DropIndex { table: name, index } => {
            let t = table(name)?;
            // On MySQL a unique index reads back as a unique constraint of that name.
            let found = t
                .indexes
                .iter()
                .find(|i| i.name == index.name)
                .map(|i| (i.columns.clone(), i.unique, i.where_.clone()))
                .or_else(|| {
                    t.uniques
                        .iter()
                        .find(|u| u.name_in(name) == index.name)
                        .map(|u| (u.columns.clone(), true, None))
                });
            let show = |cols: &[String], unique: bool, w: &Option<String>| {
                format!(
                    "{}index on ({}){}",
                    if unique { "a unique " } else { "an " },
                    cols.join(", "),
                    w.as_deref()
                        .map(|w| format!(" WHERE {w}"))
                        .unwrap_or_default()
                )
            };
            let said = show(&index.columns, index.unique, &index.where_);
            let pred = |w: &Option<String>| w.as_deref().map(super::shape::predicate);
            match found {
                None => {
                    return Err(mismatch(
                        at,
                        &format!("index `{}`", index.name),
                        &said,
                        "no such index",
                    ))
                }
                Some((cols, unique, w))
                    if cols != index.columns
                        || unique != index.unique
                        || pred(&w) != pred(&index.where_) =>
                {
                    return Err(mismatch(
                        at,
                        &format!("index `{}`", index.name),
                        &said,
                        &show(&cols, unique, &w),
                    ))
                }
                Some(_) => {}
            }
        }
        Op::DropForeignKey {
            table: name,
            foreign_key,
        } => {
            let t = table(name)?;
            let found = t.foreign_keys.iter().any(|f| {
                f.columns == foreign_key.columns
                    && f.references == foreign_key.references
                    && f.ref_columns == foreign_key.ref_columns
            });
            if !found {
                return Err(mismatch(
                    at,
                    &format!("foreign key `{}`", foreign_key.name_in(name)),
                    &format!(
                        "({}) referring to {}({})",
                        foreign_key.columns.join(", "),
                        foreign_key.references,
                        foreign_key.ref_columns.join(", ")
                    ),
                    "no such foreign key",
                ));
            }
        }
        Op::DropUnique {
            table: name,
            unique,
        } => {
            let t = table(name)?;
            let found = t.uniques.iter().any(|u| u.columns == unique.columns)
                || t.indexes
                    .iter()
                    .any(|i| i.unique && i.columns == unique.columns);
            if !found {
                return Err(mismatch(
                    at,
                    &format!("unique constraint `{}`", unique.name_in(name)),
                    &format!("unique on ({})", unique.columns.join(", ")),
                    "no such constraint",
                ));
            }
        }
        Op::DropCheck { table: name, check } => {
            let t = table(name)?;
            let full = check.name_in(name);
            if !t.checks.iter().any(|c| c.name_in(name) == full) {
                return Err(mismatch(
                    at,
                    &format!("check `{full}`"),
                    "present",
                    "no such check",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::sqltext::plain;

    #[test]
    fn defaults_compare_without_casts_and_parentheses() {
        assert_eq!(plain("'x'::character varying"), plain("'x'::text"));
        assert_eq!(plain("('a''b'::text)"), "'a''b'");
        assert_eq!(plain("(0)::numeric(10,2)"), "0");
        assert_eq!(plain("'it''s (x)'"), "'it''s (x)'");
        assert_ne!(plain("'x'"), plain("'X'"));
        assert_eq!(plain("now()"), "now");
    }
}
