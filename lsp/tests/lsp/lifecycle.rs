//! Initialization, capabilities, encodings, shutdown, and the protocol
//! errors a client can provoke.

use serde_json::{json, Value};
use tower::{Service, ServiceExt};
use tower_lsp_server::jsonrpc::Request;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_advertises_every_feature() {
    let mut client = Client::start();
    let result = client
        .request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": editor_capabilities()}),
        )
        .await
        .expect("initialize");
    let caps = &result["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 1, "full sync");
    for key in [
        "completionProvider",
        "hoverProvider",
        "signatureHelpProvider",
        "definitionProvider",
        "referencesProvider",
        "renameProvider",
        "documentSymbolProvider",
        "workspaceSymbolProvider",
        "semanticTokensProvider",
        "foldingRangeProvider",
        "selectionRangeProvider",
        "documentLinkProvider",
        "inlayHintProvider",
        "codeActionProvider",
        "documentFormattingProvider",
        "documentRangeFormattingProvider",
    ] {
        assert!(!caps[key].is_null(), "{key} missing in {caps}");
    }
    assert_eq!(caps["renameProvider"]["prepareProvider"], true);
    assert!(
        caps["diagnosticProvider"].is_null(),
        "no pull without the client capability"
    );
    assert_eq!(result["serverInfo"]["name"], "alloy-lsp");
    assert_eq!(client.shutdown().await, alloy_lsp::Outcome::Clean);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_diagnostics_are_offered_to_clients_that_pull() {
    let mut caps = editor_capabilities();
    caps["textDocument"]["diagnostic"] = json!({"dynamicRegistration": false});
    let mut client = Client::start();
    let result = client
        .request("initialize", json!({"capabilities": caps}))
        .await
        .expect("initialize");
    assert_eq!(
        result["capabilities"]["diagnosticProvider"]["interFileDependencies"],
        true
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utf8_positions_when_the_client_offers_them() {
    let mut caps = editor_capabilities();
    caps["general"]["positionEncodings"] = json!(["utf-8", "utf-16"]);
    let mut client = Client::initialized(caps, json!({})).await;
    let text = "logging {\n\tlevel = \"é\" format = \"json\"\n}\n";
    client.open("untitled:enc", text).await;
    let diags = client.diagnostics("untitled:enc", |d| !d.is_empty()).await;
    // `format` starts at byte 14 of line 1 (é is two bytes, one UTF-16 unit).
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 1, "character": 14})
    );

    let mut client = Client::default_editor().await;
    client.open("untitled:enc", text).await;
    let diags = client.diagnostics("untitled:enc", |d| !d.is_empty()).await;
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 1, "character": 13})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_before_initialize_are_refused() {
    let mut client = Client::start();
    let error = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": "untitled:x"}, "position": {"line": 0, "character": 0}}),
        )
        .await
        .expect_err("not initialized");
    assert_eq!(error["code"], -32002);
    // Initializing afterwards still works.
    let result = client
        .request("initialize", json!({"capabilities": {}}))
        .await;
    assert!(result.is_ok());
    let second = client
        .request("initialize", json!({"capabilities": {}}))
        .await;
    assert!(second.is_err(), "a second initialize is an error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_get_error_responses() {
    let mut client = Client::default_editor().await;
    client.send_raw(b"{ this is not json").await;
    let parse_error = client
        .wait_for("parse error response", |m| m["error"]["code"] == -32700)
        .await;
    assert_eq!(parse_error["id"], Value::Null);

    let bad_params = client
        .request("textDocument/hover", json!({"textDocument": 42}))
        .await
        .expect_err("invalid params");
    assert_eq!(bad_params["code"], -32602);

    let unknown = client
        .request("alloy/doesNotExist", json!({}))
        .await
        .expect_err("unknown method");
    assert_eq!(unknown["code"], -32601);

    let missing = client
        .request("textDocument/completion", Value::Null)
        .await
        .expect_err("missing params");
    assert_eq!(missing["code"], -32602);

    // Notifications with bad params are dropped silently; the server lives.
    client
        .notify("textDocument/didOpen", json!({"textDocument": "nope"}))
        .await;
    client.notify("textDocument/didChange", json!(null)).await;
    let ok = client
        .request("workspace/symbol", json!({"query": ""}))
        .await
        .expect("still serving");
    assert!(ok.is_array());
    // A request about a document the server does not know is answered
    // with nothing, not an error.
    let hover = client
        .request("textDocument/hover", json!({"textDocument": {"uri": "file:///nowhere/x.alloy"}, "position": {"line": 0, "character": 0}}))
        .await
        .expect("answered");
    assert_eq!(hover, Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_status_follows_the_protocol() {
    let client = Client::default_editor().await;
    assert_eq!(client.shutdown().await, alloy_lsp::Outcome::Clean);

    let mut client = Client::default_editor().await;
    client.notify("exit", Value::Null).await;
    let outcome = tokio::time::timeout(TIMEOUT, client.server)
        .await
        .expect("exited")
        .expect("task");
    assert_eq!(outcome, alloy_lsp::Outcome::Abrupt);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bare_tower_service_answers_requests() {
    let (mut service, _socket) = alloy_lsp::service();
    let init = Request::build("initialize")
        .id(1)
        .params(json!({"capabilities": {}}))
        .finish();
    let response = service
        .ready()
        .await
        .expect("ready")
        .call(init)
        .await
        .expect("served")
        .expect("a response");
    let (_, result) = response.into_parts();
    assert!(result.expect("ok")["capabilities"]["hoverProvider"] == true);
    let open = Request::build("textDocument/didOpen")
        .params(json!({"textDocument": {"uri": "untitled:t", "languageId": "alloy", "version": 1, "text": "logging {}\n"}}))
        .finish();
    let none = service
        .ready()
        .await
        .expect("ready")
        .call(open)
        .await
        .expect("served");
    assert!(none.is_none(), "notifications have no response");
    let symbols = Request::build("textDocument/documentSymbol")
        .id(2)
        .params(json!({"textDocument": {"uri": "untitled:t"}}))
        .finish();
    let response = service
        .ready()
        .await
        .expect("ready")
        .call(symbols)
        .await
        .expect("served")
        .expect("a response");
    let (_, result) = response.into_parts();
    let result = result.expect("ok");
    assert_eq!(result[0]["name"], "logging");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_watchers_are_registered_when_the_client_allows() {
    let mut caps = editor_capabilities();
    caps["workspace"]["didChangeWatchedFiles"]["dynamicRegistration"] = json!(true);
    let mut client = Client::initialized(caps, json!({})).await;
    let request = client
        .wait_for("client/registerCapability", |m| {
            m["method"] == "client/registerCapability"
        })
        .await;
    let registration = &request["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        registration["registerOptions"]["watchers"][0]["globPattern"],
        "**/*.alloy"
    );
}
