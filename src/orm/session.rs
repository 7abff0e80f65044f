//! The sync [`Session`]: the sans-I/O core driven over a [`Connection`].

use super::flush::{Flush, Outcome};
use super::key::{Key, Set};
use super::load::{Load, Strategy};
use super::loader::{distinct_idx, Fetched, Hop, HopQuery, Joined, JoinedRows, Read};
use super::rel::{Kind, ManyToMany, ManyToOne, OneToMany, Relation, Relationship};
use super::state::{AnyStore, Handle, ObjectState, State, Store};
use super::Model;
use crate::engine::{Connection, Engine, FromRow, TxLevel};
use crate::expr::ExprOps;
use crate::schema::Table;
use crate::stmt::{select, Select, Statement};
use crate::{Error, Result, Value};

/// How a [`Session`] behaves.
#[derive(Debug, Clone, Copy)]
pub struct SessionOptions {
    /// Flush pending changes before each query (SQLAlchemy's default, `true`).
    pub autoflush: bool,
    /// Keep the SQL of every statement the session runs ([`Session::statements`]), for
    /// tests and debugging (`false`).
    pub record: bool,
    /// Learn what the server fills on INSERT (generated keys, server defaults) with
    /// `RETURNING` where the server has it (`true`). Off, or on a server without it
    /// (MySQL, SQLite before 3.35), each row is inserted alone and what the server
    /// filled is read back by its key.
    pub insert_returning: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            autoflush: true,
            record: false,
            insert_returning: true,
        }
    }
}

/// SQLAlchemy's `Session`: an identity map and a unit of work over one connection.
///
/// It begins a transaction when it first needs one and keeps it until
/// [`commit`](Self::commit) or [`rollback`](Self::rollback); after either, objects stay
/// readable (there is no lazy reload: `expire_on_commit=False`), and
/// [`refresh`](Self::refresh) reloads one. Dropping the session rolls back what was not
/// committed. See the [module documentation](super) for an example.
pub struct Session {
    conn: Connection,
    state: State,
    levels: Vec<(TxLevel, usize)>,
    options: SessionOptions,
    log: Vec<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("transaction_depth", &self.levels.len())
            .finish()
    }
}

/// Reads rows of `T` into its store: the handles' indexes, in row order.
pub(crate) fn fetch_into<T: Model>(
    conn: &mut Connection,
    stmt: &dyn Statement,
    store: &mut dyn AnyStore,
    populate: bool,
) -> Result<Vec<u32>> {
    let st = store
        .as_any_mut()
        .downcast_mut::<Store<T>>()
        .ok_or_else(|| Error::Session("a store of another model".into()))?;
    let mut out = Vec::new();
    conn.fetch_each::<T>(stmt, |obj| {
        out.push(st.absorb(obj, populate)?);
        Ok(true)
    })?;
    Ok(out)
}

/// Reads rows of `T` followed by one key column.
pub(crate) fn fetch_keyed<T: Model>(
    conn: &mut Connection,
    stmt: &dyn Statement,
    store: &mut dyn AnyStore,
    populate: bool,
) -> Result<Vec<(u32, Value)>> {
    let st = store
        .as_any_mut()
        .downcast_mut::<Store<T>>()
        .ok_or_else(|| Error::Session("a store of another model".into()))?;
    let mut out = Vec::new();
    conn.fetch_each::<(T, Value)>(stmt, |(obj, k)| {
        out.push((st.absorb(obj, populate)?, k));
        Ok(true)
    })?;
    Ok(out)
}

impl Session {
    /// A session over a new connection of `engine`.
    pub fn new(engine: &Engine) -> Result<Session> {
        Self::with_options(engine, SessionOptions::default())
    }
    /// A session with options (`autoflush: false` is the guide's
    /// `sessionmaker(autoflush=False)`).
    pub fn with_options(engine: &Engine, options: SessionOptions) -> Result<Session> {
        Ok(Self::from_connection(engine.connect()?, options))
    }
    /// A session over a connection (outside any transaction of its own).
    pub fn from_connection(conn: Connection, options: SessionOptions) -> Session {
        Session {
            conn,
            state: State::new(),
            levels: Vec::new(),
            options,
            log: Vec::new(),
        }
    }
    /// The SQL of the statements run so far, when [`SessionOptions::record`] is on.
    pub fn statements(&self) -> &[String] {
        &self.log
    }
    /// Forgets the recorded statements.
    pub fn clear_statements(&mut self) {
        self.log.clear();
    }
    /// The connection's dialect.
    pub fn dialect(&self) -> &dyn crate::dialect::Dialect {
        self.conn.dialect()
    }

