//! [`Row`]: one fetched row, read by index or name into Rust values or, through
//! serde, into a `Deserialize` struct whose fields are matched to columns by name.

use super::de::{Cell, Cells, DeError};
use crate::error::{Error, Result};
use crate::name::Name;
use crate::value::{FromValue, Value};
use serde::de;
use std::fmt;
use std::sync::Arc;

/// One row of a result. Column names are shared by every row of a result set.
#[derive(Clone, PartialEq)]
pub struct Row {
    pub(crate) columns: Arc<[Name]>,
    pub(crate) values: Vec<Value>,
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (c, v) in self.columns.iter().zip(&self.values) {
            m.entry(&c.as_str(), v);
        }
        m.finish()
    }
}

/// A column position or name, for [`Row::get`].
pub trait RowIndex: fmt::Display {
    /// The position of the column in `row`.
    fn index_in(&self, row: &Row) -> Option<usize>;
}
impl RowIndex for usize {
    fn index_in(&self, row: &Row) -> Option<usize> {
        (*self < row.values.len()).then_some(*self)
    }
}
impl RowIndex for &str {
    fn index_in(&self, row: &Row) -> Option<usize> {
        row.columns.iter().position(|c| c.as_str() == *self)
    }
}

impl Row {
    /// A row from column names and values, one value per name.
    ///
    /// ```
    /// use sqlkit::prelude::*;
    /// let names: std::sync::Arc<[sqlkit::Name]> = vec!["id".into()].into();
    /// assert!(Row::new(names.clone(), vec![Value::Int(1)]).is_ok());
    /// assert!(Row::new(names, vec![]).is_err());
    /// ```
    pub fn new(columns: Arc<[Name]>, values: Vec<Value>) -> Result<Self> {
        if columns.len() != values.len() {
            return Err(Error::decode(
                "#row",
                format!("{} names for {} values", columns.len(), values.len()),
            ));
        }
        Ok(Row { columns, values })
    }
    /// The value of a column converted to `T`: by position (`row.get::<i64, _>(0)`) or
    /// by name (`row.get::<String, _>("email")`). An unknown column or a value of
    /// another type is an error naming the column.
    ///
    /// ```
    /// # use sqlkit::prelude::*;
    /// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
    /// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
    /// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
    /// # conn.execute(&CreateTable::new(&t))?;
    /// # conn.execute(&insert(&t).columns(["name"]).rows([["rust"], ["sql"], ["orm"]]))?;
    /// let row = conn.query_one(&select((t.c("id")?, t.c("name")?)).where_(t.c("id")?.eq(2)))?;
    /// assert_eq!(row.get::<i64, _>(0)?, 2);
    /// assert_eq!(row.get::<String, _>("name")?, "sql");
    /// assert_eq!(row.columns().len(), 2);
    /// assert_eq!(row.values()[1], Value::Text("sql".into()));
    /// assert!(row.get::<i64, _>("nope").is_err()); // names the column
    /// #[derive(serde::Deserialize)]
    /// struct Tag { id: i64, name: String }
    /// let tag: Tag = row.deserialize()?;
    /// assert_eq!((tag.id, tag.name.as_str()), (2, "sql"));
    /// # Ok::<(), sqlkit::Error>(())
    /// ```
    pub fn get<T: FromValue, I: RowIndex>(&self, idx: I) -> Result<T> {
        let i = idx.index_in(self).ok_or_else(|| Error::UnknownColumn {
            table: "the result row".into(),
            column: idx.to_string().into(),
        })?;
        let value = self.values.get(i).cloned().unwrap_or(Value::Null);
        T::from_value(value, self.columns.get(i).map_or("", |n| n))
    }
    /// The raw value of a column.
    pub fn value<I: RowIndex>(&self, idx: I) -> Option<&Value> {
        idx.index_in(self).and_then(|i| self.values.get(i))
    }
    /// The column names.
    pub fn columns(&self) -> &[Name] {
        &self.columns
    }
    /// The values, in column order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }
    /// The values, owned.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }
    /// The number of columns.
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// `true` when the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// Maps the row into a serde `Deserialize` struct (fields matched to columns by
    /// name), a tuple (by position), or a single value (the first column).
    pub fn deserialize<T: de::DeserializeOwned>(&self) -> Result<T> {
        super::de::from_cells(self)
    }
}

impl Cells for Row {
    fn len(&self) -> usize {
        self.values.len()
    }
    fn name(&self, i: usize) -> &str {
        self.columns.get(i).map_or("", |n| n)
    }
    fn cell(&self, i: usize) -> Result<Cell<'_>, DeError> {
        self.values
            .get(i)
            .map(Cell::Value)
            .ok_or_else(|| DeError(format!("the row has no column #{i}")))
    }
}
