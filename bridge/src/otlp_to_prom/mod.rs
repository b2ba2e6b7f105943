//! OTLP metrics → Prometheus samples (`otelcol.exporter.prometheus`).
//!
//! The rule is upstream Alloy's converter: every data point becomes samples
//! of a series named by the collector's name translation, labelled with
//! `job`/`instance` from `service.*`, the optional scope labels and the
//! normalised point attributes; cumulative monotonic sums are counters,
//! cumulative non-monotonic sums gauges, classic histograms `_bucket`/
//! `_sum`/`_count` series (or custom-bucket native histograms), exponential
//! histograms native histograms, summaries `_sum`/`_count`/quantiles.
//!
//! Where upstream drops data silently (delta sums and histograms, points
//! older than the series' last point, histograms whose shape Prometheus
//! cannot hold) this converter drops it too but counts every point by
//! reason ([`DropReason`]), so `/metrics` shows what did not pass.
//!
//! State: each series remembers its last timestamp (out-of-order points are
//! skipped as upstream skips them), its ref and when it was last seen;
//! [`Converter::gc`] forgets series not seen for a while (`gc_frequency`).
//! Known series are found without allocating: the label pairs of a point
//! are built in a reused scratch buffer and looked up by hash.

mod histograms;

use std::hash::Hasher;
use std::time::{Duration, Instant};

use alloy_prometheus::{
    Batch, Exemplar, HistogramValue, Labels, Metadata, MetricType, SeriesRef, STALE_NAN,
};
use hashbrown::HashTable;
use opentelemetry_proto::tonic::common::v1::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, metric, number_data_point, AggregationTemporality, Exemplar as OtlpExemplar, Metric,
    ResourceMetrics,
};
use rustc_hash::{FxHashMap, FxHasher};

use crate::names::{
    build_compliant_name, format_float_label, normalize_label, value_as_string, NameKind,
};
pub use histograms::{
    explicit_to_custom_buckets, exponential_to_native, HistogramError, CUSTOM_BUCKETS_SCHEMA,
    DEFAULT_ZERO_THRESHOLD, FLAG_NO_RECORDED_VALUE,
};

const SCOPE_NAME_LABEL: &str = "otel_scope_name";
const SCOPE_VERSION_LABEL: &str = "otel_scope_version";
const SERVICE_NAME: &str = "service.name";
const SERVICE_NAMESPACE: &str = "service.namespace";
const SERVICE_INSTANCE_ID: &str = "service.instance.id";

/// The converter's settings (the component's arguments minus `forward_to`
/// and `gc_frequency`). `Default` gives Alloy's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExporterOptions {
    pub include_target_info: bool,
    pub include_scope_info: bool,
    pub include_scope_labels: bool,
    pub add_metric_suffixes: bool,
    pub resource_to_telemetry_conversion: bool,
    pub honor_metadata: bool,
    pub convert_classic_histograms_to_nhcb: bool,
    pub keep_identifying_resource_attributes: bool,
    pub start_timestamp_zero_ingestion: bool,
}

impl Default for ExporterOptions {
    fn default() -> Self {
        ExporterOptions {
            include_target_info: true,
            include_scope_info: false,
            include_scope_labels: true,
            add_metric_suffixes: true,
            resource_to_telemetry_conversion: false,
            honor_metadata: false,
            convert_classic_histograms_to_nhcb: false,
            keep_identifying_resource_attributes: false,
            start_timestamp_zero_ingestion: false,
        }
    }
}

/// Why a data point did not become samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// A delta (or unspecified-temporality) sum.
    DeltaSum,
    /// A delta explicit-bucket histogram.
    DeltaHistogram,
    /// A delta exponential histogram.
    DeltaExponentialHistogram,
    /// An exponential histogram with a scale below -4.
    InvalidExponentialHistogram,
    /// An explicit histogram whose bucket counts do not match its bounds
    /// (only when converting to custom-bucket native histograms).
    InvalidBucketLayout,
    /// Older than the last point of the same series.
    OutOfOrder,
    /// The metric name is empty after translation.
    EmptyName,
}

