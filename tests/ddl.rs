//! DDL on a real database: every constraint is enforced, server defaults apply,
//! autoincrement keys are assigned, create_all / drop_all are repeatable.

mod common;
#[cfg(feature = "migrate")]
#[path = "ddl/migrate.rs"]
mod migrate;
#[cfg(feature = "migrate")]
#[path = "ddl/trust.rs"]
mod trust;

use chrono::{DateTime, Utc};
use common::engines;
use rust_decimal::Decimal;
use sqlkit::expr::func;
use sqlkit::prelude::*;
use sqlkit::schema::{ColumnDef, ForeignKey, SqlType};

fn parent() -> Table {
    Table::builder("ddl_parent")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("code", SqlType::String(20)).not_null())
        .unique(["code"])
        .build()
        .expect("table")
}

fn child() -> Table {
    Table::builder("ddl_child")
        .column(ColumnDef::new("id", SqlType::Integer).primary_key())
        .column(ColumnDef::new("parent_id", SqlType::BigInt).not_null())
        .column(
            ColumnDef::new("flag", SqlType::Boolean)
                .not_null()
                .server_default(false),
        )
        .column(
            ColumnDef::new(
                "price",
                SqlType::Numeric {
                    precision: 10,
                    scale: 2,
                },
            )
            .server_default(Decimal::new(150, 2)),
        )
        .column(ColumnDef::new("label", SqlType::String(20)).server_default("it's"))
        .column(ColumnDef::new("made_at", SqlType::Timestamp).server_default_expr(func::now()))
        .foreign_key(
            ForeignKey::new(["parent_id"], "ddl_parent", ["id"])
                .on_delete(sqlkit::schema::FkAction::Cascade),
        )
        .check("price_positive", "price >= 0")
        .index(None, ["label", "made_at"], false)
        .build()
        .expect("table")
}

fn metadata() -> MetaData {
    MetaData::from_tables([child(), parent()]).expect("metadata")
}

#[test]
fn constraints_defaults_and_keys_work_on_the_database() {
    for db in engines() {
        let (name, engine) = (db.name, &db.engine);
        let mut conn = engine.connect().expect("connect");
        let md = metadata();
        conn.drop_all(&md).expect("drop_all");
        conn.create_all(&md).expect("create_all");
        conn.create_all(&md).expect("create_all again is harmless");
        let (p, c) = (parent(), child());
        let pid = conn
            .execute(&insert(&p).value("code", "a"))
            .expect("insert")
            .last_insert_id
            .expect("id");
        let before = Utc::now() - chrono::Duration::seconds(5);
        let r = conn
            .execute(&insert(&c).value("parent_id", pid))
            .expect("insert child");
        assert!(r.last_insert_id.is_some(), "on {name}");
        let row = conn.query_one(&select(c.clone())).expect("row");
        assert!(!row.get::<bool, _>("flag").expect("flag"), "on {name}");
        assert_eq!(
            row.get::<Decimal, _>("price").expect("price"),
            Decimal::new(150, 2),
            "on {name}"
        );
        assert_eq!(
            row.get::<String, _>("label").expect("label"),
            "it's",
            "on {name}"
        );
        let made: DateTime<Utc> = row.get("made_at").expect("made_at");
        assert!(
            made > before && made < Utc::now() + chrono::Duration::seconds(5),
            "on {name}: {made}"
        );

        let kind = |r: Result<ExecResult>| r.err().and_then(|e| e.db_kind());
        assert_eq!(
            kind(conn.execute(&insert(&p).value("code", "a"))),
            Some(DbErrorKind::UniqueViolation),
            "on {name}"
        );
        assert_eq!(
            kind(conn.execute(&insert(&c).value("parent_id", 999_999i64))),
            Some(DbErrorKind::ForeignKeyViolation),
            "on {name}"
        );
        let bad_price = insert(&c)
            .value("parent_id", pid)
            .value("price", Decimal::new(-1, 0));
        assert_eq!(
            kind(conn.execute(&bad_price)),
            Some(DbErrorKind::CheckViolation),
            "on {name}"
        );
        assert_eq!(
            kind(conn.execute(&insert(&p).value("code", None::<String>))),
            Some(DbErrorKind::NotNullViolation),
            "on {name}"
        );

        conn.execute(&delete(&p)).expect("delete parent");
        let left: i64 = conn
            .query_scalar(&select(func::count_star()).select_from(c.clone()))
            .expect("count");
        assert_eq!(left, 0, "on {name}: ON DELETE CASCADE");
        conn.drop_all(&md).expect("drop_all");
        conn.drop_all(&md).expect("drop_all again is harmless");
    }
}

