//! The decoding rules upstream applies when a value is assigned to a typed
//! argument (`value.Decode`), and [`FromValue`], through which Rust code
//! receives values under the same rules.
//!
//! The rules, in short:
//! * `null` decodes to the zero value of any type (`""`, `0`, `false`,
//!   empty collections); `Option<T>` receives `None` instead.
//! * numbers become strings in decimal (floats without an exponent);
//!   strings become numbers by a fixed rule (leading `-`: signed integer;
//!   contains `.`, `e` or `E`: float; else unsigned integer), and anything
//!   else fails with `should be number, got string`.
//! * strings and optional secrets become secrets; secrets never become
//!   strings (`secrets may not be converted into strings`); an optional
//!   secret becomes a string only when it is not secret.
//! * durations are strings parsed with Go's `time.ParseDuration`.
//! * every other mismatch is `should be <expected>, got <actual>`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use alloy_analysis::catalogue::{Capsule as CapsuleType, Type as SchemaType};
use indexmap::IndexMap;

use super::duration::parse_duration;
use super::strconv::{parse_float, parse_int, parse_uint};
use super::{
    Capsule, Function, GoDuration, HostCapsule, Number, Object, OptionalSecret, Secret, Type,
    Value, ValueError, ValueErrorKind,
};

/// Converts a string to a number by upstream's rule (see the module docs).
/// `None` when the string is not a number by that rule; note that `"-1.5"`
/// is not, because a leading `-` asks for a signed integer.
pub fn parse_number_string(s: &str) -> Option<Number> {
    if s.is_empty() {
        None
    } else if s.starts_with('-') {
        parse_int(s, 10).ok().map(Number::Int)
    } else if s.contains(['.', 'e', 'E']) {
        parse_float(s).ok().map(Number::Float)
    } else {
        parse_uint(s, 10).ok().map(Number::Uint)
    }
}

/// The value as a string.
pub fn to_string(value: &Value) -> Result<Arc<str>, ValueError> {
    match value {
        Value::Null => Ok(Arc::from("")),
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(Arc::from(n.to_string())),
        Value::Capsule(Capsule::Secret(_)) => {
            Err(ValueError::new(ValueErrorKind::SecretToString, value))
        }
        Value::Capsule(Capsule::OptionalSecret(s)) => match s.as_plain() {
            Some(text) => Ok(Arc::from(text)),
            None => Err(ValueError::new(ValueErrorKind::SecretToString, value)),
        },
        _ => Err(ValueError::type_mismatch(value, Type::String)),
    }
}

/// The value as a number.
pub fn to_number(value: &Value) -> Result<Number, ValueError> {
    match value {
        Value::Null => Ok(Number::Int(0)),
        Value::Number(n) => Ok(*n),
        Value::String(s) => {
            parse_number_string(s).ok_or_else(|| ValueError::type_mismatch(value, Type::Number))
        }
        // A capsule that converts to a string converts on from there; a
        // failure is reported against the capsule.
        Value::Capsule(Capsule::OptionalSecret(s)) => s
            .as_plain()
            .and_then(parse_number_string)
            .ok_or_else(|| ValueError::type_mismatch(value, Type::Number)),
        _ => Err(ValueError::type_mismatch(value, Type::Number)),
    }
}

pub fn to_bool(value: &Value) -> Result<bool, ValueError> {
    match value {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        _ => Err(ValueError::type_mismatch(value, Type::Bool)),
    }
}

pub fn to_secret(value: &Value) -> Result<Secret, ValueError> {
    match value {
        Value::Null => Ok(Secret::default()),
        Value::String(s) => Ok(Secret::new(s.clone())),
        Value::Capsule(Capsule::Secret(s)) => Ok(s.clone()),
        Value::Capsule(Capsule::OptionalSecret(s)) => Ok(Secret::from(s.clone())),
        _ => Err(ValueError::type_mismatch(value, Type::Capsule)),
    }
}

