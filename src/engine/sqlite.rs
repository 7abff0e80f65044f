//! The SQLite driver over `rusqlite` (bundled SQLite): connection setup, binding
//! [`Value`]s, decoding cells by declared type, classifying errors.

use super::de::{Cell, Cells, DeError};
use super::{DriverConn, DriverRow, ExecResult, RowSink};
use crate::compile::KeySource;
use crate::dialect::{Sqlite, Version};
use crate::error::{DatabaseError, DbErrorKind, Error, Result};
use crate::name::Name;
use crate::value::{text_format, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::OpenFlags;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Opens and prepares SQLite connections for the pool.
#[derive(Debug)]
pub(crate) struct Manager {
    path: String,
    flags: OpenFlags,
    file: bool,
    /// `sqlite://?cache=private`: the one connection, until the pool takes it.
    private: Option<std::sync::Mutex<Option<rusqlite::Connection>>>,
    /// How long a statement waits for another connection's lock (the busy timeout).
    lock_timeout: Duration,
}

static MEMORY_DBS: AtomicU64 = AtomicU64::new(0);

impl Manager {
    /// A manager for a file, or (with `None`) for a fresh named in-memory database
    /// that every connection of the pool shares.
    ///
    /// The shared in-memory database lives in SQLite's `memdb` VFS, not in a shared
    /// cache: a shared cache locks table by table and makes a blocked connection wait
    /// on an unlock notification with no time limit (two sessions in one thread waited
    /// for ever). `memdb` locks the database as a file is locked, so every wait is
    /// bounded by the busy timeout and ends with a typed `Busy` error.
    pub(crate) fn new(file: Option<&str>, lock_timeout: Duration) -> Self {
        match file {
            Some(p) => Manager {
                path: p.to_string(),
                flags: BASE_FLAGS,
                file: true,
                private: None,
                lock_timeout,
            },
            None => {
                let n = MEMORY_DBS.fetch_add(1, Ordering::Relaxed);
                Manager {
                    path: format!("file:/sqlkit-memory-{}-{n}?vfs=memdb", std::process::id()),
                    flags: BASE_FLAGS,
                    file: false,
                    private: None,
                    lock_timeout,
                }
            }
        }
    }

    /// A manager of one private in-memory database: its one connection, opened now,
    /// is handed to the pool once. Were the pool ever to drop it, the database is gone,
    /// and a new checkout fails saying so rather than opening an empty one.
    pub(crate) fn private(lock_timeout: Duration) -> Result<Self> {
        let m = Manager {
            path: ":memory:".into(),
            flags: BASE_FLAGS,
            file: false,
            private: None,
            lock_timeout,
        };
        let conn = m.open()?;
        Ok(Manager {
            private: Some(std::sync::Mutex::new(Some(conn))),
            ..m
        })
    }

    pub(crate) fn open(&self) -> Result<rusqlite::Connection> {
        if let Some(one) = &self.private {
            let mut slot = one.lock().unwrap_or_else(|p| p.into_inner());
            return slot.take().ok_or_else(|| Error::InvalidOption {
                option: "cache=private",
                reason: "the private in-memory database's one connection was closed, and its data with it"
                    .into(),
            });
        }
        let conn = rusqlite::Connection::open_with_flags(&self.path, self.flags)
            .map_err(|e| db_error(e, None))?;
        setup(&conn, self.lock_timeout).map_err(|e| db_error(e, None))?;
        if self.file {
            // Write-ahead logging: readers never wait for the writer, nor it for them.
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(|e| db_error(e, None))?;
        }
        Ok(conn)
    }
}

const BASE_FLAGS: OpenFlags = OpenFlags::SQLITE_OPEN_READ_WRITE
    .union(OpenFlags::SQLITE_OPEN_CREATE)
    .union(OpenFlags::SQLITE_OPEN_NO_MUTEX)
    .union(OpenFlags::SQLITE_OPEN_URI);

/// What every sqlkit SQLite connection gets: foreign keys enforced, LIKE
/// case-sensitive (as on PostgreSQL and MariaDB with binary collations), Unicode
/// `lower`/`upper`, `regexp` (the `REGEXP` operator), and a busy timeout (the engine's lock timeout) instead of immediate `SQLITE_BUSY`.
fn setup(conn: &rusqlite::Connection, lock_timeout: Duration) -> rusqlite::Result<()> {
    use rusqlite::config::DbConfig;
    use rusqlite::functions::FunctionFlags;
    conn.busy_timeout(lock_timeout)?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA case_sensitive_like = ON;")?;
    // "x" is an identifier, never a string literal that SQLite guesses at.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DML, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DDL, false)?;
    // One plan per statement whatever its bound values: with the bundled SQLite's
    // STAT4 statistics, a statement whose plan could depend on a value (`id <= ?`,
    // `LIMIT ?`) is otherwise prepared again on every execution, the most of a small
    // query's cost (the README's per-query figures).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    for (name, upper) in [("lower", false), ("upper", true)] {
        conn.create_scalar_function(name, 1, flags, move |ctx| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Text(t) => {
                    let s = String::from_utf8_lossy(t);
                    Some(if upper {
                        s.to_uppercase()
                    } else {
                        s.to_lowercase()
                    })
                }
                ValueRef::Null => None,
                other => Some(match other {
                    ValueRef::Integer(i) => i.to_string(),
                    ValueRef::Real(f) => f.to_string(),
                    _ => String::new(),
                }),
            })
        })?;
    }
    // CAST(x AS NUMERIC(p, s)): rounded half away from zero at `s` places, an error
    // past `p` digits, as PostgreSQL and MySQL cast.
    conn.create_scalar_function("sqlkit_numeric", 3, flags, |ctx| {
        let d = match ctx.get_raw(0) {
            ValueRef::Null => return Ok(None),
            ValueRef::Integer(i) => rust_decimal::Decimal::from(i),
            ValueRef::Real(f) => text_format::decimal_from_f64(f).ok_or_else(|| {
                rusqlite::Error::UserFunctionError("numeric value out of range".into())
            })?,
            ValueRef::Text(t) => text_format::parse_decimal(&String::from_utf8_lossy(t))
                .ok_or_else(|| {
                    rusqlite::Error::UserFunctionError("invalid input for a NUMERIC cast".into())
                })?,
            ValueRef::Blob(_) => {
                return Err(rusqlite::Error::UserFunctionError(
                    "a blob cannot be cast to NUMERIC".into(),
                ))
            }
        };
        let precision: u32 = ctx.get(1)?;
        let scale: u32 = ctx.get(2)?;
        let r = d.round_dp_with_strategy(
            scale.min(28),
            rust_decimal::RoundingStrategy::MidpointAwayFromZero,
        );
        let int_digits = r.trunc().abs().to_string().trim_start_matches('0').len() as u32;
        if int_digits + scale > precision {
            return Err(rusqlite::Error::UserFunctionError(
                format!("numeric field overflow: {r} does not fit NUMERIC({precision}, {scale})")
                    .into(),
            ));
        }
        Ok(Some(match (r.fract().is_zero(), i64::try_from(r)) {
            (true, Ok(i)) => rusqlite::types::Value::Integer(i),
            _ => rusqlite::types::Value::Real(text_format::exact_f64(&r).unwrap_or_else(|| {
                use rust_decimal::prelude::ToPrimitive;
                r.to_f64().unwrap_or(f64::NAN)
            })),
        }))
    })?;
    // CAST(x AS INTEGER): a fraction rounded to the nearest integer, ties to even as
    // PostgreSQL and MariaDB cast a double, or with `away` (the value was a decimal)
    // away from zero as they cast NUMERIC (SQLite's own CAST truncates); text that is
    // not a number and values past the 64-bit range are errors, not 0 or a clamp.
    conn.create_scalar_function("sqlkit_integer", 2, flags, |ctx| {
        let bad = |what: String| rusqlite::Error::UserFunctionError(what.into());
        let f = match ctx.get_raw(0) {
            ValueRef::Null => return Ok(None),
            ValueRef::Integer(i) => return Ok(Some(i)),
            ValueRef::Real(f) => f,
            ValueRef::Text(t) => {
                let s = String::from_utf8_lossy(t);
                let s = s.trim();
                if let Ok(i) = s.parse::<i64>() {
                    return Ok(Some(i));
                }
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .ok_or_else(|| bad(format!("invalid input for an INTEGER cast: {s:?}")))?
            }
            ValueRef::Blob(_) => return Err(bad("a blob cannot be cast to INTEGER".into())),
        };
        let away: bool = ctx.get(1)?;
        let r = if away {
            // A decimal held in a double means its first 15 significant digits (a
            // sum such as 2.5 + 2.0 may land on 4.499999999999999): rounded to those
            // first, then half away from zero.
            format!("{f:.14e}").parse::<f64>().unwrap_or(f).round()
        } else {
            f.round_ties_even()
        };
        crate::value::exact_i64(r)
            .map(Some)
            .ok_or_else(|| bad(format!("{f} is out of range for a 64-bit integer")))
    })?;
    // `x REGEXP p` calls regexp(p, x); the compiled pattern is kept per statement.
    conn.create_scalar_function("regexp", 2, flags, |ctx| {
        let re = ctx.get_or_create_aux(0, |v| match v {
            ValueRef::Text(p) => regex_lite::Regex::new(&String::from_utf8_lossy(p)).map(Some),
            _ => Ok(None),
        })?;
        Ok(match (&*re, ctx.get_raw(1)) {
            (Some(re), ValueRef::Text(t)) => Some(re.is_match(&String::from_utf8_lossy(t))),
            _ => None,
        })
    })?;
    Ok(())
}

