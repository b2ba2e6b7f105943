//! Prometheus samples → OTLP metrics (`otelcol.receiver.prometheus`).
//!
//! One OTLP resource per `job`/`instance` pair (`service.name`,
//! `service.namespace` when the job reads `namespace/name`,
//! `service.instance.id`, and upstream's host/port attributes), one scope
//! per `otel_scope_name`/`otel_scope_version` (the receiver's own scope
//! otherwise), one metric per family: counters become cumulative monotonic
//! sums, gauges and untyped series gauges, info and stateset series
//! non-monotonic sums, classic histograms (`_bucket`/`_sum`/`_count`)
//! explicit-bucket histograms, summaries summaries, native histograms
//! exponential histograms (custom-bucket ones explicit histograms).
//! `target_info` and `otel_scope_info` become resource and scope
//! attributes. A staleness marker becomes a point flagged "no recorded
//! value".
//!
//! Start times: Prometheus samples carry none, so the converter remembers
//! when it first saw each cumulative series and when it last reset (a value
//! below the previous one) and uses that as the start time, as the
//! collector's start-time adjuster does.
//!
//! Series without `job` or `instance` cannot be given a resource; they are
//! dropped and counted (upstream refuses them the same way).

use alloy_prometheus::{
    is_stale_nan, Batch, FloatHistogram, Histogram, HistogramSpan, HistogramValue, Labels,
    Metadata, MetricType,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, exponential_histogram_data_point::Buckets, metric, number_data_point,
    summary_data_point::ValueAtQuantile, AggregationTemporality, Exemplar, ExponentialHistogram,
    ExponentialHistogramDataPoint, Gauge, Histogram as OtlpHistogram, HistogramDataPoint, Metric,
    NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use rustc_hash::FxHashMap;

use crate::otlp_to_prom::{CUSTOM_BUCKETS_SCHEMA, FLAG_NO_RECORDED_VALUE};

/// The scope name of metrics that carry no `otel_scope_name`.
pub const RECEIVER_SCOPE: &str = "otelcol/prometheusreceiver";

/// Why samples did not become OTLP points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromDropReason {
    /// The series has no `job` or no `instance` label.
    NoJobInstance,
    /// The series has no metric name.
    NoMetricName,
    /// A gauge histogram family (OTLP has no equivalent).
    UnsupportedType,
    /// A classic histogram without `+Inf` bucket and without `_count`.
    IncompleteHistogram,
}

impl PromDropReason {
    pub const ALL: [PromDropReason; 4] = [
        PromDropReason::NoJobInstance,
        PromDropReason::NoMetricName,
        PromDropReason::UnsupportedType,
        PromDropReason::IncompleteHistogram,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PromDropReason::NoJobInstance => "no_job_instance",
            PromDropReason::NoMetricName => "no_metric_name",
            PromDropReason::UnsupportedType => "unsupported_type",
            PromDropReason::IncompleteHistogram => "incomplete_histogram",
        }
    }
}

/// What one conversion did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PromStats {
    /// Samples (float and histogram) read.
    pub samples: u64,
    /// OTLP data points produced.
    pub points: u64,
    /// Samples dropped, indexed like [`PromDropReason::ALL`].
    pub dropped: [u64; 4],
}

impl PromStats {
    pub fn dropped(&self, r: PromDropReason) -> u64 {
        self.dropped[r as usize]
    }
}

#[derive(Clone, Copy)]
struct StartState {
    start_ms: i64,
    last: f64,
    seen: u64,
}

/// The stateful converter (start times per series).
pub struct PromToOtlp {
    starts: FxHashMap<Labels, StartState>,
    generation: u64,
    version: String,
}

impl Default for PromToOtlp {
    fn default() -> Self {
        PromToOtlp::new(env!("CARGO_PKG_VERSION"))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Gauge,
    Counter,
    UpDown,
    Histogram,
    Summary,
    Exponential,
}

/// What decides the slot (resource, scope, metric) of a sample.
#[derive(Clone, Copy, PartialEq, Eq)]
struct SlotKey<'a> {
    job: Option<&'a str>,
    instance: Option<&'a str>,
    scope: Option<&'a str>,
    version: Option<&'a str>,
    family: &'a str,
}

