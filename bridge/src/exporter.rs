//! `otelcol.exporter.prometheus` as a component: an OTLP consumer that
//! converts metrics and appends them to its `forward_to` receivers.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alloy_otelcol::pdata::ConsumeFuture;
use alloy_otelcol::telemetry::{Counter, Gauge};
use alloy_otelcol::{ConsumeError, Consumer, Logs, Metrics, Registry, Traces};
use alloy_prometheus::{Appendable, Batch};

use crate::otlp_to_prom::{Converter, DropReason, ExporterOptions};

/// The component. Conversions are serialised by a lock (series state must
/// see points in order); the appended batch is reused between calls.
pub struct PromExporter {
    state: Mutex<(Converter, Batch)>,
    next: Arc<dyn Appendable>,
    dropped: Vec<Counter>,
    collisions: Counter,
    forward_failed: Counter,
    converted: Counter,
    active_series: Gauge,
}

impl PromExporter {
    pub fn new(
        opts: ExporterOptions,
        next: Arc<dyn Appendable>,
        registry: &Registry,
    ) -> PromExporter {
        let dropped = DropReason::ALL
            .iter()
            .map(|r| {
                registry.int_counter(
                    "otelcol_exporter_prometheus_dropped_data_points_total",
                    "OTLP data points the Prometheus model cannot hold, by reason.",
                    &[("reason", r.as_str())],
                )
            })
            .collect();
        PromExporter {
            state: Mutex::new((Converter::new(opts), Batch::new())),
            next,
            dropped,
            collisions: registry.int_counter(
                "otelcol_exporter_prometheus_name_collisions_total",
                "Metrics whose translated name equals that of another metric in the same request.",
                &[],
            ),
            forward_failed: registry.int_counter(
                "otelcol_exporter_prometheus_forward_failed_samples_total",
                "Samples refused by the forward_to receivers.",
                &[],
            ),
            converted: registry.int_counter(
                "otelcol_exporter_prometheus_converted_data_points_total",
                "OTLP data points converted to Prometheus samples.",
                &[],
            ),
            active_series: registry.int_gauge(
                "otelcol_exporter_prometheus_active_series",
                "Series the converter remembers (until gc_frequency passes without them).",
                &[],
            ),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Converter, Batch)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// New arguments; series state is kept.
    pub fn set_options(&self, opts: ExporterOptions) {
        self.lock().0.set_options(opts);
    }

    /// Forgets series not seen for `stale`; the runtime calls it every
    /// `gc_frequency`.
    pub fn gc(&self, stale: Duration) {
        let mut st = self.lock();
        st.0.gc(stale);
        self.active_series.set(st.0.series_count() as i64);
    }

    /// Converts and forwards synchronously.
    pub fn export(&self, data: &Metrics) -> Result<(), ConsumeError> {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let mut guard = self.lock();
        let (conv, batch) = &mut *guard;
        batch.clear();
        let stats = conv.convert(&data.resource_metrics, now_ms, batch);
        self.active_series.set(conv.series_count() as i64);
        for (i, n) in stats.dropped.iter().enumerate() {
            if *n > 0 {
                self.dropped[i].inc_by(*n);
            }
        }
        self.collisions.inc_by(stats.name_collisions);
        self.converted
            .inc_by(stats.points.saturating_sub(stats.total_dropped()));
        if batch.is_empty() {
            return Ok(());
        }
        match self.next.append(batch) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.forward_failed.inc_by(batch.sample_count() as u64);
                Err(ConsumeError::permanent(format!(
                    "forwarding converted samples failed: {e}"
                )))
            }
        }
    }
}

impl Consumer for PromExporter {
    fn consume_traces(&self, _data: Traces) -> ConsumeFuture<'_> {
        Box::pin(async {
            Err(ConsumeError::permanent(
                "otelcol.exporter.prometheus accepts only metrics",
            ))
        })
    }

    fn consume_metrics(&self, data: Metrics) -> ConsumeFuture<'_> {
        let result = self.export(&data);
        Box::pin(async move { result })
    }

    fn consume_logs(&self, _data: Logs) -> ConsumeFuture<'_> {
        Box::pin(async {
            Err(ConsumeError::permanent(
                "otelcol.exporter.prometheus accepts only metrics",
            ))
        })
    }
}