    fn note(&mut self, stmt: &dyn Statement) {
        if self.options.record {
            if let Ok(c) = self.conn.compile(stmt) {
                self.log.push(c.sql);
            }
        }
    }

    /// Begins the session's transaction if none is open (SQLAlchemy's autobegin), for
    /// a read. On SQLite a session's reads before its first flush run outside a
    /// transaction: SQLite locks the whole database, and a read transaction held open
    /// between statements would hold up every writer's commit (on an in-memory
    /// database, or a file without WAL) or fail the later write's lock upgrade at once.
    /// The first flush begins the transaction and takes the write lock then, waiting
    /// for it at most the engine's lock timeout. Reads then see the latest committed
    /// data, as PostgreSQL's and MySQL's default isolation does; a version column
    /// catches an update lost to another writer.
    fn autobegin(&mut self) -> Result<()> {
        if self.conn.dialect().name() == "sqlite" {
            return Ok(());
        }
        self.autobegin_write()
    }

    /// Begins the session's transaction if none is open, to write.
    fn autobegin_write(&mut self) -> Result<()> {
        if self.levels.is_empty() {
            let l = self.conn.begin_level()?;
            self.levels.push((l, self.state.journal.len()));
        }
        Ok(())
    }

    // ----- objects -----

    /// Adds a new object (pending: the next flush inserts it) and returns its handle.
    pub fn add<M: Model>(&mut self, obj: M) -> Result<Handle<M>> {
        let idx = self.state.typed_mut::<M>()?.push(obj);
        Ok(Handle::new(idx, self.state.session))
    }
    /// Adds several new objects.
    pub fn add_all<M: Model>(
        &mut self,
        objs: impl IntoIterator<Item = M>,
    ) -> Result<Vec<Handle<M>>> {
        let session = self.state.session;
        let store = self.state.typed_mut::<M>()?;
        let objs = objs.into_iter();
        store.slots.reserve(objs.size_hint().0);
        Ok(objs.map(|o| Handle::new(store.push(o), session)).collect())
    }
    /// The object of a handle.
    pub fn obj<M: Model>(&self, h: Handle<M>) -> Result<&M> {
        self.state.check(h).map(|s| &s.obj)
    }
    /// The object of a handle, to change: the next flush writes the changed columns.
    pub fn obj_mut<M: Model>(&mut self, h: Handle<M>) -> Result<&mut M> {
        self.state.check(h)?;
        Ok(self.state.typed_mut::<M>()?.slot_mut(h.idx)?.obj_mut())
    }
    /// Where an object stands.
    pub fn state<M: Model>(&self, h: Handle<M>) -> ObjectState {
        if h.session != self.state.session {
            return ObjectState::Detached;
        }
        self.state
            .typed::<M>()
            .ok()
            .and_then(|s| s.slot(h.idx).ok())
            .map_or(ObjectState::Detached, |s| s.state)
    }
    /// Whether an object has changes the next flush would write (pending, marked for
    /// deletion, or changed columns).
    pub fn is_modified<M: Model>(&self, h: Handle<M>) -> Result<bool> {
        let slot = self.state.check(h)?;
        let mut cols = Vec::new();
        slot.changed(&mut cols);
        Ok(slot.state == ObjectState::Pending || slot.marked || !cols.is_empty())
    }
    /// Marks an object for deletion by the next flush (a pending one just leaves).
    pub fn delete<M: Model>(&mut self, h: Handle<M>) -> Result<()> {
        self.state.check(h)?;
        let slot = self.state.typed_mut::<M>()?.slot_mut(h.idx)?;
        match slot.state {
            ObjectState::Pending => slot.state = ObjectState::Detached,
            ObjectState::Persistent => slot.marked = true,
            _ => {}
        }
        Ok(())
    }
    /// Removes an object from the session without touching the database.
    pub fn expunge<M: Model>(&mut self, h: Handle<M>) -> Result<()> {
        self.state.check(h)?;
        let store = self.state.typed_mut::<M>()?;
        if let Some(k) = store.loaded_key(h.idx) {
            store.index.remove(&k);
        }
        store.slot_mut(h.idx)?.state = ObjectState::Detached;
        Ok(())
    }

