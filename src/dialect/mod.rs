//! The [`Dialect`] trait and the three built-in dialects. A dialect is a value with a
//! server version, chosen at run time (from a URL or by name); it overrides only the
//! hooks where its SQL differs from the standard, and says in [`Dialect::supports`]
//! which constructs it can express.

mod mysql;
mod postgres;
mod sqlite;

pub use mysql::{Mysql, MysqlFlavor};
pub use postgres::Postgres;
#[cfg(feature = "sqlite")]
pub(crate) use sqlite::inexact_decimal as sqlite_inexact_decimal;
pub use sqlite::{Sqlite, DECIMAL_TYPE as SQLITE_DECIMAL_TYPE, FITS_CHECK as SQLITE_FITS_CHECK};

use crate::compile::Compiler;
use crate::error::{Error, Result};
use crate::expr::{Node, Op};
use crate::schema::SqlType;
use crate::value::Value;
use std::fmt;

/// A server version `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Patch version.
    pub patch: u32,
}

impl Version {
    /// `major.minor.patch`
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }
    /// `self >= major.minor.patch`
    pub fn at_least(self, major: u32, minor: u32, patch: u32) -> bool {
        self >= Version::new(major, minor, patch)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A construct that some dialects cannot express natively. The compiler asks
/// [`Dialect::supports`]; a missing feature is either emulated (named in its doc) or
/// refused with [`Error::Unsupported`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// `FULL OUTER JOIN`; refused where missing.
    FullOuterJoin,
    /// `INSERT .. RETURNING`; refused where missing.
    ReturningInsert,
    /// `UPDATE .. RETURNING`; refused where missing.
    ReturningUpdate,
    /// `DELETE .. RETURNING`; refused where missing.
    ReturningDelete,
    /// Native `ILIKE`; emulated as `lower(a) LIKE lower(b)` where missing.
    Ilike,
    /// The `||` operator for strings; emulated with `CONCAT(a, b)` where missing.
    ConcatOperator,
    /// `NULLS FIRST` / `NULLS LAST`; emulated with an extra `x IS NULL` sort key.
    NullsOrdering,
    /// `CREATE INDEX IF NOT EXISTS`; refused where missing.
    CreateIndexIfNotExists,
    /// A partial index (`CREATE INDEX .. WHERE ..`); refused where missing (MySQL).
    PartialIndex,
    /// `INSERT .. DEFAULT VALUES`; emulated as `() VALUES ()` where missing.
    DefaultValues,
    /// `(a, b) IN ((1, 2), (3, 4))`; emulated as `(a, b) IN (VALUES (1, 2), (3, 4))`.
    RowValueInList,
    /// Indexes declared inside `CREATE TABLE` (MySQL); elsewhere they are separate
    /// `CREATE INDEX` statements.
    InlineIndexes,
    /// Upserts (`INSERT .. ON CONFLICT` / `ON DUPLICATE KEY UPDATE`); refused where
    /// missing (SQLite before 3.24).
    Upsert,
    /// Window functions (`.. OVER (..)`); refused where missing (MySQL before 8.0,
    /// MariaDB before 10.2, SQLite before 3.25).
    WindowFunctions,
    /// Regular-expression matching; refused where the dialect has none.
    Regexp,
    /// `x op ANY (subquery)` / `ALL`; refused where missing (SQLite).
    QuantifiedComparison,
    /// `INTERSECT` and `EXCEPT`; refused where missing.
    IntersectExcept,
    /// `INTERSECT ALL` and `EXCEPT ALL`; refused where missing (SQLite, MariaDB
    /// before 10.5).
    IntersectExceptAll,
    /// Members of a set operation in parentheses (`(SELECT ..) UNION (SELECT ..)`);
    /// where missing (SQLite) a member with its own ORDER BY / LIMIT is wrapped in a
    /// derived table.
    ParenthesizedSetMembers,
    /// `RIGHT OUTER JOIN`; refused where missing (SQLite before 3.39).
    RightJoin,
    /// `JOIN LATERAL`; refused where missing (MariaDB, SQLite, MySQL before 8.0.14).
    Lateral,
    /// `SELECT DISTINCT ON (..)`; refused where missing (all but PostgreSQL).
    DistinctOn,
    /// Row locks (`FOR UPDATE`, `FOR SHARE`); on SQLite, whose transactions lock the
    /// whole database (sqlkit begins them `IMMEDIATE`), the clause is left out.
    RowLocks,
    /// `SKIP LOCKED` on a row lock; refused where missing (MariaDB before 10.6).
    SkipLocked,
    /// `WITH` (common table expressions); refused where missing.
    Cte,
    /// `WITH` in front of UPDATE and DELETE; where missing (MariaDB), non-recursive
    /// CTEs are written as derived tables in place, recursive ones refused.
    CteOnDml,
    /// `UPDATE .. FROM` (PostgreSQL, SQLite 3.33+); MySQL writes the multi-table form
    /// `UPDATE a, b SET ..` instead.
    UpdateFrom,
    /// `DELETE .. USING` (PostgreSQL); MySQL writes `DELETE a FROM a, b`, SQLite a
    /// key `IN (SELECT ..)` test.
    DeleteUsing,
    /// A LIMIT in a subquery of `IN` / `ANY` / `ALL`; where missing (MySQL, MariaDB:
    /// error 1235) the subquery is wrapped in a derived table, which they accept.
    LimitInInSubquery,
    /// A `VALUES` list as a table with column names (`(VALUES ..) AS v (a, b)`);
    /// elsewhere the same rows as a derived table of `SELECT .. UNION ALL SELECT ..`.
    ValuesTable,
    /// A condition on an upsert's update (`DO UPDATE SET .. WHERE ..`); refused where
    /// missing (MySQL, MariaDB), never dropped.
    UpsertWhere,
    /// MySQL's multi-table UPDATE and DELETE (`UPDATE a, b SET ..`, `DELETE a FROM a,
    /// b`), used where `UPDATE .. FROM` / `DELETE .. USING` are missing.
    MultiTableDml,
}

