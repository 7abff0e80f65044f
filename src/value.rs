//! [`Value`]: the one enum for bound parameters and dynamically fetched cells,
//! with the conversions from Rust values ([`ToValue`]) and back ([`FromValue`]).
//!
//! Crates used for the types: `chrono` (dates and times), `rust_decimal`
//! (exact decimals), `uuid`, `serde_json` (JSON values).

mod custom;
pub use custom::{CellRepr, ColumnType};

use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use std::sync::Arc;
use uuid::Uuid;

/// A SQL value: a bound parameter or a fetched cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// SQL NULL.
    #[default]
    Null,
    /// BOOLEAN.
    Bool(bool),
    /// Any integer width (SMALLINT, INTEGER, BIGINT).
    Int(i64),
    /// REAL / DOUBLE PRECISION.
    Float(f64),
    /// Exact NUMERIC / DECIMAL.
    Decimal(Decimal),
    /// VARCHAR / TEXT (see [`Text`]: cloning it never copies long text).
    Text(Text),
    /// BYTEA / BLOB. Shared like [`Value::Text`].
    Bytes(Arc<[u8]>),
    /// DATE.
    Date(NaiveDate),
    /// TIME (microsecond precision).
    Time(NaiveTime),
    /// TIMESTAMP WITHOUT TIME ZONE (microsecond precision).
    DateTime(NaiveDateTime),
    /// TIMESTAMP WITH TIME ZONE: a UTC instant (microsecond precision).
    Timestamp(DateTime<Utc>),
    /// JSON.
    Json(serde_json::Value),
    /// UUID.
    Uuid(Uuid),
    /// An array of values, bound as one parameter. Only PostgreSQL takes arrays: the
    /// compiler sends an `IN` list of bound values there as `= ANY($1)`, one statement
    /// for every length. SQLite and MySQL refuse it with a typed error.
    Array(Arc<[Value]>),
}

impl Value {
    /// The name of the variant, used in decode errors.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Decimal(_) => "decimal",
            Value::Text(_) => "text",
            Value::Bytes(_) => "bytes",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::DateTime(_) => "datetime",
            Value::Timestamp(_) => "timestamp with time zone",
            Value::Json(_) => "json",
            Value::Uuid(_) => "uuid",
            Value::Array(_) => "array",
        }
    }

    /// `true` for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// An immutable string value: short text is stored inline, longer text is shared, so
/// building, compiling and re-binding statements rarely allocates. An owned `String`
/// handed over is kept as it is (shared, not copied). Reads as a `&str`.
#[derive(Clone, Default)]
pub struct Text(TextRepr);

#[derive(Clone)]
enum TextRepr {
    /// Inline up to 23 bytes, else a shared copy.
    Small(smol_str::SmolStr),
    /// A `String` the user gave, shared without copying its bytes.
    Owned(Arc<String>),
}

impl Default for TextRepr {
    fn default() -> Self {
        TextRepr::Small(smol_str::SmolStr::default())
    }
}

impl Text {
    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            TextRepr::Small(s) => s.as_str(),
            TextRepr::Owned(s) => s.as_str(),
        }
    }
}
impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}
impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}
impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for Text {}
impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}
impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}
impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}
impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(TextRepr::Small(s.into()))
    }
}
impl From<String> for Text {
    fn from(s: String) -> Self {
        // Short text inline (no allocation); longer text kept, not copied.
        if s.len() <= 23 {
            Text(TextRepr::Small(smol_str::SmolStr::new(&s)))
        } else {
            Text(TextRepr::Owned(Arc::new(s)))
        }
    }
}
impl From<Text> for String {
    fn from(t: Text) -> Self {
        match t.0 {
            TextRepr::Small(s) => s.into(),
            TextRepr::Owned(s) => Arc::try_unwrap(s).unwrap_or_else(|s| (*s).clone()),
        }
    }
}
impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// `f` as an `i64` when it is a whole number in range (no truncation, no saturation).
pub(crate) fn exact_i64(f: f64) -> Option<i64> {
    // 2^63 is exactly representable; every whole float below it and from -2^63 fits.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f)).then_some(f as i64)
}