    /// The object with primary key `pk` (of the key column's type: `get::<User>("abc")`
    /// does not compile for an integer key; [`get_by`](Self::get_by) takes a composite
    /// key): from the identity map if it is there, else one SELECT.
    pub fn get<M: Model>(&mut self, pk: impl Into<M::Key>) -> Result<Option<Handle<M>>>
    where
        M::Key: Into<Value>,
    {
        self.get_by::<M>(vec![pk.into().into()])
    }
    /// [`get`](Self::get) with every primary-key column's value, in key order.
    pub fn get_by<M: Model>(&mut self, pk: Vec<Value>) -> Result<Option<Handle<M>>> {
        let def = M::definition();
        if pk.len() != def.primary_key().len() {
            return Err(Error::Session(
                format!(
                    "{} has a key of {} column(s), {} given",
                    def.name(),
                    def.primary_key().len(),
                    pk.len()
                )
                .into(),
            ));
        }
        if let Some(k) = Key::of(&pk) {
            let store = self.state.typed_mut::<M>()?;
            if let Some(idx) = store.index.get(&k) {
                return Ok(match store.slot(idx)?.state {
                    ObjectState::Persistent => Some(Handle::new(idx, self.state.session)),
                    _ => None,
                });
            }
        } else {
            return Ok(None);
        }
        let t = Table::from_static(def);
        let mut q = select(t.clone());
        for (name, v) in def.primary_key().iter().zip(pk) {
            q = q.where_(t.c(name)?.eq(v));
        }
        self.query::<M>(q).one_or_none()
    }

    /// Reloads an object from the database, dropping its unflushed changes: its
    /// columns, the many-to-one links set on it, the many-to-many links made or
    /// removed from it or to it, and its loaded collections (load them again). An
    /// object whose delete is not yet flushed is a typed error: a refresh would cancel
    /// the delete silently (and not those it cascaded to); roll back, or flush.
    pub fn refresh<M: Model>(&mut self, h: Handle<M>) -> Result<()> {
        let slot = self.state.check(h)?;
        if slot.marked {
            return Err(Error::Session(
                format!(
                    "the {} object is marked for deletion: refresh would cancel the delete; \
                     roll back to cancel it, or flush it",
                    M::definition().name()
                )
                .into(),
            ));
        }
        let Some(loaded) = slot.db() else {
            return Err(Error::Session(
                "a pending object has no row to refresh from".into(),
            ));
        };
        let def = M::definition();
        let t = Table::from_static(def);
        let mut q = select(t.clone());
        for name in def.primary_key() {
            let c = def.column_index(name).unwrap_or_default();
            q = q.where_(t.c(name)?.eq(loaded.value(c)));
        }
        self.autobegin()?;
        self.note(&q);
        let mut rows: Vec<M> = self.conn.fetch_all(&q)?;
        let Some(fresh) = rows.pop() else {
            return Err(Error::NoRows);
        };
        let slot = self.state.typed_mut::<M>()?.slot_mut(h.idx)?;
        slot.loaded = None;
        slot.obj = fresh;
        let me = std::any::TypeId::of::<M>();
        let mine = |t: std::any::TypeId, i: u32| t == me && i == h.idx;
        self.state.links.retain(|(t, _, i), _| !mine(*t, *i));
        self.state.collections.retain(|(t, _, i), _| !mine(*t, *i));
        self.state
            .secondary
            .retain(|o| !mine(o.rel.owner, o.owner) && !mine(o.rel.target, o.target));
        Ok(())
    }

    // ----- unit of work -----

    /// Writes every pending change: inserts parents first, updates changed columns,
    /// deletes children first. It runs in a savepoint of the session's transaction:
    /// when a statement fails, the database and the session are as they were before
    /// the flush (pending objects are pending again, keys it assigned are cleared) and
    /// the error is returned.
    pub fn flush(&mut self) -> Result<()> {
        if !self.has_changes() {
            return Ok(());
        }
        self.autobegin_write()?;
        let level = self.conn.begin_level()?;
        let mut flush = Flush::new(
            &mut self.state,
            self.conn.dialect_handle(),
            self.options.insert_returning,
        );
        let mark = flush.mark;
        match self.run_flush(&mut flush) {
            Ok(()) => match self.conn.end_level(level, true) {
                Ok(()) => {
                    for s in &mut self.state.stores {
                        s.prune();
                    }
                    Ok(())
                }
                Err(e) => {
                    self.state.undo_to(mark);
                    Err(e)
                }
            },
            Err(e) => {
                let _ = self.conn.end_level(level, false);
                self.state.undo_to(mark);
                if self.conn.is_aborted() {
                    // The server ended the whole transaction: every flush of it is undone.
                    self.abandon();
                }
                Err(e)
            }
        }
    }

    /// The transaction is gone on the server: end it here, keeping unwritten changes.
    fn abandon(&mut self) {
        let outer = self.levels.first().map(|l| l.1).unwrap_or_default();
        while let Some((l, _)) = self.levels.pop() {
            let _ = self.conn.end_level(l, false);
        }
        self.state.undo_to(outer);
    }

