//! Migrations (feature `migrate`), as Alembic does them: **reflection** of a live
//! database into the same [`MetaData`](crate::schema::MetaData) the models build,
//! dialect-neutral **operations** with inverses rendered per database (SQLite's table
//! rebuild where it cannot ALTER), **autogenerate** comparing models with the database
//! in a normal form, **revision files** in a `migrations/` folder, a version table, and
//! the **commands** (`upgrade`, `downgrade`, `check`, ..) as a library entry point.
//!
//! ```
//! use sqlkit::prelude::*;
//! use sqlkit::migrate::{reflect, TableShape};
//! # let users = Table::builder("users")
//! #     .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
//! #     .column(ColumnDef::new("email", SqlType::String(200)).not_null().unique())
//! #     .build()?;
//! let mut conn = Engine::from_url("sqlite://?cache=private")?.connect()?;
//! conn.execute(&CreateTable::new(&users))?;
//! let md = reflect(&mut conn)?;
//! let back = md.table("users").ok_or(sqlkit::Error::Schema("no users table".into()))?;
//! assert_eq!(TableShape::of(back.def()), TableShape::of(users.def()));
//! # Ok::<(), sqlkit::Error>(())
//! ```

pub mod cli;
mod diff;
mod ops;
mod preflight;
mod rebuild;
mod reflect;
mod render;
mod revision;
mod runner;
mod shape;
mod sqltext;

pub use diff::{
    autogenerate, autogenerate_with, prefer_known, Include, ObjectKind, ObjectRef, RenameQuestion,
    Renames, VERSION_TABLE,
};
pub use ops::{
    parse_action, parse_type, type_name, widens, CheckSpec, ColumnSpec, DefaultSpec, DialectSql,
    ForeignKeySpec, IndexSpec, Op, SchemaState, TableSpec, UniqueSpec,
};
pub use reflect::{reflect, reflect_table};
pub use render::{render, sqlite_rebuilds, REBUILD_PREFIX};
pub use revision::{Migrations, Revision, MAX_ID};
pub use runner::{CheckReport, Migrator, Target, VersionState};
pub use shape::{predicate, ColumnShape, ForeignKeyShape, IndexShape, TableShape};
