//! Block decoding (`syntax/vm/vm_block_test.go`, inline-cases §6
//! "block decoding error facts"): bodies checked against schemas with
//! upstream's messages. Upstream's schemas are Go structs; here they are
//! catalogue-shaped `BlockSchema` statics with the same fields.

use alloy_analysis::catalogue::{Argument, BlockSchema};
use alloy_runtime::eval::{decode_block, decode_body, evaluate_block_to_object, BlockValue, Scope};
use alloy_runtime::value::{Number, Value};
use alloy_syntax::ast::{Block, Stmt};

const fn arg(name: &'static str, ty: &'static str, required: bool) -> Argument {
    Argument {
        name,
        ty,
        default: None,
        default_is_literal: false,
        required,
        documented: true,
    }
}

const fn block(
    name: &'static str,
    required: bool,
    arguments: &'static [Argument],
    blocks: &'static [BlockSchema],
) -> BlockSchema {
    BlockSchema {
        name,
        required,
        repeatable: false,
        labeled: false,
        enum_group: None,
        documented: true,
        module_body: false,
        arguments,
        blocks,
    }
}

const CHILD_ARGS: &[Argument] = &[arg("attr", "bool", true)];

fn first_block(input: &str) -> (alloy_syntax::Parse, Block) {
    let parse = alloy_syntax::parse(input);
    assert!(parse.errors().is_empty(), "{input}: {:?}", parse.errors());
    let Some(Stmt::Block(b)) = parse.tree().statements().next() else {
        panic!("{input}: no block");
    };
    (parse, b)
}

fn decode(input: &str, schema: &BlockSchema) -> Result<BlockValue, String> {
    let (parse, b) = first_block(input);
    decode_block(&b, &Scope::new(), schema).map_err(|e| e.render("", &parse.line_index()))
}

fn decode_err(input: &str, schema: &BlockSchema) -> String {
    match decode(input, schema) {
        Ok(v) => panic!("{input}: expected an error, got {v:?}"),
        Err(e) => e,
    }
}

static NUMBER_ONLY: BlockSchema = block("some_block", false, &[arg("number", "number", true)], &[]);
static NUMBER_AND_STRING: BlockSchema = block(
    "some_block",
    false,
    &[arg("number", "number", true), arg("string", "string", true)],
    &[],
);
static CHILD_AS_BLOCK: BlockSchema = block(
    "some_block",
    false,
    &[],
    &[block("child", true, CHILD_ARGS, &[])],
);
static VALUE_AND_CHILD: BlockSchema = block(
    "some_block",
    false,
    &[arg("value", "number", true)],
    &[block("child.block", true, CHILD_ARGS, &[])],
);
static VALUE_ONLY: BlockSchema = block("some_block", false, &[arg("value", "number", true)], &[]);
static UNLABELED: BlockSchema = block("some_block", false, &[], &[]);
static LABELED: BlockSchema = BlockSchema {
    labeled: true,
    ..block("some_block", false, &[], &[])
};

