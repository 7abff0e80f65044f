//! The compiler: one walk over statements and expressions writing into one `String`
//! and one `Vec<Value>`, asking the [`Dialect`] only where SQL differs.
//!
//! `push_bind` is the only place a placeholder is written and a value kept;
//! `push_ident` the only place an identifier is written.

mod cache;
mod ops;
#[doc(hidden)]
pub mod types;
mod walk;

pub use cache::{CacheKey, StatementCache};
pub use ops::date_part_name;

use crate::dialect::{plain_byte, unsupported, Dialect, Feature, IdentifierLimit, ReservedWords};
use crate::error::{Error, Result};
use crate::expr::Node;
use crate::name::Name;
use crate::schema::SqlType;
use crate::value::Value;

/// A compiled statement: SQL text with placeholders and the parameter values in
/// placeholder order.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    /// The SQL text.
    pub sql: String,
    /// The parameter values, in placeholder order.
    pub params: Vec<Value>,
    /// The slots filled from named [`bindparam`](crate::expr::bindparam)s: `(slot,
    /// name)` in slot order; empty when the statement has none.
    pub named: Vec<(usize, Name)>,
    /// Whether executing it yields rows.
    pub returns_rows: bool,
    /// Where an INSERT's new auto-increment key comes from.
    pub key: KeySource,
}

/// Where the auto-increment key of the rows an INSERT adds can be read, which decides
/// [`ExecResult::last_insert_id`](crate::engine::ExecResult::last_insert_id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeySource {
    /// Not an INSERT into a table with an auto-increment key: no id.
    #[default]
    None,
    /// The server reports it (SQLite's `last_insert_rowid()`, MySQL's insert id).
    Server,
    /// The statement returns it, in this column of its RETURNING list.
    Returned(usize),
}

impl Compiled {
    /// Resolves the named parameters `names` to their slots (see [`Binder`]). Every named
    /// slot of the statement must be among `names`, and every name must occur in it.
    pub fn binder(&self, names: &[&str]) -> Result<Binder> {
        let mut slots = Vec::with_capacity(self.named.len());
        for (k, name) in names.iter().enumerate() {
            let before = slots.len();
            slots.extend(
                self.named
                    .iter()
                    .filter(|(_, n)| n.as_str() == *name)
                    .map(|(slot, _)| (*slot, k)),
            );
            if slots.len() == before {
                return Err(Error::Parameter((*name).into()));
            }
        }
        if let Some((_, missing)) = self
            .named
            .iter()
            .find(|(slot, _)| !slots.iter().any(|(s, _)| s == slot))
        {
            return Err(Error::Parameter(missing.as_str().into()));
        }
        let identity = slots.len() == self.params.len()
            && slots.len() == names.len()
            && slots
                .iter()
                .enumerate()
                .all(|(i, &(slot, k))| slot == i && k == i);
        let mut seen = vec![false; names.len()];
        let mut last_use = vec![false; slots.len()];
        for (last, &(_, k)) in last_use.iter_mut().zip(&slots).rev() {
            if let Some(s) = seen.get_mut(k) {
                *last = !std::mem::replace(s, true);
            }
        }
        if let Some(&(slot, _)) = slots.iter().find(|(slot, _)| *slot >= self.params.len()) {
            return Err(Error::Parameter(
                format!(
                    "named slot {slot} is past the {} parameters",
                    self.params.len()
                )
                .into(),
            ));
        }
        Ok(Binder {
            base: self.params.clone(),
            slots,
            last_use,
            arity: names.len(),
            identity,
        })
    }

