//! The expression tree: one untyped [`Node`] enum beneath typed handles
//! ([`Expr<T>`], [`Column<T>`]) whose phantom type keeps `users.id.eq("x")` from
//! compiling while the dialect stays a run-time value.

mod case;
mod deep;
mod func_;
mod kind;
mod ops;
mod window;

pub mod func {
    //! SQL functions: `func::count(..)`, `func::lower(..)`, any named function.
    pub use super::func_::*;
}
pub use case::{case, case_of, Case};
pub(crate) use deep::with_stack;
pub use kind::{
    kinds, Any, BoolKind, Compatible, IntegerKind, IntoOperand, NumericKind, OrderKind, SqlTy,
    TextKind,
};
pub use ops::{
    all_, and_, any_, asc, bind, bindparam, desc, excluded, exists, literal, not_, not_exists, or_,
    raw, tuple_, ExprOps, Labeled, OrderItem, Quotient,
};
pub use window::Window;

use crate::name::Name;
use crate::schema::{Table, TableDef};
use crate::stmt::{Select, Subquery};
use crate::value::Value;
use std::fmt;
use std::marker::PhantomData;

/// Where a column comes from: a table (possibly aliased) or a subquery in FROM.
#[derive(Debug, Clone)]
pub enum Source {
    /// A table or table alias.
    Table(Table),
    /// A derived table (`(SELECT ..) AS name`).
    Subquery(Subquery),
}

impl Source {
    /// The name columns of this source are qualified with.
    pub fn qualifier(&self) -> &str {
        match self {
            Source::Table(t) => t.qualifier(),
            Source::Subquery(s) => s.name(),
        }
    }
    pub(crate) fn same_as(&self, other: &Source) -> bool {
        match (self, other) {
            (Source::Table(a), Source::Table(b)) => a.same_as(b),
            (Source::Subquery(a), Source::Subquery(b)) => a.name() == b.name(),
            _ => false,
        }
    }
    /// The name of column `idx` of this source (`?` for a position it does not have,
    /// which only a hand-made [`ColumnRef`] can name).
    pub fn column_name(&self, idx: u32) -> &str {
        let i = idx as usize;
        match self {
            Source::Table(t) => t.def().columns().get(i).map_or("?", |c| c.name()),
            Source::Subquery(s) => s.column_names().get(i).map_or("?", |n| n.as_str()),
        }
    }
}

/// A reference to one column of a [`Source`].
#[derive(Debug, Clone)]
pub struct ColumnRef {
    /// The table or subquery.
    pub source: Source,
    /// The column's position in it.
    pub idx: u32,
}

impl ColumnRef {
    /// The column's name.
    pub fn name(&self) -> &str {
        self.source.column_name(self.idx)
    }
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Concat,
}

/// One node of the expression tree. Every variant is handled by the compiler's one
/// `match`; see the dialects' feature tables for what each renders to. Trees of any
/// depth clone, print and drop without overflowing the stack (see `expr/deep.rs`).
#[non_exhaustive]
pub enum Node {
    /// A column of a table or subquery.
    Column(ColumnRef),
    /// A bound parameter value.
    Bind(Value),
    /// A named bind parameter whose value is given at execution (`bindparam("x")`).
    Param(Name),
    /// A value written into the SQL as a literal (server defaults, `literal(..)`).
    Literal(Value),
    /// Trusted raw SQL text.
    Raw(Name),
    /// `*` (as in `count(*)`).
    Star,
    /// `NOT expr`
    Not(Box<Node>),
    /// `-expr`
    Neg(Box<Node>),
    /// `expr IS [NOT] NULL`
    IsNull(Box<Node>, bool),
    /// `left op right` (both operands in one allocation)
    Binary(BinOp, Box<[Node; 2]>),
    /// `expr [NOT] LIKE pattern [ESCAPE c]`, case-insensitive for ILIKE.
    Like {
        /// The matched expression and the pattern (one allocation).
        operands: Box<[Node; 2]>,
        /// The escape character, if any.
        escape: Option<char>,
        /// `NOT LIKE`.
        negated: bool,
        /// ILIKE.
        case_insensitive: bool,
    },
    /// `expr [NOT] IN (list)`
    InList(Box<Node>, Vec<Node>, bool),
    /// `expr [NOT] IN (SELECT ..)`
    InSelect(Box<Node>, Box<Select>, bool),
    /// `expr [NOT] BETWEEN low AND high`
    Between(Box<[Node; 3]>, bool),
    /// Conjunction; empty is true.
    And(Vec<Node>),
    /// Disjunction; empty is false.
    Or(Vec<Node>),
    /// A function call.
    Func {
        /// The function name (trusted).
        name: Name,
        /// The arguments.
        args: Vec<Node>,
        /// `f(DISTINCT ..)`
        distinct: bool,
    },
    /// The current timestamp, spelled per dialect.
    Now,
    /// `CAST(expr AS type)`
    Cast(Box<Node>, crate::schema::SqlType),
    /// A row value `(a, b, ..)`.
    Tuple(Vec<Node>),
    /// A scalar subquery `(SELECT ..)`.
    Subquery(Box<Select>),
    /// `EXISTS (SELECT ..)`
    Exists(Box<Select>),
    /// The value an upsert proposed for a column (`excluded.col` on PostgreSQL and
    /// SQLite, `new.col` or `VALUES(col)` on MySQL/MariaDB); see
    /// [`excluded`].
    Excluded(ColumnRef),
    /// A construct whose spelling differs by dialect (CASE, IS DISTINCT FROM, EXTRACT,
    /// regexp, window functions, ...): what it is, and its operands in the order
    /// [`Op`] documents.
    Op(Box<Op>, Vec<Node>),
}

