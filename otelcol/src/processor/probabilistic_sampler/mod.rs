//! `otelcol.processor.probabilistic_sampler`: keeps a fixed share of spans
//! (by trace) and log records, deciding exactly as upstream does so that
//! several collectors, or this one and an upstream one, agree.
//!
//! Three modes, as upstream: `hash_seed` (the original FNV-1a-32 hash of
//! the seed and trace id into 2^14 buckets), `proportional` and
//! `equalizing` (OTEP 235: the trace id's last 56 bits, or the `rv` of
//! the `tracestate`, against a rejection threshold written back as `th`).
//! Without a `mode`, `hash_seed` is chosen when a hash seed is set (or, for
//! logs, when the randomness comes from a record attribute), else
//! `proportional`, as upstream chooses for an unset mode.

pub mod threshold;

use std::sync::Arc;
use std::time::Instant;

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::trace::v1::Span;

use crate::consumer::{Consumer, Outputs};
use crate::error::{ConfigError, ConsumeError, ShutdownError};
use crate::pdata::{ConsumeFuture, Logs, Metrics, Signal, SignalKind, Traces};
use crate::telemetry::{Counter, ProcessorObs, Registry};
use threshold::{Threshold, TraceState, MAX_ADJUSTED_COUNT, NEVER_SAMPLE};

const SCOPE: &str = "github.com/open-telemetry/opentelemetry-collector-contrib/processor/probabilisticsamplerprocessor";

/// `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplerMode {
    HashSeed,
    Proportional,
    Equalizing,
}

impl SamplerMode {
    pub fn parse(text: &str) -> Result<Option<SamplerMode>, ConfigError> {
        match text {
            "" => Ok(None),
            "hash_seed" => Ok(Some(SamplerMode::HashSeed)),
            "proportional" => Ok(Some(SamplerMode::Proportional)),
            "equalizing" => Ok(Some(SamplerMode::Equalizing)),
            other => Err(ConfigError::invalid(
                "mode",
                format!("unsupported sampler mode {other:?}"),
            )),
        }
    }
}

/// `attribute_source` (logs only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeSource {
    TraceId,
    Record,
}

#[derive(Debug, Clone)]
pub struct ProbabilisticSamplerConfig {
    pub sampling_percentage: f32,
    pub hash_seed: u32,
    /// `None`: chosen as upstream chooses for an unset mode.
    pub mode: Option<SamplerMode>,
    pub fail_closed: bool,
    pub sampling_precision: u8,
    pub attribute_source: AttributeSource,
    pub from_attribute: String,
    pub sampling_priority: String,
}

impl Default for ProbabilisticSamplerConfig {
    fn default() -> Self {
        Self {
            sampling_percentage: 0.0,
            hash_seed: 0,
            mode: None,
            fail_closed: true,
            sampling_precision: 4,
            attribute_source: AttributeSource::TraceId,
            from_attribute: String::new(),
            sampling_priority: String::new(),
        }
    }
}

impl ProbabilisticSamplerConfig {
    /// Upstream's `Config.Validate`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let pct = f64::from(self.sampling_percentage);
        if !pct.is_finite() {
            return Err(ConfigError::invalid(
                "sampling_percentage",
                format!("sampling rate is invalid: {pct}%"),
            ));
        }
        let ratio = pct / 100.0;
        if ratio < 0.0 {
            return Err(ConfigError::invalid(
                "sampling_percentage",
                format!("sampling rate is negative: {pct:.6}%"),
            ));
        }
        if ratio > 0.0 && ratio < 1.0 / MAX_ADJUSTED_COUNT as f64 {
            return Err(ConfigError::invalid(
                "sampling_percentage",
                format!("sampling rate is too small: {pct}%"),
            ));
        }
        if self.sampling_precision == 0 {
            return Err(ConfigError::invalid(
                "sampling_precision",
                "invalid sampling precision: 0",
            ));
        }
        if self.sampling_precision > 14 {
            return Err(ConfigError::invalid(
                "sampling_precision",
                format!(
                    "sampling precision is too great, should be <= 14: {}",
                    self.sampling_precision
                ),
            ));
        }
        Ok(())
    }
}

