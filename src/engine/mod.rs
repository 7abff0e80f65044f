//! The connection layer: an [`Engine`] made from a URL owns a pool; a [`Connection`]
//! executes statements and maps rows; [`Transaction`]s commit, roll back (also on
//! drop and on panic) and nest as savepoints.
//!
//! ```
//! use sqlkit::prelude::*;
//! let engine = Engine::from_url("sqlite://")?;
//! let mut conn = engine.connect()?;
//! let n: i64 = conn.query_scalar(&select(literal::<i64>(41i64) + 1))?;
//! assert_eq!(n, 42);
//! # Ok::<(), sqlkit::Error>(())
//! ```

mod de;
mod from_row;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
mod prepared;
mod records;
mod row;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "postgres-tls")]
mod tls;
mod typed;

pub use from_row::{CellRef, Columns, FromCell, FromRow, RowCells};
pub use prepared::Prepared;
pub use row::{Row, RowIndex};

use crate::compile::{Compiled, KeySource};
use crate::dialect::Dialect;
use crate::error::{DbErrorKind, Error, Result};
use crate::schema::MetaData;
use crate::stmt::Statement;
use crate::url::{self, Backend};
use crate::value::{FromValue, Value};
#[cfg(any(feature = "postgres", feature = "mysql"))]
use r2d2::ManageConnection as _;
use records::RecordRows;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// An engine's pool and cache counters ([`Engine::pool_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// Connections open.
    pub connections: u32,
    /// Of them, idle in the pool.
    pub idle: u32,
    /// Of them, checked out.
    pub in_use: u32,
    /// Statements compiled from the statement cache.
    pub cache_hits: u64,
    /// Statements compiled afresh.
    pub cache_misses: u64,
}

/// What executing a statement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExecResult {
    /// Rows matched by an UPDATE or DELETE (also where a row already held the new
    /// values: MySQL's "found rows"), inserted by an INSERT, or returned by RETURNING.
    pub rows_affected: u64,
    /// After an INSERT built with sqlkit into a table with an auto-increment key: that
    /// key of the **last** row the statement added, the same on every database
    /// (PostgreSQL and MariaDB 10.5+ read it through an implicit `RETURNING`, or from
    /// the key in the statement's own RETURNING list, never from another column;
    /// SQLite reports it itself; MySQL reports only the first row's, so there it is
    /// given for single-row inserts only). `None` for other statements, for tables
    /// without such a key, and when no row was added. All the keys of a multi-row
    /// INSERT: [`Connection::insert_keys`].
    pub last_insert_id: Option<i64>,
}

/// A driver's result row, read in place.
pub(crate) trait DriverRow: de::Cells {
    /// The result set's column names.
    fn names(&self) -> &Arc<[crate::name::Name]>;
    /// Cell `i` decoded into an owned value, or why it cannot be.
    fn value(&self, i: usize) -> std::result::Result<Value, String>;
    /// The row as an owned [`Row`].
    fn to_row(&self) -> Result<Row> {
        let names = self.names();
        let mut values = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            values.push(self.value(i).map_err(|r| Error::decode(name, r))?);
        }
        Row::new(names.clone(), values)
    }
}

/// Receives the rows of a query; returns `false` to stop early.
pub(crate) trait RowSink {
    fn row<R: DriverRow>(&mut self, row: &R) -> Result<bool>;
    /// Whether the sink reads every row whatever they hold (it collects them): the
    /// driver may then fetch the whole result at once, where streaming row by row
    /// costs more (PostgreSQL's driver enters its runtime once per row). `false`
    /// streams, memory bounded by a row. (Read by the PostgreSQL driver only.)
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    fn wants_all(&self) -> bool {
        false
    }
}

/// Hands one row to `sink`. `false` means stop reading: the sink is done, or it failed
/// (its error is kept in `failed`, to be returned once the driver's result is closed).
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn feed<S: RowSink, R: DriverRow>(
    sink: &mut S,
    row: &R,
    failed: &mut Option<Error>,
) -> bool {
    match sink.row(row) {
        Ok(more) => more,
        Err(e) => {
            *failed = Some(e);
            false
        }
    }
}

/// A failure to open a connection: one that looks lost never existed, so it is
/// [`DbErrorKind::ConnectionRefused`], and the message names where it tried.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn connect_error(e: Error, address: &str) -> Error {
    match e {
        Error::Database(mut d) => {
            if d.kind == DbErrorKind::ConnectionLost {
                d.kind = DbErrorKind::ConnectionRefused;
            }
            d.message = format!("cannot connect to {address}: {}", d.message);
            Error::Database(d)
        }
        e => e,
    }
}

/// Whether SQL text begins (after white space) with `keyword`, in any letter case.
pub(crate) fn starts_with_keyword(sql: &str, keyword: &str) -> bool {
    sql.trim_start()
        .get(..keyword.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(keyword))
}

/// What every driver's pooled connection does.
pub(crate) trait DriverConn {
    /// Executes one statement with parameters.
    fn run_execute(&mut self, sql: &str, params: &[Value], key: KeySource) -> Result<ExecResult>;
    /// Runs a query, handing each row to `sink`.
    fn run_query<S: RowSink>(&mut self, sql: &str, params: &[Value], sink: &mut S) -> Result<()>;
    /// Runs SQL text without parameters (transaction control, settings).
    fn run_batch(&mut self, sql: &str) -> Result<()>;
    /// Whether the server still has a transaction open, where the driver can tell;
    /// `true` where it cannot.
    fn in_transaction(&mut self) -> bool {
        true
    }
    /// The statement that begins a transaction.
    fn begin_sql(&self) -> &'static str {
        "BEGIN"
    }
    /// Told when the connection's transaction begins and ends.
    fn set_in_transaction(&mut self, on: bool) {
        let _ = on;
    }
    /// Executes one statement many times: `next` fills `params` (empty) for each
    /// execution and returns `false` when there are no more. Returns the total rows
    /// affected; after a failed execution `params` still holds its values.
    fn run_many(
        &mut self,
        sql: &str,
        params: &mut Vec<Value>,
        next: &mut dyn FnMut(&mut Vec<Value>) -> Result<bool>,
    ) -> Result<u64> {
        let mut total = 0;
        params.clear();
        while next(params)? {
            total += self
                .run_execute(sql, params, KeySource::None)?
                .rows_affected;
            params.clear();
        }
        Ok(total)
    }
}

/// One row of values for [`Connection::execute_many`]: owned rows (`[Value; N]`,
/// `Vec<Value>`) are moved into the parameters, borrowed ones (`&[Value; N]`,
/// `&Vec<Value>`, `&[Value]`) copied.
pub trait RowValues {
    /// How many values the row has.
    fn width(&self) -> usize;
    /// Appends the values to `out`.
    fn append_to(self, out: &mut Vec<Value>);
}
impl<const N: usize> RowValues for [Value; N] {
    fn width(&self) -> usize {
        N
    }
    fn append_to(self, out: &mut Vec<Value>) {
        out.extend(self)
    }
}
impl RowValues for Vec<Value> {
    fn width(&self) -> usize {
        self.len()
    }
    fn append_to(mut self, out: &mut Vec<Value>) {
        out.append(&mut self)
    }
}
impl<const N: usize> RowValues for &[Value; N] {
    fn width(&self) -> usize {
        N
    }
    fn append_to(self, out: &mut Vec<Value>) {
        out.extend_from_slice(self)
    }
}
impl RowValues for &Vec<Value> {
    fn width(&self) -> usize {
        self.len()
    }
    fn append_to(self, out: &mut Vec<Value>) {
        out.extend_from_slice(self)
    }
}
impl RowValues for &[Value] {
    fn width(&self) -> usize {
        self.len()
    }
    fn append_to(self, out: &mut Vec<Value>) {
        out.extend_from_slice(self)
    }
}

/// Rows per multi-row INSERT that `execute_many` sends, at most.
const BATCH_ROWS: usize = 1000;
/// Parameters per statement that `execute_many` stays under (SQLite's limit is 32766;
/// PostgreSQL's and MySQL's 65535).
const BATCH_PARAMS: usize = 32766;

/// Where [`Connection::execute_many`] failed: the row (or the first row of the
/// multi-row INSERT that failed, whose parameters are kept to find the row).
struct ManyFailure {
    row: usize,
    unit: Option<Unit>,
    error: Error,
}

/// A multi-row INSERT that failed: its one-row SQL and its parameters, `width` a row.
struct Unit {
    sql: String,
    width: usize,
    params: Vec<Value>,
}

impl ManyFailure {
    fn at(row: usize, error: Error) -> Self {
        ManyFailure {
            row,
            unit: None,
            error,
        }
    }
}

struct CollectRows(Vec<Row>);
impl RowSink for CollectRows {
    fn row<R: DriverRow>(&mut self, row: &R) -> Result<bool> {
        self.0.push(row.to_row()?);
        Ok(true)
    }
    fn wants_all(&self) -> bool {
        true
    }
}

/// Every row's values in one vector, row after row.
#[cfg(feature = "orm")]
struct CollectFlat(Vec<Value>);
#[cfg(feature = "orm")]
impl RowSink for CollectFlat {
    fn row<R: DriverRow>(&mut self, row: &R) -> Result<bool> {
        for (i, name) in row.names().iter().enumerate() {
            self.0
                .push(row.value(i).map_err(|r| Error::decode(name, r))?);
        }
        Ok(true)
    }
    fn wants_all(&self) -> bool {
        true
    }
}

struct EachRow<F>(F);
impl<F: FnMut(Row) -> Result<bool>> RowSink for EachRow<F> {
    fn row<R: DriverRow>(&mut self, row: &R) -> Result<bool> {
        (self.0)(row.to_row()?)
    }
}

struct CollectAs<T>(Vec<T>, de::Layout);
impl<T: DeserializeOwned> RowSink for CollectAs<T> {
    fn row<R: DriverRow>(&mut self, row: &R) -> Result<bool> {
        self.0.push(de::from_cells_with(row, &self.1)?);
        Ok(true)
    }
    fn wants_all(&self) -> bool {
        true
    }
}

