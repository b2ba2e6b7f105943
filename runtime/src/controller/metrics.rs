//! The controller's own metrics, with upstream's names, help texts and
//! buckets. All evaluations count towards the root controller's series
//! (`controller_path="/"`, `controller_id=""`); upstream keeps one set per
//! module controller.

use std::time::Duration;

use crate::metrics::{Counter, Gauge, Histogram, Registry};

const BUCKETS: [f64; 12] = [
    0.005, 0.025, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

/// Evaluations at least this slow count towards
/// `alloy_component_evaluation_slow_seconds`.
const SLOW: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub(crate) struct ControllerMetrics {
    registry: Registry,
    pub evaluating: Gauge,
    pub evaluation_seconds: Histogram,
    pub dependencies_wait: Histogram,
    pub queue_size: Gauge,
}

const LABELS: [(&str, &str); 2] = [("controller_id", ""), ("controller_path", "/")];

impl ControllerMetrics {
    pub fn new(registry: &Registry) -> ControllerMetrics {
        ControllerMetrics {
            registry: registry.clone(),
            evaluating: registry.gauge(
                "alloy_component_controller_evaluating",
                "Tracks if the controller is currently in the middle of a graph evaluation",
                &LABELS,
            ),
            evaluation_seconds: registry.histogram(
                "alloy_component_evaluation_seconds",
                "Time spent performing component evaluation",
                &LABELS,
                &BUCKETS,
            ),
            dependencies_wait: registry.histogram(
                "alloy_component_dependencies_wait_seconds",
                "Time spent by components waiting to be evaluated after their dependency is \
                 updated.",
                &LABELS,
                &BUCKETS,
            ),
            queue_size: registry.gauge(
                "alloy_component_evaluation_queue_size",
                "Tracks the number of components waiting to be evaluated in the worker pool",
                &LABELS,
            ),
        }
    }

    /// Records one node evaluation.
    pub fn evaluated(&self, node: &str, took: Duration) {
        self.evaluation_seconds.observe(took.as_secs_f64());
        if took >= SLOW {
            self.slow(node).inc_by(took.as_secs_f64());
        }
    }

    fn slow(&self, node: &str) -> Counter {
        self.registry.counter(
            "alloy_component_evaluation_slow_seconds",
            "Number of seconds spent evaluating components that take longer than 1m0s to \
             evaluate",
            &[
                ("component_id", node),
                ("controller_id", ""),
                ("controller_path", "/"),
            ],
        )
    }
}
