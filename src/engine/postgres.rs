//! The PostgreSQL driver over the sync `postgres` crate: connection setup, prepared
//! statements cached per connection by SQL text, values sent in the type the server
//! inferred for each parameter, cells decoded by column type, errors classified by
//! SQLSTATE.

use super::de::{Cell, Cells, DeError};
use super::{connect_error, DriverConn, DriverRow, ExecResult, RowSink};
use crate::compile::KeySource;
use crate::dialect::{Dialect, Postgres, Version};
use crate::error::{DatabaseError, DbErrorKind, Error, Result};
use crate::name::Name;
use crate::url::{ServerUrl, TlsMode};
use crate::value::{text_format, Value};
use bytes::{BufMut, BytesMut};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{FromSql, IsNull, ToSql, Type};
use postgres::{Client, NoTls, Statement};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// Prepared statements kept per connection; past this many the cache starts over.
const STATEMENT_CACHE: usize = 256;

/// Opens PostgreSQL connections for the pool.
pub(crate) struct Manager {
    config: postgres::Config,
    /// `host:port`, for connection errors.
    address: String,
    #[cfg(feature = "postgres-tls")]
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
    /// `prepared_statements=false`: no named statements (see [`PgConn::unnamed`]).
    unnamed: bool,
    /// The engine's lock timeout, set on each session.
    lock_timeout: Duration,
}

impl Manager {
    pub(crate) fn new(url: &ServerUrl, lock_timeout: Duration) -> Result<Self> {
        #[cfg(not(feature = "postgres-tls"))]
        if matches!(url.tls, TlsMode::Require | TlsMode::Verify) {
            return Err(Error::MissingFeature {
                scheme: "postgresql (sslmode=require)".into(),
                feature: "postgres-tls",
            });
        }
        let mut c = postgres::Config::new();
        c.host(&url.host)
            .port(url.port.unwrap_or(5432))
            .user(if url.user.is_empty() {
                "postgres"
            } else {
                &url.user
            })
            .dbname(&url.database)
            .ssl_mode(match url.tls {
                TlsMode::Disable => postgres::config::SslMode::Disable,
                TlsMode::Prefer => postgres::config::SslMode::Prefer,
                TlsMode::Require | TlsMode::Verify => postgres::config::SslMode::Require,
            })
            .connect_timeout(url.connect_timeout.unwrap_or(Duration::from_secs(10)))
            .application_name(url.application_name.as_deref().unwrap_or("sqlkit"));
        if let Some(p) = &url.password {
            c.password(p.expose());
        }
        // Sessions run in UTC, so text renderings of instants agree across databases.
        // A pooler such as pgbouncer refuses the `options` startup parameter: there
        // the session is set to UTC after connecting (pgbouncer carries TimeZone over
        // to whichever server connection serves the next transaction).
        // A lock wait (a row another transaction holds) ends with a typed error
        // (`Busy`, SQLSTATE 55P03) after the engine's lock timeout, never hangs.
        let unnamed = !url.prepared_statements;
        let lock = format!("-c lock_timeout={}", lock_timeout.as_millis().max(1));
        let options = match (&url.options, unnamed) {
            (Some(o), false) => Some(format!("-c TimeZone=UTC {lock} {o}")),
            (None, false) => Some(format!("-c TimeZone=UTC {lock}")),
            (Some(o), true) => Some(o.clone()),
            (None, true) => None,
        };
        if let Some(o) = &options {
            c.options(o);
        }
        Ok(Manager {
            config: c,
            address: format!("{}:{}", url.host, url.port.unwrap_or(5432)),
            #[cfg(feature = "postgres-tls")]
            tls: super::tls::client_config(url.tls, url.tls_root_cert.as_deref())?
                .map(tokio_postgres_rustls::MakeRustlsConnect::new),
            unnamed,
            lock_timeout,
        })
    }
}

/// A prepared statement in a connection's cache.
struct Cached {
    st: Statement,
    /// The parameters whose types were taken from the values of the call that
    /// prepared it (the server inferred none, or text for a non-text value).
    typed_by_values: Vec<usize>,
}

