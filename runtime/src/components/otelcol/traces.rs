//! Alloy arguments of the trace processing components (issue 17) to
//! `alloy-otelcol` configs, and their built instances:
//! `otelcol.processor.tail_sampling`,
//! `otelcol.processor.probabilistic_sampler`, `otelcol.processor.span` and
//! `otelcol.processor.memory_limiter`.
//!
//! Every argument and block of the catalogue is either decoded here or
//! refused by name; nothing is silently dropped.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_otelcol as otel;
use otel::connector::servicegraph::{ServiceGraph, ServiceGraphConfig};
use otel::connector::spanlogs::{Overrides, SpanLogs, SpanLogsConfig};
use otel::connector::spanmetrics::{Dimension, DurationUnit, SpanMetrics, SpanMetricsConfig};
use otel::processor::memory_limiter::{MemoryLimiter, MemoryLimiterConfig};
use otel::processor::probabilistic_sampler::{
    AttributeSource, ProbabilisticSampler, ProbabilisticSamplerConfig, SamplerMode,
};
use otel::processor::span::{SpanConfig, SpanProcessor, StatusConfig, ToAttributes};
use otel::processor::tail_sampling::{
    PolicyConfig, PolicyKind, TailSamplingConfig, TailSamplingProcessor,
};
use otel::Consumer;

use crate::component::{Arguments, ComponentError};
use crate::value::Object;

type Result<T> = std::result::Result<T, ComponentError>;

fn err(message: impl Into<String>) -> ComponentError {
    ComponentError::new(message)
}

fn config_error(e: otel::ConfigError) -> ComponentError {
    err(e.to_string())
}

/// A built trace-processing component.
#[derive(Clone)]
pub(super) enum TraceInstance {
    TailSampling(Arc<TailSamplingProcessor>),
    ProbabilisticSampler(Arc<ProbabilisticSampler>),
    Span(Arc<SpanProcessor>),
    MemoryLimiter(Arc<MemoryLimiter>),
    SpanLogs(Arc<SpanLogs>),
    SpanMetrics(Arc<SpanMetrics>),
    ServiceGraph(Arc<ServiceGraph>),
}

impl TraceInstance {
    pub(super) fn consumer(&self) -> Arc<dyn Consumer> {
        match self {
            TraceInstance::TailSampling(p) => p.clone(),
            TraceInstance::ProbabilisticSampler(p) => p.clone(),
            TraceInstance::Span(p) => p.clone(),
            TraceInstance::MemoryLimiter(p) => p.clone(),
            TraceInstance::SpanLogs(p) => p.clone(),
            TraceInstance::SpanMetrics(p) => p.clone(),
            TraceInstance::ServiceGraph(p) => p.clone(),
        }
    }

    pub(super) async fn shutdown(&self, deadline: Instant) -> std::result::Result<(), String> {
        match self {
            TraceInstance::TailSampling(p) => p.shutdown(deadline).await,
            TraceInstance::ProbabilisticSampler(p) => p.shutdown(deadline).await,
            TraceInstance::Span(p) => p.shutdown(deadline).await,
            TraceInstance::MemoryLimiter(p) => p.shutdown(deadline).await,
            TraceInstance::SpanLogs(p) => p.shutdown(deadline).await,
            TraceInstance::SpanMetrics(p) => p.shutdown(deadline).await,
            TraceInstance::ServiceGraph(p) => p.shutdown(deadline).await,
        }
        .map_err(|e| e.to_string())
    }
}

/// `debug_metrics`: `disable_high_cardinality_metrics` concerns none of
/// these components' metrics; `level` is refused.
fn debug_metrics(args: &Arguments) -> Result<()> {
    if let Some(b) = args.block("debug_metrics") {
        if b.body.attribute("level").is_some() {
            return Err(err(
                "debug_metrics.level is not supported by this runtime yet",
            ));
        }
        let _: bool = b.body.get_or("disable_high_cardinality_metrics", true)?;
    }
    Ok(())
}