/// How a sampler decides, after the mode is resolved.
#[derive(Debug, Clone, Copy)]
enum Sampler {
    Never,
    Hashing(Threshold),
    Equalizing(Threshold),
    Proportional { ratio: f64, precision: u8 },
}

impl Sampler {
    fn new(cfg: &ProbabilisticSamplerConfig, logs: bool) -> Sampler {
        let pct = cfg.sampling_percentage.min(100.0);
        let mode = cfg.mode.unwrap_or(
            if cfg.hash_seed != 0 || (logs && cfg.attribute_source != AttributeSource::TraceId) {
                SamplerMode::HashSeed
            } else {
                SamplerMode::Proportional
            },
        );
        if pct <= 0.0 {
            return Sampler::Never;
        }
        let ratio = (f64::from(pct) / 100.0).max(1.0 / MAX_ADJUSTED_COUNT as f64);
        match mode {
            SamplerMode::Equalizing => Sampler::Equalizing(
                Threshold::from_probability(ratio, cfg.sampling_precision).unwrap_or(NEVER_SAMPLE),
            ),
            SamplerMode::Proportional => Sampler::Proportional {
                ratio,
                precision: cfg.sampling_precision,
            },
            SamplerMode::HashSeed => {
                // 32-bit float product truncated, as the original code did.
                let scaled = (pct * (NUM_HASH_BUCKETS as f32 / 100.0)) as u32;
                if scaled == 0 {
                    return Sampler::Never;
                }
                Sampler::Hashing(Threshold(
                    u64::from(NUM_HASH_BUCKETS - scaled.min(NUM_HASH_BUCKETS)) << 42,
                ))
            }
        }
    }

    fn hashing(self) -> bool {
        matches!(self, Sampler::Hashing(_))
    }

    /// The threshold for an item whose arriving threshold is `incoming`.
    fn decide(self, incoming: Option<Threshold>) -> Threshold {
        match self {
            Sampler::Never => NEVER_SAMPLE,
            Sampler::Hashing(t) | Sampler::Equalizing(t) => t,
            Sampler::Proportional { ratio, precision } => {
                let p = incoming.map_or(1.0, Threshold::probability) * ratio;
                Threshold::from_probability(p, precision).unwrap_or(NEVER_SAMPLE)
            }
        }
    }
}

const NUM_HASH_BUCKETS: u32 = 0x4000;

/// FNV-1a-32 over the seed's little-endian bytes then `data`.
pub fn compute_hash(data: &[u8], seed: u32) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in seed.to_le_bytes().iter().chain(data) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Upstream's 56-bit randomness from the 14-bit hash, built so that the
/// OTEP 235 comparison makes the same decision as the original
/// `hash < scaled rate`.
pub fn randomness_from_bytes(data: &[u8], seed: u32) -> u64 {
    let hashed32 = compute_hash(data, seed);
    let hashed = u64::from(hashed32 & (NUM_HASH_BUCKETS - 1));
    let rprime14 = u64::from(NUM_HASH_BUCKETS) - 1 - hashed;
    let unused18 = u64::from(hashed32 >> 14);
    let mixed28 = unused18 ^ (unused18 << 10);
    (rprime14 << 42) | (mixed28 << 14) | hashed
}

/// Where an item's randomness came from: the `policy` label.
#[derive(Debug, Clone)]
enum Source {
    TraceIdHash,
    TraceIdW3c,
    SamplingRandomness,
    Attribute(String),
    Missing,
}

impl Source {
    fn label(&self) -> &str {
        match self {
            Source::TraceIdHash => "trace_id_hash",
            Source::TraceIdW3c => "trace_id_w3c",
            Source::SamplingRandomness => "sampling_randomness",
            Source::Attribute(name) => name,
            Source::Missing => "missing_randomness",
        }
    }
}

