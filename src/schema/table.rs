//! Tables and their parts: [`TableDef`] (the definition), [`Table`] (a cheap handle,
//! optionally aliased), [`ColumnDef`], keys, constraints and indexes.

use super::SqlType;
use crate::error::{Error, Result};
use crate::expr::{Any, Expr, Node, SqlTy};
use crate::name::Name;
use crate::value::Value;
use std::fmt;
use std::sync::Arc;

/// A client-side default or on-update value: computed when an INSERT (or UPDATE) does
/// not set the column.
#[derive(Clone)]
pub enum Default {
    /// A fixed value, bound as a parameter.
    Value(Value),
    /// A SQL expression rendered into the statement (e.g. `func::now()`).
    Expr(Node),
    /// A Rust function called each time a statement is compiled (e.g. `Utc::now`).
    Func(fn() -> Value),
}

impl fmt::Debug for Default {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Default::Value(v) => write!(f, "Value({v:?})"),
            Default::Expr(n) => write!(f, "Expr({n:?})"),
            Default::Func(_) => f.write_str("Func(..)"),
        }
    }
}

impl Default {
    pub(crate) fn node(&self) -> Node {
        match self {
            Default::Value(v) => Node::Bind(v.clone()),
            Default::Expr(n) => n.clone(),
            Default::Func(f) => Node::Bind(f()),
        }
    }
}

/// The referential action of a foreign key (`ON DELETE` / `ON UPDATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FkAction {
    /// `CASCADE`
    Cascade,
    /// `SET NULL`
    SetNull,
    /// `SET DEFAULT`
    SetDefault,
    /// `RESTRICT`
    Restrict,
    /// `NO ACTION`
    NoAction,
}

impl FkAction {
    /// The SQL keywords of the action.
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
            FkAction::Restrict => "RESTRICT",
            FkAction::NoAction => "NO ACTION",
        }
    }
}

/// A foreign key: local columns referencing columns of a table named by string, so
/// the referenced table may be declared later; [`MetaData`](super::MetaData) checks it.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub(crate) name: Option<Name>,
    pub(crate) columns: Vec<Name>,
    pub(crate) ref_table: Name,
    pub(crate) ref_columns: Vec<Name>,
    pub(crate) on_delete: Option<FkAction>,
    pub(crate) on_update: Option<FkAction>,
}