enum Pool {
    #[cfg(feature = "sqlite")]
    Sqlite(r2d2::Pool<sqlite::Manager>),
    #[cfg(feature = "postgres")]
    Postgres(r2d2::Pool<postgres::Manager>),
    #[cfg(feature = "mysql")]
    Mysql(r2d2::Pool<mysql::Manager>),
}

// Variants differ in size (the MySQL connection is the largest); a `Connection` is
// made once per checkout and not moved in hot loops, so boxing would only add an
// allocation.
#[allow(clippy::large_enum_variant)]
enum Driver {
    #[cfg(feature = "sqlite")]
    Sqlite(r2d2::PooledConnection<sqlite::Manager>),
    #[cfg(feature = "postgres")]
    Postgres(r2d2::PooledConnection<postgres::Manager>),
    #[cfg(feature = "mysql")]
    Mysql(r2d2::PooledConnection<mysql::Manager>),
}

/// Runs `$body` with `$c` bound to the driver connection, whichever it is.
macro_rules! with_driver {
    ($driver:expr, $c:ident => $body:expr) => {
        match $driver {
            #[cfg(feature = "sqlite")]
            Driver::Sqlite($c) => $body,
            #[cfg(feature = "postgres")]
            Driver::Postgres($c) => $body,
            #[cfg(feature = "mysql")]
            Driver::Mysql($c) => $body,
        }
    };
}

/// Logging of statements, like SQLAlchemy's `echo=True`.
#[derive(Debug, Clone, Copy, Default)]
struct Echo {
    on: bool,
    hide_parameters: bool,
}

impl Echo {
    fn log(self, sql: &str, params: &[Value]) {
        if !self.on {
            return;
        }
        let line = if self.hide_parameters || params.is_empty() {
            let note = if params.is_empty() {
                ""
            } else {
                " [parameters hidden]"
            };
            format!("{sql}{note}")
        } else {
            format!("{sql} {params:?}")
        };
        // Through `log` when a logger takes it; otherwise on standard error, as
        // SQLAlchemy's echo prints, so `echo(true)` shows the SQL in any program.
        if log::log_enabled!(target: "sqlkit::engine", log::Level::Info) {
            log::info!(target: "sqlkit::engine", "{line}");
        } else {
            eprintln!("[sqlkit] {line}");
        }
    }
}

/// The one row a query may return: a second stops reading and is an error.
struct AtMostOne<T> {
    found: Option<T>,
    extra: bool,
}
impl<T> Default for AtMostOne<T> {
    fn default() -> Self {
        AtMostOne {
            found: None,
            extra: false,
        }
    }
}
impl<T> AtMostOne<T> {
    fn take(&mut self, row: T) -> Result<bool> {
        if self.found.is_some() {
            self.extra = true;
            return Ok(false);
        }
        self.found = Some(row);
        Ok(true)
    }
    fn into_result(self) -> Result<Option<T>> {
        if self.extra {
            return Err(Error::TooManyRows);
        }
        Ok(self.found)
    }
}

/// Counts the rows handed to a sink (for the statement's span).
struct Counted<'a, S> {
    inner: &'a mut S,
    rows: u64,
}
impl<S: RowSink> RowSink for Counted<'_, S> {
    fn row<R: DriverRow>(&mut self, row: &R) -> Result<bool> {
        self.rows += 1;
        self.inner.row(row)
    }
    fn wants_all(&self) -> bool {
        self.inner.wants_all()
    }
}

/// One statement's `tracing` span (`sqlkit.statement`: the SQL, the parameters unless
/// hidden, the rows, the time taken) and, past the engine's threshold, a warning.
/// Without a subscriber that wants the span and without a threshold it costs nothing
/// but a check.
struct Watch {
    span: tracing::Span,
    start: Option<std::time::Instant>,
    slow: Option<Duration>,
}

impl Watch {
    #[inline]
    fn start(sql: &str, params: &[Value], echo: Echo, slow: Option<Duration>) -> Watch {
        let span = tracing::debug_span!(
            "sqlkit.statement",
            sql = sql,
            params = tracing::field::Empty,
            rows = tracing::field::Empty,
            elapsed_us = tracing::field::Empty,
            error = tracing::field::Empty,
        );
        if !span.is_disabled() && !echo.hide_parameters && !params.is_empty() {
            span.record("params", tracing::field::debug(params));
        }
        let timed = !span.is_disabled() || slow.is_some();
        Watch {
            span,
            start: timed.then(std::time::Instant::now),
            slow,
        }
    }
    #[inline]
    fn done(self, rows: Option<u64>, error: Option<&Error>) {
        let Some(start) = self.start else { return };
        let took = start.elapsed();
        if !self.span.is_disabled() {
            if let Some(n) = rows {
                self.span.record("rows", n);
            }
            self.span.record("elapsed_us", took.as_micros() as u64);
            if let Some(e) = error {
                self.span.record("error", tracing::field::display(e));
            }
        }
        if self.slow.is_some_and(|t| took >= t) {
            let _in = self.span.enter();
            tracing::warn!(
                target: "sqlkit::slow",
                elapsed_ms = took.as_millis() as u64,
                rows,
                "slow statement"
            );
        }
    }
}

struct Inner {
    url: String,
    pool: Pool,
    dialect: Arc<dyn Dialect>,
    /// MySQL: the dialect for a session whose `NO_BACKSLASH_ESCAPES` mode is the
    /// opposite of the first connection's.
    alt_dialect: Option<Arc<dyn Dialect>>,
    echo: Echo,
    slow: Option<Duration>,
    checkout_timeout: Duration,
    // Compiled statements by structure, shared by the engine's connections.
    cache: Arc<std::sync::Mutex<crate::compile::StatementCache>>,
    // Keeps a shared in-memory SQLite database alive while the engine lives.
    #[cfg(feature = "sqlite")]
    _keeper: Option<std::sync::Mutex<rusqlite::Connection>>,
}

/// The starting point: made once from a URL, cheap to clone, shared across threads.
/// It owns a pool of connections and the dialect of its server, at the version the
/// server reported when the engine first connected.
///
/// URLs are written as SQLAlchemy writes them:
///
/// | URL | database | feature |
/// |---|---|---|
/// | `sqlite://`, `sqlite::memory:` | one in-memory database shared by the engine's connections | `sqlite` (default) |
/// | `sqlite://?cache=private` | one in-memory database on one connection (no shared locking; checkouts take turns) | `sqlite` |
/// | `sqlite:///relative.db`, `sqlite:////absolute/path.db` | a file | `sqlite` |
/// | `postgresql://user:password@host:5432/db` (or `postgres://`) | PostgreSQL | `postgres` |
/// | `mysql://user:password@host:3306/db`, `mariadb://..` | MySQL or MariaDB (detected) | `mysql` |
///
/// Server URLs take `connect_timeout`, `sslmode` and `application_name` options; see
/// [`ServerUrl`](crate::url::ServerUrl). Passwords are percent-decoded and never shown.
///
/// ```
/// # use sqlkit::prelude::*;
/// let engine = Engine::from_url("sqlite://")?; // or postgresql://…, mysql://…
/// let mut conn = engine.connect()?;
/// conn.execute_sql("CREATE TABLE t (x INTEGER)", &[])?;
/// // A closure in a transaction on a connection of the pool.
/// engine.transaction(|tx| tx.execute_sql("INSERT INTO t VALUES (1)", &[]).map(|_| ()))?;
/// assert!(engine.pool_stats().connections >= 1);
/// let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(Table::builder("t").column(ColumnDef::new("x", SqlType::Integer)).build()?))?;
/// assert_eq!(n, 1);
/// # Ok::<(), sqlkit::Error>(())
/// ```
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("url", &self.inner.url)
            .field("dialect", &self.inner.dialect)
            .finish()
    }
}

/// The largest pool [`EngineBuilder::max_connections`] accepts.
pub const MAX_CONNECTIONS: u32 = 10_000;
/// The longest [`EngineBuilder::checkout_timeout`] accepts: one day.
pub const MAX_CHECKOUT_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// Options for an [`Engine`], from [`Engine::builder`].
///
/// ```
/// use sqlkit::prelude::*;
/// use std::time::Duration;
/// let engine = Engine::builder("sqlite://")
///     .max_connections(4)
///     .checkout_timeout(Duration::from_secs(5))
///     .echo(true)
///     .hide_parameters(true)
///     .build()?;
/// # Ok::<(), sqlkit::Error>(())
/// ```
#[derive(Clone)]
pub struct EngineBuilder {
    url: String,
    max_connections: u32,
    checkout_timeout: Duration,
    echo: Echo,
    statement_cache: usize,
    min_idle: u32,
    slow_statement: Option<Duration>,
    idle_timeout: Option<Duration>,
    max_lifetime: Option<Duration>,
    test_on_checkout: bool,
    lock_timeout: Duration,
}

impl fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("url", &url::redact(&self.url))
            .field("max_connections", &self.max_connections)
            .field("checkout_timeout", &self.checkout_timeout)
            .field("echo", &self.echo.on)
            .field("min_idle", &self.min_idle)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_lifetime", &self.max_lifetime)
            .field("test_on_checkout", &self.test_on_checkout)
            .field("lock_timeout", &self.lock_timeout)
            .field("statement_cache", &self.statement_cache)
            .finish()
    }
}