/// `otelcol.processor.tail_sampling`.
pub(super) fn tail_sampling(
    id: &str,
    args: &Arguments,
    telemetry: &otel::Registry,
) -> Result<TraceInstance> {
    debug_metrics(args)?;
    let d = TailSamplingConfig::default();
    let after_root: Duration = args.get_or("decision_wait_after_root_received", Duration::ZERO)?;
    if !after_root.is_zero() {
        return Err(err(
            "decision_wait_after_root_received is not supported by this runtime yet",
        ));
    }
    if args.get_or("block_on_overflow", false)? {
        return Err(err(
            "block_on_overflow is not supported by this runtime yet",
        ));
    }
    if args.get_or::<i64>("maximum_trace_size_bytes", 0)? != 0 {
        return Err(err(
            "maximum_trace_size_bytes is not supported by this runtime yet",
        ));
    }
    let num_traces: i64 = args.get_or("num_traces", d.num_traces as i64)?;
    let expected: i64 = args.get_or("expected_new_traces_per_sec", 0)?;
    let (mut sampled_cache_size, mut non_sampled_cache_size) = (0usize, 0usize);
    if let Some(cache) = args.get::<Object>("decision_cache")? {
        for (key, value) in cache.iter() {
            let size = value
                .as_number()
                .map(|n| n.as_i64())
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    err(format!(
                        "decision_cache.{key}: expected a non-negative number"
                    ))
                })? as usize;
            match key {
                "sampled_cache_size" => sampled_cache_size = size,
                "non_sampled_cache_size" => non_sampled_cache_size = size,
                other => {
                    return Err(err(format!(
                        "decision_cache: unknown key {other:?} (sampled_cache_size, non_sampled_cache_size)"
                    )))
                }
            }
        }
    }
    let policies = args
        .blocks_named("policy")
        .map(|b| policy(&b.body, "policy", 0))
        .collect::<Result<Vec<_>>>()?;
    let cfg = TailSamplingConfig {
        decision_wait: args.get_or("decision_wait", d.decision_wait)?,
        num_traces: u64::try_from(num_traces)
            .map_err(|_| err("num_traces must be greater than zero"))?,
        expected_new_traces_per_sec: u64::try_from(expected).unwrap_or(0),
        sample_on_first_match: args.get_or("sample_on_first_match", false)?,
        drop_pending_traces_on_shutdown: args.get_or("drop_pending_traces_on_shutdown", false)?,
        sampled_cache_size,
        non_sampled_cache_size,
        policies,
        ..d
    };
    let outputs = super::decode::outputs(args)?;
    TailSamplingProcessor::new(id, cfg, outputs.traces, telemetry)
        .map(TraceInstance::TailSampling)
        .map_err(config_error)
}

/// The sub-block of a policy for its type; absent means upstream's zero
/// values (so `always_sample` needs none).
fn sub<'a>(body: &'a Arguments, name: &str) -> Option<&'a Arguments> {
    body.block(name).map(|b| &b.body)
}

