//! The session's state, with no connection in sight: one store of objects per model
//! (the identity map), what each object was when last loaded or written, the
//! relationships' loaded collections and pending links, and the journal that undoes a
//! flush.

use std::any::{Any, TypeId};
use std::marker::PhantomData;

use super::key::{Index, Key, Map};
use super::rel::{values_of, Cols, Kind, Relation};
use super::Model;
use crate::schema::TableDef;
use crate::{Error, Result, Value};

/// A typed handle on an object in a [`Session`](super::Session): a `Copy` index, the
/// same for the same row as long as the session lives. Read and change the object
/// through the session ([`obj`](super::Session::obj),
/// [`obj_mut`](super::Session::obj_mut)).
pub struct Handle<M> {
    pub(crate) idx: u32,
    pub(crate) session: u32,
    _m: PhantomData<fn() -> M>,
}

impl<M> Handle<M> {
    pub(crate) fn new(idx: u32, session: u32) -> Self {
        Handle {
            idx,
            session,
            _m: PhantomData,
        }
    }
}
impl<M> Clone for Handle<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for Handle<M> {}
impl<M> PartialEq for Handle<M> {
    fn eq(&self, o: &Self) -> bool {
        self.idx == o.idx && self.session == o.session
    }
}
impl<M> Eq for Handle<M> {}
impl<M> std::hash::Hash for Handle<M> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.idx, self.session).hash(h)
    }
}
impl<M> std::fmt::Debug for Handle<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ty = std::any::type_name::<M>();
        let short = ty.rsplit("::").next().unwrap_or(ty);
        write!(f, "Handle<{short}>({})", self.idx)
    }
}

/// Where an object stands (SQLAlchemy's object states).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectState {
    /// Added, not written yet: the next flush inserts it.
    Pending,
    /// In the database as far as the session knows.
    Persistent,
    /// Deleted by a flush; gone for good when the transaction commits.
    Deleted,
    /// No longer the session's: expunged, deleted and committed, or pending when the
    /// transaction rolled back. Its handle is refused.
    Detached,
}

pub(crate) struct Slot<M> {
    pub(crate) obj: M,
    /// The columns as the database has them, copied when the object is first changed
    /// after a load or write (copy on write): `None` while `obj` is what the database
    /// has, and while pending.
    pub(crate) loaded: Option<Box<M>>,
    pub(crate) state: ObjectState,
    /// `Session::delete` was called: the next flush deletes it.
    pub(crate) marked: bool,
    /// In its store's `touched` list.
    touched: bool,
}

/// The objects of one model and its identity map.
pub(crate) struct Store<M> {
    pub(crate) slots: Vec<Slot<M>>,
    pub(crate) index: Index,
    pub(crate) relations: Vec<Relation>,
    pk: Vec<usize>,
    /// The objects that may have something to flush: every slot handed out for a
    /// change (all changes go through [`Store::slot_mut`]) or added, until a flush
    /// finds it clean. Autoflush and the flush look here, not at every object, so a
    /// query's cost does not grow with the session.
    touched: Vec<u32>,
}

pub(crate) fn new_store<M: Model>() -> Box<dyn AnyStore> {
    let def = M::definition();
    let pk = def
        .primary_key()
        .iter()
        .filter_map(|n| def.column_index(n))
        .collect();
    Box::new(Store::<M> {
        slots: Vec::new(),
        index: Index::default(),
        relations: M::relationships(),
        pk,
        touched: Vec::new(),
    })
}

impl<M: Model> Slot<M> {
    /// The object as the database has it; `None` while pending.
    pub(crate) fn db(&self) -> Option<&M> {
        match self.state {
            ObjectState::Pending => None,
            _ => Some(self.loaded.as_deref().unwrap_or(&self.obj)),
        }
    }
    /// The object, about to be changed: the database's copy is kept first.
    pub(crate) fn obj_mut(&mut self) -> &mut M {
        if self.loaded.is_none() && self.state != ObjectState::Pending {
            self.loaded = Some(Box::new(self.obj.snapshot()));
        }
        &mut self.obj
    }
    /// Whether the object differs from what the database has (cheap for clean ones).
    pub(crate) fn changed(&self, out: &mut Vec<usize>) {
        if let Some(l) = &self.loaded {
            self.obj.changed(l, out);
        }
    }
}

