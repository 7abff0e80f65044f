//! Same query, same answer: the wrong results a differential run against SQLAlchemy
//! found (issue 23), each as the same statement on every database with the rows SQL
//! defines. Every case runs on SQLite, PostgreSQL and MariaDB over the blog fixture.

use super::common::models::*;
use super::{dec, seeded};
use sqlkit::expr::func;
use sqlkit::prelude::*;
use sqlkit::schema::SqlType;
use sqlkit::stmt::Select;

/// A value in a form that keeps what this module checks: a decimal's scale, a
/// float's shortest round-trip digits; booleans as 0/1 (MariaDB has none).
fn exact(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => i64::from(*b).to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Decimal(d) => d.to_string(),
        Value::Text(t) => format!("'{}'", t.as_str()),
        other => format!("{other:?}"),
    }
}

/// A value as a number where it is one, whatever the kind the server gave it.
fn number(v: &Value) -> String {
    use rust_decimal::prelude::ToPrimitive;
    match v {
        Value::Int(i) => format!("{:?}", *i as f64),
        Value::Decimal(d) => format!("{:?}", d.to_f64().unwrap_or(f64::NAN)),
        Value::Float(f) => format!("{f:?}"),
        other => exact(other),
    }
}

struct Case {
    name: &'static str,
    query: Select,
    want: Vec<Vec<&'static str>>,
    // How a cell is written for comparing.
    form: fn(&Value) -> String,
}

fn case(name: &'static str, query: Select, want: Vec<Vec<&'static str>>) -> Case {
    Case {
        name,
        query,
        want,
        form: number,
    }
}

