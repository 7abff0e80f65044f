//! Rows into serde types. A [`Cells`] source (an owned [`Row`](super::Row), or a
//! driver's row read in place, cell by cell in column order) is deserialized into a
//! struct by column name (serde matches the names, so renames, aliases and flattening
//! work), into a tuple by position, or into a map.

use super::row::ValueDe;
use crate::error::Error;
use crate::value::Value;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

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
            None => Error::decode("?", e.0),
        }
    }
}
impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string()).into()
    }
}

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
    Bytes(&'a [u8]),
    Value(&'a Value),
    Owned(Value),
}

/// A row that can be read cell by cell.
pub(crate) trait Cells {
    fn len(&self) -> usize;
    fn name(&self, i: usize) -> &str;
    fn cell(&self, i: usize) -> Result<Cell<'_>, DeError>;
}

/// Deserializes `T` from one row.
pub(crate) fn from_cells<T: de::DeserializeOwned, C: Cells>(cells: &C) -> Result<T, Error> {
    T::deserialize(RowDe { cells })
}

struct RowDe<'a, C> {
    cells: &'a C,
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
            .map_err(Error::from)
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
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
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct enum identifier ignored_any
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

/// Deserializes one cell: borrowed primitives directly, anything else as a [`Value`].
struct CellDe<'a>(Cell<'a>);

macro_rules! via_value {
    ($($m:ident),*) => {$(
        fn $m<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            match self.0 {
                Cell::Value(v) => ValueDe(v).$m(visitor),
                Cell::Owned(v) => ValueDe(&v).$m(visitor),
                other => CellDe(other).deserialize_any(visitor),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for CellDe<'_> {
    type Error = DeError;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Cell::Null => visitor.visit_none(),
            Cell::Int(i) => visitor.visit_i64(i),
            Cell::Float(f) => visitor.visit_f64(f),
            Cell::Text(s) => visitor.visit_str(s),
            Cell::Bytes(b) => visitor.visit_bytes(b),
            Cell::Value(v) => ValueDe(v).deserialize_any(visitor),
            Cell::Owned(v) => ValueDe(&v).deserialize_any(visitor),
        }
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Cell::Null | Cell::Value(Value::Null) | Cell::Owned(Value::Null) => {
                visitor.visit_none()
            }
            _ => visitor.visit_some(self),
        }
    }
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            // SQLite and MySQL keep booleans as integers.
            Cell::Int(0) => visitor.visit_bool(false),
            Cell::Int(1) => visitor.visit_bool(true),
            Cell::Value(v) => ValueDe(v).deserialize_bool(visitor),
            Cell::Owned(v) => ValueDe(&v).deserialize_bool(visitor),
            other => CellDe(other).deserialize_any(visitor),
        }
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            // `Vec<u8>` asks for a sequence.
            Cell::Bytes(b) => visitor.visit_seq(de::value::SeqDeserializer::new(b.iter().copied())),
            Cell::Value(v) => ValueDe(v).deserialize_seq(visitor),
            Cell::Owned(v) => ValueDe(&v).deserialize_seq(visitor),
            other => CellDe(other).deserialize_any(visitor),
        }
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Cell::Text(s) => visitor.visit_enum(s.into_deserializer()),
            Cell::Value(v) => ValueDe(v).deserialize_enum(name, variants, visitor),
            Cell::Owned(v) => ValueDe(&v).deserialize_enum(name, variants, visitor),
            other => CellDe(other).deserialize_any(visitor),
        }
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }
    via_value!(deserialize_f64, deserialize_f32);
    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 char str string
        bytes byte_buf unit unit_struct tuple tuple_struct map struct identifier ignored_any
    }
}