struct HistGroup {
    attrs: Vec<KeyValue>,
    t: i64,
    buckets: Vec<(f64, f64)>,
    sum: Option<f64>,
    count: Option<f64>,
    stale: bool,
    start: i64,
    quantiles: Vec<(f64, f64)>,
    exemplars: Vec<Exemplar>,
}

struct MetricBuild {
    metric: Metric,
    kind: Kind,
    groups: Vec<HistGroup>,
    group_index: FxHashMap<(String, i64), usize>,
}

struct ScopeBuild {
    scope: InstrumentationScope,
    metrics: Vec<MetricBuild>,
    index: FxHashMap<(String, bool), usize>,
}

struct ResourceBuild {
    resource: Resource,
    scopes: Vec<ScopeBuild>,
    index: FxHashMap<(String, String), usize>,
    scope_attrs: FxHashMap<(String, String), Vec<KeyValue>>,
}

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        ..Default::default()
    }
}

fn put(attrs: &mut Vec<KeyValue>, key: &str, value: &str) {
    if let Some(existing) = attrs.iter_mut().find(|a| a.key == key) {
        *existing = kv(key, value);
    } else {
        attrs.push(kv(key, value));
    }
}

/// Upstream's resource for a target: `service.*` from job and instance,
/// host and port attributes when the host is not loopback.
pub fn create_resource(job: &str, instance: &str, scheme: &str) -> Resource {
    let (host, port) = split_host_port(instance);
    let mut attrs = Vec::with_capacity(8);
    match job.split_once('/') {
        Some((ns, name)) if !ns.is_empty() && !name.is_empty() => {
            attrs.push(kv("service.namespace", ns));
            attrs.push(kv("service.name", name));
        }
        _ => attrs.push(kv("service.name", job)),
    }
    if is_discernible_host(host) {
        attrs.push(kv("net.host.name", host));
        attrs.push(kv("server.address", host));
    }
    attrs.push(kv("service.instance.id", instance));
    attrs.push(kv("net.host.port", port));
    attrs.push(kv("http.scheme", scheme));
    attrs.push(kv("server.port", port));
    attrs.push(kv("url.scheme", scheme));
    Resource {
        attributes: attrs,
        ..Default::default()
    }
}

fn split_host_port(instance: &str) -> (&str, &str) {
    if let Some(rest) = instance.strip_prefix('[') {
        if let Some((h, p)) = rest.split_once("]:") {
            return (h, p);
        }
        return (instance, "");
    }
    match instance.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, p),
        _ => (instance, ""),
    }
}

fn is_discernible_host(host: &str) -> bool {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return !ip.is_loopback() && !ip.is_unspecified();
    }
    host != "localhost"
}

/// The family a series belongs to and the family's type, from its own
/// metadata or that of its family.
fn family_of<'a>(
    name: &'a str,
    md: Option<&Metadata>,
    families: &FxHashMap<String, Metadata>,
) -> (&'a str, Option<Metadata>) {
    if let Some(md) = md {
        return (family_name(name, md.metric_type), Some(md.clone()));
    }
    if let Some(md) = families.get(name) {
        return (name, Some(md.clone()));
    }
    for suffix in ["_bucket", "_sum", "_count", "_total", "_created"] {
        if let Some(base) = name.strip_suffix(suffix) {
            if let Some(md) = families.get(base) {
                if suffix_belongs(suffix, md.metric_type) {
                    return (base, Some(md.clone()));
                }
            }
        }
    }
    (name, None)
}

fn suffix_belongs(suffix: &str, t: MetricType) -> bool {
    match t {
        MetricType::Histogram | MetricType::GaugeHistogram => {
            matches!(suffix, "_bucket" | "_sum" | "_count" | "_created")
        }
        MetricType::Summary => matches!(suffix, "_sum" | "_count" | "_created"),
        MetricType::Counter => matches!(suffix, "_total" | "_created"),
        _ => false,
    }
}

