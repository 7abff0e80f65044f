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
            inner
                .clone()
                .prop_map(|e| exists(select(e.label("y"))).untyped()),
            // The rest of SQL: each spelled per dialect.
            (inner.clone(), inner.clone(), inner.clone(), any::<bool>()).prop_map(
                |(c, a, b, simple)| if simple {
                    case_of::<Any, _>(c).when(a, b).end().untyped()
                } else {
                    case::<Any>().when(c, a).else_(b)
                }
            ),
            (inner.clone(), inner.clone(), any::<bool>()).prop_map(|(l, r, neg)| if neg {
                l.is_not_distinct_from(r)
            } else {
                l.is_distinct_from(r)
            }
            .untyped()),
            (inner.clone(), inner.clone(), 0..4u8).prop_map(|(l, r, k)| match k {
                0 => func::greatest(l, r),
                1 => func::least(l, r),
                2 => func::nullif(l, r).untyped(),
                _ => l.floordiv(r),
            }),
            inner.clone().prop_map(|e| e.is_true().untyped()),
            inner.prop_map(|e| func::round(e, 1)),
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

/// Cases per property: `PROPTEST_CASES` when set (run a million once with
/// `PROPTEST_CASES=1000000`), otherwise `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(2000), ..ProptestConfig::default() })]

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
        cases: cases(2000),
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

/// A value as a bound parameter or as an inlined literal.
fn val(v: Value, bound: bool) -> Expr<Any> {
    if bound {
        bind::<Any>(v)
    } else {
        literal::<Any>(v)
    }
}

fn fixture() -> Table {
    Table::builder("f")
        .column(ColumnDef::new("a", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("b", SqlType::Text))
        .column(ColumnDef::new("c", SqlType::Double))
        .column(ColumnDef::new("d", SqlType::BigInt))
        .build()
        .expect("table")
}

fn col(name: &str) -> Expr<Any> {
    fixture().c(name).expect("column")
}

const TEXTS: [&str; 8] = ["", "x", "X y", "x%", "_", "a'b", "xx", "x "];

fn int_expr() -> impl Strategy<Value = Expr<Any>> {
    let leaf = prop_oneof![
        Just(()).prop_map(|_| col("a")),
        Just(()).prop_map(|_| col("d")),
        (-5i64..10, any::<bool>()).prop_map(|(i, b)| val(Value::Int(i), b)),
    ];
    leaf.prop_recursive(2, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| l + r),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| l - r),
            (inner.clone(), -3i64..4).prop_map(|(l, k)| l * k),
            inner.clone().prop_map(|e| -e),
            (inner, -2i64..3).prop_map(|(e, k)| func::coalesce(e, k)),
            text_leaf().prop_map(|t| func::char_length(t).untyped()),
        ]
    })
}

fn text_leaf() -> impl Strategy<Value = Expr<Any>> {
    prop_oneof![
        Just(()).prop_map(|_| col("b")),
        (prop::sample::select(&TEXTS[..]), any::<bool>())
            .prop_map(|(s, b)| val(Value::Text(s.into()), b)),
    ]
}

/// Text expressions over the column `b`. Strings from the client alone are left out:
/// MariaDB 10.11 gives bound strings `utf8mb4_general_ci` whatever the connection's
/// collation (a server limitation, in the README), so `upper(?) LIKE ?` compares case
/// insensitively there; against a column, the column's collation decides.
fn text_expr() -> impl Strategy<Value = Expr<Any>> {
    Just(())
        .prop_map(|_| col("b"))
        .prop_recursive(2, 6, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(func::lower),
                inner.clone().prop_map(func::upper),
                (inner.clone(), text_leaf()).prop_map(|(l, r)| l.concat(r)),
                (text_leaf(), inner).prop_map(|(l, r)| l.concat(r)),
            ]
        })
}

fn float_expr() -> impl Strategy<Value = Expr<Any>> {
    prop_oneof![
        Just(()).prop_map(|_| col("c")),
        (
            prop::sample::select(&[-2.0f64, 0.0, 1.5, 3.25][..]),
            any::<bool>()
        )
            .prop_map(|(f, b)| val(Value::Float(f), b)),
    ]
}

fn compare(l: Expr<Any>, r: Expr<Any>, op: u8) -> Expr<Any> {
    match op % 6 {
        0 => l.eq(r).untyped(),
        1 => l.ne(r).untyped(),
        2 => l.lt(r).untyped(),
        3 => l.le(r).untyped(),
        4 => l.gt(r).untyped(),
        _ => l.ge(r).untyped(),
    }
}