/// Every type sqlkit has, with a server default, a check, a composite foreign key with
/// actions, a unique constraint and indexes (one unique, one over two columns).
#[cfg(feature = "migrate")]
fn every_type() -> Table {
    let mut b = Table::builder("reflect_all")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("pa", SqlType::Integer))
        .column(ColumnDef::new("pb", SqlType::String(20)));
    for (i, ty) in [
        SqlType::SmallInt,
        SqlType::Integer,
        SqlType::BigInt,
        SqlType::Boolean,
        SqlType::Float,
        SqlType::Double,
        SqlType::Numeric {
            precision: 12,
            scale: 3,
        },
        SqlType::String(77),
        SqlType::Text,
        SqlType::Date,
        SqlType::Time,
        SqlType::DateTime,
        SqlType::Timestamp,
        SqlType::Json,
        SqlType::Uuid,
        SqlType::Bytes,
    ]
    .into_iter()
    .enumerate()
    {
        b = b.column(ColumnDef::new(format!("c{i}"), ty).nullable(i % 2 == 0));
    }
    b.column(
        ColumnDef::new("views", SqlType::Integer)
            .not_null()
            .server_default(0i64),
    )
    .check("views_positive", "views >= 0")
    .foreign_key(
        ForeignKey::new(["pa", "pb"], "reflect_parent", ["a", "b"])
            .on_delete(FkAction::Cascade)
            .on_update(FkAction::SetNull),
    )
    .unique(["c7", "c1"])
    .index(None, ["c9", "c0"], false)
    .index(Some("ix_reflect_unique_code"), ["c2"], true)
    .build()
    .expect("table")
}

#[cfg(feature = "migrate")]
#[test]
fn a_sqlkit_created_schema_reflects_back_to_its_definition() {
    use sqlkit::migrate::{reflect, reflect_table, TableShape};
    for db in engines() {
        let name = db.name;
        let mut conn = db.engine.connect().expect("connect");
        let parent = Table::builder("reflect_parent")
            .column(ColumnDef::new("a", SqlType::Integer).not_null())
            .column(ColumnDef::new("b", SqlType::String(20)).not_null())
            .primary_key(["a", "b"])
            .build()
            .expect("parent");
        let mut md = common::models::metadata();
        md.add(&parent)
            .expect("add")
            .add(every_type())
            .expect("add");
        conn.create_all(&md).expect("create_all");
        let back = reflect(&mut conn).unwrap_or_else(|e| panic!("reflect on {name}: {e}"));
        let dialect = conn.dialect().name();
        let mut names: Vec<&str> = back.tables().iter().map(|t| t.name()).collect();
        names.sort_unstable();
        let mut want: Vec<&str> = md.tables().iter().map(|t| t.name()).collect();
        want.sort_unstable();
        assert_eq!(names, want, "tables on {name}");
        for t in md.tables() {
            let got = back.table(t.name()).expect("reflected table");
            // Checks too: on SQLite they are read from the table's text.
            let expected = TableShape::of(t.def()).stored_on(dialect);
            let got_shape = TableShape::of(got.def()).stored_on(dialect);
            assert_eq!(got_shape, expected, "{} on {name}", t.name());
            let sql = |d: &sqlkit::schema::TableDef| -> Vec<String> {
                d.check_constraints()
                    .iter()
                    .map(|c| c.sql().to_string())
                    .collect()
            };
            // SQLite keeps a check's text as written; the servers normalise it.
            if name == "sqlite" {
                assert_eq!(
                    sql(got.def()),
                    sql(t.def()),
                    "{} checks on {name}",
                    t.name()
                );
            }
        }
        // The reflected tables query like the models' own.
        let all = back.table("reflect_all").expect("table").clone();
        let n: i64 = conn
            .query_scalar(&select(func::count_star()).select_from(&all))
            .expect("count");
        assert_eq!(n, 0, "{name}");
        assert!(
            reflect_table(&mut conn, "no_such_table")
                .expect("reflect")
                .is_none(),
            "{name}"
        );
    }
}
