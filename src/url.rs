//! Database URLs as SQLAlchemy writes them: which backend, and (for SQLite) which file.

use crate::error::{Error, Result};

/// The backend a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// `sqlite://`, `sqlite::memory:`, `sqlite:///relative.db`, `sqlite:////abs/path.db`.
    Sqlite(SqliteTarget),
    /// `postgresql://..` / `postgres://..`
    Postgres,
    /// `mysql://..`
    Mysql,
    /// `mariadb://..`
    Mariadb,
}

/// Where a SQLite URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteTarget {
    /// One in-memory database shared by all of an engine's connections.
    Memory,
    /// A database file (relative to the working directory, or absolute).
    File(String),
}

/// Replaces the password of a URL (`scheme://user:password@host`) with `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Parses a database URL's backend (and SQLite target).
pub fn parse(url: &str) -> Result<Backend> {
    let bad = |reason: &str| Error::Url {
        url: redact(url).into(),
        reason: reason.into(),
    };
    let (scheme, rest) = url.split_once(':').ok_or_else(|| {
        bad("no scheme: expected e.g. `sqlite:///app.db` or `postgresql://host/db`")
    })?;
    let base = scheme
        .split('+')
        .next()
        .unwrap_or(scheme)
        .to_ascii_lowercase();
    match base.as_str() {
        "sqlite" => {
            if rest == ":memory:" || rest == "//" || rest == "///:memory:" || rest == "//:memory:" {
                return Ok(Backend::Sqlite(SqliteTarget::Memory));
            }
            let path = rest
                .strip_prefix("///")
                .ok_or_else(|| bad("a SQLite URL is `sqlite://` (memory), `sqlite:///relative.db` or `sqlite:////absolute.db`"))?;
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() {
                return Err(bad("the SQLite file path is empty"));
            }
            Ok(Backend::Sqlite(SqliteTarget::File(path.to_string())))
        }
        "postgresql" | "postgres" | "mysql" | "mariadb" => {
            if !rest.starts_with("//") {
                return Err(bad("expected `scheme://user:password@host:port/database`"));
            }
            Ok(match base.as_str() {
                "mysql" => Backend::Mysql,
                "mariadb" => Backend::Mariadb,
                _ => Backend::Postgres,
            })
        }
        other => Err(bad(&format!(
            "unknown database `{other}` (expected sqlite, postgresql, mysql or mariadb)"
        ))),
    }
}
