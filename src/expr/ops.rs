//! Operators: the [`ExprOps`] methods (`eq`, `like`, `in_`, ...), Rust's `& | ! + - * / %`
//! on expressions, and the free functions `and_`, `or_`, `not_`, `exists`, `asc`, `desc`.

use super::kind::{kinds, BoolKind, IntegerKind, IntoOperand, NumericKind, SqlTy, TextKind};
use super::{Any, BinOp, Column, Expr, Node, Op, Quantified};
use crate::name::Name;
use crate::stmt::Select;
use crate::value::Value;

/// The escape character `contains` / `startswith` / `endswith` use: not a backslash,
/// which MySQL would also treat as a string-literal escape.
pub(crate) const LIKE_ESCAPE: char = '/';

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for ch in s.chars() {
        if ch == '%' || ch == '_' || ch == LIKE_ESCAPE {
            out.push(LIKE_ESCAPE);
        }
        out.push(ch);
    }
    out
}

fn op1<T>(op: Op, x: Node) -> Expr<T> {
    Expr::from_node(Node::Op(Box::new(op), vec![x]))
}

fn op2<T>(op: Op, l: Node, r: Node) -> Expr<T> {
    Expr::from_node(Node::Op(Box::new(op), vec![l, r]))
}

fn binary<T>(op: BinOp, l: Node, r: Node) -> Expr<T> {
    Expr::from_node(Node::Binary(op, Box::new([l, r])))
}

fn like(expr: Node, pattern: Node, escape: Option<char>, negated: bool, ci: bool) -> Expr<bool> {
    Expr::from_node(Node::Like {
        operands: Box::new([expr, pattern]),
        escape,
        negated,
        case_insensitive: ci,
    })
}

/// `expr LIKE pattern ESCAPE '/'` with a pattern built (and escaped) on the client.
fn literal_pattern(expr: Node, pattern: String) -> Expr<bool> {
    let pattern = Node::Bind(Value::Text(pattern.into()));
    like(expr, pattern, Some(LIKE_ESCAPE), false, false)
}

type KindOf<S> = <<S as ExprOps>::Ty as SqlTy>::Kind;

/// The operators every expression has. Implemented by [`Expr<T>`] and [`Column<T>`];
/// comparisons take any operand of a compatible kind (a Rust value is bound as a
/// parameter).
///
/// ```
/// use sqlkit::prelude::*;
/// # let users = Table::builder("users")
/// #   .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
/// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
/// let id = users.column::<i64>("id")?;
/// let name = users.column::<String>("name")?;
/// let cond = id.clone().gt(10) & name.startswith("a_b");
/// let q = select(id).where_(cond);
/// assert_eq!(q.compile(&Sqlite::default())?.sql,
///   "SELECT users.id FROM users WHERE users.id > ? AND users.name LIKE ? ESCAPE '/'");
/// # Ok::<(), sqlkit::Error>(())
/// ```
pub trait ExprOps: Sized {
    /// The Rust result type of the expression.
    type Ty: SqlTy;

    /// The expression as an untyped node.
    fn to_node(self) -> Node;

