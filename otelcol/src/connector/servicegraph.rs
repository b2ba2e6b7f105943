//! `otelcol.connector.servicegraph`: request edges between services from
//! client/server (and producer/consumer) span pairs, as upstream's
//! `servicegraphconnector` builds them. A client span is keyed by its own
//! span id and the server span by its parent's; when both halves are in
//! the store the edge completes and counts. Halves that wait longer than
//! `store.ttl` expire: a server span without a parent gets the virtual
//! client `user`, a client span without a server gets the first
//! `virtual_node_peer_attributes` value (or `unknown`). A client span with
//! a database name attribute is a complete `database` edge on its own.
//!
//! One deliberate difference: upstream's OTLP output swaps the client and
//! server latency buckets between the two histograms; here each histogram
//! holds its own side.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{
    metric, number_data_point, AggregationTemporality, Histogram, HistogramDataPoint, Metric,
    NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum,
};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::Span;

use crate::consumer::{Consumer, Fanout};
use crate::error::{ConfigError, ConsumeError, ShutdownError};
use crate::pdata::{ConsumeFuture, Logs, Metrics, Signal, Traces};
use crate::processor::attributes::action::as_string;
use crate::telemetry::{Counter, Registry};

/// Upstream's default latency buckets.
pub fn default_buckets() -> Vec<Duration> {
    [
        2u64, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000,
    ]
    .into_iter()
    .map(Duration::from_millis)
    .collect()
}

#[derive(Debug, Clone)]
pub struct ServiceGraphConfig {
    pub latency_histogram_buckets: Vec<Duration>,
    pub dimensions: Vec<String>,
    pub store_max_items: usize,
    pub store_ttl: Duration,
    pub store_expiration_loop: Duration,
    pub cache_loop: Duration,
    pub virtual_node_peer_attributes: Vec<String>,
    pub virtual_node_extra_label: bool,
    /// Zero: metrics are sent after every batch of spans.
    pub metrics_flush_interval: Duration,
    pub database_name_attributes: Vec<String>,
}

impl Default for ServiceGraphConfig {
    fn default() -> Self {
        Self {
            latency_histogram_buckets: default_buckets(),
            dimensions: Vec::new(),
            store_max_items: 1000,
            store_ttl: Duration::from_secs(2),
            store_expiration_loop: Duration::from_secs(2),
            cache_loop: Duration::from_secs(60),
            virtual_node_peer_attributes: vec![
                "peer.service".into(),
                "db.name".into(),
                "db.system".into(),
            ],
            virtual_node_extra_label: false,
            metrics_flush_interval: Duration::from_secs(60),
            database_name_attributes: vec!["db.name".into()],
        }
    }
}

#[derive(Debug, Default, Clone)]
struct Edge {
    client: String,
    server: String,
    connection_type: &'static str,
    client_latency: f64,
    server_latency: f64,
    failed: bool,
    dimensions: Vec<(String, String)>,
    peer: Option<String>,
    virtual_node: Option<&'static str>,
    parentless: bool,
    expires: Option<Instant>,
}

struct Series {
    attributes: Vec<KeyValue>,
    total: u64,
    failed: u64,
    server: (Vec<u64>, f64, u64),
    client: (Vec<u64>, f64, u64),
    updated: Instant,
}

struct State {
    edges: HashMap<(Vec<u8>, Vec<u8>), Edge>,
    series: HashMap<String, Series>,
}

/// The `otelcol.connector.servicegraph` component.
pub struct ServiceGraph {
    cfg: ServiceGraphConfig,
    bounds: Vec<f64>,
    state: Mutex<State>,
    metrics: Fanout,
    start_ns: u64,
    dropped_spans: Counter,
    expired_edges: Counter,
    total_edges: Counter,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

fn find(key: &str, lists: &[&[KeyValue]]) -> Option<String> {
    lists.iter().find_map(|attrs| {
        attrs
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref())
            .map(as_string)
    })
}

fn seconds(span: &Span) -> f64 {
    span.end_time_unix_nano
        .saturating_sub(span.start_time_unix_nano) as f64
        / 1e9
}

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