impl<M: Model> Store<M> {
    pub(crate) fn slot(&self, idx: u32) -> Result<&Slot<M>> {
        self.slots.get(idx as usize).ok_or_else(stale_handle)
    }
    pub(crate) fn slot_mut(&mut self, idx: u32) -> Result<&mut Slot<M>> {
        let s = self.slots.get_mut(idx as usize).ok_or_else(stale_handle)?;
        if !s.touched {
            s.touched = true;
            self.touched.push(idx);
        }
        Ok(s)
    }
    /// The identity key of the object as the database has it.
    pub(crate) fn loaded_key(&self, idx: u32) -> Option<Key> {
        self.slot(idx)
            .ok()
            .and_then(|s| s.db())
            .and_then(|l| self.key_of(l))
    }
    /// The identity key of the object's current values.
    fn current_key(&self, idx: u32) -> Option<Key> {
        self.slot(idx).ok().and_then(|s| self.key_of(&s.obj))
    }
    /// Moves the object's identity-map entry from key `from` to key `to`.
    fn rekey(&mut self, idx: u32, from: Option<Key>, to: Option<Key>) {
        if from == to {
            return;
        }
        if let Some(k) = from {
            self.index.remove(&k);
        }
        if let Some(k) = to {
            self.index.insert(k, idx);
        }
    }
    fn key_of(&self, obj: &M) -> Option<Key> {
        if let [c] = self.pk.as_slice() {
            return Key::of(std::slice::from_ref(&obj.value(*c)));
        }
        let vals: Vec<Value> = self.pk.iter().map(|&c| obj.value(c)).collect();
        Key::of(&vals)
    }
    /// Adds a new object (pending).
    pub(crate) fn push(&mut self, obj: M) -> u32 {
        let idx = self.slots.len() as u32;
        self.slots.push(Slot {
            obj,
            loaded: None,
            state: ObjectState::Pending,
            marked: false,
            touched: true,
        });
        self.touched.push(idx);
        idx
    }
    /// An object read from the database: the one already in the identity map (left as
    /// it is, unless `populate`), or a new persistent one.
    pub(crate) fn absorb(&mut self, obj: M, populate: bool) -> Result<u32> {
        let Some(key) = self.key_of(&obj) else {
            return Err(Error::Session(
                format!(
                    "a row of {} without its primary key cannot be mapped",
                    M::definition().name()
                )
                .into(),
            ));
        };
        let next = self.slots.len() as u32;
        match self.index.get_or_insert(key, next) {
            Some(idx) => {
                if populate {
                    let slot = self.slot_mut(idx)?;
                    slot.loaded = None;
                    slot.obj = obj;
                    slot.marked = false;
                }
                Ok(idx)
            }
            None => {
                self.slots.push(Slot {
                    loaded: None,
                    obj,
                    state: ObjectState::Persistent,
                    marked: false,
                    touched: false,
                });
                Ok(next)
            }
        }
    }
}

fn stale_handle() -> Error {
    Error::Session("the handle is not one of this session's objects".into())
}

/// What a flush undoes when it fails, and a rollback when the transaction goes.
pub(crate) enum Undo {
    /// An INSERT of several objects: each is pending again, the fields the flush set
    /// set back (with their old values), and the columns the server filled NULL again.
    Inserted {
        store: usize,
        rows: Vec<(u32, Vec<(usize, Value)>)>,
        returned: Vec<usize>,
    },
    /// An UPDATE: what the object was loaded as, and fields the flush set.
    Updated {
        store: usize,
        idx: u32,
        loaded: Box<dyn Any>,
        fields: Vec<(usize, Value)>,
    },
    /// Values a flush set in an object while planning a statement (links, on-update
    /// values, a version counter): their old values, set back.
    Fields {
        store: usize,
        idx: u32,
        fields: Vec<(usize, Value)>,
    },
    /// A DELETE: the object is persistent and marked again.
    Deleted { store: usize, idx: u32 },
    /// The server deleted the objects (`ON DELETE CASCADE`): persistent again, marked
    /// for deletion as they were.
    Gone {
        store: usize,
        idxs: Vec<(u32, bool)>,
    },
    /// The server set columns (`ON DELETE SET NULL`): each object and column with what
    /// the database had, and the object's own value when it differed.
    ServerSet {
        store: usize,
        was: Vec<(u32, usize, (Value, Option<Value>))>,
    },
    /// A cascade marked the object for deletion.
    Marked { store: usize, idx: u32 },
    /// The pending links and association changes before the flush consumed them.
    Links {
        links: Map<LinkKey, Option<u32>>,
        secondary: Vec<SecondaryOp>,
    },
}

