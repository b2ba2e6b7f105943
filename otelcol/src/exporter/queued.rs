//! The exporter helper: an optional bounded sending queue drained by
//! `num_consumers` workers, each request retried per `retry_on_failure`.
//!
//! Every item that enters `consume_*` ends in exactly one counter:
//! `sent`, `send_failed` (permanent error, retries exhausted, or shutdown
//! deadline) or `enqueue_failed` (queue full or closed, refused to the caller).

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::retry::{Backoff, RetryConfig};
use crate::consumer::Consumer;
use crate::error::{ConsumeError, ShutdownError, StartError};
use crate::pdata::{ConsumeFuture, Logs, Metrics, Signal, SignalKind, Traces};
use crate::telemetry::{ExporterObs, Registry};

/// The `sending_queue` block (in-memory; `storage` is not supported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    pub enabled: bool,
    pub num_consumers: usize,
    /// Capacity in requests (upstream's default `sizer = "requests"`).
    pub queue_size: usize,
    /// Wait for space instead of refusing when full.
    pub block_on_overflow: bool,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            num_consumers: 10,
            queue_size: 1000,
            block_on_overflow: false,
        }
    }
}

/// Why one send attempt failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub retryable: bool,
    /// Server-provided delay (gRPC `RetryInfo`, HTTP `Retry-After`).
    pub retry_after: Option<Duration>,
    pub message: String,
}

impl SendError {
    pub fn retryable(message: impl Into<String>) -> Self {
        Self {
            retryable: true,
            retry_after: None,
            message: message.into(),
        }
    }
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            retryable: false,
            retry_after: None,
            message: message.into(),
        }
    }
}

/// How an exporter puts one signal on the wire.
#[async_trait::async_trait]
pub trait Transport<S: Signal>: Send + Sync + 'static {
    /// The wire form, built once per batch when it is queued, so retries do
    /// not re-encode and the queue holds compact bytes.
    type Request: Send + Sync + 'static;
    fn prepare(&self, data: S) -> Result<Self::Request, SendError>;
    /// One attempt. Returns how many items the server rejected in a partial
    /// success (counted as failed, never retried, per the OTLP spec).
    async fn send(&self, req: &Self::Request) -> Result<u64, SendError>;
    /// Whether `prepare` handles batches whose items are still encoded
    /// (see [`crate::Consumer::accepts_encoded`]).
    fn accepts_encoded(&self) -> bool {
        false
    }
}

/// A queued request, already in wire form: encoded protobuf is 3-4x smaller
/// than the decoded structures, which bounds a full queue's memory.
struct Item<R> {
    req: R,
    items: u64,
}

/// How long, once shutdown has begun, failed sends are still retried: a
/// sink restarting meanwhile gets the queued data, a dead one does not hold
/// the shutdown until its deadline.
pub const SHUTDOWN_RETRY_WINDOW: Duration = Duration::from_secs(5);

struct Shared<S: Signal, T: Transport<S>> {
    transport: Arc<T>,
    obs: ExporterObs,
    retry: RetryConfig,
    timeout: Duration,
    component_id: String,
    /// Set at shutdown: retries stop at this instant.
    deadline: watch::Receiver<Option<Instant>>,
    abandoned: AtomicU64,
    /// When shutdown began (see `SHUTDOWN_RETRY_WINDOW`).
    shutdown_started: Mutex<Option<Instant>>,
    _signal: PhantomData<fn(S)>,
}

impl<S: Signal, T: Transport<S>> Shared<S, T> {
    async fn prepare_and_send(&self, data: S, items: u64) -> Result<(), ConsumeError> {
        match self.transport.prepare(data) {
            Ok(req) => self.send_with_retry(&req, items).await,
            Err(e) => {
                self.fail(items, &e, "could not encode request");
                Err(ConsumeError::permanent(e.message))
            }
        }
    }

    fn fail(&self, items: u64, err: &SendError, why: &str) {
        self.obs.send_failed.inc_by(items);
        tracing::error!(component_id = %self.component_id, signal = S::KIND.as_str(), items,
            error = %err.message, "exporting failed, dropping data: {why}");
    }

