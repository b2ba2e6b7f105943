//! Metrics: a small registry with labels and the Prometheus text
//! exposition `/metrics` serves.
//!
//! Why our own rather than `prometheus` or `prometheus-client`: upstream
//! serves the classic text format (not OpenMetrics), merges many
//! per-component registries under one `# HELP`/`# TYPE` header per family,
//! and adds `component_id`/`component_path` to every series of a component
//! at gather time. `prometheus-client` only writes OpenMetrics and the
//! `prometheus` crate fixes constant labels when a metric is registered.
//! What is here is what the runtime needs and no more:
//!
//! * [`Registry`]: counters, gauges and histograms created by name and
//!   labels, plus [`Collector`]s that produce families when gathered (for
//!   values computed at scrape time, such as component health counts).
//! * [`MetricFamily`]: the gathered form, which [`text::encode`] renders and
//!   [`text::parse`] reads back. The `otelcol.*` components' registries are
//!   gathered into it directly (`alloy_otelcol::Registry::gather`), not
//!   through their text.
//! * [`process`]: the process, machine and build metrics upstream serves.
//!
//! Values are `f64`, as in client_golang, so they print the way upstream's
//! do (`1.048576e+06`).

pub mod process;
pub mod text;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

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

/// Produces families each time metrics are gathered.
pub trait Collector: Send + Sync {
    fn collect(&self) -> Vec<MetricFamily>;
}

impl<F: Fn() -> Vec<MetricFamily> + Send + Sync> Collector for F {
    fn collect(&self) -> Vec<MetricFamily> {
        self()
    }
}

/// A float that can be updated from many threads without a lock.
#[derive(Debug, Default)]
struct AtomicF64(AtomicU64);

impl AtomicF64 {
    fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }

    fn set(&self, v: f64) {
        self.0.store(v.to_bits(), Ordering::Relaxed);
    }

    fn add(&self, v: f64) {
        let mut current = self.0.load(Ordering::Relaxed);
        loop {
            let next = (f64::from_bits(current) + v).to_bits();
            match self
                .0
                .compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }
}

/// A value that only goes up.
#[derive(Clone, Debug, Default)]
pub struct Counter(Arc<AtomicF64>);

impl Counter {
    pub fn inc(&self) {
        self.0.add(1.0);
    }

    /// Adds `v`; negative values are ignored, as a counter never decreases.
    pub fn inc_by(&self, v: f64) {
        if v > 0.0 {
            self.0.add(v);
        }
    }

    pub fn get(&self) -> f64 {
        self.0.get()
    }
}

/// A value that goes up and down.
#[derive(Clone, Debug, Default)]
pub struct Gauge(Arc<AtomicF64>);

impl Gauge {
    pub fn set(&self, v: f64) {
        self.0.set(v);
    }

    pub fn add(&self, v: f64) {
        self.0.add(v);
    }

    pub fn get(&self) -> f64 {
        self.0.get()
    }
}

#[derive(Debug)]
struct HistogramCore {
    bounds: Vec<f64>,
    /// Per-bucket (not cumulative) counts; the last slot is `+Inf`.
    buckets: Vec<AtomicU64>,
    sum: AtomicF64,
    count: AtomicU64,
}

/// Observations counted into fixed buckets.
#[derive(Clone, Debug)]
pub struct Histogram(Arc<HistogramCore>);

impl Histogram {
    fn new(bounds: &[f64]) -> Histogram {
        Histogram(Arc::new(HistogramCore {
            bounds: bounds.to_vec(),
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicF64::default(),
            count: AtomicU64::new(0),
        }))
    }

    pub fn observe(&self, v: f64) {
        let core = &self.0;
        let slot = core
            .bounds
            .iter()
            .position(|bound| v <= *bound)
            .unwrap_or(core.bounds.len());
        if let Some(bucket) = core.buckets.get(slot) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        core.sum.add(v);
        core.count.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.0.count.load(Ordering::Relaxed)
    }

    fn value(&self) -> MetricValue {
        let core = &self.0;
        let mut cumulative = 0;
        let buckets = core
            .bounds
            .iter()
            .zip(&core.buckets)
            .map(|(bound, count)| {
                cumulative += count.load(Ordering::Relaxed);
                (*bound, cumulative)
            })
            .collect();
        MetricValue::Histogram {
            buckets,
            sum: core.sum.get(),
            count: self.count(),
        }
    }
}

#[derive(Clone, Debug)]
enum Cell {
    Counter(Counter),
    Gauge(Gauge),
    Histogram(Histogram),
}

impl Cell {
    fn kind(&self) -> MetricKind {
        match self {
            Cell::Counter(_) => MetricKind::Counter,
            Cell::Gauge(_) => MetricKind::Gauge,
            Cell::Histogram(_) => MetricKind::Histogram,
        }
    }

    fn value(&self) -> MetricValue {
        match self {
            Cell::Counter(c) => MetricValue::Scalar(c.get()),
            Cell::Gauge(g) => MetricValue::Scalar(g.get()),
            Cell::Histogram(h) => h.value(),
        }
    }
}

#[derive(Debug)]
struct Family {
    help: String,
    kind: MetricKind,
    series: Vec<(Vec<(String, String)>, Cell)>,
}

#[derive(Default)]
struct Inner {
    families: BTreeMap<String, Family>,
    collectors: Vec<Arc<dyn Collector>>,
}