/// An item's sampling fields (`tracestate` `ot`, or log attributes).
#[derive(Debug, Default)]
struct Carrier {
    rv: Option<u64>,
    th: Option<Threshold>,
    set_rv: Option<u64>,
}

/// Why the item's own sampling information was not used.
#[derive(Debug)]
enum SamplerError {
    Invalid(String),
    Missing,
    Inconsistent,
    RandomnessInUse,
    ThresholdInUse,
}

impl std::fmt::Display for SamplerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SamplerError::Invalid(e) => f.write_str(e),
            SamplerError::Missing => f.write_str("missing randomness"),
            SamplerError::Inconsistent => {
                f.write_str("inconsistent arriving t-value: span should not have been sampled")
            }
            SamplerError::RandomnessInUse => f.write_str(
                "item has sampling randomness, equalizing or proportional mode recommended",
            ),
            SamplerError::ThresholdInUse => f.write_str(
                "item has sampling threshold, equalizing or proportional mode recommended",
            ),
        }
    }
}

/// An item's randomness, where it came from and its sampling fields; or
/// why its own sampling information cannot be used.
type Randomness = Result<(u64, Source, Carrier), (Source, Option<Carrier>, SamplerError)>;

/// The decision for one item and the threshold to record if kept.
struct Verdict {
    sampled: bool,
    threshold: Threshold,
    source: Source,
}

/// The `otelcol.processor.probabilistic_sampler` component.
pub struct ProbabilisticSampler {
    traces_sampler: Sampler,
    logs_sampler: Sampler,
    cfg: ProbabilisticSamplerConfig,
    outputs: Outputs,
    registry: Registry,
    obs: [ProcessorObs; 3],
}

impl ProbabilisticSampler {
    pub fn new(
        component_id: &str,
        cfg: ProbabilisticSamplerConfig,
        outputs: Outputs,
        registry: &Registry,
    ) -> Result<Arc<Self>, ConfigError> {
        cfg.validate()?;
        let label = format!("probabilistic_sampler/{component_id}");
        Ok(Arc::new(Self {
            traces_sampler: Sampler::new(&cfg, false),
            logs_sampler: Sampler::new(&cfg, true),
            cfg,
            outputs,
            registry: registry.clone(),
            obs: [
                ProcessorObs::new(registry, &label, SignalKind::Traces),
                ProcessorObs::new(registry, &label, SignalKind::Metrics),
                ProcessorObs::new(registry, &label, SignalKind::Logs),
            ],
        }))
    }

    pub async fn shutdown(&self, _deadline: Instant) -> Result<(), ShutdownError> {
        Ok(())
    }

    fn count(&self, kind: SignalKind, policy: &str, sampled: bool) -> Counter {
        let name = match kind {
            SignalKind::Logs => "otelcol_processor_probabilistic_sampler_count_logs_sampled_total",
            _ => "otelcol_processor_probabilistic_sampler_count_traces_sampled_total",
        };
        let help = match kind {
            SignalKind::Logs => "Count of logs that were sampled or not",
            _ => "Count of traces that were sampled or not",
        };
        self.registry.int_counter(
            name,
            help,
            &[
                ("policy", policy),
                ("sampled", if sampled { "true" } else { "false" }),
                ("otel_scope_name", SCOPE),
                ("otel_scope_schema_url", ""),
                ("otel_scope_version", ""),
            ],
        )
    }

