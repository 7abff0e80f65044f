//! Revision files: one TOML file per revision in a `migrations/` folder, and the chain
//! they form (one root, one head, each revision naming its parent).
//!
//! ```toml
//! # sqlkit revision. `upgrade` runs forward, `downgrade` undoes it; edit both freely.
//! id = "20261202170000"
//! parent = "20261201093000"
//! message = "add users.bio"
//! created = "2026-12-02T17:00:00Z"
//!
//! [[upgrade]]
//! op = "add_column"
//! table = "users"
//! column = { name = "bio", type = "text", nullable = true, default = "" }
//!
//! [[downgrade]]
//! # DESTRUCTIVE: drops column `users.bio` and its values
//! op = "drop_column"
//! table = "users"
//! column = { name = "bio", type = "text", nullable = true, default = "" }
//! ```

use super::ops::Op;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The longest revision id: what the version table's column holds.
pub const MAX_ID: usize = 64;

/// One revision: its place in the chain and what it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// The id (at most [`MAX_ID`] bytes, no spaces): by default the UTC time it was made,
    /// `YYYYMMDDHHMMSS`.
    pub id: String,
    /// The revision it follows; `None` for the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// What it is for.
    #[serde(default)]
    pub message: String,
    /// When it was made (RFC 3339).
    #[serde(default)]
    pub created: String,
    /// The operations that apply it, in order.
    #[serde(default)]
    pub upgrade: Vec<Op>,
    /// The operations that undo it, in order.
    #[serde(default)]
    pub downgrade: Vec<Op>,
    /// The file it was read from (not stored in the file).
    #[serde(skip)]
    pub file: String,
}

impl Revision {
    /// Reads a revision from the text of `file` (named in errors).
    pub fn parse(file: &str, text: &str) -> Result<Revision> {
        let mut r: Revision = toml::from_str(text).map_err(|e| Error::Revision {
            file: file.into(),
            reason: e.to_string().trim_end().into(),
        })?;
        if r.id.trim().is_empty() || r.id.contains(char::is_whitespace) {
            return Err(Error::Revision {
                file: file.into(),
                reason: format!("the id `{}` is empty or has spaces", r.id).into(),
            });
        }
        if r.id.len() > MAX_ID {
            return Err(Error::Revision {
                file: file.into(),
                reason: format!("the id `{}` is longer than {MAX_ID} bytes", r.id).into(),
            });
        }
        r.file = file.to_string();
        Ok(r)
    }

    /// The revision as file text: the fields, then each operation as a TOML table with
    /// `op` first and lists one item per line; a destructive operation is preceded by
    /// a `# DESTRUCTIVE:` comment saying what it loses.
    pub fn to_text(&self) -> Result<String> {
        let mut out = String::from(
            "# sqlkit revision. `upgrade` runs forward, `downgrade` undoes it; edit both freely.\n",
        );
        let s = |v: &str| toml::Value::String(v.to_string()).to_string();
        out.push_str(&format!("id = {}\n", s(&self.id)));
        if let Some(p) = &self.parent {
            out.push_str(&format!("parent = {}\n", s(p)));
        }
        out.push_str(&format!("message = {}\n", s(&self.message)));
        out.push_str(&format!("created = {}\n", s(&self.created)));
        // An empty list is a plain key, so it goes before the first table header (after
        // one, a key belongs to that table).
        for (key, ops) in [("upgrade", &self.upgrade), ("downgrade", &self.downgrade)] {
            if ops.is_empty() {
                out.push_str(&format!("{key} = []\n"));
            }
        }
        for (key, ops) in [("upgrade", &self.upgrade), ("downgrade", &self.downgrade)] {
            for op in ops {
                out.push('\n');
                if let Some(why) = op.destructive() {
                    // A comment ends at the line's end: control characters in names are
                    // written escaped.
                    let why: String = why
                        .chars()
                        .flat_map(|c| {
                            let escaped: Vec<char> = if c.is_control() {
                                c.escape_default().collect()
                            } else {
                                vec![c]
                            };
                            escaped
                        })
                        .collect();
                    out.push_str(&format!("# DESTRUCTIVE: {why}\n"));
                }
                out.push_str(&format!("[[{key}]]\n"));
                write_op(&mut out, op)?;
            }
        }
        Ok(out)
    }
}

/// The order keys are written in; others follow in name order.
const KEY_ORDER: &[&str] = &[
    "op",
    "table",
    "from",
    "to",
    "column",
    "index",
    "foreign_key",
    "unique",
    "check",
    "columns",
    "primary_key",
    "foreign_keys",
    "uniques",
    "checks",
    "indexes",
    "any",
    "sqlite",
    "postgresql",
    "mysql",
    "mariadb",
];

fn write_op(out: &mut String, op: &Op) -> Result<()> {
    let value = toml::Value::try_from(op).map_err(|e| Error::Revision {
        file: "(new revision)".into(),
        reason: format!("cannot write {}: {e}", op.describe()).into(),
    })?;
    let toml::Value::Table(table) = value else {
        return Err(Error::Revision {
            file: "(new revision)".into(),
            reason: format!("{} is not a table", op.describe()).into(),
        });
    };
    let mut keys: Vec<&String> = table.keys().collect();
    keys.sort_by_key(|k| {
        (
            KEY_ORDER
                .iter()
                .position(|o| o == k)
                .unwrap_or(KEY_ORDER.len()),
            k.to_string(),
        )
    });
    for k in keys {
        let Some(v) = table.get(k) else { continue };
        let key = if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            k.clone()
        } else {
            toml::Value::String(k.clone()).to_string()
        };
        match v {
            toml::Value::Array(items) if items.iter().any(|i| i.is_table()) => {
                out.push_str(&format!("{key} = [\n"));
                for i in items {
                    out.push_str(&format!("    {i},\n"));
                }
                out.push_str("]\n");
            }
            v => out.push_str(&format!("{key} = {v}\n")),
        }
    }
    Ok(())
}

