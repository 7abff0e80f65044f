//! SQLite: `?` placeholders, `INTEGER PRIMARY KEY` rowids, text storage for dates,
//! decimals, UUIDs and JSON in one sortable format, emulated ILIKE.

use super::{default_literal, Dialect, Feature, Version};
use crate::compile::Compiler;
use crate::error::Result;
use crate::expr::Node;
use crate::schema::SqlType;
use crate::value::{text_format, Value};
use std::fmt::Write;

/// The SQLite dialect. Without a connection the version is 3.45 (the documented
/// default); a connection reports the linked library's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sqlite {
    /// The library version the SQL is written for.
    pub version: Version,
}

impl Default for Sqlite {
    fn default() -> Self {
        Sqlite {
            version: Version::new(3, 45, 0),
        }
    }
}

/// SQLite's declared type for exact decimals: TEXT affinity (so `1.10` stays `1.10`),
/// recognised by sqlkit's driver when decoding.
pub const DECIMAL_TYPE: &str = "DECIMAL_TEXT";

impl Dialect for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }
    fn supports(&self, feature: Feature) -> bool {
        match feature {
            Feature::FullOuterJoin => self.version.at_least(3, 39, 0),
            Feature::ReturningInsert | Feature::ReturningUpdate | Feature::ReturningDelete => {
                self.version.at_least(3, 35, 0)
            }
            Feature::NullsOrdering => self.version.at_least(3, 30, 0),
            Feature::Upsert => self.version.at_least(3, 24, 0),
            Feature::ConcatOperator | Feature::CreateIndexIfNotExists | Feature::DefaultValues => {
                true
            }
            Feature::Ilike | Feature::RowValueInList | Feature::InlineIndexes => false,
        }
    }
    fn write_limit_offset(
        &self,
        c: &mut Compiler<'_>,
        limit: Option<&Node>,
        offset: Option<&Node>,
    ) -> Result<()> {
        if let (None, Some(o)) = (limit, offset) {
            c.push(" LIMIT -1 OFFSET ");
            return c.write_node(o);
        }
        c.default_limit_offset(limit, offset)
    }
    fn write_type(&self, out: &mut String, ty: SqlType) {
        let _ = match ty {
            SqlType::Double => write!(out, "DOUBLE"),
            SqlType::Numeric { precision, scale } => {
                write!(out, "{DECIMAL_TYPE}({precision}, {scale})")
            }
            SqlType::DateTime => write!(out, "DATETIME"),
            SqlType::Timestamp => write!(out, "TIMESTAMP"),
            SqlType::Bytes => write!(out, "BLOB"),
            other => {
                super::default_type(out, other);
                Ok(())
            }
        };
    }
    fn write_column_spec(
        &self,
        c: &mut Compiler<'_>,
        ty: SqlType,
        nullable: bool,
        autoincrement: bool,
    ) -> Result<()> {
        // Only a column declared exactly `INTEGER` becomes an alias of the rowid.
        let ty = if autoincrement { SqlType::Integer } else { ty };
        c.default_column_spec(ty, nullable && !autoincrement, false)
    }
    fn write_literal(&self, out: &mut String, value: &Value) -> Result<()> {
        match value {
            Value::Bool(b) => out.push_str(if *b { "1" } else { "0" }),
            Value::Text(s) if s.contains('\0') => {
                out.push_str("CAST(X'");
                super::hex(out, s.as_bytes());
                out.push_str("' AS TEXT)");
            }
            Value::Decimal(d) => {
                let _ = write!(out, "'{d}'");
            }
            Value::Time(t) => {
                let _ = write!(out, "'{}'", t.format(text_format::TIME));
            }
            Value::DateTime(t) => {
                let _ = write!(out, "'{}'", t.format(text_format::DATETIME));
            }
            Value::Timestamp(t) => {
                let _ = write!(out, "'{}'", t.format(text_format::TIMESTAMP));
            }
            v => return default_literal(out, v, false, self),
        }
        Ok(())
    }
    fn write_now(&self, out: &mut String) {
        // The same text format sqlkit binds date-times in, so they compare correctly.
        out.push_str("strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')");
    }
    fn function_name<'a>(&self, name: &'a str) -> &'a str {
        match name {
            "char_length" => "length",
            n => n,
        }
    }
}
