//! [`Row`]: one fetched row, read by index or name into Rust values or, through
//! serde, into a `Deserialize` struct whose fields are matched to columns by name.

use super::de::{Cell, Cells, DeError};
use crate::error::{Error, Result};
use crate::name::Name;
use crate::value::{FromValue, Value};
use serde::de::{self, IntoDeserializer, Visitor};
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
    /// A row from column names and values.
    pub fn new(columns: Arc<[Name]>, values: Vec<Value>) -> Self {
        Row { columns, values }
    }
    /// The value of a column converted to `T`: by position (`row.get::<i64, _>(0)`) or
    /// by name (`row.get::<String, _>("email")`). An unknown column or a value of
    /// another type is an error naming the column.
    pub fn get<T: FromValue, I: RowIndex>(&self, idx: I) -> Result<T> {
        let i = idx.index_in(self).ok_or_else(|| Error::UnknownColumn {
            table: "the result row".into(),
            column: idx.to_string().into(),
        })?;
        T::from_value(self.values[i].clone(), &self.columns[i])
    }
    /// The raw value of a column.
    pub fn value<I: RowIndex>(&self, idx: I) -> Option<&Value> {
        idx.index_in(self).map(|i| &self.values[i])
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

/// Deserializes one cell.
pub(crate) struct ValueDe<'a>(pub(crate) &'a Value);

impl<'de> de::Deserializer<'de> for ValueDe<'_> {
    type Error = DeError;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        use crate::value::text_format as tf;
        match self.0 {
            Value::Null => visitor.visit_none(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Decimal(d) => visitor.visit_string(d.to_string()),
            Value::Text(s) => visitor.visit_str(s),
            Value::Bytes(b) => visitor.visit_bytes(b),
            Value::Date(d) => visitor.visit_string(d.format(tf::DATE).to_string()),
            Value::Time(t) => visitor.visit_string(t.format(tf::TIME).to_string()),
            Value::DateTime(t) => visitor.visit_string(t.format(tf::DATETIME).to_string()),
            Value::Timestamp(t) => visitor.visit_string(t.format(tf::TIMESTAMP).to_string()),
            Value::Json(j) => {
                de::Deserializer::deserialize_any(j.clone(), visitor).map_err(de::Error::custom)
            }
            Value::Uuid(u) => visitor.visit_string(u.hyphenated().to_string()),
        }
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            // SQLite and MySQL keep booleans as integers.
            Value::Int(0) => visitor.visit_bool(false),
            Value::Int(1) => visitor.visit_bool(true),
            _ => self.deserialize_any(visitor),
        }
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            // `Vec<u8>` asks for a sequence.
            Value::Bytes(b) => {
                visitor.visit_seq(de::value::SeqDeserializer::new(b.iter().copied()))
            }
            _ => self.deserialize_any(visitor),
        }
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Decimal(d) => {
                use rust_decimal::prelude::ToPrimitive;
                visitor.visit_f64(d.to_f64().unwrap_or(f64::NAN))
            }
            _ => self.deserialize_any(visitor),
        }
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Text(s) => visitor.visit_enum(s.as_ref().into_deserializer()),
            Value::Json(j) => j
                .clone()
                .deserialize_enum(name, variants, visitor)
                .map_err(de::Error::custom),
            _ => self.deserialize_any(visitor),
        }
    }
    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 char str string
        bytes byte_buf unit unit_struct tuple tuple_struct map struct identifier ignored_any
    }
}

impl Cells for Row {
    fn len(&self) -> usize {
        self.values.len()
    }
    fn name(&self, i: usize) -> &str {
        &self.columns[i]
    }
    fn cell(&self, i: usize) -> Result<Cell<'_>, DeError> {
        Ok(Cell::Value(&self.values[i]))
    }
}