impl r2d2::ManageConnection for Manager {
    type Connection = rusqlite::Connection;
    type Error = Error;
    fn connect(&self) -> Result<rusqlite::Connection> {
        self.open()
    }
    fn is_valid(&self, conn: &mut rusqlite::Connection) -> Result<()> {
        conn.execute_batch("").map_err(|e| db_error(e, None))
    }
    fn has_broken(&self, _: &mut rusqlite::Connection) -> bool {
        false
    }
}

/// The dialect at the linked SQLite library's version.
pub(crate) fn dialect() -> Sqlite {
    let n = rusqlite::version_number() as u32;
    Sqlite {
        version: Version::new(n / 1_000_000, n / 1000 % 1000, n % 1000),
    }
}

struct Param<'a>(&'a Value);

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        use rusqlite::types::Value as V;
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*b))),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            // SQLite stores NaN as NULL: refused, not lost.
            Value::Float(f) if f.is_nan() => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "SQLite cannot store NaN (it would become NULL)".into(),
                ))
            }
            Value::Float(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            // Numbers (NUMERIC affinity), only where they read back exactly.
            // A whole decimal with no places is an integer; `3.0` and `0.0` are REAL,
            // so `CAST(.. AS TEXT)` keeps their place and dividing them is true
            // division.
            Value::Decimal(d) => match (d.scale() == 0, i64::try_from(*d)) {
                (true, Ok(i)) => ToSqlOutput::Owned(V::Integer(i)),
                _ => match text_format::exact_f64(d) {
                    Some(f) => ToSqlOutput::Owned(V::Real(f)),
                    None => {
                        return Err(rusqlite::Error::ToSqlConversionFailure(Box::new(
                            crate::dialect::sqlite_inexact_decimal(d),
                        )))
                    }
                },
            },
            Value::Date(d) => ToSqlOutput::Owned(V::Text(d.format(text_format::DATE).to_string())),
            Value::Time(t) => ToSqlOutput::Owned(V::Text(t.format(text_format::TIME).to_string())),
            Value::DateTime(t) => {
                ToSqlOutput::Owned(V::Text(t.format(text_format::DATETIME).to_string()))
            }
            Value::Timestamp(t) => {
                ToSqlOutput::Owned(V::Text(t.format(text_format::TIMESTAMP).to_string()))
            }
            Value::Json(j) => ToSqlOutput::Owned(V::Text(j.to_string())),
            Value::Uuid(u) => ToSqlOutput::Owned(V::Text(u.hyphenated().to_string())),
            Value::Array(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "SQLite has no arrays (only PostgreSQL binds an array)".into(),
                ))
            }
        })
    }
}

