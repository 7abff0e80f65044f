//! [`Select`], joins, and [`Subquery`] (derived tables with addressable columns).

use super::lists::{ExprList, FromSource, OrderList, SelectList};
use crate::error::{Error, Result};
use crate::expr::{kinds, Any, ColumnRef, Expr, IntoOperand, Node, OrderItem, Source, SqlTy};
use crate::name::Name;
use std::sync::Arc;

/// One item of a select list: an expression and an optional label.
#[derive(Debug, Clone)]
pub struct SelectItem {
    pub(crate) node: Node,
    pub(crate) label: Option<Name>,
}

/// The kind of a join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `JOIN`
    Inner,
    /// `LEFT OUTER JOIN`
    Left,
    /// `FULL OUTER JOIN` (not on MySQL/MariaDB).
    Full,
}

/// A join: target, kind, and the ON condition (`None`: inferred from the one foreign
/// key between the tables when compiled).
#[derive(Debug, Clone)]
pub struct Join {
    pub(crate) kind: JoinKind,
    pub(crate) target: Source,
    pub(crate) on: Option<Node>,
}

/// A `SELECT` statement.
///
/// FROM is inferred from the columns used, as SQLAlchemy does; [`select_from`](Select::select_from)
/// adds explicit entries. Calling [`where_`](Select::where_) again ANDs the conditions.
#[derive(Debug, Clone, Default)]
pub struct Select {
    pub(crate) items: Vec<SelectItem>,
    pub(crate) from: Vec<Source>,
    pub(crate) joins: Vec<Join>,
    pub(crate) where_: Option<Node>,
    pub(crate) group_by: Vec<Node>,
    // Rarely set: boxed, so that the builder moves a smaller struct.
    pub(crate) having: Option<Box<Node>>,
    pub(crate) order_by: Vec<OrderItem>,
    pub(crate) limit: Option<Count>,
    pub(crate) offset: Option<Count>,
    pub(crate) distinct: bool,
}

/// A LIMIT or OFFSET: the usual bound integer kept inline (no allocation), anything
/// else (a named parameter, an expression) boxed.
#[derive(Debug, Clone)]
pub(crate) enum Count {
    Int(i64),
    Node(Box<Node>),
}

impl Count {
    fn new(node: Node) -> Count {
        match node {
            Node::Bind(crate::value::Value::Int(n)) => Count::Int(n),
            other => Count::Node(Box::new(other)),
        }
    }
    /// The count as a node, built on the stack for an inline integer.
    pub(crate) fn node(&self) -> std::borrow::Cow<'_, Node> {
        match self {
            Count::Int(n) => std::borrow::Cow::Owned(Node::Bind(crate::value::Value::Int(*n))),
            Count::Node(n) => std::borrow::Cow::Borrowed(n),
        }
    }
}

/// `SELECT items`: columns, expressions, labeled expressions, whole tables, or a
/// tuple of these.
pub fn select(items: impl SelectList) -> Select {
    let mut s = Select::default();
    items.push_items(&mut s.items);
    s
}

/// ANDs `cond` into an optional WHERE/HAVING, flattening nested conjunctions.
pub(crate) fn and_into(slot: &mut Option<Node>, cond: Node) {
    let mut cond = cond;
    *slot = Some(match slot.take() {
        None => cond,
        Some(mut prev) => {
            if let Node::And(v) = &mut prev {
                match &mut cond {
                    Node::And(w) => v.append(w),
                    _ => v.push(cond),
                }
                prev
            } else {
                match &mut cond {
                    Node::And(w) => {
                        w.insert(0, prev);
                        cond
                    }
                    _ => Node::And(vec![prev, cond]),
                }
            }
        }
    });
}