impl EngineBuilder {
    /// The most connections the pool keeps open at once (default 10; from 1 to
    /// [`MAX_CONNECTIONS`], else [`build`](Self::build) fails with
    /// [`Error::InvalidOption`]).
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n;
        self
    }
    /// How long [`Engine::connect`] waits for a free connection before failing with
    /// [`Error::PoolTimeout`] (default 30 s; from 1 ms to [`MAX_CHECKOUT_TIMEOUT`], else
    /// [`build`](Self::build) fails with [`Error::InvalidOption`]).
    pub fn checkout_timeout(mut self, timeout: Duration) -> Self {
        self.checkout_timeout = timeout;
        self
    }
    /// How long a statement waits for a lock another connection holds (a row being
    /// updated, SQLite's write lock, a table being altered) before failing with a
    /// [`DbErrorKind::Busy`](crate::DbErrorKind::Busy) database error (default 10 s;
    /// from 1 ms to [`MAX_CHECKOUT_TIMEOUT`]). SQLite's busy timeout, PostgreSQL's
    /// `lock_timeout`, MySQL's `innodb_lock_wait_timeout` and `lock_wait_timeout`
    /// (whole seconds there, rounded up). With the checkout timeout, no wait in sqlkit
    /// is unbounded.
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }
    /// Logs every statement's SQL and parameters, like SQLAlchemy's `echo=True`:
    /// through the `log` crate (target `sqlkit::engine`, level `info`) when a logger
    /// takes that level, otherwise on standard error (`[sqlkit] SELECT ..`).
    pub fn echo(mut self, on: bool) -> Self {
        self.echo.on = on;
        self
    }
    /// Statements that take at least this long are reported with a `tracing` warning
    /// (target `sqlkit::slow`, inside the statement's span, with the time taken and the
    /// rows). Off by default. Every statement also has a `sqlkit.statement` span at
    /// debug level with its SQL, parameters (unless hidden), rows and time taken.
    pub fn slow_statement(mut self, threshold: Duration) -> Self {
        self.slow_statement = Some(threshold);
        self
    }
    /// How many idle connections the pool keeps open, opened in the background
    /// (default 0: connections are opened on demand; at most `max_connections`).
    pub fn min_idle(mut self, n: u32) -> Self {
        self.min_idle = n;
        self
    }
    /// Closes a connection idle for longer than this (default 10 minutes; `None`:
    /// never; at least a second). Connections above `min_idle` are the ones closed.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }
    /// Closes a connection older than this when it is returned (default 30 minutes;
    /// `None`: never; at least a second): servers and proxies that drop long-lived
    /// connections then never hand over a dead one.
    pub fn max_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.max_lifetime = lifetime;
        self
    }
    /// Whether a connection is checked with a round trip before it is handed out
    /// (default on: a connection the server closed is replaced instead of failing
    /// the first statement). Off saves the round trip per checkout.
    pub fn test_on_checkout(mut self, on: bool) -> Self {
        self.test_on_checkout = on;
        self
    }
    /// How many compiled statements the engine keeps, keyed by their structure
    /// (default 256; 0 turns the cache off). A statement rebuilt with new values, as
    /// in a loop or a request handler, is then compiled once; see
    /// [`StatementCache`](crate::compile::StatementCache).
    pub fn statement_cache(mut self, capacity: usize) -> Self {
        self.statement_cache = capacity;
        self
    }
    fn new_cache(&self) -> Arc<std::sync::Mutex<crate::compile::StatementCache>> {
        Arc::new(std::sync::Mutex::new(crate::compile::StatementCache::new(
            self.statement_cache,
        )))
    }
    /// With [`echo`](Self::echo), logs `[parameters hidden]` instead of the values
    /// (SQLAlchemy's `hide_parameters=True`).
    pub fn hide_parameters(mut self, hide: bool) -> Self {
        self.echo.hide_parameters = hide;
        self
    }

    fn pool<M>(&self, manager: M) -> r2d2::Pool<M>
    where
        M: r2d2::ManageConnection<Error = Error>,
    {
        r2d2::Pool::builder()
            .max_size(self.max_connections)
            .min_idle(Some(self.min_idle))
            .idle_timeout(self.idle_timeout)
            .max_lifetime(self.max_lifetime)
            .connection_timeout(self.checkout_timeout)
            .test_on_check_out(self.test_on_checkout)
            .build_unchecked(manager)
    }

    fn validate(&self) -> Result<()> {
        let bad = |option, reason: String| Error::InvalidOption {
            option,
            reason: reason.into(),
        };
        if !(1..=MAX_CONNECTIONS).contains(&self.max_connections) {
            return Err(bad(
                "max_connections",
                format!(
                    "{} is not between 1 and {MAX_CONNECTIONS}",
                    self.max_connections
                ),
            ));
        }
        if self.min_idle > self.max_connections {
            return Err(bad(
                "min_idle",
                format!(
                    "{} is more than max_connections ({})",
                    self.min_idle, self.max_connections
                ),
            ));
        }
        for (option, d) in [
            ("idle_timeout", self.idle_timeout),
            ("max_lifetime", self.max_lifetime),
        ] {
            if d.is_some_and(|d| d < Duration::from_secs(1)) {
                return Err(bad(option, format!("{d:?} is shorter than a second")));
            }
        }
        for (option, d) in [
            ("checkout_timeout", self.checkout_timeout),
            ("lock_timeout", self.lock_timeout),
        ] {
            if d < Duration::from_millis(1) || d > MAX_CHECKOUT_TIMEOUT {
                return Err(bad(
                    option,
                    format!("{d:?} is not between 1 ms and {MAX_CHECKOUT_TIMEOUT:?}"),
                ));
            }
        }
        Ok(())
    }

    /// Creates the engine: opens its first connection (so a wrong URL, password or
    /// unreachable server fails here) and reads the server's version.
    pub fn build(self) -> Result<Engine> {
        self.validate()?;
        let redacted = url::redact(&self.url);
        let inner = match url::parse(&self.url)? {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(target) => {
                let (manager, keeper) = match &target {
                    url::SqliteTarget::PrivateMemory => {
                        (sqlite::Manager::private(self.lock_timeout)?, None)
                    }
                    url::SqliteTarget::Memory => {
                        let m = sqlite::Manager::new(None, self.lock_timeout);
                        let keeper = m.open()?;
                        (m, Some(std::sync::Mutex::new(keeper)))
                    }
                    url::SqliteTarget::File(path) => {
                        let m = sqlite::Manager::new(Some(path), self.lock_timeout);
                        // Opened once now, so a file in a missing directory (or one that
                        // is no database) fails here, not as a pool timeout later.
                        m.open()?;
                        (m, None)
                    }
                };
                let pool = if target == url::SqliteTarget::PrivateMemory {
                    // Its one connection is the database: never more, never closed.
                    EngineBuilder {
                        max_connections: 1,
                        min_idle: 1,
                        idle_timeout: None,
                        max_lifetime: None,
                        test_on_checkout: false,
                        ..self.clone()
                    }
                    .pool(manager)
                } else {
                    self.pool(manager)
                };
                Inner {
                    url: redacted,
                    pool: Pool::Sqlite(pool),
                    dialect: Arc::new(sqlite::dialect()),
                    alt_dialect: None,
                    echo: self.echo,
                    slow: self.slow_statement,
                    checkout_timeout: self.checkout_timeout,
                    cache: self.new_cache(),
                    _keeper: keeper,
                }
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(server) => {
                let manager = postgres::Manager::new(&server, self.lock_timeout)?;
                let dialect = postgres::dialect(&mut manager.connect()?)?;
                let pool = self.pool(manager);
                Inner {
                    url: redacted,
                    pool: Pool::Postgres(pool),
                    dialect,
                    alt_dialect: None,
                    echo: self.echo,
                    slow: self.slow_statement,
                    checkout_timeout: self.checkout_timeout,
                    cache: self.new_cache(),
                    #[cfg(feature = "sqlite")]
                    _keeper: None,
                }
            }
            #[cfg(feature = "mysql")]
            Backend::Mysql(server) | Backend::Mariadb(server) => {
                let manager = mysql::Manager::new(&server, self.lock_timeout)?;
                let (dialect, alt_dialect) = mysql::dialect(&mut manager.connect()?)?;
                let pool = self.pool(manager);
                Inner {
                    url: redacted,
                    pool: Pool::Mysql(pool),
                    dialect,
                    alt_dialect: Some(alt_dialect),
                    echo: self.echo,
                    slow: self.slow_statement,
                    checkout_timeout: self.checkout_timeout,
                    cache: self.new_cache(),
                    #[cfg(feature = "sqlite")]
                    _keeper: None,
                }
            }
            #[allow(unreachable_patterns)]
            other => {
                let (scheme, feature) = match other {
                    Backend::Sqlite(_) => ("sqlite", "sqlite"),
                    Backend::Postgres(_) => ("postgresql", "postgres"),
                    _ => ("mysql", "mysql"),
                };
                return Err(Error::MissingFeature {
                    scheme: scheme.into(),
                    feature,
                });
            }
        };
        Ok(Engine {
            inner: Arc::new(inner),
        })
    }
}

fn checkout<M>(pool: &r2d2::Pool<M>, waited: Duration) -> Result<r2d2::PooledConnection<M>>
where
    M: r2d2::ManageConnection<Error = Error>,
{
    pool.get().map_err(|e| {
        // r2d2 says "timed out waiting for connection[: last error]"; the variant says
        // the first part, so only the last error is kept.
        let text = e.to_string();
        let last = text
            .strip_prefix("timed out waiting for connection")
            .unwrap_or(&text)
            .trim_start_matches(':')
            .trim();
        Error::PoolTimeout {
            waited,
            last_error: Some(last)
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string().into_boxed_str()),
        }
    })
}

impl Engine {
    /// Creates an engine (and its pool) from a database URL with default options;
    /// see [`Engine::builder`] for the others.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// let engine = Engine::from_url("sqlite://")?;           // in memory, shared by the pool
    /// assert_eq!(engine.dialect().name(), "sqlite");
    /// let bad = Engine::from_url("postgresql://u:p@127.0.0.1:1/db");
    /// assert!(bad.is_err());                                   // refused at once, typed
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn from_url(url: &str) -> Result<Engine> {
        Engine::builder(url).build()
    }

