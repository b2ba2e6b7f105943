//! The names an expression can refer to.
//!
//! Lookup order is upstream's: the scope's own variables, then its
//! parents', then the standard library. A component's exports are
//! published as nested objects (`prometheus.scrape.default` is the object
//! `prometheus` holding `scrape` holding `default`), so a reference is an
//! identifier followed by field accesses, evaluated like any other.

use std::sync::Arc;

use indexmap::IndexMap;

use crate::value::{Object, Value};

/// Variables visible to an evaluation. Scopes are cheap to clone: values
/// are reference-counted and parents are shared.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    variables: IndexMap<String, Value>,
    parent: Option<Arc<Scope>>,
}

impl Scope {
    /// An empty scope: only the standard library is visible.
    pub fn new() -> Scope {
        Scope::default()
    }

    /// A scope that falls back to `parent` for names it does not define
    /// (a module's `argument` over the file's exports, a `foreach`
    /// variable over its module).
    pub fn with_parent(parent: Arc<Scope>) -> Scope {
        Scope {
            variables: IndexMap::new(),
            parent: Some(parent),
        }
    }

    /// Defines or replaces a variable.
    pub fn set(&mut self, name: impl Into<String>, value: Value) {
        self.variables.insert(name.into(), value);
    }

    /// Builder form of [`Scope::set`].
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, value: Value) -> Scope {
        self.set(name, value);
        self
    }

    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.variables.shift_remove(name)
    }

    /// Publishes `value` under a dotted path, merging into the objects
    /// already there: `insert_path(&["prometheus", "scrape", "a"], exports)`
    /// keeps `prometheus.scrape.b` and `prometheus.remote_write`. A
    /// non-object found on the way is replaced by an object.
    pub fn insert_path(&mut self, path: &[&str], value: Value) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let slot = self
            .variables
            .entry((*first).to_owned())
            .or_insert(Value::Null);
        insert_into(slot, rest, value);
    }

    /// Removes what [`Scope::insert_path`] published (for a component that
    /// is gone after a reload), pruning objects left empty.
    pub fn remove_path(&mut self, path: &[&str]) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        if rest.is_empty() {
            self.variables.shift_remove(*first);
            return;
        }
        if let Some(slot) = self.variables.get_mut(*first) {
            if remove_from(slot, rest) {
                self.variables.shift_remove(*first);
            }
        }
    }

    /// A variable of this scope or its parents (not the stdlib).
    pub fn get(&self, name: &str) -> Option<&Value> {
        let mut scope = self;
        loop {
            if let Some(value) = scope.variables.get(name) {
                return Some(value);
            }
            scope = scope.parent.as_deref()?;
        }
    }

    /// What an identifier evaluates to: a variable, else a stdlib name.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        self.get(name)
            .cloned()
            .or_else(|| crate::stdlib::lookup(name))
    }

    /// This scope's own variables, in insertion order.
    pub fn variables(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.variables.iter().map(|(k, v)| (k.as_str(), v))
    }
}

fn insert_into(slot: &mut Value, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *slot = value;
        return;
    };
    if !matches!(slot, Value::Object(_)) {
        *slot = Value::object(Object::new());
    }
    if let Value::Object(object) = slot {
        let object = Arc::make_mut(object);
        if !object.contains_key(first) {
            object.insert(*first, Value::Null);
        }
        if let Some(child) = object.get_mut(first) {
            insert_into(child, rest, value);
        }
    }
}

/// Returns whether `slot` is now an empty object that should go too.
fn remove_from(slot: &mut Value, path: &[&str]) -> bool {
    let Value::Object(object) = slot else {
        return false;
    };
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let object = Arc::make_mut(object);
    let remove_child = if rest.is_empty() {
        true
    } else {
        object
            .get_mut(first)
            .is_some_and(|child| remove_from(child, rest))
    };
    if remove_child {
        object.remove(first);
    }
    object.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_merge_into_nested_objects() {
        let mut scope = Scope::new();
        scope.insert_path(&["prometheus", "scrape", "a"], Value::int(1));
        scope.insert_path(&["prometheus", "scrape", "b"], Value::int(2));
        scope.insert_path(&["prometheus", "remote_write", "c"], Value::int(3));
        let prometheus = scope.get("prometheus").cloned().unwrap_or_default();
        assert_eq!(
            prometheus.to_string(),
            "{ scrape = { a = 1, b = 2 }, remote_write = { c = 3 } }"
        );
        scope.remove_path(&["prometheus", "scrape", "a"]);
        scope.remove_path(&["prometheus", "scrape", "b"]);
        let prometheus = scope.get("prometheus").cloned().unwrap_or_default();
        assert_eq!(prometheus.to_string(), "{ remote_write = { c = 3 } }");
        scope.remove_path(&["prometheus", "remote_write", "c"]);
        assert!(scope.get("prometheus").is_none());
    }

    #[test]
    fn parents_and_stdlib_are_fallbacks() {
        let parent = Arc::new(Scope::new().with("x", Value::int(1)));
        let child = Scope::with_parent(parent).with("y", Value::int(2));
        assert_eq!(child.lookup("x"), Some(Value::int(1)));
        assert_eq!(child.lookup("y"), Some(Value::int(2)));
        assert!(child.lookup("string").is_some());
        assert!(child.lookup("nope").is_none());
    }
}
