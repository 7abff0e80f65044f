//! Operations rendered as each database's SQL, by the one compiler. SQLite, which
//! cannot alter most of a table, gets its documented table rebuild.

use super::ops::{ColumnSpec, Op, SchemaState, TableSpec};
use crate::compile::Compiler;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::schema::Table;
use crate::stmt::{CreateTable, DropTable, Statement};

/// The prefix of the temporary name SQLite's table rebuild creates the new table
/// under.
pub const REBUILD_PREFIX: &str = "_sqlkit_new_";

/// The SQL statements that perform `op` on `dialect`, in order. `before` is the schema
/// the operation applies to: SQLite's rebuild recreates the whole table from it.
///
/// On SQLite an operation that needs a rebuild must run with foreign keys off and a
/// `PRAGMA foreign_key_check` before commit, as the migration runner does.
pub fn render(op: &Op, dialect: &dyn Dialect, before: &SchemaState) -> Result<Vec<String>> {
    let kind = Db::of(dialect);
    let one = |f: &dyn Fn(&mut Compiler<'_>) -> Result<()>| -> Result<Vec<String>> {
        let mut c = Compiler::new(dialect, true);
        f(&mut c)?;
        Ok(vec![c.finish(false)?.sql])
    };
    let alter = |table: &str, rest: &dyn Fn(&mut Compiler<'_>) -> Result<()>| {
        one(&|c: &mut Compiler<'_>| {
            c.push("ALTER TABLE ");
            c.push_ident(table);
            c.push(" ");
            rest(c)
        })
    };
    if kind == Db::Mysql {
        innodb_key_types(op, before)?;
    }
    match op {
        Op::CreateTable(spec) => create_table(spec, dialect, None),
        Op::DropTable(spec) => Ok(vec![
            DropTable::new(&spec.to_table()?).compile(dialect)?.sql,
        ]),
        Op::RenameTable { from, to } => alter(from, &|c| {
            c.push("RENAME TO ");
            c.push_ident(to);
            Ok(())
        }),
        Op::AddColumn { table, column } => alter(table, &|c| {
            c.push("ADD COLUMN ");
            c.column_definition(&column.to_def(), column.autoincrement)
        }),
        Op::DropColumn { table, column } => match kind {
            Db::Sqlite => rebuild(op, dialect, before, table),
            _ => alter(table, &|c| {
                c.push("DROP COLUMN ");
                c.push_ident(&column.name);
                Ok(())
            }),
        },
        Op::RenameColumn { table, from, to } => alter(table, &|c| {
            c.push("RENAME COLUMN ");
            c.push_ident(from);
            c.push(" TO ");
            c.push_ident(to);
            Ok(())
        }),
        Op::AlterColumn { table, from, to } => {
            if from.name != to.name {
                return Err(Error::Schema(
                    format!(
                        "alter_column on `{table}` names `{}` and `{}`: rename with \
                         rename_column",
                        from.name, to.name
                    )
                    .into(),
                ));
            }
            if from.autoincrement != to.autoincrement {
                return Err(Error::Schema(
                    format!(
                        "`{table}.{}`: turning autoincrement on or off is not an \
                         operation sqlkit renders; use raw SQL",
                        to.name
                    )
                    .into(),
                ));
            }
            match kind {
                Db::Sqlite => rebuild(op, dialect, before, table),
                Db::Mysql => alter(table, &|c| {
                    c.push("MODIFY COLUMN ");
                    c.column_definition(&to.to_def(), to.autoincrement)
                }),
                Db::Postgres => alter_column_pg(table, from, to, dialect),
            }
        }
        Op::CreateIndex { table, index } => one(&|c| {
            c.index_head(index.unique, &index.name, false)?;
            c.push_ident(table);
            c.push(" ");
            c.names(&names(&index.columns));
            c.index_where(index.where_.as_deref())
        }),
        Op::DropIndex { table, index } => {
            let mut out = keep_fk_index(dialect, before, table, &index.name, &index.columns)?;
            out.extend(one(&|c| {
                c.push("DROP INDEX ");
                c.push_ident(&index.name);
                if kind == Db::Mysql {
                    c.push(" ON ");
                    c.push_ident(table);
                }
                Ok(())
            })?);
            Ok(out)
        }
        Op::AddForeignKey { table, foreign_key } => match kind {
            Db::Sqlite => rebuild(op, dialect, before, table),
            _ => {
                let fk = foreign_key.clone().named_in(table).to_key()?;
                alter(table, &|c| {
                    c.push("ADD ");
                    c.foreign_key_constraint(table, None, &fk);
                    Ok(())
                })
            }
        },
        Op::DropForeignKey { table, foreign_key } => match kind {
            Db::Sqlite => rebuild(op, dialect, before, table),
            // InnoDB made an index for the key (named after it) unless one was there to
            // borrow; MariaDB drops it with the key when it exists and was not declared.
            Db::Mysql if dialect.name() == "mariadb" => {
                let name = foreign_key.name_in(table);
                let declared = before.table(table).is_some_and(|t| {
                    t.indexes.iter().any(|i| i.name == name)
                        || t.uniques.iter().any(|u| u.name_in(table) == name)
                });
                alter(table, &|c| {
                    c.push("DROP FOREIGN KEY ");
                    c.push_ident(&name);
                    if !declared {
                        c.push(", DROP INDEX IF EXISTS ");
                        c.push_ident(&name);
                    }
                    Ok(())
                })
            }
            _ => alter(table, &|c| {
                c.push(if kind == Db::Mysql {
                    "DROP FOREIGN KEY "
                } else {
                    "DROP CONSTRAINT "
                });
                c.push_ident(&foreign_key.name_in(table));
                Ok(())
            }),
        },
        Op::AddUnique { table, unique } => match kind {
            Db::Sqlite => rebuild(op, dialect, before, table),
            _ => alter(table, &|c| {
                c.push("ADD CONSTRAINT ");
                c.push_ident(&unique.name_in(table));
                c.push(" UNIQUE ");
                c.names(&names(&unique.columns));
                Ok(())
            }),
        },
        Op::DropUnique { table, unique } => match kind {
            Db::Sqlite => rebuild(op, dialect, before, table),
            Db::Mysql => {
                let name = unique.name_in(table);
                let mut out = keep_fk_index(dialect, before, table, &name, &unique.columns)?;
                out.extend(alter(table, &|c| {
                    c.push("DROP INDEX ");
                    c.push_ident(&name);
                    Ok(())
                })?);
                Ok(out)
            }
            _ => alter(table, &|c| {
                c.push(if kind == Db::Mysql {
                    "DROP INDEX "
                } else {
                    "DROP CONSTRAINT "
                });
                c.push_ident(&unique.name_in(table));
                Ok(())
            }),
        },
        Op::AddCheck { table, check } => match kind {
            Db::Sqlite => rebuild(op, dialect, before, table),
            _ => alter(table, &|c| {
                c.push("ADD CONSTRAINT ");
                c.push_ident(&check.name_in(table));
                c.push(" CHECK (");
                c.push(&check.sql);
                c.push(")");
                Ok(())
            }),
        },
        Op::DropCheck { table, check } => match kind {
            Db::Sqlite => rebuild(op, dialect, before, table),
            _ => alter(table, &|c| {
                c.push("DROP CONSTRAINT ");
                c.push_ident(&check.name_in(table));
                Ok(())
            }),
        },
        Op::Sql(sql) => match sql.for_dialect(dialect.name()) {
            Some(text) => Ok(vec![text.to_string()]),
            None => Err(Error::Schema(
                format!(
                    "a sql operation has no text for {} and no `any`",
                    dialect.name()
                )
                .into(),
            )),
        },
    }
}