/// One policy (or sub-policy) block. `depth` stops `and`/`not`/`drop`
/// nesting where the schema stops it.
fn policy(body: &Arguments, what: &str, depth: usize) -> Result<PolicyConfig> {
    let name: String = body.require("name")?;
    let kind: String = body.require("type")?;
    let ctx = |e: ComponentError| err(format!("{what} {name:?}: {}", e.message()));
    let empty = Arguments::default();
    let block = |n: &str| sub(body, n).unwrap_or(&empty);
    let sub_policies = |n: &str, inner: &str| -> Result<Vec<PolicyConfig>> {
        sub(body, n)
            .map(|b| {
                b.blocks_named(inner)
                    .map(|p| policy(&p.body, inner, depth + 1))
                    .collect()
            })
            .unwrap_or(Ok(Vec::new()))
    };
    let kind = match kind.as_str() {
        "always_sample" => PolicyKind::AlwaysSample,
        "latency" => {
            let b = block("latency");
            PolicyKind::Latency {
                threshold_ms: b.get_or("threshold_ms", 0)?,
                upper_threshold_ms: b.get_or("upper_threshold_ms", 0)?,
            }
        }
        "numeric_attribute" => {
            let b = block("numeric_attribute");
            PolicyKind::NumericAttribute {
                key: b.get_or("key", String::new())?,
                min_value: b.get_or("min_value", 0)?,
                max_value: b.get_or("max_value", 0)?,
                invert_match: b.get_or("invert_match", false)?,
            }
        }
        "probabilistic" => {
            let b = block("probabilistic");
            PolicyKind::Probabilistic {
                hash_salt: b.get_or("hash_salt", String::new())?,
                sampling_percentage: b.get_or("sampling_percentage", 0.0)?,
            }
        }
        "status_code" => PolicyKind::StatusCode {
            status_codes: block("status_code").get_or("status_codes", Vec::new())?,
        },
        "string_attribute" => {
            let b = block("string_attribute");
            // cache_max_size bounds upstream's regex result cache; the
            // regex set here is matched directly and needs no cache.
            let _: Option<crate::value::Value> = b.get("cache_max_size")?;
            PolicyKind::StringAttribute {
                key: b.get_or("key", String::new())?,
                values: b.get_or("values", Vec::new())?,
                enabled_regex_matching: b.get_or("enabled_regex_matching", false)?,
                invert_match: b.get_or("invert_match", false)?,
            }
        }
        "rate_limiting" => {
            let b = block("rate_limiting");
            PolicyKind::RateLimiting {
                spans_per_second: b.get_or("spans_per_second", 0)?,
                burst_capacity: b.get_or("burst_capacity", 0)?,
            }
        }
        "bytes_limiting" => {
            let b = block("bytes_limiting");
            PolicyKind::BytesLimiting {
                bytes_per_second: b.get_or("bytes_per_second", 0)?,
                burst_capacity: b.get_or("burst_capacity", 0)?,
            }
        }
        "span_count" => {
            let b = block("span_count");
            PolicyKind::SpanCount {
                min_spans: b.get_or("min_spans", 0)?,
                max_spans: b.get_or("max_spans", 0)?,
            }
        }
        "trace_state" => {
            let b = block("trace_state");
            PolicyKind::TraceState {
                key: b.get_or("key", String::new())?,
                values: b.get_or("values", Vec::new())?,
            }
        }
        "boolean_attribute" => {
            let b = block("boolean_attribute");
            PolicyKind::BooleanAttribute {
                key: b.get_or("key", String::new())?,
                value: b.get_or("value", false)?,
                invert_match: b.get_or("invert_match", false)?,
            }
        }
        "ottl_condition" => {
            return Err(err(format!(
                "{what} {name:?}: type \"ottl_condition\" is not supported by this runtime yet (OTTL is not implemented)"
            )))
        }
        "and" if depth < 2 => PolicyKind::And(sub_policies("and", "and_sub_policy").map_err(ctx)?),
        "not" if depth < 2 => {
            let inner = sub(body, "not")
                .and_then(|b| b.block("not_sub_policy"))
                .ok_or_else(|| err(format!("{what} {name:?}: type \"not\" needs a not {{ not_sub_policy {{ ... }} }} block")))?;
            PolicyKind::Not(Box::new(policy(&inner.body, "not_sub_policy", depth + 1)?))
        }
        "drop" if depth == 0 => {
            PolicyKind::Drop(sub_policies("drop", "drop_sub_policy").map_err(ctx)?)
        }
        "composite" if depth == 0 => {
            let b = block("composite");
            PolicyKind::Composite {
                max_total_spans_per_second: b.get_or("max_total_spans_per_second", 0)?,
                policy_order: b.get_or("policy_order", Vec::new())?,
                sub_policies: b
                    .blocks_named("composite_sub_policy")
                    .map(|p| policy(&p.body, "composite_sub_policy", depth + 1))
                    .collect::<Result<_>>()?,
                rate_allocation: b
                    .blocks_named("rate_allocation")
                    .map(|r| Ok((r.body.require("policy")?, r.body.require("percent")?)))
                    .collect::<Result<_>>()?,
            }
        }
        other => {
            return Err(err(format!(
                "{what} {name:?}: unknown sampling policy type {other:?}"
            )))
        }
    };
    Ok(PolicyConfig { name, kind })
}