/// The longest name a server keeps, counted as it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifierLimit {
    /// At most this many bytes of UTF-8 (PostgreSQL: 63).
    Bytes(usize),
    /// At most this many characters (MySQL: 64).
    Chars(usize),
}

impl IdentifierLimit {
    /// Whether `name` is longer than the limit.
    pub fn exceeded_by(self, name: &str) -> bool {
        match self {
            IdentifierLimit::Bytes(n) => name.len() > n,
            IdentifierLimit::Chars(n) => name.len() > n && name.chars().count() > n,
        }
    }
}

impl fmt::Display for IdentifierLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentifierLimit::Bytes(n) => write!(f, "{n} bytes"),
            IdentifierLimit::Chars(n) => write!(f, "{n} characters"),
        }
    }
}

/// How a dialect writes an upsert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpsertStyle {
    /// `ON CONFLICT (target) DO NOTHING | DO UPDATE SET ..`, proposed values as
    /// `excluded.col` (PostgreSQL, SQLite).
    OnConflict,
    /// `ON DUPLICATE KEY UPDATE ..` (MySQL, MariaDB): any unique key conflicts, the
    /// target is not written. Proposed values are `new.col` after a row alias
    /// `AS new` (`row_alias`: MySQL 8.0.19+), otherwise `VALUES(col)`.
    OnDuplicateKey {
        /// Whether the row alias form is used.
        row_alias: bool,
    },
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Feature::FullOuterJoin => "FULL OUTER JOIN",
            Feature::ReturningInsert => "RETURNING on INSERT",
            Feature::ReturningUpdate => "RETURNING on UPDATE",
            Feature::ReturningDelete => "RETURNING on DELETE",
            Feature::Ilike => "ILIKE",
            Feature::ConcatOperator => "the || operator",
            Feature::NullsOrdering => "NULLS FIRST/LAST",
            Feature::CreateIndexIfNotExists => "CREATE INDEX IF NOT EXISTS",
            Feature::PartialIndex => "partial indexes (CREATE INDEX .. WHERE)",
            Feature::DefaultValues => "INSERT .. DEFAULT VALUES",
            Feature::RowValueInList => "row values in an IN list",
            Feature::InlineIndexes => "indexes inside CREATE TABLE",
            Feature::Upsert => "INSERT .. ON CONFLICT (upsert)",
            Feature::WindowFunctions => "window functions",
            Feature::Regexp => "regular-expression matching",
            Feature::QuantifiedComparison => "ANY / ALL with a subquery",
            Feature::IntersectExcept => "INTERSECT / EXCEPT",
            Feature::IntersectExceptAll => "INTERSECT ALL / EXCEPT ALL",
            Feature::ParenthesizedSetMembers => "parenthesized set-operation members",
            Feature::RightJoin => "RIGHT OUTER JOIN",
            Feature::Lateral => "LATERAL joins",
            Feature::DistinctOn => "DISTINCT ON",
            Feature::RowLocks => "FOR UPDATE / FOR SHARE",
            Feature::SkipLocked => "SKIP LOCKED",
            Feature::Cte => "common table expressions (WITH)",
            Feature::CteOnDml => "WITH before UPDATE / DELETE",
            Feature::UpdateFrom => "UPDATE .. FROM",
            Feature::DeleteUsing => "DELETE .. USING",
            Feature::LimitInInSubquery => "LIMIT in an IN subquery",
            Feature::ValuesTable => "VALUES as a table",
            Feature::UpsertWhere => "a condition on an upsert's update (do_update_where)",
            Feature::MultiTableDml => "multi-table UPDATE / DELETE",
        })
    }
}

