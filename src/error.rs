//! The one error type of sqlkit: every fallible call returns [`Result<T>`].
//!
//! Variants say what went wrong and where. Database errors carry a classified
//! [`DbErrorKind`] and the SQL that failed, never the parameter values.

use crate::dialect::Feature;
use std::fmt;

/// The result type used throughout sqlkit.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in sqlkit.
///
/// The enum is `#[non_exhaustive]`: match the variants you handle and keep a
/// catch-all arm.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The dialect cannot express this construct and no faithful emulation exists.
    #[error("{dialect} cannot express {feature}")]
    Unsupported {
        /// Name of the dialect, e.g. `"mysql"`.
        dialect: &'static str,
        /// The construct that was refused.
        feature: Feature,
    },
    /// A column was looked up by a name the table (or subquery) does not have.
    #[error("{table} has no column named `{column}`")]
    UnknownColumn {
        /// The table, alias or subquery that was searched.
        table: Box<str>,
        /// The name that was asked for.
        column: Box<str>,
    },
    /// A join without an explicit ON found zero or several foreign keys between the tables.
    #[error("cannot infer the ON clause for a join between `{left}` and `{right}`: {reason}; pass an explicit condition")]
    JoinCondition {
        /// The table(s) already in the FROM clause.
        left: Box<str>,
        /// The table being joined.
        right: Box<str>,
        /// Why no single condition was found.
        reason: JoinFailure,
    },
    /// A statement that is well-typed but cannot form valid SQL (an INSERT without
    /// values, rows of different widths, an UPDATE without SET, ...).
    #[error("invalid {statement} statement: {reason}")]
    InvalidStatement {
        /// `"INSERT"`, `"UPDATE"`, `"SELECT"`, ...
        statement: &'static str,
        /// What is wrong with it.
        reason: Box<str>,
    },
    /// A schema that cannot be assembled: a foreign key to a table or column that does
    /// not exist, a duplicate table, a cycle.
    #[error("schema error: {0}")]
    Schema(Box<str>),
    /// A migration revision file, or the chain of them, is wrong: a file that does not
    /// parse, a parent that is missing, two heads, a target that is not there.
    #[error("migrations: {file}: {reason}")]
    Revision {
        /// The file (or folder) concerned.
        file: Box<str>,
        /// What is wrong.
        reason: Box<str>,
    },
    /// An operation of a migration assumes something of the database that is not so
    /// (see [`SchemaMismatch`]): nothing of the plan was run.
    #[error(transparent)]
    SchemaMismatch(Box<SchemaMismatch>),
    /// An operation of a migration failed on the database (see [`MigrationFailure`]).
    #[error(transparent)]
    Migration(Box<MigrationFailure>),
    /// A database URL that cannot be parsed.
    #[error("invalid database URL `{url}`: {reason}")]
    Url {
        /// The URL, with any password replaced by `***`.
        url: Box<str>,
        /// Why it was refused.
        reason: Box<str>,
    },
    /// The URL names a database whose driver feature is not compiled in.
    #[error(
        "the URL scheme `{scheme}` needs sqlkit's cargo feature `{feature}`, which is not enabled"
    )]
    MissingFeature {
        /// The URL scheme, e.g. `postgresql`.
        scheme: Box<str>,
        /// The cargo feature to enable.
        feature: &'static str,
    },
    /// The database refused a statement.
    #[error(transparent)]
    Database(Box<DatabaseError>),
    /// A query that must return one row returned none.
    #[error("the query returned no rows")]
    NoRows,
    /// A query that must return at most one row returned more.
    #[error("the query returned more than one row")]
    TooManyRows,
    /// A value could not be converted to the requested Rust type.
    #[error("cannot decode column `{column}`: {reason}")]
    Decode {
        /// Column name (or `#index` when the result has no name for it).
        column: Box<str>,
        /// What was expected and what was found.
        reason: Box<str>,
    },
    /// A Rust value could not be turned into SQL parameters (e.g. a struct given to
    /// `insert(..).record(..)` that does not serialize to a map).
    #[error("cannot encode `{field}`: {reason}")]
    Encode {
        /// The struct field or column concerned.
        field: Box<str>,
        /// What went wrong.
        reason: Box<str>,
    },
    /// A named bind parameter was not given a value, or was given one it does not have.
    #[error("bind parameter `{0}`: no such parameter or no value given")]
    Parameter(Box<str>),
    /// A statement failed earlier in this transaction (and no savepoint rolled back to
    /// contained it), so the transaction can only be rolled back: nothing was sent to
    /// the server. This is PostgreSQL's rule, applied on every database, so code tried
    /// on SQLite or MariaDB cannot commit half of its work on PostgreSQL.
    #[error("the transaction is aborted by an earlier failure and can only be rolled back (the failure: {cause})")]
    TransactionAborted {
        /// The failure that aborted the transaction.
        cause: Box<Error>,
    },
    /// [`Connection::execute_many`](crate::engine::Connection::execute_many) failed at
    /// one of its rows; none of its rows were kept.
    #[error(
        "execute_many failed at row {row} (counting from 0); none of its rows were kept: {cause}"
    )]
    ExecuteMany {
        /// The index of the row that failed, counting from 0 in the order given. Rows
        /// go as multi-row INSERTs of up to 1,000; when one fails, its rows are tried
        /// one by one to find the culprit. A row that fails only beside a row of an
        /// earlier INSERT of the same call (a duplicate of row 5 at row 2,100) is not
        /// found that way: the first row of its INSERT is named instead.
        row: usize,
        /// The error of that row.
        cause: Box<Error>,
    },
    /// The expression tree is deeper than [`MAX_DEPTH`](crate::compile::MAX_DEPTH).
    #[error("the expression tree is more than {limit} levels deep")]
    TooDeep {
        /// The limit.
        limit: u32,
    },
    /// A statement with more bound parameters than the dialect's protocol allows
    /// (SQLite 32,766; PostgreSQL and MySQL 65,535), refused before the server. A
    /// connection splits a multi-row INSERT that is too large into several statements
    /// in one transaction; an IN list this long needs a temporary table or a join.
    #[error("the statement has {count} bound parameters; {dialect} takes at most {limit}")]
    TooManyParameters {
        /// The dialect.
        dialect: &'static str,
        /// The parameters the statement has.
        count: usize,
        /// The dialect's limit.
        limit: usize,
    },
    /// An ORM session cannot do what was asked: a handle of another session or of an
    /// object no longer in this one, an object that is deleted, a model the session's
    /// relationships do not know.
    #[error("session: {0}")]
    Session(Box<str>),
    /// A relationship that was not loaded was read: the ORM never runs a query behind a
    /// read. Load it with a loader option (`selectinload`, `joinedload`) or
    /// `Session::load`.
    #[error("{model}.{relationship} is not loaded; load it with a loader option (selectinload, joinedload) or Session::load")]
    NotLoaded {
        /// The model (table) holding the relationship.
        model: &'static str,
        /// The relationship's name.
        relationship: &'static str,
    },
    /// A flush's UPDATE or DELETE did not match the rows it expected: the row changed or
    /// went away outside the session (SQLAlchemy's `StaleDataError`). The flush was
    /// undone.
    #[error("stale data: {0}")]
    StaleData(Box<str>),
    /// An engine option out of its range.
    #[error("invalid engine option `{option}`: {reason}")]
    InvalidOption {
        /// The option, e.g. `max_connections`.
        option: &'static str,
        /// Why it was refused.
        reason: Box<str>,
    },
    /// No pooled connection became available within the engine's checkout timeout
    /// (all are in use, or the server cannot be reached).
    #[error("no database connection available within {waited:?}{}", last_error.as_deref().map(|e| format!(" (last error: {e})")).unwrap_or_default())]
    PoolTimeout {
        /// How long the checkout waited.
        waited: std::time::Duration,
        /// The last error met while opening a connection, if any.
        last_error: Option<Box<str>>,
    },
}

