//! Migrations that cannot destroy data: every operation's "before" is compared with
//! the database before anything runs; raw SQL is destructive unless marked safe.
//! Each test asserts what the table holds afterwards, on every database.

use crate::common::engines;
use sqlkit::migrate::{Migrations, Migrator, Target};
use sqlkit::prelude::*;
use sqlkit::schema::{ColumnDef, SqlType};
use sqlkit::Value;

fn chain(files: &[(&str, &str)]) -> Migrations {
    Migrations::from_texts(files.iter().copied()).expect("revisions")
}

fn texts(conn: &mut Connection, sql: &str) -> Vec<String> {
    conn.query_sql(sql, &[])
        .expect(sql)
        .iter()
        .map(|r| r.get::<String, _>(0).expect("text"))
        .collect()
}

/// The column holds 3.1416 as `numeric(10,4)`; the revision claims it is
/// `numeric(10,0)` and "widens" it to `numeric(12,0)`, which would round every value.
#[test]
fn alter_column_from_a_type_the_column_does_not_have_is_refused_and_nothing_runs() {
    let rev = r#"
id = "0001"
[[upgrade]]
op = "alter_column"
table = "measures"
from = { name = "v", type = "numeric(10,0)", nullable = true }
to = { name = "v", type = "numeric(12,0)", nullable = true }
"#;
    for db in engines() {
        let name = db.name;
        let mut conn = db.engine.connect().expect("connect");
        conn.execute_sql(
            "CREATE TABLE measures (id INTEGER PRIMARY KEY, v NUMERIC(10,4))",
            &[],
        )
        .expect("table");
        conn.execute_sql("INSERT INTO measures (id, v) VALUES (1, 3.1416)", &[])
            .expect("row");
        let m = Migrator::new(chain(&[("0001.toml", rev)]));
        let e = m.upgrade(&mut conn, &Target::Head).expect_err(name);
        let sqlkit::Error::SchemaMismatch(ref mm) = e else {
            panic!("{name}: not a mismatch: {e}");
        };
        assert_eq!(&*mm.object, "column `measures.v`", "{name}");
        assert!(mm.expected.starts_with("numeric(10,0)"), "{name}: {e}");
        assert!(mm.found.starts_with("numeric(10,4)"), "{name}: {e}");
        let msg = e.to_string();
        assert!(
            msg.contains("numeric(10,0)") && msg.contains("numeric(10,4)"),
            "{msg}"
        );
        // Nothing ran: the value and the type are as they were, the version at base.
        assert_eq!(
            texts(&mut conn, "SELECT CAST(v AS CHAR(20)) FROM measures")
                .iter()
                .map(|s| s.trim().trim_end_matches('0').to_string())
                .collect::<Vec<_>>(),
            ["3.1416"],
            "{name}"
        );
        assert_eq!(
            m.current(&mut conn).expect("current").revision,
            None,
            "{name}"
        );
        // With --allow-destructive the claim is still refused: the judgement is made on
        // the real column, never on what the revision says of it.
        let e = Migrator::new(chain(&[("0001.toml", rev)]))
            .allow_destructive(true)
            .upgrade(&mut conn, &Target::Head)
            .expect_err(name);
        assert!(matches!(e, sqlkit::Error::SchemaMismatch(_)), "{name}: {e}");
    }
}

