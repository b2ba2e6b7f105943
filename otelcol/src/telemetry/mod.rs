//! Component telemetry: a small metrics registry rendered in the Prometheus
//! text format (0.0.4).
//!
//! Why hand-written rather than `prometheus-client` or `prometheus`: Alloy
//! serves classic text (not OpenMetrics) with per-component constant labels
//! (`component_id`, `component_path`) added at gather time, and several
//! component registries merged under one `# HELP`/`# TYPE` header per family.
//! `prometheus-client` only emits OpenMetrics; the `prometheus` crate fixes
//! constant labels at registration. Counters here are single atomics, so the
//! hot path costs one relaxed `fetch_add`.

mod obs;
mod text;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

pub use obs::{BatchObs, ExporterObs, ProcessorObs, ReceiverObs};
pub use text::encode_text;

/// A monotonically increasing integer counter.
#[derive(Clone, Debug, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    pub fn inc_by(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn inc(&self) {
        self.inc_by(1);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// An integer gauge.
#[derive(Clone, Debug, Default)]
pub struct Gauge(Arc<AtomicI64>);

impl Gauge {
    pub fn set(&self, v: i64) {
        self.0.store(v, Ordering::Relaxed);
    }
    pub fn add(&self, v: i64) {
        self.0.fetch_add(v, Ordering::Relaxed);
    }
    pub fn sub(&self, v: i64) {
        self.0.fetch_sub(v, Ordering::Relaxed);
    }
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Debug)]
struct HistogramCore {
    bounds: Vec<f64>,
    /// Non-cumulative per-bucket counts; the last slot is `+Inf`.
    buckets: Vec<AtomicU64>,
    sum_bits: AtomicU64,
    count: AtomicU64,
}

/// A fixed-bucket histogram.
#[derive(Clone, Debug)]
pub struct Histogram(Arc<HistogramCore>);

impl Histogram {
    fn new(bounds: &[f64]) -> Self {
        Histogram(Arc::new(HistogramCore {
            bounds: bounds.to_vec(),
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_bits: AtomicU64::new(0f64.to_bits()),
            count: AtomicU64::new(0),
        }))
    }

    pub fn observe(&self, v: f64) {
        let core = &self.0;
        let idx = core
            .bounds
            .iter()
            .position(|b| v <= *b)
            .unwrap_or(core.bounds.len());
        if let Some(b) = core.buckets.get(idx) {
            b.fetch_add(1, Ordering::Relaxed);
        }
        core.count.fetch_add(1, Ordering::Relaxed);
        let mut cur = core.sum_bits.load(Ordering::Relaxed);
        loop {
            let next = (f64::from_bits(cur) + v).to_bits();
            match core.sum_bits.compare_exchange_weak(
                cur,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
    }

    pub fn count(&self) -> u64 {
        self.0.count.load(Ordering::Relaxed)
    }

    pub fn sum(&self) -> f64 {
        f64::from_bits(self.0.sum_bits.load(Ordering::Relaxed))
    }
}

/// The Prometheus type of a metric family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

impl MetricKind {
    fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        }
    }
}

#[derive(Clone, Debug)]
enum SeriesValue {
    Counter(Counter),
    Gauge(Gauge),
    Histogram(Histogram),
}

#[derive(Clone, Debug)]
struct Series {
    labels: Vec<(String, String)>,
    value: SeriesValue,
}

#[derive(Clone, Debug)]
struct Family {
    help: String,
    kind: MetricKind,
    series: Vec<Series>,
}

/// A gathered family (see [`Registry::gather`]).
#[derive(Clone, Debug, PartialEq)]
pub struct FamilySnapshot {
    pub name: String,
    pub help: String,
    pub kind: MetricKind,
    pub series: Vec<(Vec<(String, String)>, SampleValue)>,
}

/// One series' value in a [`FamilySnapshot`].
#[derive(Clone, Debug, PartialEq)]
pub enum SampleValue {
    Counter(u64),
    Gauge(i64),
    /// Cumulative counts by upper bound (without `+Inf`, which is `count`).
    Histogram {
        buckets: Vec<(f64, u64)>,
        sum: f64,
        count: u64,
    },
}

/// One component's metrics. Cloning shares the same storage, so a component
/// can keep a handle while the runtime renders it.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    families: Arc<Mutex<BTreeMap<String, Family>>>,
}

