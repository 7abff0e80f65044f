//! Autogenerate: the operations that take a database to the models.
//!
//! Both sides are compared in the form the database stores ([`TableShape::stored_on`]),
//! so that a type the server spells its own way is no change. Server defaults are
//! compared as the server writes them: the models' columns are created in a scratch
//! table (inside a transaction that is rolled back where DDL is transactional), read
//! back, and their defaults compared with the live table's, text for text.

use super::ops::{ColumnSpec, Op, TableSpec};
use super::reflect::{reflect, reflect_table};
use super::shape::TableShape;
use crate::engine::Connection;
use crate::error::{Error, Result};
use crate::schema::{MetaData, Table, TableBuilder};
use crate::stmt::{CreateTable, DropTable};

/// The table the migration runner keeps its place in; never part of a diff.
pub const VERSION_TABLE: &str = "sqlkit_version";

/// The scratch tables' name prefix (a process id and a counter follow, so that two
/// autogenerates at once on MySQL do not meet).
const SCRATCH: &str = "_sqlkit_scratch";

/// A rename autogenerate cannot tell from a drop and an add, asked of the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameQuestion {
    /// The table (for a column; the old name for a table).
    pub table: String,
    /// The column's old name (`None` for a table rename).
    pub from: Option<String>,
    /// The new name (of the column, or of the table).
    pub to: String,
}

impl std::fmt::Display for RenameQuestion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.from {
            Some(c) => write!(f, "was column {}.{c} renamed to {}?", self.table, self.to),
            None => write!(f, "was table {} renamed to {}?", self.table, self.to),
        }
    }
}

/// Renames given ahead (`--rename users.name=users.full_name`, `--rename old=new`):
/// without one, a dropped and an added name are a drop and an add unless the prompt
/// says otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    /// `(old table, new table)`.
    pub tables: Vec<(String, String)>,
    /// `(table, old column, new column)` (the table by its new name).
    pub columns: Vec<(String, String, String)>,
}

impl Renames {
    /// Reads one hint, `table.old=table.new` (a column) or `old=new` (a table).
    pub fn add(&mut self, hint: &str) -> Result<()> {
        let bad = || Error::Revision {
            file: "--rename".into(),
            reason: format!(
                "`{hint}` is neither `table.old=table.new` (a column) nor `old=new` (a table)"
            )
            .into(),
        };
        let (old, new) = hint.split_once('=').ok_or_else(bad)?;
        match (old.split_once('.'), new.split_once('.')) {
            (Some((t1, c1)), Some((t2, c2))) if t1 == t2 && !c1.is_empty() && !c2.is_empty() => {
                self.columns
                    .push((t1.to_string(), c1.to_string(), c2.to_string()));
            }
            (None, None) if !old.is_empty() && !new.is_empty() => {
                self.tables.push((old.to_string(), new.to_string()));
            }
            _ => return Err(bad()),
        }
        Ok(())
    }
}

/// What an object of a comparison is (see [`Include`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A table.
    Table,
    /// A column.
    Column,
    /// An index.
    Index,
    /// A unique constraint.
    UniqueConstraint,
    /// A foreign key.
    ForeignKey,
    /// A check constraint.
    Check,
}

/// One object a comparison would change: its kind, its table, its name (the table's
/// for a table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectRef<'a> {
    /// What it is.
    pub kind: ObjectKind,
    /// Its table.
    pub table: &'a str,
    /// Its name.
    pub name: &'a str,
}

/// Which objects autogenerate and `check` look at (Alembic's `include_object` /
/// `include_name`): a table another tool owns is never dropped or changed when it is
/// left out. Everything is included by default.
///
/// ```
/// use sqlkit::migrate::{Include, ObjectKind};
/// // Leave out the job queue's tables and every index named `tmp_*`.
/// let include = Include::filter(|o| {
///     !o.table.starts_with("queue_")
///         && !(o.kind == ObjectKind::Index && o.name.starts_with("tmp_"))
/// });
/// assert!(!include.includes(ObjectKind::Table, "queue_jobs", "queue_jobs"));
/// assert!(include.includes(ObjectKind::Table, "users", "users"));
/// ```
#[derive(Clone, Default)]
pub struct Include {
    filter: Option<IncludeFn>,
}