/// A relationship of one object: (owner model, relationship name, owner index).
pub(crate) type LinkKey = (TypeId, &'static str, u32);

/// A pending change of a many-to-many association.
#[derive(Clone)]
pub(crate) struct SecondaryOp {
    pub(crate) rel: Relation,
    pub(crate) owner: u32,
    pub(crate) target: u32,
    pub(crate) add: bool,
}

/// Which association row an operation is about, the same whichever side of the
/// relationship it was made from: the association table, and each object by the
/// column its key goes to.
pub(crate) type Pair = (usize, (usize, TypeId, u32), (usize, TypeId, u32));

impl SecondaryOp {
    /// The row this operation writes or deletes (`None` for a relationship that is
    /// not many-to-many).
    pub(crate) fn pair(&self) -> Option<Pair> {
        let crate::orm::rel::Kind::ManyToMany {
            secondary,
            left,
            right,
            ..
        } = self.rel.kind
        else {
            return None;
        };
        let a = (left, self.rel.owner, self.owner);
        let b = (right, self.rel.target, self.target);
        let table = secondary as *const TableDef as usize;
        Some(if a.0 <= b.0 {
            (table, a, b)
        } else {
            (table, b, a)
        })
    }
}

/// A store with its model erased, for the flush and the loaders.
pub(crate) trait AnyStore: Any {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn def(&self) -> &'static TableDef;
    fn relations(&self) -> &[Relation];
    /// The primary key's column positions, in key order.
    fn pk(&self) -> &[usize];
    fn add_relation(&mut self, rel: Relation);
    fn state(&self, idx: u32) -> ObjectState;
    fn marked(&self, idx: u32) -> bool;
    fn set_marked(&mut self, idx: u32, on: bool);
    /// The current value of a column.
    fn value(&self, idx: u32, col: usize) -> Value;
    /// The value the database has.
    fn loaded_value(&self, idx: u32, col: usize) -> Option<Value>;
    fn set_value(&mut self, idx: u32, col: usize, v: Value) -> Result<()>;
    fn lookup(&self, key: &Key) -> Option<u32>;
    /// A row of values read from the database into the identity map.
    fn absorb_values(&mut self, values: Vec<Value>, populate: bool) -> Result<u32>;
    fn changed(&self, idx: u32, out: &mut Vec<usize>);
    /// The INSERT succeeded: persistent, loaded as it is now, in the identity map.
    fn inserted(&mut self, idx: u32);
    /// The UPDATE succeeded: the previous loaded copy.
    fn updated(&mut self, idx: u32) -> Box<dyn Any>;
    /// The DELETE succeeded.
    fn deleted(&mut self, idx: u32);
    fn undo_inserted(&mut self, idx: u32, fields: Vec<(usize, Value)>, returned: &[usize]);
    /// The server set column `col` of the object's row to `v`: the database's copy
    /// takes it, and so does the object unless it holds a change of its own there.
    /// Returns what to undo it with: the database's old value, and the object's when
    /// it differed.
    fn server_set(&mut self, idx: u32, col: usize, v: Value) -> Result<(Value, Option<Value>)>;
    /// Undoes [`server_set`](Self::server_set).
    fn undo_server_set(&mut self, idx: u32, col: usize, old: (Value, Option<Value>));
    /// Room for `n` more objects in the identity map.
    fn reserve(&mut self, n: usize);
    fn undo_updated(&mut self, idx: u32, loaded: Box<dyn Any>, fields: Vec<(usize, Value)>);
    fn undo_deleted(&mut self, idx: u32);
    /// A rollback: pending objects leave, the others are what the database has again.
    fn discard_changes(&mut self);
    /// A commit: deleted objects leave.
    fn committed(&mut self);
    /// The objects in a state, in the order they were added.
    fn in_state(&self, state: ObjectState) -> Vec<u32>;
    /// The objects in `state` that may have something to flush (added, changed,
    /// marked), in the order they were made.
    fn touched_in_state(&self, state: ObjectState) -> Vec<u32>;
    /// Whether any object has something to flush.
    fn has_changes(&self) -> bool;
    /// Forgets the touched objects that have nothing left to flush.
    fn prune(&mut self);
}

impl<M: Model> AnyStore for Store<M> {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn def(&self) -> &'static TableDef {
        M::definition()
    }
    fn relations(&self) -> &[Relation] {
        &self.relations
    }
    fn pk(&self) -> &[usize] {
        &self.pk
    }
    fn add_relation(&mut self, rel: Relation) {
        self.relations.push(rel);
    }
    fn state(&self, idx: u32) -> ObjectState {
        self.slot(idx).map_or(ObjectState::Detached, |s| s.state)
    }
    fn marked(&self, idx: u32) -> bool {
        self.slot(idx).is_ok_and(|s| s.marked)
    }
    fn set_marked(&mut self, idx: u32, on: bool) {
        if let Ok(s) = self.slot_mut(idx) {
            s.marked = on;
        }
    }
    fn value(&self, idx: u32, col: usize) -> Value {
        self.slot(idx).map_or(Value::Null, |s| s.obj.value(col))
    }
    fn loaded_value(&self, idx: u32, col: usize) -> Option<Value> {
        self.slot(idx).ok()?.db().map(|l| l.value(col))
    }
    fn set_value(&mut self, idx: u32, col: usize, v: Value) -> Result<()> {
        self.slot_mut(idx)?.obj_mut().set_value(col, v)
    }
    fn lookup(&self, key: &Key) -> Option<u32> {
        self.index.get(key)
    }
    fn absorb_values(&mut self, values: Vec<Value>, populate: bool) -> Result<u32> {
        let obj = M::from_values(values)?;
        self.absorb(obj, populate)
    }
    fn changed(&self, idx: u32, out: &mut Vec<usize>) {
        if let Ok(s) = self.slot(idx) {
            s.changed(out);
        }
    }
    fn inserted(&mut self, idx: u32) {
        let key = match self.slot(idx) {
            Ok(s) => self.key_of(&s.obj),
            Err(_) => return,
        };
        if let Ok(s) = self.slot_mut(idx) {
            s.loaded = None;
            s.state = ObjectState::Persistent;
        }
        if let Some(k) = key {
            self.index.insert(k, idx);
        }
    }
    fn updated(&mut self, idx: u32) -> Box<dyn Any> {
        let old_key = self.loaded_key(idx);
        let new_key = self.current_key(idx);
        let old = match self.slot_mut(idx) {
            Ok(s) => s.loaded.take(),
            Err(_) => None,
        };
        self.rekey(idx, old_key, new_key);
        Box::new(old)
    }
    fn deleted(&mut self, idx: u32) {
        let key = self.loaded_key(idx);
        if let Some(k) = key {
            self.index.remove(&k);
        }
        if let Ok(s) = self.slot_mut(idx) {
            s.state = ObjectState::Deleted;
            s.marked = false;
        }
    }
    fn server_set(&mut self, idx: u32, col: usize, v: Value) -> Result<(Value, Option<Value>)> {
        let s = self.slot_mut(idx)?;
        match s.loaded.as_deref_mut() {
            None => {
                let old = s.obj.value(col);
                s.obj.set_value(col, v)?;
                Ok((old, None))
            }
            Some(db) => {
                let old = db.value(col);
                db.set_value(col, v.clone())?;
                let own = s.obj.value(col);
                if own == old {
                    s.obj.set_value(col, v)?;
                    Ok((old, None))
                } else {
                    Ok((old, Some(own)))
                }
            }
        }
    }
    fn undo_server_set(&mut self, idx: u32, col: usize, (old, own): (Value, Option<Value>)) {
        if let Ok(s) = self.slot_mut(idx) {
            match s.loaded.as_deref_mut() {
                None => {
                    let _ = s.obj.set_value(col, old);
                }
                Some(db) => {
                    let _ = db.set_value(col, old.clone());
                    let _ = s.obj.set_value(col, own.unwrap_or(old));
                }
            }
        }
    }
    fn reserve(&mut self, n: usize) {
        self.index.reserve(n);
    }
    fn undo_inserted(&mut self, idx: u32, fields: Vec<(usize, Value)>, returned: &[usize]) {
        let key = self.current_key(idx);
        if let Some(k) = key {
            if self.index.get(&k) == Some(idx) {
                self.index.remove(&k);
            }
        }
        if let Ok(s) = self.slot_mut(idx) {
            for &c in returned {
                let _ = s.obj.set_value(c, Value::Null);
            }
            for (c, v) in fields.into_iter().rev() {
                let _ = s.obj.set_value(c, v);
            }
            s.loaded = None;
            s.state = ObjectState::Pending;
        }
    }
    fn undo_updated(&mut self, idx: u32, loaded: Box<dyn Any>, fields: Vec<(usize, Value)>) {
        let new_key = self.current_key(idx);
        if let Ok(s) = self.slot_mut(idx) {
            for (c, v) in fields.into_iter().rev() {
                let _ = s.obj.set_value(c, v);
            }
            if let Ok(old) = loaded.downcast::<Option<Box<M>>>() {
                s.loaded = *old;
            }
        }
        let old_key = self.loaded_key(idx);
        self.rekey(idx, new_key, old_key);
    }
    fn undo_deleted(&mut self, idx: u32) {
        let key = self.loaded_key(idx);
        if let Some(k) = key {
            self.index.insert(k, idx);
        }
        if let Ok(s) = self.slot_mut(idx) {
            s.state = ObjectState::Persistent;
            s.marked = true;
        }
    }
    fn discard_changes(&mut self) {
        for s in &mut self.slots {
            s.marked = false;
            match s.state {
                ObjectState::Pending => s.state = ObjectState::Detached,
                ObjectState::Persistent => {
                    if let Some(l) = s.loaded.take() {
                        s.obj = *l;
                    }
                }
                _ => {}
            }
        }
    }
    fn committed(&mut self) {
        for s in &mut self.slots {
            if s.state == ObjectState::Deleted {
                s.state = ObjectState::Detached;
            }
        }
    }
    fn touched_in_state(&self, state: ObjectState) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .touched
            .iter()
            .copied()
            .filter(|&i| self.slots.get(i as usize).is_some_and(|s| s.state == state))
            .collect();
        out.sort_unstable();
        out
    }
    fn has_changes(&self) -> bool {
        let mut cols = Vec::new();
        self.touched
            .iter()
            .any(|&i| match self.slots.get(i as usize) {
                Some(s) => match s.state {
                    ObjectState::Pending => true,
                    ObjectState::Persistent => {
                        cols.clear();
                        s.changed(&mut cols);
                        s.marked || !cols.is_empty()
                    }
                    _ => false,
                },
                None => false,
            })
    }
    fn prune(&mut self) {
        let slots = &mut self.slots;
        self.touched.retain(|&i| match slots.get_mut(i as usize) {
            Some(s) => {
                let keep = s.state == ObjectState::Pending || s.marked || s.loaded.is_some();
                s.touched = keep;
                keep
            }
            None => false,
        });
    }
    fn in_state(&self, state: ObjectState) -> Vec<u32> {
        (0..self.slots.len() as u32)
            .filter(|&i| self.slots.get(i as usize).is_some_and(|s| s.state == state))
            .collect()
    }
}