    /// The parameters with named slots filled from `values` (compile once, execute
    /// many). A name the statement does not have, or a named slot left without a value,
    /// is an [`Error::Parameter`].
    pub fn bind<'a, I>(&self, values: I) -> Result<Vec<Value>>
    where
        I: IntoIterator<Item = (&'a str, Value)>,
    {
        let mut params = self.params.clone();
        let mut filled = vec![false; self.named.len()];
        for (name, value) in values {
            let mut found = false;
            for ((slot, n), filled) in self.named.iter().zip(filled.iter_mut()) {
                if n.as_str() == name {
                    let p = params.get_mut(*slot).ok_or_else(|| {
                        Error::Parameter(
                            format!("`{name}` names a slot past the parameters").into(),
                        )
                    })?;
                    *p = value.clone();
                    *filled = true;
                    found = true;
                }
            }
            if !found {
                return Err(Error::Parameter(name.into()));
            }
        }
        match self.named.iter().zip(&filled).find(|(_, f)| !**f) {
            Some(((_, name), _)) => Err(Error::Parameter(name.as_str().into())),
            None => Ok(params),
        }
    }
}

/// The error for `given` values where a statement has `names` named parameters.
pub(crate) fn check_arity(given: usize, names: usize) -> Result<()> {
    if given == names {
        Ok(())
    } else {
        Err(Error::Parameter(
            format!("{given} values given for {names} named parameters").into(),
        ))
    }
}

/// Named parameters resolved to their slots once, so that executing a compiled
/// statement again with new values copies values into place without looking names up.
///
/// ```
/// use sqlkit::prelude::*;
/// # let t = Table::builder("t").column(ColumnDef::new("x", SqlType::BigInt)).build()?;
/// let x = t.column::<i64>("x")?;
/// let c = select(x.clone()).where_(x.clone().gt(bindparam::<i64>("lo")) & x.lt(bindparam::<i64>("hi")))
///     .compile(&Postgres::default())?;
/// let binder = c.binder(&["hi", "lo"])?;
/// assert_eq!(binder.bind(&[Value::Int(9), Value::Int(1)])?, [Value::Int(1), Value::Int(9)]);
/// # Ok::<(), sqlkit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Binder {
    base: Vec<Value>,
    // (slot in the parameter list, index in the values given to `bind`)
    slots: Vec<(usize, usize)>,
    // Whether each entry of `slots` is its value's last use (moved, not copied).
    last_use: Vec<bool>,
    arity: usize,
    // Every parameter is named, each name once, in order: the values are the parameters.
    identity: bool,
}

impl Binder {
    /// The parameters for one execution: `values[k]` fills every slot of the `k`-th name
    /// given to [`Compiled::binder`].
    pub fn bind(&self, values: &[Value]) -> Result<Vec<Value>> {
        let mut out = self.base.clone();
        self.bind_into(values, &mut out)?;
        Ok(out)
    }
    /// Like [`bind`](Self::bind), reusing `out`'s allocation.
    pub fn bind_into(&self, values: &[Value], out: &mut Vec<Value>) -> Result<()> {
        check_arity(values.len(), self.arity)?;
        out.clear();
        out.extend_from_slice(&self.base);
        for &(slot, k) in &self.slots {
            // Slots and names were checked against the statement and `values`' length.
            if let (Some(o), Some(v)) = (out.get_mut(slot), values.get(k)) {
                *o = v.clone();
            }
        }
        Ok(())
    }

    /// Whether every parameter is named, each name once, in the order of the names:
    /// the values of one execution are then its parameters as they are.
    pub fn is_identity(&self) -> bool {
        self.identity
    }

    /// Like [`bind`](Self::bind), taking the values: they are moved into their slots,
    /// not copied, and when the statement's parameters are exactly the names in order
    /// (the usual case) `values` itself is returned, with no allocation at all.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// # let t = Table::builder("t").column(ColumnDef::new("x", SqlType::BigInt)).build()?;
    /// let c = insert(&t).value("x", bindparam::<i64>("x")).compile(&Sqlite::default())?;
    /// let binder = c.binder(&["x"])?;
    /// assert_eq!(binder.bind_owned(vec![Value::Int(7)])?, [Value::Int(7)]);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn bind_owned(&self, mut values: Vec<Value>) -> Result<Vec<Value>> {
        check_arity(values.len(), self.arity)?;
        if self.identity {
            return Ok(values);
        }
        let mut out = self.base.clone();
        // A name used in several slots is copied into all but its last one.
        for (&(slot, k), &last) in self.slots.iter().zip(&self.last_use) {
            if let (Some(o), Some(v)) = (out.get_mut(slot), values.get_mut(k)) {
                *o = if last { std::mem::take(v) } else { v.clone() };
            }
        }
        Ok(out)
    }
}

thread_local! {
    // The scope stack's buffer, kept between compilations on a thread so compiling
    // does not allocate it each time.
    static SCOPE_BUFFER: std::cell::Cell<Vec<crate::expr::Source>> =
        const { std::cell::Cell::new(Vec::new()) };
}

impl Drop for Compiler<'_> {
    fn drop(&mut self) {
        let mut scope = std::mem::take(&mut self.scope);
        scope.clear();
        if scope.capacity() <= 64 {
            SCOPE_BUFFER.with(|b| b.set(scope));
        }
    }
}

