//! How a controller uses the evaluator: decode each component's body
//! against its catalogue schema, read typed arguments, and publish the
//! component's exports into the scope so that later components can refer
//! to them.

use alloy_analysis::catalogue;
use alloy_runtime::eval::{decode_body, BodyValue, EvalError, Scope};
use alloy_runtime::value::{Object, OptionalSecret, Value};
use alloy_syntax::ast::{Block, Stmt};

const CONFIG: &str = r#"
local.file "token" {
  filename  = "/etc/alloy/token"
  is_secret = true
}

prometheus.exporter.self "default" { }

discovery.relabel "with_job" {
  targets = array.concat(prometheus.exporter.self.default.targets, [{"__address__" = "b:2"}])

  rule {
    target_label = "job"
    replacement  = string.format("%s-%d", constants.os, 1)
  }
  rule {
    source_labels = ["__address__"]
    target_label  = "instance"
  }
}
"#;

fn components(parse: &alloy_syntax::Parse) -> Vec<Block> {
    parse
        .tree()
        .statements()
        .filter_map(|s| match s {
            Stmt::Block(b) => Some(b),
            Stmt::Attribute(_) => None,
        })
        .collect()
}

/// Decodes one component's arguments.
fn arguments(block: &Block, scope: &Scope) -> Result<BodyValue, EvalError> {
    let component = catalogue::component(&block.name()).expect("a known component");
    decode_body(block.statements(), scope, &component.body())
}

#[test]
fn components_see_each_others_exports() {
    let parse = alloy_syntax::parse(CONFIG);
    assert!(parse.errors().is_empty(), "{:?}", parse.errors());
    let index = parse.line_index();
    let render = |e: EvalError| e.render("config.alloy", &index);
    let mut scope = Scope::new();

    for block in components(&parse) {
        let name = block.name();
        let label = block.label().expect("components have labels");
        let args = arguments(&block, &scope).map_err(render).expect("decodes");

        // What the component would export after running.
        let mut exports = Object::new();
        match name.as_str() {
            "local.file" => {
                assert_eq!(
                    args.require::<String>("filename")
                        .map_err(render)
                        .as_deref(),
                    Ok("/etc/alloy/token")
                );
                let secret = args
                    .get_or("is_secret", false)
                    .map_err(render)
                    .expect("bool");
                exports.insert("content", OptionalSecret::new("t0k3n", secret).into());
            }
            "prometheus.exporter.self" => {
                let target: Object = [("__address__", Value::from("a:1"))].into_iter().collect();
                exports.insert("targets", Value::array(vec![Value::object(target)]));
            }
            "discovery.relabel" => {
                let targets: Vec<std::collections::BTreeMap<String, String>> =
                    args.require("targets").map_err(render).expect("targets");
                assert_eq!(targets.len(), 2);
                assert_eq!(targets[0]["__address__"], "a:1");
                let rules: Vec<&BodyValue> = args.blocks_named("rule").map(|b| &b.body).collect();
                assert_eq!(rules.len(), 2);
                assert_eq!(
                    rules[0].require::<String>("replacement").map_err(render),
                    Ok(format!("{}-1", alloy_runtime::stdlib::go_os()))
                );
                assert_eq!(
                    rules[1]
                        .require::<Vec<String>>("source_labels")
                        .map_err(render),
                    Ok(vec!["__address__".to_owned()])
                );
                exports.insert("output", Value::array(vec![]));
            }
            other => panic!("unexpected component {other}"),
        }

        // Publish: `<name>.<label>` becomes a path of nested objects.
        let mut path: Vec<&str> = name.split('.').collect();
        path.push(&label);
        scope.insert_path(&path, Value::object(exports));
    }

    // The published values are reachable by reference.
    let token =
        alloy_runtime::eval::evaluate_str("local.file.token.content", &scope).expect("published");
    assert_eq!(token.to_string(), "(secret)");
}

#[test]
fn argument_errors_point_into_the_file() {
    let parse = alloy_syntax::parse(
        "discovery.relabel \"x\" {\n  targets = [{a = \"b\"}, {c = [1]}]\n  rule { nope = 1 }\n}\n",
    );
    let index = parse.line_index();
    let block = components(&parse).remove(0);
    let err = arguments(&block, &Scope::new()).expect_err("bad targets");
    assert_eq!(
        err.render("config.alloy", &index),
        "config.alloy:2:30: [1] should be string, got array"
    );
    let parse =
        alloy_syntax::parse("discovery.relabel \"x\" {\n  targets = []\n  rule { nope = 1 }\n}\n");
    let block = components(&parse).remove(0);
    let err = arguments(&block, &Scope::new()).expect_err("unknown rule attribute");
    assert_eq!(
        err.render("config.alloy", &parse.line_index()),
        "config.alloy:3:10: unrecognized attribute name \"nope\""
    );
    let parse = alloy_syntax::parse("discovery.relabel \"x\" {\n}\n");
    let block = components(&parse).remove(0);
    let err = arguments(&block, &Scope::new()).expect_err("missing targets");
    assert_eq!(
        err.render("config.alloy", &parse.line_index()),
        "missing required attribute \"targets\""
    );
}

#[test]
fn runtime_types_are_shareable_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Value>();
    assert_send_sync::<Scope>();
    assert_send_sync::<BodyValue>();
    assert_send_sync::<EvalError>();
}
