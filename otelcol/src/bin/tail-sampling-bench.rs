//! Tail sampling benchmark: spans per CPU-second through
//! `otelcol.processor.tail_sampling` (ingest and decisions) and memory per
//! buffered span. Single-threaded (current-thread runtime), so process CPU
//! time is the processor's plus the generator's; the generator's share is
//! measured in a separate pass over the same batches and subtracted.
//!
//! ```sh
//! cargo build --release -p alloy-otelcol --bin tail-sampling-bench
//! target/release/tail-sampling-bench --spans 2000000 --buffered 200000
//! ```

use std::sync::Arc;
use std::time::Duration;

use alloy_otelcol::processor::tail_sampling::{
    PolicyConfig, PolicyKind, TailSamplingConfig, TailSamplingProcessor,
};
use alloy_otelcol::proto::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use alloy_otelcol::proto::resource::v1::Resource;
use alloy_otelcol::proto::trace::v1::{status, ResourceSpans, ScopeSpans, Span, Status};
use alloy_otelcol::testing::Sink;
use alloy_otelcol::{Consumer, Fanout, Registry, SignalKind, Traces};
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// Spans pushed through in the throughput pass.
    #[arg(long, default_value_t = 2_000_000)]
    spans: u64,
    /// Spans held (undecided) for the memory measurement.
    #[arg(long, default_value_t = 200_000)]
    buffered: u64,
    /// Spans per trace.
    #[arg(long, default_value_t = 10)]
    per_trace: u64,
    /// Spans per incoming batch.
    #[arg(long, default_value_t = 100)]
    batch: u64,
}

fn kv(k: &str, v: any_value::Value) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue { value: Some(v) }),
        ..Default::default()
    }
}

/// Batch `b` of the stream: spans of consecutive traces, 5 attributes
/// each (as the OTLP pipeline benchmark), every 10th trace with an error
/// and every 7th slow.
fn batch(b: u64, args: &Args) -> Traces {
    let spans = (0..args.batch)
        .map(|i| {
            let n = b * args.batch + i;
            let trace = n / args.per_trace;
            let id = trace.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let start = 1_700_000_000_000_000_000 + n;
            let slow = trace.is_multiple_of(7);
            Span {
                trace_id: [id.to_be_bytes(), id.rotate_left(29).to_be_bytes()].concat(),
                span_id: n.to_be_bytes().to_vec(),
                parent_span_id: if n.is_multiple_of(args.per_trace) {
                    Vec::new()
                } else {
                    vec![1; 8]
                },
                name: format!("op-{}", n % 8),
                kind: 2,
                start_time_unix_nano: start,
                end_time_unix_nano: start + if slow { 900_000_000 } else { 2_000_000 },
                status: (trace.is_multiple_of(10) && n % args.per_trace == 1).then(|| Status {
                    code: status::StatusCode::Error as i32,
                    ..Default::default()
                }),
                attributes: vec![
                    kv("http.method", any_value::Value::StringValue("GET".into())),
                    kv(
                        "http.route",
                        any_value::Value::StringValue("/api/v1/items".into()),
                    ),
                    kv("http.status_code", any_value::Value::IntValue(200)),
                    kv(
                        "net.peer.name",
                        any_value::Value::StringValue("backend-7".into()),
                    ),
                    kv("retry", any_value::Value::BoolValue(false)),
                ],
                ..Default::default()
            }
        })
        .collect();
    Traces::new(vec![ResourceSpans {
        resource: Some(Resource {
            attributes: vec![kv(
                "service.name",
                any_value::Value::StringValue("bench".into()),
            )],
            ..Default::default()
        }),
        scope_spans: vec![ScopeSpans {
            scope: Some(InstrumentationScope {
                name: "bench".into(),
                ..Default::default()
            }),
            spans,
            ..Default::default()
        }],
        ..Default::default()
    }])
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 (1-based), 11 and 12 after ')'.
    (ticks(11) + ticks(12)) / 100.0
}

fn rss_bytes() -> u64 {
    alloy_otelcol::processor::memory_limiter::rss_bytes().unwrap_or(0)
}

fn policies() -> Vec<PolicyConfig> {
    vec![
        PolicyConfig {
            name: "errors".into(),
            kind: PolicyKind::StatusCode {
                status_codes: vec!["ERROR".into()],
            },
        },
        PolicyConfig {
            name: "slow".into(),
            kind: PolicyKind::Latency {
                threshold_ms: 500,
                upper_threshold_ms: 0,
            },
        },
        PolicyConfig {
            name: "ten-percent".into(),
            kind: PolicyKind::Probabilistic {
                hash_salt: String::new(),
                sampling_percentage: 10.0,
            },
        },
    ]
}

fn processor(sink: &Arc<Sink>, num_traces: u64) -> Arc<TailSamplingProcessor> {
    let cfg = TailSamplingConfig {
        decision_wait: Duration::from_secs(1),
        num_traces,
        // Decisions are driven by the benchmark.
        tick: Duration::from_secs(3600),
        policies: policies(),
        ..Default::default()
    };
    TailSamplingProcessor::new(
        "otelcol.processor.tail_sampling.bench",
        cfg,
        Fanout::new(vec![sink.clone()]),
        &Registry::new(),
    )
    .expect("valid config")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let batches = args.spans / args.batch;
    // Decide every 100k spans, like a 1 s tick at 100k spans/s.
    let tick_every = (100_000 / args.batch).max(1);

    // Pass 1: generating the batches alone.
    let c0 = cpu_seconds();
    for b in 0..batches {
        drop(std::hint::black_box(batch(b, &args)));
    }
    let gen_cpu = cpu_seconds() - c0;

    // Pass 2: generating and tail sampling.
    let sink = Arc::new(Sink::counting());
    let p = processor(&sink, 1_000_000);
    let c1 = cpu_seconds();
    for b in 0..batches {
        p.consume_traces(batch(b, &args)).await.expect("accepted");
        if (b + 1) % tick_every == 0 {
            p.tick().await;
        }
    }
    p.tick().await;
    let total_cpu = cpu_seconds() - c1;
    let kept = sink.items(SignalKind::Traces);
    let ts_cpu = (total_cpu - gen_cpu).max(0.01);
    println!(
        "throughput: {} spans, generator {:.2} CPU-s, generator+tail sampling {:.2} CPU-s => {:.0} spans per CPU-second of tail sampling; kept {} spans ({:.1} %)",
        args.spans,
        gen_cpu,
        total_cpu,
        args.spans as f64 / ts_cpu,
        kept,
        100.0 * kept as f64 / args.spans as f64
    );
    drop(p);

    // Memory: hold `buffered` spans undecided.
    let sink = Arc::new(Sink::counting());
    let p = processor(&sink, 10_000_000);
    let before = rss_bytes();
    for b in 0..args.buffered / args.batch {
        p.consume_traces(batch(b, &args)).await.expect("accepted");
    }
    let after = rss_bytes();
    let held = p.buffered_spans();
    println!(
        "memory: {} spans in {} traces buffered, RSS {:.1} MiB -> {:.1} MiB => {:.0} bytes per buffered span",
        held,
        p.traces_held(),
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        (after.saturating_sub(before)) as f64 / held.max(1) as f64
    );
}