    fn run_flush(&mut self, flush: &mut Flush) -> Result<()> {
        while let Some(step) = flush.next(&mut self.state)? {
            if self.options.record {
                self.log.push(step.sql().to_string());
            }
            let out = if step.returns_rows() {
                Outcome {
                    values: self
                        .conn
                        .query_flat(step.sql(), step.params(), step.types())?,
                    ..Outcome::default()
                }
            } else {
                let r = self
                    .conn
                    .execute_keyed(step.sql(), step.params(), step.key())?;
                Outcome {
                    affected: r.rows_affected,
                    last_insert_id: r.last_insert_id,
                    ..Outcome::default()
                }
            };
            flush.complete(&mut self.state, step, out)?;
        }
        Ok(())
    }

    fn has_changes(&self) -> bool {
        !self.state.links.is_empty()
            || !self.state.secondary.is_empty()
            || self.state.stores.iter().any(|s| s.has_changes())
    }

    /// Flushes and commits the transaction. Objects stay readable afterwards.
    pub fn commit(&mut self) -> Result<()> {
        self.flush()?;
        while self.levels.len() > 1 {
            if let Some((l, _)) = self.levels.pop() {
                self.conn.end_level(l, true)?;
            }
        }
        if let Some((l, _)) = self.levels.pop() {
            if let Err(e) = self.conn.end_level(l, true) {
                self.state.rolled_back(0);
                return Err(e);
            }
        }
        self.state.committed();
        Ok(())
    }

    /// Rolls the transaction back: what the session wrote in it is undone, pending
    /// objects leave the session, the others are what the database has again, and
    /// loaded collections must be loaded again.
    pub fn rollback(&mut self) -> Result<()> {
        let mut r = Ok(());
        while let Some((l, _)) = self.levels.pop() {
            let e = self.conn.end_level(l, false);
            if r.is_ok() {
                r = e;
            }
        }
        self.state.rolled_back(0);
        r
    }