fn family_name(name: &str, t: MetricType) -> &str {
    let suffixes: &[&str] = match t {
        MetricType::Histogram | MetricType::GaugeHistogram => &["_bucket", "_sum", "_count"],
        MetricType::Summary => &["_sum", "_count"],
        _ => &[],
    };
    for s in suffixes {
        if let Some(base) = name.strip_suffix(s) {
            return base;
        }
    }
    name
}

impl PromToOtlp {
    /// `version` is the receiver scope's version (the build's).
    pub fn new(version: &str) -> PromToOtlp {
        PromToOtlp {
            starts: FxHashMap::default(),
            generation: 0,
            version: version.to_owned(),
        }
    }

    /// Forgets start times of series not seen in the last `generations`
    /// conversions.
    pub fn gc(&mut self, generations: u64) {
        let g = self.generation;
        self.starts
            .retain(|_, s| g.saturating_sub(s.seen) <= generations);
    }

    fn start_time(&mut self, labels: &Labels, t: i64, v: f64) -> i64 {
        let g = self.generation;
        let st = match self.starts.get_mut(labels) {
            Some(st) => st,
            None => self.starts.entry(labels.clone()).or_insert(StartState {
                start_ms: t,
                last: v,
                seen: g,
            }),
        };
        st.seen = g;
        if v.is_nan() {
            return st.start_ms;
        }
        if v < st.last {
            st.start_ms = t;
        }
        st.last = v;
        st.start_ms
    }

