//! # sqlkit
//!
//! SQL as Rust values, in the spirit of SQLAlchemy 2.0 Core: tables and typed
//! columns, a composable expression tree, statements, and one compiler that renders
//! them for PostgreSQL, MySQL/MariaDB or SQLite, chosen at run time; an engine that
//! runs them and reads rows back into Rust types.
//!
//! ## Getting started
//!
//! ```toml
//! [dependencies]
//! sqlkit = "0.1"                                              # SQLite (bundled), the default
//! # sqlkit = { version = "0.1", features = ["postgres", "mysql"] }  # and the servers
//! ```
//!
//! Features: `sqlite` (default; rusqlite with a bundled SQLite), `postgres`, `mysql`
//! (MySQL and MariaDB), `postgres-tls` / `mysql-tls` / `tls` (rustls). Without any,
//! the Core (tables, expressions, statements, compiling) builds with no driver.
//!
//! A model is a struct with `#[derive(sqlkit::Table)]`: the derive declares the table
//! and reads rows back into the struct. An [`Engine`](engine::Engine) is made from a
//! URL, so the database is chosen by configuration:
//!
//! ```
//! use sqlkit::prelude::*;
//!
//! #[derive(Debug, serde::Serialize, sqlkit::Table)]
//! #[sqlkit(table = "users")]
//! struct User {
//!     #[sqlkit(primary_key)]
//!     id: Option<i64>,
//!     #[sqlkit(string = 255, unique)]
//!     email: String,
//!     #[sqlkit(default = true)]
//!     is_active: bool,
//! }
//!
//! let engine = Engine::from_url("sqlite://")?; // or postgresql://.. or mysql://..
//! let mut conn = engine.connect()?;
//! let users = User::table();
//! conn.execute(&CreateTable::new(users))?;
//!
//! // A transaction: committed when the closure returns Ok, rolled back otherwise.
//! conn.transaction(|tx| -> sqlkit::Result<()> {
//!     tx.execute(&insert(users).value(users.email, "ann@example.com"))?;
//!     tx.execute(&insert(users).record(&User { id: None, email: "bob@example.com".into(), is_active: false }))?;
//!     Ok(())
//! })?;
//!
//! // A query, read into the model (by position, no serde on the way).
//! let active: Vec<User> = conn.fetch_all(
//!     &select(users).where_(users.is_active.eq(true)).order_by(users.email),
//! )?;
//! assert_eq!(active.len(), 1);
//! assert_eq!(active[0].email, "ann@example.com");
//!
//! // The same statement, compiled for each dialect.
//! let q = select(users.email).where_(users.email.like("%@example.com")).limit(10);
//! assert_eq!(q.compile(&Postgres::default())?.sql,
//!     "SELECT users.email FROM users WHERE users.email LIKE $1 LIMIT $2");
//! assert_eq!(q.compile(&Mysql::default())?.sql,
//!     "SELECT users.email FROM users WHERE users.email LIKE ? LIMIT ?");
//! # Ok::<(), sqlkit::Error>(())
//! ```
//!
//! Where to go next:
//!
//! - [`stmt::Select`] and its builder methods (joins, GROUP BY, set operations, CTEs,
//!   window functions through [`expr::Window`], locks), [`stmt::Insert`] (rows,
//!   records, `from_select`, upserts), [`stmt::Update`], [`stmt::Delete`];
//! - [`expr::func`] for functions, [`expr::ExprOps`] for operators, [`expr::case`];
//! - [`engine::Connection`]: `execute`, `fetch_all` / `fetch_one` / `fetch_each` into
//!   [`engine::FromRow`] types (tables, tuples of them, plain values), `query_as` into
//!   serde types, transactions and savepoints, `execute_many`;
//! - [`guide`]: the SQLAlchemy → sqlkit map, what each construct becomes on each
//!   dialect, how each type is stored, the errors, the tests and the performance
//!   figures (the README, in full).
//!
//! Layers: the Core (`schema`, `expr`, `stmt`, `compile`, `dialect`) needs no
//! database driver; the `engine` module (feature `sqlite`, on by default) runs
//! statements.
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod compile;
pub mod dialect;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub mod engine;
pub mod error;
pub mod expr;
#[cfg(all(
    feature = "migrate",
    any(feature = "sqlite", feature = "postgres", feature = "mysql")
))]
pub mod migrate;
mod name;
#[cfg(all(
    feature = "orm",
    any(feature = "sqlite", feature = "postgres", feature = "mysql")
))]
pub mod orm;
pub mod schema;
pub mod stmt;
pub mod url;
pub mod value;

pub use compile::{Binder, Compiled, KeySource};
pub use error::{DbErrorKind, Error, JoinFailure, MigrationFailure, Result, SchemaMismatch};
pub use name::Name;
#[cfg(all(
    feature = "migrate",
    any(feature = "sqlite", feature = "postgres", feature = "mysql")
))]
pub use sqlkit_macros::embed_migrations;
pub use sqlkit_macros::{FromRow, Model, Record, Table};

/// Used by the derives: the `FromRow` impl, kept where the connection layer (which
/// defines the trait) is built, dropped where it is not.
#[doc(hidden)]
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
#[macro_export]
macro_rules! __from_row {
    ($($t:tt)*) => { $($t)* };
}
#[doc(hidden)]
#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
#[macro_export]
macro_rules! __from_row {
    ($($t:tt)*) => {};
}
#[doc(hidden)]
#[cfg(all(
    feature = "orm",
    any(feature = "sqlite", feature = "postgres", feature = "mysql")
))]
#[macro_export]
macro_rules! __orm_model {
    ($($t:tt)*) => { $($t)* };
}
#[doc(hidden)]
#[cfg(not(all(
    feature = "orm",
    any(feature = "sqlite", feature = "postgres", feature = "mysql")
)))]
#[macro_export]
macro_rules! __orm_model {
    ($($t:tt)*) => {
        ::std::compile_error!(
            "#[derive(sqlkit::Model)] needs sqlkit's `orm` feature and a database driver"
        );
    };
}
pub use value::{ColumnType, FromValue, Text, ToValue, Value};

#[doc(hidden)]
pub use chrono as __chrono;

/// Everything needed to define tables and build statements: `use sqlkit::prelude::*;`.
pub mod prelude {
    pub use crate::dialect::{dialect_for, Dialect, Generic, Mysql, Postgres, Sqlite};
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    pub use crate::engine::{Connection, Engine, EngineBuilder, ExecResult, Row, Transaction};
    pub use crate::expr::{
        all_, and_, any_, asc, bind, bindparam, case, case_of, desc, excluded, exists, func,
        literal, not_, not_exists, or_, raw, tuple_, Any, Bound, Column, DatePart, Expr, ExprOps,
        Window,
    };
    pub use crate::schema::{ColumnDef, FkAction, ForeignKey, MetaData, SqlType, Table};
    pub use crate::stmt::{
        delete, insert, select, update, AsTable, CreateTable, Delete, DropTable, Insert, Select,
        Statement, Subquery, Update,
    };
    pub use crate::value::Value;
    pub use crate::{DbErrorKind, Error, Result};
}

/// The README in full: the SQLAlchemy → sqlkit map, the dialect table, type storage,
/// errors, tests and performance.
#[cfg(not(doctest))]
#[doc = include_str!("../README.md")]
pub mod guide {}

/// The README's examples, compiled and run as doctests.
#[cfg(all(doctest, feature = "sqlite"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
