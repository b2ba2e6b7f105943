//! The gathered form of metrics: families of series with plain values.

/// The Prometheus type of a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
    Untyped,
}

impl MetricKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
            MetricKind::Untyped => "untyped",
        }
    }
}

/// One series' value.
#[derive(Clone, Debug, PartialEq)]
pub enum MetricValue {
    /// A counter, gauge or untyped sample.
    Scalar(f64),
    /// Cumulative bucket counts by upper bound (without `+Inf`), the sum and
    /// the count (which is the `+Inf` bucket).
    Histogram {
        buckets: Vec<(f64, u64)>,
        sum: f64,
        count: u64,
    },
}

/// One series of a family.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    /// Sorted by name.
    pub labels: Vec<(String, String)>,
    pub value: MetricValue,
}

/// A gathered family.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricFamily {
    pub name: String,
    pub help: String,
    pub kind: MetricKind,
    pub metrics: Vec<Metric>,
}

impl MetricFamily {
    pub fn new(name: impl Into<String>, help: impl Into<String>, kind: MetricKind) -> MetricFamily {
        MetricFamily {
            name: name.into(),
            help: help.into(),
            kind,
            metrics: Vec::new(),
        }
    }

    /// Adds a counter, gauge or untyped sample.
    pub fn push(&mut self, labels: &[(&str, &str)], value: f64) {
        self.metrics.push(Metric {
            labels: sorted_labels(labels),
            value: MetricValue::Scalar(value),
        });
    }

    /// Builder form of [`MetricFamily::push`].
    #[must_use]
    pub fn with(mut self, labels: &[(&str, &str)], value: f64) -> MetricFamily {
        self.push(labels, value);
        self
    }
}

pub(crate) fn sorted_labels(labels: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    out.sort();
    out
}

/// Adds labels to a sorted label set; a label already present keeps its
/// value (a component cannot be relabelled by accident, nor override ours).
pub fn add_labels(labels: &mut Vec<(String, String)>, extra: &[(&str, &str)]) {
    for (k, v) in extra {
        if labels.iter().all(|(name, _)| name != k) {
            labels.push(((*k).to_owned(), (*v).to_owned()));
        }
    }
    labels.sort();
}
