//! The MySQL / MariaDB driver over the `mysql` crate: sessions in UTC and strict SQL
//! mode, rows affected counted as rows matched (`CLIENT_FOUND_ROWS`), prepared
//! statements cached per connection by SQL text (the crate's statement cache), cells
//! decoded by column type, errors classified by the server's error numbers.

use super::de::{Cell, Cells, DeError};
use super::{connect_error, DriverConn, DriverRow, ExecResult, RowSink};
use crate::compile::KeySource;
use crate::dialect::{Dialect, Mysql, MysqlFlavor, Version};
use crate::error::{DatabaseError, DbErrorKind, Error, Result};
use crate::name::Name;
use crate::url::{ServerUrl, TlsMode};
use crate::value::{text_format, Value};
use mysql::consts::{CapabilityFlags, ColumnFlags, ColumnType};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder, Params};
use std::sync::Arc;
use std::time::Duration;

/// Prepared statements kept per connection (least recently used are closed).
const STATEMENT_CACHE: usize = 256;

/// What every session gets: UTC (DATETIME(6) columns hold UTC instants), strict mode
/// (bad values are errors, not warnings), 0 stored as 0 in an AUTO_INCREMENT column
/// (as on the other databases) rather than meaning "next id", and sqlkit's own SQL
/// mode whatever the server's (so `ANSI_QUOTES`, `PIPES_AS_CONCAT` or
/// `NO_BACKSLASH_ESCAPES` set in the server's configuration cannot change what the
/// SQL sqlkit writes means). Strings from the client (literals and bound values) take
/// the database's collation, so `'X' < 'x'` means what a comparison of its columns
/// means (the driver's handshake would otherwise give them `utf8mb4_general_ci`).
// MariaDB also gets SIMULTANEOUS_ASSIGNMENT: `SET a = a + 1, b = a` reads the old `a`,
// as PostgreSQL and SQLite do (MySQL has no such mode and evaluates left to right).
const SESSION_SETUP: &str = "SET time_zone = '+00:00', sql_mode = CONCAT('NO_AUTO_VALUE_ON_ZERO,STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION', IF(VERSION() LIKE '%MariaDB%', ',SIMULTANEOUS_ASSIGNMENT', '')), NAMES utf8mb4, collation_connection = IF(@@character_set_database = 'utf8mb4', @@collation_database, 'utf8mb4_bin')";

/// The character set number of binary strings (BLOB, BINARY).
const BINARY_CHARSET: u16 = 63;

/// Opens MySQL / MariaDB connections for the pool.
pub(crate) struct Manager {
    opts: Opts,
    /// `host:port`, for connection errors.
    address: String,
}

impl Manager {
    pub(crate) fn new(url: &ServerUrl, lock_timeout: Duration) -> Result<Self> {
        // A row lock or a table's metadata lock waits at most the engine's lock
        // timeout (whole seconds, at least one), then fails typed (`Busy`, error 1205).
        let secs = lock_timeout.as_secs_f64().ceil().max(1.0) as u64;
        let lock = format!("SET innodb_lock_wait_timeout = {secs}, lock_wait_timeout = {secs}");
        let mut b = OptsBuilder::new()
            .ip_or_hostname(Some(url.host.clone()))
            .tcp_port(url.port.unwrap_or(3306))
            .user(Some(if url.user.is_empty() {
                "root"
            } else {
                &url.user
            }))
            .pass(url.password.as_ref().map(|p| p.expose()))
            .db_name(Some(&url.database).filter(|d| !d.is_empty()))
            .prefer_socket(false)
            .tcp_connect_timeout(Some(url.connect_timeout.unwrap_or(Duration::from_secs(10))))
            .stmt_cache_size(STATEMENT_CACHE)
            .additional_capabilities(CapabilityFlags::CLIENT_FOUND_ROWS)
            .init(vec![SESSION_SETUP.to_string(), lock]);
        if let Some(name) = &url.application_name {
            b = b.connect_attrs(Some(
                [("program_name", name.as_str())]
                    .into_iter()
                    .collect::<std::collections::HashMap<_, _>>(),
            ));
        }
        b = tls(b, url)?;
        Ok(Manager {
            opts: b.into(),
            address: format!("{}:{}", url.host, url.port.unwrap_or(3306)),
        })
    }
}