    /// Converts one batch.
    pub fn convert(&mut self, batch: &Batch) -> (Vec<ResourceMetrics>, PromStats) {
        self.generation += 1;
        let mut stats = PromStats::default();
        let series = batch.series();
        let mut own_md: Vec<Option<&Metadata>> = vec![None; series.len()];
        let mut families: FxHashMap<String, Metadata> = FxHashMap::default();
        for m in batch.metadata() {
            if let Some(s) = series.get(m.series as usize) {
                own_md[m.series as usize] = Some(&m.metadata);
                let fam = family_name(s.labels.metric_name(), m.metadata.metric_type);
                families.insert(fam.to_owned(), m.metadata.clone());
            }
        }
        let mut resources: Vec<ResourceBuild> = Vec::new();
        let mut res_index: FxHashMap<(&str, &str), usize> = FxHashMap::default();
        // Where each series' last number point went, for exemplars (only
        // kept when the batch has exemplars).
        let mut point_of: FxHashMap<u32, (usize, usize, usize, usize)> = FxHashMap::default();
        let track_points = !batch.exemplars().is_empty();
        // The slot of the previous sample: consecutive samples of one
        // family and target skip every map lookup.
        let mut last: Option<(SlotKey<'_>, usize, usize, usize)> = None;

        // Resource and scope attributes first, so order within the batch
        // does not matter.
        for s in series {
            let name = s.labels.metric_name();
            if name != "target_info" && name != "otel_scope_info" {
                continue;
            }
            let Some(r) = locate(&s.labels, &mut res_index, &mut resources) else {
                continue;
            };
            let rb = &mut resources[r];
            if name == "target_info" {
                for l in s.labels.iter() {
                    if !matches!(l.name, "job" | "instance" | "__name__") {
                        put(&mut rb.resource.attributes, l.name, l.value);
                    }
                }
            } else {
                let mut attrs = Vec::new();
                for l in s.labels.iter() {
                    if !matches!(
                        l.name,
                        "job"
                            | "instance"
                            | "__name__"
                            | "otel_scope_name"
                            | "otel_scope_version"
                            | "otel_scope_schema_url"
                    ) {
                        attrs.push(kv(l.name, l.value));
                    }
                }
                let key = (
                    s.labels.get_or_empty("otel_scope_name").to_owned(),
                    s.labels.get_or_empty("otel_scope_version").to_owned(),
                );
                rb.scope_attrs.insert(key, attrs);
            }
        }

        for bs in batch.samples() {
            stats.samples += 1;
            let Some(s) = series.get(bs.series as usize) else {
                continue;
            };
            let labels = &s.labels;
            let name = labels.metric_name();
            if name.is_empty() {
                stats.dropped[PromDropReason::NoMetricName as usize] += 1;
                continue;
            }
            if name == "target_info" || name == "otel_scope_info" {
                continue;
            }
            let (family, md) = family_of(name, own_md[bs.series as usize], &families);
            let key = SlotKey {
                job: labels.get("job"),
                instance: labels.get("instance"),
                scope: labels.get("otel_scope_name"),
                version: labels.get("otel_scope_version"),
                family,
            };
            let cached = last
                .as_ref()
                .filter(|(k, ..)| *k == key)
                .map(|(_, r, si, mi)| (*r, *si, *mi));
            let (r, cached_slot) = match cached {
                Some((r, si, mi)) => (r, Some((si, mi))),
                None => match locate(labels, &mut res_index, &mut resources) {
                    Some(r) => (r, None),
                    None => {
                        stats.dropped[PromDropReason::NoJobInstance as usize] += 1;
                        continue;
                    }
                },
            };
            let mtype = md.as_ref().map_or(MetricType::Unknown, |m| m.metric_type);
            let kind = match mtype {
                MetricType::Counter => Kind::Counter,
                MetricType::Gauge | MetricType::Unknown => Kind::Gauge,
                MetricType::Info | MetricType::StateSet => Kind::UpDown,
                MetricType::Histogram => Kind::Histogram,
                MetricType::Summary => Kind::Summary,
                MetricType::GaugeHistogram => {
                    stats.dropped[PromDropReason::UnsupportedType as usize] += 1;
                    continue;
                }
            };
            if name.ends_with("_created")
                && matches!(kind, Kind::Counter | Kind::Histogram | Kind::Summary)
                && family != name
            {
                continue;
            }
            let (scope_i, metric_i) = match cached_slot {
                Some(slot) => slot,
                None => self.metric_slot(&mut resources[r], labels, family, kind, md.as_ref()),
            };
            last = Some((key, r, scope_i, metric_i));
            let t = bs.sample.t;
            let v = bs.sample.v;
            let stale = is_stale_nan(v);
            let attrs = point_attrs(
                labels,
                &["le", "quantile"]
                    [..usize::from(matches!(kind, Kind::Histogram | Kind::Summary)) * 2],
            );
            match kind {
                Kind::Gauge | Kind::Counter | Kind::UpDown => {
                    let start = if kind == Kind::Gauge {
                        0
                    } else {
                        self.start_time(labels, t, v)
                    };
                    let mb = &mut resources[r].scopes[scope_i].metrics[metric_i];
                    let point = NumberDataPoint {
                        attributes: attrs,
                        start_time_unix_nano: ms_to_ns(start),
                        time_unix_nano: ms_to_ns(t),
                        flags: if stale { FLAG_NO_RECORDED_VALUE } else { 0 },
                        value: (!stale).then_some(number_data_point::Value::AsDouble(v)),
                        exemplars: Vec::new(),
                    };
                    let points = match mb.metric.data.as_mut() {
                        Some(metric::Data::Gauge(g)) => &mut g.data_points,
                        Some(metric::Data::Sum(s)) => &mut s.data_points,
                        _ => continue,
                    };
                    points.push(point);
                    stats.points += 1;
                    if track_points {
                        point_of.insert(bs.series, (r, scope_i, metric_i, points.len() - 1));
                    }
                }
                Kind::Histogram | Kind::Summary => {
                    let key = (attrs_key(&attrs), t);
                    let mb = &mut resources[r].scopes[scope_i].metrics[metric_i];
                    let gi = *mb.group_index.entry(key).or_insert_with(|| {
                        mb.groups.push(HistGroup {
                            attrs,
                            t,
                            buckets: Vec::new(),
                            sum: None,
                            count: None,
                            stale: false,
                            start: t,
                            quantiles: Vec::new(),
                            exemplars: Vec::new(),
                        });
                        mb.groups.len() - 1
                    });
                    let g = &mut mb.groups[gi];
                    g.stale |= stale;
                    let suffix = &name[family.len().min(name.len())..];
                    match (kind, suffix) {
                        (_, "_sum") => g.sum = Some(v),
                        (_, "_count") => {
                            g.count = Some(v);
                            g.start = self.start_time(labels, t, v);
                        }
                        (Kind::Histogram, "_bucket") => {
                            if let Some(le) = labels.get("le").and_then(parse_prom_float) {
                                g.buckets.push((le, v));
                            }
                            point_of.insert(bs.series, (r, scope_i, metric_i, usize::MAX - gi));
                        }
                        (Kind::Summary, "") => {
                            if let Some(q) = labels.get("quantile").and_then(parse_prom_float) {
                                g.quantiles.push((q, v));
                            }
                        }
                        _ => {}
                    }
                }
                Kind::Exponential => {}
            }
        }

        for bh in batch.histograms() {
            stats.samples += 1;
            let Some(s) = series.get(bh.series as usize) else {
                continue;
            };
            let labels = &s.labels;
            let name = labels.metric_name();
            if name.is_empty() {
                stats.dropped[PromDropReason::NoMetricName as usize] += 1;
                continue;
            }
            let Some(r) = locate(labels, &mut res_index, &mut resources) else {
                stats.dropped[PromDropReason::NoJobInstance as usize] += 1;
                continue;
            };
            let md = own_md[bh.series as usize]
                .cloned()
                .or_else(|| families.get(name).cloned());
            let fh = match &bh.value {
                HistogramValue::Int(h) => int_to_float(h),
                HistogramValue::Float(f) => f.clone(),
            };
            let custom = fh.schema == CUSTOM_BUCKETS_SCHEMA;
            let kind = if custom {
                Kind::Histogram
            } else {
                Kind::Exponential
            };
            let (scope_i, metric_i) =
                self.metric_slot(&mut resources[r], labels, name, kind, md.as_ref());
            let stale = is_stale_nan(fh.sum);
            let start = self.start_time(labels, bh.t, if stale { f64::NAN } else { fh.count });
            let attrs = point_attrs(labels, &[]);
            let mb = &mut resources[r].scopes[scope_i].metrics[metric_i];
            match mb.metric.data.as_mut() {
                Some(metric::Data::ExponentialHistogram(eh)) => {
                    eh.data_points
                        .push(native_to_exponential(&fh, attrs, start, bh.t, stale));
                }
                Some(metric::Data::Histogram(h)) => {
                    h.data_points
                        .push(custom_to_explicit(&fh, attrs, start, bh.t, stale));
                }
                _ => continue,
            }
            stats.points += 1;
        }

        for be in batch.exemplars() {
            let Some(&(r, si, mi, pi)) = point_of.get(&be.series) else {
                continue;
            };
            let ex = to_otlp_exemplar(&be.exemplar);
            let mb = &mut resources[r].scopes[si].metrics[mi];
            if pi > usize::MAX / 2 {
                if let Some(g) = mb.groups.get_mut(usize::MAX - pi) {
                    g.exemplars.push(ex);
                }
                continue;
            }
            match mb.metric.data.as_mut() {
                Some(metric::Data::Gauge(g)) => {
                    g.data_points.get_mut(pi).map(|p| p.exemplars.push(ex))
                }
                Some(metric::Data::Sum(s)) => {
                    s.data_points.get_mut(pi).map(|p| p.exemplars.push(ex))
                }
                _ => None,
            };
        }

        let mut out = Vec::with_capacity(resources.len());
        for mut rb in resources {
            let mut scope_metrics = Vec::new();
            for mut sb in rb.scopes.drain(..) {
                let key = (sb.scope.name.clone(), sb.scope.version.clone());
                if let Some(attrs) = rb.scope_attrs.get(&key) {
                    if sb.scope.name != RECEIVER_SCOPE {
                        sb.scope.attributes = attrs.clone();
                    }
                }
                let mut metrics = Vec::with_capacity(sb.metrics.len());
                for mb in sb.metrics {
                    if let Some(m) = finish_metric(mb, &mut stats) {
                        metrics.push(m);
                    }
                }
                if !metrics.is_empty() {
                    scope_metrics.push(ScopeMetrics {
                        scope: Some(sb.scope),
                        metrics,
                        schema_url: String::new(),
                    });
                }
            }
            if !scope_metrics.is_empty() {
                out.push(ResourceMetrics {
                    resource: Some(rb.resource),
                    scope_metrics,
                    schema_url: String::new(),
                });
            }
        }
        (out, stats)
    }

    fn metric_slot(
        &self,
        rb: &mut ResourceBuild,
        labels: &Labels,
        family: &str,
        kind: Kind,
        md: Option<&Metadata>,
    ) -> (usize, usize) {
        let scope_name = labels.get("otel_scope_name");
        let key = match scope_name {
            Some(n) => (
                n.to_owned(),
                labels.get_or_empty("otel_scope_version").to_owned(),
            ),
            None => (RECEIVER_SCOPE.to_owned(), self.version.clone()),
        };
        let si = match rb.index.get(&key) {
            Some(&i) => i,
            None => {
                rb.scopes.push(ScopeBuild {
                    scope: InstrumentationScope {
                        name: key.0.clone(),
                        version: key.1.clone(),
                        ..Default::default()
                    },
                    metrics: Vec::new(),
                    index: FxHashMap::default(),
                });
                rb.index.insert(key, rb.scopes.len() - 1);
                rb.scopes.len() - 1
            }
        };
        let sb = &mut rb.scopes[si];
        let mkey = (family.to_owned(), kind == Kind::Exponential);
        if let Some(&mi) = sb.index.get(&mkey) {
            return (si, mi);
        }
        let cumulative = AggregationTemporality::Cumulative as i32;
        let data = match kind {
            Kind::Gauge => metric::Data::Gauge(Gauge {
                data_points: Vec::new(),
            }),
            Kind::Counter | Kind::UpDown => metric::Data::Sum(Sum {
                data_points: Vec::new(),
                aggregation_temporality: cumulative,
                is_monotonic: kind == Kind::Counter,
            }),
            Kind::Histogram => metric::Data::Histogram(OtlpHistogram {
                data_points: Vec::new(),
                aggregation_temporality: cumulative,
            }),
            Kind::Summary => metric::Data::Summary(Summary {
                data_points: Vec::new(),
            }),
            Kind::Exponential => metric::Data::ExponentialHistogram(ExponentialHistogram {
                data_points: Vec::new(),
                aggregation_temporality: cumulative,
            }),
        };
        sb.metrics.push(MetricBuild {
            metric: Metric {
                name: family.to_owned(),
                description: md.map(|m| m.help.clone()).unwrap_or_default(),
                unit: md.map(|m| m.unit.clone()).unwrap_or_default(),
                metadata: Vec::new(),
                data: Some(data),
            },
            kind,
            groups: Vec::new(),
            group_index: FxHashMap::default(),
        });
        sb.index.insert(mkey, sb.metrics.len() - 1);
        (si, sb.metrics.len() - 1)
    }
}

/// The resource of a series' target, created on first sight.
fn locate<'b>(
    labels: &'b Labels,
    res_index: &mut FxHashMap<(&'b str, &'b str), usize>,
    resources: &mut Vec<ResourceBuild>,
) -> Option<usize> {
    let job = labels.get("job")?;
    let instance = labels.get("instance")?;
    Some(*res_index.entry((job, instance)).or_insert_with(|| {
        resources.push(ResourceBuild {
            resource: create_resource(job, instance, labels.get_or_empty("__scheme__")),
            scopes: Vec::new(),
            index: FxHashMap::default(),
            scope_attrs: FxHashMap::default(),
        });
        resources.len() - 1
    }))
}

