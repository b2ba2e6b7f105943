//! The queue's metrics in the one registry, with upstream's names
//! (`prometheus_remote_storage_*`, labelled `remote_name` and `url`).

use alloy_metrics::{Gauge, Histogram, IntCounter, IntGauge, Registry, DEFAULT_BUCKETS};

#[derive(Clone, Debug)]
pub struct QueueMetrics {
    pub samples_in: IntCounter,
    pub samples_sent: IntCounter,
    pub samples_failed: IntCounter,
    pub samples_retried: IntCounter,
    pub samples_dropped: IntCounter,
    pub samples_pending: IntGauge,
    pub bytes_sent: IntCounter,
    pub shards: IntGauge,
    pub shards_desired: IntGauge,
    pub shards_min: IntGauge,
    pub shards_max: IntGauge,
    pub shard_capacity: IntGauge,
    pub highest_sent_ts: Gauge,
    pub highest_ts_in: Gauge,
    pub sent_batch_duration: Histogram,
    pub metadata_sent: IntCounter,
    pub metadata_failed: IntCounter,
    pub metadata_retried: IntCounter,
    pub metadata_bytes: IntCounter,
}

impl QueueMetrics {
    pub fn new(r: &Registry, remote_name: &str, url: &str) -> QueueMetrics {
        let l: &[(&str, &str)] = &[("remote_name", remote_name), ("url", url)];
        QueueMetrics {
            samples_in: r.int_counter("prometheus_remote_storage_samples_in_total", "Samples read into remote storage.", l),
            samples_sent: r.int_counter("prometheus_remote_storage_samples_total", "Total number of samples sent to remote storage.", l),
            samples_failed: r.int_counter("prometheus_remote_storage_samples_failed_total", "Total number of samples which failed on send to remote storage, non-recoverable errors.", l),
            samples_retried: r.int_counter("prometheus_remote_storage_samples_retried_total", "Total number of samples which failed on send to remote storage but were retried because the send error was recoverable.", l),
            samples_dropped: r.int_counter("prometheus_remote_storage_samples_dropped_total", "Total number of samples which were dropped after being read from the WAL before being sent via remote write, either via relabelling, due to being too old or unintentionally because of an unknown reference ID.", l),
            samples_pending: r.int_gauge("prometheus_remote_storage_samples_pending", "The number of samples pending in the queues shards to be sent to the remote storage.", l),
            bytes_sent: r.int_counter("prometheus_remote_storage_bytes_total", "The total number of bytes of data (not metadata) sent by the queue after compression.", l),
            shards: r.int_gauge("prometheus_remote_storage_shards", "The number of shards used for parallel sending to the remote storage.", l),
            shards_desired: r.int_gauge("prometheus_remote_storage_shards_desired", "The number of shards that the queues shard calculation wants to run based on the rate of samples in vs. samples out.", l),
            shards_min: r.int_gauge("prometheus_remote_storage_shards_min", "The minimum number of shards that the queue is allowed to run.", l),
            shards_max: r.int_gauge("prometheus_remote_storage_shards_max", "The maximum number of shards that the queue is allowed to run.", l),
            shard_capacity: r.int_gauge("prometheus_remote_storage_shard_capacity", "The capacity of each shard of the queue used for parallel sending to the remote storage.", l),
            highest_sent_ts: r.gauge("prometheus_remote_storage_queue_highest_sent_timestamp_seconds", "Timestamp from a WAL sample, the highest timestamp successfully sent by this queue, in seconds since epoch.", l),
            highest_ts_in: r.gauge("prometheus_remote_storage_highest_timestamp_in_seconds", "Highest timestamp that has come into the remote storage via the Appender interface, in seconds since epoch.", l),
            metadata_sent: r.int_counter("prometheus_remote_storage_metadata_total", "Total number of metadata entries sent to remote storage.", l),
            metadata_failed: r.int_counter("prometheus_remote_storage_metadata_failed_total", "Total number of metadata entries which failed on send to remote storage, non-recoverable errors.", l),
            metadata_retried: r.int_counter("prometheus_remote_storage_metadata_retried_total", "Total number of metadata entries which failed on send to remote storage but were retried because the send error was recoverable.", l),
            metadata_bytes: r.int_counter("prometheus_remote_storage_metadata_bytes_total", "The total number of bytes of metadata sent by the queue after compression.", l),
            sent_batch_duration: r.histogram("prometheus_remote_storage_sent_batch_duration_seconds", "Duration of send calls to the remote storage.", l, &DEFAULT_BUCKETS),
        }
    }

    /// Notes a sample timestamp (ms) read from the WAL.
    pub fn note_in(&self, t_ms: i64) {
        let t = t_ms as f64 / 1000.0;
        if t > self.highest_ts_in.get() {
            self.highest_ts_in.set(t);
        }
    }

    /// Notes the newest timestamp (ms) of a batch the remote end took.
    pub fn note_sent(&self, t_ms: i64) {
        let t = t_ms as f64 / 1000.0;
        if t > self.highest_sent_ts.get() {
            self.highest_sent_ts.set(t);
        }
    }

    /// Average duration of a send so far (seconds), if any was made.
    pub fn mean_send_seconds(&self) -> Option<f64> {
        let n = self.sent_batch_duration.count();
        (n > 0).then(|| self.sent_batch_duration.sum() / n as f64)
    }
}