    /// Sends with retries; all outcomes are counted here.
    async fn send_with_retry(&self, req: &T::Request, items: u64) -> Result<(), ConsumeError> {
        let started = Instant::now();
        let mut backoff = Backoff::new(&self.retry);
        let mut deadline_rx = self.deadline.clone();
        loop {
            let deadline = *deadline_rx.borrow_and_update();
            if deadline.is_some_and(|d| Instant::now() >= d) {
                self.abandoned.fetch_add(items, Ordering::Relaxed);
                let e =
                    SendError::retryable("shutdown deadline reached before the data could be sent");
                self.fail(items, &e, "shutdown deadline");
                return Err(ConsumeError::retryable(e.message));
            }
            let attempt = self.transport.send(req);
            let result = if self.timeout.is_zero() {
                attempt.await
            } else {
                tokio::time::timeout(self.timeout, attempt)
                    .await
                    .unwrap_or_else(|_| {
                        Err(SendError::retryable(format!(
                            "request timed out after {:?}",
                            self.timeout
                        )))
                    })
            };
            let err = match result {
                Ok(rejected) => {
                    let rejected = rejected.min(items);
                    self.obs.sent.inc_by(items - rejected);
                    tracing::debug!(component_id = %self.component_id, signal = S::KIND.as_str(),
                        items, rejected, "exported data");
                    if rejected > 0 {
                        self.obs.send_failed.inc_by(rejected);
                        tracing::warn!(component_id = %self.component_id, signal = S::KIND.as_str(),
                            rejected, "partial success: server rejected items");
                    }
                    return Ok(());
                }
                Err(e) => e,
            };
            if !err.retryable {
                self.fail(items, &err, "permanent error");
                return Err(ConsumeError::permanent(err.message));
            }
            if !self.retry.enabled {
                self.fail(items, &err, "retry_on_failure is disabled");
                return Err(ConsumeError::retryable(err.message));
            }
            let mut delay = backoff.next_delay();
            if let Some(hint) = err.retry_after {
                delay = delay.max(hint);
            }
            let max_elapsed = self.retry.max_elapsed_time;
            if !max_elapsed.is_zero() && started.elapsed() + delay > max_elapsed {
                self.fail(items, &err, "no more retries left (max_elapsed_time)");
                return Err(ConsumeError::retryable(err.message));
            }
            if deadline.is_some() {
                // Upstream stops retrying as soon as it is shut down. Here an
                // unreachable peer gets SHUTDOWN_RETRY_WINDOW to come back,
                // probed every second, so a restart of the sink loses
                // nothing but a dead sink does not hold the shutdown.
                let since = self
                    .shutdown_started
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .map_or(Duration::ZERO, |t| t.elapsed());
                if since >= SHUTDOWN_RETRY_WINDOW {
                    self.abandoned.fetch_add(items, Ordering::Relaxed);
                    self.fail(
                        items,
                        &err,
                        "shutting down and the destination is unreachable",
                    );
                    return Err(ConsumeError::retryable(err.message));
                }
                delay = delay
                    .min(Duration::from_secs(1))
                    .min(SHUTDOWN_RETRY_WINDOW - since);
            }
            tracing::warn!(component_id = %self.component_id, signal = S::KIND.as_str(), items,
                error = %err.message, interval = ?delay, "exporting failed, will retry");
            let sleep = tokio::time::sleep(delay);
            tokio::pin!(sleep);
            loop {
                tokio::select! {
                    _ = &mut sleep => break,
                    changed = deadline_rx.changed() => {
                        if changed.is_err() { (&mut sleep).await; break; }
                        let d = *deadline_rx.borrow_and_update();
                        if let Some(d) = d {
                            let wake = tokio::time::Instant::from_std(d).min(tokio::time::Instant::now() + Duration::from_secs(1));
                            let current = sleep.deadline();
                            sleep.as_mut().reset(wake.min(current));
                        }
                    }
                }
            }
        }
    }
}

struct Queue<R> {
    tx: Mutex<Option<mpsc::Sender<Item<R>>>>,
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Item<R>>>>,
    cfg: QueueConfig,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

/// One signal's exporter pipeline.
pub(crate) struct SignalExporter<S: Signal, T: Transport<S>> {
    shared: Arc<Shared<S, T>>,
    queue: Option<Queue<T::Request>>,
    deadline_tx: watch::Sender<Option<Instant>>,
}

impl<S: Signal, T: Transport<S>> SignalExporter<S, T> {
    fn new(
        label: &str,
        component_id: &str,
        transport: Arc<T>,
        settings: &ExporterSettings,
        registry: &Registry,
    ) -> Self {
        let queue_cfg = settings.queue.clone().filter(|q| q.enabled);
        let obs = ExporterObs::new(registry, label, S::KIND, queue_cfg.is_some());
        let (deadline_tx, deadline) = watch::channel(None);
        let queue = queue_cfg.map(|cfg| {
            let (tx, rx) = mpsc::channel(cfg.queue_size.max(1));
            obs.queue_capacity.set(cfg.queue_size as i64);
            Queue {
                tx: Mutex::new(Some(tx)),
                rx: Arc::new(tokio::sync::Mutex::new(rx)),
                cfg,
                workers: Mutex::new(Vec::new()),
            }
        });
        let shared = Arc::new(Shared {
            transport,
            obs,
            retry: settings.retry.clone(),
            timeout: settings.timeout,
            component_id: component_id.to_string(),
            deadline,
            abandoned: AtomicU64::new(0),
            shutdown_started: Mutex::new(None),
            _signal: PhantomData,
        });
        Self {
            shared,
            queue,
            deadline_tx,
        }
    }