fn run(cases: Vec<Case>) {
    let mut failures = Vec::new();
    for db in super::common::engines() {
        let mut conn = seeded(&db);
        for c in &cases {
            let got = conn.query(&c.query).map(|rows| {
                rows.iter()
                    .map(|r| r.values().iter().map(c.form).collect::<Vec<_>>())
                    .collect::<Vec<_>>()
            });
            match got {
                Ok(rows) if rows == c.want => {}
                Ok(rows) => failures.push(format!(
                    "{} on {}: got {rows:?}, want {:?}\n  sql: {}",
                    c.name,
                    db.name,
                    c.want,
                    conn.compile(&c.query).map(|c| c.sql).unwrap_or_default()
                )),
                Err(e) => failures.push(format!(
                    "{} on {}: {e}\n  sql: {}",
                    c.name,
                    db.name,
                    conn.compile(&c.query).map(|c| c.sql).unwrap_or_default()
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn rows(r: &[&[&'static str]]) -> Vec<Vec<&'static str>> {
    r.iter().map(|r| r.to_vec()).collect()
}

#[test]
fn a_bound_value_keeps_its_own_type() {
    let (u, c) = (User::table(), Comment::table());
    run(vec![
        case(
            "decimal minus an integer column",
            select(bind::<rust_decimal::Decimal>(dec("5.0")) - c.id)
                .where_(c.id.le(3))
                .order_by(c.id),
            rows(&[&["4.0"], &["3.0"], &["2.0"]]),
        ),
        case(
            "float cast to integer",
            select(bind::<f64>(1.5f64).cast::<i64>(SqlType::BigInt)),
            rows(&[&["2.0"]]),
        ),
        case(
            "text cast to integer",
            select(bind::<String>("42").cast::<i64>(SqlType::Integer)),
            rows(&[&["42.0"]]),
        ),
        case(
            "float divided by an integer column",
            select(bind::<f64>(3.0f64) / u.id)
                .where_(u.id.in_([2i64, 6]))
                .order_by(u.id),
            rows(&[&["1.5"], &["0.5"]]),
        ),
    ]);
}

#[test]
fn one_untyped_parameter_leaves_the_others_alone() {
    let t = Tag::table();
    run(vec![
        case(
            "substr beside two added bound integers",
            select((
                func::substr(t.name, 2i64, 2i64),
                (bind::<i64>(1000i64) + bind::<i64>(1i64)).label("n"),
            ))
            .where_(t.name.eq("python")),
            rows(&[&["'yt'", "1001.0"]]),
        ),
        case(
            "a float cast to integer beside two added bound integers",
            select((
                bind::<f64>(0.5f64).cast::<i64>(SqlType::BigInt),
                bind::<f64>(2.5f64).cast::<i64>(SqlType::BigInt),
                bind::<f64>(-1.5f64).cast::<i64>(SqlType::BigInt),
                (bind::<i64>(1i64) + bind::<i64>(2i64)).label("n"),
            )),
            rows(&[&["0.0", "2.0", "-2.0", "3.0"]]),
        ),
        case(
            "substr beside a parameter the server cannot type",
            select((
                bind::<i64>(5i64).is_null(),
                func::substr(t.name, 2i64, 2i64),
            ))
            .where_(t.name.eq("python")),
            rows(&[&["0", "'yt'"]]),
        ),
        case(
            "two bound integers past 32 bits",
            select(bind::<i64>(3_000_000_000i64) + bind::<i64>(3_000_000_000i64)),
            rows(&[&["6000000000.0"]]),
        ),
        case(
            "an integer column compared with a value past 32 bits",
            select(func::count_star())
                .select_from(t)
                .where_(t.id.lt(3_000_000_000i64)),
            rows(&[&["4.0"]]),
        ),
    ]);
}

#[test]
fn a_repeated_expression_with_bound_values_groups() {
    let p = Post::table();
    let either = p.views.gt(10i64) | p.rating.le(dec("5.0"));
    let nested = select(func::max(p.views)).scalar_subquery();
    run(vec![
        case(
            "GROUP BY an OR of two comparisons",
            select((either.clone().label("c0"), func::count_star()))
                .group_by(either.clone())
                .order_by(asc(either.clone()).nulls_first()),
            rows(&[&["NULL", "1.0"], &["0", "2.0"], &["1", "5.0"]]),
        ),
        case(
            "GROUP BY an expression holding a subquery",
            select((
                (p.views.lt(nested.clone() - 1000i64)).label("small"),
                func::count_star(),
            ))
            .group_by(p.views.lt(nested.clone() - 1000i64))
            .order_by(p.views.lt(nested - 1000i64)),
            rows(&[&["0", "1.0"], &["1", "7.0"]]),
        ),
    ]);
}

#[test]
fn decimal_division_is_true_division() {
    let (u, p) = (User::table(), Post::table());
    run(vec![
        case(
            "a decimal column divided by an integer",
            select(p.rating / 2i64)
                .where_(p.slug.in_(["python-tips", "rust-sql", "cjk"]))
                .order_by(p.slug),
            rows(&[&["3.5"], &["5.0"], &["-0.5"]]),
        ),
        case(
            "a bound decimal divided by an integer column",
            select(bind::<rust_decimal::Decimal>(dec("3.0")) / u.id)
                .where_(u.id.in_([2i64, 6]))
                .order_by(u.id),
            rows(&[&["1.5"], &["0.5"]]),
        ),
        case(
            "rows chosen by a decimal quotient",
            select(p.slug)
                .where_((p.rating / 4i64).gt(dec("2.4")))
                .order_by(p.slug),
            rows(&[&["'python-tips'"], &["'unicode'"]]),
        ),
    ]);
}

#[test]
fn a_label_never_reads_a_column_of_its_name() {
    let p = Post::table();
    let s = func::sum(p.views + 1i64);
    let m = p.views % 1000i64;
    run(vec![
        case(
            "HAVING an aggregate labelled as a column",
            select((p.author_id, s.clone().label("views")))
                .group_by(p.author_id)
                .having(s.clone().gt(25i64))
                .order_by(p.author_id),
            rows(&[&["1.0", "37.0"], &["6.0", "1501.0"], &["8.0", "43.0"]]),
        ),
        case(
            "HAVING a grouped expression labelled as a column",
            select((m.clone().label("views"), func::count_star()))
                .group_by(m.clone())
                .having(m.clone().gt(40i64))
                .order_by(m.clone()),
            rows(&[&["42.0", "1.0"], &["500.0", "1.0"]]),
        ),
        case(
            "ORDER BY a label the select list lacks",
            select(p.slug)
                .where_(p.views.gt(5i64))
                .where_(p.views.ne(42i64))
                .order_by((p.views % 7i64).label("views").desc()),
            rows(&[
                &["'unicode'"],
                &["'sqlalchemy'"],
                &["'python-tips'"],
                &["'quoted'"],
                &["'py-internals'"],
            ]),
        ),
    ]);
}

#[test]
fn values_take_their_column_types_from_rust() {
    let t = Tag::table();
    let v = sqlkit::stmt::values(
        "v",
        &["code", "label"],
        [(None::<i64>, "none"), (Some(2i64), "two")],
    )
    .expect("values");
    let code = v.column::<Option<i64>>("code").expect("code");
    let label = v.column::<String>("label").expect("label");
    run(vec![
        case(
            "a VALUES list whose first row is NULL, joined on an integer",
            select((t.name, label.clone()))
                .select_from(t)
                .join(v.clone(), code.clone().eq(t.id))
                .order_by(t.name),
            rows(&[&["'rust'", "'two'"]]),
        ),
        Case {
            name: "a VALUES list whose first row is NULL, read alone",
            query: select(code.clone())
                .select_from(v.clone())
                .order_by(asc(code.clone()).nulls_first()),
            want: rows(&[&["NULL"], &["2"]]),
            form: exact,
        },
    ]);
}

#[test]
fn two_bound_strings_compare_by_code_point() {
    run(vec![case(
        "a lower-case string against an upper-case one",
        select((
            bind::<String>("golang").lt("Post 1"),
            bind::<String>("a").eq("A"),
            bind::<String>("b ").eq("b"),
            bind::<String>("abc").like("A%"),
        )),
        rows(&[&["0", "0", "0", "0"]]),
    )]);
}

#[test]
fn a_decimal_zero_keeps_its_scale() {
    run(vec![Case {
        name: "decimal zero and a decimal with a fraction as text",
        query: select((
            bind::<rust_decimal::Decimal>(dec("0.0")).cast::<String>(SqlType::Text),
            bind::<rust_decimal::Decimal>(dec("-0.0")).cast::<String>(SqlType::Text),
            bind::<rust_decimal::Decimal>(dec("1.5")).cast::<String>(SqlType::Text),
            bind::<rust_decimal::Decimal>(dec("3")).cast::<String>(SqlType::Text),
        )),
        want: rows(&[&["'0.0'", "'0.0'", "'1.5'", "'3'"]]),
        form: exact,
    }]);
}

#[test]
fn an_average_reads_the_same_f64_everywhere() {
    let (c, p) = (Comment::table(), Post::table());
    run(vec![
        Case {
            name: "avg of integer lengths",
            query: select(func::avg(func::char_length(c.content))).where_(c.id.le(3i64)),
            want: rows(&[&["8.666666666666666"]]),
            form: number,
        },
        Case {
            name: "avg of a decimal column",
            query: select(func::avg(p.rating)).where_(p.slug.in_(["sqlalchemy", "quoted", "cjk"])),
            want: rows(&[&["4.0"]]),
            form: number,
        },
        Case {
            name: "avg of integer views",
            query: select(func::avg(p.views)).where_(p.views.in_([10i64, 25, 12])),
            want: rows(&[&["15.666666666666666"]]),
            form: number,
        },
    ]);
}

#[test]
fn literals_labels_and_names_round_trip() {
    let mut failures = Vec::new();
    for db in super::common::engines() {
        let mut conn = db.engine.connect().expect("connect");
        // A float literal reads back as a float, a tiny decimal as that decimal.
        let q = select((
            literal::<f64>(1.5f64),
            literal::<f64>(1e40f64),
            literal::<rust_decimal::Decimal>(dec("0.0000000000000000000000000001")),
        ));
        match conn.query_one(&q) {
            Ok(row) => {
                let got: Vec<String> = row.values().iter().map(exact).collect();
                let want = ["1.5", "1e40", "0.0000000000000000000000000001"];
                if got != want {
                    failures.push(format!("{}: literals read back as {got:?}", db.name));
                }
                if !matches!(row.values().first(), Some(Value::Float(_))) {
                    failures.push(format!(
                        "{}: a float literal is {:?}",
                        db.name,
                        row.values()
                    ));
                }
            }
            Err(e) => failures.push(format!("{}: literals: {e}", db.name)),
        }
        // A label with a leading space: read back under it, or refused typed.
        let q = select(literal::<i64>(1i64).label(" leading"));
        match conn.query_one(&q) {
            Ok(row) => {
                if row.get::<i64, _>(" leading").ok() != Some(1) {
                    failures.push(format!(
                        "{}: the label came back as {:?}",
                        db.name,
                        row.columns()
                    ));
                }
            }
            Err(Error::InvalidStatement { .. }) if db.name == "mariadb" => {}
            Err(e) => failures.push(format!("{}: leading-space label: {e}", db.name)),
        }
        // Names that are type names on MariaDB are quoted.
        let t = Table::builder("int4")
            .column(ColumnDef::new("float4", SqlType::Double))
            .column(ColumnDef::new("int8", SqlType::BigInt))
            .column(ColumnDef::new("int1", SqlType::Integer))
            .build()
            .expect("table");
        let mut md = MetaData::new();
        md.add(&t).expect("add");
        let r = conn
            .create_all(&md)
            .and_then(|_| {
                conn.execute(
                    &insert(t.clone())
                        .value(t.c("float4").expect("c"), 0.5f64)
                        .value(t.c("int8").expect("c"), 8i64)
                        .value(t.c("int1").expect("c"), 1i64),
                )
            })
            .and_then(|_| conn.query(&select(t.c("int8").expect("c"))));
        match r {
            Ok(rows) if rows.len() == 1 => {}
            Ok(rows) => failures.push(format!("{}: {} rows", db.name, rows.len())),
            Err(e) => failures.push(format!("{}: type-name identifiers: {e}", db.name)),
        }
    }
    // A concatenation chain far past the depth limit, compiled on a 2 MB thread for
    // every dialect: refused typed, never a stack overflow.
    let chain = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let u = User::table();
            let mut e = u.username.expr();
            for _ in 0..10_000 {
                e = e.concat("x");
            }
            let q = select(e);
            [
                sqlkit::dialect::dialect_for("mysql").expect("mysql"),
                sqlkit::dialect::dialect_for("mariadb").expect("mariadb"),
                sqlkit::dialect::dialect_for("postgresql").expect("pg"),
                sqlkit::dialect::dialect_for("sqlite").expect("sqlite"),
            ]
            .iter()
            .map(|d| match q.compile(d.as_ref()) {
                Err(Error::TooDeep { .. }) => None,
                other => Some(format!("{}: {:?}", d.name(), other.map(|c| c.sql.len()))),
            })
            .collect::<Vec<_>>()
        })
        .expect("thread")
        .join()
        .expect("no stack overflow");
    failures.extend(chain.into_iter().flatten());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_stored_value_stays_within_its_type_or_is_refused() {
    let t = Table::builder("fits")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("flag", SqlType::Boolean))
        .column(ColumnDef::new("code", SqlType::String(5)))
        .column(ColumnDef::new("ratio", SqlType::Float))
        .column(ColumnDef::new("small", SqlType::SmallInt))
        .column(ColumnDef::new("mid", SqlType::Integer))
        .column(ColumnDef::new(
            "amount",
            SqlType::Numeric {
                precision: 40,
                scale: 2,
            },
        ))
        .build()
        .expect("table");
    let mut md = MetaData::new();
    md.add(&t).expect("add");
    let c = |n: &str| t.c(n).expect("column");
    let mut failures = Vec::new();
    for db in super::common::engines() {
        let mut conn = db.engine.connect().expect("connect");
        conn.create_all(&md).expect("schema");
        // What fits goes in and reads back as written.
        let ok = insert(t.clone())
            .value(c("id"), 1i64)
            .value(c("flag"), true)
            .value(c("code"), "abcde")
            .value(c("ratio"), 3.0e38f64)
            .value(c("small"), -32768i64)
            .value(c("mid"), 2_147_483_647i64)
            .value(c("amount"), dec("-12345678901.25"));
        if let Err(e) = conn.execute(&ok) {
            failures.push(format!("{}: a fitting row: {e}", db.name));
        }
        let bad: [(&str, Value); 7] = [
            (
                "amount",
                Value::from("1234567890123456789012345678901234567890"),
            ),
            ("amount", Value::from("abc")),
            ("flag", Value::Int(2)),
            ("code", Value::from("abcdef")),
            ("ratio", Value::Float(1e40)),
            ("small", Value::Int(40_000)),
            ("mid", Value::Int(3_000_000_000)),
        ];
        for (k, (col, v)) in bad.into_iter().enumerate() {
            let q = insert(t.clone())
                .value(c("id"), 10 + k as i64)
                .value(c(col), v.clone());
            if conn.execute(&q).is_ok() {
                failures.push(format!("{}: {col} = {v:?} was stored", db.name));
            }
        }
        match conn.query(&select((c("id"), c("code"), c("amount"))).select_from(t.clone())) {
            Ok(rows)
                if rows.len() == 1
                    && rows[0].get::<rust_decimal::Decimal, _>(2).ok()
                        == Some(dec("-12345678901.25")) => {}
            Ok(rows) => failures.push(format!("{}: {} rows afterwards", db.name, rows.len())),
            Err(e) => failures.push(format!("{}: {e}", db.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
