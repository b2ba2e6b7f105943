//! The one metrics registry every crate of the runtime uses, and the
//! Prometheus text exposition (format 0.0.4) that `/metrics` and
//! `prometheus.exporter.self` serve from it.
//!
//! Why our own rather than `prometheus` or `prometheus-client`: upstream
//! serves the classic text format (not OpenMetrics), merges many
//! per-component registries under one `# HELP`/`# TYPE` header per family,
//! and adds `component_id`/`component_path` to every series of a component
//! at gather time. `prometheus-client` only writes OpenMetrics and the
//! `prometheus` crate fixes constant labels when a metric is registered.
//!
//! * [`Registry`]: counters and gauges (float, or integer where the hot path
//!   wants one `fetch_add`), histograms, all created by name and labels
//!   (the labelled family is the name; each label set is a series), plus
//!   [`Collector`]s that produce families when gathered. A registry is
//!   cheap to clone and clones share storage: a component keeps a handle
//!   while the server gathers.
//! * [`Registry::gather_with`] adds constant labels (`component_id`,
//!   `component_path`) to every series at gather time; a label the series
//!   already has keeps its value.
//! * [`MetricFamily`]: the gathered form, which [`text::encode`] renders and
//!   [`text::parse`] reads back.
//! * [`process`]: the process, machine and build collectors upstream serves.
//!
//! Values are `f64` when gathered, as in client_golang, so they print the
//! way upstream's do (`1.048576e+06`).

mod family;
pub mod process;
mod registry;
pub mod text;
mod value;

pub use family::{add_labels, Metric, MetricFamily, MetricKind, MetricValue};
pub use registry::{Collector, Registry};
pub use value::{Counter, Gauge, Histogram, IntCounter, IntGauge};

/// Default histogram buckets of client_golang (`prometheus.DefBuckets`).
pub const DEFAULT_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
