//! Label sets: sorted, immutable, shared.
//!
//! Why one allocation per set instead of a `Vec<(String, String)>`: a scrape
//! target with a million series holds a million label sets, and every stage
//! after it (relabel cache, WAL series table, remote-write queue) holds the
//! same sets again. Keeping the strings of a set in one `Arc` makes those
//! copies pointer copies, and keeps the per-series cost at the text plus a
//! few words (Prometheus's `stringlabels` build makes the same trade).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::Arc;

/// `__name__`: the metric name.
pub const METRIC_NAME_LABEL: &str = "__name__";
/// `__address__`: a target's host and port.
pub const ADDRESS_LABEL: &str = "__address__";
/// `__scheme__`: `http` or `https`.
pub const SCHEME_LABEL: &str = "__scheme__";
/// `__metrics_path__`.
pub const METRICS_PATH_LABEL: &str = "__metrics_path__";
/// `__scrape_interval__`.
pub const SCRAPE_INTERVAL_LABEL: &str = "__scrape_interval__";
/// `__scrape_timeout__`.
pub const SCRAPE_TIMEOUT_LABEL: &str = "__scrape_timeout__";
/// `__param_<name>`: URL parameters of a scrape.
pub const PARAM_LABEL_PREFIX: &str = "__param_";
/// `__meta_`: discovery metadata, dropped after target relabelling.
pub const META_LABEL_PREFIX: &str = "__meta_";
/// Labels starting with `__` are dropped from targets after relabelling.
pub const RESERVED_LABEL_PREFIX: &str = "__";
/// `job`.
pub const JOB_LABEL: &str = "job";
/// `instance`.
pub const INSTANCE_LABEL: &str = "instance";
/// `le`: a classic histogram bucket's upper bound.
pub const BUCKET_LABEL: &str = "le";
/// `quantile`: a summary quantile.
pub const QUANTILE_LABEL: &str = "quantile";

/// A process-wide number standing for one label set (see the crate docs).
/// Zero is never allocated, so it can mean "not known yet".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesRef(pub u64);

static NEXT_REF: AtomicU64 = AtomicU64::new(1);

impl SeriesRef {
    /// A ref no other label set in this process has.
    pub fn next() -> SeriesRef {
        SeriesRef(NEXT_REF.fetch_add(1, AtomicOrdering::Relaxed))
    }

    /// `n` consecutive fresh refs, the first of which is returned (one
    /// atomic operation for a whole new scrape's worth of series).
    pub fn next_n(n: u64) -> SeriesRef {
        SeriesRef(NEXT_REF.fetch_add(n.max(1), AtomicOrdering::Relaxed))
    }

    pub fn is_unset(self) -> bool {
        self.0 == 0
    }
}

/// One label of a set, borrowed from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

#[derive(PartialEq, Eq)]
struct Inner {
    hash: u64,
    /// Names and values, concatenated: name0 value0 name1 value1 ...
    text: Box<str>,
    /// End offset in `text` of each name and value, in the same order.
    ends: Box<[u32]>,
}

/// A sorted set of labels with unique names and non-empty values.
///
/// Cloning shares the storage. Equality and hashing use the hash computed
/// at construction, then the text.
#[derive(Clone)]
pub struct Labels(Arc<Inner>);

fn hash_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    for (name, value) in pairs {
        // Separators that cannot occur in UTF-8 keep ("ab","c") and
        // ("a","bc") apart.
        h.write(name.as_bytes());
        h.write_u8(0xff);
        h.write(value.as_bytes());
        h.write_u8(0xfe);
    }
    h.finish()
}

impl Labels {
    /// The empty set.
    pub fn empty() -> Labels {
        Labels::from_sorted_unique(std::iter::empty())
    }

