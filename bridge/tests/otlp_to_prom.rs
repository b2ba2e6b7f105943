//! `otelcol.exporter.prometheus` behaviour beyond upstream's case table:
//! what the Prometheus model cannot hold is dropped as upstream drops it and
//! counted by reason; nothing panics.

use std::sync::Arc;
use std::time::Duration;

use alloy_bridge::otlp_to_prom::{Converter, DropReason, ExporterOptions};
use alloy_bridge::PromExporter;
use alloy_otelcol::testing::kv_str;
use alloy_otelcol::{Consumer, Metrics, Registry};
use alloy_prometheus::{is_stale_nan, Batch, Recorder};
use opentelemetry_proto::tonic::metrics::v1::{
    exponential_histogram_data_point::Buckets, metric, number_data_point, AggregationTemporality,
    ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint,
    Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum,
};
use opentelemetry_proto::tonic::resource::v1::Resource;

fn request(metrics: Vec<Metric>) -> Vec<ResourceMetrics> {
    vec![ResourceMetrics {
        resource: Some(Resource {
            attributes: vec![
                kv_str("service.name", "svc"),
                kv_str("service.instance.id", "i-1"),
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

fn point(ts: u64, v: f64) -> NumberDataPoint {
    NumberDataPoint {
        time_unix_nano: ts,
        value: Some(number_data_point::Value::AsDouble(v)),
        ..Default::default()
    }
}

fn sum(
    name: &str,
    temporality: AggregationTemporality,
    monotonic: bool,
    points: Vec<NumberDataPoint>,
) -> Metric {
    Metric {
        name: name.into(),
        data: Some(metric::Data::Sum(Sum {
            data_points: points,
            aggregation_temporality: temporality as i32,
            is_monotonic: monotonic,
        })),
        ..Default::default()
    }
}

fn gauge(name: &str, points: Vec<NumberDataPoint>) -> Metric {
    Metric {
        name: name.into(),
        data: Some(metric::Data::Gauge(Gauge {
            data_points: points,
        })),
        ..Default::default()
    }
}

fn convert(conv: &mut Converter, metrics: Vec<Metric>) -> (Batch, alloy_bridge::ConvertStats) {
    let mut batch = Batch::new();
    let stats = conv.convert(&request(metrics), 5, &mut batch);
    (batch, stats)
}

#[test]
fn delta_sums_and_histograms_are_dropped_and_counted() {
    let mut conv = Converter::new(ExporterOptions::default());
    let delta_hist = Metric {
        name: "h".into(),
        data: Some(metric::Data::Histogram(Histogram {
            data_points: vec![HistogramDataPoint::default(); 3],
            aggregation_temporality: AggregationTemporality::Delta as i32,
        })),
        ..Default::default()
    };
    let (batch, stats) = convert(
        &mut conv,
        vec![
            sum(
                "requests",
                AggregationTemporality::Delta,
                true,
                vec![point(1, 1.0), point(2, 2.0)],
            ),
            sum(
                "inflight",
                AggregationTemporality::Delta,
                false,
                vec![point(1, 1.0)],
            ),
            sum(
                "unset",
                AggregationTemporality::Unspecified,
                true,
                vec![point(1, 1.0)],
            ),
            delta_hist,
        ],
    );
    assert_eq!(stats.dropped(DropReason::DeltaSum), 4);
    assert_eq!(stats.dropped(DropReason::DeltaHistogram), 3);
    assert_eq!(stats.points, 7);
    // Only target_info was written.
    let names: Vec<_> = batch
        .iter_samples()
        .map(|(s, _)| s.labels.metric_name().to_owned())
        .collect();
    assert_eq!(names, vec!["target_info"]);
}

#[test]
fn out_of_order_points_are_skipped_and_counted() {
    let mut conv = Converter::new(ExporterOptions::default());
    let (b1, s1) = convert(&mut conv, vec![gauge("g", vec![point(2_000_000_000, 1.0)])]);
    assert_eq!(s1.total_dropped(), 0);
    assert_eq!(b1.samples().len(), 2);
    let (b2, s2) = convert(&mut conv, vec![gauge("g", vec![point(1_000_000_000, 9.0)])]);
    assert_eq!(s2.dropped(DropReason::OutOfOrder), 1);
    assert!(b2
        .iter_samples()
        .all(|(s, _)| s.labels.metric_name() == "target_info"));
}

#[test]
fn nan_inf_and_stale_values() {
    let mut conv = Converter::new(ExporterOptions {
        include_target_info: false,
        ..Default::default()
    });
    let mut stale = point(3, 5.0);
    stale.flags = 1;
    let mut a = point(1, f64::NAN);
    a.attributes = vec![kv_str("k", "nan")];
    let mut b = point(1, f64::INFINITY);
    b.attributes = vec![kv_str("k", "inf")];
    stale.attributes = vec![kv_str("k", "stale")];
    let (batch, stats) = convert(&mut conv, vec![gauge("g", vec![a, b, stale])]);
    assert_eq!(stats.total_dropped(), 0);
    let vals: Vec<(String, f64)> = batch
        .iter_samples()
        .map(|(s, x)| (s.labels.get_or_empty("k").to_owned(), x.v))
        .collect();
    assert!(vals[0].1.is_nan() && !is_stale_nan(vals[0].1));
    assert_eq!(vals[1].1, f64::INFINITY);
    assert!(
        is_stale_nan(vals[2].1),
        "no-recorded-value becomes the stale marker"
    );
}

#[test]
fn names_colliding_after_translation_are_counted() {
    let mut conv = Converter::new(ExporterOptions {
        include_target_info: false,
        include_scope_labels: false,
        ..Default::default()
    });
    let (batch, stats) = convert(
        &mut conv,
        vec![
            gauge("a.b", vec![point(1, 1.0)]),
            gauge("a_b", vec![point(1, 2.0)]),
        ],
    );
    assert_eq!(stats.name_collisions, 1);
    // Both land on one series; the later point is written too, as upstream.
    let samples: Vec<f64> = batch.iter_samples().map(|(_, s)| s.v).collect();
    assert_eq!(samples, vec![1.0, 2.0]);
    assert_eq!(
        batch.series()[0].labels.to_string(),
        "{__name__=\"a_b\", instance=\"i-1\", job=\"svc\"}"
    );
}

#[test]
fn exponential_histograms_with_bad_scale_are_counted() {
    let mut conv = Converter::new(ExporterOptions::default());
    let m = Metric {
        name: "latency".into(),
        unit: "s".into(),
        data: Some(metric::Data::ExponentialHistogram(ExponentialHistogram {
            data_points: vec![
                ExponentialHistogramDataPoint {
                    scale: -5,
                    time_unix_nano: 1,
                    ..Default::default()
                },
                ExponentialHistogramDataPoint {
                    scale: 12,
                    count: 4,
                    sum: Some(2.0),
                    time_unix_nano: 2,
                    positive: Some(Buckets {
                        offset: 0,
                        bucket_counts: vec![1, 1, 1, 1],
                    }),
                    ..Default::default()
                },
            ],
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
        })),
        ..Default::default()
    };
    let (batch, stats) = convert(&mut conv, vec![m]);
    assert_eq!(stats.dropped(DropReason::InvalidExponentialHistogram), 1);
    let bh = &batch.histograms()[0];
    assert_eq!(
        batch.series()[bh.series as usize].labels.metric_name(),
        "latency_seconds"
    );
    let alloy_prometheus::HistogramValue::Int(h) = &bh.value else {
        panic!("integer histogram expected")
    };
    // Scale 12 is reduced to 8: 16 OTLP buckets per Prometheus bucket.
    assert_eq!(h.schema, 8);
    assert_eq!(h.positive_deltas, vec![4]);
}

#[test]
fn gc_forgets_idle_series() {
    let mut conv = Converter::new(ExporterOptions::default());
    convert(&mut conv, vec![gauge("g", vec![point(1, 1.0)])]);
    assert!(conv.series_count() >= 2);
    std::thread::sleep(Duration::from_millis(20));
    conv.gc(Duration::from_millis(5));
    assert_eq!(conv.series_count(), 0);
    // A forgotten series takes any timestamp again.
    let (_, stats) = convert(&mut conv, vec![gauge("g", vec![point(0, 1.0)])]);
    assert_eq!(stats.total_dropped(), 0);
}

#[tokio::test]
async fn exporter_counts_drops_on_its_registry_and_forwards() {
    let rec = Arc::new(Recorder::new());
    let reg = Registry::new();
    let exp = PromExporter::new(ExporterOptions::default(), rec.clone(), &reg);
    let m = Metrics::new(request(vec![
        sum(
            "requests",
            AggregationTemporality::Delta,
            true,
            vec![point(1, 1.0)],
        ),
        sum(
            "served",
            AggregationTemporality::Cumulative,
            true,
            vec![point(1, 3.0)],
        ),
    ]));
    exp.consume_metrics(m).await.expect("accepted");
    assert_eq!(
        reg.sum(
            "otelcol_exporter_prometheus_dropped_data_points_total",
            &[("reason", "delta_sum")]
        ),
        1.0
    );
    let names: Vec<String> = rec
        .samples()
        .iter()
        .map(|(l, _)| l.metric_name().to_owned())
        .collect();
    assert!(names.contains(&"served_total".to_owned()), "{names:?}");
    let text = alloy_otelcol::encode_text(&[(&reg, &[])]);
    assert!(
        text.contains(
            "otelcol_exporter_prometheus_dropped_data_points_total{reason=\"delta_sum\"} 1"
        ),
        "{text}"
    );
}
