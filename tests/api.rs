//! The public API beyond single statements: URLs, dialects chosen at run time, a
//! dialect written outside the crate, Display, compile-once binding.

mod common;

use common::models::*;
use sqlkit::compile::Compiler;
use sqlkit::dialect::{default_literal, dialect_for, Feature, Version};
use sqlkit::prelude::*;
use sqlkit::url::{parse, Backend, SqliteTarget};

#[test]
fn sqlite_urls_as_sqlalchemy_writes_them() {
    assert_eq!(
        parse("sqlite://").unwrap(),
        Backend::Sqlite(SqliteTarget::Memory)
    );
    assert_eq!(
        parse("sqlite::memory:").unwrap(),
        Backend::Sqlite(SqliteTarget::Memory)
    );
    assert_eq!(
        parse("sqlite:///:memory:").unwrap(),
        Backend::Sqlite(SqliteTarget::Memory)
    );
    assert_eq!(
        parse("sqlite://?cache=private").unwrap(),
        Backend::Sqlite(SqliteTarget::PrivateMemory)
    );
    assert_eq!(
        parse("sqlite::memory:?cache=shared").unwrap(),
        Backend::Sqlite(SqliteTarget::Memory)
    );
    for bad in ["sqlite://?mode=ro", "sqlite:///app.db?cache=private"] {
        assert!(matches!(parse(bad), Err(Error::Url { .. })), "{bad}");
    }
    assert_eq!(
        parse("sqlite:///app.db").unwrap(),
        Backend::Sqlite(SqliteTarget::File("app.db".into()))
    );
    assert_eq!(
        parse("sqlite:////var/data/app.db").unwrap(),
        Backend::Sqlite(SqliteTarget::File("/var/data/app.db".into()))
    );
    let Backend::Postgres(pg) =
        parse("postgresql+psycopg://u%40corp:p%2Fw%3A%40d@h:6543/my%20db?connect_timeout=3&application_name=web&sslmode=disable&options=-c%20search_path%3Dapp").unwrap()
    else {
        panic!("not postgres")
    };
    assert_eq!(pg.host, "h");
    assert_eq!(pg.port, Some(6543));
    assert_eq!(pg.user, "u@corp");
    assert_eq!(pg.password.as_ref().unwrap().expose(), "p/w:@d");
    assert_eq!(pg.database, "my db");
    assert_eq!(pg.connect_timeout, Some(std::time::Duration::from_secs(3)));
    assert_eq!(pg.application_name.as_deref(), Some("web"));
    assert_eq!(pg.tls, sqlkit::url::TlsMode::Disable);
    assert_eq!(pg.options.as_deref(), Some("-c search_path=app"));
    let shown = format!("{pg:?}");
    assert!(
        !shown.contains("p/w") && !shown.contains("p%2Fw"),
        "{shown}"
    );
    let Backend::Mariadb(m) = parse("mariadb://u@[::1]/db?ssl-mode=REQUIRED").unwrap() else {
        panic!("not mariadb")
    };
    assert_eq!(
        (m.host.as_str(), m.port, m.password.is_none()),
        ("::1", None, true)
    );
    assert_eq!(m.tls, sqlkit::url::TlsMode::Require);
    assert!(
        matches!(parse("mysql://h").unwrap(), Backend::Mysql(s) if s.host == "h" && s.database.is_empty())
    );
    assert_eq!(
        sqlkit::url::redact("postgresql://app:s3cret@host:5432/db"),
        "postgresql://app:***@host:5432/db"
    );
}

#[test]
fn a_private_memory_database_is_one_connection_that_checkouts_share() {
    let engine = Engine::builder("sqlite://?cache=private")
        .checkout_timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap();
    {
        let mut c = engine.connect().unwrap();
        c.execute_sql("CREATE TABLE t (x INTEGER)", &[]).unwrap();
        c.execute_sql("INSERT INTO t VALUES (1)", &[]).unwrap();
        // The one connection is taken: a second checkout waits, then fails typed.
        assert!(matches!(engine.connect(), Err(Error::PoolTimeout { .. })));
    }
    let mut c = engine.connect().unwrap();
    let n: i64 = c
        .fetch_one(
            &select(func::count_star()).select_from(
                Table::builder("t")
                    .column(ColumnDef::new("x", SqlType::Integer))
                    .build()
                    .unwrap(),
            ),
        )
        .unwrap();
    assert_eq!(n, 1, "the data outlives a checkout");
    // Another engine's private database is another database.
    let mut other = Engine::from_url("sqlite://?cache=private")
        .unwrap()
        .connect()
        .unwrap();
    assert!(other.execute_sql("SELECT x FROM t", &[]).is_err());
}