/// Every operation that states a "before": a drop of a column unlike the one it keeps
/// for its downgrade, a nullability or default claim that is false, a rename of a name
/// that is not there, an index that differs. Each is refused before the first
/// operation of the plan runs, even when the mismatch is in a later revision.
#[test]
fn every_before_side_is_compared_with_the_database_before_anything_runs() {
    let first = r#"
id = "0001"
[[upgrade]]
op = "add_column"
table = "people"
column = { name = "extra", type = "integer", nullable = true }
"#;
    let cases: &[(&str, &str, &str)] = &[
        (
            "drop of a column of another type",
            r#"op = "drop_column"
table = "people"
column = { name = "age", type = "text", nullable = true }"#,
            "column `people.age`",
        ),
        (
            "alter from nullable when it is NOT NULL",
            r#"op = "alter_column"
table = "people"
from = { name = "name", type = "varchar(40)", nullable = true }
to = { name = "name", type = "varchar(80)", nullable = true }"#,
            "column `people.name`",
        ),
        (
            "alter from no default when it has one",
            r#"op = "alter_column"
table = "people"
from = { name = "age", type = "integer", nullable = true }
to = { name = "age", type = "bigint", nullable = true }"#,
            "column `people.age`",
        ),
        (
            "alter from another default",
            r#"op = "alter_column"
table = "people"
from = { name = "age", type = "integer", nullable = true, default = 7 }
to = { name = "age", type = "bigint", nullable = true, default = 7 }"#,
            "column `people.age`",
        ),
        (
            "rename of a column that is not there",
            r#"op = "rename_column"
table = "people"
from = "nick"
to = "alias""#,
            "column `people.nick`",
        ),
        (
            "drop of an index on other columns",
            r#"op = "drop_index"
table = "people"
index = { name = "ix_people_name", columns = ["age"] }"#,
            "index `ix_people_name`",
        ),
        (
            "drop of a table with more columns than the revision keeps",
            r#"op = "drop_table"
table = "people"
columns = [{ name = "id", type = "integer" }]
primary_key = ["id"]"#,
            "table `people`",
        ),
    ];
    for db in engines() {
        let name = db.name;
        let mut conn = db.engine.connect().expect("connect");
        conn.execute_sql(
            "CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, age INTEGER DEFAULT 5)",
            &[],
        )
        .expect("table");
        conn.execute_sql("CREATE INDEX ix_people_name ON people (name)", &[])
            .expect("index");
        conn.execute_sql(
            "INSERT INTO people (id, name, age) VALUES (1, 'ann', 30)",
            &[],
        )
        .expect("row");
        for (what, op, object) in cases {
            let second = format!("id = \"0002\"\nparent = \"0001\"\n[[upgrade]]\n{op}\n");
            let m = Migrator::new(chain(&[("0001.toml", first), ("0002.toml", &second)]))
                .allow_destructive(true);
            let e = m.upgrade(&mut conn, &Target::Head).expect_err(what);
            match &e {
                sqlkit::Error::SchemaMismatch(mm) => {
                    assert_eq!(&*mm.object, *object, "{name}: {what}: {e}");
                    assert_eq!(&*mm.file, "0002.toml", "{name}: {what}");
                }
                e => panic!("{name}: {what}: not a mismatch: {e}"),
            }
            // Revision 0001 did not run either: its column is not there.
            assert!(
                conn.query_sql("SELECT extra FROM people", &[]).is_err(),
                "{name}: {what}: the first revision ran"
            );
            assert_eq!(
                texts(&mut conn, "SELECT name FROM people"),
                ["ann"],
                "{name}: {what}"
            );
            assert_eq!(m.current(&mut conn).expect("current").revision, None);
        }
        // The true claims pass, and the plan runs.
        let ok = r#"
id = "0002"
parent = "0001"
[[upgrade]]
op = "alter_column"
table = "people"
from = { name = "age", type = "integer", nullable = true, default = 5 }
to = { name = "age", type = "bigint", nullable = true, default = 5 }
[[upgrade]]
op = "drop_index"
table = "people"
index = { name = "ix_people_name", columns = ["name"] }
"#;
        let m = Migrator::new(chain(&[("0001.toml", first), ("0002.toml", ok)]));
        m.upgrade(&mut conn, &Target::Head)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            texts(&mut conn, "SELECT name FROM people"),
            ["ann"],
            "{name}"
        );
    }
}

