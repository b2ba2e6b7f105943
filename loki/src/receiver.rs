//! Where components send entries.
//!
//! Upstream's `LogsReceiver` is a Go channel of single entries; here a
//! receiver takes a batch and may make the sender wait (back-pressure) but
//! never fails: a receiver that cannot keep an entry counts it as dropped
//! on its own metrics. [`Fanout`] sends to every receiver of a
//! `forward_to` list *concurrently*, so one slow receiver delays only its
//! own copy, not the delivery to the others.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::entry::Entry;

/// A boxed future (receivers are used as trait objects).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Something entries can be sent to.
pub trait Receiver: Send + Sync + 'static {
    /// Takes `entries`, completing when the receiver has them (queued,
    /// processed or counted as dropped).
    fn send(&self, entries: Vec<Entry>) -> BoxFuture<'_, ()>;
}

/// The receivers of one `forward_to` list.
#[derive(Clone, Default)]
pub struct Fanout {
    receivers: Arc<[Arc<dyn Receiver>]>,
}

impl Fanout {
    pub fn new(receivers: Vec<Arc<dyn Receiver>>) -> Fanout {
        Fanout {
            receivers: receivers.into(),
        }
    }

    pub fn len(&self) -> usize {
        self.receivers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.receivers.is_empty()
    }

    pub fn receivers(&self) -> &[Arc<dyn Receiver>] {
        &self.receivers
    }

    /// Sends `entries` to every receiver at once (entries are cheap to
    /// clone) and waits for all of them.
    pub async fn send(&self, entries: Vec<Entry>) {
        if entries.is_empty() {
            return;
        }
        match &*self.receivers {
            [] => {}
            [one] => one.send(entries).await,
            many => {
                let sends = many.iter().map(|r| r.send(entries.clone()));
                futures_util::future::join_all(sends).await;
            }
        }
    }
}

impl Receiver for Fanout {
    fn send(&self, entries: Vec<Entry>) -> BoxFuture<'_, ()> {
        Box::pin(Fanout::send(self, entries))
    }
}

/// A receiver that keeps everything it is sent (tests, `alloy debug`).
#[derive(Default)]
pub struct Collect {
    entries: std::sync::Mutex<Vec<Entry>>,
    notify: tokio::sync::Notify,
}

impl Collect {
    pub fn new() -> Arc<Collect> {
        Arc::new(Collect::default())
    }

    /// Everything received so far.
    pub fn entries(&self) -> Vec<Entry> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Takes what was received so far.
    pub fn take(&self) -> Vec<Entry> {
        std::mem::take(&mut *self.entries.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Waits until at least `n` entries arrived or `timeout` passed.
    pub async fn wait_for(&self, n: usize, timeout: std::time::Duration) -> Vec<Entry> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.notify.notified();
            let current = self.entries();
            if current.len() >= n {
                return current;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.entries();
            }
        }
    }
}

impl Receiver for Collect {
    fn send(&self, entries: Vec<Entry>) -> BoxFuture<'_, ()> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(entries);
        self.notify.notify_waiters();
        Box::pin(std::future::ready(()))
    }
}
