//! The `loki.write` client.
//!
//! # No head-of-line blocking
//! Every endpoint has its own bounded queue (`queue_config.capacity` bytes,
//! split over `min_shards` shards) and its own workers. Entries are copied
//! (cheaply: shared text) into each endpoint's queue; a queue that is full
//! makes the sender wait only while its endpoint is healthy and
//! `block_on_overflow` is set (back-pressure from a slow but working Loki).
//! A failing endpoint's full queue drops new entries with reason
//! `queue_is_full`, counted, so a dead Loki never holds back the others.
//!
//! # Order
//! A stream always goes to the same shard (by label hash) and a shard has
//! one worker sending one batch at a time, so entries of one stream reach
//! Loki in the order they were sent here, retries included.
//!
//! # Retries
//! 5xx, 429 (when `retry_on_http_429`) and connection errors are retried
//! with exponential backoff between `min_backoff_period` and
//! `max_backoff_period`, up to `max_backoff_retries` times (0: forever, as
//! dskit's backoff); then the batch is dropped with reason `ingester_error`
//! (`rate_limited` for 429). Other 4xx drop the batch at once.
//!
//! # Shutdown
//! [`Writer::stop`] closes the queues; workers flush what is queued and stop
//! retrying at the drain deadline, counting what is left as dropped with
//! reason `drain_timeout`.

mod client;
mod metrics;

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::entry::{Entry, Labels};
use crate::receiver::{BoxFuture, Receiver};
use client::{Outcome, PushClient};
pub use metrics::WriteMetrics;

/// The reserved label that overrides an endpoint's tenant for one entry
/// (set by `stage.tenant`); removed before sending.
pub const TENANT_LABEL: &str = "__tenant_id__";

/// Upstream's drop reasons.
pub mod reason {
    pub const GENERIC: &str = "ingester_error";
    pub const RATE_LIMITED: &str = "rate_limited";
    pub const STREAM_LIMITED: &str = "stream_limited";
    pub const QUEUE_FULL: &str = "queue_is_full";
    /// Ours: still queued or retrying when the drain deadline passed.
    pub const DRAIN_TIMEOUT: &str = "drain_timeout";
}

/// `endpoint > queue_config`.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueConfig {
    /// Bytes of entries the endpoint may hold.
    pub capacity: usize,
    pub min_shards: usize,
    pub drain_timeout: Duration,
    pub block_on_overflow: bool,
}

impl Default for QueueConfig {
    fn default() -> QueueConfig {
        QueueConfig {
            capacity: 10 << 20,
            min_shards: 1,
            drain_timeout: Duration::from_secs(60),
            block_on_overflow: true,
        }
    }
}

/// One `endpoint` block.
#[derive(Clone, Debug)]
pub struct EndpointConfig {
    pub name: String,
    pub url: String,
    pub batch_wait: Duration,
    /// Bytes of entries per push.
    pub batch_size: usize,
    pub remote_timeout: Duration,
    /// Extra headers (custom headers and authentication), never replacing
    /// the protocol's own.
    pub headers: Vec<(String, String)>,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// 0 retries forever.
    pub max_retries: u32,
    pub tenant_id: String,
    pub retry_on_http_429: bool,
    pub enable_http2: bool,
    /// TLS for `https` URLs; `None` trusts nothing (tests use `http`).
    pub tls: Option<Arc<rustls::ClientConfig>>,
    pub queue: QueueConfig,
}

impl EndpointConfig {
    /// Upstream's defaults for `url`.
    pub fn new(url: impl Into<String>) -> EndpointConfig {
        EndpointConfig {
            name: String::new(),
            url: url.into(),
            batch_wait: Duration::from_secs(1),
            batch_size: 1 << 20,
            remote_timeout: Duration::from_secs(10),
            headers: Vec::new(),
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(300),
            max_retries: 10,
            tenant_id: String::new(),
            retry_on_http_429: true,
            enable_http2: true,
            tls: None,
            queue: QueueConfig::default(),
        }
    }
}

/// `loki.write` arguments.
#[derive(Clone, Debug, Default)]
pub struct WriteConfig {
    pub endpoints: Vec<EndpointConfig>,
    pub external_labels: Labels,
    /// Streams per push (0: no limit); entries of further streams are
    /// dropped with reason `stream_limited`.
    pub max_streams: usize,
    /// `User-Agent` of pushes.
    pub user_agent: String,
}

struct Queued {
    entry: Entry,
    tenant: Arc<str>,
    size: usize,
    enqueued: Instant,
}

#[derive(Default)]
struct ShardState {
    queue: VecDeque<Queued>,
    bytes: usize,
}

