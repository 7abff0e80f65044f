//! Migrations (feature `migrate`), as Alembic does them. This first part is
//! **reflection**: reading a live database's tables back into the same
//! [`MetaData`](crate::schema::MetaData) the models build, so that a database sqlkit
//! did not create can be queried, and so that models and database can be compared like
//! with like ([`TableShape`]).
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
//!
//! Operations, autogenerate, revisions and the command line are not built yet.

mod reflect;
mod shape;

pub use reflect::{reflect, reflect_table};
pub use shape::{ColumnShape, ForeignKeyShape, IndexShape, TableShape};