impl DropReason {
    pub const ALL: [DropReason; 7] = [
        DropReason::DeltaSum,
        DropReason::DeltaHistogram,
        DropReason::DeltaExponentialHistogram,
        DropReason::InvalidExponentialHistogram,
        DropReason::InvalidBucketLayout,
        DropReason::OutOfOrder,
        DropReason::EmptyName,
    ];

    /// The `reason` label value on `/metrics`.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::DeltaSum => "delta_sum",
            DropReason::DeltaHistogram => "delta_histogram",
            DropReason::DeltaExponentialHistogram => "delta_exponential_histogram",
            DropReason::InvalidExponentialHistogram => "invalid_exponential_histogram",
            DropReason::InvalidBucketLayout => "invalid_bucket_layout",
            DropReason::OutOfOrder => "out_of_order",
            DropReason::EmptyName => "empty_name",
        }
    }
}

/// What one conversion did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConvertStats {
    /// Data points read.
    pub points: u64,
    /// Points dropped, indexed like [`DropReason::ALL`].
    pub dropped: [u64; 7],
    /// Metrics whose translated name equals that of a different metric of
    /// the same request (their series merge, as upstream).
    pub name_collisions: u64,
}

impl ConvertStats {
    pub fn dropped(&self, reason: DropReason) -> u64 {
        self.dropped[reason as usize]
    }

    pub fn total_dropped(&self) -> u64 {
        self.dropped.iter().sum()
    }

    fn drop(&mut self, reason: DropReason, n: u64) {
        self.dropped[reason as usize] += n;
    }
}

struct SeriesState {
    labels: Labels,
    hash: u64,
    series_ref: SeriesRef,
    last_ts: u64,
    exemplar_ts: u64,
    last_zero_st: i64,
    last_seen: Instant,
    batch_gen: u64,
    batch_idx: u32,
}

struct MetaEntry {
    metadata: Metadata,
    dirty: bool,
    last_seen: Instant,
    labels: Labels,
    series_ref: SeriesRef,
}

/// Label pairs under construction; `set` with an empty value deletes, as a
/// Prometheus label builder does. Buffers are reused across points.
#[derive(Default)]
struct Scratch {
    pairs: Vec<(String, String)>,
    len: usize,
}

impl Scratch {
    fn clear(&mut self) {
        self.len = 0;
    }

    fn set(&mut self, name: &str, value: &str) {
        if let Some(i) = self.pairs[..self.len].iter().position(|(n, _)| n == name) {
            if value.is_empty() {
                self.pairs[i..self.len].rotate_left(1);
                self.len -= 1;
            } else {
                self.pairs[i].1.clear();
                self.pairs[i].1.push_str(value);
            }
            return;
        }
        if value.is_empty() {
            return;
        }
        if self.len == self.pairs.len() {
            self.pairs.push((String::new(), String::new()));
        }
        let slot = &mut self.pairs[self.len];
        slot.0.clear();
        slot.0.push_str(name);
        slot.1.clear();
        slot.1.push_str(value);
        self.len += 1;
    }

    fn finish(&mut self) -> u64 {
        self.pairs[..self.len].sort_unstable_by(|a, b| a.0.cmp(&b.0));
        hash_pairs(
            self.pairs[..self.len]
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str())),
        )
    }

    fn equals(&self, labels: &Labels) -> bool {
        labels.len() == self.len
            && labels
                .iter()
                .zip(&self.pairs[..self.len])
                .all(|(l, (n, v))| l.name == n && l.value == v)
    }

    fn labels(&self) -> Labels {
        Labels::from_sorted_unique(
            self.pairs[..self.len]
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str())),
        )
    }
}

fn hash_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> u64 {
    let mut h = FxHasher::default();
    for (n, v) in pairs {
        h.write(n.as_bytes());
        h.write_u8(0xff);
        h.write(v.as_bytes());
        h.write_u8(0xfe);
    }
    h.finish()
}

/// Per-resource facts the series of its points need.
struct ResourceCtx {
    job: String,
    instance: String,
}

/// Per-scope facts.
struct ScopeCtx {
    name: String,
    version: String,
}