/// Raw SQL is destructive unless its author marks it `safe = true`: refused without
/// `--allow-destructive`, listed among the destructive steps, the rows untouched.
#[test]
fn raw_sql_is_destructive_unless_marked_safe() {
    let wipe = r#"
id = "0001"
[[upgrade]]
op = "sql"
any = "DELETE FROM notes"
"#;
    let drop = r#"
id = "0001"
[[upgrade]]
op = "sql"
postgresql = "DROP TABLE notes"
mysql = "TRUNCATE notes"
sqlite = "ALTER TABLE notes DROP COLUMN body"
"#;
    let safe = r#"
id = "0001"
[[upgrade]]
op = "sql"
any = "INSERT INTO notes (id, body) VALUES (2, 'two')"
safe = true
"#;
    for db in engines() {
        let name = db.name;
        let mut conn = db.engine.connect().expect("connect");
        conn.execute_sql(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
            &[],
        )
        .expect("table");
        conn.execute_sql("INSERT INTO notes (id, body) VALUES (1, 'one')", &[])
            .expect("row");
        for rev in [wipe, drop] {
            let m = Migrator::new(chain(&[("0001.toml", rev)]));
            let steps = m
                .destructive_steps(&mut conn, &Target::Head, false)
                .expect("steps");
            assert_eq!(steps.len(), 1, "{name}: {steps:?}");
            assert!(steps[0].1.contains("raw SQL"), "{name}: {steps:?}");
            let e = m.upgrade(&mut conn, &Target::Head).expect_err(name);
            assert!(e.to_string().contains("--allow-destructive"), "{name}: {e}");
            assert_eq!(
                texts(&mut conn, "SELECT body FROM notes ORDER BY id"),
                ["one"],
                "{name}"
            );
            assert_eq!(m.current(&mut conn).expect("v").revision, None, "{name}");
        }
        let m = Migrator::new(chain(&[("0001.toml", safe)]));
        assert!(m
            .destructive_steps(&mut conn, &Target::Head, false)
            .expect("steps")
            .is_empty());
        m.upgrade(&mut conn, &Target::Head)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            texts(&mut conn, "SELECT body FROM notes ORDER BY id"),
            ["one", "two"],
            "{name}"
        );
        // With the author's `--allow-destructive`, the unmarked step runs.
        let m = Migrator::new(chain(&[
            ("0001.toml", safe),
            (
                "0002.toml",
                &wipe.replace("id = \"0001\"", "id = \"0002\"\nparent = \"0001\""),
            ),
        ]))
        .allow_destructive(true);
        m.upgrade(&mut conn, &Target::Head)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            texts(&mut conn, "SELECT body FROM notes").is_empty(),
            "{name}"
        );
    }
}

/// `check("ck_posts_views", ..)` is the constraint `ck_posts_views`, not
/// `ck_posts_ck_posts_views`; reflection reads it back under the same name.
#[test]
fn a_check_named_in_full_is_not_prefixed_twice() {
    let posts = Table::builder("posts")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("views", SqlType::Integer).not_null())
        .check("ck_posts_views", "views >= 0")
        .check("small", "views < 1000")
        .build()
        .expect("table");
    for db in engines() {
        let name = db.name;
        let mut conn = db.engine.connect().expect("connect");
        conn.create_all(&MetaData::from_tables([posts.clone()]).expect("md"))
            .expect("create");
        let back = sqlkit::migrate::reflect_table(&mut conn, "posts")
            .expect("reflect")
            .expect("table");
        let mut names: Vec<String> = back
            .def()
            .check_constraints()
            .iter()
            .map(|c| c.constraint_name("posts"))
            .collect();
        names.sort();
        assert_eq!(names, ["ck_posts_small", "ck_posts_views"], "{name}");
        let e = conn
            .execute_sql("INSERT INTO posts (id, views) VALUES (1, -1)", &[])
            .expect_err("check holds");
        assert!(
            e.to_string().contains("ck_posts_views") || name == "sqlite",
            "{name}: {e}"
        );
        assert!(texts(&mut conn, "SELECT CAST(views AS CHAR(9)) FROM posts").is_empty());
    }
}

/// `migrate --help` (and `-h`, `help`) prints the usage and succeeds.
#[test]
fn migrate_help_prints_usage_and_exits_zero() {
    for args in [&["--help"][..], &["-h"], &["help"], &["upgrade", "--help"]] {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut out = Vec::new();
        let code = sqlkit::migrate::cli::run(&MetaData::new(), &args, &mut out)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert_eq!(code, 0, "{args:?}");
        assert!(
            String::from_utf8_lossy(&out).starts_with("usage:"),
            "{args:?}"
        );
    }
}

