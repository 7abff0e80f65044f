//! MySQL and MariaDB: backtick quoting, `?` placeholders, `CONCAT`, `AUTO_INCREMENT`,
//! emulated ILIKE and NULLS ordering; RETURNING only on MariaDB (INSERT, DELETE).

use super::{default_literal, BindSite, Dialect, Feature, UpsertStyle, Version};
use crate::compile::Compiler;
use crate::error::Result;
use crate::expr::{DatePart, Node, Op};
use crate::schema::SqlType;
use crate::value::Value;
use std::fmt::Write;

/// Which server of the MySQL family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MysqlFlavor {
    /// Oracle MySQL.
    MySql,
    /// MariaDB.
    MariaDb,
}

/// The MySQL / MariaDB dialect. Defaults: MySQL 8.0, or MariaDB 10.11 from
/// [`Mysql::mariadb`]; a connection reports the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mysql {
    /// MySQL or MariaDB.
    pub flavor: MysqlFlavor,
    /// The server version the SQL is written for.
    pub version: Version,
    /// Whether `\` is an escape character inside string literals: MySQL's default;
    /// `false` under the `NO_BACKSLASH_ESCAPES` SQL mode, where a connection renders
    /// with this off (it follows the mode of its session).
    pub backslash_escapes: bool,
}

impl Default for Mysql {
    fn default() -> Self {
        Mysql {
            flavor: MysqlFlavor::MySql,
            version: Version::new(8, 0, 36),
            backslash_escapes: true,
        }
    }
}

impl Mysql {
    /// MariaDB at its documented default version, 10.11.
    pub fn mariadb() -> Self {
        Mysql {
            flavor: MysqlFlavor::MariaDb,
            version: Version::new(10, 11, 0),
            backslash_escapes: true,
        }
    }
    fn is_mariadb(&self) -> bool {
        self.flavor == MysqlFlavor::MariaDb
    }
}

