//! Every value type round-trips through the database, NULL of each included, with
//! integer limits, Unicode and hostile text. Runs on every configured database.

mod common;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use common::engines;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlkit::prelude::*;
use sqlkit::schema::SqlType;
use sqlkit::stmt::Select;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlkit::Table)]
#[sqlkit(table = "samples")]
struct Sample {
    #[sqlkit(primary_key, autoincrement = false)]
    id: i64,
    small: i16,
    int: i32,
    big: i64,
    flag: bool,
    ratio: f32,
    score: f64,
    #[sqlkit(sql_type = SqlType::Numeric { precision: 20, scale: 6 })]
    price: Decimal,
    #[sqlkit(string = 200)]
    code: String,
    body: String,
    day: NaiveDate,
    at_time: NaiveTime,
    local_at: NaiveDateTime,
    instant: DateTime<Utc>,
    doc: serde_json::Value,
    uid: Uuid,
    blob: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlkit::Table)]
#[sqlkit(table = "maybe_samples")]
struct MaybeSample {
    #[sqlkit(primary_key, autoincrement = false)]
    id: i64,
    small: Option<i16>,
    int: Option<i32>,
    big: Option<i64>,
    flag: Option<bool>,
    ratio: Option<f32>,
    score: Option<f64>,
    #[sqlkit(sql_type = SqlType::Numeric { precision: 20, scale: 6 })]
    price: Option<Decimal>,
    #[sqlkit(string = 200)]
    code: Option<String>,
    body: Option<String>,
    day: Option<NaiveDate>,
    at_time: Option<NaiveTime>,
    local_at: Option<NaiveDateTime>,
    instant: Option<DateTime<Utc>>,
    doc: Option<serde_json::Value>,
    uid: Option<Uuid>,
    blob: Option<Vec<u8>>,
}

fn samples() -> Vec<Sample> {
    let t = NaiveTime::from_hms_micro_opt(23, 59, 58, 123_456).expect("time");
    let d = NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
    vec![
        Sample {
            id: 1,
            small: i16::MAX,
            int: i32::MAX,
            big: i64::MAX,
            flag: true,
            ratio: 1.5,
            score: 1e300,
            price: Decimal::new(123_456_789_012_345, 6),
            code: "it's a \"quote\" \\ backslash".into(),
            body: "ünïcødé ✓ 🦀 中文 \u{202e} tab\tnewline\n".into(),
            day: d,
            at_time: t,
            local_at: d.and_time(t),
            instant: Utc
                .with_ymd_and_hms(2038, 1, 19, 3, 14, 8)
                .single()
                .expect("ts")
                + chrono::Duration::microseconds(7),
            doc: serde_json::json!({"a": [1, 2.5, "x"], "b": {"c": null}, "quote": "it's"}),
            uid: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
            blob: vec![0, 1, 2, 0xfe, 0xff, b'\'', b'\\'],
        },
        Sample {
            id: 2,
            small: i16::MIN,
            int: i32::MIN,
            big: i64::MIN,
            flag: false,
            ratio: -0.25,
            score: -2.5e-300,
            price: Decimal::new(-1, 6),
            code: "'; DROP TABLE samples; -- %_ /* */".into(),
            body: String::new(),
            day: NaiveDate::from_ymd_opt(1970, 1, 1).expect("date"),
            at_time: NaiveTime::MIN,
            local_at: NaiveDate::from_ymd_opt(1999, 12, 31)
                .expect("d")
                .and_hms_opt(23, 59, 59)
                .expect("t"),
            instant: Utc
                .with_ymd_and_hms(1970, 1, 1, 0, 0, 0)
                .single()
                .expect("ts"),
            doc: serde_json::json!(42),
            uid: Uuid::nil(),
            blob: Vec::new(),
        },
    ]
}

fn setup(conn: &mut Connection) -> Result<()> {
    let mut md = MetaData::new();
    md.add(Sample::table())?.add(MaybeSample::table())?;
    conn.drop_all(&md)?;
    conn.create_all(&md)
}

