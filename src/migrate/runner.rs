//! The migration runner: the version table, `upgrade`, `downgrade`, `stamp`, offline
//! SQL, `check` and new revisions.

use super::diff::{autogenerate_with, Include, RenameQuestion, Renames, VERSION_TABLE};
use super::ops::{Op, SchemaState, TableSpec};
use super::preflight::{check_now, At, Live};
use super::reflect::reflect_table;
use super::render::{render, sqlite_rebuilds};
use super::revision::{Migrations, Revision};
use crate::dialect::Dialect;
use crate::engine::Connection;
use crate::error::{Error, Result};
use crate::schema::{ColumnDef, MetaData, SqlType, Table};
use crate::stmt::{insert, select, update, CreateTable, Statement};
use crate::value::Value;
use std::path::{Path, PathBuf};

/// Where `upgrade` or `downgrade` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The last revision.
    Head,
    /// Before the first revision: nothing applied.
    Base,
    /// `n` revisions up (`+n`).
    Up(usize),
    /// `n` revisions down (`-n`).
    Down(usize),
    /// A revision by id (or a unique prefix of one).
    Rev(String),
}

impl Target {
    /// Reads `head`, `base`, `+N`, `-N` or a revision id.
    pub fn parse(text: &str) -> Result<Target> {
        let bad = || Error::Revision {
            file: "target".into(),
            reason: format!("`{text}` is not head, base, +N, -N or a revision").into(),
        };
        Ok(match text {
            "head" => Target::Head,
            "base" => Target::Base,
            "" => return Err(bad()),
            t => match (t.strip_prefix('+'), t.strip_prefix('-')) {
                (Some(n), _) => Target::Up(n.parse().map_err(|_| bad())?),
                (_, Some(n)) => Target::Down(n.parse().map_err(|_| bad())?),
                _ => Target::Rev(t.to_string()),
            },
        })
    }
}

/// The version table's row: the revision applied last, and on MySQL and MariaDB a
/// revision left halfway (its direction and how many operations are done).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionState {
    /// The last revision applied; `None` at base.
    pub revision: Option<String>,
    /// A revision that failed halfway: `up:<id>` or `down:<id>`.
    pub pending: Option<String>,
    /// How many of the pending revision's operations were applied.
    pub step: u32,
}

/// What [`Migrator::check`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// The database's revision.
    pub current: Option<String>,
    /// The last revision of the folder.
    pub head: Option<String>,
    /// The operations that would take the database to the models.
    pub changes: Vec<Op>,
}

impl CheckReport {
    /// `true` when the database is at head and matches the models.
    pub fn is_clean(&self) -> bool {
        self.current == self.head && self.changes.is_empty()
    }
}

/// Runs a chain of revisions against databases.
///
/// ```
/// use sqlkit::prelude::*;
/// use sqlkit::migrate::{Migrations, Migrator, Target};
/// let migrations = Migrations::from_texts([(
///     "0001.toml",
///     r#"
///     id = "0001"
///     message = "users"
///     [[upgrade]]
///     op = "create_table"
///     table = "users"
///     columns = [{ name = "id", type = "bigint", autoincrement = true }]
///     primary_key = ["id"]
///     [[downgrade]]
///     op = "drop_table"
///     table = "users"
///     columns = [{ name = "id", type = "bigint", autoincrement = true }]
///     primary_key = ["id"]
///     "#,
/// )])?;
/// let mut conn = Engine::from_url("sqlite://?cache=private")?.connect()?;
/// let m = Migrator::new(migrations);
/// m.upgrade(&mut conn, &Target::Head)?;
/// assert_eq!(m.current(&mut conn)?.revision.as_deref(), Some("0001"));
/// # Ok::<(), sqlkit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Migrator {
    migrations: Migrations,
    dir: Option<PathBuf>,
    allow_destructive: bool,
    include: Include,
}

fn version_table() -> Result<Table> {
    Table::builder(VERSION_TABLE)
        .column(
            ColumnDef::new("id", SqlType::SmallInt)
                .primary_key()
                .autoincrement(false),
        )
        .column(ColumnDef::new("revision", SqlType::String(64)))
        .column(ColumnDef::new("pending", SqlType::String(80)))
        .column(ColumnDef::new("step", SqlType::Integer).not_null())
        .build()
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Revision {
        file: path.display().to_string().into(),
        reason: e.to_string().into(),
    }
}

