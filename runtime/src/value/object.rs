//! Alloy objects: string keys to values.
//!
//! Upstream builds objects from Go maps, whose iteration order is random,
//! so nothing may depend on key order. We keep keys in insertion order
//! instead (the order they were written in an object literal, in a JSON
//! or YAML document, or in which a stdlib function produced them), which
//! makes output, logs and tests deterministic. Where upstream's order is
//! observable and defined (`encoding.to_json` sorts keys, as Go's
//! `json.Marshal` does), the consumer sorts explicitly. Equality ignores
//! order, as it does upstream.

use std::fmt;

use indexmap::IndexMap;

use super::Value;

/// An ordered map from keys to values. Inserting an existing key replaces
/// its value and keeps its position, which matches what a repeated key in
/// an object literal does upstream (the last value wins).
#[derive(Clone, Default, PartialEq)]
pub struct Object(IndexMap<String, Value>);

impl Object {
    pub fn new() -> Object {
        Object(IndexMap::new())
    }

    pub fn with_capacity(n: usize) -> Object {
        Object(IndexMap::with_capacity(n))
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0.get_mut(key)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) -> Option<Value> {
        self.0.insert(key.into(), value)
    }

    /// Removes a key, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.0.shift_remove(key)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.0.values()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Entries sorted by key, the order Go's `json.Marshal` and `%v` use
    /// for maps.
    pub fn sorted(&self) -> Vec<(&str, &Value)> {
        let mut entries: Vec<_> = self.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        entries
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter()).finish()
    }
}

impl<K: Into<String>> FromIterator<(K, Value)> for Object {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Object {
        Object(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl IntoIterator for Object {
    type Item = (String, Value);
    type IntoIter = indexmap::map::IntoIter<String, Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Object {
    type Item = (&'a String, &'a Value);
    type IntoIter = indexmap::map::Iter<'a, String, Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
