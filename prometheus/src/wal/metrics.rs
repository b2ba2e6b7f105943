//! The WAL's own metrics, in the one registry (`alloy-metrics`), with
//! upstream's names (Alloy's `prometheus_remote_write_wal_*` and
//! Prometheus's `prometheus_tsdb_wal_*` where Alloy reuses the TSDB WAL's).

use alloy_metrics::{IntCounter, IntGauge, Registry};

#[derive(Clone, Debug)]
pub struct WalMetrics {
    pub samples_appended: IntCounter,
    pub series_created: IntCounter,
    pub series_removed: IntCounter,
    pub active_series: IntGauge,
    pub storage_size_bytes: IntGauge,
    pub size_bytes_head: IntGauge,
    pub segment_current: IntGauge,
    pub corruptions: IntCounter,
    pub writes_failed: IntCounter,
    pub truncations: IntCounter,
    pub truncations_failed: IntCounter,
    pub checkpoints: IntCounter,
    pub samples_dropped_keepalive: IntCounter,
}

impl WalMetrics {
    pub fn new(r: &Registry) -> WalMetrics {
        WalMetrics {
            samples_appended: r.int_counter("prometheus_remote_write_wal_samples_appended_total", "Total number of samples appended to the WAL.", &[]),
            series_created: r.int_counter("prometheus_remote_write_wal_storage_created_series_total", "Total number of created series appended to the WAL.", &[]),
            series_removed: r.int_counter("prometheus_remote_write_wal_storage_removed_series_total", "Total number of series removed from the WAL.", &[]),
            active_series: r.int_gauge("prometheus_remote_write_wal_storage_active_series", "Current number of active series being tracked by the WAL.", &[]),
            storage_size_bytes: r.int_gauge("prometheus_remote_write_wal_storage_size_bytes", "Bytes the WAL uses on disk (segments and checkpoint).", &[]),
            size_bytes_head: r.int_gauge("prometheus_remote_write_wal_head_segment_bytes", "Bytes written to the segment being written.", &[]),
            segment_current: r.int_gauge("prometheus_tsdb_wal_segment_current", "Write log segment index that TSDB is currently writing to.", &[]),
            corruptions: r.int_counter("prometheus_tsdb_wal_corruptions_total", "Total number of WAL corruptions.", &[]),
            writes_failed: r.int_counter("prometheus_tsdb_wal_writes_failed_total", "Total number of write log writes that failed.", &[]),
            truncations: r.int_counter("prometheus_tsdb_wal_truncations_total", "Total number of write log truncations attempted.", &[]),
            truncations_failed: r.int_counter("prometheus_tsdb_wal_truncations_failed_total", "Total number of write log truncations that failed.", &[]),
            checkpoints: r.int_counter("prometheus_tsdb_checkpoint_creations_total", "Total number of checkpoint creations attempted.", &[]),
            samples_dropped_keepalive: r.int_counter("prometheus_remote_write_wal_samples_dropped_keepalive_total", "Samples removed from the WAL unsent because their segment outlived max_keepalive_time.", &[]),
        }
    }
}

impl Default for WalMetrics {
    /// Metrics in a registry of their own (tests, tools).
    fn default() -> WalMetrics {
        WalMetrics::new(&Registry::new())
    }
}
