//! Conversions between the signal models of the Alloy runtime, without
//! Alloy syntax and without the controller:
//!
//! * [`otlp_to_prom`]: OTLP metrics → Prometheus samples, the converter
//!   behind `otelcol.exporter.prometheus` ([`PromExporter`] is the
//!   component: an OTLP [`Consumer`](alloy_otelcol::Consumer) that appends to
//!   Prometheus receivers).
//! * [`prom_to_otlp`]: Prometheus samples → OTLP metrics, the converter
//!   behind `otelcol.receiver.prometheus` ([`PromReceiver`] is the
//!   component: a Prometheus [`Appendable`](alloy_prometheus::Appendable)
//!   that feeds OTLP consumers).
//!
//! * [`otlp_loki`]: OTLP logs ↔ Loki entries, behind [`LokiExporter`]
//!   (`otelcol.exporter.loki`) and [`LokiReceiver`] (`otelcol.receiver.loki`).
//!
//! Every item a converter cannot carry over is counted by reason on the
//! component's registry; nothing is dropped silently.

pub mod exporter;
pub mod loki_components;
pub mod names;
pub mod otlp_loki;
pub mod otlp_to_prom;
pub mod prom_to_otlp;
pub mod receiver;

pub use exporter::PromExporter;
pub use loki_components::{LokiExporter, LokiReceiver};
pub use otlp_to_prom::{ConvertStats, Converter, DropReason, ExporterOptions};
pub use prom_to_otlp::{PromDropReason, PromToOtlp};
pub use receiver::PromReceiver;
