//! [`Insert`], [`Update`], [`Delete`]: data-changing statements, with client-side
//! defaults and on-update values applied at compile time, and `RETURNING`.

use super::lists::{AsColumn, AsTable, ColumnList, IntoRow, SelectList};
use super::select::SelectItem;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::expr::{kinds, IntoOperand, Node};
use crate::schema::{SqlType, Table};
use crate::value::{text_format, Value};

/// An `INSERT` statement: one row, many rows in one statement, or serde records.
///
/// ```
/// use sqlkit::prelude::*;
/// # let users = Table::builder("users")
/// #   .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
/// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
/// let q = insert(&users).columns(["name"]).row(["ann"]).row(["bob"]);
/// assert_eq!(q.compile(&Postgres::default())?.sql,
///            "INSERT INTO users (name) VALUES ($1), ($2)");
/// # Ok::<(), sqlkit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Insert {
    pub(crate) table: Table,
    pub(crate) columns: Vec<u32>,
    // The rows' values, row after row, `columns.len()` to a row (one allocation for
    // the whole statement).
    pub(crate) values: Vec<Node>,
    pub(crate) nrows: usize,
    pub(crate) default_values: bool,
    pub(crate) returning: Vec<SelectItem>,
    pub(crate) conflict: Option<Box<Conflict>>,
    pub(crate) error: Option<std::sync::Arc<Error>>,
    // INSERT .. SELECT: the rows come from this query, for `columns`.
    pub(crate) select: Option<Box<crate::stmt::Select>>,
}

/// An upsert's conflict target and what to do on a conflict.
#[derive(Debug, Clone, Default)]
pub(crate) struct Conflict {
    /// The unique key's columns (not written on MySQL, where any unique key counts).
    pub(crate) target: Vec<u32>,
    /// `DO UPDATE SET column = value`; empty means `DO NOTHING`.
    pub(crate) sets: Vec<(u32, Node)>,
    /// `DO UPDATE SET .. WHERE condition` (not on MySQL/MariaDB).
    pub(crate) where_: Option<Node>,
}

/// `INSERT INTO table ..`
pub fn insert(table: impl AsTable) -> Insert {
    Insert {
        table: table.as_table(),
        columns: Vec::new(),
        values: Vec::new(),
        nrows: 0,
        default_values: false,
        returning: Vec::new(),
        conflict: None,
        error: None,
        select: None,
    }
}

fn keep_first(slot: &mut Option<std::sync::Arc<Error>>, r: Result<()>) {
    if let (None, Err(e)) = (&slot, r) {
        *slot = Some(std::sync::Arc::new(e));
    }
}

impl Insert {
    /// Sets one column of a single-row insert.
    pub fn value<C, V>(mut self, column: C, value: V) -> Self
    where
        C: AsColumn,
        V: IntoOperand<C::Kind>,
    {
        let r = self.set_value(&column, value.into_node());
        keep_first(&mut self.error, r);
        self
    }
    fn set_value<C: AsColumn>(&mut self, column: &C, node: Node) -> Result<()> {
        let idx = column.column_in(&self.table)?;
        if self.nrows > 1 {
            return Err(Error::invalid(
                "INSERT",
                "value() sets a column of a single-row insert; this one has several rows",
            ));
        }
        self.nrows = 1;
        match self
            .columns
            .iter()
            .position(|&c| c == idx)
            .and_then(|p| self.values.get_mut(p))
        {
            Some(slot) => *slot = node,
            None => {
                self.columns.push(idx);
                self.values.push(node);
            }
        }
        Ok(())
    }
    /// The column list of a multi-row insert; follow with [`row`](Self::row).
    pub fn columns(mut self, columns: impl ColumnList) -> Self {
        if self.nrows > 0 {
            let r = Err(Error::invalid(
                "INSERT",
                "columns() must come before the rows it names",
            ));
            keep_first(&mut self.error, r);
            return self;
        }
        match columns.columns_in(&self.table) {
            Ok(c) => self.columns = c,
            Err(e) => keep_first(&mut self.error, Err(e)),
        }
        self
    }
    /// One row of values for the columns given to [`columns`](Self::columns); every
    /// row must have exactly as many values.
    pub fn row(mut self, row: impl IntoRow) -> Self {
        self.push_row(row);
        self
    }

