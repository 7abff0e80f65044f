//! Hostile input: a corpus of strings that break naive escaping, bound as parameters,
//! inlined as literals, searched with the LIKE helpers and used as table, column and
//! label names, on every configured database and under the server settings that
//! change what SQL text means (PostgreSQL `standard_conforming_strings` on and off;
//! MariaDB's default mode, `NO_BACKSLASH_ESCAPES` and `ANSI_QUOTES`).

mod common;

use common::{engines, TestDb};
use sqlkit::prelude::*;

/// Strings that break naive escaping.
fn corpus() -> Vec<String> {
    let mut v: Vec<String> = [
        "plain",
        "",
        " ",
        "trailing space ",
        "'",
        "''",
        "it's",
        "\\",
        "\\\\",
        "\\'",
        "\\' OR 1=1 --",
        "'; DROP TABLE hostile; --",
        "\" OR \"\"=\"",
        "`backtick`",
        "--",
        "-- comment",
        "/*",
        "*/",
        "/* c */",
        ";",
        "%",
        "_",
        "%_%",
        "/",
        "//",
        "/%",
        "a/b_c%d",
        "\\%\\_",
        "\\n\\t\\0\\Z\\b",
        "\n\r\t",
        "\u{1}\u{1f}\u{7f}",
        "ünïcødé",
        "e\u{301}",
        "🦀🎉",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "\u{202e}rtl",
        "\u{feff}bom",
        "$1",
        "?",
        ":name",
        "$$",
        "E'x'",
        "x'00'",
        "\\x00",
        "N'x'",
        "0x41",
        "NULL",
        "null",
        "\\N",
        "\\\\'\\\\'",
        "select",
        "ORDER",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("x".repeat(1 << 20)); // 1 MB
    v.push(format!(
        "{}'{}\\{}",
        "a".repeat(4000),
        "b".repeat(4000),
        "c".repeat(4000)
    ));
    v
}

/// One database under one server setting: a name for messages and a connection.
struct Mode {
    label: String,
    conn: Connection,
}

fn modes(db: &TestDb) -> Vec<Mode> {
    let mut out = Vec::new();
    let conn = |e: &Engine| e.connect().expect("connect");
    match db.name {
        "postgresql" => {
            out.push(Mode {
                label: "postgresql".into(),
                conn: conn(&db.engine),
            });
            let url = db.url.replace(
                "options=-c%20search_path",
                "options=-c%20standard_conforming_strings%3Doff%20-c%20search_path",
            );
            assert_ne!(url, db.url);
            let off = Engine::from_url(&url).expect("engine");
            let mut c = conn(&off);
            let v: String = c
                .query_sql("SHOW standard_conforming_strings", &[])
                .expect("show")[0]
                .get(0)
                .expect("setting");
            assert_eq!(v, "off");
            out.push(Mode {
                label: "postgresql, standard_conforming_strings=off".into(),
                conn: c,
            });
        }
        "mariadb" => {
            for mode in [
                "",
                "NO_BACKSLASH_ESCAPES",
                "ANSI_QUOTES",
                "NO_BACKSLASH_ESCAPES,ANSI_QUOTES",
            ] {
                let mut c = conn(&db.engine);
                if !mode.is_empty() {
                    c.execute_sql(
                        &format!("SET SESSION sql_mode = CONCAT(@@sql_mode, ',{mode}')"),
                        &[],
                    )
                    .expect("sql_mode");
                }
                out.push(Mode {
                    label: format!("mariadb {mode}"),
                    conn: c,
                });
            }
        }
        _ => out.push(Mode {
            label: db.name.into(),
            conn: conn(&db.engine),
        }),
    }
    out
}

fn hostile_table() -> Table {
    Table::builder("hostile")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("s", SqlType::Text))
        .build()
        .expect("table")
}

fn has_nul(s: &str) -> bool {
    s.contains('\0')
}

fn each_mode(mut body: impl FnMut(&str, &mut Connection)) {
    for db in engines() {
        for mut m in modes(&db) {
            body(&m.label, &mut m.conn);
        }
    }
}

