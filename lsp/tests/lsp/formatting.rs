//! Formatting: the whole document as `alloy fmt` prints it, and ranges.

use serde_json::{json, Value};

use crate::common::*;

const UGLY: &str = "logging {\nlevel = \"debug\"\n    format = \"logfmt\"\n}\nprometheus.scrape \"x\" {\n  targets = []\n  forward_to = []\n}\n";
const PRETTY: &str = "logging {\n\tlevel  = \"debug\"\n\tformat = \"logfmt\"\n}\n\nprometheus.scrape \"x\" {\n\ttargets    = []\n\tforward_to = []\n}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_document_is_alloy_fmt_output() {
    let mut client = Client::default_editor().await;
    client.open("untitled:fmt", UGLY).await;
    let edits = client
        .request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": "untitled:fmt"}, "options": {"tabSize": 4, "insertSpaces": true}}),
        )
        .await
        .expect("format");
    let edits = edits.as_array().expect("edits").clone();
    assert_eq!(apply_edits(UGLY, &edits), PRETTY);
    assert_eq!(
        PRETTY,
        alloy_fmt::format_source(UGLY.as_bytes()).expect("fmt")
    );
    // Already formatted: no edits.
    client.change("untitled:fmt", 2, PRETTY).await;
    let edits = client
        .request("textDocument/formatting", json!({"textDocument": {"uri": "untitled:fmt"}, "options": {"tabSize": 4, "insertSpaces": false}}))
        .await
        .expect("format");
    assert_eq!(edits, json!([]));
    // Syntax errors: nothing to do, as `alloy fmt` refuses.
    client
        .change("untitled:fmt", 3, "logging {\n  level = \"info\" x\n}\n")
        .await;
    let edits = client
        .request("textDocument/formatting", json!({"textDocument": {"uri": "untitled:fmt"}, "options": {"tabSize": 4, "insertSpaces": false}}))
        .await
        .expect("format");
    assert_eq!(edits, Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_formats_the_statement_around_it() {
    let mut client = Client::default_editor().await;
    client.open("untitled:range", UGLY).await;
    // A range inside `targets = []` of the second block.
    let edits = client
        .request(
            "textDocument/rangeFormatting",
            json!({
                "textDocument": {"uri": "untitled:range"},
                "range": {"start": {"line": 5, "character": 3}, "end": {"line": 5, "character": 5}},
                "options": {"tabSize": 4, "insertSpaces": false}
            }),
        )
        .await
        .expect("format");
    let out = apply_edits(UGLY, edits.as_array().expect("edits"));
    assert_eq!(out, UGLY.replace("  targets = []", "\ttargets = []"));
    // A range over two statements formats their block (alignment included).
    let edits = client
        .request(
            "textDocument/rangeFormatting",
            json!({
                "textDocument": {"uri": "untitled:range"},
                "range": {"start": {"line": 5, "character": 0}, "end": {"line": 6, "character": 5}},
                "options": {"tabSize": 4, "insertSpaces": false}
            }),
        )
        .await
        .expect("format");
    let out = apply_edits(UGLY, edits.as_array().expect("edits"));
    assert!(
        out.ends_with("prometheus.scrape \"x\" {\n\ttargets    = []\n\tforward_to = []\n}\n"),
        "{out}"
    );
    assert!(
        out.starts_with("logging {\nlevel = \"debug\"\n"),
        "the first block is untouched: {out}"
    );
    // Even in a file with a syntax error elsewhere.
    let broken = format!("{UGLY}\nbroken {{ x = }}\n");
    client.change("untitled:range", 2, &broken).await;
    let edits = client
        .request(
            "textDocument/rangeFormatting",
            json!({
                "textDocument": {"uri": "untitled:range"},
                "range": {"start": {"line": 5, "character": 3}, "end": {"line": 5, "character": 3}},
                "options": {"tabSize": 4, "insertSpaces": false}
            }),
        )
        .await
        .expect("format");
    assert_eq!(edits.as_array().map(Vec::len), Some(1), "{edits}");
}
