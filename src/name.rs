//! [`Name`]: a cheap, clonable identifier string (static or shared).

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// An identifier or label: a `&'static str` for names known at compile time, an
/// `Arc<str>` otherwise. Cloning never copies the text.
#[derive(Clone)]
pub enum Name {
    /// A name known at compile time.
    Static(&'static str),
    /// A name built at run time.
    Shared(Arc<str>),
}

impl Name {
    /// The text of the name.
    #[inline]
    pub fn as_str(&self) -> &str {
        match self {
            Name::Static(s) => s,
            Name::Shared(s) => s,
        }
    }
}

impl Deref for Name {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}
impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for Name {}
impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}
impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}
impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl From<&'static str> for Name {
    fn from(s: &'static str) -> Self {
        Name::Static(s)
    }
}
impl From<String> for Name {
    fn from(s: String) -> Self {
        Name::Shared(s.into())
    }
}
impl From<&String> for Name {
    fn from(s: &String) -> Self {
        Name::Shared(s.as_str().into())
    }
}
impl From<Arc<str>> for Name {
    fn from(s: Arc<str>) -> Self {
        Name::Shared(s)
    }
}
