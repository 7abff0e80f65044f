//! The schema: [`MetaData`], [`Table`], [`ColumnDef`], [`SqlType`], constraints and
//! indexes. Tables are cheap handles (`Arc` or `&'static` inside) used again and again.

mod metadata;
mod table;
mod types;

pub use metadata::MetaData;
pub use table::{
    constraint_name, CheckConstraint, ColumnDef, Default, FkAction, ForeignKey, Index, Opaque,
    OpaqueKind, Table, TableBuilder, TableDef, UniqueConstraint,
};
pub use types::SqlType;
