//! Bad input gets a typed error whose message says what and where.

mod common;

use common::models::*;
use common::on_each_db;
use sqlkit::prelude::*;
use sqlkit::schema::{ColumnDef, SqlType};

fn users_rt() -> Table {
    Table::builder("users")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("email", SqlType::Text))
        .build()
        .expect("table")
}

#[test]
fn unknown_column_by_name_fails_where_it_is_used() {
    let err = users_rt().c("emial").unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { .. }));
    assert_eq!(err.to_string(), "table `users` has no column named `emial`");
    let sub = select(User::table().id).subquery("s");
    assert_eq!(
        sub.c("nope").unwrap_err().to_string(),
        "subquery `s` has no column named `nope`"
    );
    let q = insert(users_rt()).value("nope", 1);
    let err = q.compile(&Sqlite::default()).unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { .. }), "{err}");
}

#[test]
fn join_without_or_with_ambiguous_foreign_keys_names_both_tables() {
    let err = select(Tag::table().id)
        .join_fk(User::table())
        .compile(&Postgres::default())
        .unwrap_err();
    assert!(matches!(err, Error::JoinCondition { .. }));
    assert_eq!(
        err.to_string(),
        "cannot infer the ON clause for a join between `tags` and `users`: no foreign key links them; pass an explicit condition"
    );
    let c = Comment::table();
    let err = select(c.id)
        .select_from(User::table())
        .join_fk(Post::table())
        .join_fk(c)
        .compile(&Postgres::default())
        .unwrap_err();
    assert!(
        err.to_string().contains("2 foreign keys link them"),
        "{err}"
    );
    assert!(
        err.to_string().contains("`users, posts` and `comments`"),
        "{err}"
    );
}

#[test]
fn insert_without_values_or_with_mismatched_rows() {
    let err = insert(Tag::table())
        .compile(&Sqlite::default())
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidStatement {
            statement: "INSERT",
            ..
        }
    ));
    assert!(
        err.to_string().contains("no values given for `tags`"),
        "{err}"
    );
    let t = Tag::table();
    let err = insert(t)
        .columns((t.id, t.name))
        .row((1, "a"))
        .row((2,))
        .compile(&Sqlite::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid INSERT statement: row 2 has 1 values but 2 columns were named"
    );
    let err = insert(t)
        .value(t.name, "a")
        .columns((t.id, t.name))
        .row((1, "b"))
        .compile(&Sqlite::default())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("columns() must come before the rows"),
        "{err}"
    );
    let err = update(t)
        .where_(t.id.eq(1))
        .compile(&Sqlite::default())
        .unwrap_err();
    assert!(
        err.to_string().contains("no columns of `tags` are set"),
        "{err}"
    );
    let err = select(Vec::<Expr<Any>>::new())
        .compile(&Sqlite::default())
        .unwrap_err();
    assert!(err.to_string().contains("select list is empty"), "{err}");
}

#[test]
fn record_with_a_field_that_is_no_column() {
    #[derive(serde::Serialize)]
    struct Wrong {
        name: String,
        colour: String,
    }
    let err = insert(Tag::table())
        .record(&Wrong {
            name: "a".into(),
            colour: "red".into(),
        })
        .compile(&Sqlite::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot encode `colour`: table `tags` has no column of that name"
    );
}