/// A pooled PostgreSQL connection and its prepared statements.
pub(crate) struct PgConn {
    client: Client,
    statements: HashMap<Box<str>, Cached>,
    in_transaction: bool,
    // Whether the statement of the call under way came from the cache.
    from_cache: bool,
    broken: bool,
    /// No named prepared statements: each statement is parsed, bound and run in one
    /// message as the unnamed statement (`prepared_statements=false`), its values sent
    /// with their own types, or as untyped text that the server types from where
    /// they stand (text, JSON, NULL).
    unnamed: bool,
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = Error;
    fn connect(&self) -> Result<PgConn> {
        #[cfg(feature = "postgres-tls")]
        let client = match &self.tls {
            Some(tls) => self.config.connect(tls.clone()),
            None => self.config.connect(NoTls),
        };
        #[cfg(not(feature = "postgres-tls"))]
        let client = self.config.connect(NoTls);
        let mut client = client.map_err(|e| connect_error(pg_error(e, None), &self.address))?;
        if self.unnamed {
            let set = format!(
                "SET TimeZone = 'UTC'; SET lock_timeout = {}",
                self.lock_timeout.as_millis().max(1)
            );
            client
                .batch_execute(&set)
                .map_err(|e| pg_error(e, Some(&set)))?;
        }
        Ok(PgConn {
            client,
            statements: HashMap::new(),
            in_transaction: false,
            from_cache: false,
            broken: false,
            unnamed: self.unnamed,
        })
    }
    fn is_valid(&self, conn: &mut PgConn) -> Result<()> {
        conn.client
            .is_valid(Duration::from_secs(5))
            .map_err(|e| pg_error(e, None))
    }
    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.broken || conn.client.is_closed()
    }
}

/// The dialect at the server's version (`server_version_num`, e.g. 150018 = 15.18).
pub(crate) fn dialect(conn: &mut PgConn) -> Result<Arc<dyn Dialect>> {
    let sql = "SELECT current_setting('server_version_num')::int";
    let row = conn
        .client
        .query_one(sql, &[])
        .map_err(|e| pg_error(e, Some(sql)))?;
    let n: i32 = row.get(0);
    let n = n.max(0) as u32;
    let version = if n >= 100_000 {
        Version::new(n / 10_000, n % 10_000, 0)
    } else {
        Version::new(n / 10_000, n / 100 % 100, n % 100)
    };
    Ok(Arc::new(Postgres { version }))
}

/// Classifies a `postgres` error by SQLSTATE, or as a lost connection.
fn pg_error(e: postgres::Error, sql: Option<&str>) -> Error {
    let display = e.to_string();
    if display.starts_with("error serializing parameter") {
        let reason = std::error::Error::source(&e).map_or(display.clone(), |s| s.to_string());
        let field = display.rsplit(' ').next().unwrap_or("?");
        return Error::Encode {
            field: format!("parameter {}", field.parse::<usize>().map_or(0, |i| i + 1)).into(),
            reason: reason.into(),
        };
    }
    let (kind, code, message) = match e.as_db_error() {
        Some(db) => {
            let code = db.code().code();
            let kind = match code {
                "23505" => DbErrorKind::UniqueViolation,
                "23503" => DbErrorKind::ForeignKeyViolation,
                "23502" => DbErrorKind::NotNullViolation,
                "23514" => DbErrorKind::CheckViolation,
                "25P02" => DbErrorKind::TransactionAborted,
                "28P01" | "28000" => DbErrorKind::Authentication,
                "40P01" => DbErrorKind::Deadlock,
                "40001" => DbErrorKind::SerializationFailure,
                "55P03" => DbErrorKind::Busy,
                c if c.starts_with("08") || c.starts_with("57P") => DbErrorKind::ConnectionLost,
                c if c.starts_with("42") => DbErrorKind::Syntax,
                _ => DbErrorKind::Other,
            };
            (kind, Some(code.to_string()), db.message().to_string())
        }
        None => {
            let lost = e.is_closed()
                || display.starts_with("error communicating")
                || display.starts_with("error connecting")
                || display.starts_with("timeout");
            let message = match std::error::Error::source(&e) {
                Some(s) => format!("{display}: {s}"),
                None => display,
            };
            let kind = if lost {
                DbErrorKind::ConnectionLost
            } else {
                DbErrorKind::Other
            };
            (kind, None, message)
        }
    };
    Error::Database(Box::new(DatabaseError {
        kind,
        code,
        message,
        sql: sql.map(str::to_string),
    }))
}

/// The type a value is sent as where the server could not infer one.
fn natural_type(v: &Value) -> Type {
    match v {
        Value::Null | Value::Text(_) => Type::TEXT,
        Value::Bool(_) => Type::BOOL,
        Value::Int(_) => Type::INT8,
        Value::Float(_) => Type::FLOAT8,
        Value::Decimal(_) => Type::NUMERIC,
        Value::Bytes(_) => Type::BYTEA,
        Value::Date(_) => Type::DATE,
        Value::Time(_) => Type::TIME,
        Value::DateTime(_) => Type::TIMESTAMP,
        Value::Timestamp(_) => Type::TIMESTAMPTZ,
        Value::Json(_) => Type::JSONB,
        Value::Uuid(_) => Type::UUID,
        Value::Array(items) => array_of(
            &items
                .iter()
                .find(|v| !v.is_null())
                .map_or(Type::TEXT, natural_type),
        ),
    }
}