/// `otelcol.processor.probabilistic_sampler`.
pub(super) fn probabilistic_sampler(
    id: &str,
    args: &Arguments,
    telemetry: &otel::Registry,
) -> Result<TraceInstance> {
    debug_metrics(args)?;
    let d = ProbabilisticSamplerConfig::default();
    let mode = match args.get::<String>("mode")? {
        Some(text) => SamplerMode::parse(&text).map_err(config_error)?,
        None => None,
    };
    let source: String = args.get_or("attribute_source", "traceID".to_owned())?;
    let attribute_source = match source.as_str() {
        "traceID" | "" => AttributeSource::TraceId,
        "record" => AttributeSource::Record,
        other => {
            return Err(err(format!(
                "invalid attribute source: {other}. Expected: traceID or record"
            )))
        }
    };
    let precision: i64 = args.get_or("sampling_precision", i64::from(d.sampling_precision))?;
    let cfg = ProbabilisticSamplerConfig {
        sampling_percentage: args.get_or("sampling_percentage", 0.0f32)?,
        hash_seed: args.get_or("hash_seed", 0u32)?,
        mode,
        fail_closed: args.get_or("fail_closed", true)?,
        sampling_precision: u8::try_from(precision).map_err(|_| {
            err(format!(
                "sampling precision is too great, should be <= 14: {precision}"
            ))
        })?,
        attribute_source,
        from_attribute: args.get_or("from_attribute", String::new())?,
        sampling_priority: args.get_or("sampling_priority", String::new())?,
    };
    let outputs = super::decode::outputs(args)?;
    if !outputs.metrics.is_empty() {
        return Err(err(
            "output.metrics: otelcol.processor.probabilistic_sampler does not emit metrics",
        ));
    }
    ProbabilisticSampler::new(id, cfg, outputs, telemetry)
        .map(TraceInstance::ProbabilisticSampler)
        .map_err(config_error)
}

/// Outputs for a traces-only processor: other signals are refused by name.
fn traces_only(args: &Arguments, component: &str) -> Result<otel::Outputs> {
    let outputs = super::decode::outputs(args)?;
    for (signal, fanout) in [("metrics", &outputs.metrics), ("logs", &outputs.logs)] {
        if !fanout.is_empty() {
            return Err(err(format!(
                "output.{signal}: {component} only processes traces"
            )));
        }
    }
    Ok(outputs)
}

/// `otelcol.processor.span`.
pub(super) fn span(
    id: &str,
    args: &Arguments,
    telemetry: &otel::Registry,
) -> Result<TraceInstance> {
    debug_metrics(args)?;
    let mut cfg = SpanConfig {
        include: super::decode::match_config(args, "include")?,
        exclude: super::decode::match_config(args, "exclude")?,
        ..Default::default()
    };
    if let Some(name) = args.block("name") {
        let b = &name.body;
        cfg.from_attributes = b.get_or("from_attributes", Vec::new())?;
        cfg.separator = b.get_or("separator", String::new())?;
        cfg.to_attributes = b
            .block("to_attributes")
            .map(|t| -> Result<ToAttributes> {
                Ok(ToAttributes {
                    rules: t.body.require("rules")?,
                    break_after_match: t.body.get_or("break_after_match", false)?,
                    keep_original_name: t.body.get_or("keep_original_name", false)?,
                })
            })
            .transpose()?;
    }
    cfg.status = args
        .block("status")
        .map(|s| -> Result<StatusConfig> {
            Ok(StatusConfig {
                code: s.body.require("code")?,
                description: s.body.get_or("description", String::new())?,
            })
        })
        .transpose()?;
    let outputs = traces_only(args, "otelcol.processor.span")?;
    SpanProcessor::new(id, cfg, outputs, telemetry)
        .map(TraceInstance::Span)
        .map_err(config_error)
}

/// `otelcol.processor.memory_limiter`.
pub(super) fn memory_limiter(
    id: &str,
    args: &Arguments,
    telemetry: &otel::Registry,
) -> Result<TraceInstance> {
    debug_metrics(args)?;
    let size = |name: &str| -> Result<Option<u64>> {
        match args.get::<String>(name)? {
            None => Ok(None),
            Some(text) => super::decode::parse_bytes(&text)
                .map(|b| Some(b as u64))
                .ok_or_else(|| err(format!("invalid {name} {text:?}: not a size"))),
        }
    };
    let cfg = MemoryLimiterConfig {
        check_interval: args.require("check_interval")?,
        limit: size("limit")?.unwrap_or(0),
        spike_limit: size("spike_limit")?,
        limit_percentage: args.get_or("limit_percentage", 0u32)?,
        spike_limit_percentage: args.get_or("spike_limit_percentage", 0u32)?,
    };
    let outputs = super::decode::outputs(args)?;
    MemoryLimiter::new(id, cfg, outputs, telemetry)
        .map(TraceInstance::MemoryLimiter)
        .map_err(config_error)
}

