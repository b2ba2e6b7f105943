//! Completion contexts beyond a body's own schema: `import.*` namespaces,
//! `foreach` templates and object keys; lazy documentation
//! (`completionItem/resolve`); semantic token deltas.

use serde_json::{json, Value};

use crate::common::*;

async fn complete_at(client: &mut Client, uri: &str, marked: &str) -> Value {
    let (text, position) = cursor(marked);
    client.open(uri, &text).await;
    client.at("textDocument/completion", uri, position).await
}

const LIB: &str = "declare \"sink\" {\n\targument \"url\" {\n\t\tcomment = \"where to push\"\n\t}\n\targument \"tenant\" {\n\t\toptional = true\n\t}\n\texport \"receiver\" {\n\t\tvalue = 1\n\t}\n}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_file_namespaces_complete_hover_and_jump() {
    let dir = Dir::new(&[("lib/sink.alloy", LIB), ("main.alloy", "")]);
    let uri = dir.uri("main.alloy");
    let mut client = Client::default_editor().await;
    let head = "import.file \"lib\" {\n\tfilename = \"lib\"\n}\n\n";
    // The declares of the imported directory, as `lib.<name>` snippets.
    let result = complete_at(&mut client, &uri, &format!("{head}lib.|\n")).await;
    let sink = item(&result, "lib.sink");
    let text = sink["textEdit"]["newText"].as_str().expect("text");
    assert!(
        text.starts_with("lib.sink \"${1:default}\" {\n\turl = $2\n"),
        "{text}"
    );
    assert!(
        !text.contains("tenant"),
        "optional arguments are left out: {text}"
    );
    // Inside an instance: the declare's arguments.
    let body = format!("{head}lib.sink \"x\" {{\n\t|\n}}\n");
    let (text, position) = cursor(&body);
    client.change(&uri, 2, &text).await;
    let result = client.at("textDocument/completion", &uri, position).await;
    let names = labels(&result);
    assert!(
        names.contains(&"url".to_owned()) && names.contains(&"tenant".to_owned()),
        "{names:?}"
    );
    assert_eq!(item(&result, "url")["sortText"], "0_url", "required first");
    // Hover on the instance's name and on an argument.
    let text = format!("{head}lib.sink \"x\" {{\n\turl = \"http://x\"\n}}\n");
    client.change(&uri, 3, &text).await;
    let value = client.hover_text(&uri, find(&text, "lib.sink", 5)).await;
    assert!(
        value.contains("lib.sink") && value.contains("`url` (required)"),
        "{value}"
    );
    let value = client.hover_text(&uri, find(&text, "url =", 1)).await;
    assert!(value.contains("where to push"), "{value}");
    // The exports of an instance are references elsewhere.
    let text2 =
        format!("{text}\nloki.source.file \"f\" {{\n\ttargets    = []\n\tforward_to = [|]\n}}\n");
    let (text2, position) = cursor(&text2);
    client.change(&uri, 4, &text2).await;
    let result = client.at("textDocument/completion", &uri, position).await;
    assert!(
        labels(&result).contains(&"lib.sink.x.receiver".to_owned()),
        "{:?}",
        labels(&result)
    );
    client.change(&uri, 5, &text).await;
    // Definition: the declare in the imported file.
    let def = client
        .at("textDocument/definition", &uri, find(&text, "lib.sink", 5))
        .await;
    assert_eq!(def["uri"], dir.uri("lib/sink.alloy"));
    assert_eq!(def["range"]["start"], json!({"line": 0, "character": 0}));
    assert_eq!(def["range"]["end"], json!({"line": 0, "character": 14}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_string_is_read_and_remote_imports_offer_nothing() {
    let mut client = Client::default_editor().await;
    let src = "import.string \"m\" {\n\tcontent = \"declare \\\"add\\\" {\\n\\targument \\\"a\\\" { }\\n}\\n\"\n}\n\nimport.http \"rmt\" {\n\turl = \"http://example.com/mod.alloy\"\n}\n\nimport.git \"gitmod\" {\n\trepository = \"https://example.com/r.git\"\n\tpath = \"m.alloy\"\n}\n\n|\n";
    let result = complete_at(&mut client, "untitled:imports", src).await;
    let names = labels(&result);
    assert!(names.contains(&"m.add".to_owned()), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("rmt.") || n.starts_with("gitmod.")),
        "{names:?}"
    );
    // Definition of an import.string declare points at the import block.
    let (text, _) = cursor(src);
    let text = text.replace("\n\n\n", "\n\nm.add \"x\" {\n\ta = 1\n}\n");
    client.change("untitled:imports", 2, &text).await;
    let def = client
        .at(
            "textDocument/definition",
            "untitled:imports",
            find(&text, "m.add", 2),
        )
        .await;
    assert_eq!(def["range"]["start"], json!({"line": 0, "character": 14}));
    // Remote namespaces and broken imports never fail a request.
    for marked in [
        "import.http \"r\" {\n\turl = \"http://x\"\n}\nr.|\n",
        "import.file \"lib\" {\n\tfilename = \"/nonexistent/dir\"\n}\nlib.|\n",
        "import.file \"lib\" {\n\tfilename = sys.env(\"X\")\n}\nlib.x \"a\" {\n\t|\n}\n",
        "import.string \"s\" {\n\tcontent = \"declare {{{\"\n}\ns.|\n",
    ] {
        let result = complete_at(&mut client, "untitled:broken", marked).await;
        assert!(
            !labels(&result)
                .iter()
                .any(|l| l.starts_with("r.") || l.starts_with("lib.")),
            "{marked}: {result}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreach_var_arguments_and_template() {
    let mut client = Client::initialized(
        editor_capabilities(),
        json!({"stabilityLevel": "experimental"}),
    )
    .await;
    // The foreach's own arguments and its template block.
    let result = complete_at(&mut client, "untitled:fe1", "foreach \"f\" {\n\t|\n}\n").await;
    let names = labels(&result);
    for expected in ["collection", "var", "template"] {
        assert!(
            names.contains(&expected.to_owned()),
            "{expected} in {names:?}"
        );
    }
    // Inside the template, the var names the current element.
    let src = "foreach \"f\" {\n\tcollection = [\"a:1\", \"b:2\"]\n\tvar        = \"each\"\n\n\ttemplate {\n\t\tprometheus.scrape \"s\" {\n\t\t\ttargets    = [{\"__address__\" = e|}]\n\t\t\tforward_to = []\n\t\t}\n\t}\n}\n";
    let result = complete_at(&mut client, "untitled:fe2", src).await;
    let each = item(&result, "each");
    assert_eq!(each["kind"], 6, "variable");
    assert_eq!(each["sortText"], "0_each");
    // Not outside the template.
    let src = "foreach \"f\" {\n\tvar = \"each\"\n\tcollection = [e|]\n\ttemplate { }\n}\n";
    let result = complete_at(&mut client, "untitled:fe3", src).await;
    assert!(!labels(&result).contains(&"each".to_owned()));
    // Hover and definition of the variable where it is used.
    let text = "foreach \"f\" {\n\tcollection = [\"a:1\"]\n\tvar        = \"each\"\n\n\ttemplate {\n\t\tprometheus.scrape \"s\" {\n\t\t\ttargets    = [{\"__address__\" = each}]\n\t\t\tforward_to = []\n\t\t}\n\t}\n}\n";
    client.open("untitled:fe4", text).await;
    let used = find(text, "= each}", 3);
    let value = client.hover_text("untitled:fe4", used.clone()).await;
    assert!(
        value.contains("foreach variable") && value.contains("foreach \"f\""),
        "{value}"
    );
    let def = client
        .at("textDocument/definition", "untitled:fe4", used)
        .await;
    assert_eq!(def["range"]["start"], find(text, "\"each\"", 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_keys_of_targets() {
    let mut client = Client::default_editor().await;
    let src = "prometheus.scrape \"s\" {\n\ttargets = [{\"__address__\" = \"h:9090\", |}]\n\tforward_to = []\n}\n";
    let result = complete_at(&mut client, "untitled:k1", src).await;
    let names = labels(&result);
    assert!(names.contains(&"__metrics_path__".to_owned()), "{names:?}");
    assert!(
        !names.contains(&"__address__".to_owned()),
        "already written"
    );
    assert_eq!(item(&result, "job")["textEdit"]["newText"], "\"job\" = $0");
    // Typing inside the quotes inserts the bare key.
    let src = "local.file_match \"f\" {\n\tpath_targets = [{\n\t\t\"__pa|\n\t}]\n}\n";
    let result = complete_at(&mut client, "untitled:k2", src).await;
    let path = item(&result, "__path__");
    assert_eq!(path["textEdit"]["newText"], "__path__");
    assert_eq!(
        path["textEdit"]["range"]["start"],
        json!({"line": 2, "character": 3})
    );
    // Objects without known keys offer nothing.
    let src =
        "loki.process \"p\" {\n\tstage.labels {\n\t\tvalues = {|}\n\t}\n\tforward_to = []\n}\n";
    let result = complete_at(&mut client, "untitled:k3", src).await;
    assert!(labels(&result).is_empty(), "{result}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documentation_is_resolved_lazily_when_the_client_can() {
    let mut caps = editor_capabilities();
    caps["textDocument"]["completion"]["completionItem"]["resolveSupport"] =
        json!({"properties": ["documentation"]});
    let mut client = Client::initialized(caps, json!({})).await;
    let result = complete_at(&mut client, "untitled:r1", "prometheus.scr|").await;
    let scrape = item(&result, "prometheus.scrape").clone();
    assert!(scrape.get("documentation").is_none(), "{scrape}");
    assert_eq!(scrape["data"]["doc"], "component");
    let resolved = client
        .request("completionItem/resolve", scrape)
        .await
        .expect("resolve");
    let doc = resolved["documentation"]["value"].as_str().expect("doc");
    assert!(doc.contains("prometheus.scrape"), "{doc}");
    assert_eq!(resolved["documentation"]["kind"], "markdown");
    // Arguments of nested blocks resolve through their path.
    let result = complete_at(
        &mut client,
        "untitled:r2",
        "prometheus.remote_write \"r\" {\n\tendpoint {\n\t\t|\n\t}\n}\n",
    )
    .await;
    let url = item(&result, "url").clone();
    let resolved = client
        .request("completionItem/resolve", url)
        .await
        .expect("resolve");
    let doc = resolved["documentation"]["value"].as_str().expect("doc");
    assert!(doc.contains("prometheus.remote_write > endpoint"), "{doc}");
    // An item the server did not make comes back as it was.
    let foreign = json!({"label": "x", "data": {"doc": "nonsense"}});
    let back = client
        .request("completionItem/resolve", foreign.clone())
        .await
        .expect("resolve");
    assert_eq!(back, foreign);
    // Clients without resolve support get the documentation inline.
    let mut plain = Client::default_editor().await;
    let result = complete_at(&mut plain, "untitled:r3", "prometheus.scr|").await;
    assert!(item(&result, "prometheus.scrape")["documentation"]["value"]
        .as_str()
        .is_some_and(|d| d.contains("prometheus.scrape")));
}

/// Replays delta edits on the flat integer encoding, as a client does.
fn apply_delta(old: &[Value], edits: &[Value]) -> Vec<Value> {
    let mut out = old.to_vec();
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| std::cmp::Reverse(e["start"].as_u64().unwrap_or(0)));
    for e in edits {
        let start = e["start"].as_u64().unwrap_or(0) as usize;
        let count = e["deleteCount"].as_u64().unwrap_or(0) as usize;
        let data = e["data"].as_array().cloned().unwrap_or_default();
        out.splice(start..start + count, data);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semantic_token_deltas_replay_to_the_full_tokens() {
    let mut client = Client::start();
    let init = client
        .request("initialize", json!({"capabilities": editor_capabilities()}))
        .await
        .expect("init");
    assert_eq!(
        init["capabilities"]["semanticTokensProvider"]["full"],
        json!({"delta": true})
    );
    let uri = "untitled:delta";
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!("prometheus.exporter.unix \"h{i}\" {{ }}\n\n"));
    }
    client.open(uri, &text).await;
    let full = client
        .request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await
        .expect("tokens");
    let mut data = full["data"].as_array().cloned().expect("data");
    let mut id = full["resultId"].as_str().expect("result id").to_owned();
    let edited = text.replacen(
        "\"h25\" { }",
        "\"h25\" {\n\tset_collectors = [\"cpu\"]\n}",
        1,
    );
    for (version, t) in [(2, &edited), (3, &text)] {
        client.change(uri, version, t).await;
        let delta = client
            .request(
                "textDocument/semanticTokens/full/delta",
                json!({"textDocument": {"uri": uri}, "previousResultId": id}),
            )
            .await
            .expect("delta");
        let edits = delta["edits"].as_array().expect("a delta, not full tokens");
        let sent: usize = edits
            .iter()
            .map(|e| e["data"].as_array().map_or(0, Vec::len))
            .sum();
        assert!(sent < 40, "only the changed tokens are sent: {sent}");
        data = apply_delta(&data, edits);
        // The next delta builds on this one.
        id = delta["resultId"].as_str().expect("result id").to_owned();
    }
    let fresh = client
        .request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await
        .expect("tokens");
    assert_eq!(fresh["data"].as_array().expect("data"), &data);
    // An unknown result id gets the whole list.
    let answer = client
        .request(
            "textDocument/semanticTokens/full/delta",
            json!({"textDocument": {"uri": uri}, "previousResultId": "stale"}),
        )
        .await
        .expect("delta");
    assert_eq!(answer["data"].as_array().expect("full"), &data);
    assert!(answer["resultId"].is_string());
}

/// Completion right after edits answers on the tree the database re-parsed
/// incrementally from the previous one: it must see each edit, local or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_sees_every_edit_through_the_reparsed_tree() {
    let mut client = Client::default_editor().await;
    let uri = "untitled:kept";
    let v1 = "prometheus.remote_write \"a\" {\n\tendpoint {\n\t\turl = \"http://a\"\n\t}\n}\n\nprometheus.scrape \"s\" {\n\ttargets = []\n\t\n}\n";
    let at_blank = |text: &str| find(text, "[]\n\t\n", 4);
    let ask = |text: &str| json!({"textDocument": {"uri": uri}, "position": at_blank(text)});
    client.open(uri, v1).await;
    let result = client
        .request("textDocument/completion", ask(v1))
        .await
        .expect("completion");
    assert!(labels(&result).contains(&"forward_to".to_owned()));
    // A local edit inside the block: spliced.
    let v2 = v1.replace("\ttargets = []\n", "\ttargets = []\n\tforward_to = []\n");
    client.change(uri, 2, &v2).await;
    let result = client
        .request("textDocument/completion", ask(&v2))
        .await
        .expect("completion");
    assert!(
        !labels(&result).contains(&"forward_to".to_owned()),
        "{:?}",
        labels(&result)
    );
    // Renaming the label of another block changes what forward_to offers.
    let v3 = v2.replace("remote_write \"a\"", "remote_write \"b\"");
    client.change(uri, 3, &v3).await;
    let position = find(&v3, "forward_to = [", 14);
    let result = client
        .at("textDocument/completion", uri, position.clone())
        .await;
    let names = labels(&result);
    assert!(
        names.contains(&"prometheus.remote_write.b.receiver".to_owned()),
        "{names:?}"
    );
    assert!(!names.contains(&"prometheus.remote_write.a.receiver".to_owned()));
    // An edit across statements (a new block) is seen too.
    let v4 =
        format!("{v3}\nloki.write \"l\" {{\n\tendpoint {{\n\t\turl = \"http://l\"\n\t}}\n}}\n");
    client.change(uri, 4, &v4).await;
    let result = client.at("textDocument/completion", uri, position).await;
    assert!(labels(&result).contains(&"prometheus.remote_write.b.receiver".to_owned()));
}