/// The constructs of [`Node::Op`]. Each names the layout of the operands that go
/// with it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Op {
    /// `CASE [operand] WHEN a THEN b .. [ELSE e] END`: operands are the operand (if
    /// `operand`), then each WHEN/THEN pair, then the ELSE value (if `else_`).
    Case {
        /// A simple CASE (`CASE x WHEN 1 THEN ..`).
        operand: bool,
        /// Whether an ELSE value is last.
        else_: bool,
    },
    /// `a IS DISTINCT FROM b` (`negated`: `IS NOT DISTINCT FROM`): two operands.
    IsDistinct {
        /// `IS NOT DISTINCT FROM`
        negated: bool,
    },
    /// `a IS [NOT] TRUE` / `IS [NOT] FALSE`: one operand.
    IsBool {
        /// TRUE or FALSE.
        value: bool,
        /// `IS NOT`.
        negated: bool,
    },
    /// A regular-expression match of text against a pattern: two operands.
    Regexp {
        /// Does not match.
        negated: bool,
    },
    /// A field of a date or time: one operand.
    Extract(DatePart),
    /// The current date (`CURRENT_DATE`).
    CurrentDate,
    /// The current time of day (`CURRENT_TIME`), in UTC.
    CurrentTime,
    /// Integer division rounded toward negative infinity (SQLAlchemy's `//`): two
    /// integer operands; exact integer arithmetic on every dialect.
    FloorDiv,
    /// `GREATEST(..)` (`true`) or `LEAST(..)`: the operands.
    Extremum(bool),
    /// `func(..) OVER (..)`: the function, then the PARTITION BY expressions, then the
    /// ORDER BY expressions, as [`Over`] counts them.
    Over(Over),
    /// `ANY (subquery)` / `ALL (subquery)` on the right of a comparison: no operands,
    /// the subquery in the [`Quantified`].
    Quantified(Box<Quantified>),
    /// `round(x, digits)`: two operands.
    Round,
    /// A reference to a select-list label by its name (ORDER BY / GROUP BY a label):
    /// no operands.
    Label(Name),
}

/// The parts of a date or time [`Op::Extract`] reads; each is an integer on every
/// dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DatePart {
    /// The year.
    Year,
    /// The quarter, 1 to 4.
    Quarter,
    /// The month, 1 to 12.
    Month,
    /// The day of the month, 1 to 31.
    Day,
    /// The hour, 0 to 23.
    Hour,
    /// The minute, 0 to 59.
    Minute,
    /// The whole seconds, 0 to 59 (fractions dropped on every dialect).
    Second,
    /// The day of the week, 0 (Sunday) to 6, as PostgreSQL's `dow`.
    DayOfWeek,
    /// The day of the year, 1 to 366.
    DayOfYear,
}

/// A window specification: how many of the [`Node::Op`] operands after the function
/// are PARTITION BY expressions and ORDER BY keys, the direction of each key, and the
/// frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Over {
    /// The number of PARTITION BY expressions.
    pub partitions: usize,
    /// Per ORDER BY key: descending, and NULLS FIRST (`Some(true)`) / LAST.
    pub order: Vec<(bool, Option<bool>)>,
    /// The frame, if not the default.
    pub frame: Option<Frame>,
}