    /// `self = rhs`
    fn eq<R: IntoOperand<KindOf<Self>>>(self, rhs: R) -> Expr<bool> {
        binary(BinOp::Eq, self.to_node(), rhs.into_node())
    }
    /// `self <> rhs`
    fn ne<R: IntoOperand<KindOf<Self>>>(self, rhs: R) -> Expr<bool> {
        binary(BinOp::Ne, self.to_node(), rhs.into_node())
    }
    /// `self < rhs`
    fn lt<R: IntoOperand<KindOf<Self>>>(self, rhs: R) -> Expr<bool> {
        binary(BinOp::Lt, self.to_node(), rhs.into_node())
    }
    /// `self <= rhs`
    fn le<R: IntoOperand<KindOf<Self>>>(self, rhs: R) -> Expr<bool> {
        binary(BinOp::Le, self.to_node(), rhs.into_node())
    }
    /// `self > rhs`
    fn gt<R: IntoOperand<KindOf<Self>>>(self, rhs: R) -> Expr<bool> {
        binary(BinOp::Gt, self.to_node(), rhs.into_node())
    }
    /// `self >= rhs`
    fn ge<R: IntoOperand<KindOf<Self>>>(self, rhs: R) -> Expr<bool> {
        binary(BinOp::Ge, self.to_node(), rhs.into_node())
    }
    /// `self IS NULL`
    #[allow(clippy::wrong_self_convention)] // SQLAlchemy's name; it builds, not tests.
    fn is_null(self) -> Expr<bool> {
        Expr::from_node(Node::IsNull(Box::new(self.to_node()), false))
    }
    /// `self IS NOT NULL`
    #[allow(clippy::wrong_self_convention)]
    fn is_not_null(self) -> Expr<bool> {
        Expr::from_node(Node::IsNull(Box::new(self.to_node()), true))
    }
    /// `self IN (..)`; an empty list is false on every dialect.
    fn in_<I>(self, items: I) -> Expr<bool>
    where
        I: IntoIterator,
        I::Item: IntoOperand<KindOf<Self>>,
    {
        let list = items.into_iter().map(IntoOperand::into_node).collect();
        Expr::from_node(Node::InList(Box::new(self.to_node()), list, false))
    }
    /// `self NOT IN (..)`; an empty list is true on every dialect.
    fn not_in<I>(self, items: I) -> Expr<bool>
    where
        I: IntoIterator,
        I::Item: IntoOperand<KindOf<Self>>,
    {
        let list = items.into_iter().map(IntoOperand::into_node).collect();
        Expr::from_node(Node::InList(Box::new(self.to_node()), list, true))
    }
    /// `self IN (SELECT ..)`
    fn in_select(self, query: Select) -> Expr<bool> {
        Expr::from_node(Node::InSelect(
            Box::new(self.to_node()),
            Box::new(query),
            false,
        ))
    }
    /// `self NOT IN (SELECT ..)`
    fn not_in_select(self, query: Select) -> Expr<bool> {
        Expr::from_node(Node::InSelect(
            Box::new(self.to_node()),
            Box::new(query),
            true,
        ))
    }
    /// `self BETWEEN low AND high`
    fn between<A, B>(self, low: A, high: B) -> Expr<bool>
    where
        A: IntoOperand<KindOf<Self>>,
        B: IntoOperand<KindOf<Self>>,
    {
        let parts = [self.to_node(), low.into_node(), high.into_node()];
        Expr::from_node(Node::Between(Box::new(parts), false))
    }
    /// `self NOT BETWEEN low AND high`
    fn not_between<A, B>(self, low: A, high: B) -> Expr<bool>
    where
        A: IntoOperand<KindOf<Self>>,
        B: IntoOperand<KindOf<Self>>,
    {
        let parts = [self.to_node(), low.into_node(), high.into_node()];
        Expr::from_node(Node::Between(Box::new(parts), true))
    }
    /// `self LIKE pattern` (case-sensitive on every dialect).
    fn like<R: IntoOperand<kinds::Text>>(self, pattern: R) -> Expr<bool>
    where
        KindOf<Self>: TextKind,
    {
        like(self.to_node(), pattern.into_node(), None, false, false)
    }
    /// `self NOT LIKE pattern`
    fn not_like<R: IntoOperand<kinds::Text>>(self, pattern: R) -> Expr<bool>
    where
        KindOf<Self>: TextKind,
    {
        like(self.to_node(), pattern.into_node(), None, true, false)
    }
    /// Case-insensitive LIKE: `ILIKE` on PostgreSQL, `lower(x) LIKE lower(y)` elsewhere.
    fn ilike<R: IntoOperand<kinds::Text>>(self, pattern: R) -> Expr<bool>
    where
        KindOf<Self>: TextKind,
    {
        like(self.to_node(), pattern.into_node(), None, false, true)
    }
    /// Case-insensitive NOT LIKE.
    fn not_ilike<R: IntoOperand<kinds::Text>>(self, pattern: R) -> Expr<bool>
    where
        KindOf<Self>: TextKind,
    {
        like(self.to_node(), pattern.into_node(), None, true, true)
    }
    /// `self LIKE pattern ESCAPE c` with an explicit escape character.
    fn like_escape<R: IntoOperand<kinds::Text>>(self, pattern: R, escape: char) -> Expr<bool>
    where
        KindOf<Self>: TextKind,
    {
        like(
            self.to_node(),
            pattern.into_node(),
            Some(escape),
            false,
            false,
        )
    }
    /// The text contains `needle` literally: `%` and `_` in it match only themselves.
    fn contains(self, needle: &str) -> Expr<bool>
    where
        KindOf<Self>: TextKind,
    {
        literal_pattern(self.to_node(), format!("%{}%", escape_like(needle)))
    }
    /// The text starts with `prefix` literally.
    fn startswith(self, prefix: &str) -> Expr<bool>
    where
        KindOf<Self>: TextKind,
    {
        literal_pattern(self.to_node(), format!("{}%", escape_like(prefix)))
    }
    /// The text ends with `suffix` literally.
    fn endswith(self, suffix: &str) -> Expr<bool>
    where
        KindOf<Self>: TextKind,
    {
        literal_pattern(self.to_node(), format!("%{}", escape_like(suffix)))
    }
    /// String concatenation: `||`, or `CONCAT(..)` on MySQL.
    fn concat<R: IntoOperand<kinds::Text>>(self, rhs: R) -> Expr<Self::Ty>
    where
        KindOf<Self>: TextKind,
    {
        binary(BinOp::Concat, self.to_node(), rhs.into_node())
    }
    /// `CAST(self AS ty)`, typed as `U`.
    fn cast<U: SqlTy>(self, ty: crate::schema::SqlType) -> Expr<U> {
        Expr::from_node(Node::Cast(Box::new(self.to_node()), ty))
    }
    /// `self IS DISTINCT FROM rhs`: unequal, a NULL being equal only to a NULL (MySQL
    /// `NOT (a <=> b)`, SQLite `a IS NOT b`).
    #[allow(clippy::wrong_self_convention)]
    fn is_distinct_from<R: IntoOperand<KindOf<Self>>>(self, rhs: R) -> Expr<bool> {
        op2(
            Op::IsDistinct { negated: false },
            self.to_node(),
            rhs.into_node(),
        )
    }
    /// `self IS NOT DISTINCT FROM rhs`: equal, NULLs equal to each other (MySQL `<=>`,
    /// SQLite `IS`).
    #[allow(clippy::wrong_self_convention)]
    fn is_not_distinct_from<R: IntoOperand<KindOf<Self>>>(self, rhs: R) -> Expr<bool> {
        op2(
            Op::IsDistinct { negated: true },
            self.to_node(),
            rhs.into_node(),
        )
    }
    /// `self IS TRUE`: false (not NULL) for NULL.
    #[allow(clippy::wrong_self_convention)]
    fn is_true(self) -> Expr<bool>
    where
        KindOf<Self>: BoolKind,
    {
        op1(
            Op::IsBool {
                value: true,
                negated: false,
            },
            self.to_node(),
        )
    }
    /// `self IS FALSE`: false (not NULL) for NULL.
    #[allow(clippy::wrong_self_convention)]
    fn is_false(self) -> Expr<bool>
    where
        KindOf<Self>: BoolKind,
    {
        op1(
            Op::IsBool {
                value: false,
                negated: false,
            },
            self.to_node(),
        )
    }
    /// `self IS NOT TRUE`: true for FALSE and NULL.
    #[allow(clippy::wrong_self_convention)]
    fn is_not_true(self) -> Expr<bool>
    where
        KindOf<Self>: BoolKind,
    {
        op1(
            Op::IsBool {
                value: true,
                negated: true,
            },
            self.to_node(),
        )
    }
    /// A regular-expression match (SQLAlchemy's `regexp_match`): PostgreSQL `~`,
    /// MySQL `REGEXP`, SQLite `REGEXP` through the function sqlkit registers on its
    /// connections. Case-sensitive; keep patterns to the syntax the three engines
    /// share (classes, anchors, alternation, repetition).
    fn regexp_match<R: IntoOperand<kinds::Text>>(self, pattern: R) -> Expr<bool>
    where
        KindOf<Self>: TextKind,
    {
        op2(
            Op::Regexp { negated: false },
            self.to_node(),
            pattern.into_node(),
        )
    }
    /// The negation of [`regexp_match`](Self::regexp_match).
    fn not_regexp_match<R: IntoOperand<kinds::Text>>(self, pattern: R) -> Expr<bool>
    where
        KindOf<Self>: TextKind,
    {
        op2(
            Op::Regexp { negated: true },
            self.to_node(),
            pattern.into_node(),
        )
    }
    /// Integer division rounded toward negative infinity, SQLAlchemy's `//`: `-7 // 2`
    /// is `-4` on every dialect (the servers' own integer division truncates to `-3`).
    fn floordiv<R: IntoOperand<kinds::Integer>>(self, rhs: R) -> Expr<Self::Ty>
    where
        KindOf<Self>: IntegerKind,
    {
        op2(Op::FloorDiv, self.to_node(), rhs.into_node())
    }
    /// `self AS name` in a select list.
    fn label(self, name: impl Into<Name>) -> Labeled {
        Labeled {
            node: self.to_node(),
            name: name.into(),
        }
    }
    /// `ORDER BY self ASC`
    fn asc(self) -> OrderItem {
        OrderItem::new(self.to_node(), false)
    }
    /// `ORDER BY self DESC`
    fn desc(self) -> OrderItem {
        OrderItem::new(self.to_node(), true)
    }
}