enum Dir {
    Up,
    Down,
}

impl Migrator {
    /// A runner for `migrations`. Destructive operations are refused until
    /// [`allow_destructive`](Self::allow_destructive).
    pub fn new(migrations: Migrations) -> Migrator {
        Migrator {
            migrations,
            dir: None,
            allow_destructive: false,
            include: Include::all(),
        }
    }

    /// A runner for the revision files of `dir`, where [`revision`](Self::revision)
    /// also writes new ones.
    pub fn from_dir(dir: impl Into<PathBuf>) -> Result<Migrator> {
        let dir = dir.into();
        Ok(Migrator {
            migrations: Migrations::from_dir(&dir)?,
            dir: Some(dir),
            allow_destructive: false,
            include: Include::all(),
        })
    }

    /// Lets operations that can lose data (dropping a table or column, narrowing a
    /// type) run; without it a plan holding one is refused before anything runs.
    pub fn allow_destructive(mut self, on: bool) -> Migrator {
        self.allow_destructive = on;
        self
    }

    /// Limits what [`check`](Self::check) and
    /// [`autogenerate_revision`](Self::autogenerate_revision) compare to the objects
    /// `include` includes (Alembic's `include_object`): a table another tool owns is
    /// then never proposed for dropping.
    pub fn include(mut self, include: Include) -> Migrator {
        self.include = include;
        self
    }

    /// The revisions, root first.
    pub fn migrations(&self) -> &Migrations {
        &self.migrations
    }

    /// The version table's row (base when the table does not exist).
    pub fn current(&self, conn: &mut Connection) -> Result<VersionState> {
        Self::current_in(conn)
    }

    fn current_in(conn: &mut Connection) -> Result<VersionState> {
        if reflect_table(conn, VERSION_TABLE)?.is_none() {
            return Ok(VersionState::default());
        }
        let t = version_table()?;
        let row = conn.query_opt(&select(vec![
            t.c("revision")?,
            t.c("pending")?,
            t.c("step")?,
        ]))?;
        Ok(match row {
            None => VersionState::default(),
            Some(r) => VersionState {
                revision: r.get(0)?,
                pending: r.get(1)?,
                step: u32::try_from(r.get::<i64, _>(2)?).unwrap_or(0),
            },
        })
    }

    fn write_version(conn: &mut Connection, v: &VersionState) -> Result<()> {
        let t = version_table()?;
        let opt = |s: &Option<String>| s.as_deref().map_or(Value::Null, Value::from);
        let n = conn
            .execute(
                &update(&t)
                    .set("revision", opt(&v.revision))
                    .set("pending", opt(&v.pending))
                    .set("step", i64::from(v.step)),
            )?
            .rows_affected;
        if n == 0 {
            conn.execute(
                &insert(&t)
                    .value("id", 1_i64)
                    .value("revision", opt(&v.revision))
                    .value("pending", opt(&v.pending))
                    .value("step", i64::from(v.step)),
            )?;
        }
        Ok(())
    }

    fn ensure_version_table(conn: &mut Connection) -> Result<()> {
        conn.execute(&CreateTable::new(&version_table()?).if_not_exists())?;
        Ok(())
    }

    /// The index of the database's revision in the chain (`None` at base).
    fn position_of(&self, v: &VersionState) -> Result<Option<usize>> {
        match &v.revision {
            None => Ok(None),
            Some(id) => match self.migrations.revisions().iter().position(|r| r.id == *id) {
                Some(i) => Ok(Some(i)),
                None => Err(Error::Revision {
                    file: "migrations".into(),
                    reason: format!(
                        "the database is at revision `{id}`, which is not among the revisions"
                    )
                    .into(),
                }),
            },
        }
    }

