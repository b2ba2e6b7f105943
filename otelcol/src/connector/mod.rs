//! Connectors: components that consume one signal and emit another
//! (`otelcol.connector.*`).

pub mod servicegraph;
pub mod spanlogs;
pub mod spanmetrics;
