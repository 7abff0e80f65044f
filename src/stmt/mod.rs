//! Statements as values: [`Select`], [`Insert`], [`Update`], [`Delete`] and the DDL
//! statements. Builders take `self` and return `Self`; every statement is `Clone`,
//! `Debug`, `Send + Sync`, and displays as its SQL.

mod ddl;
mod dml;
mod finite;
mod lists;
mod record;
mod select;

pub use ddl::{CreateIndex, CreateTable, Ddl, DropTable};
pub(crate) use dml::Conflict;
pub use dml::{delete, insert, update, Delete, Insert, Update};
pub use lists::{
    AsColumn, AsTable, ColumnList, ExprList, FromSource, IntoRow, OrderList, RowItem, SelectList,
};
pub use record::{Record, RecordSink, Serialized};
pub use select::{
    select, values, Cte, Join, JoinKind, Lock, LockWait, Select, SelectItem, SetOp, Subquery,
};
pub(crate) use select::{Compound, Count};

use crate::compile::{Compiled, Compiler};
use crate::dialect::{Dialect, Generic};
use crate::error::Result;

/// A statement the compiler can render: implemented by every statement type.
pub trait Statement: std::fmt::Debug + Send + Sync {
    /// Writes the statement into a compiler (the generic walk).
    fn write_to(&self, c: &mut Compiler<'_>) -> Result<()>;

    /// `true` when executing it yields rows (a SELECT, or DML with RETURNING).
    fn returns_rows(&self) -> bool;

    /// Renders the statement for `dialect`: SQL text with placeholders and the
    /// parameter values in order.
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        let mut c = Compiler::new(dialect, false);
        self.write_to(&mut c)?;
        c.finish(self.returns_rows())
    }

    /// Adds the statement's structure and bound values to a statement-cache key;
    /// `false` when the statement is never cached (DDL, statements holding an error).
    #[doc(hidden)]
    fn cache_key<'a>(&'a self, key: &mut crate::compile::CacheKey<'a>) -> bool {
        let _ = key;
        false
    }

    /// The SQL type of each column the statement returns, where it is known; the
    /// connection reads the column as that type (see `compile/types.rs`).
    #[doc(hidden)]
    fn output_types(&self) -> Vec<crate::compile::types::OutputType> {
        Vec::new()
    }

    /// The table an UPDATE writes (for the statement cache's on-update values).
    #[doc(hidden)]
    fn dml_table(&self) -> Option<crate::schema::Table> {
        None
    }

    /// The statement as an [`Insert`], if it is one (used by
    /// [`Connection::execute_many`](crate::engine::Connection::execute_many) to batch
    /// rows).
    #[doc(hidden)]
    fn as_insert(&self) -> Option<&Insert> {
        None
    }

    /// Renders the statement as a connection runs it: like [`compile`](Self::compile),
    /// and where the dialect has no other way to report an inserted row's id
    /// (PostgreSQL), an INSERT into a table with an auto-increment key gets
    /// `RETURNING` that key.
    fn compile_to_run(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        let mut c = Compiler::new(dialect, false);
        c.implicit_returning = dialect.implicit_returning();
        self.write_to(&mut c)?;
        c.finish(self.returns_rows())
    }

    /// Renders the statement with every value inlined as a literal, escaped for the
    /// dialect: for logs and debugging, never for execution.
    fn debug_sql(&self, dialect: &dyn Dialect) -> Result<String> {
        let mut c = Compiler::new(dialect, true);
        self.write_to(&mut c)?;
        Ok(c.finish(false)?.sql)
    }
}

macro_rules! display_as_sql {
    ($($t:ty),*) => {$(
        /// Shows the statement's SQL in the generic dialect, like SQLAlchemy's `str(stmt)`.
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self.compile(&Generic) {
                    Ok(c) => f.write_str(&c.sql),
                    Err(e) => write!(f, "/* cannot render: {e} */"),
                }
            }
        }
    )*};
}
display_as_sql!(
    Select,
    Insert,
    Update,
    Delete,
    Ddl,
    CreateTable,
    CreateIndex,
    DropTable
);
