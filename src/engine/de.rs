//! Rows into serde types. A [`Cells`] source (an owned [`Row`](super::Row), or a
//! driver's row read in place, cell by cell in column order) is deserialized into a
//! struct by column name (serde matches the names, so renames, aliases and flattening
//! work), into a tuple by position, or into a map.

use crate::error::Error;
use crate::value::Value;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// What a decode error names when it is about the row rather than one column.
pub(crate) const WHOLE_ROW: &str = "(the whole row)";

/// A serde error; `column\u{1}reason` once the column is known.
#[derive(Debug)]
pub(crate) struct DeError(pub(crate) String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for DeError {}
impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}
impl From<DeError> for Error {
    fn from(e: DeError) -> Self {
        match e.0.split_once('\u{1}') {
            Some((col, reason)) => Error::decode(col, reason),
            None => Error::decode(WHOLE_ROW, e.0),
        }
    }
}
impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string()).into()
    }
}

/// serde's "missing field `x`": named after the field, with the columns the result has.
#[cold]
fn missing_with_columns<C: Cells>(e: DeError, cells: &C) -> DeError {
    let Some(rest) = e.0.strip_prefix("missing field `") else {
        return e;
    };
    let field = rest.split('`').next().unwrap_or("?");
    let names: Vec<&str> = (0..cells.len()).map(|i| cells.name(i)).collect();
    DeError(format!(
        "{field}\u{1}missing field `{field}`: no column of that name; the result's columns are: {}",
        names.join(", ")
    ))
}

#[cold]
fn in_column(column: &str, e: DeError) -> DeError {
    if e.0.contains('\u{1}') {
        e
    } else {
        DeError(format!("{column}\u{1}{}", e.0))
    }
}

/// One cell, borrowed from the driver where it can be.
pub(crate) enum Cell<'a> {
    Null,
    Int(i64),
    Float(f64),
    Text(&'a str),
    /// Text from a column that may hold JSON (MySQL's LONGTEXT, which is what MariaDB's
    /// JSON type is): parsed when read into a JSON value, text otherwise.
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    LongText(&'a str),
    Bytes(&'a [u8]),
    Value(&'a Value),
    Owned(Value),
}

impl Cell<'_> {
    /// The cell as an owned value, leaving the cell as it is.
    pub(crate) fn clone_value(&self) -> Value {
        match self {
            Cell::Value(v) => (*v).clone(),
            Cell::Owned(v) => v.clone(),
            Cell::Null => Value::Null,
            Cell::Int(i) => Value::Int(*i),
            Cell::Float(f) => Value::Float(*f),
            Cell::Text(s) | Cell::LongText(s) => Value::Text((*s).into()),
            Cell::Bytes(b) => Value::Bytes((*b).into()),
        }
    }

    /// The cell as an owned value (an owned one moved, not cloned).
    pub(crate) fn into_value(self) -> Value {
        match self {
            Cell::Owned(v) => v,
            c => c.clone_value(),
        }
    }
}

/// A row that can be read cell by cell.
pub(crate) trait Cells {
    fn len(&self) -> usize;
    fn name(&self, i: usize) -> &str;
    fn cell(&self, i: usize) -> Result<Cell<'_>, DeError>;
}

/// Deserializes `T` from one row.
pub(crate) fn from_cells<T: de::DeserializeOwned, C: Cells>(cells: &C) -> Result<T, Error> {
    T::deserialize(RowDe {
        cells,
        layout: &std::cell::Cell::new(None),
    })
}

/// Whether a struct's fields are the result's columns in order, worked out on the first
/// row of a result set: `(address of the struct's field list, positional)`.
pub(crate) type Layout = std::cell::Cell<Option<(usize, bool)>>;

/// Like [`from_cells`], remembering across the rows of one result set whether the
/// struct's fields are its columns in order: then each row is read by position, with no
/// field-name matching (serde's sequence form of a struct).
pub(crate) fn from_cells_with<T: de::DeserializeOwned, C: Cells>(
    cells: &C,
    layout: &Layout,
) -> Result<T, Error> {
    T::deserialize(RowDe { cells, layout })
}

struct RowDe<'a, C> {
    cells: &'a C,
    layout: &'a Layout,
}

impl<'de, C: Cells> de::Deserializer<'de> for RowDe<'_, C> {
    type Error = Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor
            .visit_map(RowMap {
                cells: self.cells,
                pos: 0,
            })
            .map_err(|e| missing_with_columns(e, self.cells))
            .map_err(Error::from)
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let key = fields.as_ptr() as usize;
        let positional = match self.layout.get() {
            Some((k, positional)) if k == key => positional,
            _ => {
                let positional = fields.len() == self.cells.len()
                    && fields
                        .iter()
                        .enumerate()
                        .all(|(i, f)| self.cells.name(i) == *f);
                self.layout.set(Some((key, positional)));
                positional
            }
        };
        if positional {
            visitor
                .visit_seq(RowSeq {
                    cells: self.cells,
                    pos: 0,
                })
                .map_err(Error::from)
        } else {
            self.deserialize_map(visitor)
        }
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        visitor
            .visit_seq(RowSeq {
                cells: self.cells,
                pos: 0,
            })
            .map_err(Error::from)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let n = self.cells.len();
        self.deserialize_tuple(n, visitor)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_tuple(len, visitor)
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.cells.len() == 1 {
            return self.one_cell(|c| c.deserialize_option(visitor));
        }
        visitor.visit_some(self)
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }
    one_column! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf
    }
    serde::forward_to_deserialize_any! {
        unit unit_struct enum identifier ignored_any
    }
}