    /// Builds a set from pairs in any order. A later duplicate name replaces
    /// an earlier one; an empty value removes the label (as in Prometheus,
    /// where an empty value means the label is absent).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Labels {
        let mut builder = LabelsBuilder::new();
        for (name, value) in pairs {
            builder.set(name, value);
        }
        builder.labels()
    }

    /// Builds a set from pairs already sorted by name, with unique names and
    /// no empty value; the caller guarantees it (parsers that sort their
    /// scratch once use this).
    pub fn from_sorted_unique<'a>(
        pairs: impl Iterator<Item = (&'a str, &'a str)> + Clone,
    ) -> Labels {
        let hash = hash_pairs(pairs.clone());
        let mut text = String::new();
        let mut ends = Vec::new();
        for (name, value) in pairs {
            text.push_str(name);
            ends.push(text.len() as u32);
            text.push_str(value);
            ends.push(text.len() as u32);
        }
        Labels(Arc::new(Inner {
            hash,
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }))
    }

    /// The hash computed at construction (stable within one process only).
    pub fn hash_value(&self) -> u64 {
        self.0.hash
    }

    pub fn len(&self) -> usize {
        self.0.ends.len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.0.ends.is_empty()
    }

    fn part(&self, i: usize) -> &str {
        let ends = &self.0.ends;
        let start = if i == 0 { 0 } else { ends[i - 1] as usize };
        let end = ends[i] as usize;
        self.0.text.get(start..end).unwrap_or("")
    }

    /// The `i`th label in name order.
    pub fn at(&self, i: usize) -> Option<Label<'_>> {
        (i < self.len()).then(|| Label {
            name: self.part(2 * i),
            value: self.part(2 * i + 1),
        })
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Label<'_>> + Clone + '_ {
        (0..self.len()).map(move |i| Label {
            name: self.part(2 * i),
            value: self.part(2 * i + 1),
        })
    }

    /// The value of `name`, if present (binary search).
    pub fn get(&self, name: &str) -> Option<&str> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.part(2 * mid).cmp(name) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Some(self.part(2 * mid + 1)),
            }
        }
        None
    }

    /// The value of `name`, or `""` when absent (Prometheus's `Get`).
    pub fn get_or_empty(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// The metric name (`__name__`), or `""`.
    pub fn metric_name(&self) -> &str {
        self.get_or_empty(METRIC_NAME_LABEL)
    }

    /// Whether both values share storage (a cheap "same set" test).
    pub fn ptr_eq(&self, other: &Labels) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// A builder starting from this set.
    pub fn to_builder(&self) -> LabelsBuilder {
        let mut b = LabelsBuilder::new();
        b.reset(self);
        b
    }

    /// Bytes of heap this set holds (text, offsets and the shared header),
    /// for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of::<Inner>() + 16 + self.0.text.len() + self.0.ends.len() * 4
    }
}

impl Default for Labels {
    fn default() -> Labels {
        Labels::empty()
    }
}

impl PartialEq for Labels {
    fn eq(&self, other: &Labels) -> bool {
        self.ptr_eq(other) || *self.0 == *other.0
    }
}

impl Eq for Labels {}

impl Hash for Labels {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.hash);
    }
}

