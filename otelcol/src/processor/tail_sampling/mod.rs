//! `otelcol.processor.tail_sampling`: holds each trace's spans for
//! `decision_wait`, then keeps or drops the whole trace by its policies.
//!
//! # Model (upstream's)
//! A trace enters the current decision batch when its first span arrives.
//! Every tick (one second) the oldest of `max(1, decision_wait in seconds)`
//! batches is decided: `drop` policies first, then the others in order;
//! the final decision is a drop if any drop policy matched, else not
//! sampled if an inverted policy vetoed, else sampled if any policy
//! sampled (or only inverted policies matched and none said no). Sampled
//! traces go downstream whole; the decision stays with the trace id so
//! spans arriving later follow it: in the decision caches when
//! `decision_cache` sizes them, else in the trace's (emptied) entry until
//! it ages out.
//!
//! # Memory
//! Undecided spans are held as their encoded protobuf (one exact-size
//! allocation each, about a third of a decoded span with its strings and
//! vectors) and decoded once, when their trace is decided.
//!
//! # Bounds
//! At most `num_traces` trace entries exist. A new trace beyond that
//! evicts the oldest one; an evicted trace that was still undecided loses
//! its spans and is counted in
//! `otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total`
//! when its batch comes up, as upstream counts it.

pub mod cache;
pub mod config;
pub mod policy;
mod telemetry;
pub mod trace;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Instant;

use opentelemetry_proto::tonic::trace::v1::ResourceSpans;
use tokio::sync::Notify;

use crate::consumer::{Consumer, Fanout};
use crate::error::{ConfigError, ConsumeError, ShutdownError};
use crate::pdata::{ConsumeFuture, Logs, Metrics, Signal, SignalKind, Traces};
use crate::telemetry::{ProcessorObs, Registry};

use cache::DecisionCache;
pub use config::{PolicyConfig, PolicyKind, TailSamplingConfig};
use policy::{combine, Decision, Evaluator};
use telemetry::TailObs;
use trace::{BufferedSpan, StoredSpan, TraceData, TraceId};

/// One configured policy with its metric series.
struct Policy {
    evaluator: Evaluator,
    sampled: crate::telemetry::Counter,
    not_sampled: crate::telemetry::Counter,
}

/// A trace the processor knows about.
struct Entry {
    /// Distinguishes this entry from an earlier one of the same id in
    /// the eviction order.
    seq: u64,
    /// Spans as encoded protobuf until the decision (see `trace.rs`).
    spans: Vec<StoredSpan>,
    decision: Option<Decision>,
}

struct State {
    traces: HashMap<TraceId, Entry>,
    /// Trace ids by arrival, oldest first (stale pairs are skipped).
    order: VecDeque<(TraceId, u64)>,
    seq: u64,
    /// Decision batches; new traces join the last, ticks take the first.
    batches: VecDeque<Vec<TraceId>>,
    sampled_cache: DecisionCache,
    not_sampled_cache: DecisionCache,
    policies: Vec<Policy>,
    /// Spans held for undecided traces.
    buffered_spans: u64,
    stopped: bool,
}

