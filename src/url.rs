//! Database URLs as SQLAlchemy writes them: which backend, where it is, and how to
//! connect.
//!
//! ```
//! use sqlkit::url::{parse, Backend, TlsMode};
//! let Backend::Postgres(s) = parse("postgresql://app:p%40ss@db.local:5433/blog?sslmode=disable&application_name=web")? else {
//!     unreachable!()
//! };
//! assert_eq!((s.host.as_str(), s.port, s.user.as_str(), s.database.as_str()), ("db.local", Some(5433), "app", "blog"));
//! assert_eq!(s.password.as_ref().map(|p| p.expose()), Some("p@ss"));
//! assert_eq!(s.tls, TlsMode::Disable);
//! assert!(!format!("{s:?}").contains("p@ss"));
//! # Ok::<(), sqlkit::Error>(())
//! ```

use crate::error::{Error, Result};
use std::fmt;
use std::time::Duration;

/// The backend a URL names, with where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// `sqlite://`, `sqlite::memory:`, `sqlite://?cache=private`, `sqlite:///relative.db`,
    /// `sqlite:////abs/path.db`.
    Sqlite(SqliteTarget),
    /// `postgresql://..` / `postgres://..`
    Postgres(ServerUrl),
    /// `mysql://..`
    Mysql(ServerUrl),
    /// `mariadb://..`
    Mariadb(ServerUrl),
}

/// Where a SQLite URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteTarget {
    /// One in-memory database shared by all of an engine's connections.
    Memory,
    /// `sqlite://?cache=private`: one in-memory database with one connection, without
    /// the shared database's locking (faster; the engine's checkouts take turns).
    PrivateMemory,
    /// A database file (relative to the working directory, or absolute).
    File(String),
}

/// A password from a URL: percent-decoded, and shown as `***` by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The password itself, for handing to a driver.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Whether a connection uses TLS (`sslmode=` on PostgreSQL, `ssl-mode=` on MySQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Never (`disable`, `DISABLED`).
    Disable,
    /// TLS when the driver was built with it and the server offers it, plain
    /// otherwise (`prefer`, `PREFERRED`, `allow`): the default.
    #[default]
    Prefer,
    /// TLS or no connection; the server's certificate is not checked (`require`,
    /// `REQUIRED`).
    Require,
    /// TLS with the server's certificate verified against the system's roots
    /// (`verify-ca`, `verify-full`, `VERIFY_CA`, `VERIFY_IDENTITY`).
    Verify,
}

/// A PostgreSQL or MySQL/MariaDB server URL:
/// `scheme://user:password@host:port/database?option=value&..`.
///
/// Options: `connect_timeout` (seconds), `sslmode` / `ssl-mode` / `ssl_mode` (see
/// [`TlsMode`]), `sslrootcert` / `ssl-ca` (a PEM file of CAs to verify the server
/// with), `application_name` (PostgreSQL; sent as the program name on MySQL).
/// PostgreSQL also takes `options` (server settings, e.g. `-c search_path=app`).
/// Unknown options are refused, so a typo does not go unnoticed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerUrl {
    /// Host name or address (`localhost` when absent).
    pub host: String,
    /// Port, when given (otherwise the server's default, 5432 or 3306).
    pub port: Option<u16>,
    /// User name (percent-decoded); empty when absent.
    pub user: String,
    /// Password (percent-decoded), when given.
    pub password: Option<Password>,
    /// Database name; empty when absent.
    pub database: String,
    /// How long connecting may take.
    pub connect_timeout: Option<Duration>,
    /// TLS mode.
    pub tls: TlsMode,
    /// The application name reported to the server.
    pub application_name: Option<String>,
    /// PostgreSQL's `options` startup parameter.
    pub options: Option<String>,
    /// A PEM file of certificate authorities to verify the server with
    /// (`sslrootcert` / `ssl-ca`), instead of the bundled public roots.
    pub tls_root_cert: Option<String>,
    /// PostgreSQL: whether statements are prepared and kept by name
    /// (`prepared_statements=false` for a transaction-mode pooler such as pgbouncer,
    /// which may hand each transaction a different server connection). Default true.
    pub prepared_statements: bool,
}

/// Splits `scheme://user:password@rest` into the scheme, whether `//` followed it,
/// the user info (`user:password`) and the rest. The scheme ends at the first `:`;
/// the user info ends at the *last* `@`, so a password may hold `@`, `/`, `?`, `#`
/// and `:` without percent-encoding (as base64 secrets do); an `@` in the host,
/// database name or options must then be written `%40`. `None` when there is no `@`.
fn split_userinfo(url: &str) -> Option<(&str, bool, &str, &str)> {
    let (scheme, rest) = url.split_once(':')?;
    let (slashes, rest) = match rest.strip_prefix("//") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let at = rest.rfind('@')?;
    Some((scheme, slashes, rest.get(..at)?, rest.get(at + 1..)?))
}