    fn start(&self) {
        let Some(q) = &self.queue else { return };
        let mut workers = q.workers.lock().unwrap_or_else(|p| p.into_inner());
        if !workers.is_empty() {
            return;
        }
        for _ in 0..q.cfg.num_consumers.max(1) {
            let rx = q.rx.clone();
            let shared = self.shared.clone();
            workers.push(tokio::spawn(async move {
                loop {
                    let item = rx.lock().await.recv().await;
                    let Some(item) = item else { break };
                    shared.obs.queue_size.sub(1);
                    let _ = shared.send_with_retry(&item.req, item.items).await;
                }
            }));
        }
    }

    async fn consume(&self, data: S) -> Result<(), ConsumeError> {
        let items = data.item_count() as u64;
        if items == 0 {
            return Ok(());
        }
        let shared = &self.shared;
        let Some(q) = &self.queue else {
            if self.deadline_tx.borrow().is_some() {
                shared.obs.enqueue_failed.inc_by(items);
                return Err(ConsumeError::retryable("exporter is shutting down"));
            }
            return shared.prepare_and_send(data, items).await;
        };
        let tx = q.tx.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(tx) = tx else {
            shared.obs.enqueue_failed.inc_by(items);
            return Err(ConsumeError::retryable("exporter is shutting down"));
        };
        // Refuse before encoding, so a full queue costs the caller nothing.
        if tx.capacity() == 0 && !q.cfg.block_on_overflow {
            shared.obs.enqueue_failed.inc_by(items);
            tracing::warn!(component_id = %shared.component_id, signal = S::KIND.as_str(), items,
                "sending queue is full, refusing data");
            return Err(ConsumeError::backpressure("sending queue is full"));
        }
        let req = match shared.transport.prepare(data) {
            Ok(r) => r,
            Err(e) => {
                shared.fail(items, &e, "could not encode request");
                return Err(ConsumeError::permanent(e.message));
            }
        };
        shared.obs.queue_size.add(1);
        let item = Item { req, items };
        let sent = if q.cfg.block_on_overflow {
            tx.send(item).await.map_err(|_| "sending queue is closed")
        } else {
            tx.try_send(item).map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => "sending queue is full",
                mpsc::error::TrySendError::Closed(_) => "sending queue is closed",
            })
        };
        sent.map_err(|why| {
            shared.obs.queue_size.sub(1);
            shared.obs.enqueue_failed.inc_by(items);
            tracing::warn!(component_id = %shared.component_id, signal = S::KIND.as_str(), items,
                "{why}, refusing data");
            ConsumeError::backpressure(why)
        })
    }

    /// Free sending-queue slots; `None` without a queue.
    fn free_capacity(&self) -> Option<usize> {
        self.queue.as_ref().map(|q| {
            q.tx.lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .map_or(0, |tx| tx.capacity())
        })
    }

    fn has_capacity(&self) -> bool {
        match &self.queue {
            None => true,
            Some(q) => {
                q.tx.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .as_ref()
                    .is_some_and(|tx| tx.capacity() > 0)
            }
        }
    }

    /// Closes the queue, lets the workers drain it, and stops retrying at
    /// `deadline`; returns items given up at the deadline (already counted
    /// as `send_failed`).
    async fn shutdown(&self, deadline: Instant) -> u64 {
        self.shared
            .shutdown_started
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert_with(Instant::now);
        let _ = self.deadline_tx.send(Some(deadline));
        if let Some(q) = &self.queue {
            q.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
            let workers: Vec<_> = q
                .workers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .drain(..)
                .collect();
            let grace = tokio::time::Instant::from_std(deadline) + Duration::from_secs(1);
            for mut w in workers {
                if tokio::time::timeout_at(grace, &mut w).await.is_err() {
                    w.abort();
                }
            }
            // Whatever is still queued (workers aborted or never started) is
            // counted now rather than dropped unseen.
            let mut rx = q.rx.lock().await;
            rx.close();
            while let Ok(item) = rx.try_recv() {
                self.shared.obs.queue_size.sub(1);
                self.shared
                    .abandoned
                    .fetch_add(item.items, Ordering::Relaxed);
                let e = SendError::retryable("exporter shut down with data still queued");
                self.shared.fail(item.items, &e, "shutdown deadline");
            }
        }
        self.shared.abandoned.load(Ordering::Relaxed)
    }
}

