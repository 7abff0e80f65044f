//! Loading as a plan, with no connection in sight. A selectin hop's queries are made
//! from the session's state by [`Hop::plan`]; the caller runs them and hands what
//! they read to [`Hop::finish`], which files the collections. A joined query is made
//! by [`Joined::plan`] and its rows folded into unique objects by [`Joined::fold`].
//! The sync session drives them over a `Connection`; an async one drives the same
//! code, only the running of each query is its own.

use super::flush::col;
use super::key::{Key, Map, Set};
use super::load::Strategy;
use super::rel::{cols_eq, cols_in, values_of, Cols, Kind, Relation};
use super::state::State;
use crate::engine::Row;
use crate::schema::Table;
use crate::stmt::{select, Select};
use crate::{Error, Result, Value};

/// At most this many keys in one `IN` list.
const BATCH_KEYS: usize = 500;

/// The root objects of a joined query, row by row, and each join's target per row.
pub(crate) type JoinedRows = (Vec<u32>, Vec<Vec<Option<u32>>>);

/// How a loader query's rows are to be read.
pub(crate) enum Read {
    /// Rows of the target model, into its store (`Relation::fetch`).
    Objects,
    /// Rows of the target model followed by the owner's key (`Relation::fetch_keyed`).
    Keyed,
    /// Rows of the target model with a joined hop: run [`Joined::plan`] on the query.
    Joined(Relation),
}

/// What running a loader query gave, by its [`Read`].
pub(crate) enum Fetched {
    Objects(Vec<u32>),
    Keyed(Vec<(u32, Value)>),
    Joined(JoinedRows),
}

/// One query of a hop.
pub(crate) struct HopQuery {
    pub(crate) stmt: Select,
    pub(crate) read: Read,
}

/// A selectin hop: `rel` loaded for some owners, in one query per 500 keys.
pub(crate) struct Hop {
    pub(crate) rel: Relation,
    /// The target model's store.
    pub(crate) target: usize,
    owners: Vec<(u32, Vec<Value>)>,
    pub(crate) queries: Vec<HopQuery>,
}

/// The key of columns `cols` of object `idx` (no allocation for one integer column).
fn key_at(store: &dyn super::state::AnyStore, idx: u32, cols: Cols) -> Option<Key> {
    match cols.single() {
        Some(c) => Key::of(std::slice::from_ref(&store.value(idx, c))),
        None => Key::of(&values_of(store, idx, cols)),
    }
}

/// The values of columns `c` of each owner.
fn owner_values(state: &State, store: usize, owners: &[u32], c: Cols) -> Vec<(u32, Vec<Value>)> {
    owners
        .iter()
        .map(|&o| {
            let v = state
                .store(store)
                .map(|s| values_of(s, o, c))
                .unwrap_or_default();
            (o, v)
        })
        .collect()
}

/// The keys without repeats and without those holding a NULL, in first-seen order.
fn distinct(vals: impl Iterator<Item = Vec<Value>>) -> Vec<Vec<Value>> {
    let mut seen = Set::default();
    vals.filter(|v| Key::of(v).is_some_and(|k| seen.insert(k)))
        .collect()
}

/// The indexes without repeats, in first-seen order.
pub(crate) fn distinct_idx(idxs: &[u32]) -> Vec<u32> {
    let mut seen = vec![false; idxs.iter().max().map_or(0, |&m| m as usize + 1)];
    idxs.iter()
        .copied()
        .filter(|&i| {
            seen.get_mut(i as usize)
                .is_some_and(|s| !std::mem::replace(s, true))
        })
        .collect()
}