#[test]
fn every_type_round_trips_through_serde_records() {
    for db in engines() {
        let (name, engine) = (db.name, &db.engine);
        let mut conn = engine.connect().expect("connect");
        setup(&mut conn).expect("setup");
        let s = Sample::table();
        let data = samples();
        conn.execute(&insert(s).records(&data)).expect("insert");
        let back: Vec<Sample> = conn.query_as(&select(s).order_by(s.id)).expect("select");
        assert_eq!(back, data, "on {name}");
    }
}

#[test]
fn every_type_round_trips_through_row_get() {
    for db in engines() {
        let (name, engine) = (db.name, &db.engine);
        let mut conn = engine.connect().expect("connect");
        setup(&mut conn).expect("setup");
        let s = Sample::table();
        let d = samples().remove(0);
        conn.execute(&insert(s).record(&d)).expect("insert");
        let r = conn.query_one(&select(s)).expect("row");
        assert_eq!(
            r.get::<i16, _>("small")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.small
        );
        assert_eq!(
            r.get::<i32, _>("int")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.int
        );
        assert_eq!(
            r.get::<i64, _>("big")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.big
        );
        assert_eq!(
            r.get::<bool, _>("flag")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.flag
        );
        assert_eq!(
            r.get::<f32, _>("ratio")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.ratio
        );
        assert_eq!(
            r.get::<f64, _>("score")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.score
        );
        assert_eq!(
            r.get::<Decimal, _>("price")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.price
        );
        assert_eq!(
            r.get::<String, _>("code")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.code
        );
        assert_eq!(
            r.get::<String, _>("body")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.body
        );
        assert_eq!(
            r.get::<NaiveDate, _>("day")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.day
        );
        assert_eq!(
            r.get::<NaiveTime, _>("at_time")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.at_time
        );
        assert_eq!(
            r.get::<NaiveDateTime, _>("local_at")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.local_at
        );
        assert_eq!(
            r.get::<DateTime<Utc>, _>("instant")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.instant
        );
        assert_eq!(
            r.get::<serde_json::Value, _>("doc")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.doc
        );
        assert_eq!(
            r.get::<Uuid, _>("uid")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.uid
        );
        assert_eq!(
            r.get::<Vec<u8>, _>("blob")
                .unwrap_or_else(|e| panic!("on {name}: {e}")),
            d.blob
        );
    }
}

#[test]
fn null_of_every_type_round_trips() {
    for db in engines() {
        let (name, engine) = (db.name, &db.engine);
        let mut conn = engine.connect().expect("connect");
        setup(&mut conn).expect("setup");
        let m = MaybeSample::table();
        let empty = MaybeSample {
            id: 1,
            small: None,
            int: None,
            big: None,
            flag: None,
            ratio: None,
            score: None,
            price: None,
            code: None,
            body: None,
            day: None,
            at_time: None,
            local_at: None,
            instant: None,
            doc: None,
            uid: None,
            blob: None,
        };
        conn.execute(&insert(m).record(&empty)).expect("insert");
        let back: MaybeSample = conn.query_one_as(&select(m)).expect("select");
        assert_eq!(back, empty, "on {name}");
        let row = conn.query_one(&select(m)).expect("row");
        assert!(
            row.values()[1..].iter().all(Value::is_null),
            "on {name}: {row:?}"
        );
    }
}