/// Text formats shared by binds, literals, server defaults and decoding wherever a
/// database stores date-times as text (SQLite). ISO 8601, always six fractional
/// digits, `Z` on UTC instants: text order is time order.
pub mod text_format {
    use super::*;

    /// A decimal's text parsed exactly: `None` when it has more digits than
    /// `rust_decimal` holds (28 after the point, 96 bits in all), instead of rounding.
    /// Trailing zeros after the point do not count.
    pub fn parse_decimal(s: &str) -> Option<Decimal> {
        let s = s.trim();
        let s = if s.contains('.') && !s.contains(['e', 'E']) {
            s.trim_end_matches('0').trim_end_matches('.')
        } else {
            s
        };
        Decimal::from_str_exact(s).ok()
    }

    /// The decimal a double stands for: its shortest text that reads back as the
    /// same double (`0.1`, not `0.1000000000000000055..`). `None` for NaN, infinities
    /// and magnitudes `Decimal` cannot hold.
    pub fn decimal_from_f64(f: f64) -> Option<Decimal> {
        if !f.is_finite() {
            return None;
        }
        parse_decimal(&f.to_string())
    }

    /// The double that stands for `d` exactly in the sense of [`decimal_from_f64`]
    /// (reading it back gives `d` again), if there is one: decimals of up to 15
    /// significant digits always have one. `None` when storing `d` as a double
    /// would change it.
    pub fn exact_f64(d: &Decimal) -> Option<f64> {
        let f: f64 = d.to_string().parse().ok()?;
        (decimal_from_f64(f)?.normalize() == d.normalize()).then_some(f)
    }

