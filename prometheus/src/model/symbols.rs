//! Interned strings with stable indexes.
//!
//! Remote write 2.0 sends each request's strings once, in a symbol table
//! whose first entry is `""`, and refers to them by index; the same table
//! serves anything else that wants to write a label string once (a WAL's
//! series records, a cache of label names).

use std::sync::Arc;

use rustc_hash::FxHashMap;

/// Strings mapped to dense indexes; index 0 is always `""`.
#[derive(Clone, Debug)]
pub struct SymbolTable {
    index: FxHashMap<Arc<str>, u32>,
    strings: Vec<Arc<str>>,
}

impl Default for SymbolTable {
    fn default() -> SymbolTable {
        SymbolTable::new()
    }
}

impl SymbolTable {
    pub fn new() -> SymbolTable {
        let empty: Arc<str> = Arc::from("");
        let mut index = FxHashMap::default();
        index.insert(empty.clone(), 0);
        SymbolTable {
            index,
            strings: vec![empty],
        }
    }

    /// The index of `s`, adding it when new.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        let i = self.strings.len() as u32;
        let shared: Arc<str> = Arc::from(s);
        self.strings.push(shared.clone());
        self.index.insert(shared, i);
        i
    }

    /// The string at `i`.
    pub fn resolve(&self, i: u32) -> Option<&str> {
        self.strings.get(i as usize).map(|s| &**s)
    }

    /// Every string in index order (the wire's `symbols` field).
    pub fn symbols(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.strings.iter().map(|s| &**s)
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// Whether only `""` is present.
    pub fn is_empty(&self) -> bool {
        self.strings.len() <= 1
    }

    /// Back to only `""`, keeping the map's capacity.
    pub fn clear(&mut self) {
        self.strings.truncate(1);
        self.index.retain(|_, i| *i == 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_starts_with_empty() {
        let mut t = SymbolTable::new();
        assert_eq!(t.intern(""), 0);
        let a = t.intern("__name__");
        let b = t.intern("up");
        assert_eq!(t.intern("__name__"), a);
        assert_eq!((a, b), (1, 2));
        assert_eq!(t.symbols().collect::<Vec<_>>(), vec!["", "__name__", "up"]);
        assert_eq!(t.resolve(2), Some("up"));
        t.clear();
        assert!(t.is_empty());
        assert_eq!(t.intern("x"), 1);
    }
}
