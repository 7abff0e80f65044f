//! Migration operations as data: what a revision does, dialect-neutral, each with its
//! inverse, readable and writable by hand in a revision file.
//!
//! A table, column, key or index inside an operation is a *spec* ([`TableSpec`],
//! [`ColumnSpec`], ..): the part of a [`TableDef`] a database stores, in plain strings
//! and numbers. Client-side defaults and on-update values are not schema and are not
//! in specs.

use super::sqltext::{mentions, rename_word};
use crate::compile::Compiler;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::expr::Node;
use crate::name::Name;
use crate::schema::{ColumnDef, FkAction, ForeignKey, SqlType, Table, TableBuilder, TableDef};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One step of a migration. Each variant but [`Op::Sql`] has an [`inverse`](Op::inverse).
///
/// In a revision file an operation is a TOML table whose `op` key names the variant in
/// snake case (`op = "add_column"`), the other keys being the variant's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Op {
    /// `CREATE TABLE` with its keys and constraints, then its indexes.
    CreateTable(TableSpec),
    /// `DROP TABLE`; the whole definition is kept so that the inverse can recreate it.
    DropTable(TableSpec),
    /// Renames a table.
    RenameTable {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Adds a column.
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        column: ColumnSpec,
    },
    /// Drops a column (kept whole for the inverse).
    DropColumn {
        /// The table.
        table: String,
        /// The column as it was.
        column: ColumnSpec,
    },
    /// Renames a column.
    RenameColumn {
        /// The table.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Changes a column's type, nullability or server default (`from` and `to` have the
    /// same name).
    AlterColumn {
        /// The table.
        table: String,
        /// The column as it was.
        from: ColumnSpec,
        /// The column as it becomes.
        to: ColumnSpec,
    },
    /// `CREATE [UNIQUE] INDEX`.
    CreateIndex {
        /// The table.
        table: String,
        /// The index.
        index: IndexSpec,
    },
    /// `DROP INDEX`.
    DropIndex {
        /// The table.
        table: String,
        /// The index as it was.
        index: IndexSpec,
    },
    /// Adds a foreign key.
    AddForeignKey {
        /// The table.
        table: String,
        /// The key.
        foreign_key: ForeignKeySpec,
    },
    /// Drops a foreign key.
    DropForeignKey {
        /// The table.
        table: String,
        /// The key as it was.
        foreign_key: ForeignKeySpec,
    },
    /// Adds a unique constraint.
    AddUnique {
        /// The table.
        table: String,
        /// The constraint.
        unique: UniqueSpec,
    },
    /// Drops a unique constraint.
    DropUnique {
        /// The table.
        table: String,
        /// The constraint as it was.
        unique: UniqueSpec,
    },
    /// Adds a check constraint.
    AddCheck {
        /// The table.
        table: String,
        /// The constraint.
        check: CheckSpec,
    },
    /// Drops a check constraint.
    DropCheck {
        /// The table.
        table: String,
        /// The constraint as it was.
        check: CheckSpec,
    },
    /// Raw SQL, per database: the escape hatch for what the operations above do not say
    /// (data migrations, triggers, ..). It has no inverse: write the downgrade's own.
    Sql(DialectSql),
}

/// Raw SQL for each database, with a fallback. The runner takes the text for its
/// database (`mariadb` falls back to `mysql`), else `any`; a revision with neither is
/// refused when run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialectSql {
    /// For every database without its own text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<String>,
    /// SQLite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<String>,
    /// PostgreSQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgresql: Option<String>,
    /// MySQL, and MariaDB unless it has its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<String>,
    /// MariaDB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mariadb: Option<String>,
    /// The author's word that this SQL loses no data (`safe = true`). sqlkit cannot
    /// judge SQL text (a `DELETE`, an `UPDATE`, a `DROP` inside a function body), so a
    /// raw SQL step without it is destructive: refused without `--allow-destructive`
    /// and listed among the destructive steps.
    #[serde(default, skip_serializing_if = "is_false")]
    pub safe: bool,
}

