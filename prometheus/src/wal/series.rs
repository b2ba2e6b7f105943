//! The series table: one entry per series the WAL knows, keyed by the
//! series' encoded labels, giving it a dense ref (its index).
//!
//! Memory per series is what the ≤ 1 KiB/series target is about: the
//! labels once, as the protobuf bytes the sender splices into requests, a
//! last-sample timestamp, a collision link and a hash-map slot (about 40
//! bytes plus the labels). No per-series lock, no per-sample allocation.

use std::collections::HashMap;
use std::sync::RwLock;

const NONE: u32 = u32::MAX;

/// 64-bit hash of a label set's bytes (a multiply-rotate word hash; the
/// table compares the bytes on a match, so quality only affects speed).
pub fn hash_labels(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    let mut w = [0u8; 8];
    let rest = chunks.remainder();
    w[..rest.len()].copy_from_slice(rest);
    h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K);
    h ^ (h >> 32)
}

struct Entry {
    labels: Box<[u8]>,
    /// Timestamp (ms) of the newest sample appended.
    last_t: i64,
    /// Next entry with the same hash.
    next: u32,
}

#[derive(Default)]
struct Inner {
    heads: HashMap<u64, u32>,
    entries: Vec<Entry>,
    live: usize,
}

/// Series known to one WAL.
#[derive(Default)]
pub struct SeriesTable {
    inner: RwLock<Inner>,
}

impl SeriesTable {
    pub fn new() -> SeriesTable {
        SeriesTable::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The number of live series.
    pub fn len(&self) -> usize {
        self.read().live
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ref of `labels`, and whether it was created by this call.
    pub fn get_or_create(&self, labels: &[u8], t: i64) -> (u64, bool) {
        let h = hash_labels(labels);
        let mut inner = self.write();
        let mut at = inner.heads.get(&h).copied().unwrap_or(NONE);
        let head = at;
        while at != NONE {
            let e = &mut inner.entries[at as usize];
            if &*e.labels == labels {
                if t > e.last_t {
                    e.last_t = t;
                }
                return (u64::from(at), false);
            }
            at = e.next;
        }
        let r = inner.entries.len() as u32;
        inner.entries.push(Entry {
            labels: labels.into(),
            last_t: t,
            next: head,
        });
        inner.heads.insert(h, r);
        inner.live += 1;
        (u64::from(r), true)
    }

    /// Records a series read back from the WAL under its stored ref.
    pub fn restore(&self, r: u64, labels: &[u8]) {
        let Ok(r32) = u32::try_from(r) else { return };
        if r32 == NONE {
            return;
        }
        let h = hash_labels(labels);
        let mut inner = self.write();
        while inner.entries.len() <= r32 as usize {
            inner.entries.push(Entry {
                labels: Box::default(),
                last_t: i64::MIN,
                next: NONE,
            });
        }
        if !inner.entries[r32 as usize].labels.is_empty() {
            return;
        }
        let head = inner.heads.get(&h).copied().unwrap_or(NONE);
        inner.entries[r32 as usize] = Entry {
            labels: labels.into(),
            last_t: i64::MIN,
            next: head,
        };
        inner.heads.insert(h, r32);
        inner.live += 1;
    }

    /// Notes a sample's timestamp for `r` (replay).
    pub fn touch(&self, r: u64, t: i64) {
        let mut inner = self.write();
        if let Some(e) = inner.entries.get_mut(r as usize) {
            if t > e.last_t {
                e.last_t = t;
            }
        }
    }

    /// Calls `f` with the labels of `r` (None when unknown or removed).
    pub fn with_labels<R>(&self, r: u64, f: impl FnOnce(Option<&[u8]>) -> R) -> R {
        let inner = self.read();
        let labels = inner
            .entries
            .get(r as usize)
            .map(|e| &*e.labels)
            .filter(|l| !l.is_empty());
        f(labels)
    }

    /// Every live series (for a checkpoint).
    pub fn for_each(&self, mut f: impl FnMut(u64, &[u8])) {
        let inner = self.read();
        for (i, e) in inner.entries.iter().enumerate() {
            if !e.labels.is_empty() {
                f(i as u64, &e.labels);
            }
        }
    }

    /// Removes series whose newest sample is older than `cutoff` (ms);
    /// returns how many. Their refs are not reused.
    pub fn remove_older_than(&self, cutoff: i64) -> usize {
        let mut inner = self.write();
        let doomed: Vec<u32> = inner
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.labels.is_empty() && e.last_t < cutoff)
            .map(|(i, _)| i as u32)
            .collect();
        for &r in &doomed {
            let h = hash_labels(&inner.entries[r as usize].labels);
            // Unlink r from its hash chain.
            let next = inner.entries[r as usize].next;
            match inner.heads.get(&h).copied() {
                Some(head) if head == r => {
                    if next == NONE {
                        inner.heads.remove(&h);
                    } else {
                        inner.heads.insert(h, next);
                    }
                }
                Some(mut at) => {
                    while at != NONE {
                        let n = inner.entries[at as usize].next;
                        if n == r {
                            inner.entries[at as usize].next = next;
                            break;
                        }
                        at = n;
                    }
                }
                None => {}
            }
            let e = &mut inner.entries[r as usize];
            e.labels = Box::default();
            e.next = NONE;
            inner.live -= 1;
        }
        doomed.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_stable_and_removal_unlinks() {
        let t = SeriesTable::new();
        let (a, new_a) = t.get_or_create(b"a", 1);
        let (b, _) = t.get_or_create(b"b", 5);
        assert!(new_a);
        assert_eq!(t.get_or_create(b"a", 2), (a, false));
        assert_eq!(t.remove_older_than(3), 1);
        assert_eq!(t.len(), 1);
        t.with_labels(a, |l| assert!(l.is_none()));
        t.with_labels(b, |l| assert_eq!(l, Some(&b"b"[..])));
        let (a2, created) = t.get_or_create(b"a", 9);
        assert!(created && a2 != a);
    }
}