/// The state of one compilation. Dialects receive it in their hooks and write through
/// its `push*` methods.
pub struct Compiler<'d> {
    dialect: &'d dyn Dialect,
    reserved: &'d ReservedWords,
    // Names checked in advance against the default reserved words stay valid.
    known_plain: bool,
    sql: String,
    params: Vec<Value>,
    named: Vec<(usize, Name)>,
    inline: bool,
    qualify: bool,
    // The FROM entries and join targets of the selects being written, outermost first:
    // what a nested select correlates with. One buffer for the whole compilation.
    pub(crate) scope: Vec<crate::expr::Source>,
    // Add `RETURNING <auto-increment key>` to an INSERT without RETURNING (set when a
    // connection runs the statement on a dialect that asks for it).
    pub(crate) implicit_returning: bool,
    // How deep in the expression tree the walk is.
    depth: u32,
    // Set by an INSERT: where its new key can be read.
    pub(crate) key: KeySource,
    // A name too long for the dialect, met while writing.
    ident_error: Option<Error>,
    // Names of more bytes than this may be past the dialect's limit.
    long_name: usize,
    // The CTEs met in the statement being written, each after those it uses; and
    // whether the WITH clause naming them has been written (the second pass).
    pub(crate) ctes: Vec<crate::stmt::Subquery>,
    pub(crate) ctes_open: Vec<Name>,
    pub(crate) with_written: bool,
    // Write non-recursive CTEs as derived tables in place (MariaDB's UPDATE/DELETE).
    pub(crate) inline_ctes: bool,
    // With numbered placeholders: the select items holding bound values and the
    // parameter slots they used, so that the same expression in GROUP BY / HAVING /
    // ORDER BY reuses them and the server sees one expression; and the slots being
    // replayed.
    pub(crate) repeats: Vec<Repeat>,
    pub(crate) replay: Option<std::ops::Range<usize>>,
    // Writing HAVING, where a repeated item is written as its label on dialects
    // whose placeholders cannot be repeated (MySQL sees two `?` as two expressions).
    pub(crate) in_having: bool,
    // Compiling for the statement cache: where each parameter's value comes from.
    pub(crate) record: Option<Box<cache::Recorder>>,
}

/// A select item holding bound values, for writing it again as the same expression.
pub(crate) struct Repeat {
    pub(crate) node: Node,
    pub(crate) slots: std::ops::Range<usize>,
    pub(crate) label: Option<Name>,
}

/// The deepest expression tree (nested operators, functions and subqueries) a
/// statement may hold; deeper trees fail to compile with [`Error::TooDeep`]. Servers
/// refuse such statements anyway (PostgreSQL's `max_stack_depth`, MySQL's parser
/// stack), and a limit keeps compiling bounded.
pub const MAX_DEPTH: u32 = 1000;

impl<'d> Compiler<'d> {
    /// A compiler for `dialect`; with `inline`, values are written as literals.
    pub fn new(dialect: &'d dyn Dialect, inline: bool) -> Self {
        let reserved = dialect.reserved_words();
        Compiler {
            dialect,
            reserved,
            known_plain: reserved.is_default(),
            sql: String::with_capacity(256),
            params: Vec::with_capacity(8),
            named: Vec::new(),
            inline,
            qualify: true,
            depth: 0,
            key: KeySource::None,
            ident_error: None,
            // A limit in characters is never reached by fewer bytes.
            long_name: match dialect.max_identifier_len() {
                Some(IdentifierLimit::Bytes(n) | IdentifierLimit::Chars(n)) => n,
                None => usize::MAX,
            },
            scope: SCOPE_BUFFER.with(std::cell::Cell::take),
            implicit_returning: false,
            ctes: Vec::new(),
            ctes_open: Vec::new(),
            with_written: false,
            inline_ctes: false,
            repeats: Vec::new(),
            replay: None,
            in_having: false,
            record: None,
        }
    }