/// Replaces the password of a URL (`scheme://user:password@host`) with `***`. Works
/// on anything URL-like, parseable or not: the password is everything between the
/// first `:` of the user info and the last `@`, so it is hidden even when it holds
/// unencoded `/`, `?`, `#`, `@` or `:`.
///
/// ```
/// use sqlkit::url::redact;
/// assert_eq!(redact("postgresql://app:s3/cr?t@db/blog"), "postgresql://app:***@db/blog");
/// assert_eq!(redact("sqlite:///app.db"), "sqlite:///app.db");
/// ```
pub fn redact(url: &str) -> String {
    let Some((scheme, slashes, userinfo, rest)) = split_userinfo(url) else {
        return url.to_string();
    };
    let sep = if slashes { "://" } else { ":" };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}{sep}{user}:***@{rest}"),
        None => url.to_string(),
    }
}

/// Parses a database URL.
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
            let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
            let mut private = false;
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                match pair.split_once('=') {
                    Some(("cache", "private")) => private = true,
                    Some(("cache", "shared")) => private = false,
                    // Not repeated in the message: a mistyped URL may hold a password here.
                    _ => {
                        return Err(bad(
                            "unknown SQLite option (the one there is: cache=private or cache=shared, for an in-memory database)",
                        ))
                    }
                }
            }
            if rest == ":memory:" || rest == "//" || rest == "///:memory:" || rest == "//:memory:" {
                return Ok(Backend::Sqlite(if private {
                    SqliteTarget::PrivateMemory
                } else {
                    SqliteTarget::Memory
                }));
            }
            let path = rest
                .strip_prefix("///")
                .ok_or_else(|| bad("a SQLite URL is `sqlite://` (memory), `sqlite:///relative.db` or `sqlite:////absolute.db`"))?;
            if path.is_empty() {
                return Err(bad("the SQLite file path is empty"));
            }
            if !query.is_empty() {
                return Err(bad(
                    "cache= is for an in-memory database; a file has no options",
                ));
            }
            Ok(Backend::Sqlite(SqliteTarget::File(path.to_string())))
        }
        "postgresql" | "postgres" | "mysql" | "mariadb" => {
            if !rest.starts_with("//") {
                return Err(bad("expected `scheme://user:password@host:port/database`"));
            }
            let pg = base.starts_with("postgres");
            let server = server_url(url, pg).map_err(|r| bad(&r))?;
            Ok(match base.as_str() {
                "mysql" => Backend::Mysql(server),
                "mariadb" => Backend::Mariadb(server),
                _ => Backend::Postgres(server),
            })
        }
        other => Err(bad(&format!(
            "unknown database `{other}` (expected sqlite, postgresql, mysql or mariadb)"
        ))),
    }
}

fn decode(s: &str, what: &str) -> std::result::Result<String, String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| format!("the {what} is not valid percent-encoded UTF-8"))
}

fn server_url(url: &str, pg: bool) -> std::result::Result<ServerUrl, String> {
    // The user info is taken apart by hand (a password may hold unencoded `/`, `?`,
    // `@`), and the rest parsed as a URL without it.
    let (user, password, u) = match split_userinfo(url) {
        Some((scheme, _, userinfo, rest)) => {
            let (user, password) = match userinfo.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (userinfo, None),
            };
            let u = ::url::Url::parse(&format!("{scheme}://{rest}")).map_err(|e| e.to_string())?;
            (user.to_string(), password.map(str::to_string), u)
        }
        None => {
            let u = ::url::Url::parse(url).map_err(|e| e.to_string())?;
            (u.username().to_string(), None, u)
        }
    };
    let host = u
        .host_str()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    let database = decode(u.path().trim_start_matches('/'), "database name")?;
    if database.contains('/') {
        return Err("the database name cannot contain `/`".into());
    }
    let mut s = ServerUrl {
        host,
        port: u.port(),
        user: decode(&user, "user name")?,
        password: password
            .map(|p| decode(&p, "password").map(Password))
            .transpose()?,
        database,
        connect_timeout: None,
        tls: TlsMode::default(),
        application_name: None,
        options: None,
        tls_root_cert: None,
        prepared_statements: true,
    };
    for (key, value) in u.query_pairs() {
        match &*key {
            "connect_timeout" => {
                let secs: u64 = value
                    .parse()
                    .map_err(|_| format!("connect_timeout must be whole seconds, not `{value}`"))?;
                s.connect_timeout = Some(Duration::from_secs(secs));
            }
            "sslmode" | "ssl-mode" | "ssl_mode" => {
                s.tls = match value.to_ascii_lowercase().replace('_', "-").as_str() {
                    "disable" | "disabled" => TlsMode::Disable,
                    "allow" | "prefer" | "preferred" => TlsMode::Prefer,
                    "require" | "required" => TlsMode::Require,
                    "verify-ca" | "verify-full" | "verify-identity" => TlsMode::Verify,
                    _ => return Err(format!("unknown TLS mode `{value}`")),
                }
            }
            "application_name" | "program_name" => s.application_name = Some(value.into_owned()),
            "sslrootcert" | "ssl-ca" | "ssl_ca" => s.tls_root_cert = Some(value.into_owned()),
            "options" if pg => s.options = Some(value.into_owned()),
            "prepared_statements" if pg => {
                s.prepared_statements = match &*value {
                    "true" | "on" | "1" => true,
                    "false" | "off" | "0" => false,
                    _ => return Err(format!("prepared_statements must be true or false, not `{value}`")),
                }
            }
            other => {
                return Err(format!(
                "unknown option `{other}` (expected connect_timeout, sslmode, sslrootcert, application_name{})",
                if pg { ", options, prepared_statements" } else { "" }
            ))
            }
        }
    }
    Ok(s)
}
