//! Shared test support: the blog models, and running a test body on every configured
//! database.
#![allow(dead_code)]

pub mod models;

use sqlkit::prelude::*;

/// A database a test runs on: a fresh, empty namespace of its own (an in-memory
/// SQLite database, a PostgreSQL schema, a MariaDB database), dropped when this is.
pub struct TestDb {
    /// The database: `sqlite`, `postgresql` or `mariadb` (what SQL it speaks).
    pub name: &'static str,
    /// How it is reached, for messages: the name, or `postgresql via pgbouncer`.
    pub label: &'static str,
    pub engine: Engine,
    /// The URL of the test's namespace, to build engines with other options.
    pub url: String,
    cleanup: Option<(Engine, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, sql)) = self.cleanup.take() {
            if let Ok(mut c) = admin.connect() {
                let _ = c.execute_sql(&sql, &[]);
            }
        }
    }
}

/// The servers configured by environment: (name, variable, URL).
pub fn servers() -> Vec<(&'static str, &'static str, Option<String>)> {
    [
        ("postgresql", "SQLKIT_TEST_POSTGRES_URL"),
        ("mariadb", "SQLKIT_TEST_MYSQL_URL"),
    ]
    .into_iter()
    .map(|(name, var)| (name, var, std::env::var(var).ok().filter(|u| !u.is_empty())))
    .collect()
}

fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// An engine on the server's base database, shared by a test binary, used to create
/// and drop the namespaces of tests.
fn admin(name: &'static str, url: &str) -> Option<Engine> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static ADMINS: OnceLock<Mutex<HashMap<&'static str, Option<Engine>>>> = OnceLock::new();
    let mut map = ADMINS.get_or_init(Default::default).lock().unwrap();
    map.entry(name)
        .or_insert_with(|| match Engine::from_url(url) {
            Ok(e) => Some(e),
            Err(e) if in_ci() => panic!("{name} at {} is not usable: {e}", redact(url)),
            Err(_) => None,
        })
        .clone()
}

fn redact(url: &str) -> String {
    sqlkit::url::redact(url)
}

/// A fresh namespace name, unique across test binaries and threads.
pub fn unique_name() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "sqlkit_t{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Says once per test binary, on the terminal (past the test harness's capture),
/// which databases were left out, so a run on SQLite alone does not pass in silence.
fn skipped(name: &str, var: &str) {
    use std::io::Write;
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if said.iter().any(|n| n == name) {
        return;
    }
    said.push(name.to_string());
    let _ = writeln!(
        std::io::stderr(),
        "note: {name} skipped: {var} is unset (scripts/test.sh starts a private server)"
    );
}

/// The databases tests run on: SQLite always (a fresh in-memory database per call);
/// PostgreSQL and MariaDB when `SQLKIT_TEST_POSTGRES_URL` / `SQLKIT_TEST_MYSQL_URL`
/// are set, each in a fresh schema / database of its own, so tests run in parallel
/// without meeting. With `CI=true`, an unset variable or an unusable server fails.
pub fn engines() -> Vec<TestDb> {
    let mut out = vec![TestDb {
        name: "sqlite",
        label: "sqlite",
        engine: Engine::from_url("sqlite://").expect("in-memory SQLite"),
        url: "sqlite://".into(),
        cleanup: None,
    }];
    for (name, var, url) in servers() {
        let Some(url) = url else {
            if in_ci() {
                panic!("{var} is unset, but CI=true requires every database");
            }
            skipped(name, var);
            continue;
        };
        let Some(admin) = admin(name, &url) else {
            continue;
        };
        let ns = unique_name();
        let mut c = admin.connect().expect("admin connection");
        let (engine_url, drop_sql) = if name == "postgresql" {
            c.execute_sql(&format!("CREATE SCHEMA {ns}"), &[])
                .expect("create schema");
            let sep = if url.contains('?') { '&' } else { '?' };
            (
                format!("{url}{sep}options=-c%20search_path%3D{ns}"),
                format!("DROP SCHEMA IF EXISTS {ns} CASCADE"),
            )
        } else {
            c.execute_sql(
                &format!("CREATE DATABASE {ns} CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"),
                &[],
            )
            .expect("create database");
            let mut u = url::Url::parse(&url).expect("URL");
            u.set_path(&ns);
            (u.to_string(), format!("DROP DATABASE IF EXISTS {ns}"))
        };
        let engine = Engine::from_url(&engine_url)
            .unwrap_or_else(|e| panic!("{name} at {}: {e}", redact(&engine_url)));
        out.push(TestDb {
            name,
            label: name,
            engine,
            url: engine_url,
            cleanup: Some((admin, drop_sql)),
        });
    }
    out
}

/// [`engines`], and PostgreSQL once more through pgbouncer in transaction mode
/// (`SQLKIT_TEST_PGBOUNCER_URL`, a URL with `prepared_statements=false`), in a fresh
/// database of its own (pgbouncer carries no `search_path` between transactions).
pub fn engines_and_pooler() -> Vec<TestDb> {
    let mut out = engines();
    out.extend(pooler());
    out
}

/// PostgreSQL through pgbouncer (see [`engines_and_pooler`]).
pub fn pooler() -> Option<TestDb> {
    let var = "SQLKIT_TEST_PGBOUNCER_URL";
    let Some(url) = std::env::var(var).ok().filter(|u| !u.is_empty()) else {
        if in_ci() {
            panic!("{var} is unset, but CI=true requires every database");
        }
        skipped("postgresql via pgbouncer", var);
        return None;
    };
    let direct = std::env::var("SQLKIT_TEST_POSTGRES_URL").ok()?;
    let admin = admin("postgresql", &direct)?;
    let ns = unique_name();
    admin
        .connect()
        .and_then(|mut c| {
            c.execute_sql(
                &format!("CREATE DATABASE {ns} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'"),
                &[],
            )
        })
        .expect("create database");
    let mut u = url::Url::parse(&url).expect("URL");
    u.set_path(&ns);
    let engine = Engine::from_url(u.as_str())
        .unwrap_or_else(|e| panic!("pgbouncer at {}: {e}", redact(u.as_str())));
    Some(TestDb {
        name: "postgresql",
        label: "postgresql via pgbouncer",
        engine,
        url: u.to_string(),
        cleanup: Some((admin, format!("DROP DATABASE IF EXISTS {ns} WITH (FORCE)"))),
    })
}

/// Runs `body` once per configured database, on a connection to a database that has
/// the blog schema and nothing else.
pub fn on_each_db(body: impl Fn(&str, &mut Connection) -> sqlkit::Result<()>) {
    for db in engines() {
        let mut conn = db.engine.connect().expect("connect");
        let md = models::metadata();
        conn.create_all(&md)
            .unwrap_or_else(|e| panic!("create_all on {}: {e}", db.name));
        if let Err(e) = body(db.name, &mut conn) {
            panic!("on {}: {e}", db.name);
        }
    }
}