/// A NOT NULL column added to a table with rows: autogenerate fills the rows with the
/// model's client default (a server default for the ADD, dropped after it), and
/// without one refuses before anything is written.
#[test]
fn a_not_null_column_for_a_table_with_rows_is_filled_or_refused() {
    use sqlkit::migrate::Renames;
    let base = || {
        Table::builder("members")
            .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
            .column(ColumnDef::new("name", SqlType::String(40)).not_null())
    };
    let with_score = MetaData::from_tables([base()
        .column(
            ColumnDef::new("score", SqlType::Integer)
                .not_null()
                .default(sqlkit::schema::Default::Value(Value::Int(5))),
        )
        .build()
        .expect("table")])
    .expect("md");
    let with_code = MetaData::from_tables([base()
        .column(ColumnDef::new("code", SqlType::String(10)).not_null())
        .build()
        .expect("table")])
    .expect("md");
    for db in engines() {
        let name = db.name;
        let dir = tempfile::tempdir().expect("dir");
        let mut conn = db.engine.connect().expect("connect");
        conn.create_all(&MetaData::from_tables([base().build().expect("t")]).expect("md"))
            .expect("create");
        conn.execute_sql(
            "INSERT INTO members (id, name) VALUES (1, 'ann'), (2, 'bob')",
            &[],
        )
        .expect("rows");
        let mut m = Migrator::from_dir(dir.path()).expect("dir");
        // No default: refused, nothing written.
        let e = m
            .autogenerate_revision(&mut conn, &with_code, "code", &Renames::default(), None)
            .expect_err("no way to fill the rows");
        assert!(
            e.to_string().contains("NOT NULL with no default"),
            "{name}: {e}"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("ls").count(),
            0,
            "{name}"
        );
        // A client default: the rows get it, and the schema ends as the models say.
        let rev = m
            .autogenerate_revision(&mut conn, &with_score, "score", &Renames::default(), None)
            .expect("autogenerate")
            .expect("a revision");
        assert_eq!(
            rev.upgrade.iter().map(|o| o.describe()).collect::<Vec<_>>(),
            ["add column members.score", "alter column members.score"],
            "{name}"
        );
        m.upgrade(&mut conn, &Target::Head)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let scores: Vec<i64> = conn
            .query_sql("SELECT score FROM members ORDER BY id", &[])
            .expect("scores")
            .iter()
            .map(|r| r.get(0).expect("int"))
            .collect();
        assert_eq!(scores, [5, 5], "{name}");
        let report = m.check(&mut conn, &with_score).expect("check");
        assert!(report.is_clean(), "{name}: {:?}", report.changes);
        assert!(
            conn.execute_sql("INSERT INTO members (id, name) VALUES (3, 'cy')", &[])
                .is_err(),
            "{name}: the server default is gone, NOT NULL holds"
        );
    }
}

/// After raw SQL the plan's walk cannot follow, each operation is compared with the
/// database just before it runs: the mismatch is caught there, and the revision's
/// transaction (SQLite, PostgreSQL) keeps nothing.
#[test]
fn operations_after_raw_sql_are_compared_when_they_run() {
    let rev = r#"
id = "0001"
[[upgrade]]
op = "sql"
any = "ALTER TABLE jobs ADD COLUMN state VARCHAR(10)"
safe = true
[[upgrade]]
op = "alter_column"
table = "jobs"
from = { name = "state", type = "varchar(20)", nullable = true }
to = { name = "state", type = "varchar(30)", nullable = true }
"#;
    for db in engines() {
        let name = db.name;
        let mut conn = db.engine.connect().expect("connect");
        conn.execute_sql("CREATE TABLE jobs (id INTEGER PRIMARY KEY)", &[])
            .expect("table");
        let m = Migrator::new(chain(&[("0001.toml", rev)]));
        let e = m.upgrade(&mut conn, &Target::Head).expect_err(name);
        let sqlkit::Error::Migration(f) = &e else {
            panic!("{name}: {e}");
        };
        assert!(
            matches!(f.source, sqlkit::Error::SchemaMismatch(_)),
            "{name}: {e}"
        );
        assert!(e.to_string().contains("varchar(10)"), "{name}: {e}");
        if name != "mariadb" {
            assert!(
                conn.query_sql("SELECT state FROM jobs", &[]).is_err(),
                "{name}: rolled back"
            );
        }
    }
}

