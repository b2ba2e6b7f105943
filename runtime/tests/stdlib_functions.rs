//! Every stdlib function: coverage against the catalogue, and behaviour
//! and error cases beyond upstream's tables.

use alloy_analysis::catalogue::{self, Stability};
use alloy_runtime::eval::{evaluate_str, Scope};
use alloy_runtime::stdlib;
use alloy_runtime::value::{Arity, Capsule, CapsuleValue, Object, Value};

fn eval(input: &str) -> Result<Value, String> {
    eval_in(input, &Scope::new())
}

fn eval_in(input: &str, scope: &Scope) -> Result<Value, String> {
    let parse = alloy_syntax::parse_expression(input);
    evaluate_str(input, scope).map_err(|e| match e {
        alloy_runtime::eval::ExpressionError::Eval(e) => e.render("", &parse.line_index()),
        other => other.to_string(),
    })
}

fn ok(input: &str, expect: Value) {
    assert_eq!(eval(input), Ok(expect), "{input}");
}

fn ok_str(input: &str, expect: &str) {
    ok(input, Value::from(expect));
}

fn err(input: &str, expect: &str) {
    assert_eq!(eval(input), Err(expect.to_owned()), "{input}");
}

fn err_starts(input: &str, prefix: &str) {
    match eval(input) {
        Err(e) => assert!(
            e.starts_with(prefix),
            "{input}: {e:?} does not start with {prefix:?}"
        ),
        Ok(v) => panic!("{input}: expected an error, got {v:?}"),
    }
}

/// The function reached by evaluating a dotted name.
fn function_at(name: &str) -> Option<alloy_runtime::value::Function> {
    eval(name).ok()?.as_function().cloned()
}

#[test]
fn every_catalogue_function_exists_with_its_arity() {
    let functions = catalogue::stdlib_functions();
    assert_eq!(functions.len(), 43);
    for f in functions {
        let function = function_at(f.name).unwrap_or_else(|| panic!("{} is missing", f.name));
        let (min, max) = f.arity();
        match function.arity() {
            Arity::Exact(n) => assert_eq!((min, max), (n, Some(n)), "{}", f.name),
            Arity::AtLeast(n) => assert_eq!((min, max), (n, None), "{}", f.name),
            // Raw functions: upstream checks the count itself.
            Arity::Unchecked => {}
        }
        assert_eq!(
            stdlib::deprecated_replacement(f.name),
            f.deprecated_alias_of,
            "{}",
            f.name
        );
        assert_eq!(
            stdlib::is_experimental(f.name),
            f.stability == Stability::Experimental,
            "{}",
            f.name
        );
    }
    // And nothing beyond the catalogue (namespaces hold only its functions).
    for namespace in ["array", "convert", "encoding", "file", "string", "sys"] {
        let object = eval(namespace).expect("namespace");
        for key in object.as_object().expect("an object").keys() {
            let full = format!("{namespace}.{key}");
            assert!(catalogue::stdlib_function(&full).is_some(), "{full}");
        }
    }
}

#[test]
fn constants_match_the_catalogue() {
    let constants = eval("constants").expect("constants");
    let object = constants.as_object().expect("an object");
    let spec = catalogue::stdlib_object("constants").expect("catalogue entry");
    let mut keys: Vec<&str> = object.keys().collect();
    let mut expected: Vec<&str> = spec.fields.iter().map(|f| f.name).collect();
    keys.sort_unstable();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    for field in spec.fields {
        assert!(matches!(object.get(field.name), Some(Value::String(_))));
    }
    assert_eq!(eval("constants.os"), Ok(Value::from(stdlib::go_os())));
    assert_eq!(eval("constants.arch"), Ok(Value::from(stdlib::go_arch())));
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        assert_eq!(eval("constants.os"), Ok(Value::from("linux")));
        assert_eq!(eval("constants.arch"), Ok(Value::from("amd64")));
    }
    assert_eq!(
        eval("constants.version"),
        Ok(Value::from(format!("v{}", env!("CARGO_PKG_VERSION"))))
    );
}