    fn push_row(&mut self, row: impl IntoRow) {
        let start = self.values.len();
        row.push_row(&mut self.values);
        let n = self.values.len() - start;
        if n != self.columns.len() {
            self.values.truncate(start);
            let r = Err(Error::invalid(
                "INSERT",
                format!(
                    "row {} has {n} values but {} columns were named",
                    self.nrows + 1,
                    self.columns.len()
                ),
            ));
            keep_first(&mut self.error, r);
            return;
        }
        self.nrows += 1;
    }
    /// Many rows at once (see [`row`](Self::row)).
    pub fn rows<R: IntoRow>(mut self, rows: impl IntoIterator<Item = R>) -> Self {
        let rows = rows.into_iter();
        self.values
            .reserve(rows.size_hint().0.saturating_mul(self.columns.len()));
        for row in rows {
            self.push_row(row);
        }
        self
    }
    /// One row from a serde `Serialize` struct (or map): each field sets the column of
    /// the same name. A `None` for the autoincrement column or a column with a default
    /// is left out, so the key or default applies. A field that names no column is an
    /// error.
    pub fn record<T: serde::Serialize + ?Sized>(self, record: &T) -> Self {
        self.records(std::iter::once(record))
    }
    /// Many rows from serde records (see [`record`](Self::record)).
    pub fn records<'a, T, I>(mut self, records: I) -> Self
    where
        T: serde::Serialize + ?Sized + 'a,
        I: IntoIterator<Item = &'a T>,
    {
        let r = self.add_records(records);
        keep_first(&mut self.error, r);
        self
    }
    fn add_records<'a, T, I>(&mut self, records: I) -> Result<()>
    where
        T: serde::Serialize + ?Sized + 'a,
        I: IntoIterator<Item = &'a T>,
    {
        let mut maps = Vec::new();
        for rec in records {
            let map = super::record::json_object(rec)?;
            let def = self.table.def();
            let mut row: Vec<(u32, Value)> = Vec::with_capacity(map.len());
            for (k, v) in map {
                let no_column = || Error::Encode {
                    field: k.clone().into(),
                    reason: format!("table `{}` has no column of that name", def.name()).into(),
                };
                let idx = def.column_index(&k).ok_or_else(no_column)?;
                let col = def.columns().get(idx).ok_or_else(no_column)?;
                let skippable = def.autoincrement_column() == Some(idx)
                    || col.default.is_some()
                    || col.server_default.is_some();
                if v.is_null() && skippable {
                    continue;
                }
                row.push((idx as u32, json_to_value(v, col.sql_type(), col.name())?));
            }
            maps.push(row);
        }
        if self.nrows > 0 || maps.is_empty() {
            if maps.is_empty() {
                return Ok(());
            }
            return Err(Error::invalid(
                "INSERT",
                "records() cannot be mixed with value()/row() in one statement",
            ));
        }
        let mut columns: Vec<u32> = Vec::new();
        for m in &maps {
            for (c, _) in m {
                if !columns.contains(c) {
                    columns.push(*c);
                }
            }
        }
        for m in maps {
            let mut row = Vec::with_capacity(columns.len());
            for c in &columns {
                match m.iter().find(|(k, _)| k == c) {
                    Some((_, v)) => row.push(Node::Bind(v.clone())),
                    None => {
                        let Some(col) = self.table.def().columns().get(*c as usize) else {
                            return Err(Error::invalid("INSERT", "a record names no column"));
                        };
                        match &col.default {
                            Some(d) => row.push(d.node()),
                            None if col.server_default.is_none()
                                && self.table.def().autoincrement_column() != Some(*c as usize) =>
                            {
                                row.push(Node::Bind(Value::Null))
                            }
                            None => {
                                return Err(Error::invalid(
                                    "INSERT",
                                    format!(
                                        "records disagree on whether they set `{}`, which has a server-side default",
                                        col.name()
                                    ),
                                ))
                            }
                        }
                    }
                }
            }
            self.values.extend(row);
            self.nrows += 1;
        }
        self.columns = columns;
        Ok(())
    }
    /// Inserts one row of defaults only (`DEFAULT VALUES`): must be asked for, since an
    /// insert without values is otherwise an error.
    pub fn default_values(mut self) -> Self {
        self.default_values = true;
        self
    }
    /// `RETURNING ..` (PostgreSQL, SQLite 3.35+, MariaDB 10.5+; refused on MySQL).
    pub fn returning(mut self, items: impl SelectList) -> Self {
        items.push_items(&mut self.returning);
        self
    }