    /// Starts configuring an engine for `url`.
    pub fn builder(url: &str) -> EngineBuilder {
        EngineBuilder {
            url: url.to_string(),
            max_connections: 10,
            checkout_timeout: Duration::from_secs(30),
            statement_cache: 256,
            echo: Echo::default(),
            min_idle: 0,
            slow_statement: None,
            idle_timeout: Some(Duration::from_secs(600)),
            max_lifetime: Some(Duration::from_secs(1800)),
            test_on_checkout: true,
            lock_timeout: Duration::from_secs(10),
        }
    }

    /// The dialect of the engine's database, at the server's version.
    pub fn dialect(&self) -> &dyn Dialect {
        &*self.inner.dialect
    }

    /// The engine's URL with any password replaced by `***`.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// let engine = Engine::from_url("sqlite://")?;
    /// assert_eq!(engine.url(), "sqlite://");
    /// // Server URLs are shown with the password as `***`.
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// Checks a connection out of the pool (checking that it still works first). Waits
    /// up to the checkout timeout for one to be free, then fails with
    /// [`Error::PoolTimeout`].
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// let engine = Engine::from_url("sqlite://")?;
    /// let mut a = engine.connect()?;
    /// let mut b = engine.connect()?; // the same in-memory database
    /// a.execute_sql("CREATE TABLE t (x INTEGER)", &[])?;
    /// b.execute_sql("INSERT INTO t VALUES (1)", &[])?;
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn connect(&self) -> Result<Connection> {
        let t = self.inner.checkout_timeout;
        let driver = match &self.inner.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => Driver::Sqlite(checkout(p, t)?),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Driver::Postgres(checkout(p, t)?),
            #[cfg(feature = "mysql")]
            Pool::Mysql(p) => Driver::Mysql(checkout(p, t)?),
        };
        let mut conn = Connection {
            driver,
            dialect: self.inner.dialect.clone(),
            alt_dialect: self.inner.alt_dialect.clone(),
            depth: 0,
            echo: self.inner.echo,
            slow: self.inner.slow,
            aborted: None,
            cache: self.inner.cache.clone(),
            on_alt: false,
        };
        conn.follow_session();
        Ok(conn)
    }

    /// How many connections the pool holds, and how many of them are idle.
    ///
    /// See also [`pool_stats`](Self::pool_stats).
    pub fn pool_state(&self) -> (u32, u32) {
        let s = match &self.inner.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => p.state(),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => p.state(),
            #[cfg(feature = "mysql")]
            Pool::Mysql(p) => p.state(),
        };
        (s.connections, s.idle_connections)
    }

    /// The pool's counters: connections open and idle, and the statement cache's hits
    /// and misses.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// let engine = Engine::builder("sqlite://").max_connections(4).build()?;
    /// let conn = engine.connect()?;
    /// let s = engine.pool_stats();
    /// assert!(s.in_use >= 1 && s.connections <= 4);
    /// drop(conn);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn pool_stats(&self) -> PoolStats {
        let (connections, idle) = self.pool_state();
        let (cache_hits, cache_misses) = self
            .inner
            .cache
            .lock()
            .map(|c| (c.hits(), c.misses()))
            .unwrap_or((0, 0));
        PoolStats {
            connections,
            idle,
            in_use: connections.saturating_sub(idle),
            cache_hits,
            cache_misses,
        }
    }

    /// Runs `f` in a transaction on a new connection: committed when `f` returns `Ok`,
    /// rolled back when it returns `Err` or panics (SQLAlchemy's `engine.begin()`).
    pub fn transaction<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&mut Transaction<'_>) -> std::result::Result<T, E>,
        E: From<Error>,
    {
        let mut conn = self.connect()?;
        conn.transaction(f)
    }
}

/// A database connection checked out of an [`Engine`]'s pool; returned to it on drop.
pub struct Connection {
    driver: Driver,
    dialect: Arc<dyn Dialect>,
    // Read only by the MySQL driver's session tracking.
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    alt_dialect: Option<Arc<dyn Dialect>>,
    depth: u32,
    echo: Echo,
    slow: Option<Duration>,
    aborted: Option<Aborted>,
    cache: Arc<std::sync::Mutex<crate::compile::StatementCache>>,
    // The session runs on the alternative dialect (the cache holds the other's SQL).
    on_alt: bool,
}

/// Why the open transaction can only be rolled back.
struct Aborted {
    cause: Error,
    /// The server itself ended the whole transaction (a deadlock victim, a lost
    /// connection, SQLite's automatic rollback): rolling back to a savepoint cannot
    /// bring it back.
    whole: bool,
}

/// Whether a failure ends the whole transaction on some database, whatever savepoint
/// is open: InnoDB rolls back a deadlock victim's transaction, and a lost connection
/// takes its transaction with it.
fn ends_transaction(e: &Error) -> bool {
    matches!(
        e.db_kind(),
        Some(
            DbErrorKind::Deadlock
                | DbErrorKind::SerializationFailure
                | DbErrorKind::ConnectionLost
                | DbErrorKind::TransactionAborted
        )
    )
}

impl Drop for Connection {
    fn drop(&mut self) {
        // A transaction guard that was leaked (`mem::forget`) left one open: never hand
        // the pool a connection inside a transaction.
        if self.depth > 0 {
            let _ = self.batch("ROLLBACK");
            self.ended();
        }
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("dialect", &self.dialect.name())
            .field("transaction_depth", &self.depth)
            .finish()
    }
}

impl Connection {
    /// The dialect of this connection's server, at its version.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// assert_eq!(conn.dialect().name(), "sqlite");
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn dialect(&self) -> &dyn Dialect {
        &*self.dialect
    }

