//! Helpers for tests of pipelines built from this crate (here and in the
//! runtime): a recording consumer that can be told to refuse, and generators
//! of small OTLP batches.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::{
    metric, Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

use crate::consumer::Consumer;
use crate::error::ConsumeError;
use crate::pdata::{ConsumeFuture, Logs, Metrics, Signal, Traces};

/// Records everything it accepts; refuses while a refusal is set.
#[derive(Default)]
pub struct Sink {
    pub traces: Mutex<Vec<Traces>>,
    pub metrics: Mutex<Vec<Metrics>>,
    pub logs: Mutex<Vec<Logs>>,
    items: [AtomicU64; 3],
    refuse: Mutex<Option<ConsumeError>>,
    count_only: bool,
    no_capacity: std::sync::atomic::AtomicBool,
}

impl Sink {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts items without keeping the data (for load tests).
    pub fn counting() -> Self {
        Self {
            count_only: true,
            ..Self::default()
        }
    }

    /// Items accepted for a signal.
    pub fn items(&self, kind: crate::SignalKind) -> u64 {
        self.items[kind as usize].load(Ordering::SeqCst)
    }

    /// Makes [`Consumer::has_capacity`] report false (or true again).
    pub fn set_capacity(&self, has: bool) {
        self.no_capacity.store(!has, Ordering::SeqCst);
    }

    pub fn set_refusal(&self, err: Option<ConsumeError>) {
        *self.refuse.lock().unwrap_or_else(|p| p.into_inner()) = err;
    }

    fn take<S: Signal>(&self, data: S, store: &Mutex<Vec<S>>) -> Result<(), ConsumeError> {
        if let Some(e) = self
            .refuse
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            return Err(e);
        }
        self.items[S::KIND as usize].fetch_add(data.item_count() as u64, Ordering::SeqCst);
        if self.count_only {
            return Ok(());
        }
        store.lock().unwrap_or_else(|p| p.into_inner()).push(data);
        Ok(())
    }
}

impl Consumer for Sink {
    fn consume_traces(&self, data: Traces) -> ConsumeFuture<'_> {
        let r = self.take(data, &self.traces);
        Box::pin(std::future::ready(r))
    }
    fn consume_metrics(&self, data: Metrics) -> ConsumeFuture<'_> {
        let r = self.take(data, &self.metrics);
        Box::pin(std::future::ready(r))
    }
    fn consume_logs(&self, data: Logs) -> ConsumeFuture<'_> {
        let r = self.take(data, &self.logs);
        Box::pin(std::future::ready(r))
    }
    fn has_capacity(&self, _kind: crate::SignalKind) -> bool {
        !self.no_capacity.load(Ordering::SeqCst)
    }
}

pub fn kv_str(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

pub fn kv_int(k: &str, v: i64) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::IntValue(v)),
        }),
        ..Default::default()
    }
}

fn resource(service: &str) -> Option<Resource> {
    Some(Resource {
        attributes: vec![kv_str("service.name", service)],
        ..Default::default()
    })
}

fn scope() -> Option<InstrumentationScope> {
    Some(InstrumentationScope {
        name: "alloy-otelcol-test".into(),
        version: "1".into(),
        ..Default::default()
    })
}

/// `n` spans with a few attributes each, ids derived from `seed`.
pub fn spans(service: &str, n: usize, seed: u64) -> Traces {
    let spans = (0..n)
        .map(|i| {
            let id = seed.wrapping_mul(1_000_003).wrapping_add(i as u64 + 1);
            Span {
                trace_id: [id.to_be_bytes(), (!id).to_be_bytes()].concat(),
                span_id: id.to_be_bytes().to_vec(),
                name: format!("op-{}", i % 8),
                kind: 2,
                start_time_unix_nano: 1_700_000_000_000_000_000 + i as u64,
                end_time_unix_nano: 1_700_000_000_000_100_000 + i as u64,
                attributes: vec![
                    kv_str("http.method", "GET"),
                    kv_str("http.route", "/api/v1/items"),
                    kv_int("http.status_code", 200),
                ],
                ..Default::default()
            }
        })
        .collect();
    Traces::new(vec![ResourceSpans {
        resource: resource(service),
        scope_spans: vec![ScopeSpans {
            scope: scope(),
            spans,
            schema_url: String::new(),
        }],
        schema_url: String::new(),
    }])
}

/// The same spans as [`spans`], kept encoded as the gRPC receiver keeps
/// them for consumers that [accept encoded data](Consumer::accepts_encoded).
pub fn encoded_spans(service: &str, n: usize, seed: u64) -> Traces {
    use crate::pdata::DecodeRequest;
    let request = crate::exporter::encode::traces(&spans(service, n, seed).resource_spans);
    Traces::decode_bytes(request, true).unwrap_or_default()
}

/// `n` gauge data points in one metric.
pub fn gauge_points(service: &str, n: usize) -> Metrics {
    let points = (0..n)
        .map(|i| NumberDataPoint {
            attributes: vec![kv_int("i", i as i64)],
            time_unix_nano: 1_700_000_000_000_000_000,
            value: Some(
                opentelemetry_proto::tonic::metrics::v1::number_data_point::Value::AsDouble(
                    i as f64,
                ),
            ),
            ..Default::default()
        })
        .collect();
    Metrics::new(vec![ResourceMetrics {
        resource: resource(service),
        scope_metrics: vec![ScopeMetrics {
            scope: scope(),
            metrics: vec![Metric {
                name: "test.gauge".into(),
                data: Some(metric::Data::Gauge(Gauge {
                    data_points: points,
                })),
                ..Default::default()
            }],
            schema_url: String::new(),
        }],
        schema_url: String::new(),
    }])
}

/// `n` log records.
pub fn log_records(service: &str, n: usize) -> Logs {
    let records = (0..n)
        .map(|i| LogRecord {
            time_unix_nano: 1_700_000_000_000_000_000,
            severity_number: 9,
            severity_text: "INFO".into(),
            body: Some(AnyValue {
                value: Some(any_value::Value::StringValue(format!("line {i}"))),
            }),
            attributes: vec![kv_str("user", "alice")],
            ..Default::default()
        })
        .collect();
    Logs::new(vec![ResourceLogs {
        resource: resource(service),
        scope_logs: vec![ScopeLogs {
            scope: scope(),
            log_records: records,
            schema_url: String::new(),
        }],
        schema_url: String::new(),
    }])
}
