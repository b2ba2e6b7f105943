//! Compiled `action` blocks and their effect on an attribute list
//! (contrib's `internal/coreinternal/attraction`).

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use regex::Regex;
use sha2::{Digest, Sha256};

use super::config::{ActionConfig, ActionKind, AttrValue, ConvertedType};
use crate::error::ConfigError;
use crate::pdata::ClientInfo;

pub(super) enum Source {
    Value(AnyValue),
    Attribute(String),
    Context(String),
}

pub(super) enum Action {
    Set {
        key: String,
        kind: ActionKind,
        source: Source,
    },
    Delete {
        key: Option<String>,
        pattern: Option<Regex>,
    },
    Hash {
        key: Option<String>,
        pattern: Option<Regex>,
    },
    Extract {
        key: String,
        regex: Regex,
        names: Vec<Option<String>>,
    },
    Convert {
        key: String,
        to: ConvertedType,
    },
}

fn field(i: usize, name: &str) -> String {
    format!("action[{i}].{name}")
}

fn compile_regex(i: usize, p: &str) -> Result<Regex, ConfigError> {
    Regex::new(p).map_err(|e| ConfigError::invalid(field(i, "pattern"), e.to_string()))
}

pub(super) fn compile(i: usize, a: &ActionConfig) -> Result<Action, ConfigError> {
    let sources = [
        a.value.is_some(),
        a.from_attribute.is_some(),
        a.from_context.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    match a.action {
        ActionKind::Insert | ActionKind::Update | ActionKind::Upsert => {
            if a.key.is_empty() {
                return Err(ConfigError::invalid(
                    field(i, "key"),
                    "missing required field",
                ));
            }
            if sources != 1 {
                return Err(ConfigError::invalid(
                    field(i, "value"),
                    "exactly one of value, from_attribute or from_context must be set",
                ));
            }
            if a.pattern.is_some() {
                return Err(ConfigError::invalid(
                    field(i, "pattern"),
                    "not allowed for this action",
                ));
            }
            let source = match (&a.value, &a.from_attribute, &a.from_context) {
                (Some(v), _, _) => Source::Value(v.to_any()),
                (_, Some(f), _) => Source::Attribute(f.clone()),
                (_, _, Some(c)) => Source::Context(c.clone()),
                _ => return Err(ConfigError::invalid(field(i, "value"), "missing")),
            };
            Ok(Action::Set {
                key: a.key.clone(),
                kind: a.action,
                source,
            })
        }
        ActionKind::Delete | ActionKind::Hash => {
            if a.key.is_empty() && a.pattern.is_none() {
                return Err(ConfigError::invalid(
                    field(i, "key"),
                    "key or pattern must be set",
                ));
            }
            if sources != 0 {
                return Err(ConfigError::invalid(
                    field(i, "value"),
                    "not allowed for this action",
                ));
            }
            let key = (!a.key.is_empty()).then(|| a.key.clone());
            let pattern = a
                .pattern
                .as_deref()
                .map(|p| compile_regex(i, p))
                .transpose()?;
            Ok(if a.action == ActionKind::Delete {
                Action::Delete { key, pattern }
            } else {
                Action::Hash { key, pattern }
            })
        }
        ActionKind::Extract => {
            if a.key.is_empty() {
                return Err(ConfigError::invalid(
                    field(i, "key"),
                    "missing required field",
                ));
            }
            let Some(p) = &a.pattern else {
                return Err(ConfigError::invalid(
                    field(i, "pattern"),
                    "required for extract",
                ));
            };
            let regex = compile_regex(i, p)?;
            let names: Vec<Option<String>> = regex
                .capture_names()
                .map(|n| n.map(str::to_string))
                .collect();
            if names.iter().skip(1).any(Option::is_none) || names.len() < 2 {
                return Err(ConfigError::invalid(
                    field(i, "pattern"),
                    "every subexpression must be named",
                ));
            }
            Ok(Action::Extract {
                key: a.key.clone(),
                regex,
                names,
            })
        }
        ActionKind::Convert => {
            if a.key.is_empty() {
                return Err(ConfigError::invalid(
                    field(i, "key"),
                    "missing required field",
                ));
            }
            let Some(to) = a.converted_type else {
                return Err(ConfigError::invalid(
                    field(i, "converted_type"),
                    "required for convert",
                ));
            };
            Ok(Action::Convert {
                key: a.key.clone(),
                to,
            })
        }
    }
}

fn find<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a KeyValue> {
    attrs.iter().find(|kv| kv.key == key)
}

fn position(attrs: &[KeyValue], key: &str) -> Option<usize> {
    attrs.iter().position(|kv| kv.key == key)
}

fn str_value(s: String) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::StringValue(s)),
    }
}

fn context_value(ctx: &str, client: &ClientInfo) -> Option<AnyValue> {
    if let Some(key) = ctx.strip_prefix("metadata.") {
        let vals = client.get(key)?;
        if vals.is_empty() {
            return None;
        }
        return Some(str_value(vals.join(";")));
    }
    if ctx == "client.address" {
        return client.addr.map(|a| str_value(a.ip().to_string()));
    }
    // `auth.*` needs a server authenticator, which this receiver lacks.
    None
}