/// The array type whose elements are `t` (text for an element type without one here).
fn array_of(t: &Type) -> Type {
    match *t {
        Type::BOOL => Type::BOOL_ARRAY,
        Type::INT2 => Type::INT2_ARRAY,
        Type::INT4 => Type::INT4_ARRAY,
        Type::INT8 => Type::INT8_ARRAY,
        Type::FLOAT8 => Type::FLOAT8_ARRAY,
        Type::NUMERIC => Type::NUMERIC_ARRAY,
        Type::BYTEA => Type::BYTEA_ARRAY,
        Type::DATE => Type::DATE_ARRAY,
        Type::TIME => Type::TIME_ARRAY,
        Type::TIMESTAMP => Type::TIMESTAMP_ARRAY,
        Type::TIMESTAMPTZ => Type::TIMESTAMPTZ_ARRAY,
        Type::JSONB => Type::JSONB_ARRAY,
        Type::UUID => Type::UUID_ARRAY,
        _ => Type::TEXT_ARRAY,
    }
}

/// Whether the server's type for a parameter is a guess that the value contradicts:
/// text (or JSON, PostgreSQL's pick for an unknown operand of `-`) inferred for a value
/// of another type. Bytes never become text, and NULL fits anything.
fn guessed(t: &Type, v: &Value) -> bool {
    match v {
        Value::Null | Value::Bytes(_) | Value::Text(_) => false,
        Value::Json(_) => is_text_type(t),
        _ => is_text_type(t) || matches!(*t, Type::JSON | Type::JSONB),
    }
}

fn is_text_type(t: &Type) -> bool {
    matches!(
        *t,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    )
}

impl PgConn {
    fn fail(&mut self, e: postgres::Error, sql: &str) -> Error {
        let e = pg_error(e, Some(sql));
        if e.db_kind() == Some(DbErrorKind::ConnectionLost) {
            self.broken = true;
        }
        e
    }

    /// Prepares `sql` (with `types` for its parameters, or as the server infers them).
    /// Inside a transaction a failed prepare would abort it, though a retry with the
    /// values' types may work, so there it runs in a savepoint of its own.
    fn guarded_prepare(
        &mut self,
        sql: &str,
        types: Option<&[Type]>,
    ) -> Result<Statement, postgres::Error> {
        let prepare = |c: &mut Client| match types {
            Some(t) => c.prepare_typed(sql, t),
            None => c.prepare(sql),
        };
        if !self.in_transaction {
            return prepare(&mut self.client);
        }
        self.client.batch_execute("SAVEPOINT sqlkit_prepare")?;
        let r = prepare(&mut self.client);
        let end = if r.is_ok() {
            "RELEASE SAVEPOINT sqlkit_prepare"
        } else {
            "ROLLBACK TO SAVEPOINT sqlkit_prepare; RELEASE SAVEPOINT sqlkit_prepare"
        };
        self.client.batch_execute(end)?;
        r
    }

    /// The prepared statement for `sql`, from the cache or prepared now. Where the
    /// server inferred text for a parameter that holds a number, date, ... (a bare
    /// `SELECT $1`), or could infer nothing, the statement is prepared again with the
    /// values' own types.
    fn statement(&mut self, sql: &str, params: &[Value]) -> Result<Statement> {
        if let Some(c) = self.statements.get(sql) {
            // A statement typed by the values of an earlier call serves this one only
            // if its values have the same types (else `SELECT $1` would turn a later
            // integer into text).
            // Nor does one whose server-inferred text parameter now gets a number.
            let same = !c.st.params().iter().zip(params).any(|(t, v)| guessed(t, v))
                && c.typed_by_values.iter().all(|&i| match params.get(i) {
                    Some(v) if !v.is_null() => {
                        c.st.params()
                            .get(i)
                            .is_some_and(|t| *t == natural_type(v) || *t == loose_type(v))
                    }
                    _ => true,
                });
            if same {
                self.from_cache = true;
                return Ok(c.st.clone());
            }
        }
        let mut typed_by_values = Vec::new();
        // Without parameters no retry can follow a failure: no savepoint is needed.
        let st = match if params.is_empty() {
            self.client.prepare(sql)
        } else {
            self.guarded_prepare(sql, None)
        } {
            Ok(st) => {
                let retype = st.params().iter().zip(params).any(|(t, v)| guessed(t, v));
                if retype {
                    let types: Vec<Type> = st
                        .params()
                        .iter()
                        .zip(params)
                        .enumerate()
                        .map(|(i, (t, v))| {
                            if guessed(t, v) {
                                typed_by_values.push(i);
                                natural_type(v)
                            } else {
                                t.clone()
                            }
                        })
                        .collect();
                    match self.guarded_prepare(sql, Some(&types)) {
                        Ok(st) => st,
                        Err(_) => {
                            typed_by_values.clear();
                            st
                        }
                    }
                } else {
                    st
                }
            }
            // The server could not type a parameter (42P18), or typed one as text
            // where the value is a number and then found no operator or function for
            // it (`coalesce($1, $2) - x`: 42883, 42804, 42725), or deduced two types
            // for one (`$1 IN (bigint_col, 0)`: 42P08): prepare with the values' types.
            Err(e)
                if matches!(
                    e.code().map(|c| c.code()),
                    Some("42P18" | "42P08" | "42883" | "42804" | "42725")
                ) && (e.code().map(|c| c.code()) == Some("42P18")
                    || params
                        .iter()
                        .any(|v| !matches!(v, Value::Text(_) | Value::Null))) =>
            {
                // First as loosely as each value allows (text and NULL still typed by
                // where they stand, an integer that fits as `integer`, which widens
                // wherever more is wanted), so one untypable placeholder does not
                // change how the others are read; then each as its value's type.
                let loose: Vec<Type> = params.iter().map(loose_type).collect();
                match self.guarded_prepare(sql, Some(&loose)) {
                    Ok(st) => {
                        // Text and NULL were typed by the server, not by their values.
                        typed_by_values = (0..params.len())
                            .filter(|&i| loose.get(i).is_some_and(|t| t.oid() != 0))
                            .collect();
                        st
                    }
                    Err(_) => {
                        typed_by_values = (0..params.len()).collect();
                        let types: Vec<Type> = params.iter().map(natural_type).collect();
                        self.guarded_prepare(sql, Some(&types))
                            .map_err(|e| self.fail(e, sql))?
                    }
                }
            }
            Err(e) => return Err(self.fail(e, sql)),
        };
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements.insert(
            sql.into(),
            Cached {
                st: st.clone(),
                typed_by_values,
            },
        );
        Ok(st)
    }
}