fn finish_metric(mut mb: MetricBuild, stats: &mut PromStats) -> Option<Metric> {
    match (mb.kind, mb.metric.data.as_mut()) {
        (Kind::Histogram, Some(metric::Data::Histogram(h))) => {
            for mut g in mb.groups.drain(..) {
                g.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
                let inf = g.buckets.iter().find(|b| b.0 == f64::INFINITY).map(|b| b.1);
                let Some(count) = g.count.or(inf) else {
                    stats.dropped[PromDropReason::IncompleteHistogram as usize] += 1;
                    continue;
                };
                let mut bounds = Vec::new();
                let mut counts = Vec::new();
                let mut prev = 0.0;
                for (le, c) in g.buckets.iter().filter(|b| b.0.is_finite()) {
                    bounds.push(*le);
                    counts.push((c - prev).max(0.0) as u64);
                    prev = *c;
                }
                counts.push((count - prev).max(0.0) as u64);
                h.data_points.push(HistogramDataPoint {
                    attributes: g.attrs,
                    start_time_unix_nano: ms_to_ns(g.start),
                    time_unix_nano: ms_to_ns(g.t),
                    count: if g.stale { 0 } else { count as u64 },
                    sum: if g.stale { None } else { g.sum },
                    bucket_counts: if g.stale { Vec::new() } else { counts },
                    explicit_bounds: if g.stale { Vec::new() } else { bounds },
                    exemplars: g.exemplars,
                    flags: if g.stale { FLAG_NO_RECORDED_VALUE } else { 0 },
                    min: None,
                    max: None,
                });
                stats.points += 1;
            }
            (!h.data_points.is_empty()).then_some(mb.metric)
        }
        (Kind::Summary, Some(metric::Data::Summary(s))) => {
            for mut g in mb.groups.drain(..) {
                g.quantiles.sort_by(|a, b| a.0.total_cmp(&b.0));
                s.data_points.push(SummaryDataPoint {
                    attributes: g.attrs,
                    start_time_unix_nano: ms_to_ns(g.start),
                    time_unix_nano: ms_to_ns(g.t),
                    count: if g.stale {
                        0
                    } else {
                        g.count.unwrap_or(0.0) as u64
                    },
                    sum: if g.stale { 0.0 } else { g.sum.unwrap_or(0.0) },
                    quantile_values: if g.stale {
                        Vec::new()
                    } else {
                        g.quantiles
                            .iter()
                            .map(|(q, v)| ValueAtQuantile {
                                quantile: *q,
                                value: *v,
                            })
                            .collect()
                    },
                    flags: if g.stale { FLAG_NO_RECORDED_VALUE } else { 0 },
                });
                stats.points += 1;
            }
            (!s.data_points.is_empty()).then_some(mb.metric)
        }
        (_, Some(_)) => Some(mb.metric),
        _ => None,
    }
}