impl DialectSql {
    /// The text for the database `dialect` (a [`Dialect::name`]).
    pub fn for_dialect(&self, dialect: &str) -> Option<&str> {
        let own = match dialect {
            "sqlite" => &self.sqlite,
            "postgresql" => &self.postgresql,
            "mariadb" => {
                if self.mariadb.is_some() {
                    &self.mariadb
                } else {
                    &self.mysql
                }
            }
            "mysql" => &self.mysql,
            _ => &None,
        };
        own.as_deref().or(self.any.as_deref())
    }
}

/// A table as a migration stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// The table name.
    pub table: String,
    /// The columns, in order.
    pub columns: Vec<ColumnSpec>,
    /// The primary key's columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_key: Vec<String>,
    /// The foreign keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKeySpec>,
    /// The unique constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uniques: Vec<UniqueSpec>,
    /// The check constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckSpec>,
    /// The indexes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<IndexSpec>,
}

/// A column as a migration stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// The column name.
    pub name: String,
    /// Its type, as [`type_name`] writes it (`bigint`, `varchar(200)`, `numeric(10,2)`).
    #[serde(rename = "type", with = "type_text")]
    pub sql_type: SqlType,
    /// Whether it takes NULL.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nullable: bool,
    /// Whether the database generates its values.
    #[serde(default, skip_serializing_if = "is_false")]
    pub autoincrement: bool,
    /// The server default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultSpec>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A server default: a boolean, number or string literal, the current instant, or SQL
/// text (as a database reports it, or written by hand).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DefaultSpec {
    /// `DEFAULT TRUE` / `FALSE` (`1` / `0` on SQLite).
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A floating-point literal.
    Float(f64),
    /// A string literal, quoted for the database.
    Text(String),
    /// SQL text, written as it is (`{ sql = "..." }`); `{ sql = "now" }`-like spellings
    /// are not interpreted: use [`DefaultSpec::Now`] for the current instant.
    Sql {
        /// The expression's SQL.
        sql: String,
    },
    /// The current instant, each database's spelling (`{ now = true }`).
    Now {
        /// Always `true`.
        now: bool,
    },
}

/// A foreign key as a migration stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKeySpec {
    /// The constraint name; without one, `fk_<table>_<columns>_<referenced table>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The local columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub references: String,
    /// The referenced columns.
    pub ref_columns: Vec<String>,
    /// `ON DELETE` (`CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`, `NO ACTION`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_delete: Option<String>,
    /// `ON UPDATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<String>,
}

/// A unique constraint as a migration stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UniqueSpec {
    /// The constraint name; without one, `uq_<table>_<columns>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The columns.
    pub columns: Vec<String>,
}

/// A check constraint as a migration stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// The short name; the constraint is `ck_<table>_<name>` unless `constraint` says
    /// otherwise.
    pub name: String,
    /// The condition's SQL.
    pub sql: String,
    /// The constraint's own whole name, when it is not `ck_<table>_<name>` (a check
    /// made outside sqlkit, or one whose table was renamed since).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
}

/// An index as a migration stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexSpec {
    /// The index name.
    pub name: String,
    /// The indexed columns.
    pub columns: Vec<String>,
    /// Whether it is unique.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// A partial index's predicate (`where = "deleted_at IS NULL"`), SQL text.
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    pub where_: Option<String>,
}

/// The name a [`ColumnSpec`] writes for a type: `smallint`, `integer`, `bigint`,
/// `boolean`, `float`, `double`, `numeric(P,S)`, `varchar(N)`, `text`, `date`, `time`,
/// `datetime`, `timestamp` (with time zone), `json`, `uuid`, `bytes`.
pub fn type_name(ty: SqlType) -> String {
    match ty {
        SqlType::SmallInt => "smallint".into(),
        SqlType::Integer => "integer".into(),
        SqlType::BigInt => "bigint".into(),
        SqlType::Boolean => "boolean".into(),
        SqlType::Float => "float".into(),
        SqlType::Double => "double".into(),
        SqlType::Numeric { precision, scale } => format!("numeric({precision},{scale})"),
        SqlType::String(n) => format!("varchar({n})"),
        SqlType::Text => "text".into(),
        SqlType::Date => "date".into(),
        SqlType::Time => "time".into(),
        SqlType::DateTime => "datetime".into(),
        SqlType::Timestamp => "timestamp".into(),
        SqlType::Json => "json".into(),
        SqlType::Uuid => "uuid".into(),
        SqlType::Bytes => "bytes".into(),
    }
}