/// Makes the empty store of a model.
pub(crate) type MakeStore = fn() -> Box<dyn AnyStore>;

/// Everything the session knows, with no connection: the sans-I/O core.
pub(crate) struct State {
    pub(crate) session: u32,
    pub(crate) stores: Vec<Box<dyn AnyStore>>,
    by_type: Map<TypeId, usize>,
    /// Many-to-one links set to an object (perhaps without a key yet): the flush writes
    /// the target's key into the foreign key.
    pub(crate) links: Map<LinkKey, Option<u32>>,
    /// Loaded collections (one-to-many and many-to-many).
    pub(crate) collections: Map<LinkKey, Vec<u32>>,
    /// Association rows to write or delete.
    pub(crate) secondary: Vec<SecondaryOp>,
    pub(crate) journal: Vec<Undo>,
}

impl State {
    pub(crate) fn new() -> State {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
        State {
            session: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            stores: Vec::new(),
            by_type: Map::default(),
            links: Map::default(),
            collections: Map::default(),
            secondary: Vec::new(),
            journal: Vec::new(),
        }
    }

    /// The store of a model by type id, made with `make` on first use (and the stores
    /// of the models its relationships lead to).
    pub(crate) fn store_id(&mut self, ty: TypeId, make: fn() -> Box<dyn AnyStore>) -> usize {
        if let Some(&i) = self.by_type.get(&ty) {
            return i;
        }
        let i = self.stores.len();
        let store = make();
        let targets: Vec<(TypeId, MakeStore)> = store
            .relations()
            .iter()
            .map(|r| (r.target, r.new_target))
            .collect();
        self.stores.push(store);
        self.by_type.insert(ty, i);
        for (t, m) in targets {
            self.store_id(t, m);
        }
        i
    }
    pub(crate) fn store_of<M: Model>(&mut self) -> usize {
        self.store_id(TypeId::of::<M>(), new_store::<M>)
    }
    pub(crate) fn find_store(&self, ty: TypeId) -> Option<usize> {
        self.by_type.get(&ty).copied()
    }
    pub(crate) fn typed<M: Model>(&self) -> Result<&Store<M>> {
        self.by_type
            .get(&TypeId::of::<M>())
            .and_then(|&i| self.stores.get(i))
            .and_then(|s| s.as_any().downcast_ref::<Store<M>>())
            .ok_or_else(stale_handle)
    }
    pub(crate) fn typed_mut<M: Model>(&mut self) -> Result<&mut Store<M>> {
        let i = self.store_of::<M>();
        self.stores
            .get_mut(i)
            .and_then(|s| s.as_any_mut().downcast_mut::<Store<M>>())
            .ok_or_else(stale_handle)
    }
    pub(crate) fn store(&self, i: usize) -> Result<&dyn AnyStore> {
        self.stores.get(i).map(|b| &**b).ok_or_else(stale_handle)
    }
    pub(crate) fn store_mut(&mut self, i: usize) -> Result<&mut Box<dyn AnyStore>> {
        self.stores.get_mut(i).ok_or_else(stale_handle)
    }

