//! Typed rows in: a struct whose fields are a table's columns, written as one row
//! ([`Record`]), from `#[derive(Table)]` or from any serde `Serialize` struct
//! ([`Serialized`]).

use crate::schema::TableDef;
use crate::value::Value;
use crate::{Error, Result};

/// A row to write into a table: each field sets the column of its name.
/// `#[derive(Table)]` implements it for its struct, both owned (the values move, a
/// `String` is not copied) and borrowed (`&Post`); [`Serialized`] adapts any serde
/// `Serialize` struct or map. Used by
/// [`Connection::insert_many`](crate::engine::Connection::insert_many).
///
/// A hand-written impl is a few lines:
///
/// ```
/// use sqlkit::stmt::{Record, RecordSink};
/// struct NewTag { name: String }
/// impl Record for NewTag {
///     fn write(self, row: &mut RecordSink<'_>) -> sqlkit::Result<()> {
///         row.set("name", self.name)
///     }
/// }
/// ```
pub trait Record {
    /// Sets each column the record holds on `row`.
    fn write(self, row: &mut RecordSink<'_>) -> Result<()>;
}

/// The row a [`Record`] writes into: the values by column of one table, each name
/// checked against the table's columns as it is set.
pub struct RecordSink<'a> {
    table: &'a TableDef,
    values: &'a mut [Option<Value>],
    /// Where the previous name was found: records set columns in the same order
    /// every row, so the next one is usually the next column.
    hint: usize,
}

impl<'a> RecordSink<'a> {
    // Used by the connection layer only.
    #[cfg_attr(
        not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
        allow(dead_code)
    )]
    pub(crate) fn new(table: &'a TableDef, values: &'a mut [Option<Value>]) -> Self {
        RecordSink {
            table,
            values,
            hint: 0,
        }
    }

    /// The table the row is for.
    pub fn table(&self) -> &TableDef {
        self.table
    }

    fn index(&mut self, column: &str) -> Result<usize> {
        let cols = self.table.columns();
        let idx = match cols.get(self.hint) {
            Some(c) if c.name() == column => self.hint,
            _ => self
                .table
                .column_index(column)
                .ok_or_else(|| Error::Encode {
                    field: column.to_owned().into(),
                    reason: format!("table `{}` has no column of that name", self.table.name())
                        .into(),
                })?,
        };
        self.hint = idx + 1;
        Ok(idx)
    }

    /// Sets `column` to `value`. A name that is not a column of the table, or a column
    /// set twice, is an error.
    pub fn set(&mut self, column: &str, value: impl Into<Value>) -> Result<()> {
        let idx = self.index(column)?;
        let slot = self.values.get_mut(idx).ok_or_else(|| lost(column))?;
        if slot.is_some() {
            return Err(Error::Encode {
                field: column.to_owned().into(),
                reason: "the record sets this column twice".into(),
            });
        }
        *slot = Some(value.into());
        Ok(())
    }

    /// Sets `column` from a JSON value, converted by the column's type (how
    /// [`Serialized`] stores a field).
    pub fn set_json(&mut self, column: &str, value: serde_json::Value) -> Result<()> {
        let idx = self.index(column)?;
        let col = self.table.columns().get(idx).ok_or_else(|| lost(column))?;
        let v = super::dml::json_to_value(value, col.sql_type(), col.name())?;
        self.set(column, v)
    }
}

/// A serde record as a JSON object, NaN and infinities refused first (serde_json
/// would write them as null).
pub(super) fn json_object<T: serde::Serialize + ?Sized>(
    record: &T,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    super::finite::check(record).map_err(|f| Error::Encode {
        field: f.0.into(),
        reason: "NaN and infinite floats cannot be stored (serde would make them NULL)".into(),
    })?;
    let json = serde_json::to_value(record).map_err(|e| Error::Encode {
        field: "record".into(),
        reason: e.to_string().into(),
    })?;
    match json {
        serde_json::Value::Object(map) => Ok(map),
        _ => Err(Error::Encode {
            field: "record".into(),
            reason: "a record must serialize to a struct or map".into(),
        }),
    }
}

fn lost(column: &str) -> Error {
    Error::invalid("INSERT", format!("column `{column}` is out of the row"))
}

/// A serde `Serialize` struct (or map) as a [`Record`]: each field sets the column of
/// the same name, converted by the column's type.
///
/// ```
/// use sqlkit::prelude::*;
/// use sqlkit::stmt::Serialized;
/// #[derive(serde::Serialize)]
/// struct NewTag<'a> { name: &'a str }
/// # let t = Table::builder("tags").column(ColumnDef::new("id", SqlType::BigInt).primary_key())
/// #   .column(ColumnDef::new("name", SqlType::Text)).build()?;
/// # let mut conn = Engine::from_url("sqlite://")?.connect()?;
/// # conn.execute(&CreateTable::new(&t))?;
/// let tags = [NewTag { name: "rust" }, NewTag { name: "sql" }];
/// assert_eq!(conn.insert_many(&t, tags.iter().map(Serialized))?, 2);
/// # Ok::<(), sqlkit::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Serialized<T>(pub T);

impl<T: serde::Serialize> Record for Serialized<T> {
    fn write(self, row: &mut RecordSink<'_>) -> Result<()> {
        let map = json_object(&self.0)?;
        for (k, v) in map {
            row.set_json(&k, v)?;
        }
        Ok(())
    }
}