#[test]
fn typed_values_compare_correctly_in_the_database() {
    for db in engines() {
        let (name, engine) = (db.name, &db.engine);
        let mut conn = engine.connect().expect("connect");
        setup(&mut conn).expect("setup");
        let s = Sample::table();
        conn.execute(&insert(s).records(&samples()))
            .expect("insert");
        let mut at = |q: Select| -> Vec<i64> {
            conn.query(&q)
                .expect("query")
                .iter()
                .map(|r| r.get(0).expect("id"))
                .collect()
        };
        let cutoff = Utc
            .with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
            .single()
            .expect("ts");
        assert_eq!(
            at(select(s.id).where_(s.instant.gt(cutoff))),
            [1],
            "on {name}"
        );
        assert_eq!(
            at(select(s.id).where_(s.day.lt(NaiveDate::from_ymd_opt(2000, 1, 1).expect("d")))),
            [2],
            "on {name}"
        );
        assert_eq!(
            at(select(s.id).where_(s.uid.eq(Uuid::nil()))),
            [2],
            "on {name}"
        );
        assert_eq!(at(select(s.id).where_(s.flag.eq(true))), [1], "on {name}");
        assert_eq!(
            at(select(s.id).where_(s.code.eq("'; DROP TABLE samples; -- %_ /* */"))),
            [2],
            "on {name}"
        );
        assert_eq!(at(select(s.id).where_(s.body.eq(""))), [2], "on {name}");
        assert_eq!(
            at(select(s.id).where_(s.blob.eq(vec![0u8, 1, 2, 0xfe, 0xff, b'\'', b'\\']))),
            [1],
            "on {name}"
        );
        assert_eq!(
            at(select(s.id).where_(s.price.eq(Decimal::new(-1, 6)))),
            [2],
            "on {name}"
        );
        let now_after: bool = conn
            .query_scalar(&select(sqlkit::expr::func::now().gt(cutoff)))
            .expect("now() compares with bound instants");
        assert!(now_after, "on {name}");
    }
}

#[test]
fn hostile_identifiers_and_text_round_trip() {
    use sqlkit::schema::ColumnDef;
    for db in engines() {
        let (name, engine) = (db.name, &db.engine);
        let mut conn = engine.connect().expect("connect");
        let t = Table::builder("Order Items")
            .column(ColumnDef::new("select", SqlType::Integer).primary_key())
            .column(ColumnDef::new("Group", SqlType::String(100)))
            .column(ColumnDef::new("it's", SqlType::Text))
            .column(ColumnDef::new("back`tick\"quote", SqlType::Text))
            .build()
            .expect("table");
        conn.execute(&DropTable::new(&t).if_exists()).expect("drop");
        conn.execute(&CreateTable::new(&t)).expect("create");
        let texts = [
            "a'b",
            "c\\d",
            "%_",
            "-- x",
            "/* y */",
            "ünï ✓",
            "trailing  ",
        ];
        for (i, s) in texts.iter().enumerate() {
            let q = insert(&t)
                .value("select", i as i64)
                .value("Group", *s)
                .value("it's", format!("{s}{s}"))
                .value("back`tick\"quote", "z");
            conn.execute(&q).expect("insert");
        }
        for (i, s) in texts.iter().enumerate() {
            let group = t.column::<String>("Group").expect("col");
            let row = conn
                .query_one(&select(t.clone()).where_(group.eq(*s)))
                .expect("found by value");
            assert_eq!(
                row.get::<i64, _>("select").expect("id"),
                i as i64,
                "on {name}"
            );
            assert_eq!(
                row.get::<String, _>("it's").expect("text"),
                format!("{s}{s}"),
                "on {name}"
            );
        }
        // LIKE patterns built from hostile text match only that text.
        let group = t.column::<String>("Group").expect("col");
        let n = conn
            .query(&select(group.clone()).where_(group.clone().contains("%_")))
            .expect("q")
            .len();
        assert_eq!(n, 1, "on {name}");
        let n = conn
            .query(&select(group.clone()).where_(group.eq("trailing")))
            .expect("q")
            .len();
        assert_eq!(n, 0, "on {name}: trailing spaces count");
    }
}

#[test]
fn text_with_nul_is_stored_or_refused_with_a_typed_error() {
    for db in engines() {
        let mut conn = db.engine.connect().expect("connect");
        let got = conn.query_scalar::<String>(&select(literal::<String>("x").concat("a\0b")));
        if db.name == "postgresql" {
            // PostgreSQL text cannot hold NUL: refused before it reaches the server.
            let err = got.unwrap_err();
            assert!(matches!(err, Error::Encode { .. }), "{err}");
        } else {
            assert_eq!(got.expect("nul"), "xa\0b", "on {}", db.name);
        }
    }
}