    /// The schema the revisions up to and including `upto` build, by replay.
    fn replay(&self, upto: Option<usize>) -> Result<SchemaState> {
        let mut state = SchemaState::default();
        let Some(upto) = upto else {
            return Ok(state);
        };
        for r in self.migrations.revisions().iter().take(upto + 1) {
            for op in &r.upgrade {
                // A table the revisions did not make (an adopted database) is not known
                // here: it is read from the database when an operation needs it.
                if source_table(op).is_some_and(|t| state.table(t).is_none()) {
                    continue;
                }
                state.apply(op).map_err(|e| Error::Revision {
                    file: r.file.clone().into(),
                    reason: format!("replaying {}: {e}", op.describe()).into(),
                })?;
            }
        }
        Ok(state)
    }

    /// The revisions from the current position to `target`, and the direction.
    fn plan(&self, current: Option<usize>, target: &Target, down: bool) -> Result<Vec<usize>> {
        let n = self.migrations.revisions().len();
        let cur: isize = current.map_or(-1, |i| i as isize);
        let err = |reason: String| Error::Revision {
            file: "migrations".into(),
            reason: reason.into(),
        };
        let goal: isize = match target {
            Target::Head => n as isize - 1,
            Target::Base => -1,
            Target::Up(k) => cur.saturating_add(isize::try_from(*k).unwrap_or(isize::MAX)),
            Target::Down(k) => cur.saturating_sub(isize::try_from(*k).unwrap_or(isize::MAX)),
            Target::Rev(id) => self.migrations.position(id)? as isize,
        };
        if goal >= n as isize {
            return Err(err(format!(
                "cannot go {} revisions up: there are {} above the current one",
                goal - cur,
                n as isize - 1 - cur
            )));
        }
        if goal < -1 {
            return Err(err(format!(
                "cannot go {} revisions down: the database is {} above base",
                cur - goal,
                cur + 1
            )));
        }
        if down {
            if goal > cur {
                return Err(err(
                    "the target is above the current revision: upgrade".into()
                ));
            }
            Ok(((goal + 1)..=cur).rev().map(|i| i as usize).collect())
        } else {
            if goal < cur {
                return Err(err(
                    "the target is below the current revision: downgrade".into()
                ));
            }
            Ok(((cur + 1)..=goal).map(|i| i as usize).collect())
        }
    }