    /// This one-row insert with its row written `k` times (for batched execution);
    /// `None` for anything else.
    /// Compiles the INSERT so that it returns its auto-increment key (RETURNING), for
    /// [`Connection::insert_keys`](crate::engine::Connection::insert_keys).
    // Used by the connection layer only.
    #[cfg_attr(
        not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
        allow(dead_code)
    )]
    pub(crate) fn compile_with_key(&self, dialect: &dyn Dialect) -> Result<crate::Compiled> {
        let mut c = crate::compile::Compiler::new(dialect, false);
        c.implicit_returning = true;
        c.insert(self)?;
        c.finish(true)
    }

    /// Whether [`repeated`](Self::repeated) can make a multi-row form of this INSERT.
    // Used by the connection layer only.
    #[cfg_attr(
        not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
        allow(dead_code)
    )]
    pub(crate) fn can_repeat(&self) -> bool {
        self.nrows == 1 && !self.default_values && self.returning.is_empty() && self.error.is_none()
    }

    /// The rows `start..end` of a multi-row INSERT of values, as an INSERT of their
    /// own (the connection splits one too large for the dialect's parameter limit).
    #[cfg_attr(
        not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
        allow(dead_code)
    )]
    pub(crate) fn rows_slice(&self, start: usize, end: usize) -> Option<Insert> {
        let w = self.columns.len();
        if self.select.is_some() || self.default_values || self.error.is_some() || w == 0 {
            return None;
        }
        let values = self
            .values
            .get(start * w..end.min(self.nrows) * w)?
            .to_vec();
        Some(Insert {
            table: self.table.clone(),
            columns: self.columns.clone(),
            nrows: values.len() / w,
            values,
            default_values: false,
            returning: self.returning.clone(),
            conflict: self.conflict.clone(),
            error: None,
            select: None,
        })
    }

    /// The number of rows of values.
    #[cfg_attr(
        not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
        allow(dead_code)
    )]
    pub(crate) fn row_count(&self) -> usize {
        self.nrows
    }

    // Used by the connection layer only.
    #[cfg_attr(
        not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
        allow(dead_code)
    )]
    pub(crate) fn repeated(&self, k: usize) -> Option<Insert> {
        if !self.can_repeat() {
            return None;
        }
        let mut values = Vec::with_capacity(self.values.len() * k);
        for _ in 0..k {
            values.extend_from_slice(&self.values);
        }
        Some(Insert {
            table: self.table.clone(),
            columns: self.columns.clone(),
            values,
            nrows: k,
            default_values: false,
            returning: Vec::new(),
            conflict: self.conflict.clone(),
            error: None,
            select: None,
        })
    }

    /// Makes the insert an upsert: a row that conflicts with an existing one on the
    /// unique key `target` (columns of a primary key or unique constraint) is not an
    /// error. Follow with [`do_nothing`](Self::do_nothing) (the default) or
    /// [`do_update`](Self::do_update). On MySQL/MariaDB the target is not written:
    /// `ON DUPLICATE KEY UPDATE` fires on a conflict with any unique key.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// # #[derive(sqlkit::Table)] #[sqlkit(table = "tags")]
    /// # struct Tag { #[sqlkit(primary_key)] id: i64, #[sqlkit(unique)] name: String }
    /// let t = Tag::table();
    /// let q = insert(t).value(t.name, "rust").on_conflict([t.name]).do_nothing();
    /// assert_eq!(q.compile(&Sqlite::default())?.sql,
    ///     "INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING");
    /// assert_eq!(q.compile(&Mysql::mariadb())?.sql,
    ///     "INSERT INTO tags (name) VALUES (?) ON DUPLICATE KEY UPDATE name = name");
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn on_conflict(mut self, target: impl ColumnList) -> Self {
        match target.columns_in(&self.table) {
            Ok(target) => {
                self.conflict = Some(Box::new(Conflict {
                    target,
                    sets: Vec::new(),
                    where_: None,
                }))
            }
            Err(e) => keep_first(&mut self.error, Err(e)),
        }
        self
    }

    /// On a conflict, keep the existing row (`DO NOTHING`; on MySQL/MariaDB a no-op
    /// `ON DUPLICATE KEY UPDATE key = key`, since `INSERT IGNORE` would also hide other
    /// errors). Undoes earlier [`do_update`](Self::do_update)s.
    pub fn do_nothing(mut self) -> Self {
        match &mut self.conflict {
            Some(c) => c.sets.clear(),
            None => keep_first(&mut self.error, Err(no_conflict())),
        }
        self
    }

    /// On a conflict, `SET column = value` on the existing row; repeated calls set more
    /// columns. The value may use the existing row's columns (`views + 1`) and
    /// [`excluded(column)`](crate::expr::excluded), the value this insert proposed.
    pub fn do_update<C, V>(mut self, column: C, value: V) -> Self
    where
        C: AsColumn,
        V: IntoOperand<C::Kind>,
    {
        let idx = column.column_in(&self.table);
        match (&mut self.conflict, idx) {
            (Some(c), Ok(idx)) => {
                let node = value.into_node();
                match c.sets.iter_mut().find(|(col, _)| *col == idx) {
                    Some(slot) => slot.1 = node,
                    None => c.sets.push((idx, node)),
                }
            }
            (None, _) => keep_first(&mut self.error, Err(no_conflict())),
            (_, Err(e)) => keep_first(&mut self.error, Err(e)),
        }
        self
    }
}