/// The stateful converter. Not thread-safe by itself: the exporter holds it
/// behind a lock (one conversion at a time keeps out-of-order detection
/// exact, as upstream's per-series locks do).
pub struct Converter {
    opts: ExporterOptions,
    table: HashTable<u32>,
    series: Vec<SeriesState>,
    metadata: FxHashMap<String, MetaEntry>,
    label_names: FxHashMap<String, String>,
    scratch: Scratch,
    value_buf: String,
    batch_gen: u64,
    now: Instant,
    stats: ConvertStats,
    families: FxHashMap<String, String>,
}

impl Converter {
    pub fn new(opts: ExporterOptions) -> Converter {
        Converter {
            opts,
            table: HashTable::new(),
            series: Vec::new(),
            metadata: FxHashMap::default(),
            label_names: FxHashMap::default(),
            scratch: Scratch::default(),
            value_buf: String::new(),
            batch_gen: 0,
            now: Instant::now(),
            stats: ConvertStats::default(),
            families: FxHashMap::default(),
        }
    }

    pub fn options(&self) -> &ExporterOptions {
        &self.opts
    }

    /// New settings apply to the next conversion; series state is kept.
    pub fn set_options(&mut self, opts: ExporterOptions) {
        self.opts = opts;
    }

    /// Series currently remembered.
    pub fn series_count(&self) -> usize {
        self.series.len()
    }

    /// Forgets series and metadata not seen for `stale` (upstream's `GC`).
    pub fn gc(&mut self, stale: Duration) {
        let now = Instant::now();
        self.series
            .retain(|s| now.saturating_duration_since(s.last_seen) <= stale);
        self.table.clear();
        for (i, s) in self.series.iter().enumerate() {
            let hash = s.hash;
            self.table
                .insert_unique(hash, i as u32, |&j| self.series[j as usize].hash);
        }
        self.metadata
            .retain(|_, m| now.saturating_duration_since(m.last_seen) <= stale);
        if self.label_names.len() > 65_536 {
            self.label_names.clear();
        }
    }

    /// Makes the next conversion write metadata again (after a downstream
    /// change).
    pub fn flush_metadata(&mut self) {
        self.metadata.clear();
    }

    /// Converts `resource_metrics`, appending samples, histograms, exemplars
    /// and (with `honor_metadata`) metadata to `out`. `now_ms` stamps
    /// `target_info` and `otel_scope_info`.
    pub fn convert(
        &mut self,
        resource_metrics: &[ResourceMetrics],
        now_ms: i64,
        out: &mut Batch,
    ) -> ConvertStats {
        self.batch_gen += 1;
        self.now = Instant::now();
        self.stats = ConvertStats::default();
        self.families.clear();
        for rm in resource_metrics {
            self.resource(rm, now_ms, out);
        }
        std::mem::take(&mut self.stats)
    }