impl PartialOrd for Labels {
    fn partial_cmp(&self, other: &Labels) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Labels {
    /// Label by label (name, then value), as Prometheus's `labels.Compare`.
    fn cmp(&self, other: &Labels) -> Ordering {
        self.iter()
            .map(|l| (l.name, l.value))
            .cmp(other.iter().map(|l| (l.name, l.value)))
    }
}

/// `{a="1", b="2"}`, as Prometheus prints a label set.
impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, l) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}={:?}", l.name, l.value)?;
        }
        f.write_str("}")
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A mutable label set for stages that edit labels (relabelling, target
/// building, parsing). Reuse one builder across series: [`reset`] and
/// [`clear`] keep its buffers.
///
/// [`reset`]: LabelsBuilder::reset
/// [`clear`]: LabelsBuilder::clear
#[derive(Clone, Debug, Default)]
pub struct LabelsBuilder {
    /// Sorted by name, unique names, no empty values.
    pairs: Vec<(String, String)>,
    /// Cleared strings kept for reuse.
    spare: Vec<String>,
}

impl LabelsBuilder {
    pub fn new() -> LabelsBuilder {
        LabelsBuilder::default()
    }

    /// Empties the builder, keeping its allocations.
    pub fn clear(&mut self) {
        for (mut name, mut value) in self.pairs.drain(..) {
            name.clear();
            value.clear();
            self.spare.push(name);
            self.spare.push(value);
        }
    }

    /// Replaces the content with `labels`.
    pub fn reset(&mut self, labels: &Labels) {
        self.clear();
        for l in labels.iter() {
            let name = self.string(l.name);
            let value = self.string(l.value);
            self.pairs.push((name, value));
        }
    }

    fn string(&mut self, s: &str) -> String {
        let mut out = self.spare.pop().unwrap_or_default();
        out.push_str(s);
        out
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.pairs.binary_search_by(|(n, _)| n.as_str().cmp(name))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.position(name).ok().map(|i| self.pairs[i].1.as_str())
    }

    /// Sets `name` to `value`; an empty value deletes the label.
    pub fn set(&mut self, name: &str, value: &str) {
        if value.is_empty() {
            self.del(name);
            return;
        }
        match self.position(name) {
            Ok(i) => {
                let slot = &mut self.pairs[i].1;
                slot.clear();
                slot.push_str(value);
            }
            Err(i) => {
                let name = self.string(name);
                let value = self.string(value);
                self.pairs.insert(i, (name, value));
            }
        }
    }

    pub fn del(&mut self, name: &str) {
        if let Ok(i) = self.position(name) {
            let (mut n, mut v) = self.pairs.remove(i);
            n.clear();
            v.clear();
            self.spare.push(n);
            self.spare.push(v);
        }
    }

    /// Keeps only the labels for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &str) -> bool) {
        let mut i = 0;
        while i < self.pairs.len() {
            if keep(&self.pairs[i].0, &self.pairs[i].1) {
                i += 1;
            } else {
                let (mut n, mut v) = self.pairs.remove(i);
                n.clear();
                v.clear();
                self.spare.push(n);
                self.spare.push(v);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Label<'_>> + Clone + '_ {
        self.pairs.iter().map(|(n, v)| Label { name: n, value: v })
    }

    /// Whether the content equals `labels` (lets a stage keep the old set
    /// and its ref when an edit changed nothing).
    pub fn equals(&self, labels: &Labels) -> bool {
        self.len() == labels.len()
            && self
                .iter()
                .zip(labels.iter())
                .all(|(a, b)| a.name == b.name && a.value == b.value)
    }

    /// The finished set.
    pub fn labels(&self) -> Labels {
        Labels::from_sorted_unique(self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`: a label name under the legacy validation
/// scheme, which Alloy applies.
pub fn is_valid_legacy_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`: a metric name under the legacy scheme.
pub fn is_valid_legacy_metric_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b':' => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_sorted_unique_and_drop_empty_values() {
        let l = Labels::from_pairs([("b", "2"), ("a", "1"), ("c", ""), ("b", "3")]);
        let pairs: Vec<_> = l.iter().map(|l| (l.name, l.value)).collect();
        assert_eq!(pairs, vec![("a", "1"), ("b", "3")]);
        assert_eq!(l.get("b"), Some("3"));
        assert_eq!(l.get("c"), None);
        assert_eq!(l.get_or_empty("zz"), "");
        assert_eq!(l.to_string(), "{a=\"1\", b=\"3\"}");
    }

    #[test]
    fn equality_and_hash_ignore_construction_order() {
        let a = Labels::from_pairs([("x", "1"), ("y", "2")]);
        let b = Labels::from_pairs([("y", "2"), ("x", "1")]);
        let c = Labels::from_pairs([("x", "12")]);
        assert_eq!(a, b);
        assert_eq!(a.hash_value(), b.hash_value());
        assert_ne!(a, c);
        // Concatenation boundaries matter.
        assert_ne!(
            Labels::from_pairs([("ab", "c")]).hash_value(),
            Labels::from_pairs([("a", "bc")]).hash_value()
        );
        assert!(Labels::from_pairs([("a", "1")]) < Labels::from_pairs([("a", "2")]));
    }

    #[test]
    fn builder_edits_and_reuses() {
        let l = Labels::from_pairs([("__name__", "up"), ("job", "j")]);
        let mut b = l.to_builder();
        assert!(b.equals(&l));
        b.set("instance", "i:1");
        b.set("job", "");
        b.retain(|n, _| n != "__name__");
        assert_eq!(b.labels(), Labels::from_pairs([("instance", "i:1")]));
        b.reset(&l);
        assert_eq!(b.labels(), l);
        assert_eq!(l.metric_name(), "up");
    }

    #[test]
    fn legacy_names() {
        assert!(is_valid_legacy_label_name("_a1"));
        assert!(!is_valid_legacy_label_name("1a"));
        assert!(!is_valid_legacy_label_name("a:b"));
        assert!(is_valid_legacy_metric_name("a:b"));
        assert!(!is_valid_legacy_metric_name(""));
    }

    #[test]
    fn refs_are_unique() {
        let a = SeriesRef::next();
        let b = SeriesRef::next_n(10);
        assert!(b.0 > a.0 && !a.is_unset());
    }
}
