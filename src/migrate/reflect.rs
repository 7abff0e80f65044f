//! Reading a database's tables back into a [`MetaData`]: SQLite's `pragma_*` table
//! functions, PostgreSQL's `information_schema` and `pg_catalog` (the connection's
//! current schema), MySQL's and MariaDB's `information_schema` (the current database).

use super::sqltext::{tokens, Tok};
use crate::engine::{Connection, Row};
use crate::error::{Error, Result};
use crate::expr::Node;
use crate::schema::{ColumnDef, FkAction, ForeignKey, MetaData, SqlType, Table, TableBuilder};
use crate::value::Value;

/// Every table of the connection's database (SQLite), current schema (PostgreSQL) or
/// current database (MySQL, MariaDB), with its columns, types, nullability, server
/// defaults (as the server writes them), autoincrement key, primary key, foreign keys
/// with their actions, unique constraints, indexes and check constraints (on SQLite
/// read from the table's SQL text, where it keeps them). Tables are in name order.
///
/// Types map back to [`SqlType`], sqlkit's own storage choices included, so a table
/// sqlkit created reflects back to its definition up to what the database keeps (see
/// [`TableShape::stored_on`](super::TableShape::stored_on)). What sqlkit does not model
/// does not fail the reflection: a column of a type it does not map (a MariaDB `ENUM`,
/// an untyped SQLite column) and a generated column are recorded as
/// [`Opaque`](crate::schema::Opaque) objects of their table ([`TableDef::opaque`]) and
/// left out of it, with the keys and indexes over them; an index over expressions is
/// left out. A table with nothing sqlkit models is left out.
///
/// [`TableDef::opaque`]: crate::schema::TableDef::opaque
pub fn reflect(conn: &mut Connection) -> Result<MetaData> {
    let mut md = MetaData::new();
    for name in table_names(conn)? {
        if let Some(t) = reflect_table(conn, &name)? {
            md.add(t)?;
        }
    }
    Ok(md)
}