    fn destructive_in(&self, revs: &[usize], down: bool) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for &i in revs {
            let Some(r) = self.migrations.revisions().get(i) else {
                continue;
            };
            let ops = if down { &r.downgrade } else { &r.upgrade };
            for (k, op) in ops.iter().enumerate() {
                if let Some(why) = op.destructive() {
                    out.push((
                        r.file.clone(),
                        format!("operation {} ({}) {why}", k + 1, op.describe()),
                    ));
                }
            }
        }
        out
    }

    fn refuse_destructive(&self, revs: &[usize], down: bool) -> Result<()> {
        if self.allow_destructive {
            return Ok(());
        }
        match self.destructive_in(revs, down).into_iter().next() {
            Some((file, what)) => Err(Error::Revision {
                file: file.into(),
                reason: format!(
                    "{what}: it is destructive, and nothing was run. Allow it with \
                     --allow-destructive"
                )
                .into(),
            }),
            None => Ok(()),
        }
    }

    /// The destructive operations (file, and what each loses) that `upgrade` (or with
    /// `down`, `downgrade`) to `target` would run, for a prompt before running them.
    pub fn destructive_steps(
        &self,
        conn: &mut Connection,
        target: &Target,
        down: bool,
    ) -> Result<Vec<(String, String)>> {
        let cur = self.position_of(&self.current(conn)?)?;
        let plan = self.plan(cur, target, down)?;
        Ok(self.destructive_in(&plan, down))
    }

    /// Applies the revisions from the database's current one up to `target`; returns
    /// the ids applied. Each revision runs in its own transaction on SQLite and
    /// PostgreSQL; on MySQL and MariaDB, whose DDL commits at once, progress is
    /// recorded after every operation, and after a failure `upgrade` resumes at the
    /// failed operation.
    pub fn upgrade(&self, conn: &mut Connection, target: &Target) -> Result<Vec<String>> {
        self.run(conn, target, false)
    }

    /// Undoes revisions down to `target` (`Down(1)` for `-1`, `Base` for all); returns
    /// the ids undone.
    pub fn downgrade(&self, conn: &mut Connection, target: &Target) -> Result<Vec<String>> {
        self.run(conn, target, true)
    }

    fn run(&self, conn: &mut Connection, target: &Target, down: bool) -> Result<Vec<String>> {
        // One migration at a time per database: a second process (another instance of
        // the application starting at once) waits, then finds the work done.
        lock(conn)?;
        let result = self.run_locked(conn, target, down);
        let unlocked = unlock(conn);
        let done = result?;
        unlocked?;
        Ok(done)
    }

    fn run_locked(
        &self,
        conn: &mut Connection,
        target: &Target,
        down: bool,
    ) -> Result<Vec<String>> {
        let v = self.current(conn)?;
        let mut cur = self.position_of(&v)?;
        let mut resume: Option<(usize, u32)> = None;
        if let Some(p) = &v.pending {
            let (dir, id) = p.split_once(':').unwrap_or(("up", p.as_str()));
            let at = self.migrations.position(id)?;
            let expected = if down {
                cur
            } else {
                Some(cur.map_or(0, |c| c + 1))
            };
            if (dir == "down") != down || Some(at) != expected {
                return Err(Error::Revision {
                    file: "migrations".into(),
                    reason: format!(
                        "revision `{id}` was left halfway ({dir}grade, {} operations done); \
                         run {dir}grade again to finish it, or repair by hand and stamp",
                        v.step
                    )
                    .into(),
                });
            }
            resume = Some((at, v.step));
        }
        let plan = self.plan(cur, target, down)?;
        // Revisions from the first raw SQL on are compared again as each operation
        // runs (what the SQL changed is unknown to the walk).
        let blind_from = self.preflight(conn, &plan, down, resume)?;
        self.refuse_destructive(&plan, down)?;
        Self::ensure_version_table(conn)?;
        let mut done = Vec::new();
        for i in plan {
            let Some(r) = self.migrations.revisions().get(i) else {
                break;
            };
            let before = if down { Some(i) } else { cur };
            let mut state = self.replay(before)?;
            let (ops, dir, after) = if down {
                (&r.downgrade, Dir::Down, r.parent.clone())
            } else {
                (&r.upgrade, Dir::Up, Some(r.id.clone()))
            };
            let start = match resume.take() {
                Some((at, step)) if at == i => step,
                _ => 0,
            };
            let recheck = blind_from.is_some_and(|b| if down { i <= b } else { i >= b });
            run_revision(conn, r, ops, &mut state, dir, after, start, recheck)?;
            done.push(r.id.clone());
            cur = if down { i.checked_sub(1) } else { Some(i) };
        }
        Ok(done)
    }

    /// Compares what each operation of the plan assumes (a column's type before an
    /// alter, the column a drop keeps for its downgrade, ..) with the database, before
    /// any runs. The walk stops at raw SQL, whose effect it cannot follow: the index of
    /// that revision is returned, and from it on each operation is compared again just
    /// before it runs.
    fn preflight(
        &self,
        conn: &mut Connection,
        plan: &[usize],
        down: bool,
        resume: Option<(usize, u32)>,
    ) -> Result<Option<usize>> {
        let mut live = Live::new();
        for &i in plan {
            let Some(r) = self.migrations.revisions().get(i) else {
                break;
            };
            let ops = if down { &r.downgrade } else { &r.upgrade };
            let skip = match resume {
                Some((at, step)) if at == i => step as usize,
                _ => 0,
            };
            for (step, op) in ops.iter().enumerate().skip(skip) {
                if matches!(op, Op::Sql(_)) {
                    return Ok(Some(i));
                }
                live.step(
                    conn,
                    &At {
                        file: &r.file,
                        step,
                        op,
                    },
                )?;
            }
        }
        Ok(None)
    }

    /// Sets the version table to `target` without running anything (after repairing a
    /// failed MySQL revision by hand, or adopting an existing database).
    pub fn stamp(&self, conn: &mut Connection, target: &Target) -> Result<()> {
        let revision = match target {
            Target::Base => None,
            Target::Head => self.migrations.head().map(str::to_string),
            Target::Rev(id) => self
                .migrations
                .revisions()
                .get(self.migrations.position(id)?)
                .map(|r| r.id.clone()),
            _ => {
                return Err(Error::Revision {
                    file: "stamp".into(),
                    reason: "stamp takes head, base or a revision".into(),
                })
            }
        };
        Self::ensure_version_table(conn)?;
        Self::write_version(
            conn,
            &VersionState {
                revision,
                pending: None,
                step: 0,
            },
        )
    }

    /// The SQL that `upgrade` (or, with `down`, `downgrade`) from `from` to `target`
    /// would run on `dialect`, without a connection (Alembic's `--sql`): the version
    /// table's statements and each revision's transaction included.
    pub fn sql(
        &self,
        dialect: &dyn Dialect,
        from: Option<&str>,
        target: &Target,
        down: bool,
    ) -> Result<String> {
        let start = match from {
            Some(id) => Some(self.migrations.position(id)?),
            None if down => self.migrations.revisions().len().checked_sub(1),
            None => None,
        };
        let plan = self.plan(start, target, down)?;
        let t = version_table()?;
        let mut out = String::new();
        let kind = dialect.name();
        let transactional = kind == "sqlite" || kind == "postgresql";
        if start.is_none() && !down {
            out.push_str(&CreateTable::new(&t).if_not_exists().debug_sql(dialect)?);
            out.push_str(";\n");
            out.push_str(
                &insert(&t)
                    .value("id", 1_i64)
                    .value("step", 0_i64)
                    .debug_sql(dialect)?,
            );
            out.push_str(";\n");
        }
        for i in plan {
            let Some(r) = self.migrations.revisions().get(i) else {
                break;
            };
            let (ops, after) = if down {
                (&r.downgrade, r.parent.clone())
            } else {
                (&r.upgrade, Some(r.id.clone()))
            };
            let mut state = self.replay(if down { Some(i) } else { i.checked_sub(1) })?;
            out.push_str(&format!(
                "\n-- {} {}: {}\n",
                if down { "downgrade" } else { "upgrade" },
                r.id,
                r.message
            ));
            if kind == "sqlite" {
                out.push_str("PRAGMA foreign_keys = OFF;\n");
            }
            if transactional {
                out.push_str("BEGIN;\n");
            }
            for op in ops {
                out.push_str(&format!("-- {}\n", op.describe()));
                for s in render(op, dialect, &state)? {
                    out.push_str(&s);
                    out.push_str(";\n");
                }
                // Offline, a table the revisions did not make is not known.
                if source_table(op).is_none_or(|t| state.table(t).is_some()) {
                    state.apply(op).map_err(|e| Error::Revision {
                        file: r.file.clone().into(),
                        reason: e.to_string().into(),
                    })?;
                }
            }
            if kind == "sqlite" {
                out.push_str("PRAGMA foreign_key_check;\n");
            }
            let opt = |s: &Option<String>| s.as_deref().map_or(Value::Null, Value::from);
            out.push_str(
                &update(&t)
                    .set("revision", opt(&after))
                    .set("pending", Value::Null)
                    .set("step", 0_i64)
                    .debug_sql(dialect)?,
            );
            out.push_str(";\n");
            if transactional {
                out.push_str("COMMIT;\n");
            }
            if kind == "sqlite" {
                out.push_str("PRAGMA foreign_keys = ON;\n");
            }
        }
        Ok(out)
    }

    /// Compares the models with the database: the operations autogenerate would write,
    /// and whether the database is at head. A clean report is the CI gate.
    pub fn check(&self, conn: &mut Connection, models: &MetaData) -> Result<CheckReport> {
        let current = self.current(conn)?.revision;
        let changes = autogenerate_with(conn, models, &Renames::default(), None, &self.include)?;
        Ok(CheckReport {
            current,
            head: self.migrations.head().map(str::to_string),
            changes,
        })
    }

    /// A new revision after head: `upgrade` as given, `downgrade` their inverses in
    /// reverse order (an [`Op::Sql`] gets an empty downgrade to write by hand). The
    /// revision is written to the folder (when the migrator has one) and added.
    pub fn revision(&mut self, message: &str, upgrade: Vec<Op>) -> Result<Revision> {
        let now = chrono::Utc::now();
        let mut id = now.format("%Y%m%d%H%M%S").to_string();
        let mut bump = 0;
        while self.migrations.revisions().iter().any(|r| r.id == id) {
            bump += 1;
            id = format!("{}_{bump}", now.format("%Y%m%d%H%M%S"));
        }
        let downgrade: Vec<Op> = upgrade.iter().rev().filter_map(Op::inverse).collect();
        let slug: String = message
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .split('_')
            .filter(|s| !s.is_empty())
            .take(6)
            .collect::<Vec<_>>()
            .join("_");
        let file_name = if slug.is_empty() {
            format!("{id}.toml")
        } else {
            format!("{id}_{slug}.toml")
        };
        let mut rev = Revision {
            id,
            parent: self.migrations.head().map(str::to_string),
            message: message.to_string(),
            created: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            upgrade,
            downgrade,
            file: file_name.clone(),
        };
        let text = rev.to_text()?;
        // What is written must read back as the same revision.
        let back = Revision::parse(&file_name, &text)?;
        if back.upgrade != rev.upgrade || back.downgrade != rev.downgrade {
            return Err(Error::Revision {
                file: file_name.into(),
                reason: "the revision does not read back as written".into(),
            });
        }
        if let Some(dir) = &self.dir {
            std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
            let path = dir.join(&file_name);
            std::fs::write(&path, text).map_err(|e| io_error(&path, e))?;
            rev.file = path.display().to_string();
        }
        let mut all = self.migrations.revisions().to_vec();
        all.push(rev.clone());
        self.migrations = Migrations::from_revisions(all)?;
        Ok(rev)
    }

    /// `revision --autogenerate`: the operations from the database (which must be at
    /// head) to `models`, as a new revision; `None` when there is nothing to do.
    pub fn autogenerate_revision(
        &mut self,
        conn: &mut Connection,
        models: &MetaData,
        message: &str,
        renames: &Renames,
        ask: Option<&mut dyn FnMut(&RenameQuestion) -> bool>,
    ) -> Result<Option<Revision>> {
        let v = self.current(conn)?;
        if v.revision.as_deref() != self.migrations.head() || v.pending.is_some() {
            return Err(Error::Revision {
                file: "migrations".into(),
                reason: format!(
                    "the database is at {} and the head is {}: upgrade before autogenerating",
                    v.revision.as_deref().unwrap_or("base"),
                    self.migrations.head().unwrap_or("base")
                )
                .into(),
            });
        }
        let known = self.replay(self.migrations.revisions().len().checked_sub(1))?;
        let ops = super::diff::prefer_known(
            autogenerate_with(conn, models, renames, ask, &self.include)?,
            &known,
        );
        if ops.is_empty() {
            return Ok(None);
        }
        super::diff::unfillable_column(&ops)?;
        self.revision(message, ops).map(Some)
    }
}

