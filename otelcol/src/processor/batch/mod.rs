//! `otelcol.processor.batch`.
//!
//! Batching follows upstream (flush on `send_batch_size` items or `timeout`
//! since the last send, split at `send_batch_max_size`, one batcher per
//! `metadata_keys` value combination, data acknowledged on arrival). One
//! deliberate difference: upstream hands a batch to a full exporter queue,
//! which drops it with a log line. Here a batch waits until downstream
//! reports capacity, and once more is held than downstream could take now
//! plus two batches (see `shard`), new data is refused with a backpressure
//! error, so the client retries and a full exporter queue loses nothing.

mod shard;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::consumer::{Consumer, Fanout, Outputs};
use crate::error::{ConfigError, ConsumeError, ShutdownError};
use crate::pdata::{
    ClientInfo, ConsumeFuture, Logs, Metadata, Metrics, Signal, SignalKind, Traces,
};
use crate::telemetry::{BatchObs, Registry};

use shard::ShardHandle;

/// Arguments of `otelcol.processor.batch`, with Alloy's defaults (which
/// differ from the collector's since Alloy v1.11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchConfig {
    /// Flush this long after the last send even if the batch is small; 0 sends
    /// every request as it arrives.
    pub timeout: Duration,
    /// Item count that triggers a send; a trigger, not an exact size.
    pub send_batch_size: usize,
    /// Upper bound of a sent batch (0 = unbounded); larger input is split.
    pub send_batch_max_size: usize,
    /// Client metadata keys to batch by separately (needs `include_metadata`
    /// on the receiver).
    pub metadata_keys: Vec<String>,
    pub metadata_cardinality_limit: usize,
}

impl Default for BatchConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_millis(200),
            send_batch_size: 2000,
            send_batch_max_size: 3000,
            metadata_keys: Vec::new(),
            metadata_cardinality_limit: 1000,
        }
    }
}