/// Well-typed WHERE predicates over the fixture: comparisons, NULL tests, IN lists,
/// BETWEEN, LIKE helpers (no backslash patterns: SQLite has no default LIKE escape),
/// AND / OR / NOT, so three-valued logic is exercised everywhere.
fn predicate() -> impl Strategy<Value = Expr<Any>> {
    let atom = prop_oneof![
        (int_expr(), int_expr(), any::<u8>()).prop_map(|(l, r, op)| compare(l, r, op)),
        (
            text_expr(),
            prop_oneof![text_expr(), text_leaf()],
            any::<u8>()
        )
            .prop_map(|(l, r, op)| compare(l, r, op)),
        (float_expr(), float_expr(), any::<u8>()).prop_map(|(l, r, op)| compare(l, r, op)),
        // A float with a fraction bound against an integer is refused on PostgreSQL
        // (it would be truncated): compare the float column with integers instead.
        (int_expr(), any::<u8>()).prop_map(|(r, op)| compare(col("c"), r, op)),
        int_expr().prop_map(|e| e.is_null().untyped()),
        text_expr().prop_map(|e| e.is_not_null().untyped()),
        (int_expr(), prop::collection::vec(int_expr(), 0..4)).prop_map(|(e, v)| e.in_(v).untyped()),
        (text_expr(), prop::collection::vec(text_leaf(), 1..3))
            .prop_map(|(e, v)| e.not_in(v).untyped()),
        (int_expr(), int_expr(), int_expr()).prop_map(|(e, l, h)| e.between(l, h).untyped()),
        (text_expr(), prop::sample::select(&TEXTS[..]), 0..3u8).prop_map(|(e, s, k)| match k {
            0 => e.contains(s).untyped(),
            1 => e.startswith(s).untyped(),
            _ => e.endswith(s).untyped(),
        }),
        (
            text_expr(),
            prop::sample::select(&["x%", "%", "_", "%y", "x_", ""][..])
        )
            .prop_map(|(e, p)| e.like(p).untyped()),
    ];
    atom.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| (l & r).untyped()),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| (l | r).untyped()),
            inner.prop_map(|e| (!e).untyped()),
        ]
    })
}

/// The same random WHERE predicate returns the same rows on SQLite, PostgreSQL and
/// MariaDB, with its values bound and with them inlined as literals.
#[test]
fn random_predicates_select_the_same_rows_everywhere_bound_or_inlined() {
    use proptest::test_runner::{Config, TestRunner};
    use std::cell::RefCell;
    let dbs = common::engines();
    let t = fixture();
    let conns: Vec<_> = dbs
        .iter()
        .map(|db| {
            let mut conn = db.engine.connect().expect("connect");
            conn.execute(&CreateTable::new(&t)).expect("create");
            conn.execute(
                &insert(&t)
                    .columns(["a", "b", "c", "d"])
                    .row((1i64, Some("x"), Some(1.5f64), Some(10i64)))
                    .row((2i64, None::<&str>, Some(-2.0f64), None::<i64>))
                    .row((3i64, Some(""), None::<f64>, Some(-3i64)))
                    .row((4i64, Some("X y"), Some(0.0f64), Some(0i64)))
                    .row((5i64, Some("x%"), None::<f64>, Some(7i64)))
                    .row((6i64, Some("_"), Some(3.25f64), None::<i64>))
                    .row((7i64, Some("x "), Some(1.5f64), Some(2i64))),
            )
            .expect("rows");
            (db.name, RefCell::new(conn))
        })
        .collect();
    let mut runner = TestRunner::new(Config {
        cases: cases(2000),
        ..Config::default()
    });
    runner
        .run(&predicate(), |pred| {
            let q = select(col("a"))
                .select_from(&t)
                .where_(pred)
                .order_by(col("a"));
            let mut seen: Option<(&str, Vec<i64>)> = None;
            for (name, conn) in &conns {
                let mut conn = conn.borrow_mut();
                let ids = |rows: Vec<Row>| -> Vec<i64> {
                    rows.iter().map(|r| r.get(0).expect("id")).collect()
                };
                let c = q.compile(conn.dialect()).expect("compiles");
                let bound = ids(conn
                    .query_sql(&c.sql, &c.params)
                    .map_err(|e| TestCaseError::fail(format!("{name}: {}: {e}", c.sql)))?);
                let inline = q.debug_sql(conn.dialect()).expect("inlines");
                let inlined = ids(conn
                    .query_sql(&inline, &[])
                    .map_err(|e| TestCaseError::fail(format!("{name}: {inline}: {e}")))?);
                prop_assert_eq!(
                    &bound,
                    &inlined,
                    "{}: bound {} vs inlined {}",
                    name,
                    c.sql,
                    inline
                );
                match &seen {
                    None => seen = Some((name, bound)),
                    Some((first, rows)) => {
                        prop_assert_eq!(rows, &bound, "{} and {} differ on {}", first, name, inline)
                    }
                }
            }
            Ok(())
        })
        .expect("same rows everywhere");
}

