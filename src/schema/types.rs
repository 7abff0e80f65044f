//! [`SqlType`]: the column types sqlkit knows, rendered per dialect by the compiler.

/// A column's SQL type. Each dialect renders it with its own type name; the README's
/// storage table says what each becomes on each database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlType {
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// Boolean.
    Boolean,
    /// Single-precision float.
    Float,
    /// Double-precision float.
    Double,
    /// Exact decimal with `precision` digits, `scale` of them after the point.
    Numeric {
        /// Total digits.
        precision: u8,
        /// Digits after the decimal point.
        scale: u8,
    },
    /// Variable-length string of at most `n` characters.
    String(u32),
    /// Unbounded text.
    Text,
    /// Calendar date.
    Date,
    /// Time of day (microseconds).
    Time,
    /// Date and time without a time zone (microseconds).
    DateTime,
    /// A UTC instant: timestamp with time zone (microseconds).
    Timestamp,
    /// JSON document.
    Json,
    /// UUID.
    Uuid,
    /// Binary data.
    Bytes,
}

impl SqlType {
    /// `true` for the integer types, the only ones that can autoincrement.
    pub fn is_integer(self) -> bool {
        matches!(self, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt)
    }
}
