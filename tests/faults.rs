//! Faults: failed statements inside transactions, deadlock victims, `execute_many`
//! failing midway, connections killed mid-transaction, panics and drops. Every test
//! asserts what is in the table afterwards, on every configured database.

mod common;

use common::models::*;
use common::{engines, on_each_db};
use sqlkit::expr::func;
use sqlkit::prelude::*;
use std::sync::{Arc, Barrier};

fn tag_names(conn: &mut Connection) -> Result<Vec<String>> {
    conn.query(&select(Tag::table().name).order_by(Tag::table().name))?
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn add_tag(conn: &mut Connection, name: &str) -> Result<ExecResult> {
    conn.execute(&insert(Tag::table()).value(Tag::table().name, name))
}

fn is_aborted<T: std::fmt::Debug>(r: Result<T>) -> bool {
    matches!(r, Err(Error::TransactionAborted { .. }))
}

#[test]
fn a_swallowed_failure_makes_the_closure_transaction_fail_and_keeps_nothing() {
    on_each_db(|name, conn| {
        add_tag(conn, "taken")?;
        let r: Result<()> = conn.transaction(|tx| {
            add_tag(tx, "a")?;
            let _ = add_tag(tx, "taken"); // fails; the error is dropped
            Ok(())
        });
        let Err(Error::TransactionAborted { cause }) = r else {
            panic!("{name}: {r:?}");
        };
        assert_eq!(cause.db_kind(), Some(DbErrorKind::UniqueViolation));
        assert_eq!(tag_names(conn)?, ["taken"], "{name}");
        assert_eq!(conn.transaction_depth(), 0);
        Ok(())
    });
}

#[test]
fn after_a_failure_statements_and_commit_are_refused_without_reaching_the_server() {
    on_each_db(|name, conn| {
        add_tag(conn, "taken")?;
        let mut tx = conn.begin()?;
        add_tag(&mut tx, "before")?;
        assert!(add_tag(&mut tx, "taken").is_err());
        assert!(tx.is_aborted());
        // SQLite and MariaDB would run these; the portable rule refuses them.
        assert!(is_aborted(add_tag(&mut tx, "after")), "{name}");
        assert!(is_aborted(tx.query(&select(Tag::table().name))), "{name}");
        assert!(is_aborted(tx.savepoint().map(|_| ())), "{name}");
        let r = tx.commit();
        assert!(is_aborted(r), "{name}");
        assert_eq!(tag_names(conn)?, ["taken"], "{name}");
        // The connection is clean and usable afterwards.
        conn.transaction(|tx| add_tag(tx, "next").map(|_| ()))?;
        assert_eq!(tag_names(conn)?, ["next", "taken"], "{name}");
        Ok(())
    });
}

#[test]
fn an_aborted_transaction_rolled_back_is_not_an_error() {
    on_each_db(|name, conn| {
        add_tag(conn, "taken")?;
        let mut tx = conn.begin()?;
        add_tag(&mut tx, "x")?;
        let _ = add_tag(&mut tx, "taken");
        tx.rollback()?;
        assert_eq!(tag_names(conn)?, ["taken"], "{name}");
        // Dropping an aborted transaction rolls it back too.
        let mut tx = conn.begin()?;
        add_tag(&mut tx, "y")?;
        let _ = add_tag(&mut tx, "taken");
        drop(tx);
        assert_eq!(tag_names(conn)?, ["taken"], "{name}");
        Ok(())
    });
}

#[test]
fn a_savepoint_rolled_back_contains_an_expected_failure() {
    on_each_db(|name, conn| {
        add_tag(conn, "taken")?;
        let mut tx = conn.begin()?;
        add_tag(&mut tx, "a")?;
        {
            let mut sp = tx.savepoint()?;
            add_tag(&mut sp, "in savepoint")?;
            assert!(add_tag(&mut sp, "taken").is_err());
            assert!(is_aborted(add_tag(&mut sp, "refused")));
            sp.rollback()?;
        }
        // The closure form: an Err rolls back to the savepoint.
        let r = tx.transaction(|sp| add_tag(sp, "taken"));
        assert_eq!(
            r.err().and_then(|e| e.db_kind()),
            Some(DbErrorKind::UniqueViolation)
        );
        // A dropped savepoint guard rolls back to it as well.
        {
            let mut sp = tx.savepoint()?;
            let _ = add_tag(&mut sp, "taken");
        }
        add_tag(&mut tx, "b")?;
        tx.commit()?;
        assert_eq!(tag_names(conn)?, ["a", "b", "taken"], "{name}");
        Ok(())
    });
}

#[test]
fn committing_a_savepoint_after_a_failure_aborts_the_whole_transaction() {
    on_each_db(|name, conn| {
        add_tag(conn, "taken")?;
        let mut tx = conn.begin()?;
        add_tag(&mut tx, "outer")?;
        let r = tx.transaction(|sp| {
            add_tag(sp, "inner")?;
            let _ = add_tag(sp, "taken");
            Ok::<_, Error>(())
        });
        assert!(is_aborted(r), "{name}");
        assert!(tx.is_aborted());
        assert!(is_aborted(tx.commit()), "{name}");
        assert_eq!(tag_names(conn)?, ["taken"], "{name}");
        Ok(())
    });
}

#[test]
fn engine_transaction_follows_the_same_rule() {
    for db in engines() {
        let mut conn = db.engine.connect().expect("connect");
        conn.create_all(&metadata()).expect("create_all");
        add_tag(&mut conn, "taken").expect("tag");
        let r: Result<()> = db.engine.transaction(|tx| {
            add_tag(tx, "a")?;
            let _ = add_tag(tx, "taken");
            Ok(())
        });
        assert!(is_aborted(r), "{}", db.name);
        assert_eq!(tag_names(&mut conn).expect("names"), ["taken"]);
    }
}

#[test]
fn a_panic_in_a_transaction_closure_or_a_dropped_guard_keeps_nothing() {
    on_each_db(|name, conn| {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _: Result<()> = conn.transaction(|tx| {
                add_tag(tx, "panicked")?;
                panic!("boom");
            });
        }));
        assert!(r.is_err());
        {
            let mut tx = conn.begin()?;
            add_tag(&mut tx, "dropped")?;
        }
        assert_eq!(conn.transaction_depth(), 0);
        assert!(tag_names(conn)?.is_empty(), "{name}");
        Ok(())
    });
}