/// Every way a URL is shown: redacted, parsed (Debug), its parse error, an engine
/// builder's Debug.
fn shown(url: &str) -> Vec<String> {
    let mut out = vec![sqlkit::url::redact(url)];
    match sqlkit::url::parse(url) {
        Ok(b) => out.push(format!("{b:?}")),
        Err(e) => {
            out.push(e.to_string());
            out.push(format!("{e:?}"));
        }
    }
    out.push(format!("{:?}", Engine::builder(url)));
    out
}

const MARKER: &str = "MARKERpw";

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(2000), ..ProptestConfig::default() })]

    /// A password holding any of `/ ? # @ : %` unencoded, after any user name and
    /// before any host part, never shows.
    #[test]
    fn passwords_never_show_in_urls_errors_or_debug(
        scheme in prop::sample::select(&["postgresql", "postgres", "mysql", "mariadb", "sqlite", "pg+x", "nope"][..]),
        user in "[a-z?#/:%@ ]{0,6}",
        pre in "[a-zA-Z0-9/+?#:%@= ]{0,6}",
        post in "[a-zA-Z0-9/+?#:%@= ]{0,6}",
        rest in "[a-z0-9.:/?=&%@#\\[\\]-]{0,20}",
        slashes in prop::sample::select(&["://", ":", ":/", ":///"][..]),
    ) {
        let url = format!("{scheme}{slashes}{user}:{pre}{MARKER}{post}@{rest}");
        // `sqlite:///..` is a file path, which has no password to hide.
        if url.starts_with("sqlite:///") {
            return Ok(());
        }
        for s in shown(&url) {
            prop_assert!(!s.contains(MARKER), "{url} shown as {s}");
        }
    }
}

/// Engines that fail to connect (nothing listens on 127.0.0.1:1) say so without the
/// password, whatever it holds.
#[test]
fn connection_errors_never_show_the_password() {
    for scheme in ["postgresql", "mariadb"] {
        for pw in ["a/b", "a?b", "a#b", "a@b", "a:b", "%2F", "a b"] {
            let url = format!("{scheme}://app:{MARKER}{pw}@127.0.0.1:1/db?connect_timeout=2");
            let err = Engine::from_url(&url).unwrap_err();
            for s in [err.to_string(), format!("{err:?}")]
                .into_iter()
                .chain(shown(&url))
            {
                assert!(!s.contains(MARKER), "{url}: {s}");
            }
        }
    }
}

/// Random revisions: written as a file and read back, they are the same revision;
/// every operation renders on every dialect without panicking (a typed error at most);
/// any text at all given as a revision file is a typed error or a revision, never a
/// panic.
#[cfg(feature = "migrate")]
mod revisions {
    use super::*;
    use sqlkit::migrate::{
        render, CheckSpec, ColumnSpec, DefaultSpec, DialectSql, ForeignKeySpec, IndexSpec, Op,
        Revision, SchemaState, TableSpec, UniqueSpec,
    };

