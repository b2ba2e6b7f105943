//! Throughput of the Loki pipeline pieces on 250-byte JSON lines:
//! `loki.process` (json + labels + timestamp) and the push encoder
//! (protobuf + snappy), per core. Figures in docs/benchmarks.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use alloy_loki::process::{Pipeline, StageConfig};
use alloy_loki::{Entry, Labels, Timestamp};

fn lines(n: usize) -> Vec<Entry> {
    let labels: Labels = [("job", "bench"), ("host", "h1")].into_iter().collect();
    (0..n)
        .map(|i| {
            let mut line = format!(
                r#"{{"ts":"2024-01-02T03:04:05.{:09}Z","level":"info","caller":"main.go:42","msg":"request served","path":"/api/v1/items/{i}","status":200,"pad":""#,
                i
            );
            while line.len() < 248 {
                line.push('x');
            }
            line.push_str("\"}");
            Entry::new(labels.clone(), Timestamp::new(0, 0), line)
        })
        .collect()
}

fn stages() -> Vec<StageConfig> {
    vec![
        StageConfig::Json {
            expressions: vec![
                ("ts".into(), String::new()),
                ("level".into(), String::new()),
                ("msg".into(), String::new()),
            ],
            regex: None,
            source: None,
            drop_malformed: false,
        },
        StageConfig::Labels {
            values: vec![("level".into(), String::new())],
        },
        StageConfig::Timestamp {
            source: "ts".into(),
            format: "RFC3339Nano".into(),
            fallback_formats: Vec::new(),
            action_on_failure: "fudge".into(),
        },
    ]
}

fn bench(c: &mut Criterion) {
    let input = lines(10_000);
    let bytes: usize = input.iter().map(|e| e.line.len()).sum();
    let mut group = c.benchmark_group("loki");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("process_json_labels_timestamp_10k_250B", |b| {
        let mut pipeline = Pipeline::new(&stages()).expect("stages build");
        b.iter(|| {
            let mut kept = 0;
            for e in &input {
                if pipeline.process(e.clone()).is_some() {
                    kept += 1;
                }
            }
            kept
        })
    });
    group.bench_function("encode_proto_snappy_10k_250B", |b| {
        b.iter(|| alloy_loki::push::encode_proto(&input).len())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
