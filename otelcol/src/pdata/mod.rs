//! Telemetry batches as they travel between components.
//!
//! Each batch is the OTLP `Resource*` list plus the [`ClientInfo`] of the
//! request that produced it. The client info travels with the data because
//! the batch processor's `metadata_keys` and the attributes processor's
//! `from_context` read it long after the receiver returned.

mod decode;
mod split;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use opentelemetry_proto::tonic::logs::v1::ResourceLogs;
use opentelemetry_proto::tonic::metrics::v1::{metric, ResourceMetrics};
use opentelemetry_proto::tonic::trace::v1::ResourceSpans;

use crate::consumer::Consumer;
use crate::error::ConsumeError;

pub use decode::DecodeRequest;
pub use split::take_front;

/// Which of the three OTLP signals a batch carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignalKind {
    Traces,
    Metrics,
    Logs,
}

impl SignalKind {
    /// The `data_type` / `otel_signal` label value upstream uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::Traces => "traces",
            SignalKind::Metrics => "metrics",
            SignalKind::Logs => "logs",
        }
    }

    /// The unit suffix of upstream's item counters (`spans`, `metric_points`,
    /// `log_records`).
    pub fn item_metric_name(self) -> &'static str {
        match self {
            SignalKind::Traces => "spans",
            SignalKind::Metrics => "metric_points",
            SignalKind::Logs => "log_records",
        }
    }
}

/// Request metadata (gRPC metadata or HTTP headers). Keys are lower-case.
pub type Metadata = BTreeMap<String, Vec<String>>;

/// Who sent a batch. `metadata` is only filled when the receiver has
/// `include_metadata` set, as upstream does, so that headers are not carried
/// (and batched on) by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub addr: Option<SocketAddr>,
    pub metadata: Arc<Metadata>,
}

impl ClientInfo {
    /// Values for `key` (case-insensitive, as HTTP headers and gRPC metadata are).
    pub fn get(&self, key: &str) -> Option<&[String]> {
        if let Some(v) = self.metadata.get(key) {
            return Some(v.as_slice());
        }
        self.metadata
            .get(&key.to_ascii_lowercase())
            .map(|v| v.as_slice())
    }
}

/// A batch of spans.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Traces {
    pub resource_spans: Vec<ResourceSpans>,
    pub client: ClientInfo,
}

/// A batch of metrics; items are data points.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    pub resource_metrics: Vec<ResourceMetrics>,
    pub client: ClientInfo,
}

/// A batch of log records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Logs {
    pub resource_logs: Vec<ResourceLogs>,
    pub client: ClientInfo,
}

/// The parts of [`Signal`] and the constructor that differ between the
/// three batch types only by field and method names.
macro_rules! signal {
    ($ty:ident, $field:ident, $item:ty, $kind:ident, $consume:ident) => {
        impl $ty {
            pub fn new($field: Vec<$item>) -> Self {
                Self {
                    $field,
                    client: ClientInfo::default(),
                }
            }
        }

        impl Signal for $ty {
            const KIND: SignalKind = SignalKind::$kind;

            fn item_count(&self) -> usize {
                self.$field.iter().map(split::Splittable::item_count).sum()
            }
            fn client(&self) -> &ClientInfo {
                &self.client
            }
            fn set_client(&mut self, client: ClientInfo) {
                self.client = client;
            }
            fn empty(client: ClientInfo) -> Self {
                Self {
                    $field: Vec::new(),
                    client,
                }
            }
            fn append(&mut self, mut other: Self) {
                self.$field.append(&mut other.$field);
            }
            fn take_front(&mut self, n: usize) -> Self {
                Self {
                    $field: take_front(&mut self.$field, n),
                    client: self.client.clone(),
                }
            }
            fn deliver(self, consumer: &dyn Consumer) -> ConsumeFuture<'_> {
                consumer.$consume(self)
            }
        }
    };
}

signal!(
    Traces,
    resource_spans,
    ResourceSpans,
    Traces,
    consume_traces
);
signal!(
    Metrics,
    resource_metrics,
    ResourceMetrics,
    Metrics,
    consume_metrics
);
signal!(Logs, resource_logs, ResourceLogs, Logs, consume_logs);

/// A boxed future, so generic code can call the right `consume_*` method
/// of a `dyn Consumer`.
pub type ConsumeFuture<'a> = Pin<Box<dyn Future<Output = Result<(), ConsumeError>> + Send + 'a>>;

/// What generic pipeline code (batching, queueing, fan-out) needs to know
/// about a signal, so each of those is written once instead of three times.
pub trait Signal: Clone + Send + Sync + Sized + 'static {
    const KIND: SignalKind;

    /// Spans, data points or log records, the unit every upstream metric counts.
    fn item_count(&self) -> usize;
    fn client(&self) -> &ClientInfo;
    fn set_client(&mut self, client: ClientInfo);
    fn empty(client: ClientInfo) -> Self;
    /// Moves `other`'s resources to the end of `self` (no merging of equal
    /// resources; upstream does not merge either).
    fn append(&mut self, other: Self);
    /// Removes and returns the first `n` items, splitting resources, scopes
    /// and metrics as needed; the remainder keeps its order.
    fn take_front(&mut self, n: usize) -> Self;
    /// Hands the batch to the matching method of `consumer`.
    fn deliver(self, consumer: &dyn Consumer) -> ConsumeFuture<'_>;
}

/// Number of data points in one metric, the unit upstream counts metrics in.
pub fn metric_point_count(data: Option<&metric::Data>) -> usize {
    match data {
        Some(metric::Data::Gauge(g)) => g.data_points.len(),
        Some(metric::Data::Sum(s)) => s.data_points.len(),
        Some(metric::Data::Histogram(h)) => h.data_points.len(),
        Some(metric::Data::ExponentialHistogram(h)) => h.data_points.len(),
        Some(metric::Data::Summary(s)) => s.data_points.len(),
        None => 0,
    }
}
