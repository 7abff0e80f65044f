//! The type layer: each Rust result type belongs to a SQL *kind*; operands of a
//! comparison must be of compatible kinds, checked by the Rust compiler.

use super::{Column, Expr, Node};
use crate::schema::SqlType;
use crate::value::{ToValue, Value};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

/// Marker types naming the SQL kinds (integer, text, ...).
pub mod kinds {
    macro_rules! kinds {
        ($($(#[$m:meta])* $k:ident),*) => {$(
            $(#[$m])*
            #[derive(Debug, Clone, Copy)]
            pub struct $k;
        )*};
    }
    kinds!(
        /// SMALLINT, INTEGER, BIGINT.
        Integer,
        /// REAL, DOUBLE PRECISION.
        Float,
        /// NUMERIC / DECIMAL.
        Numeric,
        /// VARCHAR, TEXT.
        Text,
        /// BOOLEAN.
        Bool,
        /// BYTEA / BLOB.
        Bytes,
        /// DATE.
        Date,
        /// TIME.
        Time,
        /// TIMESTAMP WITHOUT TIME ZONE.
        DateTime,
        /// TIMESTAMP WITH TIME ZONE.
        Timestamp,
        /// JSON.
        Json,
        /// UUID.
        Uuid,
        /// Untyped: raw SQL, columns looked up by name. Compatible with every kind.
        Any
    );
}

/// The untyped result type: what `table.c("name")` and `raw(..)` produce.
#[derive(Debug, Clone, Copy)]
pub struct Any;

/// A Rust type that an expression can produce: it names its SQL kind, the SQL type a
/// declared column of it gets, and whether it is nullable (`Option<T>`).
pub trait SqlTy {
    /// The SQL kind, used to check operands.
    type Kind;
    /// The column type `#[derive(Table)]` uses unless told otherwise.
    const SQL_TYPE: Option<SqlType>;
    /// `true` for `Option<T>`.
    const NULLABLE: bool = false;
    /// `U`, nullable when `Self` is: the type of a function of this expression that
    /// returns a `U` (`extract(year, Option<Date>)` is an `Option<i64>`).
    type Keep<U: SqlTy>: SqlTy;
}

macro_rules! sql_ty {
    ($($t:ty => $k:ident, $st:expr;)*) => {$(
        impl SqlTy for $t {
            type Kind = kinds::$k;
            const SQL_TYPE: Option<SqlType> = $st;
            type Keep<U: SqlTy> = U;
        }
    )*};
}
sql_ty! {
    i16 => Integer, Some(SqlType::SmallInt);
    i32 => Integer, Some(SqlType::Integer);
    i64 => Integer, Some(SqlType::BigInt);
    f32 => Float, Some(SqlType::Float);
    f64 => Float, Some(SqlType::Double);
    Decimal => Numeric, Some(SqlType::Numeric { precision: 18, scale: 6 });
    String => Text, Some(SqlType::Text);
    bool => Bool, Some(SqlType::Boolean);
    Vec<u8> => Bytes, Some(SqlType::Bytes);
    NaiveDate => Date, Some(SqlType::Date);
    NaiveTime => Time, Some(SqlType::Time);
    NaiveDateTime => DateTime, Some(SqlType::DateTime);
    DateTime<Utc> => Timestamp, Some(SqlType::Timestamp);
    serde_json::Value => Json, Some(SqlType::Json);
    Uuid => Uuid, Some(SqlType::Uuid);
    Any => Any, None;
}
impl<T: SqlTy> SqlTy for Option<T> {
    type Kind = T::Kind;
    const SQL_TYPE: Option<SqlType> = T::SQL_TYPE;
    const NULLABLE: bool = true;
    type Keep<U: SqlTy> = Option<U>;
}

/// `Self` (a kind) may stand where kind `K` is expected.
#[diagnostic::on_unimplemented(
    message = "SQL type mismatch: an expression of kind `{Self}` cannot be used where kind `{K}` is expected",
    label = "wrong SQL kind"
)]
pub trait Compatible<K> {}

macro_rules! compatible {
    ($($k:ident),*) => {$(
        impl Compatible<kinds::$k> for kinds::$k {}
        impl Compatible<kinds::$k> for kinds::Any {}
        impl Compatible<kinds::Any> for kinds::$k {}
    )*};
}
compatible!(
    Integer, Float, Numeric, Text, Bool, Bytes, Date, Time, DateTime, Timestamp, Json, Uuid
);
impl Compatible<kinds::Any> for kinds::Any {}
// Integers widen to the other numeric kinds, as SQL does (`price > 5`).
impl Compatible<kinds::Float> for kinds::Integer {}
impl Compatible<kinds::Numeric> for kinds::Integer {}