#[cfg(feature = "mysql-tls")]
fn tls(b: OptsBuilder, url: &ServerUrl) -> Result<OptsBuilder> {
    use mysql::SslOpts;
    Ok(match url.tls {
        TlsMode::Disable | TlsMode::Prefer => b,
        TlsMode::Require => b.ssl_opts(
            SslOpts::default()
                .with_danger_accept_invalid_certs(true)
                .with_danger_skip_domain_validation(true),
        ),
        TlsMode::Verify => b.ssl_opts(
            SslOpts::default()
                .with_root_cert_path(url.tls_root_cert.as_ref().map(std::path::PathBuf::from)),
        ),
    })
}

#[cfg(not(feature = "mysql-tls"))]
fn tls(b: OptsBuilder, url: &ServerUrl) -> Result<OptsBuilder> {
    match url.tls {
        TlsMode::Disable | TlsMode::Prefer => Ok(b),
        TlsMode::Require | TlsMode::Verify => Err(Error::MissingFeature {
            scheme: "mysql (ssl-mode=REQUIRED)".into(),
            feature: "mysql-tls",
        }),
    }
}

/// A pooled MySQL connection.
pub(crate) struct MyConn {
    conn: Conn,
    broken: bool,
}

impl r2d2::ManageConnection for Manager {
    type Connection = MyConn;
    type Error = Error;
    fn connect(&self) -> Result<MyConn> {
        let conn = Conn::new(self.opts.clone())
            .map_err(|e| connect_error(my_error(e, None), &self.address))?;
        Ok(MyConn {
            conn,
            broken: false,
        })
    }
    fn is_valid(&self, c: &mut MyConn) -> Result<()> {
        c.conn.ping().map_err(|e| my_error(e, None))
    }
    fn has_broken(&self, c: &mut MyConn) -> bool {
        c.broken
    }
}

/// The dialect of the server: MariaDB or MySQL, at its version (from `VERSION()`,
/// e.g. `10.11.6-MariaDB-0+deb12u1`).
/// Also the same dialect with the other setting of backslash escapes, for sessions
/// that switch `NO_BACKSLASH_ESCAPES`.
pub(crate) fn dialect(c: &mut MyConn) -> Result<(Arc<dyn Dialect>, Arc<dyn Dialect>)> {
    let sql = "SELECT VERSION()";
    let v: Option<String> = c
        .conn
        .query_first(sql)
        .map_err(|e| my_error(e, Some(sql)))?;
    let v = v.unwrap_or_default();
    let mut nums = v
        .split(|ch: char| !ch.is_ascii_digit())
        .take(3)
        .map(|n| n.parse::<u32>().unwrap_or(0));
    let version = Version::new(
        nums.next().unwrap_or(0),
        nums.next().unwrap_or(0),
        nums.next().unwrap_or(0),
    );
    let flavor = if v.to_ascii_lowercase().contains("mariadb") {
        MysqlFlavor::MariaDb
    } else {
        MysqlFlavor::MySql
    };
    let d = Mysql {
        flavor,
        version,
        backslash_escapes: c.backslash_escapes(),
    };
    let alt = Mysql {
        backslash_escapes: !d.backslash_escapes,
        ..d
    };
    Ok((Arc::new(d), Arc::new(alt)))
}