/// Reads a type written by [`type_name`] (spaces and case ignored).
pub fn parse_type(text: &str) -> Result<SqlType> {
    let t: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let bad = || Error::Schema(format!("unknown column type `{text}`").into());
    let args = |inner: &str| -> Result<Vec<u32>> {
        inner
            .strip_suffix(')')
            .ok_or_else(bad)?
            .split(',')
            .map(|n| n.parse::<u32>().map_err(|_| bad()))
            .collect()
    };
    Ok(match t.as_str() {
        "smallint" => SqlType::SmallInt,
        "integer" => SqlType::Integer,
        "bigint" => SqlType::BigInt,
        "boolean" => SqlType::Boolean,
        "float" => SqlType::Float,
        "double" => SqlType::Double,
        "text" => SqlType::Text,
        "date" => SqlType::Date,
        "time" => SqlType::Time,
        "datetime" => SqlType::DateTime,
        "timestamp" => SqlType::Timestamp,
        "json" => SqlType::Json,
        "uuid" => SqlType::Uuid,
        "bytes" => SqlType::Bytes,
        _ => {
            if let Some(inner) = t.strip_prefix("varchar(") {
                match args(inner)?.as_slice() {
                    [n] => SqlType::String(*n),
                    _ => return Err(bad()),
                }
            } else if let Some(inner) = t.strip_prefix("numeric(") {
                match args(inner)?.as_slice() {
                    [p, s] => SqlType::Numeric {
                        precision: u8::try_from(*p).map_err(|_| bad())?,
                        scale: u8::try_from(*s).map_err(|_| bad())?,
                    },
                    _ => return Err(bad()),
                }
            } else {
                return Err(bad());
            }
        }
    })
}

mod type_text {
    use crate::schema::SqlType;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ty: &SqlType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::type_name(*ty))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SqlType, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_type(&text).map_err(serde::de::Error::custom)
    }
}

fn action_name(a: Option<FkAction>) -> Option<String> {
    a.map(|a| a.sql().to_string())
}

/// Reads an `ON DELETE` / `ON UPDATE` action (case and spaces ignored).
pub fn parse_action(text: &str) -> Result<FkAction> {
    let t = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    Ok(match t.as_str() {
        "CASCADE" => FkAction::Cascade,
        "SET NULL" => FkAction::SetNull,
        "SET DEFAULT" => FkAction::SetDefault,
        "RESTRICT" => FkAction::Restrict,
        "NO ACTION" => FkAction::NoAction,
        _ => {
            return Err(Error::Schema(
                format!("unknown foreign key action `{text}`").into(),
            ))
        }
    })
}

fn strings(names: &[Name]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

impl DefaultSpec {
    /// The spec of a server default node; expressions other than literals, `now()` and
    /// raw SQL are rendered for `dialect`.
    fn of(node: &Node, dialect: &dyn Dialect) -> Result<DefaultSpec> {
        Ok(match node {
            Node::Literal(v) | Node::Bind(v) => match v {
                Value::Bool(b) => DefaultSpec::Bool(*b),
                Value::Int(i) => DefaultSpec::Int(*i),
                Value::Float(f) => DefaultSpec::Float(*f),
                Value::Text(t) => DefaultSpec::Text(t.to_string()),
                v => {
                    let mut sql = String::new();
                    dialect.write_literal(&mut sql, v)?;
                    DefaultSpec::Sql { sql }
                }
            },
            Node::Now => DefaultSpec::Now { now: true },
            Node::Raw(s) => DefaultSpec::Sql { sql: s.to_string() },
            n => {
                let mut c = Compiler::new(dialect, true);
                c.write_node(n)?;
                DefaultSpec::Sql {
                    sql: c.finish(false)?.sql,
                }
            }
        })
    }

    /// The spec of a default that is the literal `v`.
    pub(crate) fn of_value(v: &Value, dialect: &dyn Dialect) -> Result<DefaultSpec> {
        DefaultSpec::of(&Node::Literal(v.clone()), dialect)
    }

    /// The node a column definition holds for this default.
    pub(crate) fn node(&self) -> Node {
        match self {
            DefaultSpec::Bool(b) => Node::Literal(Value::Bool(*b)),
            DefaultSpec::Int(i) => Node::Literal(Value::Int(*i)),
            DefaultSpec::Float(f) => Node::Literal(Value::Float(*f)),
            DefaultSpec::Text(t) => Node::Literal(Value::from(t.as_str())),
            DefaultSpec::Sql { sql } => Node::Raw(sql.clone().into()),
            DefaultSpec::Now { .. } => Node::Now,
        }
    }
}

impl fmt::Display for DefaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DefaultSpec::Bool(b) => write!(f, "{b}"),
            DefaultSpec::Int(i) => write!(f, "{i}"),
            DefaultSpec::Float(x) => write!(f, "{x}"),
            DefaultSpec::Text(t) => write!(f, "{t:?}"),
            DefaultSpec::Sql { sql } => f.write_str(sql),
            DefaultSpec::Now { .. } => f.write_str("now()"),
        }
    }
}

