//! `prometheus.*` components: adapters from Alloy arguments to the
//! `alloy-prometheus` crate.

pub(crate) mod discovery_file;
pub(crate) mod exporter_self;
pub(crate) mod receive_http;
pub(crate) mod relabel;
pub(crate) mod remote_write;
pub(crate) mod scrape;

use std::sync::Arc;

use alloy_prometheus::model::Appendable;

use crate::component::{Arguments, ComponentError, Registration};
use crate::value::{CapsuleValue, HostCapsule};

/// What the adapters return.
pub(crate) type Result<T> = std::result::Result<T, ComponentError>;

/// A component error with `message` (shown to users as is).
pub(crate) fn err(message: impl Into<String>) -> ComponentError {
    ComponentError::new(message)
}

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
pub(crate) fn forward_to(args: &Arguments, name: &str) -> Result<Vec<Arc<dyn Appendable>>> {
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

/// Refuses `names` when set to anything but their default (`is_default`).
pub(crate) fn refuse_set(body: &Arguments, prefix: &str, names: &[&str]) -> Result<()> {
    for name in names {
        if body.attribute(name).is_some() {
            return Err(ComponentError::new(format!(
                "{prefix}{name} is not supported by this runtime yet"
            )));
        }
    }
    Ok(())
}

pub(crate) fn refuse_blocks(body: &Arguments, prefix: &str, names: &[&str]) -> Result<()> {
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
    [
        scrape::registration(),
        relabel::prometheus_registration(),
        relabel::discovery_registration(),
        exporter_self::registration(),
        discovery_file::registration(),
        remote_write::registration(),
        receive_http::registration(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A `list(map(string))` argument (targets).
pub(crate) fn targets(args: &Arguments, name: &str) -> Result<Vec<alloy_prometheus::Labels>> {
    let maps: Vec<std::collections::BTreeMap<String, String>> = args.get_or(name, Vec::new())?;
    Ok(maps
        .iter()
        .map(|m| {
            alloy_prometheus::Labels::from_pairs(m.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        })
        .collect())
}

/// Targets as an exported `list(map(string))`.
pub(crate) fn targets_value(targets: &[alloy_prometheus::Labels]) -> crate::value::Value {
    use crate::value::{Object, Value};
    Value::array(
        targets
            .iter()
            .map(|t| {
                let mut o = Object::new();
                for l in t.iter() {
                    o.insert(l.name, Value::string(l.value));
                }
                Value::object(o)
            })
            .collect(),
    )
}