/// The revisions of a folder or of an application binary, in chain order (root
/// first). The chain is checked when made: ids are unique, every parent exists, there
/// is one root and one head.
#[derive(Debug, Clone, Default)]
pub struct Migrations {
    revisions: Vec<Revision>,
}

impl Migrations {
    /// The `*.toml` files of `dir` (a missing folder is an empty chain).
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Migrations> {
        let dir = dir.as_ref();
        let io = |e: std::io::Error| Error::Revision {
            file: dir.display().to_string().into(),
            reason: e.to_string().into(),
        };
        if !dir.exists() {
            return Ok(Migrations::default());
        }
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
        files.sort();
        let mut texts = Vec::with_capacity(files.len());
        for f in &files {
            let text = std::fs::read_to_string(f).map_err(|e| Error::Revision {
                file: f.display().to_string().into(),
                reason: e.to_string().into(),
            })?;
            texts.push((f.display().to_string(), text));
        }
        Migrations::from_texts(texts.iter().map(|(f, t)| (f.as_str(), t.as_str())))
    }

    /// Revisions from `(file name, text)` pairs, as
    /// [`embed_migrations!`](crate::embed_migrations) embeds them in a binary.
    pub fn from_texts<'a, I>(files: I) -> Result<Migrations>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut all = Vec::new();
        for (file, text) in files {
            all.push(Revision::parse(file, text)?);
        }
        Migrations::from_revisions(all)
    }

    /// Orders and checks a set of revisions.
    pub fn from_revisions(mut all: Vec<Revision>) -> Result<Migrations> {
        let err = |file: &str, reason: String| Error::Revision {
            file: file.into(),
            reason: reason.into(),
        };
        for (i, r) in all.iter().enumerate() {
            if let Some(other) = all.iter().take(i).find(|o| o.id == r.id) {
                return Err(err(
                    &r.file,
                    format!("the id `{}` is also the id of {}", r.id, other.file),
                ));
            }
        }
        for r in &all {
            if let Some(p) = &r.parent {
                if !all.iter().any(|o| o.id == *p) {
                    return Err(err(&r.file, format!("the parent `{p}` is not a revision")));
                }
            }
        }
        let roots: Vec<&Revision> = all.iter().filter(|r| r.parent.is_none()).collect();
        if all.is_empty() {
            return Ok(Migrations::default());
        }
        if roots.len() != 1 {
            let files: Vec<&str> = roots.iter().map(|r| r.file.as_str()).collect();
            return Err(err(
                "migrations",
                if roots.is_empty() {
                    "no revision is the first (every one has a parent): a cycle".into()
                } else {
                    format!(
                        "{} revisions have no parent ({}); give all but the first one a parent",
                        roots.len(),
                        files.join(", ")
                    )
                },
            ));
        }
        let heads: Vec<&Revision> = all
            .iter()
            .filter(|r| {
                !all.iter()
                    .any(|o| o.parent.as_deref() == Some(r.id.as_str()))
            })
            .collect();
        if heads.len() != 1 {
            let names: Vec<String> = heads
                .iter()
                .map(|r| format!("{} ({})", r.id, r.file))
                .collect();
            return Err(err(
                "migrations",
                format!(
                    "the history has {} heads: {}; make one the parent of the other",
                    heads.len(),
                    names.join(", ")
                ),
            ));
        }
        // One root, one head, every parent present: walk from the root.
        let mut ordered = Vec::with_capacity(all.len());
        let mut next: Option<String> = None;
        while !all.is_empty() {
            let Some(pos) = all.iter().position(|r| r.parent == next) else {
                let files: Vec<&str> = all.iter().map(|r| r.file.as_str()).collect();
                return Err(err(
                    "migrations",
                    format!(
                        "revisions not reached from the first one (a cycle): {}",
                        files.join(", ")
                    ),
                ));
            };
            let r = all.swap_remove(pos);
            next = Some(r.id.clone());
            ordered.push(r);
        }
        Ok(Migrations { revisions: ordered })
    }

    /// The revisions, root first.
    pub fn revisions(&self) -> &[Revision] {
        &self.revisions
    }

    /// The last revision's id.
    pub fn head(&self) -> Option<&str> {
        self.revisions.last().map(|r| r.id.as_str())
    }

    /// The position of revision `id` (a unique prefix of an id works too).
    pub fn position(&self, id: &str) -> Result<usize> {
        if let Some(i) = self.revisions.iter().position(|r| r.id == id) {
            return Ok(i);
        }
        let found: Vec<usize> = self
            .revisions
            .iter()
            .enumerate()
            .filter(|(_, r)| r.id.starts_with(id))
            .map(|(i, _)| i)
            .collect();
        match found.as_slice() {
            [i] => Ok(*i),
            [] => Err(Error::Revision {
                file: "migrations".into(),
                reason: format!("there is no revision `{id}`").into(),
            }),
            _ => Err(Error::Revision {
                file: "migrations".into(),
                reason: format!("`{id}` is the start of several revision ids").into(),
            }),
        }
    }
}
