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
    /// `RIGHT OUTER JOIN` (SQLite 3.39+).
    Right,
    /// `CROSS JOIN`: every pair of rows, no condition.
    Cross,
}

/// A join: target, kind, and the ON condition (`None`: inferred from the one foreign
/// key between the tables when compiled).
#[derive(Debug, Clone)]
pub struct Join {
    pub(crate) kind: JoinKind,
    pub(crate) target: Source,
    pub(crate) on: Option<Node>,
    // `JOIN LATERAL`: the target subquery sees the tables on its left.
    pub(crate) lateral: bool,
}

/// A row lock: `FOR UPDATE` / `FOR SHARE`, waiting or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock {
    /// `FOR SHARE` (`false`: `FOR UPDATE`).
    pub share: bool,
    /// How a locked row is met.
    pub wait: LockWait,
}

/// What a row lock does with a row another transaction holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockWait {
    /// Wait for it (the default).
    Wait,
    /// `NOWAIT`: fail at once.
    NoWait,
    /// `SKIP LOCKED`: leave the row out.
    SkipLocked,
}

/// A `SELECT` statement.
///
/// FROM is inferred from the columns used, as SQLAlchemy does; [`select_from`](Select::select_from)
/// adds explicit entries. Calling [`where_`](Select::where_) again ANDs the conditions.
///
/// The builder methods, by group: the list ([`add_columns`](Select::add_columns),
/// [`distinct`](Select::distinct), [`distinct_on`](Select::distinct_on)); FROM and joins
/// ([`select_from`](Select::select_from), [`join`](Select::join),
/// [`outerjoin`](Select::outerjoin), [`right_join`](Select::right_join),
/// [`full_outer_join`](Select::full_outer_join), [`cross_join`](Select::cross_join),
/// [`join_lateral`](Select::join_lateral), [`join_fk`](Select::join_fk)); filtering and
/// grouping ([`where_`](Select::where_), [`group_by`](Select::group_by),
/// [`having`](Select::having)); ordering and paging ([`order_by`](Select::order_by),
/// [`limit`](Select::limit), [`offset`](Select::offset)); locks
/// ([`for_update`](Select::for_update), [`for_share`](Select::for_share),
/// [`nowait`](Select::nowait), [`skip_locked`](Select::skip_locked)); set operations
/// ([`union`](Select::union), [`intersect`](Select::intersect),
/// [`except`](Select::except) and their `_all` forms); and as a part of another
/// statement ([`subquery`](Select::subquery), [`cte`](Select::cte),
/// [`scalar_subquery`](Select::scalar_subquery), [`exists`](Select::exists)).
///
/// ```
/// use sqlkit::prelude::*;
/// use sqlkit::expr::func;
/// #[derive(sqlkit::Table)]
/// #[sqlkit(table = "users")]
/// struct User { #[sqlkit(primary_key)] id: i64, name: String }
/// #[derive(sqlkit::Table)]
/// #[sqlkit(table = "posts")]
/// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] author_id: i64, views: i64 }
/// let (u, p) = (User::table(), Post::table());
/// let n = func::count(p.id);
/// let q = select((u.name, n.clone().label("n_posts")))
///     .outerjoin(p, p.author_id.eq(u.id))
///     .where_(u.name.ne("bot"))
///     .group_by(u.name)
///     .having(n.gt(1))
///     .order_by("n_posts")
///     .limit(10);
/// assert_eq!(q.compile(&Postgres::default())?.sql,
///     "SELECT users.name, count(posts.id) AS n_posts FROM users LEFT OUTER JOIN posts \
///      ON posts.author_id = users.id WHERE users.name <> $1 GROUP BY users.name \
///      HAVING count(posts.id) > $2 ORDER BY n_posts LIMIT $3");
/// # Ok::<(), sqlkit::Error>(())
/// ```
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
    // Set for a compound (`a UNION b ..`): then `items`, FROM, WHERE and GROUP BY are
    // empty, and ORDER BY / LIMIT / OFFSET apply to the whole.
    pub(crate) compound: Option<Box<Compound>>,
    pub(crate) distinct_on: Vec<Node>,
    pub(crate) lock: Option<Lock>,
    // A VALUES list: the members of the compound are its rows.
    pub(crate) values_list: bool,
}