#[test]
fn lower_upper_and_ilike_are_unicode_aware() {
    for db in engines() {
        let (name, engine) = (db.name, &db.engine);
        let mut conn = engine.connect().expect("connect");
        let q = select((
            sqlkit::expr::func::lower(literal::<String>("ÄÖÜ ÉCOLE")).label("l"),
            sqlkit::expr::func::upper(literal::<String>("straße çà")).label("u"),
        ));
        let row = conn.query_one(&q).expect("row");
        assert_eq!(
            row.get::<String, _>("l").expect("l"),
            "äöü école",
            "on {name}"
        );
        assert!(
            row.get::<String, _>("u").expect("u").starts_with("STRA"),
            "on {name}"
        );
        let hit: Option<Row> = conn
            .query_opt(
                &select(literal::<i64>(1))
                    .where_(literal::<String>("Ünïcode École").ilike("%école%")),
            )
            .expect("ilike");
        assert!(hit.is_some(), "on {name}");
    }
}

/// Values that used to change on the way in or out: each is now an exact round trip
/// or a typed error before the server sees it, and the table holds nothing else.
#[test]
fn boundary_values_round_trip_exactly_or_fail_typed() {
    use sqlkit::schema::ColumnDef;
    for db in engines() {
        let name = db.name;
        let mut conn = db.engine.connect().expect("connect");
        let t = Table::builder("bounds")
            .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
            .column(ColumnDef::new("d", SqlType::Date).nullable(true))
            .column(ColumnDef::new("ts", SqlType::DateTime).nullable(true))
            .column(ColumnDef::new("tm", SqlType::Time).nullable(true))
            .column(ColumnDef::new("f", SqlType::Double).nullable(true))
            .column(ColumnDef::new("r", SqlType::Float).nullable(true))
            .column(ColumnDef::new("n", SqlType::BigInt).nullable(true))
            .column(ColumnDef::new("s", SqlType::Text).nullable(true))
            .column(
                ColumnDef::new(
                    "dec",
                    SqlType::Numeric {
                        precision: 38,
                        scale: 10,
                    },
                )
                .nullable(true),
            )
            .build()
            .expect("table");
        conn.execute(&CreateTable::new(&t)).expect("create");
        let mut id = 0i64;
        let mut stored = 0i64;
        let mut put = |conn: &mut Connection, col: &str, v: Value| {
            id += 1;
            let r = conn
                .execute(&insert(&t).value("id", id).value(col, v))
                .map(|_| id);
            stored += i64::from(r.is_ok());
            r
        };
        let get = |conn: &mut Connection, col: &str, id: i64| -> Value {
            let row = conn
                .query_one(&select(t.c(col).expect("col")).where_(t.c("id").expect("id").eq(id)))
                .expect("row");
            row.value(0).cloned().expect("value")
        };
        // Dates at the edges of what all three store.
        for d in [
            NaiveDate::from_ymd_opt(1, 1, 1),
            NaiveDate::from_ymd_opt(9999, 12, 31),
        ] {
            let d = d.expect("date");
            let k = put(&mut conn, "d", Value::Date(d)).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(get(&mut conn, "d", k), Value::Date(d), "{name}");
        }
        let integers = [i64::MIN, i64::MAX, 0, -1];
        for i in integers {
            let k = put(&mut conn, "n", Value::Int(i)).expect("int");
            assert_eq!(get(&mut conn, "n", k), Value::Int(i), "{name}");
        }
        // Year 70000 is no MariaDB date (it was stored as 4464).
        let far = NaiveDate::from_ymd_opt(70000, 1, 1).expect("far");
        let r = put(
            &mut conn,
            "ts",
            Value::DateTime(far.and_time(NaiveTime::MIN)),
        );
        if name == "mariadb" {
            assert!(matches!(r, Err(Error::Encode { .. })), "{name}: {r:?}");
        }
        // A leap second (which chrono holds) is no MariaDB TIME (it was 00:00:00).
        let leap = NaiveTime::from_hms_milli_opt(23, 59, 59, 1500).expect("leap");
        let r = put(&mut conn, "tm", Value::Time(leap));
        if name == "mariadb" {
            assert!(matches!(r, Err(Error::Encode { .. })), "{name}: {r:?}");
        }
        // NaN into a DOUBLE: SQLite and MariaDB cannot store it (SQLite made it NULL).
        let r = put(&mut conn, "f", Value::Float(f64::NAN));
        match name {
            "postgresql" => {
                let k = r.expect("PostgreSQL stores NaN");
                assert!(matches!(get(&mut conn, "f", k), Value::Float(f) if f.is_nan()));
            }
            _ => assert!(matches!(r, Err(Error::Encode { .. })), "{name}: {r:?}"),
        }
        // Beyond f32 into a REAL column on PostgreSQL (it became Infinity).
        if name == "postgresql" {
            let r = put(&mut conn, "r", Value::Float(1e300));
            assert!(matches!(r, Err(Error::Encode { .. })), "{r:?}");
            // Bytes into a text column (they were stored as hex text).
            let r = put(&mut conn, "s", Value::Bytes(vec![1u8, 2, 3].into()));
            assert!(matches!(r, Err(Error::Encode { .. })), "{r:?}");
        }
        // A decimal with more digits than rust_decimal holds is a typed error on read.
        let wide = "1234567890123456789012345678.1234567890";
        let sql = match name {
            "postgresql" => format!("SELECT CAST('{wide}' AS NUMERIC(38, 10))"),
            "mariadb" => format!("SELECT CAST('{wide}' AS DECIMAL(38, 10))"),
            _ => format!("SELECT CAST('{wide}' AS {})", "DECIMAL_TEXT(38, 10)"),
        };
        match conn.query_sql(&sql, &[]) {
            Ok(rows) => {
                let v: Result<rust_decimal::Decimal> = rows[0].get(0);
                assert!(v.is_err(), "{name}: {v:?}");
            }
            Err(e) => assert!(matches!(e, Error::Decode { .. }), "{name}: {e}"),
        }
        // Nothing that was refused reached the table.
        let n: i64 = conn
            .query_scalar(&select(sqlkit::expr::func::count_star()).select_from(&t))
            .expect("count");
        assert_eq!(n, stored, "{name}");
    }
}