impl ForeignKey {
    /// `FOREIGN KEY (columns) REFERENCES ref_table (ref_columns)`.
    pub fn new<C, R>(columns: C, ref_table: impl Into<Name>, ref_columns: R) -> Self
    where
        C: IntoIterator,
        C::Item: Into<Name>,
        R: IntoIterator,
        R::Item: Into<Name>,
    {
        ForeignKey {
            name: None,
            columns: columns.into_iter().map(Into::into).collect(),
            ref_table: ref_table.into(),
            ref_columns: ref_columns.into_iter().map(Into::into).collect(),
            on_delete: None,
            on_update: None,
        }
    }
    /// Sets `ON DELETE`.
    pub fn on_delete(mut self, action: FkAction) -> Self {
        self.on_delete = Some(action);
        self
    }
    /// Sets `ON UPDATE`.
    pub fn on_update(mut self, action: FkAction) -> Self {
        self.on_update = Some(action);
        self
    }
    /// Overrides the generated constraint name.
    pub fn named(mut self, name: impl Into<Name>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// The local columns.
    pub fn columns(&self) -> &[Name] {
        &self.columns
    }
    /// The referenced table's name.
    pub fn ref_table(&self) -> &str {
        &self.ref_table
    }
    /// The referenced columns.
    pub fn ref_columns(&self) -> &[Name] {
        &self.ref_columns
    }
}

/// A `UNIQUE` constraint over one or more columns.
#[derive(Debug, Clone)]
pub struct UniqueConstraint {
    pub(crate) name: Option<Name>,
    pub(crate) columns: Vec<Name>,
}

/// A `CHECK` constraint: a name and a SQL condition written by the schema's author
/// (trusted text, like SQLAlchemy's `CheckConstraint("views >= 0")`).
#[derive(Debug, Clone)]
pub struct CheckConstraint {
    pub(crate) name: Name,
    pub(crate) sql: Name,
    // The name is the constraint's whole name, not `ck_<table>_<name>`.
    pub(crate) full: bool,
}

impl UniqueConstraint {
    /// The constraint's name, when it has one of its own.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// The columns, in order.
    pub fn columns(&self) -> &[Name] {
        &self.columns
    }
}

impl CheckConstraint {
    /// The name (written `ck_<table>_<name>`, unless [`is_full_name`](Self::is_full_name)).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Whether [`name`](Self::name) is the constraint's whole name (as reflection finds
    /// one not named `ck_<table>_..`), written as it is.
    pub fn is_full_name(&self) -> bool {
        self.full
    }
    /// The constraint's name in table `table`.
    pub fn constraint_name(&self, table: &str) -> String {
        if self.full {
            self.name.to_string()
        } else {
            constraint_name("ck", table, &[], Some(&self.name))
        }
    }
    /// The condition's SQL text.
    pub fn sql(&self) -> &str {
        &self.sql
    }
}

impl ForeignKey {
    /// `ON DELETE`, when given.
    pub fn delete_action(&self) -> Option<FkAction> {
        self.on_delete
    }
    /// `ON UPDATE`, when given.
    pub fn update_action(&self) -> Option<FkAction> {
        self.on_update
    }
}

/// An index over one or more columns.
#[derive(Debug, Clone)]
pub struct Index {
    pub(crate) name: Option<Name>,
    pub(crate) table: Name,
    pub(crate) columns: Vec<Name>,
    pub(crate) unique: bool,
    pub(crate) where_: Option<Name>,
}

impl Index {
    /// The index name: the given one or `ix_<table>_<columns>`.
    pub fn name(&self) -> String {
        match &self.name {
            Some(n) => n.to_string(),
            None => constraint_name("ix", &self.table, &self.columns, None),
        }
    }
    /// The indexed columns.
    pub fn columns(&self) -> &[Name] {
        &self.columns
    }
    /// `true` for a unique index.
    pub fn is_unique(&self) -> bool {
        self.unique
    }
    /// The predicate of a partial index (`WHERE deleted_at IS NULL`), as trusted SQL.
    pub fn where_sql(&self) -> Option<&str> {
        self.where_.as_deref()
    }
}

/// The definition of one column.
#[derive(Debug, Clone)]
pub struct ColumnDef {
    pub(crate) name: Name,
    // Whether the name is written unquoted under the default reserved words (checked
    // once here rather than at every use).
    pub(crate) plain: bool,
    pub(crate) ty: SqlType,
    pub(crate) nullable: Option<bool>,
    pub(crate) primary_key: bool,
    pub(crate) autoincrement: Option<bool>,
    pub(crate) unique: bool,
    pub(crate) index: bool,
    pub(crate) server_default: Option<Node>,
    pub(crate) default: Option<Default>,
    pub(crate) on_update: Option<Default>,
    pub(crate) references: Option<(Name, FkAction, FkAction, bool)>,
    pub(crate) version: bool,
}

impl ColumnDef {
    /// A column named `name` of type `ty`; nullable unless it is part of the primary key.
    pub fn new(name: impl Into<Name>, ty: SqlType) -> Self {
        let name = name.into();
        ColumnDef {
            plain: crate::dialect::plain_identifier(&name),
            name,
            ty,
            nullable: None,
            primary_key: false,
            autoincrement: None,
            unique: false,
            index: false,
            server_default: None,
            default: None,
            on_update: None,
            references: None,
            version: false,
        }
    }
    /// Makes the column the table's version counter (SQLAlchemy's `version_id_col`):
    /// an ORM session's UPDATE sets it one higher and its UPDATE and DELETE match the
    /// row only at the version the session loaded, so a change another transaction
    /// committed in between is never overwritten ([`Error::StaleData`] instead). An
    /// integer column, not part of the key; at most one per table.
    ///
    /// [`Error::StaleData`]: crate::Error::StaleData
    pub fn version(mut self) -> Self {
        self.version = true;
        self
    }
    /// Whether the column is the table's version counter (see [`version`](Self::version)).
    pub fn is_version(&self) -> bool {
        self.version
    }
    /// Makes the column (part of) the primary key.
    pub fn primary_key(mut self) -> Self {
        self.primary_key = true;
        self
    }
    /// `NOT NULL`.
    pub fn not_null(mut self) -> Self {
        self.nullable = Some(false);
        self
    }
    /// Sets whether NULL is allowed.
    pub fn nullable(mut self, nullable: bool) -> Self {
        self.nullable = Some(nullable);
        self
    }
    /// Forces autoincrement on or off. By default a table's single integer primary-key
    /// column autoincrements (identity on PostgreSQL, `AUTO_INCREMENT` on MySQL,
    /// `INTEGER PRIMARY KEY` on SQLite).
    pub fn autoincrement(mut self, on: bool) -> Self {
        self.autoincrement = Some(on);
        self
    }
    /// A single-column `UNIQUE` constraint (`uq_<table>_<column>`); with
    /// [`index`](Self::index), a unique index instead.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
    /// An index on this column (`ix_<table>_<column>`).
    pub fn index(mut self) -> Self {
        self.index = true;
        self
    }
    /// A server-side default: a value rendered as a literal in `DEFAULT`.
    pub fn server_default(mut self, value: impl Into<Value>) -> Self {
        self.server_default = Some(Node::Literal(value.into()));
        self
    }
    /// A server-side default given as an expression, e.g. `func::now()`.
    pub fn server_default_expr<T>(mut self, expr: Expr<T>) -> Self {
        self.server_default = Some(expr.into_node());
        self
    }
    /// A client-side default value, bound when an INSERT does not set the column.
    pub fn default_value(mut self, value: impl Into<Value>) -> Self {
        self.default = Some(Default::Value(value.into()));
        self
    }
    /// A client-side default expression rendered into INSERTs that do not set the column.
    pub fn default_expr<T>(mut self, expr: Expr<T>) -> Self {
        self.default = Some(Default::Expr(expr.into_node()));
        self
    }
    /// A client-side default computed in Rust for each INSERT (e.g. `|| Utc::now().into()`).
    pub fn default_fn(mut self, f: fn() -> Value) -> Self {
        self.default = Some(Default::Func(f));
        self
    }
    /// A value set by every UPDATE that does not set the column itself (`updated_at`).
    pub fn on_update(mut self, default: Default) -> Self {
        self.on_update = Some(default);
        self
    }
    /// Sets any client-side default.
    pub fn default(mut self, default: Default) -> Self {
        self.default = Some(default);
        self
    }
    /// A foreign key to `"table.column"`; the table may be declared later.
    pub fn references(mut self, target: impl Into<Name>) -> Self {
        self.references = Some((target.into(), FkAction::NoAction, FkAction::NoAction, false));
        self
    }
    /// `ON DELETE` of the column's foreign key (see [`references`](Self::references)).
    pub fn on_delete(mut self, action: FkAction) -> Self {
        if let Some(r) = &mut self.references {
            r.1 = action;
            r.3 = true;
        }
        self
    }
    /// `ON UPDATE` of the column's foreign key (see [`references`](Self::references)).
    pub fn on_update_fk(mut self, action: FkAction) -> Self {
        if let Some(r) = &mut self.references {
            r.2 = action;
            r.3 = true;
        }
        self
    }

