//! The session under a hostile user: no wait without bound, no lost update, no
//! duplicate link, no wrong identity. Every test asserts what the table and the
//! session hold afterwards, on every database where the item applies.

use super::orm::{user, Post, User};
use sqlkit::orm::Session;
use sqlkit::prelude::*;
use sqlkit::DbErrorKind;
use std::time::{Duration, Instant};

fn post(title: &str, author: Option<i64>) -> Post {
    Post {
        author_id: author,
        ..super::orm::post(title)
    }
}

fn schema(engine: &Engine) {
    let mut md = MetaData::new();
    md.add(User::table())
        .and_then(|m| m.add(Post::table()))
        .expect("md");
    let mut conn = engine.connect().expect("connect");
    conn.drop_all(&md).expect("drop");
    conn.create_all(&md).expect("create");
}

fn emails(engine: &Engine) -> Vec<String> {
    let t = User::table();
    engine
        .connect()
        .expect("connect")
        .fetch_all(&select(t.email).order_by(t.email))
        .expect("emails")
}

/// Runs `f` on another thread and fails the test if it has not finished within
/// `limit`: a wait without bound shows as a failure, never as a hung suite.
fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("{what}: still waiting after {limit:?}"))
}

/// What keeps a test's database alive: its namespace on a server, or its folder.
enum Keep {
    Db(#[allow(dead_code)] super::common::TestDb),
    Dir(#[allow(dead_code)] tempfile::TempDir),
}

/// The engines of this test, with the lock timeout `lock`: each server's, and
/// SQLite's in memory and in a file.
fn engines(lock: Duration) -> Vec<(String, Engine, Keep)> {
    let build = |url: &str| {
        Engine::builder(url)
            .lock_timeout(lock)
            .max_connections(12)
            .build()
            .expect("engine")
    };
    let mut out = Vec::new();
    for db in super::common::engines() {
        let engine = build(&db.url);
        out.push((db.label.to_string(), engine, Keep::Db(db)));
    }
    let dir = tempfile::tempdir().expect("dir");
    let engine = build(&format!("sqlite:///{}", dir.path().join("t.db").display()));
    out.push(("sqlite file".into(), engine, Keep::Dir(dir)));
    out
}

/// A session that only reads holds up no writer, and a writer blocked by another's
/// write lock gets a typed `Busy` error within the engine's lock timeout. Two sessions
/// in one thread on `sqlite://` waited for ever before; on a file the writer failed.
#[test]
fn two_sessions_in_one_thread_never_wait_without_bound() {
    let lock = Duration::from_millis(700);
    for (name, engine, _dir) in engines(lock) {
        schema(&engine);
        let label = name.clone();
        let result = within(Duration::from_secs(30), &label, move || {
            let name = name.as_str();
            let mut seed = Session::new(&engine)?;
            seed.add(user("ann@x"))?;
            seed.commit()?;
            drop(seed);
            let mut a = Session::new(&engine)?;
            let ann = a
                .query::<User>(select(User::table()))
                .first()?
                .expect("ann");
            // A has read; B writes and commits without waiting for A.
            let mut b = Session::new(&engine)?;
            b.add(user("bob@x"))?;
            b.commit()?;
            assert_eq!(a.obj(ann)?.email, "ann@x");
            a.commit()?;
            // A writes and holds its lock; B still reads, and B's write fails typed,
            // within the lock timeout, and leaves B usable.
            a.obj_mut(ann)?.email = "ann2@x".into();
            a.flush()?;
            if name == "sqlite" {
                // In memory (SQLite's memdb) a writer's lock holds up readers too:
                // B's read waits the lock timeout and fails typed.
                let started = Instant::now();
                let e = b
                    .query::<User>(select(User::table()))
                    .all()
                    .expect_err("memdb readers wait for the writer");
                assert_eq!(e.db_kind(), Some(DbErrorKind::Busy), "{name}: {e}");
                assert!(started.elapsed() < lock + Duration::from_secs(3), "{name}");
                a.commit()?;
                b.rollback()?;
                let bh = b
                    .query::<User>(select(User::table()).where_(User::table().email.eq("bob@x")))
                    .one()?;
                b.obj_mut(bh)?.email = "bob2@x".into();
                b.commit()?;
                return Ok(engine);
            }
            let seen: Vec<User> = b
                .query::<User>(select(User::table()))
                .all()?
                .into_iter()
                .map(|h| b.obj(h).cloned())
                .collect::<Result<_>>()?;
            assert_eq!(seen.len(), 2, "{name}");
            let bob = seen.iter().find(|u| u.email == "bob@x").and_then(|u| u.id);
            let bh = b.get::<User>(bob.expect("bob's id"))?.expect("bob");
            b.obj_mut(bh)?.email = "bob2@x".into();
            if name.starts_with("sqlite") {
                // SQLite locks the whole database: any write waits for A.
                b.add(user("cy@x"))?;
            } else {
                // A server locks rows: B waits for A's row.
                let ah = b
                    .get::<User>(a.obj(ann)?.id.expect("id"))?
                    .expect("ann in b");
                b.obj_mut(ah)?.is_active = false;
            }
            let started = Instant::now();
            let e = b
                .commit()
                .expect_err("B must not get the lock while A holds it");
            let waited = started.elapsed();
            assert_eq!(e.db_kind(), Some(DbErrorKind::Busy), "{name}: {e}");
            assert!(
                waited < lock + Duration::from_secs(3),
                "{name}: waited {waited:?}"
            );
            b.rollback()?;
            a.commit()?;
            // B, again, now that A is done.
            let bh = b.get::<User>(bob.expect("id"))?.expect("bob");
            b.obj_mut(bh)?.email = "bob2@x".into();
            b.commit()?;
            Ok::<_, sqlkit::Error>(engine)
        });
        let engine = result.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(emails(&engine), ["ann2@x", "bob2@x"]);
    }
}

/// Eight sessions on eight threads interleave reads and writes; a writer that meets
/// another's lock gets `Busy` within the lock timeout and tries again. Every post is
/// written once, no update is lost, and nothing waits without bound.
#[test]
fn eight_sessions_interleaving_reads_and_writes_lose_nothing() {
    let lock = Duration::from_millis(300);
    for (name, engine, _dir) in engines(lock) {
        schema(&engine);
        let mut s = Session::new(&engine).expect("session");
        s.add(user("owner@x")).expect("add");
        s.commit().expect("commit");
        drop(s);
        let rounds = 15;
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let engine = engine.clone();
                std::thread::spawn(move || -> Result<u32> {
                    let mut busy = 0;
                    let mut s = Session::new(&engine)?;
                    for i in 0..rounds {
                        loop {
                            // Read, then write what was read plus one.
                            let owner = s
                                .query::<User>(select(User::table()))
                                .first()?
                                .expect("owner");
                            let id = s.obj(owner)?.id;
                            let _seen: Vec<_> = s.query::<Post>(select(Post::table())).all()?;
                            s.add(post(&format!("t{t}-{i}"), id))?;
                            match s.commit() {
                                Ok(()) => break,
                                Err(e) if e.db_kind() == Some(DbErrorKind::Busy) => {
                                    busy += 1;
                                    s.rollback()?;
                                    if busy > 2000 {
                                        return Err(e);
                                    }
                                }
                                Err(e) => return Err(e),
                            }
                        }
                    }
                    Ok(busy)
                })
            })
            .collect();
        let started = Instant::now();
        for th in threads {
            th.join()
                .expect("thread")
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert!(started.elapsed() < Duration::from_secs(120), "{name}");
        let t = Post::table();
        let mut titles: Vec<String> = engine
            .connect()
            .expect("c")
            .fetch_all(&select(t.title))
            .expect("titles");
        titles.sort();
        let mut want: Vec<String> = (0..8)
            .flat_map(|t| (0..rounds).map(move |i| format!("t{t}-{i}")))
            .collect();
        want.sort();
        assert_eq!(titles, want, "{name}");
    }
}

#[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "orm_accounts")]
pub struct Account {
    #[sqlkit(primary_key)]
    pub id: Option<i64>,
    #[sqlkit(string = 50)]
    pub owner: String,
    pub balance: i64,
    #[sqlkit(version)]
    pub version: i64,
}

fn account(owner: &str, balance: i64) -> Account {
    Account {
        id: None,
        owner: owner.into(),
        balance,
        version: 0,
    }
}

/// `(owner, balance, version)` of every account, by owner.
fn accounts(engine: &Engine) -> Vec<(String, i64, i64)> {
    let t = Account::table();
    engine
        .connect()
        .expect("connect")
        .fetch_all(&select((t.owner, t.balance, t.version)).order_by(t.owner))
        .expect("accounts")
}

/// Session A loads a row, B changes and commits it, A changes it too: A's commit is
/// `StaleData` naming the table and key, B's change stays, and A's flush is undone
/// (its counter back at what it loaded). DELETEs, one by one and batched, are
/// checked the same way.
#[test]
fn a_version_counter_stops_lost_updates() {
    for (name, engine, _keep) in engines(Duration::from_secs(5)) {
        {
            let mut conn = engine.connect().expect("connect");
            let md = MetaData::from_tables([Account::table()]).expect("md");
            conn.drop_all(&md).expect("drop");
            conn.create_all(&md).expect("create");
        }
        let run = || -> Result<()> {
            let mut s = Session::new(&engine)?;
            s.add_all((0..5).map(|i| account(&format!("o{i}"), 100)))?;
            s.commit()?;
            drop(s);
            let by_owner = |s: &mut Session, o: &str| {
                s.query::<Account>(select(Account::table()).where_(Account::table().owner.eq(o)))
                    .one()
            };
            // Updates bump the counter.
            let mut a = Session::new(&engine)?;
            let h = by_owner(&mut a, "o0")?;
            a.obj_mut(h)?.balance = 110;
            a.commit()?;
            assert_eq!(a.obj(h)?.version, 1, "{name}");
            a.obj_mut(h)?.balance = 120;
            a.obj_mut(h)?.version = 77; // not the user's to set
            a.commit()?;
            assert_eq!(a.obj(h)?.version, 2, "{name}");
            drop(a);

            // The lost update, caught.
            let mut a = Session::new(&engine)?;
            let ha = by_owner(&mut a, "o1")?;
            let mut b = Session::new(&engine)?;
            let hb = by_owner(&mut b, "o1")?;
            b.obj_mut(hb)?.balance = 150;
            b.commit()?;
            a.obj_mut(ha)?.balance = 90;
            let e = a.commit().expect_err("A's update would overwrite B's");
            let msg = e.to_string();
            assert!(matches!(e, sqlkit::Error::StaleData(_)), "{name}: {e}");
            assert!(
                msg.contains("orm_accounts") && msg.contains("id=2"),
                "{name}: {msg}"
            );
            assert_eq!(a.obj(ha)?.version, 0, "{name}: the flush's bump undone");
            assert_eq!(a.obj(ha)?.balance, 90, "{name}: A's own change kept");
            a.rollback()?;
            drop(a);
            drop(b);

            // A DELETE of a row another changed, alone and in a batch.
            let mut a = Session::new(&engine)?;
            let gone: Vec<_> = ["o2", "o3", "o4"]
                .iter()
                .map(|o| by_owner(&mut a, o))
                .collect::<Result<_>>()?;
            let mut b = Session::new(&engine)?;
            let h3 = by_owner(&mut b, "o3")?;
            b.obj_mut(h3)?.balance = 300;
            b.commit()?;
            for h in &gone {
                a.delete(*h)?;
            }
            let e = a.commit().expect_err("A would delete B's change");
            assert!(matches!(e, sqlkit::Error::StaleData(_)), "{name}: {e}");
            assert!(e.to_string().contains("orm_accounts"), "{name}: {e}");
            a.rollback()?;
            let mut a = Session::new(&engine)?;
            let h = by_owner(&mut a, "o3")?;
            a.delete(h)?;
            a.commit()?;
            Ok(())
        };
        run().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            accounts(&engine),
            [
                ("o0".to_string(), 120, 2),
                ("o1".into(), 150, 1),
                ("o2".into(), 100, 0),
                ("o4".into(), 100, 0),
            ],
            "{name}"
        );
    }
}