/// On MySQL and MariaDB, InnoDB lets a foreign key borrow any index that starts with
/// its columns (and drops the one it made for itself when another comes). Before such
/// an index is dropped, the key gets its own again, named after the key (as InnoDB
/// names it), else the drop fails with "needed in a foreign key constraint".
fn keep_fk_index(
    dialect: &dyn Dialect,
    before: &SchemaState,
    table: &str,
    dropped: &str,
    columns: &[String],
) -> Result<Vec<String>> {
    if Db::of(dialect) != Db::Mysql {
        return Ok(Vec::new());
    }
    let Some(t) = before.table(table) else {
        return Ok(Vec::new());
    };
    let starts = |cols: &[String], fk: &[String]| {
        cols.len() >= fk.len() && cols.iter().zip(fk).all(|(a, b)| a == b)
    };
    let mut out = Vec::new();
    for fk in &t.foreign_keys {
        if !starts(columns, &fk.columns) {
            continue;
        }
        let other = t
            .indexes
            .iter()
            .filter(|i| i.name != dropped)
            .map(|i| &i.columns)
            .chain(
                t.uniques
                    .iter()
                    .filter(|u| u.name_in(table) != dropped)
                    .map(|u| &u.columns),
            )
            .chain(std::iter::once(&t.primary_key))
            .any(|cols| starts(cols, &fk.columns));
        if other {
            continue;
        }
        let mut c = Compiler::new(dialect, true);
        c.index_head(false, &fk.name_in(table), false)?;
        c.push_ident(table);
        c.push(" ");
        c.names(&names(&fk.columns));
        out.push(c.finish(false)?.sql);
    }
    Ok(out)
}

