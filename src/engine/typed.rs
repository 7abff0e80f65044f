//! Result columns read as the type the statement gives them (see
//! `compile/types.rs`): the same expression yields the same kind of [`Value`] on every
//! database. A cell that does not convert is left as the server sent it.

use super::de::{Cell, Cells, DeError};
use super::{DriverRow, RowSink};
use crate::error::Result;
use crate::schema::SqlType;
use crate::value::{text_format, Value};
use std::sync::Arc;

/// A row whose cells are converted to their columns' types.
pub(crate) struct Typed<'a, R> {
    pub(crate) row: &'a R,
    pub(crate) types: &'a [Option<SqlType>],
}

/// `v` as a value of type `ty`, when the server sent another representation of it.
fn convert(v: &Value, ty: SqlType) -> Option<Value> {
    use rust_decimal::prelude::ToPrimitive;
    Some(match (ty, v) {
        (SqlType::Timestamp, Value::DateTime(n)) => Value::Timestamp(n.and_utc()),
        (SqlType::Timestamp, Value::Text(s)) => Value::Timestamp(text_format::parse_timestamp(s)?),
        (SqlType::DateTime, Value::Text(s)) => Value::DateTime(text_format::parse_datetime(s)?),
        (SqlType::Date, Value::Text(s)) => Value::Date(text_format::parse_date(s)?),
        (SqlType::Time, Value::Text(s)) => Value::Time(text_format::parse_time(s)?),
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
        (SqlType::Numeric { .. }, Value::Text(s)) => Value::Decimal(text_format::parse_decimal(s)?),
        (SqlType::Json, Value::Text(s)) => Value::Json(serde_json::from_str(s).ok()?),
        (SqlType::Uuid, Value::Text(s)) => Value::Uuid(uuid::Uuid::parse_str(s).ok()?),
        _ => return None,
    })
}

/// Whether a cell of this shape may need converting for `ty` (the plain cases stay on
/// the fast path).
#[inline]
fn may_convert(c: &Cell<'_>, ty: SqlType) -> bool {
    match c {
        Cell::Null => false,
        Cell::Int(_) => matches!(
            ty,
            SqlType::Boolean | SqlType::Double | SqlType::Float | SqlType::Numeric { .. }
        ),
        Cell::Float(_) => matches!(ty, SqlType::Numeric { .. }),
        Cell::Text(_) | Cell::LongText(_) => matches!(
            ty,
            SqlType::Timestamp
                | SqlType::DateTime
                | SqlType::Date
                | SqlType::Time
                | SqlType::Numeric { .. }
                | SqlType::Json
                | SqlType::Uuid
        ),
        Cell::Bytes(_) => false,
        Cell::Value(_) | Cell::Owned(_) => true,
    }
}

fn cell_value(c: &Cell<'_>) -> Value {
    match c {
        Cell::Null => Value::Null,
        Cell::Int(i) => Value::Int(*i),
        Cell::Float(f) => Value::Float(*f),
        Cell::Text(s) | Cell::LongText(s) => Value::Text((*s).into()),
        Cell::Bytes(b) => Value::Bytes((*b).into()),
        Cell::Value(v) => (*v).clone(),
        Cell::Owned(v) => v.clone(),
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
        match self.types.get(i).copied().flatten() {
            Some(ty) if may_convert(&c, ty) => {
                Ok(convert(&cell_value(&c), ty).map_or(c, Cell::Owned))
            }
            _ => Ok(c),
        }
    }
}

impl<R: DriverRow> DriverRow for Typed<'_, R> {
    fn names(&self) -> &Arc<[crate::name::Name]> {
        self.row.names()
    }
    fn value(&self, i: usize) -> std::result::Result<Value, String> {
        let v = self.row.value(i)?;
        Ok(match self.types.get(i).copied().flatten() {
            Some(ty) => convert(&v, ty).unwrap_or(v),
            None => v,
        })
    }
}

/// Hands each row to `inner` with its cells typed.
pub(crate) struct TypedSink<'a, S> {
    pub(crate) inner: &'a mut S,
    pub(crate) types: &'a [Option<SqlType>],
}

impl<S: RowSink> RowSink for TypedSink<'_, S> {
    fn row<R: DriverRow>(&mut self, row: &R) -> Result<bool> {
        self.inner.row(&Typed {
            row,
            types: self.types,
        })
    }
}