/// How a dialect renders SQL. Object-safe: the compiler works on `&dyn Dialect`, so the
/// dialect is a run-time choice, and a new one can be written outside this crate by
/// overriding the hooks that differ. Each default calls a public `Compiler::default_*`
/// or `dialect::default_*` helper so an override can fall back to standard behaviour.
pub trait Dialect: Send + Sync + fmt::Debug {
    /// The dialect's name in messages: `"postgresql"`, `"mysql"`, `"mariadb"`, `"sqlite"`.
    fn name(&self) -> &'static str;

    /// Whether the dialect (at its version) expresses `feature` natively.
    fn supports(&self, feature: Feature) -> bool;

    /// The identifier quote character.
    fn quote_char(&self) -> char {
        '"'
    }

    /// The words that must be quoted as identifiers. Names known to tables are checked
    /// against the default list once, when the table is defined; a dialect that adds
    /// words (see [`ReservedWords::default_plus`]) has every identifier checked as it
    /// is written.
    fn reserved_words(&self) -> &ReservedWords {
        &ReservedWords::DEFAULT
    }

    /// How the dialect writes an upsert.
    fn upsert_style(&self) -> UpsertStyle {
        UpsertStyle::OnConflict
    }

    /// Whether a connection adds `RETURNING <auto-increment key>` to an INSERT it runs,
    /// to learn the inserted id (PostgreSQL, which has no `last_insert_id`).
    fn implicit_returning(&self) -> bool {
        false
    }

    /// Whether a table column of type `ty` comes back from the server as another type,
    /// so the connection reads it as `ty` itself (MySQL: a UTC instant as a naive
    /// DATETIME, a boolean as an integer, JSON and UUIDs as text). Drivers decode every
    /// other table column by its declared type already.
    fn result_loses_type(&self, ty: SqlType) -> bool {
        let _ = ty;
        false
    }

    /// Whether an `IN` list of bound values of one type is sent as one array parameter,
    /// `x = ANY($1)` (`x <> ALL($1)` for `NOT IN`): one statement, prepared once, for
    /// lists of every length, and no limit on their length from the parameter count
    /// (PostgreSQL).
    fn binds_arrays(&self) -> bool {
        false
    }

    /// Whether a bound decimal is written `CAST(? AS DECIMAL(p, s))`: MySQL's protocol
    /// sends decimals as text, and text beside a DECIMAL makes `COALESCE`, `CASE` and
    /// `GREATEST` give text (sorted as text) and comparisons run in floating point.
    fn cast_decimal_params(&self) -> bool {
        false
    }

    /// The most bound parameters one statement may have: longer statements are
    /// refused with [`Error::TooManyParameters`] (65,535, the limit of PostgreSQL's and
    /// MySQL's protocols, by default).
    fn max_parameters(&self) -> usize {
        65_535
    }

    /// Whether placeholders are numbered (`$1`), so that one parameter can be written
    /// at several places. The compiler then writes a repeated select-list expression
    /// (in GROUP BY, HAVING, ORDER BY) with the same placeholders, as PostgreSQL needs
    /// to see that it is the same expression.
    fn numbered_placeholders(&self) -> bool {
        false
    }

