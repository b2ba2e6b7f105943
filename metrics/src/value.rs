//! The live values a registry hands out. Each is one `Arc` around atomics,
//! so updates take no lock and clones update the same series.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

use crate::family::MetricValue;

/// A float that can be updated from many threads without a lock.
#[derive(Debug, Default)]
pub(crate) struct AtomicF64(AtomicU64);

impl AtomicF64 {
    pub(crate) fn get(&self) -> f64 {
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

/// A float value that only goes up.
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

/// An integer counter: one relaxed `fetch_add` per update, for hot paths.
#[derive(Clone, Debug, Default)]
pub struct IntCounter(Arc<AtomicU64>);

impl IntCounter {
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

/// A float value that goes up and down.
#[derive(Clone, Debug, Default)]
pub struct Gauge(Arc<AtomicF64>);

impl Gauge {
    pub fn set(&self, v: f64) {
        self.0.set(v);
    }

    pub fn add(&self, v: f64) {
        self.0.add(v);
    }

    pub fn sub(&self, v: f64) {
        self.0.add(-v);
    }

    pub fn get(&self) -> f64 {
        self.0.get()
    }
}

/// An integer gauge.
#[derive(Clone, Debug, Default)]
pub struct IntGauge(Arc<AtomicI64>);

impl IntGauge {
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
    /// Per-bucket (not cumulative) counts; the last slot is `+Inf`.
    buckets: Vec<AtomicU64>,
    sum: AtomicF64,
    count: AtomicU64,
}

/// Observations counted into fixed buckets.
#[derive(Clone, Debug)]
pub struct Histogram(Arc<HistogramCore>);

impl Histogram {
    /// A detached histogram with the given upper bounds (ascending, without
    /// `+Inf`).
    pub fn new(bounds: &[f64]) -> Histogram {
        Histogram(Arc::new(HistogramCore {
            bounds: bounds.to_vec(),
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicF64::default(),
            count: AtomicU64::new(0),
        }))
    }

    pub fn observe(&self, v: f64) {
        let core = &self.0;
        // The first bound >= v (NaN matches none and lands in +Inf), as
        // client_golang's `sort.SearchFloat64s`.
        let slot = core.bounds.partition_point(|bound| {
            bound.partial_cmp(&v) == Some(std::cmp::Ordering::Less) || v.is_nan()
        });
        if let Some(bucket) = core.buckets.get(slot) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        core.sum.add(v);
        core.count.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.0.count.load(Ordering::Relaxed)
    }

    pub fn sum(&self) -> f64 {
        self.0.sum.get()
    }

    pub(crate) fn value(&self) -> MetricValue {
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
            sum: self.sum(),
            count: self.count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive() {
        let h = Histogram::new(&[1.0, 10.0]);
        for v in [0.5, 1.0, 5.0, 10.0, 50.0] {
            h.observe(v);
        }
        assert_eq!(
            h.value(),
            MetricValue::Histogram {
                buckets: vec![(1.0, 2), (10.0, 4)],
                sum: 66.5,
                count: 5
            }
        );
    }

    #[test]
    fn integer_values() {
        let c = IntCounter::default();
        c.inc_by(3);
        c.inc();
        let g = IntGauge::default();
        g.set(5);
        g.sub(7);
        assert_eq!((c.get(), g.get()), (4, -2));
        let f = Gauge::default();
        f.add(1.5);
        f.sub(0.5);
        assert_eq!(f.get(), 1.0);
    }
}