/// A row read as one plain value (`query_as::<i64>`): the row's only column.
macro_rules! one_column {
    ($($m:ident)*) => {$(
        one_column!(@one $m);
    )*};
    (@one $m:ident) => {
        fn $m<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.one_cell(|c| c.$m(visitor))
        }
    };
}
use one_column;

impl<C: Cells> RowDe<'_, C> {
    /// The row's single column deserialized by `f`; a row of several columns is an
    /// error that says how many there are.
    fn one_cell<T>(self, f: impl FnOnce(CellDe<'_>) -> Result<T, DeError>) -> Result<T, Error> {
        if self.cells.len() != 1 {
            let names: Vec<&str> = (0..self.cells.len()).map(|i| self.cells.name(i)).collect();
            return Err(Error::decode(
                WHOLE_ROW,
                format!(
                    "a single value needs a result of one column, this one has {}: {}",
                    names.len(),
                    names.join(", ")
                ),
            ));
        }
        let cell = self
            .cells
            .cell(0)
            .map_err(|e| in_column(self.cells.name(0), e))?;
        f(CellDe(cell))
            .map_err(|e| in_column(self.cells.name(0), e))
            .map_err(Error::from)
    }
}

/// Deserializes cell `i`, naming its column in any error.
fn read_cell<'de, C: Cells, S: DeserializeSeed<'de>>(
    cells: &C,
    i: usize,
    seed: S,
) -> Result<S::Value, DeError> {
    let cell = cells.cell(i).map_err(|e| in_column(cells.name(i), e))?;
    seed.deserialize(CellDe(cell))
        .map_err(|e| in_column(cells.name(i), e))
}

struct RowMap<'a, C> {
    cells: &'a C,
    pos: usize,
}

impl<'de, C: Cells> MapAccess<'de> for RowMap<'_, C> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        if self.pos >= self.cells.len() {
            return Ok(None);
        }
        seed.deserialize(self.cells.name(self.pos).into_deserializer())
            .map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        self.pos += 1;
        read_cell(self.cells, self.pos - 1, seed)
    }
}

struct RowSeq<'a, C> {
    cells: &'a C,
    pos: usize,
}

impl<'de, C: Cells> SeqAccess<'de> for RowSeq<'_, C> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        if self.pos >= self.cells.len() {
            return Ok(None);
        }
        self.pos += 1;
        read_cell(self.cells, self.pos - 1, seed).map(Some)
    }
}

/// Deserializes one cell. Values that are plain numbers, text or bytes take the same
/// path whether they come from the driver in place or from an owned [`Value`].
struct CellDe<'a>(Cell<'a>);

// The elements of an array value, deserialized as a sequence.
impl<'de> de::IntoDeserializer<'de, DeError> for CellDe<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

/// Calls `f` with the cell in its plainest form: an owned or borrowed [`Value`] that is
/// NULL, a number, text or bytes becomes the matching borrowed cell.
fn plain<R>(cell: Cell<'_>, f: impl FnOnce(Cell<'_>) -> R) -> R {
    match cell {
        Cell::Owned(v) => plain(Cell::Value(&v), f),
        Cell::Value(v) => f(match v {
            Value::Null => Cell::Null,
            Value::Int(i) => Cell::Int(*i),
            Value::Float(x) => Cell::Float(*x),
            Value::Text(s) => Cell::Text(s),
            Value::Bytes(b) => Cell::Bytes(b),
            rich => Cell::Value(rich),
        }),
        c => f(c),
    }
}

/// What `visitor` says it expects, for the two places where serde's data model
/// cannot tell the target type apart: chrono's `DateTime<Tz>` ("an RFC 3339 ..") and
/// `serde_json::Value` ("any valid JSON value").
fn expecting<'de, V: Visitor<'de>>(visitor: &V) -> String {
    struct Expecting<'a, V>(&'a V);
    impl<'de, V: Visitor<'de>> fmt::Display for Expecting<'_, V> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.expecting(f)
        }
    }
    Expecting(visitor).to_string()
}

fn expects_rfc3339<'de, V: Visitor<'de>>(visitor: &V) -> bool {
    expecting(visitor).contains("RFC 3339")
}

