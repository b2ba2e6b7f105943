//! One target's scrape loop: the series cache, the report series, the
//! stale markers, the limits, and the timing (upstream's per-target offset,
//! then one scrape per interval).

use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy_metrics::{Histogram, IntCounter, Registry};
use rustc_hash::FxHashMap;
use tokio_util::sync::CancellationToken;

use super::http::ScrapeClient;
use super::target::Target;
use super::{format_of, LoopOptions};
use crate::model::{
    is_valid_legacy_label_name, is_valid_legacy_metric_name, Appendable, Batch, Fanout, Labels,
    LabelsBuilder, SeriesRef, STALE_NAN,
};
use crate::textparse::{Entry, Format, OpenMetricsParser, Parser, PromParser};

/// A target's state as the component's debug info shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetStatus {
    /// `None` before the first scrape.
    pub up: Option<bool>,
    pub last_error: Option<String>,
    pub last_scrape: Option<SystemTime>,
    pub last_duration: Duration,
    pub series: usize,
}

/// Counters shared by the loops of one component.
#[derive(Clone, Debug)]
pub struct ScrapeMetrics {
    pub exceeded_sample_limit: IntCounter,
    pub duplicate_timestamp: IntCounter,
    pub forwarded: IntCounter,
    pub refused: IntCounter,
    pub fanout_latency: Histogram,
    pub scrapes_failed: IntCounter,
}

impl ScrapeMetrics {
    pub fn new(registry: &Registry, component_id: &str) -> ScrapeMetrics {
        ScrapeMetrics {
            exceeded_sample_limit: registry.int_counter(
                "prometheus_target_scrapes_exceeded_sample_limit_total",
                "Total number of scrapes that hit the sample limit and were rejected.",
                &[],
            ),
            duplicate_timestamp: registry.int_counter(
                "prometheus_target_scrapes_sample_duplicate_timestamp_total",
                "Total number of samples rejected due to duplicate timestamps but different values.",
                &[],
            ),
            forwarded: registry.int_counter(
                "prometheus_forwarded_samples_total",
                "Total number of samples sent to downstream components.",
                &[("component_id", component_id)],
            ),
            refused: registry.int_counter(
                "prometheus_scrape_samples_refused_total",
                "Samples the downstream receivers refused (they count the reason).",
                &[],
            ),
            fanout_latency: registry.histogram(
                "prometheus_fanout_latency",
                "Write latency for sending to direct and indirect components",
                &[("component_id", component_id)],
                &alloy_metrics::DEFAULT_BUCKETS,
            ),
            scrapes_failed: registry.int_counter(
                "prometheus_scrape_failures_total",
                "Scrapes that ended with up 0.",
                &[],
            ),
        }
    }
}

struct CacheEntry {
    series_ref: SeriesRef,
    labels: Labels,
    /// The scrape iteration that last saw it.
    seen: u64,
    /// The iteration that created it (a failed scrape forgets its own).
    born: u64,
    explicit_ts: bool,
}

/// Outcome numbers of one scrape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScrapeStats {
    pub scraped: usize,
    pub appended: usize,
    pub added: usize,
    pub stale: usize,
}

const REPORT_NAMES: [&str; 8] = [
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
    "scrape_timeout_seconds",
    "scrape_sample_limit",
    "scrape_body_size_bytes",
];

/// The part of a loop that turns a body into a batch (no network), so it
/// can be driven by tests and benchmarks.
pub struct Scraper {
    target: Target,
    opts: Arc<LoopOptions>,
    cache: FxHashMap<Box<[u8]>, CacheEntry>,
    iter: u64,
    report: Vec<(SeriesRef, Labels)>,
    pub batch: Batch,
    scratch: Vec<(String, String)>,
    lb: LabelsBuilder,
    metrics: ScrapeMetrics,
}

