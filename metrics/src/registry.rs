//! The registry: named families of labelled series, and collectors.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::family::{add_labels, sorted_labels, Metric, MetricFamily, MetricKind, MetricValue};
use crate::value::{Counter, Gauge, Histogram, IntCounter, IntGauge};

/// Produces families each time metrics are gathered (values computed at
/// scrape time, another registry, a component's health counts).
pub trait Collector: Send + Sync {
    fn collect(&self) -> Vec<MetricFamily>;
}

impl<F: Fn() -> Vec<MetricFamily> + Send + Sync> Collector for F {
    fn collect(&self) -> Vec<MetricFamily> {
        self()
    }
}

/// A registry is a collector too, so one can be nested in another.
impl Collector for Registry {
    fn collect(&self) -> Vec<MetricFamily> {
        self.gather()
    }
}

#[derive(Clone, Debug)]
enum Cell {
    Counter(Counter),
    IntCounter(IntCounter),
    Gauge(Gauge),
    IntGauge(IntGauge),
    Histogram(Histogram),
}

impl Cell {
    fn kind(&self) -> MetricKind {
        match self {
            Cell::Counter(_) | Cell::IntCounter(_) => MetricKind::Counter,
            Cell::Gauge(_) | Cell::IntGauge(_) => MetricKind::Gauge,
            Cell::Histogram(_) => MetricKind::Histogram,
        }
    }

    fn value(&self) -> MetricValue {
        match self {
            Cell::Counter(c) => MetricValue::Scalar(c.get()),
            Cell::IntCounter(c) => MetricValue::Scalar(c.get() as f64),
            Cell::Gauge(g) => MetricValue::Scalar(g.get()),
            Cell::IntGauge(g) => MetricValue::Scalar(g.get() as f64),
            Cell::Histogram(h) => h.value(),
        }
    }

    /// What [`Registry::sum`] adds up: the value, or a histogram's count.
    fn scalar(&self) -> f64 {
        match self {
            Cell::Histogram(h) => h.count() as f64,
            other => match other.value() {
                MetricValue::Scalar(v) => v,
                MetricValue::Histogram { count, .. } => count as f64,
            },
        }
    }

    fn same_variant(&self, other: &Cell) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
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
/// the storage.
#[derive(Clone, Default)]
pub struct Registry {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
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
            if cell.same_variant(&fresh) {
                return cell.clone();
            }
            return fresh;
        }
        family.series.push((labels, fresh.clone()));
        fresh
    }

    /// A float counter; `name` should end in `_total`.
    pub fn counter(&self, name: &str, help: &str, labels: &[(&str, &str)]) -> Counter {
        match self.cell(name, help, labels, || Cell::Counter(Counter::default())) {
            Cell::Counter(c) => c,
            _ => Counter::default(),
        }
    }

    /// An integer counter; `name` should end in `_total`.
    pub fn int_counter(&self, name: &str, help: &str, labels: &[(&str, &str)]) -> IntCounter {
        match self.cell(name, help, labels, || {
            Cell::IntCounter(IntCounter::default())
        }) {
            Cell::IntCounter(c) => c,
            _ => IntCounter::default(),
        }
    }

    pub fn gauge(&self, name: &str, help: &str, labels: &[(&str, &str)]) -> Gauge {
        match self.cell(name, help, labels, || Cell::Gauge(Gauge::default())) {
            Cell::Gauge(g) => g,
            _ => Gauge::default(),
        }
    }

    pub fn int_gauge(&self, name: &str, help: &str, labels: &[(&str, &str)]) -> IntGauge {
        match self.cell(name, help, labels, || Cell::IntGauge(IntGauge::default())) {
            Cell::IntGauge(g) => g,
            _ => IntGauge::default(),
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

    /// Removes every series of `name` (upstream's vector `Reset`).
    pub fn reset(&self, name: &str) {
        if let Some(family) = self.lock().families.get_mut(name) {
            family.series.clear();
        }
    }

    /// Removes the series `name{labels}` (upstream's `DeleteLabelValues`).
    pub fn remove(&self, name: &str, labels: &[(&str, &str)]) {
        let labels = sorted_labels(labels);
        if let Some(family) = self.lock().families.get_mut(name) {
            family.series.retain(|(l, _)| *l != labels);
        }
    }

    /// Adds a collector whose families are gathered with this registry's.
    pub fn register_collector(&self, collector: Arc<dyn Collector>) {
        self.lock().collectors.push(collector);
    }

    /// Sum of the series of `name` whose labels include all of `labels`
    /// (a histogram counts its observations); for tests and health checks.
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let inner = self.lock();
        let Some(family) = inner.families.get(name) else {
            return 0.0;
        };
        family
            .series
            .iter()
            .filter(|(have, _)| {
                labels
                    .iter()
                    .all(|(k, v)| have.iter().any(|(hk, hv)| hk == k && hv == v))
            })
            .map(|(_, cell)| cell.scalar())
            .sum()
    }

    /// Everything this registry holds, with `extra` labels added to every
    /// series (`component_id`, `component_path`).
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
        // Collectors run without the lock: they may take other locks, or
        // gather this registry's relatives.
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
        registry.int_counter("x_total", "X.", &[("a", "1")]).inc();
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
        assert_eq!(registry.sum("x_total", &[]), 4.0);
        assert_eq!(registry.sum("x_total", &[("a", "2")]), 1.0);
    }

    #[test]
    fn collectors_and_nested_registries_are_gathered() {
        let root = Registry::new();
        let child = Registry::new();
        child.int_gauge("g", "G.", &[]).set(-2);
        root.register_collector(Arc::new(child.clone()));
        root.register_collector(Arc::new(|| {
            vec![MetricFamily::new("c", "C.", MetricKind::Gauge).with(&[("k", "v")], 1.0)]
        }));
        let names: Vec<_> = root
            .gather_with(&[("k", "ignored"), ("component_path", "/")])
            .into_iter()
            .map(|f| (f.name, f.metrics[0].labels.clone()))
            .collect();
        assert_eq!(
            names,
            vec![
                (
                    "g".to_owned(),
                    vec![
                        ("component_path".into(), "/".into()),
                        ("k".into(), "ignored".into())
                    ]
                ),
                (
                    "c".to_owned(),
                    vec![
                        ("component_path".into(), "/".into()),
                        ("k".into(), "v".into())
                    ]
                ),
            ]
        );
        root.remove("g", &[]);
        child.remove("g", &[]);
        child.reset("nothing");
        assert_eq!(root.gather().len(), 2);
    }
}
