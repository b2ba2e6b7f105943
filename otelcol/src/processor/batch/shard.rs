//! One batcher: an actor task that owns the pending batch, so timers and
//! size triggers need no locking.
//!
//! Data is acknowledged as soon as it is admitted (upstream's behaviour, so
//! clients are not slowed by the batching delay). To lose nothing after that
//! acknowledgement, a batch is only handed downstream when downstream reports
//! capacity; otherwise it stays pending, and once more items are held than
//! downstream could take right now plus two batches, new data is refused with
//! a backpressure error that reaches the client.
//!
//! The bound is sized from downstream's real capacity
//! ([`Fanout::free_capacity`]: an exporter's free sending-queue slots, each
//! taking one batch of up to `send_batch_max_size` items). A burst is first
//! admitted (acknowledged) and then handed downstream batch by batch, so a
//! fixed bound of two batches refused part of a burst that a healthy exporter
//! queue had room for. Memory stays bounded: what is held never exceeds what
//! the exporter queue could still take, plus two batches.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::BatchConfig;
use crate::consumer::Fanout;
use crate::error::ConsumeError;
use crate::pdata::{ClientInfo, Signal};
use crate::telemetry::BatchObs;

/// Requests queued per shard before callers wait.
const MAILBOX: usize = 64;
/// How often a blocked shard re-checks downstream capacity.
const BLOCKED_POLL: Duration = Duration::from_millis(20);
/// Batches held on top of the base bound when downstream states no
/// capacity (no sending queue: it takes each batch as it is sent).
const UNBOUNDED_DOWNSTREAM_BATCHES: u64 = 64;

enum Msg<S> {
    Data(S),
    Shutdown(Instant, oneshot::Sender<u64>),
}

pub(super) struct ShardHandle<S> {
    tx: mpsc::Sender<Msg<S>>,
    /// Items admitted and not yet handed downstream.
    held: Arc<AtomicU64>,
    /// The largest batch sent (items).
    unit: u64,
    next: Fanout,
}

impl<S> Clone for ShardHandle<S> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
            held: self.held.clone(),
            unit: self.unit,
            next: self.next.clone(),
        }
    }
}

impl<S: Signal> ShardHandle<S> {
    pub(super) async fn submit(&self, data: S) -> Result<(), ConsumeError> {
        let n = data.item_count() as u64;
        let held = self.held.load(Ordering::Acquire);
        if held > 0 && held + n > 2 * self.unit && held + n > self.hold_limit() {
            return Err(ConsumeError::backpressure(format!(
                "downstream is not accepting data; batch processor holds {held} items"
            )));
        }
        self.held.fetch_add(n, Ordering::AcqRel);
        if self.tx.send(Msg::Data(data)).await.is_err() {
            self.held.fetch_sub(n, Ordering::AcqRel);
            return Err(ConsumeError::retryable("batch processor is shutting down"));
        }
        Ok(())
    }

    /// Two batches, plus one batch per request downstream can take now
    /// (asked only past the two batches: it takes the exporter's lock).
    fn hold_limit(&self) -> u64 {
        let free = self
            .next
            .free_capacity(S::KIND)
            .map_or(UNBOUNDED_DOWNSTREAM_BATCHES, |f| f as u64);
        self.unit.saturating_mul(2 + free)
    }

    /// Returns the number of items still undelivered at the deadline.
    pub(super) async fn shutdown(&self, deadline: Instant) -> u64 {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Shutdown(deadline, tx)).await.is_err() {
            return 0;
        }
        rx.await.unwrap_or(0)
    }
}

pub(super) fn spawn<S: Signal>(
    cfg: Arc<BatchConfig>,
    next: Fanout,
    obs: BatchObs,
    client: ClientInfo,
    component_id: Arc<str>,
) -> ShardHandle<S> {
    let (tx, rx) = mpsc::channel(MAILBOX);
    let held = Arc::new(AtomicU64::new(0));
    let unit = cfg.send_batch_size.max(cfg.send_batch_max_size).max(1) as u64;
    let shard = Shard {
        pending: S::empty(client.clone()),
        pending_items: 0,
        cfg,
        next: next.clone(),
        obs,
        client,
        held: held.clone(),
        component_id,
    };
    tokio::spawn(shard.run(rx));
    ShardHandle {
        tx,
        held,
        unit,
        next,
    }
}

#[derive(Clone, Copy)]
enum Trigger {
    Size,
    Timeout,
    Shutdown,
}

struct Shard<S: Signal> {
    pending: S,
    pending_items: usize,
    cfg: Arc<BatchConfig>,
    next: Fanout,
    obs: BatchObs,
    client: ClientInfo,
    held: Arc<AtomicU64>,
    component_id: Arc<str>,
}

