//! Window specifications for [`Expr::over`]: partitions, ordering and frames.

use super::{Bound, Expr, Frame, Node, Op, OrderItem, Over};
use crate::stmt::{ExprList, OrderList};

/// A window: `OVER (PARTITION BY .. ORDER BY .. [ROWS|RANGE BETWEEN ..])`.
///
/// Without a frame, a window with ORDER BY ends at the current row's last *peer*
/// (rows with equal keys): a running `sum` counts ties together, as SQL defines it.
///
/// ```
/// use sqlkit::prelude::*;
/// use sqlkit::expr::{func, Bound, Window};
/// # let t = Table::builder("posts").column(ColumnDef::new("author_id", SqlType::BigInt))
/// #   .column(ColumnDef::new("views", SqlType::BigInt)).build()?;
/// let author = t.column::<i64>("author_id")?;
/// let views = t.column::<i64>("views")?;
/// let w = Window::new().partition_by(author).order_by(views.clone().desc());
/// let q = select((
///     func::row_number().over(w.clone()).label("n"),
///     func::sum(views).over(w.rows(Bound::UnboundedPreceding, Bound::CurrentRow)).label("running"),
/// ));
/// assert_eq!(q.compile(&Sqlite::default())?.sql,
///     "SELECT row_number() OVER (PARTITION BY posts.author_id ORDER BY posts.views DESC) AS n, \
///      sum(posts.views) OVER (PARTITION BY posts.author_id ORDER BY posts.views DESC \
///      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM posts");
/// # Ok::<(), sqlkit::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Window {
    partition_by: Vec<Node>,
    order_by: Vec<OrderItem>,
    frame: Option<Frame>,
}

impl Window {
    /// The whole result as one window: `OVER ()`.
    pub fn new() -> Self {
        Window::default()
    }
    /// `PARTITION BY ..`; repeated calls append.
    pub fn partition_by(mut self, exprs: impl ExprList) -> Self {
        exprs.push_nodes(&mut self.partition_by);
        self
    }
    /// `ORDER BY ..`; repeated calls append.
    pub fn order_by(mut self, terms: impl OrderList) -> Self {
        terms.push_order(&mut self.order_by);
        self
    }
    /// `ROWS BETWEEN start AND end`: a frame counted in rows.
    pub fn rows(mut self, start: Bound, end: Bound) -> Self {
        self.frame = Some(Frame {
            rows: true,
            start,
            end,
        });
        self
    }
    /// `RANGE BETWEEN start AND end`: a frame of the rows whose ORDER BY key is within
    /// the offsets (one numeric key) or of the current row's peers (`CurrentRow`).
    pub fn range(mut self, start: Bound, end: Bound) -> Self {
        self.frame = Some(Frame {
            rows: false,
            start,
            end,
        });
        self
    }
}

impl<T> Expr<T> {
    /// `self OVER (window)`: a window function (`func::row_number()`, `func::lag(..)`)
    /// or an aggregate (`func::sum(..)`) computed over a window. Anything but a
    /// function call is refused when compiled.
    pub fn over(self, window: Window) -> Expr<T> {
        let mut args = Vec::with_capacity(1 + window.partition_by.len() + window.order_by.len());
        args.push(self.node);
        let partitions = window.partition_by.len();
        args.extend(window.partition_by);
        let mut order = Vec::with_capacity(window.order_by.len());
        for o in window.order_by {
            order.push((o.desc, o.nulls));
            args.push(o.node);
        }
        let over = Over {
            partitions,
            order,
            frame: window.frame,
        };
        Expr::from_node(Node::Op(Box::new(Op::Over(over)), args))
    }
}