impl Scraper {
    pub fn new(target: Target, opts: Arc<LoopOptions>, metrics: ScrapeMetrics) -> Scraper {
        let report = REPORT_NAMES
            .iter()
            .map(|name| {
                let mut lb = target.labels.to_builder();
                lb.set("__name__", name);
                (SeriesRef::next(), lb.labels())
            })
            .collect();
        Scraper {
            target,
            opts,
            cache: FxHashMap::default(),
            iter: 0,
            report,
            batch: Batch::new(),
            scratch: Vec::new(),
            lb: LabelsBuilder::new(),
            metrics,
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Parses `body` into the batch (cleared first); on error the batch
    /// holds only stale markers for the previous scrape's series.
    pub fn scrape_body(
        &mut self,
        body: &[u8],
        content_type: &str,
        ts: i64,
    ) -> Result<ScrapeStats, String> {
        self.batch.clear();
        self.iter += 1;
        let format = match format_of(content_type).or(self.opts.fallback) {
            Some(f) => f,
            None => {
                self.stale_unseen(ts);
                return Err(format!(
                    "received unsupported Content-Type {content_type:?} and no fallback_scrape_protocol specified for target"
                ));
            }
        };
        let result = match format {
            Format::PrometheusText => {
                let mut p =
                    PromParser::new(body).with_type_and_unit_labels(self.opts.type_and_unit_labels);
                self.append_entries(&mut p, ts)
            }
            Format::OpenMetrics => {
                let mut p = OpenMetricsParser::new(body)
                    .skip_created_series(true)
                    .with_type_and_unit_labels(self.opts.type_and_unit_labels);
                self.append_entries(&mut p, ts)
            }
        };
        match result {
            Ok(mut stats) => {
                stats.stale = self.stale_unseen(ts);
                Ok(stats)
            }
            Err(e) => {
                // Nothing of a failed scrape is kept; the previous series go
                // stale, as upstream appends an empty scrape.
                self.batch.clear();
                let iter = self.iter;
                self.cache.retain(|_, e| e.born != iter);
                for entry in self.cache.values_mut() {
                    if entry.seen == iter {
                        entry.seen = iter - 1;
                    }
                }
                self.stale_unseen(ts);
                Err(e)
            }
        }
    }

    fn append_entries(&mut self, p: &mut dyn Parser, ts: i64) -> Result<ScrapeStats, String> {
        let mut stats = ScrapeStats::default();
        let limit = self.opts.sample_limit;
        loop {
            match p.next().map_err(|e| e.0)? {
                None => break,
                Some(Entry::Series) => {}
                Some(_) => continue,
            }
            stats.scraped += 1;
            let (raw, explicit, v) = p.series();
            let t = match explicit {
                Some(t) if self.opts.honor_timestamps => t,
                _ => ts,
            };
            let index = if let Some(entry) = self.cache.get_mut(raw) {
                if entry.seen == self.iter {
                    self.metrics.duplicate_timestamp.inc();
                    continue;
                }
                entry.seen = self.iter;
                entry.explicit_ts = explicit.is_some();
                self.batch
                    .add_series(entry.series_ref, entry.labels.clone())
            } else {
                let key: Box<[u8]> = raw.into();
                p.labels(&mut self.scratch);
                let Some(labels) = self.sample_labels()? else {
                    continue;
                };
                stats.added += 1;
                let series_ref = SeriesRef::next();
                let i = self.batch.add_series(series_ref, labels.clone());
                self.cache.insert(
                    key,
                    CacheEntry {
                        series_ref,
                        labels,
                        seen: self.iter,
                        born: self.iter,
                        explicit_ts: explicit.is_some(),
                    },
                );
                i
            };
            self.batch.push_sample(index, t, v);
            if let Some(e) = p.exemplar() {
                self.batch.push_exemplar(index, e);
            }
            stats.appended += 1;
            if limit > 0 && stats.appended > limit {
                self.metrics.exceeded_sample_limit.inc();
                return Err("sample limit exceeded".to_owned());
            }
        }
        Ok(stats)
    }

    /// The scraped labels with the target's applied (upstream's
    /// `mutateSampleLabels`) and the limits checked.
    fn sample_labels(&mut self) -> Result<Option<Labels>, String> {
        let lb = &mut self.lb;
        lb.clear();
        for (n, v) in &self.scratch {
            lb.set(n, v);
        }
        if self.opts.legacy_names {
            let name_ok = lb.get("__name__").is_some_and(is_valid_legacy_metric_name);
            let labels_ok = lb
                .iter()
                .all(|l| l.name == "__name__" || is_valid_legacy_label_name(l.name));
            if !name_ok || !labels_ok {
                return Err(format!(
                    "invalid metric name or label names: {}",
                    lb.labels()
                ));
            }
        }
        let mut conflicts = Vec::new();
        for l in self.target.labels.iter() {
            if self.opts.honor_labels {
                if lb.get(l.name).is_none() {
                    lb.set(l.name, l.value);
                }
                continue;
            }
            if let Some(existing) = lb.get(l.name) {
                conflicts.push((l.name.to_owned(), existing.to_owned()));
            }
            lb.set(l.name, l.value);
        }
        conflicts.sort_by_key(|(n, _)| n.len());
        for (name, value) in conflicts {
            let mut renamed = format!("exported_{name}");
            while lb.get(&renamed).is_some() {
                renamed = format!("exported_{renamed}");
            }
            lb.set(&renamed, &value);
        }
        if lb.is_empty() {
            return Ok(None);
        }
        let metric = lb.get("__name__").unwrap_or("").to_owned();
        let short = |s: &str| s.chars().take(50).collect::<String>();
        let o = &self.opts;
        if o.label_limit > 0 && lb.len() > o.label_limit {
            return Err(format!(
                "label_limit exceeded (metric: {}, number of labels: {}, limit: {})",
                short(&metric),
                lb.len(),
                o.label_limit
            ));
        }
        for l in lb.iter() {
            if o.label_name_length_limit > 0 && l.name.len() > o.label_name_length_limit {
                return Err(format!(
                    "label_name_length_limit exceeded (metric: {}, label name: {}, length: {}, limit: {})",
                    short(&metric),
                    short(l.name),
                    l.name.len(),
                    o.label_name_length_limit
                ));
            }
            if o.label_value_length_limit > 0 && l.value.len() > o.label_value_length_limit {
                return Err(format!(
                    "label_value_length_limit exceeded (metric: {}, label name: {}, value: {:?}, length: {}, limit: {})",
                    short(&metric),
                    short(l.name),
                    short(l.value),
                    l.value.len(),
                    o.label_value_length_limit
                ));
            }
        }
        Ok(Some(lb.labels()))
    }

    /// Stale markers for series seen by the previous scrape and not by
    /// this one; forgets series unseen for ten scrapes.
    fn stale_unseen(&mut self, ts: i64) -> usize {
        let (iter, track) = (self.iter, self.opts.track_timestamps_staleness);
        let mut n = 0;
        for entry in self.cache.values() {
            if entry.seen + 1 == iter && (!entry.explicit_ts || track) {
                self.batch
                    .add(entry.series_ref, entry.labels.clone(), ts, STALE_NAN);
                n += 1;
            }
        }
        self.cache.retain(|_, e| e.seen + 10 > iter);
        n
    }

    /// Adds the `up` and `scrape_*` series.
    pub fn add_report(
        &mut self,
        ts: i64,
        up: bool,
        took: Duration,
        stats: ScrapeStats,
        body_bytes: u64,
    ) {
        let o = &self.opts;
        let values = [
            if up { 1.0 } else { 0.0 },
            took.as_secs_f64(),
            stats.scraped as f64,
            stats.appended as f64,
            stats.added as f64,
            o.timeout.as_secs_f64(),
            o.sample_limit as f64,
            body_bytes as f64,
        ];
        let n = if o.extra_metrics { 8 } else { 5 };
        for ((r, labels), v) in self.report.iter().zip(values).take(n) {
            self.batch.add(*r, labels.clone(), ts, v);
        }
    }

    /// Stale markers for everything the target produced (it went away).
    pub fn end_of_run(&mut self, ts: i64) {
        self.batch.clear();
        for entry in self.cache.values() {
            if entry.seen == self.iter
                && (!entry.explicit_ts || self.opts.track_timestamps_staleness)
            {
                self.batch
                    .add(entry.series_ref, entry.labels.clone(), ts, STALE_NAN);
            }
        }
        let n = if self.opts.extra_metrics { 8 } else { 5 };
        for (r, labels) in self.report.iter().take(n) {
            self.batch.add(*r, labels.clone(), ts, STALE_NAN);
        }
        self.cache.clear();
    }

    pub fn series_count(&self) -> usize {
        self.cache.values().filter(|e| e.seen == self.iter).count()
    }
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Upstream's scrape offset: targets spread over the interval by the hash
/// of their labels, pinned to absolute time so restarts keep the slot.
pub fn offset(interval: Duration, target_hash: u64, seed: u64) -> Duration {
    let iv = interval.as_nanos().max(1) as u64;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let base = iv - now % iv;
    let mut next = base + (target_hash ^ seed) % iv;
    if next > iv {
        next -= iv;
    }
    Duration::from_nanos(next)
}

/// A running target: the loop task's shared state.
pub struct LoopHandle {
    pub cancel: CancellationToken,
    pub status: Arc<Mutex<TargetStatus>>,
    pub task: tokio::task::JoinHandle<()>,
}

/// Starts the loop of `target` on the current runtime.
pub fn spawn(
    target: Target,
    client: ScrapeClient,
    opts: Arc<LoopOptions>,
    forward: Arc<RwLock<Fanout>>,
    metrics: ScrapeMetrics,
) -> LoopHandle {
    let cancel = CancellationToken::new();
    let status = Arc::new(Mutex::new(TargetStatus::default()));
    let mut h = rustc_hash::FxHasher::default();
    target.labels.hash(&mut h);
    target.url.hash(&mut h);
    let start = offset(target.interval, h.finish(), opts.offset_seed);
    let interval = target.interval;
    let timeout = target.timeout;
    let url = target.url.clone();
    let mut scraper = Scraper::new(target, opts, metrics.clone());
    let (c, s) = (cancel.clone(), status.clone());
    let task = tokio::spawn(async move {
        tokio::select! {
            _ = c.cancelled() => return,
            _ = tokio::time::sleep(start) => {}
        }
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut body = Vec::new();
        loop {
            tokio::select! {
                _ = c.cancelled() => break,
                _ = ticker.tick() => {}
            }
            let ts = now_ms();
            let started = Instant::now();
            let fetched = tokio::select! {
                _ = c.cancelled() => break,
                r = client.fetch(&url, timeout, &mut body) => r,
            };
            let (result, bytes) = match fetched {
                Ok(f) => (
                    scraper.scrape_body(&body, &f.content_type, ts),
                    f.wire_bytes,
                ),
                Err(e) => {
                    let r = scraper.scrape_body(b"", "text/plain", ts).and(Err(e));
                    (r, 0)
                }
            };
            let took = started.elapsed();
            let up = result.is_ok();
            let stats = result.as_ref().copied().unwrap_or_default();
            scraper.add_report(ts, up, took, stats, bytes);
            if !up {
                metrics.scrapes_failed.inc();
            }
            forward_batch(&forward, &scraper.batch, &metrics);
            if let Ok(mut st) = s.lock() {
                st.up = Some(up);
                st.last_error = result.err();
                st.last_scrape = Some(SystemTime::now());
                st.last_duration = took;
                st.series = scraper.series_count();
            }
            // Keep big bodies from pinning memory between scrapes.
            if body.capacity() > 4 * body.len().max(1 << 20) {
                body = Vec::new();
            }
        }
        scraper.end_of_run(now_ms());
        forward_batch(&forward, &scraper.batch, &metrics);
    });
    LoopHandle {
        cancel,
        status,
        task,
    }
}

pub(crate) fn forward_batch(forward: &RwLock<Fanout>, batch: &Batch, metrics: &ScrapeMetrics) {
    if batch.is_empty() {
        return;
    }
    let fanout = forward.read().unwrap_or_else(|p| p.into_inner()).clone();
    let started = Instant::now();
    let n = batch.sample_count() as u64;
    match fanout.append(batch) {
        Ok(()) => metrics.forwarded.inc_by(n),
        Err(e) => {
            metrics.refused.inc_by(n);
            tracing::debug!(err = %e, "a receiver refused scraped samples");
        }
    }
    metrics
        .fanout_latency
        .observe(started.elapsed().as_secs_f64());
}
