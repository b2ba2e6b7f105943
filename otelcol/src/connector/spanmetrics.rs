//! `otelcol.connector.spanmetrics`: RED metrics from spans, as upstream's
//! `spanmetricsconnector` builds them: a `calls` sum and a `duration`
//! histogram per resource and per (service, span name, span kind, status
//! code, configured dimensions), flushed every `metrics_flush_interval`
//! with cumulative or delta temporality, optionally with exemplars.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, metric, number_data_point, AggregationTemporality, Exemplar, Histogram,
    HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::Span;

use crate::consumer::{Consumer, Fanout};
use crate::error::{ConfigError, ConsumeError, ShutdownError};
use crate::pdata::{ConsumeFuture, Logs, Metrics, Signal, Traces};
use crate::processor::attributes::action::as_string;

/// Upstream's default duration buckets, in milliseconds.
pub const DEFAULT_BUCKETS_MS: &[f64] = &[
    2.0, 4.0, 6.0, 8.0, 10.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1000.0, 1400.0, 2000.0, 5000.0,
    10000.0, 15000.0,
];

/// An extra dimension: a span (then resource) attribute, or `default`.
#[derive(Debug, Clone)]
pub struct Dimension {
    pub name: String,
    pub default: Option<String>,
}

/// The histogram's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    Milliseconds,
    Seconds,
}

impl DurationUnit {
    fn of_nanos(self, ns: u64) -> f64 {
        match self {
            DurationUnit::Milliseconds => ns as f64 / 1e6,
            DurationUnit::Seconds => ns as f64 / 1e9,
        }
    }
    fn name(self) -> &'static str {
        match self {
            DurationUnit::Milliseconds => "ms",
            DurationUnit::Seconds => "s",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SpanMetricsConfig {
    pub dimensions: Vec<Dimension>,
    /// Default dimensions left out (`service.name`, `span.name`,
    /// `span.kind`, `status.code`).
    pub exclude_dimensions: Vec<String>,
    pub histogram_disabled: bool,
    pub unit: DurationUnit,
    /// Explicit bucket bounds; `None` for upstream's defaults.
    pub buckets: Option<Vec<Duration>>,
    pub namespace: String,
    pub flush_interval: Duration,
    pub delta: bool,
    /// Resource attributes that identify a resource (all when empty).
    pub resource_metrics_key_attributes: Vec<String>,
    /// Series not updated for this long are dropped (zero: never).
    pub metrics_expiration: Duration,
    pub exemplars: bool,
    pub max_exemplars_per_point: usize,
}

impl Default for SpanMetricsConfig {
    fn default() -> Self {
        Self {
            dimensions: Vec::new(),
            exclude_dimensions: Vec::new(),
            histogram_disabled: false,
            unit: DurationUnit::Milliseconds,
            buckets: None,
            namespace: "traces.span.metrics".into(),
            flush_interval: Duration::from_secs(60),
            delta: false,
            resource_metrics_key_attributes: Vec::new(),
            metrics_expiration: Duration::ZERO,
            exemplars: false,
            max_exemplars_per_point: 5,
        }
    }
}

struct Series {
    attributes: Vec<KeyValue>,
    calls: u64,
    counts: Vec<u64>,
    sum: f64,
    exemplars: Vec<Exemplar>,
    updated: Instant,
}

struct ResourceState {
    attributes: Vec<KeyValue>,
    series: HashMap<String, Series>,
}

struct State {
    resources: HashMap<String, ResourceState>,
    /// Start of the current aggregation (connector start for cumulative).
    start_ns: u64,
}

/// The `otelcol.connector.spanmetrics` component.
pub struct SpanMetrics {
    cfg: SpanMetricsConfig,
    bounds: Vec<f64>,
    state: Mutex<State>,
    metrics: Fanout,
    flusher: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

fn str_kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        ..Default::default()
    }
}

fn span_kind(kind: i32) -> &'static str {
    match kind {
        1 => "SPAN_KIND_INTERNAL",
        2 => "SPAN_KIND_SERVER",
        3 => "SPAN_KIND_CLIENT",
        4 => "SPAN_KIND_PRODUCER",
        5 => "SPAN_KIND_CONSUMER",
        _ => "SPAN_KIND_UNSPECIFIED",
    }
}

