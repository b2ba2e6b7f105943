//! The WAL's own metrics, with upstream's names (Alloy's
//! `prometheus_remote_write_wal_*` and Prometheus's `prometheus_tsdb_wal_*`
//! where Alloy reuses the TSDB WAL's).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// A monotonically increasing count.
#[derive(Default, Debug)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.add(1);
    }
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down.
#[derive(Default, Debug)]
pub struct Gauge(AtomicI64);

impl Gauge {
    pub fn set(&self, v: i64) {
        self.0.store(v, Ordering::Relaxed);
    }
    pub fn add(&self, v: i64) {
        self.0.fetch_add(v, Ordering::Relaxed);
    }
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Kind of a gathered metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
}

/// One gathered value.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    pub value: f64,
}

#[derive(Default, Debug)]
pub struct WalMetrics {
    pub samples_appended: Counter,
    pub series_created: Counter,
    pub series_removed: Counter,
    pub active_series: Gauge,
    pub storage_size_bytes: Gauge,
    pub size_bytes_head: Gauge,
    pub segment_current: Gauge,
    pub corruptions: Counter,
    pub writes_failed: Counter,
    pub truncations: Counter,
    pub truncations_failed: Counter,
    pub checkpoints: Counter,
    pub samples_dropped_keepalive: Counter,
}

impl WalMetrics {
    pub fn gather(&self) -> Vec<Point> {
        let c = |name, help, v: &Counter| Point {
            name,
            help,
            kind: Kind::Counter,
            value: v.get() as f64,
        };
        let g = |name, help, v: &Gauge| Point {
            name,
            help,
            kind: Kind::Gauge,
            value: v.get() as f64,
        };
        vec![
            c("prometheus_remote_write_wal_samples_appended_total", "Total number of samples appended to the WAL.", &self.samples_appended),
            c("prometheus_remote_write_wal_storage_created_series_total", "Total number of created series appended to the WAL.", &self.series_created),
            c("prometheus_remote_write_wal_storage_removed_series_total", "Total number of series removed from the WAL.", &self.series_removed),
            g("prometheus_remote_write_wal_storage_active_series", "Current number of active series being tracked by the WAL.", &self.active_series),
            g("prometheus_remote_write_wal_storage_size_bytes", "Bytes the WAL uses on disk (segments and checkpoint).", &self.storage_size_bytes),
            g("prometheus_tsdb_wal_segment_current", "Write log segment index that TSDB is currently writing to.", &self.segment_current),
            c("prometheus_tsdb_wal_corruptions_total", "Total number of WAL corruptions.", &self.corruptions),
            c("prometheus_tsdb_wal_writes_failed_total", "Total number of write log writes that failed.", &self.writes_failed),
            c("prometheus_tsdb_wal_truncations_total", "Total number of write log truncations attempted.", &self.truncations),
            c("prometheus_tsdb_wal_truncations_failed_total", "Total number of write log truncations that failed.", &self.truncations_failed),
            c("prometheus_tsdb_checkpoint_creations_total", "Total number of checkpoint creations attempted.", &self.checkpoints),
            c("prometheus_remote_write_wal_samples_dropped_keepalive_total", "Samples removed from the WAL unsent because their segment outlived max_keepalive_time.", &self.samples_dropped_keepalive),
        ]
    }
}
