//! `CASE` expressions: searched ([`case`]) and simple ([`case_of`]).

use super::kind::{kinds, IntoOperand, SqlTy};
use super::{Expr, ExprOps, Node, Op};
use std::marker::PhantomData;

/// A `CASE` expression being built: WHEN conditions (of kind `W`: a condition for a
/// searched CASE, the operand's kind for a simple one) and THEN values of type `T`.
/// Finish it with [`else_`](Case::else_) (type `T`) or [`end`](Case::end) (no ELSE:
/// NULL when nothing matches, so `Option<T>`).
///
/// ```
/// use sqlkit::prelude::*;
/// use sqlkit::expr::func;
/// # let t = Table::builder("posts").column(ColumnDef::new("views", SqlType::BigInt)).build()?;
/// let views = t.column::<i64>("views")?;
/// let size = case::<String>()
///     .when(views.clone().gt(100), "big")
///     .when(views.clone().gt(10), "medium")
///     .else_("small");
/// let popular = func::count(case::<i64>().when(views.gt(10), 1).end());
/// let q = select((size.label("size"), popular.label("popular")));
/// assert_eq!(q.compile(&Postgres::default())?.sql,
///     "SELECT CASE WHEN posts.views > $1 THEN $2 WHEN posts.views > $3 THEN $4 ELSE $5 END AS size, \
///      count(CASE WHEN posts.views > $6 THEN $7 END) AS popular FROM posts");
/// # Ok::<(), sqlkit::Error>(())
/// ```
pub struct Case<T, W = kinds::Bool> {
    operand: Option<Node>,
    args: Vec<Node>,
    _t: PhantomData<fn() -> (T, W)>,
}

/// A searched CASE: `CASE WHEN cond THEN value .. END`, with THEN values of type `T`.
pub fn case<T: SqlTy>() -> Case<T> {
    Case {
        operand: None,
        args: Vec::new(),
        _t: PhantomData,
    }
}

/// A simple CASE on `operand`: `CASE operand WHEN value THEN result .. END`, the
/// WHEN values of the operand's kind and the results of type `T`.
pub fn case_of<T: SqlTy, E: ExprOps>(operand: E) -> Case<T, <E::Ty as SqlTy>::Kind> {
    Case {
        operand: Some(operand.to_node()),
        args: Vec::new(),
        _t: PhantomData,
    }
}

impl<T: SqlTy, W> Case<T, W> {
    /// `WHEN condition THEN value`; the WHENs are tried in order.
    pub fn when(
        mut self,
        condition: impl IntoOperand<W>,
        value: impl IntoOperand<T::Kind>,
    ) -> Self {
        self.args.push(condition.into_node());
        self.args.push(value.into_node());
        self
    }
    fn finish<U>(self, fallback: Option<Node>) -> Expr<U> {
        let operand = self.operand.is_some();
        let else_ = fallback.is_some();
        let mut args = Vec::with_capacity(self.args.len() + 2);
        args.extend(self.operand);
        args.extend(self.args);
        args.extend(fallback);
        Expr::from_node(Node::Op(Box::new(Op::Case { operand, else_ }), args))
    }
    /// `ELSE value END`: the value when no WHEN matches.
    pub fn else_(self, value: impl IntoOperand<T::Kind>) -> Expr<T> {
        self.finish(Some(value.into_node()))
    }
    /// `END` without ELSE: NULL when no WHEN matches. A CASE without any WHEN fails
    /// to compile.
    pub fn end(self) -> Expr<Option<T>> {
        self.finish(None)
    }
}
