//! Rename of labels, custom component names and arguments, across files.

use serde_json::{json, Value};

use crate::common::*;

const A: &str = "prometheus.scrape \"s\" {\n\ttargets    = []\n\tforward_to = [prometheus.remote_write.default.receiver]\n}\n\nsink \"one\" {\n\turl = \"http://x\"\n}\n\nlocal.file \"f\" {\n\tfilename = sink.one.out\n}\n";
const B: &str =
    "prometheus.remote_write \"default\" {\n\tendpoint {\n\t\turl = \"http://m\"\n\t}\n}\n";
const C: &str = "declare \"sink\" {\n\targument \"url\" { }\n\n\tloki.write \"w\" {\n\t\tendpoint {\n\t\t\turl = argument.url.value\n\t\t}\n\t}\n\n\texport \"out\" {\n\t\tvalue = argument.url.value\n\t}\n}\n";

async fn setup() -> (Client, Dir) {
    let dir = Dir::new(&[("a.alloy", A), ("b.alloy", B), ("c.alloy", C)]);
    let mut client = Client::default_editor().await;
    client.open(&dir.uri("a.alloy"), A).await;
    client.open(&dir.uri("c.alloy"), C).await;
    (client, dir)
}

async fn rename(
    client: &mut Client,
    uri: &str,
    position: Value,
    new_name: &str,
) -> Result<Value, Value> {
    client
        .request(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri}, "position": position, "newName": new_name}),
        )
        .await
}

fn edited(edit: &Value, uri: &str, text: &str) -> String {
    let edits = edit["changes"][uri].as_array().cloned().unwrap_or_default();
    apply_edits(text, &edits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_label_and_every_reference() {
    let (mut client, dir) = setup().await;
    let (a, b) = (dir.uri("a.alloy"), dir.uri("b.alloy"));
    let edit = rename(&mut client, &a, find(A, "default.receiver", 2), "main")
        .await
        .expect("rename");
    assert_eq!(edited(&edit, &b, B), B.replace("\"default\"", "\"main\""));
    assert_eq!(
        edited(&edit, &a, A),
        A.replace(
            "remote_write.default.receiver",
            "remote_write.main.receiver"
        )
    );
    // Renaming from the label gives the same edit.
    let from_label = rename(&mut client, &b, find(B, "\"default\"", 3), "main")
        .await
        .expect("rename");
    assert_eq!(edited(&from_label, &a, A), edited(&edit, &a, A));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_component_its_instances_and_their_references() {
    let (mut client, dir) = setup().await;
    let (a, c) = (dir.uri("a.alloy"), dir.uri("c.alloy"));
    let edit = rename(&mut client, &a, find(A, "sink \"one\"", 2), "drain")
        .await
        .expect("rename");
    assert_eq!(
        edited(&edit, &c, C),
        C.replace("declare \"sink\"", "declare \"drain\"")
    );
    let new_a = edited(&edit, &a, A);
    assert!(new_a.contains("drain \"one\" {"), "{new_a}");
    assert!(new_a.contains("filename = drain.one.out"), "{new_a}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_argument_its_uses_and_the_instances_that_set_it() {
    let (mut client, dir) = setup().await;
    let (a, c) = (dir.uri("a.alloy"), dir.uri("c.alloy"));
    let edit = rename(
        &mut client,
        &c,
        find(C, "argument.url.value", 10),
        "endpoint",
    )
    .await
    .expect("rename");
    let new_c = edited(&edit, &c, C);
    assert!(new_c.contains("argument \"endpoint\" { }"), "{new_c}");
    assert_eq!(
        new_c.matches("argument.endpoint.value").count(),
        2,
        "{new_c}"
    );
    assert!(edited(&edit, &a, A).contains("\tendpoint = \"http://x\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepare_rename_and_invalid_names() {
    let (mut client, dir) = setup().await;
    let a = dir.uri("a.alloy");
    let prepared = client
        .request(
            "textDocument/prepareRename",
            json!({"textDocument": {"uri": a}, "position": find(A, "remote_write.default", 15)}),
        )
        .await
        .expect("prepare");
    assert_eq!(prepared["placeholder"], "default");
    assert_eq!(prepared["range"]["start"], find(A, "default.receiver", 0));
    let prepared = client
        .request(
            "textDocument/prepareRename",
            json!({"textDocument": {"uri": a}, "position": find(A, "\"s\"", 1)}),
        )
        .await
        .expect("prepare");
    assert_eq!(prepared["placeholder"], "s");
    assert_eq!(prepared["range"]["start"], find(A, "\"s\"", 1));
    assert_eq!(prepared["range"]["end"], find(A, "\"s\"", 2));
    // Not renamable: an attribute of a built-in component.
    let none = client
        .request(
            "textDocument/prepareRename",
            json!({"textDocument": {"uri": a}, "position": find(A, "targets", 1)}),
        )
        .await
        .expect("prepare");
    assert_eq!(none, Value::Null);
    let error = rename(&mut client, &a, find(A, "\"s\"", 1), "not valid")
        .await
        .expect_err("invalid");
    assert_eq!(error["code"], -32602);
}