/// One table by name, or `None` when there is no such table (see [`reflect`]).
pub fn reflect_table(conn: &mut Connection, name: &str) -> Result<Option<Table>> {
    let kind = Kind::of(conn);
    let columns = columns(conn, kind, name)?;
    if columns.is_empty() {
        return Ok(None);
    }
    let mut b = TableBuilder::new(name.to_string());
    // What sqlkit does not model is kept aside, not a failure of the whole reflection.
    let mut opaque_cols = Vec::new();
    for c in &columns {
        let (kind, sql) = match (&c.ty, c.generated) {
            (_, true) => (crate::schema::OpaqueKind::GeneratedColumn, None),
            (Err(t), false) => (crate::schema::OpaqueKind::Column, Some(t.clone())),
            (Ok(_), false) => continue,
        };
        opaque_cols.push(c.name.clone());
        b = b.opaque(crate::schema::Opaque {
            kind,
            name: c.name.clone(),
            sql,
        });
    }
    let columns: Vec<Column> = columns
        .into_iter()
        .filter(|c| !opaque_cols.contains(&c.name))
        .collect();
    if columns.is_empty() {
        // Nothing of it modelled: the table is left out of the MetaData.
        return Ok(None);
    }
    let touches = |cols: &[String]| cols.iter().any(|c| opaque_cols.contains(c));
    let constraints: Vec<Constraint> = constraints(conn, kind, name)?
        .into_iter()
        .filter(|c| match c {
            Constraint::PrimaryKey(cols)
            | Constraint::Unique(_, cols)
            | Constraint::Index(_, cols, _, _) => !touches(cols),
            Constraint::Foreign { columns, .. } => !touches(columns),
            Constraint::Check(_, sql) => {
                !opaque_cols.iter().any(|c| super::sqltext::mentions(sql, c))
            }
            Constraint::Opaque(_) => true,
        })
        .collect();
    let mut pk = Vec::new();
    for c in &constraints {
        if let Constraint::PrimaryKey(cols) = c {
            pk.clone_from(cols);
        }
    }
    // MariaDB keeps JSON as LONGTEXT with a `json_valid` check: the check is the type.
    let json_checked: Vec<String> = constraints
        .iter()
        .filter_map(|c| match c {
            Constraint::Check(_, sql) => json_valid_column(sql),
            _ => None,
        })
        .collect();
    for col in columns {
        let Ok(ty) = col.ty else { continue };
        let ty = if json_checked.contains(&col.name) && ty == SqlType::Text {
            SqlType::Json
        } else {
            ty
        };
        let mut def = ColumnDef::new(col.name.clone(), ty).nullable(col.nullable);
        if pk.contains(&col.name) {
            def = def.primary_key();
        }
        def = def.autoincrement(col.autoincrement);
        if let Some(d) = col.default {
            def.server_default = Some(Node::Raw(d.into()));
        }
        b = b.column(def);
    }
    if !pk.is_empty() {
        b = b.primary_key(pk);
    }
    for c in constraints {
        b = match c {
            Constraint::PrimaryKey(_) => b,
            Constraint::Unique(name, cols) => match name {
                Some(n) => b.named_unique(n, cols),
                None => b.unique(cols),
            },
            Constraint::Foreign {
                name,
                columns,
                ref_table,
                ref_columns,
                on_delete,
                on_update,
            } => {
                let mut fk = ForeignKey::new(columns, ref_table, ref_columns);
                if let Some(n) = name {
                    fk = fk.named(n);
                }
                if let Some(a) = on_delete {
                    fk = fk.on_delete(a);
                }
                if let Some(a) = on_update {
                    fk = fk.on_update(a);
                }
                b.foreign_key(fk)
            }
            Constraint::Check(_, sql)
                if json_valid_column(&sql).is_some() || boolean_check_column(&sql).is_some() =>
            {
                b
            }
            Constraint::Check(cname, sql) => {
                let prefix = format!("ck_{name}_");
                match cname.strip_prefix(&prefix) {
                    Some(short) => b.check(short.to_string(), sql),
                    None => b.named_check(cname, sql),
                }
            }
            Constraint::Index(iname, cols, unique, None) => b.named_index(iname, cols, unique),
            Constraint::Index(iname, cols, unique, Some(w)) => {
                b.partial_index(iname, cols, unique, w)
            }
            Constraint::Opaque(o) => b.opaque(o),
        };
    }
    b.build().map(Some)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    Postgres,
    Mysql,
}

impl Kind {
    fn of(conn: &Connection) -> Kind {
        match conn.dialect().name() {
            "sqlite" => Kind::Sqlite,
            "postgresql" => Kind::Postgres,
            _ => Kind::Mysql,
        }
    }
}

struct Column {
    name: String,
    /// `Err(type text)` for a type sqlkit does not map: the column is kept opaque.
    ty: std::result::Result<SqlType, String>,
    nullable: bool,
    autoincrement: bool,
    default: Option<String>,
    /// A generated (computed) column: kept opaque.
    generated: bool,
}

enum Constraint {
    PrimaryKey(Vec<String>),
    Unique(Option<String>, Vec<String>),
    Foreign {
        name: Option<String>,
        columns: Vec<String>,
        ref_table: String,
        ref_columns: Vec<String>,
        on_delete: Option<FkAction>,
        on_update: Option<FkAction>,
    },
    Check(String, String),
    /// An index: name, columns, unique, a partial index's predicate.
    Index(String, Vec<String>, bool, Option<String>),
    /// Something sqlkit does not model (an index over expressions), with its SQL.
    Opaque(crate::schema::Opaque),
}

fn text(r: &Row, i: usize) -> Result<String> {
    r.get::<String, _>(i)
}
fn opt_text(r: &Row, i: usize) -> Result<Option<String>> {
    r.get::<Option<String>, _>(i)
}
fn int(r: &Row, i: usize) -> Result<i64> {
    r.get::<i64, _>(i)
}
fn json_list(s: &str) -> Result<Vec<String>> {
    serde_json::from_str(s)
        .map_err(|e| Error::Schema(format!("unreadable column list from the catalog: {e}").into()))
}

fn table_names(conn: &mut Connection) -> Result<Vec<String>> {
    let sql = match Kind::of(conn) {
        Kind::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        }
        Kind::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
        Kind::Mysql => {
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    };
    conn.query_sql(sql, &[])?
        .iter()
        .map(|r| text(r, 0))
        .collect()
}