/// A partial index is modelled, created, reflected with its predicate, compared by it,
/// and kept by a downgrade and by SQLite's table rebuild; MySQL refuses it typed.
#[test]
fn partial_indexes_keep_their_predicate() {
    use sqlkit::migrate::{reflect_table, Renames, TableShape};
    let accounts = |partial: bool, wide: bool| {
        let b = Table::builder("accounts")
            .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
            .column(
                ColumnDef::new("email", SqlType::String(if wide { 120 } else { 80 })).not_null(),
            )
            .column(ColumnDef::new("deleted", SqlType::Integer));
        let b = if partial {
            b.partial_index("uq_accounts_live", ["email"], true, "deleted IS NULL")
        } else {
            b.named_index("uq_accounts_live", ["email"], true)
        };
        MetaData::from_tables([b.build().expect("table")]).expect("md")
    };
    for db in engines() {
        let name = db.name;
        let mut conn = db.engine.connect().expect("connect");
        if name == "mariadb" {
            let e = conn
                .create_all(&accounts(true, false))
                .expect_err("no partial indexes");
            assert!(
                matches!(e, sqlkit::Error::Unsupported { .. }),
                "{name}: {e}"
            );
            assert!(
                reflect_table(&mut conn, "accounts").expect("r").is_none(),
                "{name}"
            );
            continue;
        }
        let dir = tempfile::tempdir().expect("dir");
        let mut m = Migrator::from_dir(dir.path()).expect("dir");
        let shape = |conn: &mut Connection| {
            TableShape::of(
                reflect_table(conn, "accounts")
                    .expect("r")
                    .expect("t")
                    .def(),
            )
            .indexes
        };
        m.autogenerate_revision(
            &mut conn,
            &accounts(true, false),
            "one",
            &Renames::default(),
            None,
        )
        .expect("autogenerate")
        .expect("rev");
        m.upgrade(&mut conn, &Target::Head).expect("up");
        // The predicate holds on the server: a deleted row may share a live one's email.
        conn.execute_sql(
            "INSERT INTO accounts (id, email, deleted) VALUES (1, 'a@x', 1), (2, 'a@x', NULL)",
            &[],
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let partial = shape(&mut conn);
        assert_eq!(
            partial,
            TableShape::of(accounts(true, false).table("accounts").expect("t").def()).indexes,
            "{name}"
        );
        assert!(
            m.check(&mut conn, &accounts(true, false))
                .expect("check")
                .is_clean(),
            "{name}"
        );
        // A full unique index of the same name is a change, not equal.
        let report = m.check(&mut conn, &accounts(false, false)).expect("check");
        assert!(
            !report.changes.is_empty(),
            "{name}: a full index compared equal"
        );
        // SQLite's rebuild (a wider column) keeps the predicate.
        m.autogenerate_revision(
            &mut conn,
            &accounts(true, true),
            "wider",
            &Renames::default(),
            None,
        )
        .expect("autogenerate")
        .expect("rev");
        m.upgrade(&mut conn, &Target::Head).expect("up");
        assert_eq!(shape(&mut conn), partial, "{name}: after the alter");
        // Dropped for a full one, then back down: the downgrade recreates it partial.
        conn.execute_sql("DELETE FROM accounts WHERE id = 1", &[])
            .expect("delete");
        m.autogenerate_revision(
            &mut conn,
            &accounts(false, true),
            "full",
            &Renames::default(),
            None,
        )
        .expect("autogenerate")
        .expect("rev");
        m.upgrade(&mut conn, &Target::Head).expect("up");
        assert_eq!(
            shape(&mut conn).first().and_then(|i| i.where_.clone()),
            None,
            "{name}"
        );
        m.downgrade(&mut conn, &Target::Down(1)).expect("down");
        assert_eq!(shape(&mut conn), partial, "{name}: after the downgrade");
    }
}

/// What sqlkit does not model neither fails reflection nor is proposed for dropping: an
/// expression index (PostgreSQL, SQLite), a MariaDB ENUM column, an untyped SQLite
/// column, a generated column. Autogenerate leaves them alone, and the table stays.
#[test]
fn what_sqlkit_does_not_model_survives_and_does_not_block() {
    use sqlkit::migrate::{autogenerate, reflect, Renames};
    let models = MetaData::from_tables([Table::builder("people")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("email", SqlType::String(80)).not_null())
        .build()
        .expect("table")])
    .expect("md");
    for db in engines() {
        let name = db.name;
        let mut conn = db.engine.connect().expect("connect");
        conn.create_all(&models).expect("create");
        let extra: &[&str] = match name {
            "postgresql" => &[
                "CREATE INDEX ix_people_lower_email ON people (lower(email))",
                "ALTER TABLE people ADD COLUMN twice BIGINT GENERATED ALWAYS AS (length(email)) STORED",
            ],
            "mariadb" => &[
                "ALTER TABLE people ADD COLUMN mood ENUM('happy', 'sad')",
                "ALTER TABLE people ADD COLUMN twice BIGINT AS (length(email)) STORED",
            ],
            _ => &[
                "CREATE INDEX ix_people_lower_email ON people (lower(email))",
                "ALTER TABLE people ADD COLUMN untyped",
            ],
        };
        for sql in extra {
            conn.execute_sql(sql, &[])
                .unwrap_or_else(|e| panic!("{name}: {sql}: {e}"));
        }
        conn.execute_sql("INSERT INTO people (id, email) VALUES (1, 'a@x')", &[])
            .expect("row");
        let md = reflect(&mut conn).unwrap_or_else(|e| panic!("{name}: reflect: {e}"));
        let people = md.table("people").expect("people");
        let opaque = people.def().opaque();
        assert!(!opaque.is_empty(), "{name}");
        if name != "mariadb" {
            // The expression index is kept with its SQL.
            assert!(
                opaque
                    .iter()
                    .any(|o| o.kind == sqlkit::schema::OpaqueKind::Index
                        && o.sql.as_deref().is_some_and(|s| s.contains("lower"))),
                "{name}: {opaque:?}"
            );
        }
        let ops = autogenerate(&mut conn, &models, &Renames::default(), None)
            .unwrap_or_else(|e| panic!("{name}: autogenerate: {e}"));
        assert!(
            ops.is_empty(),
            "{name}: {:?}",
            ops.iter().map(|o| o.describe()).collect::<Vec<_>>()
        );
        // A drop of the table that would forget them (its downgrade could not make them
        // again) is refused, and the table stays.
        let drop = r#"
id = "0001"
[[upgrade]]
op = "drop_table"
table = "people"
columns = [{ name = "id", type = "bigint" }, { name = "email", type = "varchar(80)" }]
primary_key = ["id"]
"#;
        let e = Migrator::new(chain(&[("0001.toml", drop)]))
            .allow_destructive(true)
            .upgrade(&mut conn, &Target::Head)
            .expect_err("the drop forgets columns");
        assert!(matches!(e, sqlkit::Error::SchemaMismatch(_)), "{name}: {e}");
        let hidden = if name == "sqlite" { "untyped" } else { "twice" };
        assert!(e.to_string().contains(hidden), "{name}: {e}");
        let n: i64 = conn
            .query_sql("SELECT COUNT(*) FROM people", &[])
            .expect("count")[0]
            .get(0)
            .expect("n");
        assert_eq!(n, 1, "{name}");
    }
}