#[test]
fn dialects_are_chosen_at_run_time_by_name_or_url() {
    let q = select(User::table().id)
        .where_(User::table().email.eq("a"))
        .limit(1);
    let sqls: Vec<String> = [
        "postgresql://h/db",
        "mysql://h/db",
        "mariadb://h/db",
        "sqlite://",
        "postgres",
    ]
    .iter()
    .map(|u| {
        q.compile(&*dialect_for(u).expect("dialect"))
            .expect("compile")
            .sql
    })
    .collect();
    assert_eq!(
        sqls[0],
        "SELECT users.id FROM users WHERE users.email = $1 LIMIT $2"
    );
    assert_eq!(
        sqls[1],
        "SELECT users.id FROM users WHERE users.email = ? LIMIT ?"
    );
    assert_eq!(dialect_for("mariadb").expect("d").name(), "mariadb");
    assert_eq!(sqls[4], sqls[0]);
    let engine = Engine::from_url("sqlite://").expect("engine");
    assert_eq!(engine.dialect().name(), "sqlite");
    assert!(
        engine.dialect().supports(Feature::ReturningInsert),
        "bundled SQLite is recent"
    );
}

#[test]
fn dialect_versions_change_what_renders() {
    let p = Post::table();
    let returning = insert(Tag::table())
        .value(Tag::table().name, "x")
        .returning(Tag::table().id);
    let old_maria = Mysql {
        version: Version::new(10, 4, 0),
        ..Mysql::mariadb()
    };
    assert!(returning.compile(&old_maria).is_err());
    assert!(returning.compile(&Mysql::mariadb()).is_ok());
    let old_pg = Postgres {
        version: Version::new(9, 6, 0),
    };
    let ddl = CreateTable::new(p).compile(&old_pg).expect("ddl").sql;
    assert!(ddl.contains("id BIGSERIAL NOT NULL"), "{ddl}");
    let nulls = select(p.id).order_by(p.content.desc().nulls_last());
    let old_sqlite = Sqlite {
        version: Version::new(3, 29, 0),
    };
    assert_eq!(
        nulls.compile(&old_sqlite).expect("sql").sql,
        "SELECT posts.id FROM posts ORDER BY posts.content IS NULL, posts.content DESC"
    );
    // Upserts: MySQL's row alias from 8.0.19; no upsert on SQLite before 3.24.
    let t = Tag::table();
    let upsert = insert(t)
        .value(t.name, "x")
        .on_conflict([t.name])
        .do_update(t.name, excluded(t.name));
    let mysql_8_0_18 = Mysql {
        version: Version::new(8, 0, 18),
        ..Mysql::default()
    };
    assert_eq!(
        upsert.compile(&mysql_8_0_18).expect("sql").sql,
        "INSERT INTO tags (name) VALUES (?) ON DUPLICATE KEY UPDATE name = VALUES(name)"
    );
    assert!(upsert
        .compile(&Mysql::default())
        .expect("sql")
        .sql
        .contains("VALUES (?) AS new ON DUPLICATE KEY UPDATE name = new.name"));
    let sqlite_3_23 = Sqlite {
        version: Version::new(3, 23, 0),
    };
    assert!(matches!(
        upsert.compile(&sqlite_3_23),
        Err(Error::Unsupported { .. })
    ));
    assert!(matches!(
        insert(t).value(t.name, "x").do_nothing().compile(&Generic),
        Err(Error::InvalidStatement { .. })
    ));
}

/// A dialect written outside the crate: only the hooks that differ are overridden.
#[derive(Debug)]
struct DuckLike;

impl Dialect for DuckLike {
    fn name(&self) -> &'static str {
        "ducklike"
    }
    fn supports(&self, f: Feature) -> bool {
        !matches!(f, Feature::ReturningUpdate)
    }
    fn write_placeholder(&self, out: &mut String, index: usize) {
        out.push_str(&format!(":p{index}"));
    }
    fn write_limit_offset(
        &self,
        c: &mut Compiler<'_>,
        limit: Option<&sqlkit::expr::Node>,
        offset: Option<&sqlkit::expr::Node>,
    ) -> Result<()> {
        if let Some(o) = offset {
            c.push(" OFFSET ");
            c.write_node(o)?;
            c.push(" ROWS");
        }
        if let Some(l) = limit {
            c.push(" FETCH FIRST ");
            c.write_node(l)?;
            c.push(" ROWS ONLY");
        }
        Ok(())
    }
    fn write_literal(&self, out: &mut String, value: &Value) -> Result<()> {
        default_literal(out, value, false, self)
    }
}