#[derive(serde::Serialize)]
struct Measure {
    id: i64,
    f: Option<f64>,
    n: Option<u64>,
}

/// serde records: NaN and infinities (serde_json makes them null) and integers above
/// i64::MAX are refused, naming the field; nothing is stored.
#[test]
fn records_with_nan_or_huge_integers_are_refused() {
    use sqlkit::schema::ColumnDef;
    for db in engines() {
        let mut conn = db.engine.connect().expect("connect");
        let t = Table::builder("measures")
            .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
            .column(ColumnDef::new("f", SqlType::Double).nullable(true))
            .column(ColumnDef::new("n", SqlType::BigInt).nullable(true))
            .build()
            .expect("table");
        conn.execute(&CreateTable::new(&t)).expect("create");
        for (i, (f, n)) in [
            (f64::NAN, None),
            (f64::INFINITY, None),
            (f64::NEG_INFINITY, None),
            (1.5, Some(u64::MAX)),
        ]
        .into_iter()
        .enumerate()
        {
            let rec = Measure {
                id: i as i64,
                f: Some(f),
                n,
            };
            let err = conn.execute(&insert(&t).record(&rec)).unwrap_err();
            let Error::Encode { field, .. } = &err else {
                panic!("{}: {err}", db.name)
            };
            assert_eq!(&**field, if n.is_some() { "n" } else { "f" }, "{}", db.name);
        }
        conn.execute(&insert(&t).record(&Measure {
            id: 9,
            f: Some(2.5),
            n: Some(7),
        }))
        .expect("fine");
        let n: i64 = conn
            .query_scalar(&select(sqlkit::expr::func::count_star()).select_from(&t))
            .expect("count");
        assert_eq!(n, 1, "{}", db.name);
    }
}