impl Error {
    pub(crate) fn invalid(statement: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidStatement {
            statement,
            reason: reason.into().into_boxed_str(),
        }
    }

    /// A [`Error::Decode`] for `column` (for [`FromCell`](crate::engine::FromCell) and
    /// [`FromValue`](crate::FromValue) implementations of custom types).
    pub fn decode(column: &str, reason: impl Into<String>) -> Self {
        Error::Decode {
            column: column.into(),
            reason: reason.into().into_boxed_str(),
        }
    }

    /// The classified kind of a database error, if this is one (also when it is the
    /// cause of an [`ExecuteMany`](Error::ExecuteMany) error).
    /// [`TransactionAborted`](Error::TransactionAborted) is
    /// [`DbErrorKind::TransactionAborted`].
    pub fn db_kind(&self) -> Option<DbErrorKind> {
        match self {
            Error::Database(e) => Some(e.kind),
            Error::ExecuteMany { cause, .. } => cause.db_kind(),
            Error::TransactionAborted { .. } => Some(DbErrorKind::TransactionAborted),
            _ => None,
        }
    }
}

/// Why a join condition could not be inferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoinFailure {
    /// No foreign key links the tables.
    NoForeignKey,
    /// This many foreign keys link them.
    Ambiguous(u32),
    /// The joined item is a subquery, which has no foreign keys.
    Subquery,
}

