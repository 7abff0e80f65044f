//! The generic walk: one exhaustive `match` per tree type, no catch-all arm, so a new
//! node does not compile until every statement and dialect path handles it.

use super::Compiler;
use crate::dialect::{BindSite, Feature, UpsertStyle};
use crate::error::{Error, JoinFailure, Result};
use crate::expr::{BinOp, ColumnRef, Node, Op, Source};
use crate::name::Name;
use crate::schema::{constraint_name, Table};
use crate::stmt::{
    Compound, Conflict, CreateIndex, CreateTable, Ddl, Delete, DropTable, Insert, Join, JoinKind,
    Lock, LockWait, Select, SelectItem, SetOp, Statement, Subquery, Update,
};
use crate::value::Value;

/// Column `i` of `def`: positions come from resolving a column against the table, so
/// one past its end means a statement was assembled by hand from another table.
fn column_of(def: &crate::schema::TableDef, i: usize) -> Result<&crate::schema::ColumnDef> {
    def.columns().get(i).ok_or_else(|| Error::UnknownColumn {
        table: format!("table `{}`", def.name()).into(),
        column: format!("#{i}").into(),
    })
}

/// Binding strength: a child weaker than its parent's slot is parenthesised.
/// The values of an `IN` list that can go as one array parameter: a non-empty list of
/// bound values of one type the array's element type can take from the server's
/// inference, with NULL nowhere (the list form keeps its plain meaning there), tested
/// against an expression whose type the server knows (not itself a parameter).
fn array_items<'n>(expr: &Node, list: &'n [Node]) -> Option<Vec<&'n Value>> {
    if matches!(
        expr,
        Node::Bind(_) | Node::Param(_) | Node::Literal(_) | Node::Tuple(_) | Node::Raw(_)
    ) {
        return None;
    }
    let mut items = Vec::with_capacity(list.len());
    for n in list {
        let Node::Bind(v) = n else { return None };
        let fits = matches!(
            v,
            Value::Bool(_)
                | Value::Int(_)
                | Value::Float(_)
                | Value::Decimal(_)
                | Value::Text(_)
                | Value::Date(_)
                | Value::Time(_)
                | Value::DateTime(_)
                | Value::Timestamp(_)
                | Value::Uuid(_)
        );
        let same = items
            .first()
            .is_none_or(|f: &&Value| std::mem::discriminant(*f) == std::mem::discriminant(v));
        if !fits || !same {
            return None;
        }
        items.push(v);
    }
    (!items.is_empty()).then_some(items)
}

fn prec(n: &Node) -> u8 {
    match n {
        Node::Or(v) if v.len() > 1 => 1,
        Node::And(v) if v.len() > 1 => 2,
        Node::Not(_) => 3,
        Node::IsNull(..)
        | Node::Like { .. }
        | Node::InList(..)
        | Node::InSelect(..)
        | Node::Between(..)
        | Node::And(_)
        | Node::Or(_) => 4,
        Node::Binary(op, ..) => match op {
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
            BinOp::Concat => 5,
            BinOp::Add | BinOp::Sub => 6,
            BinOp::Mul | BinOp::Div | BinOp::Mod => 7,
        },
        Node::Neg(_) => 8,
        Node::Column(_)
        | Node::Bind(_)
        | Node::Param(_)
        | Node::Literal(_)
        | Node::Raw(_)
        | Node::Star
        | Node::Func { .. }
        | Node::Now
        | Node::Cast(..)
        | Node::Tuple(_)
        | Node::Subquery(_)
        | Node::Exists(_)
        | Node::Excluded(_) => 9,
        Node::Op(op, _) => match **op {
            Op::IsDistinct { .. } | Op::IsBool { .. } | Op::Regexp { .. } => 4,
            _ => 9,
        },
    }
}

pub(super) fn op_sql(op: BinOp) -> &'static str {
    match op {
        BinOp::Eq => " = ",
        BinOp::Ne => " <> ",
        BinOp::Lt => " < ",
        BinOp::Le => " <= ",
        BinOp::Gt => " > ",
        BinOp::Ge => " >= ",
        BinOp::Add => " + ",
        BinOp::Sub => " - ",
        BinOp::Mul => " * ",
        BinOp::Div => " / ",
        BinOp::Mod => " % ",
        BinOp::Concat => " || ",
    }
}