#[test]
fn the_corpus_round_trips_bound_and_inlined_under_every_server_mode() {
    let mut corpus = corpus();
    corpus.push("nul\0inside".into());
    each_mode(|label, conn| {
        let t = hostile_table();
        let _ = conn.execute(&DropTable::new(&t).if_exists());
        conn.execute(&CreateTable::new(&t)).expect("create");
        let (id, s) = (t.c("id").expect("id"), t.c("s").expect("s"));
        for (i, v) in corpus.iter().enumerate() {
            let i = i as i64;
            let short = &v[..v.len().min(40)];
            // Bound.
            let bound = conn.execute(&insert(&t).value("id", 2 * i).value("s", v.as_str()));
            // Inlined as a literal.
            let lit = literal::<String>(v.as_str());
            let inlined = conn.execute(&insert(&t).value("id", 2 * i + 1).value("s", lit.clone()));
            let nul_refused = has_nul(v) && label.starts_with("postgresql");
            if nul_refused {
                // PostgreSQL text cannot hold NUL: a typed error, nothing stored.
                assert!(
                    matches!(bound, Err(Error::Encode { .. })),
                    "{label}: {bound:?}"
                );
                assert!(
                    matches!(inlined, Err(Error::Encode { .. })),
                    "{label}: {inlined:?}"
                );
                continue;
            }
            bound.unwrap_or_else(|e| panic!("{label}: bound {short:?}: {e}"));
            if has_nul(v) && label.contains("NO_BACKSLASH_ESCAPES") {
                // No spelling of NUL in a literal without backslash escapes: refused.
                assert!(
                    matches!(inlined, Err(Error::Encode { .. })),
                    "{label}: {inlined:?}"
                );
                continue;
            }
            inlined.unwrap_or_else(|e| panic!("{label}: inlined {short:?}: {e}"));
            for k in [2 * i, 2 * i + 1] {
                let back: String = conn
                    .query_scalar(&select(s.clone()).where_(id.clone().eq(k)))
                    .expect("select");
                assert!(
                    back == *v,
                    "{label}: row {k}: {short:?} came back as {:?}",
                    &back[..back.len().min(40)]
                );
            }
            // A literal compared in SQL finds exactly the two rows.
            let n: i64 = conn
                .query_scalar(
                    &select(sqlkit::expr::func::count_star())
                        .select_from(&t)
                        .where_(s.clone().eq(lit.clone())),
                )
                .expect("count");
            assert_eq!(n, 2, "{label}: {short:?}");
            // And a selected literal reads back as itself.
            let back: String = conn.query_scalar(&select(lit)).expect("literal");
            assert!(back == *v, "{label}: select literal {short:?}");
        }
        // The table still holds every row: nothing was injected.
        let n: i64 = conn
            .query_scalar(&select(sqlkit::expr::func::count_star()).select_from(&t))
            .expect("count");
        assert!(n >= 2 * (corpus.len() as i64 - 1), "{label}: {n} rows");
        conn.execute(&DropTable::new(&t)).expect("drop");
    });
}