/// InnoDB refuses a foreign key whose columns' types differ from the referenced
/// columns' ("Foreign key constraint is incorrectly formed"), where PostgreSQL and
/// SQLite take an INTEGER referring to a BIGINT: say which columns, before anything
/// runs. Only what the schema state knows is checked.
fn innodb_key_types(op: &Op, before: &SchemaState) -> Result<()> {
    let (table, keys): (&TableSpec, Vec<&super::ops::ForeignKeySpec>) = match op {
        Op::CreateTable(spec) => (spec, spec.foreign_keys.iter().collect()),
        Op::AddForeignKey { table, foreign_key } => match before.table(table) {
            Some(t) => (t, vec![foreign_key]),
            None => return Ok(()),
        },
        _ => return Ok(()),
    };
    for fk in keys {
        let target = if fk.references == table.table {
            Some(table)
        } else {
            before.table(&fk.references)
        };
        let Some(target) = target else { continue };
        for (c, rc) in fk.columns.iter().zip(&fk.ref_columns) {
            let (Some(col), Some(rcol)) = (table.column(c), target.column(rc)) else {
                continue;
            };
            if col.sql_type != rcol.sql_type {
                return Err(Error::Schema(
                    format!(
                        "MySQL and MariaDB refuse a foreign key between columns of different \
                         types: `{}.{c}` is {} and `{}.{rc}` is {}; make them the same",
                        table.table,
                        super::ops::type_name(col.sql_type),
                        target.table,
                        super::ops::type_name(rcol.sql_type)
                    )
                    .into(),
                ));
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Db {
    Sqlite,
    Postgres,
    Mysql,
}

impl Db {
    fn of(dialect: &dyn Dialect) -> Db {
        match dialect.name() {
            "sqlite" => Db::Sqlite,
            "mysql" | "mariadb" => Db::Mysql,
            _ => Db::Postgres,
        }
    }
}

fn names(cols: &[String]) -> Vec<crate::name::Name> {
    cols.iter().map(|c| c.clone().into()).collect()
}

impl super::ops::ForeignKeySpec {
    /// The key with its name made explicit (as it is named in `table`).
    fn named_in(mut self, table: &str) -> Self {
        self.name = Some(self.name_in(table));
        self
    }
}

/// `CREATE TABLE` (under `temp_name` when given, constraints still named after the
/// spec's table) followed by its indexes (not for a temporary name: they are created
/// once the table has its own).
fn create_table(
    spec: &TableSpec,
    dialect: &dyn Dialect,
    temp_name: Option<&str>,
) -> Result<Vec<String>> {
    let mut created = spec.clone();
    if let Some(t) = temp_name {
        created.table = t.to_string();
        created.indexes.clear();
    }
    let table = created.to_table()?;
    let mut stmt = CreateTable::new(&table);
    if temp_name.is_some() {
        stmt.constraint_table = Some(spec.table.clone().into());
    }
    let mut out = vec![stmt.compile(dialect)?.sql];
    if temp_name.is_none() {
        out.extend(create_indexes(&table, dialect)?);
    }
    Ok(out)
}

fn create_indexes(table: &Table, dialect: &dyn Dialect) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for i in 0..table.def().indexes().len() {
        let stmt = crate::stmt::CreateIndex {
            table: table.clone(),
            index: i,
            if_not_exists: false,
        };
        out.push(stmt.compile(dialect)?.sql);
    }
    Ok(out)
}

/// PostgreSQL's ALTER COLUMN clauses for what changed, in one statement.
fn alter_column_pg(
    table: &str,
    from: &ColumnSpec,
    to: &ColumnSpec,
    dialect: &dyn Dialect,
) -> Result<Vec<String>> {
    let mut c = Compiler::new(dialect, true);
    c.push("ALTER TABLE ");
    c.push_ident(table);
    let mut first = true;
    let mut clause = |c: &mut Compiler<'_>| {
        c.push(if first {
            " ALTER COLUMN "
        } else {
            ", ALTER COLUMN "
        });
        first = false;
        c.push_ident(&to.name);
    };
    if from.sql_type != to.sql_type {
        clause(&mut c);
        c.push(" TYPE ");
        c.push_type(to.sql_type);
        c.push(" USING ");
        c.push_ident(&to.name);
        c.push("::");
        c.push_type(to.sql_type);
    }
    if from.nullable != to.nullable {
        clause(&mut c);
        c.push(if to.nullable {
            " DROP NOT NULL"
        } else {
            " SET NOT NULL"
        });
    }
    if from.default != to.default {
        clause(&mut c);
        match &to.default {
            Some(d) => {
                c.push(" SET DEFAULT ");
                c.default_value(&d.node())?;
            }
            None => c.push(" DROP DEFAULT"),
        }
    }
    if first {
        return Ok(Vec::new());
    }
    Ok(vec![c.finish(false)?.sql])
}

/// SQLite's table rebuild for `op` on `table`: create the new table under a temporary
/// name, copy the rows of the columns both have, drop the old table, rename the new
/// one, recreate the indexes (the procedure of SQLite's "Making Other Kinds Of Table
/// Schema Changes").
fn rebuild(
    op: &Op,
    dialect: &dyn Dialect,
    before: &SchemaState,
    table: &str,
) -> Result<Vec<String>> {
    let old = before.table(table).ok_or_else(|| {
        Error::Schema(
            format!(
                "cannot rebuild `{table}` on SQLite for \"{}\": its definition is unknown",
                op.describe()
            )
            .into(),
        )
    })?;
    let mut after = SchemaState {
        tables: vec![old.clone()],
    };
    after.apply(op)?;
    let new = after
        .table(table)
        .ok_or_else(|| Error::Schema(format!("table `{table}` vanished in a rebuild").into()))?;
    let temp = format!("{REBUILD_PREFIX}{table}");
    let mut out = create_table(new, dialect, Some(&temp))?;
    let shared: Vec<&str> = new
        .columns
        .iter()
        .filter(|c| old.column(&c.name).is_some())
        .map(|c| c.name.as_str())
        .collect();
    let mut c = Compiler::new(dialect, true);
    c.push("INSERT INTO ");
    c.push_ident(&temp);
    c.push(" ");
    let cols: Vec<crate::name::Name> = shared.iter().map(|s| s.to_string().into()).collect();
    c.names(&cols);
    c.push(" SELECT ");
    for (i, col) in shared.iter().enumerate() {
        if i > 0 {
            c.push(", ");
        }
        c.push_ident(col);
    }
    c.push(" FROM ");
    c.push_ident(table);
    out.push(c.finish(false)?.sql);
    let mut c = Compiler::new(dialect, true);
    c.push("DROP TABLE ");
    c.push_ident(table);
    out.push(c.finish(false)?.sql);
    let mut c = Compiler::new(dialect, true);
    c.push("ALTER TABLE ");
    c.push_ident(&temp);
    c.push(" RENAME TO ");
    c.push_ident(table);
    out.push(c.finish(false)?.sql);
    out.extend(create_indexes(&new.to_table()?, dialect)?);
    Ok(out)
}

/// Whether `op` needs SQLite's table rebuild.
pub fn sqlite_rebuilds(op: &Op) -> bool {
    matches!(
        op,
        Op::DropColumn { .. }
            | Op::AlterColumn { .. }
            | Op::AddForeignKey { .. }
            | Op::DropForeignKey { .. }
            | Op::AddUnique { .. }
            | Op::DropUnique { .. }
            | Op::AddCheck { .. }
            | Op::DropCheck { .. }
    )
}