fn unknown_type(table: &str, column: &str, ty: &str) -> Error {
    Error::Schema(
        format!("table `{table}`: column `{column}` has type `{ty}`, which sqlkit does not map")
            .into(),
    )
}

/// `(p, s)` of `NAME(p, s)` / `(n)` of `NAME(n)`.
fn args(ty: &str) -> Vec<u32> {
    ty.split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(inside, _)| {
            inside
                .split(',')
                .filter_map(|p| p.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn numeric(a: &[u32]) -> Option<SqlType> {
    match a {
        [p, s] => Some(SqlType::Numeric {
            precision: u8::try_from(*p).ok()?,
            scale: u8::try_from(*s).ok()?,
        }),
        _ => None,
    }
}

fn columns(conn: &mut Connection, kind: Kind, table: &str) -> Result<Vec<Column>> {
    let name = [Value::from(table)];
    match kind {
        Kind::Sqlite => {
            let rows = conn.query_sql(
                "SELECT name, type, \"notnull\", dflt_value, pk, \
                 (SELECT count(*) FROM pragma_table_info(?1) WHERE pk > 0), hidden \
                 FROM pragma_table_xinfo(?1) WHERE hidden <> 1 ORDER BY cid",
                &name,
            )?;
            rows.iter()
                .map(|r| {
                    let cname = text(r, 0)?;
                    let declared = text(r, 1)?.to_ascii_uppercase();
                    let generated = matches!(int(r, 6)?, 2 | 3);
                    // A lone `INTEGER` primary key is the rowid: the database numbers it.
                    let rowid = declared == "INTEGER" && int(r, 4)? == 1 && int(r, 5)? == 1;
                    let a = args(&declared);
                    let base = declared.split('(').next().unwrap_or("").trim().to_string();
                    let ty = (|| -> Result<SqlType> {
                        Ok(match base.as_str() {
                            "SMALLINT" => SqlType::SmallInt,
                            "INTEGER" if rowid => SqlType::BigInt,
                            "INTEGER" | "INT" => SqlType::Integer,
                            "BIGINT" => SqlType::BigInt,
                            "BOOLEAN" => SqlType::Boolean,
                            "REAL" => SqlType::Float,
                            "DOUBLE" | "DOUBLE PRECISION" => SqlType::Double,
                            "NUMERIC" | "DECIMAL" => {
                                numeric(&a).ok_or_else(|| unknown_type(table, &cname, &declared))?
                            }
                            "VARCHAR" => match a.as_slice() {
                                [n] => SqlType::String(*n),
                                _ => SqlType::Text,
                            },
                            "TEXT" => SqlType::Text,
                            "DATE" => SqlType::Date,
                            "TIME" => SqlType::Time,
                            "DATETIME" => SqlType::DateTime,
                            "TIMESTAMP" => SqlType::Timestamp,
                            "JSON" => SqlType::Json,
                            "UUID" => SqlType::Uuid,
                            "BLOB" => SqlType::Bytes,
                            _ => return Err(unknown_type(table, &cname, &declared)),
                        })
                    })()
                    .map_err(|_| declared.clone());
                    Ok(Column {
                        nullable: int(r, 2)? == 0 && int(r, 4)? == 0,
                        autoincrement: rowid,
                        default: opt_text(r, 3)?,
                        name: cname,
                        ty,
                        generated,
                    })
                })
                .collect()
        }
        Kind::Postgres => {
            let rows = conn.query_sql(
                "SELECT column_name::text, data_type::text, character_maximum_length::int8, \
                 numeric_precision::int8, numeric_scale::int8, is_nullable::text, \
                 column_default::text, is_identity::text, is_generated::text \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position",
                &name,
            )?;
            rows.iter()
                .map(|r| {
                    let cname = text(r, 0)?;
                    let dt = text(r, 1)?;
                    let len = r.get::<Option<i64>, _>(2)?;
                    let (p, s) = (r.get::<Option<i64>, _>(3)?, r.get::<Option<i64>, _>(4)?);
                    let ty = (|| -> Result<SqlType> {
                        Ok(match dt.as_str() {
                            "smallint" => SqlType::SmallInt,
                            "integer" => SqlType::Integer,
                            "bigint" => SqlType::BigInt,
                            "boolean" => SqlType::Boolean,
                            "real" => SqlType::Float,
                            "double precision" => SqlType::Double,
                            "numeric" => match (p, s) {
                                (Some(p), Some(s)) => u32::try_from(p)
                                    .ok()
                                    .zip(u32::try_from(s).ok())
                                    .and_then(|(p, s)| numeric(&[p, s]))
                                    .ok_or_else(|| unknown_type(table, &cname, &dt))?,
                                _ => return Err(unknown_type(table, &cname, "numeric")),
                            },
                            "character varying" => match len {
                                Some(n) => SqlType::String(
                                    u32::try_from(n)
                                        .map_err(|_| unknown_type(table, &cname, &dt))?,
                                ),
                                None => SqlType::Text,
                            },
                            "text" => SqlType::Text,
                            "date" => SqlType::Date,
                            "time without time zone" => SqlType::Time,
                            "timestamp without time zone" => SqlType::DateTime,
                            "timestamp with time zone" => SqlType::Timestamp,
                            "json" | "jsonb" => SqlType::Json,
                            "uuid" => SqlType::Uuid,
                            "bytea" => SqlType::Bytes,
                            _ => return Err(unknown_type(table, &cname, &dt)),
                        })
                    })()
                    .map_err(|_| dt.clone());
                    let default = opt_text(r, 6)?;
                    let identity = text(r, 7)? == "YES";
                    let serial = default
                        .as_deref()
                        .is_some_and(|d| d.starts_with("nextval("));
                    Ok(Column {
                        nullable: text(r, 5)? == "YES",
                        autoincrement: identity || serial,
                        default: if serial { None } else { default },
                        name: cname,
                        ty,
                        generated: opt_text(r, 8)?.as_deref() == Some("ALWAYS"),
                    })
                })
                .collect()
        }
        Kind::Mysql => {
            let rows = conn.query_sql(
                "SELECT CAST(column_name AS CHAR), CAST(data_type AS CHAR), \
                 CAST(column_type AS CHAR), CAST(is_nullable AS CHAR), \
                 CAST(column_default AS CHAR), CAST(extra AS CHAR) \
                 FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
                &name,
            )?;
            rows.iter()
                .map(|r| {
                    let cname = text(r, 0)?;
                    let dt = text(r, 1)?.to_ascii_lowercase();
                    let full = text(r, 2)?.to_ascii_lowercase();
                    let a = args(&full);
                    let ty = (|| -> Result<SqlType> {
                        Ok(match dt.as_str() {
                            "tinyint" if full.starts_with("tinyint(1)") => SqlType::Boolean,
                            "smallint" => SqlType::SmallInt,
                            "int" => SqlType::Integer,
                            "bigint" => SqlType::BigInt,
                            "float" => SqlType::Float,
                            "double" => SqlType::Double,
                            "decimal" => {
                                numeric(&a).ok_or_else(|| unknown_type(table, &cname, &full))?
                            }
                            "varchar" => match a.as_slice() {
                                [n] => SqlType::String(*n),
                                _ => return Err(unknown_type(table, &cname, &full)),
                            },
                            "char" if a == [36] => SqlType::Uuid,
                            "longtext" | "text" | "mediumtext" => SqlType::Text,
                            "json" => SqlType::Json,
                            "date" => SqlType::Date,
                            "time" => SqlType::Time,
                            "datetime" => SqlType::DateTime,
                            "longblob" | "blob" | "mediumblob" => SqlType::Bytes,
                            _ => return Err(unknown_type(table, &cname, &full)),
                        })
                    })()
                    .map_err(|_| full.clone());
                    // MariaDB writes a missing default as the word NULL, MySQL as NULL.
                    let default = opt_text(r, 4)?.filter(|d| d != "NULL");
                    let extra = text(r, 5)?.to_ascii_lowercase();
                    Ok(Column {
                        nullable: text(r, 3)? == "YES",
                        autoincrement: extra.contains("auto_increment"),
                        default,
                        name: cname,
                        ty,
                        generated: extra.contains("generated"),
                    })
                })
                .collect()
        }
    }
}

fn action(rule: &str) -> Option<FkAction> {
    match rule.to_ascii_uppercase().as_str() {
        "CASCADE" | "C" => Some(FkAction::Cascade),
        "SET NULL" | "N" => Some(FkAction::SetNull),
        "SET DEFAULT" | "D" => Some(FkAction::SetDefault),
        "RESTRICT" | "R" => Some(FkAction::Restrict),
        _ => None,
    }
}

/// The column a MariaDB JSON check (`json_valid(`col`)`) guards.
fn json_valid_column(sql: &str) -> Option<String> {
    let inner = sql.trim().strip_prefix("json_valid(")?.strip_suffix(')')?;
    Some(inner.trim_matches('`').to_string())
}

/// The column a MySQL / MariaDB boolean check (`flag` in (0,1)), which sqlkit adds
/// to a BOOLEAN column (a TINYINT there), guards: part of the type, not the model.
fn boolean_check_column(sql: &str) -> Option<String> {
    let plain: String = sql
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
        .collect::<String>()
        .to_ascii_lowercase();
    let col = plain.strip_suffix("in0,1")?;
    let col = col.strip_prefix('`')?.strip_suffix('`')?;
    (!col.contains('`')).then(|| col.to_string())
}

fn constraints(conn: &mut Connection, kind: Kind, table: &str) -> Result<Vec<Constraint>> {
    let name = [Value::from(table)];
    let mut out = Vec::new();
    match kind {
        Kind::Sqlite => {
            let pk = conn.query_sql(
                "SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk",
                &name,
            )?;
            let pk: Vec<String> = pk.iter().map(|r| text(r, 0)).collect::<Result<_>>()?;
            if !pk.is_empty() {
                out.push(Constraint::PrimaryKey(pk));
            }
            let fks = conn.query_sql(
                "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete \
                 FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
                &name,
            )?;
            let mut last = None;
            for r in &fks {
                let id = int(r, 0)?;
                let (from, to) = (text(r, 2)?, opt_text(r, 3)?.unwrap_or_default());
                if last == Some(id) {
                    if let Some(Constraint::Foreign {
                        columns,
                        ref_columns,
                        ..
                    }) = out.last_mut()
                    {
                        columns.push(from);
                        ref_columns.push(to);
                    }
                    continue;
                }
                last = Some(id);
                out.push(Constraint::Foreign {
                    name: None,
                    columns: vec![from],
                    ref_table: text(r, 1)?,
                    ref_columns: vec![to],
                    on_update: action(&text(r, 4)?),
                    on_delete: action(&text(r, 5)?),
                });
            }
            let indexes = conn.query_sql(
                "SELECT l.name, l.\"unique\", l.origin, l.partial, m.sql \
                 FROM pragma_index_list(?1) l LEFT JOIN sqlite_master m \
                 ON m.type = 'index' AND m.name = l.name ORDER BY l.name",
                &name,
            )?;
            for r in &indexes {
                let (iname, unique, origin) = (text(r, 0)?, int(r, 1)? == 1, text(r, 2)?);
                if origin == "pk" {
                    continue;
                }
                let cols = conn.query_sql(
                    "SELECT name FROM pragma_index_info(?1) ORDER BY seqno",
                    &[Value::from(iname.as_str())],
                )?;
                // An expression has no column name: such an index is not one sqlkit
                // models, and is left out (it stays in the database as it is).
                let cols: Option<Vec<String>> = cols
                    .iter()
                    .map(|r| opt_text(r, 0))
                    .collect::<Result<Vec<_>>>()?
                    .into_iter()
                    .collect();
                let Some(cols) = cols else {
                    out.push(Constraint::Opaque(crate::schema::Opaque {
                        kind: crate::schema::OpaqueKind::Index,
                        name: iname,
                        sql: opt_text(r, 4)?,
                    }));
                    continue;
                };
                let where_ = if int(r, 3)? == 1 {
                    opt_text(r, 4)?.as_deref().and_then(index_predicate)
                } else {
                    None
                };
                out.push(if origin == "u" {
                    Constraint::Unique(None, cols)
                } else {
                    Constraint::Index(iname, cols, unique, where_)
                });
            }
            // SQLite keeps checks only in the table's SQL text: read them from it.
            let sql = conn.query_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                &name,
            )?;
            if let Some(r) = sql.first() {
                let text = opt_text(r, 0)?.unwrap_or_default();
                let checks = sqlite_checks(&text).into_iter().filter(|(cname, _)| {
                    // The checks sqlkit adds to keep values within their declared
                    // types are part of the type, not constraints of the model.
                    !cname
                        .as_deref()
                        .is_some_and(|n| n.starts_with(crate::dialect::SQLITE_FITS_CHECK))
                });
                for (i, (cname, expr)) in checks.enumerate() {
                    let cname = cname.unwrap_or_else(|| format!("ck_{table}_check_{}", i + 1));
                    out.push(Constraint::Check(cname, expr));
                }
            }
        }
        Kind::Postgres => {
            let rows = conn.query_sql(
                "SELECT c.conname::text, c.contype::text, \
                 (SELECT json_agg(a.attname::text ORDER BY k.o) FROM unnest(c.conkey) \
                   WITH ORDINALITY k(n, o) JOIN pg_attribute a \
                   ON a.attrelid = c.conrelid AND a.attnum = k.n)::text, \
                 f.relname::text, \
                 (SELECT json_agg(a.attname::text ORDER BY k.o) FROM unnest(c.confkey) \
                   WITH ORDINALITY k(n, o) JOIN pg_attribute a \
                   ON a.attrelid = c.confrelid AND a.attnum = k.n)::text, \
                 c.confdeltype::text, c.confupdtype::text, pg_get_constraintdef(c.oid) \
                 FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
                 LEFT JOIN pg_class f ON f.oid = c.confrelid \
                 WHERE t.relname = $1 AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) \
                 ORDER BY c.conname",
                &name,
            )?;
            for r in &rows {
                let cname = text(r, 0)?;
                let cols = json_list(&opt_text(r, 2)?.unwrap_or_else(|| "[]".into()))?;
                match text(r, 1)?.as_str() {
                    "p" => out.push(Constraint::PrimaryKey(cols)),
                    "u" => out.push(Constraint::Unique(Some(cname), cols)),
                    "f" => out.push(Constraint::Foreign {
                        name: Some(cname),
                        columns: cols,
                        ref_table: opt_text(r, 3)?.unwrap_or_default(),
                        ref_columns: json_list(&opt_text(r, 4)?.unwrap_or_else(|| "[]".into()))?,
                        on_delete: action(&text(r, 5)?),
                        on_update: action(&text(r, 6)?),
                    }),
                    "c" => {
                        let def = text(r, 7)?;
                        let sql = def
                            .strip_prefix("CHECK (")
                            .and_then(|s| s.strip_suffix(')'))
                            .unwrap_or(&def)
                            .to_string();
                        out.push(Constraint::Check(cname, sql));
                    }
                    _ => {}
                }
            }
            // An index over expressions (`lower(email)`) is not one sqlkit models: it
            // is left out, and stays in the database as it is.
            let rows = conn.query_sql(
                "SELECT i.relname::text, ix.indisunique, \
                 (SELECT json_agg(a.attname::text ORDER BY k.o) FROM unnest(ix.indkey) \
                   WITH ORDINALITY k(n, o) JOIN pg_attribute a \
                   ON a.attrelid = ix.indrelid AND a.attnum = k.n)::text, \
                 pg_get_expr(ix.indpred, ix.indrelid) \
                 FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
                 JOIN pg_class t ON t.oid = ix.indrelid \
                 WHERE t.relname = $1 AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid \
                   AND c.conrelid = ix.indrelid) \
                 AND ix.indexprs IS NULL AND NOT (0 = ANY(ix.indkey::int2[])) \
                 ORDER BY 1",
                &name,
            )?;
            for r in &rows {
                let cols = json_list(&opt_text(r, 2)?.unwrap_or_else(|| "[]".into()))?;
                out.push(Constraint::Index(
                    text(r, 0)?,
                    cols,
                    r.get::<bool, _>(1)?,
                    opt_text(r, 3)?,
                ));
            }
            let exprs = conn.query_sql(
                "SELECT i.relname::text, pg_get_indexdef(ix.indexrelid) \
                 FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
                 JOIN pg_class t ON t.oid = ix.indrelid \
                 WHERE t.relname = $1 AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) \
                 AND (ix.indexprs IS NOT NULL OR 0 = ANY(ix.indkey::int2[])) ORDER BY 1",
                &name,
            )?;
            for r in &exprs {
                out.push(Constraint::Opaque(crate::schema::Opaque {
                    kind: crate::schema::OpaqueKind::Index,
                    name: text(r, 0)?,
                    sql: opt_text(r, 1)?,
                }));
            }
        }
        Kind::Mysql => {
            let rows = conn.query_sql(
                "SELECT CAST(tc.constraint_name AS CHAR), CAST(tc.constraint_type AS CHAR), \
                 CAST(k.column_name AS CHAR), CAST(k.referenced_table_name AS CHAR), \
                 CAST(k.referenced_column_name AS CHAR), CAST(rc.delete_rule AS CHAR), \
                 CAST(rc.update_rule AS CHAR) \
                 FROM information_schema.table_constraints tc \
                 JOIN information_schema.key_column_usage k \
                   ON k.constraint_schema = tc.constraint_schema \
                   AND k.constraint_name = tc.constraint_name AND k.table_name = tc.table_name \
                 LEFT JOIN information_schema.referential_constraints rc \
                   ON rc.constraint_schema = tc.constraint_schema \
                   AND rc.constraint_name = tc.constraint_name AND rc.table_name = tc.table_name \
                 WHERE tc.table_schema = DATABASE() AND tc.table_name = ? \
                 ORDER BY tc.constraint_name, k.ordinal_position",
                &name,
            )?;
            let mut seen: Vec<String> = Vec::new();
            for r in &rows {
                let (cname, ctype, col) = (text(r, 0)?, text(r, 1)?, text(r, 2)?);
                if seen.last() == Some(&cname) {
                    match out.last_mut() {
                        Some(
                            Constraint::PrimaryKey(cols)
                            | Constraint::Unique(_, cols)
                            | Constraint::Index(_, cols, _, _),
                        ) => cols.push(col),
                        Some(Constraint::Foreign {
                            columns,
                            ref_columns,
                            ..
                        }) => {
                            columns.push(col);
                            ref_columns.push(opt_text(r, 4)?.unwrap_or_default());
                        }
                        _ => {}
                    }
                    continue;
                }
                seen.push(cname.clone());
                match ctype.as_str() {
                    "PRIMARY KEY" => out.push(Constraint::PrimaryKey(vec![col])),
                    "UNIQUE" => out.push(Constraint::Unique(Some(cname), vec![col])),
                    "FOREIGN KEY" => out.push(Constraint::Foreign {
                        name: Some(cname),
                        columns: vec![col],
                        ref_table: opt_text(r, 3)?.unwrap_or_default(),
                        ref_columns: vec![opt_text(r, 4)?.unwrap_or_default()],
                        on_delete: action(&opt_text(r, 5)?.unwrap_or_default()),
                        on_update: action(&opt_text(r, 6)?.unwrap_or_default()),
                    }),
                    _ => {}
                }
            }
            let checks = conn.query_sql(
                "SELECT CAST(cc.constraint_name AS CHAR), CAST(cc.check_clause AS CHAR) \
                 FROM information_schema.check_constraints cc \
                 JOIN information_schema.table_constraints tc \
                   ON tc.constraint_schema = cc.constraint_schema \
                   AND tc.constraint_name = cc.constraint_name \
                 WHERE tc.table_schema = DATABASE() AND tc.table_name = ? \
                 AND tc.constraint_type = 'CHECK' ORDER BY 1",
                &name,
            )?;
            for r in &checks {
                out.push(Constraint::Check(text(r, 0)?, text(r, 1)?));
            }
            // Indexes that are not constraints: InnoDB's PRIMARY, every UNIQUE and the
            // index a foreign key made for itself (named after it) are left out.
            let rows = conn.query_sql(
                "SELECT CAST(index_name AS CHAR), non_unique, CAST(column_name AS CHAR) \
                 FROM information_schema.statistics \
                 WHERE table_schema = DATABASE() AND table_name = ? \
                 ORDER BY index_name, seq_in_index",
                &name,
            )?;
            let mut last: Option<String> = None;
            // MySQL's functional indexes have no column name: left out, as elsewhere.
            let functional: Vec<String> = rows
                .iter()
                .filter(|r| matches!(opt_text(r, 2), Ok(None)))
                .filter_map(|r| text(r, 0).ok())
                .collect();
            for r in &rows {
                let iname = text(r, 0)?;
                if seen.contains(&iname) || iname == "PRIMARY" || functional.contains(&iname) {
                    continue;
                }
                let col = text(r, 2)?;
                if last.as_ref() == Some(&iname) {
                    if let Some(Constraint::Index(_, cols, _, _)) = out.last_mut() {
                        cols.push(col);
                    }
                    continue;
                }
                last = Some(iname.clone());
                out.push(Constraint::Index(iname, vec![col], int(r, 1)? == 0, None));
            }
        }
    }
    Ok(out)
}