    /// Writes the placeholder of the `index`-th parameter (1-based).
    fn write_placeholder(&self, out: &mut String, index: usize) {
        let _ = index;
        out.push('?');
    }

    /// Writes `LIMIT` / `OFFSET` (each possibly absent).
    fn write_limit_offset(
        &self,
        c: &mut Compiler<'_>,
        limit: Option<&Node>,
        offset: Option<&Node>,
    ) -> Result<()> {
        c.default_limit_offset(limit, offset)
    }

    /// Writes a column type in DDL.
    fn write_type(&self, out: &mut String, ty: SqlType) {
        default_type(out, ty)
    }

    /// Writes a SELECT's row lock (` FOR UPDATE NOWAIT`, ..), after its LIMIT.
    fn write_lock(&self, c: &mut Compiler<'_>, lock: &crate::stmt::Lock) -> Result<()> {
        c.default_lock(lock)
    }

    /// Writes `CAST(x AS ty)`, or what the dialect needs to give a value of `ty`.
    fn write_cast(&self, c: &mut Compiler<'_>, x: &Node, ty: SqlType) -> Result<()> {
        c.default_cast(x, ty)
    }

    /// Writes the target type of `CAST(x AS ..)`.
    fn write_cast_type(&self, out: &mut String, ty: SqlType) {
        self.write_type(out, ty)
    }

    /// Writes the part of a column definition after its name: type, autoincrement,
    /// nullability.
    fn write_column_spec(
        &self,
        c: &mut Compiler<'_>,
        ty: SqlType,
        nullable: bool,
        autoincrement: bool,
    ) -> Result<()> {
        c.default_column_spec(ty, nullable, autoincrement)
    }

    /// Writes a value as a SQL literal (debug rendering and DDL defaults).
    fn write_literal(&self, out: &mut String, value: &Value) -> Result<()>;

    /// Writes, after a placeholder, the type of its value where the server cannot infer
    /// one (the operand of unary minus: PostgreSQL refuses `-$1` as "operator is not
    /// unique"). The default writes nothing.
    fn write_param_type(&self, out: &mut String, value: &Value) {
        let _ = (out, value);
    }

    /// Writes, after the placeholder of a bound value inside an expression, a cast to
    /// the type of its value where the server would otherwise take the type from the
    /// context and convert the value to it (PostgreSQL: `$1::float8 / users.id` stays a
    /// float division), or a collation (MySQL: two bound strings compare by code
    /// point). `site` says what stands around the placeholder. Values a statement
    /// stores (INSERT values, UPDATE SET) never pass here: the column's type decides
    /// those, with an exact conversion or an error. The default writes nothing.
    fn write_bind_type(&self, out: &mut String, value: &Value, site: BindSite) {
        let _ = (out, value, site);
    }

    /// Writes, after a column's definition, what keeps a stored value within the
    /// column's type where the server would store it anyway (SQLite: a BOOLEAN holding
    /// 2, a VARCHAR(5) holding six characters). The default writes nothing.
    fn write_storage_check(
        &self,
        c: &mut Compiler<'_>,
        column: &str,
        ty: SqlType,
        autoincrement: bool,
    ) -> Result<()> {
        let _ = (c, column, ty, autoincrement);
        Ok(())
    }

    /// Refuses a select-list label the server would not give back as written (MySQL
    /// and MariaDB drop a label's leading spaces, so the column could not be read by
    /// its name). The default takes any label.
    fn check_label(&self, label: &str) -> Result<()> {
        let _ = label;
        Ok(())
    }

    /// Whether a name in HAVING means a select-list label before a column of that
    /// name (MySQL and MariaDB; SQLite reads the column). Where it does not, a
    /// repeated select item is written in HAVING as its label only if no column of
    /// the query has that name.
    fn having_reads_labels_first(&self) -> bool {
        false
    }

    /// Whether `avg` of integers or decimals returns a decimal of only a few more
    /// places (MySQL and MariaDB: 4), so sqlkit averages the values as doubles to
    /// read the same `f64` as the other dialects.
    fn avg_keeps_few_places(&self) -> bool {
        false
    }

    /// Whether the server may hold a decimal as an integer and then divide it as one
    /// (SQLite stores a whole NUMERIC value as INTEGER, and `3 / 2` is 1 there): a
    /// division with a decimal operand then divides by the divisor made REAL.
    fn decimals_may_be_integers(&self) -> bool {
        false
    }