    fn resource(&mut self, rm: &ResourceMetrics, now_ms: i64, out: &mut Batch) {
        let attrs: &[KeyValue] = rm.resource.as_ref().map_or(&[], |r| &r.attributes);
        self.update_metadata("target_info", MetricType::Gauge, "Target metadata", "");
        let mut job = String::new();
        let mut instance = String::new();
        if let Some(name) = find_attr(attrs, SERVICE_NAME) {
            if let Some(ns) = find_attr(attrs, SERVICE_NAMESPACE) {
                value_as_string(Some(ns), &mut job);
                job.push('/');
            }
            value_as_string(Some(name), &mut job);
        }
        if let Some(id) = find_attr(attrs, SERVICE_INSTANCE_ID) {
            value_as_string(Some(id), &mut instance);
        }
        let res = ResourceCtx { job, instance };

        // target_info: every resource attribute but the identifying ones
        // (unless kept), under job and instance.
        self.scratch.clear();
        self.scratch.set("__name__", "target_info");
        self.scratch.set("job", &res.job);
        self.scratch.set("instance", &res.instance);
        let keep = self.opts.keep_identifying_resource_attributes;
        for kv in attrs {
            if !keep
                && matches!(
                    kv.key.as_str(),
                    SERVICE_NAME | SERVICE_NAMESPACE | SERVICE_INSTANCE_ID
                )
            {
                continue;
            }
            self.set_attr(&kv.key, kv.value.as_ref());
        }
        let target = self.lookup_scratch();
        if self.opts.include_target_info {
            self.push_sample(target, now_ms, 1.0, out);
            if self.opts.honor_metadata {
                self.write_metadata("target_info", out);
            }
        }

        for sm in &rm.scope_metrics {
            self.update_metadata("otel_scope_info", MetricType::Gauge, "", "");
            let default_scope = InstrumentationScope::default();
            let scope = sm.scope.as_ref().unwrap_or(&default_scope);
            self.scratch.clear();
            self.scratch.set("__name__", "otel_scope_info");
            self.scratch.set("job", &res.job);
            self.scratch.set("instance", &res.instance);
            self.scratch.set(SCOPE_NAME_LABEL, &scope.name);
            self.scratch.set(SCOPE_VERSION_LABEL, &scope.version);
            for kv in &scope.attributes {
                self.set_attr(&kv.key, kv.value.as_ref());
            }
            let scope_series = self.lookup_scratch();
            if self.opts.include_scope_info {
                self.push_sample(scope_series, now_ms, 1.0, out);
                if self.opts.honor_metadata {
                    self.write_metadata("otel_scope_info", out);
                }
            }
            let sc = ScopeCtx {
                name: scope.name.clone(),
                version: scope.version.clone(),
            };
            for m in &sm.metrics {
                self.metric(&res, &sc, attrs, m, out);
            }
        }
    }

    fn set_attr(
        &mut self,
        key: &str,
        value: Option<&opentelemetry_proto::tonic::common::v1::AnyValue>,
    ) {
        let mut v = std::mem::take(&mut self.value_buf);
        v.clear();
        value_as_string(value, &mut v);
        if let Some(name) = self.label_names.get(key) {
            self.scratch.set(name, &v);
        } else {
            let mut name = String::new();
            normalize_label(key, &mut name);
            self.scratch.set(&name, &v);
            self.label_names.insert(key.to_owned(), name);
        }
        self.value_buf = v;
    }

    /// The series of the scratch labels, created when new.
    fn lookup_scratch(&mut self) -> usize {
        let hash = self.scratch.finish();
        let series = &self.series;
        let scratch = &self.scratch;
        if let Some(&i) = self
            .table
            .find(hash, |&i| scratch.equals(&series[i as usize].labels))
        {
            let s = &mut self.series[i as usize];
            s.last_seen = self.now;
            return i as usize;
        }
        let i = self.series.len();
        self.series.push(SeriesState {
            labels: self.scratch.labels(),
            hash,
            series_ref: SeriesRef::next(),
            last_ts: 0,
            exemplar_ts: 0,
            last_zero_st: 0,
            last_seen: self.now,
            batch_gen: 0,
            batch_idx: 0,
        });
        let series = &self.series;
        self.table
            .insert_unique(hash, i as u32, |&j| series[j as usize].hash);
        i
    }

    /// Labels of a point's series: name, job, instance, `extra`, scope
    /// labels, then the point's attributes (resource attributes joined in
    /// when `resource_to_telemetry_conversion` is set; they win).
    fn point_series(
        &mut self,
        res: &ResourceCtx,
        scope: &ScopeCtx,
        res_attrs: &[KeyValue],
        name: &str,
        extra: Option<(&str, &str)>,
        attrs: &[KeyValue],
    ) -> usize {
        self.scratch.clear();
        self.scratch.set("__name__", name);
        self.scratch.set("job", &res.job);
        self.scratch.set("instance", &res.instance);
        if let Some((n, v)) = extra {
            self.scratch.set(n, v);
        }
        if self.opts.include_scope_labels {
            self.scratch.set(SCOPE_NAME_LABEL, &scope.name);
            self.scratch.set(SCOPE_VERSION_LABEL, &scope.version);
        }
        if self.opts.resource_to_telemetry_conversion {
            for kv in attrs {
                let v = find_attr(res_attrs, &kv.key).or(kv.value.as_ref());
                self.set_attr(&kv.key, v);
            }
            for kv in res_attrs {
                if find_attr(attrs, &kv.key).is_none() {
                    self.set_attr(&kv.key, kv.value.as_ref());
                }
            }
        } else {
            for kv in attrs {
                self.set_attr(&kv.key, kv.value.as_ref());
            }
        }
        self.lookup_scratch()
    }

