//! The mapping layer (feature `orm`): SQLAlchemy's `Session` in Rust, without implicit
//! I/O.
//!
//! - **Models** are `#[derive(sqlkit::Table, sqlkit::Model)]` structs. Their
//!   relationships are functions next to them returning typed descriptors
//!   ([`ManyToOne`], [`OneToMany`], [`ManyToMany`]) over a foreign-key column or a
//!   tuple of them ([`ForeignKeyColumns`]), listed in `#[sqlkit(relationships(..))]` so
//!   that a flush knows their cascades.
//! - **The session owns the objects.** [`Session::add`] moves an object in and returns a
//!   [`Handle`], a `Copy` index into the session. [`Session::get`] looks in the identity
//!   map first; one row is one object, so the same key gives the same handle.
//!   [`Session::obj`] reads an object and [`Session::obj_mut`] changes it.
//! - **Changes are found by comparison.** The session keeps a copy of what the database
//!   has for each object, taken when the object is first handed out to change (copy on
//!   write); a flush compares and updates only the changed columns.
//! - **Flush is a plan** ([`Flush`]): inserts parents first (a child linked to a new
//!   parent gets the parent's generated key), one table's rows in multi-row INSERTs with
//!   RETURNING where the server has it, updates, then deletes children first with the
//!   relationships' cascades; what the server's `ON DELETE CASCADE` / `SET NULL` did
//!   follows in the session. A flush runs in a savepoint: one that fails is undone in
//!   the database and in the session, which is left exactly as before it.
//! - **No implicit I/O.** Reading a relationship that was not loaded is
//!   [`Error::NotLoaded`]. Loading is a [`selectinload`] or
//!   [`joinedload`] option on the query, chained for deeper paths, or
//!   [`Session::load`].
//! - **Sans-I/O core.** The identity map, change detection, the flush plan (compiled
//!   statements) and the loaders' plans are plain data and functions that produce
//!   statements and consume their results; [`Session`] only runs them over a
//!   [`Connection`](crate::engine::Connection).
//!
//! ```
//! use sqlkit::orm::{selectinload, ManyToOne, OneToMany, Session};
//! use sqlkit::prelude::*;
//!
//! #[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
//! #[sqlkit(table = "users", relationships(posts))]
//! struct User { #[sqlkit(primary_key)] id: Option<i64>, name: String }
//! impl User {
//!     fn posts() -> OneToMany<User, Post> { OneToMany::new("posts", Post::table().author_id) }
//! }
//!
//! #[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
//! #[sqlkit(table = "posts", relationships(author))]
//! struct Post {
//!     #[sqlkit(primary_key)] id: Option<i64>,
//!     title: String,
//!     #[sqlkit(foreign_key = "users.id")] author_id: Option<i64>,
//! }
//! impl Post {
//!     fn author() -> ManyToOne<Post, User> { ManyToOne::new("author", Post::table().author_id) }
//! }
//!
//! let engine = Engine::from_url("sqlite://")?;
//! let mut md = MetaData::new();
//! md.add(User::table())?.add(Post::table())?;
//! engine.connect()?.create_all(&md)?;
//!
//! let mut s = Session::new(&engine)?;
//! let ann = s.add(User { id: None, name: "ann".into() })?;
//! let post = s.add(Post { id: None, title: "hello".into(), author_id: None })?;
//! s.set_related(post, Post::author(), Some(ann))?; // the key is not known yet
//! s.commit()?; // users first, then posts with ann's new id
//! assert_eq!(s.obj(post)?.author_id, s.obj(ann)?.id);
//!
//! let mut s = Session::new(&engine)?;
//! let u = User::table();
//! let users = s.query::<User>(select(u).order_by(u.id)).options(selectinload(User::posts())).all()?;
//! let first = *users.first().ok_or(sqlkit::Error::NoRows)?;
//! let posts = s.children(first, User::posts())?; // loaded: no query here
//! assert_eq!(s.obj(*posts.first().ok_or(sqlkit::Error::NoRows)?)?.title, "hello");
//! assert_eq!(s.get::<User>(1)?, Some(first)); // the identity map, no SELECT
//! # Ok::<(), sqlkit::Error>(())
//! ```

mod flush;
mod key;
mod load;
mod loader;
mod rel;
mod session;
mod state;

pub use flush::{Flush, Outcome, Step};
pub use load::{joinedload, selectinload, Load};
pub use rel::{
    Cascade, ForeignKeyColumns, ManyToMany, ManyToOne, OneToMany, Relation, Relationship,
};
pub use session::{Query, Session, SessionOptions, SessionTransaction};
pub use state::{Handle, ObjectState};

use crate::schema::TableDef;
use crate::stmt::AsTable;
use crate::{Error, Result, Value};

/// A struct the session maps to one table's rows: what `#[derive(sqlkit::Model)]`
/// implements next to `#[derive(sqlkit::Table)]`. Columns are numbered as in the
/// table's definition.
pub trait Model: crate::engine::FromRow + Sized + 'static {
    /// The typed column handle of the table (`UserTable`).
    type Table: AsTable + Copy;
    /// What [`Session::get`] takes: the type of the key's one column (`i64` for a key
    /// field `id: Option<i64>`), so a key of the wrong type does not compile; for a key
    /// of several columns [`CompositeKey`], which `get` refuses (use
    /// [`Session::get_by`]).
    type Key;
    /// The table's column handle.
    fn table() -> Self::Table;
    /// The table's definition.
    fn definition() -> &'static TableDef;
    /// The value of column `column`.
    fn value(&self, column: usize) -> Value;
    /// Sets column `column` from a value (a generated key, a default).
    fn set_value(&mut self, column: usize, value: Value) -> Result<()>;
    /// An object from one value per column, in column order.
    fn from_values(values: Vec<Value>) -> Result<Self>;
    /// Pushes onto `out` the columns whose values differ from `old`'s.
    fn changed(&self, old: &Self, out: &mut Vec<usize>);
    /// A copy of the column fields (skipped fields take their default).
    fn snapshot(&self) -> Self;
    /// The model's relationships, for cascades and back references. The derive lists
    /// those named in `#[sqlkit(relationships(..))]`.
    fn relationships() -> Vec<Relation> {
        Vec::new()
    }
}

/// [`Model::Key`] of a model whose key has several columns (or none): it converts to
/// no value, so `Session::get` does not compile for it; [`Session::get_by`] takes the
/// key's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompositeKey {}

/// The error of `Model::set_value` for a column number the table does not have.
#[doc(hidden)]
pub fn no_column(table: impl AsTable, column: usize) -> Error {
    Error::Session(format!("{} has no column number {column}", table.as_table().name()).into())
}
