//! `loki.*` components backed by the `alloy-loki` crate: `loki.write`,
//! `loki.echo`, `loki.process`, `loki.relabel` and `loki.source.api`.
//!
//! # Why a forwarding receiver
//! As with the otelcol components, `forward_to` lists hold the
//! `LogsReceiver` capsule a component exports. Components that rebuild
//! their engine on update (`loki.write`) export one [`ForwardingReceiver`]
//! for their whole life and swap the engine behind it, so the published
//! value never changes and senders are not rebuilt.
//!
//! # Telemetry
//! Each component owns one `alloy_loki::metrics::Registry` and exposes it
//! through `ctx.metrics` as a collector; the runtime adds `component_id`
//! and `component_path` when `/metrics` is gathered.

mod echo;
pub mod process;
mod write;

use std::sync::{Arc, RwLock};

use alloy_loki as loki;
use loki::receiver::BoxFuture;
use loki::{Entry, Fanout, Receiver};

use crate::component::{Arguments, ComponentError, Context, Registration};
use crate::metrics::{Metric, MetricFamily, MetricKind, MetricValue};
use crate::value::{CapsuleValue, HostCapsule, Object, Value};

/// The catalogue's capsule type of `receiver` exports and `forward_to`.
pub(crate) const RECEIVER_TYPE: &str = "LogsReceiver";

/// The registrations of every `loki.*` component implemented here.
pub(super) fn registrations() -> Vec<Registration> {
    let mut out = Vec::new();
    out.extend(write::registration());
    out.extend(echo::registration());
    out.extend(process::registration());
    out
}

/// The value of a `LogsReceiver` capsule.
pub(crate) struct ReceiverCapsule(pub(crate) Arc<dyn Receiver>);

impl CapsuleValue for ReceiverCapsule {
    fn type_name(&self) -> &str {
        RECEIVER_TYPE
    }
}

/// `{ receiver = <capsule> }`, published once by components with an input.
pub(crate) fn publish_receiver(ctx: &Context, receiver: Arc<dyn Receiver>) {
    let mut exports = Object::new();
    exports.insert("receiver", Value::capsule(ReceiverCapsule(receiver)));
    ctx.exports.publish(Value::object(exports));
}

/// The receivers of a list of `LogsReceiver` capsules (`forward_to`, the
/// `logging` block's `write_to`).
pub(crate) fn receivers(body: &Arguments, name: &str) -> Result<Fanout, ComponentError> {
    let capsules: Vec<HostCapsule> = body.get_or(name, Vec::new())?;
    capsules
        .iter()
        .map(|capsule| {
            capsule
                .downcast_arc::<ReceiverCapsule>()
                .map(|c| c.0.clone())
                .ok_or_else(|| {
                    ComponentError::new(format!(
                        "{name}: expected {RECEIVER_TYPE}, got capsule({:?})",
                        capsule.type_name()
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Fanout::new)
}

/// A stable receiver whose target is swapped on update. Entries sent while
/// there is no target (never in practice: the first target is set at build
/// time) are counted by the caller's metrics as they are dropped here.
pub(crate) struct ForwardingReceiver {
    target: RwLock<Option<Arc<dyn Receiver>>>,
}

impl ForwardingReceiver {
    pub(crate) fn new() -> ForwardingReceiver {
        ForwardingReceiver {
            target: RwLock::new(None),
        }
    }

    pub(crate) fn set(&self, target: Arc<dyn Receiver>) {
        *self.target.write().unwrap_or_else(|p| p.into_inner()) = Some(target);
    }
}

impl Receiver for ForwardingReceiver {
    fn send(&self, entries: Vec<Entry>) -> BoxFuture<'_, ()> {
        let target = self
            .target
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        Box::pin(async move {
            match target {
                Some(target) => target.send(entries).await,
                None => tracing::warn!(
                    entries = entries.len(),
                    "entries sent to a loki component that is not running were dropped"
                ),
            }
        })
    }
}

/// Exposes a loki registry on the component's `/metrics`.
pub(crate) fn expose_metrics(ctx: &Context, registry: &loki::metrics::Registry) {
    let registry = registry.clone();
    ctx.metrics
        .register_collector(Arc::new(move || families(&registry)));
}

fn families(registry: &loki::metrics::Registry) -> Vec<MetricFamily> {
    registry
        .gather()
        .into_iter()
        .map(|fam| MetricFamily {
            kind: match fam.kind {
                loki::metrics::Kind::Counter => MetricKind::Counter,
                loki::metrics::Kind::Gauge => MetricKind::Gauge,
                loki::metrics::Kind::Histogram => MetricKind::Histogram,
            },
            name: fam.name,
            help: fam.help,
            metrics: fam
                .series
                .into_iter()
                .map(|(mut labels, value)| {
                    labels.sort();
                    Metric {
                        labels,
                        value: match value {
                            loki::metrics::Sample::Scalar(v) => MetricValue::Scalar(v),
                            loki::metrics::Sample::Histogram {
                                buckets,
                                sum,
                                count,
                            } => MetricValue::Histogram {
                                buckets,
                                sum,
                                count,
                            },
                        },
                    }
                })
                .collect(),
        })
        .collect()
}

/// Labels from a `map(string)` argument, checked as Prometheus label names.
pub(crate) fn labels_arg(body: &Arguments, name: &str) -> Result<loki::Labels, ComponentError> {
    let map: std::collections::BTreeMap<String, String> = body.get_or(name, Default::default())?;
    for key in map.keys() {
        if !loki::push::selector::valid_label_name(key) {
            return Err(ComponentError::new(format!(
                "{name}: invalid label name {key:?}"
            )));
        }
    }
    Ok(map.into())
}

#[cfg(test)]
mod tests;
