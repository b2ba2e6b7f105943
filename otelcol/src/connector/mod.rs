//! Connectors: components that consume one signal and emit another
//! (`otelcol.connector.*`).

pub mod spanlogs;
pub mod spanmetrics;
pub mod servicegraph;