struct Shard {
    state: Mutex<ShardState>,
    /// Wakes the worker: data arrived or the writer is stopping.
    ready: Notify,
    /// Wakes blocked senders: room was made or the endpoint failed.
    space: Notify,
}

impl Shard {
    fn lock(&self) -> MutexGuard<'_, ShardState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct Endpoint {
    cfg: EndpointConfig,
    client: PushClient,
    host: String,
    shards: Vec<Shard>,
    shard_capacity: usize,
    /// The last attempt failed: full queues drop instead of blocking.
    failing: AtomicBool,
    metrics: WriteMetrics,
}

struct Shared {
    endpoints: Vec<Arc<Endpoint>>,
    external_labels: Labels,
    max_streams: usize,
    user_agent: String,
    closed: AtomicBool,
    /// Set by `stop`: workers give up retrying after it.
    deadline: Mutex<Option<Instant>>,
}

/// A running `loki.write` client.
pub struct Writer {
    shared: Arc<Shared>,
    workers: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Writer {
    /// Builds the clients (no I/O); [`Writer::start`] spawns the workers.
    pub fn new(cfg: WriteConfig, metrics: &WriteMetrics) -> Result<Writer, String> {
        let mut endpoints = Vec::new();
        for ep in cfg.endpoints {
            let client = PushClient::new(&ep)?;
            let shards = ep.queue.min_shards.max(1);
            let host = client.host();
            metrics.init(&host, &ep.tenant_id);
            endpoints.push(Arc::new(Endpoint {
                shard_capacity: (ep.queue.capacity / shards).max(1),
                shards: (0..shards)
                    .map(|_| Shard {
                        state: Mutex::new(ShardState::default()),
                        ready: Notify::new(),
                        space: Notify::new(),
                    })
                    .collect(),
                host,
                client,
                cfg: ep,
                failing: AtomicBool::new(false),
                metrics: metrics.clone(),
            }));
        }
        Ok(Writer {
            shared: Arc::new(Shared {
                endpoints,
                external_labels: cfg.external_labels,
                max_streams: cfg.max_streams,
                user_agent: cfg.user_agent,
                closed: AtomicBool::new(false),
                deadline: Mutex::new(None),
            }),
            workers: Mutex::new(Vec::new()),
        })
    }

    /// Spawns one worker per shard of every endpoint on the current runtime.
    pub fn start(&self) {
        let mut workers = self.workers.lock().unwrap_or_else(|p| p.into_inner());
        if !workers.is_empty() {
            return;
        }
        for endpoint in &self.shared.endpoints {
            for shard in 0..endpoint.shards.len() {
                let shared = self.shared.clone();
                let endpoint = endpoint.clone();
                workers.push(tokio::spawn(worker(shared, endpoint, shard)));
            }
        }
    }

    /// Stops taking entries, flushes the queues until `drain_timeout` (the
    /// longest of the endpoints'), and counts what is left as dropped.
    pub async fn stop(&self) {
        let drain = self
            .shared
            .endpoints
            .iter()
            .map(|e| e.cfg.queue.drain_timeout)
            .max()
            .unwrap_or_default();
        self.stop_within(drain).await;
    }

    pub async fn stop_within(&self, drain: Duration) {
        let deadline = Instant::now() + drain;
        *self
            .shared
            .deadline
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(deadline);
        self.shared.closed.store(true, Ordering::SeqCst);
        for endpoint in &self.shared.endpoints {
            for shard in &endpoint.shards {
                shard.ready.notify_one();
                shard.space.notify_waiters();
            }
        }
        let workers = std::mem::take(&mut *self.workers.lock().unwrap_or_else(|p| p.into_inner()));
        for w in workers {
            // Workers end at the deadline on their own; the margin covers
            // a request in flight.
            let grace = deadline + Duration::from_secs(1);
            if tokio::time::timeout_at(grace, w).await.is_err() {
                tracing::warn!("a loki.write worker did not stop by the drain deadline");
            }
        }
        for endpoint in &self.shared.endpoints {
            for shard in &endpoint.shards {
                let left: Vec<Queued> = {
                    let mut state = shard.lock();
                    state.bytes = 0;
                    state.queue.drain(..).collect()
                };
                endpoint.drop_all(&left, reason::DRAIN_TIMEOUT);
            }
        }
    }

    /// Entries queued on every endpoint (tests, debug info).
    pub fn queued(&self) -> Vec<(String, usize)> {
        self.shared
            .endpoints
            .iter()
            .map(|e| {
                let n = e.shards.iter().map(|s| s.lock().queue.len()).sum();
                (e.cfg.url.clone(), n)
            })
            .collect()
    }

    async fn enqueue(&self, entries: Vec<Entry>) {
        let shared = &self.shared;
        for mut entry in entries {
            if !shared.external_labels.is_empty() {
                let mut labels = shared.external_labels.clone();
                for (k, v) in entry.labels.iter() {
                    labels.insert(k, v);
                }
                entry.labels = labels;
            }
            let tenant_override = entry.labels.remove(TENANT_LABEL);
            let size = entry.size();
            let hash = {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                entry.labels.hash(&mut h);
                h.finish()
            };
            for endpoint in &shared.endpoints {
                let tenant: Arc<str> = match &tenant_override {
                    Some(t) => t.as_str().into(),
                    None => endpoint.cfg.tenant_id.as_str().into(),
                };
                let shard = &endpoint.shards[(hash % endpoint.shards.len() as u64) as usize];
                let item = Queued {
                    entry: entry.clone(),
                    tenant,
                    size,
                    enqueued: Instant::now(),
                };
                endpoint.push(shard, item, &shared.closed).await;
            }
        }
    }
}

impl Receiver for Writer {
    fn send(&self, entries: Vec<Entry>) -> BoxFuture<'_, ()> {
        Box::pin(self.enqueue(entries))
    }
}