fn status_code(code: i32) -> &'static str {
    match code {
        1 => "STATUS_CODE_OK",
        2 => "STATUS_CODE_ERROR",
        _ => "STATUS_CODE_UNSET",
    }
}

fn find<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

impl SpanMetrics {
    /// Builds the connector and starts its flush timer (call within a
    /// Tokio runtime).
    pub fn new(cfg: SpanMetricsConfig, metrics: Fanout) -> Result<Arc<Self>, ConfigError> {
        if cfg.flush_interval.is_zero() {
            return Err(ConfigError::invalid(
                "metrics_flush_interval",
                "must be greater than zero",
            ));
        }
        let defaults = ["service.name", "span.name", "span.kind", "status.code"];
        for d in &cfg.dimensions {
            if defaults.contains(&d.name.as_str()) && !cfg.exclude_dimensions.contains(&d.name) {
                return Err(ConfigError::invalid(
                    "dimension",
                    format!("duplicate dimension name {}", d.name),
                ));
            }
        }
        let bounds = match &cfg.buckets {
            None => match cfg.unit {
                DurationUnit::Milliseconds => DEFAULT_BUCKETS_MS.to_vec(),
                DurationUnit::Seconds => DEFAULT_BUCKETS_MS.iter().map(|b| b / 1000.0).collect(),
            },
            Some(b) => b
                .iter()
                .map(|d| cfg.unit.of_nanos(d.as_nanos() as u64))
                .collect(),
        };
        let flush = cfg.flush_interval;
        let this = Arc::new(Self {
            cfg,
            bounds,
            state: Mutex::new(State {
                resources: HashMap::new(),
                start_ns: now_ns(),
            }),
            metrics,
            flusher: Mutex::new(None),
        });
        let weak: Weak<Self> = Arc::downgrade(&this);
        let handle = tokio::spawn(async move {
            let mut interval = tokio::time::interval(flush);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            interval.tick().await;
            loop {
                interval.tick().await;
                let Some(me) = weak.upgrade() else { return };
                me.flush().await;
            }
        });
        *this.flusher.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        Ok(this)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn has_default(&self, name: &str) -> bool {
        !self.cfg.exclude_dimensions.iter().any(|d| d == name)
    }

    /// Key and attributes of one span's series.
    fn series_key(&self, svc: &str, span: &Span, resource: &[KeyValue]) -> (String, Vec<KeyValue>) {
        let mut key = String::new();
        let mut attrs = Vec::with_capacity(4 + self.cfg.dimensions.len());
        let kind = span_kind(span.kind);
        let code = status_code(span.status.as_ref().map_or(0, |s| s.code));
        for (name, value) in [
            ("service.name", svc),
            ("span.name", span.name.as_str()),
            ("span.kind", kind),
            ("status.code", code),
        ] {
            if self.has_default(name) {
                key.push_str(value);
                key.push('\0');
                attrs.push(str_kv(name, value));
            }
        }
        for d in &self.cfg.dimensions {
            let value = find(&span.attributes, &d.name)
                .or_else(|| find(resource, &d.name))
                .cloned()
                .or_else(|| {
                    d.default.as_ref().map(|v| AnyValue {
                        value: Some(any_value::Value::StringValue(v.clone())),
                    })
                });
            if let Some(v) = value {
                key.push_str(&as_string(&v));
                key.push('\0');
                attrs.push(KeyValue {
                    key: d.name.clone(),
                    value: Some(v),
                    ..Default::default()
                });
            }
        }
        (key, attrs)
    }

    fn resource_key(&self, attrs: &[KeyValue]) -> String {
        let mut key = String::new();
        let mut push = |kv: &KeyValue| {
            key.push_str(&kv.key);
            key.push('=');
            key.push_str(&kv.value.as_ref().map(as_string).unwrap_or_default());
            key.push('\0');
        };
        if self.cfg.resource_metrics_key_attributes.is_empty() {
            let mut sorted: Vec<&KeyValue> = attrs.iter().collect();
            sorted.sort_by(|a, b| a.key.cmp(&b.key));
            sorted.into_iter().for_each(&mut push);
        } else {
            for name in &self.cfg.resource_metrics_key_attributes {
                if let Some(kv) = attrs.iter().find(|kv| kv.key == *name) {
                    push(kv);
                }
            }
        }
        key
    }

    fn aggregate(&self, data: &Traces) {
        let now = Instant::now();
        let ts = now_ns();
        let mut st = self.state();
        for rs in &data.resource_spans {
            let rattrs = rs.resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
            // Spans without a service name are skipped, as upstream does.
            let Some(svc) = find(rattrs, "service.name").map(as_string) else {
                continue;
            };
            let rkey = self.resource_key(rattrs);
            let res = st.resources.entry(rkey).or_insert_with(|| ResourceState {
                attributes: rattrs.to_vec(),
                series: HashMap::new(),
            });
            for ss in &rs.scope_spans {
                for span in &ss.spans {
                    let ns = span
                        .end_time_unix_nano
                        .saturating_sub(span.start_time_unix_nano);
                    let value = self.cfg.unit.of_nanos(ns);
                    let (key, attrs) = self.series_key(&svc, span, rattrs);
                    let series = res.series.entry(key).or_insert_with(|| Series {
                        attributes: attrs,
                        calls: 0,
                        counts: vec![0; self.bounds.len() + 1],
                        sum: 0.0,
                        exemplars: Vec::new(),
                        updated: now,
                    });
                    series.calls += 1;
                    series.updated = now;
                    let idx = self.bounds.partition_point(|b| *b < value);
                    if let Some(c) = series.counts.get_mut(idx) {
                        *c += 1;
                    }
                    series.sum += value;
                    if self.cfg.exemplars
                        && series.exemplars.len() < self.cfg.max_exemplars_per_point
                        && span.trace_id.iter().any(|b| *b != 0)
                    {
                        series.exemplars.push(Exemplar {
                            time_unix_nano: ts,
                            trace_id: span.trace_id.clone(),
                            span_id: span.span_id.clone(),
                            value: Some(exemplar::Value::AsDouble(value)),
                            ..Default::default()
                        });
                    }
                }
            }
        }
    }

    /// Builds the metrics of the current state and resets what the
    /// temporality says to reset.
    pub fn collect(&self) -> Metrics {
        let now = now_ns();
        let instant = Instant::now();
        let mut st = self.state();
        let start = st.start_ns;
        let temporality = if self.cfg.delta {
            AggregationTemporality::Delta
        } else {
            AggregationTemporality::Cumulative
        } as i32;
        let expiry = self.cfg.metrics_expiration;
        let mut out = Vec::new();
        for res in st.resources.values_mut() {
            if !expiry.is_zero() {
                res.series
                    .retain(|_, s| instant.saturating_duration_since(s.updated) <= expiry);
            }
            if res.series.is_empty() {
                continue;
            }
            let mut series: Vec<&Series> = res.series.values().collect();
            series.sort_by(|a, b| {
                a.attributes
                    .iter()
                    .map(|k| (&k.key, k.value.as_ref().map(as_string)))
                    .cmp(
                        b.attributes
                            .iter()
                            .map(|k| (&k.key, k.value.as_ref().map(as_string))),
                    )
            });
            let calls = Metric {
                name: name(&self.cfg.namespace, "calls"),
                data: Some(metric::Data::Sum(Sum {
                    data_points: series
                        .iter()
                        .map(|s| NumberDataPoint {
                            attributes: s.attributes.clone(),
                            start_time_unix_nano: start,
                            time_unix_nano: now,
                            value: Some(number_data_point::Value::AsInt(s.calls as i64)),
                            ..Default::default()
                        })
                        .collect(),
                    aggregation_temporality: temporality,
                    is_monotonic: true,
                })),
                ..Default::default()
            };
            let mut metrics = vec![calls];
            if !self.cfg.histogram_disabled {
                metrics.push(Metric {
                    name: name(&self.cfg.namespace, "duration"),
                    unit: self.cfg.unit.name().into(),
                    data: Some(metric::Data::Histogram(Histogram {
                        data_points: series
                            .iter()
                            .map(|s| HistogramDataPoint {
                                attributes: s.attributes.clone(),
                                start_time_unix_nano: start,
                                time_unix_nano: now,
                                count: s.calls,
                                sum: Some(s.sum),
                                bucket_counts: s.counts.clone(),
                                explicit_bounds: self.bounds.clone(),
                                exemplars: s.exemplars.clone(),
                                ..Default::default()
                            })
                            .collect(),
                        aggregation_temporality: temporality,
                    })),
                    ..Default::default()
                });
            }
            out.push(ResourceMetrics {
                resource: Some(Resource {
                    attributes: res.attributes.clone(),
                    ..Default::default()
                }),
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(InstrumentationScope {
                        name: "spanmetricsconnector".into(),
                        ..Default::default()
                    }),
                    metrics,
                    ..Default::default()
                }],
                ..Default::default()
            });
        }
        if self.cfg.delta {
            st.resources.clear();
            st.start_ns = now;
        } else {
            for res in st.resources.values_mut() {
                res.series.values_mut().for_each(|s| s.exemplars.clear());
            }
        }
        Metrics::new(out)
    }

    /// Sends the current metrics on. A refusal is logged: the next flush
    /// carries cumulative values again (with delta temporality those
    /// counts are lost, as upstream loses them).
    pub async fn flush(&self) {
        let m = self.collect();
        if m.item_count() == 0 {
            return;
        }
        if let Err(e) = self.metrics.consume(m).await {
            tracing::warn!(error = %e, "spanmetrics: failed to send metrics");
        }
    }

    pub async fn shutdown(&self, _deadline: Instant) -> Result<(), ShutdownError> {
        if let Some(h) = self
            .flusher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            h.abort();
        }
        Ok(())
    }
}

