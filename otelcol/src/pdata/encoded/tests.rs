use std::sync::Arc;

use bytes::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, EntityRef, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link};
use opentelemetry_proto::tonic::trace::v1::Status;
use prost::Message;
use rand::{Rng, SeedableRng};

use super::span_count;
use crate::consumer::{Consumer, Fanout};
use crate::pdata::{DecodeRequest, Signal, Traces};
use crate::testing::{spans, Sink};

fn value(v: any_value::Value) -> Option<AnyValue> {
    Some(AnyValue { value: Some(v) })
}

/// A request using every field of the trace schema, nested values included.
fn rich_request() -> ExportTraceServiceRequest {
    let mut t = spans("svc", 30, 1);
    t.append(spans("other", 4, 2));
    let rs = &mut t.resource_spans[0];
    rs.schema_url = "https://opentelemetry.io/schemas/1.21.0".into();
    if let Some(r) = rs.resource.as_mut() {
        r.dropped_attributes_count = 2;
        r.entity_refs.push(EntityRef {
            schema_url: "u".into(),
            r#type: "service".into(),
            id_keys: vec!["service.name".into()],
            description_keys: vec!["d".into(), "e".into()],
        });
    }
    rs.scope_spans[0].schema_url = "scope-url".into();
    let s = &mut rs.scope_spans[0].spans[3];
    s.trace_state = "k=v".into();
    s.flags = 0x301;
    s.dropped_attributes_count = 1;
    s.dropped_events_count = 2;
    s.dropped_links_count = 3;
    s.status = Some(Status {
        message: "boom".into(),
        code: 2,
    });
    s.events.push(Event {
        time_unix_nano: 7,
        name: "ev".into(),
        attributes: vec![KeyValue {
            key: "b".into(),
            value: value(any_value::Value::BytesValue(vec![0, 255, 1])),
            ..Default::default()
        }],
        dropped_attributes_count: 1,
    });
    s.links.push(Link {
        trace_id: vec![1; 16],
        span_id: vec![2; 8],
        trace_state: "x=y".into(),
        attributes: vec![KeyValue {
            key: "f".into(),
            value: value(any_value::Value::DoubleValue(1.5)),
            ..Default::default()
        }],
        dropped_attributes_count: 4,
        flags: 1,
    });
    let nested = any_value::Value::ArrayValue(ArrayValue {
        values: vec![
            AnyValue {
                value: Some(any_value::Value::BoolValue(true)),
            },
            AnyValue {
                value: Some(any_value::Value::KvlistValue(KeyValueList {
                    values: vec![KeyValue {
                        key: "deep".into(),
                        value: value(any_value::Value::IntValue(-3)),
                        ..Default::default()
                    }],
                })),
            },
        ],
    });
    s.attributes.push(KeyValue {
        key: "arr".into(),
        value: value(nested),
        ..Default::default()
    });
    ExportTraceServiceRequest {
        resource_spans: t.resource_spans,
    }
}

fn spans_in(req: &ExportTraceServiceRequest) -> usize {
    Traces::new(req.resource_spans.clone()).item_count()
}

#[test]
fn scan_counts_spans_and_decodes_to_the_same_data() {
    let req = rich_request();
    let bytes = Bytes::from(req.encode_to_vec());
    assert_eq!(span_count(&bytes), Some(34));
    let t = Traces::decode_bytes(bytes.clone(), true).expect("decodes");
    assert!(t.is_encoded());
    assert_eq!(t.item_count(), 34);
    assert!(t.resource_spans.is_empty());
    // Sent as it came, and equal to what the decoder makes of it.
    assert_eq!(t.to_request(), bytes);
    let mut decoded = t.clone();
    decoded.decode_in_place().expect("decodes");
    assert!(!decoded.is_encoded());
    assert_eq!(decoded.resource_spans, req.resource_spans);
    // Without keep_encoded nothing changes.
    let t = Traces::decode_bytes(bytes, false).expect("decodes");
    assert!(!t.is_encoded());
    assert_eq!(t.resource_spans, req.resource_spans);
}

#[test]
fn unusual_requests_take_the_decoder() {
    let good = rich_request().encode_to_vec();
    // An unknown field (99, varint) at the request level: valid protobuf,
    // but the decoder drops it, so the fast path does not forward it.
    let mut unknown = good.clone();
    unknown.extend_from_slice(&[0x98, 0x06, 0x01]);
    assert!(ExportTraceServiceRequest::decode(&unknown[..]).is_ok());
    assert_eq!(span_count(&unknown), None);
    let t = Traces::decode_bytes(Bytes::from(unknown), true).expect("decodes");
    assert!(!t.is_encoded());
    assert_eq!(t.item_count(), 34);
    // Invalid UTF-8 in a span name: refused by the decoder, as before.
    let bad = [0x0a, 0x07, 0x12, 0x05, 0x12, 0x03, 0x2a, 0x01, 0xff];
    assert_eq!(span_count(&bad), None);
    assert!(Traces::decode_bytes(Bytes::copy_from_slice(&bad), true).is_err());
    // Nesting deeper than the scan follows.
    let mut v = AnyValue {
        value: Some(any_value::Value::IntValue(1)),
    };
    for _ in 0..30 {
        v = AnyValue {
            value: Some(any_value::Value::ArrayValue(ArrayValue { values: vec![v] })),
        };
    }
    let mut t = spans("svc", 1, 1);
    t.resource_spans[0].scope_spans[0].spans[0]
        .attributes
        .push(KeyValue {
            key: "deep".into(),
            value: Some(v),
            ..Default::default()
        });
    let deep = crate::exporter::encode::traces(&t.resource_spans);
    assert_eq!(span_count(&deep), None);
    let t2 = Traces::decode_bytes(deep, true).expect("decodes");
    assert_eq!(t2.resource_spans, t.resource_spans);
    // A known field with another wire type (span name as a varint).
    let wrong = [0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x28, 0x01];
    assert!(ExportTraceServiceRequest::decode(&wrong[..]).is_err());
    assert_eq!(span_count(&wrong), None);
}

