//! SQLite: `?` placeholders, `INTEGER PRIMARY KEY` rowids, text storage for dates,
//! decimals, UUIDs and JSON in one sortable format, emulated ILIKE.

use super::{default_literal, Dialect, Feature, Version};
use crate::compile::Compiler;
use crate::error::Result;
use crate::expr::{DatePart, Node, Op};
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

/// The name prefix of the CHECKs sqlkit adds to SQLite columns so that a value
/// stays within the column's declared type (reflection leaves them out).
pub const FITS_CHECK: &str = "sqlkit_fits_";

/// SQLite's declared type for decimals: NUMERIC affinity, so that decimals compare,
/// sort and aggregate as numbers. sqlkit stores a decimal as an integer or a double
/// only when it reads back exactly (always so up to 15 significant digits); any other
/// is refused with a typed error rather than rounded. The declared scale is restored on reading.
pub const DECIMAL_TYPE: &str = "NUMERIC";

/// The error for a decimal SQLite cannot keep exactly.
pub(crate) fn inexact_decimal(d: &rust_decimal::Decimal) -> crate::Error {
    // The message gives the size of the value, never the value.
    let digits = d.mantissa().unsigned_abs().to_string().len();
    crate::Error::Encode {
        field: "decimal".into(),
        reason: format!(
            "a decimal of {digits} significant digits is more than a SQLite number keeps; it would be rounded"
        )
        .into(),
    }
}

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
            Feature::Upsert | Feature::UpsertWhere => self.version.at_least(3, 24, 0),
            Feature::ConcatOperator
            | Feature::CreateIndexIfNotExists
            | Feature::PartialIndex
            | Feature::DefaultValues
            | Feature::IntersectExcept
            | Feature::Regexp
            | Feature::RowLocks
            | Feature::SkipLocked
            | Feature::LimitInInSubquery => true,
            Feature::WindowFunctions => self.version.at_least(3, 28, 0),
            Feature::Cte | Feature::CteOnDml => self.version.at_least(3, 8, 3),
            Feature::RightJoin => self.version.at_least(3, 39, 0),
            Feature::UpdateFrom => self.version.at_least(3, 33, 0),
            Feature::Ilike
            | Feature::RowValueInList
            | Feature::InlineIndexes
            | Feature::QuantifiedComparison
            | Feature::IntersectExceptAll
            | Feature::ParenthesizedSetMembers
            | Feature::Lateral
            | Feature::DistinctOn
            | Feature::DeleteUsing
            | Feature::ValuesTable
            | Feature::MultiTableDml => false,
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
            Value::Decimal(d) => match crate::value::text_format::exact_f64(d) {
                Some(_) => {
                    let _ = write!(out, "{d}");
                }
                None => return Err(inexact_decimal(d)),
            },
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
    /// SQLite's `SQLITE_MAX_VARIABLE_NUMBER` (the bundled library's default).
    fn max_parameters(&self) -> usize {
        32_766
    }
    /// Left out: sqlkit's transactions hold the database's write lock from `BEGIN
    /// IMMEDIATE`, so no other writer can change the rows read.
    fn write_lock(&self, _: &mut Compiler<'_>, _: &crate::stmt::Lock) -> Result<()> {
        Ok(())
    }
    fn write_storage_check(
        &self,
        c: &mut Compiler<'_>,
        column: &str,
        ty: SqlType,
        autoincrement: bool,
    ) -> Result<()> {
        // What the other databases refuse and SQLite would keep, to read back as
        // something else: refused here too, by a CHECK named for the column.
        let (lo, hi): (&str, String) = match ty {
            SqlType::Boolean => (" IN (0, 1)", String::new()),
            SqlType::SmallInt => (" BETWEEN -32768 AND 32767", String::new()),
            SqlType::Integer if !autoincrement => {
                (" BETWEEN -2147483648 AND 2147483647", String::new())
            }
            SqlType::String(n) => ("", format!(") <= {n}")),
            // REAL is read as an f32: beyond its range it would read as infinity.
            SqlType::Float => ("", ") <= 3.4028234663852886e38 OR abs(".to_string()),
            SqlType::Numeric { precision, scale } => {
                // A number (text such as 'abc' stays text in a NUMERIC column) within
                // the declared digits, and never a REAL past 2^53: SQLite makes a
                // longer number (a 20- or 40-digit text) a rounded REAL.
                c.push(" CONSTRAINT ");
                c.push_ident(&format!("{FITS_CHECK}{column}"));
                c.push(" CHECK (");
                c.push_ident(column);
                c.push(" IS NULL OR (typeof(");
                c.push_ident(column);
                c.push(") IN ('integer', 'real') AND abs(");
                c.push_ident(column);
                c.push(&format!(
                    ") < 1e{} AND (typeof(",
                    precision.saturating_sub(scale)
                ));
                c.push_ident(column);
                c.push(") = 'integer' OR abs(");
                c.push_ident(column);
                c.push(") < 9007199254740992.0)))");
                return Ok(());
            }
            _ => return Ok(()),
        };
        c.push(" CONSTRAINT ");
        c.push_ident(&format!("{FITS_CHECK}{column}"));
        c.push(" CHECK (");
        match ty {
            SqlType::String(_) => {
                c.push("length(");
                c.push_ident(column);
                c.push(&hi);
            }
            SqlType::Float => {
                c.push("abs(");
                c.push_ident(column);
                c.push(&hi);
                c.push_ident(column);
                // Infinity itself is a float (`9e999` reads as it).
                c.push(") > 1e308");
            }
            _ => {
                c.push_ident(column);
                c.push(lo);
            }
        }
        c.push(")");
        Ok(())
    }
    fn decimals_may_be_integers(&self) -> bool {
        true
    }
    fn write_cast(&self, c: &mut Compiler<'_>, x: &Node, ty: SqlType) -> Result<()> {
        // CAST(.. AS DATE) has NUMERIC affinity here ('2023-05-01' becomes 2023):
        // the date functions give sqlkit's text formats instead.
        let format = match ty {
            SqlType::Date => "%Y-%m-%d",
            SqlType::Time => "%H:%M:%f000",
            SqlType::DateTime => "%Y-%m-%dT%H:%M:%f000",
            SqlType::Timestamp => "%Y-%m-%dT%H:%M:%f000Z",
            // SQLite's CAST truncates a fraction; sqlkit's function rounds it as the
            // other dialects do (ties to even).
            SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => {
                c.push("sqlkit_integer(");
                c.write_node(x)?;
                // A decimal (stored as REAL here) rounds its ties away from zero, as
                // NUMERIC does on the servers; a float to even.
                c.push(if crate::compile::decimal_typed(x) {
                    ", 1)"
                } else {
                    ", 0)"
                });
                return Ok(());
            }
            SqlType::Numeric { precision, scale } => {
                // Rounded half away from zero, and refused past the precision, as
                // PostgreSQL and MySQL do (a function sqlkit registers).
                c.push("sqlkit_numeric(");
                c.write_node(x)?;
                c.push(&format!(", {precision}, {scale})"));
                return Ok(());
            }
            _ => return c.default_cast(x, ty),
        };
        c.push("strftime('");
        c.push(format);
        c.push("', ");
        c.write_node(x)?;
        c.push(")");
        Ok(())
    }
    fn write_op(&self, c: &mut Compiler<'_>, op: &Op, args: &[Node]) -> Result<()> {
        match (op, args) {
            // `IS` / `IS NOT` compare NULLs as values (IS DISTINCT FROM only came in 3.39).
            (Op::IsDistinct { negated }, [l, r]) => {
                c.write_comparison_operand(l)?;
                c.push(if *negated { " IS " } else { " IS NOT " });
                c.write_comparison_operand(r)
            }
            // `x REGEXP p` calls `regexp(p, x)`, which sqlkit registers on its connections.
            (Op::Regexp { negated }, [text, pattern]) => {
                c.write_comparison_operand(text)?;
                c.push(if *negated { " NOT REGEXP " } else { " REGEXP " });
                c.write_comparison_operand(pattern)
            }
            (Op::Extract(DatePart::Quarter), [x]) => {
                c.push("((CAST(strftime('%m', ");
                c.write_node(x)?;
                c.push(") AS INTEGER) + 2) / 3)");
                Ok(())
            }
            (Op::Extract(part), [x]) => {
                c.push("CAST(strftime('");
                c.push(match part {
                    DatePart::Year => "%Y",
                    DatePart::Month => "%m",
                    DatePart::Day => "%d",
                    DatePart::Hour => "%H",
                    DatePart::Minute => "%M",
                    DatePart::Second => "%S",
                    DatePart::DayOfWeek => "%w",
                    _ => "%j",
                });
                c.push("', ");
                c.write_node(x)?;
                c.push(") AS INTEGER)");
                Ok(())
            }
            // In sqlkit's text formats for DATE and TIME.
            (Op::CurrentDate, []) => {
                c.push("date('now')");
                Ok(())
            }
            (Op::CurrentTime, []) => {
                c.push("strftime('%H:%M:%f000', 'now')");
                Ok(())
            }
            // The multi-argument max/min: NULL when any argument is NULL, as on MySQL.
            (Op::Extremum(greatest), _) => {
                c.push(if *greatest { "max(" } else { "min(" });
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        c.push(", ");
                    }
                    c.write_node(a)?;
                }
                c.push(")");
                Ok(())
            }
            _ => c.default_op(op, args),
        }
    }
}
