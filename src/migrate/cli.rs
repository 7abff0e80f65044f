//! The command line, as a library entry point: a small binary of the application calls
//! [`main`] with its models (Rust models are compiled code, so the tool cannot find
//! them by itself, as Alembic's `env.py` imports them).

use super::diff::{RenameQuestion, Renames};
use super::runner::{Migrator, Target};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::schema::MetaData;
use std::io::{BufRead, IsTerminal, Write};

/// The usage text.
pub const USAGE: &str = "\
usage: <program> [options] <command> [arguments]

commands:
  help                               this text (also --help, -h)
  init                               create the migrations folder
  revision -m MSG [--autogenerate]   a new revision (autogenerate: models vs database)
           [--rename T.OLD=T.NEW | --rename OLD=NEW]...
  upgrade [head|+N|REV]              apply revisions (default head)
  downgrade [-N|base|REV]            undo revisions (default -1)
  current                            the database's revision
  history                            the revisions, first to head
  check                              exit 1 unless the database is at head and matches the models
  stamp [head|base|REV]              set the version without running anything

options:
  --url URL              the database (default: $DATABASE_URL)
  --dir DIR              the migrations folder (default: migrations)
  --allow-destructive    run operations that drop tables or columns, narrow types, or
                         run raw SQL not marked `safe = true` (on a terminal they are
                         listed and confirmed instead)
  --sql DIALECT          upgrade/downgrade: print the SQL for sqlite, postgresql, mysql or
                         mariadb instead of running it (no connection)
  --from REV             with --sql: the revision the database is at (default: base for
                         upgrade, head for downgrade)
  --no-prompt            never ask (renames stay a drop and an add; destructive steps
                         need --allow-destructive)
  --exclude-table NAME   revision --autogenerate and check leave table NAME alone
                         (another tool's); repeatable
";

/// Runs the command line `args` (without the program name) for `models`, printing to
/// standard output, and returns the process exit code: 0 on success, 1 when `check`
/// finds differences, 2 on an error (printed to standard error).
///
/// ```no_run
/// # use sqlkit::schema::MetaData;
/// fn main() -> std::process::ExitCode {
///     let models = MetaData::new(); // the application's tables
///     let args: Vec<String> = std::env::args().skip(1).collect();
///     sqlkit::migrate::cli::main(&models, &args)
/// }
/// ```
pub fn main(models: &MetaData, args: &[String]) -> std::process::ExitCode {
    let mut out = std::io::stdout().lock();
    match run(models, args, &mut out) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

struct Options {
    url: Option<String>,
    dir: String,
    allow_destructive: bool,
    sql: Option<String>,
    from: Option<String>,
    prompt: bool,
    message: Option<String>,
    autogenerate: bool,
    renames: Renames,
    positional: Vec<String>,
    help: bool,
    exclude_tables: Vec<String>,
}

fn usage_error(reason: String) -> Error {
    Error::Revision {
        file: "command line".into(),
        reason: format!("{reason}\n{USAGE}").into(),
    }
}

fn parse(args: &[String]) -> Result<Options> {
    let mut o = Options {
        url: std::env::var("DATABASE_URL").ok(),
        dir: "migrations".into(),
        allow_destructive: false,
        sql: None,
        from: None,
        prompt: true,
        message: None,
        autogenerate: false,
        renames: Renames::default(),
        positional: Vec::new(),
        help: false,
        exclude_tables: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| usage_error(format!("{name} needs a value")))
        };
        match a.as_str() {
            "--url" => o.url = Some(value("--url")?),
            "--dir" => o.dir = value("--dir")?,
            "--allow-destructive" => o.allow_destructive = true,
            "--sql" => o.sql = Some(value("--sql")?),
            "--from" => o.from = Some(value("--from")?),
            "--no-prompt" => o.prompt = false,
            "--help" | "-h" => o.help = true,
            "--exclude-table" => o.exclude_tables.push(value("--exclude-table")?),
            "-m" | "--message" => o.message = Some(value("-m")?),
            "--autogenerate" => o.autogenerate = true,
            "--rename" => {
                let hint = value("--rename")?;
                o.renames.add(&hint)?;
            }
            s if s.starts_with("--") => return Err(usage_error(format!("unknown option {s}"))),
            s => o.positional.push(s.to_string()),
        }
    }
    Ok(o)
}

/// Asks `question [y/N]` on standard error; `true` for a yes on standard input.
fn confirm(question: &str) -> bool {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question} [y/N] ");
    let _ = err.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    matches!(line.trim(), "y" | "Y" | "yes")
}