impl Insert {
    /// With [`do_update`](Self::do_update): update the existing row only where
    /// `condition` holds (`ON CONFLICT .. DO UPDATE SET .. WHERE ..`). MySQL and
    /// MariaDB cannot express it, and the statement is refused there rather than run
    /// without the condition.
    pub fn do_update_where(mut self, condition: impl IntoOperand<kinds::Bool>) -> Self {
        match &mut self.conflict {
            Some(c) => crate::stmt::select::and_into(&mut c.where_, condition.into_node()),
            None => keep_first(&mut self.error, Err(no_conflict())),
        }
        self
    }

    /// `INSERT INTO table (columns) SELECT ..`: the rows the query returns, one value
    /// per named column (SQLAlchemy's `from_select`). Columns with a client-side
    /// default that are not named get it as an extra selected value; a query whose
    /// width differs from the columns is refused when compiled.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// # let t = Table::builder("archive").column(ColumnDef::new("id", SqlType::BigInt)).build()?;
    /// # let s = Table::builder("posts").column(ColumnDef::new("id", SqlType::BigInt))
    /// #   .column(ColumnDef::new("views", SqlType::BigInt)).build()?;
    /// let q = insert(t.clone()).from_select(["id"], select(s.c("id")?).where_(s.c("views")?.lt(5)));
    /// assert_eq!(q.compile(&Postgres::default())?.sql,
    ///     "INSERT INTO archive (id) SELECT posts.id FROM posts WHERE posts.views < $1");
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn from_select(mut self, columns: impl ColumnList, query: crate::stmt::Select) -> Self {
        match columns.columns_in(&self.table) {
            Ok(cols) => {
                self.columns = cols;
                self.values.clear();
                self.nrows = 0;
                self.select = Some(Box::new(query));
            }
            Err(e) => keep_first(&mut self.error, Err(e)),
        }
        self
    }
}

fn no_conflict() -> Error {
    Error::invalid(
        "INSERT",
        "do_nothing()/do_update() need on_conflict(target) first",
    )
}

/// Converts a serde JSON value to the [`Value`] a column of type `ty` stores.
pub(crate) fn json_to_value(v: serde_json::Value, ty: SqlType, column: &str) -> Result<Value> {
    use serde_json::Value as J;
    let bad = |what: &str| Error::Encode {
        field: column.into(),
        reason: format!("cannot store {what} in a {ty:?} column").into(),
    };
    Ok(match (v, ty) {
        (J::Null, _) => Value::Null,
        (v, SqlType::Json) => Value::Json(v),
        (J::Bool(b), _) => Value::Bool(b),
        (J::Number(n), SqlType::Float | SqlType::Double) => {
            let f = n.as_f64().ok_or_else(|| bad("a number"))?;
            // An integer beyond 2^53 would be rounded on the way to a float.
            let exact = match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => f as i64 == i && i != i64::MAX,
                (None, Some(u)) => f as u64 == u && u != u64::MAX,
                _ => true,
            };
            if !exact {
                return Err(bad("an integer a float cannot hold exactly"));
            }
            Value::Float(f)
        }
        (J::Number(n), SqlType::Numeric { .. }) => Value::Decimal(
            text_format::parse_decimal(&n.to_string())
                .ok_or_else(|| bad("a number Decimal cannot hold exactly"))?,
        ),
        (J::Number(n), _) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Value::Int(i),
            (None, Some(_), _) => return Err(bad("an integer above 2^63 - 1")),
            (None, None, Some(f)) if !ty.is_integer() => Value::Float(f),
            (None, None, Some(f)) => Value::Int(
                crate::value::exact_i64(f).ok_or_else(|| bad("a number with a fraction"))?,
            ),
            _ => return Err(bad("a number with a fraction")),
        },
        (J::String(s), t) => {
            let parsed = match t {
                SqlType::Numeric { .. } => text_format::parse_decimal(&s).map(Value::Decimal),
                SqlType::Date => text_format::parse_date(&s).map(Value::Date),
                SqlType::Time => text_format::parse_time(&s).map(Value::Time),
                SqlType::DateTime => text_format::parse_datetime(&s).map(Value::DateTime),
                SqlType::Timestamp => text_format::parse_timestamp(&s).map(Value::Timestamp),
                SqlType::Uuid => uuid::Uuid::parse_str(&s).ok().map(Value::Uuid),
                _ => return Ok(Value::Text(s.into())),
            };
            // The message names the column and its type, never the value.
            parsed.ok_or_else(|| bad("this text"))?
        }
        (J::Array(a), SqlType::Bytes) => Value::Bytes(
            a.into_iter()
                .map(|x| x.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| bad("an array that is not bytes"))?
                .into(),
        ),
        (J::Array(_) | J::Object(_), _) => return Err(bad("a nested value")),
    })
}

