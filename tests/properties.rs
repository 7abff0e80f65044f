//! Property tests: random expression trees compile on every dialect without panicking,
//! and on every database every compiled statement parses and (on SQLite) runs (so
//! parenthesisation, empty lists and escapes always make valid SQL).

mod common;

use proptest::prelude::*;
use sqlkit::expr::func;
use sqlkit::prelude::*;
use sqlkit::schema::{ColumnDef, SqlType};

fn table() -> Table {
    Table::builder("t")
        .column(ColumnDef::new("a", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("b", SqlType::Text))
        .column(ColumnDef::new("select", SqlType::Double))
        .build()
        .expect("table")
}

fn leaf() -> impl Strategy<Value = Expr<Any>> {
    prop_oneof![
        Just(0usize).prop_map(|_| table().c("a").expect("a")),
        Just(1usize).prop_map(|_| table().c("b").expect("b")),
        Just(2usize).prop_map(|_| table().c("select").expect("select")),
        any::<i64>().prop_map(literal::<Any>),
        any::<i32>().prop_map(
            |i| Expr::<Any>::from_node(sqlkit::expr::Node::Bind(Value::Int(i64::from(i))))
        ),
        "[a-z'%_\\\\/\"-]{0,6}"
            .prop_map(|s| Expr::<Any>::from_node(sqlkit::expr::Node::Bind(Value::Text(s.into())))),
        "[a-z'%_\\\\/\"-]{0,6}".prop_map(literal::<Any>),
        Just(()).prop_map(|_| literal::<Any>(Value::Null)),
        any::<bool>().prop_map(literal::<Any>),
    ]
}

fn expr() -> impl Strategy<Value = Expr<Any>> {
    leaf().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone(), 0..13u8).prop_map(|(l, r, op)| match op {
                0 => l.eq(r).untyped(),
                1 => l.ne(r).untyped(),
                2 => l.lt(r).untyped(),
                3 => l.ge(r).untyped(),
                4 => l + r,
                5 => l - r,
                6 => l * r,
                7 => l / r,
                8 => l % r,
                9 => l.concat(r),
                10 => (l & r).untyped(),
                11 => (l | r).untyped(),
                _ => func::coalesce(l, r),
            }),
            inner.clone().prop_map(|e| (!e).untyped()),
            inner.clone().prop_map(|e| -e),
            inner.clone().prop_map(|e| e.is_null().untyped()),
            inner.clone().prop_map(func::lower),
            (inner.clone(), "[a-z%_/]{0,4}").prop_map(|(e, s)| e.contains(&s).untyped()),
            (inner.clone(), "[a-z%_]{0,4}").prop_map(|(e, s)| e.ilike(s).untyped()),
            (inner.clone(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(e, v)| e.in_(v).untyped()),
            (inner.clone(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(e, v)| e.not_in(v).untyped()),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(e, l, h)| e.between(l, h).untyped()),
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| and_(v).untyped()),
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| or_(v).untyped()),
            inner
                .clone()
                .prop_map(|e| select(e.label("x")).limit(1).scalar_subquery()),
            inner.prop_map(|e| exists(select(e.label("y"))).untyped()),
        ]
    })
}

fn dialects() -> Vec<Box<dyn Dialect>> {
    vec![
        Box::new(Postgres::default()),
        Box::new(Mysql::default()),
        Box::new(Mysql::mariadb()),
        Box::new(Sqlite::default()),
        Box::new(Generic),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_trees_compile_on_every_dialect(e in expr(), cond in expr()) {
        let q = select(e.label("v")).where_(cond).order_by(table().c("a").expect("a")).limit(5).offset(1);
        for d in dialects() {
            let _ = q.compile(&*d);
            let _ = q.debug_sql(&*d);
            let _ = q.to_string();
        }
    }

}

/// Every random tree runs on every database. SQLite raises no error for these trees;
/// PostgreSQL and MariaDB may refuse one for its types or values (`'a' + 1`,
/// division by zero), but never for its syntax: a parse error (SQLSTATE 42601, MySQL
/// error 1064) means the compiler wrote bad SQL.
#[test]
fn random_trees_run_on_every_database() {
    use proptest::test_runner::{Config, TestRunner};
    use std::cell::RefCell;
    let dbs = common::engines();
    let conns: Vec<_> = dbs
        .iter()
        .map(|db| {
            let mut conn = db.engine.connect().expect("connect");
            conn.execute(&CreateTable::new(table())).expect("create");
            let t = table();
            conn.execute(
                &insert(&t)
                    .columns(["a", "b", "select"])
                    .row((1i64, Some("x%"), 1.5f64))
                    .row((2i64, None::<&str>, -2.0f64)),
            )
            .expect("rows");
            (db.name, RefCell::new(conn))
        })
        .collect();
    let mut runner = TestRunner::new(Config {
        cases: 300,
        ..Config::default()
    });
    runner
        .run(&(expr(), expr()), |(e, cond)| {
            let q = select(e.label("v")).select_from(table()).where_(cond);
            for (name, conn) in &conns {
                let mut conn = conn.borrow_mut();
                let c = q.compile(conn.dialect()).expect("compiles");
                if let Err(err) = conn.query_sql(&c.sql, &c.params) {
                    let code = match &err {
                        Error::Database(db) => db.code.clone().unwrap_or_default(),
                        _ => String::new(),
                    };
                    let syntax = code == "42601" || code == "1064";
                    prop_assert!(
                        *name != "sqlite" && !syntax,
                        "on {}: {} failed: {}",
                        name,
                        c.sql,
                        err
                    );
                }
            }
            Ok(())
        })
        .expect("every tree runs");
}