/// Classifies a `mysql` error by the server's error number.
fn my_error(e: mysql::Error, sql: Option<&str>) -> Error {
    let (kind, code, message) = match &e {
        mysql::Error::MySqlError(m) => {
            let kind = match m.code {
                1062 | 1586 | 1022 => DbErrorKind::UniqueViolation,
                1451 | 1452 | 1216 | 1217 => DbErrorKind::ForeignKeyViolation,
                1048 | 1364 => DbErrorKind::NotNullViolation,
                // MySQL 8 and MariaDB number the check failure differently.
                3819 | 4025 => DbErrorKind::CheckViolation,
                // MariaDB reports a deadlock with SQLSTATE 40001: the number decides.
                1213 => DbErrorKind::Deadlock,
                1205 => DbErrorKind::Busy,
                1053 | 1077 | 1152 | 1184 | 1927 | 2006 | 2013 | 4031 => {
                    DbErrorKind::ConnectionLost
                }
                1044 | 1045 | 1698 => DbErrorKind::Authentication,
                1049 => DbErrorKind::Other,
                1054 | 1064 | 1146 | 1149 | 1109 | 1060 | 1050 | 1051 => DbErrorKind::Syntax,
                _ => DbErrorKind::Other,
            };
            (kind, Some(m.code.to_string()), m.message.clone())
        }
        mysql::Error::IoError(_) | mysql::Error::CodecError(_) => {
            (DbErrorKind::ConnectionLost, None, e.to_string())
        }
        mysql::Error::DriverError(d) => {
            use mysql::DriverError as D;
            let lost = matches!(
                d,
                D::ConnectTimeout
                    | D::CouldNotConnect(_)
                    | D::PacketOutOfSync
                    | D::UnexpectedPacket
                    | D::Timeout
            );
            let kind = if lost {
                DbErrorKind::ConnectionLost
            } else {
                DbErrorKind::Other
            };
            (kind, None, e.to_string())
        }
        _ => (DbErrorKind::Other, None, e.to_string()),
    };
    Error::Database(Box::new(DatabaseError {
        kind,
        code,
        message,
        sql: sql.map(str::to_string),
    }))
}

/// Why a value cannot be sent to MySQL/MariaDB as it is (the message names the
/// type, never the value).
fn unsendable(what: &str) -> Error {
    Error::Encode {
        field: "parameter".into(),
        reason: format!("MySQL and MariaDB cannot store {what}").into(),
    }
}

fn to_mysql(v: &Value) -> Result<mysql::Value> {
    use mysql::Value as M;
    Ok(match v {
        Value::Null => M::NULL,
        Value::Bool(b) => M::Int(i64::from(*b)),
        Value::Int(i) => M::Int(*i),
        Value::Float(f) if !f.is_finite() => return Err(unsendable("NaN or an infinite float")),
        Value::Float(f) => M::Double(*f),
        Value::Decimal(d) => M::Bytes(d.to_string().into_bytes()),
        Value::Text(s) => M::Bytes(s.as_bytes().to_vec()),
        Value::Bytes(b) => M::Bytes(b.to_vec()),
        Value::Date(d) => datetime(&d.and_time(chrono::NaiveTime::MIN))?,
        Value::Time(t) => {
            let (h, m, s, us) = clock(t)?;
            M::Time(false, 0, h, m, s, us)
        }
        Value::DateTime(t) => datetime(t)?,
        Value::Timestamp(t) => datetime(&t.naive_utc())?,
        Value::Json(j) => M::Bytes(j.to_string().into_bytes()),
        Value::Uuid(u) => M::Bytes(u.hyphenated().to_string().into_bytes()),
        Value::Array(_) => return Err(unsendable("an array (only PostgreSQL has arrays)")),
    })
}

