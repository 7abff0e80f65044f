//! Identity keys: a row's primary-key values in a form that hashes.

use crate::Value;

/// The ORM's hash maps and sets: foldhash, seeded at random per process, several
/// times faster than SipHash on the integer keys identity maps hold.
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// See [`Map`].
pub(crate) type Set<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// The identity of a row within its table: its primary-key values. An integer key (the
/// common case) is stored without allocating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    Int(i64),
    Parts(Box<[Part]>),
}

// One word for an integer key (no discriminant): the common case hashes in one round.
// An integer and a composite key may then share a hash; equality tells them apart.
impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        match self {
            Key::Int(i) => h.write_i64(*i),
            Key::Parts(p) => p.hash(h),
        }
    }
}

/// One primary-key value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Part {
    Int(i64),
    Text(Box<str>),
    Bytes(Box<[u8]>),
    /// Any other type, by its exact debug form (dates, UUIDs, decimals).
    Other(Box<str>),
}

impl Part {
    fn of(v: &Value) -> Option<Part> {
        Some(match v {
            Value::Null => return None,
            Value::Int(i) => Part::Int(*i),
            Value::Bool(b) => Part::Int(i64::from(*b)),
            Value::Text(t) => Part::Text(t.as_str().into()),
            Value::Bytes(b) => Part::Bytes(b.as_ref().into()),
            // 1.5 and 1.50 are one key: the scale a value was written or read with is
            // not part of its identity (SQLite hands back 1.5 for a key stored as 1.50).
            Value::Decimal(d) => Part::Other(format!("Decimal({})", d.normalize()).into()),
            other => Part::Other(format!("{other:?}").into()),
        })
    }
}

/// An identity map: keys to object indexes. Integer keys, the common case, go to a
/// dense run while they stay close together (autoincrement keys, read or written in
/// order: each lands next to the last, where a hash map would scatter them over its
/// memory), else to a map of their own (half the memory per entry of a `Key`, one word
/// to hash). Other keys go to a map of `Key`s.
#[derive(Default)]
pub(crate) struct Index {
    dense: Dense,
    ints: Map<i64, u32>,
    other: Map<Key, u32>,
}

/// Integer keys `base..base + slots.len()` by position; [`EMPTY`] where none.
#[derive(Default)]
struct Dense {
    base: i64,
    slots: Vec<u32>,
    /// Slots in use.
    used: usize,
}

const EMPTY: u32 = u32::MAX;
/// How far past its end the dense run grows to take a key.
const REACH: i64 = 64;

impl Dense {
    fn pos(&self, k: i64) -> Option<usize> {
        let off = k.checked_sub(self.base)?;
        usize::try_from(off).ok().filter(|&o| o < self.slots.len())
    }
    fn get(&self, k: i64) -> Option<u32> {
        self.pos(k)
            .and_then(|p| self.slots.get(p).copied())
            .filter(|&v| v != EMPTY)
    }
    /// Takes `k` if it is inside the run or close past its end (and the run stays at
    /// least half full); `false` when it belongs elsewhere.
    fn put(&mut self, k: i64, idx: u32) -> bool {
        if self.slots.is_empty() {
            self.base = k;
        }
        if let Some(p) = self.pos(k) {
            if let Some(s) = self.slots.get_mut(p) {
                if *s == EMPTY {
                    self.used += 1;
                }
                *s = idx;
                return true;
            }
        }
        let Some(off) = k.checked_sub(self.base) else {
            return false;
        };
        let len = self.slots.len() as i64;
        if off < len || off >= len + REACH || self.used * 2 < self.slots.len() {
            return false;
        }
        let Ok(new_len) = usize::try_from(off + 1) else {
            return false;
        };
        self.slots.resize(new_len, EMPTY);
        if let Some(s) = self.slots.last_mut() {
            *s = idx;
        }
        self.used += 1;
        true
    }
    fn remove(&mut self, k: i64) -> bool {
        match self.pos(k).and_then(|p| self.slots.get_mut(p)) {
            Some(s) if *s != EMPTY => {
                *s = EMPTY;
                self.used -= 1;
                true
            }
            _ => false,
        }
    }
}

