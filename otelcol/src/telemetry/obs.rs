//! Upstream's component metrics (collector `receiverhelper`,
//! `exporterhelper`, `batchprocessor`, `processorhelper`) with their names,
//! help texts and labels, as Alloy exposes them through the OTel-Go
//! Prometheus bridge (counters get `_total`, scope labels are added).

use super::{Counter, Gauge, Histogram, Registry};
use crate::pdata::SignalKind;

const RECEIVER_SCOPE: &str = "go.opentelemetry.io/collector/receiver/receiverhelper";
const EXPORTER_SCOPE: &str = "go.opentelemetry.io/collector/exporter/exporterhelper";
const BATCH_SCOPE: &str = "go.opentelemetry.io/collector/processor/batchprocessor";
const PROCESSOR_SCOPE: &str = "go.opentelemetry.io/collector/processor/processorhelper";

fn item_phrase(kind: SignalKind) -> &'static str {
    match kind {
        SignalKind::Traces => "spans",
        SignalKind::Metrics => "metric points",
        SignalKind::Logs => "log records",
    }
}

fn with_scope<'a>(scope: &'a str, labels: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = labels.to_vec();
    v.push(("otel_scope_name", scope));
    v.push(("otel_scope_schema_url", ""));
    v.push(("otel_scope_version", ""));
    v
}

/// `otelcol_receiver_{accepted,refused}_*` for one receiver, transport and signal.
#[derive(Clone, Debug)]
pub struct ReceiverObs {
    pub accepted: Counter,
    pub refused: Counter,
}

impl ReceiverObs {
    /// `receiver` is upstream's ID string, `otlp/<alloy component id>`.
    pub fn new(reg: &Registry, receiver: &str, transport: &str, kind: SignalKind) -> Self {
        let labels = with_scope(
            RECEIVER_SCOPE,
            &[("receiver", receiver), ("transport", transport)],
        );
        let item = kind.item_metric_name();
        let phrase = item_phrase(kind);
        ReceiverObs {
            accepted: reg.int_counter(
                &format!("otelcol_receiver_accepted_{item}_total"),
                &format!("Number of {phrase} successfully pushed into the pipeline. [alpha]"),
                &labels,
            ),
            refused: reg.int_counter(
                &format!("otelcol_receiver_refused_{item}_total"),
                &format!("Number of {phrase} that could not be pushed into the pipeline. [alpha]"),
                &labels,
            ),
        }
    }
}

/// `otelcol_exporter_*` for one exporter and signal.
#[derive(Clone, Debug)]
pub struct ExporterObs {
    pub sent: Counter,
    pub send_failed: Counter,
    pub enqueue_failed: Counter,
    pub queue_size: Gauge,
    pub queue_capacity: Gauge,
}

impl ExporterObs {
    /// `exporter` is upstream's ID string, e.g. `otlp_grpc/otelcol.exporter.otlp.default`.
    /// The queue gauges are only registered when the exporter has a queue.
    pub fn new(reg: &Registry, exporter: &str, kind: SignalKind, queue: bool) -> Self {
        let labels = with_scope(EXPORTER_SCOPE, &[("exporter", exporter)]);
        let qlabels = with_scope(
            EXPORTER_SCOPE,
            &[("exporter", exporter), ("data_type", kind.as_str())],
        );
        let item = kind.item_metric_name();
        let phrase = item_phrase(kind);
        let sent_phrase = if kind == SignalKind::Logs {
            "log record"
        } else {
            phrase
        };
        let (queue_size, queue_capacity) = if queue {
            (
                reg.int_gauge(
                    "otelcol_exporter_queue_size",
                    "Current size of the retry queue (in batches). [alpha]",
                    &qlabels,
                ),
                reg.int_gauge(
                    "otelcol_exporter_queue_capacity",
                    "Fixed capacity of the retry queue (in batches). [alpha]",
                    &qlabels,
                ),
            )
        } else {
            (Gauge::default(), Gauge::default())
        };
        ExporterObs {
            sent: reg.int_counter(
                &format!("otelcol_exporter_sent_{item}_total"),
                &format!("Number of {sent_phrase} successfully sent to destination. [alpha]"),
                &labels,
            ),
            send_failed: reg.int_counter(
                &format!("otelcol_exporter_send_failed_{item}_total"),
                &format!("Number of {phrase} in failed attempts to send to destination. [alpha]"),
                &labels,
            ),
            enqueue_failed: reg.int_counter(
                &format!("otelcol_exporter_enqueue_failed_{item}_total"),
                &format!("Number of {phrase} failed to be added to the sending queue. [alpha]"),
                &labels,
            ),
            queue_size,
            queue_capacity,
        }
    }
}

/// Upstream's bucket bounds for `otelcol_processor_batch_batch_send_size`.
pub const BATCH_SIZE_BUCKETS: &[f64] = &[
    10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2000.0, 3000.0, 4000.0, 5000.0,
    6000.0, 7000.0, 8000.0, 9000.0, 10000.0, 20000.0, 30000.0, 50000.0, 100000.0,
];

/// `otelcol_processor_batch_*` for one batch processor (all signals share them,
/// as upstream's do).
#[derive(Clone, Debug)]
pub struct BatchObs {
    pub send_size: Histogram,
    pub size_trigger: Counter,
    pub timeout_trigger: Counter,
    pub metadata_cardinality: Gauge,
}

impl BatchObs {
    pub fn new(reg: &Registry, processor: &str) -> Self {
        let labels = with_scope(BATCH_SCOPE, &[("processor", processor)]);
        BatchObs {
            send_size: reg.histogram(
                "otelcol_processor_batch_batch_send_size",
                "Number of units in the batch",
                &labels,
                BATCH_SIZE_BUCKETS,
            ),
            size_trigger: reg.int_counter(
                "otelcol_processor_batch_batch_size_trigger_send_total",
                "Number of times the batch was sent due to a size trigger",
                &labels,
            ),
            timeout_trigger: reg.int_counter(
                "otelcol_processor_batch_timeout_trigger_send_total",
                "Number of times the batch was sent due to a timeout trigger",
                &labels,
            ),
            metadata_cardinality: reg.int_gauge(
                "otelcol_processor_batch_metadata_cardinality",
                "Number of distinct metadata value combinations being processed",
                &labels,
            ),
        }
    }
}

/// `otelcol_processor_{incoming,outgoing}_items_total` (processorhelper).
#[derive(Clone, Debug)]
pub struct ProcessorObs {
    pub incoming: Counter,
    pub outgoing: Counter,
}

impl ProcessorObs {
    pub fn new(reg: &Registry, processor: &str, kind: SignalKind) -> Self {
        let labels = with_scope(
            PROCESSOR_SCOPE,
            &[("processor", processor), ("otel_signal", kind.as_str())],
        );
        ProcessorObs {
            incoming: reg.int_counter(
                "otelcol_processor_incoming_items_total",
                "Number of items passed to the processor. [alpha]",
                &labels,
            ),
            outgoing: reg.int_counter(
                "otelcol_processor_outgoing_items_total",
                "Number of items emitted from the processor. [alpha]",
                &labels,
            ),
        }
    }
}