fn point_attrs(labels: &Labels, extra_skip: &[&str]) -> Vec<KeyValue> {
    labels
        .iter()
        .filter(|l| {
            !matches!(
                l.name,
                "__name__"
                    | "job"
                    | "instance"
                    | "otel_scope_name"
                    | "otel_scope_version"
                    | "otel_scope_schema_url"
            ) && !extra_skip.contains(&l.name)
        })
        .map(|l| kv(l.name, l.value))
        .collect()
}

fn attrs_key(attrs: &[KeyValue]) -> String {
    let mut s = String::new();
    for a in attrs {
        s.push_str(&a.key);
        s.push('\u{1}');
        if let Some(AnyValue {
            value: Some(any_value::Value::StringValue(v)),
        }) = &a.value
        {
            s.push_str(v);
        }
        s.push('\u{2}');
    }
    s
}

fn parse_prom_float(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" | "+inf" | "inf" => Some(f64::INFINITY),
        "-Inf" | "-inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

fn ms_to_ns(ms: i64) -> u64 {
    (ms.max(0) as u64).saturating_mul(1_000_000)
}

fn to_otlp_exemplar(e: &alloy_prometheus::Exemplar) -> Exemplar {
    let mut out = Exemplar {
        time_unix_nano: e.t.map_or(0, ms_to_ns),
        value: Some(exemplar::Value::AsDouble(e.value)),
        ..Default::default()
    };
    for l in e.labels.iter() {
        match l.name {
            "trace_id" => out.trace_id = unhex(l.value),
            "span_id" => out.span_id = unhex(l.value),
            _ => out.filtered_attributes.push(kv(l.name, l.value)),
        }
    }
    out
}

fn unhex(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(b.len() / 2);
    for pair in b.chunks(2) {
        let hi = (pair[0] as char).to_digit(16);
        let lo = (pair[1] as char).to_digit(16);
        match (hi, lo) {
            (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
            _ => return Vec::new(),
        }
    }
    out
}

fn int_to_float(h: &Histogram) -> FloatHistogram {
    let absolute = |deltas: &[i64]| {
        let mut acc = 0i64;
        deltas
            .iter()
            .map(|d| {
                acc = acc.wrapping_add(*d);
                acc as f64
            })
            .collect::<Vec<_>>()
    };
    FloatHistogram {
        reset_hint: h.reset_hint,
        schema: h.schema,
        zero_threshold: h.zero_threshold,
        zero_count: h.zero_count as f64,
        count: h.count as f64,
        sum: h.sum,
        positive_spans: h.positive_spans.clone(),
        positive_counts: absolute(&h.positive_deltas),
        negative_spans: h.negative_spans.clone(),
        negative_counts: absolute(&h.negative_deltas),
        custom_values: h.custom_values.clone(),
    }
}

/// Sparse spans and counts to a dense OTLP bucket run; Prometheus bucket
/// `i` is OTLP bucket `i - 1`.
fn dense(spans: &[HistogramSpan], counts: &[f64]) -> Option<Buckets> {
    if spans.is_empty() || counts.is_empty() {
        return None;
    }
    let mut idx = 0i32;
    let mut first = None;
    let mut out: Vec<u64> = Vec::with_capacity(counts.len());
    let mut ci = 0;
    for span in spans {
        idx += span.offset;
        let first_idx = *first.get_or_insert(idx);
        let pos = (idx - first_idx) as usize;
        if out.len() < pos {
            out.resize(pos, 0);
        }
        for _ in 0..span.length {
            out.push(counts.get(ci).copied().unwrap_or(0.0).max(0.0) as u64);
            ci += 1;
            idx += 1;
        }
    }
    Some(Buckets {
        offset: first.unwrap_or(0) - 1,
        bucket_counts: out,
    })
}

fn native_to_exponential(
    h: &FloatHistogram,
    attrs: Vec<KeyValue>,
    start: i64,
    t: i64,
    stale: bool,
) -> ExponentialHistogramDataPoint {
    ExponentialHistogramDataPoint {
        attributes: attrs,
        start_time_unix_nano: ms_to_ns(start),
        time_unix_nano: ms_to_ns(t),
        count: if stale { 0 } else { h.count as u64 },
        sum: (!stale).then_some(h.sum),
        scale: h.schema,
        zero_count: if stale { 0 } else { h.zero_count as u64 },
        positive: if stale {
            None
        } else {
            dense(&h.positive_spans, &h.positive_counts)
        },
        negative: if stale {
            None
        } else {
            dense(&h.negative_spans, &h.negative_counts)
        },
        flags: if stale { FLAG_NO_RECORDED_VALUE } else { 0 },
        exemplars: Vec::new(),
        min: None,
        max: None,
        zero_threshold: h.zero_threshold,
    }
}

fn custom_to_explicit(
    h: &FloatHistogram,
    attrs: Vec<KeyValue>,
    start: i64,
    t: i64,
    stale: bool,
) -> HistogramDataPoint {
    let mut counts = vec![0u64; h.custom_values.len() + 1];
    let mut idx = 0i32;
    let mut ci = 0;
    for span in &h.positive_spans {
        idx += span.offset;
        for _ in 0..span.length {
            if let Some(slot) = counts.get_mut(idx.max(0) as usize) {
                *slot = h.positive_counts.get(ci).copied().unwrap_or(0.0).max(0.0) as u64;
            }
            ci += 1;
            idx += 1;
        }
    }
    HistogramDataPoint {
        attributes: attrs,
        start_time_unix_nano: ms_to_ns(start),
        time_unix_nano: ms_to_ns(t),
        count: if stale { 0 } else { h.count as u64 },
        sum: (!stale).then_some(h.sum),
        bucket_counts: if stale { Vec::new() } else { counts },
        explicit_bounds: if stale {
            Vec::new()
        } else {
            h.custom_values.clone()
        },
        exemplars: Vec::new(),
        flags: if stale { FLAG_NO_RECORDED_VALUE } else { 0 },
        min: None,
        max: None,
    }
}