impl Index {
    pub(crate) fn get(&self, key: &Key) -> Option<u32> {
        match key {
            Key::Int(i) => self.dense.get(*i).or_else(|| self.ints.get(i).copied()),
            k => self.other.get(k).copied(),
        }
    }
    pub(crate) fn insert(&mut self, key: Key, idx: u32) {
        match key {
            Key::Int(i) => {
                // A key lives in one place: where it already is, else the run if it
                // takes it, else the map.
                if let Some(v) = self.ints.get_mut(&i) {
                    *v = idx;
                } else if !self.dense.put(i, idx) {
                    self.ints.insert(i, idx);
                }
            }
            k => {
                self.other.insert(k, idx);
            }
        }
    }
    pub(crate) fn remove(&mut self, key: &Key) {
        match key {
            Key::Int(i) => {
                if !self.dense.remove(*i) {
                    self.ints.remove(i);
                }
            }
            k => {
                self.other.remove(k);
            }
        }
    }
    /// The index of `key`, or `None` after recording `idx` for it.
    pub(crate) fn get_or_insert(&mut self, key: Key, idx: u32) -> Option<u32> {
        if let Some(found) = self.get(&key) {
            return Some(found);
        }
        self.insert(key, idx);
        None
    }
    /// Room for `n` more integer keys.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.dense.slots.reserve(n);
    }
}

impl Key {
    /// The key of these values; `None` when one is NULL (a row not written yet).
    pub(crate) fn of(values: &[Value]) -> Option<Key> {
        match values {
            [Value::Int(i)] => Some(Key::Int(*i)),
            _ => values
                .iter()
                .map(Part::of)
                .collect::<Option<Vec<_>>>()
                .map(|p| Key::Parts(p.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_keys_are_one_identity_whatever_their_scale() {
        let d = |s: &str| Value::Decimal(s.parse().expect("decimal"));
        assert_eq!(Key::of(&[d("1.5")]), Key::of(&[d("1.50")]));
        assert_eq!(
            Key::of(&[d("2"), d("0.10")]),
            Key::of(&[d("2.000"), d("0.1")])
        );
        assert_ne!(Key::of(&[d("1.5")]), Key::of(&[d("1.05")]));
    }

    #[test]
    fn the_index_keeps_each_key_in_one_place() {
        let mut ix = Index::default();
        // Ascending keys go to the dense run; far or earlier ones to the map.
        for k in 1..=100 {
            assert_eq!(ix.get_or_insert(Key::Int(k), k as u32), None);
        }
        assert_eq!(ix.dense.slots.len(), 100);
        ix.insert(Key::Int(10_000), 7);
        ix.insert(Key::Int(-5), 8);
        assert_eq!(ix.ints.len(), 2);
        assert_eq!(ix.get(&Key::Int(10_000)), Some(7));
        assert_eq!(ix.get(&Key::Int(-5)), Some(8));
        assert_eq!(ix.get_or_insert(Key::Int(50), 999), Some(50));
        // A gap within reach is taken; a key past the reach is not.
        ix.insert(Key::Int(130), 130);
        assert_eq!(ix.dense.slots.len(), 130);
        assert_eq!(ix.get(&Key::Int(120)), None);
        ix.insert(Key::Int(120), 120);
        assert_eq!(ix.get(&Key::Int(120)), Some(120));
        // A key the map holds stays there when the run later covers it.
        ix.insert(Key::Int(250), 1);
        assert_eq!(ix.ints.get(&250), Some(&1));
        for k in 131..=260 {
            ix.insert(Key::Int(k), k as u32);
        }
        assert_eq!(ix.get(&Key::Int(250)), Some(250));
        assert_eq!(ix.ints.get(&250), Some(&250), "updated where it was");
        assert_eq!(ix.dense.get(250), None);
        ix.remove(&Key::Int(250));
        assert_eq!(ix.get(&Key::Int(250)), None);
        ix.remove(&Key::Int(60));
        assert_eq!(ix.get(&Key::Int(60)), None);
        assert_eq!(ix.get_or_insert(Key::Int(60), 6), None);
        assert_eq!(ix.get(&Key::Int(60)), Some(6));
        // Extremes do not overflow.
        ix.insert(Key::Int(i64::MAX), 1);
        ix.insert(Key::Int(i64::MIN), 2);
        assert_eq!(ix.get(&Key::Int(i64::MAX)), Some(1));
        assert_eq!(ix.get(&Key::Int(i64::MIN)), Some(2));
        // Composite keys.
        let k = Key::of(&[Value::Int(1), Value::from("x")]);
        assert!(k.is_some());
        if let Some(k) = k {
            assert_eq!(ix.get_or_insert(k.clone(), 3), None);
            assert_eq!(ix.get(&k), Some(3));
        }
    }

    #[test]
    fn keys() {
        assert_eq!(Key::of(&[Value::Int(3)]), Some(Key::Int(3)));
        assert_eq!(Key::of(&[Value::Null]), None);
        let a = Key::of(&[Value::Int(1), Value::from("x")]);
        assert_eq!(a, Key::of(&[Value::Int(1), Value::from("x")]));
        assert_ne!(a, Key::of(&[Value::Int(1), Value::from("y")]));
        assert_eq!(Key::of(&[Value::Int(1), Value::Null]), None);
    }
}
