//! Trace requests kept in the protobuf form they arrived in.
//!
//! At 10k spans/s most of the pipeline's CPU went into decoding a request
//! into owned structs (about 15 allocations per span), freeing them, and
//! encoding the batch again for the exporter, although nothing between the
//! gRPC receiver and the gRPC exporter looks inside a span. When every
//! consumer downstream says it takes encoded data
//! ([`Consumer::accepts_encoded`](crate::Consumer::accepts_encoded)), the
//! receiver only *scans* the request: it checks the structure the decoder
//! would check and counts the spans, allocating nothing, and the batch keeps
//! the request's bytes. Concatenated `ExportTraceServiceRequest` encodings
//! are one request with all their `resource_spans`, so the exporter sends
//! the bytes as they came.
//!
//! The scan is a fast path, never a judge: it accepts only requests made of
//! the fields this OTLP version defines, with the wire types the generated
//! decoder expects, valid UTF-8 and shallow nesting. Anything else (unknown
//! fields, groups, malformed input, deep `AnyValue` nesting) goes to the
//! regular decoder, which decides as before. So a request the scan accepts
//! decodes without error to the same spans (checked in the tests against
//! prost on real and mutated requests).

use bytes::{Bytes, BytesMut};
use opentelemetry_proto::tonic::trace::v1::ResourceSpans;
use prost::encoding::{decode_key, decode_varint, WireType};
use prost::DecodeError;

/// Deepest message nesting the scan follows (request = 0). Real data nests
/// `AnyValue`s a few levels; prost's own limit is 100.
const MAX_DEPTH: u32 = 24;

/// What a field holds, as far as its wire form is concerned.
#[derive(Clone, Copy)]
enum Field {
    Str,
    Bytes,
    /// A trace or span ID: empty or exactly this many bytes (see `ids`).
    Id(usize),
    Varint,
    Fixed64,
    Fixed32,
    Msg(Schema),
}

/// The messages of an `ExportTraceServiceRequest`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Schema {
    Request,
    ResourceSpans,
    Resource,
    EntityRef,
    ScopeSpans,
    Scope,
    Span,
    Event,
    Link,
    Status,
    KeyValue,
    AnyValue,
    ArrayValue,
    KeyValueList,
}

impl Schema {
    /// The field numbered `tag`, `None` for a field this version lacks.
    fn field(self, tag: u32) -> Option<Field> {
        use Field::*;
        use Schema as S;
        Some(match (self, tag) {
            (S::Request, 1) => Msg(S::ResourceSpans),
            (S::ResourceSpans, 1) => Msg(S::Resource),
            (S::ResourceSpans, 2) => Msg(S::ScopeSpans),
            (S::ResourceSpans | S::ScopeSpans, 3) => Str,
            (S::Resource, 1) => Msg(S::KeyValue),
            (S::Resource, 2) => Varint,
            (S::Resource, 3) => Msg(S::EntityRef),
            (S::EntityRef, 1..=4) => Str,
            (S::ScopeSpans, 1) => Msg(S::Scope),
            (S::ScopeSpans, 2) => Msg(S::Span),
            (S::Scope, 1 | 2) => Str,
            (S::Scope, 3) => Msg(S::KeyValue),
            (S::Scope, 4) => Varint,
            (S::Span, 1) => Id(super::ids::TRACE_ID_LEN),
            (S::Span, 2 | 4) => Id(super::ids::SPAN_ID_LEN),
            (S::Span, 3 | 5) => Str,
            (S::Span, 6 | 10 | 12 | 14) => Varint,
            (S::Span, 7 | 8) => Fixed64,
            (S::Span, 9) => Msg(S::KeyValue),
            (S::Span, 11) => Msg(S::Event),
            (S::Span, 13) => Msg(S::Link),
            (S::Span, 15) => Msg(S::Status),
            (S::Span, 16) => Fixed32,
            (S::Event, 1) => Fixed64,
            (S::Event, 2) => Str,
            (S::Event, 3) => Msg(S::KeyValue),
            (S::Event, 4) => Varint,
            (S::Link, 1) => Id(super::ids::TRACE_ID_LEN),
            (S::Link, 2) => Id(super::ids::SPAN_ID_LEN),
            (S::Link, 3) => Str,
            (S::Link, 4) => Msg(S::KeyValue),
            (S::Link, 5) => Varint,
            (S::Link, 6) => Fixed32,
            (S::Status, 2) => Str,
            (S::Status, 3) => Varint,
            (S::KeyValue, 1) => Str,
            (S::KeyValue, 2) => Msg(S::AnyValue),
            (S::KeyValue, 3) => Varint,
            (S::AnyValue, 1) => Str,
            (S::AnyValue, 2 | 3 | 8) => Varint,
            (S::AnyValue, 4) => Fixed64,
            (S::AnyValue, 5) => Msg(S::ArrayValue),
            (S::AnyValue, 6) => Msg(S::KeyValueList),
            (S::AnyValue, 7) => Bytes,
            (S::ArrayValue, 1) => Msg(S::AnyValue),
            (S::KeyValueList, 1) => Msg(S::KeyValue),
            _ => return None,
        })
    }
}