fn counter_table(name: &'static str) -> Table {
    Table::builder(name)
        .column(ColumnDef::new("id", SqlType::BigInt).primary_key())
        .column(ColumnDef::new("n", SqlType::BigInt))
        .build()
        .expect("table")
}

/// Two transactions lock a row each and then want the other's. The server picks a
/// victim (InnoDB rolls its whole transaction back); the victim's later statements
/// must not run in autocommit mode and survive its `rollback()`.
#[test]
fn a_deadlock_victims_later_statements_never_reach_the_table() {
    for db in engines().into_iter().filter(|d| d.name != "sqlite") {
        let t = counter_table("locks");
        let log = counter_table("log");
        let mut setup = db.engine.connect().expect("connect");
        setup.execute(&CreateTable::new(&t)).expect("create");
        setup.execute(&CreateTable::new(&log)).expect("create");
        setup
            .execute(
                &insert(&t)
                    .columns(["id", "n"])
                    .row((1i64, 0i64))
                    .row((2i64, 0i64)),
            )
            .expect("rows");
        let barrier = Arc::new(Barrier::new(2));
        let run = |first: i64, second: i64| {
            let (engine, barrier, t, log) =
                (db.engine.clone(), barrier.clone(), t.clone(), log.clone());
            std::thread::spawn(move || {
                let mut conn = engine.connect().expect("connect");
                let mut tx = conn.begin().expect("begin");
                let mark = |tx: &mut Transaction<'_>, id: i64| {
                    tx.execute(&insert(&log).columns(["id", "n"]).row((id, first)))
                };
                mark(&mut tx, first * 10).expect("before");
                let bump = |k: i64| {
                    update(&t)
                        .set("n", t.c("n").expect("n") + 1)
                        .where_(t.c("id").expect("id").eq(k))
                };
                tx.execute(&bump(first)).expect("first lock");
                barrier.wait();
                match tx.execute(&bump(second)) {
                    Ok(_) => {
                        tx.commit().expect("commit");
                        None
                    }
                    Err(e) => {
                        // The victim carries on as careless code would.
                        let after = mark(&mut tx, first * 10 + 1);
                        assert!(
                            matches!(after, Err(Error::TransactionAborted { .. })),
                            "after: {after:?}"
                        );
                        let _ = tx.savepoint().map(|mut sp| {
                            let _ = mark(&mut sp, first * 10 + 2);
                            sp.commit()
                        });
                        let _ = tx.rollback();
                        Some(e)
                    }
                }
            })
        };
        let a = run(1, 2);
        let b = run(2, 1);
        let errors: Vec<Error> = [a, b]
            .into_iter()
            .filter_map(|h| h.join().expect("thread"))
            .collect();
        assert_eq!(errors.len(), 1, "{}: one victim: {errors:?}", db.name);
        assert_eq!(errors[0].db_kind(), Some(DbErrorKind::Deadlock));
        let ids: Vec<i64> = setup
            .query(&select(log.c("id").expect("id")).order_by(log.c("id").expect("id")))
            .expect("log")
            .iter()
            .map(|r| r.get(0).expect("id"))
            .collect();
        // Only the survivor's mark is there: 10 or 20, nothing else.
        assert_eq!(ids.len(), 1, "{}: {ids:?}", db.name);
        assert!(ids[0] == 10 || ids[0] == 20, "{}: {ids:?}", db.name);
        let total: i64 = setup
            .query_scalar(&select(func::sum(t.c("n").expect("n"))).select_from(&t))
            .expect("sum");
        assert_eq!(total, 2, "{}: only the survivor's two bumps", db.name);
    }
}