/// `otelcol.connector.spanlogs`.
pub(super) fn spanlogs(args: &Arguments) -> Result<TraceInstance> {
    let d = Overrides::default();
    let overrides = match args.block("overrides") {
        None => d,
        Some(b) => {
            let b = &b.body;
            Overrides {
                logs_instance_tag: b.get_or("logs_instance_tag", d.logs_instance_tag)?,
                service_key: b.get_or("service_key", d.service_key)?,
                span_name_key: b.get_or("span_name_key", d.span_name_key)?,
                status_key: b.get_or("status_key", d.status_key)?,
                duration_key: b.get_or("duration_key", d.duration_key)?,
                trace_id_key: b.get_or("trace_id_key", d.trace_id_key)?,
            }
        }
    };
    let cfg = SpanLogsConfig {
        spans: args.get_or("spans", false)?,
        roots: args.get_or("roots", false)?,
        processes: args.get_or("processes", false)?,
        events: args.get_or("events", false)?,
        span_attributes: args.get_or("span_attributes", Vec::new())?,
        process_attributes: args.get_or("process_attributes", Vec::new())?,
        event_attributes: args.get_or("event_attributes", Vec::new())?,
        labels: args.get_or("labels", Vec::new())?,
        overrides,
    };
    let outputs = super::decode::outputs(args)?;
    for (signal, fanout) in [("traces", &outputs.traces), ("metrics", &outputs.metrics)] {
        if !fanout.is_empty() {
            return Err(err(format!(
                "output.{signal}: otelcol.connector.spanlogs only emits logs"
            )));
        }
    }
    Ok(TraceInstance::SpanLogs(SpanLogs::new(cfg, outputs.logs)))
}

fn dimensions(body: &Arguments) -> Result<Vec<Dimension>> {
    body.blocks_named("dimension")
        .map(|b| {
            Ok(Dimension {
                name: b.body.require("name")?,
                default: b.body.get("default")?,
            })
        })
        .collect()
}