/// The key of PostgreSQL's advisory lock and the name of MySQL's named lock that
/// migrations hold while they run.
const LOCK_KEY: i64 = 0x5351_4c6b_6974_4d67; // "SQLkitMg"
const LOCK_NAME: &str = "sqlkit_migrate";
/// How long MySQL and MariaDB wait for another migration to finish, in seconds.
const LOCK_WAIT: i64 = 600;

fn lock(conn: &mut Connection) -> Result<()> {
    match conn.dialect().name() {
        "postgresql" => {
            conn.execute_sql(&format!("SELECT pg_advisory_lock({LOCK_KEY})"), &[])?;
        }
        "mysql" | "mariadb" => {
            let rows =
                conn.query_sql(&format!("SELECT GET_LOCK('{LOCK_NAME}', {LOCK_WAIT})"), &[])?;
            let got = rows
                .first()
                .map(|r| r.get::<Option<i64>, _>(0))
                .transpose()?
                .flatten();
            if got != Some(1) {
                return Err(Error::Revision {
                    file: "migrations".into(),
                    reason: format!(
                        "another migration has held the lock `{LOCK_NAME}` for {LOCK_WAIT} \
                         seconds; nothing was run"
                    )
                    .into(),
                });
            }
        }
        // SQLite: each revision's transaction checks the version it starts from.
        _ => {}
    }
    Ok(())
}

