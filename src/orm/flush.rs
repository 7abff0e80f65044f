//! The flush as a plan: [`Flush::next`] makes the next statement from the session's
//! state, the caller runs it, and [`Flush::complete`] takes its result back. No
//! connection is involved, so a sync and an async session drive the same plan.

use std::collections::VecDeque;

use super::key::{Key, Map, Set};
use super::rel::{cols_in, values_of, Kind, Relation};
use super::state::{ObjectState, State, Undo};
use crate::compile::types::OutputType;
use crate::compile::KeySource;
use crate::dialect::Dialect;
use crate::expr::{Any as AnyKind, Expr, ExprOps};
use crate::schema::{Default, Table, TableDef};
use crate::stmt::{delete, insert, select, update, Statement};
use crate::{Error, Result, Value};
use std::sync::Arc;

/// At most this many rows in one INSERT, and keys in one `IN` list.
const BATCH_ROWS: usize = 500;
/// At most this many parameters in one statement (under SQLite's 32,766).
const MAX_PARAMS: usize = 30_000;

/// The pending objects of one INSERT shape: the columns they set, each object with
/// the fields the flush set (and their old values), and their values, row after row.
struct Group {
    mask: Vec<bool>,
    rows: Vec<(u32, Vec<(usize, Value)>)>,
    values: Vec<Value>,
}

/// What a step's statement is for.
enum Work {
    /// Children of objects being deleted, read so the delete can cascade to them.
    Cascade {
        rel: Relation,
        owners: Vec<u32>,
        target: usize,
    },
    Insert {
        store: usize,
        rows: Vec<(u32, Vec<(usize, Value)>)>,
        /// The columns the server fills (left out of the INSERT), returned first.
        returned: Vec<usize>,
        /// How the returned rows are matched to `rows`.
        matching: Match,
        /// The autoincrement column, set from the last insert id when nothing is
        /// returned.
        auto: Option<usize>,
    },
    /// Reads back the columns the server filled for one inserted row, where the
    /// server has no RETURNING (MySQL, SQLite before 3.35).
    ReadBack {
        store: usize,
        idx: u32,
        cols: Vec<usize>,
    },
    Update {
        store: usize,
        idx: u32,
        fields: Vec<(usize, Value)>,
    },
    Delete {
        store: usize,
        idxs: Vec<u32>,
    },
    Plain,
}

/// How the rows an `INSERT .. RETURNING` gives back are matched to the objects it
/// wrote. Neither PostgreSQL, SQLite nor MariaDB promises RETURNING's order, and an
/// object given another row's key would have its later UPDATE and DELETE hit that row,
/// so rows are matched by what the server must preserve.
#[derive(Debug, Clone)]
enum Match {
    /// One row per statement: it is the object's.
    One,
    /// SQLite's rowid key: each row of one INSERT gets the next integer in VALUES
    /// order; the rows sorted by key, checked to be consecutive.
    Rowid,
    /// By the values of these columns, returned after the server-filled ones: the
    /// key the client set, or columns whose values come back exactly and tell the rows
    /// apart (rows alike in every value sent are interchangeable).
    Columns(Vec<usize>),
}

/// A statement the flush wants run, before it is compiled into a [`Step`].
struct Plan {
    stmt: Box<dyn Statement>,
    rows: bool,
    expect: Option<u64>,
    work: Work,
}

/// One statement of a [`Flush`], compiled for the connection's dialect: run it and
/// hand it back with its [`Outcome`].
pub struct Step {
    sql: Arc<str>,
    params: Vec<Value>,
    types: Arc<[OutputType]>,
    key: KeySource,
    rows: bool,
    expect: Option<u64>,
    work: Work,
}

impl Step {
    /// The SQL to run.
    pub fn sql(&self) -> &str {
        &self.sql
    }
    /// Its parameters, in placeholder order.
    pub fn params(&self) -> &[Value] {
        &self.params
    }
    /// Whether the statement returns rows (run it as a query).
    pub fn returns_rows(&self) -> bool {
        self.rows
    }
    /// The types its result columns are read as (see `Statement::output_types`).
    pub(crate) fn types(&self) -> &[OutputType] {
        &self.types
    }
    /// Where an INSERT's new key comes from.
    pub(crate) fn key(&self) -> KeySource {
        self.key
    }
}

/// The SQL of one INSERT shape (table, columns, row count), compiled once and reused
/// with each batch's values.
struct Template {
    rows: usize,
    sql: Arc<str>,
    types: Arc<[OutputType]>,
    key: KeySource,
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step").field("rows", &self.rows).finish()
    }
}

/// What running a step gave.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The values of a query's or RETURNING's rows, row after row (one allocation for
    /// the lot, where a `Vec` of rows would take one per row).
    pub values: Vec<Value>,
    /// Rows affected.
    pub affected: u64,
    /// The server's last insert id.
    pub last_insert_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Cascade,
    Insert,
    Secondary,
    Update,
    Unlink,
    Delete,
    Done,
}

/// A flush in progress (see the module documentation of [`orm`](super)).
pub struct Flush {
    phase: Phase,
    dialect: Arc<dyn Dialect>,
    /// Stores, parents first.
    order: Vec<usize>,
    pos: usize,
    queue: VecDeque<Step>,
    returning: bool,
    /// Objects whose DELETE is queued.
    queued: Set<(usize, u32)>,
    /// The journal's length when the flush began: undoing to it undoes the flush.
    pub(crate) mark: usize,
}

impl std::fmt::Debug for Flush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flush").field("phase", &self.phase).finish()
    }
}

fn table(def: &'static TableDef) -> Table {
    Table::from_static(def)
}

/// Column `c` of `def`'s table, as an expression.
pub(crate) fn col(def: &'static TableDef, c: usize) -> Result<Expr<AnyKind>> {
    let name = def.columns().get(c).map(|c| c.name()).unwrap_or("?");
    table(def).c(name)
}

fn col_name(def: &TableDef, c: usize) -> &str {
    def.columns().get(c).map_or("?", |c| c.name())
}

