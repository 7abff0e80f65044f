//! A compiled-statement cache keyed by a statement's structure, not its values (as
//! SQLAlchemy's): a statement rebuilt in a loop with new values is compiled once, and
//! every later call only walks it to find its key and values.
//!
//! The key is every fact the SQL text depends on: node kinds, operators, names,
//! tables (by identity: the cache keeps them alive, so an address is never reused
//! while an entry names it), the kind of each bound value (a decimal's precision too,
//! which MySQL's casts spell). When a statement is first compiled, each parameter slot
//! notes where its value came from: the n-th bound value of the walk, a named
//! parameter, or a column's client default (computed again on every use). A statement
//! with a parameter of any other origin is compiled every time, never cached wrongly.

use super::{Compiled, Compiler};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::expr::{Node, Op, Source};
use crate::name::Name;
use crate::schema::{SqlType, Table};
use crate::stmt::{Delete, Insert, Join, Select, Statement, Subquery, Update};
use crate::value::Value;
use std::collections::HashMap;

/// Where the value of a parameter slot comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The n-th bound value met by the key walk.
    Value(usize),
    /// An array of the bound values `start..start + len` of the key walk.
    Array(usize, usize),
    /// A named parameter, filled when executing.
    Named,
    /// The client default of this column of the INSERT's table.
    Default(usize),
    /// The on-update value of this column of the UPDATE's table.
    OnUpdate(usize),
    /// Unknown: the statement is not cached.
    Unknown,
}

/// What the compiler notes while compiling a statement for the cache.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    // Bound values by address, to their index in the key walk.
    canon: HashMap<usize, usize>,
    pub(crate) origins: Vec<Origin>,
    // The origin of the value about to be pushed.
    pub(crate) pending: Option<Origin>,
    // Temporary nodes standing for a value of the tree (LIMIT n): their address, and
    // the address of the tree's value.
    aliases: Vec<(usize, usize)>,
}

impl Recorder {
    pub(crate) fn note_value(&mut self, v: &Value) {
        let addr = v as *const Value as usize;
        let addr = self
            .aliases
            .iter()
            .find(|(a, _)| *a == addr)
            .map_or(addr, |(_, b)| *b);
        self.pending = Some(
            self.canon
                .get(&addr)
                .map_or(Origin::Unknown, |&i| Origin::Value(i)),
        );
    }
    /// The next parameter is an array of these values of the tree: cached when they
    /// are consecutive values of the key walk.
    pub(crate) fn note_array(&mut self, items: &[&Value]) {
        let index = |v: &Value| self.canon.get(&(v as *const Value as usize)).copied();
        let origin = match items.first().and_then(|v| index(v)) {
            Some(start)
                if items
                    .iter()
                    .enumerate()
                    .all(|(k, v)| index(v) == Some(start + k)) =>
            {
                Origin::Array(start, items.len())
            }
            _ => Origin::Unknown,
        };
        self.pending = Some(origin);
    }
    pub(crate) fn alias(&mut self, temp: &Value, tree: usize) {
        self.aliases.push((temp as *const Value as usize, tree));
    }
}

/// A value of the walk: a bound value in the tree, or a LIMIT / OFFSET kept inline.
enum Src<'a> {
    Value(&'a Value),
    Int(&'a i64),
}

impl Src<'_> {
    fn addr(&self) -> usize {
        match self {
            Src::Value(v) => *v as *const Value as usize,
            Src::Int(n) => *n as *const i64 as usize,
        }
    }
}

/// The key of a statement and its bound values, in walk order.
#[derive(Default)]
pub struct CacheKey<'a> {
    // Names are written into the tokens byte for byte, so comparing tokens compares
    // them exactly.
    tokens: Vec<u64>,
    // Only on a miss: the tables, kept alive by the entry.
    tables: Option<Vec<&'a Table>>,
    subqueries: Vec<&'a Subquery>,
    values: Vec<Src<'a>>,
    uncacheable: bool,
}