    /// Compiles a statement for this connection's dialect.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// let c = conn.compile(&select(t.c("name")?).where_(t.c("id")?.eq(2)))?;
    /// assert_eq!(c.sql, "SELECT tags.name FROM tags WHERE tags.id = ?");
    /// assert_eq!(c.params, [Value::Int(2)]);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn compile(&self, stmt: &dyn Statement) -> Result<Compiled> {
        stmt.compile(&*self.dialect)
    }

    fn compile_to_run(&self, stmt: &dyn Statement) -> Result<Compiled> {
        self.cached(stmt, true)
    }

    /// Compiles through the engine's statement cache (not for a session on the
    /// alternative dialect, whose SQL the cache does not hold).
    fn cached(&self, stmt: &dyn Statement, to_run: bool) -> Result<Compiled> {
        if !self.on_alt {
            if let Ok(mut cache) = self.cache.lock() {
                return cache.compile(stmt, &*self.dialect, to_run);
            }
        }
        if to_run {
            stmt.compile_to_run(&*self.dialect)
        } else {
            stmt.compile(&*self.dialect)
        }
    }

    /// The engine's statement cache: `(hits, misses)` so far.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// let q = select(t.c("name")?).where_(t.c("id")?.eq(1));
    /// conn.query(&q)?;
    /// let (hits, _) = conn.statement_cache_stats();
    /// conn.query(&q.clone())?; // the same structure: compiled from the cache
    /// assert_eq!(conn.statement_cache_stats().0, hits + 1);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn statement_cache_stats(&self) -> (u64, u64) {
        self.cache
            .lock()
            .map(|c| (c.hits(), c.misses()))
            .unwrap_or((0, 0))
    }

    /// Executes a statement, returning rows affected and the last inserted id (see
    /// [`ExecResult::last_insert_id`]).
    ///
    /// A multi-row INSERT with more values than the dialect takes parameters is run
    /// as several INSERTs in one transaction (a savepoint inside yours): all of its
    /// rows are added or none. The result then counts every row, and the id is the
    /// last statement's.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// conn.execute(&CreateTable::new(&t))?;
    /// let r = conn.execute(&insert(&t).value("name", "rust"))?;
    /// assert_eq!((r.rows_affected, r.last_insert_id), (1, Some(1)));
    /// let r = conn.execute(&update(&t).set("name", "sql").where_(t.c("id")?.eq(1)))?;
    /// assert_eq!(r.rows_affected, 1);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn execute(&mut self, stmt: &dyn Statement) -> Result<ExecResult> {
        match self.compile_to_run(stmt) {
            Ok(c) => self.run_sql(&c.sql, &c.params, c.key),
            Err(e @ Error::TooManyParameters { count, limit, .. }) => {
                let Some(ins) = stmt.as_insert().filter(|i| i.row_count() > 1) else {
                    return Err(e);
                };
                let per_row = count.div_ceil(ins.row_count()).max(1);
                let chunk = (limit / per_row).max(1);
                let mut tx = self.begin()?;
                let mut total = ExecResult::default();
                let mut start = 0;
                while start < ins.row_count() {
                    let part = ins
                        .rows_slice(start, start + chunk)
                        .ok_or_else(|| Error::invalid("INSERT", "rows cannot be split"))?;
                    let r = tx.execute(&part)?;
                    total.rows_affected += r.rows_affected;
                    total.last_insert_id = r.last_insert_id;
                    start += chunk;
                }
                tx.commit()?;
                Ok(total)
            }
            Err(e) => Err(e),
        }
    }

    /// Executes SQL text with positional parameters (written in the dialect's
    /// placeholder style: `$1` on PostgreSQL, `?` elsewhere). For an `INSERT` written
    /// as text, `last_insert_id` is what the server reports (SQLite's
    /// `last_insert_rowid()`; MySQL's insert id, for a single-row INSERT); none on
    /// PostgreSQL.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// let r = conn.execute_sql("INSERT INTO tags (name) VALUES (?)", &["cte".into()])?;
    /// assert_eq!((r.rows_affected, r.last_insert_id), (1, Some(4)));
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn execute_sql(&mut self, sql: &str, params: &[Value]) -> Result<ExecResult> {
        let key = if starts_with_keyword(sql, "INSERT") {
            KeySource::Server
        } else {
            KeySource::None
        };
        self.run_sql(sql, params, key)
    }

    fn run_sql(&mut self, sql: &str, params: &[Value], key: KeySource) -> Result<ExecResult> {
        self.alive()?;
        self.echo.log(sql, params);
        let watch = Watch::start(sql, params, self.echo, self.slow);
        let r = with_driver!(&mut self.driver, c => c.run_execute(sql, params, key));
        watch.done(r.as_ref().ok().map(|e| e.rows_affected), r.as_ref().err());
        self.follow_session();
        self.noted(r)
    }

    /// Runs an INSERT and returns the auto-increment keys of the rows it added, in the
    /// order of its rows, read through `RETURNING` (PostgreSQL, MariaDB 10.5+, SQLite
    /// 3.35+; elsewhere [`Error::Unsupported`]). An INSERT with a RETURNING list of its
    /// own must include the key.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// let ids = conn.insert_keys(&insert(&t).columns(["name"]).row(("a",)).row(("b",)))?;
    /// assert_eq!(ids, [1, 2]);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn insert_keys(&mut self, stmt: &crate::stmt::Insert) -> Result<Vec<i64>> {
        let c = stmt.compile_with_key(&*self.dialect)?;
        let KeySource::Returned(k) = c.key else {
            return Err(Error::invalid(
                "INSERT",
                "insert_keys needs a table with an auto-increment key, and the key in RETURNING",
            ));
        };
        self.query_sql(&c.sql, &c.params)?
            .iter()
            .map(|r| r.get::<i64, _>(k))
            .collect()
    }

    /// Keeps the dialect in step with session settings that change what SQL text
    /// means: MySQL's `NO_BACKSLASH_ESCAPES`, which a statement may have switched.
    #[inline]
    fn follow_session(&mut self) {
        #[cfg(feature = "mysql")]
        if let (Driver::Mysql(c), Some(alt)) = (&self.driver, &mut self.alt_dialect) {
            if c.backslash_escapes() != self.dialect.backslash_escapes() {
                std::mem::swap(&mut self.dialect, alt);
                self.on_alt = !self.on_alt;
            }
        }
    }

    /// The transaction ended (committed or rolled back).
    fn ended(&mut self) {
        with_driver!(&mut self.driver, c => c.set_in_transaction(false));
    }

    /// Refuses to run anything but a rollback in a transaction a failure aborted.
    fn alive(&self) -> Result<()> {
        match &self.aborted {
            Some(a) => Err(Error::TransactionAborted {
                cause: Box::new(a.cause.clone()),
            }),
            None => Ok(()),
        }
    }

    /// Marks the open transaction aborted when a statement in it failed on the server.
    fn noted<T>(&mut self, r: Result<T>) -> Result<T> {
        if let Err(e) = &r {
            if self.depth > 0 && matches!(e, Error::Database(_)) {
                let whole = ends_transaction(e) || !self.driver_in_transaction();
                self.aborted = Some(Aborted {
                    cause: e.clone(),
                    whole,
                });
            }
        }
        r
    }

    /// Whether the server still has the transaction open, where the driver can tell
    /// (SQLite rolls a transaction back by itself on some errors).
    fn driver_in_transaction(&mut self) -> bool {
        with_driver!(&mut self.driver, c => c.in_transaction())
    }

    /// Compiles `stmt` once (its changing values written as
    /// [`bindparam`](crate::expr::bindparam)s named in `names`) and executes it for every
    /// row of `rows`, whose `k`-th value fills the `k`-th name. The statement is
    /// prepared once and names are resolved to slots once. A one-row INSERT whose
    /// parameters are exactly `names` in order is sent as multi-row INSERTs of up to
    /// 1000 rows (like SQLAlchemy's "insertmanyvalues"). Returns the total rows affected.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// let q = insert(&t).value("name", bindparam::<String>("name"));
    /// let n = conn.execute_many(&q, &["name"], [["a".into()], ["b".into()]] as [[Value; 1]; 2])?;
    /// assert_eq!(n, 2);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn execute_many<R: RowValues>(
        &mut self,
        stmt: &dyn Statement,
        names: &[&str],
        rows: impl IntoIterator<Item = R>,
    ) -> Result<u64> {
        // Compiled without the implicit RETURNING of the key: the count is all it gives.
        let c = self.compile(stmt)?;
        let binder = c.binder(names)?;
        let width = names.len();
        self.many_in_transaction(|conn| conn.many_rows(stmt, &c, &binder, width, rows.into_iter()))
    }

    /// Inserts `rows` into `table`, each a [`Record`](crate::stmt::Record): a struct of
    /// `#[derive(Table)]` (owned, so its strings move, or borrowed), a
    /// [`Serialized`](crate::stmt::Serialized) serde struct, or a hand-written record.
    /// Each field names a column of the table, checked as it is set. A column the
    /// record leaves out or sets to NULL gets its client default (called for each
    /// row), or, for the autoincrement key and columns with a server default, is left
    /// to the database. Rows run as multi-row INSERTs (see
    /// [`execute_many`](Self::execute_many)), grouped by the columns they set, all in
    /// one transaction (a savepoint inside one): on any failure no row is written and
    /// the error says which row failed. Returns the rows inserted.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// #[derive(Debug, Clone, PartialEq, sqlkit::Table)]
    /// #[sqlkit(table = "tags")]
    /// struct Tag { #[sqlkit(primary_key)] id: Option<i64>, name: String }
    ///
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// conn.execute(&CreateTable::new(Tag::table()))?;
    /// let new = ["rust", "sql"].map(|n| Tag { id: None, name: n.into() });
    /// assert_eq!(conn.insert_many(Tag::table(), new)?, 2);
    /// let t = Tag::table();
    /// let tags: Vec<Tag> = conn.fetch_all(&select(t).order_by(t.id))?;
    /// assert_eq!(tags[1], Tag { id: Some(2), name: "sql".into() });
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn insert_many<R: crate::stmt::Record>(
        &mut self,
        table: impl crate::stmt::AsTable,
        rows: impl IntoIterator<Item = R>,
    ) -> Result<u64> {
        let table = table.as_table();
        let mut source = RecordRows::new(table.def(), rows.into_iter());
        self.many_in_transaction(|conn| {
            let mut total = 0;
            loop {
                let start = source.next_row;
                let names = match source.group() {
                    Ok(Some(names)) => names,
                    Ok(None) => return Ok(total),
                    Err(e) => return Err(ManyFailure::at(source.next_row, e)),
                };
                let mut q = crate::stmt::insert(&table);
                if names.is_empty() {
                    q = q.default_values();
                }
                for n in &names {
                    q = q.value(
                        n.as_str(),
                        crate::expr::bindparam::<crate::expr::Any>(n.clone()),
                    );
                }
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                let c = conn.compile(&q).map_err(|e| ManyFailure::at(start, e))?;
                let binder = c.binder(&refs).map_err(|e| ManyFailure::at(start, e))?;
                let n = conn
                    .many_rows(&q, &c, &binder, names.len(), source.by_ref())
                    .map_err(|f| ManyFailure {
                        row: start + f.row,
                        ..f
                    })?;
                total += n;
                if let Some(e) = source.error.take() {
                    return Err(ManyFailure::at(source.next_row, e));
                }
            }
        })
    }

    /// Runs `run` (one `execute_many`-like call) in a transaction of its own (a
    /// savepoint inside one), committed only if it all succeeded; on a failure, finds
    /// the row of a multi-row INSERT that failed and reports it.
    fn many_in_transaction(
        &mut self,
        run: impl FnOnce(&mut Connection) -> std::result::Result<u64, ManyFailure>,
    ) -> Result<u64> {
        let failure = {
            let mut tx = self.begin()?;
            match run(&mut tx) {
                Ok(n) => return tx.commit().map(|()| n),
                Err(f) => {
                    // Leaves nothing of the call behind (the transaction or savepoint
                    // of its own rolls back), whatever the failure.
                    tx.conn.aborted = None;
                    let _ = tx.rollback();
                    f
                }
            }
        };
        let ManyFailure {
            mut row,
            unit,
            mut error,
        } = failure;
        // A multi-row INSERT failed: find which of its rows did, one at a time, in a
        // transaction (or savepoint) rolled back afterwards.
        if let Some(unit) = unit.filter(|u| {
            matches!(error, Error::Database(_)) && !ends_transaction(&error) && u.width > 0
        }) {
            if let Ok(mut probe) = self.begin() {
                for (j, one) in unit.params.chunks(unit.width).enumerate() {
                    if let Err(e) = probe.execute_sql(&unit.sql, one) {
                        row += j;
                        error = e;
                        break;
                    }
                }
                probe.conn.aborted = None;
                let _ = probe.rollback();
            }
        }
        let error = Error::ExecuteMany {
            row,
            cause: Box::new(error),
        };
        if self.depth > 0 && error.db_kind().is_some() {
            // Like any statement that failed in a transaction, it aborts it (its rows
            // are gone already).
            self.aborted = Some(Aborted {
                cause: error.clone(),
                whole: ends_transaction(&error),
            });
        }
        Err(error)
    }

    /// The rows of [`execute_many`](Self::execute_many), inside its transaction.
    fn many_rows<R: RowValues>(
        &mut self,
        stmt: &dyn Statement,
        c: &Compiled,
        binder: &crate::compile::Binder,
        width: usize,
        mut rows: impl Iterator<Item = R>,
    ) -> std::result::Result<u64, ManyFailure> {
        let per = (BATCH_PARAMS / width.max(1)).clamp(1, BATCH_ROWS);
        let batchable = binder.is_identity() && width > 0 && per > 1 && !c.returns_rows;
        if let Some(insert) = stmt.as_insert().filter(|i| batchable && i.can_repeat()) {
            // Fills `params` with up to `per` rows; the count, or the failing row.
            let mut fill = |params: &mut Vec<Value>, first: usize| {
                let mut k = 0;
                while k < per {
                    let Some(r) = rows.next() else { break };
                    if let Err(e) = crate::compile::check_arity(r.width(), width) {
                        return Err(ManyFailure::at(first + k, e));
                    }
                    r.append_to(params);
                    k += 1;
                }
                Ok(k)
            };
            let failed = |first: usize, k: usize, params: &mut Vec<Value>, error| ManyFailure {
                row: first,
                unit: (k > 1).then(|| Unit {
                    sql: c.sql.clone(),
                    width,
                    params: std::mem::take(params),
                }),
                error,
            };
            let mut params = Vec::new();
            let mut k = fill(&mut params, 0)?;
            let (mut total, mut first) = (0, 0);
            if k == per {
                // Full batches run as one statement executed again and again (SQLite's
                // statement keeps its bound buffers between them), until a short one.
                let full = self.compile_repeated(insert, per, 0)?;
                let mut pending = Some(std::mem::take(&mut params));
                let (mut at, mut next_at, mut bad, mut rest) = (0, 0, None, None);
                let mut buf = Vec::new();
                let r = self.run_many(&full.sql, &mut buf, &mut |p| {
                    at = next_at;
                    if let Some(batch) = pending.take() {
                        *p = batch;
                    } else {
                        match fill(p, at) {
                            Ok(n) if n == per => {}
                            Ok(n) => {
                                rest = Some((std::mem::take(p), n));
                                return Ok(false);
                            }
                            Err(f) => {
                                let e = f.error.clone();
                                bad = Some(f);
                                return Err(e);
                            }
                        }
                    }
                    next_at = at + per;
                    Ok(true)
                });
                if let Some(f) = bad {
                    return Err(f);
                }
                match r {
                    Ok(n) => total = n,
                    Err(error) => return Err(failed(at, per, &mut buf, error)),
                }
                (params, k) = rest.unwrap_or_default();
                first = at;
            }
            if k == 0 {
                return Ok(total);
            }
            let tail = self.compile_repeated(insert, k, first)?;
            return match self.execute_sql(&tail.sql, &params) {
                Ok(r) => Ok(total + r.rows_affected),
                Err(error) => Err(failed(first, k, &mut params, error)),
            };
        }
        let mut scratch = Vec::with_capacity(width);
        let mut filled = 0usize;
        let mut bad = None;
        let r = self.run_many(&c.sql, &mut Vec::new(), &mut |params| match rows.next() {
            Some(row) => {
                scratch.clear();
                row.append_to(&mut scratch);
                if let Err(e) = binder.bind_into(&scratch, params) {
                    bad = Some(filled);
                    return Err(e);
                }
                filled += 1;
                Ok(true)
            }
            None => Ok(false),
        });
        r.map_err(|error| ManyFailure::at(bad.unwrap_or(filled.saturating_sub(1)), error))
    }

    /// The INSERT of `insert` repeated for `rows` rows, compiled.
    fn compile_repeated(
        &self,
        insert: &crate::stmt::Insert,
        rows: usize,
        first: usize,
    ) -> std::result::Result<Compiled, ManyFailure> {
        let batch = insert
            .repeated(rows)
            .ok_or_else(|| Error::invalid("INSERT", "cannot be sent as a multi-row INSERT"));
        batch
            .and_then(|b| self.compile(&b))
            .map_err(|e| ManyFailure::at(first, e))
    }

    /// One statement executed many times (see [`DriverConn::run_many`]), one span for
    /// all of them.
    fn run_many(
        &mut self,
        sql: &str,
        params: &mut Vec<Value>,
        next: &mut dyn FnMut(&mut Vec<Value>) -> Result<bool>,
    ) -> Result<u64> {
        self.alive()?;
        let watch = Watch::start(sql, &[], self.echo, self.slow);
        let r = if self.echo.on {
            let echo = self.echo;
            let mut logged = move |params: &mut Vec<Value>| -> Result<bool> {
                let more = next(params)?;
                if more {
                    echo.log(sql, params);
                }
                Ok(more)
            };
            with_driver!(&mut self.driver, c => c.run_many(sql, params, &mut logged))
        } else {
            with_driver!(&mut self.driver, c => c.run_many(sql, params, next))
        };
        watch.done(r.as_ref().ok().copied(), r.as_ref().err());
        self.noted(r)
    }

    /// Runs a query and calls `each` for every row until it returns `false`.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// let mut names = Vec::new();
    /// conn.for_each_row(&select(t.c("name")?).order_by(t.c("id")?), |row| {
    ///     names.push(row.get::<String, _>(0)?);
    ///     Ok(names.len() < 2) // stop after two
    /// })?;
    /// assert_eq!(names, ["rust", "sql"]);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn for_each_row(
        &mut self,
        stmt: &dyn Statement,
        each: impl FnMut(Row) -> Result<bool>,
    ) -> Result<()> {
        self.query_stmt(stmt, &mut EachRow(each))
    }

    fn query_with<S: RowSink>(&mut self, sql: &str, params: &[Value], sink: &mut S) -> Result<()> {
        self.alive()?;
        self.echo.log(sql, params);
        let watch = Watch::start(sql, params, self.echo, self.slow);
        let mut counted = Counted {
            inner: sink,
            rows: 0,
        };
        let r = with_driver!(&mut self.driver, c => c.run_query(sql, params, &mut counted));
        watch.done(Some(counted.rows), r.as_ref().err());
        self.noted(r)
    }

    /// The types `stmt`'s result columns are read as, where the driver needs telling;
    /// empty when it needs none. A table column's declared type the driver decodes by
    /// itself, unless the server's result metadata loses it (MySQL: a UTC instant, a
    /// boolean, ..).
    fn result_types(&self, stmt: &dyn Statement) -> Vec<crate::compile::types::OutputType> {
        self.read_types(stmt.output_types())
    }

    /// [`result_types`](Self::result_types) of a statement's output types.
    fn read_types(
        &self,
        mut types: Vec<crate::compile::types::OutputType>,
    ) -> Vec<crate::compile::types::OutputType> {
        for (ty, table_column) in &mut types {
            if *table_column && !ty.is_some_and(|t| self.dialect.result_loses_type(t)) {
                *ty = None;
            }
        }
        if types.iter().all(|(ty, _)| ty.is_none()) {
            types.clear();
        }
        types
    }

    /// Runs a compiled statement, its result columns read as `stmt` types them.
    fn query_stmt<S: RowSink>(&mut self, stmt: &dyn Statement, sink: &mut S) -> Result<()> {
        let c = self.cached(stmt, false)?;
        let types = self.result_types(stmt);
        self.query_typed(&c.sql, &c.params, &types, sink)
    }

    /// Runs SQL text, its result columns read as `types` say (none: as the driver
    /// decodes them).
    fn query_typed<S: RowSink>(
        &mut self,
        sql: &str,
        params: &[Value],
        types: &[crate::compile::types::OutputType],
        sink: &mut S,
    ) -> Result<()> {
        if types.is_empty() {
            return self.query_with(sql, params, sink);
        }
        self.query_with(sql, params, &mut typed::TypedSink { inner: sink, types })
    }

    /// Runs SQL text with positional parameters and returns its rows.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// let rows = conn.query_sql("SELECT name FROM tags WHERE id > ? ORDER BY id", &[1.into()])?;
    /// assert_eq!(rows.len(), 2);
    /// assert_eq!(rows[0].get::<String, _>("name")?, "sql");
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn query_sql(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut out = CollectRows(Vec::new());
        self.query_with(sql, params, &mut out)?;
        Ok(out.0)
    }

    /// Runs compiled SQL and returns its rows' values, row after row, in one vector,
    /// the columns read as `types` (a statement's output types) say: the ORM's flush.
    #[cfg(feature = "orm")]
    pub(crate) fn query_flat(
        &mut self,
        sql: &str,
        params: &[Value],
        types: &[crate::compile::types::OutputType],
    ) -> Result<Vec<Value>> {
        let types = self.read_types(types.to_vec());
        let mut out = CollectFlat(Vec::new());
        self.query_typed(sql, params, &types, &mut out)?;
        Ok(out.0)
    }

    /// Runs compiled SQL that returns no rows, its new key read from `key`: the ORM's
    /// flush.
    #[cfg(feature = "orm")]
    pub(crate) fn execute_keyed(
        &mut self,
        sql: &str,
        params: &[Value],
        key: KeySource,
    ) -> Result<ExecResult> {
        self.run_sql(sql, params, key)
    }

    /// The dialect, to compile with away from the connection (the ORM's flush).
    #[cfg(feature = "orm")]
    pub(crate) fn dialect_handle(&self) -> Arc<dyn Dialect> {
        self.dialect.clone()
    }

    /// Runs a query and returns all its rows.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// use sqlkit::expr::func;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// conn.execute(&insert(&t).columns(["name"]).row(("a",)).row(("b",)))?;
    /// let rows = conn.query(&select((t.c("id")?, t.c("name")?)).order_by(t.c("id")?))?;
    /// assert_eq!(rows[1].get::<String, _>("name")?, "b");
    /// let one = conn.query_one(&select(t.c("name")?).where_(t.c("id")?.eq(1)))?;
    /// assert_eq!(one.get::<String, _>(0)?, "a");
    /// let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(&t))?;
    /// assert_eq!(n, 2);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn query(&mut self, stmt: &dyn Statement) -> Result<Vec<Row>> {
        let mut out = CollectRows(Vec::new());
        self.query_stmt(stmt, &mut out)?;
        Ok(out.0)
    }

    /// Runs a query that must return exactly one row.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// let id = t.c("id")?;
    /// let row = conn.query_one(&select(t.c("name")?).where_(id.clone().eq(1)))?;
    /// assert_eq!(row.get::<String, _>(0)?, "rust");
    /// assert!(matches!(conn.query_one(&select(t.c("name")?).where_(id.eq(9))), Err(Error::NoRows)));
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn query_one(&mut self, stmt: &dyn Statement) -> Result<Row> {
        self.query_opt(stmt)?.ok_or(Error::NoRows)
    }

    /// Runs a query that returns at most one row.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// let id = t.c("id")?;
    /// assert!(conn.query_opt(&select(t.c("name")?).where_(id.clone().eq(9)))?.is_none());
    /// // More than one row is an error, not the first of them.
    /// assert!(matches!(conn.query_opt(&select(t.c("name")?)), Err(Error::TooManyRows)));
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn query_opt(&mut self, stmt: &dyn Statement) -> Result<Option<Row>> {
        let mut one = AtMostOne::default();
        self.for_each_row(stmt, |r| one.take(r))?;
        one.into_result()
    }

    /// The first column of the one row a query returns (`select(func::count_star())`).
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(&t))?;
    /// assert_eq!(n, 3);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn query_scalar<T: FromValue>(&mut self, stmt: &dyn Statement) -> Result<T> {
        self.query_one(stmt)?.get(0)
    }

    /// Runs a query and maps every row into `T` by column name (serde).
    ///
    /// Rows are decoded in place from the driver's row (names and decoding hints are
    /// worked out once per result set); no intermediate row of values is built.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).value("name", "rust"))?;
    /// #[derive(serde::Deserialize)]
    /// struct Named { #[serde(rename = "name")] label: String }
    /// let rows: Vec<Named> = conn.query_as(&select(t.c("name")?))?;
    /// assert_eq!(rows[0].label, "rust");
    /// let ids: Vec<i64> = conn.query_as(&select(t.c("id")?))?; // one column: a single value
    /// assert_eq!(ids, [1]);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn query_as<T: DeserializeOwned>(&mut self, stmt: &dyn Statement) -> Result<Vec<T>> {
        let mut out = CollectAs(Vec::new(), de::Layout::new(None));
        self.query_stmt(stmt, &mut out)?;
        Ok(out.0)
    }

    /// Runs a query that must return one row and maps it into `T`.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// #[derive(serde::Deserialize)]
    /// struct Tag { id: i64, name: String }
    /// let tag: Tag = conn.query_one_as(&select(&t).where_(t.c("name")?.eq("sql")))?;
    /// assert_eq!((tag.id, tag.name.as_str()), (2, "sql"));
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn query_one_as<T: DeserializeOwned>(&mut self, stmt: &dyn Statement) -> Result<T> {
        self.query_one(stmt)?.deserialize()
    }

    /// Runs a query that returns at most one row and maps it into `T`.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// #[derive(serde::Deserialize)]
    /// struct Tag { name: String }
    /// let none: Option<Tag> = conn.query_opt_as(&select(&t).where_(t.c("id")?.eq(9)))?;
    /// assert!(none.is_none());
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn query_opt_as<T: DeserializeOwned>(&mut self, stmt: &dyn Statement) -> Result<Option<T>> {
        self.query_opt(stmt)?.map(|r| r.deserialize()).transpose()
    }

    /// Runs a query and reads every row into `T` by [`FromRow`]: a struct with
    /// `#[derive(sqlkit::Table)]` or `#[derive(sqlkit::FromRow)]`, a tuple of them
    /// (`(Post, User)` for `select((posts, users))`, `Option<User>` for an outer
    /// join's missing side), or a plain type for one column (`i64`, `String`). Column
    /// positions are resolved once per result set; no serde, no owned row.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// # let t = Table::builder("t").column(ColumnDef::new("x", SqlType::BigInt)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// conn.execute(&insert(&t).columns(["x"]).row((1i64,)).row((2i64,)))?;
    /// let xs: Vec<i64> = conn.fetch_all(&select(t.c("x")?).order_by(t.c("x")?))?;
    /// assert_eq!(xs, [1, 2]);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn fetch_all<T: FromRow>(&mut self, stmt: &dyn Statement) -> Result<Vec<T>> {
        let mut out = from_row::CollectRows::<T>::new();
        self.query_stmt(stmt, &mut out)?;
        Ok(out.out)
    }

    /// The one row a query returns, read into `T` ([`Error::NoRows`] for none,
    /// [`Error::TooManyRows`] for more).
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(Debug, PartialEq, sqlkit::Table)]
    /// #[sqlkit(table = "tags")]
    /// struct Tag { #[sqlkit(primary_key)] id: i64, name: String }
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # let t = Tag::table();
    /// # conn.execute(&CreateTable::new(t))?;
    /// # conn.execute(&insert(t).columns((t.name,)).rows([("rust",), ("sql",)]))?;
    /// let tag: Tag = conn.fetch_one(&select(t).where_(t.id.eq(2)))?;
    /// assert_eq!(tag, Tag { id: 2, name: "sql".into() });
    /// let n: i64 = conn.fetch_one(&select(func::count_star()).select_from(t))?;
    /// assert_eq!(n, 2);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn fetch_one<T: FromRow>(&mut self, stmt: &dyn Statement) -> Result<T> {
        self.fetch_optional(stmt)?.ok_or(Error::NoRows)
    }

    /// The row a query returns, if any, read into `T` ([`Error::TooManyRows`] for
    /// more than one).
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(Debug, PartialEq, sqlkit::Table)]
    /// #[sqlkit(table = "tags")]
    /// struct Tag { #[sqlkit(primary_key)] id: i64, name: String }
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # let t = Tag::table();
    /// # conn.execute(&CreateTable::new(t))?;
    /// # conn.execute(&insert(t).columns((t.name,)).rows([("rust",), ("sql",)]))?;
    /// let none: Option<Tag> = conn.fetch_optional(&select(t).where_(t.id.eq(9)))?;
    /// assert_eq!(none, None);
    /// let name: Option<String> = conn.fetch_optional(&select(t.name).where_(t.id.eq(1)))?;
    /// assert_eq!(name.as_deref(), Some("rust"));
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn fetch_optional<T: FromRow>(&mut self, stmt: &dyn Statement) -> Result<Option<T>> {
        let mut one = AtMostOne::default();
        self.fetch_each(stmt, |r: T| one.take(r))?;
        one.into_result()
    }

    /// Streams a query's rows, each read into `T`, to `each` until it returns
    /// `false`: memory is bounded by one row on SQLite and by the driver's buffer on
    /// the servers, however large the result.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// conn.execute(&insert(&t).columns(["name"]).rows((0..1000).map(|i| [format!("t{i}")])))?;
    /// let mut longest = 0;
    /// conn.fetch_each(&select(t.c("name")?), |name: String| {
    ///     longest = longest.max(name.len());
    ///     Ok(true) // false stops reading
    /// })?;
    /// assert_eq!(longest, 4);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn fetch_each<T: FromRow>(
        &mut self,
        stmt: &dyn Statement,
        each: impl FnMut(T) -> Result<bool>,
    ) -> Result<()> {
        self.query_stmt(stmt, &mut from_row::EachAs::new(each))
    }

    /// Sends transaction control (BEGIN, COMMIT, SAVEPOINT, ...), which the aborted
    /// rule does not apply to.
    fn batch(&mut self, sql: &str) -> Result<()> {
        self.echo.log(sql, &[]);
        let r = with_driver!(&mut self.driver, c => c.run_batch(sql));
        self.follow_session();
        r
    }

    /// Begins a transaction; inside one, begins a savepoint. The returned guard rolls
    /// back on drop unless [`commit`](Transaction::commit) is called.
    ///
    /// Once a statement fails inside the transaction, the transaction is aborted (as
    /// PostgreSQL has it, on every database): further statements and `commit` return
    /// [`Error::TransactionAborted`] without reaching the server, and only a rollback
    /// is left. A savepoint contains an expected failure: roll back to it and the
    /// enclosing transaction goes on.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// conn.execute_sql("CREATE TABLE t (x INTEGER PRIMARY KEY)", &[])?;
    /// let mut tx = conn.begin()?;
    /// tx.execute_sql("INSERT INTO t VALUES (1)", &[])?;
    /// // The duplicate is expected: contain it in a savepoint.
    /// let dup = tx.transaction(|sp| sp.execute_sql("INSERT INTO t VALUES (1)", &[]));
    /// assert!(dup.is_err());
    /// tx.commit()?; // the first row is kept
    ///
    /// let mut tx = conn.begin()?;
    /// tx.execute_sql("INSERT INTO t VALUES (2)", &[])?;
    /// let _ = tx.execute_sql("INSERT INTO t VALUES (1)", &[]); // not contained
    /// assert!(matches!(tx.commit(), Err(Error::TransactionAborted { .. })));
    /// let n: i64 = conn.query_sql("SELECT count(*) FROM t", &[])?[0].get(0)?;
    /// assert_eq!(n, 1);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn begin(&mut self) -> Result<Transaction<'_>> {
        let depth = self.open_level()?;
        Ok(Transaction {
            conn: self,
            depth,
            done: false,
        })
    }

    /// Opens a transaction (a savepoint inside one) and returns its depth.
    fn open_level(&mut self) -> Result<u32> {
        self.alive()?;
        let depth = self.depth + 1;
        if depth == 1 {
            let begin = with_driver!(&self.driver, c => c.begin_sql());
            self.batch(begin)?;
            with_driver!(&mut self.driver, c => c.set_in_transaction(true));
        } else {
            self.batch(&format!("SAVEPOINT sqlkit_sp_{depth}"))?;
        }
        self.depth = depth;
        Ok(depth)
    }

    /// Begins a transaction (a savepoint inside one) without a guard borrowing the
    /// connection, for layers that keep a connection and its transaction across calls
    /// (the ORM's `Session`). End it with [`end_level`](Self::end_level); the same
    /// rules hold as for [`Transaction`]: a transaction a failure aborted cannot be
    /// committed, and a connection dropped (or returned to its pool) inside one rolls
    /// it back.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// let outer = conn.begin_level()?;
    /// conn.execute(&insert(&t).value("name", "kept"))?;
    /// let inner = conn.begin_level()?; // a savepoint
    /// conn.execute(&insert(&t).value("name", "undone"))?;
    /// conn.end_level(inner, false)?;
    /// conn.end_level(outer, true)?;
    /// let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(&t))?;
    /// assert_eq!(n, 1);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn begin_level(&mut self) -> Result<TxLevel> {
        self.open_level().map(|depth| TxLevel { depth })
    }

    /// Commits (`commit = true`) or rolls back a level begun with
    /// [`begin_level`](Self::begin_level). Levels end innermost first: ending an
    /// outer one while an inner one is open is an error that ends nothing. Committing
    /// a level a failure aborted rolls it back and returns
    /// [`Error::TransactionAborted`], as [`Transaction::commit`] does.
    pub fn end_level(&mut self, level: TxLevel, commit: bool) -> Result<()> {
        if level.depth != self.depth {
            return Err(Error::invalid(
                "transaction",
                format!(
                    "level {} ended while the connection is at level {}: end the inner levels first",
                    level.depth, self.depth
                ),
            ));
        }
        self.end_depth(level.depth, commit)
    }

    /// Whether a failure aborted the open transaction, so that only a rollback is left.
    pub fn is_aborted(&self) -> bool {
        self.aborted.is_some()
    }

    fn end_depth(&mut self, d: u32, commit: bool) -> Result<()> {
        if let Some(a) = self.aborted.take() {
            return self.end_aborted(d, commit, a);
        }
        let r = match (d, commit) {
            (1, true) => self.batch("COMMIT"),
            (1, false) => self.batch("ROLLBACK"),
            (_, true) => self.batch(&format!("RELEASE SAVEPOINT sqlkit_sp_{d}")),
            (_, false) => self
                .batch(&format!("ROLLBACK TO SAVEPOINT sqlkit_sp_{d}"))
                .and_then(|()| self.batch(&format!("RELEASE SAVEPOINT sqlkit_sp_{d}"))),
        };
        self.depth = d - 1;
        if d == 1 {
            self.ended();
        }
        if r.is_err() && d == 1 {
            // A failed COMMIT can leave the connection in the transaction (SQLite):
            // end it so the pooled connection is clean.
            let _ = self.batch("ROLLBACK");
        }
        r
    }

    /// Ends a transaction or savepoint that a failure aborted: the transaction is
    /// rolled back; a savepoint is rolled back to, which contains the failure unless
    /// the server ended the whole transaction or the caller asked to commit.
    fn end_aborted(&mut self, d: u32, commit: bool, a: Aborted) -> Result<()> {
        self.depth = d - 1;
        if d == 1 {
            self.ended();
        }
        let refused = |a: &Aborted| Error::TransactionAborted {
            cause: Box::new(a.cause.clone()),
        };
        if d == 1 {
            let _ = self.batch("ROLLBACK");
            return if commit { Err(refused(&a)) } else { Ok(()) };
        }
        if a.whole {
            // Nothing left on the server to roll back to: the enclosing transaction
            // stays aborted.
            let err = refused(&a);
            self.aborted = Some(a);
            return if commit { Err(err) } else { Ok(()) };
        }
        let back = self
            .batch(&format!("ROLLBACK TO SAVEPOINT sqlkit_sp_{d}"))
            .and_then(|()| self.batch(&format!("RELEASE SAVEPOINT sqlkit_sp_{d}")));
        if let Err(e) = back {
            self.aborted = Some(Aborted {
                cause: e,
                whole: true,
            });
            return Err(refused(&a));
        }
        if commit {
            // The work of the savepoint is undone, but the caller meant to keep it: the
            // enclosing transaction cannot be committed as if it had succeeded.
            let err = refused(&a);
            self.aborted = Some(a);
            return Err(err);
        }
        Ok(())
    }

    /// Runs `f` in a transaction (a savepoint when already in one): commits when `f`
    /// returns `Ok`, rolls back when it returns `Err` or panics.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// use sqlkit::expr::func;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text).unique()).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// conn.transaction(|tx| -> sqlkit::Result<()> {
    ///     tx.execute(&insert(&t).value("name", "kept"))?;
    ///     // An expected failure, contained by a savepoint.
    ///     let r: sqlkit::Result<()> = tx.transaction(|sp| {
    ///         sp.execute(&insert(&t).value("name", "kept"))?; // a duplicate
    ///         Ok(())
    ///     });
    ///     assert!(r.is_err());
    ///     Ok(())
    /// })?;
    /// let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(&t))?;
    /// assert_eq!(n, 1);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn transaction<T, E, F>(&mut self, f: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&mut Transaction<'_>) -> std::result::Result<T, E>,
        E: From<Error>,
    {
        let mut tx = self.begin()?;
        match f(&mut tx) {
            Ok(v) => {
                tx.commit()?;
                Ok(v)
            }
            Err(e) => {
                tx.rollback()?;
                Err(e)
            }
        }
    }

    /// Creates every table and index of `metadata` that does not exist yet, parents
    /// first.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "users")]
    /// struct User { #[sqlkit(primary_key)] id: i64, name: String }
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "posts")]
    /// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] user_id: i64 }
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// let mut md = MetaData::new();
    /// md.add(Post::table())?.add(User::table())?; // any order: parents are created first
    /// conn.create_all(&md)?;
    /// conn.create_all(&md)?; // tables that exist are left as they are
    /// conn.execute(&insert(User::table()).value(User::table().name, "ann"))?;
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn create_all(&mut self, metadata: &MetaData) -> Result<()> {
        for s in metadata.create_all_statements(self.dialect(), true)? {
            self.execute(&s)?;
        }
        Ok(())
    }

    /// Drops every table of `metadata` that exists, children first.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "users")]
    /// struct User { #[sqlkit(primary_key)] id: i64, name: String }
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "posts")]
    /// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] user_id: i64 }
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// let mut md = MetaData::new();
    /// md.add(User::table())?.add(Post::table())?;
    /// conn.create_all(&md)?;
    /// conn.drop_all(&md)?; // children first
    /// assert!(conn.query_sql("SELECT * FROM users", &[]).is_err());
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn drop_all(&mut self, metadata: &MetaData) -> Result<()> {
        for s in metadata.drop_all_statements(true)? {
            self.execute(&s)?;
        }
        Ok(())
    }

    /// How deep in transactions the connection is (0: none, 1: a transaction, 2+:
    /// savepoints).
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// assert_eq!(conn.transaction_depth(), 0);
    /// let mut tx = conn.begin()?;
    /// assert_eq!(tx.transaction_depth(), 1);
    /// let sp = tx.savepoint()?;
    /// assert_eq!(sp.transaction_depth(), 2);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn transaction_depth(&self) -> u32 {
        self.depth
    }
}

