//! Metrics: the runtime's view of the one registry (`alloy-metrics`), which
//! every crate uses. `/metrics` renders [`Registry::gather`] of the process
//! registry with [`text::encode`]; each component gets its own [`Registry`]
//! in its context, gathered with `component_id`/`component_path` added.

use std::sync::RwLock;

pub use alloy_metrics::*;

static PROCESS: RwLock<Option<Registry>> = RwLock::new(None);

/// Makes `registry` the one `/metrics` serves, for in-process readers
/// (`prometheus.exporter.self`). The latest call wins.
pub fn set_process_registry(registry: &Registry) {
    *PROCESS.write().unwrap_or_else(|p| p.into_inner()) = Some(registry.clone());
}

/// The registry `/metrics` serves (an empty one before the process set it).
pub fn process_registry() -> Registry {
    PROCESS
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .unwrap_or_default()
}
