//! Trace and span IDs of the wrong length are refused on arrival.
//!
//! Upstream's pdata reads `trace_id` into a 16-byte array and `span_id`
//! (and `parent_span_id`, link and exemplar IDs, a log record's IDs) into an
//! 8-byte one, so a request with an ID of any other non-zero length fails to
//! unmarshal and the client gets HTTP 400 (gRPC: the decode error). Accepting
//! such a span let one client poison every batch it was merged into: a
//! strict backend then rejects the whole batch. An empty ID means "none" and
//! is accepted.

use opentelemetry_proto::tonic::logs::v1::ResourceLogs;
use opentelemetry_proto::tonic::metrics::v1::{metric, Exemplar, ResourceMetrics};
use opentelemetry_proto::tonic::trace::v1::ResourceSpans;

pub const TRACE_ID_LEN: usize = 16;
pub const SPAN_ID_LEN: usize = 8;

/// Which ID had a bad length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdError {
    TraceId,
    SpanId,
}

impl IdError {
    /// Upstream's error for a protobuf body (pdata's `UnmarshalProto`).
    pub fn proto_message(self) -> &'static str {
        match self {
            IdError::TraceId => "unmarshal: invalid TraceID length",
            IdError::SpanId => "unmarshal: invalid SpanID length",
        }
    }

    /// Upstream's error for an OTLP/JSON body (pdata's JSON iterator, without
    /// the byte-offset context jsoniter appends).
    pub fn json_message(self) -> &'static str {
        "ID.UnmarshalJSONIter: length mismatch"
    }
}

impl std::fmt::Display for IdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.proto_message())
    }
}

impl std::error::Error for IdError {}

fn check(id: &[u8], len: usize, err: IdError) -> Result<(), IdError> {
    if id.is_empty() || id.len() == len {
        Ok(())
    } else {
        Err(err)
    }
}

fn trace_id(id: &[u8]) -> Result<(), IdError> {
    check(id, TRACE_ID_LEN, IdError::TraceId)
}

fn span_id(id: &[u8]) -> Result<(), IdError> {
    check(id, SPAN_ID_LEN, IdError::SpanId)
}

pub fn check_traces(resource_spans: &[ResourceSpans]) -> Result<(), IdError> {
    for span in resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
    {
        trace_id(&span.trace_id)?;
        span_id(&span.span_id)?;
        span_id(&span.parent_span_id)?;
        for link in &span.links {
            trace_id(&link.trace_id)?;
            span_id(&link.span_id)?;
        }
    }
    Ok(())
}

pub fn check_logs(resource_logs: &[ResourceLogs]) -> Result<(), IdError> {
    for record in resource_logs
        .iter()
        .flat_map(|r| &r.scope_logs)
        .flat_map(|s| &s.log_records)
    {
        trace_id(&record.trace_id)?;
        span_id(&record.span_id)?;
    }
    Ok(())
}

fn exemplars(e: &[Exemplar]) -> Result<(), IdError> {
    for x in e {
        trace_id(&x.trace_id)?;
        span_id(&x.span_id)?;
    }
    Ok(())
}

pub fn check_metrics(resource_metrics: &[ResourceMetrics]) -> Result<(), IdError> {
    for data in resource_metrics
        .iter()
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .filter_map(|m| m.data.as_ref())
    {
        match data {
            metric::Data::Gauge(g) => g
                .data_points
                .iter()
                .try_for_each(|p| exemplars(&p.exemplars))?,
            metric::Data::Sum(s) => s
                .data_points
                .iter()
                .try_for_each(|p| exemplars(&p.exemplars))?,
            metric::Data::Histogram(h) => h
                .data_points
                .iter()
                .try_for_each(|p| exemplars(&p.exemplars))?,
            metric::Data::ExponentialHistogram(h) => h
                .data_points
                .iter()
                .try_for_each(|p| exemplars(&p.exemplars))?,
            metric::Data::Summary(_) => {}
        }
    }
    Ok(())
}
