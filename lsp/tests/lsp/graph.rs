//! `alloy/graph`: nodes and edges in the direction data flows.

use serde_json::{json, Value};

use crate::common::*;
use crate::PIPELINE;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pipeline_graph_of_a_module() {
    let dir = Dir::new(&[("a.alloy", PIPELINE)]);
    let mut client = Client::default_editor().await;
    let uri = dir.uri("a.alloy");
    client.open(&uri, PIPELINE).await;
    let graph = client
        .request("alloy/graph", json!({"textDocument": {"uri": uri}}))
        .await
        .expect("graph");
    let ids: Vec<&str> = graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 3);
    for id in [
        "prometheus.exporter.unix.host",
        "prometheus.scrape.host",
        "prometheus.remote_write.default",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let unix = graph["nodes"]
        .as_array()
        .and_then(|n| {
            n.iter()
                .find(|n| n["id"] == "prometheus.exporter.unix.host")
        })
        .expect("node");
    assert_eq!(unix["kind"], "component");
    assert_eq!(unix["label"], "prometheus.exporter.unix \"host\"");
    assert_eq!(unix["file"], uri);
    assert_eq!(
        unix["range"],
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 35}})
    );
    assert_eq!(unix["health"], "healthy");
    let mut edges = graph["edges"].as_array().expect("edges").clone();
    edges.sort_by_key(|e| e["from"].as_str().unwrap_or("").to_owned());
    assert_eq!(
        edges,
        [
            json!({"from": "prometheus.exporter.unix.host", "to": "prometheus.scrape.host", "signal": "targets"}),
            json!({"from": "prometheus.scrape.host", "to": "prometheus.remote_write.default", "signal": "metrics"}),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otelcol_edges_carry_the_output_signal_and_health() {
    let text = "otelcol.receiver.otlp \"in\" {\n\tgrpc { }\n\n\toutput {\n\t\ttraces  = [otelcol.exporter.otlp.out.input]\n\t\tmetrics = [otelcol.exporter.otlp.out.input]\n\t}\n}\n\notelcol.exporter.otlp \"out\" {\n\tclient {\n\t\tendpoint = \"tempo:4317\"\n\t}\n}\n\ndeclare \"mod\" {\n\targument \"x\" { }\n}\n\nmod \"m\" {\n\tx = 1\n}\n\nlocal.file \"bad\" {\n\tnope = 1\n\tfilename = \"/x\"\n}\n";
    let mut client = Client::default_editor().await;
    client.open("untitled:otel", text).await;
    let graph = client
        .request(
            "alloy/graph",
            json!({"textDocument": {"uri": "untitled:otel"}}),
        )
        .await
        .expect("graph");
    let mut signals: Vec<String> = graph["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["from"] == "otelcol.receiver.otlp.in")
        .map(|e| {
            assert_eq!(e["to"], "otelcol.exporter.otlp.out");
            e["signal"].as_str().unwrap_or("").to_owned()
        })
        .collect();
    signals.sort();
    assert_eq!(signals, ["metrics", "traces"]);
    let node = |id: &str| -> Value {
        graph["nodes"]
            .as_array()
            .and_then(|n| n.iter().find(|n| n["id"] == id).cloned())
            .unwrap_or(Value::Null)
    };
    assert_eq!(node("mod.m")["kind"], "custom");
    assert_eq!(node("declare.mod")["kind"], "declare");
    assert_eq!(node("local.file.bad")["health"], "unhealthy");
    // Unknown documents give null.
    let none = client
        .request(
            "alloy/graph",
            json!({"textDocument": {"uri": "file:///nowhere/x.alloy"}}),
        )
        .await
        .expect("graph");
    assert_eq!(none, Value::Null);
}
