//! The `string` namespace (and its deprecated top-level aliases): Go's
//! `strings` functions and `fmt.Sprintf`.

use super::args;
use super::format::sprintf;
use crate::value::{CallError, Value};

/// `string.format(format, args...)`. When an argument holds a secret the
/// result is a secret too: upstream would return the secret's text in a
/// plain string, which is exactly the leak secrets exist to prevent.
pub(crate) fn format(a: &[Value]) -> Result<Value, CallError> {
    let format = args::string(a, 0)?;
    let rest = a.get(1..).unwrap_or_default();
    let text = sprintf(&format, rest);
    if rest.iter().any(Value::contains_secret) {
        Ok(Value::secret(text))
    } else {
        Ok(Value::from(text))
    }
}

/// `string.join(list, separator)`; numbers in the list become strings.
pub(crate) fn join(a: &[Value]) -> Result<Value, CallError> {
    let items = args::string_list(a, 0)?;
    let separator = args::string(a, 1)?;
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(&separator);
        }
        out.push_str(item);
    }
    Ok(Value::from(out))
}

/// `string.replace(string, old, new)`: every occurrence; an empty `old`
/// matches before every character and at the end, as Go's `ReplaceAll`.
pub(crate) fn replace(a: &[Value]) -> Result<Value, CallError> {
    let s = args::string(a, 0)?;
    let old = args::string(a, 1)?;
    let new = args::string(a, 2)?;
    Ok(Value::from(s.replace(&*old, &new)))
}

/// `string.split(string, separator)`: Go's `strings.Split`, which splits
/// into characters for an empty separator.
pub(crate) fn split(a: &[Value]) -> Result<Value, CallError> {
    let s = args::string(a, 0)?;
    let separator = args::string(a, 1)?;
    let parts: Vec<Value> = if separator.is_empty() {
        s.chars().map(|c| Value::from(c.to_string())).collect()
    } else {
        s.split(&*separator).map(Value::from).collect()
    };
    Ok(Value::array(parts))
}

/// Go maps case one character at a time with the simple (one-to-one)
/// Unicode mappings; Rust's full mappings can produce several characters,
/// in which case Go's result is the first of them for lower case and the
/// unchanged character for upper case.
pub(crate) fn to_lower(a: &[Value]) -> Result<Value, CallError> {
    let s = args::string(a, 0)?;
    let out: String = s
        .chars()
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .collect();
    Ok(Value::from(out))
}

pub(crate) fn to_upper(a: &[Value]) -> Result<Value, CallError> {
    let s = args::string(a, 0)?;
    let out: String = s
        .chars()
        .map(|c| {
            let mut upper = c.to_uppercase();
            match (upper.next(), upper.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        })
        .collect();
    Ok(Value::from(out))
}

/// `string.trim(string, cutset)`: removes leading and trailing characters
/// contained in `cutset`.
pub(crate) fn trim(a: &[Value]) -> Result<Value, CallError> {
    let s = args::string(a, 0)?;
    let cutset = args::string(a, 1)?;
    Ok(Value::from(s.trim_matches(|c| cutset.contains(c))))
}

pub(crate) fn trim_prefix(a: &[Value]) -> Result<Value, CallError> {
    let s = args::string(a, 0)?;
    let prefix = args::string(a, 1)?;
    Ok(Value::from(s.strip_prefix(&*prefix).unwrap_or(&s)))
}

pub(crate) fn trim_suffix(a: &[Value]) -> Result<Value, CallError> {
    let s = args::string(a, 0)?;
    let suffix = args::string(a, 1)?;
    Ok(Value::from(s.strip_suffix(&*suffix).unwrap_or(&s)))
}

/// Unicode white space, as Go's `unicode.IsSpace` (the White_Space
/// property, which is also Rust's definition).
pub(crate) fn trim_space(a: &[Value]) -> Result<Value, CallError> {
    let s = args::string(a, 0)?;
    Ok(Value::from(s.trim()))
}