    /// Begins a savepoint (SQLAlchemy's `begin_nested`), after a flush. The guard
    /// dereferences to the session; dropping it without
    /// [`commit`](SessionTransaction::commit) rolls the savepoint back, with what the
    /// session did inside it.
    pub fn begin_nested(&mut self) -> Result<SessionTransaction<'_>> {
        self.flush()?;
        self.autobegin_write()?;
        let l = self.conn.begin_level()?;
        self.levels.push((l, self.state.journal.len()));
        let depth = self.levels.len();
        Ok(SessionTransaction {
            session: self,
            depth,
            done: false,
        })
    }

    /// Begins the session's transaction explicitly (an error if one is open). The
    /// guard commits with [`commit`](SessionTransaction::commit) and rolls back when
    /// dropped.
    pub fn begin(&mut self) -> Result<SessionTransaction<'_>> {
        if !self.levels.is_empty() {
            return Err(Error::Session("a transaction is already begun".into()));
        }
        self.autobegin_write()?;
        Ok(SessionTransaction {
            session: self,
            depth: 1,
            done: false,
        })
    }

    /// Runs `f` in a savepoint: released when it returns `Ok`, rolled back (with the
    /// session's changes inside it) when it returns `Err`.
    pub fn nested<T, E: From<Error>>(
        &mut self,
        f: impl FnOnce(&mut Session) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let mut sp = self.begin_nested()?;
        match f(&mut sp) {
            Ok(v) => {
                sp.commit()?;
                Ok(v)
            }
            Err(e) => {
                sp.rollback()?;
                Err(e)
            }
        }
    }

    /// Runs `f` in the session's transaction: committed when it returns `Ok`, rolled
    /// back when it returns `Err`.
    pub fn transaction<T, E: From<Error>>(
        &mut self,
        f: impl FnOnce(&mut Session) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let mut tx = self.begin()?;
        match f(&mut tx) {
            Ok(v) => {
                tx.commit()?;
                Ok(v)
            }
            Err(e) => {
                tx.rollback()?;
                Err(e)
            }
        }
    }

    fn end_to(&mut self, depth: usize, commit: bool) -> Result<()> {
        if self.levels.len() < depth {
            return Ok(());
        }
        if commit {
            if let Err(e) = self.flush() {
                self.end_to(depth, false)?;
                return Err(e);
            }
        }
        while self.levels.len() > depth {
            if let Some((l, _)) = self.levels.pop() {
                let _ = self.conn.end_level(l, false);
            }
        }
        let Some((l, mark)) = self.levels.pop() else {
            return Ok(());
        };
        let r = self.conn.end_level(l, commit);
        match (commit, &r) {
            (true, Ok(())) => {
                if depth == 1 {
                    self.state.committed();
                }
            }
            _ => self.state.rolled_back(mark),
        }
        r
    }

    // ----- queries -----

    /// A query of `M` objects: `stmt` selects the model's table (`select(User::table())`,
    /// with any WHERE, ORDER BY, LIMIT); run it with [`Query::all`] and friends.
    pub fn query<M: Model>(&mut self, stmt: Select) -> Query<'_, M> {
        Query {
            session: self,
            stmt,
            loads: Vec::new(),
            populate: false,
            unique: false,
            _m: std::marker::PhantomData,
        }
    }

    /// Objects with Core columns after them: `stmt` selects the model's columns, then
    /// what `X` reads (`select(users).add_columns(count)`).
    pub fn query_with<M: Model, X: FromRow>(
        &mut self,
        stmt: &Select,
    ) -> Result<Vec<(Handle<M>, X)>> {
        self.before_query()?;
        self.note(stmt);
        let rows: Vec<(M, X)> = self.conn.fetch_all(stmt)?;
        let session = self.state.session;
        let store = self.state.typed_mut::<M>()?;
        rows.into_iter()
            .map(|(m, x)| Ok((Handle::new(store.absorb(m, false)?, session), x)))
            .collect()
    }

    fn before_query(&mut self) -> Result<()> {
        if self.options.autoflush {
            self.flush()?;
        }
        self.autobegin()
    }

    /// Loads a relationship for some objects, with one SELECT per 500 keys (an explicit
    /// `selectinload` after the fact).
    pub fn load<Rl: Relationship>(&mut self, owners: &[Handle<Rl::Owner>], rel: Rl) -> Result<()> {
        for h in owners {
            self.state.check(*h)?;
        }
        self.before_query()?;
        let idxs: Vec<u32> = owners.iter().map(|h| h.idx).collect();
        self.select_in(rel.relation(), &idxs, None)?;
        Ok(())
    }

    // ----- relationships -----

    /// The object a many-to-one relationship leads to (`None` for a NULL key);
    /// [`Error::NotLoaded`] when it is not in the session.
    pub fn related<O: Model, T: Model>(
        &self,
        h: Handle<O>,
        rel: ManyToOne<O, T>,
    ) -> Result<Option<Handle<T>>> {
        self.state.check(h)?;
        let r = rel.relation().check()?;
        Ok(self
            .state
            .many_to_one(r, h.idx)?
            .map(|i| Handle::new(i, self.state.session)))
    }
    /// Sets a many-to-one relationship: the flush writes the target's key (generated
    /// then, for a new target) into the foreign key. A loaded collection on the other
    /// side follows (`back_populates`).
    pub fn set_related<O: Model, T: Model>(
        &mut self,
        h: Handle<O>,
        rel: ManyToOne<O, T>,
        target: Option<Handle<T>>,
    ) -> Result<()> {
        self.state.check(h)?;
        if let Some(t) = target {
            self.state.check(t)?;
        }
        let r = rel.relation().check()?.clone();
        let before = self.state.many_to_one(&r, h.idx).ok().flatten();
        self.state
            .links
            .insert((r.owner, r.name, h.idx), target.map(|t| t.idx));
        // The other side's loaded collections.
        if let Some(ts) = self.state.find_store(r.target) {
            let backs: Vec<Relation> = self
                .state
                .store(ts)?
                .relations()
                .iter()
                .filter(|b| b.is_back_of(&r))
                .cloned()
                .collect();
            for b in backs {
                if let Some(old) = before {
                    if let Some(c) = self.state.collections.get_mut(&(b.owner, b.name, old)) {
                        c.retain(|&i| i != h.idx);
                    }
                }
                if let Some(t) = target {
                    if let Some(c) = self.state.collections.get_mut(&(b.owner, b.name, t.idx)) {
                        if !c.contains(&h.idx) {
                            c.push(h.idx);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn collection<O: Model, T: Model>(&self, h: Handle<O>, r: &Relation) -> Result<Vec<Handle<T>>> {
        self.state.check(h)?;
        r.check()?;
        let ts = self.state.typed::<T>()?;
        match self.state.collections.get(&(r.owner, r.name, h.idx)) {
            Some(c) => Ok(c
                .iter()
                .filter(|&&i| {
                    matches!(
                        ts.slot(i).map(|s| (s.state, s.marked)),
                        Ok((ObjectState::Persistent | ObjectState::Pending, false))
                    )
                })
                .map(|&i| Handle::new(i, self.state.session))
                .collect()),
            None => Err(Error::NotLoaded {
                model: r.owner_def.name(),
                relationship: r.name,
            }),
        }
    }
    /// The loaded children of a one-to-many relationship; [`Error::NotLoaded`] when the
    /// collection was not loaded.
    pub fn children<O: Model, T: Model>(
        &self,
        h: Handle<O>,
        rel: OneToMany<O, T>,
    ) -> Result<Vec<Handle<T>>> {
        self.collection(h, rel.relation())
    }
    /// Adds a child to a one-to-many relationship: sets the child's many-to-one side
    /// (the flush writes the key) and the loaded collection.
    pub fn append<O: Model, T: Model>(
        &mut self,
        h: Handle<O>,
        rel: OneToMany<O, T>,
        child: Handle<T>,
    ) -> Result<()> {
        self.state.check(h)?;
        self.state.check(child)?;
        let r = rel.relation().check()?.clone();
        let Kind::OneToMany { .. } = r.kind else {
            return Ok(());
        };
        // The link is kept under the child's many-to-one relationship over the same column,
        // declared or not.
        let back = self.back_many_to_one(&r)?;
        self.state
            .links
            .insert((back.owner, back.name, child.idx), Some(h.idx));
        if let Some(c) = self.state.collections.get_mut(&(r.owner, r.name, h.idx)) {
            if !c.contains(&child.idx) {
                c.push(child.idx);
            }
        }
        Ok(())
    }
    /// Removes a child from a one-to-many relationship: deleted by the next flush when
    /// the relationship cascades `delete_orphan`, else its foreign key is set to NULL.
    pub fn remove<O: Model, T: Model>(
        &mut self,
        h: Handle<O>,
        rel: OneToMany<O, T>,
        child: Handle<T>,
    ) -> Result<()> {
        self.state.check(h)?;
        self.state.check(child)?;
        let r = rel.relation().check()?.clone();
        if let Some(c) = self.state.collections.get_mut(&(r.owner, r.name, h.idx)) {
            c.retain(|&i| i != child.idx);
        }
        if r.cascade.delete_orphan {
            return self.delete(child);
        }
        let back = self.back_many_to_one(&r)?;
        self.state
            .links
            .insert((back.owner, back.name, child.idx), None);
        Ok(())
    }
    /// The many-to-one relationship of a one-to-many's targets over the same column: the
    /// one they declare, or an unnamed one the session keeps links under.
    fn back_many_to_one(&mut self, r: &Relation) -> Result<Relation> {
        let Kind::OneToMany { fk, owner_col } = r.kind else {
            return Err(Error::Session(
                format!("{} is not one-to-many", r.name).into(),
            ));
        };
        let ts = self.state.store_id(r.target, r.new_target);
        if let Some(b) = self
            .state
            .store(ts)?
            .relations()
            .iter()
            .find(|b| b.is_back_of(r))
        {
            return Ok(b.clone());
        }
        let mut b = r.clone();
        b.name = "(back)";
        b.owner = r.target;
        b.owner_def = r.target_def;
        b.target = r.owner;
        b.target_def = r.owner_def;
        b.kind = Kind::ManyToOne {
            fk,
            target_col: owner_col,
        };
        b.cascade = Default::default();
        // Registered on the target's store so that the flush applies its links.
        let s = self.state.store_mut(ts)?;
        push_relation(&mut **s, b.clone());
        Ok(b)
    }

    /// The loaded targets of a many-to-many relationship.
    pub fn linked<O: Model, T: Model>(
        &self,
        h: Handle<O>,
        rel: ManyToMany<O, T>,
    ) -> Result<Vec<Handle<T>>> {
        self.collection(h, rel.relation())
    }
    /// Associates two objects through a many-to-many relationship (the flush writes the
    /// association row once both have keys).
    pub fn link<O: Model, T: Model>(
        &mut self,
        h: Handle<O>,
        rel: ManyToMany<O, T>,
        target: Handle<T>,
    ) -> Result<()> {
        self.associate(h, rel, target, true)
    }
    /// Removes an association (the flush deletes its row).
    pub fn unlink<O: Model, T: Model>(
        &mut self,
        h: Handle<O>,
        rel: ManyToMany<O, T>,
        target: Handle<T>,
    ) -> Result<()> {
        self.associate(h, rel, target, false)
    }
    fn associate<O: Model, T: Model>(
        &mut self,
        h: Handle<O>,
        rel: ManyToMany<O, T>,
        target: Handle<T>,
        add: bool,
    ) -> Result<()> {
        self.state.check(h)?;
        self.state.check(target)?;
        let r = rel.relation().check()?.clone();
        self.state.store_of::<T>();
        let op = super::state::SecondaryOp {
            rel: r.clone(),
            owner: h.idx,
            target: target.idx,
            add,
        };
        // One net operation per pair: a second link (or unlink) of it is nothing, an
        // unlink after a link (or a link after an unlink) undoes it; a link of what the
        // loaded collection already holds, or an unlink of what it lacks, is nothing.
        let pair = op.pair();
        let queued = self
            .state
            .secondary
            .iter()
            .position(|o| o.pair().is_some() && o.pair() == pair);
        match queued {
            Some(i) => {
                if self.state.secondary.get(i).is_some_and(|o| o.add != add) {
                    self.state.secondary.remove(i);
                }
            }
            None => {
                let known = self
                    .state
                    .collections
                    .get(&(r.owner, r.name, h.idx))
                    .map(|c| c.contains(&target.idx));
                if known != Some(add) {
                    self.state.secondary.push(op);
                }
            }
        }
        let pairs = [((r.owner, r.name, h.idx), target.idx)];
        let mut backs = Vec::new();
        if let Some(ts) = self.state.find_store(r.target) {
            for b in self.state.store(ts)?.relations() {
                if b.is_back_of(&r) {
                    backs.push(((b.owner, b.name, target.idx), h.idx));
                }
            }
        }
        for (k, v) in pairs.into_iter().chain(backs) {
            if let Some(c) = self.state.collections.get_mut(&k) {
                if add && !c.contains(&v) {
                    c.push(v);
                } else if !add {
                    c.retain(|&i| i != v);
                }
            }
        }
        Ok(())
    }

    /// Loads `rel` for `owners` with `WHERE key IN (..)` queries, and `join` (a
    /// joined hop from `rel`'s target) in the same queries. Returns the targets, and
    /// the join's targets.
    fn select_in(
        &mut self,
        rel: &Relation,
        owners: &[u32],
        join: Option<&(Relation, Strategy)>,
    ) -> Result<(Vec<u32>, Vec<u32>)> {
        let mut hop = Hop::plan(&mut self.state, rel, owners, join)?;
        let queries = std::mem::take(&mut hop.queries);
        let mut results = Vec::with_capacity(queries.len());
        for q in queries {
            results.push(self.run_hop_query(&hop.rel, hop.target, q)?);
        }
        hop.finish(&mut self.state, results)
    }

    /// Runs one query of a selectin hop into the target's store.
    fn run_hop_query(&mut self, rel: &Relation, target: usize, q: HopQuery) -> Result<Fetched> {
        match q.read {
            Read::Objects => {
                self.note(&q.stmt);
                let store = self.state.store_mut(target)?;
                Ok(Fetched::Objects((rel.fetch)(
                    &mut self.conn,
                    &q.stmt,
                    &mut **store,
                    false,
                )?))
            }
            Read::Keyed => {
                self.note(&q.stmt);
                let store = self.state.store_mut(target)?;
                Ok(Fetched::Keyed((rel.fetch_keyed)(
                    &mut self.conn,
                    &q.stmt,
                    &mut **store,
                    false,
                )?))
            }
            Read::Joined(j) => {
                let join = (j, Strategy::Joined);
                Ok(Fetched::Joined(self.run_joined(
                    target,
                    q.stmt,
                    &[&join],
                    false,
                )?))
            }
        }
    }
}

fn push_relation(store: &mut dyn AnyStore, rel: Relation) {
    store.add_relation(rel);
}

/// A session transaction or savepoint (from [`Session::begin`] or
/// [`Session::begin_nested`]); it dereferences to the session. Dropping it without
/// [`commit`](Self::commit) rolls it back.
pub struct SessionTransaction<'s> {
    session: &'s mut Session,
    depth: usize,
    done: bool,
}

impl std::fmt::Debug for SessionTransaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionTransaction")
            .field("depth", &self.depth)
            .finish()
    }
}

impl SessionTransaction<'_> {
    /// Flushes and commits (releases the savepoint).
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        self.session.end_to(self.depth, true)
    }
    /// Rolls back, with what the session did inside.
    pub fn rollback(mut self) -> Result<()> {
        self.done = true;
        self.session.end_to(self.depth, false)
    }
}