impl Compiler<'_> {
    /// Writes `n` in a slot of strength `min`: parenthesised when it binds weaker (or
    /// equally, with `strict`), and always when it is a raw fragment inside an operator.
    pub(super) fn child(&mut self, n: &Node, min: u8, strict: bool) -> Result<()> {
        let p = prec(n);
        let wrap = p < min || (strict && p == min) || matches!(n, Node::Raw(_));
        if wrap {
            self.push("(");
        }
        self.node(n)?;
        if wrap {
            self.push(")");
        }
        Ok(())
    }

    /// `x IN (a, b, ..)`, one parameter per element.
    fn in_list(&mut self, expr: &Node, list: &[Node], negated: bool) -> Result<()> {
        if list.is_empty() {
            // `x IN ()` is a syntax error on two of three dialects.
            self.push(if negated { "1 = 1" } else { "1 = 0" });
            return Ok(());
        }
        self.child(expr, 4, true)?;
        self.push(if negated { " NOT IN (" } else { " IN (" });
        if matches!(expr, Node::Tuple(_)) && !self.dialect.supports(Feature::RowValueInList) {
            // SQLite takes row values on the right of IN from a VALUES table only.
            self.push("VALUES ");
        }
        if matches!(expr, Node::Bind(_) | Node::Param(_)) {
            self.list(list)?;
        } else {
            // Values listed against an expression: it types them.
            for (i, n) in list.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                match n {
                    Node::Bind(v) => self.expr_bind(v, BindSite::Compared)?,
                    n => self.node(n)?,
                }
            }
        }
        self.push(")");
        Ok(())
    }

    pub(super) fn list(&mut self, nodes: &[Node]) -> Result<()> {
        for (i, n) in nodes.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.node(n)?;
        }
        Ok(())
    }

    fn column(&mut self, c: &ColumnRef) {
        match &c.source {
            Source::Table(t) => {
                let def = t.def();
                if self.qualify {
                    match t.alias_name() {
                        Some(a) => self.push_known_ident(a, t.alias_plain),
                        None => self.push_known_ident(def.name(), def.name_plain),
                    }
                    self.push(".");
                }
                match def.columns().get(c.idx as usize) {
                    Some(col) => self.push_known_ident(col.name(), col.plain),
                    None => self.push_ident(c.name()),
                }
            }
            Source::Subquery(s) => {
                if self.qualify {
                    self.push_ident(s.name());
                    self.push(".");
                }
                self.push_ident(c.name());
            }
        }
    }

    /// Writes `n`, counting the depth: past [`MAX_DEPTH`](super::MAX_DEPTH) the tree is
    /// refused, and every few levels the stack is grown if it runs low (a debug build
    /// spends kilobytes of stack per level).
    pub(super) fn node(&mut self, n: &Node) -> Result<()> {
        if !self.repeats.is_empty() && self.replay.is_none() {
            let hit = self
                .repeats
                .iter()
                .find(|r| same_tree(&r.node, n, 0))
                .map(|r| (r.slots.clone(), r.label.clone()));
            if let Some((slots, label)) = hit {
                if self.dialect.numbered_placeholders() {
                    self.replay = Some(slots);
                    let r = self.node(n);
                    self.replay = None;
                    return r;
                }
                if let (true, Some(label)) = (self.in_having, label) {
                    self.push_ident(&label);
                    return Ok(());
                }
            }
        }
        self.depth += 1;
        let r = if self.depth > super::MAX_DEPTH {
            Err(Error::TooDeep {
                limit: super::MAX_DEPTH,
            })
        } else if self.depth.is_multiple_of(8) {
            crate::expr::with_stack(|| self.node_at(n))
        } else {
            self.node_at(n)
        };
        self.depth -= 1;
        r
    }

    fn node_at(&mut self, n: &Node) -> Result<()> {
        match n {
            Node::Column(c) => self.column(c),
            Node::Bind(v) => self.expr_bind(v, BindSite::Inside)?,
            Node::Param(name) => self.push_param(name)?,
            Node::Literal(v) => self.push_literal(v)?,
            Node::Raw(s) => self.push(s),
            Node::Star => self.push("*"),
            Node::Not(inner) => match &**inner {
                Node::Exists(q) => {
                    self.push("NOT EXISTS (");
                    self.subselect(q)?;
                    self.push(")");
                }
                inner => {
                    self.push("NOT ");
                    self.child(inner, 9, false)?;
                }
            },
            Node::Neg(inner) => {
                self.push("-");
                match &**inner {
                    // A bound value's placeholder; its type where the server cannot
                    // resolve `-` on an untyped parameter (PostgreSQL).
                    Node::Bind(v) if !self.inline => {
                        self.note(v);
                        self.push_bind(v.clone())?;
                        self.dialect.write_param_type(&mut self.sql, v);
                    }
                    Node::Column(_) | Node::Param(_) | Node::Func { .. } => self.node(inner)?,
                    // Literals (also inlined values) are parenthesised, so a negative one
                    // never makes `--`, a comment.
                    _ => {
                        self.push("(");
                        self.node(inner)?;
                        self.push(")");
                    }
                }
            }
            Node::IsNull(inner, negated) => {
                self.child(inner, 4, true)?;
                self.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Node::Binary(BinOp::Concat, lr) if !self.dialect.supports(Feature::ConcatOperator) => {
                let [l, r] = &**lr;
                self.push("CONCAT(");
                self.concat_args(l)?;
                self.push(", ");
                self.concat_args(r)?;
                self.push(")");
            }
            Node::Binary(BinOp::Div, lr)
                if self.dialect.decimals_may_be_integers()
                    && lr.iter().any(|x| decimal_typed_at(x, 0)) =>
            {
                let [l, r] = &**lr;
                self.child(l, prec(n), false)?;
                self.push(" / CAST(");
                self.node(r)?;
                self.push(" AS REAL)");
            }
            Node::Binary(op, lr) => {
                let [l, r] = &**lr;
                let p = prec(n);
                let left_strict = p == 4;
                // Two placeholders side by side (`$1 + $2`): neither types the other.
                match (l, r) {
                    (Node::Bind(a), Node::Bind(_) | Node::Param(_)) => {
                        self.expr_bind(a, BindSite::Alone)?;
                        self.push(op_sql(*op));
                        if let Node::Bind(b) = r {
                            self.expr_bind(b, BindSite::Alone)?;
                        } else {
                            self.node(r)?;
                        }
                    }
                    (Node::Param(_), Node::Bind(b)) => {
                        self.node(l)?;
                        self.push(op_sql(*op));
                        self.expr_bind(b, BindSite::Alone)?;
                    }
                    // A value compared with an expression: the expression types it.
                    (Node::Bind(a), _) if is_comparison(*op) => {
                        self.expr_bind(a, BindSite::Compared)?;
                        self.push(op_sql(*op));
                        self.child(r, p, true)?;
                    }
                    (_, Node::Bind(b)) if is_comparison(*op) => {
                        self.child(l, p, left_strict)?;
                        self.push(op_sql(*op));
                        self.expr_bind(b, BindSite::Compared)?;
                    }
                    _ => {
                        self.child(l, p, left_strict)?;
                        self.push(op_sql(*op));
                        self.child(r, p, true)?;
                    }
                }
            }
            Node::Like {
                operands,
                escape,
                negated,
                case_insensitive,
            } => {
                let [expr, pattern] = &**operands;
                let native_ci = *case_insensitive && self.dialect.supports(Feature::Ilike);
                let lower = *case_insensitive && !native_ci;
                if let (Node::Bind(e), Node::Bind(_), false) = (expr, pattern, lower) {
                    // Two bound values: neither gives the other a type or collation.
                    self.expr_bind(e, BindSite::Alone)?;
                } else if lower {
                    self.push("lower(");
                    self.node(expr)?;
                    self.push(")");
                } else {
                    self.child(expr, 4, true)?;
                }
                self.push(match (negated, native_ci) {
                    (false, false) => " LIKE ",
                    (true, false) => " NOT LIKE ",
                    (false, true) => " ILIKE ",
                    (true, true) => " NOT ILIKE ",
                });
                if lower {
                    self.push("lower(");
                    self.node(pattern)?;
                    self.push(")");
                } else if let Node::Bind(p) = pattern {
                    let site = if matches!(expr, Node::Bind(_)) {
                        BindSite::Alone
                    } else {
                        BindSite::Compared
                    };
                    self.expr_bind(p, site)?;
                } else {
                    self.child(pattern, 4, true)?;
                }
                if let Some(e) = escape {
                    self.push(" ESCAPE ");
                    self.push_literal(&crate::value::Value::Text(e.to_string().into()))?;
                }
            }
            Node::InList(expr, list, negated) if !self.inline && self.dialect.binds_arrays() => {
                match array_items(expr, list) {
                    Some(items) => {
                        self.child(expr, 4, true)?;
                        self.push(if *negated { " <> ALL(" } else { " = ANY(" });
                        self.push_array(&items)?;
                        self.push(")");
                    }
                    None => self.in_list(expr, list, *negated)?,
                }
            }
            Node::InList(expr, list, negated) => self.in_list(expr, list, *negated)?,
            Node::InSelect(expr, q, negated) => {
                self.child(expr, 4, true)?;
                self.push(if *negated { " NOT IN (" } else { " IN (" });
                self.in_subselect(q)?;
                self.push(")");
            }
            Node::Between(parts, negated) => {
                let [e, lo, hi] = &**parts;
                self.child(e, 4, true)?;
                self.push(if *negated {
                    " NOT BETWEEN "
                } else {
                    " BETWEEN "
                });
                let anchored = !matches!(e, Node::Bind(_) | Node::Param(_));
                for (k, bound) in [lo, hi].into_iter().enumerate() {
                    if k > 0 {
                        self.push(" AND ");
                    }
                    match bound {
                        Node::Bind(v) if anchored => self.expr_bind(v, BindSite::Compared)?,
                        bound => self.child(bound, 4, true)?,
                    }
                }
            }
            Node::And(items) | Node::Or(items) => {
                let and = matches!(n, Node::And(_));
                match items.as_slice() {
                    [] => self.push(if and { "1 = 1" } else { "1 = 0" }),
                    [one] => self.node(one)?,
                    many => {
                        let p = if and { 2 } else { 1 };
                        for (i, item) in many.iter().enumerate() {
                            if i > 0 {
                                self.push(if and { " AND " } else { " OR " });
                            }
                            self.child(item, p, false)?;
                        }
                    }
                }
            }
            Node::Func {
                name,
                args,
                distinct,
            } if name.as_str() == "avg" && self.dialect.avg_keeps_few_places() => {
                self.push("avg(");
                if *distinct {
                    self.push("DISTINCT ");
                }
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.push("CAST(");
                    self.node(a)?;
                    self.push(" AS DOUBLE)");
                }
                self.push(")");
            }
            Node::Func {
                name,
                args,
                distinct,
            } => {
                let fname = self.dialect.function_name(name);
                self.push(fname);
                self.push("(");
                if *distinct {
                    self.push("DISTINCT ");
                }
                self.list(args)?;
                self.push(")");
            }
            Node::Now => self.dialect.write_now(&mut self.sql),
            Node::Excluded(c) => match self.dialect.upsert_style() {
                UpsertStyle::OnConflict => {
                    self.push("excluded.");
                    self.push_ident(c.name());
                }
                UpsertStyle::OnDuplicateKey { row_alias: true } => {
                    self.push("new.");
                    self.push_ident(c.name());
                }
                UpsertStyle::OnDuplicateKey { row_alias: false } => {
                    self.push("VALUES(");
                    self.push_ident(c.name());
                    self.push(")");
                }
            },
            Node::Cast(inner, ty) => {
                let d = self.dialect;
                d.write_cast(self, inner, *ty)?;
            }
            Node::Tuple(items) => {
                self.push("(");
                self.list(items)?;
                self.push(")");
            }
            Node::Subquery(q) => {
                self.push("(");
                self.subselect(q)?;
                self.push(")");
            }
            Node::Exists(q) => {
                self.push("EXISTS (");
                self.subselect(q)?;
                self.push(")");
            }
            Node::Op(op, args) => {
                let d = self.dialect;
                d.write_op(self, op, args)?;
            }
        }
        Ok(())
    }

    /// A bound value inside an expression: its placeholder, and where the dialect
    /// wants it, its value's type (see [`crate::dialect::Dialect::write_bind_type`]).
    fn expr_bind(&mut self, v: &crate::value::Value, site: BindSite) -> Result<()> {
        self.note(v);
        self.push_bind(v.clone())?;
        if !self.inline {
            self.dialect.write_bind_type(&mut self.sql, v, site);
        }
        Ok(())
    }

    /// A bound value compared with another operand (see [`BindSite::Compared`]).
    pub(super) fn compared_bind(&mut self, v: &crate::value::Value) -> Result<()> {
        self.expr_bind(v, BindSite::Compared)
    }

    /// Writes an operand that nothing around types (`CAST(x AS ..)`, `EXTRACT(.. FROM
    /// x)`): a bound value there is sent as its own type.
    pub fn write_operand_alone(&mut self, x: &Node) -> Result<()> {
        match x {
            Node::Bind(v) => self.expr_bind(v, BindSite::Alone),
            x => self.node(x),
        }
    }

    /// Arguments of MySQL's `CONCAT`, flattening nested concatenations without
    /// recursion (a chain of any length is one flat list; its depth is counted as
    /// the walk counts nesting).
    fn concat_args(&mut self, n: &Node) -> Result<()> {
        let mut stack = vec![n];
        let mut first = true;
        while let Some(n) = stack.pop() {
            match n {
                Node::Binary(BinOp::Concat, lr) => {
                    if stack.len() as u32 > super::MAX_DEPTH {
                        return Err(Error::TooDeep {
                            limit: super::MAX_DEPTH,
                        });
                    }
                    let [l, r] = &**lr;
                    stack.push(r);
                    stack.push(l);
                }
                n => {
                    if !first {
                        self.push(", ");
                    }
                    first = false;
                    self.node(n)?;
                }
            }
        }
        Ok(())
    }

    /// A GROUP BY key; a label is grouped by its position in the select list, which
    /// no dialect confuses with a column of the same name.
    fn group_term(&mut self, q: &Select, g: &Node) -> Result<()> {
        if let Node::Op(op, args) = g {
            if let Op::Label(name) = &**op {
                let Some(i) = q
                    .items
                    .iter()
                    .position(|it| it.label.as_ref().is_some_and(|l| l == name))
                else {
                    // A labelled expression the select list lacks: by the expression.
                    if let [expr] = args.as_slice() {
                        return self.node(expr);
                    }
                    return Err(Error::invalid(
                        "SELECT",
                        format!("GROUP BY names the label `{name}`, which the select list lacks"),
                    ));
                };
                crate::dialect::push_uint(&mut self.sql, i + 1);
                return Ok(());
            }
        }
        self.node(g)
    }

    /// The subquery of IN / ANY / ALL: one with a LIMIT is wrapped in a derived table
    /// where the dialect refuses it (MySQL, MariaDB).
    pub(super) fn in_subselect(&mut self, q: &Select) -> Result<()> {
        let limited = q.limit.is_some() || q.offset.is_some();
        if !limited || self.dialect.supports(Feature::LimitInInSubquery) {
            return self.subselect(q);
        }
        self.push("SELECT * FROM (");
        self.subselect(q)?;
        self.push(") AS ");
        self.push_ident("anon_in");
        Ok(())
    }

    /// A select nested in an expression: it correlates with the enclosing FROM.
    pub(super) fn subselect(&mut self, q: &Select) -> Result<()> {
        self.select(q, false, true)
    }

    fn source(&mut self, s: &Source) -> Result<()> {
        match s {
            Source::Table(t) => self.table_ref(t),
            Source::Subquery(sq) if sq.cte().is_some() && !self.inline_ctes => {
                self.register_cte(sq)?;
                self.push_ident(sq.name());
            }
            Source::Subquery(sq)
                if sq.select().values_list && self.dialect.supports(Feature::ValuesTable) =>
            {
                self.push("(");
                self.values_list(sq.select())?;
                self.push(") AS ");
                self.push_ident(sq.name());
                self.push(" (");
                for (k, col) in sq.column_names().iter().enumerate() {
                    if k > 0 {
                        self.push(", ");
                    }
                    self.push_ident(col);
                }
                self.push(")");
            }
            Source::Subquery(sq) => {
                if sq.cte() == Some(true) {
                    // A recursive CTE has no derived-table equivalent.
                    self.require(if self.dialect.supports(Feature::Cte) {
                        Feature::CteOnDml
                    } else {
                        Feature::Cte
                    })?;
                }
                self.push("(");
                self.select(sq.select(), true, false)?;
                self.push(") AS ");
                self.push_ident(sq.name());
            }
        }
        Ok(())
    }

    /// Notes a CTE for the WITH clause, after the CTEs its query uses (found by
    /// writing the query and throwing the text away).
    fn register_cte(&mut self, sq: &Subquery) -> Result<()> {
        if self.with_written || self.ctes_open.iter().any(|n| *n == *sq.name()) {
            return Ok(());
        }
        if let Some(k) = self.ctes.iter().position(|c| c.name() == sq.name()) {
            // The recursive CTE and its anchor share a name: the recursive one wins.
            if sq.cte() == Some(true) && self.ctes.get(k).and_then(|c| c.cte()) == Some(false) {
                self.ctes.remove(k);
            } else {
                return Ok(());
            }
        }
        self.require(Feature::Cte)?;
        let (sql, params, named) = (self.sql.len(), self.params.len(), self.named.len());
        self.ctes_open.push(sq.0.name.clone());
        let r = self.select(sq.select(), true, false);
        self.ctes_open.pop();
        self.sql.truncate(sql);
        self.truncate_params(params);
        self.named.truncate(named);
        r?;
        self.ctes.push(sq.clone());
        Ok(())
    }

    /// Writes a top-level statement (or the SELECT of an INSERT .. SELECT): when it
    /// uses CTEs, it is written again behind the WITH clause that defines them.
    pub(crate) fn statement(&mut self, write: impl Fn(&mut Self) -> Result<()>) -> Result<()> {
        let outer = (
            std::mem::take(&mut self.ctes),
            std::mem::replace(&mut self.with_written, false),
        );
        let (sql, params, named, key) = (
            self.sql.len(),
            self.params.len(),
            self.named.len(),
            self.key,
        );
        let mut r = write(self);
        if r.is_ok() && !self.ctes.is_empty() {
            self.sql.truncate(sql);
            self.truncate_params(params);
            self.named.truncate(named);
            self.key = key;
            self.with_written = true;
            r = self.with_clause().and_then(|()| write(self));
        }
        self.ctes = outer.0;
        self.with_written = outer.1;
        r
    }

    /// An UPDATE or DELETE: where the dialect takes no WITH in front of them
    /// (MariaDB), CTEs are written as derived tables in place.
    pub(crate) fn dml_statement(&mut self, write: impl Fn(&mut Self) -> Result<()>) -> Result<()> {
        if self.dialect.supports(Feature::CteOnDml) {
            return self.statement(write);
        }
        let was = std::mem::replace(&mut self.inline_ctes, true);
        let r = write(self);
        self.inline_ctes = was;
        r
    }

    fn with_clause(&mut self) -> Result<()> {
        let ctes = std::mem::take(&mut self.ctes);
        let recursive = ctes.iter().any(|c| c.cte() == Some(true));
        self.push(if recursive {
            "WITH RECURSIVE "
        } else {
            "WITH "
        });
        let mut r = Ok(());
        for (i, cte) in ctes.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_ident(cte.name());
            self.push(" (");
            for (k, col) in cte.column_names().iter().enumerate() {
                if k > 0 {
                    self.push(", ");
                }
                self.push_ident(col);
            }
            self.push(") AS (");
            r = self.select(cte.select(), true, false);
            if r.is_err() {
                break;
            }
            self.push(")");
        }
        self.push(" ");
        self.ctes = ctes;
        r
    }

    fn table_name(&mut self, t: &Table) {
        let def = t.def();
        if let Some(schema) = def.schema() {
            self.push_ident(schema);
            self.push(".");
        }
        self.push_known_ident(def.name(), def.name_plain);
    }

    fn table_ref(&mut self, t: &Table) {
        self.table_name(t);
        if let Some(a) = t.alias_name() {
            self.push(" AS ");
            self.push_known_ident(a, t.alias_plain);
        }
    }

    /// Pushes the query's FROM list onto the scope stack: explicit entries, then tables
    /// inferred from the columns used, less join targets and (in a nested select)
    /// tables an enclosing query already has. Returns where the list starts and ends;
    /// the join targets follow it on the stack.
    fn enter_scope(&mut self, q: &Select, correlate: bool) -> (usize, usize) {
        let base = self.scope.len();
        let scope = &mut self.scope;
        let add = |scope: &mut Vec<Source>, s: &Source| {
            let joined = q.joins.iter().any(|j| j.target.same_as(s));
            if !joined && !scope.iter().skip(base).any(|f| f.same_as(s)) {
                scope.push(s.clone());
            }
        };
        q.from.iter().for_each(|s| add(scope, s));
        let explicit_end = scope.len();
        {
            let mut visit = |n: &Node| collect_sources(n, &mut |s: &Source| add(scope, s));
            q.items.iter().for_each(|it| visit(&it.node));
            q.where_.iter().for_each(&mut visit);
            q.group_by.iter().for_each(&mut visit);
            q.having.iter().for_each(|h| visit(h));
            q.order_by.iter().for_each(|o| visit(&o.node));
            q.distinct_on.iter().for_each(&mut visit);
        }
        if correlate && base > 0 {
            let (outer, mine) = scope.split_at(base);
            let correlated = |s: &Source| outer.iter().any(|o| o.same_as(s));
            let keeps_some = explicit_end > base
                || !q.joins.is_empty()
                || mine
                    .iter()
                    .skip(explicit_end - base)
                    .any(|s| !correlated(s));
            if keeps_some {
                let mut k = explicit_end;
                for i in explicit_end..scope.len() {
                    let (outer, rest) = scope.split_at(base.min(i));
                    let inner = rest.get(i - outer.len());
                    if inner.is_some_and(|s| !outer.iter().any(|o| o.same_as(s))) {
                        scope.swap(k, i);
                        k += 1;
                    }
                }
                scope.truncate(k);
            }
        }
        let froms_end = scope.len();
        scope.extend(q.joins.iter().map(|j| j.target.clone()));
        (base, froms_end)
    }

    pub(crate) fn select(&mut self, q: &Select, in_subquery: bool, correlate: bool) -> Result<()> {
        // A nested select is a level too (subqueries in FROM nest without nodes).
        self.depth += 1;
        let r = if self.depth > super::MAX_DEPTH {
            Err(Error::TooDeep {
                limit: super::MAX_DEPTH,
            })
        } else if self.depth.is_multiple_of(4) {
            crate::expr::with_stack(|| self.select_at(q, in_subquery, correlate))
        } else {
            self.select_at(q, in_subquery, correlate)
        };
        self.depth -= 1;
        r
    }

    fn select_at(&mut self, q: &Select, in_subquery: bool, correlate: bool) -> Result<()> {
        if q.values_list && self.dialect.supports(Feature::ValuesTable) {
            return self.values_list(q);
        }
        if let Some(c) = &q.compound {
            return self.compound(q, c, in_subquery, correlate);
        }
        if q.items.is_empty() {
            return Err(Error::invalid("SELECT", "the select list is empty"));
        }
        let (base, froms_end) = self.enter_scope(q, correlate);
        let outer = std::mem::take(&mut self.repeats);
        let r = self.select_body(q, base, froms_end, in_subquery);
        self.repeats = outer;
        self.scope.truncate(base);
        r
    }

    fn select_body(
        &mut self,
        q: &Select,
        base: usize,
        froms_end: usize,
        in_subquery: bool,
    ) -> Result<()> {
        if !q.distinct_on.is_empty() {
            self.require(Feature::DistinctOn)?;
            self.push("SELECT DISTINCT ON (");
            self.list(&q.distinct_on)?;
            self.push(") ");
        } else {
            self.push(if q.distinct {
                "SELECT DISTINCT "
            } else {
                "SELECT "
            });
        }
        let numbered = self.dialect.numbered_placeholders();
        for i in 0..q.items.len() {
            if i > 0 {
                self.push(", ");
            }
            let start = self.params.len();
            // Without numbered placeholders, an item HAVING repeats is written with a
            // label, which HAVING then names.
            let label = match (&q.having, q.items.get(i)) {
                (Some(h), Some(it))
                    if !numbered
                        && !self.inline
                        && has_bind(&it.node, 0)
                        && contains_tree(h, &it.node, 0) =>
                {
                    // Only a label no column of the query shadows where columns
                    // come first: SQLite reads `HAVING views > ?` as `posts.views`.
                    q.render_label(i, in_subquery)
                        .or_else(|| Some(Name::from(format!("anon_{}", i + 1))))
                        .filter(|l| {
                            self.dialect.having_reads_labels_first() || !self.shadowed(base, l)
                        })
                }
                _ => None,
            };
            self.select_item(q, i, in_subquery, label.as_ref())?;
            if !self.inline && self.params.len() > start {
                // Not a bare value: `SELECT $1` types it as text, a later use would not.
                let expr = q
                    .items
                    .get(i)
                    .filter(|it| !matches!(it.node, Node::Bind(_) | Node::Param(_)));
                if let Some(it) = expr {
                    self.repeats.push(super::Repeat {
                        node: it.node.clone(),
                        slots: start..self.params.len(),
                        label,
                    });
                }
            }
        }
        if froms_end > base {
            self.push(" FROM ");
            for i in base..froms_end {
                if i > base {
                    self.push(", ");
                }
                let Some(from) = self.scope.get(i).cloned() else {
                    break;
                };
                self.source(&from)?;
                if i == base {
                    for (k, j) in q.joins.iter().enumerate() {
                        self.join(j, base, froms_end + k)?;
                    }
                }
            }
        } else if !q.joins.is_empty() {
            return Err(Error::invalid(
                "SELECT",
                "a join needs a table to join from: add select_from(..)",
            ));
        }
        if let Some(w) = &q.where_ {
            self.push(" WHERE ");
            self.node(w)?;
        }
        if !q.group_by.is_empty() {
            self.push(" GROUP BY ");
            for (i, g) in q.group_by.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.group_term(q, g)?;
            }
        }
        if let Some(h) = &q.having {
            self.push(" HAVING ");
            self.in_having = true;
            let r = self.node(h);
            self.in_having = false;
            r?;
        }
        if !q.order_by.is_empty() {
            self.push(" ORDER BY ");
            for (i, o) in q.order_by.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                let node = match &o.node {
                    // A label the select list lacks: a bare name there could read a
                    // column of that name, so the expression is written instead.
                    Node::Op(op, args) => match (&**op, args.as_slice()) {
                        (Op::Label(name), [expr])
                            if !q
                                .items
                                .iter()
                                .any(|it| it.label.as_ref().is_some_and(|l| l == name)) =>
                        {
                            expr
                        }
                        _ => &o.node,
                    },
                    n => n,
                };
                self.order_term(node, o.desc, o.nulls)?;
            }
        }
        self.limit_offset(q)?;
        if let Some(lock) = &q.lock {
            self.lock(q, lock)?;
        }
        Ok(())
    }

    /// Whether a column of the select whose sources begin at `base` in the scope has
    /// the name `label` (compared as SQLite compares names, ignoring ASCII case).
    fn shadowed(&self, base: usize, label: &str) -> bool {
        self.scope.iter().skip(base).any(|s| match s {
            Source::Table(t) => t
                .def()
                .columns()
                .iter()
                .any(|c| c.name().eq_ignore_ascii_case(label)),
            Source::Subquery(sq) => sq
                .column_names()
                .iter()
                .any(|c| c.eq_ignore_ascii_case(label)),
        })
    }

    /// A select's (or compound's) LIMIT / OFFSET, in the dialect's spelling.
    fn limit_offset(&mut self, q: &Select) -> Result<()> {
        if q.limit.is_none() && q.offset.is_none() {
            return Ok(());
        }
        let d = self.dialect;
        let limit = q.limit.as_ref().map(|c| c.node());
        let offset = q.offset.as_ref().map(|c| c.node());
        if self.record.is_some() {
            // An inline count is written through a node built here: the statement
            // cache learns which value of the statement it stands for.
            for (temp, count) in [(&limit, &q.limit), (&offset, &q.offset)] {
                if let (Some(t), Some(crate::stmt::Count::Int(n))) = (temp, count) {
                    self.note_alias(t, n as *const i64 as usize);
                }
            }
        }
        d.write_limit_offset(self, limit.as_deref(), offset.as_deref())
    }

    fn lock(&mut self, q: &Select, lock: &Lock) -> Result<()> {
        if q.distinct || !q.distinct_on.is_empty() || !q.group_by.is_empty() {
            return Err(Error::invalid(
                "SELECT",
                "rows of a DISTINCT or GROUP BY query cannot be locked",
            ));
        }
        if !self.dialect.supports(Feature::RowLocks) {
            return Err(crate::dialect::unsupported(self.dialect, Feature::RowLocks));
        }
        let d = self.dialect;
        d.write_lock(self, lock)
    }

    /// Standard ` FOR UPDATE` / ` FOR SHARE`, then the waiting mode.
    pub fn default_lock(&mut self, lock: &Lock) -> Result<()> {
        self.push(if lock.share {
            " FOR SHARE"
        } else {
            " FOR UPDATE"
        });
        self.default_lock_wait(lock)
    }

    /// ` NOWAIT` / ` SKIP LOCKED` (refused where missing), or nothing.
    pub fn default_lock_wait(&mut self, lock: &Lock) -> Result<()> {
        match lock.wait {
            LockWait::Wait => {}
            LockWait::NoWait => self.push(" NOWAIT"),
            LockWait::SkipLocked => {
                self.require(Feature::SkipLocked)?;
                self.push(" SKIP LOCKED");
            }
        }
        Ok(())
    }

    /// `VALUES (..), (..)`, the first row's bound values typed where the server
    /// cannot infer them.
    fn values_list(&mut self, q: &Select) -> Result<()> {
        self.push("VALUES ");
        let rows = std::iter::once(&q.leader().items).chain(
            q.compound
                .iter()
                .flat_map(|c| c.rest.iter().map(|(_, m)| &m.items)),
        );
        // The server types each column from its first row: a placeholder there
        // carries the type of the column's first non-NULL value (a NULL first row
        // would otherwise make the column text).
        let column_value = |i: usize| {
            let rows = std::iter::once(&q.leader().items).chain(
                q.compound
                    .iter()
                    .flat_map(|c| c.rest.iter().map(|(_, m)| &m.items)),
            );
            rows.filter_map(|items| match items.get(i).map(|it| &it.node) {
                Some(Node::Bind(v)) if !v.is_null() => Some(v),
                _ => None,
            })
            .next()
        };
        for (k, items) in rows.enumerate() {
            self.push(if k == 0 { "(" } else { ", (" });
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                match &it.node {
                    Node::Bind(v) if k == 0 && !self.inline => {
                        self.note(v);
                        self.push_bind(v.clone())?;
                        if let Some(typed) = column_value(i) {
                            self.dialect.write_param_type(&mut self.sql, typed);
                        }
                    }
                    n => self.node(n)?,
                }
            }
            self.push(")");
        }
        Ok(())
    }

    fn compound(
        &mut self,
        q: &Select,
        c: &Compound,
        in_subquery: bool,
        correlate: bool,
    ) -> Result<()> {
        let width = c.first.leader().items.len();
        self.set_member(&c.first, in_subquery, correlate)?;
        for (op, m) in &c.rest {
            match op {
                SetOp::Union | SetOp::UnionAll => {}
                SetOp::Intersect | SetOp::Except => self.require(Feature::IntersectExcept)?,
                SetOp::IntersectAll | SetOp::ExceptAll => {
                    self.require(Feature::IntersectExceptAll)?
                }
            }
            if m.leader().items.len() != width {
                return Err(Error::invalid(
                    "SELECT",
                    "the selects of a set operation must have as many columns each",
                ));
            }
            self.push(op.sql());
            // Only the first member names the columns.
            self.set_member(m, false, correlate)?;
        }
        if !q.order_by.is_empty() {
            // The compound's columns are known by name only.
            self.push(" ORDER BY ");
            let was = std::mem::replace(&mut self.qualify, false);
            let mut r = Ok(());
            for (i, o) in q.order_by.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                // A column of the first select, or a name it comes back under, is
                // ordered by its position: SQLite matches a bare name only against a
                // label written with AS. (MySQL's NULLS emulation needs an expression,
                // `x IS NULL`, so there it is the name.)
                let lead = c.first.leader();
                let named = lead.items.iter().enumerate().position(|(k, it)| {
                    same_column(&it.node, &o.node)
                        || matches!(&o.node, Node::Op(op, _)
                            if matches!(&**op, Op::Label(n) if *n == lead.output_name(k, in_subquery)))
                });
                let by_position =
                    o.nulls.is_none() || self.dialect.supports(Feature::NullsOrdering);
                r = match named {
                    Some(i) if by_position => self.order_term(
                        &Node::Literal(crate::value::Value::Int(i as i64 + 1)),
                        o.desc,
                        o.nulls,
                    ),
                    Some(i) => {
                        let label = Node::Op(
                            Box::new(Op::Label(lead.output_name(i, in_subquery))),
                            Vec::new(),
                        );
                        self.order_term(&label, o.desc, o.nulls)
                    }
                    None => self.order_term(&o.node, o.desc, o.nulls),
                };
                if r.is_err() {
                    break;
                }
            }
            self.qualify = was;
            r?;
        }
        self.limit_offset(q)?;
        Ok(())
    }

    /// A member of a set operation: parenthesised when it has its own ORDER BY / LIMIT
    /// or is itself a compound (SQLite, which takes no parentheses there: a derived
    /// table).
    fn set_member(&mut self, m: &Select, in_subquery: bool, correlate: bool) -> Result<()> {
        let wrap = m.compound.is_some()
            || !m.order_by.is_empty()
            || m.limit.is_some()
            || m.offset.is_some();
        if !wrap {
            return self.select(m, in_subquery, correlate);
        }
        let parens = self.dialect.supports(Feature::ParenthesizedSetMembers);
        self.push(if parens { "(" } else { "SELECT * FROM (" });
        self.select(m, in_subquery, correlate)?;
        self.push(")");
        Ok(())
    }

    /// One ORDER BY key: `expr [DESC] [NULLS FIRST|LAST]`, the NULLS placement
    /// emulated with an extra `expr IS NULL` key where the dialect lacks it.
    pub(super) fn order_term(
        &mut self,
        node: &Node,
        desc: bool,
        nulls: Option<bool>,
    ) -> Result<()> {
        let native = self.dialect.supports(Feature::NullsOrdering);
        if let (Some(first), false) = (nulls, native) {
            self.child(node, 4, true)?;
            self.push(if first {
                " IS NULL DESC, "
            } else {
                " IS NULL, "
            });
        }
        self.node(node)?;
        if desc {
            self.push(" DESC");
        }
        if let (Some(first), true) = (nulls, native) {
            self.push(if first { " NULLS FIRST" } else { " NULLS LAST" });
        }
        Ok(())
    }

    fn select_item(
        &mut self,
        q: &Select,
        i: usize,
        in_subquery: bool,
        label: Option<&Name>,
    ) -> Result<()> {
        let Some(it): Option<&SelectItem> = q.items.get(i) else {
            return Ok(());
        };
        // A bare value in the select list: nothing types it but itself.
        self.write_operand_alone(&it.node)?;
        if let Some(label) = label.cloned().or_else(|| q.render_label(i, in_subquery)) {
            self.dialect.check_label(&label)?;
            self.push(" AS ");
            self.push_ident(&label);
        }
        Ok(())
    }

    /// Writes a join; the tables on its left are `scope[left_start..left_end]`.
    fn join(&mut self, j: &Join, left_start: usize, left_end: usize) -> Result<()> {
        self.push(match j.kind {
            JoinKind::Inner => " JOIN ",
            JoinKind::Left => " LEFT OUTER JOIN ",
            JoinKind::Full => {
                self.require(Feature::FullOuterJoin)?;
                " FULL OUTER JOIN "
            }
            JoinKind::Right => {
                self.require(Feature::RightJoin)?;
                " RIGHT OUTER JOIN "
            }
            JoinKind::Cross => " CROSS JOIN ",
        });
        if j.lateral {
            self.require(Feature::Lateral)?;
            let Source::Subquery(sq) = &j.target else {
                return Err(Error::invalid(
                    "SELECT",
                    "only a subquery can be joined LATERAL",
                ));
            };
            // The subquery correlates with the tables before it.
            self.push("LATERAL (");
            self.select(sq.select(), true, true)?;
            self.push(") AS ");
            self.push_ident(sq.name());
        } else {
            self.source(&j.target)?;
        }
        if j.kind == JoinKind::Cross {
            return Ok(());
        }
        self.push(" ON ");
        match &j.on {
            Some(on) => self.node(on),
            None => {
                let left = self.scope.get(left_start..left_end).unwrap_or(&[]);
                let on = infer_on(&j.target, left)?;
                self.node(&on)
            }
        }
    }

    fn returning(&mut self, items: &[SelectItem], feature: Feature) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        self.require(feature)?;
        self.push(" RETURNING ");
        let was = std::mem::replace(&mut self.qualify, false);
        let r = (|| {
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.node(&it.node)?;
                if let Some(l) = &it.label {
                    self.push(" AS ");
                    self.push_ident(l);
                }
            }
            Ok(())
        })();
        self.qualify = was;
        r
    }

    pub(crate) fn insert(&mut self, q: &Insert) -> Result<()> {
        if let Some(e) = &q.error {
            return Err(Error::clone(e));
        }
        let def = q.table.def();
        if let Some(query) = &q.select {
            self.insert_select(q, query)?;
        } else if q.nrows == 0 && !q.default_values {
            return Err(Error::invalid(
                "INSERT",
                format!(
                    "no values given for `{}`: use value(), row(), record(), or default_values()",
                    def.name()
                ),
            ));
        } else {
            self.insert_values(q)?;
        }
        if let Some(conflict) = &q.conflict {
            self.upsert(q, conflict)?;
        }
        let key = def.autoincrement_column();
        self.key = match key {
            None => super::KeySource::None,
            Some(k) => q
                .returning
                .iter()
                .position(|it| match &it.node {
                    Node::Column(c) => {
                        c.idx as usize == k
                            && matches!(&c.source, Source::Table(t) if t.same_definition(&q.table))
                    }
                    _ => false,
                })
                .map_or(super::KeySource::Server, super::KeySource::Returned),
        };
        let implicit = if self.implicit_returning && self.key == super::KeySource::Server {
            key.and_then(|i| def.columns().get(i))
        } else {
            None
        };
        if let Some(col) = implicit {
            // A connection learns the key from RETURNING: added at the end of the
            // statement's own list (executing it reads no other column).
            self.require(Feature::ReturningInsert)?;
            if q.returning.is_empty() {
                self.push(" RETURNING ");
            } else {
                self.returning(&q.returning, Feature::ReturningInsert)?;
                self.push(", ");
            }
            self.push_ident(col.name());
            self.key = super::KeySource::Returned(q.returning.len());
            return Ok(());
        }
        self.returning(&q.returning, Feature::ReturningInsert)
    }

    fn insert_values(&mut self, q: &Insert) -> Result<()> {
        let def = q.table.def();
        // Columns with a client-side default that the statement does not set.
        let defaults = || {
            def.columns()
                .iter()
                .enumerate()
                .filter(|(i, c)| c.client_default().is_some() && !q.columns.contains(&(*i as u32)))
        };
        self.push("INSERT INTO ");
        self.table_name(&q.table);
        if q.columns.is_empty() && defaults().next().is_none() {
            if self.dialect.supports(Feature::DefaultValues) {
                self.push(" DEFAULT VALUES");
            } else {
                self.push(" () VALUES ()");
            }
        } else {
            self.push(" (");
            for &c in &q.columns {
                column_of(def, c as usize)?;
            }
            // Every position was checked just above.
            let set = q
                .columns
                .iter()
                .filter_map(|&c| def.columns().get(c as usize));
            for (i, col) in set.chain(defaults().map(|(_, c)| c)).enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.push_known_ident(col.name(), col.plain);
            }
            self.push(") VALUES ");
            let width = q.columns.len() + defaults().count();
            self.reserve(q.nrows * width * 4, q.nrows * width);
            let set = q.columns.len();
            let nrows = q.nrows.max(1);
            for r in 0..nrows {
                let row = q.values.get(r * set..(r + 1) * set).unwrap_or(&[]);
                if r > 0 {
                    self.push(", ");
                }
                self.push("(");
                for (i, n) in row.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    // Rows are mostly plain values: bind them without the general walk.
                    match n {
                        Node::Bind(v) => {
                            self.note(v);
                            self.push_bind(v.clone())?
                        }
                        n => self.node(n)?,
                    }
                }
                for (i, (col, c)) in defaults().enumerate() {
                    if i > 0 || !row.is_empty() {
                        self.push(", ");
                    }
                    if let Some(d) = c.client_default() {
                        if !matches!(d, crate::schema::Default::Expr(_)) {
                            self.note_origin(super::cache::Origin::Default(col));
                        }
                        self.node(&d.node())?;
                    }
                }
                self.push(")");
            }
        }
        Ok(())
    }

    /// `INSERT INTO t (columns) SELECT ..`, the unnamed client defaults added to the
    /// select list.
    fn insert_select(&mut self, q: &Insert, query: &Select) -> Result<()> {
        let def = q.table.def();
        let defaults: Vec<_> = def
            .columns()
            .iter()
            .enumerate()
            .filter(|(i, c)| c.client_default().is_some() && !q.columns.contains(&(*i as u32)))
            .collect();
        let width = query.leader().items.len();
        if width != q.columns.len() {
            return Err(Error::invalid(
                "INSERT",
                format!(
                    "the query gives {width} columns for {} named columns",
                    q.columns.len()
                ),
            ));
        }
        let mut query = std::borrow::Cow::Borrowed(query);
        if !defaults.is_empty() {
            if query.compound.is_some() {
                return Err(Error::invalid(
                    "INSERT",
                    "name every column with a client default when inserting from a set operation",
                ));
            }
            let items = &mut query.to_mut().items;
            for (_, c) in &defaults {
                if let Some(d) = c.client_default() {
                    // Values computed here are not cached (the query is a copy).
                    items.push(SelectItem {
                        node: d.node(),
                        label: None,
                    });
                }
            }
        }
        // SQLite reads `ON CONFLICT` after a bare FROM as a join's: it wants a WHERE.
        if q.conflict.is_some() && query.where_.is_none() && query.compound.is_none() {
            let q2 = query.to_mut();
            q2.where_ = Some(Node::Raw(crate::name::Name::Static("1 = 1")));
        }
        self.push("INSERT INTO ");
        self.table_name(&q.table);
        self.push(" (");
        let named = q
            .columns
            .iter()
            .filter_map(|&c| def.columns().get(c as usize));
        for (i, col) in named.chain(defaults.iter().map(|(_, c)| *c)).enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_known_ident(col.name(), col.plain);
        }
        self.push(") ");
        let query = &*query;
        self.statement(|c| c.select(query, false, false))
    }

    fn upsert(&mut self, q: &Insert, conflict: &Conflict) -> Result<()> {
        self.require(Feature::Upsert)?;
        let def = q.table.def();
        // Targets and SET columns were resolved against this table when they were set.
        for &i in conflict
            .target
            .iter()
            .chain(conflict.sets.iter().map(|(i, _)| i))
        {
            column_of(def, i as usize)?;
        }
        let name = |i: u32| def.columns().get(i as usize).map_or("", |c| c.name());
        match self.dialect.upsert_style() {
            UpsertStyle::OnConflict => {
                self.push(" ON CONFLICT");
                if !conflict.target.is_empty() {
                    self.push(" (");
                    for (k, &i) in conflict.target.iter().enumerate() {
                        if k > 0 {
                            self.push(", ");
                        }
                        self.push_ident(name(i));
                    }
                    self.push(")");
                }
                if conflict.sets.is_empty() {
                    self.push(" DO NOTHING");
                    return Ok(());
                }
                if conflict.target.is_empty() {
                    return Err(Error::invalid(
                        "INSERT",
                        "on_conflict(..).do_update(..) needs the conflict target's columns",
                    ));
                }
                self.push(" DO UPDATE SET ");
            }
            UpsertStyle::OnDuplicateKey { row_alias } => {
                if conflict.where_.is_some() {
                    self.require(Feature::UpsertWhere)?;
                }
                if row_alias && !conflict.sets.is_empty() {
                    self.push(" AS new");
                }
                self.push(" ON DUPLICATE KEY UPDATE ");
                if conflict.sets.is_empty() {
                    // DO NOTHING: assign a key column to itself.
                    let key = conflict
                        .target
                        .first()
                        .map(|&i| name(i))
                        .or_else(|| def.primary_key().first().map(|n| n.as_str()))
                        .unwrap_or_else(|| name(0));
                    self.push_ident(key);
                    self.push(" = ");
                    self.push_ident(key);
                    return Ok(());
                }
            }
        }
        for (k, (i, value)) in conflict.sets.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            self.push_ident(name(*i));
            self.push(" = ");
            // A value stored in a column takes the column's type.
            if let Node::Bind(v) = value {
                self.note(v);
                self.push_bind(v.clone())?;
            } else {
                self.node(value)?;
            }
        }
        if let Some(w) = &conflict.where_ {
            self.require(Feature::UpsertWhere)?;
            self.push(" WHERE ");
            self.node(w)?;
        }
        Ok(())
    }

    pub(crate) fn update(&mut self, q: &Update) -> Result<()> {
        if let Some(e) = &q.error {
            return Err(Error::clone(e));
        }
        let def = q.table.def();
        if q.sets.is_empty() {
            return Err(Error::invalid(
                "UPDATE",
                format!(
                    "no columns of `{}` are set: call set(column, value)",
                    def.name()
                ),
            ));
        }
        // Tables other than the target that SET values and WHERE use (outside
        // subqueries): UPDATE .. FROM on PostgreSQL and SQLite, `UPDATE a, b` on MySQL.
        let extra =
            self.dml_extra_tables(&q.table, q.sets.iter().map(|(_, n)| n), q.where_.as_ref());
        let multi = !extra.is_empty();
        let mysql_multi = multi && !self.dialect.supports(Feature::UpdateFrom);
        if mysql_multi {
            self.require(Feature::MultiTableDml)
                .map_err(|_| crate::dialect::unsupported(self.dialect, Feature::UpdateFrom))?;
            if !q.returning.is_empty() {
                return Err(Error::invalid(
                    "UPDATE",
                    "a multi-table UPDATE has no RETURNING on MySQL / MariaDB",
                ));
            }
        }
        self.push("UPDATE ");
        self.table_ref(&q.table);
        let base = self.scope.len();
        self.scope.push(Source::Table(q.table.clone()));
        if mysql_multi {
            for t in &extra {
                self.push(", ");
                self.source(t)?;
            }
        }
        self.scope.extend(extra.iter().cloned());
        let r = self.update_rest(q, &extra, mysql_multi);
        self.scope.truncate(base);
        r?;
        self.returning(&q.returning, Feature::ReturningUpdate)
    }

    fn update_rest(&mut self, q: &Update, extra: &[Source], mysql_multi: bool) -> Result<()> {
        let def = q.table.def();
        self.push(" SET ");
        let on_update = def.columns().iter().enumerate().filter(|(i, col)| {
            col.on_update_value().is_some() && !q.sets.iter().any(|(c, _)| *c as usize == *i)
        });
        let mut first = true;
        for (c, _) in &q.sets {
            column_of(def, *c as usize)?;
        }
        // Every position was checked just above.
        let sets = q
            .sets
            .iter()
            .filter_map(|(c, n)| def.columns().get(*c as usize).map(|col| (col, Some(n))));
        for (col, value) in sets.chain(on_update.map(|(_, col)| (col, None))) {
            if !first {
                self.push(", ");
            }
            first = false;
            if mysql_multi {
                // Two tables may have the column: name the target's.
                match q.table.alias_name() {
                    Some(a) => self.push_ident(a),
                    None => self.table_name(&q.table),
                }
                self.push(".");
            }
            self.push_known_ident(col.name(), col.plain);
            self.push(" = ");
            match value {
                // A value stored in a column takes the column's type.
                Some(Node::Bind(v)) => {
                    self.note(v);
                    self.push_bind(v.clone())?
                }
                Some(n) => self.node(n)?,
                None => {
                    if let Some(d) = col.on_update_value() {
                        if !matches!(d, crate::schema::Default::Expr(_)) {
                            if let Some(i) = def.columns().iter().position(|c| std::ptr::eq(c, col))
                            {
                                self.note_origin(super::cache::Origin::OnUpdate(i));
                            }
                        }
                        self.node(&d.node())?;
                    }
                }
            }
        }
        if !extra.is_empty() && !mysql_multi {
            self.push(" FROM ");
            for (i, t) in extra.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.source(t)?;
            }
        }
        q.where_.as_ref().map_or(Ok(()), |w| {
            self.push(" WHERE ");
            self.node(w)
        })
    }

    /// The sources other than `target` that the given expressions use outside their
    /// subqueries, in order of first use.
    fn dml_extra_tables<'n>(
        &self,
        target: &Table,
        sets: impl Iterator<Item = &'n Node> + Clone,
        where_: Option<&'n Node>,
    ) -> Vec<Source> {
        // Most statements name the target alone: found without building a list.
        if sets
            .clone()
            .chain(where_)
            .all(|n| only_source(n, target, 0))
        {
            return Vec::new();
        }
        let me = Source::Table(target.clone());
        let mut out: Vec<Source> = Vec::new();
        let mut add = |s: &Source| {
            if !s.same_as(&me) && !out.iter().any(|o| o.same_as(s)) {
                out.push(s.clone());
            }
        };
        for n in sets.chain(where_) {
            collect_sources(n, &mut add);
        }
        out
    }

    pub(crate) fn delete(&mut self, q: &Delete) -> Result<()> {
        let extra = self.dml_extra_tables(&q.table, std::iter::empty(), q.where_.as_ref());
        if extra.is_empty() {
            self.push("DELETE FROM ");
            self.table_ref(&q.table);
            let base = self.scope.len();
            self.scope.push(Source::Table(q.table.clone()));
            let r = q.where_.as_ref().map_or(Ok(()), |w| {
                self.push(" WHERE ");
                self.node(w)
            });
            self.scope.truncate(base);
            r?;
            return self.returning(&q.returning, Feature::ReturningDelete);
        }
        // The WHERE joins other tables.
        let using = self.dialect.supports(Feature::DeleteUsing);
        let multi = self.dialect.supports(Feature::MultiTableDml);
        let base = self.scope.len();
        self.scope.push(Source::Table(q.table.clone()));
        self.scope.extend(extra.iter().cloned());
        let r = if using {
            // DELETE FROM t USING a, b WHERE ..
            self.push("DELETE FROM ");
            self.table_ref(&q.table);
            self.push(" USING ");
            self.source_list(&extra)
        } else if multi {
            // MySQL: DELETE t FROM t, a, b WHERE ..
            if !q.returning.is_empty() {
                self.scope.truncate(base);
                return Err(Error::invalid(
                    "DELETE",
                    "a multi-table DELETE has no RETURNING on MySQL / MariaDB",
                ));
            }
            self.push("DELETE ");
            match q.table.alias_name() {
                Some(a) => self.push_ident(a),
                None => self.table_name(&q.table),
            }
            self.push(" FROM ");
            self.table_ref(&q.table);
            self.push(", ");
            self.source_list(&extra)
        } else {
            // SQLite: DELETE FROM t WHERE rowid IN (SELECT t.rowid FROM t, a WHERE ..)
            self.push("DELETE FROM ");
            self.table_ref(&q.table);
            self.push(" WHERE rowid IN (SELECT ");
            match q.table.alias_name() {
                Some(a) => self.push_ident(a),
                None => self.table_name(&q.table),
            }
            self.push(".rowid FROM ");
            self.table_ref(&q.table);
            self.push(", ");
            self.source_list(&extra)
        };
        let r = r.and_then(|()| {
            q.where_.as_ref().map_or(Ok(()), |w| {
                self.push(" WHERE ");
                self.node(w)
            })
        });
        self.scope.truncate(base);
        r?;
        if !using && !multi {
            self.push(")");
        }
        self.returning(&q.returning, Feature::ReturningDelete)
    }

    fn source_list(&mut self, sources: &[Source]) -> Result<()> {
        for (i, t) in sources.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.source(t)?;
        }
        Ok(())
    }

    /// A parenthesised list of column names.
    pub(crate) fn names(&mut self, cols: &[crate::name::Name]) {
        self.push("(");
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_ident(c);
        }
        self.push(")");
    }

    pub(crate) fn create_table(&mut self, q: &CreateTable) -> Result<()> {
        let was = std::mem::replace(&mut self.inline, true);
        let r = self.create_table_inner(q);
        self.inline = was;
        r
    }

    fn create_table_inner(&mut self, q: &CreateTable) -> Result<()> {
        let def = q.table.def();
        let t = q.constraint_table.as_deref().unwrap_or(def.name());
        self.push("CREATE TABLE ");
        if q.if_not_exists {
            self.push("IF NOT EXISTS ");
        }
        self.table_name(&q.table);
        self.push(" (");
        for (i, c) in def.columns().iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.column_definition(c, def.autoincrement_column() == Some(i))?;
        }
        if !def.primary_key().is_empty() {
            self.push(", CONSTRAINT ");
            self.push_ident(&constraint_name("pk", t, &[], None));
            self.push(" PRIMARY KEY ");
            self.names(def.primary_key());
        }
        for u in def.unique_constraints() {
            self.push(", ");
            self.unique_constraint(t, u);
        }
        for fk in def.foreign_keys() {
            self.push(", ");
            self.foreign_key_constraint(t, def.schema(), fk);
        }
        for ck in def.check_constraints() {
            self.push(", ");
            self.check_constraint(t, ck);
        }
        if q.with_indexes {
            self.require(Feature::InlineIndexes)?;
            for idx in def.indexes() {
                if idx.where_sql().is_some() {
                    self.require(Feature::PartialIndex)?;
                }
                self.push(if idx.is_unique() {
                    ", UNIQUE INDEX "
                } else {
                    ", INDEX "
                });
                self.push_ident(&idx.name());
                self.push(" ");
                self.names(idx.columns());
            }
        }
        self.push(")");
        Ok(())
    }

    /// One column of a CREATE TABLE or ALTER TABLE: name, type, nullability, default.
    pub(crate) fn column_definition(
        &mut self,
        c: &crate::schema::ColumnDef,
        auto: bool,
    ) -> Result<()> {
        self.push_ident(c.name());
        self.push(" ");
        let d = self.dialect;
        d.write_column_spec(self, c.sql_type(), c.is_nullable(), auto)?;
        if let Some(default) = c.server_default_node() {
            self.push(" DEFAULT ");
            self.default_value(default)?;
        }
        d.write_storage_check(self, c.name(), c.sql_type(), auto)
    }

    /// A server default's SQL: a literal as it is, an expression in parentheses.
    pub(crate) fn default_value(&mut self, default: &Node) -> Result<()> {
        let was = std::mem::replace(&mut self.inline, true);
        let r = match default {
            Node::Literal(_) => self.node(default),
            n => {
                self.push("(");
                let r = self.node(n);
                self.push(")");
                r
            }
        };
        self.inline = was;
        r
    }

    /// `CONSTRAINT name UNIQUE (..)`, named after `table` when it has no name.
    pub(crate) fn unique_constraint(&mut self, table: &str, u: &crate::schema::UniqueConstraint) {
        self.push("CONSTRAINT ");
        let name = match &u.name {
            Some(n) => n.to_string(),
            None => constraint_name("uq", table, &u.columns, None),
        };
        self.push_ident(&name);
        self.push(" UNIQUE ");
        self.names(&u.columns);
    }

    /// `CONSTRAINT name FOREIGN KEY (..) REFERENCES t (..) [ON DELETE ..] [ON UPDATE ..]`.
    pub(crate) fn foreign_key_constraint(
        &mut self,
        table: &str,
        schema: Option<&str>,
        fk: &crate::schema::ForeignKey,
    ) {
        self.push("CONSTRAINT ");
        let name = match &fk.name {
            Some(n) => n.to_string(),
            None => constraint_name("fk", table, fk.columns(), Some(fk.ref_table())),
        };
        self.push_ident(&name);
        self.push(" FOREIGN KEY ");
        self.names(fk.columns());
        self.push(" REFERENCES ");
        if let Some(schema) = schema {
            self.push_ident(schema);
            self.push(".");
        }
        self.push_ident(fk.ref_table());
        self.push(" ");
        self.names(fk.ref_columns());
        if let Some(a) = fk.on_delete {
            self.push(" ON DELETE ");
            self.push(a.sql());
        }
        if let Some(a) = fk.on_update {
            self.push(" ON UPDATE ");
            self.push(a.sql());
        }
    }

    /// `CONSTRAINT ck_<table>_<name> CHECK (..)` (or the check's own full name).
    pub(crate) fn check_constraint(&mut self, table: &str, ck: &crate::schema::CheckConstraint) {
        self.push("CONSTRAINT ");
        self.push_ident(&ck.constraint_name(table));
        self.push(" CHECK (");
        self.push(&ck.sql);
        self.push(")");
    }

    pub(crate) fn create_index(&mut self, q: &CreateIndex) -> Result<()> {
        let idx = q.table.def().indexes().get(q.index).ok_or_else(|| {
            Error::Schema(format!("table `{}` has no index #{}", q.table.name(), q.index).into())
        })?;
        self.index_head(idx.is_unique(), &idx.name(), q.if_not_exists)?;
        self.table_name(&q.table);
        self.push(" ");
        self.names(idx.columns());
        self.index_where(idx.where_sql())
    }

    /// ` WHERE <predicate>` of a partial index (refused where there are none).
    pub(crate) fn index_where(&mut self, where_sql: Option<&str>) -> Result<()> {
        if let Some(w) = where_sql {
            self.require(Feature::PartialIndex)?;
            self.push(" WHERE ");
            self.push(w);
        }
        Ok(())
    }

    /// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] <name> ON `: the table and columns follow.
    pub(crate) fn index_head(
        &mut self,
        unique: bool,
        name: &str,
        if_not_exists: bool,
    ) -> Result<()> {
        self.push(if unique {
            "CREATE UNIQUE INDEX "
        } else {
            "CREATE INDEX "
        });
        if if_not_exists {
            self.require(Feature::CreateIndexIfNotExists)?;
            self.push("IF NOT EXISTS ");
        }
        self.push_ident(name);
        self.push(" ON ");
        Ok(())
    }

    pub(crate) fn drop_table(&mut self, q: &DropTable) -> Result<()> {
        self.push("DROP TABLE ");
        if q.if_exists {
            self.push("IF EXISTS ");
        }
        self.table_name(&q.table);
        Ok(())
    }
}