/// A set operation between selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    /// `UNION`: rows of either, duplicates removed.
    Union,
    /// `UNION ALL`
    UnionAll,
    /// `INTERSECT`: rows of both, duplicates removed.
    Intersect,
    /// `INTERSECT ALL` (refused on SQLite).
    IntersectAll,
    /// `EXCEPT`: rows of the first that the second lacks, duplicates removed.
    Except,
    /// `EXCEPT ALL` (refused on SQLite).
    ExceptAll,
}

impl SetOp {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            SetOp::Union => " UNION ",
            SetOp::UnionAll => " UNION ALL ",
            SetOp::Intersect => " INTERSECT ",
            SetOp::IntersectAll => " INTERSECT ALL ",
            SetOp::Except => " EXCEPT ",
            SetOp::ExceptAll => " EXCEPT ALL ",
        }
    }
}

/// The members of a compound select, left to right.
#[derive(Debug, Clone)]
pub(crate) struct Compound {
    pub(crate) first: Select,
    pub(crate) rest: Vec<(SetOp, Select)>,
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

/// A list of rows as a table with named columns, SQLAlchemy's `values()`:
/// `(VALUES ..) AS name (columns)` on PostgreSQL, and the same rows as a derived table
/// `(SELECT .. AS a, .. AS b UNION ALL SELECT ..)` elsewhere. Values are bound. No
/// rows, or a row of the wrong width, is an error.
///
/// ```
/// use sqlkit::prelude::*;
/// use sqlkit::stmt::values;
/// let v = values("v", &["id", "name"], [(1i64, "a"), (2, "b")])?;
/// let q = select(v.clone());
/// assert_eq!(q.compile(&Postgres::default())?.sql,
///     "SELECT v.id, v.name FROM (VALUES ($1::int8, $2), ($3, $4)) AS v (id, name)");
/// assert_eq!(q.compile(&Sqlite::default())?.sql,
///     "SELECT v.id, v.name FROM (SELECT ? AS id, ? AS name UNION ALL SELECT ?, ?) AS v");
/// # Ok::<(), sqlkit::Error>(())
/// ```
pub fn values<R: super::IntoRow>(
    name: impl Into<Name>,
    columns: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Result<Subquery> {
    let mut members = Vec::new();
    for (k, row) in rows.into_iter().enumerate() {
        let mut nodes = Vec::with_capacity(columns.len());
        row.push_row(&mut nodes);
        if nodes.len() != columns.len() {
            return Err(Error::invalid(
                "VALUES",
                format!(
                    "row {} has {} values for {} columns",
                    k + 1,
                    nodes.len(),
                    columns.len()
                ),
            ));
        }
        let items = nodes
            .into_iter()
            .zip(columns)
            .map(|(node, c)| SelectItem {
                node,
                label: (k == 0).then(|| Name::from(c.to_string())),
            })
            .collect();
        members.push(Select {
            items,
            ..Select::default()
        });
    }
    let mut members = members.into_iter();
    let Some(first) = members.next() else {
        return Err(Error::invalid("VALUES", "there are no rows"));
    };
    let rest: Vec<(SetOp, Select)> = members.map(|m| (SetOp::UnionAll, m)).collect();
    let body = if rest.is_empty() {
        Select {
            values_list: true,
            ..first
        }
    } else {
        Select {
            compound: Some(Box::new(Compound { first, rest })),
            values_list: true,
            ..Select::default()
        }
    };
    Ok(body.subquery(name))
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
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "users")]
    /// struct User { #[sqlkit(primary_key)] id: i64, name: String }
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "posts")]
    /// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] user_id: i64, views: i64 }
    /// # let (u, p) = (User::table(), Post::table());
    /// # let d = Sqlite::default();
    /// let q = select(u.id).add_columns(u.name);
    /// assert_eq!(q.compile(&d)?.sql, "SELECT users.id, users.name FROM users");
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
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
            lateral: false,
        });
        self
    }
    /// `RIGHT OUTER JOIN target ON condition` (refused on SQLite before 3.39).
    pub fn right_join(self, target: impl FromSource, on: impl IntoOperand<kinds::Bool>) -> Self {
        self.join_kind(JoinKind::Right, target, Some(on.into_node()))
    }
    /// `CROSS JOIN target`: every combination of rows.
    pub fn cross_join(self, target: impl FromSource) -> Self {
        self.join_kind(JoinKind::Cross, target, None)
    }
    /// `JOIN LATERAL (subquery) AS name ON condition`: the subquery may use the
    /// columns of the tables joined before it (PostgreSQL, MySQL 8.0.14+; refused on
    /// MariaDB and SQLite). `outer` makes it a LEFT OUTER JOIN.
    pub fn join_lateral(
        mut self,
        target: Subquery,
        on: impl IntoOperand<kinds::Bool>,
        outer: bool,
    ) -> Self {
        self.joins.push(Join {
            kind: if outer {
                JoinKind::Left
            } else {
                JoinKind::Inner
            },
            target: Source::Subquery(target),
            on: Some(on.into_node()),
            lateral: true,
        });
        self
    }
    /// `JOIN target ON condition`
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "users")]
    /// struct User { #[sqlkit(primary_key)] id: i64, name: String }
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "posts")]
    /// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] user_id: i64, views: i64 }
    /// # let (u, p) = (User::table(), Post::table());
    /// # let d = Sqlite::default();
    /// let q = select((u.name, p.id)).join(p, p.user_id.eq(u.id));
    /// assert_eq!(q.compile(&d)?.sql,
    ///     "SELECT users.name, posts.id FROM users JOIN posts ON posts.user_id = users.id");
    /// // outerjoin (LEFT OUTER), right_join, full_outer_join, cross_join, join_lateral and
    /// // join_fk / outerjoin_fk (the ON from the foreign key) read the same way.
    /// let q = select((u.name, p.id)).outerjoin_fk(p);
    /// assert!(q.compile(&d)?.sql.contains("FROM users LEFT OUTER JOIN posts ON "));
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
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
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "users")]
    /// struct User { #[sqlkit(primary_key)] id: i64, name: String }
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "posts")]
    /// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] user_id: i64, views: i64 }
    /// # let (u, p) = (User::table(), Post::table());
    /// # let d = Sqlite::default();
    /// // Several calls are joined with AND; filter is the same.
    /// let q = select(u.name).where_(u.id.gt(1)).where_(u.name.like("a%"));
    /// assert_eq!(q.compile(&d)?.sql,
    ///     "SELECT users.name FROM users WHERE users.id > ? AND users.name LIKE ?");
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn where_(mut self, condition: impl IntoOperand<kinds::Bool>) -> Self {
        and_into(&mut self.where_, condition.into_node());
        self
    }
    /// Synonym of [`where_`](Self::where_), as SQLAlchemy's `filter`.
    pub fn filter(self, condition: impl IntoOperand<kinds::Bool>) -> Self {
        self.where_(condition)
    }
    /// `GROUP BY ..`
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "users")]
    /// struct User { #[sqlkit(primary_key)] id: i64, name: String }
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "posts")]
    /// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] user_id: i64, views: i64 }
    /// # let (u, p) = (User::table(), Post::table());
    /// # let d = Sqlite::default();
    /// let q = select((p.user_id, func::sum(p.views).label("total")))
    ///     .group_by(p.user_id)
    ///     .having(func::count_star().gt(2));
    /// assert_eq!(q.compile(&d)?.sql,
    ///     "SELECT posts.user_id, sum(posts.views) AS total FROM posts GROUP BY posts.user_id HAVING count(*) > ?");
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
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
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "users")]
    /// struct User { #[sqlkit(primary_key)] id: i64, name: String }
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "posts")]
    /// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] user_id: i64, views: i64 }
    /// # let (u, p) = (User::table(), Post::table());
    /// # let d = Sqlite::default();
    /// let q = select(u.name).order_by((u.name.desc(), u.id)).limit(10).offset(20);
    /// assert_eq!(q.compile(&d)?.sql,
    ///     "SELECT users.name FROM users ORDER BY users.name DESC, users.id LIMIT ? OFFSET ?");
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn order_by(mut self, terms: impl OrderList) -> Self {
        terms.push_order(&mut self.order_by);
        self
    }
    /// `LIMIT n` (bound as a parameter).
    pub fn limit(mut self, n: impl IntoOperand<kinds::Integer>) -> Self {
        self.limit = Some(Count::new(n.into_node()));
        self
    }
    /// Limits the statement to its first row: `LIMIT 1`, unless it has a limit of its
    /// own that is already 0 or given as an expression (kept: its value is not known).
    #[cfg(feature = "orm")]
    pub(crate) fn limit_first(mut self) -> Self {
        match self.limit {
            Some(Count::Int(n)) if n < 1 => {}
            Some(Count::Node(_)) => {}
            _ => self.limit = Some(Count::Int(1)),
        }
        self
    }
    /// `OFFSET n` (bound); valid without a limit on every dialect.
    pub fn offset(mut self, n: impl IntoOperand<kinds::Integer>) -> Self {
        self.offset = Some(Count::new(n.into_node()));
        self
    }
    /// `SELECT DISTINCT`
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "users")]
    /// struct User { #[sqlkit(primary_key)] id: i64, name: String }
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "posts")]
    /// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] user_id: i64, views: i64 }
    /// # let (u, p) = (User::table(), Post::table());
    /// # let d = Sqlite::default();
    /// let q = select(p.user_id).distinct();
    /// assert_eq!(q.compile(&d)?.sql, "SELECT DISTINCT posts.user_id FROM posts");
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }
    /// `SELECT DISTINCT ON (exprs)`: the first row of each group of equal `exprs`, in
    /// the query's ORDER BY (PostgreSQL only; refused elsewhere).
    pub fn distinct_on(mut self, exprs: impl ExprList) -> Self {
        exprs.push_nodes(&mut self.distinct_on);
        self
    }
    /// `FOR UPDATE`: lock the rows read until the transaction ends. On SQLite the
    /// clause is left out: sqlkit's transactions there hold the database's write lock
    /// from their start (`BEGIN IMMEDIATE`), so no other writer can change the rows.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "users")]
    /// struct User { #[sqlkit(primary_key)] id: i64, name: String }
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "posts")]
    /// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] user_id: i64, views: i64 }
    /// # let (u, p) = (User::table(), Post::table());
    /// # let d = Sqlite::default();
    /// let q = select(u.name).where_(u.id.eq(1)).for_update().skip_locked();
    /// assert_eq!(q.compile(&Postgres::default())?.sql,
    ///     "SELECT users.name FROM users WHERE users.id = $1 FOR UPDATE SKIP LOCKED");
    /// // SQLite locks the whole database for a write transaction: the clause is left out.
    /// assert!(!q.compile(&d)?.sql.contains("FOR UPDATE"));
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn for_update(mut self) -> Self {
        self.lock = Some(Lock {
            share: false,
            wait: LockWait::Wait,
        });
        self
    }
    /// `FOR SHARE` (MariaDB: `LOCK IN SHARE MODE`): lock the rows against writers.
    pub fn for_share(mut self) -> Self {
        self.lock = Some(Lock {
            share: true,
            wait: LockWait::Wait,
        });
        self
    }
    /// With [`for_update`](Self::for_update) / [`for_share`](Self::for_share):
    /// `NOWAIT`, fail at once on a locked row.
    pub fn nowait(mut self) -> Self {
        if let Some(l) = &mut self.lock {
            l.wait = LockWait::NoWait;
        }
        self
    }
    /// With [`for_update`](Self::for_update) / [`for_share`](Self::for_share):
    /// `SKIP LOCKED`, leave locked rows out (a job queue's read).
    pub fn skip_locked(mut self) -> Self {
        if let Some(l) = &mut self.lock {
            l.wait = LockWait::SkipLocked;
        }
        self
    }
    /// This query as a derived table `(SELECT ..) AS name`, whose columns are reached
    /// with [`Subquery::c`].
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "users")]
    /// struct User { #[sqlkit(primary_key)] id: i64, name: String }
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "posts")]
    /// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] user_id: i64, views: i64 }
    /// # let (u, p) = (User::table(), Post::table());
    /// # let d = Sqlite::default();
    /// let busy = select((p.user_id, func::count_star().label("n"))).group_by(p.user_id).subquery("busy");
    /// let q = select((u.name, busy.c("n")?)).join(busy.clone(), busy.c("user_id")?.eq(u.id));
    /// assert!(q.compile(&d)?.sql.contains("JOIN (SELECT posts.user_id, count(*) AS n FROM posts GROUP BY posts.user_id) AS busy"));
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn subquery(self, name: impl Into<Name>) -> Subquery {
        self.named(name.into(), None)
    }
    fn named(self, name: Name, cte: Option<bool>) -> Subquery {
        let lead = self.leader();
        let columns = (0..lead.items.len())
            .map(|i| lead.output_name(i, true))
            .collect();
        Subquery(Arc::new(SubqueryInner {
            select: self,
            name,
            columns,
            cte,
        }))
    }
    /// This query as a common table expression `WITH name AS (..)` (SQLAlchemy's
    /// `cte()`): used in FROM and joins like a table, written once in the WITH clause
    /// of the statement however often it is referenced. See [`Cte`] for recursive
    /// ones.
    pub fn cte(self, name: impl Into<Name>) -> Cte {
        Cte(self.named(name.into(), Some(false)))
    }

    fn set_op(self, op: SetOp, other: Select) -> Select {
        let plain = self.order_by.is_empty() && self.limit.is_none() && self.offset.is_none();
        let mut this = self;
        if let (Some(c), true) = (&mut this.compound, plain) {
            if c.rest.iter().all(|(o, _)| *o == op) {
                c.rest.push((op, other));
                return this;
            }
        }
        Select {
            compound: Some(Box::new(Compound {
                first: this,
                rest: vec![(op, other)],
            })),
            ..Select::default()
        }
    }
    /// `self UNION other`: the rows of either, without duplicates. ORDER BY, LIMIT
    /// and OFFSET set afterwards apply to the whole; order by the columns of the first
    /// select (written by name).
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "users")]
    /// struct User { #[sqlkit(primary_key)] id: i64, name: String }
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "posts")]
    /// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] user_id: i64, views: i64 }
    /// # let (u, p) = (User::table(), Post::table());
    /// # let d = Sqlite::default();
    /// // union_all, intersect(_all), except(_all) read the same way.
    /// let q = select(u.id).where_(u.id.lt(3)).union(select(p.user_id));
    /// assert_eq!(q.compile(&d)?.sql,
    ///     "SELECT users.id FROM users WHERE users.id < ? UNION SELECT posts.user_id FROM posts");
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn union(self, other: Select) -> Select {
        self.set_op(SetOp::Union, other)
    }
    /// `self UNION ALL other`: the rows of both, duplicates kept.
    pub fn union_all(self, other: Select) -> Select {
        self.set_op(SetOp::UnionAll, other)
    }
    /// `self INTERSECT other`: the rows in both, without duplicates.
    pub fn intersect(self, other: Select) -> Select {
        self.set_op(SetOp::Intersect, other)
    }
    /// `self INTERSECT ALL other` (refused on SQLite).
    pub fn intersect_all(self, other: Select) -> Select {
        self.set_op(SetOp::IntersectAll, other)
    }
    /// `self EXCEPT other`: the rows of `self` that `other` lacks, without duplicates.
    pub fn except(self, other: Select) -> Select {
        self.set_op(SetOp::Except, other)
    }
    /// `self EXCEPT ALL other` (refused on SQLite).
    pub fn except_all(self, other: Select) -> Select {
        self.set_op(SetOp::ExceptAll, other)
    }
    /// The select whose columns name the result: the first member of a compound.
    pub(crate) fn leader(&self) -> &Select {
        let mut q = self;
        while let Some(c) = &q.compound {
            q = &c.first;
        }
        q
    }
    /// This query as a scalar subquery `(SELECT ..)`, usable as an expression. It
    /// correlates with the enclosing query's tables, as SQLAlchemy does.
    pub fn scalar_subquery(self) -> Expr<Any> {
        Expr::from_node(Node::Subquery(Box::new(self)))
    }
    /// `EXISTS (this query)`
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "users")]
    /// struct User { #[sqlkit(primary_key)] id: i64, name: String }
    /// #[derive(sqlkit::Table)]
    /// #[sqlkit(table = "posts")]
    /// struct Post { #[sqlkit(primary_key)] id: i64, #[sqlkit(foreign_key = "users.id")] user_id: i64, views: i64 }
    /// # let (u, p) = (User::table(), Post::table());
    /// # let d = Sqlite::default();
    /// let has_posts = select(p.id).where_(p.user_id.eq(u.id)).exists();
    /// let q = select(u.name).where_(has_posts);
    /// assert!(q.compile(&d)?.sql.contains("WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.user_id = users.id)"));
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
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
        self.distinct_on.iter_mut().for_each(&mut *take);
        if let Some(c) = &mut self.compound {
            c.first.take_nodes(take);
            c.rest.iter_mut().for_each(|(_, m)| m.take_nodes(take));
        }
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
        let lead = self.leader();
        (0..lead.items.len())
            .map(|i| lead.output_name(i, false))
            .collect()
    }
}