fn tag_rows(names: impl IntoIterator<Item = String>) -> Vec<[Value; 1]> {
    names.into_iter().map(|n| [Value::from(n)]).collect()
}

#[test]
fn execute_many_failing_midway_keeps_none_of_its_rows_and_names_the_row() {
    on_each_db(|name, conn| {
        add_tag(conn, "t1100")?;
        let t = Tag::table();
        let stmt = insert(t).value(t.name, bindparam::<String>("name"));
        // 1500 rows sent as multi-row INSERTs of 1000: row 1100 is a duplicate.
        let rows = tag_rows((0..1500).map(|i| format!("t{i}")));
        let err = conn.execute_many(&stmt, &["name"], rows).unwrap_err();
        let Error::ExecuteMany { row, cause } = &err else {
            panic!("{name}: {err}")
        };
        assert_eq!(*row, 1100, "{name}: {err}");
        assert_eq!(cause.db_kind(), Some(DbErrorKind::UniqueViolation));
        assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation));
        assert_eq!(tag_names(conn)?, ["t1100"], "{name}");
        // A duplicate inside one batch (row 7 repeats row 3) is found as well.
        let mut rows = tag_rows((0..10).map(|i| format!("u{i}")));
        rows[7] = [Value::from("u3")];
        let err = conn.execute_many(&stmt, &["name"], rows).unwrap_err();
        assert!(matches!(err, Error::ExecuteMany { row: 7, .. }), "{err}");
        assert_eq!(tag_names(conn)?, ["t1100"], "{name}");
        // A row of the wrong width is reported at its index, and also leaves nothing.
        let mut rows: Vec<Vec<Value>> = (0..5).map(|i| vec![format!("w{i}").into()]).collect();
        rows[3].push(Value::Null);
        let err = conn.execute_many(&stmt, &["name"], rows).unwrap_err();
        assert!(matches!(err, Error::ExecuteMany { row: 3, .. }), "{err}");
        assert_eq!(tag_names(conn)?, ["t1100"], "{name}");
        // In the third of three full batches (and a tail): a duplicate of a row in the
        // table, then a row of the wrong width in the second. A duplicate of a row of
        // an earlier batch is named by its batch's first row (see `Error::ExecuteMany`).
        let mut rows = tag_rows((0..3500).map(|i| format!("v{i}")));
        rows[2100] = [Value::from("t1100")];
        let err = conn
            .execute_many(&stmt, &["name"], rows.clone())
            .unwrap_err();
        assert!(
            matches!(err, Error::ExecuteMany { row: 2100, .. }),
            "{name}: {err}"
        );
        assert_eq!(tag_names(conn)?, ["t1100"], "{name}");
        rows[2100] = [Value::from("v5")];
        let err = conn.execute_many(&stmt, &["name"], rows).unwrap_err();
        assert!(
            matches!(err, Error::ExecuteMany { row: 2000, .. }),
            "{name}: {err}"
        );
        assert_eq!(tag_names(conn)?, ["t1100"], "{name}");
        let mut rows: Vec<Vec<Value>> = (0..3500).map(|i| vec![format!("w{i}").into()]).collect();
        rows[1999].push(Value::Null);
        let err = conn.execute_many(&stmt, &["name"], rows).unwrap_err();
        assert!(
            matches!(err, Error::ExecuteMany { row: 1999, .. }),
            "{name}: {err}"
        );
        assert_eq!(tag_names(conn)?, ["t1100"], "{name}");
        // Exactly three full batches, and then the same rows again by 1000s with
        // nothing left over: all of them are written.
        let rows = tag_rows((0..3000).map(|i| format!("x{i}")));
        assert_eq!(conn.execute_many(&stmt, &["name"], rows)?, 3000, "{name}");
        let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(t))?;
        assert_eq!(n, 3001, "{name}");
        Ok(())
    });
}

