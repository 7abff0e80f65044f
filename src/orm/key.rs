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
            other => Part::Other(format!("{other:?}").into()),
        })
    }
}

/// An identity map: keys to object indexes. Integer keys, the common case, live in a
/// map of their own with half the memory per entry and one word to hash.
#[derive(Default)]
pub(crate) struct Index {
    ints: Map<i64, u32>,
    other: Map<Key, u32>,
}

impl Index {
    pub(crate) fn get(&self, key: &Key) -> Option<u32> {
        match key {
            Key::Int(i) => self.ints.get(i).copied(),
            k => self.other.get(k).copied(),
        }
    }
    pub(crate) fn insert(&mut self, key: Key, idx: u32) {
        match key {
            Key::Int(i) => self.ints.insert(i, idx),
            k => self.other.insert(k, idx),
        };
    }
    pub(crate) fn remove(&mut self, key: &Key) {
        match key {
            Key::Int(i) => self.ints.remove(i),
            k => self.other.remove(k),
        };
    }
    /// The index of `key`, or `None` after recording `idx` for it.
    pub(crate) fn get_or_insert(&mut self, key: Key, idx: u32) -> Option<u32> {
        use std::collections::hash_map::Entry;
        fn put<K: std::hash::Hash + Eq>(e: Entry<'_, K, u32>, idx: u32) -> Option<u32> {
            match e {
                Entry::Occupied(e) => Some(*e.get()),
                Entry::Vacant(e) => {
                    e.insert(idx);
                    None
                }
            }
        }
        match key {
            Key::Int(i) => put(self.ints.entry(i), idx),
            k => put(self.other.entry(k), idx),
        }
    }
    /// Room for `n` more integer keys.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.ints.reserve(n);
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
    fn keys() {
        assert_eq!(Key::of(&[Value::Int(3)]), Some(Key::Int(3)));
        assert_eq!(Key::of(&[Value::Null]), None);
        let a = Key::of(&[Value::Int(1), Value::from("x")]);
        assert_eq!(a, Key::of(&[Value::Int(1), Value::from("x")]));
        assert_ne!(a, Key::of(&[Value::Int(1), Value::from("y")]));
        assert_eq!(Key::of(&[Value::Int(1), Value::Null]), None);
    }
}