/// A table re-created with another column type on the same connection: cached
/// statements read the new type (SQLite's hints, PostgreSQL's cached plans).
#[test]
fn statements_follow_a_table_recreated_with_another_type() {
    for db in engines() {
        let mut conn = db.engine.connect().expect("connect");
        let int = "BIGINT";
        conn.execute_sql("CREATE TABLE shifty (v BOOLEAN)", &[])
            .expect("create");
        conn.execute_sql("INSERT INTO shifty VALUES (TRUE)", &[])
            .expect("row");
        let q = "SELECT v FROM shifty";
        let first = conn.query_sql(q, &[]).expect("first");
        assert_eq!(first[0].value(0), Some(&Value::Bool(true)), "{}", db.name);
        conn.execute_sql("DROP TABLE shifty", &[]).expect("drop");
        conn.execute_sql(&format!("CREATE TABLE shifty (v {int})"), &[])
            .expect("again");
        conn.execute_sql("INSERT INTO shifty VALUES (5)", &[])
            .expect("row");
        let again = conn
            .query_sql(q, &[])
            .unwrap_or_else(|e| panic!("{}: {e}", db.name));
        assert_eq!(again[0].value(0), Some(&Value::Int(5)), "{}", db.name);
    }
    // Another connection changes the table under a cached PostgreSQL statement.
    for db in engines().into_iter().filter(|d| d.name == "postgresql") {
        let mut a = db.engine.connect().expect("a");
        let mut b = db.engine.connect().expect("b");
        a.execute_sql("CREATE TABLE shifty2 (v INT)", &[])
            .expect("create");
        a.execute_sql("INSERT INTO shifty2 VALUES (1)", &[])
            .expect("row");
        let q = "SELECT * FROM shifty2 WHERE v >= $1";
        assert_eq!(a.query_sql(q, &[Value::Int(0)]).expect("first").len(), 1);
        b.execute_sql("ALTER TABLE shifty2 ALTER COLUMN v TYPE TEXT", &[])
            .expect("alter");
        let rows = a.query_sql("SELECT * FROM shifty2", &[]).expect("plain");
        assert_eq!(rows[0].value(0), Some(&Value::Text("1".into())));
        let r = a
            .query_sql(q, &[Value::Text("0".into())])
            .expect("re-prepared");
        assert_eq!(r[0].value(0), Some(&Value::Text("1".into())));
    }
}

/// Invalid UTF-8 in a SQLite TEXT cell: reading it as a String is a typed error (it
/// was U+FFFD), reading it as bytes gives what is stored.
#[test]
fn invalid_utf8_text_on_sqlite_is_an_error_as_string_and_bytes_as_bytes() {
    let mut conn = Engine::from_url("sqlite://")
        .expect("engine")
        .connect()
        .expect("c");
    conn.execute_sql("CREATE TABLE raw (s TEXT)", &[])
        .expect("create");
    conn.execute_sql("INSERT INTO raw VALUES (CAST(X'61FF62' AS TEXT))", &[])
        .expect("row");
    let rows = conn.query_sql("SELECT s FROM raw", &[]).expect("rows");
    assert!(rows[0].get::<String, _>(0).is_err());
    assert_eq!(
        rows[0].get::<Vec<u8>, _>(0).expect("bytes"),
        vec![0x61, 0xff, 0x62]
    );
}