/// Every cell that is not a plain driver value: rich values, owned values, JSON text.
#[inline(never)]
fn any_slow<'de, V: Visitor<'de>>(cell: Cell<'_>, visitor: V) -> Result<V::Value, DeError> {
    use crate::value::text_format as tf;
    plain(cell, |c| match c {
        Cell::Null => visitor.visit_none(),
        Cell::Int(i) => visitor.visit_i64(i),
        Cell::Float(f) => visitor.visit_f64(f),
        Cell::Text(s) => visitor.visit_str(s),
        Cell::LongText(s) if expecting(&visitor).contains("JSON value") => {
            match serde_json::from_str::<serde_json::Value>(s) {
                Ok(j) => de::Deserializer::deserialize_any(j, visitor).map_err(de::Error::custom),
                Err(_) => visitor.visit_str(s),
            }
        }
        Cell::LongText(s) => visitor.visit_str(s),
        Cell::Bytes(b) => visitor.visit_bytes(b),
        Cell::Owned(v) => de::Deserializer::deserialize_any(CellDe(Cell::Value(&v)), visitor),
        Cell::Value(v) => match v {
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Decimal(d) => visitor.visit_string(d.to_string()),
            Value::Date(d) => visitor.visit_string(d.format(tf::DATE).to_string()),
            Value::Time(t) => visitor.visit_string(t.format(tf::TIME).to_string()),
            // A DATETIME read into an instant (MySQL keeps timestamps as UTC
            // DATETIME(6)): serde gives no type, but chrono's instant visitor says
            // it expects RFC 3339, so the value is written as UTC for it.
            Value::DateTime(t) if expects_rfc3339(&visitor) => {
                visitor.visit_string(t.format(tf::TIMESTAMP).to_string())
            }
            Value::DateTime(t) => visitor.visit_string(t.format(tf::DATETIME).to_string()),
            Value::Timestamp(t) => visitor.visit_string(t.format(tf::TIMESTAMP).to_string()),
            Value::Json(j) => {
                de::Deserializer::deserialize_any(j.clone(), visitor).map_err(de::Error::custom)
            }
            Value::Uuid(u) => visitor.visit_string(u.hyphenated().to_string()),
            // `plain` turns these into borrowed cells; kept for an exhaustive match.
            Value::Null => visitor.visit_none(),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Text(s) => visitor.visit_str(s),
            Value::Bytes(b) => visitor.visit_bytes(b),
            Value::Array(items) => {
                let cells = items.iter().map(|v| CellDe(Cell::Value(v)));
                visitor.visit_seq(de::value::SeqDeserializer::new(cells))
            }
        },
    })
}

impl<'de> de::Deserializer<'de> for CellDe<'_> {
    type Error = DeError;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        // The common cells straight from the driver, without the general path.
        match self.0 {
            Cell::Null => visitor.visit_none(),
            Cell::Int(i) => visitor.visit_i64(i),
            Cell::Float(f) => visitor.visit_f64(f),
            Cell::Text(s) => visitor.visit_str(s),
            c => any_slow(c, visitor),
        }
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Cell::Null => return visitor.visit_none(),
            c @ (Cell::Int(_) | Cell::Float(_) | Cell::Text(_)) => {
                return visitor.visit_some(CellDe(c))
            }
            _ => {}
        }
        plain(self.0, |c| match c {
            Cell::Null => visitor.visit_none(),
            c => visitor.visit_some(CellDe(c)),
        })
    }
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Cell::Int(0) => return visitor.visit_bool(false),
            Cell::Int(1) => return visitor.visit_bool(true),
            _ => {}
        }
        plain(self.0, |c| match c {
            // SQLite and MySQL keep booleans as integers.
            Cell::Int(0) => visitor.visit_bool(false),
            Cell::Int(1) => visitor.visit_bool(true),
            c => CellDe(c).deserialize_any(visitor),
        })
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        plain(self.0, |c| match c {
            // `Vec<u8>` asks for a sequence.
            Cell::Bytes(b) => visitor.visit_seq(de::value::SeqDeserializer::new(b.iter().copied())),
            c => CellDe(c).deserialize_any(visitor),
        })
    }
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if let Cell::Int(i) = self.0 {
            return visitor.visit_i64(i);
        }
        plain(self.0, |c| match c {
            // An integral NUMERIC (PostgreSQL's `sum(bigint)`) reads as an integer.
            Cell::Value(Value::Decimal(d)) if d.fract().is_zero() => {
                use rust_decimal::prelude::ToPrimitive;
                match d.to_i64() {
                    Some(i) => visitor.visit_i64(i),
                    None => visitor.visit_string(d.to_string()),
                }
            }
            c => CellDe(c).deserialize_any(visitor),
        })
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if let Cell::Float(f) = self.0 {
            return visitor.visit_f64(f);
        }
        plain(self.0, |c| match c {
            Cell::Value(Value::Decimal(d)) => {
                use rust_decimal::prelude::ToPrimitive;
                visitor.visit_f64(d.to_f64().unwrap_or(f64::NAN))
            }
            c => CellDe(c).deserialize_any(visitor),
        })
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        plain(self.0, |c| match c {
            Cell::Text(s) | Cell::LongText(s) => visitor.visit_enum(s.into_deserializer()),
            Cell::Value(Value::Json(j)) => j
                .clone()
                .deserialize_enum(name, variants, visitor)
                .map_err(de::Error::custom),
            c => CellDe(c).deserialize_any(visitor),
        })
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }
    serde::forward_to_deserialize_any! {
        i128 u128 char str string
        bytes byte_buf unit unit_struct tuple tuple_struct map struct identifier ignored_any
    }
}