impl Hop {
    /// The queries that load `rel` for `owners`, and `join` (a joined hop from `rel`'s
    /// target) with them.
    pub(crate) fn plan(
        state: &mut State,
        rel: &Relation,
        owners: &[u32],
        join: Option<&(Relation, Strategy)>,
    ) -> Result<Hop> {
        use crate::expr::ExprOps;
        let rel = rel.check()?.clone();
        let os = state
            .find_store(rel.owner)
            .ok_or_else(|| Error::Session("no objects of the relationship's owner".into()))?;
        let ts = state.store_id(rel.target, rel.new_target);
        let t = Table::from_static(rel.target_def);
        let read = || match join {
            Some((j, _)) => Read::Joined(j.clone()),
            None => Read::Objects,
        };
        let (vals, keys, over) = match rel.kind {
            Kind::OneToMany { fk, owner_col } => {
                let vals = owner_values(state, os, owners, owner_col);
                let keys = distinct(vals.iter().map(|(_, v)| v.clone()));
                (vals, keys, fk)
            }
            Kind::ManyToOne { fk, target_col } => {
                let vals = owner_values(state, os, owners, fk);
                // Targets already in the session are not read again, unless a join
                // from them is to be loaded too.
                let keys = distinct(
                    vals.iter()
                        .map(|(_, v)| v.clone())
                        .filter(|v| join.is_some() || state.find_by(ts, target_col, v).is_none()),
                );
                (vals, keys, target_col)
            }
            Kind::ManyToMany {
                secondary,
                left,
                owner_col,
                right,
                target_col,
            } => {
                if let Some((j, _)) = join {
                    return Err(Error::Session(
                        format!(
                            "joinedload of {} after the many-to-many {}: use selectinload",
                            j.name, rel.name
                        )
                        .into(),
                    ));
                }
                let vals = owner_values(state, os, owners, Cols::one(owner_col));
                let keys = distinct(vals.iter().map(|(_, v)| v.clone()));
                let mut queries = Vec::new();
                for chunk in keys.chunks(BATCH_KEYS) {
                    let list: Vec<Value> = chunk.iter().flatten().cloned().collect();
                    let stmt = select(t.clone())
                        .add_columns(col(secondary, left)?)
                        .join(
                            Table::from_static(secondary),
                            col(secondary, right)?.eq(col(rel.target_def, target_col)?),
                        )
                        .where_(col(secondary, left)?.in_(list));
                    queries.push(HopQuery {
                        stmt,
                        read: Read::Keyed,
                    });
                }
                return Ok(Hop {
                    rel,
                    target: ts,
                    owners: vals,
                    queries,
                });
            }
        };
        let mut queries = Vec::new();
        for chunk in keys.chunks(BATCH_KEYS) {
            let stmt = select(t.clone()).where_(cols_in(&t, rel.target_def, over, chunk.to_vec())?);
            queries.push(HopQuery { stmt, read: read() });
        }
        Ok(Hop {
            rel,
            target: ts,
            owners: vals,
            queries,
        })
    }

    /// Files what the hop's queries read (one [`Fetched`] per query, in order): the
    /// owners' collections. Returns the targets, and the joined hop's targets.
    pub(crate) fn finish(
        self,
        state: &mut State,
        results: Vec<Fetched>,
    ) -> Result<(Vec<u32>, Vec<u32>)> {
        let Hop {
            rel,
            target: ts,
            owners,
            ..
        } = self;
        let mut joined = Vec::new();
        let mut read = Vec::new();
        let mut keyed = Vec::new();
        for r in results {
            match r {
                Fetched::Objects(v) => read.extend(v),
                Fetched::Keyed(v) => keyed.extend(v),
                Fetched::Joined((got, per)) => {
                    joined.extend(per.into_iter().flatten().flatten());
                    read.extend(distinct_idx(&got));
                }
            }
        }
        let mut targets = Vec::with_capacity(read.len().max(keyed.len()));
        let mut by_key: Map<Key, Vec<u32>> = Map::default();
        by_key.reserve(owners.len());
        match rel.kind {
            Kind::OneToMany { fk, .. } => {
                let t = state.store(ts)?;
                for i in read {
                    if let Some(k) = key_at(t, i, fk) {
                        by_key.entry(k).or_default().push(i);
                    }
                    targets.push(i);
                }
            }
            Kind::ManyToOne { target_col, .. } => {
                let mut seen = Set::default();
                for (_, v) in &owners {
                    if let Some(i) = state.find_by(ts, target_col, v) {
                        if seen.insert(i) {
                            targets.push(i);
                        }
                    }
                }
                return Ok((targets, distinct_idx(&joined)));
            }
            Kind::ManyToMany { .. } => {
                let mut seen = Set::default();
                for (i, k) in keyed {
                    if let Some(k) = Key::of(std::slice::from_ref(&k)) {
                        by_key.entry(k).or_default().push(i);
                    }
                    if seen.insert(i) {
                        targets.push(i);
                    }
                }
            }
        }
        state.collections.reserve(owners.len());
        // Each key's targets move to the first owner with that key; an owner sharing it
        // (a key that is not unique) gets a copy.
        let mut first: Map<Key, u32> = Map::default();
        for (o, v) in owners {
            let kids = match Key::of(&v) {
                Some(k) => match by_key.remove(&k) {
                    Some(kids) => {
                        first.insert(k, o);
                        kids
                    }
                    None => first
                        .get(&k)
                        .and_then(|f| state.collections.get(&(rel.owner, rel.name, *f)))
                        .cloned()
                        .unwrap_or_default(),
                },
                None => Vec::new(),
            };
            state.collections.insert((rel.owner, rel.name, o), kids);
        }
        Ok((targets, distinct_idx(&joined)))
    }
}