    /// The dialect being compiled for.
    pub fn dialect(&self) -> &'d dyn Dialect {
        self.dialect
    }

    /// Ends compilation.
    /// The compiled statement; an error noted while writing (a name too long for the
    /// dialect) refuses it.
    pub fn finish(mut self, returns_rows: bool) -> Result<Compiled> {
        if let Some(e) = self.ident_error.take() {
            return Err(e);
        }
        let limit = self.dialect.max_parameters();
        if self.params.len() > limit {
            return Err(Error::TooManyParameters {
                dialect: self.dialect.name(),
                count: self.params.len(),
                limit,
            });
        }
        Ok(Compiled {
            sql: std::mem::take(&mut self.sql),
            params: std::mem::take(&mut self.params),
            named: std::mem::take(&mut self.named),
            returns_rows,
            key: self.key,
        })
    }

    /// Makes room for about `sql` more bytes of text and `params` more parameters.
    pub fn reserve(&mut self, sql: usize, params: usize) {
        self.sql.reserve(sql);
        if !self.inline {
            self.params.reserve(params);
        }
    }

    /// Appends trusted SQL text (keywords, punctuation).
    #[inline]
    pub fn push(&mut self, s: &str) {
        self.sql.push_str(s);
    }

    /// Appends an identifier, quoted if it is reserved, not all lower case, or has
    /// characters outside `[a-z0-9_]`; embedded quote characters are doubled.
    pub fn push_ident(&mut self, ident: &str) {
        self.check_length(ident);
        let bytes = ident.as_bytes();
        let plain = bytes.first().is_some_and(|b| !b.is_ascii_digit())
            && bytes.iter().all(|&b| plain_byte(b))
            && !self.reserved.contains(ident);
        if plain {
            self.sql.push_str(ident);
        } else {
            self.push_quoted_ident(ident);
        }
    }

    /// Appends a name whose [`plain_identifier`](crate::dialect::plain_identifier)
    /// check was made when it was defined.
    #[inline(always)]
    pub(crate) fn push_known_ident(&mut self, ident: &str, plain: bool) {
        self.check_length(ident);
        if !plain {
            // Not plain under the default words: quoted under any superset of them.
            self.push_quoted_ident(ident);
        } else if self.known_plain {
            self.sql.push_str(ident);
        } else {
            self.push_ident(ident);
        }
    }

    /// Notes an identifier longer than the dialect keeps (PostgreSQL cuts names at 63
    /// bytes, so two long labels would become one): the statement is then refused.
    #[inline(always)]
    fn check_length(&mut self, ident: &str) {
        if ident.len() > self.long_name {
            self.check_long(ident);
        }
    }

    #[cold]
    #[inline(never)]
    fn check_long(&mut self, ident: &str) {
        let Some(limit) = self.dialect.max_identifier_len() else {
            return;
        };
        if self.ident_error.is_none() && limit.exceeded_by(ident) {
            self.ident_error = Some(Error::invalid(
                "SQL",
                format!(
                    "the name `{ident}` is longer than the {limit} {} keeps",
                    self.dialect.name()
                ),
            ));
        }
    }

    fn push_quoted_ident(&mut self, ident: &str) {
        let q = self.dialect.quote_char();
        self.sql.reserve(ident.len() + 2);
        self.sql.push(q);
        for ch in ident.chars() {
            if ch == q {
                self.sql.push(q);
            }
            self.sql.push(ch);
        }
        self.sql.push(q);
    }

    /// Appends a bound value: a placeholder and the value, or (when inlining) a literal.
    #[inline]
    pub fn push_bind(&mut self, value: Value) -> Result<()> {
        if self.inline {
            return self.dialect.write_literal(&mut self.sql, &value);
        }
        if let Some(slot) = self.replay.as_mut().and_then(Iterator::next) {
            if let Some(r) = &mut self.record {
                r.pending = None;
            }
            self.dialect.write_placeholder(&mut self.sql, slot + 1);
            return Ok(());
        }
        if let Value::Decimal(d) = &value {
            if self.dialect.cast_decimal_params() {
                return self.push_decimal_cast(*d);
            }
        }
        self.recorded(None);
        self.params.push(value);
        self.dialect
            .write_placeholder(&mut self.sql, self.params.len());
        Ok(())
    }

    /// Appends one array parameter holding `items`, values of the tree (see
    /// [`Dialect::binds_arrays`]).
    pub(crate) fn push_array(&mut self, items: &[&Value]) -> Result<()> {
        if let Some(slot) = self.replay.as_mut().and_then(Iterator::next) {
            if let Some(r) = &mut self.record {
                r.pending = None;
            }
            self.dialect.write_placeholder(&mut self.sql, slot + 1);
            return Ok(());
        }
        if let Some(r) = &mut self.record {
            r.note_array(items);
        }
        self.recorded(None);
        self.params
            .push(Value::Array(items.iter().map(|v| (*v).clone()).collect()));
        self.dialect
            .write_placeholder(&mut self.sql, self.params.len());
        Ok(())
    }

    /// `CAST(? AS DECIMAL(p, s))` with the decimal's own precision and scale.
    #[cold]
    fn push_decimal_cast(&mut self, d: rust_decimal::Decimal) -> Result<()> {
        let scale = d.scale() as usize;
        let digits = d.mantissa().unsigned_abs().to_string().len();
        let precision = digits.max(scale).max(1);
        self.recorded(None);
        self.params.push(Value::Decimal(d));
        self.sql.push_str("CAST(");
        self.dialect
            .write_placeholder(&mut self.sql, self.params.len());
        self.sql.push_str(" AS DECIMAL(");
        crate::dialect::push_uint(&mut self.sql, precision);
        self.sql.push_str(", ");
        crate::dialect::push_uint(&mut self.sql, scale);
        self.sql.push_str("))");
        Ok(())
    }

    fn push_param(&mut self, name: &Name) -> Result<()> {
        if self.inline {
            self.sql.push(':');
            self.sql.push_str(name);
            return Ok(());
        }
        if let Some(slot) = self.replay.as_mut().and_then(Iterator::next) {
            self.dialect.write_placeholder(&mut self.sql, slot + 1);
            return Ok(());
        }
        self.recorded(Some(cache::Origin::Named));
        self.params.push(Value::Null);
        self.named.push((self.params.len() - 1, name.clone()));
        self.dialect
            .write_placeholder(&mut self.sql, self.params.len());
        Ok(())
    }

    /// For the statement cache: notes that the next parameter is `v` of the tree.
    #[inline]
    pub(crate) fn note(&mut self, v: &Value) {
        if let Some(r) = &mut self.record {
            if r.pending.is_none() {
                r.note_value(v);
            }
        }
    }

    /// For the statement cache: the next parameter comes from `origin`.
    #[inline]
    pub(crate) fn note_origin(&mut self, origin: cache::Origin) {
        if let Some(r) = &mut self.record {
            r.pending = Some(origin);
        }
    }

    /// For the statement cache: `temp` (a node built while writing) stands for the
    /// value at address `tree` in the statement.
    pub(crate) fn note_alias(&mut self, temp: &Node, tree: usize) {
        if let (Some(r), Node::Bind(v)) = (&mut self.record, temp) {
            r.alias(v, tree);
        }
    }

    #[inline]
    fn recorded(&mut self, origin: Option<cache::Origin>) {
        if let Some(r) = &mut self.record {
            let o = origin
                .or_else(|| r.pending.take())
                .unwrap_or(cache::Origin::Unknown);
            r.origins.push(o);
        }
    }

    /// Drops the parameters from `n` on (a part written again).
    pub(crate) fn truncate_params(&mut self, n: usize) {
        self.params.truncate(n);
        if let Some(r) = &mut self.record {
            r.origins.truncate(n);
        }
    }

    /// Appends a literal.
    pub fn push_literal(&mut self, value: &Value) -> Result<()> {
        self.dialect.write_literal(&mut self.sql, value)
    }

    /// Appends a type name.
    pub fn push_type(&mut self, ty: SqlType) {
        self.dialect.write_type(&mut self.sql, ty)
    }

    /// Returns [`Error::Unsupported`] unless the dialect supports `feature`.
    pub fn require(&self, feature: Feature) -> Result<()> {
        if self.dialect.supports(feature) {
            Ok(())
        } else {
            Err(unsupported(self.dialect, feature))
        }
    }

    /// Writes any expression node.
    pub fn write_node(&mut self, node: &Node) -> Result<()> {
        self.node(node)
    }

    /// Standard ` LIMIT x OFFSET y` (either may be absent).
    pub fn default_limit_offset(
        &mut self,
        limit: Option<&Node>,
        offset: Option<&Node>,
    ) -> Result<()> {
        if let Some(l) = limit {
            self.push(" LIMIT ");
            self.node(l)?;
        }
        if let Some(o) = offset {
            self.push(" OFFSET ");
            self.node(o)?;
        }
        Ok(())
    }

    /// Standard column spec: type name, then `NOT NULL` unless nullable.
    pub fn default_column_spec(
        &mut self,
        ty: SqlType,
        nullable: bool,
        _autoincrement: bool,
    ) -> Result<()> {
        self.push_type(ty);
        if !nullable {
            self.push(" NOT NULL");
        }
        Ok(())
    }
}

/// Whether an expression is known to be a decimal (a NUMERIC column, a decimal value,
/// a cast to NUMERIC, or arithmetic and aggregates over one), for dialects that store
/// decimals in a float or an integer and must write some operations apart.
pub(crate) fn decimal_typed(n: &Node) -> bool {
    walk::decimal_typed_at(n, 0)
}
