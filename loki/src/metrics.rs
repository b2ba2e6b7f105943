//! Counters, gauges and histograms with labels, gathered as plain families.
//!
//! The crate does not know the runtime's registry (dependencies point from
//! the runtime to this crate); a component owns one [`Registry`] and the
//! runtime renders what [`Registry::gather`] returns under its
//! `component_id`. Families are created once and looked up by name, so an
//! updated component keeps its counts.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The Prometheus type of a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// One gathered series value.
#[derive(Clone, Debug, PartialEq)]
pub enum Sample {
    Scalar(f64),
    /// Cumulative counts per upper bound (without `+Inf`), sum, count.
    Histogram {
        buckets: Vec<(f64, u64)>,
        sum: f64,
        count: u64,
    },
}

/// A gathered family.
#[derive(Clone, Debug, PartialEq)]
pub struct Family {
    pub name: String,
    pub help: String,
    pub kind: Kind,
    /// Label pairs in the family's label-name order, and the value.
    pub series: Vec<(Vec<(String, String)>, Sample)>,
}

#[derive(Default)]
struct HistogramState {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

enum Values {
    Scalar(BTreeMap<Vec<String>, f64>),
    Histogram(Vec<f64>, BTreeMap<Vec<String>, HistogramState>),
}

struct FamilyState {
    name: String,
    help: String,
    kind: Kind,
    label_names: Vec<String>,
    values: Mutex<Values>,
}

/// One family, to update.
#[derive(Clone)]
pub struct Metric(Arc<FamilyState>);

impl Metric {
    fn values(&self) -> std::sync::MutexGuard<'_, Values> {
        self.0.values.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn key(label_values: &[&str]) -> Vec<String> {
        label_values.iter().map(|v| (*v).to_owned()).collect()
    }

    /// Adds to a counter or gauge.
    pub fn add(&self, label_values: &[&str], delta: f64) {
        if let Values::Scalar(map) = &mut *self.values() {
            *map.entry(Self::key(label_values)).or_insert(0.0) += delta;
        }
    }

    pub fn inc(&self, label_values: &[&str]) {
        self.add(label_values, 1.0);
    }

    /// Sets a gauge.
    pub fn set(&self, label_values: &[&str], value: f64) {
        if let Values::Scalar(map) = &mut *self.values() {
            map.insert(Self::key(label_values), value);
        }
    }

    /// Makes a series exist with value 0 (upstream initialises some).
    pub fn touch(&self, label_values: &[&str]) {
        self.add(label_values, 0.0);
    }

    /// Removes one series (idle series of `stage.metrics`).
    pub fn remove(&self, label_values: &[&str]) {
        let key = Self::key(label_values);
        match &mut *self.values() {
            Values::Scalar(map) => {
                map.remove(&key);
            }
            Values::Histogram(_, map) => {
                map.remove(&key);
            }
        }
    }

    /// Records one histogram observation.
    pub fn observe(&self, label_values: &[&str], value: f64) {
        if let Values::Histogram(bounds, map) = &mut *self.values() {
            let state = map
                .entry(Self::key(label_values))
                .or_insert_with(|| HistogramState {
                    counts: vec![0; bounds.len()],
                    ..Default::default()
                });
            for (i, bound) in bounds.iter().enumerate() {
                if value <= *bound {
                    state.counts[i] += 1;
                }
            }
            state.sum += value;
            state.count += 1;
        }
    }

    /// The current value of a counter or gauge series (tests).
    pub fn get(&self, label_values: &[&str]) -> f64 {
        match &*self.values() {
            Values::Scalar(map) => map.get(&Self::key(label_values)).copied().unwrap_or(0.0),
            Values::Histogram(_, map) => map
                .get(&Self::key(label_values))
                .map(|h| h.count as f64)
                .unwrap_or(0.0),
        }
    }

    /// Sum over every series of the family.
    pub fn total(&self) -> f64 {
        match &*self.values() {
            Values::Scalar(map) => map.values().sum(),
            Values::Histogram(_, map) => map.values().map(|h| h.count as f64).sum(),
        }
    }

    fn gather(&self) -> Family {
        let s = &self.0;
        let pairs = |key: &[String]| -> Vec<(String, String)> {
            s.label_names
                .iter()
                .cloned()
                .zip(key.iter().cloned())
                .collect()
        };
        let series = match &*self.values() {
            Values::Scalar(map) => map
                .iter()
                .map(|(k, v)| (pairs(k), Sample::Scalar(*v)))
                .collect(),
            Values::Histogram(bounds, map) => map
                .iter()
                .map(|(k, h)| {
                    (
                        pairs(k),
                        Sample::Histogram {
                            buckets: bounds
                                .iter()
                                .copied()
                                .zip(h.counts.iter().copied())
                                .collect(),
                            sum: h.sum,
                            count: h.count,
                        },
                    )
                })
                .collect(),
        };
        Family {
            name: s.name.clone(),
            help: s.help.clone(),
            kind: s.kind,
            series,
        }
    }
}

/// Client_golang's default histogram buckets.
pub const DEFAULT_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A set of families.
#[derive(Clone, Default)]
pub struct Registry {
    families: Arc<Mutex<Vec<Metric>>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    fn get_or_create(
        &self,
        name: &str,
        help: &str,
        kind: Kind,
        label_names: &[&str],
        buckets: Option<&[f64]>,
    ) -> Metric {
        let mut families = self.families.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = families.iter().find(|m| m.0.name == name) {
            return m.clone();
        }
        let values = match buckets {
            Some(b) => Values::Histogram(b.to_vec(), BTreeMap::new()),
            None => Values::Scalar(BTreeMap::new()),
        };
        let metric = Metric(Arc::new(FamilyState {
            name: name.to_owned(),
            help: help.to_owned(),
            kind,
            label_names: label_names.iter().map(|s| (*s).to_owned()).collect(),
            values: Mutex::new(values),
        }));
        families.push(metric.clone());
        metric
    }

    pub fn counter(&self, name: &str, help: &str, label_names: &[&str]) -> Metric {
        self.get_or_create(name, help, Kind::Counter, label_names, None)
    }

    pub fn gauge(&self, name: &str, help: &str, label_names: &[&str]) -> Metric {
        self.get_or_create(name, help, Kind::Gauge, label_names, None)
    }

    pub fn histogram(
        &self,
        name: &str,
        help: &str,
        label_names: &[&str],
        buckets: &[f64],
    ) -> Metric {
        self.get_or_create(name, help, Kind::Histogram, label_names, Some(buckets))
    }

    /// Removes a family (a `stage.metrics` metric no longer configured).
    pub fn unregister(&self, name: &str) {
        self.families
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|m| m.0.name != name);
    }

    pub fn gather(&self) -> Vec<Family> {
        let families = self
            .families
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        families.iter().map(Metric::gather).collect()
    }
}
