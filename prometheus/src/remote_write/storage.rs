//! The appender side of `prometheus.remote_write`: every batch goes into
//! the WAL before `append` returns, and the endpoint queues read it from
//! there. Also runs the WAL's periodic truncation, which never removes a
//! segment some queue still has to send (unless it outlived
//! `max_keepalive_time`).

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio_util::sync::CancellationToken;

use super::encode::encode_labels;
use super::queue::Queue;
use crate::model::{AppendError, Appendable, Batch};
use crate::wal::{Append, Wal};
use alloy_metrics::{IntCounter, Registry};

/// Exemplars, histograms and metadata that reached a storage which keeps
/// float samples only; counted so nothing disappears silently.
#[derive(Clone, Debug)]
pub struct StorageMetrics {
    pub exemplars_dropped: IntCounter,
    pub histograms_dropped: IntCounter,
    pub append_failed: IntCounter,
}

impl StorageMetrics {
    pub fn new(r: &Registry) -> StorageMetrics {
        StorageMetrics {
            exemplars_dropped: r.int_counter("prometheus_remote_write_exemplars_dropped_total", "Exemplars received and not stored: the WAL of this runtime keeps float samples only.", &[]),
            histograms_dropped: r.int_counter("prometheus_remote_write_histograms_dropped_total", "Native histogram samples received and not stored: the WAL of this runtime keeps float samples only.", &[]),
            append_failed: r.int_counter("prometheus_remote_write_append_failed_total", "Samples refused because writing the WAL failed.", &[]),
        }
    }
}

type Scratch = (Vec<u8>, Vec<(usize, usize)>);

/// The WAL plus its readers.
pub struct Storage {
    wal: Arc<Wal>,
    queues: Mutex<Vec<Arc<Queue>>>,
    /// Encoded labels of a batch's series, and each one's byte range.
    scratch: Mutex<Scratch>,
    pub metrics: StorageMetrics,
}

impl Storage {
    pub fn new(wal: Arc<Wal>, registry: &Registry) -> Arc<Storage> {
        Arc::new(Storage {
            wal,
            queues: Mutex::new(Vec::new()),
            scratch: Mutex::new((Vec::new(), Vec::new())),
            metrics: StorageMetrics::new(registry),
        })
    }

    pub fn wal(&self) -> &Arc<Wal> {
        &self.wal
    }

    /// Replaces the endpoint queues (on update), stopping the old ones.
    pub async fn set_queues(&self, queues: Vec<Arc<Queue>>) {
        let old = std::mem::replace(
            &mut *self.queues.lock().unwrap_or_else(|e| e.into_inner()),
            queues,
        );
        for q in old {
            q.stop().await;
        }
    }

    pub fn queues(&self) -> Vec<Arc<Queue>> {
        self.queues
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Truncates the WAL up to what every queue has sent.
    pub fn truncate(&self, now: SystemTime) {
        let head = self.wal.head_segment();
        let sent = self
            .queues()
            .iter()
            .map(|q| q.oldest_unsent_segment().unwrap_or(0))
            .min()
            .unwrap_or(head);
        match self.wal.truncate(sent, now) {
            Ok(removed) if !removed.is_empty() => {
                tracing::debug!(segments = ?removed, "WAL truncated");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(err = %e, "WAL truncation failed"),
        }
    }

    /// Runs truncation every `truncate_frequency` until `stop`.
    pub async fn run_truncation(self: Arc<Self>, stop: CancellationToken) {
        let every = self
            .wal
            .options()
            .truncate_frequency
            .max(std::time::Duration::from_millis(10));
        loop {
            tokio::select! {
                () = tokio::time::sleep(every) => self.truncate(SystemTime::now()),
                () = stop.cancelled() => return,
            }
        }
    }
}

impl Appendable for Storage {
    fn append(&self, batch: &Batch) -> Result<(), AppendError> {
        if !batch.exemplars().is_empty() {
            if self.metrics.exemplars_dropped.get() == 0 {
                tracing::warn!(
                    "exemplars are not stored by this runtime's WAL (send_exemplars is not honoured yet); they are counted in prometheus_remote_write_exemplars_dropped_total"
                );
            }
            self.metrics
                .exemplars_dropped
                .inc_by(batch.exemplars().len() as u64);
        }
        if !batch.histograms().is_empty() {
            self.metrics
                .histograms_dropped
                .inc_by(batch.histograms().len() as u64);
        }
        for m in batch.metadata() {
            if let Some(entry) = batch.series_at(m.series) {
                self.wal
                    .set_metadata(entry.labels.metric_name(), &m.metadata);
            }
        }
        if batch.samples().is_empty() {
            return Ok(());
        }
        let mut scratch = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let (bytes, spans) = &mut *scratch;
        bytes.clear();
        spans.clear();
        for entry in batch.series() {
            let start = bytes.len();
            encode_labels(bytes, entry.labels.iter().map(|l| (l.name, l.value)));
            spans.push((start, bytes.len()));
        }
        let mut appends = Vec::with_capacity(batch.samples().len());
        for s in batch.samples() {
            let Some(&(a, b)) = spans.get(s.series as usize) else {
                continue;
            };
            appends.push(Append {
                labels: &bytes[a..b],
                t: s.sample.t,
                v: s.sample.v,
            });
        }
        self.wal.append(&appends).map_err(|e| {
            self.metrics.append_failed.inc_by(appends.len() as u64);
            AppendError::Io(format!("writing the WAL: {e}"))
        })
    }
}