/// Metrics of one owner (the process, or one component). Cloning shares
/// the storage, so a component keeps a handle while the server gathers.
#[derive(Clone, Default)]
pub struct Registry {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

fn sorted_labels(labels: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    out.sort();
    out
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every update is a single insert, so a poisoned lock still holds
        // consistent data.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The series `name{labels}`, created on first use. A name reused with
    /// another type is a programming error; the caller then gets a cell
    /// that is not exported rather than a panic.
    fn cell(
        &self,
        name: &str,
        help: &str,
        labels: &[(&str, &str)],
        make: impl FnOnce() -> Cell,
    ) -> Cell {
        let labels = sorted_labels(labels);
        let fresh = make();
        let mut inner = self.lock();
        let family = inner
            .families
            .entry(name.to_owned())
            .or_insert_with(|| Family {
                help: help.to_owned(),
                kind: fresh.kind(),
                series: Vec::new(),
            });
        if family.kind != fresh.kind() {
            return fresh;
        }
        if let Some((_, cell)) = family.series.iter().find(|(l, _)| *l == labels) {
            return cell.clone();
        }
        family.series.push((labels, fresh.clone()));
        fresh
    }

    pub fn counter(&self, name: &str, help: &str, labels: &[(&str, &str)]) -> Counter {
        match self.cell(name, help, labels, || Cell::Counter(Counter::default())) {
            Cell::Counter(c) => c,
            _ => Counter::default(),
        }
    }

    pub fn gauge(&self, name: &str, help: &str, labels: &[(&str, &str)]) -> Gauge {
        match self.cell(name, help, labels, || Cell::Gauge(Gauge::default())) {
            Cell::Gauge(g) => g,
            _ => Gauge::default(),
        }
    }

    /// A histogram with the given upper bounds (ascending, without `+Inf`).
    pub fn histogram(
        &self,
        name: &str,
        help: &str,
        labels: &[(&str, &str)],
        bounds: &[f64],
    ) -> Histogram {
        match self.cell(name, help, labels, || {
            Cell::Histogram(Histogram::new(bounds))
        }) {
            Cell::Histogram(h) => h,
            _ => Histogram::new(bounds),
        }
    }

    /// Removes every series of `name` (upstream's gauge vector `Reset`).
    pub fn reset(&self, name: &str) {
        if let Some(family) = self.lock().families.get_mut(name) {
            family.series.clear();
        }
    }

    /// Adds a collector whose families are gathered with this registry's.
    pub fn register_collector(&self, collector: Arc<dyn Collector>) {
        self.lock().collectors.push(collector);
    }

    /// Everything this registry holds, with `extra` labels added to every
    /// series.
    pub fn gather_with(&self, extra: &[(&str, &str)]) -> Vec<MetricFamily> {
        let (mut out, collectors) = {
            let inner = self.lock();
            let families: Vec<MetricFamily> = inner
                .families
                .iter()
                .map(|(name, family)| MetricFamily {
                    name: name.clone(),
                    help: family.help.clone(),
                    kind: family.kind,
                    metrics: family
                        .series
                        .iter()
                        .map(|(labels, cell)| Metric {
                            labels: labels.clone(),
                            value: cell.value(),
                        })
                        .collect(),
                })
                .collect();
            (families, inner.collectors.clone())
        };
        // Collectors run without the lock: they may take other locks.
        for collector in collectors {
            out.extend(collector.collect());
        }
        if !extra.is_empty() {
            for family in &mut out {
                for metric in &mut family.metrics {
                    add_labels(&mut metric.labels, extra);
                }
            }
        }
        out
    }

    pub fn gather(&self) -> Vec<MetricFamily> {
        self.gather_with(&[])
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_are_shared_by_name_and_labels() {
        let registry = Registry::new();
        registry.counter("x_total", "X.", &[("a", "1")]).inc();
        registry.counter("x_total", "X.", &[("a", "1")]).inc_by(2.0);
        registry.counter("x_total", "X.", &[("a", "2")]).inc();
        // A type clash hands out a detached cell.
        registry.gauge("x_total", "X.", &[]).set(5.0);
        let families = registry.gather_with(&[("component_id", "c")]);
        assert_eq!(families.len(), 1);
        let values: Vec<_> = families[0]
            .metrics
            .iter()
            .map(|m| (m.labels.clone(), m.value.clone()))
            .collect();
        assert_eq!(
            values,
            vec![
                (
                    vec![
                        ("a".into(), "1".into()),
                        ("component_id".into(), "c".into())
                    ],
                    MetricValue::Scalar(3.0)
                ),
                (
                    vec![
                        ("a".into(), "2".into()),
                        ("component_id".into(), "c".into())
                    ],
                    MetricValue::Scalar(1.0)
                ),
            ]
        );
    }

    #[test]
    fn histograms_are_cumulative() {
        let registry = Registry::new();
        let h = registry.histogram("h", "H.", &[], &[1.0, 10.0]);
        h.observe(0.5);
        h.observe(5.0);
        h.observe(50.0);
        let families = registry.gather();
        assert_eq!(
            families[0].metrics[0].value,
            MetricValue::Histogram {
                buckets: vec![(1.0, 1), (10.0, 2)],
                sum: 55.5,
                count: 3
            }
        );
    }
}