    fn batch_index(&mut self, i: usize, out: &mut Batch) -> u32 {
        let s = &mut self.series[i];
        if s.batch_gen != self.batch_gen {
            s.batch_gen = self.batch_gen;
            s.batch_idx = out.add_series(s.series_ref, s.labels.clone());
        }
        s.batch_idx
    }

    fn push_sample(&mut self, i: usize, t_ms: i64, v: f64, out: &mut Batch) {
        let bi = self.batch_index(i, out);
        out.push_sample(bi, t_ms, v);
    }

    /// Upstream's `writeSeries`: skips a point older than the series' last
    /// one (counted), writes the stale marker for "no recorded value".
    fn write_point(&mut self, i: usize, ts_ns: u64, flags: u32, v: f64, out: &mut Batch) {
        let s = &mut self.series[i];
        if ts_ns < s.last_ts {
            self.stats.drop(DropReason::OutOfOrder, 1);
            return;
        }
        s.last_ts = ts_ns;
        let v = if flags & FLAG_NO_RECORDED_VALUE != 0 {
            STALE_NAN
        } else {
            v
        };
        self.push_sample(i, ns_to_ms(ts_ns), v, out);
    }

    /// A zero sample at the point's start time, once per start time, when
    /// `start_timestamp_zero_ingestion` is on.
    fn write_st_zero(
        &mut self,
        i: usize,
        ts_ns: u64,
        start_ns: u64,
        hist: Option<&alloy_prometheus::Histogram>,
        out: &mut Batch,
    ) {
        if !self.opts.start_timestamp_zero_ingestion || start_ns == 0 {
            return;
        }
        let (t, st) = (ns_to_ms(ts_ns), ns_to_ms(start_ns));
        let s = &mut self.series[i];
        if st <= s.last_zero_st || st >= t {
            return;
        }
        s.last_zero_st = st;
        let bi = self.batch_index(i, out);
        match hist {
            Some(h) => out.push_histogram(bi, st, HistogramValue::Int(histograms::empty_like(h))),
            None => out.push_sample(bi, st, 0.0),
        }
    }

    fn write_exemplar(&mut self, i: usize, e: &OtlpExemplar, out: &mut Batch) {
        let s = &mut self.series[i];
        if e.time_unix_nano < s.exemplar_ts {
            return;
        }
        s.exemplar_ts = e.time_unix_nano;
        let mut pairs: Vec<(&str, String)> = Vec::with_capacity(2);
        if e.span_id.iter().any(|&b| b != 0) {
            pairs.push(("span_id", hex(&e.span_id)));
        }
        if e.trace_id.iter().any(|&b| b != 0) {
            pairs.push(("trace_id", hex(&e.trace_id)));
        }
        let labels = Labels::from_pairs(pairs.iter().map(|(n, v)| (*n, v.as_str())));
        let exemplar = Exemplar {
            labels,
            value: exemplar_value(e),
            t: Some(ns_to_ms(e.time_unix_nano)),
        };
        let bi = self.batch_index(i, out);
        out.push_exemplar(bi, exemplar);
    }

    fn update_metadata(&mut self, name: &str, metric_type: MetricType, help: &str, unit: &str) {
        let now = self.now;
        if let Some(e) = self.metadata.get_mut(name) {
            e.last_seen = now;
            if e.metadata.metric_type != metric_type
                || e.metadata.help != help
                || e.metadata.unit != unit
            {
                e.metadata = Metadata {
                    metric_type,
                    help: help.to_owned(),
                    unit: unit.to_owned(),
                };
                e.dirty = true;
            }
            return;
        }
        self.metadata.insert(
            name.to_owned(),
            MetaEntry {
                metadata: Metadata {
                    metric_type,
                    help: help.to_owned(),
                    unit: unit.to_owned(),
                },
                dirty: true,
                last_seen: now,
                labels: Labels::from_pairs([("__name__", name)]),
                series_ref: SeriesRef::next(),
            },
        );
    }