#[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "orm_tickets")]
pub struct Ticket {
    #[sqlkit(primary_key)]
    pub id: Option<i64>,
    #[sqlkit(string = 40)]
    pub name: String,
    #[sqlkit(server_default = 7)]
    pub n: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "orm_codes")]
pub struct Code {
    #[sqlkit(primary_key, autoincrement = false, string = 20)]
    pub code: String,
    #[sqlkit(server_default = sqlkit::expr::raw("0"))]
    pub seq: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "orm_docs")]
pub struct Doc {
    #[sqlkit(primary_key, autoincrement = false, server_default = sqlkit::expr::raw("0"))]
    pub id: Option<uuid::Uuid>,
    #[sqlkit(string = 40)]
    pub name: String,
}

/// Tables whose server fills values the ORM must match to the right object: a key
/// from a sequence that counts down (SQLite: its rowid), a per-row random value
/// beside a key the client sets, a random UUID key.
fn server_filled_tables(name: &str, engine: &Engine) {
    let mut conn = engine.connect().expect("connect");
    for t in ["orm_tickets", "orm_codes", "orm_docs"] {
        conn.execute_sql(&format!("DROP TABLE IF EXISTS {t}"), &[])
            .expect("drop");
    }
    let ddl: &[&str] = match name {
        n if n.starts_with("postgresql") => &[
            "DROP SEQUENCE IF EXISTS orm_down",
            "CREATE SEQUENCE orm_down INCREMENT BY -1 START WITH 100000 MINVALUE 1 MAXVALUE 100000",
            "CREATE TABLE orm_tickets (id BIGINT PRIMARY KEY DEFAULT nextval('orm_down'), name VARCHAR(40) NOT NULL, n BIGINT DEFAULT 7)",
            "CREATE TABLE orm_codes (code VARCHAR(20) PRIMARY KEY, seq BIGINT DEFAULT (floor(random() * 1000000000))::bigint)",
            "CREATE TABLE orm_docs (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), name VARCHAR(40) NOT NULL)",
        ],
        "mariadb" => &[
            "DROP SEQUENCE IF EXISTS orm_down",
            "CREATE SEQUENCE orm_down INCREMENT BY -1 START WITH 100000 MINVALUE 1 MAXVALUE 100000",
            "CREATE TABLE orm_tickets (id BIGINT PRIMARY KEY DEFAULT NEXTVAL(orm_down), name VARCHAR(40) NOT NULL, n BIGINT DEFAULT 7)",
            "CREATE TABLE orm_codes (code VARCHAR(20) PRIMARY KEY, seq BIGINT DEFAULT (FLOOR(RAND() * 1000000000)))",
            "CREATE TABLE orm_docs (id CHAR(36) PRIMARY KEY DEFAULT (UUID()), name VARCHAR(40) NOT NULL)",
        ],
        _ => &[
            "CREATE TABLE orm_tickets (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, n BIGINT DEFAULT 7)",
            "CREATE TABLE orm_codes (code VARCHAR(20) PRIMARY KEY, seq BIGINT DEFAULT (abs(random()) % 1000000000))",
            "CREATE TABLE orm_docs (id UUID PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-a' || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))), name VARCHAR(40) NOT NULL)",
        ],
    };
    for sql in ddl {
        conn.execute_sql(sql, &[]).expect(sql);
    }
}

