//! Policy evaluators and how their decisions combine (upstream's
//! `internal/sampling`).

use std::time::Instant;

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{status, Span};
use regex::Regex;

use super::config::{PolicyConfig, PolicyKind};
use super::trace::{TraceData, TraceId};
use crate::error::ConfigError;

/// What one policy says about a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    NotSampled,
    Sampled,
    /// An inverted match that found nothing to exclude.
    InvertSampled,
    /// An inverted match that found something: vetoes other policies.
    InvertNotSampled,
    /// A `drop` policy matched: the trace is dropped whatever else says.
    Dropped,
}

impl Decision {
    /// The `sampled` label of upstream's decision metrics.
    pub fn sampled_label(self) -> &'static str {
        match self {
            Decision::Sampled | Decision::InvertSampled => "true",
            _ => "false",
        }
    }
}

/// Upstream's final decision over every policy's answer: a drop wins, then
/// an inverted veto, then any sample, then an inverted sample if no policy
/// said "not sampled".
pub fn combine(decisions: &[Decision]) -> Decision {
    let has = |d| decisions.contains(&d);
    if has(Decision::Dropped) {
        Decision::Dropped
    } else if has(Decision::InvertNotSampled) {
        Decision::NotSampled
    } else if has(Decision::Sampled) || (has(Decision::InvertSampled) && !has(Decision::NotSampled))
    {
        Decision::Sampled
    } else {
        Decision::NotSampled
    }
}

/// A token bucket as Go's `x/time/rate` limiter: starts full, refills
/// continuously.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl TokenBucket {
    fn new(rate: i64, burst: i64) -> Self {
        let burst = if burst > 0 {
            burst
        } else {
            rate.saturating_mul(2)
        } as f64;
        Self {
            rate: rate as f64,
            burst,
            tokens: burst,
            last: None,
        }
    }

    fn allow(&mut self, now: Instant, n: u64) -> bool {
        if let Some(last) = self.last {
            let elapsed = now.saturating_duration_since(last).as_secs_f64();
            self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        }
        self.last = Some(now);
        let n = n as f64;
        if n <= self.tokens {
            self.tokens -= n;
            true
        } else {
            false
        }
    }
}

#[derive(Debug)]
pub(crate) enum Matcher {
    Exact(Vec<String>),
    Regex(Vec<Regex>),
}

impl Matcher {
    fn matches(&self, text: &str) -> bool {
        match self {
            Matcher::Exact(values) => values.iter().any(|v| v == text),
            Matcher::Regex(res) => res.iter().any(|r| r.is_match(text)),
        }
    }
}

#[derive(Debug)]
pub(crate) struct CompositeSub {
    evaluator: Evaluator,
    max_sps: i64,
    sampled_sps: i64,
}

/// A compiled policy.
#[derive(Debug)]
pub(crate) enum Evaluator {
    AlwaysSample,
    Latency {
        threshold_ms: i64,
        upper_threshold_ms: i64,
    },
    NumericAttribute {
        key: String,
        min: Option<i64>,
        max: Option<i64>,
        invert: bool,
    },
    Probabilistic {
        salt: String,
        threshold: u64,
    },
    StatusCode(Vec<i32>),
    StringAttribute {
        key: String,
        matcher: Matcher,
        invert: bool,
    },
    RateLimiting(TokenBucket),
    BytesLimiting(TokenBucket),
    SpanCount {
        min: i64,
        max: i64,
    },
    TraceState {
        key: String,
        values: Vec<String>,
    },
    BooleanAttribute {
        key: String,
        value: bool,
        invert: bool,
    },
    And(Vec<Evaluator>),
    Not(Box<Evaluator>),
    Drop(Vec<Evaluator>),
    Composite {
        max_total_sps: i64,
        second: Option<u64>,
        subs: Vec<CompositeSub>,
        start: Instant,
    },
}

fn invalid(policy: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::invalid(format!("policy {policy:?}"), reason)
}