impl BatchConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.send_batch_max_size > 0 && self.send_batch_max_size < self.send_batch_size {
            return Err(ConfigError::invalid(
                "send_batch_max_size",
                "must be greater or equal to send_batch_size",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for k in &self.metadata_keys {
            if !seen.insert(k.to_ascii_lowercase()) {
                return Err(ConfigError::invalid(
                    "metadata_keys",
                    format!("duplicate entry {k:?}"),
                ));
            }
        }
        Ok(())
    }
}

/// Values of the configured metadata keys, identifying one batcher.
type ShardKey = Vec<Vec<String>>;

struct SignalBatcher<S: Signal> {
    cfg: Arc<BatchConfig>,
    next: Fanout,
    obs: BatchObs,
    shards: Mutex<HashMap<ShardKey, ShardHandle<S>>>,
    closed: AtomicBool,
    component_id: Arc<str>,
}

impl<S: Signal> SignalBatcher<S> {
    fn new(cfg: Arc<BatchConfig>, next: Fanout, obs: BatchObs, component_id: Arc<str>) -> Self {
        Self {
            cfg,
            next,
            obs,
            shards: Mutex::new(HashMap::new()),
            closed: AtomicBool::new(false),
            component_id,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ShardKey, ShardHandle<S>>> {
        self.shards.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The batcher for `client`'s metadata values, created on first use.
    fn shard(&self, client: &ClientInfo) -> Result<ShardHandle<S>, ConsumeError> {
        let key: ShardKey = self
            .cfg
            .metadata_keys
            .iter()
            .map(|k| client.get(k).map(<[String]>::to_vec).unwrap_or_default())
            .collect();
        let mut shards = self.lock();
        if let Some(h) = shards.get(&key) {
            return Ok(h.clone());
        }
        if shards.len() >= self.cfg.metadata_cardinality_limit.max(1) {
            return Err(ConsumeError::retryable(
                "too many batcher metadata-value combinations",
            ));
        }
        // The batch carries only the metadata it was keyed on, as upstream's does.
        let mut md = Metadata::new();
        for (k, v) in self.cfg.metadata_keys.iter().zip(key.iter()) {
            if !v.is_empty() {
                md.insert(k.to_ascii_lowercase(), v.clone());
            }
        }
        let client = ClientInfo {
            addr: None,
            metadata: Arc::new(md),
        };
        let h = shard::spawn::<S>(
            self.cfg.clone(),
            self.next.clone(),
            self.obs.clone(),
            client,
            self.component_id.clone(),
        );
        shards.insert(key, h.clone());
        self.obs.metadata_cardinality.set(shards.len() as i64);
        Ok(h)
    }

    async fn consume(&self, data: S) -> Result<(), ConsumeError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(ConsumeError::retryable("batch processor is shutting down"));
        }
        if data.item_count() == 0 {
            return Ok(());
        }
        let shard = self.shard(data.client())?;
        shard.submit(data).await
    }

    async fn shutdown(&self, deadline: Instant) -> u64 {
        self.closed.store(true, Ordering::Release);
        let shards: Vec<ShardHandle<S>> = self.lock().drain().map(|(_, h)| h).collect();
        let mut abandoned = 0;
        for h in shards {
            abandoned += h.shutdown(deadline).await;
        }
        abandoned
    }
}

/// The `otelcol.processor.batch` component; it is its own input consumer.
pub struct BatchProcessor {
    traces: SignalBatcher<Traces>,
    metrics: SignalBatcher<Metrics>,
    logs: SignalBatcher<Logs>,
}

impl BatchProcessor {
    /// `component_id` is Alloy's id; the metric label is `processor="batch/<id>"`.
    pub fn new(
        component_id: &str,
        cfg: BatchConfig,
        outputs: Outputs,
        registry: &Registry,
    ) -> Result<Arc<Self>, ConfigError> {
        cfg.validate()?;
        let cfg = Arc::new(cfg);
        let obs = BatchObs::new(registry, &format!("batch/{component_id}"));
        let id: Arc<str> = Arc::from(component_id);
        Ok(Arc::new(Self {
            traces: SignalBatcher::new(cfg.clone(), outputs.traces, obs.clone(), id.clone()),
            metrics: SignalBatcher::new(cfg.clone(), outputs.metrics, obs.clone(), id.clone()),
            logs: SignalBatcher::new(cfg, outputs.logs, obs, id),
        }))
    }

    /// Flushes everything pending, waiting for downstream capacity until
    /// `deadline`; items still held then are dropped, logged, and counted in
    /// the returned error.
    pub async fn shutdown(&self, deadline: Instant) -> Result<(), ShutdownError> {
        let abandoned = self.traces.shutdown(deadline).await
            + self.metrics.shutdown(deadline).await
            + self.logs.shutdown(deadline).await;
        if abandoned > 0 {
            return Err(ShutdownError {
                abandoned_items: abandoned,
                detail: "batch processor: downstream had no capacity for held batches before the deadline".into(),
            });
        }
        Ok(())
    }
}

impl Consumer for BatchProcessor {
    fn consume_traces(&self, data: Traces) -> ConsumeFuture<'_> {
        Box::pin(self.traces.consume(data))
    }
    fn consume_metrics(&self, data: Metrics) -> ConsumeFuture<'_> {
        Box::pin(self.metrics.consume(data))
    }
    fn consume_logs(&self, data: Logs) -> ConsumeFuture<'_> {
        Box::pin(self.logs.consume(data))
    }
    /// Batching only counts, moves and splits items, so encoded data is
    /// fine here whenever it is fine for what follows.
    fn accepts_encoded(&self, kind: SignalKind) -> bool {
        match kind {
            SignalKind::Traces => self.traces.next.accepts_encoded(kind),
            SignalKind::Metrics => self.metrics.next.accepts_encoded(kind),
            SignalKind::Logs => self.logs.next.accepts_encoded(kind),
        }
    }
}
