//! Identity keys: a row's primary-key values in a form that hashes.

use crate::Value;

/// The ORM's hash maps and sets: foldhash, seeded at random per process, several
/// times faster than SipHash on the integer keys identity maps hold.
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// See [`Map`].
pub(crate) type Set<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// The identity of a row within its table: its primary-key values. An integer key (the
/// common case) is stored without allocating.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Int(i64),
    Parts(Box<[Part]>),
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