impl Select {
    /// Adds more items to the select list.
    pub fn add_columns(mut self, items: impl SelectList) -> Self {
        items.push_items(&mut self.items);
        self
    }
    /// Adds an explicit FROM entry (SQLAlchemy's `select_from`).
    pub fn select_from(mut self, from: impl FromSource) -> Self {
        self.from.push(from.into_source());
        self
    }
    fn join_kind(mut self, kind: JoinKind, target: impl FromSource, on: Option<Node>) -> Self {
        self.joins.push(Join {
            kind,
            target: target.into_source(),
            on,
        });
        self
    }
    /// `JOIN target ON condition`
    pub fn join(self, target: impl FromSource, on: impl IntoOperand<kinds::Bool>) -> Self {
        self.join_kind(JoinKind::Inner, target, Some(on.into_node()))
    }
    /// `LEFT OUTER JOIN target ON condition`
    pub fn outerjoin(self, target: impl FromSource, on: impl IntoOperand<kinds::Bool>) -> Self {
        self.join_kind(JoinKind::Left, target, Some(on.into_node()))
    }
    /// `FULL OUTER JOIN target ON condition` (refused on MySQL/MariaDB).
    pub fn full_outer_join(
        self,
        target: impl FromSource,
        on: impl IntoOperand<kinds::Bool>,
    ) -> Self {
        self.join_kind(JoinKind::Full, target, Some(on.into_node()))
    }
    /// `JOIN target ON ..` with the condition inferred from the one foreign key between
    /// `target` and the tables already in FROM; none or several is an error at compile.
    pub fn join_fk(self, target: impl FromSource) -> Self {
        self.join_kind(JoinKind::Inner, target, None)
    }
    /// `LEFT OUTER JOIN target ON ..` with the condition inferred as in [`join_fk`](Self::join_fk).
    pub fn outerjoin_fk(self, target: impl FromSource) -> Self {
        self.join_kind(JoinKind::Left, target, None)
    }
    /// `WHERE condition`; repeated calls AND the conditions together.
    pub fn where_(mut self, condition: impl IntoOperand<kinds::Bool>) -> Self {
        and_into(&mut self.where_, condition.into_node());
        self
    }
    /// Synonym of [`where_`](Self::where_), as SQLAlchemy's `filter`.
    pub fn filter(self, condition: impl IntoOperand<kinds::Bool>) -> Self {
        self.where_(condition)
    }
    /// `GROUP BY ..`
    pub fn group_by(mut self, exprs: impl ExprList) -> Self {
        exprs.push_nodes(&mut self.group_by);
        self
    }
    /// `HAVING condition`; repeated calls AND together.
    pub fn having(mut self, condition: impl IntoOperand<kinds::Bool>) -> Self {
        let mut having = self.having.take().map(|b| *b);
        and_into(&mut having, condition.into_node());
        self.having = having.map(Box::new);
        self
    }
    /// `ORDER BY ..`; repeated calls append.
    pub fn order_by(mut self, terms: impl OrderList) -> Self {
        terms.push_order(&mut self.order_by);
        self
    }
    /// `LIMIT n` (bound as a parameter).
    pub fn limit(mut self, n: impl IntoOperand<kinds::Integer>) -> Self {
        self.limit = Some(Count::new(n.into_node()));
        self
    }
    /// `OFFSET n` (bound); valid without a limit on every dialect.
    pub fn offset(mut self, n: impl IntoOperand<kinds::Integer>) -> Self {
        self.offset = Some(Count::new(n.into_node()));
        self
    }
    /// `SELECT DISTINCT`
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }
    /// This query as a derived table `(SELECT ..) AS name`, whose columns are reached
    /// with [`Subquery::c`].
    pub fn subquery(self, name: impl Into<Name>) -> Subquery {
        let columns = (0..self.items.len())
            .map(|i| self.output_name(i, true))
            .collect();
        Subquery(Arc::new(SubqueryInner {
            select: self,
            name: name.into(),
            columns,
        }))
    }
    /// This query as a scalar subquery `(SELECT ..)`, usable as an expression. It
    /// correlates with the enclosing query's tables, as SQLAlchemy does.
    pub fn scalar_subquery(self) -> Expr<Any> {
        Expr::from_node(Node::Subquery(Box::new(self)))
    }
    /// `EXISTS (this query)`
    pub fn exists(self) -> Expr<bool> {
        crate::expr::exists(self)
    }

    /// Hands every expression of the query (not of subqueries in its FROM, which are
    /// shared handles) to `take`, for dropping a deep tree without recursion.
    pub(crate) fn take_nodes(&mut self, take: &mut impl FnMut(&mut Node)) {
        self.items.iter_mut().for_each(|it| take(&mut it.node));
        self.joins
            .iter_mut()
            .filter_map(|j| j.on.as_mut())
            .for_each(&mut *take);
        self.where_.iter_mut().for_each(&mut *take);
        self.group_by.iter_mut().for_each(&mut *take);
        self.having.iter_mut().for_each(|h| take(h));
        self.order_by.iter_mut().for_each(|o| take(&mut o.node));
    }

    /// The label item `i` is rendered with, if any: its own label; for a column whose
    /// name an earlier item already uses, `<qualifier>_<name>`; inside a subquery, an
    /// unlabeled expression gets `anon_<n>` so the outer query can name it.
    pub(crate) fn render_label(&self, i: usize, in_subquery: bool) -> Option<Name> {
        let it = self.items.get(i)?;
        if let Some(l) = &it.label {
            return Some(l.clone());
        }
        match &it.node {
            Node::Column(c) => {
                let name = c.name();
                let dup = (0..i).any(|j| self.plain_name(j) == Some(name));
                dup.then(|| Name::from(format!("{}_{}", c.source.qualifier(), name)))
            }
            _ if in_subquery => Some(Name::from(format!("anon_{}", i + 1))),
            _ => None,
        }
    }
    fn plain_name(&self, i: usize) -> Option<&str> {
        let it = self.items.get(i)?;
        match (&it.label, &it.node) {
            (Some(l), _) => Some(l.as_str()),
            (None, Node::Column(c)) => Some(c.name()),
            _ => None,
        }
    }
    /// The name under which item `i` comes back in a result row.
    pub(crate) fn output_name(&self, i: usize, in_subquery: bool) -> Name {
        self.render_label(i, in_subquery)
            .or_else(|| self.plain_name(i).map(|n| Name::from(n.to_string())))
            .unwrap_or_else(|| Name::from(format!("anon_{}", i + 1)))
    }
    /// The names the result columns come back under, in order.
    pub fn column_names(&self) -> Vec<Name> {
        (0..self.items.len())
            .map(|i| self.output_name(i, false))
            .collect()
    }
}

