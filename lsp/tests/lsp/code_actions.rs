//! Quick fixes: missing required arguments, "did you mean", deprecated
//! stdlib names, unknown arguments.

use serde_json::{json, Value};

use crate::common::*;

async fn actions(client: &mut Client, uri: &str, text: &str, line: u64) -> Vec<Value> {
    client.open(uri, text).await;
    // Wait until the analysis has run (the diagnostics are published).
    client.diagnostics(uri, |d| !d.is_empty()).await;
    let result = client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": uri},
                "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 200}},
                "context": {"diagnostics": []}
            }),
        )
        .await
        .expect("actions");
    result.as_array().cloned().unwrap_or_default()
}

fn apply(action: &Value, uri: &str, text: &str) -> String {
    let edits = action["edit"]["changes"][uri]
        .as_array()
        .cloned()
        .unwrap_or_default();
    apply_edits(text, &edits)
}

fn titled<'a>(actions: &'a [Value], title: &str) -> &'a Value {
    actions
        .iter()
        .find(|a| a["title"] == title)
        .unwrap_or_else(|| {
            panic!(
                "no action {title:?} in {:?}",
                actions.iter().map(|a| &a["title"]).collect::<Vec<_>>()
            )
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_the_missing_required_arguments() {
    let mut client = Client::default_editor().await;
    let text = "prometheus.scrape \"s\" {\n\tjob_name = \"j\"\n}\n";
    let list = actions(&mut client, "untitled:miss", text, 0).await;
    let action = titled(
        &list,
        "Add the missing required arguments `targets`, `forward_to`",
    );
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["diagnostics"][0]["code"], "AL0203");
    assert_eq!(
        apply(action, "untitled:miss", text),
        "prometheus.scrape \"s\" {\n\tjob_name = \"j\"\n\ttargets    = []\n\tforward_to = []\n}\n"
    );
    // A one-line block and a nested block.
    let text = "loki.write \"w\" {\n\tendpoint { }\n}\n";
    let list = actions(&mut client, "untitled:miss2", text, 1).await;
    let action = titled(&list, "Add the missing required argument `url`");
    assert_eq!(
        apply(action, "untitled:miss2", text),
        "loki.write \"w\" {\n\tendpoint {\n\t\turl = \"\"\n\t}\n}\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn did_you_mean_and_remove_unknown_arguments() {
    let mut client = Client::default_editor().await;
    let text = "prometheus.scrape \"s\" {\n\ttargets = []\n\tforward_to = []\n\tscrape_intervall = \"1m\"\n}\n";
    let list = actions(&mut client, "untitled:dym", text, 3).await;
    let fix = titled(&list, "Did you mean `scrape_interval`?");
    assert_eq!(fix["isPreferred"], true);
    assert_eq!(
        apply(fix, "untitled:dym", text),
        text.replace("scrape_intervall", "scrape_interval")
    );
    let remove = titled(&list, "Remove the unknown argument `scrape_intervall`");
    assert_eq!(
        apply(remove, "untitled:dym", text),
        "prometheus.scrape \"s\" {\n\ttargets = []\n\tforward_to = []\n}\n"
    );
    // Component names.
    let text = "prometheus.scrap \"s\" {\n\ttargets = []\n\tforward_to = []\n}\n";
    let list = actions(&mut client, "untitled:dym2", text, 0).await;
    let fix = titled(&list, "Did you mean `prometheus.scrape`?");
    assert_eq!(
        apply(fix, "untitled:dym2", text),
        text.replace("scrap ", "scrape ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replace_a_deprecated_stdlib_name() {
    let mut client = Client::default_editor().await;
    let text = "local.file \"f\" {\n\tfilename = env(\"HOME\")\n}\n";
    let list = actions(&mut client, "untitled:dep", text, 1).await;
    let fix = titled(&list, "Replace the deprecated `env` with `sys.env`");
    assert_eq!(
        apply(fix, "untitled:dep", text),
        "local.file \"f\" {\n\tfilename = sys.env(\"HOME\")\n}\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_actions_away_from_diagnostics() {
    let mut client = Client::default_editor().await;
    let text = "logging {\n\tlevel = \"info\"\n}\n\nprometheus.scrap \"s\" { }\n";
    let list = actions(&mut client, "untitled:none", text, 1).await;
    assert!(list.is_empty(), "{list:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_the_common_syntax_slips() {
    let mut client = Client::default_editor().await;
    let text = "loki.write \"default\" {\n\tendpoint {\n\t\turl = \"http://loki:3100/loki/api/v1/push\"\n\t\theaders = {\n\t\t\t\"X-Scope-OrgID\" = \"a\"\n\t\t\t\"X-Other\" = \"b\",\n\t\t}\n\t}\n}\n";
    let list = actions(&mut client, "untitled:comma", text, 4).await;
    let fix = titled(&list, "Add the missing `,`");
    assert_eq!(
        apply(fix, "untitled:comma", text),
        text.replace("= \"a\"\n", "= \"a\",\n")
    );

    let text = "prometheus.scrape \"x\" = {\n\ttargets = []\n}\n";
    let list = actions(&mut client, "untitled:header", text, 0).await;
    let fix = titled(&list, "Remove the `=` from the block header");
    assert_eq!(
        apply(fix, "untitled:header", text),
        "prometheus.scrape \"x\" {\n\ttargets = []\n}\n"
    );

    let text = "logging {\n\tlevel = \"info\"\n";
    let list = actions(&mut client, "untitled:brace", text, 2).await;
    let fix = titled(&list, "Add the missing `}`");
    assert_eq!(
        apply(fix, "untitled:brace", text),
        "logging {\n\tlevel = \"info\"\n}\n"
    );

    let text = "prometheus.scrape \"<SELF_LABEL>\" {\n\ttargets = []\n}\n";
    let list = actions(&mut client, "untitled:placeholder", text, 0).await;
    let fix = titled(&list, "Replace the placeholder with `self_label`");
    assert_eq!(
        apply(fix, "untitled:placeholder", text),
        "prometheus.scrape \"self_label\" {\n\ttargets = []\n}\n"
    );
}