/// SQLite keeps decimals as numbers (so they compare and sort as numbers) and refuses
/// one it could not keep exactly; the servers keep every digit.
#[test]
fn decimals_compare_as_numbers_and_are_exact_or_refused() {
    let t = Table::builder("amounts")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new(
            "r",
            SqlType::Numeric {
                precision: 30,
                scale: 10,
            },
        ))
        .build()
        .expect("table");
    for db in engines() {
        let mut conn = db.engine.connect().expect("connect");
        conn.execute(&CreateTable::new(&t)).expect("create");
        let r = t.column::<Decimal>("r").expect("r");
        for (i, v) in ["10.0", "4.5", "9.5", "-1.0", "0.1", "123456789012.345"]
            .iter()
            .enumerate()
        {
            conn.execute(
                &insert(&t)
                    .value(t.c("id").unwrap(), i as i64 + 1)
                    .value(r.clone(), v.parse::<Decimal>().unwrap()),
            )
            .unwrap_or_else(|e| panic!("{} {v}: {e}", db.name));
        }
        let got: Vec<Decimal> = conn
            .query(
                &select(r.clone())
                    .where_(r.clone().gt("4.5".parse::<Decimal>().unwrap()))
                    .order_by(r.clone()),
            )
            .expect("query")
            .iter()
            .map(|row| row.get(0).expect("decimal"))
            .collect();
        let want: Vec<Decimal> = ["9.5", "10.0", "123456789012.345"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(got, want, "{}: numeric comparison and order", db.name);
        // 0.1 reads back as 0.1 (at the column's scale), not 0.1000000000000000055..
        let tenth: Decimal = conn
            .query_scalar(&select(r.clone()).where_(t.c("id").unwrap().eq(5)))
            .expect("0.1");
        assert_eq!(
            tenth.normalize(),
            "0.1".parse::<Decimal>().unwrap(),
            "{}",
            db.name
        );
        // Twenty significant digits: exact on the servers, refused on SQLite, where no
        // double reads back as this decimal.
        let wide: Decimal = "1234567890.1234567891".parse().unwrap();
        let res = conn.execute(
            &insert(&t)
                .value(t.c("id").unwrap(), 99i64)
                .value(r.clone(), wide),
        );
        let n: i64 = conn
            .query_scalar(
                &select(sqlkit::expr::func::count_star())
                    .select_from(&t)
                    .where_(t.c("id").unwrap().eq(99)),
            )
            .expect("count");
        if db.name == "sqlite" {
            assert!(matches!(res, Err(Error::Encode { .. })), "sqlite: {res:?}");
            assert_eq!(n, 0, "nothing stored");
        } else {
            res.unwrap_or_else(|e| panic!("{}: {e}", db.name));
            let back: Decimal = conn
                .query_scalar(&select(r.clone()).where_(t.c("id").unwrap().eq(99)))
                .expect("read");
            assert_eq!(back, wide, "{}", db.name);
        }
    }
}

/// A custom column type: an enum stored as text and a newtype around an integer,
/// written and read on every database, and compared with their own kind.
#[test]
fn custom_column_types_round_trip_and_compare() {
    use sqlkit::ColumnType;
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Status {
        Draft,
        Published,
    }
    impl ColumnType for Status {
        type Repr = String;
        fn to_repr(&self) -> String {
            match self {
                Status::Draft => "draft",
                Status::Published => "published",
            }
            .into()
        }
        fn from_repr(s: String) -> std::result::Result<Self, String> {
            match s.as_str() {
                "draft" => Ok(Status::Draft),
                "published" => Ok(Status::Published),
                other => Err(format!("unknown status {other:?}")),
            }
        }
    }
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Views(i64);
    impl ColumnType for Views {
        type Repr = i64;
        fn to_repr(&self) -> i64 {
            self.0
        }
        fn from_repr(n: i64) -> std::result::Result<Self, String> {
            if n < 0 {
                return Err(format!("negative views {n}"));
            }
            Ok(Views(n))
        }
    }
    sqlkit::column_type!(Status, Views);
    #[derive(Debug, PartialEq, sqlkit::Table)]
    #[sqlkit(table = "articles")]
    struct Article {
        #[sqlkit(primary_key)]
        id: i64,
        #[sqlkit(string = 20)]
        status: Status,
        views: Views,
        previous: Option<Status>,
    }
    for db in engines() {
        let mut conn = db.engine.connect().expect("connect");
        let a = Article::table();
        conn.execute(&CreateTable::new(a)).expect("create");
        for (status, views, prev) in [
            (Status::Draft, 0, None),
            (Status::Published, 10, Some(Status::Draft)),
        ] {
            conn.execute(
                &insert(a)
                    .value(a.status, status)
                    .value(a.views, Views(views))
                    .value(a.previous, prev),
            )
            .expect("insert");
        }
        let published: Vec<Article> = conn
            .fetch_all(&select(a).where_(a.status.eq(Status::Published)))
            .expect("fetch");
        assert_eq!(
            published,
            [Article {
                id: 2,
                status: Status::Published,
                views: Views(10),
                previous: Some(Status::Draft)
            }],
            "{}",
            db.name
        );
        let row = conn
            .query_one(&select((a.status, a.views)).where_(a.id.eq(1)))
            .expect("row");
        assert_eq!(
            row.get::<Status, _>(0).expect("status"),
            Status::Draft,
            "{}",
            db.name
        );
        assert_eq!(
            row.get::<Views, _>(1).expect("views"),
            Views(0),
            "{}",
            db.name
        );
        // A stored value that is not one of the type's is a typed decode error.
        conn.execute(&update(a).set(a.views, Views(0)).where_(a.id.eq(1)))
            .expect("update");
        conn.execute_sql("UPDATE articles SET status = 'archived' WHERE id = 1", &[])
            .expect("raw update");
        let e = conn
            .fetch_all::<Article>(&select(a).order_by(a.id))
            .expect_err("archived");
        assert!(e.to_string().contains("unknown status"), "{}: {e}", db.name);
    }
}

