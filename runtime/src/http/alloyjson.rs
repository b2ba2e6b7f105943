//! Upstream's `alloyjson` encoding, which the web API uses for a
//! component's `arguments`, `exports` and `debugInfo`: a body is a list of
//! statements (`{"name","type":"attr","value"}` or
//! `{"name","type":"block","label","body"}`), a value is
//! `{"type":"string","value":"..."}` and so on. Object keys are sorted, as
//! Go sorts map keys; secrets print as `(secret)`.
//!
//! Written by hand, like the rest of the API's JSON, because field order is
//! part of the format and `serde_json` maps sort their keys.

use std::fmt::Write;

use crate::controller::ArgumentsView;
use crate::eval::{BodyItem, BodyValue};
use crate::value::strconv::format_float;
use crate::value::{Capsule, Number, Value};

/// A JSON string literal.
pub(crate) fn string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// A number as Go's `encoding/json` writes a `float64`.
pub(crate) fn number(f: f64) -> String {
    if !f.is_finite() {
        // Go refuses these; null keeps the document valid.
        return "null".to_owned();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format_float(f, 'e', None);
        // Go trims "e-07" to "e-7".
        match text.split_once('e') {
            Some((mantissa, exp)) => {
                let (sign, digits) = exp.split_at(1);
                format!("{mantissa}e{sign}{}", digits.trim_start_matches('0'))
            }
            None => text,
        }
    } else {
        format_float(f, 'f', None)
    }
}

/// One value.
pub(crate) fn value(v: &Value) -> String {
    let typed = |ty: &str, value: String| format!("{{\"type\":{},\"value\":{value}}}", string(ty));
    match v {
        Value::Null => typed("null", "null".to_owned()),
        Value::Number(n) => typed(
            "number",
            number(match n {
                Number::Int(i) => *i as f64,
                Number::Uint(u) => *u as f64,
                Number::Float(f) => *f,
            }),
        ),
        Value::String(s) => typed("string", string(s)),
        Value::Bool(b) => typed("bool", b.to_string()),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(value).collect();
            typed("array", format!("[{}]", items.join(",")))
        }
        Value::Object(object) => {
            let fields: Vec<String> = object
                .sorted()
                .into_iter()
                .map(|(k, v)| format!("{{\"key\":{},\"value\":{}}}", string(k), value(v)))
                .collect();
            typed("object", format!("[{}]", fields.join(",")))
        }
        Value::Function(_) => typed("function", string(&v.describe())),
        Value::Capsule(capsule) => {
            let text = match capsule {
                Capsule::Secret(_) => "(secret)".to_owned(),
                Capsule::OptionalSecret(s) => match s.as_plain() {
                    Some(plain) => alloy_syntax::unicode::go_quote(plain.as_bytes()),
                    None => "(secret)".to_owned(),
                },
                _ => v.describe(),
            };
            typed("capsule", string(&text))
        }
    }
}

fn attr(name: &str, v: &Value) -> String {
    format!(
        "{{\"name\":{},\"type\":\"attr\",\"value\":{}}}",
        string(name),
        value(v)
    )
}

/// A decoded body, statements in source order.
pub(crate) fn body(body: &BodyValue) -> String {
    let mut out = String::from("[");
    for (i, item) in body.items().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            BodyItem::Attribute(a) => out.push_str(&attr(&a.name, &a.value)),
            BodyItem::Block(b) => {
                let _ = write!(out, "{{\"name\":{},\"type\":\"block\"", string(&b.name));
                if let Some(label) = &b.label {
                    let _ = write!(out, ",\"label\":{}", string(label));
                }
                let _ = write!(out, ",\"body\":{}}}", self::body(&b.body));
            }
        }
    }
    out.push(']');
    out
}

/// An object as a body of attributes (exports, custom component
/// arguments); `None` for values that are not objects.
pub(crate) fn object_body(v: &Value, sort: bool) -> Option<String> {
    let object = v.as_object()?;
    let mut fields: Vec<(&str, &Value)> = object.iter().collect();
    if sort {
        fields.sort_by(|a, b| a.0.cmp(b.0));
    }
    let attrs: Vec<String> = fields.into_iter().map(|(k, v)| attr(k, v)).collect();
    Some(format!("[{}]", attrs.join(",")))
}

/// A component's arguments.
pub(crate) fn arguments(view: &ArgumentsView) -> Option<String> {
    match view {
        ArgumentsView::None => None,
        ArgumentsView::Body(b) => Some(body(b)),
        ArgumentsView::Object(o) => object_body(&Value::object(o.clone()), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Object, OptionalSecret};

    #[test]
    fn values_encode_like_upstream() {
        assert_eq!(value(&Value::int(1)), r#"{"type":"number","value":1}"#);
        assert_eq!(
            value(&Value::float(0.5)),
            r#"{"type":"number","value":0.5}"#
        );
        assert_eq!(value(&Value::Null), r#"{"type":"null","value":null}"#);
        assert_eq!(
            value(&Value::secret("hunter2")),
            r#"{"type":"capsule","value":"(secret)"}"#
        );
        assert_eq!(
            value(&OptionalSecret::new("a", false).into()),
            r#"{"type":"capsule","value":"\"a\""}"#
        );
        let mut o = Object::new();
        o.insert("b", Value::Bool(true));
        o.insert("a", Value::array(vec![Value::from("x")]));
        assert_eq!(
            value(&Value::object(o)),
            r#"{"type":"object","value":[{"key":"a","value":{"type":"array","value":[{"type":"string","value":"x"}]}},{"key":"b","value":{"type":"bool","value":true}}]}"#
        );
        assert_eq!(number(1e21), "1e+21");
        assert_eq!(number(1e-7), "1e-7");
    }
}
