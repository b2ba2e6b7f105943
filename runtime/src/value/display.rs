//! Values as Alloy syntax, for the UI, logs and the value part of
//! diagnostics. Secrets print as `(secret)`, like upstream's token builder.
//!
//! Upstream's builder lays objects out one field per line; here everything
//! is on one line, which suits log lines and messages better.

use std::fmt;

use alloy_syntax::unicode::{go_quote, is_valid_identifier};

use super::Value;

/// Deep values are cut off rather than recursing without bound.
const MAX_DEPTH: usize = 64;

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_value(self, f, 0)
    }
}

fn write_value(value: &Value, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
    if depth > MAX_DEPTH {
        return f.write_str("...");
    }
    match value {
        Value::Null => f.write_str("null"),
        Value::Number(n) => write!(f, "{n}"),
        Value::String(s) => f.write_str(&go_quote(s.as_bytes())),
        Value::Bool(b) => write!(f, "{b}"),
        Value::Array(items) => {
            f.write_str("[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_value(item, f, depth + 1)?;
            }
            f.write_str("]")
        }
        Value::Object(object) => {
            if object.is_empty() {
                return f.write_str("{}");
            }
            f.write_str("{ ")?;
            for (i, (key, item)) in object.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                if is_valid_identifier(key) {
                    f.write_str(key)?;
                } else {
                    f.write_str(&go_quote(key.as_bytes()))?;
                }
                f.write_str(" = ")?;
                write_value(item, f, depth + 1)?;
            }
            f.write_str(" }")
        }
        Value::Function(_) => f.write_str("function"),
        Value::Capsule(c) => write!(f, "{c}"),
    }
}

#[cfg(test)]
mod tests {
    use crate::value::{Object, Value};

    #[test]
    fn renders_alloy_syntax() {
        let mut object = Object::new();
        object.insert("a", Value::array(vec![Value::int(1), Value::from("x")]));
        object.insert("needs quotes", Value::secret("pw"));
        object.insert("f", Value::float(2.5));
        assert_eq!(
            Value::object(object).to_string(),
            r#"{ a = [1, "x"], "needs quotes" = (secret), f = 2.5 }"#
        );
        assert_eq!(Value::Null.to_string(), "null");
        assert_eq!(Value::object(Object::new()).to_string(), "{}");
    }
}