/// Whether `a` and `b` are the same expression (subqueries never are). Trees deeper
/// than the compiler takes are not compared.
fn same_tree(a: &Node, b: &Node, depth: u32) -> bool {
    if depth > super::MAX_DEPTH {
        return false;
    }
    let d = depth + 1;
    let all = |x: &[Node], y: &[Node]| {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_tree(p, q, d))
    };
    match (a, b) {
        (Node::Column(_), Node::Column(_)) => same_column(a, b),
        (Node::Bind(x), Node::Bind(y)) | (Node::Literal(x), Node::Literal(y)) => x == y,
        (Node::Param(x), Node::Param(y)) | (Node::Raw(x), Node::Raw(y)) => x == y,
        (Node::Star, Node::Star) | (Node::Now, Node::Now) => true,
        (Node::Not(x), Node::Not(y)) | (Node::Neg(x), Node::Neg(y)) => same_tree(x, y, d),
        (Node::IsNull(x, n), Node::IsNull(y, m)) => n == m && same_tree(x, y, d),
        (Node::Cast(x, t), Node::Cast(y, u)) => t == u && same_tree(x, y, d),
        (Node::Binary(o, l), Node::Binary(p, r)) => o == p && all(&l[..], &r[..]),
        (
            Node::Func {
                name,
                args,
                distinct,
            },
            Node::Func {
                name: n2,
                args: a2,
                distinct: d2,
            },
        ) => name == n2 && distinct == d2 && all(args, a2),
        (Node::Op(o, x), Node::Op(p, y)) => o == p && all(x, y),
        (Node::Tuple(x), Node::Tuple(y))
        | (Node::And(x), Node::And(y))
        | (Node::Or(x), Node::Or(y)) => all(x, y),
        (
            Node::Like {
                operands: x,
                escape: e,
                negated: n,
                case_insensitive: c,
            },
            Node::Like {
                operands: y,
                escape: f,
                negated: m,
                case_insensitive: d2,
            },
        ) => e == f && n == m && c == d2 && all(&x[..], &y[..]),
        (Node::Between(x, n), Node::Between(y, m)) => n == m && all(&x[..], &y[..]),
        (Node::InList(x, l, n), Node::InList(y, r, m)) => n == m && same_tree(x, y, d) && all(l, r),
        (Node::InSelect(x, q, n), Node::InSelect(y, r, m)) => {
            n == m && same_tree(x, y, d) && same_select(q, r)
        }
        (Node::Subquery(q), Node::Subquery(r)) | (Node::Exists(q), Node::Exists(r)) => {
            same_select(q, r)
        }
        _ => false,
    }
}

