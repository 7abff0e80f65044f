//! SQL functions with known result types, and [`call`] for any other function.

use super::kind::{kinds, IntoOperand, NumericKind, OrderKind, SqlTy, TextKind};
use super::{DatePart, Expr, ExprOps, Node, Op};
use crate::name::Name;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

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
/// `avg(expr)`: NULL over no rows; a float, the same `f64` on every dialect
/// (PostgreSQL's NUMERIC average is read as one; MySQL and MariaDB average the values
/// as doubles, since their DECIMAL average keeps only 4 more places).
pub fn avg<E: ExprOps>(e: E) -> Expr<Option<f64>> {
    f("avg", vec![e.to_node()], false)
}
/// `min(expr)`: NULL over no rows. Numbers, text, dates and times (PostgreSQL has no
/// `min` of booleans, bytes, JSON or UUIDs).
pub fn min<E: ExprOps>(e: E) -> Expr<Option<E::Ty>>
where
    KindOf<E>: OrderKind,
{
    f("min", vec![e.to_node()], false)
}
/// `max(expr)`: NULL over no rows; the kinds [`min`] takes.
pub fn max<E: ExprOps>(e: E) -> Expr<Option<E::Ty>>
where
    KindOf<E>: OrderKind,
{
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
/// Alias of [`char_length`]: the number of characters on every dialect. (SQLAlchemy's
/// `func.length` writes `length()`, which counts bytes on MySQL and MariaDB; sqlkit
/// counts characters there too.)
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
/// Any function by name, with the result type chosen by the caller. The arguments
/// are a list of one type (`[x.untyped(), y.untyped()]`) or a tuple mixing columns,
/// expressions and Rust values, which are bound: `func::call::<String>("substr",
/// (p.title, 1, 3))`. The name is trusted text.
///
/// ```
/// use sqlkit::prelude::*;
/// use sqlkit::expr::func;
/// # let t = Table::builder("t").column(ColumnDef::new("s", SqlType::Text)).build()?;
/// let s = t.column::<String>("s")?;
/// let q = select(func::call::<String>("substr", (s, 2, 3)));
/// assert_eq!(q.compile(&Postgres::default())?.sql, "SELECT substr(t.s, $1, $2) FROM t");
/// # Ok::<(), sqlkit::Error>(())
/// ```
pub fn call<T: SqlTy>(name: impl Into<Name>, args: impl Args) -> Expr<T> {
    let mut nodes = Vec::new();
    args.push_args(&mut nodes);
    Expr::from_node(Node::Func {
        name: name.into(),
        args: nodes,
        distinct: false,
    })
}

/// The arguments of [`call`]: an array, vector or iterator of operands of one type, or
/// a tuple of up to eight operands of any types.
pub trait Args {
    /// Appends the arguments as nodes.
    fn push_args(self, out: &mut Vec<Node>);
}
impl<A: IntoOperand<kinds::Any>, const N: usize> Args for [A; N] {
    fn push_args(self, out: &mut Vec<Node>) {
        out.extend(self.into_iter().map(IntoOperand::into_node));
    }
}
impl<A: IntoOperand<kinds::Any>> Args for Vec<A> {
    fn push_args(self, out: &mut Vec<Node>) {
        out.extend(self.into_iter().map(IntoOperand::into_node));
    }
}
impl Args for () {
    fn push_args(self, _: &mut Vec<Node>) {}
}
macro_rules! tuple_args {
    ($($n:ident),*) => {
        impl<$($n: IntoOperand<kinds::Any>),*> Args for ($($n,)*) {
            #[allow(non_snake_case)]
            fn push_args(self, out: &mut Vec<Node>) {
                let ($($n,)*) = self;
                $(out.push($n.into_node());)*
            }
        }
    };
}
tuple_args!(A);
tuple_args!(A, B);
tuple_args!(A, B, C);
tuple_args!(A, B, C, D);
tuple_args!(A, B, C, D, E);
tuple_args!(A, B, C, D, E, F);
tuple_args!(A, B, C, D, E, F, G);
tuple_args!(A, B, C, D, E, F, G, H);

fn op<T>(op: Op, args: Vec<Node>) -> Expr<T> {
    Expr::from_node(Node::Op(Box::new(op), args))
}

/// `coalesce(a, b, c, ..)` of more than two values: the first that is not NULL.
pub fn coalesce_all<E: ExprOps, R: IntoOperand<KindOf<E>>>(
    e: E,
    rest: impl IntoIterator<Item = R>,
) -> Expr<E::Ty> {
    let mut args = vec![e.to_node()];
    args.extend(rest.into_iter().map(IntoOperand::into_node));
    f("coalesce", args, false)
}
/// `nullif(a, b)`: NULL when `a = b`, else `a`.
pub fn nullif<E: ExprOps, R: IntoOperand<KindOf<E>>>(e: E, other: R) -> Expr<Option<E::Ty>> {
    f("nullif", vec![e.to_node(), other.into_node()], false)
}
/// `GREATEST(a, b)` (SQLite: `max(a, b)`). With a NULL argument the result is NULL on
/// MySQL, MariaDB and SQLite; PostgreSQL ignores NULLs (see the README's dialect notes).
pub fn greatest<E: ExprOps, R: IntoOperand<KindOf<E>>>(e: E, other: R) -> Expr<E::Ty> {
    op(Op::Extremum(true), vec![e.to_node(), other.into_node()])
}
/// `LEAST(a, b)` (SQLite: `min(a, b)`); NULLs as for [`greatest`].
pub fn least<E: ExprOps, R: IntoOperand<KindOf<E>>>(e: E, other: R) -> Expr<E::Ty> {
    op(Op::Extremum(false), vec![e.to_node(), other.into_node()])
}
/// A part of a date or time as an integer: `EXTRACT(YEAR FROM x)` (SQLite:
/// `strftime`), the same numbers on every dialect (see [`DatePart`]).
///
/// ```
/// use sqlkit::prelude::*;
/// use sqlkit::expr::{func, DatePart};
/// # let t = Table::builder("t").column(ColumnDef::new("at", SqlType::Timestamp)).build()?;
/// let at = t.column::<chrono::DateTime<chrono::Utc>>("at")?;
/// let year = func::extract(DatePart::Year, at);
/// assert_eq!(select(year.clone()).compile(&Sqlite::default())?.sql,
///     "SELECT CAST(strftime('%Y', t.at) AS INTEGER) FROM t");
/// assert_eq!(select(year).compile(&Mysql::default())?.sql,
///     "SELECT EXTRACT(YEAR FROM t.at) FROM t");
/// # Ok::<(), sqlkit::Error>(())
/// ```
pub fn extract<E: ExprOps>(part: DatePart, e: E) -> Expr<<E::Ty as SqlTy>::Keep<i64>> {
    op(Op::Extract(part), vec![e.to_node()])
}
/// The current date (`CURRENT_DATE`; SQLite `date('now')`), in UTC.
pub fn current_date() -> Expr<NaiveDate> {
    op(Op::CurrentDate, vec![])
}
/// The current time of day in UTC (`LOCALTIME` on PostgreSQL, whose `CURRENT_TIME`
/// carries a time zone).
pub fn current_time() -> Expr<NaiveTime> {
    op(Op::CurrentTime, vec![])
}
/// The current instant: [`now`], as SQLAlchemy's `func.current_timestamp`.
pub fn current_timestamp() -> Expr<DateTime<Utc>> {
    now()
}
/// `substr(text, start, length)`: `length` characters from the 1-based `start`.
pub fn substr<E: ExprOps>(
    e: E,
    start: impl IntoOperand<kinds::Integer>,
    length: impl IntoOperand<kinds::Integer>,
) -> Expr<E::Ty>
where
    KindOf<E>: TextKind,
{
    f(
        "substr",
        vec![e.to_node(), start.into_node(), length.into_node()],
        false,
    )
}
/// `replace(text, from, to)`: every occurrence of `from` replaced.
pub fn replace<E: ExprOps>(
    e: E,
    from: impl IntoOperand<kinds::Text>,
    to: impl IntoOperand<kinds::Text>,
) -> Expr<E::Ty>
where
    KindOf<E>: TextKind,
{
    f(
        "replace",
        vec![e.to_node(), from.into_node(), to.into_node()],
        false,
    )
}
/// `trim(text)`: spaces removed at both ends.
pub fn trim<E: ExprOps>(e: E) -> Expr<E::Ty>
where
    KindOf<E>: TextKind,
{
    f("trim", vec![e.to_node()], false)
}
/// `abs(x)`
pub fn abs<E: ExprOps>(e: E) -> Expr<E::Ty>
where
    KindOf<E>: NumericKind,
{
    f("abs", vec![e.to_node()], false)
}
/// `round(x, digits)`, half away from zero on every dialect (PostgreSQL and MySQL
/// round the value as a decimal). The result of a float is a float.
pub fn round<E: ExprOps>(e: E, digits: i32) -> Expr<E::Ty>
where
    KindOf<E>: NumericKind,
{
    op(
        Op::Round,
        vec![
            e.to_node(),
            Node::Literal(crate::value::Value::Int(digits.into())),
        ],
    )
}

/// `row_number()`: use with [`Expr::over`].
pub fn row_number() -> Expr<i64> {
    f("row_number", vec![], false)
}
/// `rank()`: the row's rank with gaps after ties; use with [`Expr::over`].
pub fn rank() -> Expr<i64> {
    f("rank", vec![], false)
}
/// `dense_rank()`: the rank without gaps; use with [`Expr::over`].
pub fn dense_rank() -> Expr<i64> {
    f("dense_rank", vec![], false)
}
/// `ntile(n)`: the bucket 1..=n of the row; use with [`Expr::over`].
pub fn ntile(n: u32) -> Expr<i64> {
    f(
        "ntile",
        vec![Node::Literal(crate::value::Value::Int(n.into()))],
        false,
    )
}
/// `cume_dist()`: the fraction of rows up to and including the row's peers.
pub fn cume_dist() -> Expr<f64> {
    f("cume_dist", vec![], false)
}
/// `percent_rank()`: `(rank - 1) / (rows - 1)`.
pub fn percent_rank() -> Expr<f64> {
    f("percent_rank", vec![], false)
}
/// `lag(x, offset)`: the value `offset` rows before, NULL before the first.
pub fn lag<E: ExprOps>(e: E, offset: u32) -> Expr<Option<E::Ty>> {
    f(
        "lag",
        vec![
            e.to_node(),
            Node::Literal(crate::value::Value::Int(offset.into())),
        ],
        false,
    )
}
/// `lead(x, offset)`: the value `offset` rows after, NULL past the last.
pub fn lead<E: ExprOps>(e: E, offset: u32) -> Expr<Option<E::Ty>> {
    f(
        "lead",
        vec![
            e.to_node(),
            Node::Literal(crate::value::Value::Int(offset.into())),
        ],
        false,
    )
}
/// `first_value(x)`: the value at the first row of the frame.
pub fn first_value<E: ExprOps>(e: E) -> Expr<E::Ty> {
    f("first_value", vec![e.to_node()], false)
}
/// `last_value(x)`: the value at the last row of the frame. With the default frame
/// that is the current row's last peer, not the partition's last row: give a frame
/// ([`Window::rows`](crate::expr::Window::rows)) to reach it.
pub fn last_value<E: ExprOps>(e: E) -> Expr<E::Ty> {
    f("last_value", vec![e.to_node()], false)
}
