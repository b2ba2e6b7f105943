//! Upstream's stdlib case tables (`syntax/vm/vm_stdlib_test.go`,
//! inline-cases §6): `TestVM_Stdlib`, `TestVM_Stdlib_Errors`,
//! `TestStdlibCoalesce`, `TestStdlibJsonPath`, `TestStdlib_Nonsensitive`,
//! `TestStdlib_StringFunc`, `TestStdlibFileFunc`, `TestStdlibGroupBy` and
//! `TestStdlibGroupBy_Errors`.

use std::fmt::Debug;

use alloy_runtime::eval::{evaluate_as, Scope};
use alloy_runtime::value::{FromValue, Object, OptionalSecret, Value};

fn eval_as<T: FromValue>(input: &str, scope: &Scope) -> Result<T, String> {
    let parse = alloy_syntax::parse_expression(input);
    assert!(parse.errors().is_empty(), "{input}: {:?}", parse.errors());
    let expr = parse.tree().expression().expect("an expression");
    evaluate_as::<T>(&expr, scope).map_err(|e| e.render("", &parse.line_index()))
}

fn check<T: FromValue + PartialEq + Debug>(input: &str, scope: &Scope, expect: T) {
    match eval_as::<T>(input, scope) {
        Ok(actual) => assert_eq!(actual, expect, "{input}"),
        Err(e) => panic!("{input}: unexpected error {e}"),
    }
}

fn check_err_contains(input: &str, scope: &Scope, expect: &str) {
    match eval_as::<Value>(input, scope) {
        Ok(v) => panic!("{input}: expected an error containing {expect:?}, got {v:?}"),
        Err(e) => assert!(e.contains(expect), "{input}: {e:?} lacks {expect:?}"),
    }
}

/// A value from JSON text, keeping integers as integers (Go's `int` in
/// upstream's expectations) and decimals as floats.
fn j(text: &str) -> Value {
    fn convert(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::int(i),
                None => Value::float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::from(s.as_str()),
            serde_json::Value::Array(items) => Value::array(items.iter().map(convert).collect()),
            serde_json::Value::Object(map) => Value::object(
                map.iter()
                    .map(|(k, v)| (k.as_str(), convert(v)))
                    .collect::<Object>(),
            ),
        }
    }
    convert(&serde_json::from_str(text).expect("valid JSON in a test"))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// `TestVM_Stdlib`: 39 cases.
