//! `prometheus.relabel`'s data path: an [`Appendable`] that relabels each
//! series of a batch (once per series, remembered in a cache keyed by the
//! input ref) and forwards what is kept.

use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use alloy_metrics::{Gauge, Histogram, IntCounter, Registry};
use rustc_hash::FxHashMap;

use super::{apply, Rule};
use crate::model::{is_stale_nan, AppendError, Appendable, Batch, Fanout, Labels, SeriesRef};

/// Upstream's debug metrics of `prometheus.relabel`.
#[derive(Clone, Debug)]
pub struct RelabelMetrics {
    pub processed: IntCounter,
    pub written: IntCounter,
    pub cache_hits: IntCounter,
    pub cache_misses: IntCounter,
    pub cache_size: Gauge,
    pub ttl_evictions: IntCounter,
    pub forwarded: IntCounter,
    pub fanout_latency: Histogram,
}

impl RelabelMetrics {
    pub fn new(registry: &Registry, component_id: &str) -> RelabelMetrics {
        RelabelMetrics {
            processed: registry.int_counter(
                "prometheus_relabel_metrics_processed",
                "Total number of metrics processed",
                &[],
            ),
            written: registry.int_counter(
                "prometheus_relabel_metrics_written",
                "Total number of metrics written",
                &[],
            ),
            cache_hits: registry.int_counter(
                "prometheus_relabel_cache_hits",
                "Total number of cache hits",
                &[],
            ),
            cache_misses: registry.int_counter(
                "prometheus_relabel_cache_misses",
                "Total number of cache misses",
                &[],
            ),
            cache_size: registry.gauge(
                "prometheus_relabel_cache_size",
                "Total size of relabel cache",
                &[],
            ),
            ttl_evictions: registry.int_counter(
                "prometheus_relabel_cache_ttl_evictions_total",
                "Cache entries removed by the periodic TTL scan.",
                &[],
            ),
            forwarded: registry.int_counter(
                "prometheus_forwarded_samples_total",
                "Total number of samples sent to downstream components.",
                &[("component_id", component_id)],
            ),
            fanout_latency: registry.histogram(
                "prometheus_fanout_latency",
                "Write latency for sending to direct and indirect components",
                &[("component_id", component_id)],
                &alloy_metrics::DEFAULT_BUCKETS,
            ),
        }
    }
}

/// How the cache is bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheMode {
    /// At most this many entries, least recently used evicted first.
    Lru(usize),
    /// Entries expire this long after their insertion.
    Ttl(Duration),
}

struct Entry {
    /// The output series, or `None` when the rules drop it.
    out: Option<(SeriesRef, Labels)>,
    last_used: u64,
    inserted: Instant,
}

#[derive(Default)]
struct OutputRef {
    series_ref: SeriesRef,
    users: usize,
}

struct Cache {
    entries: FxHashMap<SeriesRef, Entry>,
    /// Output label sets with their ref, shared by every input that maps
    /// to them (two inputs relabelled to one set get one ref).
    outputs: FxHashMap<Labels, OutputRef>,
    tick: u64,
    last_scan: Instant,
}

impl Cache {
    fn new() -> Cache {
        Cache {
            entries: FxHashMap::default(),
            outputs: FxHashMap::default(),
            tick: 0,
            last_scan: Instant::now(),
        }
    }

    fn output_ref(&mut self, labels: &Labels, input: SeriesRef, same: bool) -> SeriesRef {
        let out = self.outputs.entry(labels.clone()).or_default();
        if out.users == 0 {
            // An unchanged set keeps the producer's ref.
            out.series_ref = if same { input } else { SeriesRef::next() };
        }
        out.users += 1;
        out.series_ref
    }

    fn remove(&mut self, input: SeriesRef) {
        if let Some(entry) = self.entries.remove(&input) {
            if let Some((_, labels)) = entry.out {
                if let Some(out) = self.outputs.get_mut(&labels) {
                    out.users = out.users.saturating_sub(1);
                    if out.users == 0 {
                        self.outputs.remove(&labels);
                    }
                }
            }
        }
    }

    /// Evicts the least recently used eighth when over `max`.
    fn bound(&mut self, max: usize) {
        if self.entries.len() <= max {
            return;
        }
        let excess = self.entries.len() - max;
        let extra = (max / 8).max(1);
        let mut ages: Vec<(u64, SeriesRef)> = self
            .entries
            .iter()
            .map(|(k, e)| (e.last_used, *k))
            .collect();
        let n = (excess + extra).min(ages.len());
        ages.select_nth_unstable(n.saturating_sub(1));
        for (_, k) in ages.into_iter().take(n) {
            self.remove(k);
        }
    }

