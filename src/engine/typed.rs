//! Result columns read as the type the statement gives them (see
//! `compile/types.rs`): the same expression yields the same kind of [`Value`] on every
//! database. A cell that does not convert is left as the server sent it.

use super::de::{Cell, Cells, DeError};
use super::{DriverRow, RowSink};
use crate::compile::types::OutputType;
use crate::error::Result;
use crate::schema::SqlType;
use crate::value::{text_format, Value};
use std::sync::Arc;

/// A row whose cells are converted to their columns' types.
pub(crate) struct Typed<'a, R> {
    pub(crate) row: &'a R,
    pub(crate) types: &'a [OutputType],
}

/// `v` as a value of type `ty`, when the server sent another representation of it.
fn convert(v: &Value, ty: SqlType) -> Option<Value> {
    use rust_decimal::prelude::ToPrimitive;
    Some(match (ty, v) {
        (SqlType::Timestamp, Value::DateTime(n)) => Value::Timestamp(n.and_utc()),
        (ty, Value::Text(s)) => return from_text(s, ty),
        (SqlType::Boolean, Value::Int(i)) => Value::Bool(*i != 0),
        (SqlType::Double | SqlType::Float, Value::Decimal(d)) => Value::Float(d.to_f64()?),
        (SqlType::Double | SqlType::Float, Value::Int(i)) => Value::Float(*i as f64),
        (SqlType::SmallInt | SqlType::Integer | SqlType::BigInt, Value::Decimal(d))
            if d.fract().is_zero() =>
        {
            Value::Int(i64::try_from(*d).ok()?)
        }
        (SqlType::Numeric { .. }, Value::Float(f)) => {
            Value::Decimal(text_format::decimal_from_f64(*f)?)
        }
        (SqlType::Numeric { .. }, Value::Int(i)) => Value::Decimal((*i).into()),
        _ => return None,
    })
}

/// Text as a value of type `ty`, where `ty` is read from text (SQLite's instants).
fn from_text(t: &str, ty: SqlType) -> Option<Value> {
    Some(match ty {
        SqlType::Timestamp => Value::Timestamp(text_format::parse_timestamp(t)?),
        SqlType::DateTime => Value::DateTime(text_format::parse_datetime(t)?),
        SqlType::Date => Value::Date(text_format::parse_date(t)?),
        SqlType::Time => Value::Time(text_format::parse_time(t)?),
        SqlType::Numeric { .. } => Value::Decimal(text_format::parse_decimal(t)?),
        SqlType::Json => Value::Json(serde_json::from_str(t).ok()?),
        SqlType::Uuid => Value::Uuid(uuid::Uuid::parse_str(t).ok()?),
        _ => return None,
    })
}

/// `c` read as type `ty`: the plain cells that already are `ty` pass through at once.
#[inline]
fn typed_cell(c: Cell<'_>, ty: SqlType) -> Cell<'_> {
    let converted = match (&c, ty) {
        (Cell::Null, _) => None,
        (Cell::Int(i), SqlType::Boolean) => Some(Value::Bool(*i != 0)),
        (Cell::Int(i), SqlType::Double | SqlType::Float) => Some(Value::Float(*i as f64)),
        (Cell::Int(i), SqlType::Numeric { .. }) => Some(Value::Decimal((*i).into())),
        (Cell::Int(_), _) => None,
        (Cell::Float(f), SqlType::Numeric { .. }) => {
            text_format::decimal_from_f64(*f).map(Value::Decimal)
        }
        (Cell::Float(_), _) => None,
        (Cell::Text(t) | Cell::LongText(t), _) => from_text(t, ty),
        (Cell::Bytes(_), _) => None,
        (Cell::Value(v), _) => convert(v, ty),
        (Cell::Owned(v), _) => convert(v, ty),
    };
    match converted {
        Some(v) => Cell::Owned(v),
        None => c,
    }
}

impl<R: Cells> Cells for Typed<'_, R> {
    fn len(&self) -> usize {
        self.row.len()
    }
    fn name(&self, i: usize) -> &str {
        self.row.name(i)
    }
    #[inline]
    fn cell(&self, i: usize) -> std::result::Result<Cell<'_>, DeError> {
        let c = self.row.cell(i)?;
        Ok(match self.types.get(i).and_then(|t| t.0) {
            Some(ty) => typed_cell(c, ty),
            None => c,
        })
    }
}

impl<R: DriverRow> DriverRow for Typed<'_, R> {
    fn names(&self) -> &Arc<[crate::name::Name]> {
        self.row.names()
    }
    fn value(&self, i: usize) -> std::result::Result<Value, String> {
        let v = self.row.value(i)?;
        Ok(match self.types.get(i).and_then(|t| t.0) {
            Some(ty) => convert(&v, ty).unwrap_or(v),
            None => v,
        })
    }
}

/// Hands each row to `inner` with its cells typed.
pub(crate) struct TypedSink<'a, S> {
    pub(crate) inner: &'a mut S,
    pub(crate) types: &'a [OutputType],
}

impl<S: RowSink> RowSink for TypedSink<'_, S> {
    fn row<R: DriverRow>(&mut self, row: &R) -> Result<bool> {
        self.inner.row(&Typed {
            row,
            types: self.types,
        })
    }
    fn wants_all(&self) -> bool {
        self.inner.wants_all()
    }
}