/// The stores in foreign-key order, parents first (a cycle keeps declaration order).
fn dependency_order(state: &State) -> Vec<usize> {
    let n = state.stores.len();
    let names: Vec<&str> = state.stores.iter().map(|s| s.def().name()).collect();
    let parents: Vec<Vec<usize>> = state
        .stores
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.def()
                .foreign_keys()
                .iter()
                .filter_map(|fk| names.iter().position(|n| *n == fk.ref_table()))
                .filter(|&p| p != i)
                .collect()
        })
        .collect();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        let ready = (0..n).find(|&i| {
            !done.get(i).copied().unwrap_or(true)
                && parents
                    .get(i)
                    .is_some_and(|ps| ps.iter().all(|&p| done.get(p).copied().unwrap_or(true)))
        });
        let next = ready.or_else(|| (0..n).find(|&i| !done.get(i).copied().unwrap_or(true)));
        let Some(i) = next else { break };
        if let Some(d) = done.get_mut(i) {
            *d = true;
        }
        order.push(i);
    }
    order
}

fn stale(what: &str, table: &str, expected: u64, got: u64) -> Error {
    Error::StaleData(
        format!("{what} of {table} expected to match {expected} row(s), matched {got}").into(),
    )
}

/// [`Error::StaleData`] for an UPDATE or DELETE of `idxs` that matched `got` rows of
/// the `expected`: the table, each row's key (and the version the session expected).
fn stale_rows(
    state: &State,
    what: &str,
    store: usize,
    idxs: &[u32],
    expected: u64,
    got: u64,
) -> Error {
    let Ok(s) = state.store(store) else {
        return stale(what, "the table", expected, got);
    };
    let def = s.def();
    let version = def.version_column();
    let rows: Vec<String> = idxs
        .iter()
        .take(10)
        .map(|&i| {
            let mut parts: Vec<String> = s
                .pk()
                .iter()
                .map(|&c| {
                    format!(
                        "{}={}",
                        col_name(def, c),
                        show(&s.loaded_value(i, c).unwrap_or_default())
                    )
                })
                .collect();
            if let Some(vc) = version {
                parts.push(format!(
                    "{} {}",
                    col_name(def, vc),
                    show(&s.loaded_value(i, vc).unwrap_or_default())
                ));
            }
            format!("({})", parts.join(", "))
        })
        .collect();
    let more = if idxs.len() > rows.len() { ", .." } else { "" };
    let why = if version.is_some() {
        "another transaction changed or deleted the row since the session loaded it"
    } else {
        "the row was deleted or its key changed outside the session"
    };
    Error::StaleData(
        format!(
            "{what} of {} row(s) {}{more} expected to match {expected} row(s), matched {got}: {why}; the flush was undone",
            def.name(),
            rows.join(", ")
        )
        .into(),
    )
}

/// A key value as a message shows it.
fn show(v: &Value) -> String {
    match v {
        Value::Text(t) => format!("{:?}", &**t),
        Value::Int(i) => i.to_string(),
        Value::Null => "NULL".into(),
        v => format!("{v:?}"),
    }
}

/// A row's values as a hashable signature (NULL included).
fn signature<'a>(values: impl Iterator<Item = Option<&'a Value>>) -> Key {
    let parts: Vec<Value> = values
        .map(|v| match v {
            None | Some(Value::Null) => Value::Text("\u{0}null".into()),
            Some(v) => v.clone(),
        })
        .collect();
    Key::of(&parts).unwrap_or(Key::Int(0))
}

impl Flush {
    /// Starts a flush of `state`, its statements compiled for `dialect`.
    pub(crate) fn new(state: &mut State, dialect: Arc<dyn Dialect>, returning: bool) -> Flush {
        let returning = returning && dialect.supports(crate::dialect::Feature::ReturningInsert);
        let mark = state.journal.len();
        state.journal.push(Undo::Links {
            links: state.links.clone(),
            secondary: state.secondary.clone(),
        });
        Flush {
            phase: Phase::Cascade,
            dialect,
            order: dependency_order(state),
            pos: 0,
            queue: VecDeque::new(),
            returning,
            queued: Set::default(),
            mark,
        }
    }

    /// Compiles a planned statement and queues it.
    fn push(&mut self, plan: Plan) -> Result<()> {
        let step = self.compile(&*plan.stmt, plan.rows, plan.expect, plan.work)?;
        self.queue.push_back(step);
        Ok(())
    }

    /// A statement compiled for the dialect into a step.
    fn compile(
        &self,
        stmt: &dyn Statement,
        rows: bool,
        expect: Option<u64>,
        work: Work,
    ) -> Result<Step> {
        let c = stmt.compile_to_run(&*self.dialect)?;
        Ok(Step {
            sql: c.sql.into(),
            params: c.params,
            types: stmt.output_types().into(),
            key: c.key,
            rows,
            expect,
            work,
        })
    }

    /// The next statement, or `None` when the flush is complete.
    pub(crate) fn next(&mut self, state: &mut State) -> Result<Option<Step>> {
        loop {
            if let Some(s) = self.queue.pop_front() {
                return Ok(Some(s));
            }
            match self.phase {
                Phase::Cascade => {
                    if !self.cascade(state)? {
                        self.phase = Phase::Insert;
                        self.order = dependency_order(state);
                        self.pos = 0;
                    }
                }
                Phase::Insert => match self.order.get(self.pos).copied() {
                    Some(s) => {
                        if !self.inserts(state, s)? {
                            self.pos += 1;
                        }
                    }
                    None => self.phase = Phase::Secondary,
                },
                Phase::Secondary => {
                    self.secondary(state, true)?;
                    self.phase = Phase::Update;
                    self.pos = 0;
                }
                Phase::Update => match self.order.get(self.pos).copied() {
                    Some(s) => {
                        self.updates(state, s)?;
                        self.pos += 1;
                    }
                    None => self.phase = Phase::Unlink,
                },
                Phase::Unlink => {
                    self.secondary(state, false)?;
                    self.phase = Phase::Delete;
                    self.pos = self.order.len();
                }
                Phase::Delete => {
                    if self.pos == 0 {
                        self.phase = Phase::Done;
                        continue;
                    }
                    let s = self.order.get(self.pos - 1).copied().unwrap_or_default();
                    if !self.deletes(state, s)? {
                        self.pos -= 1;
                    }
                }
                Phase::Done => {
                    state.links.clear();
                    state.secondary.clear();
                    return Ok(None);
                }
            }
        }
    }