fn ty(t: SqlType) -> u64 {
    match t {
        SqlType::SmallInt => 1,
        SqlType::Integer => 2,
        SqlType::BigInt => 3,
        SqlType::Boolean => 4,
        SqlType::Float => 5,
        SqlType::Double => 6,
        SqlType::Numeric { precision, scale } => {
            7 << 32 | u64::from(precision) << 8 | u64::from(scale)
        }
        SqlType::String(n) => 8 << 32 | u64::from(n),
        SqlType::Text => 9,
        SqlType::Date => 10,
        SqlType::Time => 11,
        SqlType::DateTime => 12,
        SqlType::Timestamp => 13,
        SqlType::Json => 14,
        SqlType::Uuid => 15,
        SqlType::Bytes => 16,
        // A type added later: not cached rather than confused with another.
        #[allow(unreachable_patterns)]
        _ => u64::MAX,
    }
}

/// The kind of a bound value, as far as the SQL text depends on it.
fn value_kind(v: &Value) -> u64 {
    match v {
        Value::Null => 1,
        Value::Bool(_) => 2,
        // PostgreSQL casts an integer past `integer`'s range.
        Value::Int(i) if i32::try_from(*i).is_ok() => 3,
        Value::Int(_) => 15,
        Value::Float(_) => 4,
        // MySQL writes CAST(? AS DECIMAL(p, s)) from the value.
        Value::Decimal(d) => {
            5 << 40
                | u64::from(d.scale()) << 32
                | d.mantissa().unsigned_abs().to_string().len() as u64
        }
        Value::Text(_) => 6,
        Value::Bytes(_) => 7,
        Value::Date(_) => 8,
        Value::Time(_) => 9,
        Value::DateTime(_) => 10,
        Value::Timestamp(_) => 11,
        Value::Json(_) => 12,
        Value::Uuid(_) => 13,
        Value::Array(_) => 14,
    }
}