    /// Removes entries older than `ttl`, at most once per `ttl / 4`.
    fn expire(&mut self, ttl: Duration, now: Instant) -> usize {
        if now.duration_since(self.last_scan) < ttl / 4 {
            return 0;
        }
        self.last_scan = now;
        let old: Vec<SeriesRef> = self
            .entries
            .iter()
            .filter(|(_, e)| now.duration_since(e.inserted) >= ttl)
            .map(|(k, _)| *k)
            .collect();
        for k in &old {
            self.remove(*k);
        }
        old.len()
    }
}

struct Config {
    rules: Arc<Vec<Rule>>,
    forward: Fanout,
    mode: CacheMode,
}

/// The relabel stage. Cheap to share; updates take effect for the next
/// batch (new rules clear the cache).
pub struct RelabelStage {
    config: RwLock<Config>,
    cache: Mutex<Cache>,
    pool: Mutex<Vec<Batch>>,
    metrics: RelabelMetrics,
}

impl RelabelStage {
    pub fn new(
        rules: Vec<Rule>,
        forward: Fanout,
        mode: CacheMode,
        metrics: RelabelMetrics,
    ) -> RelabelStage {
        RelabelStage {
            config: RwLock::new(Config {
                rules: Arc::new(rules),
                forward,
                mode,
            }),
            cache: Mutex::new(Cache::new()),
            pool: Mutex::new(Vec::new()),
            metrics,
        }
    }

    fn cache(&self) -> MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the rules, receivers and cache bound.
    pub fn update(&self, rules: Vec<Rule>, forward: Fanout, mode: CacheMode) {
        let mut config = self.config.write().unwrap_or_else(|p| p.into_inner());
        let changed = *config.rules != rules || config.mode != mode;
        config.rules = Arc::new(rules);
        config.forward = forward;
        config.mode = mode;
        drop(config);
        if changed {
            let mut cache = self.cache();
            *cache = Cache::new();
            self.metrics.cache_size.set(0.0);
        }
    }

    /// The rules in force.
    pub fn rules(&self) -> Arc<Vec<Rule>> {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .rules
            .clone()
    }

    /// Relabels `input` into `out` (cleared first).
    fn relabel_into(&self, rules: &[Rule], mode: CacheMode, input: &Batch, out: &mut Batch) {
        out.clear();
        let mut cache = self.cache();
        cache.tick += 1;
        let tick = cache.tick;
        let now = Instant::now();
        let mut map: Vec<Option<u32>> = Vec::with_capacity(input.series().len());
        let (mut hits, mut misses) = (0u64, 0u64);
        for series in input.series() {
            let key = series.series_ref;
            let cached = match cache.entries.get_mut(&key) {
                // A ref stands for one label set; a differing set means the
                // producer reused it, so the entry is recomputed.
                Some(e) if !key.is_unset() => {
                    e.last_used = tick;
                    hits += 1;
                    Some(e.out.clone())
                }
                _ => None,
            };
            let result = match cached {
                Some(r) => r,
                None => {
                    misses += 1;
                    let result = apply(rules, &series.labels)
                        .filter(|l| !l.is_empty())
                        .map(|l| {
                            let same = l.ptr_eq(&series.labels);
                            let r = cache.output_ref(&l, key, same);
                            (r, l)
                        });
                    if !key.is_unset() {
                        cache.remove(key);
                        cache.entries.insert(
                            key,
                            Entry {
                                out: result.clone(),
                                last_used: tick,
                                inserted: now,
                            },
                        );
                    }
                    result
                }
            };
            map.push(result.map(|(r, l)| out.add_series(r, l)));
        }
        // Series that went stale leave the cache after this batch.
        for s in input.samples() {
            if let Some(Some(i)) = map.get(s.series as usize) {
                out.push_sample(*i, s.sample.t, s.sample.v);
            }
            if is_stale_nan(s.sample.v) {
                if let Some(series) = input.series_at(s.series) {
                    cache.remove(series.series_ref);
                }
            }
        }
        for h in input.histograms() {
            if let Some(Some(i)) = map.get(h.series as usize) {
                out.push_histogram(*i, h.t, h.value.clone());
            }
        }
        for e in input.exemplars() {
            if let Some(Some(i)) = map.get(e.series as usize) {
                out.push_exemplar(*i, e.exemplar.clone());
            }
        }
        for m in input.metadata() {
            if let Some(Some(i)) = map.get(m.series as usize) {
                out.push_metadata(*i, m.metadata.clone());
            }
        }
        match mode {
            CacheMode::Lru(max) => cache.bound(max),
            CacheMode::Ttl(ttl) => {
                let n = cache.expire(ttl, now);
                self.metrics.ttl_evictions.inc_by(n as u64);
            }
        }
        self.metrics.cache_size.set(cache.entries.len() as f64);
        self.metrics.cache_hits.inc_by(hits);
        self.metrics.cache_misses.inc_by(misses);
    }
}