    /// The longest identifier the server keeps, if it has a limit: longer names are
    /// refused at compile time rather than cut (and merged) by the server.
    fn max_identifier_len(&self) -> Option<IdentifierLimit> {
        None
    }

    /// Whether `\` escapes characters inside string literals (MySQL, unless the
    /// session runs with `NO_BACKSLASH_ESCAPES`).
    fn backslash_escapes(&self) -> bool {
        false
    }

    /// Writes the current instant.
    fn write_now(&self, out: &mut String) {
        out.push_str("CURRENT_TIMESTAMP");
    }

    /// The dialect's name for a function (e.g. `char_length` is `length` on SQLite).
    fn function_name<'a>(&self, name: &'a str) -> &'a str {
        name
    }

    /// Writes one of the constructs whose spelling varies ([`Op`]: CASE, IS DISTINCT
    /// FROM, EXTRACT, regexp, floor division, window functions, ..). A dialect
    /// overrides the ones it spells differently and hands the rest to
    /// [`Compiler::default_op`].
    fn write_op(&self, c: &mut Compiler<'_>, op: &Op, args: &[Node]) -> Result<()> {
        c.default_op(op, args)
    }
}

/// The error for a construct `dialect` cannot express.
pub fn unsupported(dialect: &dyn Dialect, feature: Feature) -> Error {
    Error::Unsupported {
        dialect: dialect.name(),
        feature,
    }
}

/// A dialect for display: standard SQL, `?` placeholders, every feature. It is what
/// `Display` on statements uses, like SQLAlchemy's `str(stmt)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Generic;

impl Dialect for Generic {
    fn name(&self) -> &'static str {
        "generic"
    }
    fn supports(&self, _: Feature) -> bool {
        true
    }
    fn write_literal(&self, out: &mut String, value: &Value) -> Result<()> {
        default_literal(out, value, false, self)
    }
}

/// Parses a dialect name (`postgresql`, `postgres`, `mysql`, `mariadb`, `sqlite`) or a
/// URL's scheme (`postgresql+psycopg://..` works), giving the dialect at its documented
/// default version.
pub fn dialect_for(name_or_url: &str) -> Result<Box<dyn Dialect>> {
    let scheme = name_or_url.split_once(':').map_or(name_or_url, |(s, _)| s);
    let base = scheme
        .split('+')
        .next()
        .unwrap_or(scheme)
        .to_ascii_lowercase();
    Ok(match base.as_str() {
        "postgresql" | "postgres" => Box::new(Postgres::default()),
        "mysql" => Box::new(Mysql::default()),
        "mariadb" => Box::new(Mysql::mariadb()),
        "sqlite" => Box::new(Sqlite::default()),
        _ => {
            return Err(Error::Url {
                url: crate::url::redact(name_or_url).into(),
                reason: format!(
                    "unknown database `{scheme}` (expected postgresql, mysql, mariadb or sqlite)"
                )
                .into(),
            })
        }
    })
}

