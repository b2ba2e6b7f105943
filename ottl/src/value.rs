//! Runtime values: what getters return and setters take.
//!
//! OTLP's `AnyValue` has no time or duration, which converters produce and
//! math consumes, so the plan works on this richer type and converts at the
//! telemetry boundary.

use std::cmp::Ordering;

use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, KeyValue, KeyValueList,
};

use crate::ast::CmpOp;

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    /// A trace, span or profile id: bytes that render as a JSON array of
    /// numbers, as pdata's id types do.
    Id(Vec<u8>),
    List(Vec<Value>),
    /// Insertion-ordered, as OTLP attributes are; keys are unique.
    Map(Vec<(String, Value)>),
    /// Nanoseconds since the Unix epoch, UTC.
    Time(i64),
    /// Nanoseconds.
    Duration(i64),
}

impl Value {
    /// The Go type name upstream's messages use (`expected string but got int64`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int64",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::Bytes(_) => "[]byte",
            Value::Id(_) => "pcommon.ID",
            Value::List(_) => "pcommon.Slice",
            Value::Map(_) => "pcommon.Map",
            Value::Time(_) => "time.Time",
            Value::Duration(_) => "time.Duration",
        }
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn map_get<'a>(map: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
        map.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn map_put(map: &mut Vec<(String, Value)>, key: &str, v: Value) {
        match map.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = v,
            None => map.push((key.to_owned(), v)),
        }
    }

    /// The value as OTLP sees it. Times become their Unix nanos and
    /// durations their nanos, as upstream's setters do with int64.
    pub fn into_any(self) -> AnyValue {
        AnyValue {
            value: match self {
                Value::Nil => None,
                Value::Bool(b) => Some(any_value::Value::BoolValue(b)),
                Value::Int(i) | Value::Time(i) | Value::Duration(i) => {
                    Some(any_value::Value::IntValue(i))
                }
                Value::Float(f) => Some(any_value::Value::DoubleValue(f)),
                Value::Str(s) => Some(any_value::Value::StringValue(s)),
                Value::Bytes(b) | Value::Id(b) => Some(any_value::Value::BytesValue(b)),
                Value::List(l) => Some(any_value::Value::ArrayValue(ArrayValue {
                    values: l.into_iter().map(Value::into_any).collect(),
                })),
                Value::Map(m) => Some(any_value::Value::KvlistValue(KeyValueList {
                    values: map_into_kvs(m),
                })),
            },
        }
    }

    pub fn from_any(v: &AnyValue) -> Value {
        match &v.value {
            None => Value::Nil,
            Some(any_value::Value::StringValue(s)) => Value::Str(s.clone()),
            Some(any_value::Value::BoolValue(b)) => Value::Bool(*b),
            Some(any_value::Value::IntValue(i)) => Value::Int(*i),
            Some(any_value::Value::DoubleValue(f)) => Value::Float(*f),
            Some(any_value::Value::BytesValue(b)) => Value::Bytes(b.clone()),
            Some(any_value::Value::ArrayValue(a)) => {
                Value::List(a.values.iter().map(Value::from_any).collect())
            }
            Some(any_value::Value::KvlistValue(kv)) => Value::Map(map_from_kvs(&kv.values)),
            #[allow(unreachable_patterns)]
            Some(_) => Value::Nil,
        }
    }

    /// Upstream's `String()` rendering of a value (used by `String`, `Concat`
    /// and the `*Like` string getters): JSON for maps and slices, hex for bytes.
    pub fn to_display_string(&self) -> Option<String> {
        Some(match self {
            Value::Nil => return None,
            Value::Str(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format_float(*f),
            Value::Bytes(b) => hex::encode(b),
            Value::List(_) | Value::Map(_) | Value::Id(_) => self.to_json().to_string(),
            Value::Time(t) => crate::funcs::time::format_rfc3339(*t),
            Value::Duration(d) => crate::funcs::time::format_duration(*d),
        })
    }

    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Nil => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) | Value::Time(i) | Value::Duration(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Bytes(b) => J::String(base64_std(b)),
            Value::Id(b) => J::Array(b.iter().map(|x| J::from(*x)).collect()),
            Value::List(l) => J::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    pub fn from_json(j: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::Nil,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => Value::Str(s.clone()),
            J::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            J::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

fn base64_std(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)` for the usual range, which is
/// how pcommon renders doubles as strings.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let s = format!("{f}");
    s
}

pub fn map_into_kvs(m: Vec<(String, Value)>) -> Vec<KeyValue> {
    m.into_iter()
        .map(|(key, v)| KeyValue {
            key,
            value: Some(v.into_any()),
            ..Default::default()
        })
        .collect()
}

pub fn map_from_kvs(kvs: &[KeyValue]) -> Vec<(String, Value)> {
    kvs.iter()
        .map(|kv| {
            (
                kv.key.clone(),
                kv.value.as_ref().map_or(Value::Nil, Value::from_any),
            )
        })
        .collect()
}

/// Upstream's comparison table: numbers across int/float as float, values
/// of different kinds are only ever `!=`, maps and slices only by (deep)
/// equality.
pub fn compare(l: &Value, op: CmpOp, r: &Value) -> bool {
    let ord: Option<Ordering> = match (l, r) {
        (Value::Nil, Value::Nil) => Some(Ordering::Equal),
        (Value::Nil, Value::Bytes(b)) | (Value::Bytes(b), Value::Nil) if b.is_empty() => {
            return op == CmpOp::Eq;
        }
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
        (Value::Float(a), Value::Float(b)) => a.partial_cmp(b),
        (Value::Int(a), Value::Float(b)) => (*a as f64).partial_cmp(b),
        (Value::Float(a), Value::Int(b)) => a.partial_cmp(&(*b as f64)),
        (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::Bytes(a) | Value::Id(a), Value::Bytes(b) | Value::Id(b)) => Some(a.cmp(b)),
        (Value::Time(a), Value::Time(b)) | (Value::Duration(a), Value::Duration(b)) => {
            Some(a.cmp(b))
        }
        (Value::List(_), Value::List(_)) | (Value::Map(_), Value::Map(_)) => {
            let eq = deep_eq(l, r);
            return match op {
                CmpOp::Eq => eq,
                CmpOp::Ne => !eq,
                _ => false,
            };
        }
        _ => None,
    };
    match ord {
        None => op == CmpOp::Ne,
        Some(o) => match op {
            CmpOp::Eq => o == Ordering::Equal,
            CmpOp::Ne => o != Ordering::Equal,
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::Le => o != Ordering::Greater,
            CmpOp::Gt => o == Ordering::Greater,
            CmpOp::Ge => o != Ordering::Less,
        },
    }
}

/// Equality where map order does not matter.
pub fn deep_eq(l: &Value, r: &Value) -> bool {
    match (l, r) {
        (Value::Map(a), Value::Map(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| Value::map_get(b, k).is_some_and(|w| deep_eq(v, w)))
        }
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| deep_eq(x, y))
        }
        _ => l == r,
    }
}