    /// The column's name.
    #[inline]
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The column's type.
    pub fn sql_type(&self) -> SqlType {
        self.ty
    }
    /// Whether NULL is allowed.
    pub fn is_nullable(&self) -> bool {
        self.nullable.unwrap_or(!self.primary_key)
    }
    /// Whether the column is part of the primary key.
    pub fn is_primary_key(&self) -> bool {
        self.primary_key
    }
    /// The server-side default, if any.
    pub fn server_default_node(&self) -> Option<&Node> {
        self.server_default.as_ref()
    }
    /// The client-side default, if any.
    pub fn client_default(&self) -> Option<&Default> {
        self.default.as_ref()
    }
    /// The on-update value, if any.
    pub fn on_update_value(&self) -> Option<&Default> {
        self.on_update.as_ref()
    }
}

/// The full definition of a table. Reach it through a [`Table`] handle.
#[derive(Debug)]
pub struct TableDef {
    pub(crate) name: Name,
    pub(crate) name_plain: bool,
    pub(crate) schema: Option<Name>,
    pub(crate) columns: Vec<ColumnDef>,
    pub(crate) primary_key: Vec<Name>,
    pub(crate) autoincrement: Option<usize>,
    pub(crate) foreign_keys: Vec<ForeignKey>,
    pub(crate) uniques: Vec<UniqueConstraint>,
    pub(crate) checks: Vec<CheckConstraint>,
    pub(crate) indexes: Vec<Index>,
    pub(crate) opaque: Vec<Opaque>,
}

/// Something a database has in a table that sqlkit does not model, found by
/// reflection: a column of a type it does not map (a MariaDB `ENUM`, an untyped SQLite
/// column), a generated column, an index over expressions. It is kept as it is: a
/// comparison with the models never proposes to drop or alter it, and an operation
/// that would lose it (SQLite's table rebuild) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opaque {
    /// What it is.
    pub kind: OpaqueKind,
    /// Its name.
    pub name: String,
    /// What the database says of it: a column's type, an index's SQL (where the
    /// database gives it).
    pub sql: Option<String>,
}