    /// The common decision: check consistency, pick the threshold, compare.
    fn judge(&self, sampler: Sampler, randomness: Randomness) -> (Verdict, Option<Carrier>) {
        let (rnd, source, carrier, err) = match randomness {
            Ok((rnd, source, mut carrier)) => {
                let err = if matches!(source, Source::Missing) {
                    Some(SamplerError::Missing)
                } else if carrier.th.is_some_and(|th| !th.should_sample(rnd)) {
                    carrier.th = None;
                    Some(SamplerError::Inconsistent)
                } else {
                    None
                };
                (rnd, source, Some(carrier), err)
            }
            Err((source, carrier, err)) => {
                let rnd = match &carrier {
                    Some(c) => c.set_rv.or(c.rv).unwrap_or(MAX_ADJUSTED_COUNT - 1),
                    None => MAX_ADJUSTED_COUNT - 1,
                };
                (rnd, source, carrier, Some(err))
            }
        };
        let incoming = carrier.as_ref().and_then(|c| c.th);
        let threshold = match &err {
            Some(e) => {
                tracing::debug!(error = %e, "probabilistic_sampler");
                if self.cfg.fail_closed {
                    NEVER_SAMPLE
                } else {
                    sampler.decide(incoming)
                }
            }
            None => sampler.decide(incoming),
        };
        (
            Verdict {
                sampled: threshold.should_sample(rnd),
                threshold,
                source,
            },
            carrier,
        )
    }

    fn span_randomness(&self, span: &Span) -> Randomness {
        let parsed = TraceState::parse(&span.trace_state);
        if self.traces_sampler.hashing() {
            let rnd = randomness_from_bytes(&span.trace_id, self.cfg.hash_seed);
            let ts = parsed.map_err(|e| {
                (
                    Source::TraceIdHash,
                    None,
                    SamplerError::Invalid(e.to_string()),
                )
            })?;
            let carrier = Carrier {
                rv: ts.randomness(),
                th: ts.threshold(),
                set_rv: None,
            };
            if carrier.rv.is_some() {
                return Err((
                    Source::TraceIdHash,
                    Some(carrier),
                    SamplerError::RandomnessInUse,
                ));
            }
            if carrier.th.is_some() {
                return Err((
                    Source::TraceIdHash,
                    Some(carrier),
                    SamplerError::ThresholdInUse,
                ));
            }
            return Ok((
                rnd,
                Source::TraceIdHash,
                Carrier {
                    set_rv: Some(rnd),
                    ..carrier
                },
            ));
        }
        let ts =
            parsed.map_err(|e| (Source::Missing, None, SamplerError::Invalid(e.to_string())))?;
        let carrier = Carrier {
            rv: ts.randomness(),
            th: ts.threshold(),
            set_rv: None,
        };
        Ok(if let Some(rv) = carrier.rv {
            (rv, Source::SamplingRandomness, carrier)
        } else if span.trace_id.iter().all(|b| *b == 0) {
            (MAX_ADJUSTED_COUNT - 1, Source::Missing, carrier)
        } else {
            (
                threshold::trace_id_randomness(&span.trace_id),
                Source::TraceIdW3c,
                carrier,
            )
        })
    }

    /// Whether `span` is kept; a kept span's `tracestate` records the
    /// threshold (and, in hash mode, the randomness) as upstream writes it.
    fn keep_span(&self, span: &mut Span) -> bool {
        match priority(attr(&span.attributes, "sampling.priority")) {
            Priority::DoNotSample => {
                self.count(SignalKind::Traces, "sampling_priority", false)
                    .inc();
                return false;
            }
            Priority::MustSample => {
                self.count(SignalKind::Traces, "sampling_priority", true)
                    .inc();
                return true;
            }
            Priority::Defer => {}
        }
        let randomness = self.span_randomness(span);
        let (verdict, carrier) = self.judge(self.traces_sampler, randomness);
        if verdict.sampled {
            if let Some(carrier) = carrier {
                if let Ok(mut ts) = TraceState::parse(&span.trace_state) {
                    if let Some(rv) = carrier.set_rv {
                        ts.rv = Some(threshold::rvalue(rv));
                    }
                    update_th(&mut ts.th, carrier.th, verdict.threshold);
                    span.trace_state = ts.serialize();
                }
            }
        }
        self.count(SignalKind::Traces, verdict.source.label(), verdict.sampled)
            .inc();
        verdict.sampled
    }