    /// Names with the characters that need quoting in TOML and SQL.
    fn name() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9_ \"'\\\\.é\n-]{0,8}"
    }

    fn sql_type() -> impl Strategy<Value = SqlType> {
        prop_oneof![
            Just(SqlType::SmallInt),
            Just(SqlType::Integer),
            Just(SqlType::BigInt),
            Just(SqlType::Boolean),
            Just(SqlType::Float),
            Just(SqlType::Double),
            (1u8..=38, 0u8..=10).prop_map(|(p, s)| SqlType::Numeric {
                precision: p,
                scale: s.min(p)
            }),
            (1u32..=10_000).prop_map(SqlType::String),
            Just(SqlType::Text),
            Just(SqlType::Date),
            Just(SqlType::Time),
            Just(SqlType::DateTime),
            Just(SqlType::Timestamp),
            Just(SqlType::Json),
            Just(SqlType::Uuid),
            Just(SqlType::Bytes),
        ]
    }

    fn default() -> impl Strategy<Value = Option<DefaultSpec>> {
        prop_oneof![
            Just(None),
            any::<bool>().prop_map(|b| Some(DefaultSpec::Bool(b))),
            any::<i64>().prop_map(|i| Some(DefaultSpec::Int(i))),
            (-1.0e12f64..1.0e12).prop_map(|f| Some(DefaultSpec::Float(f))),
            ".{0,8}".prop_map(|s| Some(DefaultSpec::Text(s))),
            ".{0,8}".prop_map(|s| Some(DefaultSpec::Sql { sql: s })),
            Just(Some(DefaultSpec::Now { now: true })),
        ]
    }

    fn column() -> impl Strategy<Value = ColumnSpec> {
        (name(), sql_type(), any::<bool>(), default()).prop_map(|(n, t, nullable, d)| ColumnSpec {
            name: n,
            sql_type: t,
            nullable,
            autoincrement: false,
            default: d,
        })
    }

    fn table() -> impl Strategy<Value = TableSpec> {
        (
            name(),
            prop::collection::vec(column(), 1..4),
            name(),
            ".{0,10}",
        )
            .prop_map(|(t, mut cols, ix, check)| {
                for (i, c) in cols.iter_mut().enumerate() {
                    c.name = format!("{}{i}", c.name);
                }
                let first = cols[0].name.clone();
                TableSpec {
                    table: t,
                    primary_key: vec![first.clone()],
                    foreign_keys: vec![ForeignKeySpec {
                        name: None,
                        columns: vec![first.clone()],
                        references: "parent".into(),
                        ref_columns: vec!["id".into()],
                        on_delete: Some("CASCADE".into()),
                        on_update: None,
                    }],
                    uniques: vec![UniqueSpec {
                        name: Some(format!("uq {ix}")),
                        columns: vec![first.clone()],
                    }],
                    checks: vec![CheckSpec {
                        name: "c".into(),
                        sql: check,
                        constraint: None,
                    }],
                    indexes: vec![IndexSpec {
                        name: ix,
                        columns: vec![first],
                        unique: false,
                        where_: None,
                    }],
                    columns: cols,
                }
            })
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            table().prop_map(Op::CreateTable),
            table().prop_map(Op::DropTable),
            (name(), name()).prop_map(|(from, to)| Op::RenameTable { from, to }),
            (name(), column()).prop_map(|(table, column)| Op::AddColumn { table, column }),
            (name(), column()).prop_map(|(table, column)| Op::DropColumn { table, column }),
            (name(), name(), name()).prop_map(|(table, from, to)| Op::RenameColumn {
                table,
                from,
                to
            }),
            (name(), column(), sql_type(), default()).prop_map(|(table, from, t, d)| {
                let mut to = from.clone();
                to.sql_type = t;
                to.default = d;
                Op::AlterColumn { table, from, to }
            }),
            (name(), name()).prop_map(|(table, n)| Op::CreateIndex {
                table,
                index: IndexSpec {
                    name: n,
                    columns: vec!["a".into()],
                    unique: true,
                    where_: None,
                }
            }),
            (".{0,12}", ".{0,12}").prop_map(|(a, b)| Op::Sql(DialectSql {
                any: Some(a),
                sqlite: Some(b),
                ..DialectSql::default()
            })),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: cases(2000), ..ProptestConfig::default() })]

        #[test]
        fn revisions_read_back_as_written(
            upgrade in prop::collection::vec(op(), 0..4),
            message in ".{0,20}",
        ) {
            let r = Revision {
                id: "20260101000000".into(),
                parent: Some("20251231000000".into()),
                message,
                created: "2026-01-01T00:00:00Z".into(),
                downgrade: upgrade.iter().rev().filter_map(Op::inverse).collect(),
                upgrade,
                file: "r.toml".into(),
            };
            let text = r.to_text().expect("text");
            let back = Revision::parse("r.toml", &text).expect("parses");
            prop_assert_eq!(back, r);
        }

        #[test]
        fn operations_render_or_refuse_on_every_dialect(op in op(), t in table()) {
            let state = SchemaState { tables: vec![t] };
            for d in dialects() {
                let _ = render(&op, &*d, &state);
            }
        }

        #[test]
        fn any_text_as_a_revision_is_a_revision_or_an_error(text in "(\\[\\[upgrade\\]\\]\nop = \"[a-z_]{0,12}\"\n|[a-z_ =\"\\[\\]{},\n0-9.]{0,40}){0,6}") {
            let _ = Revision::parse("r.toml", &text);
        }
    }
}
