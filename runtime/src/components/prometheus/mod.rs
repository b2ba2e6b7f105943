//! `prometheus.*` components: adapters from Alloy arguments to the
//! `alloy-prometheus` crate.

pub(crate) mod receive_http;
pub(crate) mod remote_write;

use std::sync::Arc;

use alloy_prometheus::model::Appendable;
use alloy_prometheus::wal::metrics::{Kind, Point};

use crate::component::{Arguments, ComponentError, Registration};
use crate::metrics::{Metric, MetricFamily, MetricKind, MetricValue};
use crate::value::{CapsuleValue, HostCapsule};

/// The capsule type of `forward_to` lists and `receiver` exports.
pub(crate) const RECEIVER_TYPE: &str = "MetricsReceiver";

/// The value of a `MetricsReceiver` capsule.
pub(crate) struct ReceiverCapsule(pub(crate) Arc<dyn Appendable>);

impl CapsuleValue for ReceiverCapsule {
    fn type_name(&self) -> &str {
        RECEIVER_TYPE
    }
}

/// The receivers of a `forward_to` list.
pub(crate) fn forward_to(
    args: &Arguments,
    name: &str,
) -> Result<Vec<Arc<dyn Appendable>>, ComponentError> {
    let capsules: Vec<HostCapsule> = args.get_or(name, Vec::new())?;
    capsules
        .iter()
        .map(|c| {
            c.downcast_arc::<ReceiverCapsule>()
                .map(|r| r.0.clone())
                .ok_or_else(|| {
                    ComponentError::new(format!(
                        "{name}: expected {RECEIVER_TYPE}, got capsule({:?})",
                        c.type_name()
                    ))
                })
        })
        .collect()
}

/// Gathered points as metric families, each series carrying `labels`.
pub(crate) fn families(points: Vec<Point>, labels: &[(&str, &str)]) -> Vec<MetricFamily> {
    let mut labels: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    labels.sort();
    points
        .into_iter()
        .map(|p| MetricFamily {
            name: p.name.to_owned(),
            help: p.help.to_owned(),
            kind: match p.kind {
                Kind::Counter => MetricKind::Counter,
                Kind::Gauge => MetricKind::Gauge,
            },
            metrics: vec![Metric {
                labels: labels.clone(),
                value: MetricValue::Scalar(p.value),
            }],
        })
        .collect()
}

/// Refuses `names` when set to anything but their default (`is_default`).
pub(crate) fn refuse_set(
    body: &Arguments,
    prefix: &str,
    names: &[&str],
) -> Result<(), ComponentError> {
    for name in names {
        if body.attribute(name).is_some() {
            return Err(ComponentError::new(format!(
                "{prefix}{name} is not supported by this runtime yet"
            )));
        }
    }
    Ok(())
}

pub(crate) fn refuse_blocks(
    body: &Arguments,
    prefix: &str,
    names: &[&str],
) -> Result<(), ComponentError> {
    for name in names {
        if body.block(name).is_some() {
            return Err(ComponentError::new(format!(
                "block {prefix}{name} is not supported by this runtime yet"
            )));
        }
    }
    Ok(())
}

pub(super) fn registrations() -> Vec<Registration> {
    [remote_write::registration(), receive_http::registration()]
        .into_iter()
        .flatten()
        .collect()
}