pub fn to_optional_secret(value: &Value) -> Result<OptionalSecret, ValueError> {
    match value {
        Value::Null => Ok(OptionalSecret::default()),
        Value::String(s) => Ok(OptionalSecret::plain(s.clone())),
        Value::Capsule(Capsule::Secret(s)) => Ok(OptionalSecret::from(s.clone())),
        Value::Capsule(Capsule::OptionalSecret(s)) => Ok(s.clone()),
        _ => Err(ValueError::type_mismatch(value, Type::Capsule)),
    }
}

/// A duration: the value as a string, parsed as Go does (so `5` fails with
/// `time: missing unit in duration "5"`).
pub fn to_duration(value: &Value) -> Result<GoDuration, ValueError> {
    if value.is_null() {
        return Ok(GoDuration(0));
    }
    let text = to_string(value)?;
    parse_duration(&text).map_err(|e| ValueError::other(e.to_string(), value))
}

/// The elements of an array (`null` is empty).
pub fn to_array(value: &Value) -> Result<Arc<Vec<Value>>, ValueError> {
    match value {
        Value::Null => Ok(Arc::new(Vec::new())),
        Value::Array(items) => Ok(items.clone()),
        _ => Err(ValueError::type_mismatch(value, Type::Array)),
    }
}

/// The fields of an object, or of a capsule that converts to one (`null`
/// is empty).
pub fn to_object(value: &Value) -> Result<Arc<Object>, ValueError> {
    match value {
        Value::Null => Ok(Arc::new(Object::new())),
        Value::Object(object) => Ok(object.clone()),
        Value::Capsule(capsule) => capsule
            .to_object()
            .map(Arc::new)
            .ok_or_else(|| ValueError::type_mismatch(value, Type::Object)),
        _ => Err(ValueError::type_mismatch(value, Type::Object)),
    }
}

/// Capsule names the catalogue knows; a host capsule with one of these
/// names only goes where that capsule type is expected.
const KNOWN_CAPSULES: [&str; 6] = [
    "otelcol.Consumer",
    "otelcol.Handler",
    "LogsReceiver",
    "MetricsReceiver",
    "ProfilesReceiver",
    "RelabelRules",
];

fn capsule_fits(host: &HostCapsule, expected: &CapsuleType) -> bool {
    let name = host.type_name();
    name == expected.name()
        || matches!(expected, CapsuleType::Other(_))
        || !KNOWN_CAPSULES.contains(&name)
}

/// Converts a value to a catalogue type, the way upstream decodes an
/// argument of that type. The result is normalised: strings for `string`
/// and `duration` (validated), numbers for `number`, secret capsules for
/// `secret` and `optional_secret`, and collections converted element by
/// element. `null` stays `null`, meaning "the zero value".
pub fn coerce(value: &Value, ty: &SchemaType) -> Result<Value, ValueError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    Ok(match ty {
        SchemaType::Any => value.clone(),
        SchemaType::String => Value::String(to_string(value)?),
        SchemaType::Number => Value::Number(to_number(value)?),
        SchemaType::Bool => Value::Bool(to_bool(value)?),
        SchemaType::Duration => {
            let text = to_string(value)?;
            parse_duration(&text).map_err(|e| ValueError::other(e.to_string(), value))?;
            Value::String(text)
        }
        SchemaType::Secret => Value::from(to_secret(value)?),
        SchemaType::OptionalSecret => Value::from(to_optional_secret(value)?),
        SchemaType::Object => Value::Object(to_object(value)?),
        SchemaType::List(inner) => {
            let items = to_array(value)?;
            if matches!(**inner, SchemaType::Any) {
                Value::Array(items)
            } else {
                let converted = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| coerce(item, inner).map_err(|e| e.in_index(i)))
                    .collect::<Result<Vec<_>, _>>()?;
                Value::array(converted)
            }
        }
        SchemaType::Map(inner) => {
            let object = to_object(value)?;
            if matches!(**inner, SchemaType::Any) {
                Value::Object(object)
            } else {
                let converted = object
                    .iter()
                    .map(|(k, v)| {
                        coerce(v, inner)
                            .map(|v| (k.to_owned(), v))
                            .map_err(|e| e.in_field(k))
                    })
                    .collect::<Result<Object, _>>()?;
                Value::object(converted)
            }
        }
        SchemaType::Capsule(expected) => match value {
            Value::Capsule(Capsule::Host(host)) if capsule_fits(host, expected) => value.clone(),
            Value::Capsule(_) => {
                return Err(ValueError::other(
                    format!(
                        "expected capsule({}), got {}",
                        alloy_syntax::unicode::go_quote(expected.name().as_bytes()),
                        value.describe()
                    ),
                    value,
                ))
            }
            _ => return Err(ValueError::type_mismatch(value, Type::Capsule)),
        },
    })
}

