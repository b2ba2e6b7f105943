//! Log entries: a label set, a timestamp, a line and structured metadata.
//!
//! Why shared pointers: `loki.process` and `loki.write` fan entries out to
//! every receiver in `forward_to`, and most stages read more than they
//! write. Labels, line and metadata each sit behind an `Arc`, so a clone is
//! three reference-count increments and a stage that changes one part
//! copies only that part (`Arc::make_mut`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// An instant as seconds and nanoseconds since the Unix epoch (the shape of
/// `google.protobuf.Timestamp`), covering Go's whole `time.Time` range,
/// including its zero value (year 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub secs: i64,
    /// Always below 1e9.
    pub nanos: u32,
}

impl Timestamp {
    pub const fn new(secs: i64, nanos: u32) -> Timestamp {
        Timestamp { secs, nanos }
    }

    /// Nanoseconds since the epoch; saturates outside 1677..2262.
    pub fn from_unix_nanos(nanos: i128) -> Timestamp {
        let secs = nanos.div_euclid(1_000_000_000);
        let secs = secs.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
        Timestamp {
            secs,
            nanos: nanos.rem_euclid(1_000_000_000) as u32,
        }
    }

    pub fn unix_nanos(self) -> i128 {
        self.secs as i128 * 1_000_000_000 + self.nanos as i128
    }

    pub fn now() -> Timestamp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp {
            secs: d.as_secs() as i64,
            nanos: d.subsec_nanos(),
        }
    }

    /// Adds a signed number of nanoseconds.
    pub fn add_nanos(self, nanos: i128) -> Timestamp {
        Timestamp::from_unix_nanos(self.unix_nanos() + nanos)
    }
}

/// A label set, sorted by name. Cloning shares it.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Labels(Arc<BTreeMap<String, String>>);

impl Labels {
    pub fn new() -> Labels {
        Labels::default()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        if self.get(&name) != Some(value.as_str()) {
            Arc::make_mut(&mut self.0).insert(name, value);
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<String> {
        if self.contains(name) {
            Arc::make_mut(&mut self.0).remove(name)
        } else {
            None
        }
    }

    /// Keeps only the labels for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &str) -> bool) {
        if self.0.iter().any(|(k, v)| !keep(k, v)) {
            Arc::make_mut(&mut self.0).retain(|k, v| keep(k, v));
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// Parses Prometheus' label-set text, `{a="b", c="d"}`, as Loki's push
    /// API carries it.
    pub fn parse(text: &str) -> Result<Labels, String> {
        crate::push::selector::parse_label_set(text)
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Labels {
        Labels(Arc::new(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        ))
    }
}

impl From<BTreeMap<String, String>> for Labels {
    fn from(map: BTreeMap<String, String>) -> Labels {
        Labels(Arc::new(map))
    }
}

/// Prometheus' `LabelSet.String()`: `{a="b", c="d"}`, values quoted as Go's
/// `%q` quotes them. This is the stream key Loki's push API expects.
impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k}=")?;
            write_go_quoted(f, v)?;
        }
        f.write_str("}")
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Go's `strconv.Quote` for the characters label values contain.
pub(crate) fn write_go_quoted(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            '\u{7}' => out.write_str("\\a")?,
            '\u{8}' => out.write_str("\\b")?,
            '\u{c}' => out.write_str("\\f")?,
            '\u{b}' => out.write_str("\\v")?,
            c if (c as u32) < 0x20 || c == '\u{7f}' => write!(out, "\\x{:02x}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

/// Name/value pairs attached to one entry, in order (Loki keeps them as a
/// list). Cloning shares them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Metadata(Arc<Vec<(String, String)>>);

impl Metadata {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets `name`, replacing an existing value in place.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        let pairs = Arc::make_mut(&mut self.0);
        match pairs.iter_mut().find(|(k, _)| *k == name) {
            Some(pair) => pair.1 = value,
            None => pairs.push((name, value)),
        }
    }

    pub fn remove(&mut self, name: &str) {
        if self.get(name).is_some() {
            Arc::make_mut(&mut self.0).retain(|(k, _)| k != name);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Metadata {
        Metadata(Arc::new(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        ))
    }
}

impl fmt::Debug for Metadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// One log entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub labels: Labels,
    pub timestamp: Timestamp,
    pub line: Arc<str>,
    pub structured_metadata: Metadata,
}

impl Entry {
    pub fn new(labels: Labels, timestamp: Timestamp, line: impl Into<Arc<str>>) -> Entry {
        Entry {
            labels,
            timestamp,
            line: line.into(),
            structured_metadata: Metadata::default(),
        }
    }

    /// Bytes Loki counts for the entry: the line plus metadata names and
    /// values (upstream's `entry size`).
    pub fn size(&self) -> usize {
        self.line.len()
            + self
                .structured_metadata
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_print_as_prometheus_label_sets() {
        let labels: Labels = [("job", "a\"b"), ("app", "x\ny")].into_iter().collect();
        assert_eq!(labels.to_string(), r#"{app="x\ny", job="a\"b"}"#);
        assert_eq!(Labels::new().to_string(), "{}");
    }

    #[test]
    fn clones_share_until_changed() {
        let a: Labels = [("job", "x")].into_iter().collect();
        let mut b = a.clone();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        b.insert("job", "x");
        assert!(Arc::ptr_eq(&a.0, &b.0), "same value does not copy");
        b.insert("job", "y");
        assert_eq!(a.get("job"), Some("x"));
        assert_eq!(b.get("job"), Some("y"));
    }

    #[test]
    fn timestamps_round_trip_nanos_before_the_epoch() {
        let t = Timestamp::from_unix_nanos(-1);
        assert_eq!(t, Timestamp::new(-1, 999_999_999));
        assert_eq!(t.unix_nanos(), -1);
    }
}