fn sorted_labels(labels: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.sort();
    v
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Family>> {
        // A panic while holding this lock cannot leave the map inconsistent
        // (every update is a single insert), so a poisoned lock is still usable.
        self.families.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers (or returns the existing) series `name{labels}`. Returns
    /// `None` when `name` was registered with a different type, which is a
    /// programming error the callers below never make.
    fn series(
        &self,
        name: &str,
        help: &str,
        kind: MetricKind,
        labels: &[(&str, &str)],
        make: impl FnOnce() -> SeriesValue,
    ) -> Option<SeriesValue> {
        let labels = sorted_labels(labels);
        let mut fams = self.lock();
        let fam = fams.entry(name.to_string()).or_insert_with(|| Family {
            help: help.to_string(),
            kind,
            series: Vec::new(),
        });
        if fam.kind != kind {
            return None;
        }
        if let Some(s) = fam.series.iter().find(|s| s.labels == labels) {
            return Some(s.value.clone());
        }
        let value = make();
        fam.series.push(Series {
            labels,
            value: value.clone(),
        });
        Some(value)
    }

    /// A counter; `name` should carry upstream's `_total` suffix.
    pub fn counter(&self, name: &str, help: &str, labels: &[(&str, &str)]) -> Counter {
        match self.series(name, help, MetricKind::Counter, labels, || {
            SeriesValue::Counter(Counter::default())
        }) {
            Some(SeriesValue::Counter(c)) => c,
            // Type clash: hand out a detached counter rather than panic.
            _ => Counter::default(),
        }
    }

    pub fn gauge(&self, name: &str, help: &str, labels: &[(&str, &str)]) -> Gauge {
        match self.series(name, help, MetricKind::Gauge, labels, || {
            SeriesValue::Gauge(Gauge::default())
        }) {
            Some(SeriesValue::Gauge(g)) => g,
            _ => Gauge::default(),
        }
    }

    pub fn histogram(
        &self,
        name: &str,
        help: &str,
        labels: &[(&str, &str)],
        bounds: &[f64],
    ) -> Histogram {
        match self.series(name, help, MetricKind::Histogram, labels, || {
            SeriesValue::Histogram(Histogram::new(bounds))
        }) {
            Some(SeriesValue::Histogram(h)) => h,
            _ => Histogram::new(bounds),
        }
    }

    /// Sum of the counter or gauge series named `name` whose labels include
    /// all of `labels`; for tests and health checks.
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let fams = self.lock();
        let Some(fam) = fams.get(name) else {
            return 0.0;
        };
        fam.series
            .iter()
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.iter().any(|(sk, sv)| sk == k && sv == v))
            })
            .map(|s| match &s.value {
                SeriesValue::Counter(c) => c.get() as f64,
                SeriesValue::Gauge(g) => g.get() as f64,
                SeriesValue::Histogram(h) => h.count() as f64,
            })
            .sum()
    }

    /// Renders this registry alone, with `extra` labels on every series.
    pub fn encode_text(&self, extra: &[(&str, &str)]) -> String {
        encode_text(&[(self, extra)])
    }

    /// Every family's current values, for a host that merges registries
    /// into its own exposition (the runtime's `/metrics`) without going
    /// through text.
    pub fn gather(&self) -> Vec<FamilySnapshot> {
        self.snapshot()
            .into_iter()
            .map(|(name, fam)| FamilySnapshot {
                name,
                help: fam.help,
                kind: fam.kind,
                series: fam
                    .series
                    .into_iter()
                    .map(|s| {
                        let value = match &s.value {
                            SeriesValue::Counter(c) => SampleValue::Counter(c.get()),
                            SeriesValue::Gauge(g) => SampleValue::Gauge(g.get()),
                            SeriesValue::Histogram(h) => {
                                let mut cumulative = 0;
                                let buckets =
                                    h.0.bounds
                                        .iter()
                                        .zip(&h.0.buckets)
                                        .map(|(bound, b)| {
                                            cumulative += b.load(Ordering::Relaxed);
                                            (*bound, cumulative)
                                        })
                                        .collect();
                                SampleValue::Histogram {
                                    buckets,
                                    sum: h.sum(),
                                    count: h.count(),
                                }
                            }
                        };
                        (s.labels, value)
                    })
                    .collect(),
            })
            .collect()
    }

    fn snapshot(&self) -> Vec<(String, Family)> {
        self.lock()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_merged_families_with_extra_labels() {
        let a = Registry::new();
        let b = Registry::new();
        a.counter("x_total", "X things.", &[("k", "1")]).inc_by(3);
        b.counter("x_total", "X things.", &[("k", "2")]).inc();
        b.gauge("g", "A gauge.", &[]).set(-2);
        let h = a.histogram("h", "H.", &[], &[1.0, 10.0]);
        h.observe(5.0);
        h.observe(50.0);
        let out = encode_text(&[
            (&a, &[("component_id", "a")]),
            (&b, &[("component_id", "b\"q")]),
        ]);
        let expected = "# HELP g A gauge.\n# TYPE g gauge\ng{component_id=\"b\\\"q\"} -2\n\
# HELP h H.\n# TYPE h histogram\nh_bucket{component_id=\"a\",le=\"1\"} 0\nh_bucket{component_id=\"a\",le=\"10\"} 1\n\
h_bucket{component_id=\"a\",le=\"+Inf\"} 2\nh_sum{component_id=\"a\"} 55\nh_count{component_id=\"a\"} 2\n\
# HELP x_total X things.\n# TYPE x_total counter\nx_total{component_id=\"a\",k=\"1\"} 3\nx_total{component_id=\"b\\\"q\",k=\"2\"} 1\n";
        assert_eq!(out, expected);
        assert_eq!(a.sum("x_total", &[("k", "1")]), 3.0);
    }
}