impl<T: SqlTy> ExprOps for Expr<T> {
    type Ty = T;
    fn to_node(self) -> Node {
        self.node
    }
}
impl<T: SqlTy> ExprOps for Column<T> {
    type Ty = T;
    fn to_node(self) -> Node {
        self.node()
    }
}

/// An expression with a label: `expr AS name`.
#[derive(Debug, Clone)]
pub struct Labeled {
    pub(crate) node: Node,
    pub(crate) name: Name,
}

/// One `ORDER BY` term.
#[derive(Debug, Clone)]
pub struct OrderItem {
    pub(crate) node: Node,
    pub(crate) desc: bool,
    pub(crate) nulls: Option<bool>,
}

impl Node {
    pub(crate) fn into_order(self, desc: bool) -> OrderItem {
        OrderItem::new(self, desc)
    }
}

impl Labeled {
    /// `ORDER BY label ASC`: by the label's name where the select list has that
    /// label, else by the expression itself (a bare name there could be a column).
    pub fn asc(&self) -> OrderItem {
        OrderItem::new(self.to_ref(), false)
    }
    /// `ORDER BY label DESC`, as [`Labeled::asc`].
    pub fn desc(&self) -> OrderItem {
        OrderItem::new(self.to_ref(), true)
    }
    /// The label, standing for its expression where the select list lacks it.
    pub(crate) fn to_ref(&self) -> Node {
        Node::Op(
            Box::new(Op::Label(self.name.clone())),
            vec![self.node.clone()],
        )
    }
}