impl<'a> CacheKey<'a> {
    fn t(&mut self, x: u64) {
        self.tokens.push(x);
    }
    fn name(&mut self, n: &'a Name) {
        self.str(n.as_str());
    }
    fn str(&mut self, s: &str) {
        self.tokens.push(0xFFFF_0000_0000 | s.len() as u64);
        for chunk in s.as_bytes().chunks(8) {
            let mut b = [0u8; 8];
            b.iter_mut().zip(chunk).for_each(|(d, c)| *d = *c);
            self.tokens.push(u64::from_le_bytes(b));
        }
    }
    fn value(&mut self, v: &'a Value) {
        self.t(100 << 32 | value_kind(v));
        self.values.push(Src::Value(v));
    }
    fn table(&mut self, t: &'a Table) {
        self.t(t.def() as *const crate::schema::TableDef as usize as u64);
        match t.alias_name() {
            Some(a) => {
                self.t(201);
                self.str(a);
            }
            None => self.t(200),
        }
        if let Some(ts) = &mut self.tables {
            ts.push(t);
        }
    }
    fn source(&mut self, s: &'a Source) {
        match s {
            Source::Table(t) => self.table(t),
            Source::Subquery(sq) => {
                self.t(201);
                // A subquery met again (each of its columns names it) is a back
                // reference; its body is keyed once.
                if let Some(k) = self
                    .subqueries
                    .iter()
                    .position(|o| std::sync::Arc::ptr_eq(&o.0, &sq.0))
                {
                    self.t(k as u64);
                    return;
                }
                self.t(u64::MAX);
                self.subqueries.push(sq);
                self.name(&sq.0.name);
                self.t(match sq.cte() {
                    None => 0,
                    Some(false) => 1,
                    Some(true) => 2,
                });
                self.select(&sq.0.select);
            }
        }
    }
    fn nodes(&mut self, ns: &'a [Node]) {
        self.t(ns.len() as u64);
        for n in ns {
            self.node(n);
        }
    }
    fn node(&mut self, n: &'a Node) {
        if self.tokens.len() > 1 << 20 {
            self.uncacheable = true;
            return;
        }
        crate::expr::with_stack(|| self.node_inner(n))
    }
    fn node_inner(&mut self, n: &'a Node) {
        match n {
            Node::Column(c) => {
                self.t(1);
                self.source(&c.source);
                self.t(u64::from(c.idx));
            }
            Node::Bind(v) => self.value(v),
            Node::Param(name) => {
                self.t(3);
                self.name(name);
            }
            Node::Literal(v) => {
                self.t(4);
                self.str(&format!("{v:?}"));
            }
            Node::Raw(s) => {
                self.t(5);
                self.name(s);
            }
            Node::Star => self.t(6),
            Node::Not(x) => {
                self.t(7);
                self.node(x);
            }
            Node::Neg(x) => {
                self.t(8);
                self.node(x);
            }
            Node::IsNull(x, neg) => {
                self.t(9 + u64::from(*neg));
                self.node(x);
            }
            Node::Binary(op, lr) => {
                self.t(11);
                self.t(*op as u64);
                self.nodes(&lr[..]);
            }
            Node::Like {
                operands,
                escape,
                negated,
                case_insensitive,
            } => {
                self.t(12);
                self.t(escape.map_or(0, |c| u64::from(c) + 1));
                self.t(u64::from(*negated) << 1 | u64::from(*case_insensitive));
                self.nodes(&operands[..]);
            }
            Node::InList(x, list, neg) => {
                self.t(13 + u64::from(*neg));
                self.node(x);
                self.nodes(list);
            }
            Node::InSelect(x, q, neg) => {
                self.t(15 + u64::from(*neg));
                self.node(x);
                self.select(q);
            }
            Node::Between(parts, neg) => {
                self.t(17 + u64::from(*neg));
                self.nodes(&parts[..]);
            }
            Node::And(v) => {
                self.t(19);
                self.nodes(v);
            }
            Node::Or(v) => {
                self.t(20);
                self.nodes(v);
            }
            Node::Func {
                name,
                args,
                distinct,
            } => {
                self.t(21 + u64::from(*distinct));
                self.name(name);
                self.nodes(args);
            }
            Node::Now => self.t(23),
            Node::Cast(x, t) => {
                self.t(24);
                self.t(ty(*t));
                self.node(x);
            }
            Node::Tuple(v) => {
                self.t(25);
                self.nodes(v);
            }
            Node::Subquery(q) => {
                self.t(26);
                self.select(q);
            }
            Node::Exists(q) => {
                self.t(27);
                self.select(q);
            }
            Node::Excluded(c) => {
                self.t(28);
                self.source(&c.source);
                self.t(u64::from(c.idx));
            }
            Node::Op(op, args) => {
                self.t(29);
                self.op(op);
                self.nodes(args);
            }
        }
    }
    fn op(&mut self, op: &'a Op) {
        match op {
            Op::Case { operand, else_ } => {
                self.t(1 << 8 | u64::from(*operand) << 1 | u64::from(*else_))
            }
            Op::IsDistinct { negated } => self.t(2 << 8 | u64::from(*negated)),
            Op::IsBool { value, negated } => {
                self.t(3 << 8 | u64::from(*value) << 1 | u64::from(*negated))
            }
            Op::Regexp { negated } => self.t(4 << 8 | u64::from(*negated)),
            Op::Extract(p) => self.t(5 << 8 | *p as u64),
            Op::CurrentDate => self.t(6 << 8),
            Op::CurrentTime => self.t(7 << 8),
            Op::FloorDiv => self.t(8 << 8),
            Op::Extremum(g) => self.t(9 << 8 | u64::from(*g)),
            Op::Over(o) => {
                self.t(10 << 8);
                self.t(o.partitions as u64);
                self.t(o.order.len() as u64);
                for (desc, nulls) in &o.order {
                    self.t(u64::from(*desc) << 2 | nulls.map_or(0, |f| 1 + u64::from(f)));
                }
                match &o.frame {
                    None => self.t(0),
                    Some(f) => {
                        let b = |b: &crate::expr::Bound| match b {
                            crate::expr::Bound::UnboundedPreceding => 1,
                            crate::expr::Bound::Preceding(n) => 2 << 32 | u64::from(*n),
                            crate::expr::Bound::CurrentRow => 3,
                            crate::expr::Bound::Following(n) => 4 << 32 | u64::from(*n),
                            crate::expr::Bound::UnboundedFollowing => 5,
                        };
                        let (s, e) = (b(&f.start), b(&f.end));
                        self.t(1 + u64::from(f.rows));
                        self.t(s);
                        self.t(e);
                    }
                }
            }
            Op::Quantified(q) => {
                self.t(11 << 8 | u64::from(q.all));
                self.select(&q.query);
            }
            Op::Round => self.t(12 << 8),
            Op::Label(n) => {
                self.t(13 << 8);
                self.name(n);
            }
            #[allow(unreachable_patterns)]
            _ => self.uncacheable = true,
        }
    }
    fn count(&mut self, c: &'a Option<crate::stmt::Count>) {
        use crate::stmt::Count;
        match c {
            None => self.t(0),
            Some(Count::Int(n)) => {
                self.t(1);
                self.values.push(Src::Int(n));
            }
            Some(Count::Node(n)) => {
                self.t(2);
                self.node(n);
            }
        }
    }
    fn join(&mut self, j: &'a Join) {
        self.t(j.kind as u64 | u64::from(j.lateral) << 8);
        self.source(&j.target);
        match &j.on {
            None => self.t(0),
            Some(on) => {
                self.t(1);
                self.node(on);
            }
        }
    }
    fn items(&mut self, items: &'a [crate::stmt::SelectItem]) {
        self.t(items.len() as u64);
        for it in items {
            self.node(&it.node);
            match &it.label {
                Some(l) => {
                    self.t(1);
                    self.name(l);
                }
                None => self.t(0),
            }
        }
    }
    fn select(&mut self, q: &'a Select) {
        self.t(300);
        self.items(&q.items);
        self.t(q.from.len() as u64);
        for s in &q.from {
            self.source(s);
        }
        self.t(q.joins.len() as u64);
        for j in &q.joins {
            self.join(j);
        }
        self.opt(q.where_.as_ref());
        self.nodes(&q.group_by);
        self.opt(q.having.as_deref());
        self.t(q.order_by.len() as u64);
        for o in &q.order_by {
            self.t(u64::from(o.desc) << 2 | o.nulls.map_or(0, |f| 1 + u64::from(f)));
            self.node(&o.node);
        }
        self.count(&q.limit);
        self.count(&q.offset);
        self.t(u64::from(q.distinct) | u64::from(q.values_list) << 1);
        self.nodes(&q.distinct_on);
        match &q.lock {
            None => self.t(0),
            Some(l) => self.t(1 + (u64::from(l.share) << 1 | (l.wait as u64) << 2)),
        }
        match &q.compound {
            None => self.t(0),
            Some(c) => {
                self.t(1 + c.rest.len() as u64);
                self.select(&c.first);
                for (op, m) in &c.rest {
                    self.t(*op as u64);
                    self.select(m);
                }
            }
        }
    }
    fn opt(&mut self, n: Option<&'a Node>) {
        match n {
            None => self.t(0),
            Some(n) => {
                self.t(1);
                self.node(n);
            }
        }
    }
    pub(crate) fn insert(&mut self, q: &'a Insert) {
        if q.error.is_some() {
            self.uncacheable = true;
            return;
        }
        self.t(400);
        self.table(&q.table);
        self.t(q.columns.len() as u64);
        q.columns.iter().for_each(|&c| self.t(u64::from(c)));
        self.t(q.nrows as u64);
        self.nodes(&q.values);
        self.t(u64::from(q.default_values));
        self.items(&q.returning);
        match &q.conflict {
            None => self.t(0),
            Some(c) => {
                self.t(1);
                self.t(c.target.len() as u64);
                c.target.iter().for_each(|&i| self.t(u64::from(i)));
                self.t(c.sets.len() as u64);
                for (i, n) in &c.sets {
                    self.t(u64::from(*i));
                    self.node(n);
                }
                self.opt(c.where_.as_ref());
            }
        }
        match &q.select {
            None => self.t(0),
            Some(s) => {
                self.t(1);
                self.select(s);
            }
        }
    }
    pub(crate) fn update(&mut self, q: &'a Update) {
        if q.error.is_some() {
            self.uncacheable = true;
            return;
        }
        self.t(500);
        self.table(&q.table);
        self.t(q.sets.len() as u64);
        for (i, n) in &q.sets {
            self.t(u64::from(*i));
            self.node(n);
        }
        self.opt(q.where_.as_ref());
        self.items(&q.returning);
    }
    pub(crate) fn delete(&mut self, q: &'a Delete) {
        self.t(600);
        self.table(&q.table);
        self.opt(q.where_.as_ref());
        self.items(&q.returning);
    }
    pub(crate) fn select_stmt(&mut self, q: &'a Select) {
        self.select(q);
    }