impl std::ops::Deref for SessionTransaction<'_> {
    type Target = Session;
    fn deref(&self) -> &Session {
        self.session
    }
}
impl std::ops::DerefMut for SessionTransaction<'_> {
    fn deref_mut(&mut self) -> &mut Session {
        self.session
    }
}
impl Drop for SessionTransaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.session.end_to(self.depth, false);
        }
    }
}

/// A query of model objects (from [`Session::query`]).
pub struct Query<'s, M> {
    session: &'s mut Session,
    stmt: Select,
    loads: Vec<Vec<(Relation, Strategy)>>,
    populate: bool,
    unique: bool,
    _m: std::marker::PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for Query<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("loads", &self.loads.len())
            .finish()
    }
}

impl<M: Model> Query<'_, M> {
    /// Adds a loader option ([`selectinload`](super::selectinload),
    /// [`joinedload`](super::joinedload)).
    pub fn options<L>(mut self, load: Load<M, L>) -> Self {
        self.loads.push(load.hops);
        self
    }
    /// Overwrites objects already in the session with the rows read (SQLAlchemy's
    /// `populate_existing`), dropping their unflushed changes.
    pub fn populate_existing(mut self) -> Self {
        self.populate = true;
        self
    }
    /// Each object once, in the order first met.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
    /// Every object.
    pub fn all(self) -> Result<Vec<Handle<M>>> {
        let s = self.session.state.session;
        Ok(self.run()?.into_iter().map(|i| Handle::new(i, s)).collect())
    }
    /// The first object, if any. Only the first row is read (`LIMIT 1`); a joined
    /// collection, which would multiply the root's rows, is loaded with a SELECT of its
    /// own instead (the same objects and collections, the root row limited).
    pub fn first(mut self) -> Result<Option<Handle<M>>> {
        for path in &mut self.loads {
            if let Some((rel, s)) = path.first_mut() {
                let collection = matches!(
                    rel.kind,
                    super::rel::Kind::OneToMany { .. } | super::rel::Kind::ManyToMany { .. }
                );
                if *s == Strategy::Joined && collection {
                    *s = Strategy::SelectIn;
                }
            }
        }
        self.stmt = self.stmt.limit_first();
        Ok(self.all()?.into_iter().next())
    }
    /// Exactly one object ([`Error::NoRows`], [`Error::TooManyRows`]).
    pub fn one(self) -> Result<Handle<M>> {
        self.one_or_none()?.ok_or(Error::NoRows)
    }
    /// One object or none ([`Error::TooManyRows`] for more).
    pub fn one_or_none(self) -> Result<Option<Handle<M>>> {
        let mut all = self.unique().all()?.into_iter();
        let first = all.next();
        if all.next().is_some() {
            return Err(Error::TooManyRows);
        }
        Ok(first)
    }

    fn run(self) -> Result<Vec<u32>> {
        let Query {
            session,
            stmt,
            loads,
            populate,
            unique,
            ..
        } = self;
        session.before_query()?;
        let root = session.state.store_of::<M>();
        let joined: Vec<&(Relation, Strategy)> = loads
            .iter()
            .filter_map(|path| path.first())
            .filter(|(_, s)| *s == Strategy::Joined)
            .collect();
        let mut rows_of: Vec<Vec<Option<u32>>> = Vec::new();
        let mut found: Vec<u32>;
        if joined.is_empty() {
            session.note(&stmt);
            let store = session.state.store_mut(root)?;
            found = fetch_into::<M>(&mut session.conn, &stmt, &mut **store, populate)?;
        } else {
            let (idxs, per_join) = session.run_joined(root, stmt, &joined, populate)?;
            found = idxs;
            rows_of = per_join;
        }
        let dedup = unique || !joined.is_empty();
        let roots: Vec<u32> = if loads.is_empty() {
            Vec::new()
        } else {
            distinct_idx(&found)
        };
        // The rest of each path, from the objects its joined first hop found.
        let mut ji = 0;
        for path in &loads {
            let mut owners = roots.clone();
            let mut hops = path.iter();
            if path.first().is_some_and(|(_, s)| *s == Strategy::Joined) {
                let _ = hops.next();
                let mut seen = Set::default();
                owners = rows_of
                    .get(ji)
                    .map(|r| {
                        r.iter()
                            .flatten()
                            .copied()
                            .filter(|i| seen.insert(*i))
                            .collect()
                    })
                    .unwrap_or_default();
                ji += 1;
            }
            let mut hops = hops.peekable();
            while let Some((rel, strategy)) = hops.next() {
                if *strategy == Strategy::Joined {
                    return Err(Error::Session(
                        format!("joinedload of {} right after a joinedload: one query joins one hop of a path; use selectinload for one of them", rel.name).into(),
                    ));
                }
                // A joined hop after a selectin hop rides on its query.
                let join = hops.next_if(|(_, s)| *s == Strategy::Joined);
                let (targets, joined) = session.select_in(rel, &owners, join)?;
                owners = if join.is_some() { joined } else { targets };
            }
        }
        if dedup {
            found = distinct_idx(&found);
        }
        Ok(found)
    }
}

impl Session {
    /// Runs a query with LEFT OUTER JOINs for joined hops from its model (store
    /// `root`): the root objects per row, and each join's targets per row.
    fn run_joined(
        &mut self,
        root: usize,
        stmt: Select,
        joined: &[&(Relation, Strategy)],
        populate: bool,
    ) -> Result<JoinedRows> {
        let plan = Joined::plan(&mut self.state, root, stmt, joined)?;
        self.note(&plan.stmt);
        let rows = self.conn.query(&plan.stmt)?;
        plan.fold(&mut self.state, rows, populate)
    }
}