impl Evaluator {
    pub(crate) fn compile(cfg: &PolicyConfig) -> Result<Evaluator, ConfigError> {
        let name = cfg.name.as_str();
        Ok(match &cfg.kind {
            PolicyKind::AlwaysSample => Evaluator::AlwaysSample,
            PolicyKind::Latency {
                threshold_ms,
                upper_threshold_ms,
            } => {
                if *upper_threshold_ms != 0 && upper_threshold_ms < threshold_ms {
                    return Err(invalid(
                        name,
                        "latency upper_threshold_ms must be greater than threshold_ms",
                    ));
                }
                Evaluator::Latency {
                    threshold_ms: *threshold_ms,
                    upper_threshold_ms: *upper_threshold_ms,
                }
            }
            PolicyKind::NumericAttribute {
                key,
                min_value,
                max_value,
                invert_match,
            } => Evaluator::NumericAttribute {
                key: key.clone(),
                min: (*min_value != 0).then_some(*min_value),
                max: (*max_value != 0).then_some(*max_value),
                invert: *invert_match,
            },
            PolicyKind::Probabilistic {
                hash_salt,
                sampling_percentage,
            } => Evaluator::Probabilistic {
                salt: if hash_salt.is_empty() {
                    "default-hash-seed".to_owned()
                } else {
                    hash_salt.clone()
                },
                threshold: ratio_threshold(sampling_percentage / 100.0),
            },
            PolicyKind::StatusCode { status_codes } => {
                if status_codes.is_empty() {
                    return Err(invalid(
                        name,
                        "expected at least one status code to filter on",
                    ));
                }
                let codes = status_codes
                    .iter()
                    .map(|c| match c.as_str() {
                        "OK" => Ok(status::StatusCode::Ok as i32),
                        "ERROR" => Ok(status::StatusCode::Error as i32),
                        "UNSET" => Ok(status::StatusCode::Unset as i32),
                        other => Err(invalid(
                            name,
                            format!("unknown status code {other:?}, supported: OK, ERROR, UNSET"),
                        )),
                    })
                    .collect::<Result<_, _>>()?;
                Evaluator::StatusCode(codes)
            }
            PolicyKind::StringAttribute {
                key,
                values,
                enabled_regex_matching,
                invert_match,
            } => {
                let matcher = if *enabled_regex_matching {
                    Matcher::Regex(
                        values
                            .iter()
                            .map(|v| {
                                Regex::new(v).map_err(|e| {
                                    invalid(name, format!("invalid regular expression {v:?}: {e}"))
                                })
                            })
                            .collect::<Result<_, _>>()?,
                    )
                } else {
                    Matcher::Exact(values.clone())
                };
                Evaluator::StringAttribute {
                    key: key.clone(),
                    matcher,
                    invert: *invert_match,
                }
            }
            PolicyKind::RateLimiting {
                spans_per_second,
                burst_capacity,
            } => Evaluator::RateLimiting(TokenBucket::new(*spans_per_second, *burst_capacity)),
            PolicyKind::BytesLimiting {
                bytes_per_second,
                burst_capacity,
            } => Evaluator::BytesLimiting(TokenBucket::new(*bytes_per_second, *burst_capacity)),
            PolicyKind::SpanCount {
                min_spans,
                max_spans,
            } => {
                if *max_spans != 0 && max_spans < min_spans {
                    return Err(invalid(
                        name,
                        "span_count max_spans must be greater than or equal to min_spans",
                    ));
                }
                Evaluator::SpanCount {
                    min: *min_spans,
                    max: *max_spans,
                }
            }
            PolicyKind::TraceState { key, values } => {
                if let Some(long) = values.iter().find(|v| v.len() > 256) {
                    return Err(invalid(
                        name,
                        format!("trace_state value {long:?} is longer than 256 characters"),
                    ));
                }
                Evaluator::TraceState {
                    key: key.clone(),
                    values: values.clone(),
                }
            }
            PolicyKind::BooleanAttribute {
                key,
                value,
                invert_match,
            } => Evaluator::BooleanAttribute {
                key: key.clone(),
                value: *value,
                invert: *invert_match,
            },
            PolicyKind::And(subs) => Evaluator::And(
                subs.iter()
                    .map(Evaluator::compile)
                    .collect::<Result<_, _>>()?,
            ),
            PolicyKind::Not(sub) => Evaluator::Not(Box::new(Evaluator::compile(sub)?)),
            PolicyKind::Drop(subs) => Evaluator::Drop(
                subs.iter()
                    .map(Evaluator::compile)
                    .collect::<Result<_, _>>()?,
            ),
            PolicyKind::Composite {
                max_total_spans_per_second,
                sub_policies,
                rate_allocation,
                ..
            } => {
                let total = *max_total_spans_per_second as f64;
                let default_sps = if sub_policies.is_empty() {
                    0.0
                } else {
                    total / sub_policies.len() as f64
                };
                let subs = sub_policies
                    .iter()
                    .map(|p| {
                        // As upstream: a sub-policy without an allocation
                        // gets none; a non-positive percent gets an equal share.
                        let max_sps = rate_allocation
                            .iter()
                            .rev()
                            .find(|(policy, _)| *policy == p.name)
                            .map_or(0.0, |(_, percent)| {
                                if *percent > 0.0 {
                                    percent / 100.0 * total
                                } else {
                                    default_sps
                                }
                            }) as i64;
                        Ok(CompositeSub {
                            evaluator: Evaluator::compile(p)?,
                            max_sps,
                            sampled_sps: 0,
                        })
                    })
                    .collect::<Result<_, ConfigError>>()?;
                Evaluator::Composite {
                    max_total_sps: *max_total_spans_per_second,
                    second: None,
                    subs,
                    start: Instant::now(),
                }
            }
        })
    }