/// SQLite's table rebuild keeps what the table's definition does not say: a view over
/// the table, its triggers, an expression index, a generated column, a column of no
/// type (with its values).
#[test]
fn sqlite_rebuild_keeps_views_triggers_and_expression_indexes() {
    let rev = r#"
id = "0001"
[[upgrade]]
op = "alter_column"
table = "posts"
from = { name = "title", type = "varchar(40)" }
to = { name = "title", type = "varchar(80)" }
"#;
    let engine = Engine::from_url("sqlite://").expect("engine");
    let mut conn = engine.connect().expect("connect");
    for sql in [
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, title VARCHAR(40) NOT NULL)",
        "CREATE TABLE audit (note TEXT)",
        "CREATE VIEW titles AS SELECT title FROM posts",
        "CREATE TRIGGER posts_audit AFTER INSERT ON posts BEGIN INSERT INTO audit VALUES (new.title); END",
        "CREATE INDEX ix_posts_lower ON posts (lower(title))",
        "INSERT INTO posts (id, title) VALUES (1, 'Hello')",
    ] {
        conn.execute_sql(sql, &[]).expect(sql);
    }
    let m = Migrator::new(chain(&[("0001.toml", rev)]));
    m.upgrade(&mut conn, &Target::Head).expect("upgrade");
    assert_eq!(texts(&mut conn, "SELECT title FROM titles"), ["Hello"]);
    conn.execute_sql("INSERT INTO posts (id, title) VALUES (2, 'World')", &[])
        .expect("insert");
    assert_eq!(
        texts(&mut conn, "SELECT note FROM audit ORDER BY note"),
        ["Hello", "World"]
    );
    let mut objects = texts(
        &mut conn,
        "SELECT type || ' ' || name FROM sqlite_master WHERE type <> 'table' \
         AND name NOT LIKE 'sqlite_autoindex%' ORDER BY 1",
    );
    objects.sort();
    assert_eq!(
        objects,
        ["index ix_posts_lower", "trigger posts_audit", "view titles"]
    );
    // A generated column and an untyped one are carried over by their own
    // definitions, the untyped one with its values.
    let mut conn = Engine::from_url("sqlite://")
        .expect("e")
        .connect()
        .expect("c");
    conn.execute_sql(
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, title VARCHAR(40) NOT NULL, \
         loud TEXT GENERATED ALWAYS AS (upper(title)) VIRTUAL, anything)",
        &[],
    )
    .expect("table");
    conn.execute_sql(
        "INSERT INTO posts (id, title, anything) VALUES (1, 'Hello', 'kept')",
        &[],
    )
    .expect("row");
    Migrator::new(chain(&[("0001.toml", rev)]))
        .upgrade(&mut conn, &Target::Head)
        .expect("the rebuild keeps them");
    assert_eq!(
        texts(&mut conn, "SELECT loud || ' ' || anything FROM posts"),
        ["HELLO kept"]
    );
    let declared = texts(
        &mut conn,
        "SELECT type FROM pragma_table_info('posts') WHERE name = 'title'",
    );
    assert_eq!(declared, ["VARCHAR(80)"]);
}