/// How a result column is decoded, from its declared type.
#[derive(Clone, Copy)]
enum Hint {
    Plain,
    Bool,
    /// With the declared scale, when there is one.
    Decimal(Option<u32>),
    Date,
    Time,
    DateTime,
    Timestamp,
    Json,
    Uuid,
}

fn hint(decl: Option<&str>) -> Hint {
    let Some(d) = decl else { return Hint::Plain };
    // No allocation: this runs for every column of every query.
    let (name, args) = d.split_once('(').unwrap_or((d, ""));
    let name = name.trim();
    let is = |t: &str| name.eq_ignore_ascii_case(t);
    if is("BOOLEAN") || is("BOOL") {
        Hint::Bool
    } else if is("NUMERIC") || is("DECIMAL") || is("DECIMAL_TEXT") {
        // sqlkit's NUMERIC(p, s), also tables made by older sqlkit (DECIMAL_TEXT).
        Hint::Decimal(
            args.trim_end_matches(')')
                .split(',')
                .nth(1)
                .and_then(|s| s.trim().parse().ok()),
        )
    } else if is("DATE") {
        Hint::Date
    } else if is("TIME") {
        Hint::Time
    } else if is("DATETIME") {
        Hint::DateTime
    } else if is("TIMESTAMP") {
        Hint::Timestamp
    } else if is("JSON") {
        Hint::Json
    } else if is("UUID") {
        Hint::Uuid
    } else {
        Hint::Plain
    }
}