impl DriverConn for PgConn {
    fn run_execute(&mut self, sql: &str, params: &[Value], key: KeySource) -> Result<ExecResult> {
        match self.execute_once(sql, params, key) {
            Err(e) if self.stale(&e, sql) => self.execute_once(sql, params, key),
            r => r,
        }
    }

    fn run_query<S: RowSink>(&mut self, sql: &str, params: &[Value], sink: &mut S) -> Result<()> {
        // Nothing has reached the sink when a stale plan is refused: it fails at once.
        match self.query_once(sql, params, sink) {
            Err(e) if self.stale(&e, sql) => self.query_once(sql, params, sink),
            r => r,
        }
    }

    fn set_in_transaction(&mut self, on: bool) {
        self.in_transaction = on;
    }

    fn run_batch(&mut self, sql: &str) -> Result<()> {
        if is_ddl(sql) {
            self.statements.clear();
        }
        match self.client.batch_execute(sql) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e, sql)),
        }
    }
}

/// Whether `sql` changes the schema, after which cached plans may be stale.
fn is_ddl(sql: &str) -> bool {
    ["CREATE", "ALTER", "DROP"]
        .iter()
        .any(|k| super::starts_with_keyword(sql, k))
}

impl PgConn {
    /// A cached statement whose tables changed since it was prepared ("cached plan
    /// must not change result type", SQLSTATE 0A000): it is dropped from the cache,
    /// and the call is tried once more, outside a transaction (inside one, the failure
    /// has aborted it, and the error stands).
    fn stale(&mut self, e: &Error, sql: &str) -> bool {
        if matches!(e, Error::Encode { .. }) && self.from_cache {
            // The cached parameter types may predate an ALTER: prepare again. Nothing
            // was sent, so this is safe inside a transaction too.
            self.statements.remove(sql);
            return true;
        }
        let Error::Database(d) = e else { return false };
        let stale = d.code.as_deref() == Some("0A000") && d.message.starts_with("cached plan");
        if stale {
            self.statements.remove(sql);
        }
        stale && !self.in_transaction
    }

    fn execute_once(&mut self, sql: &str, params: &[Value], key: KeySource) -> Result<ExecResult> {
        self.from_cache = false;
        if is_ddl(sql) {
            self.statements.clear();
        }
        let st = self.prepared(sql, params)?;
        // The new key is the returned key column, never another returned integer.
        let id_column = match key {
            KeySource::Returned(k) => Some(k),
            _ => None,
        };
        let outcome = (|| {
            let mut rows = self.rows(sql, st.as_ref(), params)?;
            let mut returned = 0u64;
            let mut last = None;
            while let Some(row) = rows.next()? {
                returned += 1;
                last = Some(row);
            }
            // Only the last row's key is reported: the one value decoded.
            let last_id = match (id_column, last) {
                (Some(k), Some(row)) => match row.try_get::<_, PgValue>(k) {
                    Ok(PgValue(Value::Int(i))) => Some(i),
                    _ => None,
                },
                _ => None,
            };
            Ok((last_id, rows.rows_affected().unwrap_or(returned)))
        })();
        match outcome {
            Ok((last_insert_id, rows_affected)) => Ok(ExecResult {
                rows_affected,
                last_insert_id,
            }),
            Err(e) => Err(self.fail(e, sql)),
        }
    }

