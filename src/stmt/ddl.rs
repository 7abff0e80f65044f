//! DDL statements: `CREATE TABLE`, `CREATE INDEX`, `DROP TABLE`.

use crate::schema::Table;

/// `CREATE TABLE [IF NOT EXISTS] ..` with every column, key and constraint.
#[derive(Debug, Clone)]
pub struct CreateTable {
    pub(crate) table: Table,
    pub(crate) if_not_exists: bool,
    pub(crate) with_indexes: bool,
    // The table name constraints are named after, when not the table's own (SQLite's
    // table rebuild creates the new table under a temporary name).
    pub(crate) constraint_table: Option<crate::name::Name>,
}

impl CreateTable {
    /// `CREATE TABLE` for `table`.
    pub fn new(table: impl super::AsTable) -> Self {
        CreateTable {
            table: table.as_table(),
            if_not_exists: false,
            with_indexes: false,
            constraint_table: None,
        }
    }
    /// Declares the table's indexes inside the statement (MySQL's way, so that
    /// `IF NOT EXISTS` covers them too); refused where the dialect cannot.
    pub fn with_indexes(mut self) -> Self {
        self.with_indexes = true;
        self
    }
    /// Adds `IF NOT EXISTS`.
    pub fn if_not_exists(mut self) -> Self {
        self.if_not_exists = true;
        self
    }
}

/// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] ..` for one of a table's indexes.
#[derive(Debug, Clone)]
pub struct CreateIndex {
    pub(crate) table: Table,
    pub(crate) index: usize,
    pub(crate) if_not_exists: bool,
}

/// `DROP TABLE [IF EXISTS] ..`
#[derive(Debug, Clone)]
pub struct DropTable {
    pub(crate) table: Table,
    pub(crate) if_exists: bool,
}

impl DropTable {
    /// `DROP TABLE` for `table`.
    pub fn new(table: impl super::AsTable) -> Self {
        DropTable {
            table: table.as_table(),
            if_exists: false,
        }
    }
    /// Adds `IF EXISTS`.
    pub fn if_exists(mut self) -> Self {
        self.if_exists = true;
        self
    }
}

/// Any DDL statement.
#[derive(Debug, Clone)]
pub enum Ddl {
    /// `CREATE TABLE`
    CreateTable(CreateTable),
    /// `CREATE INDEX`
    CreateIndex(CreateIndex),
    /// `DROP TABLE`
    DropTable(DropTable),
}