/// RETURNING's rows are matched to objects by what the server must preserve, not by
/// their order: with a sequence counting down, 20 of 20 objects got another row's key
/// on PostgreSQL before, and their later updates hit the wrong rows.
#[test]
fn returned_rows_go_to_the_objects_they_belong_to() {
    for (name, engine, _keep) in engines(Duration::from_secs(5)) {
        server_filled_tables(&name, &engine);
        let run = || -> Result<()> {
            let mut s = Session::new(&engine)?;
            let tickets = s.add_all((0..20).map(|i| Ticket {
                id: None,
                name: format!("t{i}"),
                n: None,
            }))?;
            // Alike in every value sent: any of them may take any of their rows.
            let alike = s.add_all((0..5).map(|_| Ticket {
                id: None,
                name: "same".into(),
                n: Some(1),
            }))?;
            let codes = s.add_all((0..20).map(|i| Code {
                code: format!("c{i}"),
                seq: None,
            }))?;
            let docs = s.add_all((0..20).map(|i| Doc {
                id: None,
                name: format!("d{i}"),
            }))?;
            s.commit()?;
            let mut c = engine.connect()?;
            for (i, h) in tickets.iter().enumerate() {
                let t = s.obj(*h)?;
                assert_eq!(t.n, Some(7), "{name}");
                let id = t.id.expect("id");
                let row: String = c.query_sql(
                    "SELECT name FROM orm_tickets WHERE id = ?"
                        .replace('?', &id.to_string())
                        .as_str(),
                    &[],
                )?[0]
                    .get(0)?;
                assert_eq!(
                    row,
                    format!("t{i}"),
                    "{name}: ticket {i} got the key of {row}"
                );
            }
            let mut alike_ids: Vec<i64> = alike
                .iter()
                .map(|h| s.obj(*h).map(|t| t.id.expect("id")))
                .collect::<Result<_>>()?;
            alike_ids.sort_unstable();
            alike_ids.dedup();
            assert_eq!(alike_ids.len(), 5, "{name}");
            for h in &codes {
                let code = s.obj(*h)?.clone();
                let row: i64 = c.query_sql(
                    &format!("SELECT seq FROM orm_codes WHERE code = '{}'", code.code),
                    &[],
                )?[0]
                    .get(0)?;
                assert_eq!(code.seq, Some(row), "{name}: {}", code.code);
            }
            for (i, h) in docs.iter().enumerate() {
                let d = s.obj(*h)?.clone();
                let id = d.id.expect("uuid");
                let rows =
                    c.query_sql(&format!("SELECT name FROM orm_docs WHERE id = '{id}'"), &[])?;
                let row: String = rows.first().expect("the doc's row").get(0)?;
                assert_eq!(row, format!("d{i}"), "{name}");
            }
            // Later updates hit each object's own row.
            for h in &tickets {
                let t = s.obj_mut(*h)?;
                t.name = format!("{}!", t.name);
            }
            for h in &docs {
                let d = s.obj_mut(*h)?;
                d.name = format!("{}!", d.name);
            }
            s.commit()?;
            let names: Vec<(i64, String)> = c
                .query_sql("SELECT id, name FROM orm_tickets WHERE name <> 'same'", &[])?
                .iter()
                .map(|r| Ok((r.get(0)?, r.get(1)?)))
                .collect::<Result<_>>()?;
            for (id, n) in names {
                let h = tickets
                    .iter()
                    .find(|h| s.obj(**h).is_ok_and(|t| t.id == Some(id)))
                    .expect("an object for every row");
                assert_eq!(s.obj(*h)?.name, n, "{name}");
                assert!(n.ends_with('!'), "{name}");
            }
            let docs_done: i64 = c
                .query_sql("SELECT COUNT(*) FROM orm_docs WHERE name LIKE '%!'", &[])?[0]
                .get(0)?;
            assert_eq!(docs_done, 20, "{name}");
            Ok(())
        };
        run().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// Without RETURNING (MySQL, SQLite before 3.35; here the session told not to use
/// it), what the server filled is read back: the object and the session's copy hold
/// the row's values, never a false NULL, and no later flush "corrects" them.
#[test]
fn without_returning_server_filled_values_are_read_back() {
    for (name, engine, _keep) in engines(Duration::from_secs(5)) {
        server_filled_tables(&name, &engine);
        if name == "mariadb" {
            // A key from LAST_INSERT_ID: MariaDB's sequence default sets none, so
            // this test's tickets get AUTO_INCREMENT there.
            let mut c = engine.connect().expect("c");
            c.execute_sql("DROP TABLE orm_tickets", &[]).expect("drop");
            c.execute_sql("CREATE TABLE orm_tickets (id BIGINT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(40) NOT NULL, n BIGINT DEFAULT 7)", &[]).expect("create");
        }
        let run = || -> Result<()> {
            let mut s = Session::with_options(
                &engine,
                sqlkit::orm::SessionOptions {
                    insert_returning: false,
                    record: true,
                    ..Default::default()
                },
            )?;
            let hs = s.add_all((0..3).map(|i| Ticket {
                id: None,
                name: format!("t{i}"),
                n: None,
            }))?;
            let code = s.add(Code {
                code: "k".into(),
                seq: None,
            })?;
            s.commit()?;
            // The key comes back alone (as the last insert id, or the compiler's
            // RETURNING of it); the rest is read back.
            assert!(
                s.statements()
                    .iter()
                    .any(|q| q.starts_with("SELECT orm_tickets.n FROM orm_tickets WHERE")),
                "{name}: {:?}",
                s.statements()
            );
            for h in &hs {
                assert_eq!(s.obj(*h)?.n, Some(7), "{name}");
                assert!(s.obj(*h)?.id.is_some(), "{name}");
            }
            let seq: i64 = engine
                .connect()?
                .query_sql("SELECT seq FROM orm_codes WHERE code = 'k'", &[])?[0]
                .get(0)?;
            assert_eq!(s.obj(code)?.seq, Some(seq), "{name}");
            // The session's copy agrees with the row: nothing left to write.
            s.clear_statements();
            s.commit()?;
            assert!(
                s.statements().iter().all(|q| !q.starts_with("UPDATE")),
                "{name}: {:?}",
                s.statements()
            );
            // A UUID key the server makes cannot be learnt without RETURNING.
            s.add(Doc {
                id: None,
                name: "d".into(),
            })?;
            let e = s.commit().expect_err("no RETURNING, no key");
            assert!(e.to_string().contains("cannot learn"), "{name}: {e}");
            s.rollback()?;
            Ok(())
        };
        run().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "orm_articles", relationships(labels))]
pub struct Article {
    #[sqlkit(primary_key)]
    pub id: Option<i64>,
    #[sqlkit(string = 40)]
    pub title: String,
}
impl Article {
    pub fn labels() -> sqlkit::orm::ManyToMany<Article, Label> {
        sqlkit::orm::ManyToMany::new(
            "labels",
            ArticleLabel::table().article_id,
            ArticleLabel::table().label_id,
        )
    }
}

/// No reverse relationship declared: deleting a label must still remove its rows.
#[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "orm_labels")]
pub struct Label {
    #[sqlkit(primary_key)]
    pub id: Option<i64>,
    #[sqlkit(string = 40)]
    pub name: String,
}

/// The association table: plain foreign keys (no ON DELETE), a key on the pair.
#[derive(Debug, Clone, PartialEq, sqlkit::Table)]
#[sqlkit(table = "orm_article_labels", primary_key(article_id, label_id))]
pub struct ArticleLabel {
    #[sqlkit(foreign_key = "orm_articles.id")]
    pub article_id: i64,
    #[sqlkit(foreign_key = "orm_labels.id")]
    pub label_id: i64,
}

fn pairs(engine: &Engine) -> Vec<(String, String)> {
    engine
        .connect()
        .expect("c")
        .query_sql(
            "SELECT a.title, l.name FROM orm_article_labels x JOIN orm_articles a ON a.id = x.article_id JOIN orm_labels l ON l.id = x.label_id ORDER BY a.title, l.name",
            &[],
        )
        .expect("pairs")
        .iter()
        .map(|r| (r.get(0).expect("t"), r.get(1).expect("n")))
        .collect()
}

/// Links are netted per pair: linking twice writes one row, linking what is already
/// there writes nothing, unlink-then-link keeps the row, link-then-unlink writes
/// none; deleting an object removes its association rows from either side.
#[test]
fn many_to_many_links_are_netted_per_pair() {
    for (name, engine, _keep) in engines(Duration::from_secs(5)) {
        {
            let mut md = MetaData::new();
            md.add(Article::table())
                .and_then(|m| m.add(Label::table()))
                .and_then(|m| m.add(ArticleLabel::table()))
                .expect("md");
            let mut conn = engine.connect().expect("connect");
            conn.drop_all(&md).expect("drop");
            conn.create_all(&md).expect("create");
        }
        let run = || -> Result<()> {
            let mut s = Session::new(&engine)?;
            let a = s.add(Article {
                id: None,
                title: "a".into(),
            })?;
            let x = s.add(Label {
                id: None,
                name: "x".into(),
            })?;
            let y = s.add(Label {
                id: None,
                name: "y".into(),
            })?;
            // Twice in one flush: one row.
            s.link(a, Article::labels(), x)?;
            s.link(a, Article::labels(), x)?;
            s.commit()?;
            assert_eq!(pairs(&engine), [("a".into(), "x".into())], "{name}");
            // Again, in a later flush, the collection loaded: nothing to write.
            s.load(&[a], Article::labels())?;
            s.link(a, Article::labels(), x)?;
            s.commit()?;
            // Unlink then link in one flush: the row stays.
            s.unlink(a, Article::labels(), x)?;
            s.link(a, Article::labels(), x)?;
            s.commit()?;
            assert_eq!(pairs(&engine), [("a".into(), "x".into())], "{name}");
            // Link then unlink of a new pair: nothing written.
            s.link(a, Article::labels(), y)?;
            s.unlink(a, Article::labels(), y)?;
            s.commit()?;
            assert_eq!(pairs(&engine), [("a".into(), "x".into())], "{name}");
            drop(s);
            // A new session links a pair the table has, its collection not loaded:
            // the commit succeeds, and so does the next one.
            let mut s = Session::new(&engine)?;
            let a = s.get::<Article>(1)?.expect("a");
            let x = s
                .query::<Label>(select(Label::table()).where_(Label::table().name.eq("x")))
                .one()?;
            let y = s
                .query::<Label>(select(Label::table()).where_(Label::table().name.eq("y")))
                .one()?;
            s.link(a, Article::labels(), x)?;
            s.link(a, Article::labels(), y)?;
            s.commit()?;
            assert_eq!(
                pairs(&engine),
                [("a".into(), "x".into()), ("a".into(), "y".into())],
                "{name}"
            );
            s.commit()?;
            // Deleting a label (Label declares no relationship) removes its rows.
            s.delete(x)?;
            s.commit()?;
            assert_eq!(pairs(&engine), [("a".into(), "y".into())], "{name}");
            let labels: Vec<String> = engine
                .connect()?
                .fetch_all(&select(Label::table().name).order_by(Label::table().name))?;
            assert_eq!(labels, ["y"], "{name}");
            Ok(())
        };
        run().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "orm_dec_keys")]
pub struct DecKey {
    #[sqlkit(primary_key, autoincrement = false, sql_type = sqlkit::schema::SqlType::Numeric { precision: 6, scale: 2 })]
    pub k: rust_decimal::Decimal,
    #[sqlkit(string = 20)]
    pub name: String,
}

/// One row is one object: a decimal key read back with another scale (SQLite hands
/// 1.5 back for 1.50) is the same identity.
#[test]
fn decimal_keys_are_one_identity() {
    let d = |s: &str| s.parse::<rust_decimal::Decimal>().expect("decimal");
    for (name, engine, _keep) in engines(Duration::from_secs(5)) {
        {
            let md = MetaData::from_tables([DecKey::table()]).expect("md");
            let mut conn = engine.connect().expect("connect");
            conn.drop_all(&md).expect("drop");
            conn.create_all(&md).expect("create");
        }
        let run = || -> Result<()> {
            let mut s = Session::new(&engine)?;
            let h = s.add(DecKey {
                k: d("1.5"),
                name: "one and a half".into(),
            })?;
            s.commit()?;
            assert_eq!(s.get::<DecKey>(d("1.50"))?, Some(h), "{name}");
            assert_eq!(s.get::<DecKey>(d("1.5"))?, Some(h), "{name}");
            let all = s.query::<DecKey>(select(DecKey::table())).all()?;
            assert_eq!(all, [h], "{name}: a second handle for the same row");
            s.obj_mut(h)?.name = "changed".into();
            s.commit()?;
            let mut fresh = Session::new(&engine)?;
            let a = fresh.query::<DecKey>(select(DecKey::table())).one()?;
            let b = fresh.get::<DecKey>(d("1.500"))?.expect("found");
            assert_eq!(a, b, "{name}");
            assert_eq!(fresh.obj(a)?.name, "changed", "{name}");
            Ok(())
        };
        run().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// `first()` reads one row (`LIMIT 1`), not the table; a joined collection still
/// comes whole with its root.
#[test]
fn first_reads_one_row_and_keeps_joined_collections_whole() {
    use sqlkit::orm::joinedload;
    for (name, engine, _keep) in engines(Duration::from_secs(5)) {
        schema(&engine);
        let run = || -> Result<()> {
            let mut s = Session::new(&engine)?;
            let ann = s.add(user("ann@x"))?;
            let bob = s.add(user("bob@x"))?;
            s.commit()?;
            let (a, b) = (s.obj(ann)?.id, s.obj(bob)?.id);
            s.add_all((0..30).map(|i| post(&format!("p{i:02}"), if i < 3 { a } else { b })))?;
            s.commit()?;
            drop(s);
            let mut s = Session::with_options(
                &engine,
                sqlkit::orm::SessionOptions {
                    record: true,
                    ..Default::default()
                },
            )?;
            let p = Post::table();
            let h = s
                .query::<Post>(select(Post::table()).order_by(p.title.desc()))
                .first()?
                .expect("a post");
            assert_eq!(s.obj(h)?.title, "p29", "{name}");
            let sql = s.statements().last().cloned().unwrap_or_default();
            assert!(sql.contains("LIMIT"), "{name}: {sql}");
            // Only that one post is in the session: the next lookup of another runs SQL.
            s.clear_statements();
            let other = s
                .query::<Post>(select(Post::table()).where_(p.title.eq("p00")))
                .one()?;
            assert_ne!(other, h, "{name}");
            // A joined collection comes whole (3 posts), the root limited to one.
            let mut s = Session::new(&engine)?;
            let u = User::table();
            let first = s
                .query::<User>(select(User::table()).order_by(u.email))
                .options(joinedload(User::posts()))
                .first()?
                .expect("ann");
            assert_eq!(s.obj(first)?.email, "ann@x", "{name}");
            let posts = s.children(first, User::posts())?;
            assert_eq!(posts.len(), 3, "{name}");
            Ok(())
        };
        run().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[derive(Debug, Clone, PartialEq, sqlkit::Table, sqlkit::Model)]
#[sqlkit(table = "orm_nodes", relationships(partners))]
pub struct Node {
    #[sqlkit(primary_key)]
    pub id: Option<i64>,
    #[sqlkit(string = 20)]
    pub name: String,
    #[sqlkit(foreign_key = "orm_nodes.id")]
    pub partner_id: Option<i64>,
}
impl Node {
    pub fn partners() -> sqlkit::orm::OneToMany<Node, Node> {
        sqlkit::orm::OneToMany::new("partners", Node::table().partner_id)
            .cascade(sqlkit::orm::Cascade::ALL_DELETE_ORPHAN)
    }
}

/// Two rows that refer to each other, deleted by a cascade: InnoDB checks a
/// multi-row DELETE row by row (error 1451 before); the flush breaks the cycle first.
#[test]
fn a_cascade_through_a_cycle_deletes_on_every_database() {
    for (name, engine, _keep) in engines(Duration::from_secs(5)) {
        {
            let md = MetaData::from_tables([Node::table()]).expect("md");
            let mut conn = engine.connect().expect("connect");
            conn.drop_all(&md).expect("drop");
            conn.create_all(&md).expect("create");
        }
        let run = || -> Result<()> {
            let mut s = Session::new(&engine)?;
            let nodes = s.add_all(["a", "b", "c"].map(|n| Node {
                id: None,
                name: n.into(),
                partner_id: None,
            }))?;
            s.commit()?;
            let ids: Vec<Option<i64>> = nodes
                .iter()
                .map(|h| s.obj(*h).map(|n| n.id))
                .collect::<Result<_>>()?;
            // a <-> b, c alone.
            s.obj_mut(nodes[0])?.partner_id = ids[1];
            s.obj_mut(nodes[1])?.partner_id = ids[0];
            s.commit()?;
            drop(s);
            let mut s = Session::new(&engine)?;
            let all = s.query::<Node>(select(Node::table())).all()?;
            s.load(&all, Node::partners())?;
            let a = s
                .query::<Node>(select(Node::table()).where_(Node::table().name.eq("a")))
                .one()?;
            s.delete(a)?;
            s.commit()?;
            Ok(())
        };
        run().unwrap_or_else(|e| panic!("{name}: {e}"));
        let left: Vec<String> = engine
            .connect()
            .expect("c")
            .fetch_all(&select(Node::table().name))
            .expect("names");
        assert_eq!(left, ["c"], "{name}");
    }
}

/// `refresh` drops every unflushed change of the object, its links included (a
/// `set_related` was committed after a refresh before); refreshing an object whose
/// delete is not flushed is a typed error that leaves the delete in place.
#[test]
fn refresh_drops_pending_links_and_refuses_a_pending_delete() {
    for (name, engine, _keep) in engines(Duration::from_secs(5)) {
        schema(&engine);
        let run = || -> Result<()> {
            let mut s = Session::new(&engine)?;
            let ann = s.add(user("ann@x"))?;
            let bob = s.add(user("bob@x"))?;
            let p = s.add(post("hello", None))?;
            s.set_related(p, Post::author(), Some(ann))?;
            s.commit()?;
            let ann_id = s.obj(ann)?.id;
            // A pending re-link and a column change, dropped by refresh.
            s.set_related(p, Post::author(), Some(bob))?;
            s.obj_mut(p)?.title = "changed".into();
            s.refresh(p)?;
            assert_eq!(s.obj(p)?.title, "hello", "{name}");
            assert_eq!(s.obj(p)?.author_id, ann_id, "{name}");
            s.commit()?;
            // A pending delete: refresh refuses, the delete stays and runs.
            s.delete(bob)?;
            let e = s.refresh(bob).expect_err("refresh of a deleted object");
            assert!(e.to_string().contains("marked for deletion"), "{name}: {e}");
            s.commit()?;
            Ok(())
        };
        run().unwrap_or_else(|e| panic!("{name}: {e}"));
        let t = Post::table();
        let rows: Vec<(String, Option<i64>)> = engine
            .connect()
            .expect("c")
            .fetch_all(&select((t.title, t.author_id)))
            .expect("posts");
        assert_eq!(rows.len(), 1, "{name}");
        assert_eq!(rows[0].0, "hello", "{name}");
        assert_eq!(emails(&engine), ["ann@x"], "{name}");
        let ann_id: Vec<i64> = engine
            .connect()
            .expect("c")
            .fetch_all(&select(User::table().id))
            .expect("ids");
        assert_eq!(rows[0].1, ann_id.first().copied(), "{name}");
    }
}