    fn query_once<S: RowSink>(&mut self, sql: &str, params: &[Value], sink: &mut S) -> Result<()> {
        self.from_cache = false;
        let st = self.prepared(sql, params)?;
        let mut failed = None;
        let all = sink.wants_all();
        let outcome = (|| {
            // A sink that reads every row gets them fetched in one go (one entry into
            // the driver's runtime instead of one per row); others stream.
            let mut rows: Box<dyn FallibleIterator<Item = postgres::Row, Error = postgres::Error>> =
                if all {
                    Box::new(postgres::fallible_iterator::convert(
                        self.all_rows(sql, st.as_ref(), params)?.into_iter().map(Ok),
                    ))
                } else {
                    Box::new(self.rows(sql, st.as_ref(), params)?)
                };
            // The columns' names and kinds, worked out once from the first row.
            let mut layout: Option<(Arc<[Name]>, Vec<PgKind>)> = None;
            while let Some(row) = rows.next()? {
                let (names, kinds) = layout.get_or_insert_with(|| {
                    let cols = row.columns();
                    (
                        cols.iter()
                            .map(|c| Name::from(c.name().to_string()))
                            .collect(),
                        cols.iter().map(|c| PgKind::of(c.type_())).collect(),
                    )
                });
                let cells = PgCells {
                    row: &row,
                    names,
                    kinds,
                };
                if !super::feed(sink, &cells, &mut failed) {
                    break;
                }
            }
            Ok(())
        })();
        if let Err(e) = outcome {
            return Err(self.fail(e, sql));
        }
        failed.map_or(Ok(()), Err)
    }

    /// The prepared statement for `sql`, or none without prepared statements.
    fn prepared(&mut self, sql: &str, params: &[Value]) -> Result<Option<Statement>> {
        if self.unnamed {
            Ok(None)
        } else {
            self.statement(sql, params).map(Some)
        }
    }

    /// Runs the statement and fetches all its rows at once (see [`rows`](Self::rows)).
    fn all_rows(
        &mut self,
        sql: &str,
        st: Option<&Statement>,
        params: &[Value],
    ) -> Result<Vec<postgres::Row>, postgres::Error> {
        match st {
            Some(st) => {
                let ps: Vec<PgParam<'_>> = params.iter().map(PgParam).collect();
                let refs: Vec<&(dyn ToSql + Sync)> =
                    ps.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
                self.client.query(st, &refs)
            }
            None => {
                let ps: Vec<(PgLoose<'_>, Type)> =
                    params.iter().map(|v| (PgLoose(v), loose_type(v))).collect();
                let refs: Vec<(&(dyn ToSql + Sync), Type)> = ps
                    .iter()
                    .map(|(p, t)| (p as &(dyn ToSql + Sync), t.clone()))
                    .collect();
                self.client.query_typed(sql, &refs)
            }
        }
    }

    /// Runs the statement: the prepared one, or (without prepared statements) `sql` as
    /// the unnamed statement, parsed, bound and run in one message.
    fn rows(
        &mut self,
        sql: &str,
        st: Option<&Statement>,
        params: &[Value],
    ) -> Result<postgres::RowIter<'_>, postgres::Error> {
        match st {
            Some(st) => self.client.query_raw(st, params.iter().map(PgParam)),
            None => self
                .client
                .query_typed_raw(sql, params.iter().map(|v| (PgLoose(v), loose_type(v)))),
        }
    }
}

/// The type a value is sent as without a prepared statement to say what the server
/// expects: its own, or (oid 0) none, for text, JSON and NULL, sent as text that the
/// server types by where it stands (so text fits a date, enum or JSON column). An
/// integer that fits is an `integer`, which widens wherever a `bigint` is wanted, where
/// a `bigint` would not fit an `integer` argument (`substr(s, $1)`).
fn loose_type(v: &Value) -> Type {
    match v {
        Value::Null | Value::Text(_) | Value::Json(_) | Value::Array(_) => Type::new(
            "unknown".into(),
            0,
            postgres::types::Kind::Simple,
            "pg_catalog".into(),
        ),
        Value::Int(i) if i32::try_from(*i).is_ok() => Type::INT4,
        v => natural_type(v),
    }
}