/// A transaction level begun with [`Connection::begin_level`]: its depth, to be
/// handed back to [`Connection::end_level`]. It borrows nothing; a level never ended
/// is rolled back when the connection is dropped or returned to its pool.
#[must_use = "a transaction level is ended with Connection::end_level"]
#[derive(Debug, PartialEq, Eq)]
pub struct TxLevel {
    depth: u32,
}

impl TxLevel {
    /// The level's depth (1: the transaction, 2+: savepoints).
    pub fn depth(&self) -> u32 {
        self.depth
    }
}

/// A transaction (or savepoint) on a [`Connection`]. It dereferences to the
/// connection, so everything a connection does works inside it, including
/// [`begin`](Connection::begin) for a nested savepoint. Dropping it without
/// [`commit`](Transaction::commit) rolls it back.
///
/// ```
/// # use sqlkit::prelude::*;
/// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
/// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
/// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
/// # conn.execute(&CreateTable::new(&t))?;
/// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
/// // Commit or drop: what happens in between is kept whole, or not at all.
/// let mut tx = conn.begin()?;
/// tx.execute(&update(&t).set("name", "Rust").where_(t.c("id")?.eq(1)))?;
/// tx.commit()?;
/// // The closure form commits on Ok and rolls back on Err.
/// let r: Result<()> = conn.transaction(|tx| {
///     tx.execute(&delete(&t).where_(t.c("id")?.eq(1)))?;
///     Err(Error::NoRows) // changed our mind
/// });
/// assert!(r.is_err());
/// let name: String = conn.query_scalar(&select(t.c("name")?).where_(t.c("id")?.eq(1)))?;
/// assert_eq!(name, "Rust");
/// # Ok::<(), sqlkit::Error>(())
/// ```
pub struct Transaction<'c> {
    conn: &'c mut Connection,
    depth: u32,
    done: bool,
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("depth", &self.depth)
            .finish()
    }
}