    /// Queues reads of the children a delete cascades to; marks the loaded ones.
    /// `false` when there is nothing left to cascade.
    fn cascade(&mut self, state: &mut State) -> Result<bool> {
        loop {
            let mut newly = Vec::new();
            for s in state.stores.iter() {
                for rel in s.relations() {
                    if !rel.cascade.delete {
                        continue;
                    }
                    let Kind::OneToMany { fk, owner_col } = rel.kind else {
                        continue;
                    };
                    let Some(target) = state.find_store(rel.target) else {
                        continue;
                    };
                    let mut unloaded = Vec::new();
                    for idx in s.touched_in_state(ObjectState::Persistent) {
                        if !s.marked(idx) {
                            continue;
                        }
                        match state.collections.get(&(rel.owner, rel.name, idx)) {
                            Some(children) => {
                                for &c in children {
                                    newly.push((target, c));
                                }
                            }
                            None => unloaded.push(idx),
                        }
                    }
                    for chunk in unloaded.chunks(BATCH_ROWS) {
                        let keys: Vec<Vec<Value>> = chunk
                            .iter()
                            .map(|&i| values_of(&**s, i, owner_col))
                            .collect();
                        let t = table(rel.target_def);
                        let q = select(t.clone()).where_(cols_in(&t, rel.target_def, fk, keys)?);
                        self.push(Plan {
                            stmt: Box::new(q),
                            rows: true,
                            expect: None,
                            work: Work::Cascade {
                                rel: rel.clone(),
                                owners: chunk.to_vec(),
                                target,
                            },
                        })?;
                    }
                }
            }
            if !self.queue.is_empty() {
                return Ok(true);
            }
            let mut any = false;
            for (t, c) in newly {
                let st = state.store_mut(t)?;
                if st.state(c) == ObjectState::Persistent && !st.marked(c) {
                    st.set_marked(c, true);
                    state.journal.push(Undo::Marked { store: t, idx: c });
                    any = true;
                }
            }
            if !any {
                return Ok(false);
            }
        }
    }

    /// Writes the foreign keys of `idx`'s pending many-to-one links; the fields'
    /// previous values go to `fields`. A link to an object without a key yet is `Ok(false)`.
    fn apply_links(
        state: &mut State,
        store: usize,
        idx: u32,
        fields: &mut Vec<(usize, Value)>,
    ) -> Result<bool> {
        if state.links.is_empty() {
            return Ok(true);
        }
        let rels: Vec<Relation> = state.store(store)?.relations().to_vec();
        for rel in rels {
            let Kind::ManyToOne { fk, target_col } = rel.kind else {
                continue;
            };
            let Some(link) = state.links.get(&(rel.owner, rel.name, idx)).copied() else {
                continue;
            };
            let v = match link {
                None => vec![Value::Null; fk.iter().count()],
                Some(t) => {
                    let ts = state
                        .find_store(rel.target)
                        .ok_or_else(|| Error::Session("no store".into()))?;
                    let target = state.store(ts)?;
                    if target.state(t) == ObjectState::Detached {
                        return Err(Error::Session(
                            format!(
                                "{}.{} links to a {} object that is no longer in the session",
                                rel.owner_def.name(),
                                rel.name,
                                rel.target_def.name()
                            )
                            .into(),
                        ));
                    }
                    let v = values_of(target, t, target_col);
                    if v.iter().any(Value::is_null) {
                        return Ok(false);
                    }
                    v
                }
            };
            let s = state.store_mut(store)?;
            for (c, v) in fk.iter().zip(v) {
                let old = s.value(idx, c);
                if old != v {
                    s.set_value(idx, c, v)?;
                    fields.push((c, old));
                }
            }
        }
        Ok(true)
    }

