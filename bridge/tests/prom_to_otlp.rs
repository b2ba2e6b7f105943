//! `otelcol.receiver.prometheus`: Prometheus samples as OTLP metrics.

use std::sync::Arc;
use std::time::Duration;

use alloy_bridge::prom_to_otlp::{PromDropReason, PromToOtlp};
use alloy_bridge::PromReceiver;
use alloy_otelcol::testing::Sink;
use alloy_otelcol::{Fanout, Registry};
use alloy_prometheus::{
    Appendable, Batch, Exemplar, Histogram, HistogramSpan, HistogramValue, Labels, Metadata,
    MetricType, SeriesRef, STALE_NAN,
};
use opentelemetry_proto::tonic::common::v1::{any_value, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point, Metric, ResourceMetrics};

fn labels(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

fn md(t: MetricType) -> Metadata {
    Metadata {
        metric_type: t,
        help: "help text".into(),
        unit: String::new(),
    }
}

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|a| a.key == key)
        .and_then(|a| match a.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.as_str()),
            _ => None,
        })
}

fn metric<'a>(rms: &'a [ResourceMetrics], name: &str) -> &'a Metric {
    rms.iter()
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("metric {name} missing"))
}

const T: &[(&str, &str)] = &[("job", "ns/api"), ("instance", "10.0.0.1:9100")];

fn with_target(extra: &[(&str, &str)]) -> Labels {
    let mut v: Vec<(&str, &str)> = T.to_vec();
    v.extend_from_slice(extra);
    labels(&v)
}

#[test]
fn counters_become_cumulative_monotonic_sums_with_start_times() {
    let mut conv = PromToOtlp::new("test");
    let series = with_target(&[("__name__", "http_requests_total"), ("code", "200")]);
    let mut b = Batch::new();
    let i = b.add(SeriesRef(1), series.clone(), 1_000, 10.0);
    b.push_metadata(i, md(MetricType::Counter));
    b.push_exemplar(
        i,
        Exemplar {
            labels: labels(&[("trace_id", "0102"), ("user", "x")]),
            value: 1.0,
            t: Some(999),
        },
    );
    let (rms, stats) = conv.convert(&b);
    assert_eq!(stats.points, 1);
    let res = rms[0].resource.as_ref().expect("resource");
    assert_eq!(attr(&res.attributes, "service.name"), Some("api"));
    assert_eq!(attr(&res.attributes, "service.namespace"), Some("ns"));
    assert_eq!(
        attr(&res.attributes, "service.instance.id"),
        Some("10.0.0.1:9100")
    );
    assert_eq!(attr(&res.attributes, "server.address"), Some("10.0.0.1"));
    assert_eq!(attr(&res.attributes, "server.port"), Some("9100"));
    let scope = rms[0].scope_metrics[0].scope.as_ref().expect("scope");
    assert_eq!(scope.name, "otelcol/prometheusreceiver");
    let m = metric(&rms, "http_requests_total");
    assert_eq!(m.description, "help text");
    let Some(metric::Data::Sum(s)) = &m.data else {
        panic!("sum expected")
    };
    assert!(s.is_monotonic);
    assert_eq!(s.aggregation_temporality, 2);
    let p = &s.data_points[0];
    assert_eq!(p.start_time_unix_nano, 1_000_000_000);
    assert_eq!(p.time_unix_nano, 1_000_000_000);
    assert_eq!(attr(&p.attributes, "code"), Some("200"));
    assert!(attr(&p.attributes, "job").is_none());
    assert_eq!(p.exemplars[0].trace_id, vec![1, 2]);
    assert_eq!(attr(&p.exemplars[0].filtered_attributes, "user"), Some("x"));

    // Later samples keep the start; a reset moves it.
    for (t, v, start) in [
        (2_000, 15.0, 1_000),
        (3_000, 2.0, 3_000),
        (4_000, 4.0, 3_000),
    ] {
        let mut b = Batch::new();
        let i = b.add(SeriesRef(1), series.clone(), t, v);
        b.push_metadata(i, md(MetricType::Counter));
        let (rms, _) = conv.convert(&b);
        let Some(metric::Data::Sum(s)) = &metric(&rms, "http_requests_total").data else {
            panic!()
        };
        assert_eq!(
            s.data_points[0].start_time_unix_nano,
            start * 1_000_000,
            "at {t}"
        );
    }
}

#[test]
fn gauges_untyped_and_staleness() {
    let mut conv = PromToOtlp::default();
    let mut b = Batch::new();
    let g = b.add(SeriesRef(1), with_target(&[("__name__", "temp")]), 5, 21.5);
    b.push_metadata(g, md(MetricType::Gauge));
    b.add(
        SeriesRef(2),
        with_target(&[("__name__", "untyped")]),
        5,
        1.0,
    );
    b.add(
        SeriesRef(3),
        with_target(&[("__name__", "gone")]),
        6,
        STALE_NAN,
    );
    let (rms, _) = conv.convert(&b);
    for name in ["temp", "untyped", "gone"] {
        assert!(
            matches!(metric(&rms, name).data, Some(metric::Data::Gauge(_))),
            "{name}"
        );
    }
    let Some(metric::Data::Gauge(g)) = &metric(&rms, "gone").data else {
        panic!()
    };
    assert_eq!(
        g.data_points[0].flags & 1,
        1,
        "stale marker -> no recorded value"
    );
    assert!(g.data_points[0].value.is_none());
    let Some(metric::Data::Gauge(g)) = &metric(&rms, "temp").data else {
        panic!()
    };
    assert_eq!(
        g.data_points[0].value,
        Some(number_data_point::Value::AsDouble(21.5))
    );
    assert_eq!(g.data_points[0].start_time_unix_nano, 0);
}

