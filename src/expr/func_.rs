//! SQL functions with known result types, and [`call`] for any other function.

use super::kind::{kinds, IntoOperand, SqlTy, TextKind};
use super::{Expr, ExprOps, Node};
use crate::name::Name;
use chrono::{DateTime, Utc};

fn f<T>(name: &'static str, args: Vec<Node>, distinct: bool) -> Expr<T> {
    Expr::from_node(Node::Func {
        name: Name::Static(name),
        args,
        distinct,
    })
}

type KindOf<E> = <<E as ExprOps>::Ty as SqlTy>::Kind;

/// `count(expr)`: the number of non-NULL values.
pub fn count<E: ExprOps>(e: E) -> Expr<i64> {
    f("count", vec![e.to_node()], false)
}
/// `count(*)`: the number of rows.
pub fn count_star() -> Expr<i64> {
    f("count", vec![Node::Star], false)
}
/// `count(DISTINCT expr)`
pub fn count_distinct<E: ExprOps>(e: E) -> Expr<i64> {
    f("count", vec![e.to_node()], true)
}
/// `sum(expr)`: NULL over no rows.
pub fn sum<E: ExprOps>(e: E) -> Expr<Option<E::Ty>> {
    f("sum", vec![e.to_node()], false)
}
/// `avg(expr)`: NULL over no rows; a float (exact decimal on PostgreSQL and MySQL,
/// readable as `f64` or `Decimal`).
pub fn avg<E: ExprOps>(e: E) -> Expr<Option<f64>> {
    f("avg", vec![e.to_node()], false)
}
/// `min(expr)`: NULL over no rows.
pub fn min<E: ExprOps>(e: E) -> Expr<Option<E::Ty>> {
    f("min", vec![e.to_node()], false)
}
/// `max(expr)`: NULL over no rows.
pub fn max<E: ExprOps>(e: E) -> Expr<Option<E::Ty>> {
    f("max", vec![e.to_node()], false)
}
/// `lower(text)`: Unicode-aware on all three databases (sqlkit registers a Unicode
/// `lower` on its SQLite connections).
pub fn lower<E: ExprOps>(e: E) -> Expr<E::Ty>
where
    KindOf<E>: TextKind,
{
    f("lower", vec![e.to_node()], false)
}
/// `upper(text)`: Unicode-aware like [`lower`].
pub fn upper<E: ExprOps>(e: E) -> Expr<E::Ty>
where
    KindOf<E>: TextKind,
{
    f("upper", vec![e.to_node()], false)
}
/// The number of characters (`char_length`, `length` on SQLite).
pub fn char_length<E: ExprOps>(e: E) -> Expr<i64>
where
    KindOf<E>: TextKind,
{
    f("char_length", vec![e.to_node()], false)
}
/// Alias of [`char_length`], as SQLAlchemy's `func.length`.
pub fn length<E: ExprOps>(e: E) -> Expr<i64>
where
    KindOf<E>: TextKind,
{
    char_length(e)
}
/// `coalesce(expr, fallback)`
pub fn coalesce<E: ExprOps, R: IntoOperand<KindOf<E>>>(e: E, fallback: R) -> Expr<E::Ty> {
    f("coalesce", vec![e.to_node(), fallback.into_node()], false)
}
/// The current instant (`now()` / `CURRENT_TIMESTAMP(6)` / SQLite's `strftime`
/// in sqlkit's text format).
pub fn now() -> Expr<DateTime<Utc>> {
    Expr::from_node(Node::Now)
}
/// Any function by name, with the result type chosen by the caller:
/// `func::call::<i64>("abs", [x.untyped()])`. The name is trusted text.
pub fn call<T: SqlTy>(
    name: impl Into<Name>,
    args: impl IntoIterator<Item = impl IntoOperand<kinds::Any>>,
) -> Expr<T> {
    Expr::from_node(Node::Func {
        name: name.into(),
        args: args.into_iter().map(IntoOperand::into_node).collect(),
        distinct: false,
    })
}
