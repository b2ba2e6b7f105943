//! Evaluation never panics, whatever the input: arbitrary text (parsed,
//! errors and all) and generated well-formed expressions over a scope
//! holding every kind of value.

use alloy_runtime::eval::{evaluate, Scope};
use alloy_runtime::value::{OptionalSecret, Value};
use proptest::prelude::*;

fn scope() -> Scope {
    Scope::new()
        .with("n", Value::int(-3))
        .with("u", Value::uint(u64::MAX))
        .with("f", Value::float(0.5))
        .with("s", Value::from("text"))
        .with("b", Value::Bool(true))
        .with("arr", Value::array(vec![Value::int(1), Value::Null]))
        .with(
            "obj",
            Value::object([("k", Value::int(1))].into_iter().collect()),
        )
        .with("sec", Value::secret("pw"))
        .with("opt", OptionalSecret::plain("7").into())
}

fn eval_text(text: &str) {
    let parse = alloy_syntax::parse_expression(text);
    if let Some(expr) = parse.tree().expression() {
        let _ = evaluate(&expr, &scope());
    }
    let file = alloy_syntax::parse(text);
    let _ = alloy_runtime::eval::evaluate_body(file.tree().statements(), &scope());
}

/// Leaves: literals of every kind, scope variables and stdlib names.
fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        any::<i64>().prop_map(|i| i.to_string()),
        any::<u64>().prop_map(|u| u.to_string()),
        Just("0".to_owned()),
        Just("010".to_owned()),
        Just("1.5e300".to_owned()),
        Just("\"a\\x00\\u00e9\"".to_owned()),
        Just("`raw`".to_owned()),
        prop::sample::select(vec![
            "n",
            "u",
            "f",
            "s",
            "b",
            "arr",
            "obj",
            "sec",
            "opt",
            "string",
            "encoding",
            "constants",
            "coalesce",
            "json_path",
            "array",
        ])
        .prop_map(str::to_owned),
    ]
}

/// Expressions built from leaves with every operator and form.
fn expr() -> impl Strategy<Value = String> {
    leaf().prop_recursive(6, 64, 4, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec![
                    "||", "&&", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "^",
                ]),
                inner.clone()
            )
                .prop_map(|(l, op, r)| format!("({l} {op} {r})")),
            (prop::sample::select(vec!["-", "!"]), inner.clone())
                .prop_map(|(op, e)| format!("{op}({e})")),
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(", "))),
            prop::collection::vec(inner.clone(), 0..3).prop_map(|items| {
                let fields: Vec<String> = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| format!("k{i} = {v}"))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }),
            (inner.clone(), inner.clone()).prop_map(|(a, i)| format!("{a}[{i}]")),
            (
                inner.clone(),
                prop::sample::select(vec!["k", "k0", "format", "x"])
            )
                .prop_map(|(a, f)| format!("{a}.{f}")),
            (
                prop::sample::select(vec![
                    "string.format",
                    "string.join",
                    "string.split",
                    "string.replace",
                    "string.trim",
                    "coalesce",
                    "array.concat",
                    "array.combine_maps",
                    "array.group_by",
                    "encoding.to_json",
                    "encoding.from_json",
                    "encoding.from_yaml",
                    "encoding.from_base64",
                    "encoding.url_decode",
                    "json_path",
                    "convert.nonsensitive",
                    "file.path_join",
                    "sys.env",
                ]),
                prop::collection::vec(inner, 0..4)
            )
                .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_expressions_never_panic(text in expr()) {
        eval_text(&text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,64}") {
        eval_text(&text);
    }

    #[test]
    fn format_strings_never_panic(format in "[%a-z0-9.*+#\\- \\[\\]]{0,24}") {
        eval_text(&format!("string.format({:?}, 1, \"a\", 2.5, [1], {{a = 1}}, null, -3)", format));
    }
}
