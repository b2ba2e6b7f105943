//! Telemetry batches as they travel between components.
//!
//! Each batch is the OTLP `Resource*` list plus the [`ClientInfo`] of the
//! request that produced it. The client info travels with the data because
//! the batch processor's `metadata_keys` and the attributes processor's
//! `from_context` read it long after the receiver returned.

mod decode;
mod encoded;
pub mod ids;
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
///
/// Between the gRPC receiver and a consumer that declared
/// [`Consumer::accepts_encoded`], the spans may still be the encoded
/// requests they arrived as (`pdata/encoded.rs`); `resource_spans` is then
/// empty. [`Signal::deliver`] decodes them for any other consumer, so code
/// that reads `resource_spans` only ever sees decoded batches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Traces {
    pub resource_spans: Vec<ResourceSpans>,
    pub client: ClientInfo,
    /// Never non-empty together with `resource_spans`.
    encoded: encoded::Encoded,
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

/// Spans in decoded resource spans.
fn decoded_spans(resource_spans: &[ResourceSpans]) -> usize {
    resource_spans
        .iter()
        .map(split::Splittable::item_count)
        .sum()
}

impl Traces {
    pub fn new(resource_spans: Vec<ResourceSpans>) -> Self {
        Self {
            resource_spans,
            ..Self::default()
        }
    }

    /// `request` is an `ExportTraceServiceRequest` that
    /// `encoded::span_count` accepted with `spans` spans.
    fn from_encoded(request: bytes::Bytes, spans: usize) -> Self {
        let mut encoded = encoded::Encoded::default();
        encoded.push(request, spans);
        Self {
            encoded,
            ..Self::default()
        }
    }

    /// Whether the spans are still encoded requests (see the type's docs).
    pub fn is_encoded(&self) -> bool {
        !self.encoded.is_empty()
    }

    /// Decodes encoded spans into `resource_spans` (a no-op for a decoded
    /// batch). Only fails if the fast path's scan let through a request the
    /// decoder refuses, which the tests rule out.
    pub fn decode_in_place(&mut self) -> Result<(), ConsumeError> {
        if self.encoded.is_empty() {
            return Ok(());
        }
        let decoded = self.encoded.decode().map_err(|e| {
            ConsumeError::permanent(format!("failed to decode Protobuf message: {e}"))
        })?;
        self.encoded = encoded::Encoded::default();
        self.resource_spans = decoded;
        Ok(())
    }

    /// The batch as one encoded `ExportTraceServiceRequest`: the requests as
    /// they arrived for an encoded batch, freshly encoded otherwise.
    pub fn to_request(&self) -> bytes::Bytes {
        if self.encoded.is_empty() {
            crate::exporter::encode::traces(&self.resource_spans)
        } else {
            self.encoded.to_request()
        }
    }

    /// Makes a decoded batch an encoded one (one request), so that it can
    /// join encoded batches without decoding them.
    fn encode_in_place(&mut self) {
        if self.resource_spans.is_empty() {
            return;
        }
        let spans = decoded_spans(&self.resource_spans);
        let request = crate::exporter::encode::traces(&self.resource_spans);
        self.resource_spans = Vec::new();
        self.encoded.push_front(request, spans);
    }

    fn is_empty(&self) -> bool {
        self.resource_spans.is_empty() && self.encoded.is_empty()
    }
}

impl Signal for Traces {
    const KIND: SignalKind = SignalKind::Traces;

    fn item_count(&self) -> usize {
        decoded_spans(&self.resource_spans) + self.encoded.spans()
    }
    fn client(&self) -> &ClientInfo {
        &self.client
    }
    fn set_client(&mut self, client: ClientInfo) {
        self.client = client;
    }
    fn empty(client: ClientInfo) -> Self {
        Self {
            client,
            ..Self::default()
        }
    }
    fn append(&mut self, mut other: Self) {
        if self.is_empty() {
            self.resource_spans = other.resource_spans;
            self.encoded = other.encoded;
        } else if !self.is_encoded() && !other.is_encoded() {
            self.resource_spans.append(&mut other.resource_spans);
        } else {
            // Mixed input stays encoded: encoding the decoded part costs
            // less than decoding the rest, and cannot fail.
            self.encode_in_place();
            other.encode_in_place();
            self.encoded.append(other.encoded);
        }
    }
    fn take_front(&mut self, n: usize) -> Self {
        if !self.is_encoded() {
            return Self {
                resource_spans: take_front(&mut self.resource_spans, n),
                client: self.client.clone(),
                encoded: encoded::Encoded::default(),
            };
        }
        let (mut front, owed) = self.encoded.take_whole(n);
        if owed > 0 {
            // The request at the boundary is split: decoded, cut, and both
            // parts encoded again.
            if let Some(request) = self.encoded.pop_front() {
                match decode::resource_spans_of(&request) {
                    Ok(mut rs) => {
                        let head = take_front(&mut rs, owed);
                        let rest = decoded_spans(&rs);
                        front.push(crate::exporter::encode::traces(&head), owed);
                        if rest > 0 {
                            self.encoded
                                .push_front(crate::exporter::encode::traces(&rs), rest);
                        }
                    }
                    Err(e) => {
                        // Unreachable (the scan accepted it); keep the data
                        // whole rather than lose it.
                        tracing::error!(error = %e, "encoded trace request failed to decode; sent unsplit");
                        let spans = encoded::span_count(&request).unwrap_or(owed);
                        front.push(request, spans);
                    }
                }
            }
        }
        Self {
            resource_spans: Vec::new(),
            client: self.client.clone(),
            encoded: front,
        }
    }
    fn deliver(mut self, consumer: &dyn Consumer) -> ConsumeFuture<'_> {
        if self.is_encoded() && !consumer.accepts_encoded(SignalKind::Traces) {
            if let Err(e) = self.decode_in_place() {
                return Box::pin(std::future::ready(Err(e)));
            }
        }
        consumer.consume_traces(self)
    }
}
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