fn name(namespace: &str, base: &str) -> String {
    if namespace.is_empty() {
        base.to_owned()
    } else {
        format!("{namespace}.{base}")
    }
}

impl Consumer for SpanMetrics {
    fn consume_traces(&self, mut data: Traces) -> ConsumeFuture<'_> {
        Box::pin(async move {
            data.decode_in_place()?;
            self.aggregate(&data);
            Ok(())
        })
    }
    fn consume_metrics(&self, _data: Metrics) -> ConsumeFuture<'_> {
        Box::pin(std::future::ready(Err(ConsumeError::permanent(
            "otelcol.connector.spanmetrics does not accept metrics",
        ))))
    }
    fn consume_logs(&self, _data: Logs) -> ConsumeFuture<'_> {
        Box::pin(std::future::ready(Err(ConsumeError::permanent(
            "otelcol.connector.spanmetrics does not accept logs",
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{kv_str, Sink};
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Status};

    fn traces() -> Traces {
        let span = |name: &str, ms: u64, err: bool, method: Option<&str>| Span {
            trace_id: vec![7; 16],
            span_id: vec![1; 8],
            name: name.into(),
            kind: 2,
            start_time_unix_nano: 1_000,
            end_time_unix_nano: 1_000 + ms * 1_000_000,
            status: err.then(|| Status {
                code: 2,
                ..Default::default()
            }),
            attributes: method
                .map(|m| vec![kv_str("http.method", m)])
                .unwrap_or_default(),
            ..Default::default()
        };
        Traces::new(vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv_str("service.name", "shop"), kv_str("region", "eu")],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans: vec![
                    span("GET /", 3, false, Some("GET")),
                    span("GET /", 70, false, Some("GET")),
                    span("GET /", 5, true, None),
                ],
                ..Default::default()
            }],
            ..Default::default()
        }])
    }

    fn build(cfg: SpanMetricsConfig) -> (Arc<SpanMetrics>, Arc<Sink>) {
        let sink = Arc::new(Sink::new());
        (
            SpanMetrics::new(cfg, Fanout::new(vec![sink.clone()])).expect("valid"),
            sink,
        )
    }

    #[tokio::test]
    async fn calls_and_duration_per_series_with_dimensions() {
        let (c, _) = build(SpanMetricsConfig {
            dimensions: vec![Dimension {
                name: "http.method".into(),
                default: Some("NONE".into()),
            }],
            exemplars: true,
            ..Default::default()
        });
        c.consume_traces(traces()).await.expect("ok");
        let m = c.collect();
        assert_eq!(m.resource_metrics.len(), 1);
        let sm = &m.resource_metrics[0].scope_metrics[0];
        assert_eq!(
            sm.scope.as_ref().map(|s| s.name.as_str()),
            Some("spanmetricsconnector")
        );
        let names: Vec<&str> = sm.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            ["traces.span.metrics.calls", "traces.span.metrics.duration"]
        );
        let Some(metric::Data::Sum(sum)) = &sm.metrics[0].data else {
            panic!("calls is a sum")
        };
        assert_eq!(sum.data_points.len(), 2);
        let ok = sum
            .data_points
            .iter()
            .find(|p| {
                p.attributes
                    .contains(&str_kv("status.code", "STATUS_CODE_UNSET"))
            })
            .expect("ok series");
        assert_eq!(ok.value, Some(number_data_point::Value::AsInt(2)));
        assert!(ok.attributes.contains(&str_kv("http.method", "GET")));
        assert!(ok
            .attributes
            .contains(&str_kv("span.kind", "SPAN_KIND_SERVER")));
        let err = sum
            .data_points
            .iter()
            .find(|p| {
                p.attributes
                    .contains(&str_kv("status.code", "STATUS_CODE_ERROR"))
            })
            .expect("error series");
        assert!(err.attributes.contains(&str_kv("http.method", "NONE")));
        let Some(metric::Data::Histogram(h)) = &sm.metrics[1].data else {
            panic!("duration is a histogram")
        };
        let p = h
            .data_points
            .iter()
            .find(|p| p.count == 2)
            .expect("ok histogram");
        // 3 ms in (2, 4], 70 ms in (50, 100].
        assert_eq!(p.bucket_counts[1], 1);
        assert_eq!(p.bucket_counts[6], 1);
        assert_eq!(p.sum, Some(73.0));
        assert_eq!(p.exemplars.len(), 2);
        assert_eq!(
            h.aggregation_temporality,
            AggregationTemporality::Cumulative as i32
        );
        // Cumulative: the next collection still holds the counts.
        let again = c.collect();
        assert_eq!(again.item_count(), m.item_count());
    }

    #[tokio::test]
    async fn delta_resets_and_flush_sends_to_the_metrics_output() {
        let (c, sink) = build(SpanMetricsConfig {
            delta: true,
            exclude_dimensions: vec!["status.code".into()],
            ..Default::default()
        });
        c.consume_traces(traces()).await.expect("ok");
        c.flush().await;
        let got = sink.metrics.lock().expect("lock")[0].clone();
        let sm = &got.resource_metrics[0].scope_metrics[0];
        let Some(metric::Data::Sum(sum)) = &sm.metrics[0].data else {
            panic!("sum")
        };
        assert_eq!(sum.data_points.len(), 1, "status.code excluded: one series");
        assert_eq!(
            sum.data_points[0].value,
            Some(number_data_point::Value::AsInt(3))
        );
        assert_eq!(c.collect().item_count(), 0, "delta state was reset");
    }
}
