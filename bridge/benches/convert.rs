//! Conversion throughput of both bridges, in data points per second on one
//! core (figures in docs/benchmarks.md).
//!
//! Criterion measures wall time, which on a shared machine counts time the
//! thread spent waiting for a core; `cpu_rate` also reports points per
//! second of the thread's own CPU time (`CLOCK_THREAD_CPUTIME_ID`), the
//! per-core figure the targets are stated in.
#![allow(unsafe_code)]

use alloy_bridge::otlp_to_prom::{Converter, ExporterOptions};
use alloy_bridge::prom_to_otlp::PromToOtlp;
use alloy_prometheus::{Batch, Labels, Metadata, MetricType, SeriesRef};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{
    metric, number_data_point, AggregationTemporality, Gauge, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum,
};
use opentelemetry_proto::tonic::resource::v1::Resource;

fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

/// 10 metrics x 1,000 points (5 attributes each) for one service.
fn otlp_request(ts: u64) -> Vec<ResourceMetrics> {
    let mut metrics = Vec::new();
    for m in 0..10 {
        let points: Vec<NumberDataPoint> = (0..1000)
            .map(|p| NumberDataPoint {
                attributes: vec![
                    kv("http.method", "GET"),
                    kv("http.route", &format!("/api/v1/items/{}", p % 50)),
                    kv("http.status_code", &format!("{}", 200 + p % 5)),
                    kv("host.name", "web-1"),
                    kv("point", &p.to_string()),
                ],
                start_time_unix_nano: 1,
                time_unix_nano: ts,
                value: Some(number_data_point::Value::AsDouble(p as f64)),
                ..Default::default()
            })
            .collect();
        let data = if m % 2 == 0 {
            metric::Data::Sum(Sum {
                data_points: points,
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
                is_monotonic: true,
            })
        } else {
            metric::Data::Gauge(Gauge {
                data_points: points,
            })
        };
        metrics.push(Metric {
            name: format!("http.server.metric{m}"),
            unit: "s".into(),
            data: Some(data),
            ..Default::default()
        });
    }
    vec![ResourceMetrics {
        resource: Some(Resource {
            attributes: vec![
                kv("service.name", "web"),
                kv("service.instance.id", "web-1:8080"),
            ],
            ..Default::default()
        }),
        scope_metrics: vec![ScopeMetrics {
            metrics,
            ..Default::default()
        }],
        schema_url: String::new(),
    }]
}

/// This thread's CPU time.
fn thread_cpu() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Runs `f` (which converts `points` points) until 2 s of CPU time passed
/// and prints points per CPU second.
fn cpu_rate(what: &str, points: u64, mut f: impl FnMut()) {
    let start = thread_cpu();
    let mut n = 0u64;
    while thread_cpu() - start < std::time::Duration::from_secs(2) {
        f();
        n += points;
    }
    let secs = (thread_cpu() - start).as_secs_f64();
    eprintln!("{what}: {:.0} points per CPU second", n as f64 / secs);
}

fn bench_otlp_to_prom(c: &mut Criterion) {
    let mut g = c.benchmark_group("otlp_to_prom");
    g.throughput(Throughput::Elements(10_000));
    let mut conv = Converter::new(ExporterOptions::default());
    let mut batch = Batch::new();
    let mut ts = 1_000_000_000u64;
    let req = otlp_request(ts);
    conv.convert(&req, 0, &mut batch);
    g.bench_function("10k_points_known_series", |b| {
        b.iter(|| {
            ts += 1;
            batch.clear();
            conv.convert(&req, 0, &mut batch)
        })
    });
    g.finish();
    cpu_rate("otlp_to_prom", 10_000, || {
        batch.clear();
        conv.convert(&req, 0, &mut batch);
    });
}

fn prom_batch(t: i64) -> Batch {
    let mut b = Batch::new();
    for m in 0..10 {
        for p in 0..1000 {
            let name = format!("http_requests_{m}_total");
            let route = format!("/api/v1/items/{}", p % 50);
            let pt = p.to_string();
            let labels = Labels::from_pairs([
                ("__name__", name.as_str()),
                ("job", "web"),
                ("instance", "web-1:8080"),
                ("method", "GET"),
                ("route", route.as_str()),
                ("point", pt.as_str()),
            ]);
            let i = b.add(SeriesRef::next(), labels, t, p as f64);
            if p == 0 {
                b.push_metadata(
                    i,
                    Metadata {
                        metric_type: MetricType::Counter,
                        help: "requests".into(),
                        unit: String::new(),
                    },
                );
            }
        }
    }
    b
}

fn bench_prom_to_otlp(c: &mut Criterion) {
    let mut g = c.benchmark_group("prom_to_otlp");
    g.throughput(Throughput::Elements(10_000));
    let mut conv = PromToOtlp::default();
    let batch = prom_batch(1000);
    conv.convert(&batch);
    g.bench_function("10k_counter_samples", |b| b.iter(|| conv.convert(&batch)));
    g.finish();
    cpu_rate("prom_to_otlp", 10_000, || {
        conv.convert(&batch);
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_secs(1)).measurement_time(std::time::Duration::from_secs(3));
    targets = bench_otlp_to_prom, bench_prom_to_otlp
}
criterion_main!(benches);
