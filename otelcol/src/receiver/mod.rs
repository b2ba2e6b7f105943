//! Receivers: components that accept telemetry from the network.

pub mod otlp;