/// Whether `op` compares its operands (the result is a boolean, not a value of
/// their type).
fn is_comparison(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
    )
}

/// Whether `n` is known to be a decimal: a NUMERIC column, a decimal value, a cast to
/// NUMERIC, or arithmetic and aggregates over one.
pub(crate) fn decimal_typed_at(n: &Node, depth: u32) -> bool {
    if depth > super::MAX_DEPTH {
        return false;
    }
    let d = depth + 1;
    match n {
        Node::Column(c) => match &c.source {
            Source::Table(t) => t.def().columns().get(c.idx as usize).is_some_and(|col| {
                matches!(col.sql_type(), crate::schema::SqlType::Numeric { .. })
            }),
            Source::Subquery(_) => false,
        },
        Node::Bind(Value::Decimal(_)) | Node::Literal(Value::Decimal(_)) => true,
        Node::Cast(_, ty) => matches!(ty, crate::schema::SqlType::Numeric { .. }),
        Node::Neg(x) => decimal_typed_at(x, d),
        Node::Binary(op, lr) => {
            matches!(
                op,
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod
            ) && lr.iter().any(|x| decimal_typed_at(x, d))
        }
        Node::Func { name, args, .. } => {
            matches!(
                name.as_str(),
                "sum" | "min" | "max" | "abs" | "coalesce" | "nullif" | "greatest" | "least"
            ) && args.iter().any(|x| decimal_typed_at(x, d))
        }
        Node::Op(op, args) => {
            matches!(&**op, Op::Round) && args.first().is_some_and(|x| decimal_typed_at(x, d))
        }
        _ => false,
    }
}