#[test]
fn execute_many_row_by_row_is_atomic_too() {
    on_each_db(|name, conn| {
        let t = Tag::table();
        for n in ["a", "b", "c"] {
            add_tag(conn, n)?;
        }
        // An UPDATE runs once per row: the third one collides with "a".
        let stmt = update(t)
            .set(t.name, bindparam::<String>("new"))
            .where_(t.name.eq(bindparam::<String>("old")));
        let rows = [["x", "b"], ["y", "c"], ["a", "x"]]
            .map(|[new, old]| [Value::from(new), Value::from(old)]);
        let err = conn.execute_many(&stmt, &["new", "old"], rows).unwrap_err();
        assert!(
            matches!(err, Error::ExecuteMany { row: 2, .. }),
            "{name}: {err}"
        );
        assert_eq!(tag_names(conn)?, ["a", "b", "c"], "{name}");
        Ok(())
    });
}

#[test]
fn execute_many_failing_inside_a_transaction_aborts_it() {
    on_each_db(|name, conn| {
        let t = Tag::table();
        let stmt = insert(t).value(t.name, bindparam::<String>("name"));
        let mut tx = conn.begin()?;
        add_tag(&mut tx, "kept only if committed")?;
        let rows = tag_rows(["p", "q", "p"].map(String::from));
        let err = tx.execute_many(&stmt, &["name"], rows).unwrap_err();
        assert!(
            matches!(err, Error::ExecuteMany { row: 2, .. }),
            "{name}: {err}"
        );
        assert!(is_aborted(tx.commit()), "{name}");
        assert!(tag_names(conn)?.is_empty(), "{name}");
        // Inside a savepoint the user rolls back to, the transaction goes on.
        let mut tx = conn.begin()?;
        add_tag(&mut tx, "outer")?;
        let r = tx.transaction(|sp| {
            sp.execute_many(&stmt, &["name"], tag_rows(["p", "p"].map(String::from)))
        });
        assert!(r.is_err());
        tx.execute_many(&stmt, &["name"], tag_rows(["r".to_string()]))?;
        tx.commit()?;
        assert_eq!(tag_names(conn)?, ["outer", "r"], "{name}");
        Ok(())
    });
}

/// The server ends a connection in the middle of a transaction: the failure is typed,
/// commit is refused, nothing of the transaction is in the table, and the pool hands
/// out a working connection next.
#[test]
fn a_connection_killed_mid_transaction_commits_nothing() {
    for db in engines().into_iter().filter(|d| d.name != "sqlite") {
        let mut conn = db.engine.connect().expect("connect");
        conn.create_all(&metadata()).expect("create_all");
        let (id_sql, kill) = if db.name == "postgresql" {
            ("SELECT pg_backend_pid()", "SELECT pg_terminate_backend(")
        } else {
            ("SELECT CONNECTION_ID()", "KILL (")
        };
        let mut tx = conn.begin().expect("begin");
        add_tag(&mut tx, "doomed").expect("insert");
        let id: i64 = tx.query_sql(id_sql, &[]).expect("id")[0]
            .get(0)
            .expect("id");
        let mut killer = db.engine.connect().expect("killer");
        killer
            .execute_sql(&format!("{kill}{id})"), &[])
            .expect("kill");
        std::thread::sleep(std::time::Duration::from_millis(100));
        let err = add_tag(&mut tx, "after").unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::ConnectionLost), "{err}");
        assert!(is_aborted(tx.commit()), "{}", db.name);
        drop(conn);
        let mut fresh = db.engine.connect().expect("the pool recovers");
        assert!(
            tag_names(&mut fresh).expect("names").is_empty(),
            "{}",
            db.name
        );
    }
}