/// The payload of a length-delimited field whose key was just read.
fn payload<'a>(buf: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = usize::try_from(decode_varint(buf).ok()?).ok()?;
    if len > buf.len() {
        return None;
    }
    let (head, rest) = buf.split_at(len);
    *buf = rest;
    Some(head)
}

fn skip(buf: &mut &[u8], n: usize) -> Option<()> {
    *buf = buf.get(n..)?;
    Some(())
}

/// Checks one message; adds the spans it holds to `spans`. `None` means
/// "not for the fast path", not necessarily "invalid".
fn scan(mut buf: &[u8], schema: Schema, depth: u32, spans: &mut usize) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    while !buf.is_empty() {
        let (tag, wire) = decode_key(&mut buf).ok()?;
        let field = schema.field(tag)?;
        match (field, wire) {
            (Field::Str, WireType::LengthDelimited) => {
                std::str::from_utf8(payload(&mut buf)?).ok()?;
            }
            (Field::Bytes, WireType::LengthDelimited) => {
                payload(&mut buf)?;
            }
            (Field::Id(len), WireType::LengthDelimited) => {
                let id = payload(&mut buf)?;
                if !id.is_empty() && id.len() != len {
                    return None;
                }
            }
            (Field::Varint, WireType::Varint) => {
                decode_varint(&mut buf).ok()?;
            }
            (Field::Fixed64, WireType::SixtyFourBit) => skip(&mut buf, 8)?,
            (Field::Fixed32, WireType::ThirtyTwoBit) => skip(&mut buf, 4)?,
            (Field::Msg(inner), WireType::LengthDelimited) => {
                if inner == Schema::Span {
                    *spans += 1;
                }
                scan(payload(&mut buf)?, inner, depth + 1, spans)?;
            }
            _ => return None,
        }
    }
    Some(())
}

/// The number of spans in an encoded `ExportTraceServiceRequest` if the
/// fast path can take it (see the module docs).
pub(crate) fn span_count(request: &[u8]) -> Option<usize> {
    let mut spans = 0;
    scan(request, Schema::Request, 0, &mut spans)?;
    // A request that would decode too large (empty spans) is left to the
    // decoder, which refuses it: kept encoded, it would be decoded later by
    // any consumer that reads spans.
    let decoded = spans.saturating_mul(std::mem::size_of::<
        opentelemetry_proto::tonic::trace::v1::Span,
    >());
    if decoded
        > request
            .len()
            .saturating_mul(super::decode::MAX_AMPLIFICATION)
            + (64 << 10)
    {
        return None;
    }
    Some(spans)
}

/// Encoded requests, in arrival order, with their span counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Encoded {
    chunks: Vec<(Bytes, usize)>,
    spans: usize,
}

impl Encoded {
    pub(crate) fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    pub(crate) fn spans(&self) -> usize {
        self.spans
    }

    /// `request` must have passed [`span_count`], which gave `spans`.
    pub(crate) fn push(&mut self, request: Bytes, spans: usize) {
        self.spans += spans;
        self.chunks.push((request, spans));
    }

    pub(crate) fn append(&mut self, other: Encoded) {
        self.spans += other.spans;
        self.chunks.extend(other.chunks);
    }

    /// Removes whole requests from the front while they hold at most `n`
    /// spans in total; returns them and how many spans are still owed.
    pub(crate) fn take_whole(&mut self, n: usize) -> (Encoded, usize) {
        let mut taken = Encoded::default();
        let mut whole = 0;
        for (_, s) in &self.chunks {
            if taken.spans + s > n {
                break;
            }
            taken.spans += s;
            whole += 1;
        }
        taken.chunks = self.chunks.drain(..whole).collect();
        self.spans -= taken.spans;
        let owed = n - taken.spans;
        (taken, owed)
    }

    /// Removes the first request (for splitting it).
    pub(crate) fn pop_front(&mut self) -> Option<Bytes> {
        if self.chunks.is_empty() {
            return None;
        }
        let (b, s) = self.chunks.remove(0);
        self.spans -= s;
        Some(b)
    }

    /// Puts a request back in front.
    pub(crate) fn push_front(&mut self, request: Bytes, spans: usize) {
        self.spans += spans;
        self.chunks.insert(0, (request, spans));
    }

    /// One request holding every span: the concatenation of the requests
    /// (without copying when there is only one).
    pub(crate) fn to_request(&self) -> Bytes {
        match self.chunks.as_slice() {
            [] => Bytes::new(),
            [(only, _)] => only.clone(),
            chunks => {
                let len = chunks.iter().map(|(b, _)| b.len()).sum();
                let mut out = BytesMut::with_capacity(len);
                for (b, _) in chunks {
                    out.extend_from_slice(b);
                }
                out.freeze()
            }
        }
    }

    /// Decodes everything into structs.
    pub(crate) fn decode(&self) -> Result<Vec<ResourceSpans>, DecodeError> {
        let mut out = Vec::new();
        for (b, _) in &self.chunks {
            out.extend(super::decode::resource_spans_of(b)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
