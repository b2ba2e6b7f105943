//! JSON and YAML documents to values, and values to JSON text.
//!
//! Decoding goes straight from the parser into [`Value`] through serde's
//! visitor, which keeps object keys in document order without changing
//! `serde_json`'s features for the rest of the workspace. Number kinds
//! follow upstream's decoders: Go's `encoding/json` makes every number a
//! float64, `yaml.v3` keeps integers as integers.
//!
//! Encoding follows Go's `json.Marshal` of the value decoded into `any`:
//! keys sorted, `<`, `>` and `&` escaped, floats in Go's format.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::value::strconv::format_float;
use crate::value::{Capsule, Number, Object, Value};

/// A serde seed producing a [`Value`].
#[derive(Clone, Copy)]
pub(crate) struct ValueSeed {
    /// Go's JSON decoder makes every number a float.
    pub numbers_as_floats: bool,
}

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(if self.numbers_as_floats {
            Value::float(i as f64)
        } else {
            Value::int(i)
        })
    }

    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(if self.numbers_as_floats {
            Value::float(u as f64)
        } else if let Ok(i) = i64::try_from(u) {
            Value::int(i)
        } else {
            Value::uint(u)
        })
    }

    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::float(f))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::from(s))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::from(s))
    }

    fn visit_bytes<E>(self, b: &[u8]) -> Result<Value, E> {
        Ok(Value::from(String::from_utf8_lossy(b).into_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Object::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value_seed(self)?;
            object.insert(key, value);
        }
        Ok(Value::object(object))
    }
}

/// Object keys: strings, with YAML's scalar keys (`1: a`, `true: b`)
/// turned into their text rather than rejected.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar key")
    }

    fn visit_str<E>(self, s: &str) -> Result<String, E> {
        Ok(s.to_owned())
    }

    fn visit_string<E>(self, s: String) -> Result<String, E> {
        Ok(s)
    }

    fn visit_bool<E>(self, b: bool) -> Result<String, E> {
        Ok(b.to_string())
    }

    fn visit_i64<E>(self, i: i64) -> Result<String, E> {
        Ok(i.to_string())
    }

    fn visit_u64<E>(self, u: u64) -> Result<String, E> {
        Ok(u.to_string())
    }

    fn visit_f64<E>(self, f: f64) -> Result<String, E> {
        Ok(Number::Float(f).to_string())
    }

    fn visit_unit<E>(self) -> Result<String, E> {
        Ok("null".to_owned())
    }
}

/// Go's `json.Unmarshal` into `any`.
pub(crate) fn from_json(text: &str) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = ValueSeed {
        numbers_as_floats: true,
    }
    .deserialize(&mut de)
    .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(value)
}

/// `yaml.v3`'s `Unmarshal` into `any`: the first document; nothing (an
/// empty input) is null.
pub(crate) fn from_yaml(text: &str) -> Result<Value, String> {
    match serde_norway::Deserializer::from_str(text).next() {
        None => Ok(Value::Null),
        Some(document) => ValueSeed {
            numbers_as_floats: false,
        }
        .deserialize(document)
        .map_err(|e| e.to_string()),
    }
}

/// Why a value cannot be encoded as JSON; `Display` is Go's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JsonError {
    UnsupportedValue(String),
    UnsupportedType(String),
    TooDeep,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::UnsupportedValue(v) => write!(f, "json: unsupported value: {v}"),
            JsonError::UnsupportedType(t) => write!(f, "json: unsupported type: {t}"),
            JsonError::TooDeep => f.write_str("json: value nested too deeply"),
        }
    }
}

const MAX_JSON_DEPTH: usize = 1000;

/// Go's `json.Marshal`. Secrets are written as their text; the caller
/// must keep the result secret.
pub(crate) fn to_json(value: &Value) -> Result<String, JsonError> {
    let mut out = String::new();
    write_json(value, &mut out, 0)?;
    Ok(out)
}

fn write_json(value: &Value, out: &mut String, depth: usize) -> Result<(), JsonError> {
    if depth > MAX_JSON_DEPTH {
        return Err(JsonError::TooDeep);
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(Number::Int(i)) => out.push_str(&i.to_string()),
        Value::Number(Number::Uint(u)) => out.push_str(&u.to_string()),
        Value::Number(Number::Float(f)) => out.push_str(&json_float(*f)?),
        Value::String(s) => write_json_string(s, out),
        Value::Capsule(Capsule::Secret(s)) => write_json_string(s.reveal(), out),
        Value::Capsule(Capsule::OptionalSecret(s)) => write_json_string(s.reveal(), out),
        Value::Capsule(c @ Capsule::Host(_)) => {
            return Err(JsonError::UnsupportedType(c.describe()))
        }
        Value::Function(_) => return Err(JsonError::UnsupportedType("function".to_owned())),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out, depth + 1)?;
            }
            out.push(']');
        }
        Value::Object(object) => {
            out.push('{');
            for (i, (key, item)) in object.sorted().into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                write_json(item, out, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Go's float encoding: `'f'` format, or `'e'` for very small or large
/// magnitudes with the exponent's leading zero dropped (`1e-07` → `1e-7`).
fn json_float(f: f64) -> Result<String, JsonError> {
    if !f.is_finite() {
        return Err(JsonError::UnsupportedValue(format_float(f, 'g', None)));
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let mut text = format_float(f, 'e', None);
        let n = text.len();
        if n >= 4 && text.as_bytes()[n - 4] == b'e' && &text[n - 3..n - 1] == "-0" {
            text.remove(n - 2);
        }
        Ok(text)
    } else {
        Ok(format_float(f, 'f', None))
    }
}

/// Go's JSON string escaping with HTML characters escaped.
fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_are_floats_yaml_ints_stay() {
        assert_eq!(
            from_json("[0, 1.5]"),
            Ok(Value::array(vec![Value::float(0.0), Value::float(1.5)]))
        );
        assert_eq!(
            from_yaml("[0, 1.5, 18446744073709551615]"),
            Ok(Value::array(vec![
                Value::int(0),
                Value::float(1.5),
                Value::uint(u64::MAX)
            ]))
        );
        assert!(from_json("{").is_err());
        assert!(from_json("1 2").is_err());
        assert_eq!(from_yaml(""), Ok(Value::Null));
    }

    #[test]
    fn keys_keep_document_order() {
        let value = from_json(r#"{"b": 1, "a": 2}"#).unwrap_or_default();
        let keys: Vec<_> = value
            .as_object()
            .map(|o| o.keys().map(str::to_owned).collect())
            .unwrap_or_default();
        assert_eq!(keys, ["b", "a"]);
    }

    #[test]
    fn json_encoding_matches_go() {
        let value =
            from_json(r#"{"b": [1, 0.0000001, 1e21, "<&>"], "a": null}"#).unwrap_or_default();
        assert_eq!(
            to_json(&value),
            Ok(r#"{"a":null,"b":[1,1e-7,1e+21,"\u003c\u0026\u003e"]}"#.to_owned())
        );
        assert_eq!(
            to_json(&Value::float(f64::NAN)).map_err(|e| e.to_string()),
            Err("json: unsupported value: NaN".to_owned())
        );
    }
}