/// The predicate of an [`Include`].
type IncludeFn = std::sync::Arc<dyn Fn(&ObjectRef<'_>) -> bool + Send + Sync>;

impl std::fmt::Debug for Include {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.filter.is_some() {
            "Include(filtered)"
        } else {
            "Include(all)"
        })
    }
}

impl Include {
    /// Every object.
    pub fn all() -> Include {
        Include::default()
    }
    /// The objects `f` says yes to.
    pub fn filter(f: impl Fn(&ObjectRef<'_>) -> bool + Send + Sync + 'static) -> Include {
        Include {
            filter: Some(std::sync::Arc::new(f)),
        }
    }
    /// Every object but those of the tables named (`--exclude-table`).
    pub fn excluding_tables(tables: Vec<String>) -> Include {
        if tables.is_empty() {
            return Include::all();
        }
        Include::filter(move |o| !tables.iter().any(|t| t == o.table))
    }
    /// Whether the object is included.
    pub fn includes(&self, kind: ObjectKind, table: &str, name: &str) -> bool {
        match &self.filter {
            None => true,
            Some(f) => {
                f(&ObjectRef { kind, table, name })
                    && (kind == ObjectKind::Table
                        || f(&ObjectRef {
                            kind: ObjectKind::Table,
                            table,
                            name: table,
                        }))
            }
        }
    }
    /// Whether `op` changes only included objects.
    pub fn includes_op(&self, op: &Op) -> bool {
        use ObjectKind as K;
        let (kind, table, name): (K, &str, String) = match op {
            Op::CreateTable(s) | Op::DropTable(s) => (K::Table, &s.table, s.table.clone()),
            Op::RenameTable { from, to } => {
                return self.includes(K::Table, from, from) && self.includes(K::Table, to, to)
            }
            Op::AddColumn { table, column } | Op::DropColumn { table, column } => {
                (K::Column, table, column.name.clone())
            }
            Op::AlterColumn { table, to, .. } => (K::Column, table, to.name.clone()),
            Op::RenameColumn { table, from, to } => {
                return self.includes(K::Column, table, from) && self.includes(K::Column, table, to)
            }
            Op::CreateIndex { table, index } | Op::DropIndex { table, index } => {
                (K::Index, table, index.name.clone())
            }
            Op::AddUnique { table, unique } | Op::DropUnique { table, unique } => {
                (K::UniqueConstraint, table, unique.name_in(table))
            }
            Op::AddForeignKey { table, foreign_key }
            | Op::DropForeignKey { table, foreign_key } => {
                (K::ForeignKey, table, foreign_key.name_in(table))
            }
            Op::AddCheck { table, check } | Op::DropCheck { table, check } => {
                (K::Check, table, check.name_in(table))
            }
            Op::Sql(_) => return true,
        };
        self.includes(kind, table, &name)
    }
}

/// The operations that take the database `conn` is connected to from what it holds to
/// `models`, in an order that runs: renames, then drops of keys and indexes, column
/// changes, new tables (parents first), new keys and indexes, dropped tables (children
/// first). `ask` decides renames the hints leave open (`None`: never a rename).
pub fn autogenerate(
    conn: &mut Connection,
    models: &MetaData,
    renames: &Renames,
    ask: Option<&mut dyn FnMut(&RenameQuestion) -> bool>,
) -> Result<Vec<Op>> {
    autogenerate_with(conn, models, renames, ask, &Include::all())
}

/// [`autogenerate`] over the objects `include` includes: the others are neither
/// created, changed nor dropped (nor asked about as renames).
pub fn autogenerate_with(
    conn: &mut Connection,
    models: &MetaData,
    renames: &Renames,
    mut ask: Option<&mut dyn FnMut(&RenameQuestion) -> bool>,
    include: &Include,
) -> Result<Vec<Op>> {
    let dialect = conn.dialect().name();
    let d = crate::dialect::dialect_for(dialect)?;
    let db = reflect(conn)?;
    let ours = |name: &str| name == VERSION_TABLE || name.starts_with("_sqlkit_");
    let table_in = |name: &str| include.includes(ObjectKind::Table, name, name);
    let mut db_tables: Vec<Table> = db
        .tables()
        .iter()
        .filter(|t| !ours(t.name()) && table_in(t.name()))
        .cloned()
        .collect();
    let model_tables: Vec<&Table> = models
        .sorted_tables()?
        .into_iter()
        .filter(|t| table_in(t.name()))
        .collect();
    let in_models = |n: &str| model_tables.iter().any(|t| t.name() == n);

    let mut renames_out = Vec::new();
    // Table renames: hinted, else asked for each (gone, new) pair.
    let gone: Vec<String> = db_tables
        .iter()
        .map(|t| t.name().to_string())
        .filter(|n| !in_models(n))
        .collect();
    let added: Vec<String> = model_tables
        .iter()
        .map(|t| t.name().to_string())
        .filter(|n| !db_tables.iter().any(|t| t.name() == n))
        .collect();
    let mut taken = Vec::new();
    for old in &gone {
        let hinted = renames
            .tables
            .iter()
            .find(|(o, n)| o == old && added.contains(n))
            .map(|(_, n)| n.clone());
        let to = match hinted {
            Some(n) => Some(n),
            None => match ask.as_mut() {
                Some(ask) => added
                    .iter()
                    .filter(|n| !taken.contains(*n))
                    .find(|n| {
                        ask(&RenameQuestion {
                            table: old.clone(),
                            from: None,
                            to: (*n).clone(),
                        })
                    })
                    .cloned(),
                None => None,
            },
        };
        if let Some(to) = to {
            taken.push(to.clone());
            renames_out.push(Op::RenameTable {
                from: old.clone(),
                to: to.clone(),
            });
            for t in &mut db_tables {
                if t.name() == old {
                    let mut spec = TableSpec::of(t.def(), d.as_ref())?;
                    spec.table.clone_from(&to);
                    *t = spec.to_table()?;
                }
            }
        }
    }

    let mut drops = Vec::new();
    let mut columns = Vec::new();
    let mut creates = Vec::new();
    let mut adds = Vec::new();
    for m in &model_tables {
        let Some(live) = db_tables.iter().find(|t| t.name() == m.name()) else {
            creates.push(Op::CreateTable(TableSpec::of(m.def(), d.as_ref())?));
            continue;
        };
        let want = TableSpec::of(m.def(), d.as_ref())?;
        let have = TableSpec::of(live.def(), d.as_ref())?;
        let want_shape = TableShape::of(m.def()).stored_on(dialect);
        let table = want.table.clone();

        // Columns: renames, adds, drops, changes.
        // A column the database has in a form sqlkit does not model is left alone.
        let opaque: Vec<&str> = live
            .def()
            .opaque()
            .iter()
            .map(|o| o.name.as_str())
            .collect();
        let new_cols: Vec<&ColumnSpec> = want
            .columns
            .iter()
            .filter(|c| have.column(&c.name).is_none() && !opaque.contains(&c.name.as_str()))
            .collect();
        let old_cols: Vec<&ColumnSpec> = have
            .columns
            .iter()
            .filter(|c| want.column(&c.name).is_none())
            .collect();
        let mut renamed: Vec<(String, String)> = Vec::new();
        let mut dropped: Vec<ColumnSpec> = Vec::new();
        for old in &old_cols {
            let hinted = renames
                .columns
                .iter()
                .find(|(t, o, n)| {
                    *t == table && *o == old.name && new_cols.iter().any(|c| c.name == *n)
                })
                .map(|(_, _, n)| n.clone());
            let to = match hinted {
                Some(n) => Some(n),
                None => match ask.as_mut() {
                    Some(ask) => new_cols
                        .iter()
                        .filter(|c| !renamed.iter().any(|(_, n)| *n == c.name))
                        .find(|c| {
                            ask(&RenameQuestion {
                                table: table.clone(),
                                from: Some(old.name.clone()),
                                to: c.name.clone(),
                            })
                        })
                        .map(|c| c.name.clone()),
                    None => None,
                },
            };
            if let Some(to) = to {
                renamed.push((old.name.clone(), to));
            }
        }
        for c in &old_cols {
            if !renamed.iter().any(|(o, _)| *o == c.name) {
                dropped.push((*c).clone());
            }
        }
        // The live table as the renames leave it: keys and indexes follow the columns.
        let mut renamed_state = super::ops::SchemaState { tables: vec![have] };
        for (from, to) in &renamed {
            let op = Op::RenameColumn {
                table: table.clone(),
                from: from.clone(),
                to: to.clone(),
            };
            renamed_state.apply(&op)?;
            columns.push(op);
        }
        let Some(have) = renamed_state.tables.pop() else {
            continue;
        };
        let have_shape = TableShape::of(have.to_table()?.def());
        for c in &new_cols {
            if renamed.iter().any(|(_, n)| *n == c.name) {
                continue;
            }
            if c.nullable || c.autoincrement || c.default.is_some() {
                columns.push(Op::AddColumn {
                    table: table.clone(),
                    column: (*c).clone(),
                });
                continue;
            }
            // NOT NULL without a server default: adding it fails on a table with rows
            // (on some database the revision meets, if not this one). The existing
            // rows are filled with the model's client default, given as a server
            // default for the ADD and dropped after it; without a client default
            // autogenerate refuses and says what to do.
            let fill = m
                .def()
                .columns()
                .iter()
                .find(|d| d.name() == c.name)
                .and_then(|d| match d.client_default() {
                    Some(crate::schema::Default::Value(v)) => Some(v.clone()),
                    Some(crate::schema::Default::Func(f)) => Some(f()),
                    _ => None,
                })
                .filter(|v| !v.is_null());
            let Some(fill) = fill else {
                // Reported as it is; a revision of it is refused (see
                // `unfillable_column`).
                columns.push(Op::AddColumn {
                    table: table.clone(),
                    column: (*c).clone(),
                });
                continue;
            };
            let mut with_default = (*c).clone();
            with_default.default = Some(super::ops::DefaultSpec::of_value(&fill, d.as_ref())?);
            columns.push(Op::AddColumn {
                table: table.clone(),
                column: with_default.clone(),
            });
            columns.push(Op::AlterColumn {
                table: table.clone(),
                from: with_default,
                to: (*c).clone(),
            });
        }
        // Changes of columns both have (a renamed column compared under its new name).
        let live_default = scratch_defaults(conn, &want)?;
        for w in &want.columns {
            let (Some(h), Some(ws), Some(hs)) = (
                have.column(&w.name),
                want_shape.columns.iter().find(|c| c.name == w.name),
                have_shape.columns.iter().find(|c| c.name == w.name),
            ) else {
                continue;
            };
            let scratch = live_default
                .iter()
                .find(|(n, _)| *n == w.name)
                .and_then(|(_, d)| d.clone());
            let have_default = h.default.as_ref().map(|d| d.to_string());
            let default_changed = match (&scratch, &have_default) {
                (Some(a), Some(b)) => a != b,
                (None, None) => false,
                _ => w.default.is_some() != h.default.is_some(),
            };
            let type_changed = ws.sql_type != hs.sql_type;
            let null_changed = ws.nullable != hs.nullable;
            if type_changed || null_changed || default_changed {
                let mut from = h.clone();
                from.name.clone_from(&w.name);
                // The models' column, neutral (a type or default as this database
                // spells it would not mean the same elsewhere).
                let mut to = w.clone();
                to.autoincrement = from.autoincrement;
                columns.push(Op::AlterColumn {
                    table: table.clone(),
                    from,
                    to,
                });
            }
        }
        for column in dropped {
            columns.push(Op::DropColumn {
                table: table.clone(),
                column,
            });
        }

        // Indexes by name (on MySQL a unique index is a unique constraint).
        let mysql = matches!(dialect, "mysql" | "mariadb");
        for ix in &have_shape.indexes {
            if !want_shape.indexes.iter().any(|w| w == ix) {
                if let Some(spec) = have.indexes.iter().find(|i| i.name == ix.name) {
                    drops.push(Op::DropIndex {
                        table: table.clone(),
                        index: spec.clone(),
                    });
                }
            }
        }
        for ix in &want_shape.indexes {
            if !have_shape.indexes.iter().any(|h| h == ix) {
                if let Some(spec) = want.indexes.iter().find(|i| i.name == ix.name) {
                    adds.push(Op::CreateIndex {
                        table: table.clone(),
                        index: spec.clone(),
                    });
                }
            }
        }
        // Unique constraints by their columns.
        for u in &have_shape.uniques {
            if !want_shape.uniques.contains(u) {
                if let Some(spec) = have.uniques.iter().find(|s| s.columns == *u) {
                    drops.push(Op::DropUnique {
                        table: table.clone(),
                        unique: spec.clone(),
                    });
                }
            }
        }
        for u in &want_shape.uniques {
            if have_shape.uniques.contains(u) {
                continue;
            }
            if let Some(spec) = want.uniques.iter().find(|s| s.columns == *u) {
                adds.push(Op::AddUnique {
                    table: table.clone(),
                    unique: spec.clone(),
                });
            } else if let Some(ix) = want
                .indexes
                .iter()
                .find(|i| mysql && i.unique && i.columns == *u)
            {
                adds.push(Op::CreateIndex {
                    table: table.clone(),
                    index: ix.clone(),
                });
            }
        }
        // Foreign keys by columns, target and actions.
        for fk in &have_shape.foreign_keys {
            if !want_shape.foreign_keys.contains(fk) {
                if let Some(spec) = matching_fk(&have, fk) {
                    drops.push(Op::DropForeignKey {
                        table: table.clone(),
                        foreign_key: spec,
                    });
                }
            }
        }
        for fk in &want_shape.foreign_keys {
            if !have_shape.foreign_keys.contains(fk) {
                if let Some(spec) = matching_fk(&want, fk) {
                    adds.push(Op::AddForeignKey {
                        table: table.clone(),
                        foreign_key: spec,
                    });
                }
            }
        }
        // Checks by name.
        {
            for c in &have.checks {
                if !want
                    .checks
                    .iter()
                    .any(|w| w.name_in(&table) == c.name_in(&table))
                {
                    drops.push(Op::DropCheck {
                        table: table.clone(),
                        check: c.clone(),
                    });
                }
            }
            for c in &want.checks {
                if !have
                    .checks
                    .iter()
                    .any(|h| h.name_in(&table) == c.name_in(&table))
                {
                    adds.push(Op::AddCheck {
                        table: table.clone(),
                        check: c.clone(),
                    });
                }
            }
        }
    }
    // Tables the models no longer have, children first.
    let mut gone_tables = Vec::new();
    let leftover: Vec<Table> = db_tables
        .iter()
        .filter(|t| !in_models(t.name()))
        .cloned()
        .collect();
    if !leftover.is_empty() {
        let md = MetaData::from_tables(leftover.iter().cloned()).or_else(|_| {
            // Keys to tables that stay: order without them.
            let mut md = MetaData::new();
            for t in &leftover {
                let mut spec = TableSpec::of(t.def(), d.as_ref())?;
                spec.foreign_keys
                    .retain(|fk| leftover.iter().any(|o| o.name() == fk.references));
                md.add(spec.to_table()?)?;
            }
            Ok::<MetaData, Error>(md)
        })?;
        for t in md.sorted_tables()?.iter().rev() {
            if let Some(live) = leftover.iter().find(|l| l.name() == t.name()) {
                gone_tables.push(Op::DropTable(TableSpec::of(live.def(), d.as_ref())?));
            }
        }
    }
    let mut out = renames_out;
    out.extend(drops);
    out.extend(columns);
    out.extend(creates);
    out.extend(adds);
    out.extend(gone_tables);
    out.retain(|op| include.includes_op(op));
    Ok(out)
}

/// Refuses a revision that adds a NOT NULL column without a default: the ADD fails on
/// a table that has rows (on some database the revision meets, if not this one).
/// Autogenerate fills such a column with the model's client default when it has one;
/// without one, the user has to say how.
pub(crate) fn unfillable_column(ops: &[Op]) -> Result<()> {
    for op in ops {
        let Op::AddColumn { table, column: c } = op else {
            continue;
        };
        if !c.nullable && !c.autoincrement && c.default.is_none() {
            return Err(Error::Revision {
                file: "autogenerate".into(),
                reason: format!(
                    "column `{table}.{}` is NOT NULL with no default: adding it fails on a \
                     table that has rows. Give it a server default (server_default), or a \
                     client default (default) to fill the existing rows with, or make it \
                     nullable, or write the revision by hand (add it nullable, fill it with \
                     raw SQL, then alter it to NOT NULL); if it is an old column renamed, \
                     say so (--rename {table}.OLD={table}.{}); nothing was written",
                    c.name, c.name
                )
                .into(),
            });
        }
    }
    Ok(())
}

/// The spec of the foreign key `fk`, found in `spec` by columns and target.
fn matching_fk(
    spec: &TableSpec,
    fk: &super::shape::ForeignKeyShape,
) -> Option<super::ops::ForeignKeySpec> {
    spec.foreign_keys
        .iter()
        .find(|f| {
            f.columns == fk.columns
                && f.references == fk.ref_table
                && f.ref_columns == fk.ref_columns
        })
        .cloned()
}

/// The models' columns as the server writes their defaults: `(column,
/// default text)` for the columns `want` has, read back from a scratch table with those
/// columns (no keys). Rolled back on SQLite and PostgreSQL, dropped on MySQL.
pub(crate) fn scratch_defaults(
    conn: &mut Connection,
    want: &TableSpec,
) -> Result<Vec<(String, Option<String>)>> {
    if want.columns.iter().all(|c| c.default.is_none()) {
        return Ok(want
            .columns
            .iter()
            .map(|c| (c.name.clone(), None))
            .collect());
    }
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "{SCRATCH}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let mut b = TableBuilder::new(name.clone());
    for c in &want.columns {
        let mut c = c.clone();
        c.autoincrement = false;
        b = b.column(c.to_def().autoincrement(false));
    }
    let scratch = b.build()?;
    let transactional = conn.dialect().name() != "mysql" && conn.dialect().name() != "mariadb";
    if !transactional && conn.transaction_depth() > 0 {
        return Err(Error::Revision {
            file: "autogenerate".into(),
            reason: format!(
                "comparing defaults creates a scratch table, and {} would commit the open \
                 transaction with it: compare outside a transaction",
                conn.dialect().name()
            )
            .into(),
        });
    }
    let read = |conn: &mut Connection| -> Result<Vec<(String, Option<String>)>> {
        conn.execute(&CreateTable::new(&scratch))?;
        let back = reflect_table(conn, &name)?
            .ok_or_else(|| Error::Schema("the scratch table vanished".into()))?;
        let spec = TableSpec::of(back.def(), conn.dialect())?;
        Ok(spec
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.default.as_ref().map(|d| d.to_string())))
            .collect())
    };
    if transactional {
        let mut tx = conn.begin()?;
        let r = read(&mut tx);
        tx.rollback()?;
        r
    } else {
        let _ = conn.execute(&DropTable::new(&scratch).if_exists());
        let r = read(conn);
        let dropped = conn.execute(&DropTable::new(&scratch).if_exists());
        let r = r?;
        dropped?;
        Ok(r)
    }
}