impl ColumnSpec {
    /// A column of type `ty`, NOT NULL, without a default.
    pub fn new(name: impl Into<String>, ty: SqlType) -> ColumnSpec {
        ColumnSpec {
            name: name.into(),
            sql_type: ty,
            nullable: false,
            autoincrement: false,
            default: None,
        }
    }

    /// The column definition (the primary key flag is the table's business).
    pub(crate) fn to_def(&self) -> ColumnDef {
        let mut c = ColumnDef::new(self.name.clone(), self.sql_type)
            .nullable(self.nullable && !self.autoincrement)
            .autoincrement(self.autoincrement);
        c.server_default = self.default.as_ref().map(DefaultSpec::node);
        c
    }
}

impl TableSpec {
    /// The spec of a table definition, as sqlkit would create it; server defaults that
    /// are expressions (not literals, `now()` or raw SQL) are rendered for `dialect`.
    pub fn of(def: &TableDef, dialect: &dyn Dialect) -> Result<TableSpec> {
        let auto = def.autoincrement_column();
        let mut columns = Vec::with_capacity(def.columns().len());
        for (i, c) in def.columns().iter().enumerate() {
            columns.push(ColumnSpec {
                name: c.name().to_string(),
                sql_type: c.sql_type(),
                nullable: c.is_nullable() && auto != Some(i),
                autoincrement: auto == Some(i),
                default: match c.server_default_node() {
                    Some(n) => Some(DefaultSpec::of(n, dialect)?),
                    None => None,
                },
            });
        }
        let t = def.name();
        Ok(TableSpec {
            table: t.to_string(),
            columns,
            primary_key: strings(def.primary_key()),
            foreign_keys: def
                .foreign_keys()
                .iter()
                .map(|fk| ForeignKeySpec {
                    name: fk.name.as_ref().map(|n| n.to_string()),
                    columns: strings(fk.columns()),
                    references: fk.ref_table().to_string(),
                    ref_columns: strings(fk.ref_columns()),
                    on_delete: action_name(fk.delete_action()),
                    on_update: action_name(fk.update_action()),
                })
                .collect(),
            uniques: def
                .unique_constraints()
                .iter()
                .map(|u| UniqueSpec {
                    name: u.name().map(str::to_string),
                    columns: strings(u.columns()),
                })
                .collect(),
            checks: def
                .check_constraints()
                .iter()
                .map(|c| CheckSpec {
                    name: c.name().to_string(),
                    sql: c.sql().to_string(),
                    constraint: c.is_full_name().then(|| c.name().to_string()),
                })
                .collect(),
            indexes: def
                .indexes()
                .iter()
                .map(|ix| IndexSpec {
                    name: ix.name(),
                    columns: strings(ix.columns()),
                    unique: ix.is_unique(),
                    where_: ix.where_sql().map(str::to_string),
                })
                .collect(),
        })
    }

