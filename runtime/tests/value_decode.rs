//! Value conversion and typing: upstream's `syntax/internal/value`
//! tables (inline-cases §7, §8) and the `alloytypes` secret facts (§9).
//! Upstream encodes Go values and decodes them into Go types; here Rust
//! values become `Value`s (`From`) and come back through `FromValue`.

use std::collections::BTreeMap;
use std::sync::Arc;

use alloy_runtime::eval::ops::values_equal;
use alloy_runtime::value::convert::{decode_field, to_object};
use alloy_runtime::value::{
    CapsuleValue, FromValue, HostCapsule, Number, Object, OptionalSecret, Secret, Type, Value,
    ValueError,
};

fn roundtrip<T: FromValue>(value: impl Into<Value>) -> Result<T, String> {
    T::from_value(&value.into()).map_err(|e| e.to_string())
}

/// `TestDecode_Numbers`: every pair among int/int8/…/uint64/float32/
/// float64/string("15") converts both ways. 13 × 13 = 169 conversions.
#[test]
fn decode_numbers() {
    let inputs: Vec<(&str, Value)> = vec![
        ("int", Value::from(15i64)),
        ("int8", Value::from(15i8)),
        ("int16", Value::from(15i16)),
        ("int32", Value::from(15i32)),
        ("int64", Value::from(15i64)),
        ("uint", Value::from(15u64)),
        ("uint8", Value::from(15u8)),
        ("uint16", Value::from(15u16)),
        ("uint32", Value::from(15u32)),
        ("uint64", Value::from(15u64)),
        ("float32", Value::from(15f32)),
        ("float64", Value::from(15f64)),
        ("string", Value::from("15")),
    ];
    let mut conversions = 0;
    for (name, input) in &inputs {
        let ctx = format!("from {name}");
        assert_eq!(i64::from_value(input), Ok(15), "{ctx} to int");
        assert_eq!(i8::from_value(input), Ok(15), "{ctx} to int8");
        assert_eq!(i16::from_value(input), Ok(15), "{ctx} to int16");
        assert_eq!(i32::from_value(input), Ok(15), "{ctx} to int32");
        assert_eq!(i64::from_value(input), Ok(15), "{ctx} to int64");
        assert_eq!(usize::from_value(input), Ok(15), "{ctx} to uint");
        assert_eq!(u8::from_value(input), Ok(15), "{ctx} to uint8");
        assert_eq!(u16::from_value(input), Ok(15), "{ctx} to uint16");
        assert_eq!(u32::from_value(input), Ok(15), "{ctx} to uint32");
        assert_eq!(u64::from_value(input), Ok(15), "{ctx} to uint64");
        assert_eq!(f32::from_value(input), Ok(15.0), "{ctx} to float32");
        assert_eq!(f64::from_value(input), Ok(15.0), "{ctx} to float64");
        assert_eq!(
            String::from_value(input).as_deref(),
            Ok("15"),
            "{ctx} to string"
        );
        conversions += 13;
    }
    assert_eq!(conversions, 169);
}

/// Upstream's `Person` (`name` attribute) and `Person2`, a second type
/// with the same shape.
#[derive(Debug, PartialEq, Default)]
struct Person {
    name: String,
}

#[derive(Debug, PartialEq, Default)]
struct Person2 {
    name: String,
}

impl FromValue for Person {
    fn from_value(value: &Value) -> Result<Person, ValueError> {
        let object = to_object(value)?;
        Ok(Person {
            name: decode_field(&object, "name")?,
        })
    }
}

impl FromValue for Person2 {
    fn from_value(value: &Value) -> Result<Person2, ValueError> {
        let object = to_object(value)?;
        Ok(Person2 {
            name: decode_field(&object, "name")?,
        })
    }
}

impl From<&Person> for Value {
    fn from(p: &Person) -> Value {
        Value::object(
            [("name", Value::from(p.name.as_str()))]
                .into_iter()
                .collect(),
        )
    }
}

impl From<&Person2> for Value {
    fn from(p: &Person2) -> Value {
        Value::object(
            [("name", Value::from(p.name.as_str()))]
                .into_iter()
                .collect(),
        )
    }
}

fn ints(items: &[i64]) -> Value {
    Value::array(items.iter().map(|&i| Value::int(i)).collect())
}