impl Endpoint {
    /// Queues one entry, waiting for room only while the endpoint works
    /// and `block_on_overflow` is set.
    async fn push(&self, shard: &Shard, item: Queued, closed: &AtomicBool) {
        loop {
            let space = shard.space.notified();
            {
                let mut state = shard.lock();
                let fits = state.bytes + item.size <= self.shard_capacity || state.queue.is_empty();
                if fits && !closed.load(Ordering::SeqCst) {
                    state.bytes += item.size;
                    state.queue.push_back(item);
                    drop(state);
                    shard.ready.notify_one();
                    return;
                }
            }
            let wait = self.cfg.queue.block_on_overflow
                && !self.failing.load(Ordering::SeqCst)
                && !closed.load(Ordering::SeqCst);
            if !wait {
                self.drop_all(std::slice::from_ref(&item), reason::QUEUE_FULL);
                return;
            }
            space.await;
        }
    }

    fn drop_all(&self, items: &[Queued], why: &str) {
        let mut by_tenant: HashMap<&str, (usize, usize)> = HashMap::new();
        for q in items {
            let e = by_tenant.entry(&q.tenant).or_default();
            e.0 += 1;
            e.1 += q.size;
        }
        for (tenant, (n, bytes)) in by_tenant {
            self.metrics.dropped(&self.host, tenant, why, n, bytes);
        }
    }

    fn set_failing(&self, failing: bool) {
        let was = self.failing.swap(failing, Ordering::SeqCst);
        if failing && !was {
            // Blocked senders re-check and drop instead of waiting.
            for shard in &self.shards {
                shard.space.notify_waiters();
            }
        }
    }
}

fn deadline_passed(shared: &Shared) -> bool {
    shared
        .deadline
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .is_some_and(|d| Instant::now() >= d)
}

async fn worker(shared: Arc<Shared>, endpoint: Arc<Endpoint>, index: usize) {
    let shard = &endpoint.shards[index];
    let cfg = &endpoint.cfg;
    tracing::debug!(host = %endpoint.host, shard = index, "loki.write worker started");
    loop {
        // Wait for the first entry.
        let oldest = loop {
            let ready = shard.ready.notified();
            if let Some(front) = shard.lock().queue.front() {
                break front.enqueued;
            }
            if shared.closed.load(Ordering::SeqCst) {
                return;
            }
            ready.await;
        };
        // Fill the batch until it is big enough or old enough.
        let batch_deadline = oldest + cfg.batch_wait;
        loop {
            let ready = shard.ready.notified();
            if shard.lock().bytes >= cfg.batch_size
                || shared.closed.load(Ordering::SeqCst)
                || Instant::now() >= batch_deadline
            {
                break;
            }
            tokio::select! {
                _ = ready => {}
                _ = tokio::time::sleep_until(batch_deadline) => {}
            }
        }
        let batch: Vec<Queued> = {
            let mut state = shard.lock();
            let mut bytes = 0;
            let mut batch = Vec::new();
            while let Some(front) = state.queue.front() {
                if !batch.is_empty() && bytes + front.size > cfg.batch_size {
                    break;
                }
                bytes += front.size;
                if let Some(q) = state.queue.pop_front() {
                    batch.push(q);
                }
            }
            state.bytes -= bytes;
            batch
        };
        shard.space.notify_waiters();
        send_batch(&shared, &endpoint, batch).await;
        if shared.closed.load(Ordering::SeqCst) && deadline_passed(&shared) {
            return;
        }
    }
}