    /// A quick multiply-rotate hash (the key is compared in full on a hit).
    fn hash(&self) -> u64 {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h: u64 = self.tokens.len() as u64;
        for &t in &self.tokens {
            h = (h.rotate_left(5) ^ t).wrapping_mul(K);
        }
        h
    }
}

struct Entry {
    tokens: Vec<u64>,
    // Keep the tables the key names by address alive.
    _tables: Vec<Table>,
    compiled: Compiled,
    origins: Vec<Origin>,
    table: Option<Table>,
}

/// A cache of compiled statements for one dialect, keyed by structure. A
/// [`Connection`](crate::engine::Connection) keeps one; it is public for code that
/// compiles statements itself.
///
/// ```
/// use sqlkit::prelude::*;
/// use sqlkit::compile::StatementCache;
/// # let t = Table::builder("t").column(ColumnDef::new("x", SqlType::BigInt)).build()?;
/// let d = Postgres::default();
/// let mut cache = StatementCache::new(64);
/// for n in [1i64, 2, 3] {
///     let x = t.column::<i64>("x")?;
///     let c = cache.compile(&select(x.clone()).where_(x.gt(n)), &d, false)?;
///     assert_eq!(c.sql, "SELECT t.x FROM t WHERE t.x > $1");
///     assert_eq!(c.params, [Value::Int(n)]);
/// }
/// assert_eq!((cache.hits(), cache.misses()), (2, 1));
/// # Ok::<(), sqlkit::Error>(())
/// ```
pub struct StatementCache {
    entries: HashMap<u64, Entry>,
    capacity: usize,
    // The key buffer, kept between calls.
    scratch: Vec<u64>,
    hits: u64,
    misses: u64,
}