/// A window frame: `ROWS|RANGE BETWEEN start AND end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// ROWS (`false`: RANGE).
    pub rows: bool,
    /// The start bound.
    pub start: Bound,
    /// The end bound.
    pub end: Bound,
}

/// One end of a window [`Frame`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `UNBOUNDED PRECEDING`
    UnboundedPreceding,
    /// `n PRECEDING`
    Preceding(u32),
    /// `CURRENT ROW`
    CurrentRow,
    /// `n FOLLOWING`
    Following(u32),
    /// `UNBOUNDED FOLLOWING`
    UnboundedFollowing,
}

/// `ANY (subquery)` or `ALL (subquery)`, the right side of a comparison.
#[derive(Debug, Clone)]
pub struct Quantified {
    /// ALL (`false`: ANY).
    pub all: bool,
    /// The subquery.
    pub query: Select,
}

impl PartialEq for Quantified {
    fn eq(&self, other: &Self) -> bool {
        // Subqueries are not compared: two quantified comparisons are never merged.
        std::ptr::eq(self, other)
    }
}

/// A typed SQL expression: a [`Node`] and a phantom result type `T`
/// (`Expr<i64>`, `Expr<String>`, `Expr<Option<String>>`, `Expr<bool>`, or the
/// untyped [`Expr<Any>`](Any)).
pub struct Expr<T = Any> {
    pub(crate) node: Node,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Expr<T> {
    fn clone(&self) -> Self {
        Expr::from_node(self.node.clone())
    }
}

impl<T> fmt::Debug for Expr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

impl<T> Expr<T> {
    /// Wraps a node, asserting its result type.
    pub fn from_node(node: Node) -> Self {
        Expr {
            node,
            _t: PhantomData,
        }
    }
    /// The untyped node.
    pub fn into_node(self) -> Node {
        self.node
    }
    /// The untyped node, borrowed.
    pub fn node(&self) -> &Node {
        &self.node
    }
    /// Forgets the result type.
    pub fn untyped(self) -> Expr<Any> {
        Expr::from_node(self.node)
    }
    /// Asserts another result type (for raw SQL or a function the crate does not know).
    pub fn cast_type<U>(self) -> Expr<U> {
        Expr::from_node(self.node)
    }
}

/// A typed, `Copy` handle to a column of a table declared with `#[derive(Table)]`.
///
/// Use it as often as you like without `.clone()`: `users.id.eq(1)`,
/// `select((users.id, users.email))`.
pub struct Column<T> {
    def: &'static TableDef,
    alias: Option<&'static str>,
    idx: u32,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Column<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Column<T> {}

impl<T> fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Column({}.{})",
            self.alias.unwrap_or(self.def.name()),
            self.name()
        )
    }
}

impl<T> Column<T> {
    /// A handle on column `idx` of a static table, optionally aliased (used by the derive).
    #[doc(hidden)]
    pub const fn new(def: &'static TableDef, alias: Option<&'static str>, idx: u32) -> Self {
        Column {
            def,
            alias,
            idx,
            _t: PhantomData,
        }
    }
    /// The column's name.
    pub fn name(&self) -> &'static str {
        self.def
            .columns()
            .get(self.idx as usize)
            .map_or("?", |c| c.name())
    }
    /// The definition of the column's table, and the column's position in it.
    pub fn position(&self) -> (&'static TableDef, usize) {
        (self.def, self.idx as usize)
    }
    /// The table handle the column belongs to.
    #[inline]
    pub fn table(&self) -> Table {
        let t = Table::from_static(self.def);
        match self.alias {
            Some(a) => t.alias(a),
            None => t,
        }
    }
    /// The column as an untyped node.
    #[inline]
    pub fn node(&self) -> Node {
        Node::Column(ColumnRef {
            source: Source::Table(self.table()),
            idx: self.idx,
        })
    }
    /// The column as an untyped expression.
    pub fn untyped(self) -> Expr<Any> {
        Expr::from_node(self.node())
    }
    /// The column as an expression.
    pub fn expr(self) -> Expr<T> {
        Expr::from_node(self.node())
    }
    pub(crate) fn definition(&self) -> &'static TableDef {
        self.def
    }
    pub(crate) fn index(&self) -> u32 {
        self.idx
    }
    #[inline]
    pub(crate) fn column_ref(&self) -> ColumnRef {
        ColumnRef {
            source: Source::Table(self.table()),
            idx: self.idx,
        }
    }
}

impl<T> From<Column<T>> for Expr<T> {
    fn from(c: Column<T>) -> Self {
        c.expr()
    }
}
