//! Decisions, late spans, caches and eviction, driven by explicit ticks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{status, ResourceSpans, ScopeSpans, Span, Status};

use super::policy::{combine, fnv64a, ratio_threshold, Decision};
use super::*;
use crate::testing::{kv_int, kv_str, Sink};

fn span(trace: u8, n: u8, ms: u64, error: bool) -> Span {
    Span {
        trace_id: vec![trace; 16],
        span_id: vec![n + 1; 8],
        name: format!("op-{n}"),
        start_time_unix_nano: 1_000_000_000,
        end_time_unix_nano: 1_000_000_000 + ms * 1_000_000,
        status: error.then(|| Status {
            code: status::StatusCode::Error as i32,
            ..Default::default()
        }),
        attributes: vec![kv_int("http.status_code", 200)],
        ..Default::default()
    }
}

fn batch(service: &str, spans: Vec<Span>) -> Traces {
    Traces::new(vec![ResourceSpans {
        resource: Some(Resource {
            attributes: vec![kv_str("service.name", service)],
            ..Default::default()
        }),
        scope_spans: vec![ScopeSpans {
            scope: Some(InstrumentationScope {
                name: "t".into(),
                ..Default::default()
            }),
            spans,
            ..Default::default()
        }],
        ..Default::default()
    }])
}

fn policy(name: &str, kind: PolicyKind) -> PolicyConfig {
    PolicyConfig {
        name: name.into(),
        kind,
    }
}

fn cfg(policies: Vec<PolicyConfig>) -> TailSamplingConfig {
    TailSamplingConfig {
        decision_wait: Duration::from_secs(1),
        // Ticks are driven by the tests.
        tick: Duration::from_secs(3600),
        policies,
        ..Default::default()
    }
}

fn errors_and_slow() -> Vec<PolicyConfig> {
    vec![
        policy(
            "errors",
            PolicyKind::StatusCode {
                status_codes: vec!["ERROR".into()],
            },
        ),
        policy(
            "slow",
            PolicyKind::Latency {
                threshold_ms: 500,
                upper_threshold_ms: 0,
            },
        ),
    ]
}

fn build(cfg: TailSamplingConfig) -> (Arc<TailSamplingProcessor>, Arc<Sink>, Registry) {
    let sink = Arc::new(Sink::new());
    let reg = Registry::new();
    let p = TailSamplingProcessor::new(
        "otelcol.processor.tail_sampling.t",
        cfg,
        Fanout::new(vec![sink.clone()]),
        &reg,
    )
    .expect("valid config");
    (p, sink, reg)
}