/// An array in PostgreSQL's text form (`{"1","2"}`), for the server to type by where it
/// stands, as loose text is: every element quoted, `"` and `\` escaped, NULL bare.
fn array_text(items: &[Value]) -> Result<String, BoxError> {
    let mut s = String::with_capacity(2 + items.len() * 8);
    s.push('{');
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let text = match v {
            Value::Null => {
                s.push_str("NULL");
                continue;
            }
            Value::Text(t) if t.contains('\0') => {
                return Err("PostgreSQL text cannot hold a NUL character".into())
            }
            Value::Text(t) => t.to_string(),
            Value::Json(j) => j.to_string(),
            Value::Bool(b) => if *b { "t" } else { "f" }.to_string(),
            Value::Array(_) => return Err("an array inside an array is not sent".into()),
            Value::Bytes(_) => {
                return Err("an array of bytes is sent only as a prepared statement".into())
            }
            v => {
                let mut lit = String::new();
                crate::dialect::Generic
                    .write_literal(&mut lit, v)
                    .map_err(|e| e.to_string())?;
                lit.trim_matches('\'').to_string()
            }
        };
        s.push('"');
        for c in text.chars() {
            if c == '"' || c == '\\' {
                s.push('\\');
            }
            s.push(c);
        }
        s.push('"');
    }
    s.push('}');
    Ok(s)
}

/// A [`Value`] bound without a prepared statement (see [`loose_type`]).
struct PgLoose<'a>(&'a Value);

impl std::fmt::Debug for PgLoose<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{}>", self.0.type_name())
    }
}

impl ToSql for PgLoose<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Text(s) if s.contains('\0') => {
                Err("PostgreSQL text cannot hold a NUL character".into())
            }
            Value::Text(s) => {
                out.put_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            Value::Json(j) => {
                out.put_slice(serde_json::to_string(j)?.as_bytes());
                Ok(IsNull::No)
            }
            Value::Array(items) => {
                out.put_slice(array_text(items)?.as_bytes());
                Ok(IsNull::No)
            }
            v => PgParam(v).to_sql(ty, out),
        }
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    fn encode_format(&self, _: &Type) -> postgres::types::Format {
        match self.0 {
            Value::Null | Value::Text(_) | Value::Json(_) | Value::Array(_) => {
                postgres::types::Format::Text
            }
            _ => postgres::types::Format::Binary,
        }
    }
    postgres::types::to_sql_checked!();
}

/// A [`Value`] sent as the type the server expects for its parameter.
struct PgParam<'a>(&'a Value);

// tokio-postgres logs parameters at debug level: show their types, never their values
// (errors and logs carry no values, whatever `hide_parameters` says).
impl std::fmt::Debug for PgParam<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{}>", self.0.type_name())
    }
}

fn mismatch(v: &Value, ty: &Type) -> BoxError {
    format!(
        "a {} value cannot be sent as PostgreSQL {ty}",
        v.type_name()
    )
    .into()
}

/// Text parsed for a typed parameter; the message names the type, never the value.
fn parse_text<T>(s: &str, ty: &Type, f: impl FnOnce(&str) -> Option<T>) -> Result<T, BoxError> {
    f(s).ok_or_else(|| format!("the text is not a valid {ty}").into())
}

