//! Upstream's evaluator case tables (`syntax/vm/vm_test.go`,
//! `vm_errors_test.go`, `op_binary_test.go`; inline-cases §6), re-expressed:
//! each case parses an expression, evaluates it and converts the result to
//! the Rust type matching the Go type upstream decodes into, since that
//! decides which conversion runs.

use std::collections::BTreeMap;
use std::fmt::Debug;

use alloy_runtime::eval::{evaluate, evaluate_as, evaluate_body, Scope};
use alloy_runtime::value::convert::{decode_field, to_object};
use alloy_runtime::value::{FromValue, Object, OptionalSecret, Secret, Value, ValueError};

/// Evaluates `input` and converts it to `T`; errors rendered as upstream's
/// `Diagnostic.Error()` (`line:col: message`).
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

fn check_err<T: FromValue + Debug>(input: &str, scope: &Scope, expect: &str) {
    match eval_as::<T>(input, scope) {
        Ok(v) => panic!("{input}: expected error {expect:?}, got {v:?}"),
        Err(e) => assert_eq!(e, expect, "{input}"),
    }
}

fn check_err_contains<T: FromValue + Debug>(input: &str, scope: &Scope, expect: &str) {
    match eval_as::<T>(input, scope) {
        Ok(v) => panic!("{input}: expected error containing {expect:?}, got {v:?}"),
        Err(e) => assert!(e.contains(expect), "{input}: {e:?} lacks {expect:?}"),
    }
}