/// IN lists of every type select the same rows everywhere. PostgreSQL gets them as one
/// array parameter (`= ANY($1)`; through pgbouncer as an array in text form), the others
/// as one parameter per element; NULLs in the list, one element and long lists too.
#[test]
fn in_lists_of_every_type_match_on_every_database() {
    for db in common::engines_and_pooler() {
        let name = db.label;
        let mut conn = db.engine.connect().expect("connect");
        setup(&mut conn).expect("setup");
        let s = Sample::table();
        let data = samples();
        conn.execute(&insert(s).records(&data)).expect("insert");
        let mut ids = |q: Select| -> Vec<i64> {
            conn.query_as::<i64>(&q.order_by(s.id))
                .unwrap_or_else(|e| panic!("on {name}: {e}"))
        };
        let (a, b) = (&data[0], &data[1]);
        macro_rules! both {
            ($col:ident) => {{
                let col = s.$col.clone();
                assert_eq!(
                    ids(select(s.id).where_(col.clone().in_([a.$col.clone(), b.$col.clone()]))),
                    [1, 2],
                    "{} IN on {name}",
                    stringify!($col)
                );
                assert_eq!(
                    ids(select(s.id).where_(col.clone().in_([b.$col.clone()]))),
                    [2],
                    "{} IN one on {name}",
                    stringify!($col)
                );
                assert_eq!(
                    ids(select(s.id).where_(col.clone().not_in([a.$col.clone()]))),
                    [2],
                    "{} NOT IN on {name}",
                    stringify!($col)
                );
                let empty = vec![a.$col.clone()].into_iter().take(0);
                let none = ids(select(s.id).where_(col.in_(empty)));
                assert!(none.is_empty(), "{} IN () on {name}", stringify!($col));
            }};
        }
        both!(small);
        both!(int);
        both!(big);
        both!(flag);
        both!(ratio);
        both!(score);
        both!(price);
        both!(code);
        both!(body);
        both!(day);
        both!(at_time);
        both!(local_at);
        both!(instant);
        both!(uid);

        // NULL in the list: IN still finds the match; NOT IN is never true.
        let with_null = [Some(a.big), None];
        assert_eq!(
            ids(select(s.id).where_(s.big.in_(with_null))),
            [1],
            "on {name}"
        );
        assert_eq!(
            ids(select(s.id).where_(s.big.not_in(with_null))),
            Vec::<i64>::new(),
            "on {name}"
        );

        // A long list: PostgreSQL takes it as one parameter, past its 65,535 limit.
        let n = if db.name == "postgresql" {
            70_000
        } else {
            10_000
        };
        let many: Vec<i64> = (0..n).map(|i| i64::MAX - i).collect();
        assert_eq!(ids(select(s.id).where_(s.big.in_(many))), [1], "on {name}");
    }
}