/// Words quoted as identifiers by every built-in dialect: every keyword that
/// PostgreSQL 15, MariaDB 10.11 or SQLite refuses, or reads as something else (a
/// function such as `session_user`), where a table, column or label name stands.
/// `tests/hostile.rs` asks each real server for its keyword list and checks that
/// every word it needs quoted is here. One list for all dialects, so a name checked
/// when its table is defined is right for every dialect.
const RESERVED: &[&str] = &[
    "accessible",
    "add",
    "all",
    "alter",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asensitive",
    "asymmetric",
    "authorization",
    "autoincrement",
    "before",
    "between",
    "bigint",
    "binary",
    "blob",
    "both",
    "by",
    "call",
    "cascade",
    "case",
    "cast",
    "change",
    "char",
    "character",
    "check",
    "collate",
    "collation",
    "column",
    "commit",
    "concurrently",
    "condition",
    "constraint",
    "continue",
    "convert",
    "create",
    "cross",
    "cume_dist",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "cursor",
    "database",
    "databases",
    "day_hour",
    "day_microsecond",
    "day_minute",
    "day_second",
    "dec",
    "decimal",
    "declare",
    "default",
    "deferrable",
    "delayed",
    "delete",
    "delete_domain_id",
    "dense_rank",
    "desc",
    "describe",
    "deterministic",
    "distinct",
    "distinctrow",
    "div",
    "do",
    "do_domain_ids",
    "double",
    "drop",
    "dual",
    "each",
    "else",
    "elseif",
    "empty",
    "enclosed",
    "end",
    "escape",
    "escaped",
    "except",
    "exists",
    "exit",
    "explain",
    "false",
    "fetch",
    "first_value",
    "float",
    "float4",
    "float8",
    "for",
    "force",
    "foreign",
    "freeze",
    "from",
    "full",
    "fulltext",
    "function",
    "grant",
    "group",
    "groups",
    "having",
    "high_priority",
    "hour_microsecond",
    "hour_minute",
    "hour_second",
    "if",
    "ignore",
    "ignore_domain_ids",
    "ilike",
    "in",
    "index",
    "infile",
    "initially",
    "inner",
    "inout",
    "insensitive",
    "insert",
    "int",
    "int1",
    "int2",
    "int3",
    "int4",
    "int8",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "iterate",
    "join",
    "key",
    "keys",
    "kill",
    "lag",
    "last_value",
    "lateral",
    "lead",
    "leading",
    "leave",
    "left",
    "like",
    "limit",
    "linear",
    "lines",
    "load",
    "localtime",
    "localtimestamp",
    "lock",
    "long",
    "longblob",
    "longtext",
    "loop",
    "low_priority",
    "master_demote_to_replica",
    "master_demote_to_slave",
    "master_ssl_verify_server_cert",
    "match",
    "maxvalue",
    "mediumblob",
    "mediumint",
    "mediumtext",
    "middleint",
    "minute_microsecond",
    "minute_second",
    "mod",
    "modifies",
    "natural",
    "no_write_to_binlog",
    "not",
    "nothing",
    "notnull",
    "nth_value",
    "ntile",
    "null",
    "numeric",
    "of",
    "offset",
    "on",
    "only",
    "optimize",
    "optionally",
    "or",
    "order",
    "out",
    "outer",
    "outfile",
    "over",
    "overlaps",
    "page_checksum",
    "parse_vcol_expr",
    "partition",
    "percent_rank",
    "placing",
    "portion",
    "precision",
    "primary",
    "procedure",
    "purge",
    "raise",
    "range",
    "rank",
    "read",
    "read_write",
    "reads",
    "real",
    "recursive",
    "ref_system_id",
    "references",
    "regexp",
    "release",
    "rename",
    "repeat",
    "replace",
    "require",
    "resignal",
    "restrict",
    "return",
    "returning",
    "revoke",
    "right",
    "rlike",
    "row",
    "row_number",
    "rows",
    "schema",
    "schemas",
    "second_microsecond",
    "select",
    "sensitive",
    "separator",
    "session_user",
    "set",
    "show",
    "signal",
    "similar",
    "smallint",
    "some",
    "spatial",
    "specific",
    "sql",
    "sql_big_result",
    "sql_buffer_result",
    "sql_cache",
    "sql_calc_found_rows",
    "sql_no_cache",
    "sql_small_result",
    "sqlexception",
    "sqlstate",
    "sqlwarning",
    "ssl",
    "starting",
    "stats_auto_recalc",
    "stats_persistent",
    "stats_sample_pages",
    "straight_join",
    "symmetric",
    "system",
    "table",
    "tablesample",
    "terminated",
    "then",
    "tinyblob",
    "tinyint",
    "tinytext",
    "to",
    "trailing",
    "transaction",
    "trigger",
    "true",
    "undo",
    "union",
    "unique",
    "unlock",
    "unsigned",
    "update",
    "usage",
    "use",
    "user",
    "using",
    "utc_date",
    "utc_time",
    "utc_timestamp",
    "values",
    "varbinary",
    "varchar",
    "varcharacter",
    "variadic",
    "varying",
    "verbose",
    "when",
    "where",
    "while",
    "window",
    "with",
    "write",
    "xor",
    "year_month",
    "zerofill",
];

/// FNV-1a, usable in `const` context: the hash of the reserved-word table.
// The loop condition bounds the index.
#[allow(clippy::indexing_slicing)]
const fn fnv(bytes: &[u8]) -> u32 {
    let mut h = 0x811c_9dc5_u32;
    let mut i = 0;
    while i < bytes.len() {
        h = (h ^ bytes[i] as u32).wrapping_mul(0x0100_0193);
        i += 1;
    }
    h
}