/// `otelcol.connector.spanmetrics`.
pub(super) fn spanmetrics(args: &Arguments) -> Result<TraceInstance> {
    let d = SpanMetricsConfig::default();
    if args.block("calls_dimension").is_some() {
        return Err(err(
            "block calls_dimension is not supported by this runtime yet",
        ));
    }
    if args.get_or::<i64>("aggregation_cardinality_limit", 0)? != 0 {
        return Err(err(
            "aggregation_cardinality_limit is not supported by this runtime yet",
        ));
    }
    if !args
        .get_or::<Duration>("series_expiration", Duration::ZERO)?
        .is_zero()
    {
        return Err(err(
            "series_expiration is not supported by this runtime yet",
        ));
    }
    if !args
        .get_or::<Vec<String>>("include_instrumentation_scope", Vec::new())?
        .is_empty()
    {
        return Err(err(
            "include_instrumentation_scope is not supported by this runtime yet",
        ));
    }
    if args.get_or("include_collector_instance_id", false)? {
        return Err(err(
            "include_collector_instance_id is not supported by this runtime yet",
        ));
    }
    // Sizes of upstream's internal caches; this implementation keeps every
    // live series in one map and needs no such caches.
    for name in [
        "dimensions_cache_size",
        "resource_metrics_cache_size",
        "metric_timestamp_cache_size",
    ] {
        let _: i64 = args.get_or(name, 0)?;
    }
    let temporality: String = args.get_or("aggregation_temporality", "CUMULATIVE".to_owned())?;
    let delta = match temporality.as_str() {
        "CUMULATIVE" => false,
        "DELTA" => true,
        other => {
            return Err(err(format!(
                "invalid aggregation_temporality {other:?}: must be CUMULATIVE or DELTA"
            )))
        }
    };
    let mut cfg = SpanMetricsConfig {
        dimensions: dimensions(args)?,
        exclude_dimensions: args.get_or("exclude_dimensions", Vec::new())?,
        namespace: args.get_or("namespace", d.namespace.clone())?,
        flush_interval: args.get_or("metrics_flush_interval", d.flush_interval)?,
        metrics_expiration: args.get_or("metrics_expiration", Duration::ZERO)?,
        delta,
        resource_metrics_key_attributes: args
            .get_or("resource_metrics_key_attributes", Vec::new())?,
        ..d
    };
    if let Some(h) = args.block("histogram") {
        let h = &h.body;
        if h.block("exponential").is_some() {
            return Err(err(
                "block histogram.exponential is not supported by this runtime yet",
            ));
        }
        if h.block("dimension").is_some() {
            return Err(err(
                "block histogram.dimension is not supported by this runtime yet",
            ));
        }
        cfg.histogram_disabled = h.get_or("disable", false)?;
        let unit: String = h.get_or("unit", "ms".to_owned())?;
        cfg.unit = match unit.as_str() {
            "ms" => DurationUnit::Milliseconds,
            "s" => DurationUnit::Seconds,
            other => {
                return Err(err(format!(
                    "histogram.unit {other:?}: must be \"ms\" or \"s\""
                )))
            }
        };
        if let Some(e) = h.block("explicit") {
            cfg.buckets = e.body.get::<Vec<Duration>>("buckets")?;
        }
    }
    if let Some(e) = args.block("exemplars") {
        cfg.exemplars = e.body.get_or("enabled", false)?;
        cfg.max_exemplars_per_point = e.body.get_or("max_per_data_point", 5usize)?;
    }
    if let Some(e) = args.block("events") {
        if e.body.get_or("enabled", false)? {
            return Err(err("events.enabled is not supported by this runtime yet"));
        }
        let _ = dimensions(&e.body)?;
    }
    let outputs = super::decode::outputs(args)?;
    for (signal, fanout) in [("traces", &outputs.traces), ("logs", &outputs.logs)] {
        if !fanout.is_empty() {
            return Err(err(format!(
                "output.{signal}: otelcol.connector.spanmetrics only emits metrics"
            )));
        }
    }
    SpanMetrics::new(cfg, outputs.metrics)
        .map(TraceInstance::SpanMetrics)
        .map_err(config_error)
}

/// `otelcol.connector.servicegraph`.
pub(super) fn servicegraph(
    id: &str,
    args: &Arguments,
    telemetry: &otel::Registry,
) -> Result<TraceInstance> {
    let d = ServiceGraphConfig::default();
    if !args
        .get_or::<Vec<String>>("exponential_histogram_max_size", Vec::new())?
        .is_empty()
    {
        return Err(err(
            "exponential_histogram_max_size is not supported by this runtime yet",
        ));
    }
    let mut cfg = ServiceGraphConfig {
        latency_histogram_buckets: args.get_or(
            "latency_histogram_buckets",
            d.latency_histogram_buckets.clone(),
        )?,
        dimensions: args.get_or("dimensions", Vec::new())?,
        store_expiration_loop: args.get_or("store_expiration_loop", d.store_expiration_loop)?,
        cache_loop: args.get_or("cache_loop", d.cache_loop)?,
        virtual_node_peer_attributes: args.get_or(
            "virtual_node_peer_attributes",
            d.virtual_node_peer_attributes.clone(),
        )?,
        virtual_node_extra_label: args.get_or("virtual_node_extra_label", false)?,
        metrics_flush_interval: args.get_or("metrics_flush_interval", d.metrics_flush_interval)?,
        database_name_attributes: args.get_or(
            "database_name_attributes",
            d.database_name_attributes.clone(),
        )?,
        ..d
    };
    if let Some(store) = args.block("store") {
        cfg.store_max_items = store.body.get_or("max_items", cfg.store_max_items)?;
        cfg.store_ttl = store.body.get_or("ttl", cfg.store_ttl)?;
    }
    let outputs = super::decode::outputs(args)?;
    for (signal, fanout) in [("traces", &outputs.traces), ("logs", &outputs.logs)] {
        if !fanout.is_empty() {
            return Err(err(format!(
                "output.{signal}: otelcol.connector.servicegraph only emits metrics"
            )));
        }
    }
    ServiceGraph::new(id, cfg, outputs.metrics, telemetry)
        .map(TraceInstance::ServiceGraph)
        .map_err(config_error)
}