fn unlock(conn: &mut Connection) -> Result<()> {
    match conn.dialect().name() {
        "postgresql" => {
            conn.execute_sql(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"), &[])?;
        }
        "mysql" | "mariadb" => {
            conn.query_sql(&format!("SELECT RELEASE_LOCK('{LOCK_NAME}')"), &[])?;
        }
        _ => {}
    }
    Ok(())
}

/// Runs one revision's operations; see [`Migrator::upgrade`].
#[allow(clippy::too_many_arguments)]
fn run_revision(
    conn: &mut Connection,
    r: &Revision,
    ops: &[Op],
    state: &mut SchemaState,
    dir: Dir,
    after: Option<String>,
    start: u32,
    recheck: bool,
) -> Result<()> {
    let kind = conn.dialect().name();
    let total = u32::try_from(ops.len()).unwrap_or(u32::MAX);
    if (kind == "mysql" || kind == "mariadb") && conn.transaction_depth() > 0 {
        return Err(Error::Revision {
            file: r.file.clone().into(),
            reason: format!(
                "{kind} commits the open transaction at the first DDL statement: run \
                 migrations outside a transaction; nothing was run"
            )
            .into(),
        });
    }
    let pending = format!(
        "{}:{}",
        match dir {
            Dir::Up => "up",
            Dir::Down => "down",
        },
        r.id
    );
    let fail = |step: usize, op: &Op, state: String, e: Error| {
        Error::Migration(Box::new(crate::error::MigrationFailure {
            revision: r.id.clone().into(),
            file: r.file.clone().into(),
            step: u32::try_from(step + 1).unwrap_or(u32::MAX),
            total,
            op: op.describe().into(),
            state: state.into(),
            source: e,
        }))
    };
    // Replay the operations already done by a resumed run.
    for op in ops.iter().take(start as usize) {
        state.apply(op)?;
    }
    if kind == "mysql" || kind == "mariadb" {
        // The row keeps the revision applied before this one, too.
        let before = match dir {
            Dir::Up => r.parent.clone(),
            Dir::Down => Some(r.id.clone()),
        };
        let mut v = VersionState {
            revision: before,
            pending: Some(pending),
            step: start,
        };
        Migrator::write_version(conn, &v)?;
        for (k, op) in ops.iter().enumerate().skip(start as usize) {
            // How many of the operation's statements ran before one failed.
            let mut ran: Vec<String> = Vec::new();
            let run = run_op(
                conn,
                &At {
                    file: &r.file,
                    step: k,
                    op,
                },
                state,
                &mut ran,
                recheck,
            );
            if let Err(e) = run {
                let mut state = format!(
                    "{k} earlier operation(s) of this revision are applied and kept ({kind} commits \
                     DDL at once) and the version table records the revision as pending at \
                     step {k}; fix the cause and run the same command again to continue from \
                     operation {}, or undo the applied operations by hand and stamp",
                    k + 1
                );
                if !ran.is_empty() {
                    state.push_str(&format!(
                        ". Operation {} itself was applied in part: undo these first, or remove \
                         them from the revision: {}",
                        k + 1,
                        ran.join("; ")
                    ));
                }
                return Err(fail(k, op, state, e));
            }
            v.step = u32::try_from(k + 1).unwrap_or(u32::MAX);
            Migrator::write_version(conn, &v)?;
        }
        return Migrator::write_version(
            conn,
            &VersionState {
                revision: after,
                pending: None,
                step: 0,
            },
        );
    }
    let sqlite = kind == "sqlite";
    let fks_on = sqlite
        && conn
            .query_sql("PRAGMA foreign_keys", &[])?
            .first()
            .map(|r| r.get::<i64, _>(0))
            .transpose()?
            == Some(1);
    if fks_on {
        // The pragma is a no-op inside a transaction, and a rebuild's DROP TABLE with
        // foreign keys on would delete the rows that refer to the table (ON DELETE
        // CASCADE): refuse rather than run.
        conn.execute_sql("PRAGMA foreign_keys = OFF", &[])?;
        let still_on = conn
            .query_sql("PRAGMA foreign_keys", &[])?
            .first()
            .map(|r| r.get::<i64, _>(0))
            .transpose()?
            == Some(1);
        if still_on && ops.iter().any(sqlite_rebuilds) {
            return Err(Error::Revision {
                file: r.file.clone().into(),
                reason: "SQLite's table rebuild needs foreign keys off, which cannot be \
                         switched inside a transaction: run the migration outside one; \
                         nothing was run"
                    .into(),
            });
        }
    }
    let from = match dir {
        Dir::Up => r.parent.clone(),
        Dir::Down => Some(r.id.clone()),
    };
    let result = (|| -> Result<()> {
        let mut tx = conn.begin()?;
        // The version this revision starts from, read again inside its transaction:
        // another process may have moved it since.
        let now_at = Migrator::current_in(&mut tx)?;
        if now_at.revision != from {
            return Err(Error::Revision {
                file: r.file.clone().into(),
                reason: format!(
                    "the database moved to {} while this migration ran (another process?); \
                     nothing was kept",
                    now_at.revision.as_deref().unwrap_or("base")
                )
                .into(),
            });
        }
        for (k, op) in ops.iter().enumerate() {
            let at = At {
                file: &r.file,
                step: k,
                op,
            };
            let run = run_op(&mut tx, &at, state, &mut Vec::new(), recheck);
            if let Err(e) = run {
                drop(tx);
                return Err(fail(
                    k,
                    op,
                    "the revision ran in a transaction that was rolled back: nothing was kept"
                        .into(),
                    e,
                ));
            }
        }
        if sqlite {
            let bad = tx.query_sql("PRAGMA foreign_key_check", &[])?;
            if let Some(row) = bad.first() {
                let table: String = row.get(0)?;
                let parent: String = row.get(2)?;
                return Err(Error::Revision {
                    file: r.file.clone().into(),
                    reason: format!(
                        "after the revision, {} row(s) break foreign keys (the first: a row of \
                         `{table}` without its `{parent}`); rolled back, nothing was kept",
                        bad.len()
                    )
                    .into(),
                });
            }
        }
        Migrator::write_version(
            &mut tx,
            &VersionState {
                revision: after,
                pending: None,
                step: 0,
            },
        )?;
        tx.commit()
    })();
    if fks_on {
        let restored = conn.execute_sql("PRAGMA foreign_keys = ON", &[]);
        result?;
        restored?;
        return Ok(());
    }
    result
}

/// Runs one operation: checked against the schema before any of its SQL runs, the
/// statements that ran noted in `ran`, and `state` moved on only when all of it ran.
fn run_op(
    conn: &mut Connection,
    at: &At<'_>,
    state: &mut SchemaState,
    ran: &mut Vec<String>,
    recheck: bool,
) -> Result<()> {
    let op = at.op;
    // Again just before it runs, after raw SQL the plan's walk could not follow.
    if recheck {
        check_now(conn, at)?;
    }
    let stmts = statements(conn, op, state)?;
    let mut next = state.clone();
    next.apply(op)?;
    for sql in stmts {
        conn.execute_sql(&sql, &[])?;
        ran.push(sql);
    }
    *state = next;
    Ok(())
}

/// The existing table `op` works on (`None` for a new table and for raw SQL).
fn source_table(op: &Op) -> Option<&str> {
    match op {
        Op::CreateTable(_) | Op::Sql(_) => None,
        Op::RenameTable { from, .. } => Some(from.as_str()),
        op => op.table(),
    }
}

/// The statements of `op` on the connection's database. The operation is checked
/// against the table, and SQLite's rebuild needs the whole table: the replayed state
/// has it for tables the revisions made; others (a database adopted with `stamp`, a
/// table made by raw SQL) are read from the database.
fn statements(conn: &mut Connection, op: &Op, state: &mut SchemaState) -> Result<Vec<String>> {
    if let Some(t) = source_table(op) {
        if state.table(t).is_none() {
            if let Some(live) = reflect_table(conn, t)? {
                state
                    .tables
                    .push(TableSpec::of(live.def(), conn.dialect())?);
            }
        }
    }
    let stmts = render(op, conn.dialect(), state)?;
    match op.table() {
        Some(t) if conn.dialect().name() == "sqlite" && sqlite_rebuilds(op) => {
            super::rebuild::around_sqlite_rebuild(conn, t, op, stmts)
        }
        _ => Ok(stmts),
    }
}
