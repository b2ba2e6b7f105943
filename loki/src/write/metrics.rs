//! Upstream's `loki_write_*` metrics (labels `host`, `tenant`, and
//! `reason` on the dropped counters).

use crate::metrics::{Metric, Registry, DEFAULT_BUCKETS};

const KIB: f64 = 1024.0;
const MIB: f64 = 1024.0 * KIB;

/// The metrics of one `loki.write`, shared by its endpoints.
#[derive(Clone)]
pub struct WriteMetrics {
    pub encoded_bytes: Metric,
    pub sent_bytes: Metric,
    pub dropped_bytes: Metric,
    pub sent_entries: Metric,
    pub dropped_entries: Metric,
    pub request_size: Metric,
    pub request_duration: Metric,
    pub batch_retries: Metric,
    pub propagation_latency: Metric,
}

impl WriteMetrics {
    pub fn new(registry: &Registry) -> WriteMetrics {
        let ht = &["host", "tenant"];
        let htr = &["host", "tenant", "reason"];
        WriteMetrics {
            encoded_bytes: registry.counter(
                "loki_write_encoded_bytes_total",
                "Number of bytes encoded and ready to send.",
                ht,
            ),
            sent_bytes: registry.counter("loki_write_sent_bytes_total", "Number of bytes sent.", ht),
            dropped_bytes: registry.counter(
                "loki_write_dropped_bytes_total",
                "Number of bytes dropped because failed to be sent to the ingester after all retries.",
                htr,
            ),
            sent_entries: registry.counter(
                "loki_write_sent_entries_total",
                "Number of log entries sent to the ingester.",
                ht,
            ),
            dropped_entries: registry.counter(
                "loki_write_dropped_entries_total",
                "Number of log entries dropped because failed to be sent to the ingester after all retries.",
                htr,
            ),
            request_size: registry.histogram(
                "loki_write_request_size_bytes",
                "Number of bytes for requests.",
                ht,
                &[
                    KIB,
                    4.0 * KIB,
                    16.0 * KIB,
                    64.0 * KIB,
                    256.0 * KIB,
                    512.0 * KIB,
                    MIB,
                    2.0 * MIB,
                    4.0 * MIB,
                    8.0 * MIB,
                    16.0 * MIB,
                    20.0 * MIB,
                ],
            ),
            request_duration: registry.histogram(
                "loki_write_request_duration_seconds",
                "Duration of send requests.",
                &["status_code", "host", "tenant"],
                &DEFAULT_BUCKETS,
            ),
            batch_retries: registry.counter(
                "loki_write_batch_retries_total",
                "Number of times batches has had to be retried.",
                ht,
            ),
            propagation_latency: registry.histogram(
                "loki_write_entry_propagation_latency_seconds",
                "Time in seconds from entry creation until it's either successfully sent or dropped.",
                ht,
                &[0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0],
            ),
        }
    }

    /// Series upstream creates for every endpoint up front.
    pub(crate) fn init(&self, host: &str, tenant: &str) {
        for m in [
            &self.encoded_bytes,
            &self.sent_bytes,
            &self.sent_entries,
            &self.batch_retries,
        ] {
            m.touch(&[host, tenant]);
        }
        for why in [
            super::reason::GENERIC,
            super::reason::RATE_LIMITED,
            super::reason::STREAM_LIMITED,
        ] {
            self.dropped_bytes.touch(&[host, tenant, why]);
            self.dropped_entries.touch(&[host, tenant, why]);
        }
    }

    pub(crate) fn encoded(&self, host: &str, tenant: &str, bytes: usize) {
        self.encoded_bytes.add(&[host, tenant], bytes as f64);
    }

    pub(crate) fn sent(&self, host: &str, tenant: &str, entries: usize, bytes: usize) {
        self.sent_entries.add(&[host, tenant], entries as f64);
        self.sent_bytes.add(&[host, tenant], bytes as f64);
    }

    pub(crate) fn dropped(
        &self,
        host: &str,
        tenant: &str,
        why: &str,
        entries: usize,
        bytes: usize,
    ) {
        self.dropped_entries
            .add(&[host, tenant, why], entries as f64);
        self.dropped_bytes.add(&[host, tenant, why], bytes as f64);
    }

    pub(crate) fn request(&self, host: &str, tenant: &str, status: &str, secs: f64, size: usize) {
        self.request_duration.observe(&[status, host, tenant], secs);
        self.request_size.observe(&[host, tenant], size as f64);
    }

    pub(crate) fn retry(&self, host: &str, tenant: &str) {
        self.batch_retries.inc(&[host, tenant]);
    }

    pub(crate) fn latency(&self, host: &str, tenant: &str, secs: f64) {
        self.propagation_latency.observe(&[host, tenant], secs);
    }
}
