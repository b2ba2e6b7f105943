//! Upstream's `otelcol_processor_tail_sampling_*` metrics, as Alloy exposes
//! them through the OTel-Go Prometheus bridge (counters end in `_total`).

use crate::telemetry::{Counter, Gauge, Histogram, Registry};

const SCOPE: &str =
    "github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor";

const PREFIX: &str = "otelcol_processor_tail_sampling_";

fn labels<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = extra.to_vec();
    v.push(("otel_scope_name", SCOPE));
    v.push(("otel_scope_schema_url", ""));
    v.push(("otel_scope_version", ""));
    v
}

pub(super) struct TailObs {
    registry: Registry,
    pub global_sampled: Counter,
    pub global_not_sampled: Counter,
    pub dropped_too_early: Counter,
    pub traces_on_memory: Gauge,
    pub new_trace_ids: Counter,
    pub early_release_sampled: Counter,
    pub early_release_not_sampled: Counter,
    pub decision_timer: Histogram,
    /// Spans of sampled traces the next consumer refused (lost). Not an
    /// upstream metric: upstream only logs these.
    pub release_failed: Counter,
}

impl TailObs {
    pub(super) fn new(reg: &Registry) -> Self {
        let global = |sampled| {
            reg.int_counter(
                &format!("{PREFIX}global_count_traces_sampled_total"),
                "Global count of traces that were sampled or not by at least one policy",
                &labels(&[("sampled", sampled)]),
            )
        };
        let early = |sampled| {
            reg.int_counter(
                &format!("{PREFIX}early_releases_from_cache_decision_total"),
                "Number of spans that were able to be immediately released due to a decision cache hit.",
                &labels(&[("sampled", sampled)]),
            )
        };
        // Registered so the series exists: no policy here can fail to
        // evaluate (OTTL conditions, the only fallible ones, are refused).
        reg.int_counter(
            &format!("{PREFIX}sampling_policy_evaluation_error_total"),
            "Count of sampling policy evaluation errors",
            &labels(&[]),
        );
        TailObs {
            registry: reg.clone(),
            global_sampled: global("true"),
            global_not_sampled: global("false"),
            dropped_too_early: reg.int_counter(
                &format!("{PREFIX}sampling_trace_dropped_too_early_total"),
                "Count of traces that needed to be dropped before the configured wait time",
                &labels(&[]),
            ),
            traces_on_memory: reg.int_gauge(
                &format!("{PREFIX}sampling_traces_on_memory"),
                "Tracks the number of traces current on memory",
                &labels(&[]),
            ),
            new_trace_ids: reg.int_counter(
                &format!("{PREFIX}new_trace_id_received_total"),
                "Counts the arrival of new traces",
                &labels(&[]),
            ),
            early_release_sampled: early("true"),
            early_release_not_sampled: early("false"),
            decision_timer: reg.histogram(
                &format!("{PREFIX}sampling_decision_timer_latency"),
                "Latency (in milliseconds) of each run of the sampling decision timer",
                &labels(&[]),
                &[
                    1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0, 400.0,
                    500.0, 750.0, 1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 10000.0, 20000.0,
                    30000.0, 50000.0,
                ],
            ),
            release_failed: reg.int_counter(
                "alloy_otelcol_processor_tail_sampling_release_failed_spans_total",
                "Spans of sampled traces that the next consumer refused and that were lost",
                &labels(&[]),
            ),
        }
    }

    /// `count_traces_sampled_total{policy, sampled}` for one policy.
    pub(super) fn policy_counter(&self, policy: &str, sampled: &str) -> Counter {
        self.registry.int_counter(
            &format!("{PREFIX}count_traces_sampled_total"),
            "Count of traces that were sampled or not per sampling policy",
            &labels(&[("policy", policy), ("sampled", sampled)]),
        )
    }
}