    /// The table this spec describes (checked as any table is).
    pub fn to_table(&self) -> Result<Table> {
        let mut b = TableBuilder::new(self.table.clone());
        for c in &self.columns {
            b = b.column(c.to_def());
        }
        if !self.primary_key.is_empty() {
            b = b.primary_key(self.primary_key.iter().cloned());
        }
        for fk in &self.foreign_keys {
            b = b.foreign_key(fk.to_key()?);
        }
        for u in &self.uniques {
            b = match &u.name {
                Some(n) => b.named_unique(n.clone(), u.columns.iter().cloned()),
                None => b.unique(u.columns.iter().cloned()),
            };
        }
        for c in &self.checks {
            b = match &c.constraint {
                Some(full) => b.named_check(full.clone(), c.sql.clone()),
                None => b.check(c.name.clone(), c.sql.clone()),
            };
        }
        for ix in &self.indexes {
            b = match &ix.where_ {
                Some(w) => b.partial_index(
                    ix.name.clone(),
                    ix.columns.iter().cloned(),
                    ix.unique,
                    w.clone(),
                ),
                None => b.named_index(ix.name.clone(), ix.columns.iter().cloned(), ix.unique),
            };
        }
        b.build()
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }
}

impl ForeignKeySpec {
    pub(crate) fn to_key(&self) -> Result<ForeignKey> {
        let mut fk = ForeignKey::new(
            self.columns.iter().cloned(),
            self.references.clone(),
            self.ref_columns.iter().cloned(),
        );
        if let Some(n) = &self.name {
            fk = fk.named(n.clone());
        }
        if let Some(a) = &self.on_delete {
            fk = fk.on_delete(parse_action(a)?);
        }
        if let Some(a) = &self.on_update {
            fk = fk.on_update(parse_action(a)?);
        }
        Ok(fk)
    }

    /// The constraint's name on a database: its own or `fk_<table>_<cols>_<ref>`.
    pub fn name_in(&self, table: &str) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => {
                let cols: Vec<Name> = self.columns.iter().map(|c| c.clone().into()).collect();
                crate::schema::constraint_name("fk", table, &cols, Some(&self.references))
            }
        }
    }
}

impl UniqueSpec {
    /// The constraint's name on a database: its own or `uq_<table>_<cols>`.
    pub fn name_in(&self, table: &str) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => {
                let cols: Vec<Name> = self.columns.iter().map(|c| c.clone().into()).collect();
                crate::schema::constraint_name("uq", table, &cols, None)
            }
        }
    }
}

impl CheckSpec {
    /// The constraint's name on a database: its own, or `ck_<table>_<name>`.
    pub fn name_in(&self, table: &str) -> String {
        match &self.constraint {
            Some(c) => c.clone(),
            None => crate::schema::constraint_name("ck", table, &[], Some(&self.name)),
        }
    }
}

/// Whether every value of `from` fits `to` unchanged (a widening, or no change).
pub fn widens(from: SqlType, to: SqlType) -> bool {
    use SqlType::*;
    let rank = |t: SqlType| match t {
        SmallInt => Some(1),
        Integer => Some(2),
        BigInt => Some(3),
        _ => None,
    };
    match (from, to) {
        _ if from == to => true,
        (a, b) if rank(a).is_some() && rank(b).is_some() => rank(a) <= rank(b),
        (String(a), String(b)) => a <= b,
        (String(_), Text) | (Float, Double) => true,
        (
            Numeric {
                precision: p1,
                scale: s1,
            },
            Numeric {
                precision: p2,
                scale: s2,
            },
        ) => s2 >= s1 && (p2 - s2.min(p2)) >= (p1 - s1.min(p1)),
        _ => false,
    }
}