    /// `YYYY-MM-DD`
    pub const DATE: &str = "%Y-%m-%d";
    /// `HH:MM:SS.ffffff`
    pub const TIME: &str = "%H:%M:%S%.6f";
    /// `YYYY-MM-DDTHH:MM:SS.ffffff`
    pub const DATETIME: &str = "%Y-%m-%dT%H:%M:%S%.6f";
    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`
    pub const TIMESTAMP: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

    /// Parses a date written as [`DATE`].
    pub fn parse_date(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, DATE).ok()
    }
    /// Parses a time written as [`TIME`] (fraction optional).
    pub fn parse_time(s: &str) -> Option<NaiveTime> {
        NaiveTime::parse_from_str(s, "%H:%M:%S%.f").ok()
    }
    /// Parses a date-time written as [`DATETIME`]; a space instead of `T` is accepted.
    pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
        let s = s.trim_end_matches('Z');
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
            .ok()
    }
    /// Parses an instant written as [`TIMESTAMP`] or RFC 3339 with any offset.
    pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Some(t.with_timezone(&Utc));
        }
        parse_datetime(s).map(|n| n.and_utc())
    }
}

/// Truncates a time-like value to microseconds, the precision every database keeps.
fn micros(t: NaiveTime) -> NaiveTime {
    use chrono::Timelike;
    let nanos = t.nanosecond();
    t.with_nanosecond(nanos - nanos % 1000).unwrap_or(t)
}

/// Conversion of a Rust value into a [`Value`] for binding.
pub trait ToValue {
    /// Converts `self` into a [`Value`].
    fn to_value(&self) -> Value;
}

/// Conversion of a fetched [`Value`] into a Rust value.
///
/// Integer conversions are range-checked; text-stored types (SQLite dates,
/// decimals, UUIDs, JSON) are parsed.
pub trait FromValue: Sized {
    /// Converts a value; `column` names the column for the error message.
    fn from_value(value: Value, column: &str) -> Result<Self>;
}

fn mismatch<T>(column: &str, want: &str, got: &Value) -> Result<T> {
    Err(Error::decode(
        column,
        format!("expected {want}, found {}", got.type_name()),
    ))
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl FromValue for Value {
    fn from_value(value: Value, _: &str) -> Result<Self> {
        Ok(value)
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            v => T::from_value(v, column).map(Some),
        }
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value { Value::Int(i64::from(*self)) }
        }
        impl FromValue for $t {
            fn from_value(value: Value, column: &str) -> Result<Self> {
                match value {
                    Value::Int(i) => <$t>::try_from(i).map_err(|_| Error::decode(
                        column, format!("integer {i} is out of range for {}", stringify!($t)))),
                    Value::Bool(b) => Ok(<$t>::from(b)),
                    // An integral NUMERIC (PostgreSQL's `sum(bigint)`, MySQL's
                    // `sum(int)`) converts exactly.
                    Value::Decimal(d) if d.fract().is_zero() => {
                        use rust_decimal::prelude::ToPrimitive;
                        d.to_i64().and_then(|i| <$t>::try_from(i).ok()).ok_or_else(|| {
                            Error::decode(column, format!("{d} is out of range for {}", stringify!($t)))
                        })
                    }
                    v => mismatch(column, stringify!($t), &v),
                }
            }
        }
    )*};
}
int_value!(i8, i16, i32, i64, u8, u16, u32);

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}
impl FromValue for bool {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        match value {
            Value::Bool(b) => Ok(b),
            Value::Int(0) => Ok(false),
            Value::Int(1) => Ok(true),
            v => mismatch(column, "bool", &v),
        }
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Float(*self)
    }
}
impl ToValue for f32 {
    fn to_value(&self) -> Value {
        Value::Float(f64::from(*self))
    }
}
impl FromValue for f64 {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        match value {
            Value::Float(f) => Ok(f),
            // An integer stored in a REAL column (SQLite keeps 2.0 as 2) or an aggregate.
            Value::Int(i) => Ok(i as f64),
            Value::Decimal(d) => {
                use rust_decimal::prelude::ToPrimitive;
                d.to_f64()
                    .ok_or_else(|| Error::decode(column, "decimal out of f64 range"))
            }
            v => mismatch(column, "f64", &v),
        }
    }
}
impl FromValue for f32 {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        narrow_f32(f64::from_value(value, column)?, column)
    }
}

/// A double as an `f32`: rounded to the nearest, but a finite value beyond `f32`'s
/// range is an error, not infinity.
#[inline]
pub(crate) fn narrow_f32(f: f64, column: &str) -> Result<f32> {
    let n = f as f32;
    if n.is_infinite() && f.is_finite() {
        return Err(Error::decode(
            column,
            format!("{f} is out of range for f32"),
        ));
    }
    Ok(n)
}
impl ToValue for Decimal {
    fn to_value(&self) -> Value {
        Value::Decimal(*self)
    }
}
impl FromValue for Decimal {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        match value {
            Value::Decimal(d) => Ok(d),
            Value::Int(i) => Ok(Decimal::from(i)),
            // SQLite keeps decimals as numbers; the double's shortest text is the value.
            Value::Float(f) => text_format::decimal_from_f64(f)
                .ok_or_else(|| Error::decode(column, "a float that no Decimal holds")),
            Value::Text(s) => text_format::parse_decimal(&s).ok_or_else(|| {
                Error::decode(
                    column,
                    "text that is no decimal, or has more digits than Decimal holds (28 after the point)",
                )
            }),
            v => mismatch(column, "Decimal", &v),
        }
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.into())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.as_str().into())
    }
}
impl FromValue for String {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        match value {
            Value::Text(s) => Ok(s.into()),
            v => mismatch(column, "String", &v),
        }
    }
}
impl FromValue for Text {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        match value {
            Value::Text(s) => Ok(s),
            v => mismatch(column, "Text", &v),
        }
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Bytes(self.into())
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Bytes(self.as_slice().into())
    }
}
impl FromValue for Vec<u8> {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        match value {
            Value::Bytes(b) => Ok(b.to_vec()),
            v => mismatch(column, "Vec<u8>", &v),
        }
    }
}
impl ToValue for NaiveDate {
    fn to_value(&self) -> Value {
        Value::Date(*self)
    }
}
impl FromValue for NaiveDate {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        match value {
            Value::Date(d) => Ok(d),
            Value::Text(ref s) => text_format::parse_date(s)
                .ok_or_else(|| Error::decode(column, format!("invalid date `{s}`"))),
            v => mismatch(column, "NaiveDate", &v),
        }
    }
}
impl ToValue for NaiveTime {
    fn to_value(&self) -> Value {
        Value::Time(micros(*self))
    }
}
impl FromValue for NaiveTime {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        match value {
            Value::Time(t) => Ok(t),
            Value::Text(ref s) => text_format::parse_time(s)
                .ok_or_else(|| Error::decode(column, format!("invalid time `{s}`"))),
            v => mismatch(column, "NaiveTime", &v),
        }
    }
}
impl ToValue for NaiveDateTime {
    fn to_value(&self) -> Value {
        Value::DateTime(self.date().and_time(micros(self.time())))
    }
}
impl FromValue for NaiveDateTime {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        match value {
            Value::DateTime(t) => Ok(t),
            Value::Text(ref s) => text_format::parse_datetime(s)
                .ok_or_else(|| Error::decode(column, format!("invalid datetime `{s}`"))),
            v => mismatch(column, "NaiveDateTime", &v),
        }
    }
}
impl ToValue for DateTime<Utc> {
    fn to_value(&self) -> Value {
        let n = self.naive_utc();
        Value::Timestamp(n.date().and_time(micros(n.time())).and_utc())
    }
}
impl FromValue for DateTime<Utc> {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        match value {
            Value::Timestamp(t) => Ok(t),
            Value::DateTime(t) => Ok(t.and_utc()),
            Value::Text(ref s) => text_format::parse_timestamp(s)
                .ok_or_else(|| Error::decode(column, format!("invalid timestamp `{s}`"))),
            v => mismatch(column, "DateTime<Utc>", &v),
        }
    }
}
impl ToValue for serde_json::Value {
    fn to_value(&self) -> Value {
        Value::Json(self.clone())
    }
}
impl FromValue for serde_json::Value {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        match value {
            Value::Json(j) => Ok(j),
            Value::Text(ref s) => serde_json::from_str(s)
                .map_err(|e| Error::decode(column, format!("invalid JSON: {e}"))),
            v => mismatch(column, "JSON", &v),
        }
    }
}
impl ToValue for Uuid {
    fn to_value(&self) -> Value {
        Value::Uuid(*self)
    }
}
impl FromValue for Uuid {
    fn from_value(value: Value, column: &str) -> Result<Self> {
        match value {
            Value::Uuid(u) => Ok(u),
            Value::Text(ref s) => Uuid::parse_str(s)
                .map_err(|e| Error::decode(column, format!("invalid UUID `{s}`: {e}"))),
            Value::Bytes(ref b) => Uuid::from_slice(b)
                .map_err(|e| Error::decode(column, format!("invalid UUID bytes: {e}"))),
            v => mismatch(column, "Uuid", &v),
        }
    }
}

macro_rules! from_for_value {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value { v.to_value() }
        }
    )*};
}
from_for_value!(
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    bool,
    f32,
    f64,
    Decimal,
    NaiveDate,
    NaiveTime,
    NaiveDateTime,
    DateTime<Utc>,
    Uuid
);
// Owned values move in rather than being copied.
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v.into())
    }
}
impl From<Text> for Value {
    fn from(v: Text) -> Value {
        Value::Text(v)
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Bytes(v.into())
    }
}
impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        Value::Json(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.into())
    }
}
impl<T: ToValue> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.to_value()
    }
}