#[test]
fn classic_histograms_and_summaries() {
    let mut conv = PromToOtlp::default();
    let mut b = Batch::new();
    let mut first = None;
    for (le, v) in [("0.1", 1.0), ("1", 3.0), ("+Inf", 4.0)] {
        let i = b.add(
            SeriesRef::next(),
            with_target(&[("__name__", "lat_bucket"), ("le", le), ("path", "/")]),
            7,
            v,
        );
        first.get_or_insert(i);
    }
    b.push_metadata(first.unwrap_or(0), md(MetricType::Histogram));
    b.add(
        SeriesRef::next(),
        with_target(&[("__name__", "lat_sum"), ("path", "/")]),
        7,
        2.5,
    );
    b.add(
        SeriesRef::next(),
        with_target(&[("__name__", "lat_count"), ("path", "/")]),
        7,
        4.0,
    );
    let q = b.add(
        SeriesRef::next(),
        with_target(&[("__name__", "rpc"), ("quantile", "0.5")]),
        7,
        0.2,
    );
    b.push_metadata(q, md(MetricType::Summary));
    b.add(
        SeriesRef::next(),
        with_target(&[("__name__", "rpc"), ("quantile", "0.9")]),
        7,
        0.7,
    );
    b.add(
        SeriesRef::next(),
        with_target(&[("__name__", "rpc_sum")]),
        7,
        10.0,
    );
    b.add(
        SeriesRef::next(),
        with_target(&[("__name__", "rpc_count")]),
        7,
        30.0,
    );
    let (rms, stats) = conv.convert(&b);
    assert_eq!(stats.points, 2);
    let Some(metric::Data::Histogram(h)) = &metric(&rms, "lat").data else {
        panic!("histogram")
    };
    let p = &h.data_points[0];
    assert_eq!(p.explicit_bounds, vec![0.1, 1.0]);
    assert_eq!(p.bucket_counts, vec![1, 2, 1]);
    assert_eq!((p.count, p.sum), (4, Some(2.5)));
    assert_eq!(attr(&p.attributes, "path"), Some("/"));
    let Some(metric::Data::Summary(s)) = &metric(&rms, "rpc").data else {
        panic!("summary")
    };
    let p = &s.data_points[0];
    assert_eq!((p.count, p.sum), (30, 10.0));
    assert_eq!(p.quantile_values.len(), 2);
    assert_eq!(p.quantile_values[1].quantile, 0.9);
}

#[test]
fn native_histograms_become_exponential() {
    let mut conv = PromToOtlp::default();
    let mut b = Batch::new();
    let i = b.add_series(SeriesRef(9), with_target(&[("__name__", "rt")]));
    b.push_histogram(
        i,
        11,
        HistogramValue::Int(Histogram {
            schema: 1,
            count: 5,
            sum: 3.0,
            zero_count: 1,
            zero_threshold: 0.001,
            positive_spans: vec![
                HistogramSpan {
                    offset: 2,
                    length: 2,
                },
                HistogramSpan {
                    offset: 1,
                    length: 1,
                },
            ],
            positive_deltas: vec![1, 1, -1],
            ..Default::default()
        }),
    );
    let (rms, _) = conv.convert(&b);
    let Some(metric::Data::ExponentialHistogram(h)) = &metric(&rms, "rt").data else {
        panic!()
    };
    let p = &h.data_points[0];
    assert_eq!((p.scale, p.count, p.zero_count), (1, 5, 1));
    let pos = p.positive.as_ref().expect("buckets");
    assert_eq!(pos.offset, 1);
    assert_eq!(pos.bucket_counts, vec![1, 2, 0, 1]);
}

#[test]
fn target_info_and_missing_job_instance() {
    let mut conv = PromToOtlp::default();
    let mut b = Batch::new();
    b.add(
        SeriesRef::next(),
        with_target(&[("__name__", "target_info"), ("k8s_cluster", "prod")]),
        1,
        1.0,
    );
    b.add(
        SeriesRef::next(),
        with_target(&[("__name__", "up")]),
        1,
        1.0,
    );
    b.add(
        SeriesRef::next(),
        labels(&[("__name__", "orphan"), ("job", "x")]),
        1,
        1.0,
    );
    b.add(
        SeriesRef::next(),
        labels(&[("job", "x"), ("instance", "y")]),
        1,
        1.0,
    );
    let (rms, stats) = conv.convert(&b);
    assert_eq!(rms.len(), 1);
    let res = rms[0].resource.as_ref().expect("resource");
    assert_eq!(attr(&res.attributes, "k8s_cluster"), Some("prod"));
    assert!(rms[0].scope_metrics[0]
        .metrics
        .iter()
        .all(|m| m.name != "target_info"));
    assert_eq!(stats.dropped(PromDropReason::NoJobInstance), 1);
    assert_eq!(stats.dropped(PromDropReason::NoMetricName), 1);
}

#[tokio::test]
async fn receiver_feeds_otlp_consumers_and_counts_drops() {
    let sink = Arc::new(Sink::new());
    let reg = Registry::new();
    let recv = PromReceiver::spawn(Fanout::new(vec![sink.clone()]), &reg);
    let mut b = Batch::new();
    b.add(
        SeriesRef::next(),
        with_target(&[("__name__", "up")]),
        1,
        1.0,
    );
    b.add(SeriesRef::next(), labels(&[("__name__", "lost")]), 1, 1.0);
    recv.append(&b).expect("accepted");
    for _ in 0..100 {
        if !sink.metrics.lock().map(|m| m.is_empty()).unwrap_or(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(sink.metrics.lock().map(|m| m.len()).unwrap_or(0), 1);
    assert_eq!(
        reg.sum(
            "otelcol_receiver_prometheus_dropped_samples_total",
            &[("reason", "no_job_instance")]
        ),
        1.0
    );
}