#[test]
fn unsupported_constructs_name_the_dialect_and_the_feature() {
    let (u, p) = (User::table(), Post::table());
    let full = select((u.id, p.id)).full_outer_join(p, p.author_id.eq(u.id));
    let err = full.compile(&Mysql::default()).unwrap_err();
    assert!(matches!(
        err,
        Error::Unsupported {
            dialect: "mysql",
            feature: sqlkit::dialect::Feature::FullOuterJoin
        }
    ));
    assert_eq!(err.to_string(), "mysql cannot express FULL OUTER JOIN");
    assert!(full.compile(&Mysql::mariadb()).is_err());
    let ret = insert(Tag::table())
        .value(Tag::table().name, "x")
        .returning(Tag::table().id);
    assert_eq!(
        ret.compile(&Mysql::default()).unwrap_err().to_string(),
        "mysql cannot express RETURNING on INSERT"
    );
    assert!(ret.compile(&Mysql::mariadb()).is_ok());
    let upd = update(p).set(p.views, 1).returning(p.id);
    assert_eq!(
        upd.compile(&Mysql::mariadb()).unwrap_err().to_string(),
        "mariadb cannot express RETURNING on UPDATE"
    );
    let old_sqlite = Sqlite {
        version: sqlkit::dialect::Version::new(3, 31, 0),
    };
    assert!(matches!(
        upd.compile(&old_sqlite),
        Err(Error::Unsupported {
            dialect: "sqlite",
            ..
        })
    ));
}

#[test]
fn malformed_urls_and_missing_features() {
    for bad in [
        "nonsense",
        "oracle://x/y",
        "sqlite:relative.db",
        "sqlite:///",
        "postgresql:host",
    ] {
        let err = Engine::from_url(bad).unwrap_err();
        assert!(matches!(err, Error::Url { .. }), "{bad}: {err}");
    }
    #[cfg(not(feature = "postgres"))]
    {
        let err = Engine::from_url("postgresql://app:s3cret@127.0.0.1/db").unwrap_err();
        assert!(
            matches!(
                err,
                Error::MissingFeature {
                    feature: "postgres",
                    ..
                }
            ),
            "{err}"
        );
        assert!(!err.to_string().contains("s3cret"));
    }
    #[cfg(not(feature = "mysql"))]
    {
        let err = Engine::from_url("mysql://root@127.0.0.1/db").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the URL scheme `mysql` needs sqlkit's cargo feature `mysql`, which is not enabled"
        );
    }
    for bad in [
        "postgresql://u@h/db?sslmode=sometimes",
        "postgresql://u@h/db?connect_timeout=soon",
        "postgresql://u@h/db?colour=blue",
        "mysql://u@h/db?options=x",
        "mysql://u@h/a/b",
    ] {
        let err = sqlkit::url::parse(bad).unwrap_err();
        assert!(matches!(err, Error::Url { .. }), "{bad}: {err}");
    }
    let err = sqlkit::dialect::dialect_for("oracle://scott:tiger@db/x").unwrap_err();
    assert!(!err.to_string().contains("tiger"), "{err}");
}

#[test]
fn decoding_into_the_wrong_type_names_the_column_and_both_types() {
    on_each_db(|_, conn| decoding_errors(conn));
}

fn decoding_errors(conn: &mut Connection) -> sqlkit::Result<()> {
    conn.execute(&insert(Tag::table()).value(Tag::table().name, "rust"))
        .expect("insert");
    let row = conn.query_one(&select(Tag::table())).expect("row");
    let err = row.get::<i64, _>("name").unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot decode column `name`: expected i64, found text"
    );
    let err = row.get::<String, _>("nope").unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { .. }));
    #[derive(serde::Deserialize, Debug)]
    struct Wrong {
        #[allow(dead_code)]
        name: i64,
    }
    let err = row.deserialize::<Wrong>().unwrap_err();
    assert!(
        err.to_string().starts_with("cannot decode column `name`"),
        "{err}"
    );
    let err = conn
        .query_one(&select(Tag::table()).where_(Tag::table().id.eq(99)))
        .unwrap_err();
    assert!(matches!(err, Error::NoRows));
    conn.execute(&insert(Tag::table()).value(Tag::table().name, "sql"))
        .expect("insert");
    assert!(matches!(
        conn.query_one(&select(Tag::table())),
        Err(Error::TooManyRows)
    ));
    let big = conn
        .query_one(&select(literal::<i64>(300i64).label("n")))
        .expect("row");
    assert_eq!(
        big.get::<u8, _>("n").unwrap_err().to_string(),
        "cannot decode column `n`: integer 300 is out of range for u8"
    );
    Ok(())
}

