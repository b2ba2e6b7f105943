//! Diagnostics: pushed for every file of the directory, with the codes of
//! `alloy check`; pulled where the client asks; following edits, settings
//! and files on disk.

use serde_json::{json, Value};

use crate::common::*;

fn codes(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syntax_errors_are_published_with_codes() {
    let mut client = Client::default_editor().await;
    client
        .open(
            "untitled:syntax",
            "logging {\n\tlevel = \"info\" format = \"logfmt\"\n}\n",
        )
        .await;
    let diags = client
        .diagnostics("untitled:syntax", |d| !d.is_empty())
        .await;
    let d = &diags[0];
    assert_eq!(d["code"], "AL0001");
    assert_eq!(d["source"], "alloy");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["message"], "expected TERMINATOR, got IDENT");
    assert_eq!(d["range"]["start"], json!({"line": 1, "character": 16}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_directory_is_one_module() {
    let dir = Dir::new(&[
        (
            "a.alloy",
            "prometheus.scrape \"s\" {\n\ttargets    = []\n\tforward_to = [prometheus.remote_write.b.receiver]\n}\n",
        ),
        (
            "b.alloy",
            "prometheus.remote_write \"b\" {\n\tendpoint {\n\t\turl = \"http://x\"\n\t\tbogus = 1\n\t}\n}\n",
        ),
    ]);
    let mut client = Client::default_editor().await;
    let a = dir.uri("a.alloy");
    let text = std::fs::read_to_string(dir.path("a.alloy")).expect("fixture");
    client.open(&a, &text).await;
    // The reference to b.alloy resolves: no error in a.alloy.
    let diags = client.diagnostics(&a, |_| true).await;
    assert!(
        !codes(&diags).contains(&"AL0401".to_owned()),
        "cross-file reference must resolve: {diags:?}"
    );
    // The closed file of the directory gets its diagnostics too.
    let b = dir.uri("b.alloy");
    let diags = client.diagnostics(&b, |d| !d.is_empty()).await;
    assert!(codes(&diags).contains(&"AL0201".to_owned()), "{diags:?}");
    let unknown = diags
        .iter()
        .find(|d| d["code"] == "AL0201")
        .expect("AL0201");
    assert_eq!(unknown["range"]["start"]["line"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_update_diagnostics_and_stale_versions_are_ignored() {
    let mut client = Client::default_editor().await;
    let uri = "untitled:edits";
    client.open(uri, "logging {\n\tlevel = \"info\"\n}\n").await;
    client.diagnostics(uri, |d| d.is_empty()).await;
    client
        .change(
            uri,
            3,
            "loki.write \"w\" {\n\tendpoint {\n\t\turl = \"http://x\"\n\t}\n\tbogus = true\n}\n",
        )
        .await;
    let diags = client.diagnostics(uri, |d| !d.is_empty()).await;
    assert!(codes(&diags).contains(&"AL0201".to_owned()), "{diags:?}");
    // Version 2 arrives late: it must not replace version 3.
    client.change(uri, 2, "logging {}\n").await;
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await
        .expect("symbols");
    assert_eq!(symbols[0]["name"], "loki.write \"w\"");
    // Diagnostics carry the document version.
    client
        .change(uri, 4, "logging {\n\tlevel = \"info\" x\n}\n")
        .await;
    let message = client
        .wait_for("versioned diagnostics", |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 4
        })
        .await;
    assert_eq!(message["params"]["diagnostics"][0]["code"], "AL0001");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stability_level_comes_from_the_settings() {
    let text = "mimir.alerts.kubernetes \"k\" { }\n";
    let mut client = Client::default_editor().await;
    client.open("untitled:stab", text).await;
    let diags = client
        .diagnostics("untitled:stab", |d| codes(d).contains(&"AL0108".to_owned()))
        .await;
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("experimental"),
        "{diags:?}"
    );
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"alloy": {"stabilityLevel": "experimental", "communityComponents": false}}}),
        )
        .await;
    client
        .diagnostics("untitled:stab", |d| {
            !codes(d).contains(&"AL0108".to_owned())
        })
        .await;

    // The same through initializationOptions.
    let mut client = Client::initialized(
        editor_capabilities(),
        json!({"stabilityLevel": "experimental"}),
    )
    .await;
    client.open("untitled:stab", text).await;
    let diags = client.diagnostics("untitled:stab", |_| true).await;
    assert!(!codes(&diags).contains(&"AL0108".to_owned()), "{diags:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_pulled_when_the_notification_has_none() {
    let mut client = Client::start_with(json!({"stabilityLevel": "experimental"}));
    client
        .request("initialize", json!({"capabilities": editor_capabilities()}))
        .await
        .expect("init");
    client.notify("initialized", json!({})).await;
    client
        .open("untitled:pull", "mimir.alerts.kubernetes \"k\" { }\n")
        .await;
    client
        .diagnostics("untitled:pull", |d| codes(d).contains(&"AL0108".to_owned()))
        .await;
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": null}),
        )
        .await;
    client
        .diagnostics("untitled:pull", |d| {
            !codes(d).contains(&"AL0108".to_owned())
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_pull_get_reports_and_no_duplicates() {
    let mut caps = editor_capabilities();
    caps["textDocument"]["diagnostic"] = json!({});
    let dir = Dir::new(&[
        ("a.alloy", "logging {\n\tlevel = \"info\" x\n}\n"),
        (
            "b.alloy",
            "loki.write \"w\" {\n\tendpoint {\n\t\turl = \"http://x\"\n\t}\n\tbogus = 1\n}\n",
        ),
    ]);
    let mut client = Client::initialized(caps, json!({})).await;
    let a = dir.uri("a.alloy");
    client
        .open(
            &a,
            &std::fs::read_to_string(dir.path("a.alloy")).expect("a"),
        )
        .await;
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": a}}),
        )
        .await
        .expect("report");
    assert_eq!(report["kind"], "full");
    assert_eq!(report["items"][0]["code"], "AL0001");
    // b.alloy is not open: it is pushed. (Syntax errors in a.alloy stop the
    // semantic checks of the module, as upstream; so b gets an empty list.)
    let b = dir.uri("b.alloy");
    client.diagnostics(&b, |_| true).await;
    // Fix a.alloy: b.alloy's semantic error is pushed, a.alloy's is not.
    client
        .change(&a, 2, "logging {\n\tlevel = \"info\"\n}\n")
        .await;
    client
        .diagnostics(&b, |d| codes(d).contains(&"AL0201".to_owned()))
        .await;
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": a}}),
        )
        .await
        .expect("report");
    assert_eq!(report["items"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_created_on_disk_join_the_module() {
    let dir = Dir::new(&[(
        "a.alloy",
        "loki.source.api \"a\" {\n\thttp {\n\t\tlisten_port = 9999\n\t}\n\tforward_to = [loki.write.x.receiver]\n}\n",
    )]);
    let mut client = Client::default_editor().await;
    let a = dir.uri("a.alloy");
    client
        .open(
            &a,
            &std::fs::read_to_string(dir.path("a.alloy")).expect("a"),
        )
        .await;
    client
        .diagnostics(&a, |d| codes(d).contains(&"AL0401".to_owned()))
        .await;
    std::fs::write(
        dir.path("b.alloy"),
        "loki.write \"x\" {\n\tendpoint {\n\t\turl = \"http://x\"\n\t}\n}\n",
    )
    .expect("write");
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": dir.uri("b.alloy"), "type": 1}]}),
        )
        .await;
    client
        .diagnostics(&a, |d| !codes(d).contains(&"AL0401".to_owned()))
        .await;
    // Deleting it brings the error back.
    std::fs::remove_file(dir.path("b.alloy")).expect("rm");
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": dir.uri("b.alloy"), "type": 3}]}),
        )
        .await;
    client
        .diagnostics(&a, |d| codes(d).contains(&"AL0401".to_owned()))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_buffer_goes_back_to_the_file_on_disk() {
    let dir = Dir::new(&[("a.alloy", "logging {\n\tlevel = \"info\"\n}\n")]);
    let mut client = Client::default_editor().await;
    let a = dir.uri("a.alloy");
    client
        .open(&a, "logging {\n\tlevel = \"info\" x\n}\n")
        .await;
    client.diagnostics(&a, |d| !d.is_empty()).await;
    client
        .notify("textDocument/didClose", json!({"textDocument": {"uri": a}}))
        .await;
    client.diagnostics(&a, |d| d.is_empty()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulling_clients_are_asked_to_pull_again_when_another_file_changes_them() {
    let mut caps = editor_capabilities();
    caps["textDocument"]["diagnostic"] = json!({});
    caps["workspace"]["diagnostics"] = json!({"refreshSupport": true});
    let a_text = "loki.source.api \"a\" {\n\thttp {\n\t\tlisten_port = 9999\n\t}\n\tforward_to = [loki.write.x.receiver]\n}\n";
    let b_text = "loki.write \"x\" {\n\tendpoint {\n\t\turl = \"http://x\"\n\t}\n}\n";
    let dir = Dir::new(&[("a.alloy", a_text), ("b.alloy", b_text)]);
    let mut client = Client::initialized(caps, json!({})).await;
    client.open(&dir.uri("a.alloy"), a_text).await;
    client.open(&dir.uri("b.alloy"), b_text).await;
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": dir.uri("a.alloy")}}),
        )
        .await
        .expect("report");
    assert!(!codes(report["items"].as_array().expect("items")).contains(&"AL0401".to_owned()));
    // Renaming the block in b.alloy breaks the reference in a.alloy.
    client
        .change(&dir.uri("b.alloy"), 2, &b_text.replace("\"x\"", "\"y\""))
        .await;
    client
        .wait_for("workspace/diagnostic/refresh", |m| {
            m["method"] == "workspace/diagnostic/refresh"
        })
        .await;
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": dir.uri("a.alloy")}}),
        )
        .await
        .expect("report");
    assert!(codes(report["items"].as_array().expect("items")).contains(&"AL0401".to_owned()));
    // Open documents are never pushed to a pulling client.
    let pushed = client.buffered_matching(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == dir.uri("a.alloy")
    });
    assert!(pushed.is_empty(), "{pushed:?}");
}