/// A query with LEFT OUTER JOINs for joined hops from its model (the root).
pub(crate) struct Joined {
    pub(crate) stmt: Select,
    root: usize,
    width: usize,
    /// Each join's relationship, target store and column count.
    joins: Vec<(Relation, usize, usize)>,
}

impl Joined {
    /// `stmt` (a query of the root store's model) with a join per relationship.
    pub(crate) fn plan(
        state: &mut State,
        root: usize,
        stmt: Select,
        joined: &[&(Relation, Strategy)],
    ) -> Result<Joined> {
        let root_def = state.store(root)?.def();
        let root_t = Table::from_static(root_def);
        let mut q = stmt;
        let mut joins = Vec::new();
        for (n, (rel, _)) in joined.iter().enumerate() {
            let rel = rel.check()?;
            let alias = Table::from_static(rel.target_def).alias(format!("sqlkit_j{}", n + 1));
            let on = match rel.kind {
                Kind::ManyToOne { fk, target_col } => {
                    cols_eq(&alias, rel.target_def, target_col, &root_t, root_def, fk)?
                }
                Kind::OneToMany { fk, owner_col } => {
                    if q.limit.is_some() || q.offset.is_some() {
                        return Err(Error::Session(
                            format!("joinedload of the collection {} in a query with LIMIT or OFFSET would limit joined rows; use selectinload", rel.name).into(),
                        ));
                    }
                    cols_eq(&alias, rel.target_def, fk, &root_t, root_def, owner_col)?
                }
                Kind::ManyToMany { .. } => {
                    return Err(Error::Session(
                        format!(
                            "joinedload of the many-to-many {}: use selectinload",
                            rel.name
                        )
                        .into(),
                    ))
                }
            };
            q = q.add_columns(alias.columns()).outerjoin(alias, on);
            let ts = state.store_id(rel.target, rel.new_target);
            joins.push((rel.clone(), ts, rel.target_def.columns().len()));
        }
        Ok(Joined {
            stmt: q,
            root,
            width: root_def.columns().len(),
            joins,
        })
    }

    /// Folds the query's rows into unique objects: the root objects per row, each
    /// join's target per row; joined collections are filed for every root object
    /// (empty without rows).
    pub(crate) fn fold(
        self,
        state: &mut State,
        rows: Vec<Row>,
        populate: bool,
    ) -> Result<JoinedRows> {
        let mut found = Vec::with_capacity(rows.len());
        let mut per: Vec<Vec<Option<u32>>> = vec![Vec::with_capacity(rows.len()); self.joins.len()];
        for row in rows {
            let mut values = row.into_values().into_iter();
            let head: Vec<Value> = values.by_ref().take(self.width).collect();
            found.push(state.store_mut(self.root)?.absorb_values(head, populate)?);
            for (j, (_, ts, w)) in self.joins.iter().enumerate() {
                let part: Vec<Value> = values.by_ref().take(*w).collect();
                let t = if part.iter().all(Value::is_null) {
                    None
                } else {
                    Some(state.store_mut(*ts)?.absorb_values(part, populate)?)
                };
                if let Some(p) = per.get_mut(j) {
                    p.push(t);
                }
            }
        }
        for (j, (rel, _, _)) in self.joins.iter().enumerate() {
            if let Kind::OneToMany { .. } = rel.kind {
                let mut cols: Map<u32, Vec<u32>> = Map::default();
                for (k, r) in found.iter().enumerate() {
                    let e = cols.entry(*r).or_default();
                    if let Some(Some(t)) = per.get(j).and_then(|p| p.get(k)) {
                        if !e.contains(t) {
                            e.push(*t);
                        }
                    }
                }
                for (r, kids) in cols {
                    state.collections.insert((rel.owner, rel.name, r), kids);
                }
            }
        }
        Ok((found, per))
    }
}