/// `TestDecode`: 14 cases.
#[test]
fn decode() {
    assert_eq!(roundtrip::<Option<i64>>(Value::Null), Ok(None));
    assert_eq!(roundtrip::<String>("Hello!"), Ok("Hello!".to_owned()));
    assert_eq!(roundtrip::<bool>(true), Ok(true));
    // Slices and fixed-size arrays, both ways.
    assert_eq!(roundtrip::<Vec<i64>>(ints(&[1, 2, 3])), Ok(vec![1, 2, 3]));
    assert_eq!(roundtrip::<[i64; 3]>(ints(&[1, 2, 3])), Ok([1, 2, 3]));
    assert_eq!(roundtrip::<Vec<i64>>(ints(&[1, 2, 3])), Ok(vec![1, 2, 3]));
    assert_eq!(roundtrip::<[i64; 3]>(ints(&[1, 2, 3])), Ok([1, 2, 3]));
    // Maps and structs.
    let year: Value = Value::object([("year", Value::int(2022))].into_iter().collect());
    assert_eq!(
        roundtrip::<BTreeMap<String, u64>>(year),
        Ok(BTreeMap::from([("year".to_owned(), 2022)]))
    );
    let john: Value = Value::object([("name", Value::from("John"))].into_iter().collect());
    assert_eq!(
        roundtrip::<BTreeMap<String, String>>(john.clone()),
        Ok(BTreeMap::from([("name".to_owned(), "John".to_owned())]))
    );
    let person = Person {
        name: "John".to_owned(),
    };
    let person2 = Person2 {
        name: "John".to_owned(),
    };
    assert_eq!(
        roundtrip::<Person>(john),
        Ok(Person {
            name: "John".to_owned()
        })
    );
    assert_eq!(
        roundtrip::<BTreeMap<String, String>>(&person),
        Ok(BTreeMap::from([("name".to_owned(), "John".to_owned())]))
    );
    assert_eq!(
        roundtrip::<Person>(&person),
        Ok(Person {
            name: "John".to_owned()
        })
    );
    assert_eq!(
        roundtrip::<Person2>(&person),
        Ok(Person2 {
            name: "John".to_owned()
        })
    );
    assert_eq!(
        roundtrip::<Person>(&person2),
        Ok(Person {
            name: "John".to_owned()
        })
    );
}

#[derive(Debug, PartialEq)]
struct Value1 {
    test: &'static str,
}

impl CapsuleValue for Value1 {
    fn type_name(&self) -> &str {
        "Value1"
    }

    fn equals(&self, other: &dyn CapsuleValue) -> bool {
        let other: &dyn std::any::Any = other;
        other.downcast_ref::<Value1>() == Some(self)
    }
}

/// `TestDecode_CapsuleInterface`: 2 cases (a capsule, and a pointer to
/// one, decode to the same host value).
#[test]
fn decode_capsule_interface() {
    let value = Value::capsule(Value1 { test: "true" });
    let decoded = HostCapsule::from_value(&value).expect("a capsule");
    assert_eq!(
        decoded.downcast_ref::<Value1>(),
        Some(&Value1 { test: "true" })
    );

    let shared: Arc<dyn CapsuleValue> = Arc::new(Value1 { test: "true" });
    let value = Value::from(HostCapsule::from_arc(shared.clone()));
    let decoded = HostCapsule::from_value(&value).expect("a capsule");
    assert!(Arc::ptr_eq(decoded.as_arc(), &shared));
    assert_eq!(
        decoded.downcast_arc::<Value1>().map(|v| v.test),
        Some("true")
    );
}

/// The Go type upstream's `decodeAny` picks for a number.
fn any_kind(value: &Value) -> &'static str {
    match value.as_number() {
        Some(Number::Float(_)) => "float64",
        Some(Number::Uint(u)) if u > i64::MAX as u64 => "uint64",
        Some(_) => "int",
        None => "not a number",
    }
}