impl std::fmt::Debug for StatementCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatementCache")
            .field("entries", &self.entries.len())
            .field("hits", &self.hits)
            .field("misses", &self.misses)
            .finish()
    }
}

impl StatementCache {
    /// A cache holding up to `capacity` statements (0: caches nothing).
    pub fn new(capacity: usize) -> Self {
        StatementCache {
            entries: HashMap::new(),
            capacity,
            scratch: Vec::with_capacity(256),
            hits: 0,
            misses: 0,
        }
    }
    /// Calls answered from the cache.
    pub fn hits(&self) -> u64 {
        self.hits
    }
    /// Calls that compiled.
    pub fn misses(&self) -> u64 {
        self.misses
    }
    /// Forgets every statement (for instance when the dialect changes).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// `stmt` compiled for `dialect` (`to_run`: as a connection runs it, see
    /// [`Statement::compile_to_run`]), from the cache when a statement of the same
    /// structure was compiled before. The caller keeps one cache per dialect.
    pub fn compile(
        &mut self,
        stmt: &dyn Statement,
        dialect: &dyn Dialect,
        to_run: bool,
    ) -> Result<Compiled> {
        if self.capacity == 0 {
            self.misses += 1;
            return compile_plain(stmt, dialect, to_run);
        }
        let mut tokens = std::mem::take(&mut self.scratch);
        tokens.clear();
        let mut key = CacheKey {
            tokens,
            tables: None,
            subqueries: Vec::new(),
            values: Vec::with_capacity(16),
            uncacheable: false,
        };
        key.t(u64::from(to_run));
        if !stmt.cache_key(&mut key) || key.uncacheable {
            self.misses += 1;
            self.scratch = key.tokens;
            return compile_plain(stmt, dialect, to_run);
        }
        let h = key.hash();
        if let Some(e) = self.entries.get(&h) {
            if e.tokens == key.tokens {
                if let Some(c) = fill(e, &key) {
                    self.hits += 1;
                    self.scratch = key.tokens;
                    return Ok(c);
                }
            }
        }
        self.misses += 1;
        // Walk again, noting the tables the entry must keep alive.
        let mut key = CacheKey {
            tokens: Vec::with_capacity(key.tokens.len()),
            tables: Some(Vec::new()),
            subqueries: Vec::new(),
            values: Vec::with_capacity(key.values.len()),
            uncacheable: false,
        };
        key.t(u64::from(to_run));
        stmt.cache_key(&mut key);
        let mut rec = Recorder::default();
        for (i, v) in key.values.iter().enumerate() {
            rec.canon.entry(v.addr()).or_insert(i);
        }
        let mut c = Compiler::new(dialect, false);
        c.implicit_returning = to_run && dialect.implicit_returning();
        c.record = Some(Box::new(rec));
        stmt.write_to(&mut c)?;
        let rec = c.record.take();
        let compiled = c.finish(stmt.returns_rows())?;
        let origins = rec.map(|r| r.origins).unwrap_or_default();
        let cacheable =
            origins.len() == compiled.params.len() && !origins.contains(&Origin::Unknown);
        if cacheable {
            if self.entries.len() >= self.capacity {
                if let Some(&k) = self.entries.keys().next() {
                    self.entries.remove(&k);
                }
            }
            let table = stmt
                .as_insert()
                .map(|i| i.table.clone())
                .or_else(|| stmt.dml_table());
            self.entries.insert(
                h,
                Entry {
                    tokens: key.tokens,
                    _tables: key
                        .tables
                        .unwrap_or_default()
                        .into_iter()
                        .cloned()
                        .collect(),
                    compiled: compiled.clone(),
                    origins,
                    table,
                },
            );
        }
        Ok(compiled)
    }
}