/// SHA-256 of the value's bytes as lowercase hex (contrib's current hashing).
fn hash_value(v: &AnyValue) -> Option<AnyValue> {
    let mut h = Sha256::new();
    match v.value.as_ref()? {
        any_value::Value::StringValue(s) => h.update(s.as_bytes()),
        any_value::Value::BoolValue(b) => h.update([u8::from(*b)]),
        any_value::Value::IntValue(i) => h.update(i.to_le_bytes()),
        any_value::Value::DoubleValue(d) => h.update(d.to_bits().to_le_bytes()),
        _ => return None,
    }
    Some(str_value(hex::encode(h.finalize())))
}

/// pdata's `AsString` for scalar values.
pub(crate) fn as_string(v: &AnyValue) -> String {
    match v.value.as_ref() {
        None => String::new(),
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => {
            if d.fract() == 0.0 && d.abs() < 1e21 {
                format!("{d:.0}")
            } else {
                d.to_string()
            }
        }
        Some(any_value::Value::BytesValue(b)) => {
            use std::fmt::Write;
            // pdata renders bytes as base64; hex is unambiguous enough here.
            b.iter().fold(String::new(), |mut s, x| {
                let _ = write!(s, "{x:02x}");
                s
            })
        }
        Some(any_value::Value::StringValueStrindex(i)) => i.to_string(),
        Some(any_value::Value::ArrayValue(_)) | Some(any_value::Value::KvlistValue(_)) => {
            serde_json::to_string(v).unwrap_or_default()
        }
    }
}

fn convert(v: &AnyValue, to: ConvertedType) -> Option<AnyValue> {
    use any_value::Value as V;
    let out = match (to, v.value.as_ref()?) {
        (ConvertedType::Int, V::IntValue(_))
        | (ConvertedType::Double, V::DoubleValue(_))
        | (ConvertedType::String, V::StringValue(_)) => return None,
        (ConvertedType::Int, V::StringValue(s)) => V::IntValue(s.trim().parse().ok()?),
        (ConvertedType::Int, V::DoubleValue(d)) => V::IntValue(*d as i64),
        (ConvertedType::Int, V::BoolValue(b)) => V::IntValue(i64::from(*b)),
        (ConvertedType::Double, V::StringValue(s)) => V::DoubleValue(s.trim().parse().ok()?),
        (ConvertedType::Double, V::IntValue(i)) => V::DoubleValue(*i as f64),
        (ConvertedType::Double, V::BoolValue(b)) => V::DoubleValue(if *b { 1.0 } else { 0.0 }),
        (ConvertedType::String, _) => V::StringValue(as_string(v)),
        _ => return None,
    };
    Some(AnyValue { value: Some(out) })
}

fn put(attrs: &mut Vec<KeyValue>, key: &str, value: AnyValue) {
    match position(attrs, key) {
        Some(i) => attrs[i].value = Some(value),
        None => attrs.push(KeyValue {
            key: key.to_string(),
            value: Some(value),
            ..Default::default()
        }),
    }
}

impl Action {
    pub(super) fn apply(&self, attrs: &mut Vec<KeyValue>, client: &ClientInfo) {
        match self {
            Action::Set { key, kind, source } => {
                let exists = position(attrs, key).is_some();
                let allowed = match kind {
                    ActionKind::Insert => !exists,
                    ActionKind::Update => exists,
                    _ => true,
                };
                if !allowed {
                    return;
                }
                let value = match source {
                    Source::Value(v) => Some(v.clone()),
                    Source::Attribute(from) => find(attrs, from).and_then(|kv| kv.value.clone()),
                    Source::Context(ctx) => context_value(ctx, client),
                };
                if let Some(v) = value {
                    put(attrs, key, v);
                }
            }
            Action::Delete { key, pattern } => {
                attrs.retain(|kv| {
                    !(key.as_deref() == Some(kv.key.as_str())
                        || pattern.as_ref().is_some_and(|p| p.is_match(&kv.key)))
                });
            }
            Action::Hash { key, pattern } => {
                for kv in attrs.iter_mut() {
                    let hit = key.as_deref() == Some(kv.key.as_str())
                        || pattern.as_ref().is_some_and(|p| p.is_match(&kv.key));
                    if hit {
                        if let Some(h) = kv.value.as_ref().and_then(hash_value) {
                            kv.value = Some(h);
                        }
                    }
                }
            }
            Action::Extract { key, regex, names } => {
                let Some(s) =
                    find(attrs, key).and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                        any_value::Value::StringValue(s) => Some(s.clone()),
                        _ => None,
                    })
                else {
                    return;
                };
                let Some(caps) = regex.captures(&s) else {
                    return;
                };
                for (i, name) in names.iter().enumerate().skip(1) {
                    if let (Some(name), Some(m)) = (name, caps.get(i)) {
                        put(attrs, name, str_value(m.as_str().to_string()));
                    }
                }
            }
            Action::Convert { key, to } => {
                if let Some(i) = position(attrs, key) {
                    if let Some(v) = attrs[i].value.as_ref().and_then(|v| convert(v, *to)) {
                        attrs[i].value = Some(v);
                    }
                }
            }
        }
    }
}

/// For tests and callers building values.
pub fn string_attr(key: &str, v: &str) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AttrValue::String(v.to_string()).to_any()),
        ..Default::default()
    }
}
