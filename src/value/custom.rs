//! Custom column types: a Rust type stored as one of the supported ones (an enum as
//! text or an integer, a newtype around an id or an amount), type-checked like them.

use crate::expr::SqlTy;
use crate::value::{FromValue, Value};

/// A Rust type stored as another, supported type `Repr` (text, an integer, ..).
/// Implementing it and calling [`column_type!`](crate::column_type) for the type is
/// all a custom type needs: it can then be a model's field, be compared with columns
/// of its kind (`posts.status.eq(Status::Draft)` compiles,
/// `posts.status.eq(3)` does not when `Repr` is text), be bound in rows, and be read
/// back by `Row::get` and [`FromRow`](crate::engine::FromRow).
///
/// ```
/// use sqlkit::prelude::*;
/// use sqlkit::ColumnType;
///
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// enum Status { Draft, Published }
///
/// impl ColumnType for Status {
///     type Repr = String;
///     fn to_repr(&self) -> String {
///         match self { Status::Draft => "draft", Status::Published => "published" }.into()
///     }
///     fn from_repr(s: String) -> Result<Self, String> {
///         match s.as_str() {
///             "draft" => Ok(Status::Draft),
///             "published" => Ok(Status::Published),
///             other => Err(format!("unknown status {other:?}")),
///         }
///     }
/// }
///
/// /// A newtype around an id.
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// struct UserId(i64);
/// impl ColumnType for UserId {
///     type Repr = i64;
///     fn to_repr(&self) -> i64 { self.0 }
///     fn from_repr(id: i64) -> Result<Self, String> { Ok(UserId(id)) }
/// }
///
/// sqlkit::column_type!(Status, UserId);
///
/// #[derive(Debug, PartialEq, sqlkit::Table)]
/// #[sqlkit(table = "posts")]
/// struct Post { #[sqlkit(primary_key)] id: i64, author: UserId, status: Status }
///
/// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
/// let p = Post::table();
/// conn.execute(&CreateTable::new(p))?;
/// conn.execute(&insert(p).value(p.author, UserId(7)).value(p.status, Status::Published))?;
/// let posts: Vec<Post> = conn.fetch_all(&select(p).where_(p.status.eq(Status::Published)))?;
/// assert_eq!(posts, [Post { id: 1, author: UserId(7), status: Status::Published }]);
/// assert_eq!(select(p.id).where_(p.status.eq(Status::Draft)).compile(&Sqlite::default())?.params,
///     [Value::Text("draft".into())]);
/// # Ok::<(), sqlkit::Error>(())
/// ```
pub trait ColumnType: Sized {
    /// The supported type it is stored as.
    type Repr: SqlTy + Into<Value> + FromValue + CellRepr;
    /// The stored form.
    fn to_repr(&self) -> Self::Repr;
    /// Back from the stored form; the error says why a stored value is not one.
    fn from_repr(repr: Self::Repr) -> Result<Self, String>;
}

/// The types a [`ColumnType`] can be stored as: read from a result cell too. Every
/// supported value type is one.
pub trait CellRepr: Sized {
    #[doc(hidden)]
    fn read_value(v: Value, column: &str) -> crate::Result<Self>;
}
impl<T: FromValue> CellRepr for T {
    fn read_value(v: Value, column: &str) -> crate::Result<Self> {
        T::from_value(v, column)
    }
}

/// Implements what a [`ColumnType`] needs to be used like a built-in type (its SQL
/// kind, binding, reading): `sqlkit::column_type!(Status);` after `impl ColumnType for
/// Status`. One line per type, no blanket impls, so type errors stay as short as for the
/// built-in types.
#[macro_export]
macro_rules! column_type {
    ($($t:ty),+ $(,)?) => {$(
        impl $crate::expr::SqlTy for $t {
            type Kind = <<$t as $crate::ColumnType>::Repr as $crate::expr::SqlTy>::Kind;
            const SQL_TYPE: ::std::option::Option<$crate::schema::SqlType> =
                <<$t as $crate::ColumnType>::Repr as $crate::expr::SqlTy>::SQL_TYPE;
            type Keep<U: $crate::expr::SqlTy> = U;
        }
        impl $crate::ToValue for $t {
            fn to_value(&self) -> $crate::Value {
                $crate::ColumnType::to_repr(self).into()
            }
        }
        impl ::std::convert::From<$t> for $crate::Value {
            fn from(v: $t) -> $crate::Value {
                $crate::ColumnType::to_repr(&v).into()
            }
        }
        impl $crate::FromValue for $t {
            fn from_value(value: $crate::Value, column: &str) -> $crate::Result<Self> {
                let repr = <<$t as $crate::ColumnType>::Repr as $crate::FromValue>::from_value(value, column)?;
                <$t as $crate::ColumnType>::from_repr(repr)
                    .map_err(|reason| $crate::Error::decode(column, reason))
            }
        }
        impl<K> $crate::expr::IntoOperand<K> for $t
        where
            <<$t as $crate::ColumnType>::Repr as $crate::expr::SqlTy>::Kind: $crate::expr::Compatible<K>,
        {
            fn into_node(self) -> $crate::expr::Node {
                $crate::expr::Node::Bind(self.into())
            }
        }
        $crate::__from_row! {
            impl $crate::engine::FromCell for $t {
                fn from_cell(cell: $crate::engine::CellRef<'_>, column: &str) -> $crate::Result<Self> {
                    <$t as $crate::FromValue>::from_value(cell.to_value(), column)
                }
            }
        }
    )+};
}
