//! `json_path(json, path)`: the values a JSONPath selects, as a list.
//!
//! Upstream uses the ojg library, which accepts paths without the leading
//! `$` (`.a`, `[?(@.name == "x")].value`); we use an RFC 9535 engine and
//! add the `$` such paths omit. The paths people write (child and
//! recursive member access, indexes, slices, wildcards, unions and
//! filters with comparisons and `&&`/`||`) mean the same in both. Not
//! supported: ojg's own extensions such as the `=~` regex operator (RFC
//! 9535's `match()`/`search()` functions work instead). Integers in the
//! document stay integers, as ojg keeps them.

use serde_json_path::JsonPath;

use super::args;
use crate::value::{CallError, Object, Value};

/// ojg's optional `$`.
fn normalize(path: &str) -> String {
    let trimmed = path.trim();
    if trimmed.starts_with('$') {
        trimmed.to_owned()
    } else if trimmed.is_empty() {
        "$".to_owned()
    } else if trimmed.starts_with(['.', '[']) {
        format!("${trimmed}")
    } else {
        format!("$.{trimmed}")
    }
}

fn to_value(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::int(i)
            } else if let Some(u) = n.as_u64() {
                Value::uint(u)
            } else {
                Value::float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => Value::array(items.iter().map(to_value).collect()),
        serde_json::Value::Object(map) => Value::object(
            map.iter()
                .map(|(k, v)| (k.as_str(), to_value(v)))
                .collect::<Object>(),
        ),
    }
}

pub(crate) fn json_path(a: &[Value]) -> Result<Value, CallError> {
    let document = args::string(a, 0)?;
    let path = args::string(a, 1)?;
    let path = JsonPath::parse(&normalize(&path)).map_err(CallError::failed)?;
    let json: serde_json::Value = serde_json::from_str(&document).map_err(CallError::failed)?;
    let found = path.query(&json).all();
    Ok(Value::array(found.into_iter().map(to_value).collect()))
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn dollar_is_optional() {
        assert_eq!(normalize(".a"), "$.a");
        assert_eq!(normalize("[0]"), "$[0]");
        assert_eq!(normalize("a.b"), "$.a.b");
        assert_eq!(normalize("$..x"), "$..x");
        assert_eq!(normalize(""), "$");
    }
}
