//! Spans held while a trace waits for its decision.
//!
//! Spans are kept one by one, each with a shared handle on the resource
//! and scope it arrived under, instead of as copied `ResourceSpans`: the
//! incoming batch is taken apart without cloning any resource or scope (a
//! batch of 100 spans from 40 traces would otherwise copy its resource 40
//! times), and resources are only copied again for the few traces that are
//! sampled, when they are put back together.

use std::sync::Arc;

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

/// A trace id as upstream's `pcommon.TraceID`: exactly 16 bytes. Ids of
/// another length (only a malformed sender produces them; the OTLP
/// receivers refuse them) are padded or cut to 16 bytes.
pub type TraceId = [u8; 16];

pub(crate) fn trace_id(bytes: &[u8]) -> TraceId {
    let mut id = [0u8; 16];
    let n = bytes.len().min(16);
    id[..n].copy_from_slice(&bytes[..n]);
    id
}

/// The resource of a group of spans.
#[derive(Debug, Default)]
pub struct ResourceKey {
    pub resource: Option<Resource>,
    pub schema_url: String,
}

/// The instrumentation scope of a group of spans.
#[derive(Debug, Default)]
pub struct ScopeKey {
    pub scope: Option<InstrumentationScope>,
    pub schema_url: String,
}

/// One span with the resource and scope it came with.
#[derive(Debug)]
pub struct BufferedSpan {
    pub resource: Arc<ResourceKey>,
    pub scope: Arc<ScopeKey>,
    pub span: Span,
}

/// A span held until its trace's decision: encoded, with the resource and
/// scope it came with.
#[derive(Debug)]
pub struct StoredSpan {
    resource: Arc<ResourceKey>,
    scope: Arc<ScopeKey>,
    bytes: Box<[u8]>,
}

impl StoredSpan {
    pub(crate) fn encode(b: BufferedSpan) -> StoredSpan {
        StoredSpan {
            resource: b.resource,
            scope: b.scope,
            bytes: b.span.encode_to_vec().into_boxed_slice(),
        }
    }

    /// The span back; `None` only if the bytes this type wrote do not
    /// decode, which cannot happen (logged if it does).
    pub(crate) fn decode(self) -> Option<BufferedSpan> {
        match Span::decode(&self.bytes[..]) {
            Ok(span) => Some(BufferedSpan {
                resource: self.resource,
                scope: self.scope,
                span,
            }),
            Err(e) => {
                tracing::error!(error = %e, "tail_sampling: a held span failed to decode");
                None
            }
        }
    }
}

/// Takes a batch apart into spans, keeping the input order.
pub(crate) fn split(resource_spans: Vec<ResourceSpans>, mut each: impl FnMut(BufferedSpan)) {
    for rs in resource_spans {
        let resource = Arc::new(ResourceKey {
            resource: rs.resource,
            schema_url: rs.schema_url,
        });
        for ss in rs.scope_spans {
            let scope = Arc::new(ScopeKey {
                scope: ss.scope,
                schema_url: ss.schema_url,
            });
            for span in ss.spans {
                each(BufferedSpan {
                    resource: resource.clone(),
                    scope: scope.clone(),
                    span,
                });
            }
        }
    }
}

/// Puts spans back into resource and scope groups: consecutive spans that
/// share a resource (and scope) share a `ResourceSpans` (`ScopeSpans`).
pub(crate) fn join(spans: impl IntoIterator<Item = BufferedSpan>, out: &mut Vec<ResourceSpans>) {
    let mut last_resource: Option<Arc<ResourceKey>> = None;
    let mut last_scope: Option<Arc<ScopeKey>> = None;
    for b in spans {
        let same_resource = last_resource
            .as_ref()
            .is_some_and(|r| Arc::ptr_eq(r, &b.resource));
        if !same_resource || out.is_empty() {
            out.push(ResourceSpans {
                resource: b.resource.resource.clone(),
                schema_url: b.resource.schema_url.clone(),
                scope_spans: Vec::new(),
            });
            last_resource = Some(b.resource.clone());
            last_scope = None;
        }
        let Some(rs) = out.last_mut() else { continue };
        let same_scope = last_scope
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, &b.scope));
        if !same_scope || rs.scope_spans.is_empty() {
            rs.scope_spans.push(ScopeSpans {
                scope: b.scope.scope.clone(),
                schema_url: b.scope.schema_url.clone(),
                spans: Vec::new(),
            });
            last_scope = Some(b.scope.clone());
        }
        if let Some(ss) = rs.scope_spans.last_mut() {
            ss.spans.push(b.span);
        }
    }
}

/// What the policies see of a trace.
#[derive(Debug, Default)]
pub struct TraceData {
    pub spans: Vec<BufferedSpan>,
    /// Spans received before the decision (upstream's `SpanCount`).
    pub span_count: u64,
}

impl TraceData {
    /// Upstream's estimate of the trace's size in bytes (the
    /// bytes-limiting policy's measure): fixed overheads plus string and
    /// value lengths, each resource and scope counted once per group.
    pub fn estimated_size(&self) -> u64 {
        let mut size = 0u64;
        let mut last_resource: Option<&Arc<ResourceKey>> = None;
        let mut last_scope: Option<&Arc<ScopeKey>> = None;
        for b in &self.spans {
            if !last_resource.is_some_and(|r| Arc::ptr_eq(r, &b.resource)) {
                size += 4 + b
                    .resource
                    .resource
                    .as_ref()
                    .map_or(0, |r| attrs_size(&r.attributes));
                last_resource = Some(&b.resource);
                last_scope = None;
            }
            if !last_scope.is_some_and(|s| Arc::ptr_eq(s, &b.scope)) {
                size += 4 + b.scope.scope.as_ref().map_or(0, |s| {
                    (s.name.len() + s.version.len()) as u64 + attrs_size(&s.attributes)
                });
                last_scope = Some(&b.scope);
            }
            let s = &b.span;
            size += 68
                + s.name.len() as u64
                + s.trace_state.len() as u64
                + s.status.as_ref().map_or(0, |st| st.message.len() as u64)
                + attrs_size(&s.attributes);
            for e in &s.events {
                size += 12 + e.name.len() as u64 + attrs_size(&e.attributes);
            }
            for l in &s.links {
                size += 28 + l.trace_state.len() as u64 + attrs_size(&l.attributes);
            }
        }
        size
    }

    /// Resources and spans, for policies that look at both.
    pub fn iter(&self) -> impl Iterator<Item = (Option<&Resource>, &Span)> {
        self.spans
            .iter()
            .map(|b| (b.resource.resource.as_ref(), &b.span))
    }
}

fn attrs_size(attrs: &[KeyValue]) -> u64 {
    attrs
        .iter()
        .map(|kv| kv.key.len() as u64 + kv.value.as_ref().map_or(0, value_size))
        .sum()
}

fn value_size(v: &AnyValue) -> u64 {
    match &v.value {
        Some(any_value::Value::StringValue(s)) => s.len() as u64,
        Some(any_value::Value::IntValue(_)) | Some(any_value::Value::DoubleValue(_)) => 8,
        Some(any_value::Value::BoolValue(_)) => 1,
        Some(any_value::Value::BytesValue(b)) => b.len() as u64,
        Some(any_value::Value::KvlistValue(m)) => attrs_size(&m.values),
        Some(any_value::Value::ArrayValue(a)) => a.values.iter().map(value_size).sum(),
        _ => 0,
    }
}