    /// The policy's decision on `trace` at `now`.
    pub(crate) fn evaluate(&mut self, id: &TraceId, trace: &TraceData, now: Instant) -> Decision {
        match self {
            Evaluator::AlwaysSample => Decision::Sampled,
            Evaluator::Latency {
                threshold_ms,
                upper_threshold_ms,
            } => {
                // The duration grows as spans are visited: the first span
                // that makes it cross the bound decides, as upstream.
                let (mut min, mut max) = (0u64, 0u64);
                let hit = trace.iter().any(|(_, s)| {
                    if min == 0 || s.start_time_unix_nano < min {
                        min = s.start_time_unix_nano;
                    }
                    if max == 0 || s.end_time_unix_nano > max {
                        max = s.end_time_unix_nano;
                    }
                    let ms = (max as i128 - min as i128) / 1_000_000;
                    if *upper_threshold_ms == 0 {
                        ms >= *threshold_ms as i128
                    } else {
                        (*threshold_ms as i128) < ms && ms <= *upper_threshold_ms as i128
                    }
                });
                sampled_if(hit)
            }
            Evaluator::NumericAttribute {
                key,
                min,
                max,
                invert,
            } => {
                let matches = |attrs: &[KeyValue]| {
                    attr(attrs, key)
                        .and_then(as_int)
                        .is_some_and(|v| min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m))
                };
                resource_or_span(
                    trace,
                    *invert,
                    |r| matches(resource_attrs(r)),
                    |s| matches(&s.attributes),
                )
            }
            Evaluator::Probabilistic { salt, threshold } => {
                sampled_if(fnv64a(&[salt.as_bytes(), id]) <= *threshold)
            }
            Evaluator::StatusCode(codes) => sampled_if(trace.iter().any(|(_, s)| {
                let code = s.status.as_ref().map_or(0, |st| st.code);
                codes.contains(&code)
            })),
            Evaluator::StringAttribute {
                key,
                matcher,
                invert,
            } => {
                let matches = |attrs: &[KeyValue]| {
                    attr(attrs, key)
                        .and_then(as_str)
                        .is_some_and(|v| matcher.matches(v))
                };
                resource_or_span(
                    trace,
                    *invert,
                    |r| matches(resource_attrs(r)),
                    |s| matches(&s.attributes),
                )
            }
            Evaluator::RateLimiting(bucket) => sampled_if(bucket.allow(now, trace.span_count)),
            Evaluator::BytesLimiting(bucket) => {
                sampled_if(bucket.allow(now, trace.estimated_size()))
            }
            Evaluator::SpanCount { min, max } => {
                let n = trace.span_count as i64;
                sampled_if(n >= *min && (*max == 0 || n <= *max))
            }
            Evaluator::TraceState { key, values } => sampled_if(trace.iter().any(|(_, s)| {
                s.trace_state.split(',').any(|member| {
                    member
                        .trim()
                        .split_once('=')
                        .is_some_and(|(k, v)| k == key && values.iter().any(|x| x == v))
                })
            })),
            Evaluator::BooleanAttribute { key, value, invert } => {
                let matches =
                    |attrs: &[KeyValue]| attr(attrs, key).and_then(as_bool) == Some(*value);
                resource_or_span(
                    trace,
                    *invert,
                    |r| matches(resource_attrs(r)),
                    |s| matches(&s.attributes),
                )
            }
            Evaluator::And(subs) => {
                for sub in subs {
                    let d = sub.evaluate(id, trace, now);
                    if matches!(d, Decision::NotSampled | Decision::InvertNotSampled) {
                        return Decision::NotSampled;
                    }
                }
                Decision::Sampled
            }
            Evaluator::Not(sub) => match sub.evaluate(id, trace, now) {
                Decision::Sampled | Decision::InvertSampled => Decision::NotSampled,
                _ => Decision::Sampled,
            },
            Evaluator::Drop(subs) => {
                for sub in subs {
                    if !matches!(
                        sub.evaluate(id, trace, now),
                        Decision::Sampled | Decision::InvertSampled
                    ) {
                        return Decision::NotSampled;
                    }
                }
                Decision::Dropped
            }
            Evaluator::Composite {
                max_total_sps,
                second,
                subs,
                start,
            } => {
                let current = now.saturating_duration_since(*start).as_secs();
                if *second != Some(current) {
                    *second = Some(current);
                    subs.iter_mut().for_each(|s| s.sampled_sps = 0);
                }
                let spans = trace.span_count as i64;
                for sub in subs.iter_mut() {
                    let d = sub.evaluator.evaluate(id, trace, now);
                    if matches!(d, Decision::Sampled | Decision::InvertSampled) {
                        let if_sampled = sub.sampled_sps + spans;
                        if if_sampled <= sub.max_sps && if_sampled <= *max_total_sps {
                            sub.sampled_sps = if_sampled;
                            return Decision::Sampled;
                        }
                    }
                }
                Decision::NotSampled
            }
        }
    }
}