/// Field `name` of an object converted to `T` (`null` when absent), with
/// the field recorded in the error path; for `FromValue` implementations
/// of struct-like types.
pub fn decode_field<T: FromValue>(object: &Object, name: &str) -> Result<T, ValueError> {
    let value = object.get(name).unwrap_or(&Value::Null);
    T::from_value(value).map_err(|e| e.in_field(name))
}

/// Conversion from a [`Value`] into a Rust type under upstream's decoding
/// rules. Errors carry the path to the offending part of the value, which
/// the evaluator turns into a message naming the expression.
pub trait FromValue: Sized {
    fn from_value(value: &Value) -> Result<Self, ValueError>;
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Result<Value, ValueError> {
        Ok(value.clone())
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Result<bool, ValueError> {
        to_bool(value)
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Result<String, ValueError> {
        to_string(value).map(|s| s.to_string())
    }
}

impl FromValue for Arc<str> {
    fn from_value(value: &Value) -> Result<Arc<str>, ValueError> {
        to_string(value)
    }
}

impl FromValue for Number {
    fn from_value(value: &Value) -> Result<Number, ValueError> {
        to_number(value)
    }
}

// Narrowing follows Go's conversions, which wrap.
macro_rules! from_value_signed {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: &Value) -> Result<$t, ValueError> {
                to_number(value).map(|n| n.as_i64() as $t)
            }
        }
    )*};
}
macro_rules! from_value_unsigned {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: &Value) -> Result<$t, ValueError> {
                to_number(value).map(|n| n.as_u64() as $t)
            }
        }
    )*};
}
from_value_signed!(i8, i16, i32, i64, isize);
from_value_unsigned!(u8, u16, u32, u64, usize);

impl FromValue for f64 {
    fn from_value(value: &Value) -> Result<f64, ValueError> {
        to_number(value).map(Number::as_f64)
    }
}

impl FromValue for f32 {
    fn from_value(value: &Value) -> Result<f32, ValueError> {
        to_number(value).map(|n| n.as_f64() as f32)
    }
}

impl FromValue for Secret {
    fn from_value(value: &Value) -> Result<Secret, ValueError> {
        to_secret(value)
    }
}

impl FromValue for OptionalSecret {
    fn from_value(value: &Value) -> Result<OptionalSecret, ValueError> {
        to_optional_secret(value)
    }
}

impl FromValue for GoDuration {
    fn from_value(value: &Value) -> Result<GoDuration, ValueError> {
        to_duration(value)
    }
}

/// Go durations may be negative; a `std::time::Duration` cannot, so a
/// negative duration is an error here (decode into [`GoDuration`] to
/// accept it).
impl FromValue for std::time::Duration {
    fn from_value(value: &Value) -> Result<std::time::Duration, ValueError> {
        let d = to_duration(value)?;
        d.to_std()
            .ok_or_else(|| ValueError::other(format!("duration {d} must not be negative"), value))
    }
}

impl FromValue for Function {
    fn from_value(value: &Value) -> Result<Function, ValueError> {
        match value {
            Value::Function(f) => Ok(f.clone()),
            _ => Err(ValueError::type_mismatch(value, Type::Function)),
        }
    }
}

impl FromValue for Capsule {
    fn from_value(value: &Value) -> Result<Capsule, ValueError> {
        match value {
            Value::Capsule(c) => Ok(c.clone()),
            _ => Err(ValueError::type_mismatch(value, Type::Capsule)),
        }
    }
}