/// An `UPDATE` statement. Columns with an on-update value (`updated_at`) that the
/// statement does not set are set to it.
#[derive(Debug, Clone)]
pub struct Update {
    pub(crate) table: Table,
    pub(crate) sets: Vec<(u32, Node)>,
    pub(crate) where_: Option<Node>,
    pub(crate) returning: Vec<SelectItem>,
    pub(crate) error: Option<std::sync::Arc<Error>>,
}

/// `UPDATE table SET ..`
pub fn update(table: impl AsTable) -> Update {
    Update {
        table: table.as_table(),
        // Every UPDATE sets something: allocate once, not through the growth path.
        sets: Vec::with_capacity(4),
        where_: None,
        returning: Vec::new(),
        error: None,
    }
}

impl Update {
    /// `SET column = value`; the value may be an expression (`views + 1`).
    pub fn set<C, V>(mut self, column: C, value: V) -> Self
    where
        C: AsColumn,
        V: IntoOperand<C::Kind>,
    {
        match column.column_in(&self.table) {
            Ok(idx) => {
                let node = value.into_node();
                match self.sets.iter_mut().find(|(c, _)| *c == idx) {
                    Some(slot) => slot.1 = node,
                    None => self.sets.push((idx, node)),
                }
            }
            Err(e) => keep_first(&mut self.error, Err(e)),
        }
        self
    }
    /// `WHERE condition`; repeated calls AND together.
    pub fn where_(mut self, condition: impl IntoOperand<kinds::Bool>) -> Self {
        super::select::and_into(&mut self.where_, condition.into_node());
        self
    }
    /// Synonym of [`where_`](Self::where_).
    pub fn filter(self, condition: impl IntoOperand<kinds::Bool>) -> Self {
        self.where_(condition)
    }
    /// `RETURNING ..` (PostgreSQL, SQLite 3.35+; refused on MySQL and MariaDB).
    pub fn returning(mut self, items: impl SelectList) -> Self {
        items.push_items(&mut self.returning);
        self
    }
}

/// A `DELETE` statement.
#[derive(Debug, Clone)]
pub struct Delete {
    pub(crate) table: Table,
    pub(crate) where_: Option<Node>,
    pub(crate) returning: Vec<SelectItem>,
}

/// `DELETE FROM table`
pub fn delete(table: impl AsTable) -> Delete {
    Delete {
        table: table.as_table(),
        where_: None,
        returning: Vec::new(),
    }
}

impl Delete {
    /// `WHERE condition`; repeated calls AND together.
    pub fn where_(mut self, condition: impl IntoOperand<kinds::Bool>) -> Self {
        super::select::and_into(&mut self.where_, condition.into_node());
        self
    }
    /// Synonym of [`where_`](Self::where_).
    pub fn filter(self, condition: impl IntoOperand<kinds::Bool>) -> Self {
        self.where_(condition)
    }
    /// `RETURNING ..` (PostgreSQL, SQLite 3.35+, MariaDB 10.5+; refused on MySQL).
    pub fn returning(mut self, items: impl SelectList) -> Self {
        items.push_items(&mut self.returning);
        self
    }
}
