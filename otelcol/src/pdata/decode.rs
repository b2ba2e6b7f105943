//! Protobuf `Export*ServiceRequest` bodies to batches.
//!
//! Traces take a hand-written path: prost grows every repeated field by
//! doubling, so a 100-span request reallocated and copied its span list
//! seven times (a span is ~250 bytes) and each span's attribute list two or
//! three times; with the frees that went with them this was about a fifth
//! of the pipeline's instructions at 10k spans/s. Here a cheap pre-pass
//! counts the entries of each repeated field that matters (resources,
//! scopes, spans, attributes) and the vectors are allocated once; every
//! other field goes through prost's generated `merge_field`, so the result
//! is identical to `Message::decode` (checked in the tests). Metrics and
//! logs use prost as is.

use bytes::Bytes;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::encoding::{decode_key, decode_varint, skip_field, DecodeContext, WireType};
use prost::{DecodeError, Message};

use super::{Logs, Metrics, Signal, Traces};

/// A signal as the receivers get it: an `Export*ServiceRequest`.
pub trait DecodeRequest: Signal {
    /// The generated request type (also what OTLP/JSON deserialises to).
    type Request: Message + Default + serde::de::DeserializeOwned;
    fn from_request(request: Self::Request) -> Self;
    /// Decodes protobuf; the client info is left empty.
    fn decode_request(buf: &[u8]) -> Result<Self, DecodeError> {
        Self::check_amplification(buf)?;
        Self::Request::decode(buf).map(Self::from_request)
    }
    /// Refuses a request whose repeated messages would take more than
    /// [`MAX_AMPLIFICATION`] times its size once decoded (see
    /// [`amplification`]).
    fn check_amplification(buf: &[u8]) -> Result<(), DecodeError>;
    /// Like [`Self::decode_request`]; with `keep_encoded` a signal that has
    /// an encoded form (traces, see `pdata/encoded.rs`) may keep `buf` as is.
    fn decode_bytes(buf: Bytes, keep_encoded: bool) -> Result<Self, DecodeError> {
        let _ = keep_encoded;
        Self::decode_request(&buf)
    }
    /// Trace and span IDs have their fixed lengths or none (see `ids`).
    fn check_ids(&self) -> Result<(), super::ids::IdError>;
}

impl DecodeRequest for Traces {
    type Request = ExportTraceServiceRequest;
    fn from_request(request: Self::Request) -> Self {
        Traces::new(request.resource_spans)
    }
    /// Encoded traces passed the scan, which refuses bad ID lengths.
    fn check_ids(&self) -> Result<(), super::ids::IdError> {
        super::ids::check_traces(&self.resource_spans)
    }
    fn decode_request(buf: &[u8]) -> Result<Self, DecodeError> {
        Self::check_amplification(buf)?;
        Ok(Traces::new(resource_spans_of(buf)?))
    }
    fn check_amplification(buf: &[u8]) -> Result<(), DecodeError> {
        amplification(
            buf,
            &[
                (&[1, 2, 2], size_of::<Span>()),
                (&[1, 2, 2, 9], size_of::<KeyValue>()),
                (
                    &[1, 2, 2, 11],
                    size_of::<opentelemetry_proto::tonic::trace::v1::span::Event>(),
                ),
                (
                    &[1, 2, 2, 13],
                    size_of::<opentelemetry_proto::tonic::trace::v1::span::Link>(),
                ),
                (&[1, 1, 1], size_of::<KeyValue>()),
            ],
        )
    }
    fn decode_bytes(buf: Bytes, keep_encoded: bool) -> Result<Self, DecodeError> {
        if keep_encoded {
            if let Some(spans) = super::encoded::span_count(&buf) {
                return Ok(Traces::from_encoded(buf, spans));
            }
        }
        Self::decode_request(&buf)
    }
}

/// The `resource_spans` of an encoded `ExportTraceServiceRequest`.
pub(super) fn resource_spans_of(buf: &[u8]) -> Result<Vec<ResourceSpans>, DecodeError> {
    repeated(buf, 1, resource_spans)
}

impl DecodeRequest for Metrics {
    type Request = ExportMetricsServiceRequest;
    fn from_request(request: Self::Request) -> Self {
        Metrics::new(request.resource_metrics)
    }
    fn check_amplification(buf: &[u8]) -> Result<(), DecodeError> {
        use opentelemetry_proto::tonic::metrics::v1 as m;
        amplification(
            buf,
            &[
                (&[1, 2, 2], size_of::<m::Metric>()),
                (&[1, 2, 2, 5, 1], size_of::<m::NumberDataPoint>()),
                (&[1, 2, 2, 7, 1], size_of::<m::NumberDataPoint>()),
                (&[1, 2, 2, 9, 1], size_of::<m::HistogramDataPoint>()),
                (
                    &[1, 2, 2, 10, 1],
                    size_of::<m::ExponentialHistogramDataPoint>(),
                ),
                (&[1, 2, 2, 11, 1], size_of::<m::SummaryDataPoint>()),
                (&[1, 2, 2, 5, 1, 7], size_of::<KeyValue>()),
                (&[1, 2, 2, 7, 1, 7], size_of::<KeyValue>()),
                (&[1, 1, 1], size_of::<KeyValue>()),
            ],
        )
    }
    fn check_ids(&self) -> Result<(), super::ids::IdError> {
        super::ids::check_metrics(&self.resource_metrics)
    }
}

