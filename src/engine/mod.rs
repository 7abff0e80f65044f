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
mod row;
mod sqlite;

pub use row::{Row, RowIndex};

use crate::compile::Compiled;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::schema::MetaData;
use crate::stmt::Statement;
use crate::url::{self, Backend, SqliteTarget};
use crate::value::{FromValue, Value};
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What executing a statement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecResult {
    /// Rows matched by an UPDATE or DELETE, or inserted by an INSERT.
    pub rows_affected: u64,
    /// The id the database assigned to the last inserted row, after an INSERT.
    pub last_insert_id: Option<i64>,
}

enum Pool {
    Sqlite(r2d2::Pool<sqlite::Manager>),
}

struct Inner {
    url: String,
    pool: Pool,
    dialect: Arc<dyn Dialect>,
    // Keeps a shared in-memory SQLite database alive while the engine lives.
    _keeper: Option<Mutex<rusqlite::Connection>>,
}

/// The starting point: made once from a URL, cheap to clone, shared across threads.
///
/// URLs are written as SQLAlchemy writes them: `sqlite://` or `sqlite::memory:` (one
/// in-memory database shared by all the engine's connections), `sqlite:///relative.db`,
/// `sqlite:////absolute/path.db`. `postgresql://` and `mysql://` URLs need the
/// `postgres` / `mysql` features.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("url", &self.inner.url)
            .field("dialect", &self.inner.dialect.name())
            .finish()
    }
}

impl Engine {
    /// Creates an engine (and its pool) from a database URL.
    pub fn from_url(url: &str) -> Result<Engine> {
        match url::parse(url)? {
            Backend::Sqlite(target) => {
                let (manager, keeper) = match &target {
                    SqliteTarget::Memory => {
                        let m = sqlite::Manager::new(None);
                        let keeper = m.open()?;
                        (m, Some(Mutex::new(keeper)))
                    }
                    SqliteTarget::File(path) => (sqlite::Manager::new(Some(path)), None),
                };
                let pool = r2d2::Pool::builder()
                    .max_size(8)
                    .min_idle(Some(0))
                    .connection_timeout(Duration::from_secs(30))
                    .build_unchecked(manager);
                Ok(Engine {
                    inner: Arc::new(Inner {
                        url: url::redact(url),
                        pool: Pool::Sqlite(pool),
                        dialect: Arc::new(sqlite::dialect()),
                        _keeper: keeper,
                    }),
                })
            }
            Backend::Postgres => Err(Error::MissingFeature {
                scheme: "postgresql".into(),
                feature: "postgres",
            }),
            Backend::Mysql | Backend::Mariadb => Err(Error::MissingFeature {
                scheme: "mysql".into(),
                feature: "mysql",
            }),
        }
    }

    /// The dialect of the engine's database, at the server's version.
    pub fn dialect(&self) -> &dyn Dialect {
        &*self.inner.dialect
    }

