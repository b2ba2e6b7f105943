//! Hover: components, config blocks, nested blocks, arguments, custom
//! component arguments, references and stdlib functions.

use serde_json::{json, Value};

use crate::common::*;
use crate::PIPELINE;

async fn hover_at(
    client: &mut Client,
    uri: &str,
    text: &str,
    needle: &str,
    delta: usize,
) -> String {
    let result = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": find(text, needle, delta)}),
        )
        .await
        .expect("hover");
    result["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn components_blocks_and_arguments() {
    let mut client = Client::default_editor().await;
    let uri = "untitled:hover";
    client.open(uri, PIPELINE).await;
    let text = hover_at(&mut client, uri, PIPELINE, "prometheus.scrape", 12).await;
    assert!(
        text.contains("**prometheus.scrape** (component, generally-available)"),
        "{text}"
    );
    assert!(text.contains("Accepts: discovery targets"), "{text}");
    assert!(
        text.contains("- `forward_to`: `list(MetricsReceiver)` (required)"),
        "{text}"
    );
    assert!(
        text.contains(
            "[Documentation](https://grafana.com/docs/alloy/latest/reference/components/"
        ),
        "{text}"
    );

    let text = hover_at(&mut client, uri, PIPELINE, "forward_to =", 2).await;
    assert!(
        text.contains("**forward_to** (argument of `prometheus.scrape`)"),
        "{text}"
    );
    assert!(text.contains("Type: `list(MetricsReceiver)`"), "{text}");
    assert!(text.contains("Required"), "{text}");
    assert!(text.contains("Stability: generally-available"), "{text}");
    assert!(text.contains("#arguments)"), "{text}");

    let text = hover_at(&mut client, uri, PIPELINE, "endpoint {", 1).await;
    assert!(
        text.contains("**endpoint** (block in `prometheus.remote_write`)"),
        "{text}"
    );
    assert!(text.contains("`url`: `string` (required)"), "{text}");

    let text = hover_at(&mut client, uri, PIPELINE, "url =", 0).await;
    assert!(
        text.contains("argument of `prometheus.remote_write > endpoint`"),
        "{text}"
    );

    // The range is the hovered token.
    let result = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": find(PIPELINE, "forward_to =", 3)}),
        )
        .await
        .expect("hover");
    assert_eq!(result["range"]["start"], find(PIPELINE, "forward_to =", 0));
    assert_eq!(result["contents"]["kind"], "markdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_and_config_blocks() {
    let mut client = Client::default_editor().await;
    let text = "logging {\n\tlevel = \"info\"\n}\n\nprometheus.scrape \"s\" {\n\ttargets = []\n\tforward_to = []\n\tscrape_interval = \"10s\"\n}\n";
    client.open("untitled:d", text).await;
    let hover = hover_at(&mut client, "untitled:d", text, "scrape_interval", 0).await;
    assert!(hover.contains("Default: `\"60s\"`"), "{hover}");
    let hover = hover_at(&mut client, "untitled:d", text, "logging", 0).await;
    assert!(
        hover.contains("**logging** (configuration block"),
        "{hover}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_show_the_export_type() {
    let mut client = Client::default_editor().await;
    let uri = "untitled:refs";
    client.open(uri, PIPELINE).await;
    let text = hover_at(&mut client, uri, PIPELINE, "unix.host.targets", 12).await;
    assert!(
        text.contains("**prometheus.exporter.unix.host.targets**: `list(map(string))`"),
        "{text}"
    );
    assert!(
        text.contains("Export `targets` of `prometheus.exporter.unix`"),
        "{text}"
    );
    let text = hover_at(&mut client, uri, PIPELINE, "default.receiver", 10).await;
    assert!(text.contains("`MetricsReceiver`"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdlib_functions_show_their_signature() {
    let mut client = Client::default_editor().await;
    let text = "loki.write \"w\" {\n\tendpoint {\n\t\turl = sys.env(\"URL\")\n\t\tbearer_token = env(\"T\")\n\t}\n}\n";
    client.open("untitled:std", text).await;
    let hover = hover_at(&mut client, "untitled:std", text, "sys.env", 5).await;
    assert!(hover.contains("sys.env(name) -> string"), "{hover}");
    assert!(
        hover.contains(
            "[Documentation](https://grafana.com/docs/alloy/latest/reference/stdlib/sys/)"
        ),
        "{hover}"
    );
    let hover = hover_at(&mut client, "untitled:std", text, "env(\"T\")", 0).await;
    assert!(
        hover.contains("**Deprecated**: use `sys.env` instead."),
        "{hover}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_components_and_their_arguments() {
    let mut client = Client::default_editor().await;
    let text = "declare \"sink\" {\n\targument \"url\" {\n\t\tcomment = \"where to send\"\n\t}\n}\n\nsink \"a\" {\n\turl = \"http://x\"\n}\n";
    client.open("untitled:cc", text).await;
    let hover = hover_at(&mut client, "untitled:cc", text, "sink \"a\"", 1).await;
    assert!(hover.contains("**sink** (custom component"), "{hover}");
    assert!(
        hover.contains("- `url` (required): where to send"),
        "{hover}"
    );
    let hover = hover_at(&mut client, "untitled:cc", text, "url = ", 0).await;
    assert!(
        hover.contains("**url** (argument of custom component `sink`)"),
        "{hover}"
    );
    let nothing = client
        .request("textDocument/hover", json!({"textDocument": {"uri": "untitled:cc"}, "position": {"line": 5, "character": 0}}))
        .await
        .expect("hover");
    assert_eq!(nothing, Value::Null);
}