/// `TestDecode_KnownTypes_Any`: 26 cases.
#[test]
fn decode_known_types_any() {
    let numbers: Vec<(Value, Value, &str)> = vec![
        (Value::from(0i64), Value::int(0), "int"),
        (Value::from(-1i64), Value::int(-1), "int"),
        (Value::from(15i64), Value::int(15), "int"),
        (Value::from(15i8), Value::int(15), "int"),
        (Value::from(15i16), Value::int(15), "int"),
        (Value::from(15i32), Value::int(15), "int"),
        (Value::from(15i64), Value::int(15), "int"),
        (Value::from(0u64), Value::int(0), "int"),
        (Value::from(15u64), Value::int(15), "int"),
        (Value::from(15u8), Value::int(15), "int"),
        (Value::from(15u16), Value::int(15), "int"),
        (Value::from(15u32), Value::int(15), "int"),
        (Value::from(15u64), Value::int(15), "int"),
        (Value::from(i64::MIN), Value::int(i64::MIN), "int"),
        (Value::from(i64::MAX), Value::int(i64::MAX), "int"),
        (
            Value::from(i64::MAX as u64 + 1),
            Value::uint(i64::MAX as u64 + 1),
            "uint64",
        ),
        (Value::from(u64::MAX), Value::uint(u64::MAX), "uint64"),
        (Value::from(2.5f32), Value::float(2.5), "float64"),
        (Value::from(2.5f64), Value::float(2.5), "float64"),
        (
            Value::from(i64::MIN as f64 - 10.0),
            Value::float(i64::MIN as f64 - 10.0),
            "float64",
        ),
        (
            Value::from(i64::MAX as f64 + 10.0),
            Value::float(i64::MAX as f64 + 10.0),
            "float64",
        ),
    ];
    for (input, expect, kind) in &numbers {
        let decoded = Value::from_value(input).expect("any value decodes");
        assert!(values_equal(&decoded, expect), "{input:?} vs {expect:?}");
        assert_eq!(any_kind(&decoded), *kind, "{input:?}");
    }
    assert_eq!(Value::from_value(&Value::Bool(true)), Ok(Value::Bool(true)));
    assert_eq!(
        Value::from_value(&Value::from("Hello")),
        Ok(Value::from("Hello"))
    );
    let list = Value::array(vec![Value::from(1u8), Value::from(2u8), Value::from(3u8)]);
    let decoded = Value::from_value(&list).expect("decodes");
    assert!(values_equal(&decoded, &ints(&[1, 2, 3])));
    let map = Value::object([("number", Value::from(15u32))].into_iter().collect());
    assert!(values_equal(
        &Value::from_value(&map).expect("decodes"),
        &Value::object([("number", Value::int(15))].into_iter().collect())
    ));
    let person = Value::from(&Person {
        name: "John".to_owned(),
    });
    assert_eq!(
        Value::from_value(&person),
        Ok(Value::object(
            [("name", Value::from("John"))].into_iter().collect()
        ))
    );
    assert_eq!(numbers.len() + 5, 26);
}

/// Other facts of decode_test.go: errors render as `<path> <message>`.
#[test]
fn decode_errors_render_paths() {
    let value = Value::object(
        [("a", Value::array(vec![Value::int(1), Value::from("x")]))]
            .into_iter()
            .collect(),
    );
    let err = BTreeMap::<String, Vec<i64>>::from_value(&value).expect_err("x is not a number");
    assert_eq!(err.to_string(), ".a[1] should be number, got string");
    assert_eq!(err.path_text(), ".a[1]");
    let err = i64::from_value(&Value::from("abc")).expect_err("not a number");
    assert_eq!(err.to_string(), "should be number, got string");
    assert_eq!(
        roundtrip::<i64>("-1.5"),
        Err("should be number, got string".to_owned())
    );
    assert_eq!(roundtrip::<f64>("1e3"), Ok(1000.0));
    assert_eq!(roundtrip::<String>(1.5), Ok("1.5".to_owned()));
    assert_eq!(
        roundtrip::<String>(1e21),
        Ok("1000000000000000000000".to_owned())
    );
    assert_eq!(roundtrip::<String>(Value::Null), Ok(String::new()));
    assert_eq!(roundtrip::<i64>(Value::Null), Ok(0));
    assert_eq!(roundtrip::<Vec<i64>>(Value::Null), Ok(vec![]));
    assert_eq!(roundtrip::<u8>(300i64), Ok(44));
    assert_eq!(
        roundtrip::<std::time::Duration>("1m30s"),
        Ok(std::time::Duration::from_secs(90))
    );
    assert_eq!(
        roundtrip::<std::time::Duration>("abc"),
        Err("time: invalid duration \"abc\"".to_owned())
    );
    assert_eq!(
        roundtrip::<bool>("true"),
        Err("should be bool, got string".to_owned())
    );
}

/// The body of `TestEncodeKeyLookup`: a struct whose `data` field holds
/// "Hello, world!".
fn body_value() -> Value {
    Value::object(
        [("data", Value::from("Hello, world!"))]
            .into_iter()
            .collect(),
    )
}

