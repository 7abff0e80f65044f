//! Transactions: the closure form commits on Ok and rolls back on Err and on panic;
//! the RAII form rolls back on drop; savepoints nest. Run on every configured database.

mod common;
#[cfg(feature = "orm")]
#[path = "transactions/orm.rs"]
mod orm;
#[cfg(feature = "orm")]
#[path = "transactions/orm_trust.rs"]
mod orm_trust;

use common::models::*;
use common::on_each_db;
use sqlkit::expr::func;
use sqlkit::prelude::*;

fn count_tags(conn: &mut Connection) -> Result<i64> {
    conn.query_scalar(&select(func::count_star()).select_from(Tag::table()))
}

fn add_tag(conn: &mut Connection, name: &str) -> Result<ExecResult> {
    conn.execute(&insert(Tag::table()).value(Tag::table().name, name))
}

#[test]
fn closure_commits_on_ok_and_rolls_back_on_err() {
    on_each_db(|_, conn| {
        conn.transaction(|tx| add_tag(tx, "kept").map(|_| ()))?;
        let r: Result<()> = conn.transaction(|tx| {
            add_tag(tx, "lost")?;
            Err(Error::NoRows)
        });
        assert!(matches!(r, Err(Error::NoRows)));
        assert_eq!(count_tags(conn)?, 1);
        assert_eq!(conn.transaction_depth(), 0);
        Ok(())
    });
}

#[test]
fn closure_rolls_back_on_panic() {
    on_each_db(|_, conn| {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _: Result<()> = conn.transaction(|tx| {
                add_tag(tx, "lost")?;
                panic!("boom");
            });
        }));
        assert!(r.is_err());
        assert_eq!(conn.transaction_depth(), 0);
        assert_eq!(count_tags(conn)?, 0);
        Ok(())
    });
}

#[test]
fn raii_transaction_rolls_back_on_drop_and_commits_explicitly() {
    on_each_db(|_, conn| {
        {
            let mut tx = conn.begin()?;
            add_tag(&mut tx, "dropped")?;
        }
        assert_eq!(count_tags(conn)?, 0);
        let mut tx = conn.begin()?;
        add_tag(&mut tx, "committed")?;
        tx.commit()?;
        let mut tx = conn.begin()?;
        add_tag(&mut tx, "rolled back")?;
        tx.rollback()?;
        assert_eq!(count_tags(conn)?, 1);
        Ok(())
    });
}

#[test]
fn savepoints_roll_back_on_their_own() {
    on_each_db(|_, conn| {
        let mut tx = conn.begin()?;
        add_tag(&mut tx, "outer")?;
        {
            let mut sp = tx.savepoint()?;
            add_tag(&mut sp, "inner, rolled back")?;
            assert_eq!(sp.transaction_depth(), 2);
            sp.rollback()?;
        }
        {
            let mut sp = tx.savepoint()?;
            add_tag(&mut sp, "inner, kept")?;
            let mut deeper = sp.savepoint()?;
            add_tag(&mut deeper, "deeper, dropped")?;
            drop(deeper);
            sp.commit()?;
        }
        // A failing statement inside a savepoint: roll back to it and carry on.
        let r: Result<()> = tx.transaction(|sp| {
            add_tag(sp, "outer")?; // duplicate name: unique violation
            Ok(())
        });
        assert_eq!(
            r.err().and_then(|e| e.db_kind()),
            Some(DbErrorKind::UniqueViolation)
        );
        tx.commit()?;
        let names: Vec<String> = conn
            .query(&select(Tag::table().name).order_by(Tag::table().id))?
            .iter()
            .map(|r| r.get(0))
            .collect::<Result<_>>()?;
        assert_eq!(names, ["outer", "inner, kept"]);
        Ok(())
    });
}

#[test]
fn engine_transaction_and_errors_keep_data_consistent() {
    // The seed's "add a user and a post; on error roll back": the post references a
    // user that does not exist, so neither row survives.
    on_each_db(|_, conn| {
        let r: Result<()> = conn.transaction(|tx| {
            tx.execute(&insert(User::table()).record(&User::new("test")))?;
            let p = Post::table();
            tx.execute(
                &insert(p)
                    .value(p.title, "Test")
                    .value(p.slug, "test")
                    .value(p.author_id, 999_999i64),
            )?;
            Ok(())
        });
        assert_eq!(
            r.err().and_then(|e| e.db_kind()),
            Some(DbErrorKind::ForeignKeyViolation)
        );
        let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(User::table()))?;
        assert_eq!(n, 0);
        Ok(())
    });
}