/// The error rows of vm_block_test.go: 11 cases.
#[test]
fn block_decoding_errors() {
    assert_eq!(
        decode_err("some_block {\n\t\t\tnumber {} \n\t\t}", &NUMBER_ONLY),
        r#"2:4: "number" must be an attribute, but is used as a block"#
    );
    assert_eq!(
        decode_err(
            "some_block {\n\t\t\tnumber = 15 \n\t\t}",
            &NUMBER_AND_STRING
        ),
        r#"missing required attribute "string""#
    );
    assert_eq!(
        decode_err(
            "some_block {\n\t\t\tnumber  = 15 \n\t\t\tinvalid = \"This attribute does not exist!\"\n\t\t}",
            &NUMBER_ONLY
        ),
        r#"3:4: unrecognized attribute name "invalid""#
    );
    assert_eq!(
        decode_err("some_block {\n\t\t\tchild = 15\n\t\t}", &CHILD_AS_BLOCK),
        r#"2:4: "child" must be a block, but is used as an attribute"#
    );
    assert_eq!(
        decode_err("some_block {\n\t\t\tvalue = 15\n\t\t}", &VALUE_AND_CHILD),
        r#"missing required block "child.block""#
    );
    assert_eq!(
        decode_err(
            "some_block {\n\t\t\tvalue = 15\n\n\t\t\tchild.block { attr = true }\n\t\t}",
            &VALUE_ONLY
        ),
        r#"4:4: unrecognized block name "child.block""#
    );
    assert_eq!(
        decode_err(r#"some_block "label_value_2" {}"#, &UNLABELED),
        r#"1:1: block "some_block" does not support specifying labels"#
    );
    assert_eq!(
        decode_err("some_block {}", &LABELED),
        r#"1:1: block "some_block" requires non-empty label"#
    );
    assert_eq!(
        decode_err(r#"some_block "" {}"#, &LABELED),
        r#"1:1: block "some_block" requires non-empty label"#
    );

    let (parse, b) = first_block(r#"some.settings "foo" { field_a = 12345 }"#);
    let err = evaluate_block_to_object(&b, &Scope::new()).expect_err("labeled");
    assert_eq!(
        err.render("", &parse.line_index()),
        r#"1:1: block "some.settings" requires empty label"#
    );
    let (parse, b) = first_block("some.settings { inner_map { field_a = 12345 } }");
    let err = evaluate_block_to_object(&b, &Scope::new()).expect_err("nested");
    assert_eq!(
        err.render("", &parse.line_index()),
        "1:17: nested blocks not supported here"
    );
}

#[test]
fn attributes_and_blocks_decode() {
    let value = decode(
        "some_block {\n\t\t\tnumber = 15 \n\t\t\tstring = \"Hello, world!\"\n\t\t}",
        &NUMBER_AND_STRING,
    )
    .expect("decodes");
    assert_eq!(value.body.require::<i64>("number"), Ok(15));
    assert_eq!(
        value.body.require::<String>("string").as_deref(),
        Ok("Hello, world!")
    );

    static OPTIONAL: BlockSchema = block(
        "some_block",
        false,
        &[
            arg("number", "number", true),
            arg("string", "string", false),
        ],
        &[],
    );
    let value = decode("some_block {\n\t\t\tnumber = 15 \n\t\t}", &OPTIONAL).expect("decodes");
    assert_eq!(
        value.body.get_or("string", String::new()).as_deref(),
        Ok("")
    );

    // Repeated blocks keep their order.
    static REPEATED: BlockSchema = block(
        "some_block",
        false,
        &[arg("value", "number", true)],
        &[BlockSchema {
            repeatable: true,
            ..block("child.block", true, CHILD_ARGS, &[])
        }],
    );
    let value = decode(
        "some_block {\n\tvalue = 10\n\tchild.block { attr = true }\n\tchild.block { attr = false }\n\tchild.block { attr = true }\n}",
        &REPEATED,
    )
    .expect("decodes");
    let attrs: Vec<bool> = value
        .body
        .blocks_named("child.block")
        .map(|b| b.body.require::<bool>("attr").expect("attr"))
        .collect();
    assert_eq!(attrs, [true, false, true]);

    // A block that may appear once, twice.
    assert_eq!(
        decode_err(
            "some_block {\n\tvalue = 1\n\tchild.block { attr = true }\n\tchild.block { attr = true }\n}",
            &VALUE_AND_CHILD
        ),
        r#"3:2: block "child.block" may only be specified once"#
    );
    // An attribute given twice.
    assert_eq!(
        decode_err("some_block {\n\tnumber = 1\n\tnumber = 2\n}", &NUMBER_ONLY),
        r#"3:2: attribute "number" may only be provided once"#
    );

    // Labels decode.
    let value = decode(r#"some_block "label_value_1" {}"#, &LABELED).expect("decodes");
    assert_eq!(value.label.as_deref(), Some("label_value_1"));
}

/// Enum blocks (`alloy:"child,enum"`): members in any order, repeated.
#[test]
fn enum_blocks_keep_order() {
    const MEMBER_ARGS: &[Argument] = &[arg("attr", "number", true)];
    const fn member(name: &'static str) -> BlockSchema {
        BlockSchema {
            repeatable: true,
            enum_group: Some("child"),
            ..block(name, false, MEMBER_ARGS, &[])
        }
    }
    static ENUM: BlockSchema = block(
        "some_block",
        false,
        &[arg("value", "number", true)],
        &[member("child.a"), member("child.b"), member("child.c")],
    );
    let value = decode(
        "some_block {\n\tvalue = 15\n\tchild.a { attr = 1 }\n\tchild.b { attr = 2 }\n\tchild.c { attr = 3 }\n\tchild.a { attr = 4 }\n}",
        &ENUM,
    )
    .expect("decodes");
    let order: Vec<(String, i64)> = value
        .body
        .blocks()
        .map(|b| (b.name.clone(), b.body.require::<i64>("attr").expect("attr")))
        .collect();
    assert_eq!(
        order,
        [
            ("child.a".to_owned(), 1),
            ("child.b".to_owned(), 2),
            ("child.c".to_owned(), 3),
            ("child.a".to_owned(), 4)
        ]
    );
}

/// "Tests decoding into an interface": the number kind a literal gets (9
/// cases; upstream's `int` is our Int, `uint64` Uint, `float64` Float).
#[test]
fn decoding_into_any_keeps_number_kinds() {
    static ANY: BlockSchema = block("some_block", false, &[arg("anything", "any", true)], &[]);
    type KindCheck = fn(Number) -> bool;
    let cases: [(String, KindCheck); 9] = [
        ("15".to_owned(), |n| matches!(n, Number::Int(15))),
        ("-15".to_owned(), |n| matches!(n, Number::Int(-15))),
        (i64::MAX.to_string(), |n| matches!(n, Number::Int(i64::MAX))),
        (i64::MIN.to_string(), |n| matches!(n, Number::Int(i64::MIN))),
        (((i64::MAX as u64) + 1).to_string(), |n| {
            matches!(n, Number::Uint(_))
        }),
        (u64::MAX.to_string(), |n| {
            matches!(n, Number::Uint(u64::MAX))
        }),
        (format!("{}9", i64::MIN), |n| matches!(n, Number::Float(_))),
        (format!("{}9", u64::MAX), |n| matches!(n, Number::Float(_))),
        ("16.0".to_owned(), |n| matches!(n, Number::Float(_))),
    ];
    for (literal, expect) in cases {
        let input = format!("some_block {{\n\t\t\t\t\tanything  = {literal} \n\t\t\t\t}}");
        let value = decode(&input, &ANY).expect("decodes");
        let number = value
            .body
            .require::<Value>("anything")
            .ok()
            .and_then(|v| v.as_number());
        assert!(number.is_some_and(expect), "{literal}: {number:?}");
    }
}

/// Attribute values are converted to the schema's types, and conversion
/// errors name the expression.
#[test]
fn schema_types_convert_values() {
    static TYPED: BlockSchema = block(
        "b",
        false,
        &[
            arg("timeout", "duration", false),
            arg("password", "secret", false),
            arg("count", "number", false),
            arg("name", "string", false),
            arg("labels", "map(string)", false),
            arg("targets", "list(map(string))", false),
        ],
        &[],
    );
    let value = decode(
        "b {\n\ttimeout = \"1m30s\"\n\tpassword = \"hunter2\"\n\tcount = \"12\"\n\tname = 42\n\tlabels = { a = 1 }\n\ttargets = [{ x = 1.5 }]\n}",
        &TYPED,
    )
    .expect("decodes");
    let body = &value.body;
    assert_eq!(
        body.require::<std::time::Duration>("timeout"),
        Ok(std::time::Duration::from_secs(90))
    );
    assert!(matches!(
        body.require::<Value>("password"),
        Ok(Value::Capsule(_))
    ));
    assert_eq!(body.require::<Value>("count"), Ok(Value::uint(12)));
    assert_eq!(body.require::<Value>("name"), Ok(Value::from("42")));
    assert_eq!(
        body.require::<Value>("labels").map(|v| v.to_string()),
        Ok("{ a = \"1\" }".to_owned())
    );
    assert_eq!(
        body.require::<Value>("targets").map(|v| v.to_string()),
        Ok("[{ x = \"1.5\" }]".to_owned())
    );
    // A secret attribute never prints.
    assert!(!format!("{value:?}").contains("hunter2"));

    assert_eq!(
        decode_err("b {\n\ttimeout = \"5\"\n}", &TYPED),
        r#"2:12: "5" time: missing unit in duration "5""#
    );
    assert_eq!(
        decode_err("b {\n\tlabels = { a = [1] }\n}", &TYPED),
        "2:17: [1] should be string, got array"
    );
    assert_eq!(
        decode_err("b {\n\tcount = \"-1.5\"\n}", &TYPED),
        r#"2:10: "-1.5" should be number, got string"#
    );
}

/// Component bodies: the whole file body against a component's catalogue
/// schema.
#[test]
fn catalogue_component_bodies_decode() {
    let component = alloy_analysis::catalogue::component("prometheus.exporter.self")
        .or_else(|| alloy_analysis::catalogue::component("discovery.relabel"))
        .expect("a component");
    let parse = alloy_syntax::parse("unknown_attribute = 1\n");
    let err = decode_body(parse.tree().statements(), &Scope::new(), &component.body())
        .expect_err("unknown attribute");
    assert_eq!(
        err.render("", &parse.line_index()),
        r#"1:1: unrecognized attribute name "unknown_attribute""#
    );
}