/// Whatever the scan accepts, prost decodes, to as many spans.
#[test]
fn scan_never_accepts_what_prost_refuses() {
    let base = rich_request().encode_to_vec();
    let small = spans("s", 2, 1);
    let small = crate::exporter::encode::traces(&small.resource_spans).to_vec();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let (mut accepted, mut refused) = (0, 0);
    for i in 0..20_000 {
        let mut m = if i % 2 == 0 {
            base.clone()
        } else {
            small.clone()
        };
        for _ in 0..rng.random_range(1..4) {
            let at = rng.random_range(0..m.len());
            match rng.random_range(0..4) {
                0 => m[at] = rng.random(),
                1 => m[at] ^= 1 << rng.random_range(0..8),
                2 => m.truncate(at),
                _ => m.insert(at, rng.random()),
            }
            if m.is_empty() {
                break;
            }
        }
        match span_count(&m) {
            Some(n) => {
                accepted += 1;
                let req = ExportTraceServiceRequest::decode(&m[..])
                    .unwrap_or_else(|e| panic!("scan accepted what prost refuses ({e}): {m:?}"));
                assert_eq!(spans_in(&req), n, "{m:?}");
                let ours = Traces::decode_request(&m).expect("our decoder agrees");
                assert_eq!(ours.resource_spans, req.resource_spans);
            }
            None => refused += 1,
        }
    }
    // Both outcomes were exercised.
    assert!(accepted > 100 && refused > 100, "{accepted} {refused}");
}

fn encoded(service: &str, n: usize, seed: u64) -> (Traces, Traces) {
    let e = crate::testing::encoded_spans(service, n, seed);
    assert!(e.is_encoded());
    assert_eq!(e.item_count(), n);
    (e, spans(service, n, seed))
}

#[test]
fn append_and_take_front_keep_order_and_counts() {
    let (e1, d1) = encoded("a", 5, 1);
    let (e2, d2) = encoded("b", 7, 2);
    let d3 = spans("c", 3, 3);
    // Encoded + encoded + decoded: stays encoded, in order.
    let mut batch = Traces::empty(Default::default());
    batch.append(e1);
    batch.append(e2);
    batch.append(d3.clone());
    assert!(batch.is_encoded());
    assert_eq!(batch.item_count(), 15);
    let mut expected = d1.clone();
    expected.append(d2.clone());
    expected.append(d3.clone());

    // Whole requests, then a cut inside the second one.
    let mut rest = batch.clone();
    let first = rest.take_front(5);
    assert!(first.is_encoded());
    assert_eq!(first.item_count(), 5);
    let second = rest.take_front(4);
    assert_eq!(second.item_count(), 4);
    assert_eq!(rest.item_count(), 6);
    let mut parts = Vec::new();
    for mut p in [first, second, rest] {
        p.decode_in_place().expect("decodes");
        parts.extend(p.resource_spans);
    }
    let mut exp = expected.clone();
    let e_first = exp.take_front(5);
    let e_second = exp.take_front(4);
    let mut want = e_first.resource_spans;
    want.extend(e_second.resource_spans);
    want.extend(exp.resource_spans);
    assert_eq!(parts, want);

    // The concatenated request is one request with everything.
    let all = ExportTraceServiceRequest::decode(batch.to_request()).expect("decodes");
    assert_eq!(all.resource_spans, expected.resource_spans);

    // Decoded first, then encoded: also stays encoded and ordered.
    let (e4, d4) = encoded("d", 2, 4);
    let mut b2 = d1.clone();
    b2.append(e4);
    assert!(b2.is_encoded());
    let mut want = d1;
    want.append(d4);
    b2.decode_in_place().expect("decodes");
    assert_eq!(b2.resource_spans, want.resource_spans);
}

#[tokio::test]
async fn consumers_that_do_not_accept_encoded_data_get_it_decoded() {
    let sink = Arc::new(Sink::new());
    assert!(!sink.accepts_encoded(crate::SignalKind::Traces));
    let fanout = Fanout::new(vec![sink.clone()]);
    assert!(!fanout.accepts_encoded(crate::SignalKind::Traces));
    assert!(!Fanout::default().accepts_encoded(crate::SignalKind::Traces));
    let (e, d) = encoded("a", 5, 1);
    fanout.consume(e).await.expect("accepted");
    let got = sink.traces.lock().expect("lock")[0].clone();
    assert!(!got.is_encoded());
    assert_eq!(got.resource_spans, d.resource_spans);
}