/// Kinds that `AND`/`OR`/`NOT` accept.
#[diagnostic::on_unimplemented(
    message = "a condition is needed here, but this expression is of kind `{Self}`",
    label = "not a boolean expression"
)]
pub trait BoolKind {}
impl BoolKind for kinds::Bool {}
impl BoolKind for kinds::Any {}
/// Kinds that `LIKE`, `||` and the text functions accept.
#[diagnostic::on_unimplemented(
    message = "this needs a text expression, but the expression is of kind `{Self}`",
    label = "LIKE, concatenation and text functions need text"
)]
pub trait TextKind {}
impl TextKind for kinds::Text {}
impl TextKind for kinds::Any {}
/// Kinds `min` and `max` take on every database (PostgreSQL has no `min` of booleans,
/// bytes, JSON or UUIDs).
#[diagnostic::on_unimplemented(
    message = "min/max need numbers, text or dates and times; this expression is of kind `{Self}`",
    label = "PostgreSQL has no min/max of this kind"
)]
pub trait OrderKind {}
macro_rules! order_kind {
    ($($k:ident),*) => {$( impl OrderKind for kinds::$k {} )*};
}
order_kind!(Integer, Float, Numeric, Text, Date, Time, DateTime, Timestamp, Any);
/// Integer kinds (floor division).
#[diagnostic::on_unimplemented(
    message = "this needs an integer expression, but the expression is of kind `{Self}`",
    label = "not an integer"
)]
pub trait IntegerKind {}
impl IntegerKind for kinds::Integer {}
impl IntegerKind for kinds::Any {}
/// Kinds that arithmetic accepts.
#[diagnostic::on_unimplemented(
    message = "arithmetic needs a numeric expression, but the expression is of kind `{Self}`",
    label = "not a number"
)]
pub trait NumericKind {}
impl NumericKind for kinds::Integer {}
impl NumericKind for kinds::Float {}
impl NumericKind for kinds::Numeric {}
impl NumericKind for kinds::Any {}

/// Something usable as an operand where an expression of kind `K` is expected: a
/// Rust value (bound as a parameter), a [`Column`], an [`Expr`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a SQL operand of kind `{K}`",
    label = "not a SQL operand of kind `{K}`"
)]
pub trait IntoOperand<K> {
    /// The operand as an untyped node.
    fn into_node(self) -> Node;
}

impl<T: SqlTy, K> IntoOperand<K> for Expr<T>
where
    T::Kind: Compatible<K>,
{
    fn into_node(self) -> Node {
        self.node
    }
}
impl<T: SqlTy, K> IntoOperand<K> for Column<T>
where
    T::Kind: Compatible<K>,
{
    fn into_node(self) -> Node {
        self.node()
    }
}
impl<T: SqlTy, K> IntoOperand<K> for &Column<T>
where
    T::Kind: Compatible<K>,
{
    fn into_node(self) -> Node {
        self.node()
    }
}
impl<K> IntoOperand<K> for Value {
    fn into_node(self) -> Node {
        Node::Bind(self)
    }
}
impl<K, V: IntoOperand<K>> IntoOperand<K> for Option<V> {
    fn into_node(self) -> Node {
        match self {
            Some(v) => v.into_node(),
            None => Node::Bind(Value::Null),
        }
    }
}

macro_rules! value_operand {
    ($($t:ty => $k:ident),*) => {$(
        impl<K> IntoOperand<K> for $t where kinds::$k: Compatible<K> {
            fn into_node(self) -> Node { Node::Bind(self.to_value()) }
        }
    )*};
}
value_operand!(
    i8 => Integer, i16 => Integer, i32 => Integer, i64 => Integer,
    u8 => Integer, u16 => Integer, u32 => Integer,
    f32 => Float, f64 => Float, Decimal => Numeric,
    &String => Text, &str => Text, bool => Bool, &[u8] => Bytes,
    NaiveDate => Date, NaiveTime => Time, NaiveDateTime => DateTime, DateTime<Utc> => Timestamp,
    Uuid => Uuid
);

macro_rules! owned_operand {
    ($($t:ty => $k:ident),*) => {$(
        impl<K> IntoOperand<K> for $t where kinds::$k: Compatible<K> {
            fn into_node(self) -> Node { Node::Bind(Value::from(self)) }
        }
    )*};
}
owned_operand!(String => Text, Vec<u8> => Bytes, serde_json::Value => Json);

macro_rules! tuple_operand {
    ($($n:ident),*) => {
        impl<$($n: IntoOperand<kinds::Any>),*> IntoOperand<kinds::Any> for ($($n,)*) {
            #[allow(non_snake_case)]
            fn into_node(self) -> Node {
                let ($($n,)*) = self;
                Node::Tuple(vec![$($n.into_node()),*])
            }
        }
    };
}
tuple_operand!(A, B);
tuple_operand!(A, B, C);
tuple_operand!(A, B, C, D);
tuple_operand!(A, B, C, D, E);