/// More connections than the pool holds: checkout waits, times out typed, and the
/// work of the connections that got one is all there.
#[test]
fn pool_exhaustion_times_out_typed_and_loses_nothing() {
    for db in engines() {
        // Long enough for a server connection to open on a loaded machine (at 200 ms
        // the second checkout, which must succeed, timed out now and then).
        let engine = Engine::builder(&db.url)
            .max_connections(2)
            .checkout_timeout(std::time::Duration::from_secs(3))
            .build()
            .expect("engine");
        let mut a = engine.connect().expect("a");
        a.create_all(&metadata()).expect("create_all");
        let mut b = engine.connect().expect("b");
        let mut tx = a.begin().expect("begin");
        add_tag(&mut tx, "from a").expect("a");
        let err = engine.connect().unwrap_err();
        assert!(matches!(err, Error::PoolTimeout { .. }), "{err}");
        tx.commit().expect("commit");
        add_tag(&mut b, "from b").expect("b");
        assert_eq!(
            tag_names(&mut b).expect("names"),
            ["from a", "from b"],
            "{}",
            db.name
        );
    }
}

/// Builds `((x + 1) + 1) + ..` `depth` levels deep.
fn deep_sum(depth: usize) -> Expr<i64> {
    let mut e = literal::<i64>(0i64);
    for _ in 0..depth {
        e = e + 1i64;
    }
    e
}

/// Deep trees on a small thread: within the limit they compile and run on every
/// database; past it compiling is a typed error; building, cloning, printing and
/// dropping a 100,000-deep tree does not overflow the stack.
#[test]
fn deep_trees_compile_to_the_limit_and_never_overflow_the_stack() {
    // The default test thread (2 MB), where 400 levels used to overflow a debug build.
    // (MariaDB's own parser runs out of its 299 KB thread stack near 900 levels: that is
    // its typed error, so the run on the servers stays at 500.)
    let ok = select(deep_sum(500).label("n"));
    for db in &engines() {
        let mut conn = db.engine.connect().expect("connect");
        let n: i64 = conn
            .query_scalar(&ok)
            .unwrap_or_else(|e| panic!("{}: {e}", db.name));
        assert_eq!(n, 500, "{}", db.name);
    }
    let t = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let ok = select(deep_sum(900).label("n"));
            for d in [
                &Sqlite::default() as &dyn Dialect,
                &Postgres::default(),
                &Mysql::mariadb(),
            ] {
                ok.compile(d).expect("within the limit");
            }
            let too_deep = select(deep_sum(1500).label("n"));
            for d in [
                &Sqlite::default() as &dyn Dialect,
                &Postgres::default(),
                &Mysql::mariadb(),
            ] {
                assert!(matches!(too_deep.compile(d), Err(Error::TooDeep { .. })));
            }
            // Nested scalar subqueries count as levels too.
            let mut q = select(literal::<i64>(1i64).label("v"));
            for _ in 0..1200 {
                q = select(q.scalar_subquery().label("v"));
            }
            assert!(matches!(
                q.compile(&Sqlite::default()),
                Err(Error::TooDeep { .. })
            ));
            let huge = deep_sum(100_000);
            let copy = huge.clone();
            let shown = format!("{:?}", copy.node());
            assert!(shown.len() > 100_000);
            assert!(matches!(
                select(copy).compile(&Sqlite::default()),
                Err(Error::TooDeep { .. })
            ));
            drop(huge);
            let mut c = Expr::<bool>::from_node(sqlkit::expr::Node::Bind(Value::Bool(true)));
            for _ in 0..100_000 {
                c = !c;
                c = c & literal::<bool>(true);
            }
            drop(c.clone());
            drop(c);
            drop(q);
        })
        .expect("thread");
    t.join().expect("no overflow");
}