impl DecodeRequest for Logs {
    type Request = ExportLogsServiceRequest;
    fn from_request(request: Self::Request) -> Self {
        Logs::new(request.resource_logs)
    }
    fn check_amplification(buf: &[u8]) -> Result<(), DecodeError> {
        amplification(
            buf,
            &[
                (
                    &[1, 2, 2],
                    size_of::<opentelemetry_proto::tonic::logs::v1::LogRecord>(),
                ),
                (&[1, 2, 2, 6], size_of::<KeyValue>()),
                (&[1, 1, 1], size_of::<KeyValue>()),
            ],
        )
    }
    fn check_ids(&self) -> Result<(), super::ids::IdError> {
        super::ids::check_logs(&self.resource_logs)
    }
}

#[allow(deprecated)] // prost keeps `DecodeError::new` for exactly this use.
fn underflow() -> DecodeError {
    DecodeError::new("buffer underflow")
}

/// The payload of a length-delimited field whose key was just read.
fn payload<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], DecodeError> {
    let len = decode_varint(buf)?;
    let len = usize::try_from(len).map_err(|_| underflow())?;
    if len > buf.len() {
        return Err(underflow());
    }
    let (head, rest) = buf.split_at(len);
    *buf = rest;
    Ok(head)
}

/// Largest ratio of decoded to encoded size a request may have. Real data
/// stays below 10 (a span with five attributes: 6; a tiny attribute: 9);
/// empty repeated messages (two bytes each, a few hundred decoded) are what
/// reaches 100 and more.
pub const MAX_AMPLIFICATION: usize = 16;

/// Checks, before anything is allocated, that the repeated messages at
/// `paths` (field numbers from the request down) and their struct sizes
/// stay within [`MAX_AMPLIFICATION`] times the request's size (plus 64 KiB
/// for small requests).
fn amplification(buf: &[u8], paths: &[(&[u32], usize)]) -> Result<(), DecodeError> {
    let mut bytes = 0usize;
    for (path, size) in paths {
        bytes = bytes.saturating_add(leaves(buf, path)?.saturating_mul(*size));
    }
    let allowed = buf
        .len()
        .saturating_mul(MAX_AMPLIFICATION)
        .saturating_add(64 << 10);
    if bytes > allowed {
        #[allow(deprecated)] // as in `underflow`
        return Err(DecodeError::new(format!(
            "request would take over {bytes} bytes decoded, more than {MAX_AMPLIFICATION} times its size"
        )));
    }
    Ok(())
}

/// How many messages sit at `path` below `buf`.
fn leaves(buf: &[u8], path: &[u32]) -> Result<usize, DecodeError> {
    let Some((&tag, rest)) = path.split_first() else {
        return Ok(1);
    };
    if rest.is_empty() {
        return count(buf, tag);
    }
    let mut n = 0usize;
    let mut buf = buf;
    while !buf.is_empty() {
        let (t, wire) = decode_key(&mut buf)?;
        if t == tag && wire == WireType::LengthDelimited {
            n = n.saturating_add(leaves(payload(&mut buf)?, rest)?);
        } else {
            skip_field(wire, t, &mut buf, DecodeContext::default())?;
        }
    }
    Ok(n)
}

/// How many length-delimited fields numbered `tag` a message holds.
fn count(mut buf: &[u8], tag: u32) -> Result<usize, DecodeError> {
    let mut n = 0;
    while !buf.is_empty() {
        let (t, wire) = decode_key(&mut buf)?;
        if t == tag && wire == WireType::LengthDelimited {
            n += 1;
            payload(&mut buf)?;
        } else {
            skip_field(wire, t, &mut buf, DecodeContext::default())?;
        }
    }
    Ok(n)
}

/// The entries of repeated field `tag` of a message that has nothing else
/// (the request itself).
fn repeated<T>(
    buf: &[u8],
    tag: u32,
    item: fn(&[u8]) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let mut out = Vec::with_capacity(count(buf, tag)?);
    let mut rest = buf;
    while !rest.is_empty() {
        let (t, wire) = decode_key(&mut rest)?;
        if t == tag && wire == WireType::LengthDelimited {
            out.push(item(payload(&mut rest)?)?);
        } else {
            skip_field(wire, t, &mut rest, DecodeContext::default())?;
        }
    }
    Ok(out)
}