    /// Writes a family's metadata if it changed since it was last written
    /// (after the family's samples, so strict receivers know the series).
    fn write_metadata(&mut self, name: &str, out: &mut Batch) {
        if let Some(e) = self.metadata.get_mut(name) {
            if e.dirty {
                e.dirty = false;
                let i = out.add_series(e.series_ref, e.labels.clone());
                out.push_metadata(i, e.metadata.clone());
            }
        }
    }

    fn note_family(&mut self, family: &str, original: &str) {
        match self.families.get(family) {
            Some(o) if o != original => self.stats.name_collisions += 1,
            Some(_) => {}
            None => {
                self.families.insert(family.to_owned(), original.to_owned());
            }
        }
    }

    fn metric(
        &mut self,
        res: &ResourceCtx,
        scope: &ScopeCtx,
        res_attrs: &[KeyValue],
        m: &Metric,
        out: &mut Batch,
    ) {
        let Some(data) = &m.data else { return };
        let kind = match data {
            metric::Data::Gauge(_) => NameKind::Gauge,
            metric::Data::Sum(s) if s.is_monotonic => NameKind::MonotonicSum,
            _ => NameKind::Other,
        };
        let name = build_compliant_name(&m.name, &m.unit, kind, self.opts.add_metric_suffixes);
        let points = point_count(data);
        self.stats.points += points;
        if name.is_empty() {
            self.stats.drop(DropReason::EmptyName, points);
            return;
        }
        match data {
            metric::Data::Gauge(g) => {
                self.note_family(&name, &m.name);
                self.update_metadata(&name, MetricType::Gauge, &m.description, &m.unit);
                for dp in &g.data_points {
                    let i = self.point_series(res, scope, res_attrs, &name, None, &dp.attributes);
                    self.write_point(i, dp.time_unix_nano, dp.flags, number_value(dp.value), out);
                }
            }
            metric::Data::Sum(s) => {
                let cumulative =
                    s.aggregation_temporality == AggregationTemporality::Cumulative as i32;
                if !cumulative {
                    self.stats.drop(DropReason::DeltaSum, points);
                    return;
                }
                let counter = s.is_monotonic;
                let ty = if counter {
                    MetricType::Counter
                } else {
                    MetricType::Gauge
                };
                self.note_family(&name, &m.name);
                self.update_metadata(&name, ty, &m.description, &m.unit);
                for dp in &s.data_points {
                    let i = self.point_series(res, scope, res_attrs, &name, None, &dp.attributes);
                    if counter {
                        self.write_st_zero(
                            i,
                            dp.time_unix_nano,
                            dp.start_time_unix_nano,
                            None,
                            out,
                        );
                    }
                    self.write_point(i, dp.time_unix_nano, dp.flags, number_value(dp.value), out);
                    if counter {
                        for e in &dp.exemplars {
                            self.write_exemplar(i, e, out);
                        }
                    }
                }
            }
            metric::Data::Histogram(h) => {
                if h.aggregation_temporality != AggregationTemporality::Cumulative as i32 {
                    self.stats.drop(DropReason::DeltaHistogram, points);
                    return;
                }
                self.note_family(&name, &m.name);
                self.update_metadata(&name, MetricType::Histogram, &m.description, &m.unit);
                for dp in &h.data_points {
                    self.histogram_point(res, scope, res_attrs, &name, dp, out);
                }
            }
            metric::Data::ExponentialHistogram(h) => {
                if h.aggregation_temporality != AggregationTemporality::Cumulative as i32 {
                    self.stats
                        .drop(DropReason::DeltaExponentialHistogram, points);
                    return;
                }
                self.note_family(&name, &m.name);
                self.update_metadata(&name, MetricType::Histogram, &m.description, &m.unit);
                for dp in &h.data_points {
                    let i = self.point_series(res, scope, res_attrs, &name, None, &dp.attributes);
                    if dp.time_unix_nano < self.series[i].last_ts {
                        self.stats.drop(DropReason::OutOfOrder, 1);
                        continue;
                    }
                    self.series[i].last_ts = dp.time_unix_nano;
                    let hist = match exponential_to_native(dp) {
                        Ok(hist) => hist,
                        Err(_) => {
                            self.stats.drop(DropReason::InvalidExponentialHistogram, 1);
                            continue;
                        }
                    };
                    self.write_st_zero(
                        i,
                        dp.time_unix_nano,
                        dp.start_time_unix_nano,
                        Some(&hist),
                        out,
                    );
                    let bi = self.batch_index(i, out);
                    out.push_histogram(bi, ns_to_ms(dp.time_unix_nano), HistogramValue::Int(hist));
                    for e in &dp.exemplars {
                        self.write_exemplar(i, e, out);
                    }
                }
            }
            metric::Data::Summary(s) => {
                self.note_family(&name, &m.name);
                self.update_metadata(&name, MetricType::Summary, &m.description, &m.unit);
                let mut label = String::new();
                for dp in &s.data_points {
                    let sum_name = format!("{name}_sum");
                    let i =
                        self.point_series(res, scope, res_attrs, &sum_name, None, &dp.attributes);
                    self.write_st_zero(i, dp.time_unix_nano, dp.start_time_unix_nano, None, out);
                    self.write_point(i, dp.time_unix_nano, dp.flags, dp.sum, out);
                    let count_name = format!("{name}_count");
                    let i =
                        self.point_series(res, scope, res_attrs, &count_name, None, &dp.attributes);
                    self.write_st_zero(i, dp.time_unix_nano, dp.start_time_unix_nano, None, out);
                    self.write_point(i, dp.time_unix_nano, dp.flags, dp.count as f64, out);
                    for q in &dp.quantile_values {
                        label.clear();
                        format_float_label(q.quantile, &mut label);
                        let i = self.point_series(
                            res,
                            scope,
                            res_attrs,
                            &name,
                            Some(("quantile", &label)),
                            &dp.attributes,
                        );
                        self.write_point(i, dp.time_unix_nano, dp.flags, q.value, out);
                    }
                }
            }
        }
        if self.opts.honor_metadata {
            self.write_metadata(&name, out);
        }
    }