/// `d` shown at the column's scale (`10` in a NUMERIC(4, 1) column reads `10.0`, as
/// on PostgreSQL and MySQL); never fewer digits than it has.
fn with_scale(mut d: rust_decimal::Decimal, scale: Option<u32>) -> rust_decimal::Decimal {
    if let Some(s) = scale {
        if d.scale() < s && s <= 28 {
            d.rescale(s);
        }
    }
    d
}

/// A cell as a value by its declared type. Text that is not valid UTF-8 (SQLite does
/// not check what it stores) comes back as bytes: reading it as a `String` is then a
/// typed error, never text with U+FFFD in place of what was stored.
fn decode(v: ValueRef<'_>, h: Hint) -> Value {
    match (v, h) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), Hint::Bool) => Value::Bool(i != 0),
        (ValueRef::Integer(i), Hint::Json) => Value::Json(i.into()),
        (ValueRef::Real(f), Hint::Json) => {
            Value::Json(serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into))
        }
        (ValueRef::Integer(i), Hint::Decimal(scale)) => Value::Decimal(with_scale(i.into(), scale)),
        (ValueRef::Real(f), Hint::Decimal(scale)) => match text_format::decimal_from_f64(f) {
            Some(d) => Value::Decimal(with_scale(d, scale)),
            None => Value::Float(f),
        },
        (ValueRef::Integer(i), _) => Value::Int(i),
        (ValueRef::Real(f), _) => Value::Float(f),
        (ValueRef::Blob(b), _) => Value::Bytes(b.into()),
        (ValueRef::Text(t), h) => {
            let Ok(s) = std::str::from_utf8(t) else {
                return Value::Bytes(t.into());
            };
            let parsed = match h {
                Hint::Plain | Hint::Bool => None,
                Hint::Decimal(_) => text_format::parse_decimal(s).map(Value::Decimal),
                Hint::Date => text_format::parse_date(s).map(Value::Date),
                Hint::Time => text_format::parse_time(s).map(Value::Time),
                Hint::DateTime => text_format::parse_datetime(s).map(Value::DateTime),
                Hint::Timestamp => text_format::parse_timestamp(s).map(Value::Timestamp),
                Hint::Json => serde_json::from_str(s).ok().map(Value::Json),
                Hint::Uuid => uuid::Uuid::parse_str(s).ok().map(Value::Uuid),
            };
            parsed.unwrap_or_else(|| Value::Text(s.into()))
        }
    }
}

