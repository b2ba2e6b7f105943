//! The decision caches: bounded, least recently used first out (upstream
//! uses `golang-lru`, where a lookup also refreshes an entry).

use std::collections::{BTreeMap, HashMap};

use super::trace::TraceId;

#[derive(Debug, Default)]
pub(crate) struct DecisionCache {
    capacity: usize,
    clock: u64,
    stamps: HashMap<TraceId, u64>,
    by_age: BTreeMap<u64, TraceId>,
}

impl DecisionCache {
    /// A cache of `capacity` ids; 0 keeps nothing.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            ..Self::default()
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
    }

    fn touch(&mut self, id: TraceId) {
        self.clock += 1;
        if let Some(old) = self.stamps.insert(id, self.clock) {
            self.by_age.remove(&old);
        }
        self.by_age.insert(self.clock, id);
    }

    /// Whether `id` is cached (refreshing it).
    pub(crate) fn get(&mut self, id: &TraceId) -> bool {
        if !self.stamps.contains_key(id) {
            return false;
        }
        self.touch(*id);
        true
    }

    pub(crate) fn put(&mut self, id: TraceId) {
        if self.capacity == 0 {
            return;
        }
        self.touch(id);
        while self.stamps.len() > self.capacity {
            let Some((_, oldest)) = self.by_age.pop_first() else {
                break;
            };
            self.stamps.remove(&oldest);
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.stamps.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> TraceId {
        [n; 16]
    }

    #[test]
    fn evicts_least_recently_used() {
        let mut c = DecisionCache::new(2);
        c.put(id(1));
        c.put(id(2));
        assert!(c.get(&id(1)));
        c.put(id(3));
        assert!(c.get(&id(1)));
        assert!(!c.get(&id(2)));
        assert!(c.get(&id(3)));
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn zero_capacity_keeps_nothing() {
        let mut c = DecisionCache::new(0);
        c.put(id(1));
        assert!(!c.get(&id(1)));
        assert!(!c.enabled());
    }
}