#[test]
fn database_errors_are_classified_and_carry_the_sql_not_the_values() {
    on_each_db(|name, conn| {
        classified(name, conn);
        Ok(())
    });
}

fn classified(name: &str, conn: &mut Connection) {
    let t = Tag::table();
    conn.execute(&insert(t).value(t.name, "secret-value"))
        .expect("insert");
    let err = conn
        .execute(&insert(t).value(t.name, "secret-value"))
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation));
    let text = err.to_string();
    let placeholder = if name == "postgresql" { "$1" } else { "?" };
    assert!(
        text.contains(&format!("INSERT INTO tags (name) VALUES ({placeholder})")),
        "{text}"
    );
    let Error::Database(db) = &err else {
        panic!("{err}")
    };
    assert!(!db.sql.as_deref().unwrap_or("").contains("secret-value"));
    // MySQL's own message quotes the duplicate value ("Duplicate entry '..'"); the
    // others keep values in a detail field that sqlkit does not carry.
    if name != "mariadb" {
        assert!(!text.contains("secret-value"), "{text}");
    }
    let err = conn
        .execute(&insert(t).value(t.name, None::<String>))
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::NotNullViolation));
    let err = conn.execute_sql("SELEC 1", &[]).unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Syntax));
}

#[test]
fn invalid_schemas_are_refused() {
    let err = Table::builder("t").build().unwrap_err();
    assert!(err.to_string().contains("at least one column"));
    let err = Table::builder("t")
        .column(ColumnDef::new("a", SqlType::Text))
        .column(ColumnDef::new("a", SqlType::Text))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("`a` is declared twice"), "{err}");
    let err = Table::builder("t")
        .column(ColumnDef::new("a", SqlType::Text))
        .unique(["b"])
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("unknown column `b`"), "{err}");
    let err = Table::builder("t")
        .column(ColumnDef::new("a", SqlType::Text).autoincrement(true))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("not an integer"), "{err}");
    let mut md = MetaData::new();
    md.add(Post::table()).expect("add");
    let err = md.sorted_tables().unwrap_err();
    assert!(
        err.to_string()
            .contains("references table `users`, which is not in this MetaData"),
        "{err}"
    );
    assert!(md.add(Post::table()).is_err(), "duplicate table");
}

#[test]
fn nan_literals_are_refused_not_rendered() {
    let q = select(literal::<f64>(f64::NAN));
    assert!(q.debug_sql(&Mysql::default()).is_err());
    assert_eq!(
        q.debug_sql(&Postgres::default()).expect("pg has NaN"),
        "SELECT 'NaN'::float8"
    );
}

/// Two definitions of a table named `t`: a column of the wide one is never written
/// into the small one by position; it resolves by name, or is a typed error.
#[test]
fn a_column_of_another_table_with_the_same_name_is_resolved_by_name_or_refused() {
    let small = Table::builder("t")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("name", SqlType::Text))
        .build()
        .expect("small");
    let wide = Table::builder("t")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("secret", SqlType::Text))
        .column(ColumnDef::new("name", SqlType::Text))
        .column(ColumnDef::new("extra", SqlType::Text))
        .build()
        .expect("wide");
    let d = Sqlite::default();
    let secret = wide.c("secret").expect("secret");
    let err = insert(&small)
        .value(secret.clone(), "x")
        .compile(&d)
        .unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { .. }), "{err}");
    let err = insert(&small)
        .value(wide.c("extra").expect("extra"), "x")
        .compile(&d)
        .unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { .. }), "{err}");
    // `name` is column 1 of small and column 2 of wide: the name decides.
    let ok = insert(&small)
        .value(wide.c("name").expect("name"), "x")
        .compile(&d)
        .expect("by name");
    assert_eq!(ok.sql, "INSERT INTO t (name) VALUES (?)");
    let err = update(&small)
        .set(secret.clone(), "x")
        .compile(&d)
        .unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { .. }), "{err}");
    let err = insert(&small)
        .value("name", "x")
        .on_conflict([secret])
        .do_nothing()
        .compile(&d)
        .unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { .. }), "{err}");
}