/// Settings every queued exporter shares (`timeout`, `sending_queue`,
/// `retry_on_failure`).
#[derive(Debug, Clone, PartialEq)]
pub struct ExporterSettings {
    /// Per-attempt timeout (0 = none).
    pub timeout: Duration,
    /// `None` or `enabled: false` sends synchronously from `consume_*`.
    pub queue: Option<QueueConfig>,
    pub retry: RetryConfig,
}

/// An exporter for all three signals over transport `T`; see
/// [`super::otlp_grpc::OtlpGrpcExporter`] and [`super::otlp_http::OtlpHttpExporter`].
pub struct QueuedExporter<T>
where
    T: Transport<Traces> + Transport<Metrics> + Transport<Logs>,
{
    traces: SignalExporter<Traces, T>,
    metrics: SignalExporter<Metrics, T>,
    logs: SignalExporter<Logs, T>,
}

impl<T> QueuedExporter<T>
where
    T: Transport<Traces> + Transport<Metrics> + Transport<Logs>,
{
    /// `label` is upstream's exporter ID (`<type>/<component id>`).
    pub(crate) fn from_transport(
        label: &str,
        component_id: &str,
        transport: T,
        settings: &ExporterSettings,
        registry: &Registry,
    ) -> Self {
        let t = Arc::new(transport);
        Self {
            traces: SignalExporter::new(label, component_id, t.clone(), settings, registry),
            metrics: SignalExporter::new(label, component_id, t.clone(), settings, registry),
            logs: SignalExporter::new(label, component_id, t, settings, registry),
        }
    }

    /// Starts the queue workers. Connections are made lazily on first send,
    /// so an unreachable endpoint does not fail start (it shows up as retries).
    pub async fn start(&self) -> Result<(), StartError> {
        self.traces.start();
        self.metrics.start();
        self.logs.start();
        Ok(())
    }

    /// Drains the queues until `deadline`. Items still unsent then are
    /// counted in `send_failed` and reported in the error.
    pub async fn shutdown(&self, deadline: Instant) -> Result<(), ShutdownError> {
        let (a, b, c) = tokio::join!(
            self.traces.shutdown(deadline),
            self.metrics.shutdown(deadline),
            self.logs.shutdown(deadline)
        );
        let abandoned = a + b + c;
        if abandoned > 0 {
            return Err(ShutdownError {
                abandoned_items: abandoned,
                detail: "exporter: destination did not accept queued data before the deadline"
                    .into(),
            });
        }
        Ok(())
    }
}

impl<T> Consumer for QueuedExporter<T>
where
    T: Transport<Traces> + Transport<Metrics> + Transport<Logs>,
{
    fn consume_traces(&self, data: Traces) -> ConsumeFuture<'_> {
        Box::pin(self.traces.consume(data))
    }
    fn consume_metrics(&self, data: Metrics) -> ConsumeFuture<'_> {
        Box::pin(self.metrics.consume(data))
    }
    fn consume_logs(&self, data: Logs) -> ConsumeFuture<'_> {
        Box::pin(self.logs.consume(data))
    }
    fn has_capacity(&self, kind: SignalKind) -> bool {
        match kind {
            SignalKind::Traces => self.traces.has_capacity(),
            SignalKind::Metrics => self.metrics.has_capacity(),
            SignalKind::Logs => self.logs.has_capacity(),
        }
    }
    fn free_capacity(&self, kind: SignalKind) -> Option<usize> {
        match kind {
            SignalKind::Traces => self.traces.free_capacity(),
            SignalKind::Metrics => self.metrics.free_capacity(),
            SignalKind::Logs => self.logs.free_capacity(),
        }
    }
    fn accepts_encoded(&self, kind: SignalKind) -> bool {
        match kind {
            SignalKind::Traces => {
                Transport::<Traces>::accepts_encoded(&*self.traces.shared.transport)
            }
            SignalKind::Metrics => {
                Transport::<Metrics>::accepts_encoded(&*self.metrics.shared.transport)
            }
            SignalKind::Logs => Transport::<Logs>::accepts_encoded(&*self.logs.shared.transport),
        }
    }
}
