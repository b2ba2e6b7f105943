//! `otelcol.processor.tail_sampling` settings, in upstream's terms.

use std::time::Duration;

/// The processor's settings. Defaults are Alloy's.
#[derive(Debug, Clone)]
pub struct TailSamplingConfig {
    /// How long after its first span a trace is decided.
    pub decision_wait: Duration,
    /// Traces held at most; beyond it the oldest is dropped.
    pub num_traces: u64,
    /// Sizes the decision batches up front (a hint, as upstream).
    pub expected_new_traces_per_sec: u64,
    /// Stop at the first policy that samples.
    pub sample_on_first_match: bool,
    /// At shutdown, drop undecided traces instead of deciding them early.
    pub drop_pending_traces_on_shutdown: bool,
    /// Trace ids remembered after their decision (0: none), so spans that
    /// arrive later follow it.
    pub sampled_cache_size: usize,
    pub non_sampled_cache_size: usize,
    pub policies: Vec<PolicyConfig>,
    /// How often decisions are made (upstream: every second). Shorter only
    /// in tests.
    pub tick: Duration,
}

impl Default for TailSamplingConfig {
    fn default() -> Self {
        Self {
            decision_wait: Duration::from_secs(30),
            num_traces: 50_000,
            expected_new_traces_per_sec: 0,
            sample_on_first_match: false,
            drop_pending_traces_on_shutdown: false,
            sampled_cache_size: 0,
            non_sampled_cache_size: 0,
            policies: Vec::new(),
            tick: Duration::from_secs(1),
        }
    }
}

/// One named policy.
#[derive(Debug, Clone)]
pub struct PolicyConfig {
    pub name: String,
    pub kind: PolicyKind,
}

/// The policy types and their settings.
#[derive(Debug, Clone)]
pub enum PolicyKind {
    AlwaysSample,
    Latency {
        threshold_ms: i64,
        upper_threshold_ms: i64,
    },
    NumericAttribute {
        key: String,
        min_value: i64,
        max_value: i64,
        invert_match: bool,
    },
    Probabilistic {
        hash_salt: String,
        sampling_percentage: f64,
    },
    StatusCode {
        status_codes: Vec<String>,
    },
    StringAttribute {
        key: String,
        values: Vec<String>,
        enabled_regex_matching: bool,
        invert_match: bool,
    },
    RateLimiting {
        spans_per_second: i64,
        burst_capacity: i64,
    },
    BytesLimiting {
        bytes_per_second: i64,
        burst_capacity: i64,
    },
    SpanCount {
        min_spans: i64,
        max_spans: i64,
    },
    TraceState {
        key: String,
        values: Vec<String>,
    },
    BooleanAttribute {
        key: String,
        value: bool,
        invert_match: bool,
    },
    /// Samples when every sub-policy samples.
    And(Vec<PolicyConfig>),
    /// Samples when the sub-policy does not.
    Not(Box<PolicyConfig>),
    /// Drops the trace (whatever other policies say) when every
    /// sub-policy samples.
    Drop(Vec<PolicyConfig>),
    Composite {
        max_total_spans_per_second: i64,
        /// Read as upstream reads it: sub-policies are evaluated in the
        /// order they are declared.
        policy_order: Vec<String>,
        sub_policies: Vec<PolicyConfig>,
        /// `(policy, percent)` shares of `max_total_spans_per_second`.
        rate_allocation: Vec<(String, f64)>,
    },
}

impl PolicyKind {
    /// Upstream's `type` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            PolicyKind::AlwaysSample => "always_sample",
            PolicyKind::Latency { .. } => "latency",
            PolicyKind::NumericAttribute { .. } => "numeric_attribute",
            PolicyKind::Probabilistic { .. } => "probabilistic",
            PolicyKind::StatusCode { .. } => "status_code",
            PolicyKind::StringAttribute { .. } => "string_attribute",
            PolicyKind::RateLimiting { .. } => "rate_limiting",
            PolicyKind::BytesLimiting { .. } => "bytes_limiting",
            PolicyKind::SpanCount { .. } => "span_count",
            PolicyKind::TraceState { .. } => "trace_state",
            PolicyKind::BooleanAttribute { .. } => "boolean_attribute",
            PolicyKind::And(_) => "and",
            PolicyKind::Not(_) => "not",
            PolicyKind::Drop(_) => "drop",
            PolicyKind::Composite { .. } => "composite",
        }
    }
}
