//! Reading and writing compiled paths on OTLP data.
//!
//! A [`TransformContext`] borrows one item (log record, span, span event,
//! metric, data point) with its scope and resource; the processor builds one
//! per item, which costs a few pointers. Keyed access walks the OTLP values
//! in place, so `attributes["k"]` clones only the value it returns.

use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point, Gauge, Metric, Sum};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{Span, Status};

use crate::context::Field;
use crate::value::{map_from_kvs, map_into_kvs, Value};

/// One evaluated `[...]` key.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyVal {
    Str(String),
    Int(i64),
    /// A dynamic key that evaluated to neither (its type name), reported when used.
    Other(&'static str),
}

/// The item a statement runs on.
pub enum Item<'a> {
    None,
    Log(&'a mut LogRecord),
    Span(&'a mut Span),
    /// The span and the event's index in `span.events`.
    SpanEvent(&'a mut Span, usize),
    Metric(&'a mut Metric),
    /// The metric and the point's index among its data points.
    DataPoint(&'a mut Metric, usize),
}

pub struct TransformContext<'a> {
    pub resource: &'a mut Option<Resource>,
    pub resource_schema_url: Option<&'a mut String>,
    pub scope: Option<&'a mut Option<InstrumentationScope>>,
    pub scope_schema_url: Option<&'a mut String>,
    pub item: Item<'a>,
    /// `cache[...]`: scratch space living for one item's statements.
    pub cache: Vec<(String, Value)>,
}

impl<'a> TransformContext<'a> {
    pub fn new(resource: &'a mut Option<Resource>, item: Item<'a>) -> Self {
        TransformContext {
            resource,
            resource_schema_url: None,
            scope: None,
            scope_schema_url: None,
            item,
            cache: Vec::new(),
        }
    }

    pub fn with_scope(
        mut self,
        scope: &'a mut Option<InstrumentationScope>,
        schema_url: Option<&'a mut String>,
    ) -> Self {
        self.scope = Some(scope);
        self.scope_schema_url = schema_url;
        self
    }

    pub fn with_resource_schema_url(mut self, url: &'a mut String) -> Self {
        self.resource_schema_url = Some(url);
        self
    }

    /// The span (span or span event context), for `IsRootSpan` and samplers.
    pub fn span(&self) -> Option<&Span> {
        match &self.item {
            Item::Span(s) | Item::SpanEvent(s, _) => Some(s),
            _ => None,
        }
    }
}

pub type PathResult<T> = Result<T, String>;

fn wrong_item(field: Field) -> String {
    format!("path {field:?} is not available in this context")
}

fn u64_of(v: &Value, what: &str) -> PathResult<u64> {
    match v {
        Value::Int(i) | Value::Time(i) => Ok(*i as u64),
        other => Err(format!(
            "{what} must be an int64, got {}",
            other.type_name()
        )),
    }
}
fn i32_of(v: &Value, what: &str) -> PathResult<i32> {
    match v {
        Value::Int(i) => Ok(*i as i32),
        other => Err(format!(
            "{what} must be an int64, got {}",
            other.type_name()
        )),
    }
}
fn time_of(v: &Value, what: &str) -> PathResult<u64> {
    match v {
        Value::Time(t) => Ok(*t as u64),
        other => Err(format!("{what} must be a time, got {}", other.type_name())),
    }
}
fn string_of(v: Value, what: &str) -> PathResult<String> {
    match v {
        Value::Str(s) => Ok(s),
        other => Err(format!(
            "{what} must be a string, got {}",
            other.type_name()
        )),
    }
}
/// An id to store: all zeros is pdata's empty id, stored as no bytes.
fn id_of(v: Value, len: usize, what: &str) -> PathResult<Vec<u8>> {
    match v {
        Value::Bytes(b) | Value::Id(b) if b.iter().all(|x| *x == 0) => Ok(Vec::new()),
        Value::Bytes(b) | Value::Id(b) if b.len() == len => Ok(b),
        Value::Bytes(b) | Value::Id(b) => {
            Err(format!("{what} must be {len} bytes, got {}", b.len()))
        }
        other => Err(format!("{what} must be an id, got {}", other.type_name())),
    }
}
fn id_from_hex(v: Value, len: usize, what: &str) -> PathResult<Vec<u8>> {
    let s = string_of(v, what)?;
    let b = hex::decode(&s).map_err(|e| format!("{what}: {e}"))?;
    id_of(Value::Bytes(b), len, what)
}

const KIND_WORDS: [&str; 6] = [
    "Unspecified",
    "Internal",
    "Server",
    "Client",
    "Producer",
    "Consumer",
];
const KIND_ENUMS: [&str; 6] = [
    "SPAN_KIND_UNSPECIFIED",
    "SPAN_KIND_INTERNAL",
    "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",
    "SPAN_KIND_PRODUCER",
    "SPAN_KIND_CONSUMER",
];

/// Where a keyed path's root lives.
enum Root<'r> {
    Attrs(&'r [KeyValue]),
    Any(Option<&'r AnyValue>),
    Cache(&'r [(String, Value)]),
}
enum RootMut<'r> {
    Attrs(&'r mut Vec<KeyValue>),
    Any(&'r mut Option<AnyValue>),
    Cache(&'r mut Vec<(String, Value)>),
}

fn map_key_err() -> String {
    "unable to resolve a string index in map: invalid key type".to_owned()
}
fn slice_key_err(k: &KeyVal) -> String {
    let got = match k {
        KeyVal::Str(_) => "string",
        KeyVal::Int(_) => "int64",
        KeyVal::Other(t) => t,
    };
    format!("unable to resolve an integer index in slice: could not resolve key for map/slice, expecting 'int64' but got '{got}'")
}

fn index_any(mut cur: &AnyValue, keys: &[KeyVal]) -> PathResult<Value> {
    for k in keys {
        match (&cur.value, k) {
            (Some(any_value::Value::KvlistValue(kv)), KeyVal::Str(s)) => {
                match kv.values.iter().find(|e| &e.key == s) {
                    Some(e) => match &e.value {
                        Some(v) => cur = v,
                        None => return Ok(Value::Nil),
                    },
                    None => return Ok(Value::Nil),
                }
            }
            (Some(any_value::Value::KvlistValue(_)), _) => return Err(map_key_err()),
            (Some(any_value::Value::ArrayValue(a)), KeyVal::Int(i)) => {
                if *i < 0 || *i as usize >= a.values.len() {
                    return Err(format!("index {i} out of bounds"));
                }
                cur = &a.values[*i as usize];
            }
            (Some(any_value::Value::ArrayValue(_)), k) => return Err(slice_key_err(k)),
            (None, _) => return Ok(Value::Nil),
            (Some(_), _) => {
                return Err(format!(
                    "type {} does not support string indexing",
                    Value::from_any(cur).type_name()
                ))
            }
        }
    }
    Ok(Value::from_any(cur))
}

pub(crate) fn index_value(mut cur: &Value, keys: &[KeyVal]) -> PathResult<Value> {
    for k in keys {
        match (cur, k) {
            (Value::Map(m), KeyVal::Str(s)) => match Value::map_get(m, s) {
                Some(v) => cur = v,
                None => return Ok(Value::Nil),
            },
            (Value::Map(_), _) => return Err(map_key_err()),
            (Value::List(l), KeyVal::Int(i)) => {
                if *i < 0 || *i as usize >= l.len() {
                    return Err(format!("index {i} out of bounds"));
                }
                cur = &l[*i as usize];
            }
            (Value::List(_), k) => return Err(slice_key_err(k)),
            (Value::Nil, _) => return Ok(Value::Nil),
            (other, _) => {
                return Err(format!(
                    "type {} does not support string indexing",
                    other.type_name()
                ))
            }
        }
    }
    Ok(cur.clone())
}

fn get_keyed(root: Root<'_>, keys: &[KeyVal]) -> PathResult<Value> {
    match root {
        Root::Attrs(attrs) => match keys.split_first() {
            None => Ok(Value::Map(map_from_kvs(attrs))),
            Some((KeyVal::Str(k), rest)) => match attrs.iter().find(|kv| &kv.key == k) {
                Some(KeyValue { value: Some(v), .. }) => index_any(v, rest),
                _ => Ok(Value::Nil),
            },
            Some(_) => Err(map_key_err()),
        },
        Root::Any(None) => Ok(Value::Nil),
        Root::Any(Some(v)) => index_any(v, keys),
        Root::Cache(c) => match keys.split_first() {
            None => Ok(Value::Map(c.to_vec())),
            Some((KeyVal::Str(k), rest)) => match Value::map_get(c, k) {
                Some(v) => index_value(v, rest),
                None => Ok(Value::Nil),
            },
            Some(_) => Err(map_key_err()),
        },
    }
}

/// Upstream's `setIndexableValue`: walks into maps (creating missing keys)
/// and slices (in bounds only); an empty value becomes a map or a slice as
/// the key asks.
fn set_in_any(mut cur: &mut AnyValue, keys: &[KeyVal], v: Value) -> PathResult<()> {
    for k in keys {
        if cur.value.is_none() {
            cur.value = Some(match k {
                KeyVal::Str(_) => any_value::Value::KvlistValue(KeyValueList::default()),
                KeyVal::Int(i) => any_value::Value::ArrayValue(ArrayValue {
                    values: vec![AnyValue::default(); (*i).max(0) as usize + 1],
                }),
                KeyVal::Other(_) => return Err(map_key_err()),
            });
        }
        cur = match (&mut cur.value, k) {
            (Some(any_value::Value::KvlistValue(kv)), KeyVal::Str(s)) => {
                let pos = match kv.values.iter().position(|e| &e.key == s) {
                    Some(p) => p,
                    None => {
                        kv.values.push(KeyValue {
                            key: s.clone(),
                            value: Some(AnyValue::default()),
                            ..Default::default()
                        });
                        kv.values.len() - 1
                    }
                };
                kv.values[pos].value.get_or_insert_with(AnyValue::default)
            }
            (Some(any_value::Value::KvlistValue(_)), _) => {
                return Err("map must be indexed by a string".into())
            }
            (Some(any_value::Value::ArrayValue(a)), KeyVal::Int(i)) => {
                if *i < 0 || *i as usize >= a.values.len() {
                    return Err(format!("index {i} out of bounds"));
                }
                &mut a.values[*i as usize]
            }
            (Some(any_value::Value::ArrayValue(_)), k) => return Err(slice_key_err(k)),
            (other, _) => {
                let t = Value::from_any(&AnyValue {
                    value: other.clone(),
                })
                .type_name();
                return Err(format!("type {t} does not support string indexing"));
            }
        };
    }
    *cur = v.into_any();
    Ok(())
}

fn set_keyed(root: RootMut<'_>, keys: &[KeyVal], v: Value) -> PathResult<()> {
    match root {
        RootMut::Attrs(attrs) => match keys.split_first() {
            None => match v {
                Value::Map(m) => {
                    *attrs = map_into_kvs(m);
                    Ok(())
                }
                other => Err(format!(
                    "expected pcommon.Map but got {}",
                    other.type_name()
                )),
            },
            Some((KeyVal::Str(k), rest)) => {
                let pos = match attrs.iter().position(|kv| &kv.key == k) {
                    Some(p) => p,
                    None => {
                        if rest.is_empty() {
                            attrs.push(KeyValue {
                                key: k.clone(),
                                value: Some(v.into_any()),
                                ..Default::default()
                            });
                            return Ok(());
                        }
                        attrs.push(KeyValue {
                            key: k.clone(),
                            value: Some(AnyValue::default()),
                            ..Default::default()
                        });
                        attrs.len() - 1
                    }
                };
                set_in_any(
                    attrs[pos].value.get_or_insert_with(AnyValue::default),
                    rest,
                    v,
                )
            }
            Some(_) => Err(map_key_err()),
        },
        RootMut::Any(slot) => set_in_any(slot.get_or_insert_with(AnyValue::default), keys, v),
        RootMut::Cache(c) => match keys.split_first() {
            None => match v {
                Value::Map(m) => {
                    *c = m;
                    Ok(())
                }
                other => Err(format!(
                    "expected pcommon.Map but got {}",
                    other.type_name()
                )),
            },
            Some((KeyVal::Str(k), rest)) => {
                if rest.is_empty() {
                    Value::map_put(c, k, v);
                    return Ok(());
                }
                // Walk through an AnyValue copy: same rules as telemetry.
                let mut any = Value::map_get(c, k).cloned().unwrap_or_default().into_any();
                set_in_any(&mut any, rest, v)?;
                Value::map_put(c, k, Value::from_any(&any));
                Ok(())
            }
            Some(_) => Err(map_key_err()),
        },
    }
}

fn trace_state_get(ts: &str, keys: &[KeyVal]) -> PathResult<Value> {
    match keys {
        [] => Ok(Value::str(ts)),
        [KeyVal::Str(k)] => Ok(ts
            .split(',')
            .filter_map(|m| m.trim().split_once('='))
            .find(|(mk, _)| mk == k)
            .map_or(Value::Nil, |(_, v)| Value::str(v))),
        _ => Err("trace_state takes one string key".into()),
    }
}

fn trace_state_set(ts: &mut String, keys: &[KeyVal], v: Value) -> PathResult<()> {
    let v = string_of(v, "trace_state")?;
    match keys {
        [] => *ts = v,
        [KeyVal::Str(k)] => {
            let mut members: Vec<(String, String)> = ts
                .split(',')
                .filter_map(|m| m.trim().split_once('='))
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .filter(|(a, _)| a != k)
                .collect();
            members.insert(0, (k.clone(), v));
            *ts = members
                .iter()
                .map(|(a, b)| format!("{a}={b}"))
                .collect::<Vec<_>>()
                .join(",");
        }
        _ => return Err("trace_state takes one string key".into()),
    }
    Ok(())
}

fn list_u64(v: &[u64]) -> Value {
    Value::List(v.iter().map(|x| Value::Int(*x as i64)).collect())
}
fn list_f64(v: &[f64]) -> Value {
    Value::List(v.iter().map(|x| Value::Float(*x)).collect())
}
fn u64_list_of(v: Value) -> PathResult<Vec<u64>> {
    match v {
        Value::List(l) => l.iter().map(|x| u64_of(x, "bucket count")).collect(),
        other => Err(format!(
            "expected a slice of int64, got {}",
            other.type_name()
        )),
    }
}
fn f64_list_of(v: Value) -> PathResult<Vec<f64>> {
    match v {
        Value::List(l) => l
            .iter()
            .map(|x| match x {
                Value::Float(f) => Ok(*f),
                Value::Int(i) => Ok(*i as f64),
                o => Err(format!("expected float64, got {}", o.type_name())),
            })
            .collect(),
        other => Err(format!(
            "expected a slice of float64, got {}",
            other.type_name()
        )),
    }
}

/// The parts of a data point every kind has.
macro_rules! with_point {
    ($metric:expr, $idx:expr, |$p:ident| $common:expr, $missing:expr) => {
        match &$metric.data {
            Some(metric::Data::Gauge(g)) => match g.data_points.get($idx) {
                Some($p) => $common,
                None => $missing,
            },
            Some(metric::Data::Sum(g)) => match g.data_points.get($idx) {
                Some($p) => $common,
                None => $missing,
            },
            Some(metric::Data::Histogram(g)) => match g.data_points.get($idx) {
                Some($p) => $common,
                None => $missing,
            },
            Some(metric::Data::ExponentialHistogram(g)) => match g.data_points.get($idx) {
                Some($p) => $common,
                None => $missing,
            },
            Some(metric::Data::Summary(g)) => match g.data_points.get($idx) {
                Some($p) => $common,
                None => $missing,
            },
            None => $missing,
        }
    };
}
macro_rules! with_point_mut {
    ($metric:expr, $idx:expr, |$p:ident| $common:expr, $missing:expr) => {
        match &mut $metric.data {
            Some(metric::Data::Gauge(g)) => match g.data_points.get_mut($idx) {
                Some($p) => $common,
                None => $missing,
            },
            Some(metric::Data::Sum(g)) => match g.data_points.get_mut($idx) {
                Some($p) => $common,
                None => $missing,
            },
            Some(metric::Data::Histogram(g)) => match g.data_points.get_mut($idx) {
                Some($p) => $common,
                None => $missing,
            },
            Some(metric::Data::ExponentialHistogram(g)) => match g.data_points.get_mut($idx) {
                Some($p) => $common,
                None => $missing,
            },
            Some(metric::Data::Summary(g)) => match g.data_points.get_mut($idx) {
                Some($p) => $common,
                None => $missing,
            },
            None => $missing,
        }
    };
}

fn metric_type(m: &Metric) -> i64 {
    match &m.data {
        None => 0,
        Some(metric::Data::Gauge(_)) => 1,
        Some(metric::Data::Sum(_)) => 2,
        Some(metric::Data::Histogram(_)) => 3,
        Some(metric::Data::ExponentialHistogram(_)) => 4,
        Some(metric::Data::Summary(_)) => 5,
    }
}

impl TransformContext<'_> {
    /// Reads `field` with `keys` applied.
    pub fn get(&self, field: Field, keys: &[KeyVal]) -> PathResult<Value> {
        use Field as F;
        let scope = self.scope.as_deref().and_then(|s| s.as_ref());
        let plain = |v: Value| -> PathResult<Value> {
            if keys.is_empty() {
                Ok(v)
            } else {
                index_value(&v, keys)
            }
        };
        match field {
            F::Cache => get_keyed(Root::Cache(&self.cache), keys),
            F::ResourceAttributes => get_keyed(
                Root::Attrs(self.resource.as_ref().map_or(&[][..], |r| &r.attributes)),
                keys,
            ),
            F::ResourceDroppedAttributesCount => Ok(Value::Int(
                self.resource
                    .as_ref()
                    .map_or(0, |r| r.dropped_attributes_count) as i64,
            )),
            F::ResourceSchemaUrl => Ok(Value::str(
                self.resource_schema_url
                    .as_deref()
                    .cloned()
                    .unwrap_or_default(),
            )),
            F::ScopeName => Ok(Value::str(
                scope.map(|s| s.name.clone()).unwrap_or_default(),
            )),
            F::ScopeVersion => Ok(Value::str(
                scope.map(|s| s.version.clone()).unwrap_or_default(),
            )),
            F::ScopeAttributes => {
                get_keyed(Root::Attrs(scope.map_or(&[][..], |s| &s.attributes)), keys)
            }
            F::ScopeDroppedAttributesCount => Ok(Value::Int(
                scope.map_or(0, |s| s.dropped_attributes_count) as i64,
            )),
            F::ScopeSchemaUrl => Ok(Value::str(
                self.scope_schema_url
                    .as_deref()
                    .cloned()
                    .unwrap_or_default(),
            )),
            _ => self.get_item(field, keys, &plain),
        }
    }

    fn get_item(
        &self,
        field: Field,
        keys: &[KeyVal],
        plain: &dyn Fn(Value) -> PathResult<Value>,
    ) -> PathResult<Value> {
        use Field as F;
        match (&self.item, field) {
            (Item::Log(l), f) => Ok(match f {
                F::LogTimeUnixNano => Value::Int(l.time_unix_nano as i64),
                F::LogObservedTimeUnixNano => Value::Int(l.observed_time_unix_nano as i64),
                F::LogTime => Value::Time(l.time_unix_nano as i64),
                F::LogObservedTime => Value::Time(l.observed_time_unix_nano as i64),
                F::LogSeverityNumber => Value::Int(l.severity_number as i64),
                F::LogSeverityText => Value::str(l.severity_text.clone()),
                F::LogBody => return get_keyed(Root::Any(l.body.as_ref()), keys),
                F::LogBodyString => Value::str(
                    l.body
                        .as_ref()
                        .map(Value::from_any)
                        .and_then(|v| v.to_display_string())
                        .unwrap_or_default(),
                ),
                F::LogAttributes => return get_keyed(Root::Attrs(&l.attributes), keys),
                F::LogDroppedAttributesCount => Value::Int(l.dropped_attributes_count as i64),
                F::LogFlags => Value::Int(l.flags as i64),
                F::LogTraceId => Value::Id(if l.trace_id.is_empty() {
                    vec![0; 16]
                } else {
                    l.trace_id.clone()
                }),
                F::LogTraceIdString => Value::str(if l.trace_id.is_empty() {
                    String::new()
                } else {
                    hex::encode(&l.trace_id)
                }),
                F::LogSpanId => Value::Id(if l.span_id.is_empty() {
                    vec![0; 8]
                } else {
                    l.span_id.clone()
                }),
                F::LogSpanIdString => Value::str(if l.span_id.is_empty() {
                    String::new()
                } else {
                    hex::encode(&l.span_id)
                }),
                F::LogEventName => Value::str(l.event_name.clone()),
                f => return Err(wrong_item(f)),
            }),
            (Item::Span(s), f) | (Item::SpanEvent(s, _), f) if is_span_field(f) => Ok(match f {
                F::SpanTraceId => Value::Id(if s.trace_id.is_empty() {
                    vec![0; 16]
                } else {
                    s.trace_id.clone()
                }),
                F::SpanTraceIdString => Value::str(hex::encode(&s.trace_id)),
                F::SpanSpanId => Value::Id(if s.span_id.is_empty() {
                    vec![0; 8]
                } else {
                    s.span_id.clone()
                }),
                F::SpanSpanIdString => Value::str(hex::encode(&s.span_id)),
                F::SpanParentSpanId => Value::Id(if s.parent_span_id.is_empty() {
                    vec![0; 8]
                } else {
                    s.parent_span_id.clone()
                }),
                F::SpanParentSpanIdString => Value::str(hex::encode(&s.parent_span_id)),
                F::SpanTraceState => return trace_state_get(&s.trace_state, keys),
                F::SpanName => Value::str(s.name.clone()),
                F::SpanKind => Value::Int(s.kind as i64),
                F::SpanKindString => {
                    Value::str(KIND_WORDS.get(s.kind as usize).copied().unwrap_or(""))
                }
                F::SpanKindDeprecatedString => {
                    Value::str(KIND_ENUMS.get(s.kind as usize).copied().unwrap_or(""))
                }
                F::SpanStartTimeUnixNano => Value::Int(s.start_time_unix_nano as i64),
                F::SpanEndTimeUnixNano => Value::Int(s.end_time_unix_nano as i64),
                F::SpanStartTime => Value::Time(s.start_time_unix_nano as i64),
                F::SpanEndTime => Value::Time(s.end_time_unix_nano as i64),
                F::SpanAttributes => return get_keyed(Root::Attrs(&s.attributes), keys),
                F::SpanDroppedAttributesCount => Value::Int(s.dropped_attributes_count as i64),
                F::SpanDroppedEventsCount => Value::Int(s.dropped_events_count as i64),
                F::SpanDroppedLinksCount => Value::Int(s.dropped_links_count as i64),
                F::SpanStatusCode => Value::Int(s.status.as_ref().map_or(0, |st| st.code) as i64),
                F::SpanStatusMessage => Value::str(
                    s.status
                        .as_ref()
                        .map(|st| st.message.clone())
                        .unwrap_or_default(),
                ),
                F::SpanFlags => Value::Int(s.flags as i64),
                f => return Err(wrong_item(f)),
            }),
            (Item::SpanEvent(s, i), f) => {
                let e = s.events.get(*i).ok_or("span event index out of range")?;
                Ok(match f {
                    F::EventTimeUnixNano => Value::Int(e.time_unix_nano as i64),
                    F::EventTime => Value::Time(e.time_unix_nano as i64),
                    F::EventName => Value::str(e.name.clone()),
                    F::EventAttributes => return get_keyed(Root::Attrs(&e.attributes), keys),
                    F::EventDroppedAttributesCount => Value::Int(e.dropped_attributes_count as i64),
                    F::EventIndex => Value::Int(*i as i64),
                    f => return Err(wrong_item(f)),
                })
            }
            (Item::Metric(m), f) | (Item::DataPoint(m, _), f) if is_metric_field(f) => {
                Ok(match f {
                    F::MetricName => Value::str(m.name.clone()),
                    F::MetricDescription => Value::str(m.description.clone()),
                    F::MetricUnit => Value::str(m.unit.clone()),
                    F::MetricType => Value::Int(metric_type(m)),
                    F::MetricAggregationTemporality => Value::Int(match &m.data {
                        Some(metric::Data::Sum(s)) => s.aggregation_temporality as i64,
                        Some(metric::Data::Histogram(h)) => h.aggregation_temporality as i64,
                        Some(metric::Data::ExponentialHistogram(h)) => {
                            h.aggregation_temporality as i64
                        }
                        _ => 0,
                    }),
                    F::MetricIsMonotonic => {
                        Value::Bool(matches!(&m.data, Some(metric::Data::Sum(s)) if s.is_monotonic))
                    }
                    F::MetricMetadata => return get_keyed(Root::Attrs(&m.metadata), keys),
                    f => return Err(wrong_item(f)),
                })
            }
            (Item::DataPoint(m, i), f) => {
                let i = *i;
                let v = match f {
                    F::DpAttributes => {
                        return with_point!(
                            m,
                            i,
                            |p| get_keyed(Root::Attrs(&p.attributes), keys),
                            Ok(Value::Nil)
                        )
                    }
                    F::DpStartTimeUnixNano => with_point!(
                        m,
                        i,
                        |p| Value::Int(p.start_time_unix_nano as i64),
                        Value::Nil
                    ),
                    F::DpTimeUnixNano => {
                        with_point!(m, i, |p| Value::Int(p.time_unix_nano as i64), Value::Nil)
                    }
                    F::DpStartTime => with_point!(
                        m,
                        i,
                        |p| Value::Time(p.start_time_unix_nano as i64),
                        Value::Nil
                    ),
                    F::DpTime => {
                        with_point!(m, i, |p| Value::Time(p.time_unix_nano as i64), Value::Nil)
                    }
                    F::DpFlags => with_point!(m, i, |p| Value::Int(p.flags as i64), Value::Nil),
                    F::DpValueDouble | F::DpValueInt => match &m.data {
                        Some(metric::Data::Gauge(Gauge { data_points, .. }))
                        | Some(metric::Data::Sum(Sum { data_points, .. })) => {
                            match data_points.get(i).and_then(|p| p.value) {
                                Some(number_data_point::Value::AsDouble(d))
                                    if f == F::DpValueDouble =>
                                {
                                    Value::Float(d)
                                }
                                Some(number_data_point::Value::AsInt(n)) if f == F::DpValueInt => {
                                    Value::Int(n)
                                }
                                _ if f == F::DpValueDouble => Value::Float(0.0),
                                _ => Value::Int(0),
                            }
                        }
                        _ => Value::Nil,
                    },
                    F::DpCount => match &m.data {
                        Some(metric::Data::Histogram(h)) => h
                            .data_points
                            .get(i)
                            .map_or(Value::Nil, |p| Value::Int(p.count as i64)),
                        Some(metric::Data::ExponentialHistogram(h)) => h
                            .data_points
                            .get(i)
                            .map_or(Value::Nil, |p| Value::Int(p.count as i64)),
                        Some(metric::Data::Summary(h)) => h
                            .data_points
                            .get(i)
                            .map_or(Value::Nil, |p| Value::Int(p.count as i64)),
                        _ => Value::Nil,
                    },
                    F::DpSum => match &m.data {
                        Some(metric::Data::Histogram(h)) => h
                            .data_points
                            .get(i)
                            .map_or(Value::Nil, |p| Value::Float(p.sum.unwrap_or(0.0))),
                        Some(metric::Data::ExponentialHistogram(h)) => h
                            .data_points
                            .get(i)
                            .map_or(Value::Nil, |p| Value::Float(p.sum.unwrap_or(0.0))),
                        Some(metric::Data::Summary(h)) => h
                            .data_points
                            .get(i)
                            .map_or(Value::Nil, |p| Value::Float(p.sum)),
                        _ => Value::Nil,
                    },
                    F::DpBucketCounts => match &m.data {
                        Some(metric::Data::Histogram(h)) => h
                            .data_points
                            .get(i)
                            .map_or(Value::Nil, |p| list_u64(&p.bucket_counts)),
                        _ => Value::Nil,
                    },
                    F::DpExplicitBounds => match &m.data {
                        Some(metric::Data::Histogram(h)) => h
                            .data_points
                            .get(i)
                            .map_or(Value::Nil, |p| list_f64(&p.explicit_bounds)),
                        _ => Value::Nil,
                    },
                    F::DpScale => match &m.data {
                        Some(metric::Data::ExponentialHistogram(h)) => h
                            .data_points
                            .get(i)
                            .map_or(Value::Nil, |p| Value::Int(p.scale as i64)),
                        _ => Value::Nil,
                    },
                    F::DpZeroCount => match &m.data {
                        Some(metric::Data::ExponentialHistogram(h)) => h
                            .data_points
                            .get(i)
                            .map_or(Value::Nil, |p| Value::Int(p.zero_count as i64)),
                        _ => Value::Nil,
                    },
                    f => return Err(wrong_item(f)),
                };
                plain(v)
            }
            (_, f) => Err(wrong_item(f)),
        }
    }

    /// Writes `v` at `field` with `keys`.
    pub fn set(&mut self, field: Field, keys: &[KeyVal], v: Value) -> PathResult<()> {
        use Field as F;
        match field {
            F::Cache => return set_keyed(RootMut::Cache(&mut self.cache), keys, v),
            F::ResourceAttributes => {
                let r = self.resource.get_or_insert_with(Resource::default);
                return set_keyed(RootMut::Attrs(&mut r.attributes), keys, v);
            }
            F::ResourceDroppedAttributesCount => {
                self.resource
                    .get_or_insert_with(Resource::default)
                    .dropped_attributes_count = u64_of(&v, "dropped_attributes_count")? as u32;
                return Ok(());
            }
            F::ResourceSchemaUrl => {
                if let Some(u) = self.resource_schema_url.as_deref_mut() {
                    *u = string_of(v, "schema_url")?;
                }
                return Ok(());
            }
            F::ScopeSchemaUrl => {
                if let Some(u) = self.scope_schema_url.as_deref_mut() {
                    *u = string_of(v, "schema_url")?;
                }
                return Ok(());
            }
            F::ScopeName
            | F::ScopeVersion
            | F::ScopeAttributes
            | F::ScopeDroppedAttributesCount => {
                let Some(slot) = self.scope.as_deref_mut() else {
                    return Err(wrong_item(field));
                };
                let s = slot.get_or_insert_with(InstrumentationScope::default);
                match field {
                    F::ScopeName => s.name = string_of(v, "name")?,
                    F::ScopeVersion => s.version = string_of(v, "version")?,
                    F::ScopeAttributes => {
                        return set_keyed(RootMut::Attrs(&mut s.attributes), keys, v)
                    }
                    _ => {
                        s.dropped_attributes_count = u64_of(&v, "dropped_attributes_count")? as u32
                    }
                }
                return Ok(());
            }
            _ => {}
        }
        match (&mut self.item, field) {
            (Item::Log(l), f) => match f {
                F::LogTimeUnixNano => l.time_unix_nano = u64_of(&v, "time_unix_nano")?,
                F::LogObservedTimeUnixNano => {
                    l.observed_time_unix_nano = u64_of(&v, "observed_time_unix_nano")?
                }
                F::LogTime => l.time_unix_nano = time_of(&v, "time")?,
                F::LogObservedTime => l.observed_time_unix_nano = time_of(&v, "observed_time")?,
                F::LogSeverityNumber => l.severity_number = i32_of(&v, "severity_number")?,
                F::LogSeverityText => l.severity_text = string_of(v, "severity_text")?,
                F::LogBody => return set_keyed(RootMut::Any(&mut l.body), keys, v),
                F::LogBodyString => {
                    l.body = Some(Value::Str(string_of(v, "body.string")?).into_any())
                }
                F::LogAttributes => return set_keyed(RootMut::Attrs(&mut l.attributes), keys, v),
                F::LogDroppedAttributesCount => {
                    l.dropped_attributes_count = u64_of(&v, "dropped_attributes_count")? as u32
                }
                F::LogFlags => l.flags = u64_of(&v, "flags")? as u32,
                F::LogTraceId => l.trace_id = id_of(v, 16, "trace_id")?,
                F::LogTraceIdString => l.trace_id = id_from_hex(v, 16, "trace_id.string")?,
                F::LogSpanId => l.span_id = id_of(v, 8, "span_id")?,
                F::LogSpanIdString => l.span_id = id_from_hex(v, 8, "span_id.string")?,
                F::LogEventName => l.event_name = string_of(v, "event_name")?,
                f => return Err(wrong_item(f)),
            },
            (Item::Span(s), f) | (Item::SpanEvent(s, _), f) if is_span_field(f) => match f {
                F::SpanTraceId => s.trace_id = id_of(v, 16, "trace_id")?,
                F::SpanTraceIdString => s.trace_id = id_from_hex(v, 16, "trace_id.string")?,
                F::SpanSpanId => s.span_id = id_of(v, 8, "span_id")?,
                F::SpanSpanIdString => s.span_id = id_from_hex(v, 8, "span_id.string")?,
                F::SpanParentSpanId => s.parent_span_id = id_of(v, 8, "parent_span_id")?,
                F::SpanParentSpanIdString => {
                    s.parent_span_id = id_from_hex(v, 8, "parent_span_id.string")?
                }
                F::SpanTraceState => return trace_state_set(&mut s.trace_state, keys, v),
                F::SpanName => s.name = string_of(v, "name")?,
                F::SpanKind => s.kind = i32_of(&v, "kind")?,
                F::SpanKindString => {
                    let w = string_of(v, "kind.string")?;
                    s.kind = KIND_WORDS
                        .iter()
                        .position(|k| *k == w)
                        .ok_or_else(|| format!("unknown span kind {w:?}"))?
                        as i32;
                }
                F::SpanKindDeprecatedString => {
                    let w = string_of(v, "kind.deprecated_string")?;
                    s.kind = KIND_ENUMS
                        .iter()
                        .position(|k| *k == w)
                        .ok_or_else(|| format!("unknown span kind {w:?}"))?
                        as i32;
                }
                F::SpanStartTimeUnixNano => {
                    s.start_time_unix_nano = u64_of(&v, "start_time_unix_nano")?
                }
                F::SpanEndTimeUnixNano => s.end_time_unix_nano = u64_of(&v, "end_time_unix_nano")?,
                F::SpanStartTime => s.start_time_unix_nano = time_of(&v, "start_time")?,
                F::SpanEndTime => s.end_time_unix_nano = time_of(&v, "end_time")?,
                F::SpanAttributes => return set_keyed(RootMut::Attrs(&mut s.attributes), keys, v),
                F::SpanDroppedAttributesCount => {
                    s.dropped_attributes_count = u64_of(&v, "dropped_attributes_count")? as u32
                }
                F::SpanDroppedEventsCount => {
                    s.dropped_events_count = u64_of(&v, "dropped_events_count")? as u32
                }
                F::SpanDroppedLinksCount => {
                    s.dropped_links_count = u64_of(&v, "dropped_links_count")? as u32
                }
                F::SpanStatusCode => {
                    s.status.get_or_insert_with(Status::default).code = i32_of(&v, "status.code")?
                }
                F::SpanStatusMessage => {
                    s.status.get_or_insert_with(Status::default).message =
                        string_of(v, "status.message")?
                }
                F::SpanFlags => s.flags = u64_of(&v, "flags")? as u32,
                f => return Err(wrong_item(f)),
            },
            (Item::SpanEvent(s, i), f) => {
                let e = s
                    .events
                    .get_mut(*i)
                    .ok_or("span event index out of range")?;
                match f {
                    F::EventTimeUnixNano => e.time_unix_nano = u64_of(&v, "time_unix_nano")?,
                    F::EventTime => e.time_unix_nano = time_of(&v, "time")?,
                    F::EventName => e.name = string_of(v, "name")?,
                    F::EventAttributes => {
                        return set_keyed(RootMut::Attrs(&mut e.attributes), keys, v)
                    }
                    F::EventDroppedAttributesCount => {
                        e.dropped_attributes_count = u64_of(&v, "dropped_attributes_count")? as u32
                    }
                    f => return Err(wrong_item(f)),
                }
            }
            (Item::Metric(m), f) | (Item::DataPoint(m, _), f) if is_metric_field(f) => match f {
                F::MetricName => m.name = string_of(v, "name")?,
                F::MetricDescription => m.description = string_of(v, "description")?,
                F::MetricUnit => m.unit = string_of(v, "unit")?,
                F::MetricAggregationTemporality => {
                    let t = i32_of(&v, "aggregation_temporality")?;
                    match &mut m.data {
                        Some(metric::Data::Sum(s)) => s.aggregation_temporality = t,
                        Some(metric::Data::Histogram(h)) => h.aggregation_temporality = t,
                        Some(metric::Data::ExponentialHistogram(h)) => {
                            h.aggregation_temporality = t
                        }
                        _ => {}
                    }
                }
                F::MetricIsMonotonic => {
                    let Value::Bool(b) = v else {
                        return Err(format!(
                            "is_monotonic must be a bool, got {}",
                            v.type_name()
                        ));
                    };
                    if let Some(metric::Data::Sum(s)) = &mut m.data {
                        s.is_monotonic = b;
                    }
                }
                F::MetricMetadata => return set_keyed(RootMut::Attrs(&mut m.metadata), keys, v),
                f => return Err(wrong_item(f)),
            },
            (Item::DataPoint(m, i), f) => {
                let i = *i;
                match f {
                    F::DpAttributes => {
                        return with_point_mut!(
                            m,
                            i,
                            |p| set_keyed(RootMut::Attrs(&mut p.attributes), keys, v),
                            Ok(())
                        )
                    }
                    F::DpStartTimeUnixNano => with_point_mut!(
                        m,
                        i,
                        |p| p.start_time_unix_nano = u64_of(&v, "start_time_unix_nano")?,
                        ()
                    ),
                    F::DpTimeUnixNano => with_point_mut!(
                        m,
                        i,
                        |p| p.time_unix_nano = u64_of(&v, "time_unix_nano")?,
                        ()
                    ),
                    F::DpStartTime => with_point_mut!(
                        m,
                        i,
                        |p| p.start_time_unix_nano = time_of(&v, "start_time")?,
                        ()
                    ),
                    F::DpTime => {
                        with_point_mut!(m, i, |p| p.time_unix_nano = time_of(&v, "time")?, ())
                    }
                    F::DpFlags => {
                        with_point_mut!(m, i, |p| p.flags = u64_of(&v, "flags")? as u32, ())
                    }
                    F::DpValueDouble | F::DpValueInt => {
                        let nv = match (&v, f) {
                            (Value::Float(d), F::DpValueDouble) => {
                                number_data_point::Value::AsDouble(*d)
                            }
                            (Value::Int(n), F::DpValueInt) => number_data_point::Value::AsInt(*n),
                            (other, _) => {
                                return Err(format!("wrong type for {f:?}: {}", other.type_name()))
                            }
                        };
                        match &mut m.data {
                            Some(metric::Data::Gauge(Gauge { data_points, .. }))
                            | Some(metric::Data::Sum(Sum { data_points, .. })) => {
                                if let Some(p) = data_points.get_mut(i) {
                                    p.value = Some(nv);
                                }
                            }
                            _ => {}
                        }
                    }
                    F::DpCount => {
                        let c = u64_of(&v, "count")?;
                        match &mut m.data {
                            Some(metric::Data::Histogram(h)) => h
                                .data_points
                                .get_mut(i)
                                .into_iter()
                                .for_each(|p| p.count = c),
                            Some(metric::Data::ExponentialHistogram(h)) => h
                                .data_points
                                .get_mut(i)
                                .into_iter()
                                .for_each(|p| p.count = c),
                            Some(metric::Data::Summary(h)) => h
                                .data_points
                                .get_mut(i)
                                .into_iter()
                                .for_each(|p| p.count = c),
                            _ => {}
                        }
                    }
                    F::DpSum => {
                        let Value::Float(s) = v else {
                            return Err(format!("sum must be a float64, got {}", v.type_name()));
                        };
                        match &mut m.data {
                            Some(metric::Data::Histogram(h)) => h
                                .data_points
                                .get_mut(i)
                                .into_iter()
                                .for_each(|p| p.sum = Some(s)),
                            Some(metric::Data::ExponentialHistogram(h)) => h
                                .data_points
                                .get_mut(i)
                                .into_iter()
                                .for_each(|p| p.sum = Some(s)),
                            Some(metric::Data::Summary(h)) => {
                                h.data_points.get_mut(i).into_iter().for_each(|p| p.sum = s)
                            }
                            _ => {}
                        }
                    }
                    F::DpBucketCounts => {
                        let l = u64_list_of(v)?;
                        if let Some(metric::Data::Histogram(h)) = &mut m.data {
                            h.data_points
                                .get_mut(i)
                                .into_iter()
                                .for_each(|p| p.bucket_counts = l.clone());
                        }
                    }
                    F::DpExplicitBounds => {
                        let l = f64_list_of(v)?;
                        if let Some(metric::Data::Histogram(h)) = &mut m.data {
                            h.data_points
                                .get_mut(i)
                                .into_iter()
                                .for_each(|p| p.explicit_bounds = l.clone());
                        }
                    }
                    F::DpScale => {
                        let s = i32_of(&v, "scale")?;
                        if let Some(metric::Data::ExponentialHistogram(h)) = &mut m.data {
                            h.data_points
                                .get_mut(i)
                                .into_iter()
                                .for_each(|p| p.scale = s);
                        }
                    }
                    F::DpZeroCount => {
                        let z = u64_of(&v, "zero_count")?;
                        if let Some(metric::Data::ExponentialHistogram(h)) = &mut m.data {
                            h.data_points
                                .get_mut(i)
                                .into_iter()
                                .for_each(|p| p.zero_count = z);
                        }
                    }
                    f => return Err(wrong_item(f)),
                }
            }
            (_, f) => return Err(wrong_item(f)),
        }
        Ok(())
    }
}

fn is_span_field(f: Field) -> bool {
    use Field as F;
    matches!(
        f,
        F::SpanTraceId
            | F::SpanTraceIdString
            | F::SpanSpanId
            | F::SpanSpanIdString
            | F::SpanParentSpanId
            | F::SpanParentSpanIdString
            | F::SpanTraceState
            | F::SpanName
            | F::SpanKind
            | F::SpanKindString
            | F::SpanKindDeprecatedString
            | F::SpanStartTimeUnixNano
            | F::SpanEndTimeUnixNano
            | F::SpanStartTime
            | F::SpanEndTime
            | F::SpanAttributes
            | F::SpanDroppedAttributesCount
            | F::SpanDroppedEventsCount
            | F::SpanDroppedLinksCount
            | F::SpanStatusCode
            | F::SpanStatusMessage
            | F::SpanFlags
    )
}

fn is_metric_field(f: Field) -> bool {
    use Field as F;
    matches!(
        f,
        F::MetricName
            | F::MetricDescription
            | F::MetricUnit
            | F::MetricType
            | F::MetricAggregationTemporality
            | F::MetricIsMonotonic
            | F::MetricMetadata
    )
}