    /// Checks that a handle is this session's and its object is still here.
    pub(crate) fn check<M: Model>(&self, h: Handle<M>) -> Result<&Slot<M>> {
        if h.session != self.session {
            return Err(Error::Session(
                "the handle belongs to another session".into(),
            ));
        }
        let slot = self.typed::<M>()?.slot(h.idx)?;
        match slot.state {
            ObjectState::Detached => Err(Error::Session(
                format!(
                    "the {} object is detached from the session",
                    M::definition().name()
                )
                .into(),
            )),
            _ => Ok(slot),
        }
    }

    /// Undoes the journal back to `mark`, newest first.
    pub(crate) fn undo_to(&mut self, mark: usize) {
        while self.journal.len() > mark {
            let Some(u) = self.journal.pop() else { break };
            match u {
                Undo::Inserted {
                    store,
                    rows,
                    returned,
                } => {
                    if let Some(s) = self.stores.get_mut(store) {
                        for (idx, fields) in rows.into_iter().rev() {
                            s.undo_inserted(idx, fields, &returned);
                        }
                    }
                }
                Undo::Updated {
                    store,
                    idx,
                    loaded,
                    fields,
                } => {
                    if let Some(s) = self.stores.get_mut(store) {
                        s.undo_updated(idx, loaded, fields);
                    }
                }
                Undo::Fields { store, idx, fields } => {
                    if let Some(s) = self.stores.get_mut(store) {
                        for (c, v) in fields.into_iter().rev() {
                            let _ = s.set_value(idx, c, v);
                        }
                    }
                }
                Undo::Deleted { store, idx } => {
                    if let Some(s) = self.stores.get_mut(store) {
                        s.undo_deleted(idx);
                    }
                }
                Undo::Gone { store, idxs } => {
                    if let Some(s) = self.stores.get_mut(store) {
                        for (idx, marked) in idxs {
                            s.undo_deleted(idx);
                            s.set_marked(idx, marked);
                        }
                    }
                }
                Undo::ServerSet { store, was } => {
                    if let Some(s) = self.stores.get_mut(store) {
                        for (idx, col, old) in was.into_iter().rev() {
                            s.undo_server_set(idx, col, old);
                        }
                    }
                }
                Undo::Marked { store, idx } => {
                    if let Some(s) = self.stores.get_mut(store) {
                        s.set_marked(idx, false);
                    }
                }
                Undo::Links { links, secondary } => {
                    self.links = links;
                    self.secondary = secondary;
                }
            }
        }
    }