/// The kinds of [`Opaque`] objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpaqueKind {
    /// A column of a type sqlkit does not map.
    Column,
    /// A generated (computed) column.
    GeneratedColumn,
    /// An index over expressions.
    Index,
}

impl TableDef {
    /// The table name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The schema (PostgreSQL schema, MySQL database), if one was given.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }
    /// The columns in declaration order.
    #[inline]
    pub fn columns(&self) -> &[ColumnDef] {
        &self.columns
    }
    /// The position of the column named `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| *c.name == *name)
    }
    /// The primary-key column names.
    pub fn primary_key(&self) -> &[Name] {
        &self.primary_key
    }
    /// The position of the autoincrementing column, if any.
    pub fn autoincrement_column(&self) -> Option<usize> {
        self.autoincrement
    }
    /// What reflection found in the table that sqlkit does not model (see [`Opaque`]).
    pub fn opaque(&self) -> &[Opaque] {
        &self.opaque
    }
    /// The version counter column's position (see [`ColumnDef::version`]).
    pub fn version_column(&self) -> Option<usize> {
        self.columns.iter().position(|c| c.version)
    }
    /// The foreign keys.
    pub fn foreign_keys(&self) -> &[ForeignKey] {
        &self.foreign_keys
    }
    /// The unique constraints.
    pub fn unique_constraints(&self) -> &[UniqueConstraint] {
        &self.uniques
    }
    /// The check constraints.
    pub fn check_constraints(&self) -> &[CheckConstraint] {
        &self.checks
    }
    /// The indexes.
    pub fn indexes(&self) -> &[Index] {
        &self.indexes
    }
}

#[derive(Clone)]
pub(crate) enum DefRef {
    Static(&'static TableDef),
    Shared(Arc<TableDef>),
}

/// A handle to a table, optionally under an alias. Cloning it is cheap (a pointer copy
/// or an `Arc` increment).
///
/// ```
/// use sqlkit::prelude::*;
/// let users = Table::builder("users")
///     .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
///     .column(ColumnDef::new("email", SqlType::String(255)).not_null())
///     .build()?;
/// let q = select(users.c("email")?).where_(users.c("id")?.eq(1));
/// assert_eq!(
///     q.compile(&Postgres::default())?.sql,
///     "SELECT users.email FROM users WHERE users.id = $1"
/// );
/// assert!(users.c("nope").is_err());
/// # Ok::<(), sqlkit::Error>(())
/// ```
#[derive(Clone)]
pub struct Table {
    pub(crate) def: DefRef,
    pub(crate) alias: Option<Name>,
    // Whether the alias needs no quoting under the default reserved words (checked
    // once here, not at every column the compiler qualifies with it).
    pub(crate) alias_plain: bool,
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.alias {
            Some(a) => write!(f, "Table({} AS {a})", self.def().name),
            None => write!(f, "Table({})", self.def().name),
        }
    }
}

