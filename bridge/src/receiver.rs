//! `otelcol.receiver.prometheus` as a component: a Prometheus receiver
//! (`Appendable`) whose batches become OTLP metrics for its `output`.
//!
//! `append` must not wait on the network, so converted metrics go through a
//! bounded queue to a task that hands them to the OTLP consumers; a full
//! queue refuses the batch (`AppendError::Full`) and counts it.

use std::sync::{Arc, Mutex};

use alloy_otelcol::telemetry::Counter;
use alloy_otelcol::{Fanout, Metrics, Registry};
use alloy_prometheus::{AppendError, Appendable, Batch};
use tokio::sync::mpsc;

use crate::prom_to_otlp::{PromDropReason, PromToOtlp};

/// Batches waiting for the OTLP consumers.
pub const QUEUE_CAPACITY: usize = 64;

pub struct PromReceiver {
    conv: Mutex<PromToOtlp>,
    tx: mpsc::Sender<Metrics>,
    dropped: Vec<Counter>,
    refused: Counter,
    accepted: Counter,
    failed: Counter,
}

impl PromReceiver {
    /// Builds the receiver and spawns its forwarding task on the current
    /// tokio runtime.
    pub fn spawn(output: Fanout, registry: &Registry) -> Arc<PromReceiver> {
        let (tx, mut rx) = mpsc::channel::<Metrics>(QUEUE_CAPACITY);
        let failed = registry.int_counter(
            "otelcol_receiver_prometheus_refused_metric_points_total",
            "Converted data points the downstream consumers refused.",
            &[],
        );
        let task_failed = failed.clone();
        tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                let n: u64 = count_points(&m);
                if output.consume(m).await.is_err() {
                    task_failed.inc_by(n);
                }
            }
        });
        let dropped = PromDropReason::ALL
            .iter()
            .map(|r| {
                registry.int_counter(
                    "otelcol_receiver_prometheus_dropped_samples_total",
                    "Prometheus samples that could not become OTLP points, by reason.",
                    &[("reason", r.as_str())],
                )
            })
            .collect();
        Arc::new(PromReceiver {
            conv: Mutex::new(PromToOtlp::default()),
            tx,
            dropped,
            refused: registry.int_counter(
                "otelcol_receiver_prometheus_queue_full_samples_total",
                "Samples refused because the queue to the OTLP consumers was full.",
                &[],
            ),
            accepted: registry.int_counter(
                "otelcol_receiver_prometheus_accepted_metric_points_total",
                "OTLP data points produced from Prometheus samples.",
                &[],
            ),
            failed,
        })
    }

    /// Converted points the consumers refused so far.
    pub fn failed_points(&self) -> u64 {
        self.failed.get()
    }
}

fn count_points(m: &Metrics) -> u64 {
    use opentelemetry_proto::tonic::metrics::v1::metric::Data;
    let mut n = 0;
    for rm in &m.resource_metrics {
        for sm in &rm.scope_metrics {
            for metric in &sm.metrics {
                n += match &metric.data {
                    Some(Data::Gauge(g)) => g.data_points.len(),
                    Some(Data::Sum(s)) => s.data_points.len(),
                    Some(Data::Histogram(h)) => h.data_points.len(),
                    Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
                    Some(Data::Summary(s)) => s.data_points.len(),
                    None => 0,
                } as u64;
            }
        }
    }
    n
}

impl Appendable for PromReceiver {
    fn append(&self, batch: &Batch) -> Result<(), AppendError> {
        let (rms, stats) = {
            let mut conv = self.conv.lock().unwrap_or_else(|p| p.into_inner());
            let out = conv.convert(batch);
            conv.gc(16);
            out
        };
        for (i, n) in stats.dropped.iter().enumerate() {
            if *n > 0 {
                self.dropped[i].inc_by(*n);
            }
        }
        if rms.is_empty() {
            return Ok(());
        }
        match self.tx.try_send(Metrics::new(rms)) {
            Ok(()) => {
                self.accepted.inc_by(stats.points);
                Ok(())
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.refused.inc_by(batch.sample_count() as u64);
                Err(AppendError::Full {
                    samples: batch.sample_count(),
                })
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(AppendError::Closed),
        }
    }
}
