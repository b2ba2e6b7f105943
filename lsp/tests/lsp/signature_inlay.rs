//! Signature help for stdlib calls and inlay hints for reference types.

use serde_json::json;

use crate::common::*;
use crate::PIPELINE;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_help_tracks_the_active_parameter() {
    let mut client = Client::default_editor().await;
    let (text, position) =
        cursor("local.file \"f\" {\n\tfilename = string.format(\"%s/%s\", sys.env(\"A\"), |)\n}\n");
    client.open("untitled:sig", &text).await;
    let help = client
        .request(
            "textDocument/signatureHelp",
            json!({"textDocument": {"uri": "untitled:sig"}, "position": position}),
        )
        .await
        .expect("help");
    let signature = &help["signatures"][0];
    assert_eq!(
        signature["label"],
        "string.format(format, args...) -> string"
    );
    assert_eq!(help["activeParameter"], 1, "variadic args stay active");
    assert_eq!(signature["parameters"][1]["label"], json!([22, 26]));
    // Inside the nested call, the nested function is shown.
    let nested = find(&text, "\"A\"", 1);
    let help = client
        .request(
            "textDocument/signatureHelp",
            json!({"textDocument": {"uri": "untitled:sig"}, "position": nested}),
        )
        .await
        .expect("help");
    assert_eq!(help["signatures"][0]["label"], "sys.env(name) -> string");
    assert_eq!(help["activeParameter"], 0);
    // Outside calls: nothing.
    let none = client
        .request("textDocument/signatureHelp", json!({"textDocument": {"uri": "untitled:sig"}, "position": {"line": 0, "character": 3}}))
        .await
        .expect("help");
    assert!(none.is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inlay_hints_show_the_type_of_references() {
    let mut client = Client::default_editor().await;
    client.open("untitled:inlay", PIPELINE).await;
    let hints = client
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": "untitled:inlay"}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 20, "character": 0}}}),
        )
        .await
        .expect("hints");
    let hints = hints.as_array().expect("list");
    let labels: Vec<&str> = hints.iter().filter_map(|h| h["label"].as_str()).collect();
    assert_eq!(labels, [": list(map(string))", ": MetricsReceiver"]);
    assert_eq!(hints[0]["position"], find(PIPELINE, "\n\tforward_to", 0));
    assert_eq!(hints[0]["kind"], 1);
    // Out of the range: none.
    let hints = client
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": "untitled:inlay"}, "range": {"start": {"line": 7, "character": 0}, "end": {"line": 9, "character": 0}}}),
        )
        .await
        .expect("hints");
    assert_eq!(hints, json!([]));
}