impl Appendable for RelabelStage {
    fn append(&self, batch: &Batch) -> Result<(), AppendError> {
        let (rules, forward, mode) = {
            let c = self.config.read().unwrap_or_else(|p| p.into_inner());
            (c.rules.clone(), c.forward.clone(), c.mode)
        };
        self.metrics.processed.inc_by(batch.sample_count() as u64);
        let mut out = self
            .pool
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_default();
        self.relabel_into(&rules, mode, batch, &mut out);
        let n = out.sample_count() as u64;
        self.metrics.written.inc_by(n);
        let result = if out.is_empty() {
            Ok(())
        } else {
            let start = Instant::now();
            let r = forward.append(&out);
            self.metrics
                .fanout_latency
                .observe(start.elapsed().as_secs_f64());
            self.metrics.forwarded.inc_by(n);
            r
        };
        out.clear();
        self.pool
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(out);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Recorder, STALE_NAN};
    use crate::relabel::{Dialect, RuleSpec};

    fn rule(action: &str, source: &[&str], regex: &str, target: &str, replacement: &str) -> Rule {
        RuleSpec {
            source_labels: (!source.is_empty())
                .then(|| source.iter().map(|s| s.to_string()).collect()),
            regex: regex.into(),
            target_label: target.into(),
            replacement: replacement.into(),
            action: action.into(),
            ..RuleSpec::default()
        }
        .compile(Dialect::Alloy)
        .expect("valid rule")
    }

    #[test]
    fn relabels_caches_and_forgets_stale_series() {
        let registry = Registry::new();
        let sink = Arc::new(Recorder::new());
        let stage = RelabelStage::new(
            vec![
                rule("drop", &["__name__"], "drop_me", "", "$1"),
                rule("replace", &["a"], "(.*)", "b", "x$1"),
            ],
            Fanout::new(vec![sink.clone()]),
            CacheMode::Lru(100),
            RelabelMetrics::new(&registry, "prometheus.relabel.t"),
        );
        let keep = Labels::from_pairs([("__name__", "m"), ("a", "1")]);
        let drop = Labels::from_pairs([("__name__", "drop_me")]);
        let (rk, rd) = (SeriesRef::next(), SeriesRef::next());
        let mut batch = Batch::new();
        batch.add(rk, keep.clone(), 1, 1.0);
        batch.add(rd, drop.clone(), 1, 2.0);
        stage.append(&batch).expect("appended");
        stage.append(&batch).expect("appended");
        let got = sink.samples();
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].0,
            Labels::from_pairs([("__name__", "m"), ("a", "1"), ("b", "x1")])
        );
        let refs: Vec<_> = sink
            .batches()
            .iter()
            .map(|b| b.series()[0].series_ref)
            .collect();
        assert_eq!(refs[0], refs[1]);
        assert_ne!(refs[0], rk);
        assert_eq!(registry.sum("prometheus_relabel_cache_hits", &[]), 2.0);
        assert_eq!(registry.sum("prometheus_relabel_cache_misses", &[]), 2.0);
        assert_eq!(
            registry.sum("prometheus_relabel_metrics_processed", &[]),
            4.0
        );
        assert_eq!(registry.sum("prometheus_relabel_metrics_written", &[]), 2.0);
        let mut stale = Batch::new();
        stale.add(rk, keep, 2, STALE_NAN);
        stage.append(&stale).expect("appended");
        assert_eq!(registry.sum("prometheus_relabel_cache_size", &[]), 1.0);
        assert!(is_stale_nan(sink.samples()[2].1.v));
    }

    #[test]
    fn lru_bound_holds() {
        let registry = Registry::new();
        let stage = RelabelStage::new(
            vec![],
            Fanout::new(vec![]),
            CacheMode::Lru(16),
            RelabelMetrics::new(&registry, "x"),
        );
        for i in 0..100 {
            let mut b = Batch::new();
            b.add(
                SeriesRef::next(),
                Labels::from_pairs([("i", &*i.to_string())]),
                1,
                1.0,
            );
            stage.append(&b).expect("appended");
        }
        assert!(registry.sum("prometheus_relabel_cache_size", &[]) <= 16.0);
        assert!(stage.cache().outputs.len() <= 16);
    }
}