impl OrderItem {
    fn new(node: Node, desc: bool) -> Self {
        OrderItem {
            node,
            desc,
            nulls: None,
        }
    }
    /// `NULLS FIRST` (emulated on MySQL with an extra sort key).
    pub fn nulls_first(mut self) -> Self {
        self.nulls = Some(true);
        self
    }
    /// `NULLS LAST` (emulated on MySQL with an extra sort key).
    pub fn nulls_last(mut self) -> Self {
        self.nulls = Some(false);
        self
    }
}

/// `ORDER BY expr ASC`, as SQLAlchemy's `asc(..)`.
pub fn asc<E: ExprOps>(e: E) -> OrderItem {
    e.asc()
}
/// `ORDER BY expr DESC`, as SQLAlchemy's `desc(..)`.
pub fn desc<E: ExprOps>(e: E) -> OrderItem {
    e.desc()
}

fn junction(and: bool, items: Vec<Node>) -> Node {
    let mut flat = Vec::with_capacity(items.len());
    for mut n in items {
        match &mut n {
            Node::And(inner) if and => flat.append(inner),
            Node::Or(inner) if !and => flat.append(inner),
            _ => flat.push(n),
        }
    }
    if flat.len() == 1 {
        if let Some(n) = flat.pop() {
            return n;
        }
    }
    if and {
        Node::And(flat)
    } else {
        Node::Or(flat)
    }
}

/// `a AND b AND ..`; no conditions at all is true.
pub fn and_<I>(conditions: I) -> Expr<bool>
where
    I: IntoIterator,
    I::Item: IntoOperand<kinds::Bool>,
{
    Expr::from_node(junction(
        true,
        conditions.into_iter().map(IntoOperand::into_node).collect(),
    ))
}
/// `a OR b OR ..`; no conditions at all is false.
pub fn or_<I>(conditions: I) -> Expr<bool>
where
    I: IntoIterator,
    I::Item: IntoOperand<kinds::Bool>,
{
    Expr::from_node(junction(
        false,
        conditions.into_iter().map(IntoOperand::into_node).collect(),
    ))
}
/// `NOT condition`
pub fn not_<C: IntoOperand<kinds::Bool>>(condition: C) -> Expr<bool> {
    Expr::from_node(negate(condition.into_node()))
}

fn negate(n: Node) -> Node {
    let mut n = n;
    match &mut n {
        Node::Not(inner) => std::mem::replace(&mut **inner, Node::Star),
        _ => Node::Not(Box::new(n)),
    }
}