#[derive(Debug)]
pub(crate) struct SubqueryInner {
    pub(crate) select: Select,
    pub(crate) name: Name,
    pub(crate) columns: Vec<Name>,
    // A CTE (`Some(recursive)`) rather than a derived table.
    pub(crate) cte: Option<bool>,
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
    /// `Some(recursive)` for a common table expression.
    pub(crate) fn cte(&self) -> Option<bool> {
        self.0.cte
    }
    pub(crate) fn column_node(&self, idx: usize) -> Node {
        Node::Column(ColumnRef {
            source: Source::Subquery(self.clone()),
            idx: idx as u32,
        })
    }
}

/// A common table expression, made by [`Select::cte`]: a named query written once
/// in the statement's `WITH` clause and used like a table. Cheap to clone.
///
/// A recursive CTE is its anchor query's CTE joined with a query that refers to it,
/// through [`union_all`](Cte::union_all) (or [`union`](Cte::union)):
///
/// ```
/// use sqlkit::prelude::*;
/// # let c = Table::builder("comments").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
/// #   .column(ColumnDef::new("parent_id", SqlType::BigInt).nullable(true)).build()?;
/// let (id, parent) = (c.column::<i64>("id")?, c.column::<Option<i64>>("parent_id")?);
/// // The thread below comment 1, with each reply's depth.
/// let thread = select((id.clone(), literal::<i64>(0i64).label("depth")))
///     .where_(id.clone().eq(1))
///     .cte("thread");
/// let depth = thread.column::<i64>("depth")?;
/// let up = thread.column::<i64>("id")?;
/// let thread = thread.clone().union_all(select((id, depth + 1)).join(thread, parent.eq(up)));
/// let q = select(thread.clone()).order_by(thread.column::<i64>("depth")?);
/// assert_eq!(q.compile(&Postgres::default())?.sql,
///     "WITH RECURSIVE thread (id, depth) AS (SELECT comments.id, 0 AS depth FROM comments \
///      WHERE comments.id = $1 UNION ALL SELECT comments.id, thread.depth + $2 FROM comments \
///      JOIN thread ON comments.parent_id = thread.id) \
///      SELECT thread.id, thread.depth FROM thread ORDER BY thread.depth");
/// # Ok::<(), sqlkit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Cte(pub(crate) Subquery);