/// `TestVM_Evaluate_Literals`: 22 cases.
#[test]
fn vm_evaluate_literals() {
    let s = Scope::new();
    check("12", &s, 12i64);
    check("13", &s, 13i8);
    check("14", &s, 14i16);
    check("15", &s, 15i32);
    check("16", &s, 16i64);
    check("17", &s, 17u64);
    check("18", &s, 18u8);
    check("19", &s, 19u16);
    check("20", &s, 20u32);
    check("21", &s, 21u64);
    check("22", &s, 22f32);
    check("23", &s, 23f64);
    check("24", &s, "24".to_owned());
    check("3.2", &s, 3.2f32);
    check("3.5", &s, 3.5f64);
    check("3.9", &s, "3.9".to_owned());
    check(".2", &s, 0.2f32);
    check(".5", &s, 0.5f64);
    check(".9", &s, "0.9".to_owned());
    check(r#""Hello, world!""#, &s, "Hello, world!".to_owned());
    check(r#""12""#, &s, 12i64);
    check(r#""12""#, &s, 12f64);
}

fn secrets_scope() -> Scope {
    Scope::new()
        .with("secretSecret", Value::secret("foo"))
        .with("optionalSecretStr", OptionalSecret::plain("bar").into())
        .with("optionalSecretInt", OptionalSecret::plain("123").into())
        .with(
            "optionalSecretNegative",
            OptionalSecret::plain("-123").into(),
        )
        .with("optionalSecretFloat", OptionalSecret::plain("23.5").into())
}

/// `TestVM_Evaluate_Secrets`: 5 cases.
#[test]
fn vm_evaluate_secrets() {
    let s = secrets_scope();
    check_err_contains::<String>(
        "secretSecret",
        &s,
        "secrets may not be converted into strings",
    );
    check("optionalSecretStr", &s, "bar".to_owned());
    check("optionalSecretInt", &s, 123i64);
    check("optionalSecretNegative", &s, -123i64);
    check("optionalSecretFloat", &s, 23.5f64);
}

/// A Go struct with `name` (attr), `age` (attr) and an optional `country`.
#[derive(Debug, PartialEq)]
struct Person {
    name: String,
    age: i64,
    country: String,
}

impl FromValue for Person {
    fn from_value(value: &Value) -> Result<Person, ValueError> {
        let object = to_object(value)?;
        Ok(Person {
            name: decode_field(&object, "name")?,
            age: decode_field(&object, "age")?,
            country: decode_field(&object, "country")?,
        })
    }
}

/// `TestVM_Evaluate`: 38 cases.
#[test]
fn vm_evaluate() {
    let s = Scope::new().with("foobar", Value::int(42));
    // Binops.
    check("true || false", &s, true);
    check("false || false", &s, false);
    check("true && false", &s, false);
    check("true && true", &s, true);
    check("3 == 5", &s, false);
    check("3 == 3", &s, true);
    check("3 != 5", &s, true);
    check("3 < 5", &s, true);
    check("3 <= 5", &s, true);
    check("3 > 5", &s, false);
    check("3 >= 5", &s, false);
    check("3 + 5", &s, 8i64);
    check("3 - 5", &s, -2i64);
    check("3 * 5", &s, 15i64);
    check("3.0 / 5.0", &s, 0.6f64);
    check("5 % 3", &s, 2i64);
    check("3 ^ 5", &s, 243i64);
    check("3 ^ 0", &s, 1i64);
    check("3 ^ 1", &s, 3i64);
    check("0 ^ 1", &s, 0i64);
    check("3 + 5 * 2", &s, 13i64);
    check("42.0^-2", &s, 0.0005668934240362812f64);
    // Identifier.
    check("foobar", &s, 42i64);
    // Arrays.
    check("[]", &s, Vec::<i64>::new());
    check("[0, 1, 2]", &s, vec![0i64, 1, 2]);
    check("[true, false]", &s, vec![true, false]);
    // Objects.
    check(
        "{ a = 5, b = 10 }",
        &s,
        BTreeMap::from([("a".to_owned(), 5i64), ("b".to_owned(), 10)]),
    );
    check(
        "{\n\t\t\t\t\tname = \"John Doe\", \n\t\t\t\t\tage = 42,\n\t\t\t}",
        &s,
        Person {
            name: "John Doe".to_owned(),
            age: 42,
            country: String::new(),
        },
    );
    // Access.
    check("{ a = 15 }.a", &s, 15i64);
    check("{ a = { b = 12 } }.a.b", &s, 12i64);
    check(r#"{}["foo"]"#, &s, Value::Null);
    // Indexing.
    check("[0, 1, 2][1]", &s, 1i64);
    check("[[1,2,3]][0][2]", &s, 3i64);
    check("[true, false][0]", &s, true);
    // Paren.
    check("(15)", &s, 15i64);
    // Unary.
    check("!true", &s, false);
    check("!false", &s, true);
    check("-15", &s, -15i64);
}

/// `vm_test.go` single cases: 5.
#[test]
fn vm_single_cases() {
    check("null", &Scope::new(), Value::Null);
    check(
        "foobar",
        &Scope::new().with("foobar", Value::int(15)),
        15i64,
    );
    check_err::<Value>(
        "foobar",
        &Scope::new(),
        r#"1:1: identifier "foobar" does not exist"#,
    );
    let mut person = Object::new();
    person.insert("name", Value::from(""));
    check(
        "person.name",
        &Scope::new().with("person", Value::object(person)),
        String::new(),
    );
    check_err::<Value>(
        "{ a = 15 }.b",
        &Scope::new(),
        r#"1:12: field "b" does not exist"#,
    );
}

/// `Target` of `TestVM_ExprErrors`: `key.object.field1` is a list of ints.
#[derive(Debug)]
struct Key {
    #[allow(dead_code)]
    object: Field1Holder,
}

#[derive(Debug)]
struct Field1Holder {
    #[allow(dead_code)]
    field1: Vec<i64>,
}

impl FromValue for Key {
    fn from_value(value: &Value) -> Result<Key, ValueError> {
        let object = to_object(value)?;
        Ok(Key {
            object: decode_field(&object, "object")?,
        })
    }
}

impl FromValue for Field1Holder {
    fn from_value(value: &Value) -> Result<Field1Holder, ValueError> {
        let object = to_object(value)?;
        Ok(Field1Holder {
            field1: decode_field(&object, "field1")?,
        })
    }
}

/// Evaluates a file and decodes attribute `key` to `T`, rendering errors
/// with the file name `test`.
fn file_key_error<T: FromValue + Debug>(input: &str, scope: &Scope) -> String {
    let parse = alloy_syntax::parse_file(input.as_bytes());
    assert!(parse.errors().is_empty(), "{:?}", parse.errors());
    let index = parse.line_index();
    let body = evaluate_body(parse.tree().statements(), scope)
        .unwrap_or_else(|e| panic!("{}", e.render("test", &index)));
    match body.require::<T>("key") {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.render("test", &index),
    }
}

/// `TestVM_ExprErrors`: 4 cases.
#[test]
fn vm_expr_errors() {
    assert_eq!(
        file_key_error::<Key>("key = true", &Scope::new()),
        "test:1:7: true should be object, got bool"
    );
    let nested = "\n\t\t\t\tkey = {\n\t\t\t\t\tobject = {\n\t\t\t\t\t\tfield1 = [15, 30, \"Hello, world!\"],\n\t\t\t\t\t},\n\t\t\t\t}\n\t\t\t";
    assert_eq!(
        file_key_error::<Key>(nested, &Scope::new()),
        r#"test:4:25: "Hello, world!" should be number, got string"#
    );
    let mut inner = Object::new();
    inner.insert(
        "field1",
        Value::array(vec![Value::int(15), Value::int(30), "Hello, world!".into()]),
    );
    let mut outer = Object::new();
    outer.insert("object", Value::object(inner));
    let scope = Scope::new().with("key_value", Value::object(outer));
    assert_eq!(
        file_key_error::<Key>("key = key_value", &scope),
        "test:1:7: key_value.object.field1[2] should be number, got string"
    );
    assert_eq!(
        file_key_error::<String>("key = [0, 1, 2]", &Scope::new()),
        "test:1:7: [0, 1, 2] should be string, got array"
    );
}

fn capsule_scope() -> Scope {
    Scope::new()
        .with("string_val", Value::from("hello"))
        .with("non_secret_val", OptionalSecret::new("world", false).into())
        .with("secret_val", OptionalSecret::new("secret", true).into())
        .with("secret_type_val", Value::secret("welcome"))
}

/// `TestVM_Capsule_Conversion`: 23 cases. Results decode into the type of
/// upstream's expectation (string, bool, `OptionalSecret` or `Secret`).
#[test]
fn vm_capsule_conversion() {
    let s = capsule_scope();
    check("string_val + non_secret_val", &s, "helloworld".to_owned());
    check("non_secret_val + string_val", &s, "worldhello".to_owned());
    check(r#""world" == non_secret_val"#, &s, true);
    check(r#"non_secret_val == "world""#, &s, true);
    check("secret_val == secret_val", &s, true);
    check("non_secret_val == non_secret_val", &s, true);
    check("non_secret_val == secret_val", &s, false);
    check_err_contains::<Value>(
        "secret_val - string_val",
        &s,
        "secret_val should be one of [number] for binop -, got capsule",
    );
    check_err_contains::<Value>(
        "string_val - secret_val",
        &s,
        "string_val should be one of [number] for binop -, got capsule",
    );
    check(
        "secret_val + string_val",
        &s,
        OptionalSecret::new("secrethello", true),
    );
    check("non_secret_val + string_val", &s, "worldhello".to_owned());
    check(
        "non_secret_val + non_secret_val",
        &s,
        Secret::new("worldworld"),
    );
    check(
        "secret_val + non_secret_val",
        &s,
        Secret::new("secretworld"),
    );
    check(
        "non_secret_val + secret_val",
        &s,
        Secret::new("worldsecret"),
    );
    check(
        "non_secret_val + secret_type_val",
        &s,
        Secret::new("worldwelcome"),
    );
    check(
        "secret_type_val + string_val",
        &s,
        Secret::new("welcomehello"),
    );
    check(
        "secret_type_val + non_secret_val",
        &s,
        Secret::new("welcomeworld"),
    );
    check(
        "secret_type_val + secret_val",
        &s,
        Secret::new("welcomesecret"),
    );
    check(
        "secret_type_val + secret_type_val",
        &s,
        Secret::new("welcomewelcome"),
    );
    check(
        "string_val + secret_val",
        &s,
        OptionalSecret::new("hellosecret", true),
    );
    check("string_val + non_secret_val", &s, "helloworld".to_owned());
    check("string_val + string_val", &s, "hellohello".to_owned());
    check(
        "string_val + secret_type_val",
        &s,
        Secret::new("hellowelcome"),
    );
}

/// Error messages of §G.3 beyond upstream's tables.
#[test]
fn evaluation_errors() {
    let s = Scope::new()
        .with("n", Value::int(1))
        .with("secret", Value::secret("pw"));
    let cases: &[(&str, &str)] = &[
        ("[0, 1, 2][5]", "1:11: 5 index 5 is out of range of array with length 3"),
        ("[0, 1, 2][-1]", "1:11: -1 index -1 is out of range of array with length 3"),
        ("[0][\"a\"]", "1:5: \"a\" should be number, got string"),
        ("{a = 1}[0]", "1:9: 0 should be string, got number"),
        ("n[0]", "1:1: n expected object or array, got number"),
        ("n.field", "1:1: n cannot access field \"field\" on value of type number"),
        ("secret.field", "1:1: secret expected object or array or a capsule convertible to an object, got capsule"),
        ("1 / 0", "1:5: 0 divide by zero error"),
        ("1 % 0", "1:5: 0 divide by zero error"),
        ("1.5 / 0.0", "1:7: 0.0 divide by zero error"),
        ("1 + \"a\"", "1:5: \"a\" should be number, got string"),
        ("true + 1", "1:1: true should be one of [number string capsule] for binop +, got bool"),
        ("1 && true", "1:1: 1 should be one of [bool] for binop &&, got number"),
        ("[] < []", "1:1: [] should be one of [number string] for binop <, got array"),
        ("!1", "1:2: 1 should be bool, got number"),
        ("-\"a\"", "1:2: \"a\" should be number, got string"),
        ("n(1)", "1:1: n should be function, got number"),
        ("string.join([\"a\"])", "1:1: string.join expected 2 args, got 1"),
        ("string.format()", "1:1: string.format expected at least 1 args, got 0"),
        ("string.join([1, true], \",\")", "1:17: true should be string, got bool"),
        ("string.to_upper(secret)", "1:17: secret secrets may not be converted into strings"),
        ("(1 + 2).x", "1:1: (1 + 2) cannot access field \"x\" on value of type number"),
        ("nope.x", "1:1: identifier \"nope\" does not exist"),
    ];
    for (input, expect) in cases {
        check_err::<Value>(input, &s, expect);
    }
}

/// Literal rules (§G.2) and operator semantics (§G.3) not in upstream's
/// tables.
#[test]
fn literal_and_operator_semantics() {
    let s = Scope::new();
    check("010", &s, Value::int(8));
    check("09", &s, Value::float(9.0));
    check("0", &s, Value::int(0));
    check("9223372036854775807", &s, Value::int(i64::MAX));
    check("9223372036854775808", &s, Value::uint(1 << 63));
    check(
        "18446744073709551616",
        &s,
        Value::float(1.8446744073709552e19),
    );
    check("1e3", &s, Value::float(1000.0));
    check("\"a\\tb\\u00e9\\x41\"", &s, Value::from("a\tbéA"));
    check("`raw\r\nstring`", &s, Value::from("raw\nstring"));
    check("`no \\n escapes`", &s, Value::from("no \\n escapes"));
    // Kinds and promotion.
    check("5 / 2", &s, Value::int(2));
    check("5.0 / 2", &s, Value::float(2.5));
    check("-5 % 3", &s, Value::int(-2));
    check("5.5 % 2", &s, Value::float(1.5));
    check("3 == 3.0", &s, Value::Bool(true));
    check(
        "9223372036854775808 == 9223372036854775808.0",
        &s,
        Value::Bool(true),
    );
    check("9223372036854775807 + 1", &s, Value::int(i64::MIN));
    check("-(-9223372036854775807 - 1)", &s, Value::int(i64::MIN));
    // uint + int widens to int: u64::MAX becomes -1.
    check("18446744073709551615 + 1", &s, Value::int(0));
    check(
        "18446744073709551615 + 18446744073709551615",
        &s,
        Value::uint(u64::MAX - 1),
    );
    check("2 ^ 64", &s, Value::int(0));
    check("2 ^ -1", &s, Value::int(2));
    check("2.0 ^ 0.5", &s, Value::float(2f64.sqrt()));
    check("-9223372036854775808", &s, Value::int(i64::MIN));
    // Comparisons of strings are byte-wise.
    check("\"a\" < \"b\"", &s, Value::Bool(true));
    check("\"B\" < \"a\"", &s, Value::Bool(true));
    check("\"a\" + \"b\"", &s, Value::from("ab"));
    // Equality across types and structures.
    check("1 == \"1\"", &s, Value::Bool(false));
    check("null == null", &s, Value::Bool(true));
    check("[1, [2]] == [1, [2.0]]", &s, Value::Bool(true));
    check("{a = 1, b = 2} == {b = 2, a = 1}", &s, Value::Bool(true));
    check("{a = 1} != {a = 1, b = 2}", &s, Value::Bool(true));
    check("string.join == string.join", &s, Value::Bool(false));
    // Both sides of && and || are evaluated: an error on the right shows.
    check_err::<Value>(
        "false && nope",
        &s,
        "1:10: identifier \"nope\" does not exist",
    );
    // Repeated object keys: the last one wins.
    check("{a = 1, a = 2}.a", &s, Value::int(2));
    check("{\"a b\" = 1}[\"a b\"]", &s, Value::int(1));
}

/// Evaluates whatever tree the parser produced, errors or not; the point
/// is that nothing panics or overflows.
fn eval_any_tree(input: &str) -> Option<Value> {
    let parse = alloy_syntax::parse_expression(input);
    let expr = parse.tree().expression()?;
    evaluate(&expr, &Scope::new()).ok()
}

/// Long operator chains and deep nesting are evaluated without
/// overflowing a small (2 MiB, an async worker's) stack, whatever the
/// parser accepts.
#[test]
fn deep_expressions_do_not_overflow() {
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let chain = vec!["1"; 1_000].join(" + ");
            assert_eq!(eval_any_tree(&chain), Some(Value::int(1_000)));
            let nested = format!("{}1{}", "[".repeat(250), "]".repeat(250));
            assert!(eval_any_tree(&nested).is_some());
            for input in [
                vec!["1"; 50_000].join(" + "),
                format!("{}1", "-".repeat(5_000)),
                format!("{}true", "!".repeat(5_000)),
                vec!["2"; 5_000].join(" ^ "),
                format!("{}1{}", "(".repeat(5_000), ")".repeat(5_000)),
                format!("a{}", ".b".repeat(5_000)),
                format!("a{}", "[0]".repeat(5_000)),
                format!("f{}", "()".repeat(5_000)),
            ] {
                let _ = eval_any_tree(&input);
            }
            // The deepest nestings the parser accepts, of each kind.
            let n = 255;
            for input in [
                format!("{}1{}", "coalesce(".repeat(n), ")".repeat(n)),
                format!("{}1{}", "{a=".repeat(n), "}".repeat(n)),
                format!("{}1{}", "(".repeat(n), ")".repeat(n)),
                format!("{}0{}", "[0][".repeat(n), "]".repeat(n)),
                format!("{}1{}", "1+(".repeat(n), ")".repeat(n)),
            ] {
                let _ = eval_any_tree(&input);
            }
        })
        .expect("spawn");
    assert!(handle.join().is_ok(), "evaluation overflowed its stack");
}