    fn histogram_point(
        &mut self,
        res: &ResourceCtx,
        scope: &ScopeCtx,
        res_attrs: &[KeyValue],
        name: &str,
        dp: &opentelemetry_proto::tonic::metrics::v1::HistogramDataPoint,
        out: &mut Batch,
    ) {
        let (ts, start, flags) = (dp.time_unix_nano, dp.start_time_unix_nano, dp.flags);
        if self.opts.convert_classic_histograms_to_nhcb {
            let i = self.point_series(res, scope, res_attrs, name, None, &dp.attributes);
            if ts < self.series[i].last_ts {
                self.stats.drop(DropReason::OutOfOrder, 1);
                return;
            }
            self.series[i].last_ts = ts;
            let hist = match explicit_to_custom_buckets(dp) {
                Ok(h) => h,
                Err(_) => {
                    self.stats.drop(DropReason::InvalidBucketLayout, 1);
                    return;
                }
            };
            self.write_st_zero(i, ts, start, Some(&hist), out);
            let bi = self.batch_index(i, out);
            out.push_histogram(bi, ns_to_ms(ts), HistogramValue::Int(hist));
            for e in &dp.exemplars {
                self.write_exemplar(i, e, out);
            }
            return;
        }
        let mut series_name = String::with_capacity(name.len() + 7);
        if let Some(sum) = dp.sum {
            series_name.push_str(name);
            series_name.push_str("_sum");
            let i = self.point_series(res, scope, res_attrs, &series_name, None, &dp.attributes);
            self.write_st_zero(i, ts, start, None, out);
            self.write_point(i, ts, flags, sum, out);
        }
        series_name.clear();
        series_name.push_str(name);
        series_name.push_str("_count");
        let i = self.point_series(res, scope, res_attrs, &series_name, None, &dp.attributes);
        self.write_st_zero(i, ts, start, None, out);
        self.write_point(i, ts, flags, dp.count as f64, out);

        // Cumulative counts by bound, computed over the sorted bounds (as
        // upstream, a bound listed twice accumulates into one entry).
        let n = dp.explicit_bounds.len().min(dp.bucket_counts.len());
        let mut counts: FxHashMap<u64, u64> = FxHashMap::default();
        let mut bounds = Vec::with_capacity(n);
        for k in 0..n {
            let b = dp.explicit_bounds[k];
            counts.insert(bound_key(b), dp.bucket_counts[k]);
            bounds.push(b);
        }
        bounds.sort_by(f64::total_cmp);
        let mut c = 0u64;
        for b in &bounds {
            if let Some(slot) = counts.get_mut(&bound_key(*b)) {
                c = c.wrapping_add(*slot);
                *slot = c;
            }
        }
        let mut exemplars: Vec<&OtlpExemplar> = dp.exemplars.iter().collect();
        exemplars.sort_by(|a, b| exemplar_double(a).total_cmp(&exemplar_double(b)));
        let mut next_ex = 0;
        series_name.clear();
        series_name.push_str(name);
        series_name.push_str("_bucket");
        let mut le = String::new();
        for k in 0..n {
            let bound = dp.explicit_bounds[k];
            let count = if bound.is_nan() {
                dp.bucket_counts[k]
            } else {
                counts
                    .get(&bound_key(bound))
                    .copied()
                    .unwrap_or(dp.bucket_counts[k])
            };
            le.clear();
            format_float_label(bound, &mut le);
            let i = self.point_series(
                res,
                scope,
                res_attrs,
                &series_name,
                Some(("le", &le)),
                &dp.attributes,
            );
            self.write_st_zero(i, ts, start, None, out);
            self.write_point(i, ts, flags, count as f64, out);
            while next_ex < exemplars.len() && exemplar_double(exemplars[next_ex]) < bound {
                self.write_exemplar(i, exemplars[next_ex], out);
                next_ex += 1;
            }
        }
        let i = self.point_series(
            res,
            scope,
            res_attrs,
            &series_name,
            Some(("le", "+Inf")),
            &dp.attributes,
        );
        self.write_st_zero(i, ts, start, None, out);
        self.write_point(i, ts, flags, dp.count as f64, out);
        for e in &exemplars[next_ex..] {
            self.write_exemplar(i, e, out);
        }
    }
}