impl Table {
    /// Starts the definition of a table named `name`.
    pub fn builder(name: impl Into<Name>) -> TableBuilder {
        TableBuilder::new(name)
    }
    /// A handle on a definition with `'static` lifetime (used by `#[derive(Table)]`).
    pub fn from_static(def: &'static TableDef) -> Table {
        Table {
            def: DefRef::Static(def),
            alias: None,
            alias_plain: false,
        }
    }
    /// The definition.
    #[inline]
    pub fn def(&self) -> &TableDef {
        match &self.def {
            DefRef::Static(d) => d,
            DefRef::Shared(d) => d,
        }
    }
    /// The table name.
    pub fn name(&self) -> &str {
        &self.def().name
    }
    /// The alias, if this handle is aliased.
    #[inline]
    pub fn alias_name(&self) -> Option<&str> {
        self.alias.as_deref()
    }
    /// The name columns are qualified with: the alias, else the table name.
    pub fn qualifier(&self) -> &str {
        self.alias.as_deref().unwrap_or(self.name())
    }
    /// The same table under an alias (`FROM users AS u2`), for self-joins.
    pub fn alias(&self, alias: impl Into<Name>) -> Table {
        let alias: Name = alias.into();
        Table {
            def: self.def.clone(),
            alias_plain: crate::dialect::plain_identifier(&alias),
            alias: Some(alias),
        }
    }
    /// The column named `name`, untyped; an unknown name is an
    /// [`Error::UnknownColumn`].
    pub fn c(&self, name: &str) -> Result<Expr<Any>> {
        self.column::<Any>(name)
    }
    /// The column named `name` with a result type chosen by the caller.
    pub fn column<T: SqlTy>(&self, name: &str) -> Result<Expr<T>> {
        let idx = self
            .def()
            .column_index(name)
            .ok_or_else(|| Error::UnknownColumn {
                table: format!("table `{}`", self.qualifier()).into(),
                column: name.into(),
            })?;
        Ok(Expr::from_node(self.column_node(idx)))
    }
    /// Every column, untyped, in declaration order.
    pub fn columns(&self) -> Vec<Expr<Any>> {
        (0..self.def().columns.len())
            .map(|i| Expr::from_node(self.column_node(i)))
            .collect()
    }
    pub(crate) fn column_node(&self, idx: usize) -> Node {
        Node::Column(crate::expr::ColumnRef {
            source: crate::expr::Source::Table(self.clone()),
            idx: idx as u32,
        })
    }
    /// Whether this handle is on the static definition `def` (a pointer compare).
    #[inline]
    pub(crate) fn is_static(&self, def: &'static TableDef) -> bool {
        matches!(self.def, DefRef::Static(d) if std::ptr::eq(d, def))
    }
    /// Whether both handles share one definition (the same declared table, or clones
    /// of one built table), whatever their aliases.
    pub(crate) fn same_definition(&self, other: &Table) -> bool {
        match (&self.def, &other.def) {
            (DefRef::Static(a), DefRef::Static(b)) => std::ptr::eq(*a, *b),
            (DefRef::Shared(a), DefRef::Shared(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
    /// Whether both handles name the same table under the same alias.
    pub fn same_as(&self, other: &Table) -> bool {
        if let (DefRef::Static(a), DefRef::Static(b)) = (&self.def, &other.def) {
            if std::ptr::eq(*a, *b) {
                return self.alias == other.alias;
            }
        }
        self.name() == other.name()
            && self.def().schema == other.def().schema
            && self.alias == other.alias
    }
}

/// Builds a [`Table`] at run time; [`build`](TableBuilder::build) checks it.
#[derive(Debug)]
pub struct TableBuilder {
    name: Name,
    schema: Option<Name>,
    columns: Vec<ColumnDef>,
    primary_key: Vec<Name>,
    foreign_keys: Vec<ForeignKey>,
    uniques: Vec<UniqueConstraint>,
    checks: Vec<CheckConstraint>,
    indexes: Vec<IndexParts>,
    opaque: Vec<Opaque>,
}

/// An index as the builder keeps it: name, columns, unique, a partial index's predicate.
type IndexParts = (Option<Name>, Vec<Name>, bool, Option<Name>);

fn names<I>(it: I) -> Vec<Name>
where
    I: IntoIterator,
    I::Item: Into<Name>,
{
    it.into_iter().map(Into::into).collect()
}

impl TableBuilder {
    /// A table named `name`.
    pub fn new(name: impl Into<Name>) -> Self {
        TableBuilder {
            name: name.into(),
            schema: None,
            columns: Vec::new(),
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            opaque: Vec::new(),
        }
    }
    /// Places the table in a schema.
    pub fn schema(mut self, schema: impl Into<Name>) -> Self {
        self.schema = Some(schema.into());
        self
    }
    /// Adds a column.
    pub fn column(mut self, column: ColumnDef) -> Self {
        self.columns.push(column);
        self
    }
    /// A (composite) primary key over the named columns.
    pub fn primary_key<I>(mut self, columns: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Name>,
    {
        self.primary_key = names(columns);
        self
    }
    /// Adds a foreign key.
    pub fn foreign_key(mut self, fk: ForeignKey) -> Self {
        self.foreign_keys.push(fk);
        self
    }
    /// Adds a UNIQUE constraint over the named columns.
    pub fn unique<I>(mut self, columns: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Name>,
    {
        self.uniques.push(UniqueConstraint {
            name: None,
            columns: names(columns),
        });
        self
    }
    /// Adds a CHECK constraint `ck_<table>_<name>` with trusted SQL text. A name
    /// already written whole (`ck_posts_views` on `posts`) is not prefixed again; any
    /// other name starting `ck_` is taken as the constraint's whole name.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// let posts = Table::builder("posts")
    ///     .column(ColumnDef::new("views", SqlType::Integer))
    ///     .check("views", "views >= 0")
    ///     .check("ck_posts_small", "views < 1000000")
    ///     .build()?;
    /// let names: Vec<String> = posts.def().check_constraints().iter()
    ///     .map(|c| c.constraint_name("posts")).collect();
    /// assert_eq!(names, ["ck_posts_views", "ck_posts_small"]);
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn check(mut self, name: impl Into<Name>, sql: impl Into<Name>) -> Self {
        let name: Name = name.into();
        let whole = format!("ck_{}_", self.name);
        let (name, full) = match name.strip_prefix(whole.as_str()) {
            Some(short) if !short.is_empty() => (Name::from(short.to_string()), false),
            _ => {
                let full = name.starts_with("ck_");
                (name, full)
            }
        };
        self.checks.push(CheckConstraint {
            name,
            sql: sql.into(),
            full,
        });
        self
    }
    /// Adds a CHECK constraint named `name` exactly (as reflection finds it).
    pub fn named_check(mut self, name: impl Into<Name>, sql: impl Into<Name>) -> Self {
        self.checks.push(CheckConstraint {
            name: name.into(),
            sql: sql.into(),
            full: true,
        });
        self
    }
    /// Adds a UNIQUE constraint with its own name (as reflection finds it).
    pub fn named_unique<I>(mut self, name: impl Into<Name>, columns: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Name>,
    {
        self.uniques.push(UniqueConstraint {
            name: Some(name.into()),
            columns: names(columns),
        });
        self
    }
    /// Adds an index named `name` (any string, as reflection finds it).
    pub fn named_index<I>(mut self, name: impl Into<Name>, columns: I, unique: bool) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Name>,
    {
        self.indexes
            .push((Some(name.into()), names(columns), unique, None));
        self
    }
    /// Adds a partial index: only the rows where `where_sql` (trusted SQL text, in the
    /// table's own column names) holds are indexed, or for a unique one, must be unique
    /// (`CREATE UNIQUE INDEX .. WHERE deleted_at IS NULL`). PostgreSQL and SQLite have
    /// them; on MySQL and MariaDB creating one is an [`Error::Unsupported`].
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// let users = Table::builder("users")
    ///     .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    ///     .column(ColumnDef::new("email", SqlType::String(200)).not_null())
    ///     .column(ColumnDef::new("deleted_at", SqlType::Timestamp))
    ///     .partial_index("uq_users_live_email", ["email"], true, "deleted_at IS NULL")
    ///     .build()?;
    /// let md = MetaData::from_tables([users.clone()])?;
    /// let mut conn = Engine::from_url("sqlite://?cache=private")?.connect()?;
    /// conn.create_all(&md)?; // CREATE UNIQUE INDEX uq_users_live_email .. WHERE deleted_at IS NULL
    /// conn.execute_sql("INSERT INTO users (id, email, deleted_at) VALUES \
    ///     (1, 'a@x', '2026-01-01 00:00:00'), (2, 'a@x', NULL)", &[])?;
    /// assert!(conn.execute_sql("INSERT INTO users (id, email) VALUES (3, 'a@x')", &[]).is_err());
    /// // MySQL has no partial indexes: refused, typed.
    /// assert!(CreateTable::new(&users).with_indexes().compile(&Mysql::default()).is_err());
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    ///
    /// [`Error::Unsupported`]: crate::Error::Unsupported
    pub fn partial_index<I>(
        mut self,
        name: impl Into<Name>,
        columns: I,
        unique: bool,
        where_sql: impl Into<Name>,
    ) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Name>,
    {
        self.indexes.push((
            Some(name.into()),
            names(columns),
            unique,
            Some(where_sql.into()),
        ));
        self
    }
    /// Adds an index over the named columns; `name: None` generates `ix_<table>_<cols>`.
    pub fn index<I>(mut self, name: Option<&'static str>, columns: I, unique: bool) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Name>,
    {
        self.indexes
            .push((name.map(Name::Static), names(columns), unique, None));
        self
    }

    /// Checks the definition and returns the [`Table`].
    pub fn build(self) -> Result<Table> {
        Ok(Table {
            def: DefRef::Shared(Arc::new(self.build_def()?)),
            alias: None,
            alias_plain: false,
        })
    }

    /// Checks the definition and returns it (for a `static`, as the derive does).
    pub fn build_def(self) -> Result<TableDef> {
        let tname = self.name.clone();
        let err = |m: String| Error::Schema(format!("table `{tname}`: {m}").into());
        if self.columns.is_empty() {
            return Err(err("a table needs at least one column".into()));
        }
        for (i, c) in self.columns.iter().enumerate() {
            if self.columns.iter().take(i).any(|o| o.name == c.name) {
                return Err(err(format!("column `{}` is declared twice", c.name)));
            }
            if c.version && (!c.ty.is_integer() || c.primary_key) {
                return Err(err(format!(
                    "column `{}` cannot be the version counter: it must be an integer outside the primary key",
                    c.name
                )));
            }
            if c.version && self.columns.iter().take(i).any(|o| o.version) {
                return Err(err(format!(
                    "column `{}` is a second version counter: a table has at most one",
                    c.name
                )));
            }
            if c.autoincrement == Some(true) && !c.ty.is_integer() {
                return Err(err(format!(
                    "column `{}` cannot autoincrement: it is not an integer",
                    c.name
                )));
            }
        }
        let mut columns = self.columns;
        let col_pk: Vec<Name> = columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect();
        let primary_key = match (col_pk.is_empty(), self.primary_key.is_empty()) {
            (_, true) => col_pk,
            (true, false) => self.primary_key,
            (false, false) if col_pk == self.primary_key => col_pk,
            (false, false) => {
                return Err(err(
                    "primary key given both on columns and on the table, differently".into(),
                ))
            }
        };
        let check_cols = |columns: &[ColumnDef], cols: &[Name], what: &str| -> Result<()> {
            if cols.is_empty() {
                return Err(err(format!("{what} has no columns")));
            }
            match cols.iter().find(|n| !columns.iter().any(|c| c.name == **n)) {
                Some(n) => Err(err(format!("{what} names unknown column `{n}`"))),
                None => Ok(()),
            }
        };
        if !primary_key.is_empty() {
            check_cols(&columns, &primary_key, "the primary key")?;
        }
        for c in &mut columns {
            if primary_key.contains(&c.name) {
                c.primary_key = true;
            }
        }
        let autoincrement = match primary_key.as_slice() {
            [one] => columns.iter().position(|c| c.name == *one).filter(|&i| {
                columns
                    .get(i)
                    .is_some_and(|c| c.ty.is_integer() && c.autoincrement != Some(false))
            }),
            _ => None,
        };
        if let Some(c) = columns
            .iter()
            .enumerate()
            .find(|(i, c)| c.autoincrement == Some(true) && Some(*i) != autoincrement)
        {
            return Err(err(format!(
                "column `{}` cannot autoincrement: only a single-column integer primary key can",
                c.1.name
            )));
        }
        let mut foreign_keys = Vec::new();
        let mut uniques = Vec::new();
        let mut indexes = Vec::new();
        for c in &columns {
            if let Some((target, on_delete, on_update, explicit)) = &c.references {
                let (table, col) = target.rsplit_once('.').ok_or_else(|| {
                    err(format!(
                        "foreign key of `{}` must name `table.column`, not `{target}`",
                        c.name
                    ))
                })?;
                let mut fk =
                    ForeignKey::new([c.name.clone()], table.to_string(), [col.to_string()]);
                if *explicit {
                    fk.on_delete = Some(*on_delete).filter(|a| *a != FkAction::NoAction);
                    fk.on_update = Some(*on_update).filter(|a| *a != FkAction::NoAction);
                }
                foreign_keys.push(fk);
            }
            match (c.unique, c.index) {
                (true, true) => indexes.push(Index {
                    name: None,
                    table: tname.clone(),
                    columns: vec![c.name.clone()],
                    unique: true,
                    where_: None,
                }),
                (true, false) => uniques.push(UniqueConstraint {
                    name: None,
                    columns: vec![c.name.clone()],
                }),
                (false, true) => indexes.push(Index {
                    name: None,
                    table: tname.clone(),
                    columns: vec![c.name.clone()],
                    unique: false,
                    where_: None,
                }),
                (false, false) => {}
            }
        }
        for fk in self.foreign_keys {
            check_cols(&columns, &fk.columns, "a foreign key")?;
            if fk.columns.len() != fk.ref_columns.len() {
                return Err(err(format!(
                    "a foreign key has {} columns but references {}",
                    fk.columns.len(),
                    fk.ref_columns.len()
                )));
            }
            foreign_keys.push(fk);
        }
        for u in self.uniques {
            check_cols(&columns, &u.columns, "a unique constraint")?;
            uniques.push(u);
        }
        for (name, cols, unique, where_) in self.indexes {
            check_cols(&columns, &cols, "an index")?;
            if where_.as_deref().is_some_and(|w| w.trim().is_empty()) {
                return Err(err("a partial index needs a condition".into()));
            }
            indexes.push(Index {
                name,
                table: tname.clone(),
                columns: cols,
                unique,
                where_,
            });
        }
        // Index names are one namespace per schema on PostgreSQL and SQLite: two alike
        // in one table can never be created.
        for (i, ix) in indexes.iter().enumerate() {
            let name = ix.name();
            if indexes.iter().take(i).any(|o| o.name() == name) {
                return Err(err(format!("two indexes are named `{name}`")));
            }
        }
        Ok(TableDef {
            name_plain: crate::dialect::plain_identifier(&self.name),
            name: self.name,
            schema: self.schema,
            columns,
            primary_key,
            autoincrement,
            foreign_keys,
            uniques,
            checks: self.checks,
            indexes,
            opaque: self.opaque,
        })
    }

    /// Records something the database has in the table that sqlkit does not model
    /// (reflection's use; see [`Opaque`]).
    pub fn opaque(mut self, object: Opaque) -> Self {
        self.opaque.push(object);
        self
    }
}

/// PostgreSQL's identifier limit; MySQL allows 64, SQLite any length.
const MAX_NAME: usize = 63;

/// A deterministic constraint name: `<prefix>_<table>_<col>_<col>[_<extra>]`, shortened
/// past 63 bytes to a prefix plus an 8-hex-digit hash of the whole name, so that
/// migrations can diff constraints by name.
///
/// ```
/// assert_eq!(sqlkit::schema::constraint_name("fk", "posts", &["author_id".into()], Some("users")),
///            "fk_posts_author_id_users");
/// ```
pub fn constraint_name(prefix: &str, table: &str, columns: &[Name], extra: Option<&str>) -> String {
    let mut name = format!("{prefix}_{table}");
    for c in columns {
        name.push('_');
        name.push_str(c);
    }
    if let Some(e) = extra {
        name.push('_');
        name.push_str(e);
    }
    if name.len() <= MAX_NAME {
        return name;
    }
    // FNV-1a: stable across platforms and releases, unlike std's hasher.
    let hash = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let mut cut = MAX_NAME - 9;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash:08x}", &name[..cut])
}
