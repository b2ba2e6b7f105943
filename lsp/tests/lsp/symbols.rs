//! Document symbols (outline) and workspace symbols.

use serde_json::json;

use crate::common::*;
use crate::PIPELINE;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outline_nests_blocks_and_attributes() {
    let mut client = Client::default_editor().await;
    client.open("untitled:sym", PIPELINE).await;
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": "untitled:sym"}}),
        )
        .await
        .expect("symbols");
    let names: Vec<&str> = symbols
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "prometheus.exporter.unix \"host\"",
            "prometheus.scrape \"host\"",
            "prometheus.remote_write \"default\""
        ]
    );
    assert_eq!(symbols[0]["kind"], 5, "class");
    let scrape = &symbols[1];
    assert_eq!(scrape["children"][0]["name"], "targets");
    assert_eq!(scrape["children"][0]["kind"], 7, "property");
    assert_eq!(
        scrape["selectionRange"]["end"],
        json!({"line": 2, "character": 17})
    );
    let endpoint = &symbols[2]["children"][0];
    assert_eq!(endpoint["name"], "endpoint");
    assert_eq!(endpoint["kind"], 23, "struct");
    assert_eq!(endpoint["children"][0]["name"], "url");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_symbols_search_every_module() {
    let one = Dir::new(&[("a.alloy", PIPELINE)]);
    let two = Dir::new(&[("b.alloy", "declare \"sink\" {\n\tloki.write \"inner\" {\n\t\tendpoint {\n\t\t\turl = \"x\"\n\t\t}\n\t}\n}\n")]);
    let mut client = Client::default_editor().await;
    client.open(&one.uri("a.alloy"), PIPELINE).await;
    client
        .open(
            &two.uri("b.alloy"),
            &std::fs::read_to_string(two.path("b.alloy")).expect("b"),
        )
        .await;
    let found = client
        .request("workspace/symbol", json!({"query": "remwrdef"}))
        .await
        .expect("symbols");
    let found = found.as_array().expect("list");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["name"], "prometheus.remote_write \"default\"");
    assert_eq!(found[0]["location"]["uri"], one.uri("a.alloy"));
    let inner = client
        .request("workspace/symbol", json!({"query": "inner"}))
        .await
        .expect("symbols");
    assert_eq!(inner[0]["containerName"], "declare \"sink\"");
}