/// Sends one batch: one push per tenant, streams capped by `max_streams`.
async fn send_batch(shared: &Shared, endpoint: &Endpoint, batch: Vec<Queued>) {
    let mut tenants: Vec<(Arc<str>, Vec<Queued>)> = Vec::new();
    for q in batch {
        match tenants.iter_mut().find(|(t, _)| *t == q.tenant) {
            Some((_, v)) => v.push(q),
            None => tenants.push((q.tenant.clone(), vec![q])),
        }
    }
    for (tenant, items) in tenants {
        let items = if shared.max_streams > 0 {
            let mut streams: Vec<&Labels> = Vec::new();
            let mut kept = Vec::new();
            let mut limited = Vec::new();
            for q in &items {
                if streams.contains(&&q.entry.labels) || streams.len() < shared.max_streams {
                    if !streams.contains(&&q.entry.labels) {
                        streams.push(&q.entry.labels);
                    }
                    kept.push(true);
                } else {
                    kept.push(false);
                }
            }
            let mut out = Vec::new();
            for (q, keep) in items.into_iter().zip(kept) {
                if keep {
                    out.push(q)
                } else {
                    limited.push(q)
                }
            }
            endpoint.drop_all(&limited, reason::STREAM_LIMITED);
            out
        } else {
            items
        };
        if items.is_empty() {
            continue;
        }
        send_tenant(shared, endpoint, &tenant, items).await;
    }
}

async fn send_tenant(shared: &Shared, endpoint: &Endpoint, tenant: &str, items: Vec<Queued>) {
    let cfg = &endpoint.cfg;
    let m = &endpoint.metrics;
    let host = &endpoint.host;
    let entries: Vec<Entry> = items.iter().map(|q| q.entry.clone()).collect();
    let body = Bytes::from(crate::push::encode_proto(&entries));
    let bytes: usize = items.iter().map(|q| q.size).sum();
    m.encoded(host, tenant, bytes);
    let mut backoff = cfg.min_backoff;
    let mut attempt: u32 = 0;
    tracing::debug!(host = %host, entries = items.len(), "sending batch");
    loop {
        let started = std::time::Instant::now();
        let outcome = endpoint
            .client
            .push(body.clone(), tenant, &shared.user_agent)
            .await;
        let elapsed = started.elapsed().as_secs_f64();
        match outcome {
            Outcome::Sent { status } => {
                endpoint.set_failing(false);
                m.request(host, tenant, &status.to_string(), elapsed, body.len());
                m.sent(host, tenant, items.len(), bytes);
                let now = Instant::now();
                for q in &items {
                    m.latency(host, tenant, (now - q.enqueued).as_secs_f64());
                }
                return;
            }
            Outcome::Fatal { status, reason } => {
                m.request(host, tenant, &status.to_string(), elapsed, body.len());
                tracing::error!(host = %host, status, err = %reason, "final error sending batch, no retries left, dropping data");
                endpoint.drop_all(&items, reason::GENERIC);
                return;
            }
            Outcome::Retry { status, reason } => {
                endpoint.set_failing(true);
                let code = status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "error".into());
                m.request(host, tenant, &code, elapsed, body.len());
                attempt += 1;
                let why = if status == Some(429) {
                    reason::RATE_LIMITED
                } else {
                    reason::GENERIC
                };
                if cfg.max_retries > 0 && attempt > cfg.max_retries {
                    tracing::error!(host = %host, err = %reason, "final error sending batch, no retries left, dropping data");
                    endpoint.drop_all(&items, why);
                    return;
                }
                if shared.closed.load(Ordering::SeqCst) && deadline_passed(shared) {
                    endpoint.drop_all(&items, reason::DRAIN_TIMEOUT);
                    return;
                }
                tracing::warn!(host = %host, err = %reason, attempt, "error sending batch, will retry");
                m.retry(host, tenant);
                let wait = jitter(backoff);
                let deadline = *shared.deadline.lock().unwrap_or_else(|p| p.into_inner());
                let wake = Instant::now() + wait;
                let wake = deadline.map_or(wake, |d| wake.min(d));
                tokio::time::sleep_until(wake).await;
                backoff = (backoff * 2).min(cfg.max_backoff);
            }
        }
    }
}

/// A wait between half and the whole backoff, so endpoints that failed
/// together do not retry in lockstep.
fn jitter(d: Duration) -> Duration {
    let half = d / 2;
    let extra = rand::random::<f64>() * half.as_secs_f64();
    half + Duration::from_secs_f64(extra)
}