/// The `otelcol.processor.tail_sampling` component.
pub struct TailSamplingProcessor {
    num_traces: u64,
    batch_capacity: usize,
    sample_on_first_match: bool,
    drop_pending_on_shutdown: bool,
    state: Mutex<State>,
    output: Fanout,
    obs: ProcessorObs,
    tel: TailObs,
    stop: Arc<Notify>,
    ticker: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl TailSamplingProcessor {
    /// Builds the processor and starts its decision ticker (call within a
    /// Tokio runtime).
    pub fn new(
        component_id: &str,
        cfg: TailSamplingConfig,
        output: Fanout,
        registry: &Registry,
    ) -> Result<Arc<Self>, ConfigError> {
        if cfg.policies.is_empty() {
            return Err(ConfigError::invalid(
                "policy",
                "at least one policy must be configured",
            ));
        }
        if cfg.num_traces == 0 {
            return Err(ConfigError::invalid(
                "num_traces",
                "must be greater than zero",
            ));
        }
        if cfg.decision_wait.is_zero() {
            return Err(ConfigError::invalid(
                "decision_wait",
                "must be greater than zero",
            ));
        }
        let tel = TailObs::new(registry);
        let mut names = std::collections::HashSet::new();
        let mut drops = Vec::new();
        let mut others = Vec::new();
        for p in &cfg.policies {
            if p.name.is_empty() {
                return Err(ConfigError::invalid(
                    "policy",
                    "policy name cannot be empty",
                ));
            }
            if !names.insert(p.name.as_str()) {
                return Err(ConfigError::invalid(
                    "policy",
                    format!("duplicate policy name {:?}", p.name),
                ));
            }
            let label = format!("{component_id}.{}", p.name);
            let compiled = Policy {
                evaluator: Evaluator::compile(p)?,
                sampled: tel.policy_counter(&label, "true"),
                not_sampled: tel.policy_counter(&label, "false"),
            };
            // Drop decisions take precedence, so drop policies go first.
            if matches!(p.kind, PolicyKind::Drop(_)) {
                drops.push(compiled);
            } else {
                others.push(compiled);
            }
        }
        drops.append(&mut others);
        let batches = (cfg.decision_wait.as_secs_f64().max(1.0)) as usize;
        let batch_capacity = usize::try_from(cfg.expected_new_traces_per_sec)
            .unwrap_or(usize::MAX)
            .min(1 << 20);
        let state = State {
            traces: HashMap::new(),
            order: VecDeque::new(),
            seq: 0,
            batches: (0..batches)
                .map(|_| Vec::with_capacity(batch_capacity))
                .collect(),
            sampled_cache: DecisionCache::new(cfg.sampled_cache_size),
            not_sampled_cache: DecisionCache::new(cfg.non_sampled_cache_size),
            policies: drops,
            buffered_spans: 0,
            stopped: false,
        };
        let this = Arc::new(Self {
            num_traces: cfg.num_traces,
            batch_capacity,
            sample_on_first_match: cfg.sample_on_first_match,
            drop_pending_on_shutdown: cfg.drop_pending_traces_on_shutdown,
            state: Mutex::new(state),
            output,
            obs: ProcessorObs::new(
                registry,
                &format!("tail_sampling/{component_id}"),
                SignalKind::Traces,
            ),
            tel,
            stop: Arc::new(Notify::new()),
            ticker: Mutex::new(None),
        });
        let weak = Arc::downgrade(&this);
        let handle = tokio::spawn(ticker(weak, this.stop.clone(), cfg.tick));
        *this.ticker.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        Ok(this)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Spans held for undecided traces.
    pub fn buffered_spans(&self) -> u64 {
        self.state().buffered_spans
    }

    /// Trace entries held (undecided, or decided and remembered).
    pub fn traces_held(&self) -> usize {
        self.state().traces.len()
    }

    /// Decides the oldest batch now (what the ticker does every tick).
    pub async fn tick(&self) {
        let out = {
            let mut st = self.state();
            let batch = st.batches.pop_front().unwrap_or_default();
            st.batches
                .push_back(Vec::with_capacity(self.batch_capacity));
            self.decide(&mut st, batch)
        };
        self.release(out).await;
    }

    /// Decides `ids`, returning the spans of sampled traces.
    fn decide(&self, st: &mut State, ids: Vec<TraceId>) -> Vec<ResourceSpans> {
        let started = Instant::now();
        let mut out = Vec::new();
        let mut too_early = 0;
        let State {
            traces,
            policies,
            sampled_cache,
            not_sampled_cache,
            buffered_spans,
            ..
        } = st;
        let mut decisions = Vec::with_capacity(policies.len());
        for id in ids {
            let Some(entry) = traces.get_mut(&id) else {
                too_early += 1;
                continue;
            };
            if entry.decision.is_some() {
                continue;
            }
            let now = Instant::now();
            let stored = std::mem::take(&mut entry.spans);
            *buffered_spans -= stored.len() as u64;
            let data = TraceData {
                span_count: stored.len() as u64,
                spans: stored.into_iter().filter_map(StoredSpan::decode).collect(),
            };
            decisions.clear();
            for p in policies.iter_mut() {
                let d = p.evaluator.evaluate(&id, &data, now);
                match d.sampled_label() {
                    "true" => p.sampled.inc(),
                    _ => p.not_sampled.inc(),
                }
                decisions.push(d);
                if d == Decision::Dropped || (self.sample_on_first_match && d == Decision::Sampled)
                {
                    break;
                }
            }
            let decision = combine(&decisions);
            entry.decision = Some(decision);
            let spans = data.spans;
            let cache_enabled = if decision == Decision::Sampled {
                self.tel.global_sampled.inc();
                trace::join(spans, &mut out);
                sampled_cache.put(id);
                sampled_cache.enabled()
            } else {
                self.tel.global_not_sampled.inc();
                not_sampled_cache.put(id);
                not_sampled_cache.enabled()
            };
            if cache_enabled {
                traces.remove(&id);
            }
        }
        self.tel.dropped_too_early.inc_by(too_early);
        self.tel.traces_on_memory.set(traces.len() as i64);
        self.tel
            .decision_timer
            .observe(started.elapsed().as_secs_f64() * 1000.0);
        out
    }

    /// Sends sampled spans on. Upstream logs and forgets a refusal; here it
    /// is also counted, since those spans are lost.
    async fn release(&self, resource_spans: Vec<ResourceSpans>) {
        if resource_spans.is_empty() {
            return;
        }
        let data = Traces::new(resource_spans);
        let n = data.item_count() as u64;
        match self.output.consume(data).await {
            Ok(()) => self.obs.outgoing.inc_by(n),
            Err(e) => {
                self.tel.release_failed.inc_by(n);
                tracing::warn!(error = %e, spans = n, "tail_sampling: error sending spans to destination");
            }
        }
    }

    /// Files one incoming span; late spans of sampled traces go to `late`.
    fn add(&self, st: &mut State, b: BufferedSpan, late: &mut Vec<BufferedSpan>, fresh: &mut u64) {
        let id = trace::trace_id(&b.span.trace_id);
        if let Some(entry) = st.traces.get_mut(&id) {
            match entry.decision {
                None => {
                    entry.spans.push(StoredSpan::encode(b));
                    st.buffered_spans += 1;
                }
                Some(Decision::Sampled) => late.push(b),
                Some(_) => {}
            }
            return;
        }
        if st.sampled_cache.get(&id) {
            self.tel.early_release_sampled.inc();
            late.push(b);
            return;
        }
        if st.not_sampled_cache.get(&id) {
            self.tel.early_release_not_sampled.inc();
            return;
        }
        if st.traces.len() as u64 >= self.num_traces {
            Self::evict_oldest(st);
        }
        st.seq += 1;
        let seq = st.seq;
        st.order.push_back((id, seq));
        if st.order.len() > 2 * st.traces.len() + 1024 {
            let traces = &st.traces;
            st.order
                .retain(|(id, seq)| traces.get(id).is_some_and(|e| e.seq == *seq));
        }
        if let Some(batch) = st.batches.back_mut() {
            batch.push(id);
        }
        st.buffered_spans += 1;
        st.traces.insert(
            id,
            Entry {
                seq,
                spans: vec![StoredSpan::encode(b)],
                decision: None,
            },
        );
        *fresh += 1;
    }

    /// Removes the oldest trace to make room for a new one.
    fn evict_oldest(st: &mut State) {
        while let Some((id, seq)) = st.order.pop_front() {
            if st.traces.get(&id).is_some_and(|e| e.seq == seq) {
                if let Some(e) = st.traces.remove(&id) {
                    st.buffered_spans -= e.spans.len() as u64;
                }
                return;
            }
        }
    }

    async fn consume(&self, data: Traces) -> Result<(), ConsumeError> {
        let n = data.item_count() as u64;
        let mut late = Vec::new();
        {
            let mut st = self.state();
            if st.stopped {
                return Err(ConsumeError::retryable(
                    "tail_sampling processor is shut down",
                ));
            }
            self.obs.incoming.inc_by(n);
            let mut fresh = 0;
            trace::split(data.resource_spans, |b| {
                self.add(&mut st, b, &mut late, &mut fresh)
            });
            self.tel.new_trace_ids.inc_by(fresh);
            self.tel.traces_on_memory.set(st.traces.len() as i64);
        }
        if !late.is_empty() {
            let mut out = Vec::new();
            trace::join(late, &mut out);
            self.release(out).await;
        }
        Ok(())
    }

    /// Stops the ticker, then decides every pending trace now (or, with
    /// `drop_pending_traces_on_shutdown`, drops and counts them) so that
    /// nothing accepted is silently lost.
    pub async fn shutdown(&self, _deadline: Instant) -> Result<(), ShutdownError> {
        self.stop.notify_one();
        let handle = self.ticker.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            h.abort();
            let _ = h.await;
        }
        let out = {
            let mut st = self.state();
            st.stopped = true;
            let pending: Vec<TraceId> = st.batches.drain(..).flatten().collect();
            if self.drop_pending_on_shutdown {
                let undecided = pending
                    .iter()
                    .filter(|id| st.traces.get(*id).is_some_and(|e| e.decision.is_none()))
                    .count();
                self.tel.dropped_too_early.inc_by(undecided as u64);
                st.traces.clear();
                st.buffered_spans = 0;
                Vec::new()
            } else {
                self.decide(&mut st, pending)
            }
        };
        self.release(out).await;
        Ok(())
    }
}

async fn ticker(
    processor: Weak<TailSamplingProcessor>,
    stop: Arc<Notify>,
    every: std::time::Duration,
) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    loop {
        tokio::select! {
            _ = interval.tick() => {
                let Some(p) = processor.upgrade() else { return };
                p.tick().await;
            }
            _ = stop.notified() => return,
        }
    }
}

impl Consumer for TailSamplingProcessor {
    fn consume_traces(&self, data: Traces) -> ConsumeFuture<'_> {
        Box::pin(self.consume(data))
    }
    fn consume_metrics(&self, _data: Metrics) -> ConsumeFuture<'_> {
        Box::pin(std::future::ready(Err(ConsumeError::permanent(
            "otelcol.processor.tail_sampling does not accept metrics",
        ))))
    }
    fn consume_logs(&self, _data: Logs) -> ConsumeFuture<'_> {
        Box::pin(std::future::ready(Err(ConsumeError::permanent(
            "otelcol.processor.tail_sampling does not accept logs",
        ))))
    }
}