/// Hours, minutes, seconds and microseconds of a time of day; a leap second (which
/// chrono can hold and MySQL cannot) is refused rather than stored as 00:00:00.
fn clock(t: &chrono::NaiveTime) -> Result<(u8, u8, u8, u32)> {
    use chrono::Timelike;
    if t.nanosecond() >= 1_000_000_000 {
        return Err(unsendable("a leap second"));
    }
    let byte = |n: u32| u8::try_from(n).map_err(|_| unsendable("this time of day"));
    Ok((
        byte(t.hour())?,
        byte(t.minute())?,
        byte(t.second())?,
        t.nanosecond() / 1000,
    ))
}

/// A date-time as MySQL's wire value: years 0 to 9999 only (MySQL's DATETIME range),
/// never a year cut to 16 bits.
fn datetime(t: &chrono::NaiveDateTime) -> Result<mysql::Value> {
    use chrono::Datelike;
    let year = u16::try_from(t.year())
        .ok()
        .filter(|y| *y <= 9999)
        .ok_or_else(|| unsendable("a date outside the years 0 to 9999"))?;
    let (h, m, s, us) = clock(&t.time())?;
    let byte = |n: u32| u8::try_from(n).map_err(|_| unsendable("this date"));
    Ok(mysql::Value::Date(
        year,
        byte(t.month())?,
        byte(t.day())?,
        h,
        m,
        s,
        us,
    ))
}

fn params(values: &[Value]) -> Result<Params> {
    if values.is_empty() {
        Ok(Params::Empty)
    } else {
        values
            .iter()
            .map(to_mysql)
            .collect::<Result<_>>()
            .map(Params::Positional)
    }
}

/// How a result column is decoded.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Plain,
    Text,
    LongText,
    Bytes,
    Bool,
    Decimal,
    Date,
    DateTime,
    Time,
    Json,
}

fn kind(c: &mysql::Column) -> Kind {
    use ColumnType as T;
    match c.column_type() {
        T::MYSQL_TYPE_TINY if c.column_length() == 1 => Kind::Bool,
        T::MYSQL_TYPE_NEWDECIMAL | T::MYSQL_TYPE_DECIMAL => Kind::Decimal,
        T::MYSQL_TYPE_DATE | T::MYSQL_TYPE_NEWDATE => Kind::Date,
        T::MYSQL_TYPE_DATETIME
        | T::MYSQL_TYPE_DATETIME2
        | T::MYSQL_TYPE_TIMESTAMP
        | T::MYSQL_TYPE_TIMESTAMP2 => Kind::DateTime,
        T::MYSQL_TYPE_TIME | T::MYSQL_TYPE_TIME2 => Kind::Time,
        T::MYSQL_TYPE_JSON => Kind::Json,
        t @ (T::MYSQL_TYPE_VARCHAR
        | T::MYSQL_TYPE_VAR_STRING
        | T::MYSQL_TYPE_STRING
        | T::MYSQL_TYPE_TINY_BLOB
        | T::MYSQL_TYPE_MEDIUM_BLOB
        | T::MYSQL_TYPE_LONG_BLOB
        | T::MYSQL_TYPE_BLOB
        | T::MYSQL_TYPE_ENUM
        | T::MYSQL_TYPE_SET) => {
            if c.character_set() == BINARY_CHARSET && c.flags().contains(ColumnFlags::BINARY_FLAG) {
                Kind::Bytes
            } else if matches!(
                t,
                T::MYSQL_TYPE_BLOB | T::MYSQL_TYPE_MEDIUM_BLOB | T::MYSQL_TYPE_LONG_BLOB
            ) {
                Kind::LongText
            } else {
                Kind::Text
            }
        }
        _ => Kind::Plain,
    }
}