impl Transaction<'_> {
    fn end(&mut self, commit: bool) -> Result<()> {
        self.done = true;
        self.conn.end_depth(self.depth, commit)
    }

    /// Whether a failure aborted this transaction, so that only a rollback is left.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// let mut tx = conn.begin()?;
    /// // A failed statement aborts the transaction, on every database.
    /// assert!(tx.execute_sql("INSERT INTO nowhere VALUES (1)", &[]).is_err());
    /// assert!(tx.is_aborted());
    /// assert!(matches!(tx.commit(), Err(Error::TransactionAborted { .. })));
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn is_aborted(&self) -> bool {
        self.conn.aborted.is_some()
    }

    /// Commits the transaction (releases the savepoint). In a transaction that a
    /// failure aborted, rolls back instead and returns [`Error::TransactionAborted`].
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// let mut tx = conn.begin()?;
    /// tx.execute(&insert(&t).value("name", "cte"))?;
    /// tx.commit()?;
    /// let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(&t))?;
    /// assert_eq!(n, 4);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn commit(mut self) -> Result<()> {
        self.end(true)
    }
    /// Rolls the transaction (or savepoint) back.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// let mut tx = conn.begin()?;
    /// tx.execute(&delete(&t))?;
    /// tx.rollback()?; // as dropping it without a commit does
    /// let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(&t))?;
    /// assert_eq!(n, 3);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn rollback(mut self) -> Result<()> {
        self.end(false)
    }
    /// Begins a nested savepoint (SQLAlchemy's `begin_nested`).
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// let mut tx = conn.begin()?;
    /// tx.execute(&insert(&t).value("name", "kept"))?;
    /// {
    ///     let mut sp = tx.savepoint()?;
    ///     sp.execute(&delete(&t))?;
    ///     sp.rollback()?; // undoes only the savepoint's work
    /// }
    /// tx.commit()?;
    /// let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(&t))?;
    /// assert_eq!(n, 4);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn savepoint(&mut self) -> Result<Transaction<'_>> {
        self.conn.begin()
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}
impl std::ops::DerefMut for Transaction<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.end(false);
        }
    }
}