/// Transactions per thread of the SQLite load test (`SQLKIT_SQLITE_LOAD` to change).
fn sqlite_load() -> usize {
    std::env::var("SQLKIT_SQLITE_LOAD")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
}

/// 8 threads, each running read-modify-write transactions on one counter through one
/// engine: no `Busy` error, and no update lost.
fn hammer(engine: &Engine) -> (usize, i64) {
    let n = sqlite_load();
    let mut conn = engine.connect().expect("connect");
    conn.execute_sql(
        "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)",
        &[],
    )
    .expect("create");
    conn.execute_sql("INSERT INTO counter VALUES (1, 0)", &[])
        .expect("row");
    drop(conn);
    let errors = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                let mut conn = engine.connect().expect("connect");
                for _ in 0..n {
                    let r: Result<()> = conn.transaction(|tx| {
                        let v: i64 =
                            tx.query_sql("SELECT n FROM counter WHERE id = 1", &[])?[0].get(0)?;
                        tx.execute_sql(
                            "UPDATE counter SET n = ? WHERE id = 1",
                            &[Value::Int(v + 1)],
                        )?;
                        Ok(())
                    });
                    if let Err(e) = r {
                        eprintln!("{e}");
                        errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let mut conn = engine.connect().expect("connect");
    let total: i64 = conn.query_sql("SELECT n FROM counter", &[]).expect("n")[0]
        .get(0)
        .expect("n");
    (errors.into_inner(), total)
}

#[test]
fn sqlite_file_engines_take_concurrent_writers_without_errors_or_lost_updates() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite:///{}", dir.path().join("load.db").display());
    let engine = Engine::builder(&url)
        .max_connections(8)
        .build()
        .expect("engine");
    let (errors, total) = hammer(&engine);
    assert_eq!(errors, 0);
    assert_eq!(total, 8 * sqlite_load() as i64);
}

#[test]
fn sqlite_memory_engines_take_concurrent_writers_without_errors_or_lost_updates() {
    let engine = Engine::builder("sqlite://")
        .max_connections(8)
        .build()
        .expect("engine");
    let (errors, total) = hammer(&engine);
    assert_eq!(errors, 0);
    assert_eq!(total, 8 * sqlite_load() as i64);
}

#[test]
fn an_insert_past_the_parameter_limit_is_split_and_stays_atomic() {
    on_each_db(|name, conn| {
        let t = Tag::table();
        // 70,000 one-value rows: past SQLite's 32,766 and PostgreSQL's and MySQL's
        // 65,535 parameters.
        let names: Vec<String> = (0..70_000).map(|i| format!("t{i:05}")).collect();
        let big = insert(t)
            .columns([t.name])
            .rows(names.iter().map(|n| [n.as_str()]));
        let r = conn.execute(&big)?;
        assert_eq!(r.rows_affected, 70_000, "{name}");
        let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(t))?;
        assert_eq!(n, 70_000, "{name}");
        // The same again with a duplicate in the last part: nothing of it stays.
        conn.execute(&delete(t))?;
        let mut dup = names.clone();
        dup[69_999] = dup[0].clone();
        let bad = insert(t)
            .columns([t.name])
            .rows(dup.iter().map(|n| [n.as_str()]));
        let e = conn.execute(&bad).expect_err("a duplicate name");
        assert_eq!(
            e.db_kind(),
            Some(DbErrorKind::UniqueViolation),
            "{name}: {e}"
        );
        let n: i64 = conn.query_scalar(&select(func::count_star()).select_from(t))?;
        assert_eq!(n, 0, "{name}: a failed split insert keeps none of its rows");
        // An IN list past the limit is refused before the server, typed, and the
        // connection goes on; PostgreSQL takes it as one array parameter.
        let ids: Vec<i64> = (0..70_000).collect();
        let q = select(t.id).where_(t.id.in_(ids));
        if name == "postgresql" {
            assert!(conn.query(&q)?.is_empty(), "{name}");
        } else {
            let e = conn.query(&q).expect_err("too many parameters");
            assert!(
                matches!(e, Error::TooManyParameters { count: 70_000, .. }),
                "{name}: {e}"
            );
        }
        add_tag(conn, "after")?;
        assert_eq!(tag_names(conn)?, ["after"], "{name}");
        Ok(())
    });
}