#[test]
fn execute_many_compiles_once_and_runs_per_parameter_set() {
    on_each_db(|_, conn| {
        let t = Tag::table();
        let stmt = insert(t).value(t.name, bindparam::<String>("name"));
        let names = ["a", "b", "c"];
        let n = conn.execute_many(&stmt, &["name"], names.iter().map(|n| [Value::from(*n)]))?;
        assert_eq!(n, 3);
        assert_eq!(count_tags(conn)?, 3);
        let missing = conn.execute_many(&stmt, &["nom"], [[Value::from("x")]]);
        assert!(matches!(missing, Err(Error::Parameter(_))));
        let short = conn.execute_many(&stmt, &["name"], [Vec::<Value>::new()]);
        assert!(
            matches!(&short, Err(Error::ExecuteMany { row: 0, cause }) if matches!(**cause, Error::Parameter(_))),
            "{short:?}"
        );
        // A failing row stops the batch with the database's error.
        let dup = conn.execute_many(&stmt, &["name"], [[Value::from("d")], [Value::from("a")]]);
        assert_eq!(
            dup.err().and_then(|e| e.db_kind()),
            Some(DbErrorKind::UniqueViolation)
        );
        Ok(())
    });
}

#[test]
fn in_memory_database_is_shared_by_the_engines_connections() {
    let engine = Engine::from_url("sqlite::memory:").expect("engine");
    let mut a = engine.connect().expect("a");
    a.execute_sql("CREATE TABLE t (x INTEGER)", &[])
        .expect("create");
    a.execute_sql("INSERT INTO t VALUES (1)", &[])
        .expect("insert");
    let mut b = engine.connect().expect("b");
    let rows = b.query_sql("SELECT x FROM t", &[]).expect("select");
    assert_eq!(rows.len(), 1);
    let other = Engine::from_url("sqlite://").expect("engine");
    assert!(
        other
            .connect()
            .expect("c")
            .query_sql("SELECT x FROM t", &[])
            .is_err(),
        "another engine, another database"
    );
}

#[test]
fn file_database_from_relative_and_absolute_urls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("blog.db");
    let url = format!("sqlite:///{}", path.display()); // absolute: four slashes
    assert!(url.starts_with("sqlite:////"));
    let engine = Engine::from_url(&url).expect("engine");
    let mut conn = engine.connect().expect("connect");
    conn.create_all(&metadata()).expect("create_all");
    conn.create_all(&metadata())
        .expect("create_all twice is harmless");
    drop(conn);
    let mut again = Engine::from_url(&url)
        .expect("engine")
        .connect()
        .expect("connect");
    assert_eq!(count_tags(&mut again).expect("count"), 0);
    assert!(path.exists());
}

/// FOR UPDATE holds a row against another transaction: SKIP LOCKED reads past it,
/// NOWAIT fails at once, and the locked row is untouched. On SQLite the clause is left
/// out: the first transaction holds the database's write lock, so the second cannot
/// begin at all while it is open.
#[test]
fn row_locks_skip_or_refuse_a_row_another_transaction_holds() {
    for db in common::engines() {
        let mut a = db.engine.connect().expect("connect");
        a.create_all(&metadata()).expect("schema");
        for name in ["one", "two", "three"] {
            add_tag(&mut a, name).expect("tag");
        }
        let t = Tag::table();
        let mut tx = a.begin().expect("begin");
        let held = tx
            .query(&select(t.name).where_(t.name.eq("one")).for_update())
            .expect("lock one");
        assert_eq!(held.len(), 1, "{}", db.name);
        if db.name == "sqlite" {
            tx.rollback().expect("rollback");
            continue;
        }
        let mut b = db.engine.connect().expect("second connection");
        let mut tb = b.begin().expect("begin b");
        let free: Vec<String> = tb
            .query(&select(t.name).order_by(t.name).for_update().skip_locked())
            .expect("skip locked")
            .iter()
            .map(|r| r.get(0).expect("name"))
            .collect();
        assert_eq!(
            free,
            ["three", "two"],
            "{}: the held row is skipped",
            db.name
        );
        tb.rollback().expect("rollback b");
        let mut tb = b.begin().expect("begin b");
        let e = tb
            .query(
                &select(t.name)
                    .where_(t.name.eq("one"))
                    .for_update()
                    .nowait(),
            )
            .expect_err("NOWAIT on a held row");
        assert!(matches!(e, Error::Database { .. }), "{}: {e}", db.name);
        let _ = tb.rollback();
        tx.execute(&update(t).set(t.name, "uno").where_(t.name.eq("one")))
            .expect("the holder writes");
        tx.commit().expect("commit");
        let names: Vec<String> = b
            .query(&select(t.name).order_by(t.name))
            .expect("names")
            .iter()
            .map(|r| r.get(0).expect("name"))
            .collect();
        assert_eq!(names, ["three", "two", "uno"], "{}", db.name);
    }
}