#[derive(Debug)]
pub(crate) struct SubqueryInner {
    pub(crate) select: Select,
    pub(crate) name: Name,
    pub(crate) columns: Vec<Name>,
}

/// A derived table: `(SELECT ..) AS name`. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Subquery(pub(crate) Arc<SubqueryInner>);

impl Subquery {
    /// The alias.
    pub fn name(&self) -> &str {
        &self.0.name
    }
    /// The names of its columns.
    pub fn column_names(&self) -> &[Name] {
        &self.0.columns
    }
    /// The inner query.
    pub fn select(&self) -> &Select {
        &self.0.select
    }
    /// The column named `name`, untyped; an unknown name is an error.
    pub fn c(&self, name: &str) -> Result<Expr<Any>> {
        self.column::<Any>(name)
    }
    /// The column named `name`, with a result type chosen by the caller.
    pub fn column<T: SqlTy>(&self, name: &str) -> Result<Expr<T>> {
        let idx = self
            .0
            .columns
            .iter()
            .position(|c| *c == *name)
            .ok_or_else(|| Error::UnknownColumn {
                table: format!("subquery `{}`", self.name()).into(),
                column: name.into(),
            })?;
        Ok(Expr::from_node(self.column_node(idx)))
    }
    pub(crate) fn column_node(&self, idx: usize) -> Node {
        Node::Column(ColumnRef {
            source: Source::Subquery(self.clone()),
            idx: idx as u32,
        })
    }
}
