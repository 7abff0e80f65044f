//! [`MetaData`]: a collection of tables, checked as a whole and ordered by foreign keys.

use super::Table;
use crate::dialect::{Dialect, Feature};
use crate::error::{Error, Result};
use crate::stmt::{AsTable, CreateIndex, CreateTable, Ddl, DropTable};

/// A set of tables: foreign keys are resolved here, so tables may be added in any
/// order, and [`create_all`](MetaData::create_all_statements) emits them parents first.
///
/// There is no global registry: a `MetaData` is an ordinary value.
#[derive(Debug, Clone, Default)]
pub struct MetaData {
    tables: Vec<Table>,
}

impl MetaData {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a table; a second table of the same name is an error.
    pub fn add(&mut self, table: impl AsTable) -> Result<&mut Self> {
        let table = table.as_table();
        if self.table(table.name()).is_some() {
            return Err(Error::Schema(
                format!("table `{}` is already in this MetaData", table.name()).into(),
            ));
        }
        self.tables.push(table);
        Ok(self)
    }

    /// Builds a collection from tables, checking every foreign key.
    pub fn from_tables<I>(tables: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: AsTable,
    {
        let mut md = MetaData::new();
        for t in tables {
            md.add(t)?;
        }
        md.sorted_tables()?;
        Ok(md)
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name() == name)
    }

    /// The tables in the order they were added.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// Checks every foreign key (target table and columns exist, widths match) and
    /// returns the tables with every referenced table before the tables that reference
    /// it. A cycle of foreign keys (other than a table referencing itself) is an error.
    pub fn sorted_tables(&self) -> Result<Vec<&Table>> {
        for t in &self.tables {
            for fk in t.def().foreign_keys() {
                let target = self.table(fk.ref_table()).ok_or_else(|| {
                    Error::Schema(
                        format!(
                            "foreign key of `{}` references table `{}`, which is not in this MetaData",
                            t.name(),
                            fk.ref_table()
                        )
                        .into(),
                    )
                })?;
                if let Some(c) = fk
                    .ref_columns()
                    .iter()
                    .find(|c| target.def().column_index(c).is_none())
                {
                    return Err(Error::Schema(
                        format!(
                            "foreign key of `{}` references `{}.{c}`, which does not exist",
                            t.name(),
                            target.name()
                        )
                        .into(),
                    ));
                }
            }
        }
        let mut done: Vec<&Table> = Vec::with_capacity(self.tables.len());
        while done.len() < self.tables.len() {
            let before = done.len();
            for t in &self.tables {
                if done.iter().any(|d| d.name() == t.name()) {
                    continue;
                }
                let ready = t.def().foreign_keys().iter().all(|fk| {
                    fk.ref_table() == t.name() || done.iter().any(|d| d.name() == fk.ref_table())
                });
                if ready {
                    done.push(t);
                }
            }
            if done.len() == before {
                let rest: Vec<&str> = self
                    .tables
                    .iter()
                    .filter(|t| !done.iter().any(|d| d.name() == t.name()))
                    .map(|t| t.name())
                    .collect();
                return Err(Error::Schema(
                    format!("foreign keys form a cycle among {}", rest.join(", ")).into(),
                ));
            }
        }
        Ok(done)
    }

    /// The DDL that creates every table and index for `dialect`, parents first. With
    /// `if_not_exists`, running it again is harmless. Where the dialect declares indexes
    /// inside `CREATE TABLE` (MySQL), they go there; elsewhere each is a `CREATE INDEX`.
    pub fn create_all_statements(
        &self,
        dialect: &dyn Dialect,
        if_not_exists: bool,
    ) -> Result<Vec<Ddl>> {
        let inline = dialect.supports(Feature::InlineIndexes);
        let mut out = Vec::new();
        for t in self.sorted_tables()? {
            out.push(Ddl::CreateTable(CreateTable {
                table: t.clone(),
                if_not_exists,
                with_indexes: inline,
                constraint_table: None,
            }));
            if inline {
                continue;
            }
            for (i, _) in t.def().indexes().iter().enumerate() {
                out.push(Ddl::CreateIndex(CreateIndex {
                    table: t.clone(),
                    index: i,
                    if_not_exists,
                }));
            }
        }
        Ok(out)
    }

    /// The DDL that drops every table, children first.
    pub fn drop_all_statements(&self, if_exists: bool) -> Result<Vec<Ddl>> {
        let mut tables = self.sorted_tables()?;
        tables.reverse();
        Ok(tables
            .into_iter()
            .map(|t| {
                Ddl::DropTable(DropTable {
                    table: t.clone(),
                    if_exists,
                })
            })
            .collect())
    }
}