impl<S: Signal> Shard<S> {
    async fn run(mut self, mut rx: mpsc::Receiver<Msg<S>>) {
        let timeout = self.cfg.timeout;
        let has_timer = !timeout.is_zero();
        let mut tick = tokio::time::Instant::now() + timeout;
        let mut blocked = false;
        // One timer for the task's life, moved only when its deadline
        // changes: re-creating it on every message registered and removed a
        // timer-wheel entry per request. It is armed only while something
        // is pending, so an idle batcher does not wake up.
        let sleep = tokio::time::sleep_until(tick);
        tokio::pin!(sleep);
        loop {
            let wake = if blocked {
                tokio::time::Instant::now() + BLOCKED_POLL
            } else {
                tick
            };
            if sleep.deadline() != wake {
                sleep.as_mut().reset(wake);
            }
            let armed = blocked || (has_timer && self.pending_items > 0);
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(Msg::Data(data)) => {
                        if self.pending_items == 0 && tokio::time::Instant::now() >= tick {
                            // Nothing was pending when the timer last came
                            // due: count the timeout from this arrival.
                            tick = tokio::time::Instant::now() + timeout;
                        }
                        self.pending_items += data.item_count();
                        self.pending.append(data);
                        let mut sent = false;
                        while self.pending_items > 0
                            && (!has_timer || self.pending_items >= self.cfg.send_batch_size)
                        {
                            if !self.send(Trigger::Size).await {
                                break;
                            }
                            sent = true;
                        }
                        blocked = self.pending_items > 0 && !self.next.has_capacity(S::KIND);
                        if sent {
                            tick = tokio::time::Instant::now() + timeout;
                        }
                    }
                    Some(Msg::Shutdown(deadline, done)) => {
                        let left = self.drain(deadline).await;
                        let _ = done.send(left);
                        return;
                    }
                    None => {
                        let _ = self.drain(Instant::now() + Duration::from_secs(5)).await;
                        return;
                    }
                },
                _ = &mut sleep, if armed => {
                    if blocked {
                        // Catch up on size triggers first, then the timer.
                        while self.pending_items >= self.cfg.send_batch_size.max(1) && self.send(Trigger::Size).await {}
                        blocked = self.pending_items > 0 && !self.next.has_capacity(S::KIND);
                    }
                    if !blocked && has_timer && tokio::time::Instant::now() >= tick {
                        if self.pending_items > 0 && !self.send(Trigger::Timeout).await {
                            blocked = true;
                        }
                        tick = tokio::time::Instant::now() + timeout;
                    }
                }
            }
        }
    }

    /// Hands the next batch (at most `send_batch_max_size` items) downstream
    /// if it has capacity; returns false (keeping the data) if it has none.
    async fn send(&mut self, trigger: Trigger) -> bool {
        if !self.next.has_capacity(S::KIND) {
            return false;
        }
        let max = self.cfg.send_batch_max_size;
        let n = if max > 0 {
            self.pending_items.min(max)
        } else {
            self.pending_items
        };
        let mut batch = if n == self.pending_items {
            std::mem::replace(&mut self.pending, S::empty(self.client.clone()))
        } else {
            self.pending.take_front(n)
        };
        batch.set_client(self.client.clone());
        self.pending_items -= n;
        self.held.fetch_sub(n as u64, Ordering::AcqRel);
        self.obs.send_size.observe(n as f64);
        let why = match trigger {
            Trigger::Size => {
                self.obs.size_trigger.inc();
                "size"
            }
            Trigger::Timeout => {
                self.obs.timeout_trigger.inc();
                "timeout"
            }
            Trigger::Shutdown => "shutdown",
        };
        tracing::debug!(component_id = %self.component_id, signal = S::KIND.as_str(), items = n,
            trigger = why, "sending batch");
        if let Err(e) = self.next.consume(batch).await {
            // Only possible when several producers race for one exporter
            // queue; the exporter has counted the items as enqueue_failed.
            tracing::error!(component_id = %self.component_id, signal = S::KIND.as_str(), items = n,
                error = %e, "downstream refused a batch after reporting capacity; data dropped");
        }
        true
    }

    /// Sends everything pending, waiting for downstream capacity until
    /// `deadline`; returns how many items were still held then.
    async fn drain(&mut self, deadline: Instant) -> u64 {
        while self.pending_items > 0 {
            if !self.send(Trigger::Shutdown).await {
                if Instant::now() >= deadline {
                    break;
                }
                tokio::time::sleep(BLOCKED_POLL).await;
            }
        }
        let left = self.pending_items as u64;
        if left > 0 {
            tracing::error!(component_id = %self.component_id, signal = S::KIND.as_str(), items = left,
                "shutdown deadline reached with data still held by the batch processor; data dropped");
        }
        left
    }
}