#[test]
fn like_helpers_match_the_corpus_exactly_under_every_server_mode() {
    let corpus: Vec<String> = corpus().into_iter().filter(|s| s.len() < 10_000).collect();
    each_mode(|label, conn| {
        let t = hostile_table();
        let _ = conn.execute(&DropTable::new(&t).if_exists());
        conn.execute(&CreateTable::new(&t)).expect("create");
        let (id, s) = (t.c("id").expect("id"), t.c("s").expect("s"));
        let rows: Vec<[Value; 2]> = corpus
            .iter()
            .enumerate()
            .map(|(i, v)| [Value::from(i as i64), Value::from(v.as_str())])
            .collect();
        conn.execute_many(
            &insert(&t)
                .value("id", bindparam::<i64>("id"))
                .value("s", bindparam::<String>("s")),
            &["id", "s"],
            rows,
        )
        .expect("rows");
        for needle in &corpus {
            type Helper = fn(&str, &str) -> bool;
            let cases: [(&str, Expr<bool>, Helper); 3] = [
                ("contains", s.clone().contains(needle), |h, n| h.contains(n)),
                ("startswith", s.clone().startswith(needle), |h, n| {
                    h.starts_with(n)
                }),
                ("endswith", s.clone().endswith(needle), |h, n| {
                    h.ends_with(n)
                }),
            ];
            for (what, cond, rust) in cases {
                let found: Vec<i64> = conn
                    .query(
                        &select(id.clone())
                            .select_from(&t)
                            .where_(cond)
                            .order_by(id.clone()),
                    )
                    .unwrap_or_else(|e| panic!("{label}: {what} {needle:?}: {e}"))
                    .iter()
                    .map(|r| r.get(0).expect("id"))
                    .collect();
                let expected: Vec<i64> = corpus
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| rust(h, needle))
                    .map(|(i, _)| i as i64)
                    .collect();
                assert_eq!(found, expected, "{label}: {what} {needle:?}");
            }
        }
        conn.execute(&DropTable::new(&t)).expect("drop");
    });
}

/// Corpus strings a database accepts as names: no NUL, short enough for every limit,
/// and (MariaDB) not ending in a space.
fn names() -> Vec<String> {
    corpus()
        .into_iter()
        .filter(|s| !s.is_empty() && !has_nul(s) && s.len() <= 40 && !s.ends_with(' '))
        .filter(|s| !s.chars().any(|c| c.is_control() || c == '\u{feff}'))
        .collect()
}

#[test]
fn the_corpus_works_as_table_column_and_label_names_under_every_server_mode() {
    let names = names();
    each_mode(|label, conn| {
        for (i, name) in names.iter().enumerate() {
            let table_name = format!("t{i} {name}");
            if label.starts_with("mariadb") && name.chars().any(|c| c > '\u{ffff}') {
                // MariaDB names are utf8mb3: characters beyond the BMP are refused, typed.
                let t = Table::builder(table_name.clone())
                    .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
                    .build()
                    .expect("table");
                let err = conn.execute(&CreateTable::new(&t)).unwrap_err();
                assert!(err.db_kind().is_some(), "{label}: {err}");
                continue;
            }
            let t = Table::builder(table_name.clone())
                .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
                .column(ColumnDef::new(name.clone(), SqlType::Text))
                .build()
                .expect("table");
            let _ = conn.execute(&DropTable::new(&t).if_exists());
            conn.execute(&CreateTable::new(&t))
                .unwrap_or_else(|e| panic!("{label}: table {table_name:?}: {e}"));
            let col = t.c(name).expect("column");
            conn.execute(
                &insert(&t)
                    .value("id", 1i64)
                    .value(name.as_str(), name.as_str()),
            )
            .unwrap_or_else(|e| panic!("{label}: insert {name:?}: {e}"));
            let row = conn
                .query_one(
                    &select(col.clone().label(name.clone())).where_(col.clone().eq(name.as_str())),
                )
                .unwrap_or_else(|e| panic!("{label}: select {name:?}: {e}"));
            assert_eq!(row.columns()[0].as_ref() as &str, name.as_str(), "{label}");
            let v: String = row.get(0).expect("value");
            assert_eq!(&v, name, "{label}");
            conn.execute(&DropTable::new(&t)).expect("drop");
        }
    });
}