/// [`main`] without the process: output to `out`, the exit code returned, errors as
/// errors.
pub fn run(models: &MetaData, args: &[String], out: &mut dyn Write) -> Result<u8> {
    let o = parse(args)?;
    let io = |e: std::io::Error| Error::Revision {
        file: "output".into(),
        reason: e.to_string().into(),
    };
    if o.help || o.positional.first().is_some_and(|c| c == "help") {
        out.write_all(USAGE.as_bytes()).map_err(io)?;
        return Ok(0);
    }
    let Some((command, rest)) = o.positional.split_first() else {
        out.write_all(USAGE.as_bytes()).map_err(io)?;
        return Ok(2);
    };
    let arg = rest.first().map(String::as_str);
    if rest.len() > 1 {
        return Err(usage_error(format!("{command} takes at most one argument")));
    }
    let connect = || -> Result<crate::engine::Connection> {
        let url = o
            .url
            .as_deref()
            .ok_or_else(|| usage_error("no database: pass --url or set DATABASE_URL".into()))?;
        Engine::from_url(url)?.connect()
    };
    let mut m = Migrator::from_dir(&o.dir)?
        .allow_destructive(o.allow_destructive)
        .include(super::diff::Include::excluding_tables(
            o.exclude_tables.clone(),
        ));
    match command.as_str() {
        "init" => {
            std::fs::create_dir_all(&o.dir).map_err(|e| Error::Revision {
                file: o.dir.clone().into(),
                reason: e.to_string().into(),
            })?;
            writeln!(
                out,
                "created {}; next: revision --autogenerate -m \"...\"",
                o.dir
            )
            .map_err(io)?;
        }
        "revision" => {
            let message = o
                .message
                .clone()
                .ok_or_else(|| usage_error("revision needs -m MESSAGE".into()))?;
            let rev = if o.autogenerate {
                let mut conn = connect()?;
                let interactive = o.prompt && std::io::stdin().is_terminal();
                let mut ask = |q: &RenameQuestion| confirm(&q.to_string());
                let ask: Option<&mut dyn FnMut(&RenameQuestion) -> bool> =
                    if interactive { Some(&mut ask) } else { None };
                match m.autogenerate_revision(&mut conn, models, &message, &o.renames, ask)? {
                    Some(r) => r,
                    None => {
                        writeln!(out, "no changes: the database matches the models").map_err(io)?;
                        return Ok(0);
                    }
                }
            } else {
                m.revision(&message, Vec::new())?
            };
            writeln!(out, "wrote {} ({} operations)", rev.file, rev.upgrade.len()).map_err(io)?;
            for op in &rev.upgrade {
                let mark = if op.destructive().is_some() {
                    "  DESTRUCTIVE"
                } else {
                    ""
                };
                writeln!(out, "  {}{mark}", op.describe()).map_err(io)?;
            }
        }
        "upgrade" | "downgrade" => {
            let down = command == "downgrade";
            let target = match arg {
                Some(t) => Target::parse(t)?,
                None if down => Target::Down(1),
                None => Target::Head,
            };
            if let Some(d) = &o.sql {
                let dialect = crate::dialect::dialect_for(d)?;
                let sql = m.sql(dialect.as_ref(), o.from.as_deref(), &target, down)?;
                out.write_all(sql.as_bytes()).map_err(io)?;
                return Ok(0);
            }
            let mut conn = connect()?;
            // On a terminal, destructive steps are shown and confirmed; elsewhere they
            // need --allow-destructive.
            if !o.allow_destructive && o.prompt && std::io::stdin().is_terminal() {
                let steps = m.destructive_steps(&mut conn, &target, down)?;
                if !steps.is_empty() {
                    let mut err = std::io::stderr();
                    for (file, what) in &steps {
                        let _ = writeln!(err, "DESTRUCTIVE: {file}: {what}");
                    }
                    if confirm("run these?") {
                        m = m.allow_destructive(true);
                    }
                }
            }
            let done = if down {
                m.downgrade(&mut conn, &target)?
            } else {
                m.upgrade(&mut conn, &target)?
            };
            if done.is_empty() {
                writeln!(out, "nothing to do").map_err(io)?;
            }
            for id in done {
                writeln!(out, "{command} {id}").map_err(io)?;
            }
        }
        "current" => {
            let mut conn = connect()?;
            let v = m.current(&mut conn)?;
            let head = m.migrations().head();
            let at = v.revision.as_deref().unwrap_or("base");
            let mark = if v.revision.as_deref() == head {
                " (head)"
            } else {
                ""
            };
            writeln!(out, "{at}{mark}").map_err(io)?;
            if let Some(p) = v.pending {
                writeln!(out, "left halfway: {p}, {} operations done", v.step).map_err(io)?;
            }
        }
        "history" => {
            for r in m.migrations().revisions() {
                let head = if Some(r.id.as_str()) == m.migrations().head() {
                    " (head)"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "{} -> {}{head}: {}",
                    r.parent.as_deref().unwrap_or("base"),
                    r.id,
                    r.message
                )
                .map_err(io)?;
            }
        }
        "check" => {
            let mut conn = connect()?;
            let report = m.check(&mut conn, models)?;
            if report.current != report.head {
                writeln!(
                    out,
                    "the database is at {}, the head is {}",
                    report.current.as_deref().unwrap_or("base"),
                    report.head.as_deref().unwrap_or("base")
                )
                .map_err(io)?;
            }
            for op in &report.changes {
                writeln!(out, "differs: {}", op.describe()).map_err(io)?;
            }
            if report.is_clean() {
                writeln!(out, "clean: the database is at head and matches the models")
                    .map_err(io)?;
                return Ok(0);
            }
            return Ok(1);
        }
        "stamp" => {
            let target = Target::parse(arg.unwrap_or("head"))?;
            let mut conn = connect()?;
            m.stamp(&mut conn, &target)?;
            writeln!(out, "stamped {}", arg.unwrap_or("head")).map_err(io)?;
        }
        c => return Err(usage_error(format!("unknown command {c}"))),
    }
    Ok(0)
}