impl FromValue for HostCapsule {
    fn from_value(value: &Value) -> Result<HostCapsule, ValueError> {
        match value {
            Value::Capsule(Capsule::Host(h)) => Ok(h.clone()),
            Value::Capsule(_) => Err(ValueError::other(
                format!("expected a host capsule, got {}", value.describe()),
                value,
            )),
            _ => Err(ValueError::type_mismatch(value, Type::Capsule)),
        }
    }
}

impl FromValue for Object {
    fn from_value(value: &Value) -> Result<Object, ValueError> {
        to_object(value).map(Arc::unwrap_or_clone)
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Result<Option<T>, ValueError> {
        if value.is_null() {
            Ok(None)
        } else {
            T::from_value(value).map(Some)
        }
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: &Value) -> Result<Vec<T>, ValueError> {
        to_array(value)?
            .iter()
            .enumerate()
            .map(|(i, item)| T::from_value(item).map_err(|e| e.in_index(i)))
            .collect()
    }
}

/// Go arrays: the length must match (`array must have exactly 3
/// elements, got 2`); `null` gives zero values.
impl<T: FromValue, const N: usize> FromValue for [T; N] {
    fn from_value(value: &Value) -> Result<[T; N], ValueError> {
        let items: Vec<T> = if value.is_null() {
            (0..N)
                .map(|_| T::from_value(&Value::Null))
                .collect::<Result<_, _>>()?
        } else {
            let items = to_array(value)?;
            if items.len() != N {
                return Err(ValueError::other(
                    format!("array must have exactly {N} elements, got {}", items.len()),
                    value,
                ));
            }
            Vec::<T>::from_value(value)?
        };
        items.try_into().map_err(|_: Vec<T>| {
            ValueError::other(format!("array must have exactly {N} elements"), value)
        })
    }
}

fn decode_entries<T: FromValue>(
    value: &Value,
) -> Result<impl Iterator<Item = Result<(String, T), ValueError>>, ValueError> {
    let object = to_object(value)?;
    let entries: Vec<_> = object
        .iter()
        .map(|(k, v)| {
            T::from_value(v)
                .map(|v| (k.to_owned(), v))
                .map_err(|e| e.in_field(k))
        })
        .collect();
    Ok(entries.into_iter())
}

impl<T: FromValue> FromValue for BTreeMap<String, T> {
    fn from_value(value: &Value) -> Result<BTreeMap<String, T>, ValueError> {
        decode_entries(value)?.collect()
    }
}

impl<T: FromValue> FromValue for HashMap<String, T> {
    fn from_value(value: &Value) -> Result<HashMap<String, T>, ValueError> {
        decode_entries(value)?.collect()
    }
}

impl<T: FromValue> FromValue for IndexMap<String, T> {
    fn from_value(value: &Value) -> Result<IndexMap<String, T>, ValueError> {
        decode_entries(value)?.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_to_number_rule() {
        assert_eq!(parse_number_string("15"), Some(Number::Uint(15)));
        assert_eq!(parse_number_string("-15"), Some(Number::Int(-15)));
        assert_eq!(parse_number_string("1.5"), Some(Number::Float(1.5)));
        assert_eq!(parse_number_string("1e3"), Some(Number::Float(1000.0)));
        assert_eq!(parse_number_string("-1.5"), None);
        assert_eq!(parse_number_string(""), None);
        assert_eq!(parse_number_string("0x10"), None);
    }

    #[test]
    fn nested_errors_carry_paths() {
        let value = Value::array(vec![Value::int(1), Value::from("x")]);
        let err = Vec::<i64>::from_value(&value).expect_err("a string is not a number");
        assert_eq!(err.to_string(), "[1] should be number, got string");
        let err = <[i64; 3]>::from_value(&Value::array(vec![])).expect_err("wrong length");
        assert_eq!(err.to_string(), "array must have exactly 3 elements, got 0");
    }
}