fn compile_plain(stmt: &dyn Statement, dialect: &dyn Dialect, to_run: bool) -> Result<Compiled> {
    if to_run {
        stmt.compile_to_run(dialect)
    } else {
        stmt.compile(dialect)
    }
}

/// The cached statement with this statement's values in its slots.
fn fill(e: &Entry, key: &CacheKey<'_>) -> Option<Compiled> {
    let mut params = Vec::with_capacity(e.origins.len());
    for o in &e.origins {
        params.push(match *o {
            Origin::Value(i) => match key.values.get(i)? {
                Src::Value(v) => (*v).clone(),
                Src::Int(n) => Value::Int(**n),
            },
            Origin::Array(start, len) => Value::Array(
                key.values
                    .get(start..start.checked_add(len)?)?
                    .iter()
                    .map(|s| match s {
                        Src::Value(v) => (*v).clone(),
                        Src::Int(n) => Value::Int(**n),
                    })
                    .collect(),
            ),
            Origin::Named => Value::Null,
            Origin::Default(col) => default_value(
                e.table
                    .as_ref()?
                    .def()
                    .columns()
                    .get(col)?
                    .client_default()?,
            )?,
            Origin::OnUpdate(col) => default_value(
                e.table
                    .as_ref()?
                    .def()
                    .columns()
                    .get(col)?
                    .on_update_value()?,
            )?,
            Origin::Unknown => return None,
        });
    }
    Some(Compiled {
        sql: e.compiled.sql.clone(),
        params,
        named: e.compiled.named.clone(),
        returns_rows: e.compiled.returns_rows,
        key: e.compiled.key,
    })
}

/// The value a client default gives now (a fixed value, or its function called).
fn default_value(d: &crate::schema::Default) -> Option<Value> {
    match d {
        crate::schema::Default::Value(v) => Some(v.clone()),
        crate::schema::Default::Func(f) => Some(f()),
        crate::schema::Default::Expr(_) => None,
    }
}
