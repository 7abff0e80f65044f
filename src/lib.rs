//! # sqlkit
//!
//! SQL as Rust values, in the spirit of SQLAlchemy 2.0 Core: tables and typed
//! columns, a composable expression tree, statements, and one compiler that renders
//! them for PostgreSQL, MySQL/MariaDB or SQLite, chosen at run time.
//!
//! ```
//! use sqlkit::prelude::*;
//!
//! let users = Table::builder("users")
//!     .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
//!     .column(ColumnDef::new("email", SqlType::String(255)).not_null())
//!     .build()?;
//! let email = users.column::<String>("email")?;
//! let q = select(email.clone()).where_(email.like("%@example.com")).limit(10);
//!
//! let pg = q.compile(&Postgres::default())?;
//! assert_eq!(pg.sql, "SELECT users.email FROM users WHERE users.email LIKE $1 LIMIT $2");
//! let my = q.compile(&Mysql::default())?;
//! assert_eq!(my.sql, "SELECT users.email FROM users WHERE users.email LIKE ? LIMIT ?");
//! # Ok::<(), sqlkit::Error>(())
//! ```
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
mod name;
pub mod schema;
pub mod stmt;
pub mod url;
pub mod value;

pub use compile::{Binder, Compiled, KeySource};
pub use error::{DbErrorKind, Error, JoinFailure, Result};
pub use name::Name;
pub use sqlkit_macros::{FromRow, Table};

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
pub use value::{FromValue, Text, ToValue, Value};

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

/// The README's examples, compiled and run as doctests.
#[cfg(all(doctest, feature = "sqlite"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