impl Op {
    /// The operation that undoes this one; `None` for [`Op::Sql`].
    pub fn inverse(&self) -> Option<Op> {
        let t = |s: &String| s.clone();
        Some(match self {
            Op::CreateTable(s) => Op::DropTable(s.clone()),
            Op::DropTable(s) => Op::CreateTable(s.clone()),
            Op::RenameTable { from, to } => Op::RenameTable {
                from: t(to),
                to: t(from),
            },
            Op::AddColumn { table, column } => Op::DropColumn {
                table: t(table),
                column: column.clone(),
            },
            Op::DropColumn { table, column } => Op::AddColumn {
                table: t(table),
                column: column.clone(),
            },
            Op::RenameColumn { table, from, to } => Op::RenameColumn {
                table: t(table),
                from: t(to),
                to: t(from),
            },
            Op::AlterColumn { table, from, to } => Op::AlterColumn {
                table: t(table),
                from: to.clone(),
                to: from.clone(),
            },
            Op::CreateIndex { table, index } => Op::DropIndex {
                table: t(table),
                index: index.clone(),
            },
            Op::DropIndex { table, index } => Op::CreateIndex {
                table: t(table),
                index: index.clone(),
            },
            Op::AddForeignKey { table, foreign_key } => Op::DropForeignKey {
                table: t(table),
                foreign_key: foreign_key.clone(),
            },
            Op::DropForeignKey { table, foreign_key } => Op::AddForeignKey {
                table: t(table),
                foreign_key: foreign_key.clone(),
            },
            Op::AddUnique { table, unique } => Op::DropUnique {
                table: t(table),
                unique: unique.clone(),
            },
            Op::DropUnique { table, unique } => Op::AddUnique {
                table: t(table),
                unique: unique.clone(),
            },
            Op::AddCheck { table, check } => Op::DropCheck {
                table: t(table),
                check: check.clone(),
            },
            Op::DropCheck { table, check } => Op::AddCheck {
                table: t(table),
                check: check.clone(),
            },
            Op::Sql(_) => return None,
        })
    }

    /// Why running this operation can lose data, if it can: dropping a table or a
    /// column, changing a column to a type some of its values may not fit, or raw SQL
    /// its author did not mark `safe = true`.
    pub fn destructive(&self) -> Option<String> {
        match self {
            Op::DropTable(s) => Some(format!("drops table `{}` and its rows", s.table)),
            Op::DropColumn { table, column } => Some(format!(
                "drops column `{table}.{}` and its values",
                column.name
            )),
            Op::Sql(sql) if !sql.safe => {
                let text = [
                    &sql.any,
                    &sql.postgresql,
                    &sql.mysql,
                    &sql.mariadb,
                    &sql.sqlite,
                ]
                .into_iter()
                .flatten()
                .next()
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
                let shown: String = text.chars().take(60).collect();
                let more = if shown.len() < text.len() { ".." } else { "" };
                Some(format!(
                    "runs raw SQL (`{shown}{more}`), which sqlkit cannot judge: mark it \
                     `safe = true` in the revision if it loses no data"
                ))
            }
            Op::AlterColumn { table, from, to } if !widens(from.sql_type, to.sql_type) => {
                Some(format!(
                    "changes `{table}.{}` from {} to {}: values may not fit",
                    to.name,
                    type_name(from.sql_type),
                    type_name(to.sql_type)
                ))
            }
            _ => None,
        }
    }

    /// The table the operation works on (the new name for a rename; `None` for SQL).
    pub fn table(&self) -> Option<&str> {
        Some(match self {
            Op::CreateTable(s) | Op::DropTable(s) => &s.table,
            Op::RenameTable { to, .. } => to,
            Op::AddColumn { table, .. }
            | Op::DropColumn { table, .. }
            | Op::RenameColumn { table, .. }
            | Op::AlterColumn { table, .. }
            | Op::CreateIndex { table, .. }
            | Op::DropIndex { table, .. }
            | Op::AddForeignKey { table, .. }
            | Op::DropForeignKey { table, .. }
            | Op::AddUnique { table, .. }
            | Op::DropUnique { table, .. }
            | Op::AddCheck { table, .. }
            | Op::DropCheck { table, .. } => table,
            Op::Sql(_) => return None,
        })
    }

    /// A one-line description, for listings and errors.
    pub fn describe(&self) -> String {
        match self {
            Op::CreateTable(s) => format!("create table {}", s.table),
            Op::DropTable(s) => format!("drop table {}", s.table),
            Op::RenameTable { from, to } => format!("rename table {from} to {to}"),
            Op::AddColumn { table, column } => format!("add column {table}.{}", column.name),
            Op::DropColumn { table, column } => format!("drop column {table}.{}", column.name),
            Op::RenameColumn { table, from, to } => {
                format!("rename column {table}.{from} to {to}")
            }
            Op::AlterColumn { table, to, .. } => format!("alter column {table}.{}", to.name),
            Op::CreateIndex { index, .. } => format!("create index {}", index.name),
            Op::DropIndex { index, .. } => format!("drop index {}", index.name),
            Op::AddForeignKey { table, foreign_key } => {
                format!("add foreign key {}", foreign_key.name_in(table))
            }
            Op::DropForeignKey { table, foreign_key } => {
                format!("drop foreign key {}", foreign_key.name_in(table))
            }
            Op::AddUnique { table, unique } => format!("add unique {}", unique.name_in(table)),
            Op::DropUnique { table, unique } => format!("drop unique {}", unique.name_in(table)),
            Op::AddCheck { table, check } => format!("add check {}", check.name_in(table)),
            Op::DropCheck { table, check } => format!("drop check {}", check.name_in(table)),
            Op::Sql(_) => "raw SQL".into(),
        }
    }
}