#[test]
fn engine_options_out_of_range_are_typed_errors_not_panics() {
    use std::time::Duration;
    for (b, option) in [
        (
            Engine::builder("sqlite://").checkout_timeout(Duration::ZERO),
            "checkout_timeout",
        ),
        (
            Engine::builder("sqlite://").checkout_timeout(Duration::MAX),
            "checkout_timeout",
        ),
        (
            Engine::builder("sqlite://").max_connections(0),
            "max_connections",
        ),
        (
            Engine::builder("sqlite://").max_connections(u32::MAX),
            "max_connections",
        ),
    ] {
        match b.build() {
            Err(Error::InvalidOption { option: o, .. }) => assert_eq!(o, option),
            other => panic!("{option}: {other:?}"),
        }
    }
    // (Building is the point: a checkout within 1 ms is not promised on a loaded
    // machine.)
    Engine::builder("sqlite://")
        .checkout_timeout(Duration::from_millis(1))
        .max_connections(10_000)
        .build()
        .expect("the bounds themselves are fine");
}

#[test]
fn hand_made_rows_and_compiled_statements_are_checked_not_trusted() {
    let names: std::sync::Arc<[sqlkit::Name]> = vec!["a".into(), "b".into()].into();
    assert!(Row::new(names.clone(), vec![Value::Int(1)]).is_err());
    let row = Row::new(names, vec![Value::Int(1), Value::Int(2)]).expect("row");
    assert!(row.get::<i64, _>(5).is_err());
    let c = sqlkit::Compiled {
        sql: "SELECT ?".into(),
        params: vec![],
        named: vec![(3, "x".into())],
        returns_rows: true,
        key: sqlkit::KeySource::None,
    };
    assert!(c.binder(&["x"]).is_err());
    assert!(c.bind([("x", Value::Int(1))]).is_err());
    let mut conn = Engine::from_url("sqlite://")
        .expect("engine")
        .connect()
        .expect("connect");
    assert!(conn.execute_sql(&c.sql, &c.params).is_err());
}

/// PostgreSQL cuts names at 63 bytes, MySQL refuses past 64 characters: two long
/// labels would become one, so a name past the limit is refused at compile time.
#[test]
fn names_longer_than_the_dialect_keeps_are_refused() {
    let long_a = format!("{}_a", "x".repeat(70));
    let long_b = format!("{}_b", "x".repeat(70));
    let q = select((
        literal::<i64>(1i64).label(long_a.clone()),
        literal::<i64>(2i64).label(long_b),
    ));
    for d in [
        &Postgres::default() as &dyn Dialect,
        &Mysql::default(),
        &Mysql::mariadb(),
    ] {
        let err = q.compile(d).unwrap_err();
        assert!(
            matches!(err, Error::InvalidStatement { .. }),
            "{}: {err}",
            d.name()
        );
        assert!(q.debug_sql(d).is_err());
    }
    assert!(
        q.compile(&Sqlite::default()).is_ok(),
        "SQLite keeps any length"
    );
    // At the limit is fine: 63 bytes on PostgreSQL, 64 characters on MySQL.
    let ok = select(literal::<i64>(1i64).label("é".repeat(31)));
    assert!(ok.compile(&Postgres::default()).is_ok());
    let ok = select(literal::<i64>(1i64).label("é".repeat(64)));
    assert!(ok.compile(&Mysql::default()).is_ok());
    assert!(ok.compile(&Postgres::default()).is_err(), "128 bytes");
}
