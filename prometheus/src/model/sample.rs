//! Samples and what travels with them: exemplars, native histograms and
//! metadata, shaped after remote write 2.0 (`io.prometheus.write.v2`), which
//! is a superset of what 1.0 carries.

use super::labels::Labels;

/// The bits of Prometheus's staleness marker: a NaN that no arithmetic
/// produces, written when a series disappears from its target.
pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// The staleness marker as a value. Compare with [`is_stale_nan`], never
/// with `==` (NaN is unequal to itself).
pub const STALE_NAN: f64 = f64::from_bits(STALE_NAN_BITS);

/// Whether `v` is the staleness marker (and not an ordinary NaN).
pub fn is_stale_nan(v: f64) -> bool {
    v.to_bits() == STALE_NAN_BITS
}

/// A float sample: milliseconds since the Unix epoch and a value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub t: i64,
    pub v: f64,
}

impl Sample {
    pub fn is_stale(&self) -> bool {
        is_stale_nan(self.v)
    }
}

/// An exemplar: a trace-linked example observation of a series.
#[derive(Clone, Debug, PartialEq)]
pub struct Exemplar {
    pub labels: Labels,
    pub value: f64,
    /// Milliseconds; `None` when the exposition gave none.
    pub t: Option<i64>,
}

/// The type a metric family declares (`# TYPE`), with OpenMetrics' types.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MetricType {
    #[default]
    Unknown,
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
}

impl MetricType {
    /// The name in the text formats (`unknown` for 0.0.4's `untyped` too).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Unknown => "unknown",
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::GaugeHistogram => "gaugehistogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
        }
    }

    /// Reads a `# TYPE` word of either text format (`untyped` is `Unknown`).
    pub fn parse(s: &str) -> Option<MetricType> {
        Some(match s {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "gaugehistogram" => MetricType::GaugeHistogram,
            "summary" => MetricType::Summary,
            "info" => MetricType::Info,
            "stateset" => MetricType::StateSet,
            "unknown" | "untyped" => MetricType::Unknown,
            _ => return None,
        })
    }
}

/// A family's metadata, as remote write sends it per series.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    pub metric_type: MetricType,
    pub help: String,
    pub unit: String,
}

/// A run of buckets in a native histogram: `offset` empty buckets skipped
/// (relative to the previous span's end), then `length` buckets present.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HistogramSpan {
    pub offset: i32,
    pub length: u32,
}

/// Whether a histogram sample is known to follow a counter reset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResetHint {
    #[default]
    Unknown,
    Yes,
    No,
    /// A gauge histogram: resets have no meaning.
    Gauge,
}

/// A native histogram with integer counts; bucket counts are deltas to the
/// previous bucket, as on the wire.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Histogram {
    pub reset_hint: ResetHint,
    /// Resolution: bucket boundaries are powers of `2^(2^-schema)`; -53 means
    /// custom boundaries in `custom_values`.
    pub schema: i32,
    pub zero_threshold: f64,
    pub zero_count: u64,
    pub count: u64,
    pub sum: f64,
    pub positive_spans: Vec<HistogramSpan>,
    pub positive_deltas: Vec<i64>,
    pub negative_spans: Vec<HistogramSpan>,
    pub negative_deltas: Vec<i64>,
    pub custom_values: Vec<f64>,
}

/// A native histogram with float counts (absolute, not deltas).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FloatHistogram {
    pub reset_hint: ResetHint,
    pub schema: i32,
    pub zero_threshold: f64,
    pub zero_count: f64,
    pub count: f64,
    pub sum: f64,
    pub positive_spans: Vec<HistogramSpan>,
    pub positive_counts: Vec<f64>,
    pub negative_spans: Vec<HistogramSpan>,
    pub negative_counts: Vec<f64>,
    pub custom_values: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_marker_is_a_distinct_nan() {
        assert!(STALE_NAN.is_nan());
        assert!(is_stale_nan(STALE_NAN));
        assert!(!is_stale_nan(f64::NAN));
        assert!(Sample { t: 1, v: STALE_NAN }.is_stale());
    }

    #[test]
    fn metric_types_round_trip() {
        for t in [
            MetricType::Unknown,
            MetricType::Counter,
            MetricType::Gauge,
            MetricType::Histogram,
            MetricType::GaugeHistogram,
            MetricType::Summary,
            MetricType::Info,
            MetricType::StateSet,
        ] {
            assert_eq!(MetricType::parse(t.as_str()), Some(t));
        }
        assert_eq!(MetricType::parse("untyped"), Some(MetricType::Unknown));
        assert_eq!(MetricType::parse("bogus"), None);
    }
}
