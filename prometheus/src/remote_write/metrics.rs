//! The queue's metrics, with upstream's names (`prometheus_remote_storage_*`,
//! labelled `remote_name` and `url`).

use std::sync::Mutex;

use crate::wal::metrics::{Counter, Gauge, Kind, Point};

/// Sent-batch durations, as a histogram with Prometheus's default buckets.
#[derive(Default, Debug)]
pub struct Durations {
    inner: Mutex<(Vec<u64>, f64, u64)>,
}

pub const DURATION_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

impl Durations {
    pub fn observe(&self, secs: f64) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if g.0.is_empty() {
            g.0 = vec![0; DURATION_BUCKETS.len()];
        }
        for (i, &b) in DURATION_BUCKETS.iter().enumerate() {
            if secs <= b {
                g.0[i] += 1;
            }
        }
        g.1 += secs;
        g.2 += 1;
    }

    /// Cumulative bucket counts, sum, count.
    pub fn snapshot(&self) -> (Vec<(f64, u64)>, f64, u64) {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let counts = if g.0.is_empty() {
            vec![0; DURATION_BUCKETS.len()]
        } else {
            g.0.clone()
        };
        (
            DURATION_BUCKETS.iter().copied().zip(counts).collect(),
            g.1,
            g.2,
        )
    }
}

#[derive(Default, Debug)]
pub struct QueueMetrics {
    pub samples_in: Counter,
    pub samples_sent: Counter,
    pub samples_failed: Counter,
    pub samples_retried: Counter,
    pub samples_dropped: Counter,
    pub samples_pending: Gauge,
    pub bytes_sent: Counter,
    pub shards: Gauge,
    pub shards_desired: Gauge,
    pub shards_min: Gauge,
    pub shards_max: Gauge,
    pub shard_capacity: Gauge,
    pub highest_sent_ts_ms: Gauge,
    pub highest_ts_in_ms: Gauge,
    pub sent_batch_duration: Durations,
}

impl QueueMetrics {
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
            c("prometheus_remote_storage_samples_in_total", "Samples read into remote storage.", &self.samples_in),
            c("prometheus_remote_storage_samples_total", "Total number of samples sent to remote storage.", &self.samples_sent),
            c("prometheus_remote_storage_samples_failed_total", "Total number of samples which failed on send to remote storage, non-recoverable errors.", &self.samples_failed),
            c("prometheus_remote_storage_samples_retried_total", "Total number of samples which failed on send to remote storage but were retried because the send error was recoverable.", &self.samples_retried),
            c("prometheus_remote_storage_samples_dropped_total", "Total number of samples which were dropped after being read from the WAL before being sent via remote write, either via relabelling, due to being too old or unintentionally because of an unknown reference ID.", &self.samples_dropped),
            g("prometheus_remote_storage_samples_pending", "The number of samples pending in the queues shards to be sent to the remote storage.", &self.samples_pending),
            c("prometheus_remote_storage_bytes_total", "The total number of bytes of data (not metadata) sent by the queue after compression.", &self.bytes_sent),
            g("prometheus_remote_storage_shards", "The number of shards used for parallel sending to the remote storage.", &self.shards),
            g("prometheus_remote_storage_shards_desired", "The number of shards that the queues shard calculation wants to run based on the rate of samples in vs. samples out.", &self.shards_desired),
            g("prometheus_remote_storage_shards_min", "The minimum number of shards that the queue is allowed to run.", &self.shards_min),
            g("prometheus_remote_storage_shards_max", "The maximum number of shards that the queue is allowed to run.", &self.shards_max),
            g("prometheus_remote_storage_shard_capacity", "The capacity of each shard of the queue used for parallel sending to the remote storage.", &self.shard_capacity),
            Point {
                name: "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
                help: "Timestamp from a WAL sample, the highest timestamp successfully sent by this queue, in seconds since epoch.",
                kind: Kind::Gauge,
                value: self.highest_sent_ts_ms.get() as f64 / 1000.0,
            },
            Point {
                name: "prometheus_remote_storage_highest_timestamp_in_seconds",
                help: "Highest timestamp that has come into the remote storage via the Appender interface, in seconds since epoch.",
                kind: Kind::Gauge,
                value: self.highest_ts_in_ms.get() as f64 / 1000.0,
            },
        ]
    }
}