fn bound_key(b: f64) -> u64 {
    if b == 0.0 {
        0
    } else {
        b.to_bits()
    }
}

fn find_attr<'a>(
    attrs: &'a [KeyValue],
    key: &str,
) -> Option<&'a opentelemetry_proto::tonic::common::v1::AnyValue> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

fn number_value(v: Option<number_data_point::Value>) -> f64 {
    match v {
        Some(number_data_point::Value::AsDouble(d)) => d,
        Some(number_data_point::Value::AsInt(i)) => i as f64,
        None => 0.0,
    }
}

fn exemplar_value(e: &OtlpExemplar) -> f64 {
    match e.value {
        Some(exemplar::Value::AsDouble(d)) => d,
        Some(exemplar::Value::AsInt(i)) => i as f64,
        None => 0.0,
    }
}

/// pdata's `DoubleValue()`: 0 for integer exemplars (upstream sorts by it).
fn exemplar_double(e: &OtlpExemplar) -> f64 {
    match e.value {
        Some(exemplar::Value::AsDouble(d)) => d,
        _ => 0.0,
    }
}

fn point_count(data: &metric::Data) -> u64 {
    (match data {
        metric::Data::Gauge(g) => g.data_points.len(),
        metric::Data::Sum(s) => s.data_points.len(),
        metric::Data::Histogram(h) => h.data_points.len(),
        metric::Data::ExponentialHistogram(h) => h.data_points.len(),
        metric::Data::Summary(s) => s.data_points.len(),
    }) as u64
}

/// Nanoseconds to Prometheus milliseconds.
pub fn ns_to_ms(ns: u64) -> i64 {
    (ns / 1_000_000) as i64
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}