fn sampled_if(hit: bool) -> Decision {
    if hit {
        Decision::Sampled
    } else {
        Decision::NotSampled
    }
}

/// Upstream's attribute policies: a match on a resource or on any span
/// samples; inverted, a match anywhere vetoes (`InvertNotSampled`).
fn resource_or_span(
    trace: &TraceData,
    invert: bool,
    resource: impl Fn(Option<&Resource>) -> bool,
    span: impl Fn(&Span) -> bool,
) -> Decision {
    let hit = trace.iter().any(|(r, s)| resource(r) || span(s));
    match (invert, hit) {
        (false, hit) => sampled_if(hit),
        (true, true) => Decision::InvertNotSampled,
        (true, false) => Decision::InvertSampled,
    }
}

fn resource_attrs(r: Option<&Resource>) -> &[KeyValue] {
    r.map_or(&[], |r| r.attributes.as_slice())
}

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

fn as_int(v: &AnyValue) -> Option<i64> {
    match v.value {
        Some(any_value::Value::IntValue(i)) => Some(i),
        _ => None,
    }
}

fn as_bool(v: &AnyValue) -> Option<bool> {
    match v.value {
        Some(any_value::Value::BoolValue(b)) => Some(b),
        _ => None,
    }
}

fn as_str(v: &AnyValue) -> Option<&str> {
    match &v.value {
        Some(any_value::Value::StringValue(s)) => Some(s),
        _ => None,
    }
}

/// FNV-1a, 64 bits, over the concatenated parts.
pub fn fnv64a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// `ratio * u64::MAX` as upstream computes it: the product rounded to 64
/// significant bits (Go's `big.Float` at the precision of its widest
/// operand, nearest-even), then truncated to an integer and saturated.
pub fn ratio_threshold(ratio: f64) -> u64 {
    if ratio.is_nan() || ratio <= 0.0 {
        return 0;
    }
    if ratio.is_infinite() {
        return u64::MAX;
    }
    let bits = ratio.to_bits();
    let exp_bits = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    // ratio = mantissa * 2^exp
    let (mantissa, exp) = if exp_bits == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp_bits - 1075)
    };
    let product = u128::from(u64::MAX) * u128::from(mantissa);
    let len = 128 - product.leading_zeros() as i32;
    let (mut q, mut shift) = (product, 0i32);
    if len > 64 {
        shift = len - 64;
        q = product >> shift;
        let rem = product & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        if rem > half || (rem == half && q & 1 == 1) {
            q += 1;
        }
    }
    let k = shift + exp;
    let value = if k >= 0 {
        if k >= 64 || (q << k) > u128::from(u64::MAX) {
            return u64::MAX;
        }
        q << k
    } else if -k >= 128 {
        0
    } else {
        q >> (-k)
    };
    u64::try_from(value).unwrap_or(u64::MAX)
}
