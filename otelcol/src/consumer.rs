//! The hand-off between components (Alloy's `otelcol.Consumer` capsule).
//!
//! A consumer either takes ownership of a batch (`Ok`) or refuses all of it
//! (`Err`); there is no partial acceptance, so a refusal can always be passed
//! back to the client that still holds the data.

use std::sync::Arc;

use crate::error::ConsumeError;
use crate::pdata::{ConsumeFuture, Logs, Metrics, Signal, SignalKind, Traces};

/// Anything that accepts telemetry: a processor's or exporter's input.
///
/// Methods return boxed futures so the trait stays object-safe: the runtime
/// wires components as `Arc<dyn Consumer>` chosen from configuration.
pub trait Consumer: Send + Sync {
    fn consume_traces(&self, data: Traces) -> ConsumeFuture<'_>;
    fn consume_metrics(&self, data: Metrics) -> ConsumeFuture<'_>;
    fn consume_logs(&self, data: Logs) -> ConsumeFuture<'_>;

    /// Whether a `consume_*` call for `kind` would be accepted right now.
    ///
    /// Lets a component that has already acknowledged data to its senders
    /// (the batch processor) hold on to it instead of handing it to a
    /// consumer that would refuse and drop it. A hint, not a reservation.
    fn has_capacity(&self, _kind: SignalKind) -> bool {
        true
    }

    /// How many more `consume_*` calls for `kind` would be taken right now
    /// (an exporter's free sending-queue slots); `None` when no such bound
    /// applies. Sizes what an upstream batch processor may hold, so that a
    /// burst a healthy pipeline can absorb is never refused.
    fn free_capacity(&self, kind: SignalKind) -> Option<usize> {
        if self.has_capacity(kind) {
            None
        } else {
            Some(0)
        }
    }

    /// Whether this consumer takes batches of `kind` whose items are still
    /// encoded (traces only, see [`Traces`]); say so only if it handles
    /// them through the [`Signal`] methods and never reads the decoded
    /// fields. [`Fanout`] decodes for consumers that do not (the default).
    fn accepts_encoded(&self, _kind: SignalKind) -> bool {
        false
    }
}

/// The consumers a component forwards one signal to (`output { traces = [...] }`).
///
/// With several consumers each gets its own copy, and the call fails if any
/// of them refused, as upstream's fan-out does; a client retry may then
/// duplicate data at the consumers that had accepted.
#[derive(Clone, Default)]
pub struct Fanout {
    consumers: Vec<Arc<dyn Consumer>>,
}

impl std::fmt::Debug for Fanout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fanout({} consumers)", self.consumers.len())
    }
}

impl Fanout {
    pub fn new(consumers: Vec<Arc<dyn Consumer>>) -> Self {
        Self { consumers }
    }

    pub fn is_empty(&self) -> bool {
        self.consumers.is_empty()
    }

    pub fn len(&self) -> usize {
        self.consumers.len()
    }

    /// True when every consumer reports capacity for `kind`.
    pub fn has_capacity(&self, kind: SignalKind) -> bool {
        self.consumers.iter().all(|c| c.has_capacity(kind))
    }

    /// The smallest free capacity of the consumers (see
    /// [`Consumer::free_capacity`]); `None` when none is bounded.
    pub fn free_capacity(&self, kind: SignalKind) -> Option<usize> {
        self.consumers
            .iter()
            .filter_map(|c| c.free_capacity(kind))
            .min()
    }

    /// True when there is a consumer and every one accepts encoded data.
    pub fn accepts_encoded(&self, kind: SignalKind) -> bool {
        !self.consumers.is_empty() && self.consumers.iter().all(|c| c.accepts_encoded(kind))
    }

    /// Delivers `data` to every consumer. With no consumer the data is
    /// refused permanently rather than dropped, so it is counted as refused.
    pub async fn consume<S: Signal>(&self, data: S) -> Result<(), ConsumeError> {
        match self.consumers.as_slice() {
            [] => Err(ConsumeError::permanent(format!(
                "no downstream consumer configured for {}",
                S::KIND.as_str()
            ))),
            [only] => data.deliver(only.as_ref()).await,
            [rest @ .., last] => {
                let mut first_err = None;
                for c in rest {
                    if let Err(e) = data.clone().deliver(c.as_ref()).await {
                        first_err.get_or_insert(e);
                    }
                }
                if let Err(e) = data.deliver(last.as_ref()).await {
                    first_err.get_or_insert(e);
                }
                first_err.map_or(Ok(()), Err)
            }
        }
    }
}

/// Per-signal outputs of a receiver or processor.
#[derive(Clone, Default, Debug)]
pub struct Outputs {
    pub traces: Fanout,
    pub metrics: Fanout,
    pub logs: Fanout,
}

impl Outputs {
    /// The same consumer list for all three signals.
    pub fn all(consumers: Vec<Arc<dyn Consumer>>) -> Self {
        let f = Fanout::new(consumers);
        Self {
            traces: f.clone(),
            metrics: f.clone(),
            logs: f,
        }
    }

    pub fn for_signal(&self, kind: SignalKind) -> &Fanout {
        match kind {
            SignalKind::Traces => &self.traces,
            SignalKind::Metrics => &self.metrics,
            SignalKind::Logs => &self.logs,
        }
    }
}
