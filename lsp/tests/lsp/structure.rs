//! Semantic tokens, folding ranges, selection ranges and document links.

use serde_json::{json, Value};

use crate::common::*;
use crate::PIPELINE;

/// Decodes semantic tokens into (line, character, text, type, modifiers).
fn decode(text: &str, data: &[Value], legend: &Value) -> Vec<(u64, u64, String, String, u64)> {
    let lines: Vec<&str> = text.split('\n').collect();
    let types = legend["tokenTypes"].as_array().expect("types");
    let mut out = Vec::new();
    let (mut line, mut col) = (0u64, 0u64);
    for chunk in data.chunks(5) {
        let dl = chunk[0].as_u64().unwrap_or(0);
        let dc = chunk[1].as_u64().unwrap_or(0);
        line += dl;
        col = if dl == 0 { col + dc } else { dc };
        let len = chunk[2].as_u64().unwrap_or(0) as usize;
        let src = lines[line as usize];
        let piece: String = src.chars().skip(col as usize).take(len).collect();
        let ty = types[chunk[3].as_u64().unwrap_or(0) as usize]
            .as_str()
            .unwrap_or("")
            .to_owned();
        out.push((line, col, piece, ty, chunk[4].as_u64().unwrap_or(0)));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semantic_tokens_tell_names_labels_references_and_stdlib() {
    let mut client = Client::start();
    let init = client
        .request("initialize", json!({"capabilities": editor_capabilities()}))
        .await
        .expect("init");
    let legend = init["capabilities"]["semanticTokensProvider"]["legend"].clone();
    let text = "// pipeline\nprometheus.scrape \"s\" {\n\ttargets    = discovery.x.targets\n\tforward_to = []\n\tscrape_interval = sys.env(\"I\")\n\tjob_name = \"j\" + 1\n}\n";
    client.open("untitled:tok", text).await;
    let result = client
        .request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": "untitled:tok"}}),
        )
        .await
        .expect("tokens");
    let tokens = decode(text, result["data"].as_array().expect("data"), &legend);
    let find_tok = |piece: &str| {
        tokens
            .iter()
            .find(|t| t.2 == piece)
            .unwrap_or_else(|| panic!("{piece} not in {tokens:?}"))
            .clone()
    };
    assert_eq!(find_tok("// pipeline").3, "comment");
    assert_eq!(find_tok("prometheus").3, "namespace");
    assert_eq!(find_tok("scrape").3, "class");
    let label = find_tok("\"s\"");
    assert_eq!((label.3.as_str(), label.4), ("string", 1), "declaration");
    assert_eq!(find_tok("targets").3, "property");
    assert_eq!(find_tok("discovery").3, "variable");
    let env = find_tok("env");
    assert_eq!(
        (env.3.as_str(), env.4 & 4),
        ("function", 4),
        "defaultLibrary"
    );
    assert_eq!(find_tok("sys").3, "namespace");
    assert_eq!(find_tok("1").3, "number");
    assert_eq!(find_tok("+").3, "operator");
    // A range request returns only tokens of the range.
    let result = client
        .request(
            "textDocument/semanticTokens/range",
            json!({"textDocument": {"uri": "untitled:tok"}, "range": {"start": {"line": 4, "character": 0}, "end": {"line": 5, "character": 0}}}),
        )
        .await
        .expect("tokens");
    let ranged = decode(text, result["data"].as_array().expect("data"), &legend);
    assert!(ranged.iter().all(|t| t.0 == 4), "{ranged:?}");
    assert!(ranged.iter().any(|t| t.2 == "env"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folding_ranges_for_blocks_lists_and_comments() {
    let mut client = Client::default_editor().await;
    let text = "// one\n// two\n// three\nprometheus.scrape \"s\" {\n\ttargets = [\n\t\t{\"a\" = \"b\"},\n\t]\n\tforward_to = []\n}\n/* a\n   b */\n";
    client.open("untitled:fold", text).await;
    let result = client
        .request(
            "textDocument/foldingRange",
            json!({"textDocument": {"uri": "untitled:fold"}}),
        )
        .await
        .expect("folding");
    let ranges: Vec<(u64, u64, Option<String>)> = result
        .as_array()
        .expect("list")
        .iter()
        .map(|r| {
            (
                r["startLine"].as_u64().unwrap_or(0),
                r["endLine"].as_u64().unwrap_or(0),
                r["kind"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert!(
        ranges.contains(&(0, 2, Some("comment".into()))),
        "{ranges:?}"
    );
    assert!(
        ranges.contains(&(3, 7, None)),
        "block keeps its `}}` line: {ranges:?}"
    );
    assert!(ranges.contains(&(4, 5, None)), "array: {ranges:?}");
    assert!(
        ranges.contains(&(9, 10, Some("comment".into()))),
        "{ranges:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selection_ranges_grow_outwards() {
    let mut client = Client::default_editor().await;
    client.open("untitled:sel", PIPELINE).await;
    let result = client
        .request(
            "textDocument/selectionRange",
            json!({"textDocument": {"uri": "untitled:sel"}, "positions": [find(PIPELINE, "localhost", 2)]}),
        )
        .await
        .expect("selection");
    let mut level = &result[0];
    let mut spans = Vec::new();
    while level.is_object() {
        spans.push(level["range"].clone());
        level = &level["parent"];
    }
    // String contents, the string, the literal, the attribute, endpoint,
    // remote_write, the file.
    assert_eq!(spans[0]["start"], find(PIPELINE, "http://", 0));
    assert_eq!(spans[1]["start"], find(PIPELINE, "\"http://", 0));
    assert!(spans.len() >= 5, "{spans:?}");
    assert_eq!(
        spans.last().expect("root")["start"],
        json!({"line": 0, "character": 0})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_links_point_to_the_docs() {
    let mut client = Client::default_editor().await;
    let text = "logging {}\n\nprometheus.scrape \"s\" {\n\ttargets = []\n\tforward_to = []\n\tjob_name = sys.env(\"J\")\n}\n\nmy_custom \"x\" { }\n";
    client.open("untitled:links", text).await;
    let result = client
        .request(
            "textDocument/documentLink",
            json!({"textDocument": {"uri": "untitled:links"}}),
        )
        .await
        .expect("links");
    let links = result.as_array().expect("list");
    assert_eq!(links.len(), 3, "{links:?}");
    assert_eq!(
        links[0]["target"],
        "https://grafana.com/docs/alloy/latest/reference/config-blocks/logging/"
    );
    assert_eq!(
        links[1]["range"]["start"],
        json!({"line": 2, "character": 0})
    );
    assert_eq!(
        links[1]["range"]["end"],
        json!({"line": 2, "character": 17})
    );
    assert!(links[1]["target"]
        .as_str()
        .unwrap_or("")
        .ends_with("/prometheus.scrape/"));
    assert_eq!(
        links[2]["target"],
        "https://grafana.com/docs/alloy/latest/reference/stdlib/sys/"
    );
}
