//! Shared test support: the blog models, and running a test body on every configured
//! database.
#![allow(dead_code)]

pub mod models;

use sqlkit::prelude::*;

/// The databases tests run on: SQLite always (a fresh in-memory database per call);
/// PostgreSQL and MariaDB when `SQLKIT_TEST_POSTGRES_URL` / `SQLKIT_TEST_MYSQL_URL`
/// are set and the driver features are enabled.
pub fn engines() -> Vec<(&'static str, Engine)> {
    let mut out = vec![(
        "sqlite",
        Engine::from_url("sqlite://").expect("in-memory SQLite"),
    )];
    for (name, var) in [
        ("postgresql", "SQLKIT_TEST_POSTGRES_URL"),
        ("mariadb", "SQLKIT_TEST_MYSQL_URL"),
    ] {
        if let Ok(url) = std::env::var(var) {
            match Engine::from_url(&url) {
                Ok(e) => out.push((name, e)),
                Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
                    panic!("{var} is set but {name} is not usable: {e}")
                }
                Err(_) => {}
            }
        }
    }
    out
}

/// Runs `body` once per configured database, on a connection to a database that has
/// the blog schema and nothing else.
pub fn on_each_db(body: impl Fn(&str, &mut Connection) -> sqlkit::Result<()>) {
    for (name, engine) in engines() {
        let mut conn = engine.connect().expect("connect");
        let md = models::metadata();
        conn.drop_all(&md).expect("drop_all");
        conn.create_all(&md).expect("create_all");
        if let Err(e) = body(name, &mut conn) {
            panic!("on {name}: {e}");
        }
    }
}