/// Classifies a rusqlite error by SQLite's extended result code.
pub(crate) fn db_error(e: rusqlite::Error, sql: Option<&str>) -> Error {
    if let rusqlite::Error::ToSqlConversionFailure(reason) = &e {
        return Error::Encode {
            field: "parameter".into(),
            reason: reason.to_string().into(),
        };
    }
    let failure = match &e {
        rusqlite::Error::SqliteFailure(f, msg) => Some((f, msg.clone())),
        rusqlite::Error::SqlInputError { error, msg, .. } => Some((error, Some(msg.clone()))),
        _ => None,
    };
    let (kind, code, message) = match failure {
        Some((f, msg)) => {
            let kind = match f.extended_code {
                2067 | 1555 => DbErrorKind::UniqueViolation,
                787 => DbErrorKind::ForeignKeyViolation,
                1299 => DbErrorKind::NotNullViolation,
                275 => DbErrorKind::CheckViolation,
                c if c & 0xff == 5 || c & 0xff == 6 => DbErrorKind::Busy,
                c if c & 0xff == 1 => DbErrorKind::Syntax,
                _ => DbErrorKind::Other,
            };
            (
                kind,
                Some(f.extended_code.to_string()),
                msg.unwrap_or_else(|| f.to_string()),
            )
        }
        None => (DbErrorKind::Other, None, e.to_string()),
    };
    Error::Database(Box::new(DatabaseError {
        kind,
        code,
        message,
        sql: sql.map(str::to_string),
    }))
}

impl DriverConn for rusqlite::Connection {
    fn run_execute(&mut self, sql: &str, params: &[Value], key: KeySource) -> Result<ExecResult> {
        execute(self, sql, params, key)
    }
    fn run_query<S: RowSink>(&mut self, sql: &str, params: &[Value], sink: &mut S) -> Result<()> {
        query(self, sql, params, sink)
    }
    fn run_batch(&mut self, sql: &str) -> Result<()> {
        self.execute_batch(sql).map_err(|e| db_error(e, Some(sql)))
    }
    fn in_transaction(&mut self) -> bool {
        !self.is_autocommit()
    }
    /// `BEGIN IMMEDIATE`: the write lock is taken at BEGIN, where waiting for it (the
    /// busy timeout) is safe. A deferred transaction that reads and then writes has to
    /// upgrade its lock, which SQLite refuses at once with SQLITE_BUSY when another
    /// connection wrote in between.
    fn begin_sql(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }
    fn run_many(
        &mut self,
        sql: &str,
        params: &mut Vec<Value>,
        next: &mut dyn FnMut(&mut Vec<Value>) -> Result<bool>,
    ) -> Result<u64> {
        let mut st = self
            .prepare_cached(sql)
            .map_err(|e| db_error(e, Some(sql)))?;
        let returns_rows = st.column_count() > 0;
        let mut total = 0u64;
        params.clear();
        while next(params)? {
            if params.len() != st.parameter_count() {
                return Err(Error::Parameter(
                    format!(
                        "{} values for {} placeholders",
                        params.len(),
                        st.parameter_count()
                    )
                    .into(),
                ));
            }
            for (i, v) in params.iter().enumerate() {
                st.raw_bind_parameter(i + 1, Param(v))
                    .map_err(|e| db_error(e, Some(sql)))?;
            }
            if returns_rows {
                let mut rows = st.raw_query();
                while rows.next().map_err(|e| db_error(e, Some(sql)))?.is_some() {
                    total += 1;
                }
            } else {
                total += st.raw_execute().map_err(|e| db_error(e, Some(sql)))? as u64;
            }
            params.clear();
        }
        Ok(total)
    }
}

fn execute(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
    key: KeySource,
) -> Result<ExecResult> {
    let mut st = conn
        .prepare_cached(sql)
        .map_err(|e| db_error(e, Some(sql)))?;
    let bind = rusqlite::params_from_iter(params.iter().map(Param));
    let n = if st.column_count() > 0 {
        // A statement that yields rows (a SELECT, or DML with RETURNING): step through
        // them; each returned row is one row affected.
        let mut rows = st.query(bind).map_err(|e| db_error(e, Some(sql)))?;
        let mut n = 0;
        while rows.next().map_err(|e| db_error(e, Some(sql)))?.is_some() {
            n += 1;
        }
        n
    } else {
        st.execute(bind).map_err(|e| db_error(e, Some(sql)))?
    };
    // SQLite's last_insert_rowid() is the last row's key, also with RETURNING.
    let has_key = !matches!(key, KeySource::None);
    Ok(ExecResult {
        rows_affected: n as u64,
        last_insert_id: (has_key && n > 0).then(|| conn.last_insert_rowid()),
    })
}

/// A row of a SQLite result read in place, with the result set's names and hints.
pub(crate) struct SqliteCells<'a, 'r> {
    row: &'a rusqlite::Row<'r>,
    names: &'a Arc<[Name]>,
    hints: &'a [Hint],
}