    /// Queues the INSERTs of the pending objects of `store` whose links can be written;
    /// `false` when none is left.
    fn inserts(&mut self, state: &mut State, store: usize) -> Result<bool> {
        let pending = state.store(store)?.touched_in_state(ObjectState::Pending);
        if pending.is_empty() {
            return Ok(false);
        }
        // The identity map grows once for all of them, not batch by batch.
        state.store_mut(store)?.reserve(pending.len());
        let def = state.store(store)?.def();
        let auto = def.autoincrement_column();
        let ncols = def.columns().len();
        // Columns left out of the INSERT when NULL: the server fills them.
        let server_fills: Vec<bool> = def
            .columns()
            .iter()
            .enumerate()
            .map(|(c, cd)| {
                auto == Some(c)
                    || cd.server_default_node().is_some()
                    || matches!(cd.client_default(), Some(Default::Expr(_)))
            })
            .collect();
        // Rows grouped by which columns they set.
        let mut groups: Vec<Group> = Vec::new();
        let mut mask = Vec::with_capacity(ncols);
        let mut row = Vec::with_capacity(ncols);
        for idx in pending {
            let mut fields = Vec::new();
            if !Self::apply_links(state, store, idx, &mut fields)? {
                // Waits for its target (the same table) to be inserted first.
                for (c, v) in fields.into_iter().rev() {
                    state.store_mut(store)?.set_value(idx, c, v)?;
                }
                continue;
            }
            let s = state.store_mut(store)?;
            mask.clear();
            for (c, cd) in def.columns().iter().enumerate() {
                let mut v = s.value(idx, c);
                if v.is_null() {
                    let d = match cd.client_default() {
                        Some(Default::Value(d)) => Some(d.clone()),
                        Some(Default::Func(f)) => Some(f()),
                        _ => None,
                    };
                    if let Some(d) = d {
                        s.set_value(idx, c, d.clone())?;
                        fields.push((c, Value::Null));
                        v = d;
                    }
                }
                let omitted = v.is_null() && server_fills.get(c).copied().unwrap_or(false);
                mask.push(!omitted);
                if !omitted {
                    row.push(v);
                }
            }
            let g = match groups.iter().position(|g| g.mask == mask) {
                Some(g) => g,
                None => {
                    groups.push(Group {
                        mask: mask.clone(),
                        rows: Vec::new(),
                        values: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            if let Some(g) = groups.get_mut(g) {
                g.rows.push((idx, fields));
                g.values.append(&mut row);
            }
            row.clear();
        }
        if groups.is_empty() {
            return Err(Error::Session(
                format!(
                    "the pending {} objects link to each other in a cycle",
                    def.name()
                )
                .into(),
            ));
        }
        for Group { mask, rows, values } in groups {
            let names: Vec<&str> = def
                .columns()
                .iter()
                .zip(&mask)
                .filter(|(_, m)| **m)
                .map(|(c, _)| c.name())
                .collect();
            let returned: Vec<usize> = (0..ncols)
                .filter(|&c| !mask.get(c).copied().unwrap_or(true))
                .collect();
            let width = names.len();
            let rows_back = !returned.is_empty() && self.returning;
            let matching = if rows_back {
                self.matching(def, &mask, &values, width)
            } else {
                Match::One
            };
            let per = if returned.is_empty() || !matches!(matching, Match::One) {
                BATCH_ROWS.min(MAX_PARAMS / width.max(1)).max(1)
            } else {
                1
            };
            let extra: Vec<usize> = match &matching {
                Match::Columns(cols) => cols.clone(),
                _ => Vec::new(),
            };
            let mut template: Option<Template> = None;
            let mut rows = rows.into_iter();
            let mut values = values.into_iter();
            loop {
                let work_rows: Vec<_> = rows.by_ref().take(per).collect();
                let n = work_rows.len();
                if n == 0 {
                    break;
                }
                let params: Vec<Value> = values.by_ref().take(n * width).collect();
                let work = Work::Insert {
                    store,
                    rows: work_rows,
                    returned: returned.clone(),
                    matching: matching.clone(),
                    auto: auto.filter(|a| returned.contains(a)),
                };
                // A batch the size of the last one reuses its SQL: the placeholders
                // are the same, and only a decimal changes the SQL by its value (a
                // CAST on PostgreSQL).
                let decimal = params.iter().any(|v| matches!(v, Value::Decimal(_)));
                if let Some(t) = template.as_ref().filter(|t| t.rows == n && !decimal) {
                    self.queue.push_back(Step {
                        sql: t.sql.clone(),
                        params,
                        types: t.types.clone(),
                        key: t.key,
                        rows: rows_back,
                        expect: Some(n as u64),
                        work,
                    });
                    continue;
                }
                let mut q = insert(table(def));
                if names.is_empty() {
                    q = q.default_values();
                } else {
                    q = q
                        .columns(names.clone())
                        .rows(params.chunks(width).map(<[Value]>::to_vec));
                }
                if rows_back {
                    let mut list = Vec::with_capacity(returned.len() + extra.len());
                    for &c in returned.iter().chain(&extra) {
                        list.push(col(def, c)?);
                    }
                    q = q.returning(list);
                }
                let step = self.compile(&q, rows_back, Some(n as u64), work)?;
                let reusable = !decimal && width > 0 && step.params == params;
                if reusable {
                    template = Some(Template {
                        rows: n,
                        sql: step.sql.clone(),
                        types: step.types.clone(),
                        key: step.key,
                    });
                }
                self.queue.push_back(step);
            }
        }
        Ok(true)
    }

    /// How a group's returned rows will be matched to its objects (see [`Match`]);
    /// [`Match::One`] (a statement per row) when nothing can tell them apart.
    /// `values` holds the group's rows, `width` values each, for the columns `mask`
    /// keeps.
    fn matching(&self, def: &TableDef, mask: &[bool], values: &[Value], width: usize) -> Match {
        let sent: Vec<usize> = (0..mask.len())
            .filter(|&c| mask.get(c).copied().unwrap_or(false))
            .collect();
        let pk: Vec<usize> = def
            .primary_key()
            .iter()
            .filter_map(|n| def.column_index(n))
            .collect();
        if !pk.is_empty() && pk.iter().all(|c| sent.contains(c)) {
            return Match::Columns(pk);
        }
        let auto = def.autoincrement_column();
        if self.dialect.name() == "sqlite"
            && auto.is_some()
            && pk.len() == 1
            && pk.first() == auto.as_ref()
        {
            return Match::Rowid;
        }
        // Columns whose values read back exactly as they were sent.
        let exact: Vec<(usize, usize)> = sent
            .iter()
            .enumerate()
            .filter(|(_, &c)| {
                def.columns().get(c).is_some_and(|cd| {
                    matches!(
                        cd.sql_type(),
                        crate::schema::SqlType::SmallInt
                            | crate::schema::SqlType::Integer
                            | crate::schema::SqlType::BigInt
                            | crate::schema::SqlType::Boolean
                            | crate::schema::SqlType::String(_)
                            | crate::schema::SqlType::Text
                            | crate::schema::SqlType::Uuid
                    )
                })
            })
            .map(|(pos, &c)| (pos, c))
            .collect();
        if exact.is_empty() || width == 0 {
            return Match::One;
        }
        let mut seen: Map<Key, usize> = Map::default();
        for (r, row) in values.chunks(width).enumerate() {
            let sig = signature(exact.iter().map(|&(pos, _)| row.get(pos)));
            if let Some(&first) = seen.get(&sig) {
                // Alike in what comes back exactly: only rows alike in every value
                // sent may share a signature.
                if values.chunks(width).nth(first) != Some(row) {
                    return Match::One;
                }
            } else {
                seen.insert(sig, r);
            }
        }
        Match::Columns(exact.into_iter().map(|(_, c)| c).collect())
    }

    /// Association rows: `add` writes the new ones, else deletes the removed ones and
    /// those of objects being deleted.
    fn secondary(&mut self, state: &mut State, add: bool) -> Result<()> {
        let ops: Vec<_> = state
            .secondary
            .iter()
            .filter(|o| o.add == add)
            .cloned()
            .collect();
        for op in ops {
            let Kind::ManyToMany {
                secondary,
                left,
                owner_col,
                right,
                target_col,
            } = op.rel.kind
            else {
                continue;
            };
            let os = state
                .find_store(op.rel.owner)
                .ok_or_else(|| Error::Session("no store".into()))?;
            let ts = state
                .find_store(op.rel.target)
                .ok_or_else(|| Error::Session("no store".into()))?;
            let a = state.store(os)?.value(op.owner, owner_col);
            let b = state.store(ts)?.value(op.target, target_col);
            let stmt: Box<dyn Statement> = if add {
                let pair: Vec<&str> = vec![col_name(secondary, left), col_name(secondary, right)];
                let q = insert(table(secondary))
                    .columns(pair.clone())
                    .row(vec![a, b]);
                // A pair already in the table (its collection was not loaded, so the
                // session could not know) is left as it is, where a key on the pair
                // says so; a failing commit would fail every later one too.
                let keyed = |cols: &[crate::name::Name]| {
                    cols.len() == 2 && pair.iter().all(|p| cols.iter().any(|c| &**c == *p))
                };
                if keyed(secondary.primary_key())
                    || secondary
                        .unique_constraints()
                        .iter()
                        .any(|u| keyed(u.columns()))
                {
                    Box::new(q.on_conflict(pair).do_nothing())
                } else {
                    Box::new(q)
                }
            } else {
                Box::new(delete(table(secondary)).where_(crate::expr::and_([
                    col(secondary, left)?.eq(a),
                    col(secondary, right)?.eq(b),
                ])))
            };
            self.push(Plan {
                stmt,
                rows: false,
                expect: None,
                work: Work::Plain,
            })?;
        }
        if !add {
            // Association rows of deleted objects go first, from either side: a model
            // need not declare the reverse relationship for its rows to go.
            let mut done: Vec<(usize, usize, std::any::TypeId)> = Vec::new();
            let rels: Vec<Relation> = state
                .stores
                .iter()
                .flat_map(|s| s.relations().iter().cloned())
                .collect();
            for rel in rels {
                let Kind::ManyToMany {
                    secondary,
                    left,
                    owner_col,
                    right,
                    target_col,
                } = rel.kind
                else {
                    continue;
                };
                for (column, model, key_col) in [
                    (left, rel.owner, owner_col),
                    (right, rel.target, target_col),
                ] {
                    let id = (secondary as *const TableDef as usize, column, model);
                    if done.contains(&id) {
                        continue;
                    }
                    done.push(id);
                    let Some(si) = state.find_store(model) else {
                        continue;
                    };
                    let s = state.store(si)?;
                    let keys: Vec<Value> = s
                        .touched_in_state(ObjectState::Persistent)
                        .into_iter()
                        .filter(|&i| s.marked(i))
                        .map(|i| s.value(i, key_col))
                        .collect();
                    for chunk in keys.chunks(BATCH_ROWS) {
                        self.push(Plan {
                            stmt: Box::new(
                                delete(table(secondary))
                                    .where_(col(secondary, column)?.in_(chunk.to_vec())),
                            ),
                            rows: false,
                            expect: None,
                            work: Work::Plain,
                        })?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The WHERE of one object's row: its primary key as the database has it.
    fn pk_where(state: &State, store: usize, idx: u32) -> Result<Expr<bool>> {
        let s = state.store(store)?;
        let def = s.def();
        let mut conds = Vec::new();
        for name in def.primary_key() {
            let c = def.column_index(name).unwrap_or_default();
            let v = s.loaded_value(idx, c).unwrap_or_default();
            conds.push(col(def, c)?.eq(v));
        }
        if conds.is_empty() {
            return Err(Error::Session(
                format!("{} has no primary key", def.name()).into(),
            ));
        }
        Ok(crate::expr::and_(conds))
    }

    /// The version counter's condition for one object's row: the version the session
    /// loaded (see [`ColumnDef::version`](crate::schema::ColumnDef::version)).
    fn version_where(state: &State, store: usize, idx: u32) -> Result<Option<Expr<bool>>> {
        let s = state.store(store)?;
        let def = s.def();
        let Some(vc) = def.version_column() else {
            return Ok(None);
        };
        Ok(Some(match s.loaded_value(idx, vc).unwrap_or_default() {
            Value::Null => col(def, vc)?.is_null(),
            v => col(def, vc)?.eq(v),
        }))
    }

    fn updates(&mut self, state: &mut State, store: usize) -> Result<()> {
        let mut persistent = state
            .store(store)?
            .touched_in_state(ObjectState::Persistent);
        // Objects with a link to write (set_related) but no column changed by hand.
        let linked: Vec<u32> = state
            .links
            .keys()
            .filter(|(t, _, _)| state.find_store(*t) == Some(store))
            .map(|&(_, _, i)| i)
            .filter(|&i| {
                state
                    .store(store)
                    .is_ok_and(|s| s.state(i) == ObjectState::Persistent)
            })
            .collect();
        if !linked.is_empty() {
            persistent.extend(linked);
            persistent.sort_unstable();
            persistent.dedup();
        }
        let def = state.store(store)?.def();
        let version = def.version_column();
        let mut changed = Vec::new();
        for idx in persistent {
            if state.store(store)?.marked(idx) {
                continue;
            }
            let mut fields = Vec::new();
            Self::apply_links(state, store, idx, &mut fields)?;
            changed.clear();
            state.store(store)?.changed(idx, &mut changed);
            // The counter is the session's to set, whatever the object holds.
            changed.retain(|&c| Some(c) != version);
            if changed.is_empty() {
                if let Some(vc) = version {
                    // A hand-set counter goes back to what was loaded.
                    let s = state.store_mut(store)?;
                    let loaded = s.loaded_value(idx, vc).unwrap_or_default();
                    if s.value(idx, vc) != loaded {
                        fields.push((vc, s.value(idx, vc)));
                        s.set_value(idx, vc, loaded)?;
                    }
                }
                if !fields.is_empty() {
                    state.journal.push(Undo::Fields { store, idx, fields });
                }
                continue;
            }
            let s = state.store_mut(store)?;
            if let Some(vc) = version {
                let next = match s.loaded_value(idx, vc).unwrap_or_default() {
                    Value::Int(n) => Value::Int(n.checked_add(1).ok_or_else(|| {
                        Error::Session(
                            format!("the version counter of {} is at its maximum", def.name())
                                .into(),
                        )
                    })?),
                    Value::Null => Value::Int(1),
                    v => {
                        return Err(Error::Session(
                            format!(
                                "the version counter of {} holds {v:?}, not an integer",
                                def.name()
                            )
                            .into(),
                        ))
                    }
                };
                fields.push((vc, s.value(idx, vc)));
                s.set_value(idx, vc, next)?;
                changed.push(vc);
            }
            for (c, cd) in def.columns().iter().enumerate() {
                if changed.contains(&c) {
                    continue;
                }
                let v = match cd.on_update_value() {
                    Some(Default::Value(v)) => v.clone(),
                    Some(Default::Func(f)) => f(),
                    _ => continue,
                };
                fields.push((c, s.value(idx, c)));
                s.set_value(idx, c, v)?;
                changed.push(c);
            }
            changed.sort_unstable();
            let mut q = update(table(def));
            for &c in &changed {
                q = q.set(col_name(def, c), s.value(idx, c));
            }
            let mut q = q.where_(Self::pk_where(state, store, idx)?);
            if let Some(v) = Self::version_where(state, store, idx)? {
                q = q.where_(v);
            }
            // What the planning set in the object is undone with the flush, whether
            // or not its statement ran.
            if !fields.is_empty() {
                state.journal.push(Undo::Fields { store, idx, fields });
            }
            self.push(Plan {
                stmt: Box::new(q),
                rows: false,
                expect: Some(1),
                work: Work::Update {
                    store,
                    idx,
                    fields: Vec::new(),
                },
            })?;
        }
        Ok(())
    }

    /// Queues the DELETEs of `store`'s marked objects (a self-referencing table one
    /// layer at a time, rows others point at last); `false` when none is left.
    fn deletes(&mut self, state: &mut State, store: usize) -> Result<bool> {
        let s = state.store(store)?;
        let def = s.def();
        let marked: Vec<u32> = s
            .touched_in_state(ObjectState::Persistent)
            .into_iter()
            .filter(|&i| s.marked(i) && !self.queued.contains(&(store, i)))
            .collect();
        if marked.is_empty() {
            return Ok(false);
        }
        // Columns of this table that refer to this table.
        let self_refs: Vec<(usize, usize)> = def
            .foreign_keys()
            .iter()
            .filter(|fk| fk.ref_table() == def.name() && fk.columns().len() == 1)
            .filter_map(|fk| {
                let c = def.column_index(fk.columns().first()?)?;
                let r = def.column_index(fk.ref_columns().first()?)?;
                Some((c, r))
            })
            .collect();
        let layer: Vec<u32> = if self_refs.is_empty() {
            marked
        } else {
            let referenced: Set<Key> = marked
                .iter()
                .flat_map(|&i| {
                    self_refs
                        .iter()
                        .filter_map(move |&(c, _)| s.loaded_value(i, c))
                })
                .filter_map(|v| Key::of(std::slice::from_ref(&v)))
                .collect();
            let free: Vec<u32> = marked
                .iter()
                .copied()
                .filter(|&i| {
                    !self_refs.iter().any(|&(_, r)| {
                        s.loaded_value(i, r)
                            .and_then(|v| Key::of(std::slice::from_ref(&v)))
                            .is_some_and(|k| referenced.contains(&k))
                    })
                })
                .collect();
            if free.is_empty() {
                // The rows refer to each other in a cycle. PostgreSQL and SQLite check
                // the keys when the DELETE ends; InnoDB checks them row by row and
                // refuses. The cycle is broken first: their references to each other
                // are emptied (where the column takes NULL), then the rows go.
                let nullable: Vec<usize> = self_refs
                    .iter()
                    .map(|&(c, _)| c)
                    .filter(|&c| def.columns().get(c).is_some_and(|cd| cd.is_nullable()))
                    .collect();
                let pk = s.pk().to_vec();
                if !nullable.is_empty() && pk.len() == 1 {
                    let single = pk.first().copied().unwrap_or_default();
                    for chunk in marked.chunks(BATCH_ROWS) {
                        let keys: Vec<Value> = chunk
                            .iter()
                            .map(|&i| s.loaded_value(i, single).unwrap_or_default())
                            .collect();
                        let mut q = update(table(def));
                        for &c in &nullable {
                            q = q.set(col_name(def, c), Value::Null);
                        }
                        self.push(Plan {
                            stmt: Box::new(q.where_(col(def, single)?.in_(keys))),
                            rows: false,
                            expect: None,
                            work: Work::Plain,
                        })?;
                    }
                }
                marked
            } else {
                free
            }
        };
        let pk: Vec<usize> = s.pk().to_vec();
        let version = def.version_column();
        let versions_set = version.is_none_or(|vc| {
            layer
                .iter()
                .all(|&i| !matches!(s.loaded_value(i, vc), None | Some(Value::Null)))
        });
        if let ([single], true) = (pk.as_slice(), versions_set) {
            // One DELETE per batch: `id IN (..)`, or with a version counter
            // `(id, version) IN ((..), ..)`, each row only at the version loaded.
            use crate::expr::Node;
            for chunk in layer.chunks(BATCH_ROWS) {
                let cond: Expr<bool> = match version {
                    None => col(def, *single)?.in_(
                        chunk
                            .iter()
                            .map(|&i| s.loaded_value(i, *single).unwrap_or_default())
                            .collect::<Vec<_>>(),
                    ),
                    Some(vc) => {
                        let lhs = Node::Tuple(vec![
                            col(def, *single)?.into_node(),
                            col(def, vc)?.into_node(),
                        ]);
                        let list = chunk
                            .iter()
                            .map(|&i| {
                                Node::Tuple(vec![
                                    Node::Bind(s.loaded_value(i, *single).unwrap_or_default()),
                                    Node::Bind(s.loaded_value(i, vc).unwrap_or_default()),
                                ])
                            })
                            .collect();
                        Expr::from_node(Node::InList(Box::new(lhs), list, false))
                    }
                };
                self.push(Plan {
                    stmt: Box::new(delete(table(def)).where_(cond)),
                    rows: false,
                    expect: Some(chunk.len() as u64),
                    work: Work::Delete {
                        store,
                        idxs: chunk.to_vec(),
                    },
                })?;
            }
        } else {
            for &i in &layer {
                let mut q = delete(table(def)).where_(Self::pk_where(state, store, i)?);
                if let Some(v) = Self::version_where(state, store, i)? {
                    q = q.where_(v);
                }
                self.push(Plan {
                    stmt: Box::new(q),
                    rows: false,
                    expect: Some(1),
                    work: Work::Delete {
                        store,
                        idxs: vec![i],
                    },
                })?;
            }
        }
        self.queued.extend(layer.iter().map(|&i| (store, i)));
        Ok(true)
    }

    /// Takes back the result of a step.
    pub(crate) fn complete(&mut self, state: &mut State, step: Step, out: Outcome) -> Result<()> {
        if let Some(n) = step.expect {
            if !step.rows && out.affected != n {
                return Err(match &step.work {
                    Work::Update { store, idx, .. } => stale_rows(
                        state,
                        "UPDATE",
                        *store,
                        std::slice::from_ref(idx),
                        n,
                        out.affected,
                    ),
                    Work::Delete { store, idxs } => {
                        stale_rows(state, "DELETE", *store, idxs, n, out.affected)
                    }
                    _ => stale("INSERT", "the table", n, out.affected),
                });
            }
        }
        match step.work {
            Work::Plain => {}
            Work::Cascade {
                rel,
                owners,
                target,
            } => {
                let Kind::OneToMany { fk, owner_col } = rel.kind else {
                    return Ok(());
                };
                let os = state
                    .find_store(rel.owner)
                    .ok_or_else(|| Error::Session("no store".into()))?;
                let width = rel.target_def.columns().len().max(1);
                let mut found = Vec::with_capacity(out.values.len() / width);
                let mut values = out.values.into_iter();
                loop {
                    let row: Vec<Value> = values.by_ref().take(width).collect();
                    if row.is_empty() {
                        break;
                    }
                    found.push(state.store_mut(target)?.absorb_values(row, false)?);
                }
                for o in owners {
                    let k = values_of(state.store(os)?, o, owner_col);
                    let t = state.store(target)?;
                    let kids: Vec<u32> = found
                        .iter()
                        .copied()
                        .filter(|&c| values_of(t, c, fk) == k)
                        .collect();
                    state.collections.insert((rel.owner, rel.name, o), kids);
                }
            }
            Work::Insert {
                store,
                rows,
                returned,
                matching,
                auto,
            } => {
                let mut back = out.values;
                let extra = match &matching {
                    Match::Columns(cols) => cols.as_slice(),
                    _ => &[],
                };
                let width = returned.len() + extra.len();
                let got = back.len().checked_div(width).unwrap_or(0);
                if step.rows && (got != rows.len() || !back.len().is_multiple_of(width.max(1))) {
                    return Err(stale(
                        "INSERT .. RETURNING",
                        state.store(store)?.def().name(),
                        rows.len() as u64,
                        got as u64,
                    ));
                }
                let def = state.store(store)?.def();
                let unmatched = |why: &str| {
                    Error::StaleData(
                        format!(
                            "INSERT .. RETURNING into {}: the rows returned cannot be matched to \
                             the objects ({why}); the flush was undone",
                            def.name()
                        )
                        .into(),
                    )
                };
                // order[k]: the returned row of the k-th object.
                let order: Vec<usize> = if !step.rows {
                    Vec::new()
                } else {
                    match &matching {
                        Match::One if got == 1 => vec![0],
                        Match::One => return Err(unmatched("several rows for one")),
                        Match::Rowid => {
                            let at = auto
                                .and_then(|a| returned.iter().position(|&c| c == a))
                                .ok_or_else(|| unmatched("no key returned"))?;
                            let mut keyed: Vec<(i64, usize)> = Vec::with_capacity(got);
                            for r in 0..got {
                                match back.get(r * width + at) {
                                    Some(Value::Int(i)) => keyed.push((*i, r)),
                                    _ => return Err(unmatched("a key that is not an integer")),
                                }
                            }
                            keyed.sort_unstable();
                            // One INSERT's rowids are consecutive; anything else (a
                            // table past the largest rowid picks them at random) is
                            // not trusted.
                            if keyed.windows(2).any(|w| match (w.first(), w.get(1)) {
                                (Some(a), Some(b)) => a.0.checked_add(1) != Some(b.0),
                                _ => false,
                            }) {
                                return Err(unmatched("keys that are not consecutive"));
                            }
                            keyed.into_iter().map(|(_, r)| r).collect()
                        }
                        Match::Columns(cols) => {
                            let s = state.store(store)?;
                            let mut by: Map<Key, Vec<usize>> = Map::default();
                            for r in (0..got).rev() {
                                let sig = signature(
                                    (0..cols.len())
                                        .map(|j| back.get(r * width + returned.len() + j)),
                                );
                                by.entry(sig).or_default().push(r);
                            }
                            let mut order = Vec::with_capacity(rows.len());
                            for (idx, _) in &rows {
                                let mine: Vec<Value> =
                                    cols.iter().map(|&c| s.value(*idx, c)).collect();
                                let r = by
                                    .get_mut(&signature(mine.iter().map(Some)))
                                    .and_then(Vec::pop)
                                    .ok_or_else(|| unmatched("a row the server changed"))?;
                                order.push(r);
                            }
                            order
                        }
                    }
                };
                if back.is_empty() && !returned.is_empty() {
                    // One row, its key from the server.
                    if let (Some(a), Some(id), [(idx, _)]) =
                        (auto, out.last_insert_id, rows.as_slice())
                    {
                        state.store_mut(store)?.set_value(*idx, a, Value::Int(id))?;
                    }
                }
                let s = state.store_mut(store)?;
                for (k, (idx, _)) in rows.iter().enumerate() {
                    if let Some(&r) = order.get(k) {
                        for (j, &c) in returned.iter().enumerate() {
                            let v = back
                                .get_mut(r * width + j)
                                .map(std::mem::take)
                                .unwrap_or_default();
                            s.set_value(*idx, c, v)?;
                        }
                    }
                    s.inserted(*idx);
                }
                // Without RETURNING, what the server filled besides the key is read
                // back: the object never claims NULL for a value the row holds.
                if !step.rows && !returned.is_empty() {
                    let set_auto = out.last_insert_id.is_some();
                    let need: Vec<usize> = returned
                        .iter()
                        .copied()
                        .filter(|&c| !(set_auto && Some(c) == auto))
                        .collect();
                    if let ([(idx, _)], false) = (rows.as_slice(), need.is_empty()) {
                        let s = state.store(store)?;
                        let mut q = select(
                            need.iter()
                                .map(|&c| col(def, c))
                                .collect::<Result<Vec<_>>>()?,
                        );
                        for &c in s.pk() {
                            let v = s.value(*idx, c);
                            if v.is_null() {
                                return Err(Error::Session(
                                    format!(
                                        "the server fills the key of {} and has no RETURNING: \
                                         sqlkit cannot learn which row was inserted; give the \
                                         key a value before the flush",
                                        def.name()
                                    )
                                    .into(),
                                ));
                            }
                            q = q.where_(col(def, c)?.eq(v));
                        }
                        let step = self.compile(
                            &q,
                            true,
                            None,
                            Work::ReadBack {
                                store,
                                idx: *idx,
                                cols: need,
                            },
                        )?;
                        self.queue.push_front(step);
                    }
                }
                // The columns the server filled were NULL before (that is why they
                // were left out), which is what undoing sets them back to.
                state.journal.push(Undo::Inserted {
                    store,
                    rows,
                    returned,
                });
            }
            Work::ReadBack { store, idx, cols } => {
                let s = state.store_mut(store)?;
                if out.values.len() != cols.len() {
                    return Err(Error::StaleData(
                        format!(
                            "the row just inserted into {} could not be read back; the flush \
                             was undone",
                            s.def().name()
                        )
                        .into(),
                    ));
                }
                let mut was = Vec::with_capacity(cols.len());
                for (c, v) in cols.into_iter().zip(out.values) {
                    was.push((idx, c, s.server_set(idx, c, v)?));
                }
                state.journal.push(Undo::ServerSet { store, was });
            }
            Work::Update { store, idx, fields } => {
                let loaded = state.store_mut(store)?.updated(idx);
                state.journal.push(Undo::Updated {
                    store,
                    idx,
                    loaded,
                    fields,
                });
            }
            Work::Delete { store, idxs } => {
                for &idx in &idxs {
                    state.store_mut(store)?.deleted(idx);
                    state.journal.push(Undo::Deleted { store, idx });
                }
                Self::server_cascade(state, store, idxs)?;
            }
        }
        Ok(())
    }

    /// What the server did after `gone` (objects of `store`) were deleted, through the
    /// foreign keys that refer to them: `ON DELETE CASCADE` deleted the loaded objects
    /// whose key pointed at a deleted row (they are deleted in the session too, and so
    /// on down), `ON DELETE SET NULL` emptied their key (so it is in the session's
    /// copy of the row too). Nothing is left claiming a row the database no longer has.
    fn server_cascade(state: &mut State, store: usize, gone: Vec<u32>) -> Result<()> {
        use crate::schema::FkAction;
        let mut work = vec![(store, gone)];
        while let Some((s, gone)) = work.pop() {
            let def = state.store(s)?.def();
            for t in 0..state.stores.len() {
                let tdef = state.store(t)?.def();
                for fk in tdef.foreign_keys() {
                    let action = fk.delete_action();
                    if fk.ref_table() != def.name()
                        || !matches!(action, Some(FkAction::Cascade | FkAction::SetNull))
                    {
                        continue;
                    }
                    let local: Option<Vec<usize>> =
                        fk.columns().iter().map(|c| tdef.column_index(c)).collect();
                    let refs: Option<Vec<usize>> = fk
                        .ref_columns()
                        .iter()
                        .map(|c| def.column_index(c))
                        .collect();
                    let (Some(local), Some(refs)) = (local, refs) else {
                        continue;
                    };
                    let src = state.store(s)?;
                    let keys: Set<Key> = gone
                        .iter()
                        .filter_map(|&i| {
                            let v: Option<Vec<Value>> =
                                refs.iter().map(|&r| src.loaded_value(i, r)).collect();
                            Key::of(&v?)
                        })
                        .collect();
                    if keys.is_empty() {
                        continue;
                    }
                    let ts = state.store(t)?;
                    let hit: Vec<u32> = ts
                        .in_state(ObjectState::Persistent)
                        .into_iter()
                        .filter(|&i| {
                            let v: Option<Vec<Value>> =
                                local.iter().map(|&c| ts.loaded_value(i, c)).collect();
                            v.and_then(|v| Key::of(&v))
                                .is_some_and(|k| keys.contains(&k))
                        })
                        .collect();
                    if hit.is_empty() {
                        continue;
                    }
                    let tm = state.store_mut(t)?;
                    if action == Some(FkAction::SetNull) {
                        let mut was = Vec::with_capacity(hit.len() * local.len());
                        for &i in &hit {
                            for &c in &local {
                                was.push((i, c, tm.server_set(i, c, Value::Null)?));
                            }
                        }
                        state.journal.push(Undo::ServerSet { store: t, was });
                        continue;
                    }
                    let mut was = Vec::with_capacity(hit.len());
                    for &i in &hit {
                        was.push((i, tm.marked(i)));
                        tm.deleted(i);
                    }
                    state.journal.push(Undo::Gone {
                        store: t,
                        idxs: was,
                    });
                    work.push((t, hit));
                }
            }
        }
        Ok(())
    }
}