impl Cte {
    /// The name.
    pub fn name(&self) -> &str {
        self.0.name()
    }
    /// The names of its columns (those of its first query).
    pub fn column_names(&self) -> &[Name] {
        self.0.column_names()
    }
    /// The column named `name`, untyped; an unknown name is an error.
    pub fn c(&self, name: &str) -> Result<Expr<Any>> {
        self.0.c(name)
    }
    /// The column named `name`, with a result type chosen by the caller.
    pub fn column<T: SqlTy>(&self, name: &str) -> Result<Expr<T>> {
        self.0.column(name)
    }
    fn recursive(self, op: SetOp, step: Select) -> Cte {
        let inner = &self.0 .0;
        let body = inner.select.clone().set_op(op, step);
        Cte(Subquery(Arc::new(SubqueryInner {
            select: body,
            name: inner.name.clone(),
            columns: inner.columns.clone(),
            cte: Some(true),
        })))
    }
    /// A recursive CTE: this one's query `UNION ALL` a `step` that refers to it (the
    /// rows found so far), repeated until the step adds no rows.
    pub fn union_all(self, step: Select) -> Cte {
        self.recursive(SetOp::UnionAll, step)
    }
    /// Like [`union_all`](Self::union_all), dropping duplicate rows (which also stops a
    /// walk over a cycle).
    pub fn union(self, step: Select) -> Cte {
        self.recursive(SetOp::Union, step)
    }
}
