//! [`TableShape`]: a table definition in a normal form, for comparing models with what
//! a database holds.

use crate::schema::{FkAction, SqlType, TableDef};

/// What a table is, in a form two definitions of the same table share: constraints in
/// a fixed order, defaults made explicit (`NO ACTION` for a foreign key without
/// actions), names kept only where every database keeps them (indexes; not foreign
/// keys or unique constraints, which SQLite does not name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableShape {
    /// The table name.
    pub name: String,
    /// The columns, in order.
    pub columns: Vec<ColumnShape>,
    /// The primary key's columns, in key order.
    pub primary_key: Vec<String>,
    /// The foreign keys, sorted.
    pub foreign_keys: Vec<ForeignKeyShape>,
    /// The unique constraints' column lists, sorted.
    pub uniques: Vec<Vec<String>>,
    /// The indexes, by name.
    pub indexes: Vec<IndexShape>,
    /// The check constraints' names as the database has them (`ck_<table>_<name>`, or a
    /// check's own full name), sorted.
    pub checks: Vec<String>,
}

/// One column of a [`TableShape`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnShape {
    /// The column name.
    pub name: String,
    /// Its type.
    pub sql_type: SqlType,
    /// Whether it takes NULL.
    pub nullable: bool,
    /// Whether the database generates its values (the autoincrement key).
    pub autoincrement: bool,
    /// Whether it has a server default.
    pub server_default: bool,
}

/// One foreign key of a [`TableShape`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKeyShape {
    /// The local columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub ref_table: String,
    /// The referenced columns.
    pub ref_columns: Vec<String>,
    /// `ON DELETE` (`NO ACTION` when not given).
    pub on_delete: &'static str,
    /// `ON UPDATE` (`NO ACTION` when not given).
    pub on_update: &'static str,
}

/// One index of a [`TableShape`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexShape {
    /// The index name.
    pub name: String,
    /// The indexed columns, in order.
    pub columns: Vec<String>,
    /// Whether it is unique.
    pub unique: bool,
    /// A partial index's predicate, in a normal form (see [`predicate`]): what two
    /// spellings of one condition share (`(deleted_at IS NULL)` as PostgreSQL writes
    /// it, `deleted_at is null` as a model may).
    pub where_: Option<String>,
}

/// A partial index's predicate in a normal form for comparing: parentheses, casts and
/// runs of spaces gone, words outside quotes in lower case. Two spellings of one
/// condition compare equal; different conditions do not.
pub fn predicate(sql: &str) -> String {
    let plain = super::sqltext::plain(sql);
    let mut out = String::with_capacity(plain.len());
    let mut quote: Option<char> = None;
    for c in plain.chars() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None => {
                if matches!(c, '\'' | '"' | '`') {
                    quote = Some(c);
                    out.push(c);
                } else {
                    out.extend(c.to_lowercase());
                }
            }
        }
    }
    // Identifiers quoted only where the database needs it: `"deleted_at"` is deleted_at.
    out.replace(['"', '`'], "")
}

fn strings(names: &[crate::name::Name]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

impl TableShape {
    /// The shape of `def`, exactly as declared.
    pub fn of(def: &TableDef) -> TableShape {
        let auto = def.autoincrement_column();
        let columns = def
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| ColumnShape {
                name: c.name().to_string(),
                sql_type: c.sql_type(),
                nullable: c.is_nullable() && auto != Some(i),
                autoincrement: auto == Some(i),
                server_default: c.server_default_node().is_some(),
            })
            .collect();
        let action = |a: Option<FkAction>| a.unwrap_or(FkAction::NoAction).sql();
        let mut foreign_keys: Vec<ForeignKeyShape> = def
            .foreign_keys()
            .iter()
            .map(|fk| ForeignKeyShape {
                columns: strings(fk.columns()),
                ref_table: fk.ref_table().to_string(),
                ref_columns: strings(fk.ref_columns()),
                on_delete: action(fk.delete_action()),
                on_update: action(fk.update_action()),
            })
            .collect();
        foreign_keys.sort();
        let mut uniques: Vec<Vec<String>> = def
            .unique_constraints()
            .iter()
            .map(|u| strings(u.columns()))
            .collect();
        uniques.sort();
        let mut indexes: Vec<IndexShape> = def
            .indexes()
            .iter()
            .map(|ix| IndexShape {
                name: ix.name(),
                columns: strings(ix.columns()),
                unique: ix.is_unique(),
                where_: ix.where_sql().map(predicate),
            })
            .collect();
        indexes.sort();
        let mut checks: Vec<String> = def
            .check_constraints()
            .iter()
            .map(|c| c.constraint_name(def.name()))
            .collect();
        checks.sort();
        TableShape {
            name: def.name().to_string(),
            columns,
            primary_key: strings(def.primary_key()),
            foreign_keys,
            uniques,
            indexes,
            checks,
        }
    }

    /// The shape as the database `dialect` (a [`Dialect::name`]) stores it, where its
    /// types are fewer than sqlkit's: on MySQL and MariaDB a UTC instant is a
    /// `DATETIME(6)` (read back as [`SqlType::DateTime`]); on SQLite the autoincrement
    /// key is the 64-bit rowid ([`SqlType::BigInt`]) whatever integer type it was
    /// declared with. InnoDB's `NO ACTION` is `RESTRICT` (it reports it so), and a
    /// unique index is a unique constraint there.
    ///
    /// [`Dialect::name`]: crate::dialect::Dialect::name
    pub fn stored_on(mut self, dialect: &str) -> TableShape {
        if matches!(dialect, "mysql" | "mariadb") {
            let (unique, plain): (Vec<IndexShape>, Vec<IndexShape>) =
                self.indexes.drain(..).partition(|ix| ix.unique);
            self.indexes = plain;
            self.uniques.extend(unique.into_iter().map(|ix| ix.columns));
            self.uniques.sort();
            for fk in &mut self.foreign_keys {
                for a in [&mut fk.on_delete, &mut fk.on_update] {
                    if *a == "NO ACTION" {
                        *a = "RESTRICT";
                    }
                }
            }
            self.foreign_keys.sort();
        }
        for c in &mut self.columns {
            c.sql_type = stored_type(c.sql_type, c.autoincrement, dialect);
        }
        self
    }
}

/// The type a column of type `ty` reads back as from the database `dialect` (see
/// [`TableShape::stored_on`]).
pub(crate) fn stored_type(ty: SqlType, autoincrement: bool, dialect: &str) -> SqlType {
    match dialect {
        "mysql" | "mariadb" if ty == SqlType::Timestamp => SqlType::DateTime,
        "sqlite" if autoincrement => SqlType::BigInt,
        _ => ty,
    }
}