impl ServiceGraph {
    /// Builds the connector and starts its store expiry and flush timers
    /// (call within a Tokio runtime).
    pub fn new(
        component_id: &str,
        cfg: ServiceGraphConfig,
        metrics: Fanout,
        registry: &Registry,
    ) -> Result<Arc<Self>, ConfigError> {
        for (name, d) in [
            ("store.ttl", cfg.store_ttl),
            ("store_expiration_loop", cfg.store_expiration_loop),
            ("cache_loop", cfg.cache_loop),
        ] {
            if d.is_zero() {
                return Err(ConfigError::invalid(name, "must be greater than zero"));
            }
        }
        let labels = [
            ("connector", component_id),
            (
                "otel_scope_name",
                "github.com/open-telemetry/opentelemetry-collector-contrib/connector/servicegraphconnector",
            ),
            ("otel_scope_schema_url", ""),
            ("otel_scope_version", ""),
        ];
        let this = Arc::new(Self {
            bounds: cfg
                .latency_histogram_buckets
                .iter()
                .map(Duration::as_secs_f64)
                .collect(),
            state: Mutex::new(State {
                edges: HashMap::new(),
                series: HashMap::new(),
            }),
            metrics,
            start_ns: now_ns(),
            dropped_spans: registry.int_counter(
                "otelcol_connector_servicegraph_dropped_spans_total",
                "Number of spans dropped when trying to add edges",
                &labels,
            ),
            expired_edges: registry.int_counter(
                "otelcol_connector_servicegraph_expired_edges_total",
                "Number of edges that expired before finding its matching span",
                &labels,
            ),
            total_edges: registry.int_counter(
                "otelcol_connector_servicegraph_total_edges_total",
                "Total number of unique edges",
                &labels,
            ),
            cfg,
            tasks: Mutex::new(Vec::new()),
        });
        let mut tasks = Vec::new();
        let weak: Weak<Self> = Arc::downgrade(&this);
        let expire_every = this.cfg.store_expiration_loop;
        tasks.push(tokio::spawn(async move {
            let mut t = tokio::time::interval(expire_every);
            t.tick().await;
            loop {
                t.tick().await;
                let Some(me) = weak.upgrade() else { return };
                me.expire(Instant::now());
                if me.cfg.metrics_flush_interval.is_zero() {
                    me.flush().await;
                }
            }
        }));
        let weak: Weak<Self> = Arc::downgrade(&this);
        let cache_every = this.cfg.cache_loop;
        tasks.push(tokio::spawn(async move {
            let mut t = tokio::time::interval(cache_every);
            t.tick().await;
            loop {
                t.tick().await;
                let Some(me) = weak.upgrade() else { return };
                let now = Instant::now();
                me.state().series.retain(|_, s| {
                    now.saturating_duration_since(s.updated) < Duration::from_secs(15 * 60)
                });
            }
        }));
        if !this.cfg.metrics_flush_interval.is_zero() {
            let weak: Weak<Self> = Arc::downgrade(&this);
            let flush_every = this.cfg.metrics_flush_interval;
            tasks.push(tokio::spawn(async move {
                let mut t = tokio::time::interval(flush_every);
                t.tick().await;
                loop {
                    t.tick().await;
                    let Some(me) = weak.upgrade() else { return };
                    me.flush().await;
                }
            }));
        }
        *this.tasks.lock().unwrap_or_else(|p| p.into_inner()) = tasks;
        Ok(this)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn dims(&self, side: &str, lists: &[&[KeyValue]], out: &mut Vec<(String, String)>) {
        for d in &self.cfg.dimensions {
            if let Some(v) = find(d, lists) {
                let key = format!("{side}_{d}");
                match out.iter_mut().find(|(k, _)| *k == key) {
                    Some(e) => e.1 = v,
                    None => out.push((key, v)),
                }
            }
        }
    }

    fn aggregate(&self, data: &Traces) {
        let now = Instant::now();
        let mut st = self.state();
        for rs in &data.resource_spans {
            let rattrs = rs.resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
            let Some(svc) = find("service.name", &[rattrs]) else {
                continue;
            };
            for ss in &rs.scope_spans {
                for span in &ss.spans {
                    let kind = span.kind;
                    let client_side =
                        kind == SpanKind::Client as i32 || kind == SpanKind::Producer as i32;
                    let server_side =
                        kind == SpanKind::Server as i32 || kind == SpanKind::Consumer as i32;
                    if !client_side && !server_side {
                        continue;
                    }
                    let messaging =
                        kind == SpanKind::Producer as i32 || kind == SpanKind::Consumer as i32;
                    let key = if client_side {
                        (span.trace_id.clone(), span.span_id.clone())
                    } else {
                        (span.trace_id.clone(), span.parent_span_id.clone())
                    };
                    let is_new = !st.edges.contains_key(&key);
                    if is_new && st.edges.len() >= self.cfg.store_max_items {
                        self.dropped_spans.inc();
                        continue;
                    }
                    let lists: [&[KeyValue]; 2] = [rattrs, &span.attributes];
                    let failed = span.status.as_ref().is_some_and(|s| s.code == 2);
                    let edge = st.edges.entry(key.clone()).or_default();
                    if edge.expires.is_none() {
                        edge.expires = Some(now + self.cfg.store_ttl);
                    }
                    if messaging {
                        edge.connection_type = "messaging_system";
                    }
                    edge.failed |= failed;
                    if client_side {
                        edge.client = svc.clone();
                        edge.client_latency = seconds(span);
                        self.dims("client", &lists, &mut edge.dimensions);
                        if let Some(p) = self
                            .cfg
                            .virtual_node_peer_attributes
                            .iter()
                            .find_map(|a| find(a, &[&span.attributes]))
                        {
                            edge.peer = Some(p);
                        }
                        if let Some(db) = self
                            .cfg
                            .database_name_attributes
                            .iter()
                            .find_map(|a| find(a, &lists))
                        {
                            edge.connection_type = "database";
                            edge.server = db;
                            edge.server_latency = edge.client_latency;
                        }
                    } else {
                        edge.server = svc.clone();
                        edge.server_latency = seconds(span);
                        edge.parentless = span.parent_span_id.is_empty();
                        self.dims("server", &lists, &mut edge.dimensions);
                    }
                    if is_new {
                        self.total_edges.inc();
                    }
                    if !edge.client.is_empty() && !edge.server.is_empty() {
                        if let Some(done) = st.edges.remove(&key) {
                            self.count(&mut st, &done, now);
                        }
                    }
                }
            }
        }
    }

    /// Expires halves older than the store TTL, completing virtual edges.
    pub fn expire(&self, now: Instant) {
        let mut st = self.state();
        let expired: Vec<_> = st
            .edges
            .iter()
            .filter(|(_, e)| e.expires.is_some_and(|t| t <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for key in expired {
            let Some(mut e) = st.edges.remove(&key) else {
                continue;
            };
            self.expired_edges.inc();
            e.connection_type = "virtual_node";
            if e.client.is_empty() && e.parentless {
                e.client = "user".into();
                e.virtual_node = Some("client");
                self.count(&mut st, &e, now);
            } else if e.server.is_empty() && !e.client.is_empty() {
                e.server = e.peer.clone().unwrap_or_else(|| "unknown".into());
                e.virtual_node = Some("server");
                self.count(&mut st, &e, now);
            }
        }
    }

    fn count(&self, st: &mut State, e: &Edge, now: Instant) {
        let mut key = format!("{}\u{0}{}\u{0}{}", e.client, e.server, e.connection_type);
        for (k, v) in &e.dimensions {
            key.push('\0');
            key.push_str(k);
            key.push('=');
            key.push_str(v);
        }
        key.push_str(if e.failed { "\u{0}failed" } else { "" });
        let n = self.bounds.len() + 1;
        let series = st.series.entry(key).or_insert_with(|| {
            let mut attributes = vec![
                kv("client", any_value::Value::StringValue(e.client.clone())),
                kv("server", any_value::Value::StringValue(e.server.clone())),
                kv(
                    "connection_type",
                    any_value::Value::StringValue(e.connection_type.to_owned()),
                ),
                kv("failed", any_value::Value::BoolValue(e.failed)),
            ];
            for (k, v) in &e.dimensions {
                attributes.push(kv(k, any_value::Value::StringValue(v.clone())));
            }
            if self.cfg.virtual_node_extra_label {
                if let Some(side) = e.virtual_node {
                    attributes.push(kv(
                        "virtual_node",
                        any_value::Value::StringValue(side.into()),
                    ));
                }
            }
            Series {
                attributes,
                total: 0,
                failed: 0,
                server: (vec![0; n], 0.0, 0),
                client: (vec![0; n], 0.0, 0),
                updated: now,
            }
        });
        series.total += 1;
        series.updated = now;
        if e.failed {
            series.failed += 1;
        }
        for (h, v) in [
            (&mut series.server, e.server_latency),
            (&mut series.client, e.client_latency),
        ] {
            let idx = self.bounds.partition_point(|b| *b < v);
            if let Some(c) = h.0.get_mut(idx) {
                *c += 1;
            }
            h.1 += v;
            h.2 += 1;
        }
    }

    /// The cumulative metrics so far.
    pub fn collect(&self) -> Metrics {
        let now = now_ns();
        let st = self.state();
        if st.series.is_empty() {
            return Metrics::default();
        }
        let mut series: Vec<&Series> = st.series.values().collect();
        series.sort_by_key(|s| {
            s.attributes
                .iter()
                .map(|kv| kv.value.as_ref().map(as_string).unwrap_or_default())
                .collect::<Vec<_>>()
        });
        let cumulative = AggregationTemporality::Cumulative as i32;
        let sum = |name: &str, value: fn(&Series) -> u64| Metric {
            name: name.into(),
            data: Some(metric::Data::Sum(Sum {
                data_points: series
                    .iter()
                    .filter(|s| value(s) > 0)
                    .map(|s| NumberDataPoint {
                        attributes: s.attributes.clone(),
                        start_time_unix_nano: self.start_ns,
                        time_unix_nano: now,
                        value: Some(number_data_point::Value::AsInt(value(s) as i64)),
                        ..Default::default()
                    })
                    .collect(),
                aggregation_temporality: cumulative,
                is_monotonic: true,
            })),
            ..Default::default()
        };
        let hist = |name: &str, side: fn(&Series) -> &(Vec<u64>, f64, u64)| Metric {
            name: name.into(),
            unit: "s".into(),
            data: Some(metric::Data::Histogram(Histogram {
                data_points: series
                    .iter()
                    .map(|s| {
                        let (counts, total, count) = side(s);
                        HistogramDataPoint {
                            attributes: s.attributes.clone(),
                            start_time_unix_nano: self.start_ns,
                            time_unix_nano: now,
                            count: *count,
                            sum: Some(*total),
                            bucket_counts: counts.clone(),
                            explicit_bounds: self.bounds.clone(),
                            ..Default::default()
                        }
                    })
                    .collect(),
                aggregation_temporality: cumulative,
            })),
            ..Default::default()
        };
        let mut metrics = vec![sum("traces_service_graph_request_total", |s| s.total)];
        let failed = sum("traces_service_graph_request_failed_total", |s| s.failed);
        if matches!(&failed.data, Some(metric::Data::Sum(s)) if !s.data_points.is_empty()) {
            metrics.push(failed);
        }
        metrics.push(hist("traces_service_graph_request_server_seconds", |s| {
            &s.server
        }));
        metrics.push(hist("traces_service_graph_request_client_seconds", |s| {
            &s.client
        }));
        Metrics::new(vec![ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: "traces_service_graph".into(),
                    ..Default::default()
                }),
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }])
    }