fn decode(v: &mysql::Value, k: Kind) -> std::result::Result<Value, String> {
    use mysql::Value as M;
    let text = |b: &[u8]| {
        std::str::from_utf8(b)
            .map(|s| s.to_string())
            .map_err(|_| "text is not valid UTF-8".to_string())
    };
    Ok(match (v, k) {
        (M::NULL, _) => Value::Null,
        (M::Int(i), Kind::Bool) => Value::Bool(*i != 0),
        (M::Int(i), _) => Value::Int(*i),
        (M::UInt(u), _) => match i64::try_from(*u) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Decimal((*u).into()),
        },
        (M::Float(f), _) => Value::Float(f64::from(*f)),
        (M::Double(f), _) => Value::Float(*f),
        (M::Bytes(b), Kind::Bytes) => Value::Bytes(b.as_slice().into()),
        (M::Bytes(b), Kind::Decimal) => {
            let s = text(b)?;
            Value::Decimal(text_format::parse_decimal(&s).ok_or(
                "a decimal with more digits than Decimal holds (28 after the point, 96 bits)",
            )?)
        }
        (M::Bytes(b), Kind::Json) => {
            Value::Json(serde_json::from_slice(b).map_err(|e| format!("JSON: {e}"))?)
        }
        (M::Bytes(b), Kind::Date) => {
            let s = text(b)?;
            Value::Date(text_format::parse_date(&s).ok_or(format!("date `{s}`"))?)
        }
        (M::Bytes(b), Kind::DateTime) => {
            let s = text(b)?;
            Value::DateTime(text_format::parse_datetime(&s).ok_or(format!("datetime `{s}`"))?)
        }
        (M::Bytes(b), Kind::Time) => {
            let s = text(b)?;
            Value::Time(text_format::parse_time(&s).ok_or(format!("time `{s}`"))?)
        }
        (M::Bytes(b), _) => Value::Text(text(b)?.into()),
        (M::Date(y, mo, d, h, mi, s, us), k) => {
            let date = chrono::NaiveDate::from_ymd_opt((*y).into(), (*mo).into(), (*d).into())
                .ok_or_else(|| format!("{y:04}-{mo:02}-{d:02} is not a valid date"))?;
            if k == Kind::Date {
                Value::Date(date)
            } else {
                let time = chrono::NaiveTime::from_hms_micro_opt(
                    (*h).into(),
                    (*mi).into(),
                    (*s).into(),
                    *us,
                )
                .ok_or("invalid time of day")?;
                Value::DateTime(date.and_time(time))
            }
        }
        (M::Time(neg, days, h, mi, s, us), _) => {
            if *neg || *days > 0 {
                return Err("a TIME outside 00:00..24:00 has no sqlkit value".into());
            }
            Value::Time(
                chrono::NaiveTime::from_hms_micro_opt((*h).into(), (*mi).into(), (*s).into(), *us)
                    .ok_or("invalid time of day")?,
            )
        }
    })
}

impl MyConn {
    /// Whether the session treats `\` as an escape in string literals (the server
    /// reports `NO_BACKSLASH_ESCAPES` in the status of every reply).
    pub(crate) fn backslash_escapes(&self) -> bool {
        !self.conn.no_backslash_escape()
    }

    fn fail(&mut self, e: mysql::Error, sql: &str) -> Error {
        let e = my_error(e, Some(sql));
        if e.db_kind() == Some(DbErrorKind::ConnectionLost) {
            self.broken = true;
        }
        e
    }
}

impl DriverConn for MyConn {
    fn run_execute(&mut self, sql: &str, values: &[Value], key: KeySource) -> Result<ExecResult> {
        let values = params(values)?;
        let outcome = (|| {
            let mut result = self.conn.exec_iter(sql, values)?;
            let has_rows = !result.columns().as_ref().is_empty();
            let mut returned = 0u64;
            let mut returned_id = None;
            for row in result.by_ref() {
                let row = row?;
                returned += 1;
                if let KeySource::Returned(k) = key {
                    // The returned key (MariaDB's RETURNING), of the last row.
                    returned_id = match row.as_ref(k) {
                        Some(mysql::Value::Int(i)) => u64::try_from(*i).ok(),
                        Some(mysql::Value::UInt(u)) => Some(*u),
                        _ => None,
                    };
                }
            }
            drop(result);
            let (affected, id) = if has_rows {
                (returned, returned_id)
            } else {
                let affected = self.conn.affected_rows();
                // The OK packet's id is the *first* row's: it is the last only when
                // one row was added.
                let id = match key {
                    KeySource::Server if affected == 1 => Some(self.conn.last_insert_id()),
                    _ => None,
                };
                (affected, id)
            };
            Ok::<_, mysql::Error>((affected, id.filter(|id| *id > 0)))
        })();
        match outcome {
            Ok((affected, id)) => Ok(ExecResult {
                rows_affected: affected,
                last_insert_id: id.and_then(|i| i64::try_from(i).ok()),
            }),
            Err(e) => Err(self.fail(e, sql)),
        }
    }