#[test]
fn scope_variables_shadow_the_stdlib() {
    let scope = Scope::new().with("string", Value::from("mine"));
    assert_eq!(eval_in("string", &scope), Ok(Value::from("mine")));
    assert_eq!(
        eval_in("string.format", &scope),
        Err(r#"1:1: string cannot access field "format" on value of type string"#.to_owned())
    );
    err("array.nope", r#"1:7: field "nope" does not exist"#);
}

#[test]
fn arity_errors() {
    err("sys.env()", "1:1: sys.env expected 1 args, got 0");
    err(r#"env("a", "b")"#, "1:1: env expected 1 args, got 2");
    err(
        r#"string.replace("a", "b")"#,
        "1:1: string.replace expected 3 args, got 2",
    );
    err("format()", "1:1: format expected at least 1 args, got 0");
    err(
        r#"json_path("{}")"#,
        "1:1: json_path expected 2 args, got 1",
    );
    err(
        "array.combine_maps([], [])",
        "1:1: combine_maps: expected 3 or 4 arguments, got 2",
    );
    err(
        "array.combine_maps([], [], [\"a\"], true, 1)",
        "1:1: combine_maps: expected 3 or 4 arguments, got 5",
    );
}

#[test]
fn array_concat() {
    ok("array.concat()", Value::array(vec![]));
    ok("array.concat([1])", Value::array(vec![Value::int(1)]));
    ok(
        "array.concat([1], [[2]])",
        Value::array(vec![Value::int(1), Value::array(vec![Value::int(2)])]),
    );
    err(
        r#"array.concat([1], "a")"#,
        r#"1:19: "a" should be array, got string"#,
    );
    err("concat(null)", "1:8: null should be array, got null");
}

/// A host value that converts to an object, like upstream capsules
/// implementing `ConvertibleIntoCapsule`.
struct Target(&'static str);

impl CapsuleValue for Target {
    fn type_name(&self) -> &str {
        "discovery.Target"
    }

    fn to_object(&self) -> Option<Object> {
        let mut object = Object::new();
        object.insert("__address__", Value::from(self.0));
        Some(object)
    }
}

#[test]
fn array_combine_maps() {
    err(
        r#"array.combine_maps([{a = 1}], [{a = 1}], ["a"], "yes")"#,
        r#"1:49: "yes" should be bool, got string"#,
    );
    err(
        r#"array.combine_maps([{a = 1}], [{a = 1}], [1])"#,
        "1:43: 1 should be string, got number",
    );
    err(
        r#"array.combine_maps([{a = 1}], [1], ["a"])"#,
        "1:32: 1 should be object, got number",
    );
    // Capsules that convert to objects join too.
    let scope = Scope::new().with(
        "targets",
        Value::array(vec![
            Value::capsule(Target("a:1")),
            Value::capsule(Target("b:2")),
        ]),
    );
    let joined = eval_in(
        r#"array.combine_maps(targets, [{"__address__" = "b:2", job = "x"}], ["__address__"])"#,
        &scope,
    )
    .expect("joins");
    assert_eq!(
        joined.to_string(),
        r#"[{ __address__ = "b:2", job = "x" }]"#
    );
    // With passthrough, an unmatched left element repeats once per right
    // element it does not match (upstream behaviour).
    ok(
        r#"array.combine_maps([{a = 1}], [{a = 2}, {a = 3}], ["a"], true)"#,
        Value::array(vec![
            Value::object([("a", Value::int(1))].into_iter().collect()),
            Value::object([("a", Value::int(1))].into_iter().collect()),
        ]),
    );
}

#[test]
fn array_group_by() {
    let scope = Scope::new().with(
        "targets",
        Value::array(vec![
            Value::capsule(Target("a:1")),
            Value::capsule(Target("a:1")),
        ]),
    );
    let grouped =
        eval_in(r#"array.group_by(targets, "__address__", true)"#, &scope).expect("groups");
    assert_eq!(
        grouped.to_string(),
        r#"[{ __address__ = "a:1", items = [{ __address__ = "a:1" }, { __address__ = "a:1" }] }]"#
    );
    // Groups come in order of first appearance.
    let grouped =
        eval(r#"array.group_by([{k = "b"}, {k = "a"}, {k = "b"}], "k", false)"#).expect("groups");
    assert_eq!(
        grouped.to_string(),
        r#"[{ k = "b", items = [{ k = "b" }, { k = "b" }] }, { k = "a", items = [{ k = "a" }] }]"#
    );
}

#[test]
fn coalesce_zero_values() {
    ok("coalesce(0.0, -0.0)", Value::float(-0.0));
    ok(r#"coalesce("", "", "")"#, Value::from(""));
    ok(
        "coalesce({}, {a = 1})",
        Value::object([("a", Value::int(1))].into_iter().collect()),
    );
    let scope = Scope::new()
        .with("empty_secret", Value::secret(""))
        .with("secret", Value::secret("pw"));
    assert_eq!(
        eval_in("coalesce(empty_secret, secret)", &scope),
        Ok(Value::secret("pw"))
    );
}

#[test]
fn convert_nonsensitive() {
    ok_str(r#"convert.nonsensitive("plain")"#, "plain");
    err(
        "convert.nonsensitive(1)",
        "1:22: 1 should be capsule, got number",
    );
}

#[test]
fn encoding_base64() {
    ok_str(r#"encoding.to_base64("")"#, "");
    ok_str(r#"encoding.to_base64("f")"#, "Zg==");
    ok_str(r#"encoding.from_base64("Zg==")"#, "f");
    ok_str(r#"encoding.from_base64("Zm9v\nYmFy")"#, "foobar");
    ok_str(r#"encoding.to_URLbase64("??>")"#, "Pz8-");
    ok_str(r#"encoding.from_URLbase64("Pz8-")"#, "??>");
    err(
        r#"encoding.from_base64("Zm9")"#,
        "1:1: encoding.from_base64 illegal base64 data at input byte 0",
    );
    err(
        r#"base64_decode("Pz8-")"#,
        "1:1: base64_decode illegal base64 data at input byte 3",
    );
    err(
        r#"encoding.from_URLbase64("Pz8+")"#,
        "1:1: encoding.from_URLbase64 illegal base64 data at input byte 3",
    );
}

#[test]
fn encoding_json() {
    ok(
        r#"encoding.from_json("{\"b\": [1, 2.5, true, null, \"x\"], \"a\": {}}")"#,
        Value::object(
            [
                (
                    "b",
                    Value::array(vec![
                        Value::float(1.0),
                        Value::float(2.5),
                        Value::Bool(true),
                        Value::Null,
                        Value::from("x"),
                    ]),
                ),
                ("a", Value::object(Object::new())),
            ]
            .into_iter()
            .collect(),
        ),
    );
    ok(r#"json_decode("\"x\"")"#, Value::from("x"));
    err_starts(r#"encoding.from_json("{")"#, "1:1: encoding.from_json ");
    err_starts(r#"encoding.from_json("1 2")"#, "1:1: encoding.from_json ");
    ok_str(
        r#"encoding.to_json({b = [1, 2.5, 1e21, null], a = "<&>", c = {}})"#,
        r#"{"a":"\u003c\u0026\u003e","b":[1,2.5,1e+21,null],"c":{}}"#,
    );
    err(
        "encoding.to_json([1])",
        "1:1: encoding.to_json jsonEncode only supports map",
    );
    // A secret inside keeps the result secret.
    let scope = Scope::new().with("pw", Value::secret("hunter2"));
    let encoded = eval_in("encoding.to_json({password = pw})", &scope).expect("encodes");
    assert!(matches!(encoded, Value::Capsule(Capsule::Secret(_))));
    assert!(!encoded.to_string().contains("hunter2"));
    assert_eq!(
        eval_in(
            "convert.nonsensitive(encoding.to_json({password = pw}))",
            &scope
        ),
        Ok(Value::from(r#"{"password":"hunter2"}"#))
    );
}

#[test]
fn encoding_yaml() {
    ok(
        "encoding.from_yaml(`\na: 1\nb: [x, 2.5, true, ~]\nc:\n  d: e\n`)",
        Value::object(
            [
                ("a", Value::int(1)),
                (
                    "b",
                    Value::array(vec![
                        Value::from("x"),
                        Value::float(2.5),
                        Value::Bool(true),
                        Value::Null,
                    ]),
                ),
                (
                    "c",
                    Value::object([("d", Value::from("e"))].into_iter().collect()),
                ),
            ]
            .into_iter()
            .collect(),
        ),
    );
    ok(r#"encoding.from_yaml("")"#, Value::Null);
    ok(
        "encoding.from_yaml(`1: a`)",
        Value::object([("1", Value::from("a"))].into_iter().collect()),
    );
    ok("encoding.from_yaml(`a\n---\nb`)", Value::from("a"));
    ok(
        "yaml_decode(`x: &a [1]\ny: *a`).y",
        Value::array(vec![Value::int(1)]),
    );
    err_starts("encoding.from_yaml(`a: [`)", "1:1: encoding.from_yaml ");
}

#[test]
fn encoding_url() {
    ok_str(r#"encoding.url_encode("a b/é")"#, "a+b%2F%C3%A9");
    ok_str(r#"encoding.url_decode("a+b%2F%C3%A9")"#, "a b/é");
    err(
        r#"encoding.url_decode("%zz")"#,
        r#"1:1: encoding.url_decode invalid URL escape "%zz""#,
    );
    err(
        r#"encoding.url_decode("abc%4")"#,
        r#"1:1: encoding.url_decode invalid URL escape "%4""#,
    );
}

#[test]
fn file_path_join() {
    ok_str(r#"file.path_join("a", "", "../b", "./c/")"#, "b/c");
    ok_str(r#"file.path_join("/", "etc", "alloy")"#, "/etc/alloy");
    ok_str(r#"file.path_join("", "")"#, "");
    ok_str(r#"file.path_join("..", "..")"#, "../..");
    err(
        "file.path_join(1, [])",
        "1:19: [] should be string, got array",
    );
}

#[test]
fn json_path() {
    let doc = r#""{\"a\": {\"b\": [1, 2.5, {\"x\": 3}]}, \"x\": 4}""#;
    ok(
        &format!(r#"json_path({doc}, "$.a.b[0]")"#),
        Value::array(vec![Value::int(1)]),
    );
    ok(
        &format!(r#"json_path({doc}, "a.b[1]")"#),
        Value::array(vec![Value::float(2.5)]),
    );
    ok(
        &format!(r#"json_path({doc}, "$..x")"#),
        Value::array(vec![Value::int(4), Value::int(3)]),
    );
    ok(
        &format!(r#"json_path({doc}, ".a.b[?(@.x > 2)].x")"#),
        Value::array(vec![Value::int(3)]),
    );
    ok(
        r#"json_path("[1, 2, 3]", "$[1:]")"#,
        Value::array(vec![Value::int(2), Value::int(3)]),
    );
    err_starts(r#"json_path("{}", "$[")"#, "1:1: json_path ");
    err_starts(r#"json_path("{", "$")"#, "1:1: json_path ");
}

#[test]
fn string_format() {
    ok_str(
        r#"string.format("%s=%d (%.1f%%)", "cpu", 3, 97.25)"#,
        "cpu=3 (97.2%)",
    );
    ok_str(
        r#"string.format("%v %v", [1, "a"], {b = true})"#,
        "[1 a] map[b:true]",
    );
    ok_str(r#"string.format("%d", "x")"#, "%!d(string=x)");
    ok_str(r#"string.format("%s")"#, "%!s(MISSING)");
    ok_str(
        r#"string.format("%05.1f|%-4s|%4s", 3.14159, "ab", "cd")"#,
        "003.1|ab  |  cd",
    );
    ok_str(r#"string.format("%x %X %o", 255, 255, 8)"#, "ff FF 10");
    // A secret argument makes the result a secret.
    let scope = Scope::new().with("pw", Value::secret("hunter2"));
    let formatted = eval_in(r#"string.format("pw=%s", pw)"#, &scope).expect("formats");
    assert_eq!(formatted, Value::secret("pw=hunter2"));
    assert_eq!(
        eval_in(r#"string.to_upper(string.format("pw=%s", pw))"#, &scope),
        Err(
            r#"1:17: string.format("pw=%s", pw) secrets may not be converted into strings"#
                .to_owned()
        )
    );
}

#[test]
fn string_functions() {
    ok_str(r#"string.join([], ",")"#, "");
    ok_str(r#"string.join(["a", 1.5, 2], "")"#, "a1.52");
    ok(
        r#"string.split("abc", "")"#,
        Value::array(vec!["a".into(), "b".into(), "c".into()]),
    );
    ok(r#"string.split("", ",")"#, Value::array(vec!["".into()]));
    ok(r#"string.split("", "")"#, Value::array(vec![]));
    ok_str(r#"string.replace("abc", "", "-")"#, "-a-b-c-");
    ok_str(r#"string.to_upper("straße")"#, "STRAßE");
    ok_str(r#"string.to_lower("ÀÉÎ İ")"#, "àéî i");
    ok_str(r#"string.trim("", "abc")"#, "");
    ok_str(r#"string.trim("xxhixx", "")"#, "xxhixx");
    ok_str(r#"string.trim_prefix("abc", "x")"#, "abc");
    ok_str(r#"string.trim_suffix("abc", "bc")"#, "a");
    ok_str("string.trim_space(\"\\u00a0\\t x \\u2003\")", "x");
    err(
        r#"string.join("a", ",")"#,
        r#"1:13: "a" should be array, got string"#,
    );
    err(
        "string.to_lower(true)",
        "1:17: true should be string, got bool",
    );
}

#[test]
fn sys_env() {
    std::env::set_var("ALLOY_RUNTIME_TEST_ENV", "value");
    ok_str(r#"sys.env("ALLOY_RUNTIME_TEST_ENV")"#, "value");
    ok_str(r#"sys.env("ALLOY_RUNTIME_TEST_UNSET_VARIABLE")"#, "");
    ok_str(r#"sys.env("")"#, "");
    ok_str(r#"sys.env("A=B")"#, "");
}