const TABLE_SIZE: usize = 1024;

/// The reserved words in an open-addressing hash table built at compile time, so a
/// lookup is one hash and, nearly always, one or no string comparison.
// Evaluated at compile time: an index out of range fails the build, not a program.
#[allow(clippy::indexing_slicing)]
const fn build_table() -> [&'static str; TABLE_SIZE] {
    let mut table = [""; TABLE_SIZE];
    let mut i = 0;
    while i < RESERVED.len() {
        let mut slot = fnv(RESERVED[i].as_bytes()) as usize % TABLE_SIZE;
        while !table[slot].is_empty() {
            slot = (slot + 1) % TABLE_SIZE;
        }
        table[slot] = RESERVED[i];
        i += 1;
    }
    table
}

static RESERVED_TABLE: [&str; TABLE_SIZE] = build_table();

/// The default reserved-word test.
/// The reserved words of a dialect: sqlkit's default list (the reserved words of
/// PostgreSQL, MySQL and SQLite that a name is likely to meet), plus a dialect's own.
#[derive(Debug, Clone, Copy)]
pub struct ReservedWords {
    extra: &'static [&'static str],
}

impl ReservedWords {
    /// The default list alone.
    pub const DEFAULT: ReservedWords = ReservedWords { extra: &[] };

    /// The default list and `extra` (lower case), e.g. for a dialect with more
    /// keywords.
    pub const fn default_plus(extra: &'static [&'static str]) -> ReservedWords {
        ReservedWords { extra }
    }

    /// Whether `word` (lower case) is reserved.
    pub fn contains(&self, word: &str) -> bool {
        default_is_reserved(word) || self.extra.contains(&word)
    }

    /// Whether this is the default list alone, for which names checked in advance
    /// ([`plain_identifier`]) stay valid.
    pub fn is_default(&self) -> bool {
        self.extra.is_empty()
    }
}

/// Whether `name` can be written unquoted under the default reserved words: lower-case
/// ASCII letters, digits and `_`, not starting with a digit, and not reserved. Tables
/// and columns compute this once, when they are defined.
pub fn plain_identifier(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.first().is_some_and(|b| !b.is_ascii_digit())
        && bytes.iter().all(|&b| plain_byte(b))
        && !default_is_reserved(name)
}

/// Bytes allowed in an unquoted identifier.
#[allow(clippy::indexing_slicing)] // evaluated at compile time
pub(crate) const PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = b'a';
    while b <= b'z' {
        t[b as usize] = true;
        b += 1;
    }
    let mut d = b'0';
    while d <= b'9' {
        t[d as usize] = true;
        d += 1;
    }
    t[b'_' as usize] = true;
    t
};

/// Whether `b` may stand in an unquoted identifier.
#[inline]
pub(crate) fn plain_byte(b: u8) -> bool {
    PLAIN.get(usize::from(b)).copied().unwrap_or(false)
}

/// Whether `word` is in sqlkit's default list of reserved words.
pub fn default_is_reserved(word: &str) -> bool {
    let mut slot = fnv(word.as_bytes()) as usize % TABLE_SIZE;
    loop {
        match RESERVED_TABLE.get(slot).copied().unwrap_or("") {
            "" => return false,
            w if w == word => return true,
            _ => slot = (slot + 1) % TABLE_SIZE,
        }
    }
}

/// Appends the decimal digits of `n` (placeholders are written on every bind, so this
/// avoids the formatting machinery).
pub fn push_uint(out: &mut String, n: usize) {
    push_u64(out, n as u64)
}

