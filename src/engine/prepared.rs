//! Statements compiled once and run many times with new values ([`Prepared`]).

use super::{from_row, AtMostOne, Connection, ExecResult, FromRow};
use crate::compile::types::OutputType;
use crate::compile::{Binder, Compiled};
use crate::dialect::Dialect;
use crate::stmt::Statement;
use crate::value::Value;
use crate::{Error, Result};
use std::sync::Arc;

/// A statement compiled once for a connection's dialect, its named
/// [`bindparam`](crate::expr::bindparam)s resolved to slots and its result types worked
/// out: each run costs what binding the new values and the driver cost, with no tree
/// to build, key or look up. (SQLAlchemy's compiled cache does this implicitly; here it
/// is a value the application keeps, typically next to the code that runs it.)
///
/// Made by [`Connection::prepare`]; runs on connections of the same engine (or of
/// engines of the same dialect object), and refuses others with a typed error, since
/// its SQL is one dialect's.
///
/// ```
/// use sqlkit::prelude::*;
/// #[derive(Debug, PartialEq, sqlkit::Table)]
/// #[sqlkit(table = "tags")]
/// struct Tag { #[sqlkit(primary_key)] id: i64, name: String }
///
/// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
/// let t = Tag::table();
/// conn.execute(&CreateTable::new(t))?;
/// let add = conn.prepare(&insert(t).value(t.name, bindparam::<String>("name")), &["name"])?;
/// for name in ["rust", "sql"] {
///     add.execute(&mut conn, &[name.into()])?;
/// }
/// let by_id = conn.prepare(&select(t).where_(t.id.eq(bindparam::<i64>("id"))), &["id"])?;
/// let tag: Tag = by_id.fetch_one(&mut conn, &[2.into()])?;
/// assert_eq!(tag.name, "sql");
/// assert_eq!(by_id.fetch_optional::<Tag>(&mut conn, &[9.into()])?, None);
/// # Ok::<(), sqlkit::Error>(())
/// ```
#[derive(Clone)]
pub struct Prepared {
    compiled: Compiled,
    binder: Binder,
    /// The result columns' types where the driver needs telling; empty when none.
    types: Vec<OutputType>,
    dialect: Arc<dyn Dialect>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("sql", &self.compiled.sql)
            .field("dialect", &self.dialect.name())
            .finish()
    }
}

impl Connection {
    /// Compiles `stmt` once for this connection's dialect, for running many times with
    /// new values: its changing values written as [`bindparam`](crate::expr::bindparam)s
    /// named in `names`, whose `k`-th value each run gives (see [`Prepared`]).
    pub fn prepare(&self, stmt: &dyn Statement, names: &[&str]) -> Result<Prepared> {
        let compiled = stmt.compile_to_run(&*self.dialect)?;
        let binder = compiled.binder(names)?;
        let types = self.result_types(stmt);
        Ok(Prepared {
            compiled,
            binder,
            types,
            dialect: self.dialect.clone(),
        })
    }
}

impl Prepared {
    /// The SQL text, in the dialect it was compiled for.
    pub fn sql(&self) -> &str {
        &self.compiled.sql
    }

    fn params(&self, conn: &Connection, values: &[Value]) -> Result<Vec<Value>> {
        if !Arc::ptr_eq(&self.dialect, &conn.dialect) {
            return Err(Error::invalid(
                "Prepared",
                format!(
                    "compiled for {} on another engine (or session mode); prepare it on this connection",
                    self.dialect.name()
                ),
            ));
        }
        self.binder.bind(values)
    }

    /// Runs it with `values` (one for each name given to
    /// [`prepare`](Connection::prepare), in order) and returns the rows affected and
    /// the new key, as [`Connection::execute`] does.
    pub fn execute(&self, conn: &mut Connection, values: &[Value]) -> Result<ExecResult> {
        let params = self.params(conn, values)?;
        conn.run_sql(&self.compiled.sql, &params, self.compiled.key)
    }

    /// Runs the query with `values` and reads every row into `T`.
    pub fn fetch_all<T: FromRow>(&self, conn: &mut Connection, values: &[Value]) -> Result<Vec<T>> {
        let mut out = from_row::CollectRows::<T>::new();
        self.query(conn, values, &mut out)?;
        Ok(out.out)
    }

    /// The one row the query returns ([`Error::NoRows`] for none,
    /// [`Error::TooManyRows`] for more).
    pub fn fetch_one<T: FromRow>(&self, conn: &mut Connection, values: &[Value]) -> Result<T> {
        self.fetch_optional(conn, values)?.ok_or(Error::NoRows)
    }

    /// The row the query returns, if any ([`Error::TooManyRows`] for more than one).
    pub fn fetch_optional<T: FromRow>(
        &self,
        conn: &mut Connection,
        values: &[Value],
    ) -> Result<Option<T>> {
        let mut one = AtMostOne::default();
        let mut each = from_row::EachAs::new(|r: T| one.take(r));
        self.query(conn, values, &mut each)?;
        one.into_result()
    }

    fn query<S: super::RowSink>(
        &self,
        conn: &mut Connection,
        values: &[Value],
        sink: &mut S,
    ) -> Result<()> {
        let params = self.params(conn, values)?;
        conn.query_typed(&self.compiled.sql, &params, &self.types, sink)
    }
}