/// `ANY (subquery)`, the right side of a comparison: `x.eq(any_(q))` is true when `x`
/// equals some row of `q`. Refused on SQLite.
///
/// ```
/// use sqlkit::prelude::*;
/// # let t = Table::builder("t").column(ColumnDef::new("x", SqlType::BigInt)).build()?;
/// let x = t.column::<i64>("x")?;
/// let q = select(x.clone()).where_(x.clone().gt(all_(select(x.clone()).where_(x.lt(0)))));
/// assert_eq!(q.compile(&Postgres::default())?.sql,
///     "SELECT t.x FROM t WHERE t.x > ALL (SELECT t.x FROM t WHERE t.x < $1)");
/// # Ok::<(), sqlkit::Error>(())
/// ```
pub fn any_(query: Select) -> Expr<Any> {
    let q = Quantified { all: false, query };
    Expr::from_node(Node::Op(Box::new(Op::Quantified(Box::new(q))), vec![]))
}
/// `ALL (subquery)`, the right side of a comparison: `x.gt(all_(q))` is true when `x`
/// is greater than every row of `q` (and when `q` is empty). Refused on SQLite.
pub fn all_(query: Select) -> Expr<Any> {
    let q = Quantified { all: true, query };
    Expr::from_node(Node::Op(Box::new(Op::Quantified(Box::new(q))), vec![]))
}

/// `EXISTS (SELECT ..)`
pub fn exists(query: Select) -> Expr<bool> {
    Expr::from_node(Node::Exists(Box::new(query)))
}
/// `NOT EXISTS (SELECT ..)`
pub fn not_exists(query: Select) -> Expr<bool> {
    Expr::from_node(Node::Not(Box::new(Node::Exists(Box::new(query)))))
}
/// Trusted raw SQL text, untyped (SQLAlchemy's `text(..)`). Never put user input here:
/// bind it instead.
pub fn raw(sql: impl Into<Name>) -> Expr<Any> {
    Expr::from_node(Node::Raw(sql.into()))
}
/// A value rendered as a literal in the SQL text, escaped for the dialect.
pub fn literal<T: SqlTy>(value: impl Into<Value>) -> Expr<T> {
    Expr::from_node(Node::Literal(value.into()))
}
/// A value sent as a bound parameter (never written into the SQL text), as an
/// expression of its own: `-bind(5i64)`, `select(bind::<String>("x"))`.
///
/// ```
/// use sqlkit::prelude::*;
/// let c = select(-bind::<i64>(5i64)).compile(&Postgres::default())?;
/// assert_eq!(c.sql, "SELECT -$1::int8");
/// # Ok::<(), sqlkit::Error>(())
/// ```
pub fn bind<T: SqlTy>(value: impl Into<Value>) -> Expr<T> {
    Expr::from_node(Node::Bind(value.into()))
}
/// A named bind parameter: compile once, then execute with different values.
pub fn bindparam<T: SqlTy>(name: impl Into<Name>) -> Expr<T> {
    Expr::from_node(Node::Param(name.into()))
}
/// A row value `(a, b, ..)`, e.g. for `tuple_((a, b)).in_([(1, 2), (3, 4)])`.
pub fn tuple_<T: IntoOperand<kinds::Any>>(items: T) -> Expr<Any> {
    Expr::from_node(items.into_node())
}

/// The result type of `/` on an expression of this type. Division is true division
/// on every dialect, as in SQLAlchemy 2.0: an integer dividend is cast to a double
/// (PostgreSQL and SQLite would otherwise truncate, MySQL give a 4-place DECIMAL), so
/// `i64 / i64` is an `f64`; floats and decimals divide as they are. For integer
/// division rounded down, use [`ExprOps::floordiv`]. Untyped (`Any`) operands are
/// divided as the server divides them.
pub trait Quotient {
    /// The quotient's type.
    type Quotient: SqlTy;
    /// Whether the dividend is an integer (and is cast).
    const INTEGER: bool;
}
macro_rules! quotient {
    ($($t:ty => $q:ty, $int:expr;)*) => {$(
        impl Quotient for $t {
            type Quotient = $q;
            const INTEGER: bool = $int;
        }
    )*};
}
quotient! {
    i16 => f64, true;
    i32 => f64, true;
    i64 => f64, true;
    f32 => f32, false;
    f64 => f64, false;
    rust_decimal::Decimal => rust_decimal::Decimal, false;
    Any => Any, false;
}
impl<T: Quotient> Quotient for Option<T> {
    type Quotient = Option<T::Quotient>;
    const INTEGER: bool = T::INTEGER;
}