/// A table another tool owns, and an index the models do not know, are left alone
/// when the user excludes them (Alembic's include_object): never proposed for
/// dropping, by the API and by `--exclude-table`.
#[test]
fn excluded_tables_and_objects_are_never_dropped() {
    use sqlkit::migrate::{cli, Include, ObjectKind};
    let models = MetaData::from_tables([Table::builder("users")
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("name", SqlType::String(40)).not_null())
        .build()
        .expect("table")])
    .expect("md");
    for db in engines() {
        let name = db.name;
        let dir = tempfile::tempdir().expect("dir");
        let url = if name == "sqlite" {
            format!("sqlite:///{}", dir.path().join("t.db").display())
        } else {
            db.url.clone()
        };
        let engine = Engine::from_url(&url).expect("engine");
        let mut conn = engine.connect().expect("connect");
        conn.create_all(&models).expect("create");
        conn.execute_sql(
            "CREATE TABLE queue_jobs (id INTEGER PRIMARY KEY, payload TEXT)",
            &[],
        )
        .expect("theirs");
        conn.execute_sql("CREATE INDEX tmp_users_name ON users (name)", &[])
            .expect("index");
        let m = Migrator::new(Migrations::default());
        let all = m.check(&mut conn, &models).expect("check");
        let said: Vec<String> = all.changes.iter().map(|o| o.describe()).collect();
        assert!(
            said.contains(&"drop table queue_jobs".to_string()),
            "{name}: {said:?}"
        );
        assert!(
            said.contains(&"drop index tmp_users_name".to_string()),
            "{name}: {said:?}"
        );
        let m = m.include(Include::filter(|o| {
            o.table != "queue_jobs" && !(o.kind == ObjectKind::Index && o.name.starts_with("tmp_"))
        }));
        let report = m.check(&mut conn, &models).expect("check");
        assert!(report.changes.is_empty(), "{name}: {:?}", report.changes);
        // The command line, by table.
        let migdir = dir.path().join("migrations").display().to_string();
        let args: Vec<String> = [
            "--url",
            &url,
            "--dir",
            &migdir,
            "--exclude-table",
            "queue_jobs",
            "revision",
            "--autogenerate",
            "-m",
            "x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut out = Vec::new();
        cli::run(&models, &args, &mut out).unwrap_or_else(|e| panic!("{name}: {e}"));
        let out = String::from_utf8(out).expect("utf-8");
        assert!(!out.contains("queue_jobs"), "{name}: {out}");
        assert!(out.contains("drop index tmp_users_name"), "{name}: {out}");
        assert_eq!(
            texts(
                &mut conn,
                "SELECT CAST(COUNT(*) AS CHAR(5)) FROM queue_jobs"
            )
            .len(),
            1
        );
    }
}
