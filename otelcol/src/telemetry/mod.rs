//! Component telemetry on the runtime's one registry (`alloy-metrics`).
//!
//! The collector's counters and gauges are integers, so this module names
//! the registry's integer cells `Counter` and `Gauge` (one relaxed
//! `fetch_add` per update on the hot path); [`obs`] creates them with
//! upstream's names. The registry itself is `alloy_metrics::Registry`: the
//! runtime gathers a component's registry with `component_id` and
//! `component_path` added, and [`encode_text`] renders several registries as
//! one exposition for the standalone binaries and tests.

mod obs;

pub use alloy_metrics::{
    Histogram, IntCounter as Counter, IntGauge as Gauge, MetricKind, Registry,
};
pub use obs::{BatchObs, ExporterObs, ProcessorObs, ReceiverObs};

/// A gathered family (see [`Registry::gather`]).
pub type FamilySnapshot = alloy_metrics::MetricFamily;

/// One series' value in a [`FamilySnapshot`].
pub type SampleValue = alloy_metrics::MetricValue;

/// Renders several registries as one exposition. Each registry's series get
/// its `extra` labels (e.g. `component_id`, `component_path`); families with
/// the same name are merged under one `# HELP`/`# TYPE` header, as a
/// Prometheus gatherer does.
pub fn encode_text(sources: &[(&Registry, &[(&str, &str)])]) -> String {
    alloy_metrics::text::encode(
        sources
            .iter()
            .flat_map(|(registry, extra)| registry.gather_with(extra)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_merged_families_with_extra_labels() {
        let a = Registry::new();
        let b = Registry::new();
        a.int_counter("x_total", "X things.", &[("k", "1")])
            .inc_by(3);
        b.int_counter("x_total", "X things.", &[("k", "2")]).inc();
        b.int_gauge("g", "A gauge.", &[]).set(-2);
        let h = a.histogram("h", "H.", &[], &[1.0, 10.0]);
        h.observe(5.0);
        h.observe(50.0);
        let out = encode_text(&[
            (&a, &[("component_id", "a")]),
            (&b, &[("component_id", "b\"q")]),
        ]);
        let expected = "# HELP g A gauge.\n# TYPE g gauge\ng{component_id=\"b\\\"q\"} -2\n\
# HELP h H.\n# TYPE h histogram\nh_bucket{component_id=\"a\",le=\"1\"} 0\nh_bucket{component_id=\"a\",le=\"10\"} 1\n\
h_bucket{component_id=\"a\",le=\"+Inf\"} 2\nh_sum{component_id=\"a\"} 55\nh_count{component_id=\"a\"} 2\n\
# HELP x_total X things.\n# TYPE x_total counter\nx_total{component_id=\"a\",k=\"1\"} 3\nx_total{component_id=\"b\\\"q\",k=\"2\"} 1\n";
        assert_eq!(out, expected);
        assert_eq!(a.sum("x_total", &[("k", "1")]), 3.0);
    }
}
