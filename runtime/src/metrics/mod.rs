//! Metrics: the runtime's view of the one registry (`alloy-metrics`), which
//! every crate uses. `/metrics` renders [`Registry::gather`] of the process
//! registry with [`text::encode`]; each component gets its own [`Registry`]
//! in its context, gathered with `component_id`/`component_path` added.

pub use alloy_metrics::*;