#[test]
fn numbers_inlined_bound_and_negated_read_back_exactly() {
    let ints = [0i64, 1, -1, 5, -5, i64::MAX, i64::MIN + 1, -(1 << 53)];
    let floats = [
        0.5f64,
        -0.5,
        0.1,
        5e-324,
        -5e-324,
        1e300,
        -1e300,
        f64::MAX,
        f64::MIN_POSITIVE,
        1.0 / 3.0,
    ];
    for db in engines() {
        let mut conn = db.engine.connect().expect("connect");
        let name = db.name;
        for i in ints {
            for (what, e) in [("literal", literal::<i64>(i)), ("bound", bind::<i64>(i))] {
                let v: i64 = conn
                    .query_scalar(&select(e.clone()))
                    .unwrap_or_else(|e| panic!("{name}: {what} {i}: {e}"));
                assert_eq!(v, i, "{name}: {what}");
                // `-x` with a negative x must not become `--x`, a comment.
                let neg: i64 = conn
                    .query_scalar(&select(-e.clone()))
                    .unwrap_or_else(|e| panic!("{name}: -{what} {i}: {e}"));
                assert_eq!(neg, -i, "{name}: -{what} {i}");
                let sum: i64 = conn
                    .query_scalar(&select(literal::<i64>(0i64) - -e))
                    .unwrap_or_else(|e| panic!("{name}: 0 - -{what} {i}: {e}"));
                assert_eq!(sum, i, "{name}: 0 - -{what} {i}");
            }
        }
        for f in floats {
            for (what, e) in [("literal", literal::<f64>(f)), ("bound", bind::<f64>(f))] {
                let v: f64 = conn
                    .query_scalar(&select(e.clone()))
                    .unwrap_or_else(|e| panic!("{name}: {what} {f:e}: {e}"));
                assert_eq!(
                    v.to_bits(),
                    f.to_bits(),
                    "{name}: {what} {f:e} came back as {v:e}"
                );
                let neg: f64 = conn
                    .query_scalar(&select(-e))
                    .unwrap_or_else(|e| panic!("{name}: -{what} {f:e}: {e}"));
                assert_eq!(neg, -f, "{name}: -{what} {f:e}");
            }
        }
        if name == "postgresql" {
            // Negative zero keeps its sign on PostgreSQL (the others store a plain zero).
            let z: f64 = conn
                .query_scalar(&select(literal::<f64>(-0.0f64)))
                .expect("-0");
            assert!(z == 0.0 && z.is_sign_negative(), "{z}");
        }
    }
}

