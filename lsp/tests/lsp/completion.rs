//! Completion: component snippets, arguments and blocks of the enclosing
//! body, enum values, references filtered by type and signal, stdlib
//! functions, `argument.*` inside a `declare`.

use serde_json::{json, Value};

use crate::common::*;

async fn complete(client: &mut Client, uri: &str, marked: &str) -> Value {
    let (text, position) = cursor(marked);
    client.open(uri, &text).await;
    client
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": position}),
        )
        .await
        .expect("completion")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn component_names_complete_to_a_snippet_with_required_arguments() {
    let mut client = Client::default_editor().await;
    let result = complete(&mut client, "untitled:c1", "logging {}\n\nprometheus.sc|\n").await;
    let scrape = item(&result, "prometheus.scrape");
    assert_eq!(scrape["insertTextFormat"], 2, "snippet");
    let edit = &scrape["textEdit"];
    assert_eq!(edit["range"]["start"], json!({"line": 2, "character": 0}));
    assert_eq!(edit["range"]["end"], json!({"line": 2, "character": 13}));
    let text = edit["newText"].as_str().expect("text");
    assert!(
        text.starts_with("prometheus.scrape \"${1:default}\" {\n"),
        "{text}"
    );
    assert!(text.contains("\ttargets    = [$2]\n"), "{text}");
    assert!(text.contains("\tforward_to = [$3]\n"), "{text}");
    // Only the namespace being typed is sent.
    assert!(
        labels(&result).iter().all(|l| l.starts_with("prometheus.")),
        "{:?}",
        labels(&result)
    );
    // Required blocks are part of the snippet.
    let result = complete(&mut client, "untitled:c2", "otelcol.exporter.ot|").await;
    let text = item(&result, "otelcol.exporter.otlp")["textEdit"]["newText"]
        .as_str()
        .expect("text")
        .to_owned();
    assert!(
        text.contains("\tclient {\n\t\tendpoint = \"$2\"\n"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_text_without_snippet_support() {
    let mut client = Client::initialized(json!({}), json!({})).await;
    let result = complete(&mut client, "untitled:plain", "prometheus.scr|").await;
    let scrape = item(&result, "prometheus.scrape");
    assert_eq!(scrape["insertTextFormat"], 1);
    let text = scrape["textEdit"]["newText"].as_str().expect("text");
    assert!(
        text.contains("forward_to = []") && !text.contains('$'),
        "{text}"
    );
    assert_eq!(scrape["documentation"]["kind"], "plaintext");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arguments_and_blocks_of_the_enclosing_body() {
    let mut client = Client::default_editor().await;
    let result = complete(
        &mut client,
        "untitled:args",
        "prometheus.exporter.self \"alloy\" { }\n\nprometheus.scrape \"self\" {\n\ttargets = prometheus.exporter.self.alloy.targets\n\t|\n}\n",
    )
    .await;
    let names = labels(&result);
    assert!(names.contains(&"forward_to".to_owned()), "{names:?}");
    assert!(names.contains(&"scrape_interval".to_owned()));
    assert!(names.contains(&"basic_auth".to_owned()), "blocks too");
    assert!(!names.contains(&"targets".to_owned()), "already written");
    let forward = item(&result, "forward_to");
    assert_eq!(forward["sortText"], "0_forward_to", "required first");
    assert_eq!(forward["detail"], "list(MetricsReceiver) (required)");
    assert_eq!(forward["textEdit"]["newText"], "forward_to = [$0]");
    assert!(forward["documentation"]["value"]
        .as_str()
        .unwrap_or("")
        .contains("Type: `list(MetricsReceiver)`"));
    // Nested block bodies use the nested schema.
    let result = complete(
        &mut client,
        "untitled:nested",
        "prometheus.remote_write \"r\" {\n\tendpoint {\n\t\t|\n\t}\n}\n",
    )
    .await;
    let names = labels(&result);
    assert!(
        names.contains(&"url".to_owned()) && names.contains(&"queue_config".to_owned()),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enum_values_in_and_out_of_strings() {
    let mut client = Client::default_editor().await;
    let result = complete(&mut client, "untitled:e1", "logging {\n\tlevel = |\n}\n").await;
    let names = labels(&result);
    for v in ["\"debug\"", "\"info\"", "\"warn\"", "\"error\""] {
        assert!(names.contains(&v.to_owned()), "{v} in {names:?}");
    }
    let result = complete(
        &mut client,
        "untitled:e2",
        "logging {\n\tformat = \"js|\"\n}\n",
    )
    .await;
    let json_item = item(&result, "json");
    assert_eq!(
        json_item["textEdit"]["range"]["start"],
        json!({"line": 1, "character": 11})
    );
    assert_eq!(json_item["textEdit"]["newText"], "json");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_to_offers_receivers_of_the_right_kind() {
    let mut client = Client::default_editor().await;
    let result = complete(
        &mut client,
        "untitled:fw",
        "prometheus.remote_write \"m\" {\n\tendpoint {\n\t\turl = \"http://m\"\n\t}\n}\n\nloki.write \"l\" {\n\tendpoint {\n\t\turl = \"http://l\"\n\t}\n}\n\nprometheus.scrape \"s\" {\n\ttargets    = []\n\tforward_to = [|]\n}\n",
    )
    .await;
    let names = labels(&result);
    assert!(
        names.contains(&"prometheus.remote_write.m.receiver".to_owned()),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.starts_with("loki.write")),
        "logs receivers do not fit: {names:?}"
    );
    assert!(
        !names.contains(&"sys.env".to_owned()),
        "no stdlib function returns a receiver"
    );
    assert_eq!(
        item(&result, "prometheus.remote_write.m.receiver")["detail"],
        "MetricsReceiver"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_traces_offers_consumers_that_take_traces() {
    let mut client = Client::default_editor().await;
    let result = complete(
        &mut client,
        "untitled:otel",
        "otelcol.exporter.otlp \"t\" {\n\tclient {\n\t\tendpoint = \"tempo:4317\"\n\t}\n}\n\notelcol.exporter.loki \"l\" {\n\tforward_to = []\n}\n\notelcol.receiver.otlp \"r\" {\n\tgrpc { }\n\n\toutput {\n\t\ttraces = [otelcol.|]\n\t}\n}\n",
    )
    .await;
    let names = labels(&result);
    assert!(
        names.contains(&"otelcol.exporter.otlp.t.input".to_owned()),
        "{names:?}"
    );
    assert!(
        !names.contains(&"otelcol.exporter.loki.l.input".to_owned()),
        "loki takes only logs: {names:?}"
    );
    let edit = &item(&result, "otelcol.exporter.otlp.t.input")["textEdit"];
    assert_eq!(edit["range"]["start"], json!({"line": 14, "character": 12}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdlib_functions_fit_the_expected_type() {
    let mut client = Client::default_editor().await;
    let result = complete(
        &mut client,
        "untitled:std",
        "loki.write \"w\" {\n\tendpoint {\n\t\turl = |\n\t}\n}\n",
    )
    .await;
    let names = labels(&result);
    assert!(names.contains(&"sys.env".to_owned()), "{names:?}");
    assert!(names.contains(&"string.format".to_owned()));
    let env = item(&result, "sys.env");
    assert_eq!(env["textEdit"]["newText"], "sys.env(${1:name})$0");
    assert_eq!(env["detail"], "sys.env(name) -> string");
    // Deprecated aliases are tagged.
    if let Some(old) = result["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["label"] == "env"))
    {
        assert_eq!(old["tags"], json!([1]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn argument_references_inside_a_declare() {
    let mut client = Client::default_editor().await;
    let result = complete(
        &mut client,
        "untitled:decl",
        "declare \"sink\" {\n\targument \"url\" { }\n\n\tloki.write \"w\" {\n\t\tendpoint {\n\t\t\turl = |\n\t\t}\n\t}\n}\n",
    )
    .await;
    assert!(
        labels(&result).contains(&"argument.url.value".to_owned()),
        "{:?}",
        labels(&result)
    );
    // Outside the declare it is not visible.
    let result = complete(
        &mut client,
        "untitled:decl2",
        "declare \"sink\" {\n\targument \"url\" { }\n}\n\nloki.write \"w\" {\n\tendpoint {\n\t\turl = |\n\t}\n}\n",
    )
    .await;
    assert!(!labels(&result).contains(&"argument.url.value".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_components_and_their_arguments() {
    let mut client = Client::default_editor().await;
    let decl = "declare \"sink\" {\n\targument \"url\" { }\n\targument \"tenant\" {\n\t\toptional = true\n\t}\n}\n\n";
    let result = complete(&mut client, "untitled:cc", &format!("{decl}si|\n")).await;
    let sink = item(&result, "sink");
    assert_eq!(sink["kind"], 9, "module");
    assert_eq!(
        sink["textEdit"]["newText"],
        "sink \"${1:default}\" {\n\turl = $2\n}$0"
    );
    let result = complete(
        &mut client,
        "untitled:cc2",
        &format!("{decl}sink \"a\" {{\n\t|\n}}\n"),
    )
    .await;
    let names = labels(&result);
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(item(&result, "url")["detail"], "argument (required)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_in_comments_and_headers() {
    let mut client = Client::default_editor().await;
    let result = complete(&mut client, "untitled:cm", "// prometheus.sc|\n").await;
    assert_eq!(result, Value::Null);
    let result = complete(&mut client, "untitled:hd", "prometheus.scrape \"x\" |").await;
    assert_eq!(result, Value::Null);
}