/// The tables a chain of operations leaves, by replaying them: what an offline run
/// knows of the schema (SQLite's table rebuild needs the whole table).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaState {
    /// The tables, in creation order.
    pub tables: Vec<TableSpec>,
}

impl SchemaState {
    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&TableSpec> {
        self.tables.iter().find(|t| t.table == name)
    }

    pub(crate) fn table_mut(&mut self, name: &str) -> Result<&mut TableSpec> {
        self.tables
            .iter_mut()
            .find(|t| t.table == name)
            .ok_or_else(|| Error::Schema(format!("there is no table `{name}`").into()))
    }

    /// Applies `op`; an operation on a table or column that is not there is an
    /// [`Error::Schema`]. Raw SQL changes nothing the state knows of.
    pub fn apply(&mut self, op: &Op) -> Result<()> {
        let missing = |what: &str, name: &str, table: &str| {
            Error::Schema(format!("table `{table}` has no {what} `{name}`").into())
        };
        match op {
            Op::CreateTable(s) => {
                if self.table(&s.table).is_some() {
                    return Err(Error::Schema(
                        format!("table `{}` already exists", s.table).into(),
                    ));
                }
                self.tables.push(s.clone());
            }
            Op::DropTable(s) => {
                self.table_mut(&s.table)?;
                self.tables.retain(|t| t.table != s.table);
            }
            Op::RenameTable { from, to } => {
                if self.table(to).is_some() {
                    return Err(Error::Schema(format!("table `{to}` already exists").into()));
                }
                // The databases keep the constraints' names: those named after the
                // table by default now carry the old name explicitly.
                let t = self.table_mut(from)?;
                for u in &mut t.uniques {
                    u.name = Some(u.name_in(from));
                }
                for fk in &mut t.foreign_keys {
                    fk.name = Some(fk.name_in(from));
                }
                for c in &mut t.checks {
                    c.constraint = Some(c.name_in(from));
                }
                t.table.clone_from(to);
                for t in &mut self.tables {
                    for fk in &mut t.foreign_keys {
                        if fk.references == *from {
                            fk.references.clone_from(to);
                        }
                    }
                }
            }
            Op::AddColumn { table, column } => {
                let t = self.table_mut(table)?;
                if t.column(&column.name).is_some() {
                    return Err(Error::Schema(
                        format!("table `{table}` already has column `{}`", column.name).into(),
                    ));
                }
                t.columns.push(column.clone());
            }
            Op::DropColumn { table, column } => {
                let t = self.table_mut(table)?;
                // What covers the column goes first, in operations of its own, so that
                // the downgrade (add the column back) can bring it back too; the
                // databases would drop some of it silently and the downgrade would not.
                let has = |cols: &[String]| cols.contains(&column.name);
                let covering = t
                    .indexes
                    .iter()
                    .filter(|i| has(&i.columns))
                    .map(|i| format!("index `{}`", i.name))
                    .chain(
                        t.uniques
                            .iter()
                            .filter(|u| has(&u.columns))
                            .map(|u| format!("unique constraint `{}`", u.name_in(table))),
                    )
                    .chain(
                        t.foreign_keys
                            .iter()
                            .filter(|f| has(&f.columns))
                            .map(|f| format!("foreign key `{}`", f.name_in(table))),
                    )
                    .chain(
                        t.checks
                            .iter()
                            .filter(|c| mentions(&c.sql, &column.name))
                            .map(|c| format!("check `{}`", c.name_in(table))),
                    )
                    .chain(has(&t.primary_key).then(|| "the primary key".to_string()))
                    .collect::<Vec<_>>();
                if !covering.is_empty() {
                    return Err(Error::Schema(
                        format!(
                            "column `{table}.{}` is in {}: drop that first, in its own \
                             operation, so that the downgrade can restore it",
                            column.name,
                            covering.join(", ")
                        )
                        .into(),
                    ));
                }
                let before = t.columns.len();
                t.columns.retain(|c| c.name != column.name);
                if t.columns.len() == before {
                    return Err(missing("column", &column.name, table));
                }
            }
            Op::RenameColumn { table, from, to } => {
                let t = self.table_mut(table)?;
                if t.column(to).is_some() {
                    return Err(Error::Schema(
                        format!("table `{table}` already has column `{to}`").into(),
                    ));
                }
                // A name that needs quoting is not written into a check's SQL text:
                // each database quotes its own way.
                if t.checks.iter().any(|c| mentions(&c.sql, from))
                    && !crate::dialect::plain_identifier(to)
                {
                    return Err(Error::Schema(
                        format!(
                            "a check of `{table}` names `{from}`, and `{to}` would need \
                             quoting in its SQL: drop the check, rename, and add it again"
                        )
                        .into(),
                    ));
                }
                let c = t
                    .columns
                    .iter_mut()
                    .find(|c| c.name == *from)
                    .ok_or_else(|| missing("column", from, table))?;
                c.name.clone_from(to);
                let rename = |cols: &mut Vec<String>| {
                    for c in cols.iter_mut() {
                        if c == from {
                            c.clone_from(to);
                        }
                    }
                };
                rename(&mut t.primary_key);
                // The databases rewrite a check's expression with the column; so does
                // the state, word for word.
                for c in &mut t.checks {
                    c.sql = rename_word(&c.sql, from, to);
                }
                t.indexes.iter_mut().for_each(|i| rename(&mut i.columns));
                t.uniques.iter_mut().for_each(|u| rename(&mut u.columns));
                t.foreign_keys
                    .iter_mut()
                    .for_each(|f| rename(&mut f.columns));
                for other in &mut self.tables {
                    for fk in &mut other.foreign_keys {
                        if fk.references == *table {
                            rename(&mut fk.ref_columns);
                        }
                    }
                }
            }
            Op::AlterColumn { table, to, .. } => {
                let t = self.table_mut(table)?;
                let c = t
                    .columns
                    .iter_mut()
                    .find(|c| c.name == to.name)
                    .ok_or_else(|| missing("column", &to.name, table))?;
                *c = to.clone();
            }
            Op::CreateIndex { table, index } => {
                self.table_mut(table)?.indexes.push(index.clone());
            }
            Op::DropIndex { table, index } => {
                let t = self.table_mut(table)?;
                let before = t.indexes.len();
                t.indexes.retain(|i| i.name != index.name);
                if t.indexes.len() == before {
                    return Err(missing("index", &index.name, table));
                }
            }
            Op::AddForeignKey { table, foreign_key } => {
                self.table_mut(table)?
                    .foreign_keys
                    .push(foreign_key.clone());
            }
            Op::DropForeignKey { table, foreign_key } => {
                let t = self.table_mut(table)?;
                let name = foreign_key.name_in(table);
                let before = t.foreign_keys.len();
                t.foreign_keys.retain(|f| f.name_in(table) != name);
                if t.foreign_keys.len() == before {
                    return Err(missing("foreign key", &name, table));
                }
            }
            Op::AddUnique { table, unique } => {
                self.table_mut(table)?.uniques.push(unique.clone());
            }
            Op::DropUnique { table, unique } => {
                let t = self.table_mut(table)?;
                let before = t.uniques.len();
                t.uniques.retain(|u| u.columns != unique.columns);
                if t.uniques.len() == before {
                    return Err(missing("unique constraint", &unique.name_in(table), table));
                }
            }
            Op::AddCheck { table, check } => {
                self.table_mut(table)?.checks.push(check.clone());
            }
            Op::DropCheck { table, check } => {
                let t = self.table_mut(table)?;
                let before = t.checks.len();
                let name = check.name_in(table);
                t.checks.retain(|c| c.name_in(table) != name);
                if t.checks.len() == before {
                    return Err(missing("check", &check.name, table));
                }
            }
            Op::Sql(_) => {}
        }
        Ok(())
    }
}
