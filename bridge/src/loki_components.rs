//! `otelcol.exporter.loki` and `otelcol.receiver.loki` as components.

use std::sync::Arc;

use alloy_loki::receiver::BoxFuture;
use alloy_loki::{Entry, Timestamp};
use alloy_otelcol::pdata::ConsumeFuture;
use alloy_otelcol::telemetry::Counter;
use alloy_otelcol::{ConsumeError, Consumer, Logs, Metrics, Registry, Traces};

use crate::otlp_loki::{entries_to_logs, logs_to_entries, HintIssues};

/// `otelcol.exporter.loki`: OTLP logs in, Loki entries to `forward_to`.
pub struct LokiExporter {
    forward_to: alloy_loki::Fanout,
    total: Counter,
    failed: Counter,
    processed: Counter,
    hint_missing: Counter,
    hint_not_string: Counter,
}

impl LokiExporter {
    pub fn new(forward_to: alloy_loki::Fanout, registry: &Registry) -> LokiExporter {
        let hint = |kind: &str| {
            registry.int_counter(
                "otelcol_exporter_loki_label_hint_issues_total",
                "Attribute names in loki.* label hints that matched no attribute (missing) or a non-string one (not_string, labelled with its string form).",
                &[("issue", kind)],
            )
        };
        LokiExporter {
            forward_to,
            total: registry.int_counter(
                "otelcol_exporter_loki_entries_total",
                "Total number of log entries passed through the converter",
                &[],
            ),
            failed: registry.int_counter(
                "otelcol_exporter_loki_entries_failed",
                "Total number of log entries failed to convert",
                &[],
            ),
            processed: registry.int_counter(
                "otelcol_exporter_loki_entries_processed",
                "Total number of log entries successfully converted",
                &[],
            ),
            hint_missing: hint("missing"),
            hint_not_string: hint("not_string"),
        }
    }

    /// Converts `logs` and sends the entries (waits while receivers apply
    /// back-pressure).
    pub async fn export(&self, logs: Logs) {
        let mut issues = HintIssues::default();
        let (entries, failed) = logs_to_entries(&logs.resource_logs, Timestamp::now(), &mut issues);
        self.total.inc_by(entries.len() as u64 + failed);
        self.failed.inc_by(failed);
        self.processed.inc_by(entries.len() as u64);
        self.hint_missing.inc_by(issues.missing);
        self.hint_not_string.inc_by(issues.not_string);
        self.forward_to.send(entries).await;
    }
}

impl Consumer for LokiExporter {
    fn consume_traces(&self, _data: Traces) -> ConsumeFuture<'_> {
        Box::pin(async {
            Err(ConsumeError::permanent(
                "otelcol.exporter.loki accepts only logs",
            ))
        })
    }

    fn consume_metrics(&self, _data: Metrics) -> ConsumeFuture<'_> {
        Box::pin(async {
            Err(ConsumeError::permanent(
                "otelcol.exporter.loki accepts only logs",
            ))
        })
    }

    fn consume_logs(&self, data: Logs) -> ConsumeFuture<'_> {
        Box::pin(async move {
            self.export(data).await;
            Ok(())
        })
    }
}

/// `otelcol.receiver.loki`: Loki entries in, OTLP logs to `output.logs`.
pub struct LokiReceiver {
    output: alloy_otelcol::Fanout,
    accepted: Counter,
    refused: Counter,
}

impl LokiReceiver {
    pub fn new(output: alloy_otelcol::Fanout, registry: &Registry) -> Arc<LokiReceiver> {
        Arc::new(LokiReceiver {
            output,
            accepted: registry.int_counter(
                "otelcol_receiver_loki_accepted_log_records_total",
                "Loki entries converted and accepted by the OTLP consumers.",
                &[],
            ),
            refused: registry.int_counter(
                "otelcol_receiver_loki_refused_log_records_total",
                "Loki entries the OTLP consumers refused (dropped).",
                &[],
            ),
        })
    }
}

impl alloy_loki::Receiver for LokiReceiver {
    fn send(&self, entries: Vec<Entry>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if entries.is_empty() {
                return;
            }
            let n = entries.len() as u64;
            let logs = Logs::new(entries_to_logs(&entries, Timestamp::now()));
            match self.output.consume(logs).await {
                Ok(()) => self.accepted.inc_by(n),
                Err(_) => self.refused.inc_by(n),
            }
        })
    }
}