impl Dialect for Mysql {
    fn name(&self) -> &'static str {
        if self.is_mariadb() {
            "mariadb"
        } else {
            "mysql"
        }
    }
    fn supports(&self, feature: Feature) -> bool {
        let maria = self.is_mariadb();
        match feature {
            Feature::ReturningInsert => maria && self.version.at_least(10, 5, 0),
            Feature::ReturningDelete => maria && self.version.at_least(10, 0, 5),
            Feature::CreateIndexIfNotExists => maria,
            Feature::PartialIndex => false,
            Feature::RowValueInList
            | Feature::InlineIndexes
            | Feature::Upsert
            | Feature::Regexp
            | Feature::QuantifiedComparison
            | Feature::ParenthesizedSetMembers
            | Feature::RightJoin
            | Feature::RowLocks
            | Feature::MultiTableDml => true,
            Feature::WindowFunctions => {
                self.version
                    .at_least(if maria { 10 } else { 8 }, if maria { 2 } else { 0 }, 0)
            }
            Feature::Cte => {
                self.version
                    .at_least(if maria { 10 } else { 8 }, if maria { 2 } else { 0 }, 0)
            }
            Feature::CteOnDml => !maria && self.version.at_least(8, 0, 0),
            Feature::IntersectExcept => {
                if maria {
                    self.version.at_least(10, 3, 0)
                } else {
                    self.version.at_least(8, 0, 31)
                }
            }
            Feature::IntersectExceptAll => {
                if maria {
                    self.version.at_least(10, 5, 0)
                } else {
                    self.version.at_least(8, 0, 31)
                }
            }
            Feature::Lateral => !maria && self.version.at_least(8, 0, 14),
            Feature::SkipLocked => {
                if maria {
                    self.version.at_least(10, 6, 0)
                } else {
                    self.version.at_least(8, 0, 1)
                }
            }
            Feature::FullOuterJoin
            | Feature::UpsertWhere
            | Feature::ValuesTable
            | Feature::LimitInInSubquery
            | Feature::DistinctOn
            | Feature::UpdateFrom
            | Feature::DeleteUsing
            | Feature::ReturningUpdate
            | Feature::Ilike
            | Feature::ConcatOperator
            | Feature::NullsOrdering
            | Feature::DefaultValues => false,
        }
    }
    fn quote_char(&self) -> char {
        '`'
    }
    fn cast_decimal_params(&self) -> bool {
        true
    }
    fn result_loses_type(&self, ty: SqlType) -> bool {
        matches!(
            ty,
            SqlType::Timestamp | SqlType::Boolean | SqlType::Json | SqlType::Uuid
        )
    }
    fn write_lock(&self, c: &mut Compiler<'_>, lock: &crate::stmt::Lock) -> Result<()> {
        if lock.share && self.is_mariadb() {
            // MariaDB has no FOR SHARE.
            c.push(" LOCK IN SHARE MODE");
            return c.default_lock_wait(lock);
        }
        c.default_lock(lock)
    }
    fn backslash_escapes(&self) -> bool {
        self.backslash_escapes
    }
    /// 64 characters for tables, columns and aliases.
    fn max_identifier_len(&self) -> Option<super::IdentifierLimit> {
        Some(super::IdentifierLimit::Chars(64))
    }
    fn implicit_returning(&self) -> bool {
        // MariaDB 10.5+ returns the keys of every row; the OK packet has the first only.
        self.supports(Feature::ReturningInsert)
    }
    fn upsert_style(&self) -> UpsertStyle {
        UpsertStyle::OnDuplicateKey {
            // MySQL 8.0.19 added `INSERT .. AS new`; 8.0.20 deprecated VALUES(col).
            row_alias: !self.is_mariadb() && self.version.at_least(8, 0, 19),
        }
    }
    fn write_limit_offset(
        &self,
        c: &mut Compiler<'_>,
        limit: Option<&Node>,
        offset: Option<&Node>,
    ) -> Result<()> {
        if let (None, Some(_)) = (limit, offset) {
            // MySQL has no OFFSET without LIMIT; its manual's idiom is the largest LIMIT.
            c.push(" LIMIT 18446744073709551615");
            c.push(" OFFSET ");
            return offset.map_or(Ok(()), |o| c.write_node(o));
        }
        c.default_limit_offset(limit, offset)
    }
    fn write_type(&self, out: &mut String, ty: SqlType) {
        let _ = match ty {
            SqlType::Boolean => write!(out, "BOOL"),
            SqlType::Float => write!(out, "FLOAT"),
            SqlType::Double => write!(out, "DOUBLE"),
            SqlType::Numeric { precision, scale } => write!(out, "DECIMAL({precision}, {scale})"),
            SqlType::Text => write!(out, "LONGTEXT"),
            SqlType::Time => write!(out, "TIME(6)"),
            SqlType::DateTime | SqlType::Timestamp => write!(out, "DATETIME(6)"),
            SqlType::Uuid => write!(out, "CHAR(36)"),
            SqlType::Bytes => write!(out, "LONGBLOB"),
            other => {
                super::default_type(out, other);
                Ok(())
            }
        };
    }
    fn write_cast_type(&self, out: &mut String, ty: SqlType) {
        match ty {
            SqlType::SmallInt | SqlType::Integer | SqlType::BigInt | SqlType::Boolean => {
                out.push_str("SIGNED")
            }
            SqlType::String(_) | SqlType::Text => out.push_str("CHAR"),
            SqlType::Float | SqlType::Double => out.push_str("DOUBLE"),
            SqlType::Bytes => out.push_str("BINARY"),
            other => self.write_type(out, other),
        }
    }
    fn write_column_spec(
        &self,
        c: &mut Compiler<'_>,
        ty: SqlType,
        nullable: bool,
        autoincrement: bool,
    ) -> Result<()> {
        c.default_column_spec(ty, nullable && !autoincrement, false)?;
        if autoincrement {
            c.push(" AUTO_INCREMENT");
        }
        Ok(())
    }
    fn write_literal(&self, out: &mut String, value: &Value) -> Result<()> {
        match value {
            // Sessions run in UTC; DATETIME(6) has no offset.
            Value::Timestamp(t) => {
                let _ = write!(out, "'{}'", t.format("%Y-%m-%d %H:%M:%S%.6f"));
                Ok(())
            }
            // With an exponent a number is a DOUBLE; `1.5` alone is a DECIMAL literal
            // (and would read back as one).
            Value::Float(f) if f.is_finite() => {
                let start = out.len();
                let _ = write!(out, "{f:?}");
                if !out[start..].contains('e') {
                    out.push_str("e0");
                }
                Ok(())
            }
            // Without backslash escapes a NUL has no spelling: default_literal refuses it.
            v => default_literal(out, v, self.backslash_escapes, self),
        }
    }
    fn write_bind_type(&self, out: &mut String, value: &Value, site: BindSite) {
        // A bound string takes the collation of the client's character set
        // (`utf8mb4_general_ci`, case-insensitive), not the connection's. Compared
        // with a column it takes the column's; anywhere else (compared with another
        // value, inside a function) it is given a code-point collation, as text is
        // everywhere in sqlkit (trailing spaces counting where the server can).
        if site != BindSite::Compared && matches!(value, Value::Text(_)) {
            out.push_str(if self.is_mariadb() {
                " COLLATE utf8mb4_nopad_bin"
            } else if self.version >= Version::new(8, 0, 0) {
                " COLLATE utf8mb4_0900_bin"
            } else {
                " COLLATE utf8mb4_bin"
            });
        }
    }
    fn write_storage_check(
        &self,
        c: &mut Compiler<'_>,
        column: &str,
        ty: SqlType,
        _autoincrement: bool,
    ) -> Result<()> {
        // BOOLEAN is TINYINT(1), which would keep 2 and read it as true.
        if ty == SqlType::Boolean && (self.is_mariadb() || self.version >= Version::new(8, 0, 16)) {
            c.push(" CHECK (");
            c.push_ident(column);
            c.push(" IN (0, 1))");
        }
        Ok(())
    }
    fn check_label(&self, label: &str) -> Result<()> {
        if label.starts_with(char::is_whitespace) {
            return Err(crate::Error::invalid(
                "SELECT",
                format!(
                    "the label {label:?} begins with a space, which MySQL and MariaDB drop \
                     (the column would come back under another name)"
                ),
            ));
        }
        Ok(())
    }
    fn avg_keeps_few_places(&self) -> bool {
        true
    }
    fn having_reads_labels_first(&self) -> bool {
        true
    }
    fn write_now(&self, out: &mut String) {
        out.push_str("CURRENT_TIMESTAMP(6)");
    }
    fn write_op(&self, c: &mut Compiler<'_>, op: &Op, args: &[Node]) -> Result<()> {
        match (op, args) {
            // `<=>` is MySQL's NULL-safe equality.
            (Op::IsDistinct { negated }, [l, r]) => {
                c.push(if *negated { "" } else { "NOT (" });
                c.write_comparison_operand(l)?;
                c.push(" <=> ");
                c.write_comparison_operand(r)?;
                c.push(if *negated { "" } else { ")" });
                Ok(())
            }
            (Op::Regexp { negated }, [text, pattern]) => {
                c.write_comparison_operand(text)?;
                c.push(if *negated { " NOT REGEXP " } else { " REGEXP " });
                c.write_comparison_operand(pattern)
            }
            (Op::Extract(DatePart::DayOfWeek), [x]) => {
                c.push("(DAYOFWEEK(");
                c.write_node(x)?;
                c.push(") - 1)");
                Ok(())
            }
            (Op::Extract(DatePart::DayOfYear), [x]) => {
                c.push("DAYOFYEAR(");
                c.write_node(x)?;
                c.push(")");
                Ok(())
            }
            (Op::CurrentTime, []) => {
                c.push("CURRENT_TIME(6)");
                Ok(())
            }
            // ROUND of a DOUBLE rounds half to even; of a DECIMAL half away from zero,
            // as the other dialects do.
            (Op::Round, [x, digits]) => {
                c.push("ROUND(CAST(");
                c.write_node(x)?;
                c.push(" AS DECIMAL(65, 30)), ");
                c.write_node(digits)?;
                c.push(")");
                Ok(())
            }
            // `/` gives a DECIMAL; DIV keeps the exact quotient an integer.
            (Op::FloorDiv, _) => c.floor_div(args, " DIV "),
            _ => c.default_op(op, args),
        }
    }
}
