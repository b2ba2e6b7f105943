//! OTTL inside statement strings: hover on functions and paths,
//! completion of functions and paths, diagnostics at the exact column.

use serde_json::json;

use crate::common::*;

const CONFIG: &str = r#"otelcol.processor.transform "t" {
	trace_statements {
		context    = "span"
		statements = ["set(attributes[\"x\"], Concat([name, \"y\"], \"-\")) where atributes[\"k\"] == 1"]
	}
	output {}
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_complete_and_diagnose_inside_statements() {
    let mut client = Client::default_editor().await;
    let uri = "untitled:ottl";
    client.open(uri, CONFIG).await;

    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": find(CONFIG, "Concat", 2)}),
        )
        .await
        .expect("hover");
    let text = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(text.contains("Concat(values[], delimiter)"), "{hover}");
    assert!(text.contains("OTTL converter"), "{text}");

    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": find(CONFIG, "name, ", 1)}),
        )
        .await
        .expect("hover");
    let text = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(text.contains("`span.name`: string"), "{hover}");

    // Completion after `IsM` inside a where clause: converters only.
    let marked = CONFIG.replace("atributes[\\\"k\\\"] == 1", "IsM|");
    let (text, position) = cursor(&marked);
    client.change(uri, 2, &text).await;
    let result = client.at("textDocument/completion", uri, position).await;
    let names = labels(&result);
    assert!(names.contains(&"IsMatch".to_owned()), "{names:?}");
    assert!(names.contains(&"IsMap".to_owned()), "{names:?}");
    assert!(!names.iter().any(|n| n == "set"), "{names:?}");

    // Paths of the span context and the contexts it reaches.
    let marked = CONFIG.replace("atributes[\\\"k\\\"] == 1", "reso|");
    let (text, position) = cursor(&marked);
    client.change(uri, 3, &text).await;
    let result = client.at("textDocument/completion", uri, position).await;
    let names = labels(&result);
    assert!(
        names.contains(&"resource.attributes".to_owned()),
        "{names:?}"
    );
}