/// Decodes `msg`'s fields from `buf`: repeated field `tag` with `item` into
/// the vector `list` selects (sized first), everything else with prost.
fn merge_with<M: Message, T>(
    msg: &mut M,
    buf: &[u8],
    tag: u32,
    list: fn(&mut M) -> &mut Vec<T>,
    item: fn(&[u8]) -> Result<T, DecodeError>,
) -> Result<(), DecodeError> {
    let n = count(buf, tag)?;
    list(msg).reserve_exact(n);
    let mut rest = buf;
    while !rest.is_empty() {
        let (t, wire) = decode_key(&mut rest)?;
        if t == tag && wire == WireType::LengthDelimited {
            let value = item(payload(&mut rest)?)?;
            list(msg).push(value);
        } else {
            msg.merge_field(t, wire, &mut rest, DecodeContext::default())?;
        }
    }
    Ok(())
}

fn resource_spans(buf: &[u8]) -> Result<ResourceSpans, DecodeError> {
    let mut rs = ResourceSpans::default();
    merge_with(&mut rs, buf, 2, |r| &mut r.scope_spans, scope_spans)?;
    Ok(rs)
}

fn scope_spans(buf: &[u8]) -> Result<ScopeSpans, DecodeError> {
    let mut ss = ScopeSpans::default();
    merge_with(&mut ss, buf, 2, |s| &mut s.spans, span)?;
    Ok(ss)
}

fn span(buf: &[u8]) -> Result<Span, DecodeError> {
    let mut s = Span::default();
    merge_with(
        &mut s,
        buf,
        9,
        |s| &mut s.attributes,
        |b| KeyValue::decode(b),
    )?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::spans;
    use opentelemetry_proto::tonic::trace::v1::span::{Event, Link};

    fn request() -> ExportTraceServiceRequest {
        let mut t = spans("svc", 40, 1);
        t.append(spans("other", 3, 2));
        let s = &mut t.resource_spans[1].scope_spans[0].spans[0];
        s.events.push(Event {
            name: "e".into(),
            ..Default::default()
        });
        s.links.push(Link::default());
        s.trace_state = "k=v".into();
        t.resource_spans[0].schema_url = "https://opentelemetry.io/schemas/1.21.0".into();
        ExportTraceServiceRequest {
            resource_spans: t.resource_spans,
        }
    }

    #[test]
    fn identical_to_prost_and_sized_exactly() {
        let req = request();
        let bytes = req.encode_to_vec();
        let ours = Traces::decode_request(&bytes).expect("decodes");
        assert_eq!(ours.resource_spans, req.resource_spans);
        let scope = &ours.resource_spans[0].scope_spans[0];
        assert_eq!(scope.spans.capacity(), scope.spans.len());
        assert_eq!(
            scope.spans[0].attributes.capacity(),
            scope.spans[0].attributes.len()
        );
        assert!(Traces::decode_request(&[])
            .expect("empty")
            .resource_spans
            .is_empty());
    }

    #[test]
    fn malformed_input_is_an_error_never_a_panic() {
        let bytes = request().encode_to_vec();
        for cut in [1, 2, 7, bytes.len() / 3, bytes.len() - 1] {
            assert!(
                Traces::decode_request(&bytes[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        assert!(Traces::decode_request(&[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
        // Invalid UTF-8 in a span name (request > resource > scope > span
        // > name = 0xff): refused, as prost refuses it.
        let bad = [0x0a, 0x07, 0x12, 0x05, 0x12, 0x03, 0x2a, 0x01, 0xff];
        assert!(ExportTraceServiceRequest::decode(&bad[..]).is_err());
        assert!(Traces::decode_request(&bad).is_err());
        let good = [0x0a, 0x07, 0x12, 0x05, 0x12, 0x03, 0x2a, 0x01, b'a'];
        let t = Traces::decode_request(&good).expect("decodes");
        assert_eq!(t.resource_spans[0].scope_spans[0].spans[0].name, "a");
    }

    #[test]
    fn empty_repeated_messages_are_refused_before_allocation() {
        // One resource, one scope, 100,000 empty spans: 200 kB encoded,
        // tens of MB decoded.
        let mut scope = vec![];
        for _ in 0..100_000 {
            scope.extend_from_slice(&[0x12, 0x00]);
        }
        let wrap = |tag: u8, inner: &[u8]| {
            let mut out = vec![tag];
            prost::encoding::encode_varint(inner.len() as u64, &mut out);
            out.extend_from_slice(inner);
            out
        };
        let request = wrap(0x0a, &wrap(0x12, &scope));
        let err = Traces::decode_request(&request).expect_err("refused");
        assert!(err.to_string().contains("times its size"), "{err}");
        let logs = Logs::decode_request(&request).expect_err("refused");
        assert!(logs.to_string().contains("times its size"), "{logs}");
        // Real requests pass.
        let real = request_bytes();
        Traces::decode_request(&real).expect("a real request");
    }

    fn request_bytes() -> Vec<u8> {
        request().encode_to_vec()
    }
}