macro_rules! operators {
    ($($ty:ident),*) => {$(
        impl<T: SqlTy, R: IntoOperand<kinds::Bool>> std::ops::BitAnd<R> for $ty<T>
        where T::Kind: BoolKind {
            type Output = Expr<bool>;
            fn bitand(self, rhs: R) -> Expr<bool> {
                Expr::from_node(junction(true, vec![self.to_node(), rhs.into_node()]))
            }
        }
        impl<T: SqlTy, R: IntoOperand<kinds::Bool>> std::ops::BitOr<R> for $ty<T>
        where T::Kind: BoolKind {
            type Output = Expr<bool>;
            fn bitor(self, rhs: R) -> Expr<bool> {
                Expr::from_node(junction(false, vec![self.to_node(), rhs.into_node()]))
            }
        }
        impl<T: SqlTy> std::ops::Not for $ty<T> where T::Kind: BoolKind {
            type Output = Expr<bool>;
            fn not(self) -> Expr<bool> {
                Expr::from_node(negate(self.to_node()))
            }
        }
        impl<T: SqlTy> std::ops::Neg for $ty<T> where T::Kind: NumericKind {
            type Output = Expr<T>;
            fn neg(self) -> Expr<T> {
                Expr::from_node(Node::Neg(Box::new(self.to_node())))
            }
        }
        operators!(@arith $ty, Add add Add, Sub sub Sub, Mul mul Mul, Rem rem Mod);
        impl<T: SqlTy + Quotient, R: IntoOperand<T::Kind>> std::ops::Div<R> for $ty<T>
        where T::Kind: NumericKind {
            type Output = Expr<T::Quotient>;
            /// True division, as SQLAlchemy 2.0's `/`: integers are divided as floats
            /// on every dialect (`7 / 2` is `3.5`), see [`Quotient`].
            fn div(self, rhs: R) -> Expr<T::Quotient> {
                let l = self.to_node();
                let l = if T::INTEGER {
                    Node::Cast(Box::new(l), crate::schema::SqlType::Double)
                } else {
                    l
                };
                binary(BinOp::Div, l, rhs.into_node())
            }
        }
    )*};
    (@arith $ty:ident, $($tr:ident $m:ident $op:ident),*) => {$(
        impl<T: SqlTy, R: IntoOperand<T::Kind>> std::ops::$tr<R> for $ty<T>
        where T::Kind: NumericKind {
            type Output = Expr<T>;
            fn $m(self, rhs: R) -> Expr<T> {
                binary(BinOp::$op, self.to_node(), rhs.into_node())
            }
        }
    )*};
}
operators!(Expr, Column);

/// In an upsert's [`do_update`](crate::stmt::Insert::do_update), the value the INSERT
/// proposed for `column` (SQLAlchemy's `stmt.excluded.col`): `excluded.col` on
/// PostgreSQL and SQLite, `new.col` on MySQL 8.0.19+ (with the row alias `AS new`),
/// `VALUES(col)` on MariaDB and older MySQL.
///
/// ```
/// use sqlkit::prelude::*;
/// # #[derive(sqlkit::Table)] #[sqlkit(table = "users")]
/// # struct User { #[sqlkit(primary_key)] id: i64, #[sqlkit(unique)] email: String, name: String }
/// let u = User::table();
/// let q = insert(u).value(u.email, "a@x").value(u.name, "Ann")
///     .on_conflict([u.email])
///     .do_update(u.name, excluded(u.name));
/// assert_eq!(q.compile(&Postgres::default())?.sql,
///     "INSERT INTO users (email, name) VALUES ($1, $2) ON CONFLICT (email) DO UPDATE SET name = excluded.name");
/// assert_eq!(q.compile(&Mysql::default())?.sql,
///     "INSERT INTO users (email, name) VALUES (?, ?) AS new ON DUPLICATE KEY UPDATE name = new.name");
/// assert_eq!(q.compile(&Mysql::mariadb())?.sql,
///     "INSERT INTO users (email, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name)");
/// # Ok::<(), sqlkit::Error>(())
/// ```
pub fn excluded<T>(column: Column<T>) -> Expr<T> {
    Expr::from_node(Node::Excluded(column.column_ref()))
}