impl ToSql for PgParam<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let v = self.0;
        match (v, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Bool(b), &Type::BOOL) => b.to_sql(ty, out),
            (Value::Bool(b), _) => PgParam(&Value::Int(i64::from(*b))).to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i)
                .map_err(|_| "the integer is out of range for smallint")?
                .to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i)
                .map_err(|_| "the integer is out of range for integer")?
                .to_sql(ty, out),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::OID) => u32::try_from(*i)
                .map_err(|_| "the integer is out of range for oid")?
                .to_sql(ty, out),
            // An integral float where the server wants an integer (`a = $1` with a
            // bigint `a`) is sent exactly; a fraction would be truncated, so it is refused.
            (Value::Float(f), &Type::INT2 | &Type::INT4 | &Type::INT8) => {
                match crate::value::exact_i64(*f) {
                    Some(i) => PgParam(&Value::Int(i)).to_sql(ty, out),
                    None => Err(format!("a float with a fraction cannot be sent as {ty}").into()),
                }
            }
            (Value::Int(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT4) => (*i as f32).to_sql(ty, out),
            (Value::Float(f), &Type::FLOAT4) if f.is_finite() && (*f as f32).is_infinite() => {
                Err("the float is beyond the range of PostgreSQL real (f32)".into())
            }
            (Value::Int(i), &Type::NUMERIC) => Decimal::from(*i).to_sql(ty, out),
            (Value::Float(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Value::Float(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
            (Value::Float(f), &Type::NUMERIC) => Decimal::try_from(*f)
                .map_err(|_| "the float cannot be sent as numeric")?
                .to_sql(ty, out),
            // Zero in NUMERIC's binary form with its display scale (`0.0` stays
            // `0.0`); other values keep theirs through rust_decimal's encoding.
            (Value::Decimal(d), &Type::NUMERIC) if d.is_zero() => {
                let scale = u16::try_from(d.scale()).map_err(|_| mismatch(v, ty))?;
                for word in [0u16, 0, 0, scale] {
                    out.put_u16(word);
                }
                Ok(IsNull::No)
            }
            (Value::Decimal(d), &Type::NUMERIC) => d.to_sql(ty, out),
            (Value::Decimal(d), &Type::FLOAT8 | &Type::FLOAT4) => {
                use rust_decimal::prelude::ToPrimitive;
                d.to_f64().ok_or_else(|| mismatch(v, ty))?.to_sql(ty, out)
            }
            (Value::Text(s), _) if s.contains('\0') => {
                Err("PostgreSQL text cannot hold a NUL character".into())
            }
            (Value::Text(s), t) if is_text_type(t) => s.as_str().to_sql(ty, out),
            (Value::Text(s), &Type::JSON) => {
                out.put_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            (Value::Text(s), &Type::JSONB) => {
                out.put_u8(1);
                out.put_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            (Value::Text(s), &Type::UUID) => {
                parse_text(s, ty, |s| uuid::Uuid::parse_str(s).ok())?.to_sql(ty, out)
            }
            (Value::Text(s), &Type::NUMERIC) => {
                parse_text(s, ty, |s| s.parse::<Decimal>().ok())?.to_sql(ty, out)
            }
            (Value::Text(s), &Type::DATE) => {
                parse_text(s, ty, text_format::parse_date)?.to_sql(ty, out)
            }
            (Value::Text(s), &Type::TIME) => {
                parse_text(s, ty, text_format::parse_time)?.to_sql(ty, out)
            }
            (Value::Text(s), &Type::TIMESTAMP) => {
                parse_text(s, ty, text_format::parse_datetime)?.to_sql(ty, out)
            }
            (Value::Text(s), &Type::TIMESTAMPTZ) => {
                parse_text(s, ty, text_format::parse_timestamp)?.to_sql(ty, out)
            }
            (Value::Bytes(b), &Type::BYTEA) => b.as_ref().to_sql(ty, out),
            (Value::Date(d), &Type::DATE) => d.to_sql(ty, out),
            (Value::Date(d), &Type::TIMESTAMP) => {
                d.and_time(chrono::NaiveTime::MIN).to_sql(ty, out)
            }
            (Value::Time(t), &Type::TIME) => t.to_sql(ty, out),
            (Value::DateTime(t), &Type::TIMESTAMP) => t.to_sql(ty, out),
            (Value::DateTime(t), &Type::TIMESTAMPTZ) => t.and_utc().to_sql(ty, out),
            (Value::Timestamp(t), &Type::TIMESTAMPTZ) => t.to_sql(ty, out),
            (Value::Timestamp(t), &Type::TIMESTAMP) => t.naive_utc().to_sql(ty, out),
            (Value::Json(j), &Type::JSON | &Type::JSONB) => j.to_sql(ty, out),
            (Value::Uuid(u), &Type::UUID) => u.to_sql(ty, out),
            // Each element as the array's element type wants it.
            (Value::Array(items), t) if matches!(t.kind(), postgres::types::Kind::Array(_)) => {
                let items: Vec<PgParam<'_>> = items.iter().map(PgParam).collect();
                items.to_sql(ty, out)
            }
            (Value::Bytes(_), t) if is_text_type(t) => {
                Err("bytes cannot be stored as PostgreSQL text (use a bytea column)".into())
            }
            (v, t) if is_text_type(t) => {
                // A number, date, ... where the server expects text: its text form.
                let mut s = String::new();
                crate::dialect::Generic
                    .write_literal(&mut s, v)
                    .map_err(|e| e.to_string())?;
                let s = s.trim_matches('\'');
                s.to_sql(ty, out)
            }
            (v, t) => Err(mismatch(v, t)),
        }
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    fn to_sql_checked(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        self.to_sql(ty, out)
    }
}

/// A NUMERIC in PostgreSQL's binary form (base-10000 digits, a weight, a sign and a
/// display scale), converted exactly or refused: more digits than `Decimal` holds is
/// an error, never a rounded value; so are NaN and the infinities.
fn numeric(raw: &[u8]) -> Result<Decimal, BoxError> {
    let word = |i: usize| -> Result<u16, BoxError> {
        match raw.get(2 * i..2 * i + 2) {
            Some(&[a, b]) => Ok(u16::from_be_bytes([a, b])),
            _ => Err("a truncated numeric value".into()),
        }
    };
    let ndigits = usize::from(word(0)?);
    let weight = i64::from(word(1)? as i16);
    let sign = word(2)?;
    let dscale = usize::from(word(3)?);
    if !matches!(sign, 0x0000 | 0x4000) {
        return Err("NaN and infinite numerics have no Decimal value".into());
    }
    let digit = |i: i64| -> Result<u16, BoxError> {
        if i < 0 || i >= ndigits as i64 {
            Ok(0)
        } else {
            word(4 + i as usize)
        }
    };
    let mut s = String::with_capacity(ndigits * 4 + 4);
    if sign == 0x4000 {
        s.push('-');
    }
    if weight < 0 {
        s.push('0');
    }
    for i in 0..=weight.max(-1) {
        let d = digit(i)?;
        if i == 0 {
            s.push_str(&d.to_string());
        } else {
            s.push_str(&format!("{d:04}"));
        }
    }
    if dscale > 0 {
        s.push('.');
        let start = s.len();
        let mut j = 1;
        while s.len() - start < dscale {
            s.push_str(&format!("{:04}", digit(weight + j)?));
            j += 1;
        }
        s.truncate(start + dscale);
    }
    text_format::parse_decimal(&s).ok_or_else(|| {
        "a numeric with more digits than Decimal holds (28 after the point, 96 bits)".into()
    })
}

/// A cell decoded by its column type.
struct PgValue(Value);

impl<'a> FromSql<'a> for PgValue {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(PgValue(match *ty {
            Type::BOOL => Value::Bool(bool::from_sql(ty, raw)?),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::OID => Value::Int(u32::from_sql(ty, raw)?.into()),
            Type::FLOAT4 => Value::Float(f32::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Float(f64::from_sql(ty, raw)?),
            Type::NUMERIC => Value::Decimal(numeric(raw)?),
            Type::BYTEA => Value::Bytes(raw.into()),
            Type::DATE => Value::Date(chrono::NaiveDate::from_sql(ty, raw)?),
            Type::TIME => Value::Time(chrono::NaiveTime::from_sql(ty, raw)?),
            Type::TIMESTAMP => Value::DateTime(chrono::NaiveDateTime::from_sql(ty, raw)?),
            Type::TIMESTAMPTZ => {
                Value::Timestamp(chrono::DateTime::<chrono::Utc>::from_sql(ty, raw)?)
            }
            Type::JSON | Type::JSONB => Value::Json(serde_json::Value::from_sql(ty, raw)?),
            Type::UUID => Value::Uuid(uuid::Uuid::from_sql(ty, raw)?),
            ref t if is_text_type(t) || *t == Type::CHAR => {
                Value::Text(std::str::from_utf8(raw)?.into())
            }
            ref t => {
                return Err(format!(
                    "PostgreSQL type {t} has no sqlkit value; CAST it to a supported type"
                )
                .into())
            }
        }))
    }
    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(PgValue(Value::Null))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A PostgreSQL row read in place.
struct PgCells<'a> {
    row: &'a postgres::Row,
    names: &'a Arc<[Name]>,
    kinds: &'a [PgKind],
}

/// How a result column is read: the common kinds straight into a cell, the rest
/// through [`PgValue`].
#[derive(Clone, Copy, PartialEq)]
enum PgKind {
    Text,
    Int8,
    Int4,
    Int2,
    Float8,
    Other,
}

impl PgKind {
    fn of(t: &Type) -> PgKind {
        match *t {
            Type::INT8 => PgKind::Int8,
            Type::INT4 => PgKind::Int4,
            Type::INT2 => PgKind::Int2,
            Type::FLOAT8 => PgKind::Float8,
            ref t if is_text_type(t) => PgKind::Text,
            _ => PgKind::Other,
        }
    }
}

impl DriverRow for PgCells<'_> {
    fn names(&self) -> &Arc<[Name]> {
        self.names
    }
    fn value(&self, i: usize) -> std::result::Result<Value, String> {
        self.row
            .try_get::<_, PgValue>(i)
            .map(|v| v.0)
            .map_err(|e| match std::error::Error::source(&e) {
                Some(s) => s.to_string(),
                None => e.to_string(),
            })
    }
}

impl Cells for PgCells<'_> {
    fn len(&self) -> usize {
        self.kinds.len()
    }
    fn name(&self, i: usize) -> &str {
        self.names.get(i).map_or("", |n| n)
    }
    fn cell(&self, i: usize) -> std::result::Result<Cell<'_>, DeError> {
        fn read<'r, T: postgres::types::FromSql<'r>>(
            row: &'r postgres::Row,
            i: usize,
            cell: impl FnOnce(T) -> Cell<'r>,
        ) -> std::result::Result<Cell<'r>, DeError> {
            match row.try_get::<_, Option<T>>(i) {
                Ok(Some(v)) => Ok(cell(v)),
                Ok(None) => Ok(Cell::Null),
                Err(e) => Err(DeError(e.to_string())),
            }
        }
        match self.kinds.get(i).copied().unwrap_or(PgKind::Other) {
            PgKind::Text => read(self.row, i, Cell::Text),
            PgKind::Int8 => read(self.row, i, Cell::Int),
            PgKind::Int4 => read(self.row, i, |v: i32| Cell::Int(v.into())),
            PgKind::Int2 => read(self.row, i, |v: i16| Cell::Int(v.into())),
            PgKind::Float8 => read(self.row, i, Cell::Float),
            PgKind::Other => self.value(i).map(Cell::Owned).map_err(DeError),
        }
    }
}