    fn log_randomness(&self, rec: &LogRecord) -> Randomness {
        let parsed = log_carrier(rec);
        let from_attr = || -> Option<(u64, Source)> {
            if self.cfg.from_attribute.is_empty() {
                return None;
            }
            attr(&rec.attributes, &self.cfg.from_attribute).map(|v| {
                (
                    randomness_from_bytes(&value_bytes(v), self.cfg.hash_seed),
                    Source::Attribute(self.cfg.from_attribute.clone()),
                )
            })
        };
        if self.logs_sampler.hashing() {
            let mut found = (self.cfg.attribute_source == AttributeSource::TraceId).then(|| {
                (
                    randomness_from_bytes(&rec.trace_id, self.cfg.hash_seed),
                    Source::TraceIdHash,
                )
            });
            if found.is_none() {
                found = from_attr();
            }
            let (rnd, source) = found.unwrap_or((MAX_ADJUSTED_COUNT - 1, Source::Missing));
            let carrier = parsed.map_err(|e| (source.clone(), None, e))?;
            if carrier.rv.is_some() {
                return Err((source, Some(carrier), SamplerError::RandomnessInUse));
            }
            if carrier.th.is_some() {
                return Err((source, Some(carrier), SamplerError::ThresholdInUse));
            }
            let set_rv = (!matches!(source, Source::Missing)).then_some(rnd);
            return Ok((rnd, source, Carrier { set_rv, ..carrier }));
        }
        let carrier = parsed.map_err(|e| (Source::Missing, None, e))?;
        let (rnd, source) = if let Some(rv) = carrier.rv {
            (rv, Source::SamplingRandomness)
        } else if !rec.trace_id.is_empty() && rec.trace_id.iter().any(|b| *b != 0) {
            (
                threshold::trace_id_randomness(&rec.trace_id),
                Source::TraceIdW3c,
            )
        } else {
            from_attr().unwrap_or((MAX_ADJUSTED_COUNT - 1, Source::Missing))
        };
        Ok((rnd, source, carrier))
    }

    fn keep_log(&self, rec: &mut LogRecord) -> bool {
        let randomness = self.log_randomness(rec);
        let rnd = match &randomness {
            Ok((r, _, _)) => *r,
            Err(_) => MAX_ADJUSTED_COUNT - 1,
        };
        let (mut verdict, carrier) = self.judge(self.logs_sampler, randomness);
        // A record may ask for a higher probability than configured.
        if !self.cfg.sampling_priority.is_empty() {
            let min_prob = match attr(&rec.attributes, &self.cfg.sampling_priority)
                .and_then(|v| v.value.as_ref())
            {
                Some(any_value::Value::DoubleValue(d)) => d / 100.0,
                Some(any_value::Value::IntValue(i)) => *i as f64 / 100.0,
                _ => 0.0,
            };
            if min_prob != 0.0 {
                if let Some(th) = Threshold::from_probability(min_prob, self.cfg.sampling_precision)
                {
                    if th < verdict.threshold {
                        verdict = Verdict {
                            sampled: th.should_sample(rnd),
                            threshold: th,
                            source: Source::Attribute("sampling_priority".into()),
                        };
                    }
                }
            }
        }
        if verdict.sampled {
            if let Some(carrier) = carrier {
                if let Some(rv) = carrier.set_rv {
                    super::upsert_str(
                        &mut rec.attributes,
                        "sampling.randomness",
                        threshold::rvalue(rv),
                    );
                }
                let mut th = carrier.th.and_then(Threshold::tvalue);
                update_th(&mut th, carrier.th, verdict.threshold);
                if let Some(th) = th {
                    super::upsert_str(&mut rec.attributes, "sampling.threshold", th);
                }
            }
        }
        self.count(SignalKind::Logs, verdict.source.label(), verdict.sampled)
            .inc();
        verdict.sampled
    }

    async fn forward<S: Signal>(&self, n_in: u64, data: S) -> Result<(), ConsumeError> {
        let obs = &self.obs[S::KIND as usize];
        obs.incoming.inc_by(n_in);
        let n = data.item_count() as u64;
        if n == 0 {
            return Ok(());
        }
        self.outputs.for_signal(S::KIND).consume(data).await?;
        obs.outgoing.inc_by(n);
        Ok(())
    }
}