/// The server's own keyword list: PostgreSQL `pg_get_keywords()`, MariaDB's
/// `information_schema.KEYWORDS`, SQLite's `sqlite3_keyword_name`.
fn server_keywords(name: &str, conn: &mut Connection) -> Vec<String> {
    let sql = match name {
        "postgresql" => "SELECT word FROM pg_get_keywords()",
        "mariadb" => "SELECT LOWER(WORD) FROM information_schema.KEYWORDS",
        _ => {
            let mut out = Vec::new();
            // SAFETY: SQLite's keyword table is static; `i` stays below its count.
            unsafe {
                use rusqlite::ffi;
                for i in 0..ffi::sqlite3_keyword_count() {
                    let mut z = std::ptr::null();
                    let mut n = 0;
                    if ffi::sqlite3_keyword_name(i, &mut z, &mut n) == 0 {
                        let bytes = std::slice::from_raw_parts(z.cast::<u8>(), n as usize);
                        out.push(String::from_utf8_lossy(bytes).to_lowercase());
                    }
                }
            }
            return out;
        }
    };
    conn.query_sql(sql, &[])
        .expect("keywords")
        .iter()
        .map(|r| r.get::<String, _>(0).expect("word"))
        .filter(|w| w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .collect()
}

/// Whether `w` written unquoted works as a table, column and label name and still
/// means the column (`SELECT session_user FROM t` returns the function's value).
fn works_unquoted(conn: &mut Connection, q: char, w: &str) -> bool {
    let quoted = format!("{q}{w}{q}");
    let mut ok = true;
    let mut run = |sql: String| conn.execute_sql(&sql, &[]).is_ok();
    ok &= run(format!("CREATE TABLE {w} (x INT)"));
    let _ = run(format!("DROP TABLE IF EXISTS {quoted}"));
    ok &= run(format!("CREATE TABLE kw_c ({w} INT)"));
    let _ = run("DROP TABLE IF EXISTS kw_c".into());
    ok &= run(format!("SELECT 1 AS {w}"));
    let mut value = |sql: String| -> bool {
        match conn.query_sql(&sql, &[]) {
            Ok(rows) => {
                rows.first()
                    .and_then(|r| r.get::<String, _>(0).ok())
                    .as_deref()
                    == Some("col")
            }
            Err(_) => false,
        }
    };
    ok &= value(format!("SELECT {w} FROM kw_v"));
    ok &= value(format!(
        "SELECT kw_v.{w} FROM kw_v WHERE {w} = 'col' ORDER BY {w}"
    ));
    ok &= value(format!("SELECT x.v FROM (SELECT {w} AS v FROM kw_v) x"));
    ok
}

/// Every keyword that a real server refuses (or reads as something else) unquoted in
/// one of those places is quoted by sqlkit, on every dialect.
#[test]
fn every_keyword_a_server_needs_quoted_is_quoted() {
    let mut failures = Vec::new();
    for db in engines() {
        let mut conn = db.engine.connect().expect("connect");
        let q = if db.name == "mariadb" { '`' } else { '"' };
        let mut missing = Vec::new();
        let words = server_keywords(db.name, &mut conn);
        assert!(words.len() > 100, "{}: {} keywords", db.name, words.len());
        for w in &words {
            conn.execute_sql(
                &format!("CREATE TABLE kw_v (kw_id INT, {q}{w}{q} VARCHAR(10))"),
                &[],
            )
            .expect("table");
            conn.execute_sql("INSERT INTO kw_v VALUES (1, 'col')", &[])
                .expect("row");
            let plain = works_unquoted(&mut conn, q, w);
            conn.execute_sql("DROP TABLE kw_v", &[]).expect("drop");
            let quoted = !sqlkit::dialect::plain_identifier(w);
            if !plain && !quoted {
                missing.push(w.clone());
            }
        }
        if !missing.is_empty() {
            failures.push(format!("{}: not quoted: {}", db.name, missing.join(" ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// On sqlkit's SQLite connections a double-quoted word is an identifier only: SQLite's
/// fallback that reads an unknown "name" as a string literal is off.
#[test]
fn sqlite_reads_double_quotes_as_identifiers_only() {
    let mut conn = Engine::from_url("sqlite://")
        .expect("engine")
        .connect()
        .expect("c");
    conn.execute_sql("CREATE TABLE dq (a TEXT)", &[])
        .expect("create");
    assert!(conn.query_sql("SELECT \"nope\" FROM dq", &[]).is_err());
    assert!(conn
        .execute_sql("INSERT INTO dq VALUES (\"text\")", &[])
        .is_err());
}

/// Bytes and JSON (whose text holds backslashes) inlined as literals read back exactly
/// under every server mode.
#[test]
fn bytes_and_json_literals_round_trip_under_every_server_mode() {
    let json = serde_json::json!({"q": "it's \\ \"quoted\" \n", "k": [1, "\\'"]});
    let bytes: Vec<u8> = vec![0, 1, b'\\', b'\'', 0x5c, 0xff, b'x'];
    each_mode(|label, conn| {
        let back: Vec<u8> = conn
            .query_scalar(&select(literal::<Vec<u8>>(Value::Bytes(
                bytes.clone().into(),
            ))))
            .unwrap_or_else(|e| panic!("{label}: bytes: {e}"));
        assert_eq!(back, bytes, "{label}");
        let t = Table::builder("hj")
            .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
            .column(ColumnDef::new("j", SqlType::Json))
            .build()
            .expect("table");
        let _ = conn.execute(&DropTable::new(&t).if_exists());
        conn.execute(&CreateTable::new(&t)).expect("create");
        conn.execute(
            &insert(&t)
                .value("id", 1i64)
                .value("j", literal::<Any>(Value::Json(json.clone()))),
        )
        .unwrap_or_else(|e| panic!("{label}: json: {e}"));
        let back: serde_json::Value = conn
            .query_scalar(&select(t.c("j").expect("j")))
            .unwrap_or_else(|e| panic!("{label}: json back: {e}"));
        assert_eq!(back, json, "{label}");
        conn.execute(&DropTable::new(&t)).expect("drop");
    });
}
