//! Decisions against the formulas upstream documents, and the traces and
//! logs they leave behind.

use std::sync::Arc;

use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

use super::*;
use crate::testing::{kv_int, kv_str, Sink};

fn id(i: u32) -> Vec<u8> {
    // Spread the index over the bytes both hashing schemes read.
    let x = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    [x.to_be_bytes(), x.rotate_left(17).to_be_bytes()].concat()
}

fn traces(ids: &[Vec<u8>]) -> Traces {
    Traces::new(vec![ResourceSpans {
        scope_spans: vec![ScopeSpans {
            spans: ids
                .iter()
                .map(|t| Span {
                    trace_id: t.clone(),
                    span_id: vec![1; 8],
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }],
        ..Default::default()
    }])
}

fn build(cfg: ProbabilisticSamplerConfig) -> (Arc<ProbabilisticSampler>, Arc<Sink>, Registry) {
    let sink = Arc::new(Sink::new());
    let reg = Registry::new();
    let p = ProbabilisticSampler::new(
        "otelcol.processor.probabilistic_sampler.t",
        cfg,
        Outputs::all(vec![sink.clone()]),
        &reg,
    )
    .expect("valid");
    (p, sink, reg)
}

fn kept_spans(sink: &Sink) -> Vec<Span> {
    sink.traces
        .lock()
        .expect("lock")
        .iter()
        .flat_map(|t| t.resource_spans.iter())
        .flat_map(|rs| rs.scope_spans.iter())
        .flat_map(|ss| ss.spans.iter().cloned())
        .collect()
}

#[test]
fn fnv32_with_seed_matches_reference_values() {
    assert_eq!(compute_hash(b"", 0), 0x4b95f515);
    assert_eq!(compute_hash(b"abc", 0), 0x09b9ad3b);
    let bytes: Vec<u8> = (0..16).collect();
    assert_eq!(compute_hash(&bytes, 7), 0x16718362);
}

#[tokio::test]
async fn hash_seed_mode_keeps_what_the_original_formula_keeps() {
    let cfg = ProbabilisticSamplerConfig {
        sampling_percentage: 25.0,
        hash_seed: 22,
        ..Default::default()
    };
    let (p, sink, _) = build(cfg);
    let ids: Vec<Vec<u8>> = (0..4000).map(id).collect();
    p.consume_traces(traces(&ids)).await.expect("ok");
    let scaled = (25.0f32 * (0x4000 as f32 / 100.0)) as u32;
    let expected: Vec<Vec<u8>> = ids
        .iter()
        .filter(|t| compute_hash(t, 22) & 0x3fff < scaled)
        .cloned()
        .collect();
    let kept: Vec<Vec<u8>> = kept_spans(&sink).into_iter().map(|s| s.trace_id).collect();
    assert_eq!(kept, expected);
    assert!((800..1200).contains(&kept.len()), "{}", kept.len());
    // Kept spans carry the randomness and threshold upstream writes.
    let first = &kept_spans(&sink)[0];
    assert!(
        first.trace_state.starts_with("ot=rv:"),
        "{}",
        first.trace_state
    );
    assert!(
        first.trace_state.ends_with(";th:c"),
        "{}",
        first.trace_state
    );
}

#[tokio::test]
async fn proportional_mode_compares_trace_id_randomness_and_records_th() {
    let cfg = ProbabilisticSamplerConfig {
        sampling_percentage: 10.0,
        ..Default::default()
    };
    let (p, sink, reg) = build(cfg);
    let ids: Vec<Vec<u8>> = (0..3000).map(id).collect();
    p.consume_traces(traces(&ids)).await.expect("ok");
    let th = Threshold::from_probability(0.1, 4).expect("range");
    let expected: Vec<Vec<u8>> = ids
        .iter()
        .filter(|t| threshold::trace_id_randomness(t) >= th.0)
        .cloned()
        .collect();
    let kept = kept_spans(&sink);
    assert_eq!(
        kept.iter().map(|s| s.trace_id.clone()).collect::<Vec<_>>(),
        expected
    );
    assert!(kept.iter().all(|s| s.trace_state == "ot=th:e666"));
    assert_eq!(
        reg.sum(
            "otelcol_processor_probabilistic_sampler_count_traces_sampled_total",
            &[("policy", "trace_id_w3c"), ("sampled", "true")]
        ),
        expected.len() as f64
    );
}

#[tokio::test]
async fn arriving_threshold_is_multiplied_and_inconsistent_one_fails_closed() {
    let cfg = ProbabilisticSamplerConfig {
        sampling_percentage: 50.0,
        ..Default::default()
    };
    let (p, sink, _) = build(cfg);
    // Arriving at 50 % (th:8), then 50 % here: 25 % (th:c).
    let mut keep = vec![0u8; 16];
    keep[9] = 0xf0;
    let mut lie = vec![0u8; 16];
    lie[9] = 0x10;
    let mut data = traces(&[keep.clone(), lie.clone()]);
    for s in &mut data.resource_spans[0].scope_spans[0].spans {
        s.trace_state = "ot=th:8,vendor=v".into();
    }
    p.consume_traces(data).await.expect("ok");
    let kept = kept_spans(&sink);
    assert_eq!(
        kept.len(),
        1,
        "the inconsistent span is dropped (fail_closed)"
    );
    assert_eq!(kept[0].trace_id, keep);
    assert_eq!(kept[0].trace_state, "ot=th:c,vendor=v");
}

#[tokio::test]
async fn sampling_priority_overrides_and_everything_dropped_sends_nothing() {
    let cfg = ProbabilisticSamplerConfig {
        sampling_percentage: 0.0,
        ..Default::default()
    };
    let (p, sink, _) = build(cfg);
    let mut data = traces(&[id(1), id(2), id(3)]);
    let spans = &mut data.resource_spans[0].scope_spans[0].spans;
    spans[0].attributes.push(kv_int("sampling.priority", 1));
    spans[1].attributes.push(kv_str("sampling.priority", "0"));
    p.consume_traces(data).await.expect("ok");
    assert_eq!(kept_spans(&sink).len(), 1);
    p.consume_traces(traces(&[id(4)])).await.expect("ok");
    assert_eq!(
        sink.traces.lock().expect("lock").len(),
        1,
        "empty batch not sent"
    );
}

#[tokio::test]
async fn logs_sample_by_trace_id_or_by_attribute() {
    let records = |n: u32| {
        Logs::new(vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: (0..n)
                    .map(|i| LogRecord {
                        trace_id: id(i),
                        attributes: vec![kv_str("user", &format!("u{i}"))],
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }])
    };
    let (p, sink, _) = build(ProbabilisticSamplerConfig {
        sampling_percentage: 10.0,
        ..Default::default()
    });
    p.consume_logs(records(2000)).await.expect("ok");
    let th = Threshold::from_probability(0.1, 4).expect("range");
    let expected = (0..2000)
        .filter(|i| threshold::trace_id_randomness(&id(*i)) >= th.0)
        .count() as u64;
    assert_eq!(sink.items(SignalKind::Logs), expected);

    let (p, sink, _) = build(ProbabilisticSamplerConfig {
        sampling_percentage: 30.0,
        attribute_source: AttributeSource::Record,
        from_attribute: "user".into(),
        ..Default::default()
    });
    p.consume_logs(records(1000)).await.expect("ok");
    let scaled = (30.0f32 * (0x4000 as f32 / 100.0)) as u32;
    let expected = (0..1000)
        .filter(|i| compute_hash(format!("u{i}").as_bytes(), 0) & 0x3fff < scaled)
        .count() as u64;
    assert_eq!(sink.items(SignalKind::Logs), expected);
}

#[test]
fn invalid_settings_are_refused() {
    let bad = |cfg: ProbabilisticSamplerConfig| cfg.validate().err().map(|e| e.to_string());
    assert!(bad(ProbabilisticSamplerConfig {
        sampling_percentage: -1.0,
        ..Default::default()
    })
    .is_some_and(|e| e.contains("sampling rate is negative")));
    assert!(bad(ProbabilisticSamplerConfig {
        sampling_precision: 15,
        ..Default::default()
    })
    .is_some_and(|e| e.contains("sampling precision is too great")));
    assert!(SamplerMode::parse("fast").is_err());
}