    pub async fn flush(&self) {
        let m = self.collect();
        if m.item_count() == 0 {
            return;
        }
        if let Err(e) = self.metrics.consume(m).await {
            tracing::warn!(error = %e, "servicegraph: failed to send metrics");
        }
    }

    pub async fn shutdown(&self, _deadline: Instant) -> Result<(), ShutdownError> {
        for t in self
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            t.abort();
        }
        Ok(())
    }
}

impl Consumer for ServiceGraph {
    fn consume_traces(&self, mut data: Traces) -> ConsumeFuture<'_> {
        Box::pin(async move {
            data.decode_in_place()?;
            self.aggregate(&data);
            if self.cfg.metrics_flush_interval.is_zero() {
                self.flush().await;
            }
            Ok(())
        })
    }
    fn consume_metrics(&self, _data: Metrics) -> ConsumeFuture<'_> {
        Box::pin(std::future::ready(Err(ConsumeError::permanent(
            "otelcol.connector.servicegraph does not accept metrics",
        ))))
    }
    fn consume_logs(&self, _data: Logs) -> ConsumeFuture<'_> {
        Box::pin(std::future::ready(Err(ConsumeError::permanent(
            "otelcol.connector.servicegraph does not accept logs",
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{kv_str, Sink};
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Status};

    fn rs(service: &str, spans: Vec<Span>) -> ResourceSpans {
        ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv_str("service.name", service)],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn span(kind: SpanKind, id: u8, parent: u8, ms: u64) -> Span {
        Span {
            trace_id: vec![9; 16],
            span_id: vec![id; 8],
            parent_span_id: if parent == 0 {
                Vec::new()
            } else {
                vec![parent; 8]
            },
            kind: kind as i32,
            start_time_unix_nano: 0,
            end_time_unix_nano: ms * 1_000_000,
            ..Default::default()
        }
    }

    fn points(m: &Metrics, name: &str) -> Vec<(Vec<KeyValue>, i64)> {
        m.resource_metrics
            .iter()
            .flat_map(|rm| rm.scope_metrics.iter())
            .flat_map(|sm| sm.metrics.iter())
            .filter(|x| x.name == name)
            .flat_map(|x| match &x.data {
                Some(metric::Data::Sum(s)) => s
                    .data_points
                    .iter()
                    .map(|p| {
                        let v = match p.value {
                            Some(number_data_point::Value::AsInt(v)) => v,
                            _ => 0,
                        };
                        (p.attributes.clone(), v)
                    })
                    .collect(),
                _ => Vec::new(),
            })
            .collect()
    }

    fn build(cfg: ServiceGraphConfig) -> Arc<ServiceGraph> {
        ServiceGraph::new(
            "t",
            cfg,
            Fanout::new(vec![Arc::new(Sink::new())]),
            &Registry::new(),
        )
        .expect("valid")
    }

    #[tokio::test]
    async fn client_server_pairs_make_edges_with_both_latencies() {
        let g = build(ServiceGraphConfig {
            dimensions: vec!["region".into()],
            ..Default::default()
        });
        let mut client = span(SpanKind::Client, 2, 1, 30);
        client.attributes.push(kv_str("region", "eu"));
        let mut server = span(SpanKind::Server, 3, 2, 20);
        server.status = Some(Status {
            code: 2,
            ..Default::default()
        });
        g.consume_traces(Traces::new(vec![
            rs("frontend", vec![client]),
            rs("cart", vec![server]),
        ]))
        .await
        .expect("ok");
        let m = g.collect();
        let total = points(&m, "traces_service_graph_request_total");
        assert_eq!(total.len(), 1);
        let (attrs, n) = &total[0];
        assert_eq!(*n, 1);
        assert!(attrs.contains(&kv(
            "client",
            any_value::Value::StringValue("frontend".into())
        )));
        assert!(attrs.contains(&kv("server", any_value::Value::StringValue("cart".into()))));
        assert!(attrs.contains(&kv(
            "client_region",
            any_value::Value::StringValue("eu".into())
        )));
        assert_eq!(
            points(&m, "traces_service_graph_request_failed_total").len(),
            1
        );
        let server_hist = m.resource_metrics[0].scope_metrics[0]
            .metrics
            .iter()
            .find(|x| x.name == "traces_service_graph_request_server_seconds")
            .and_then(|x| match &x.data {
                Some(metric::Data::Histogram(h)) => h.data_points.first().and_then(|p| p.sum),
                _ => None,
            });
        assert_eq!(server_hist, Some(0.02));
    }

    #[tokio::test]
    async fn expired_halves_become_virtual_nodes_and_databases_complete_alone() {
        let g = build(ServiceGraphConfig {
            store_ttl: Duration::from_millis(1),
            ..Default::default()
        });
        let mut outgoing = span(SpanKind::Client, 4, 1, 5);
        outgoing
            .attributes
            .push(kv_str("peer.service", "payments-api"));
        let root_server = span(SpanKind::Server, 5, 0, 7);
        let mut db = span(SpanKind::Client, 6, 5, 3);
        db.attributes.push(kv_str("db.name", "orders"));
        g.consume_traces(Traces::new(vec![rs(
            "shop",
            vec![outgoing, root_server, db],
        )]))
        .await
        .expect("ok");
        g.expire(Instant::now() + Duration::from_secs(1));
        let m = g.collect();
        let total = points(&m, "traces_service_graph_request_total");
        let pairs: Vec<(String, String, String)> = total
            .iter()
            .map(|(a, _)| {
                let get = |k: &str| {
                    a.iter()
                        .find(|kv| kv.key == k)
                        .and_then(|kv| kv.value.as_ref())
                        .map(as_string)
                        .unwrap_or_default()
                };
                (get("client"), get("server"), get("connection_type"))
            })
            .collect();
        assert!(
            pairs.contains(&("shop".into(), "orders".into(), "database".into())),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("shop".into(), "payments-api".into(), "virtual_node".into())),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("user".into(), "shop".into(), "virtual_node".into())),
            "{pairs:?}"
        );
    }

    #[tokio::test]
    async fn a_full_store_drops_and_counts_new_edges() {
        let reg = Registry::new();
        let g = ServiceGraph::new(
            "t",
            ServiceGraphConfig {
                store_max_items: 1,
                ..Default::default()
            },
            Fanout::default(),
            &reg,
        )
        .expect("valid");
        g.consume_traces(Traces::new(vec![rs(
            "a",
            vec![
                span(SpanKind::Client, 1, 0, 1),
                span(SpanKind::Client, 2, 0, 1),
            ],
        )]))
        .await
        .expect("ok");
        assert_eq!(
            reg.sum("otelcol_connector_servicegraph_dropped_spans_total", &[]),
            1.0
        );
    }
}