/// Whether two selects are the same query: the same SQL with the same values.
fn same_select(a: &Select, b: &Select) -> bool {
    use crate::stmt::Statement;
    if std::ptr::eq(a, b) {
        return true;
    }
    match (
        a.debug_sql(&crate::dialect::Generic),
        b.debug_sql(&crate::dialect::Generic),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Whether `n` holds a bound value or named parameter (subqueries not searched).
fn has_bind(n: &Node, depth: u32) -> bool {
    match n {
        Node::Bind(_) | Node::Param(_) => true,
        n => depth <= super::MAX_DEPTH && n.any_operand(|x| has_bind(x, depth + 1)),
    }
}

/// Whether `needle` occurs in `hay` (subqueries not searched).
fn contains_tree(hay: &Node, needle: &Node, depth: u32) -> bool {
    depth <= super::MAX_DEPTH
        && (same_tree(hay, needle, depth)
            || hay.any_operand(|x| contains_tree(x, needle, depth + 1)))
}

/// Whether `a` and `b` are the same column of the same source.
fn same_column(a: &Node, b: &Node) -> bool {
    match (a, b) {
        (Node::Column(x), Node::Column(y)) => x.idx == y.idx && x.source.same_as(&y.source),
        _ => false,
    }
}

/// Whether every column `collect_sources` would find in `n` is of `target` (deeper
/// trees than the walk takes answer no, leaving them to the full search).
fn only_source(n: &Node, target: &Table, depth: u32) -> bool {
    match n {
        Node::Column(c) => matches!(&c.source, Source::Table(t) if t.same_as(target)),
        _ if depth > super::MAX_DEPTH => false,
        n if depth % 8 == 7 => {
            crate::expr::with_stack(|| !n.any_operand(|x| !only_source(x, target, depth + 1)))
        }
        n => !n.any_operand(|x| !only_source(x, target, depth + 1)),
    }
}

fn collect_sources(n: &Node, add: &mut impl FnMut(&Source)) {
    collect_sources_at(n, add, 0)
}

fn collect_sources_at(n: &Node, add: &mut dyn FnMut(&Source), depth: u32) {
    // Deeper trees are refused by the walk that follows; every few levels the stack
    // grows if it runs low.
    if depth % 8 == 7 {
        return crate::expr::with_stack(|| collect_children(n, add, depth));
    }
    collect_children(n, add, depth)
}

fn collect_children(n: &Node, add: &mut dyn FnMut(&Source), depth: u32) {
    match n {
        Node::Column(c) => add(&c.source),
        n => {
            n.any_operand(|x| {
                collect_sources_at(x, add, depth + 1);
                false
            });
        }
    }
}

/// The ON clause from the one foreign key between `target` and the tables on the left.
fn infer_on(target: &Source, left: &[Source]) -> Result<Node> {
    let left_names = || {
        left.iter()
            .map(|s| s.qualifier().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Source::Table(t) = target else {
        return Err(Error::JoinCondition {
            left: left_names().into(),
            right: target.qualifier().into(),
            reason: JoinFailure::Subquery,
        });
    };
    let mut found: Vec<Node> = Vec::new();
    for l in left {
        let Source::Table(lt) = l else { continue };
        // Foreign keys from the target to the left table, and from the left to the target.
        for (child, parent) in [(t, lt), (lt, t)] {
            for fk in child.def().foreign_keys() {
                if fk.ref_table() != parent.name() {
                    continue;
                }
                let mut conds = Vec::new();
                for (c, rc) in fk.columns().iter().zip(fk.ref_columns()) {
                    let (Some(ci), Some(pi)) =
                        (child.def().column_index(c), parent.def().column_index(rc))
                    else {
                        continue;
                    };
                    conds.push(Node::Binary(
                        BinOp::Eq,
                        Box::new([child.column_node(ci), parent.column_node(pi)]),
                    ));
                }
                found.push(if conds.len() == 1 {
                    conds.remove(0)
                } else {
                    Node::And(conds)
                });
            }
            if t.same_as(lt) {
                break;
            }
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        n => Err(Error::JoinCondition {
            left: left_names().into(),
            right: t.qualifier().into(),
            reason: if n == 0 {
                JoinFailure::NoForeignKey
            } else {
                JoinFailure::Ambiguous(n as u32)
            },
        }),
    }
}

impl Statement for Select {
    fn write_to(&self, c: &mut Compiler<'_>) -> Result<()> {
        c.statement(|c| c.select(self, false, false))
    }
    fn cache_key<'a>(&'a self, key: &mut crate::compile::CacheKey<'a>) -> bool {
        key.select_stmt(self);
        true
    }
    fn output_types(&self) -> Vec<crate::compile::types::OutputType> {
        super::types::select_types(self)
    }
    fn returns_rows(&self) -> bool {
        true
    }
}
impl Statement for Insert {
    fn write_to(&self, c: &mut Compiler<'_>) -> Result<()> {
        c.statement(|c| c.insert(self))
    }
    fn cache_key<'a>(&'a self, key: &mut crate::compile::CacheKey<'a>) -> bool {
        key.insert(self);
        true
    }
    fn output_types(&self) -> Vec<crate::compile::types::OutputType> {
        super::types::item_types(&self.returning)
    }
    fn as_insert(&self) -> Option<&Insert> {
        Some(self)
    }
    fn returns_rows(&self) -> bool {
        !self.returning.is_empty()
    }
}
impl Statement for Update {
    fn write_to(&self, c: &mut Compiler<'_>) -> Result<()> {
        c.dml_statement(|c| c.update(self))
    }
    fn cache_key<'a>(&'a self, key: &mut crate::compile::CacheKey<'a>) -> bool {
        key.update(self);
        true
    }
    fn output_types(&self) -> Vec<crate::compile::types::OutputType> {
        super::types::item_types(&self.returning)
    }
    fn dml_table(&self) -> Option<Table> {
        Some(self.table.clone())
    }
    fn returns_rows(&self) -> bool {
        !self.returning.is_empty()
    }
}
impl Statement for Delete {
    fn write_to(&self, c: &mut Compiler<'_>) -> Result<()> {
        c.dml_statement(|c| c.delete(self))
    }
    fn cache_key<'a>(&'a self, key: &mut crate::compile::CacheKey<'a>) -> bool {
        key.delete(self);
        true
    }
    fn output_types(&self) -> Vec<crate::compile::types::OutputType> {
        super::types::item_types(&self.returning)
    }
    fn returns_rows(&self) -> bool {
        !self.returning.is_empty()
    }
}
impl Statement for CreateTable {
    fn write_to(&self, c: &mut Compiler<'_>) -> Result<()> {
        c.create_table(self)
    }
    fn returns_rows(&self) -> bool {
        false
    }
}
impl Statement for CreateIndex {
    fn write_to(&self, c: &mut Compiler<'_>) -> Result<()> {
        c.create_index(self)
    }
    fn returns_rows(&self) -> bool {
        false
    }
}
impl Statement for DropTable {
    fn write_to(&self, c: &mut Compiler<'_>) -> Result<()> {
        c.drop_table(self)
    }
    fn returns_rows(&self) -> bool {
        false
    }
}
impl Statement for Ddl {
    fn write_to(&self, c: &mut Compiler<'_>) -> Result<()> {
        match self {
            Ddl::CreateTable(s) => c.create_table(s),
            Ddl::CreateIndex(s) => c.create_index(s),
            Ddl::DropTable(s) => c.drop_table(s),
        }
    }
    fn returns_rows(&self) -> bool {
        false
    }
}