    /// A rollback to a level whose journal starts at `mark`: what was written since is
    /// undone, and every unwritten change is dropped; collections are to be loaded again.
    pub(crate) fn rolled_back(&mut self, mark: usize) {
        self.undo_to(mark);
        for s in &mut self.stores {
            s.discard_changes();
            s.prune();
        }
        self.links.clear();
        self.secondary.clear();
        self.collections.clear();
    }

    /// The transaction committed.
    pub(crate) fn committed(&mut self) {
        self.journal.clear();
        for s in &mut self.stores {
            s.committed();
            s.prune();
        }
    }

    /// The object a many-to-one relationship of `owner` leads to: a pending link, or
    /// the foreign key's row in the identity map. `Ok(None)` for a NULL key; an error
    /// when the target is not in the session.
    pub(crate) fn many_to_one(&self, rel: &Relation, owner: u32) -> Result<Option<u32>> {
        if let Some(t) = self.links.get(&(rel.owner, rel.name, owner)) {
            return Ok(*t);
        }
        let Kind::ManyToOne { fk, target_col } = rel.kind else {
            return Err(Error::Session(
                format!("{} is not many-to-one", rel.name).into(),
            ));
        };
        let own = self.find_store(rel.owner).ok_or_else(stale_handle)?;
        let v = values_of(self.store(own)?, owner, fk);
        // A key with a NULL in it refers to nothing (SQL's MATCH SIMPLE).
        if v.iter().any(Value::is_null) {
            return Ok(None);
        }
        let target = self.find_store(rel.target).ok_or_else(stale_handle)?;
        match self.find_by(target, target_col, &v) {
            Some(i) => Ok(Some(i)),
            None => Err(Error::NotLoaded {
                model: rel.owner_def.name(),
                relationship: rel.name,
            }),
        }
    }

    /// The persistent object of store `store` whose columns `cols` hold `vals`: through
    /// the identity map when they are its primary key (in any order), else by looking
    /// through the store (a foreign key to another unique key).
    pub(crate) fn find_by(&self, store: usize, cols: Cols, vals: &[Value]) -> Option<u32> {
        let st = self.store(store).ok()?;
        let pk = st.pk();
        let cs: Vec<usize> = cols.iter().collect();
        let found = if pk.len() == cs.len() && pk.iter().all(|p| cs.contains(p)) {
            let ordered: Vec<Value> = pk
                .iter()
                .filter_map(|p| {
                    let j = cs.iter().position(|c| c == p)?;
                    vals.get(j).cloned()
                })
                .collect();
            Key::of(&ordered).and_then(|k| st.lookup(&k))
        } else {
            st.in_state(ObjectState::Persistent)
                .into_iter()
                .find(|&i| cs.iter().zip(vals).all(|(&c, v)| st.value(i, c) == *v))
        };
        found.filter(|&i| st.state(i) == ObjectState::Persistent)
    }
}