/// The predicate of a SQLite `CREATE INDEX .. WHERE ..` statement: the text after its
/// `WHERE` (outside parentheses and quotes).
fn index_predicate(sql: &str) -> Option<String> {
    let mut depth = 0i32;
    for (t, start, end) in tokens(sql) {
        match t {
            Tok::Open => depth += 1,
            Tok::Close => depth -= 1,
            Tok::Word if depth == 0 && sql.get(start..end)?.eq_ignore_ascii_case("where") => {
                let rest = sql.get(end..)?.trim().trim_end_matches(';').trim();
                return (!rest.is_empty()).then(|| rest.to_string());
            }
            _ => {}
        }
    }
    None
}

/// The CHECK constraints of a SQLite CREATE TABLE statement: `(name, expression)`, the
/// name when a `CONSTRAINT name` precedes the check (table or column level).
fn sqlite_checks(sql: &str) -> Vec<(Option<String>, String)> {
    let toks = tokens(sql);
    let word = |k: usize, w: &str| {
        toks.get(k).is_some_and(|(t, a, b)| {
            *t == Tok::Word && sql.get(*a..*b).is_some_and(|x| x.eq_ignore_ascii_case(w))
        })
    };
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut k = 0;
    while let Some((t, _, _)) = toks.get(k) {
        match t {
            Tok::Open => depth += 1,
            Tok::Close => depth = depth.saturating_sub(1),
            Tok::Word if depth == 1 && word(k, "check") => {
                if let Some((Tok::Open, _, start)) = toks.get(k + 1) {
                    // The expression runs to the parenthesis that closes this one.
                    let mut d = 0usize;
                    let mut j = k + 1;
                    let mut end = None;
                    while let Some((t, a, _)) = toks.get(j) {
                        match t {
                            Tok::Open => d += 1,
                            Tok::Close => {
                                d = d.saturating_sub(1);
                                if d == 0 {
                                    end = Some((*a, j));
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    if let Some((end, at)) = end {
                        let name = match (k.checked_sub(2), toks.get(k.wrapping_sub(1))) {
                            (Some(c), Some((n, a, b))) if word(c, "constraint") => match n {
                                Tok::Quoted(q) => Some(q.clone()),
                                Tok::Word => sql.get(*a..*b).map(str::to_string),
                                _ => None,
                            },
                            _ => None,
                        };
                        let expr = sql.get(*start..end).unwrap_or("").trim().to_string();
                        out.push((name, expr));
                        k = at + 1;
                        continue;
                    }
                }
            }
            _ => {}
        }
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sqlite_checks;

    #[test]
    fn sqlite_checks_are_read_from_the_table_text() {
        let sql = "CREATE TABLE \"t\" (a INTEGER CHECK (a > 0), \"b\" TEXT DEFAULT 'CHECK (x)', \
                   CONSTRAINT \"ck_t_b\" CHECK (b <> ')' AND length(b) < 5), \
                   CONSTRAINT plain CHECK((a))) ";
        assert_eq!(
            sqlite_checks(sql),
            [
                (None, "a > 0".to_string()),
                (
                    Some("ck_t_b".to_string()),
                    "b <> ')' AND length(b) < 5".to_string()
                ),
                (Some("plain".to_string()), "(a)".to_string()),
            ]
        );
    }
}
