//! Definition and references, across the files of a directory, for
//! component labels, `declare` names and `argument`s.

use serde_json::{json, Value};

use crate::common::*;

const A: &str = "prometheus.scrape \"s\" {\n\ttargets    = []\n\tforward_to = [prometheus.remote_write.default.receiver]\n}\n\nsink \"one\" {\n\turl = \"http://x\"\n}\n";
const B: &str = "prometheus.remote_write \"default\" {\n\tendpoint {\n\t\turl = \"http://m\"\n\t}\n}\n\nprometheus.scrape \"t\" {\n\ttargets    = []\n\tforward_to = [prometheus.remote_write.default.receiver]\n}\n";
const C: &str = "declare \"sink\" {\n\targument \"url\" { }\n\n\tloki.write \"w\" {\n\t\tendpoint {\n\t\t\turl = argument.url.value\n\t\t}\n\t}\n}\n";

async fn setup() -> (Client, Dir) {
    let dir = Dir::new(&[("a.alloy", A), ("b.alloy", B), ("c.alloy", C)]);
    let mut client = Client::default_editor().await;
    client.open(&dir.uri("a.alloy"), A).await;
    (client, dir)
}

async fn at(client: &mut Client, method: &str, uri: &str, position: Value, extra: Value) -> Value {
    let mut params = json!({"textDocument": {"uri": uri}, "position": position});
    if let Value::Object(map) = extra {
        for (k, v) in map {
            params[k] = v;
        }
    }
    client.request(method, params).await.expect(method)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definition_crosses_files() {
    let (mut client, dir) = setup().await;
    let a = dir.uri("a.alloy");
    let def = at(
        &mut client,
        "textDocument/definition",
        &a,
        find(A, "remote_write.default", 14),
        json!({}),
    )
    .await;
    assert_eq!(def["uri"], dir.uri("b.alloy"));
    assert_eq!(def["range"]["start"], json!({"line": 0, "character": 0}));
    assert_eq!(def["range"]["end"], json!({"line": 0, "character": 33}));
    // A custom component instance goes to its declare.
    let def = at(
        &mut client,
        "textDocument/definition",
        &a,
        find(A, "sink", 1),
        json!({}),
    )
    .await;
    assert_eq!(def["uri"], dir.uri("c.alloy"));
    assert_eq!(def["range"]["start"], json!({"line": 0, "character": 0}));
    // Its attribute goes to the argument.
    let def = at(
        &mut client,
        "textDocument/definition",
        &a,
        find(A, "url =", 1),
        json!({}),
    )
    .await;
    assert_eq!(def["uri"], dir.uri("c.alloy"));
    assert_eq!(def["range"]["start"], json!({"line": 1, "character": 1}));
    // `argument.url.value` inside the declare.
    let c = dir.uri("c.alloy");
    client.open(&c, C).await;
    let def = at(
        &mut client,
        "textDocument/definition",
        &c,
        find(C, "argument.url.value", 10),
        json!({}),
    )
    .await;
    assert_eq!(def["range"]["start"], json!({"line": 1, "character": 1}));
    // Nothing on a literal.
    let none = at(
        &mut client,
        "textDocument/definition",
        &a,
        find(A, "http://x", 2),
        json!({}),
    )
    .await;
    assert_eq!(none, Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_of_a_block_across_files() {
    let (mut client, dir) = setup().await;
    let a = dir.uri("a.alloy");
    let refs = at(
        &mut client,
        "textDocument/references",
        &a,
        find(A, "remote_write.default", 14),
        json!({"context": {"includeDeclaration": true}}),
    )
    .await;
    let refs = refs.as_array().expect("list");
    let places: Vec<(String, u64)> = refs
        .iter()
        .map(|r| {
            (
                r["uri"].as_str().unwrap_or("").to_owned(),
                r["range"]["start"]["line"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            (dir.uri("b.alloy"), 0),
            (dir.uri("a.alloy"), 2),
            (dir.uri("b.alloy"), 8)
        ],
        "declaration first, then each reference"
    );
    let without = at(
        &mut client,
        "textDocument/references",
        &a,
        find(A, "remote_write.default", 14),
        json!({"context": {"includeDeclaration": false}}),
    )
    .await;
    assert_eq!(without.as_array().map(Vec::len), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_of_declares_and_arguments() {
    let (mut client, dir) = setup().await;
    let c = dir.uri("c.alloy");
    client.open(&c, C).await;
    let refs = at(
        &mut client,
        "textDocument/references",
        &c,
        find(C, "\"sink\"", 2),
        json!({"context": {"includeDeclaration": false}}),
    )
    .await;
    assert_eq!(refs[0]["uri"], dir.uri("a.alloy"));
    assert_eq!(
        refs[0]["range"]["start"],
        json!({"line": 5, "character": 0})
    );
    assert_eq!(refs.as_array().map(Vec::len), Some(1));
    // The argument: used as `argument.url.value` and set in `sink "one"`.
    let refs = at(
        &mut client,
        "textDocument/references",
        &c,
        find(C, "\"url\"", 1),
        json!({"context": {"includeDeclaration": false}}),
    )
    .await;
    let refs = refs.as_array().expect("list");
    assert_eq!(refs.len(), 2, "{refs:?}");
    assert!(refs.iter().any(|r| r["uri"] == dir.uri("a.alloy")
        && r["range"]["start"] == json!({"line": 6, "character": 1})));
    assert!(refs
        .iter()
        .any(|r| r["uri"] == c && r["range"]["start"]["line"] == 5));
}