    /// Checks a connection out of the pool.
    pub fn connect(&self) -> Result<Connection> {
        let driver = match &self.inner.pool {
            Pool::Sqlite(p) => {
                Driver::Sqlite(p.get().map_err(|e| Error::Pool(e.to_string().into()))?)
            }
        };
        Ok(Connection {
            driver,
            dialect: self.inner.dialect.clone(),
            depth: 0,
        })
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

enum Driver {
    Sqlite(r2d2::PooledConnection<sqlite::Manager>),
}

/// A database connection checked out of an [`Engine`]'s pool; returned to it on drop.
pub struct Connection {
    driver: Driver,
    dialect: Arc<dyn Dialect>,
    depth: u32,
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
    pub fn dialect(&self) -> &dyn Dialect {
        &*self.dialect
    }

    /// Compiles a statement for this connection's dialect.
    pub fn compile(&self, stmt: &dyn Statement) -> Result<Compiled> {
        stmt.compile(&*self.dialect)
    }

    /// Executes a statement, returning rows affected and the last inserted id.
    pub fn execute(&mut self, stmt: &dyn Statement) -> Result<ExecResult> {
        let c = self.compile(stmt)?;
        self.execute_sql(&c.sql, &c.params)
    }

    /// Executes SQL text with positional parameters.
    pub fn execute_sql(&mut self, sql: &str, params: &[Value]) -> Result<ExecResult> {
        match &self.driver {
            Driver::Sqlite(c) => sqlite::execute(c, sql, params),
        }
    }

    /// Compiles `stmt` once (its changing values written as
    /// [`bindparam`](crate::expr::bindparam)s named in `names`) and executes it once per
    /// row of `rows`, whose `k`-th value fills the `k`-th name. The prepared statement is
    /// reused and names are resolved to slots once. Returns the total rows affected.
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
    pub fn execute_many<R: AsRef<[Value]>>(
        &mut self,
        stmt: &dyn Statement,
        names: &[&str],
        rows: impl IntoIterator<Item = R>,
    ) -> Result<u64> {
        let c = self.compile(stmt)?;
        let binder = c.binder(names)?;
        let mut params = Vec::with_capacity(c.params.len());
        let mut total = 0;
        for row in rows {
            binder.bind_into(row.as_ref(), &mut params)?;
            total += self.execute_sql(&c.sql, &params)?.rows_affected;
        }
        Ok(total)
    }

    /// Runs a query and calls `each` for every row until it returns `false`.
    pub fn for_each_row(
        &mut self,
        stmt: &dyn Statement,
        mut each: impl FnMut(Row) -> Result<bool>,
    ) -> Result<()> {
        let c = self.compile(stmt)?;
        self.query_sql_each(&c.sql, &c.params, |cells| each(cells.to_row()?))
    }

    fn query_sql_each(
        &mut self,
        sql: &str,
        params: &[Value],
        each: impl FnMut(&sqlite::SqliteCells<'_, '_>) -> Result<bool>,
    ) -> Result<()> {
        match &self.driver {
            Driver::Sqlite(c) => sqlite::query(c, sql, params, each),
        }
    }

    /// Runs SQL text with positional parameters and returns its rows.
    pub fn query_sql(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        self.query_sql_each(sql, params, |cells| {
            out.push(cells.to_row()?);
            Ok(true)
        })?;
        Ok(out)
    }

    /// Runs a query and returns all its rows.
    pub fn query(&mut self, stmt: &dyn Statement) -> Result<Vec<Row>> {
        let c = self.compile(stmt)?;
        self.query_sql(&c.sql, &c.params)
    }

    /// Runs a query that must return exactly one row.
    pub fn query_one(&mut self, stmt: &dyn Statement) -> Result<Row> {
        self.query_opt(stmt)?.ok_or(Error::NoRows)
    }

    /// Runs a query that returns at most one row.
    pub fn query_opt(&mut self, stmt: &dyn Statement) -> Result<Option<Row>> {
        let mut found = None;
        let mut extra = false;
        self.for_each_row(stmt, |r| {
            if found.is_some() {
                extra = true;
                return Ok(false);
            }
            found = Some(r);
            Ok(true)
        })?;
        if extra {
            return Err(Error::TooManyRows);
        }
        Ok(found)
    }

    /// The first column of the one row a query returns (`select(func::count_star())`).
    pub fn query_scalar<T: FromValue>(&mut self, stmt: &dyn Statement) -> Result<T> {
        self.query_one(stmt)?.get(0)
    }

    /// Runs a query and maps every row into `T` by column name (serde).
    ///
    /// Rows are decoded in place from the driver's row (names and decoding hints are
    /// worked out once per result set); no intermediate row of values is built.
    pub fn query_as<T: DeserializeOwned>(&mut self, stmt: &dyn Statement) -> Result<Vec<T>> {
        let c = self.compile(stmt)?;
        let mut out = Vec::new();
        self.query_sql_each(&c.sql, &c.params, |cells| {
            out.push(de::from_cells(cells)?);
            Ok(true)
        })?;
        Ok(out)
    }

    /// Runs a query that must return one row and maps it into `T`.
    pub fn query_one_as<T: DeserializeOwned>(&mut self, stmt: &dyn Statement) -> Result<T> {
        self.query_one(stmt)?.deserialize()
    }

    /// Runs a query that returns at most one row and maps it into `T`.
    pub fn query_opt_as<T: DeserializeOwned>(&mut self, stmt: &dyn Statement) -> Result<Option<T>> {
        self.query_opt(stmt)?.map(|r| r.deserialize()).transpose()
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        match &self.driver {
            Driver::Sqlite(c) => sqlite::batch(c, sql),
        }
    }

    /// Begins a transaction; inside one, begins a savepoint. The returned guard rolls
    /// back on drop unless [`commit`](Transaction::commit) is called.
    pub fn begin(&mut self) -> Result<Transaction<'_>> {
        let depth = self.depth + 1;
        if depth == 1 {
            self.batch("BEGIN")?;
        } else {
            self.batch(&format!("SAVEPOINT sqlkit_sp_{depth}"))?;
        }
        self.depth = depth;
        Ok(Transaction {
            conn: self,
            depth,
            done: false,
        })
    }

    /// Runs `f` in a transaction (a savepoint when already in one): commits when `f`
    /// returns `Ok`, rolls back when it returns `Err` or panics.
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
    pub fn create_all(&mut self, metadata: &MetaData) -> Result<()> {
        for s in metadata.create_all_statements(self.dialect(), true)? {
            self.execute(&s)?;
        }
        Ok(())
    }

    /// Drops every table of `metadata` that exists, children first.
    pub fn drop_all(&mut self, metadata: &MetaData) -> Result<()> {
        for s in metadata.drop_all_statements(true)? {
            self.execute(&s)?;
        }
        Ok(())
    }

    /// How deep in transactions the connection is (0: none, 1: a transaction, 2+:
    /// savepoints).
    pub fn transaction_depth(&self) -> u32 {
        self.depth
    }
}

/// A transaction (or savepoint) on a [`Connection`]. It dereferences to the
/// connection, so everything a connection does works inside it, including
/// [`begin`](Connection::begin) for a nested savepoint. Dropping it without
/// [`commit`](Transaction::commit) rolls it back.
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
        let d = self.depth;
        let r = match (d, commit) {
            (1, true) => self.conn.batch("COMMIT"),
            (1, false) => self.conn.batch("ROLLBACK"),
            (_, true) => self.conn.batch(&format!("RELEASE SAVEPOINT sqlkit_sp_{d}")),
            (_, false) => self.conn.batch(&format!(
                "ROLLBACK TO SAVEPOINT sqlkit_sp_{d}; RELEASE SAVEPOINT sqlkit_sp_{d}"
            )),
        };
        self.conn.depth = d - 1;
        if r.is_err() && d == 1 {
            // A failed COMMIT leaves SQLite in the transaction: end it so the pooled
            // connection is clean.
            let _ = self.conn.batch("ROLLBACK");
        }
        r
    }
    /// Commits the transaction (releases the savepoint).
    pub fn commit(mut self) -> Result<()> {
        self.end(true)
    }
    /// Rolls the transaction (or savepoint) back.
    pub fn rollback(mut self) -> Result<()> {
        self.end(false)
    }
    /// Begins a nested savepoint (SQLAlchemy's `begin_nested`).
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