/// Records `threshold` as the item's `th` unless that would raise the
/// sampling probability of an arriving threshold (upstream refuses that).
fn update_th(th: &mut Option<String>, arriving: Option<Threshold>, threshold: Threshold) {
    if arriving.is_some_and(|a| threshold < a) {
        tracing::debug!("probabilistic_sampler: cannot raise existing sampling probability");
        return;
    }
    *th = threshold.tvalue();
}

fn log_carrier(rec: &LogRecord) -> Result<Carrier, SamplerError> {
    let get = |key| attr(&rec.attributes, key).and_then(as_str);
    let rv = match get("sampling.randomness") {
        Some(text) => Some(threshold::parse_rvalue(text).ok_or_else(|| {
            SamplerError::Invalid(format!("invalid sampling.randomness {text:?}"))
        })?),
        None => None,
    };
    let th = match get("sampling.threshold") {
        Some(text) => Some(Threshold::parse_tvalue(text).ok_or_else(|| {
            SamplerError::Invalid(format!("invalid sampling.threshold {text:?}"))
        })?),
        None => None,
    };
    Ok(Carrier {
        rv,
        th,
        set_rv: None,
    })
}

enum Priority {
    Defer,
    MustSample,
    DoNotSample,
}

/// OpenTracing's `sampling.priority`: 0 drops, above 0 keeps.
fn priority(value: Option<&AnyValue>) -> Priority {
    let v = match value.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::IntValue(i)) => *i as f64,
        Some(any_value::Value::DoubleValue(d)) => *d,
        Some(any_value::Value::StringValue(s)) => match s.parse::<f64>() {
            Ok(v) => v,
            Err(_) => return Priority::Defer,
        },
        _ => return Priority::Defer,
    };
    if v == 0.0 {
        Priority::DoNotSample
    } else if v > 0.0 {
        Priority::MustSample
    } else {
        Priority::Defer
    }
}

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

fn as_str(v: &AnyValue) -> Option<&str> {
    match &v.value {
        Some(any_value::Value::StringValue(s)) => Some(s),
        _ => None,
    }
}

/// The bytes a record attribute is hashed as: a string's or byte
/// string's contents, other values in their text form.
fn value_bytes(v: &AnyValue) -> Vec<u8> {
    match &v.value {
        Some(any_value::Value::StringValue(s)) => s.as_bytes().to_vec(),
        Some(any_value::Value::BytesValue(b)) => b.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string().into_bytes(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string().into_bytes(),
        Some(any_value::Value::BoolValue(b)) => b.to_string().into_bytes(),
        _ => Vec::new(),
    }
}

impl Consumer for ProbabilisticSampler {
    fn consume_traces(&self, mut data: Traces) -> ConsumeFuture<'_> {
        Box::pin(async move {
            data.decode_in_place()?;
            let n = data.item_count() as u64;
            for rs in &mut data.resource_spans {
                for ss in &mut rs.scope_spans {
                    ss.spans.retain_mut(|s| self.keep_span(s));
                }
                rs.scope_spans.retain(|ss| !ss.spans.is_empty());
            }
            data.resource_spans.retain(|rs| !rs.scope_spans.is_empty());
            self.forward(n, data).await
        })
    }
    fn consume_metrics(&self, _data: Metrics) -> ConsumeFuture<'_> {
        Box::pin(std::future::ready(Err(ConsumeError::permanent(
            "otelcol.processor.probabilistic_sampler does not accept metrics",
        ))))
    }
    fn consume_logs(&self, mut data: Logs) -> ConsumeFuture<'_> {
        Box::pin(async move {
            let n = data.item_count() as u64;
            for rl in &mut data.resource_logs {
                for sl in &mut rl.scope_logs {
                    sl.log_records.retain_mut(|r| self.keep_log(r));
                }
                rl.scope_logs.retain(|sl| !sl.log_records.is_empty());
            }
            data.resource_logs.retain(|rl| !rl.scope_logs.is_empty());
            self.forward(n, data).await
        })
    }
}

#[cfg(test)]
mod tests;