    fn run_query<S: RowSink>(&mut self, sql: &str, values: &[Value], sink: &mut S) -> Result<()> {
        let values = params(values)?;
        let mut failed = None;
        let outcome = (|| {
            let mut result = self.conn.exec_iter(sql, values)?;
            let columns = result.columns();
            let cols = columns.as_ref();
            let names: Arc<[Name]> = cols
                .iter()
                .map(|c| Name::from(c.name_str().into_owned()))
                .collect();
            let kinds: Vec<Kind> = cols.iter().map(kind).collect();
            for row in result.by_ref() {
                let row = row?;
                let cells = MyCells {
                    row: &row,
                    names: &names,
                    kinds: &kinds,
                };
                if !super::feed(sink, &cells, &mut failed) {
                    break;
                }
            }
            // Dropping the result reads any rows left, keeping the connection in step.
            Ok::<_, mysql::Error>(())
        })();
        if let Err(e) = outcome {
            return Err(self.fail(e, sql));
        }
        failed.map_or(Ok(()), Err)
    }

    fn run_batch(&mut self, sql: &str) -> Result<()> {
        match self.conn.query_drop(sql) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e, sql)),
        }
    }
}

/// A MySQL row read in place.
struct MyCells<'a> {
    row: &'a mysql::Row,
    names: &'a Arc<[Name]>,
    kinds: &'a [Kind],
}

impl MyCells<'_> {
    fn raw(&self, i: usize) -> &mysql::Value {
        self.row.as_ref(i).unwrap_or(&mysql::Value::NULL)
    }
}

impl DriverRow for MyCells<'_> {
    fn names(&self) -> &Arc<[Name]> {
        self.names
    }
    fn value(&self, i: usize) -> std::result::Result<Value, String> {
        decode(
            self.raw(i),
            self.kinds.get(i).copied().unwrap_or(Kind::Plain),
        )
    }
}

impl Cells for MyCells<'_> {
    fn len(&self) -> usize {
        self.kinds.len()
    }
    fn name(&self, i: usize) -> &str {
        self.names.get(i).map_or("", |n| n)
    }
    fn cell(&self, i: usize) -> std::result::Result<Cell<'_>, DeError> {
        let v = self.raw(i);
        match (v, self.kinds.get(i).copied().unwrap_or(Kind::Plain)) {
            (mysql::Value::NULL, _) => Ok(Cell::Null),
            (mysql::Value::Int(n), Kind::Plain) => Ok(Cell::Int(*n)),
            (mysql::Value::Double(f), Kind::Plain) => Ok(Cell::Float(*f)),
            (mysql::Value::Bytes(b), k @ (Kind::Text | Kind::LongText)) => {
                match std::str::from_utf8(b) {
                    Ok(s) if k == Kind::Text => Ok(Cell::Text(s)),
                    Ok(s) => Ok(Cell::LongText(s)),
                    Err(_) => Err(DeError("text is not valid UTF-8".into())),
                }
            }
            (mysql::Value::Bytes(b), Kind::Bytes) => Ok(Cell::Bytes(b)),
            (v, k) => decode(v, k).map(Cell::Owned).map_err(DeError),
        }
    }
}