/// Trace ids the sink received, with their span counts.
fn received(sink: &Sink) -> std::collections::BTreeMap<u8, usize> {
    let mut out = std::collections::BTreeMap::new();
    for t in sink.traces.lock().expect("lock").iter() {
        for rs in &t.resource_spans {
            for ss in &rs.scope_spans {
                for s in &ss.spans {
                    *out.entry(s.trace_id[0]).or_default() += 1;
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn keeps_error_and_slow_traces_whole_and_drops_the_rest() {
    let (p, sink, reg) = build(cfg(errors_and_slow()));
    // Trace 1: an error in its second batch; 2: slow; 3: fast and fine.
    p.consume_traces(batch(
        "a",
        vec![span(1, 0, 10, false), span(2, 0, 900, false)],
    ))
    .await
    .expect("accepted");
    p.consume_traces(batch(
        "b",
        vec![
            span(1, 1, 5, true),
            span(3, 0, 5, false),
            span(3, 1, 5, false),
        ],
    ))
    .await
    .expect("accepted");
    assert_eq!(p.buffered_spans(), 5);
    assert!(
        received(&sink).is_empty(),
        "nothing leaves before the decision"
    );
    // decision_wait 1s = one batch: the next tick decides.
    p.tick().await;
    assert_eq!(received(&sink), [(1, 2), (2, 1)].into_iter().collect());
    assert_eq!(p.buffered_spans(), 0);
    let sum = |name: &str, labels: &[(&str, &str)]| reg.sum(name, labels);
    assert_eq!(
        sum(
            "otelcol_processor_tail_sampling_global_count_traces_sampled_total",
            &[("sampled", "true")]
        ),
        2.0
    );
    assert_eq!(
        sum(
            "otelcol_processor_tail_sampling_global_count_traces_sampled_total",
            &[("sampled", "false")]
        ),
        1.0
    );
    assert_eq!(
        sum(
            "otelcol_processor_tail_sampling_count_traces_sampled_total",
            &[
                ("policy", "otelcol.processor.tail_sampling.t.errors"),
                ("sampled", "true")
            ]
        ),
        1.0
    );
    assert_eq!(
        sum(
            "otelcol_processor_tail_sampling_new_trace_id_received_total",
            &[]
        ),
        3.0
    );
    // The sampled trace keeps its resource per span group.
    let first = sink.traces.lock().expect("lock")[0].clone();
    assert!(first.resource_spans.len() >= 2);
}

#[tokio::test]
async fn decision_waits_for_all_batches_of_decision_wait() {
    let mut c = cfg(errors_and_slow());
    c.decision_wait = Duration::from_secs(3);
    let (p, sink, _) = build(c);
    p.consume_traces(batch("a", vec![span(1, 0, 1, true)]))
        .await
        .expect("ok");
    p.tick().await;
    p.tick().await;
    assert!(received(&sink).is_empty());
    p.tick().await;
    assert_eq!(received(&sink), [(1, 1)].into_iter().collect());
}

#[tokio::test]
async fn late_spans_follow_the_decision_without_and_with_cache() {
    for cache in [0, 100] {
        let mut c = cfg(errors_and_slow());
        c.sampled_cache_size = cache;
        c.non_sampled_cache_size = cache;
        let (p, sink, reg) = build(c);
        p.consume_traces(batch("a", vec![span(1, 0, 1, true), span(2, 0, 1, false)]))
            .await
            .expect("ok");
        p.tick().await;
        assert_eq!(received(&sink), [(1, 1)].into_iter().collect());
        // Late spans: trace 1's pass straight through, trace 2's are dropped
        // even though this one is an error.
        p.consume_traces(batch("a", vec![span(1, 5, 1, false), span(2, 5, 1, true)]))
            .await
            .expect("ok");
        assert_eq!(
            received(&sink),
            [(1, 2)].into_iter().collect(),
            "cache {cache}"
        );
        p.tick().await;
        assert_eq!(received(&sink), [(1, 2)].into_iter().collect());
        let early = reg.sum(
            "otelcol_processor_tail_sampling_early_releases_from_cache_decision_total",
            &[],
        );
        assert_eq!(early, if cache > 0 { 2.0 } else { 0.0 });
        if cache > 0 {
            assert_eq!(p.traces_held(), 0, "decided traces leave the map");
        }
    }
}

#[tokio::test]
async fn oldest_traces_are_evicted_and_counted() {
    let mut c = cfg(vec![policy("all", PolicyKind::AlwaysSample)]);
    c.num_traces = 3;
    let (p, sink, reg) = build(c);
    for t in 1..=5u8 {
        p.consume_traces(batch("a", vec![span(t, 0, 1, false), span(t, 1, 1, false)]))
            .await
            .expect("ok");
    }
    assert_eq!(p.traces_held(), 3);
    assert_eq!(p.buffered_spans(), 6);
    p.tick().await;
    assert_eq!(
        received(&sink),
        [(3, 2), (4, 2), (5, 2)].into_iter().collect()
    );
    assert_eq!(
        reg.sum(
            "otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total",
            &[]
        ),
        2.0
    );
}

#[tokio::test]
async fn drop_policy_wins_and_inverted_match_vetoes() {
    let policies = vec![
        policy("all", PolicyKind::AlwaysSample),
        policy(
            "drop-health",
            PolicyKind::Drop(vec![policy(
                "health",
                PolicyKind::StringAttribute {
                    key: "service.name".into(),
                    values: vec!["health.*".into()],
                    enabled_regex_matching: true,
                    invert_match: false,
                },
            )]),
        ),
    ];
    let (p, sink, _) = build(cfg(policies));
    p.consume_traces(batch("healthcheck", vec![span(1, 0, 1, false)]))
        .await
        .expect("ok");
    p.consume_traces(batch("shop", vec![span(2, 0, 1, false)]))
        .await
        .expect("ok");
    p.tick().await;
    assert_eq!(received(&sink), [(2, 1)].into_iter().collect());

    let veto = vec![
        policy("all", PolicyKind::AlwaysSample),
        policy(
            "not-shop",
            PolicyKind::StringAttribute {
                key: "service.name".into(),
                values: vec!["shop".into()],
                enabled_regex_matching: false,
                invert_match: true,
            },
        ),
    ];
    let (p, sink, _) = build(cfg(veto));
    p.consume_traces(batch("shop", vec![span(1, 0, 1, false)]))
        .await
        .expect("ok");
    p.consume_traces(batch("cart", vec![span(2, 0, 1, false)]))
        .await
        .expect("ok");
    p.tick().await;
    assert_eq!(received(&sink), [(2, 1)].into_iter().collect());
}

#[test]
fn final_decision_order_is_upstreams() {
    use Decision::*;
    assert_eq!(combine(&[Sampled, Dropped]), Dropped);
    assert_eq!(combine(&[Sampled, InvertNotSampled]), NotSampled);
    assert_eq!(combine(&[NotSampled, Sampled]), Sampled);
    assert_eq!(combine(&[InvertSampled]), Sampled);
    assert_eq!(combine(&[InvertSampled, NotSampled]), NotSampled);
    assert_eq!(combine(&[]), NotSampled);
}

#[test]
fn probabilistic_threshold_and_hash_are_upstreams() {
    assert_eq!(ratio_threshold(1.0), u64::MAX);
    assert_eq!(ratio_threshold(0.0), 0);
    // (2^64 - 1) / 2 is exact in 64 significant bits; truncated.
    assert_eq!(ratio_threshold(0.5), (1u64 << 63) - 1);
    // 0.1 * (2^64 - 1) rounded to 64 significant bits, then truncated.
    let t = ratio_threshold(0.1);
    let exact = (u64::MAX as f64) * 0.1;
    assert!((t as f64 - exact).abs() / exact < 1e-15, "{t}");
    // FNV-1a 64 reference values.
    assert_eq!(fnv64a(&[b""]), 0xcbf29ce484222325);
    assert_eq!(fnv64a(&[b"a"]), 0xaf63dc4c8601ec8c);
    assert_eq!(fnv64a(&[b"fo", b"obar"]), 0x85944171f73967e8);
}

#[tokio::test]
async fn probabilistic_policy_keeps_about_its_share() {
    let (p, sink, _) = build(cfg(vec![policy(
        "ten",
        PolicyKind::Probabilistic {
            hash_salt: String::new(),
            sampling_percentage: 10.0,
        },
    )]));
    let mut spans = Vec::new();
    for i in 0..2000u32 {
        let mut s = span(0, 0, 1, false);
        s.trace_id = [i.to_be_bytes().as_slice(), &[7u8; 12]].concat();
        spans.push(s);
    }
    p.consume_traces(batch("a", spans)).await.expect("ok");
    p.tick().await;
    let kept = sink.items(SignalKind::Traces);
    assert!((140..=260).contains(&kept), "kept {kept} of 2000");
}

#[tokio::test]
async fn composite_and_rate_limits_bound_spans() {
    let (p, sink, _) = build(cfg(vec![policy(
        "limited",
        PolicyKind::RateLimiting {
            spans_per_second: 2,
            burst_capacity: 3,
        },
    )]));
    for t in 1..=3u8 {
        p.consume_traces(batch("a", vec![span(t, 0, 1, false), span(t, 1, 1, false)]))
            .await
            .expect("ok");
    }
    p.tick().await;
    // A burst of 3 tokens admits one two-span trace.
    assert_eq!(sink.items(SignalKind::Traces), 2);

    let composite = policy(
        "c",
        PolicyKind::Composite {
            max_total_spans_per_second: 4,
            policy_order: vec!["errs".into(), "rest".into()],
            sub_policies: vec![
                policy(
                    "errs",
                    PolicyKind::StatusCode {
                        status_codes: vec!["ERROR".into()],
                    },
                ),
                policy("rest", PolicyKind::AlwaysSample),
            ],
            rate_allocation: vec![("errs".into(), 50.0), ("rest".into(), 25.0)],
        },
    );
    let (p, sink, _) = build(cfg(vec![composite]));
    p.consume_traces(batch(
        "a",
        vec![
            span(1, 0, 1, true),
            span(2, 0, 1, true),
            span(3, 0, 1, true),
            span(4, 0, 1, false),
            span(5, 0, 1, false),
        ],
    ))
    .await
    .expect("ok");
    p.tick().await;
    // errs: 2 spans/s; rest: 1 span/s.
    let got = received(&sink);
    assert_eq!(got.len(), 3, "{got:?}");
}

#[tokio::test]
async fn shutdown_decides_pending_traces_or_drops_them_counted() {
    let (p, sink, _) = build(cfg(errors_and_slow()));
    p.consume_traces(batch("a", vec![span(1, 0, 1, true)]))
        .await
        .expect("ok");
    p.shutdown(Instant::now()).await.expect("shutdown");
    assert_eq!(received(&sink), [(1, 1)].into_iter().collect());
    assert!(p
        .consume_traces(batch("a", vec![span(2, 0, 1, true)]))
        .await
        .is_err());

    let mut c = cfg(errors_and_slow());
    c.drop_pending_traces_on_shutdown = true;
    let (p, sink, reg) = build(c);
    p.consume_traces(batch("a", vec![span(1, 0, 1, true)]))
        .await
        .expect("ok");
    p.shutdown(Instant::now()).await.expect("shutdown");
    assert!(received(&sink).is_empty());
    assert_eq!(
        reg.sum(
            "otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total",
            &[]
        ),
        1.0
    );
}

#[test]
fn bad_policies_are_refused_by_name() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let _g = rt.enter();
    let bad = |kind| {
        TailSamplingProcessor::new(
            "t",
            cfg(vec![policy("p", kind)]),
            Fanout::default(),
            &Registry::new(),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
    };
    assert!(bad(PolicyKind::StatusCode {
        status_codes: vec!["BROKEN".into()]
    })
    .contains("unknown status code \"BROKEN\""));
    assert!(bad(PolicyKind::StringAttribute {
        key: "k".into(),
        values: vec!["(".into()],
        enabled_regex_matching: true,
        invert_match: false
    })
    .contains("policy \"p\""));
    let dup = TailSamplingProcessor::new(
        "t",
        cfg(vec![
            policy("p", PolicyKind::AlwaysSample),
            policy("p", PolicyKind::AlwaysSample),
        ]),
        Fanout::default(),
        &Registry::new(),
    );
    assert!(dup
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("duplicate policy name"));
}
