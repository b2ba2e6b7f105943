//! `alloy graph`: the component graph of the docs' two starting configs
//! (self-monitoring and the OTLP gateway, `fixtures/graph/`) in each format.

use std::process::Command;

fn graph(format: &str, fixture: &str) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_alloy"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["graph", "--format", format])
        .arg(format!("fixtures/graph/{fixture}"))
        .output()
        .expect("run alloy graph");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_format_of_both_configs() {
    for fixture in ["self-monitoring.alloy", "gateway.alloy"] {
        for format in ["dot", "mermaid", "json"] {
            let (code, stdout, stderr) = graph(format, fixture);
            assert_eq!(code, Some(0), "{fixture} {format}: {stderr}");
            assert!(stderr.is_empty(), "{stderr}");
            insta::assert_snapshot!(format!("{fixture}.{format}"), stdout);
        }
    }
}

#[test]
fn json_edges_follow_the_data_and_mark_dead_ends() {
    let (_, stdout, _) = graph("json", "gateway.alloy");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let edges = value["edges"].as_array().expect("edges");
    let has = |from: &str, to: &str, signal: &str| {
        edges
            .iter()
            .any(|e| e["from"] == from && e["to"] == to && e["signal"] == signal)
    };
    assert!(has(
        "otelcol.receiver.otlp.default",
        "otelcol.processor.batch.default",
        "metrics"
    ));
    assert!(has(
        "otelcol.receiver.otlp.default",
        "otelcol.exporter.otlp.tempo",
        "traces"
    ));
    assert!(has(
        "otelcol.exporter.loki.default",
        "loki.write.default",
        "logs"
    ));
    let dead: Vec<&str> = value["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["deadEnd"] == true)
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert_eq!(dead, ["otelcol.receiver.otlp.orphan"]);

    let (_, stdout, _) = graph("json", "self-monitoring.alloy");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let edges = value["edges"].as_array().expect("edges");
    assert!(edges
        .iter()
        .any(|e| e["from"] == "prometheus.exporter.self.alloy"
            && e["to"] == "prometheus.scrape.alloy"
            && e["signal"] == "targets"));
    assert!(edges.iter().any(|e| e["from"] == "logging"
        && e["to"] == "loki.write.default"
        && e["signal"] == "logs"));
}

#[test]
fn a_missing_path_fails_as_in_every_subcommand() {
    let (code, stdout, stderr) = graph("dot", "no-such-file.alloy");
    assert_eq!(code, Some(1));
    assert!(stderr.starts_with("Error: stat "), "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("no-such-file.alloy"), "{stderr}");
}