impl DriverRow for SqliteCells<'_, '_> {
    fn names(&self) -> &Arc<[Name]> {
        self.names
    }
    fn value(&self, i: usize) -> std::result::Result<Value, String> {
        let hint = self.hints.get(i).copied().unwrap_or(Hint::Plain);
        self.row
            .get_ref(i)
            .map(|v| decode(v, hint))
            .map_err(|e| e.to_string())
    }
}

impl Cells for SqliteCells<'_, '_> {
    fn len(&self) -> usize {
        self.hints.len()
    }
    fn name(&self, i: usize) -> &str {
        self.names.get(i).map_or("", |n| n)
    }
    #[inline]
    fn cell(&self, i: usize) -> std::result::Result<Cell<'_>, DeError> {
        let v = match self.row.get_ref(i) {
            Ok(v) => v,
            Err(e) => return Err(cell_error(e)),
        };
        let hint = self.hints.get(i).copied().unwrap_or(Hint::Plain);
        Ok(match (v, hint) {
            (ValueRef::Null, _) => Cell::Null,
            (ValueRef::Integer(n), Hint::Plain) => Cell::Int(n),
            (ValueRef::Real(f), Hint::Plain) => Cell::Float(f),
            (ValueRef::Text(t), Hint::Plain) => match std::str::from_utf8(t) {
                Ok(s) => Cell::Text(s),
                Err(_) => rich_cell(v, hint),
            },
            (ValueRef::Blob(b), _) => Cell::Bytes(b),
            (v, h) => rich_cell(v, h),
        })
    }
}

#[cold]
fn cell_error(e: rusqlite::Error) -> DeError {
    DeError(e.to_string())
}

/// A cell decoded by its declared type (kept out of the plain path, so that stays small).
#[inline(never)]
fn rich_cell(v: ValueRef<'_>, h: Hint) -> Cell<'static> {
    Cell::Owned(decode(v, h))
}

/// Runs a query and calls `each` with every row, read in place, until it returns
/// `false`. Names and decoding hints are worked out once per result set.
/// The result's column names, shared by the queries of one SQL text on this thread
/// (checked against the statement's own names on every use, so a table re-created
/// with other columns is never read under old names).
fn column_names(sql: &str, st: &rusqlite::Statement<'_>) -> Arc<[Name]> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static NAMES: RefCell<HashMap<Box<str>, Arc<[Name]>>> = RefCell::new(HashMap::new());
    }
    let fresh = || -> Arc<[Name]> {
        st.column_names()
            .map(|n| Name::from(n.to_string()))
            .collect()
    };
    NAMES.with(|cache| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return fresh();
        };
        if let Some(names) = cache.get(sql) {
            let same = names.len() == st.column_count()
                && names
                    .iter()
                    .zip(st.column_names())
                    .all(|(a, b)| a.as_str() == b);
            if same {
                return names.clone();
            }
        }
        let names = fresh();
        if cache.len() >= 256 {
            cache.clear();
        }
        cache.insert(Box::from(sql), names.clone());
        names
    })
}

fn query<S: RowSink>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
    sink: &mut S,
) -> Result<()> {
    let mut st = conn
        .prepare_cached(sql)
        .map_err(|e| db_error(e, Some(sql)))?;
    let mut rows = st
        .query(rusqlite::params_from_iter(params.iter().map(Param)))
        .map_err(|e| db_error(e, Some(sql)))?;
    // Names and declared types are read after the first step: a cached statement whose
    // tables were re-created since is prepared again by that step, and its columns'
    // declared types (the decoding hints) are only then the new ones.
    let mut layout: Option<(Arc<[Name]>, Vec<Hint>)> = None;
    while let Some(r) = rows.next().map_err(|e| db_error(e, Some(sql)))? {
        let (names, hints) = layout.get_or_insert_with(|| {
            let st = r.as_ref();
            (
                column_names(sql, st),
                st.columns().map(|c| hint(c.decl_type())).collect(),
            )
        });
        let cells = SqliteCells {
            row: r,
            names,
            hints,
        };
        if !sink.row(&cells)? {
            break;
        }
    }
    Ok(())
}
