//! The `array` namespace: `concat`, and the experimental `combine_maps`
//! and `group_by`. These are upstream's "raw" functions: they check their
//! own arguments, with their own messages.

use std::borrow::Cow;

use indexmap::IndexMap;

use super::args::arg;
use crate::value::{CallError, Object, Type, Value, ValueError};

fn type_error(index: usize, value: &Value, expected: Type) -> CallError {
    CallError::arg(index, ValueError::type_mismatch(value, expected))
}

/// `array.concat(lists...)`: one list of all elements; `[]` with no
/// arguments.
pub(crate) fn concat(a: &[Value]) -> Result<Value, CallError> {
    let mut total = 0;
    for (i, value) in a.iter().enumerate() {
        match value {
            Value::Array(items) => total += items.len(),
            other => return Err(type_error(i, other, Type::Array)),
        }
    }
    if let [single] = a {
        return Ok(single.clone());
    }
    let mut out = Vec::with_capacity(total);
    for value in a {
        if let Value::Array(items) = value {
            out.extend(items.iter().cloned());
        }
    }
    Ok(Value::array(out))
}

/// Go's `reflect.Value.Equal`, which `combine_maps` joins on: same type,
/// same number kind, same value. (Upstream panics on arrays and objects;
/// here they compare structurally.)
fn strictly_equal(a: &Value, b: &Value) -> bool {
    a == b
}

/// Elements of argument `i`, each an object (or a capsule converting to
/// one).
fn objects_of(a: &[Value], i: usize) -> Result<Vec<Cow<'_, Object>>, CallError> {
    let value = arg(a, i);
    let Value::Array(items) = value else {
        return Err(type_error(i, value, Type::Array));
    };
    items
        .iter()
        .enumerate()
        .map(|(j, item)| {
            item.object_view().ok_or_else(|| {
                CallError::arg(i, ValueError::type_mismatch(item, Type::Object).in_index(j))
            })
        })
        .collect()
}

/// `array.combine_maps(left, right, keys, [passthrough])`: a join of two
/// lists of objects on equal values of all `keys`, every left element
/// against every right one; matches merge left then right (right wins).
/// With `passthrough`, a left element is kept unchanged once for every
/// right element it does not match, as upstream does.
pub(crate) fn combine_maps(a: &[Value]) -> Result<Value, CallError> {
    if a.len() != 3 && a.len() != 4 {
        return Err(CallError::Bare(format!(
            "combine_maps: expected 3 or 4 arguments, got {}",
            a.len()
        )));
    }
    let left = objects_of(a, 0)?;
    let right = objects_of(a, 1)?;
    let keys_value = arg(a, 2);
    let Value::Array(key_items) = keys_value else {
        return Err(type_error(2, keys_value, Type::Array));
    };
    if key_items.is_empty() {
        return Err(CallError::ArgMessage {
            index: 2,
            message: "combine_maps: merge conditions must not be empty".to_owned(),
        });
    }
    let keys = key_items
        .iter()
        .enumerate()
        .map(|(k, item)| match item {
            Value::String(s) => Ok(s.clone()),
            other => Err(CallError::arg(
                2,
                ValueError::type_mismatch(other, Type::String).in_index(k),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let passthrough = match a.get(3) {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(type_error(3, other, Type::Bool)),
    };
    let left_values = a.first().and_then(Value::as_array).unwrap_or_default();

    let mut out = Vec::new();
    for (i, l) in left.iter().enumerate() {
        for r in &right {
            let joins = keys.iter().all(|key| match (l.get(key), r.get(key)) {
                (Some(x), Some(y)) => strictly_equal(x, y),
                _ => false,
            });
            if joins {
                let mut merged = l.clone().into_owned();
                for (k, v) in r.iter() {
                    merged.insert(k, v.clone());
                }
                out.push(Value::object(merged));
            } else if passthrough {
                out.push(left_values.get(i).cloned().unwrap_or_default());
            }
        }
    }
    Ok(Value::array(out))
}

/// `array.group_by(list, key, drop_missing)`: groups objects by the
/// string value of `key` into `[{<key> = value, items = [...]}]`; objects
/// without the key go to the group `""` unless dropped. Upstream's group
/// order is random (a Go map); here groups come in order of first
/// appearance.
pub(crate) fn group_by(a: &[Value]) -> Result<Value, CallError> {
    if a.len() != 3 {
        return Err(CallError::Bare(format!(
            "group_by: expected 3 arguments, got {}",
            a.len()
        )));
    }
    let list = arg(a, 0);
    let Value::Array(items) = list else {
        return Err(type_error(0, list, Type::Array));
    };
    let key = match arg(a, 1) {
        Value::String(s) => s.clone(),
        other => return Err(type_error(1, other, Type::String)),
    };
    let drop_missing = match arg(a, 2) {
        Value::Bool(b) => *b,
        other => return Err(type_error(2, other, Type::Bool)),
    };

    let mut groups: IndexMap<String, Vec<Value>> = IndexMap::new();
    for (i, item) in items.iter().enumerate() {
        let object = item.object_view().ok_or_else(|| {
            CallError::arg(0, ValueError::type_mismatch(item, Type::Object).in_index(i))
        })?;
        let as_value = match item {
            Value::Object(_) => item.clone(),
            _ => Value::object(object.clone().into_owned()),
        };
        match object.get(&key) {
            None if drop_missing => {}
            None => groups.entry(String::new()).or_default().push(as_value),
            Some(Value::String(s)) => groups.entry(s.to_string()).or_default().push(as_value),
            Some(other) => {
                return Err(CallError::arg(
                    0,
                    ValueError::type_mismatch(other, Type::String)
                        .in_field(&*key)
                        .in_index(i),
                ))
            }
        }
    }
    let result = groups
        .into_iter()
        .map(|(value, members)| {
            let mut group = Object::with_capacity(2);
            group.insert(&*key, Value::from(value));
            group.insert("items", Value::array(members));
            Value::object(group)
        })
        .collect();
    Ok(Value::array(result))
}