/// Autogenerated operations with what they undo taken from `known` (the schema the
/// revisions built, by replay) where it has it: a dropped table or column, or the old
/// side of an altered column, as the revisions wrote it rather than as this database
/// reports it, so that the downgrade means the same on every database (MySQL reads a
/// UTC instant back as a plain date-time, SQLite an autoincrement key as BIGINT).
pub fn prefer_known(ops: Vec<Op>, known: &super::ops::SchemaState) -> Vec<Op> {
    // Names as they were before the revision's own renames.
    let mut old_table: Vec<(String, String)> = Vec::new();
    let mut old_column: Vec<(String, String, String)> = Vec::new();
    for op in &ops {
        match op {
            Op::RenameTable { from, to } => old_table.push((to.clone(), from.clone())),
            Op::RenameColumn { table, from, to } => {
                old_column.push((table.clone(), to.clone(), from.clone()))
            }
            _ => {}
        }
    }
    let column = |table: &str, name: &str| {
        let t = old_table
            .iter()
            .find(|(new, _)| new == table)
            .map_or(table, |(_, old)| old.as_str());
        let c = old_column
            .iter()
            .find(|(tb, new, _)| tb == table && new == name)
            .map_or(name, |(_, _, old)| old.as_str());
        known.table(t).and_then(|t| t.column(c)).map(|k| {
            let mut k = k.clone();
            k.name = name.to_string();
            k
        })
    };
    ops.into_iter()
        .map(|op| match op {
            Op::DropTable(spec) => match known.table(&spec.table) {
                Some(k) if k.columns.len() == spec.columns.len() => Op::DropTable(k.clone()),
                _ => Op::DropTable(spec),
            },
            Op::DropColumn { table, column: c } => {
                let c = column(&table, &c.name).unwrap_or(c);
                Op::DropColumn { table, column: c }
            }
            Op::AlterColumn { table, from, to } => {
                let from = column(&table, &from.name).unwrap_or(from);
                Op::AlterColumn { table, from, to }
            }
            op => op,
        })
        .collect()
}