fn push_u64(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// Standard type names (PostgreSQL's, which most dialects share).
pub fn default_type(out: &mut String, ty: SqlType) {
    use std::fmt::Write;
    let _ = match ty {
        SqlType::SmallInt => write!(out, "SMALLINT"),
        SqlType::Integer => write!(out, "INTEGER"),
        SqlType::BigInt => write!(out, "BIGINT"),
        SqlType::Boolean => write!(out, "BOOLEAN"),
        SqlType::Float => write!(out, "REAL"),
        SqlType::Double => write!(out, "DOUBLE PRECISION"),
        SqlType::Numeric { precision, scale } => write!(out, "NUMERIC({precision}, {scale})"),
        SqlType::String(n) => write!(out, "VARCHAR({n})"),
        SqlType::Text => write!(out, "TEXT"),
        SqlType::Date => write!(out, "DATE"),
        SqlType::Time => write!(out, "TIME"),
        SqlType::DateTime => write!(out, "TIMESTAMP WITHOUT TIME ZONE"),
        SqlType::Timestamp => write!(out, "TIMESTAMP WITH TIME ZONE"),
        SqlType::Json => write!(out, "JSON"),
        SqlType::Uuid => write!(out, "UUID"),
        SqlType::Bytes => write!(out, "BYTEA"),
    };
}

/// Writes `s` as a single-quoted string literal, doubling `'`; with `backslash`, also
/// escaping `\` (MySQL treats it as an escape character inside literals).
pub fn push_quoted(out: &mut String, s: &str, backslash: bool) {
    out.reserve(s.len() + 2);
    out.push('\'');
    for ch in s.chars() {
        match ch {
            '\'' => out.push_str("''"),
            '\\' if backslash => out.push_str("\\\\"),
            '\0' if backslash => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
}

pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        for nibble in [b >> 4, b & 15] {
            out.push(char::from(
                HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
}

/// The standard literal rendering shared by the dialects: numbers as digits, strings
/// quoted, bytes as `X'..'`, temporal values as ISO strings. A NUL in text is refused
/// unless `backslash` escaping can express it; NaN and infinities are refused.
pub fn default_literal(
    out: &mut String,
    value: &Value,
    backslash: bool,
    dialect: &dyn Dialect,
) -> Result<()> {
    use std::fmt::Write;
    match value {
        Value::Null => out.push_str("NULL"),
        Value::Bool(true) => out.push_str("TRUE"),
        Value::Bool(false) => out.push_str("FALSE"),
        Value::Int(i) => {
            if *i < 0 {
                out.push('-');
            }
            push_u64(out, i.unsigned_abs());
        }
        Value::Float(f) if f.is_finite() => {
            let _ = write!(out, "{f:?}");
        }
        Value::Float(_) => {
            return Err(Error::Encode {
                field: "literal".into(),
                reason: format!("{} has no literal for NaN or infinity", dialect.name()).into(),
            })
        }
        Value::Decimal(d) => {
            let _ = write!(out, "{d}");
        }
        Value::Text(s) => {
            if s.contains('\0') && !backslash {
                return Err(Error::Encode {
                    field: "literal".into(),
                    reason: format!(
                        "{} cannot write a NUL character in a string literal",
                        dialect.name()
                    )
                    .into(),
                });
            }
            push_quoted(out, s, backslash)
        }
        Value::Bytes(b) => {
            out.push_str("X'");
            push_hex(out, b);
            out.push('\'');
        }
        Value::Date(d) => {
            let _ = write!(out, "'{}'", d.format(crate::value::text_format::DATE));
        }
        Value::Time(t) => {
            let _ = write!(out, "'{}'", t.format(crate::value::text_format::TIME));
        }
        Value::DateTime(t) => {
            let _ = write!(out, "'{}'", t.format("%Y-%m-%d %H:%M:%S%.6f"));
        }
        Value::Timestamp(t) => {
            let _ = write!(out, "'{}'", t.format("%Y-%m-%d %H:%M:%S%.6f+00:00"));
        }
        Value::Json(j) => push_quoted(out, &j.to_string(), backslash),
        Value::Uuid(u) => {
            let _ = write!(out, "'{}'", u.hyphenated());
        }
        Value::Array(_) => {
            return Err(Error::Encode {
                field: "literal".into(),
                reason: format!("{} has no array values", dialect.name()).into(),
            })
        }
    }
    Ok(())
}

pub(crate) use self::push_hex as hex;

/// What stands around a bound value's placeholder in an expression (see
/// [`Dialect::write_bind_type`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BindSite {
    /// Compared with (or matched, or listed against) an expression that is not a
    /// placeholder: `users.id = $1`, `name LIKE $1`, `id IN ($1, $2)`.
    Compared,
    /// Inside other expressions: a function's argument, an arithmetic operand.
    Inside,
    /// With nothing to give it a type: `CAST($1 AS ..)`, `$1 + $2`, a bare select
    /// item.
    Alone,
}