impl fmt::Display for JoinFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinFailure::NoForeignKey => f.write_str("no foreign key links them"),
            JoinFailure::Ambiguous(n) => write!(f, "{n} foreign keys link them"),
            JoinFailure::Subquery => f.write_str("a subquery has no foreign keys"),
        }
    }
}

/// The broad class of a database error, classified from each server's own codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DbErrorKind {
    /// A UNIQUE or PRIMARY KEY constraint was violated.
    UniqueViolation,
    /// A FOREIGN KEY constraint was violated.
    ForeignKeyViolation,
    /// A NOT NULL constraint was violated.
    NotNullViolation,
    /// A CHECK constraint was violated.
    CheckViolation,
    /// The server chose this transaction as a deadlock victim.
    Deadlock,
    /// A serializable transaction could not be serialized.
    SerializationFailure,
    /// The database is locked or busy (SQLite `SQLITE_BUSY`).
    Busy,
    /// The connection to the server was lost.
    ConnectionLost,
    /// The server could not be reached when connecting (refused, unreachable, timed
    /// out): no connection was ever made.
    ConnectionRefused,
    /// The server refused the user name or password.
    Authentication,
    /// The transaction was already aborted by an earlier failure (PostgreSQL SQLSTATE
    /// 25P02, or sqlkit's own [`Error::TransactionAborted`]).
    TransactionAborted,
    /// The SQL text was rejected (syntax error, unknown table, ...).
    Syntax,
    /// Any other error.
    Other,
}

/// A database error: its kind, the server's code and message, and the SQL that failed.
#[derive(Debug, Clone)]
pub struct DatabaseError {
    /// The classified kind.
    pub kind: DbErrorKind,
    /// The server's own error code (SQLite extended code, SQLSTATE, MySQL error number).
    pub code: Option<String>,
    /// The server's message.
    pub message: String,
    /// The SQL that failed, if a statement was being run. Parameter values are never kept.
    pub sql: Option<String>,
}

impl fmt::Display for DatabaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "database error ({:?}", self.kind)?;
        if let Some(code) = &self.code {
            write!(f, ", code {code}")?;
        }
        write!(f, "): {}", self.message)?;
        if let Some(sql) = &self.sql {
            write!(f, " [SQL: {sql}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for DatabaseError {}

/// An operation of a migration whose "before" side is not what the database has: an
/// `alter_column` from a type the column does not have, a `drop_column` of a column
/// that differs from the one the revision keeps for its downgrade, a rename of a name
/// that is not there. The migration runner compares every operation of a plan with the
/// database (reflected) before it runs any, so that a destructive change is judged on
/// the real schema, never on what a revision says of it.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "migrations: {file}: operation {step} ({op}) expects {object} to be {expected}, but the database has {found}"
)]
pub struct SchemaMismatch {
    /// The revision file.
    pub file: Box<str>,
    /// The operation, counted from 1 within its revision.
    pub step: u32,
    /// The operation, described.
    pub op: Box<str>,
    /// What was compared: `column `posts.rating``, `index `ix_posts_title``.
    pub object: Box<str>,
    /// What the revision says.
    pub expected: Box<str>,
    /// What the database has.
    pub found: Box<str>,
}

/// An operation of a migration that failed on the database. `state` says what was
/// kept: nothing where the revision ran in a transaction, the earlier operations on
/// MySQL and MariaDB (whose DDL commits at once), and what to do next.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "revision {revision} ({file}): operation {step} of {total} ({op}) failed: {source}; {state}"
)]
pub struct MigrationFailure {
    /// The revision id.
    pub revision: Box<str>,
    /// Its file.
    pub file: Box<str>,
    /// The failed operation, counted from 1.
    pub step: u32,
    /// The revision's number of operations.
    pub total: u32,
    /// The failed operation, described.
    pub op: Box<str>,
    /// What the database holds now and what to do.
    pub state: Box<str>,
    /// The database's error.
    #[source]
    pub source: Error,
}