#[test]
fn a_dialect_can_be_written_outside_the_crate() {
    let p = Post::table();
    let q = select(p.title)
        .where_(p.title.ilike("%x%"))
        .limit(10)
        .offset(5);
    let c = q.compile(&DuckLike).expect("compile");
    assert_eq!(c.sql, "SELECT posts.title FROM posts WHERE posts.title ILIKE :p1 OFFSET :p2 ROWS FETCH FIRST :p3 ROWS ONLY");
    assert_eq!(
        c.params,
        [Value::from("%x%"), Value::Int(5), Value::Int(10)]
    );
    let err = update(p)
        .set(p.views, 1)
        .returning(p.id)
        .compile(&DuckLike)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ducklike cannot express RETURNING on UPDATE"
    );
}

#[test]
fn statements_display_their_sql() {
    let u = User::table();
    let q = select((u.id, u.username)).where_(u.username.eq("john"));
    assert_eq!(
        q.to_string(),
        "SELECT users.id, users.username FROM users WHERE users.username = ?"
    );
    assert_eq!(
        q.debug_sql(&Mysql::default()).expect("debug"),
        "SELECT users.id, users.username FROM users WHERE users.username = 'john'"
    );
    let bad = select(u.id).full_outer_join(Post::table(), Post::table().author_id.eq(u.id));
    assert!(bad.to_string().contains("SELECT"));
    let broken = insert(Tag::table());
    assert!(broken
        .to_string()
        .starts_with("/* cannot render: invalid INSERT statement"));
}

#[test]
fn compile_once_and_bind_by_name() {
    let u = User::table();
    let q = select(u.id)
        .where_(
            u.email.eq(bindparam::<String>("email")) | u.username.eq(bindparam::<String>("email")),
        )
        .limit(2);
    let c = q.compile(&Sqlite::default()).expect("compile");
    assert_eq!(
        c.named.len(),
        2,
        "a name used twice is bound twice under `?`"
    );
    let params = c.bind([("email", Value::from("a@x"))]).expect("bind");
    assert_eq!(
        params,
        [Value::from("a@x"), Value::from("a@x"), Value::Int(2)]
    );
    assert!(matches!(
        c.bind([("mail", Value::Null)]),
        Err(Error::Parameter(_))
    ));
    assert!(matches!(
        c.bind(std::iter::empty()),
        Err(Error::Parameter(_))
    ));
}

#[test]
fn statements_are_send_sync_clone_and_tables_cheap() {
    fn assert_traits<T: Send + Sync + Clone + std::fmt::Debug>() {}
    assert_traits::<sqlkit::stmt::Select>();
    assert_traits::<sqlkit::stmt::Insert>();
    assert_traits::<sqlkit::stmt::Update>();
    assert_traits::<sqlkit::stmt::Delete>();
    assert_traits::<Table>();
    assert_traits::<Expr<i64>>();
    fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<Error>();
    assert!(
        std::mem::size_of::<Error>() <= 40,
        "{}",
        std::mem::size_of::<Error>()
    );
    let c = User::table().id;
    let copied = c;
    let _ = (c.eq(1), copied.eq(2));
}

#[test]
fn metadata_orders_tables_parents_first() {
    let md = metadata();
    let order: Vec<&str> = md
        .sorted_tables()
        .expect("sorted")
        .iter()
        .map(|t| t.name())
        .collect();
    let pos = |n: &str| order.iter().position(|x| *x == n).expect("present");
    assert!(pos("users") < pos("posts"));
    assert!(pos("posts") < pos("comments"));
    assert!(pos("tags") < pos("post_tags") && pos("posts") < pos("post_tags"));
}

#[test]
fn reserved_words_are_found_and_ordinary_names_are_not() {
    use sqlkit::dialect::default_is_reserved;
    for w in [
        "select",
        "user",
        "order",
        "group",
        "key",
        "blob",
        "rank",
        "current_timestamp",
        "year_month",
    ] {
        assert!(default_is_reserved(w), "{w}");
    }
    for w in [
        "users",
        "id",
        "email",
        "is_active",
        "post_id",
        "",
        "selects",
        "x",
    ] {
        assert!(!default_is_reserved(w), "{w}");
    }
}

#[test]
fn an_owned_string_becomes_a_value_without_a_copy() {
    let long = "a title longer than the inline text ".repeat(3);
    let at = long.as_ptr();
    let v = Value::from(long);
    let Value::Text(t) = &v else { panic!("text") };
    assert_eq!(t.as_str().as_ptr(), at, "the String's own bytes are kept");
    // Cloning shares them; converting back gives them up again.
    let copy = v.clone();
    assert_eq!(copy, v);
    let short = Value::from(String::from("short"));
    assert_eq!(short, Value::from("short"));
}