/// `TestEncodeKeyLookup`: 5 cases.
#[test]
fn encode_key_lookup() {
    let cases: Vec<(Value, &str, bool, Value)> = vec![
        (body_value(), "data", true, Value::from("Hello, world!")),
        (body_value(), "missing", false, Value::Null),
        (
            Value::object(
                [("data", Value::from("Hello, world!"))]
                    .into_iter()
                    .collect(),
            ),
            "data",
            true,
            Value::from("Hello, world!"),
        ),
        (
            Value::object(
                [("data", Value::from("Hello, world!"))]
                    .into_iter()
                    .collect(),
            ),
            "missing",
            false,
            Value::Null,
        ),
        (
            Value::object([("data", Value::from(""))].into_iter().collect()),
            "data",
            true,
            Value::from(""),
        ),
    ];
    for (body, key, exists, expect) in cases {
        assert_eq!(body.ty(), Type::Object);
        let object: &Object = body.as_object().expect("an object");
        let found = object.get(key).cloned();
        assert_eq!(found.is_some(), exists, "{key}");
        let found = found.unwrap_or_default();
        assert_eq!(found, expect, "{key}");
        assert_eq!(found.ty(), expect.ty(), "{key}");
    }
}

/// A type with a text form (upstream's `pointerMarshaler` implementing
/// `encoding.TextMarshaler`) becomes a string.
struct PointerMarshaler;

impl From<&PointerMarshaler> for Value {
    fn from(_: &PointerMarshaler) -> Value {
        Value::from("Hello, world!")
    }
}

/// `TestEncodeNoKeyLookup`: 1 case.
#[test]
fn encode_no_key_lookup() {
    let value = Value::from(&PointerMarshaler);
    assert_eq!(value.ty(), Type::String);
    assert_eq!(value.as_str(), Some("Hello, world!"));
}

/// `syntax/alloytypes` facts: 8 conversion facts and the 4 rows of
/// `TestOptionalSecret_Write`.
#[test]
fn alloytypes_secrets() {
    // Secret.
    assert_eq!(roundtrip::<Secret>("foo"), Ok(Secret::new("foo")));
    assert_eq!(
        roundtrip::<String>(Secret::new("foo")),
        Err("secrets may not be converted into strings".to_owned())
    );
    assert_eq!(
        roundtrip::<OptionalSecret>(Secret::new("foo")),
        Ok(OptionalSecret::new("foo", true))
    );
    // OptionalSecret.
    assert_eq!(
        roundtrip::<OptionalSecret>("foo"),
        Ok(OptionalSecret::new("foo", false))
    );
    assert_eq!(
        roundtrip::<OptionalSecret>(Secret::new("foo")).map(|s| s.is_secret()),
        Ok(true)
    );
    assert_eq!(
        roundtrip::<String>(OptionalSecret::plain("foo")),
        Ok("foo".to_owned())
    );
    assert_eq!(
        roundtrip::<String>(OptionalSecret::new("foo", true)),
        Err("secrets may not be converted into strings".to_owned())
    );
    // Rendering: a secret prints as `(secret)`.
    assert_eq!(Value::secret("foobar").to_string(), "(secret)");

    // TestOptionalSecret_Write, values and shared pointers.
    let rows: Vec<(Value, &str)> = vec![
        (OptionalSecret::plain("foobar").into(), r#""foobar""#),
        (OptionalSecret::new("foobar", true).into(), "(secret)"),
        (
            Value::from(Arc::new(OptionalSecret::plain("foobar")).as_ref().clone()),
            r#""foobar""#,
        ),
        (
            Value::from(
                Arc::new(OptionalSecret::new("foobar", true))
                    .as_ref()
                    .clone(),
            ),
            "(secret)",
        ),
    ];
    for (value, expect) in rows {
        assert_eq!(value.to_string(), expect);
    }
}

/// Secrets never appear in `Display`, `Debug`, or error messages.
#[test]
fn secrets_never_leak_into_text() {
    let secret = Value::secret("hunter2");
    let nested = Value::object(
        [
            ("password", secret.clone()),
            (
                "list",
                Value::array(vec![OptionalSecret::new("hunter2", true).into()]),
            ),
        ]
        .into_iter()
        .collect(),
    );
    for text in [
        format!("{nested}"),
        format!("{nested:?}"),
        format!("{:?}", Secret::new("hunter2")),
        format!("{:?}", String::from_value(&secret)),
        format!("{:?}", i64::from_value(&secret)),
    ] {
        assert!(!text.contains("hunter2"), "{text}");
    }
    let scope = alloy_runtime::eval::Scope::new().with("pw", secret);
    for input in [
        "pw + 1",
        "pw - 1",
        "string.to_upper(pw)",
        "[pw][1]",
        "pw.x",
        "{a = pw}.b",
    ] {
        let err = alloy_runtime::eval::evaluate_str(input, &scope).expect_err("fails");
        let text = format!("{err} {err:?}");
        assert!(!text.contains("hunter2"), "{input}: {text}");
    }
    assert!(Value::secret("x").contains_secret());
}