#[test]
fn vm_stdlib() {
    std::env::set_var("TEST_VAR", "Hello!");
    let s = Scope::new();
    // Deprecated names.
    check(r#"env("TEST_VAR")"#, &s, "Hello!".to_owned());
    check(
        r#"concat([true, "foo"], [], [false, 1])"#,
        &s,
        j(r#"[true, "foo", false, 1]"#),
    );
    check(
        r#"json_decode("{\"foo\": \"bar\"}")"#,
        &s,
        j(r#"{"foo": "bar"}"#),
    );
    check("yaml_decode(`foo: bar`)", &s, j(r#"{"foo": "bar"}"#));
    check(
        r#"base64_decode("Zm9vYmFyMTIzIT8kKiYoKSctPUB+")"#,
        &s,
        "foobar123!?$*&()'-=@~".to_owned(),
    );

    check(r#"sys.env("TEST_VAR")"#, &s, "Hello!".to_owned());
    check(
        r#"array.concat([true, "foo"], [], [false, 1])"#,
        &s,
        j(r#"[true, "foo", false, 1]"#),
    );
    check(
        r#"encoding.from_json("{\"foo\": \"bar\"}")"#,
        &s,
        j(r#"{"foo": "bar"}"#),
    );
    check(
        r#"encoding.from_json("[0, 1, 2]")"#,
        &s,
        j("[0.0, 1.0, 2.0]"),
    );
    check(
        r#"encoding.from_json("{\"foo\": null}")"#,
        &s,
        j(r#"{"foo": null}"#),
    );
    check(r#"encoding.from_json("[0, null]")"#, &s, j("[0.0, null]"));
    check("encoding.from_yaml(`foo: bar`)", &s, j(r#"{"foo": "bar"}"#));
    check("encoding.from_yaml(`[0, 1, 2]`)", &s, j("[0, 1, 2]"));
    check(
        "encoding.from_yaml(`[0.0, 1.0, 2.0]`)",
        &s,
        j("[0.0, 1.0, 2.0]"),
    );
    check("encoding.from_yaml(`foo: null`)", &s, j(r#"{"foo": null}"#));
    check(r#"encoding.from_yaml("[0, null]")"#, &s, j("[0, null]"));
    check(
        r#"encoding.from_base64("Zm9vYmFyMTIzIT8kKiYoKSctPUB+")"#,
        &s,
        "foobar123!?$*&()'-=@~".to_owned(),
    );
    check(
        r#"encoding.from_URLbase64("c3RyaW5nMTIzIT8kKiYoKSctPUB-")"#,
        &s,
        "string123!?$*&()'-=@~".to_owned(),
    );
    check(
        r#"encoding.to_base64("string123!?$*&()'-=@~")"#,
        &s,
        "c3RyaW5nMTIzIT8kKiYoKSctPUB+".to_owned(),
    );
    check(
        r#"encoding.to_URLbase64("string123!?$*&()'-=@~")"#,
        &s,
        "c3RyaW5nMTIzIT8kKiYoKSctPUB-".to_owned(),
    );
    check(
        r#"encoding.url_encode("string123!?$*&()'-=@~")"#,
        &s,
        "string123%21%3F%24%2A%26%28%29%27-%3D%40~".to_owned(),
    );
    check(
        r#"encoding.url_decode("string123%21%3F%24%2A%26%28%29%27-%3D%40~")"#,
        &s,
        "string123!?$*&()'-=@~".to_owned(),
    );
    check(
        r#"encoding.to_json({"modules"={"http_2xx"={"prober"="http","timeout"="5s","http"={"headers"={"Authorization"=sys.env("TEST_VAR")}}}}})"#,
        &s,
        r#"{"modules":{"http_2xx":{"http":{"headers":{"Authorization":"Hello!"}},"prober":"http","timeout":"5s"}}}"#.to_owned(),
    );
    // Map tests.
    let cases: &[(&str, &str)] = &[
        (
            r#"array.combine_maps([{"a" = "a1", "b" = "b1"}], [{"a" = "a1", "c" = "c1"}], ["a"])"#,
            r#"[{"a": "a1", "b": "b1", "c": "c1"}]"#,
        ),
        (
            r#"array.combine_maps([{"a" = "a1", "b" = "b1"}, {"a" = "a1", "b" = "b1"}], [{"a" = "a1", "c" = "c1"}], ["a"])"#,
            r#"[{"a": "a1", "b": "b1", "c": "c1"}, {"a": "a1", "b": "b1", "c": "c1"}]"#,
        ),
        (
            r#"array.combine_maps([{"pod" = "a", "lbl" = "q"}, {"pod" = "b", "lbl" = "q"}], [{"pod" = "c", "lbl" = "q"}, {"pod" = "d", "lbl" = "q"}], ["lbl"])"#,
            r#"[{"lbl": "q", "pod": "c"}, {"lbl": "q", "pod": "d"}, {"lbl": "q", "pod": "c"}, {"lbl": "q", "pod": "d"}]"#,
        ),
        (
            r#"array.combine_maps([{"a" = 1, "b" = 2.2}], [{"a" = 1, "c" = "c1"}], ["a"])"#,
            r#"[{"a": 1, "b": 2.2, "c": "c1"}]"#,
        ),
        (
            r#"array.combine_maps([{"a" = 1, "b" = 2.2}], [{"a" = 1, "b" = "3.3"}], ["a"])"#,
            r#"[{"a": 1, "b": "3.3"}]"#,
        ),
        (
            r#"array.combine_maps([{"a" = 1, "b" = 2.2}], [{"a" = 2, "b" = "3.3"}], ["a"])"#,
            "[]",
        ),
        (
            r#"array.combine_maps([{"a" = 1, "b" = 4.2, "c" = 5}, {"d" = "asdf"}], [{"a" = 2, "b" = "5.3"}], ["a"], true)"#,
            r#"[{"a": 1, "b": 4.2, "c": 5}, {"d": "asdf"}]"#,
        ),
        (
            r#"array.combine_maps([{"a" = 1, "b" = 4.2, "c" = 5}, {"d" = "asdf"}, {"a" = 2, "b" = "1", "z" = "z1"}], [{"a" = 2, "b" = "5.3"}], ["a"], true)"#,
            r#"[{"a": 1, "b": 4.2, "c": 5}, {"d": "asdf"}, {"a": 2, "z": "z1", "b": "5.3"}]"#,
        ),
        (
            r#"array.combine_maps([{"a" = 1, "b" = 2.2}], [{"a" = "1", "b" = "3.3"}], ["a"])"#,
            "[]",
        ),
        (
            r#"array.combine_maps([{"a" = 1, "b" = [1,2,3]}], [{"a" = 1, "c" = {"d" = {"e" = 10}}}], ["a"])"#,
            r#"[{"a": 1, "b": [1, 2, 3], "c": {"d": {"e": 10}}}]"#,
        ),
        (
            r#"array.combine_maps([{"a" = 1, "n" = 1.1}], [{"a" = 1, "n" = 2.1}, {"n" = 2.2}], ["a"])"#,
            r#"[{"a": 1, "n": 2.1}]"#,
        ),
        (
            r#"array.combine_maps([{"a" = 1, "n" = 1.1}, {"n" = 1.2}], [{"a" = 1, "n" = 2.1}], ["a"])"#,
            r#"[{"a": 1, "n": 2.1}]"#,
        ),
        (
            r#"array.combine_maps([{"a" = 1, "b" = 3, "n" = 1.1}], [{"a" = 1, "b" = 3, "n" = 2.1}], ["a", "b"])"#,
            r#"[{"a": 1, "b": 3, "n": 2.1}]"#,
        ),
        (
            r#"array.combine_maps([{"a" = 1, "n" = 1.1}, {"a" = 1, "b" = 3, "n" = 1.1}, {"b" = 3, "n" = 1.1}], [{"a" = 1, "n" = 2.3}, {"b" = 1, "n" = 2.3}, {"a" = 1, "b" = 3, "n" = 2.1}], ["a", "b"])"#,
            r#"[{"a": 1, "b": 3, "n": 2.1}]"#,
        ),
        (
            r#"array.combine_maps([{"a" = 1, "n" = 1.1}, {"a" = 1, "b" = 3, "n" = 1.1}, {"b" = 3, "n" = 1.1}], [{"a" = 1, "n" = 2.3}, {"b" = 1, "n" = 2.3}, {"a" = 1, "b" = 3, "n" = 2.1}], ["a", "b", "c"])"#,
            "[]",
        ),
        (
            r#"array.combine_maps([{"a" = 1, "n" = 1.1}, {"a" = 1, "n" = 1.2}, {"a" = 1, "n" = 1.3}], [{"a" = 1, "n" = 2.1}, {"a" = 1, "n" = 2.2}, {"a" = 1, "n" = 2.3}], ["a"])"#,
            r#"[{"a": 1, "n": 2.1}, {"a": 1, "n": 2.2}, {"a": 1, "n": 2.3},
                {"a": 1, "n": 2.1}, {"a": 1, "n": 2.2}, {"a": 1, "n": 2.3},
                {"a": 1, "n": 2.1}, {"a": 1, "n": 2.2}, {"a": 1, "n": 2.3}]"#,
        ),
    ];
    for (input, expect) in cases {
        check(input, &s, j(expect));
    }
}

/// `TestVM_Stdlib_Errors`: 4 cases (`ErrorContains`).
#[test]
fn vm_stdlib_errors() {
    let s = Scope::new();
    check_err_contains(
        r#"array.combine_maps([{"a" = "a1", "b" = "b1"}], "a", ["a"])"#,
        &s,
        r#""a" should be array, got string"#,
    );
    check_err_contains(
        r#"array.combine_maps([{"a" = "a1", "b" = "b1"}], ["a"], ["a"])"#,
        &s,
        r#""a" should be object, got string"#,
    );
    check_err_contains(
        r#"array.combine_maps([{"a" = "a1", "b" = "b1"}], [{"a" = "a1", "c" = "b1"}], [])"#,
        &s,
        "combine_maps: merge conditions must not be empty",
    );
    check_err_contains(
        "encoding.to_json(12)",
        &s,
        "encoding.to_json jsonEncode only supports map",
    );
}

/// `TestStdlibCoalesce`: 17 cases.
#[test]
fn stdlib_coalesce() {
    std::env::set_var("TEST_VAR2", "Hello!");
    let s = Scope::new()
        .with("optionalSecretStr", OptionalSecret::plain("bar").into())
        .with(
            "optionalSecretInt",
            OptionalSecret::new("123", false).into(),
        );
    check("coalesce()", &s, Value::Null);
    check(r#"coalesce("Hello!")"#, &s, "Hello!".to_owned());
    check(
        r#"coalesce(sys.env("TEST_VAR2"), "World!")"#,
        &s,
        "Hello!".to_owned(),
    );
    check(
        r#"coalesce(sys.env("NON_DEFINED"), "World!")"#,
        &s,
        "World!".to_owned(),
    );
    check(r#"coalesce([], ["fallback"])"#, &s, strings(&["fallback"]));
    check(
        r#"coalesce(array.concat(["item"]), ["fallback"])"#,
        &s,
        strings(&["item"]),
    );
    check("coalesce(0, 1, 2)", &s, 1i64);
    check("coalesce(false, 1, 2)", &s, 1i64);
    check("coalesce(false, true)", &s, true);
    check(r#"coalesce(encoding.from_json("[]"), true)"#, &s, true);
    check(r#"coalesce(encoding.from_json("{}"), true)"#, &s, true);
    check(r#"coalesce(encoding.from_json("{}"), false)"#, &s, false);
    check("coalesce([],null)", &s, Value::Null);
    check("coalesce(optionalSecretStr, 1)", &s, "bar".to_owned());
    check(
        r#"coalesce("foo", optionalSecretStr)"#,
        &s,
        "foo".to_owned(),
    );
    check("coalesce(optionalSecretInt, 1)", &s, 123i64);
    check("coalesce(1, optionalSecretInt)", &s, 1i64);
}

/// `TestStdlibJsonPath`: 4 cases.
#[test]
fn stdlib_json_path() {
    let s = Scope::new();
    check(r#"json_path("{\"a\": \"b\"}", ".a")"#, &s, strings(&["b"]));
    check(
        r#"json_path("{\"a\": \"b\"}", ".nonexists")"#,
        &s,
        strings(&[]),
    );
    check(
        r#"json_path("[{\"name\": \"Department\",\"value\": \"IT\"},{\"name\":\"ReferenceNumber\",\"value\":\"123456\"},{\"name\":\"TestStatus\",\"value\":\"Pending\"}]", "[?(@.name == \"Department\")].value")"#,
        &s,
        strings(&["IT"]),
    );
    check(
        r#"json_path("{\"a\": \"b\"}", ".a")[0]"#,
        &s,
        "b".to_owned(),
    );
}

/// `TestStdlib_Nonsensitive`: 3 cases.
#[test]
fn stdlib_nonsensitive() {
    let s = Scope::new()
        .with("secret", Value::secret("foo"))
        .with("optionalSecret", OptionalSecret::plain("bar").into());
    check("nonsensitive(secret)", &s, "foo".to_owned());
    check("convert.nonsensitive(secret)", &s, "foo".to_owned());
    check("convert.nonsensitive(optionalSecret)", &s, "bar".to_owned());
}

/// `TestStdlib_StringFunc`: 36 cases, run for the deprecated names and
/// for the `string` namespace.
#[test]
fn stdlib_string_funcs() {
    let s = Scope::new();
    for prefix in ["", "string."] {
        let c = |call: &str| format!("{prefix}{call}");
        check(&c(r#"to_lower("String")"#), &s, "string".to_owned());
        check(&c(r#"to_upper("string")"#), &s, "STRING".to_owned());
        check(
            &c("trim_space(\"   string \\n\\n\")"),
            &s,
            "string".to_owned(),
        );
        check(
            &format!(r#"{prefix}to_lower({prefix}to_upper({prefix}trim_space("   String   ")))"#),
            &s,
            "string".to_owned(),
        );
        check(
            &c(r#"split("/aaa/bbb/ccc/ddd", "/")"#),
            &s,
            strings(&["", "aaa", "bbb", "ccc", "ddd"]),
        );
        check(
            &c(r#"split("/aaa/bbb/ccc/ddd", "/")[0]"#),
            &s,
            String::new(),
        );
        check(
            &format!(r#"{prefix}join({prefix}split("/aaa/bbb/ccc/ddd", "/"), "/")"#),
            &s,
            "/aaa/bbb/ccc/ddd".to_owned(),
        );
        check(
            &c(r#"join(["foo", "bar", "baz"], ", ")"#),
            &s,
            "foo, bar, baz".to_owned(),
        );
        check(&c(r#"join([0, 0, 1], ", ")"#), &s, "0, 0, 1".to_owned());
        check(
            &c(r#"format("Hello %s", "World")"#),
            &s,
            "Hello World".to_owned(),
        );
        check(&c(r##"format("%#v", 1)"##), &s, "1".to_owned());
        check(&c(r##"format("%#v", true)"##), &s, "true".to_owned());
        check(&c(r#"format("%q", "hello")"#), &s, r#""hello""#.to_owned());
        check(
            &c(r#"replace("Hello World", " World", "!")"#),
            &s,
            "Hello!".to_owned(),
        );
        check(&c(r#"trim("?!hello?!", "!?")"#), &s, "hello".to_owned());
        check(
            &c(r#"trim("   hello! world.!  ", "! ")"#),
            &s,
            "hello! world.".to_owned(),
        );
        check(
            &c(r#"trim_prefix("helloworld", "hello")"#),
            &s,
            "world".to_owned(),
        );
        check(
            &c(r#"trim_suffix("helloworld", "world")"#),
            &s,
            "hello".to_owned(),
        );
    }
}

/// `TestStdlibFileFunc`: 2 cases (upstream runs on Linux: `/` separators).
#[test]
fn stdlib_file_funcs() {
    let s = Scope::new();
    check(
        r#"file.path_join("this/is", "a/path")"#,
        &s,
        "this/is/a/path".to_owned(),
    );
    check("file.path_join()", &s, String::new());
}

/// Group order is unspecified upstream (`ElementsMatch`): the same
/// elements, each matched once, in any order.
fn same_elements(actual: &Value, expect: &Value) -> bool {
    let (Some(actual), Some(expect)) = (actual.as_array(), expect.as_array()) else {
        return false;
    };
    let mut left: Vec<&Value> = actual.iter().collect();
    expect
        .iter()
        .all(|e| match left.iter().position(|a| *a == e) {
            Some(i) => {
                left.remove(i);
                true
            }
            None => false,
        })
        && left.is_empty()
}

/// `TestStdlibGroupBy`: 6 cases.
#[test]
fn stdlib_group_by() {
    let s = Scope::new();
    let cases: &[(&str, &str)] = &[
        (
            r#"array.group_by([{"type" = "fruit", "name" = "apple"}, {"type" = "fruit", "name" = "banana"}, {"type" = "vegetable", "name" = "carrot"}], "type", false)"#,
            r#"[{"type": "fruit", "items": [{"type": "fruit", "name": "apple"}, {"type": "fruit", "name": "banana"}]},
                {"type": "vegetable", "items": [{"type": "vegetable", "name": "carrot"}]}]"#,
        ),
        (
            r#"array.group_by([{"name" = "alice", "age" = "20"}, {"name" = "bob"}, {"name" = "charlie", "age" = "30"}], "age", true)"#,
            r#"[{"age": "20", "items": [{"name": "alice", "age": "20"}]},
                {"age": "30", "items": [{"name": "charlie", "age": "30"}]}]"#,
        ),
        (
            r#"array.group_by([{"name" = "alice", "age" = "20"}, {"name" = "bob"}, {"name" = "charlie", "age" = "30"}], "age", false)"#,
            r#"[{"age": "20", "items": [{"name": "alice", "age": "20"}]},
                {"age": "30", "items": [{"name": "charlie", "age": "30"}]},
                {"age": "", "items": [{"name": "bob"}]}]"#,
        ),
        (r#"array.group_by([], "age", false)"#, "[]"),
        (
            r#"array.group_by([{"name" = "alice"}, {"name" = "bob"}], "age", false)"#,
            r#"[{"age": "", "items": [{"name": "alice"}, {"name": "bob"}]}]"#,
        ),
        (
            r#"array.group_by([{"name" = "alice", "age" = 20, "address" = {"city" = "New York", "state" = "NY"}}], "address.city", false)"#,
            r#"[{"address.city": "", "items": [{"name": "alice", "age": 20, "address": {"city": "New York", "state": "NY"}}]}]"#,
        ),
    ];
    for (input, expect) in cases {
        let actual = eval_as::<Value>(input, &s).unwrap_or_else(|e| panic!("{input}: {e}"));
        let expect = j(expect);
        assert!(same_elements(&actual, &expect), "{input}: {actual}");
    }
}

/// `TestStdlibGroupBy_Errors`: 6 cases.
#[test]
fn stdlib_group_by_errors() {
    let s = Scope::new();
    check_err_contains(
        r#"array.group_by([{"name" = "alice"}], "age")"#,
        &s,
        "group_by: expected 3 arguments, got 2",
    );
    check_err_contains(
        r#"array.group_by("not an array", "age", false)"#,
        &s,
        r#""not an array" should be array, got string"#,
    );
    check_err_contains(
        r#"array.group_by([{"name" = "alice"}], 123, false)"#,
        &s,
        "123 should be string, got number",
    );
    check_err_contains(
        r#"array.group_by([{"name" = "alice"}], "age", "not a bool")"#,
        &s,
        r#""not a bool" should be bool, got string"#,
    );
    check_err_contains(
        r#"array.group_by(["not an object"], "age", false)"#,
        &s,
        r#""not an object" should be object, got string"#,
    );
    check_err_contains(
        r#"array.group_by([{"name" = "alice", "age" = 20}], "age", false)"#,
        &s,
        "20 should be string, got number",
    );
}
