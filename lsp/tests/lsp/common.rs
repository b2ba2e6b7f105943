//! A JSON-RPC client for in-process tests: the real server (`serve`) on
//! one end of a duplex pipe, framed messages on the other. Requests from
//! the server (`workspace/configuration`, refreshes, registrations) are
//! answered automatically.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, WriteHalf};
use tokio::sync::{mpsc, Mutex};

pub const TIMEOUT: Duration = Duration::from_secs(20);

type Writer = Arc<Mutex<WriteHalf<tokio::io::DuplexStream>>>;

pub struct Client {
    writer: Writer,
    incoming: mpsc::UnboundedReceiver<Value>,
    /// Notifications received while waiting for something else.
    buffered: VecDeque<Value>,
    next_id: i64,
    pub server: tokio::task::JoinHandle<alloy_lsp::Outcome>,
}

async fn write_message(writer: &Writer, body: &[u8]) {
    let mut w = writer.lock().await;
    let header = format!("Content-Length: {}\r\n\r\n", body.len());
    let _ = w.write_all(header.as_bytes()).await;
    let _ = w.write_all(body).await;
    let _ = w.flush().await;
}

/// Client capabilities of a typical editor (markdown, snippets,
/// hierarchical symbols, related information; push diagnostics only).
pub fn editor_capabilities() -> Value {
    json!({
        "general": { "positionEncodings": ["utf-16"] },
        "workspace": { "configuration": true, "didChangeWatchedFiles": { "dynamicRegistration": false } },
        "textDocument": {
            "completion": { "completionItem": { "snippetSupport": true, "documentationFormat": ["markdown"] } },
            "hover": { "contentFormat": ["markdown", "plaintext"] },
            "documentSymbol": { "hierarchicalDocumentSymbolSupport": true },
            "publishDiagnostics": { "relatedInformation": true },
            "foldingRange": { "lineFoldingOnly": true }
        }
    })
}

impl Client {
    /// Starts a server; `settings` answers `workspace/configuration`.
    pub fn start_with(settings: Value) -> Client {
        let (client_io, server_io) = tokio::io::duplex(1 << 22);
        let (server_read, server_write) = tokio::io::split(server_io);
        let server = tokio::spawn(alloy_lsp::serve(server_read, server_write));
        let (client_read, client_write) = tokio::io::split(client_io);
        let writer: Writer = Arc::new(Mutex::new(client_write));
        let (tx, incoming) = mpsc::unbounded_channel();
        let reply = writer.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(client_read);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length:") {
                        length = v.trim().parse::<usize>().ok();
                    }
                }
                let Some(length) = length else { return };
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).await.is_err() {
                    return;
                }
                let Ok(message) = serde_json::from_slice::<Value>(&body) else {
                    continue;
                };
                if message.get("method").is_some() && message.get("id").is_some() {
                    // A request from the server.
                    let result = match message["method"].as_str() {
                        Some("workspace/configuration") => json!([settings.clone()]),
                        _ => Value::Null,
                    };
                    let answer = json!({"jsonrpc": "2.0", "id": message["id"], "result": result});
                    write_message(&reply, answer.to_string().as_bytes()).await;
                }
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        Client {
            writer,
            incoming,
            buffered: VecDeque::new(),
            next_id: 1,
            server,
        }
    }

    pub fn start() -> Client {
        Client::start_with(json!({}))
    }

    /// A started and initialized server.
    pub async fn initialized(capabilities: Value, options: Value) -> Client {
        let mut client = Client::start();
        let result = client
            .request(
                "initialize",
                json!({"processId": null, "rootUri": null, "capabilities": capabilities, "initializationOptions": options}),
            )
            .await;
        assert!(result.is_ok(), "initialize failed: {result:?}");
        client.notify("initialized", json!({})).await;
        client
    }

    pub async fn default_editor() -> Client {
        Client::initialized(editor_capabilities(), json!({})).await
    }

    pub async fn send_raw(&self, body: &[u8]) {
        write_message(&self.writer, body).await;
    }

    /// Writes bytes as they are, unframed (garbage, broken frames).
    pub async fn send_bytes(&self, bytes: &[u8]) {
        let mut w = self.writer.lock().await;
        let _ = w.write_all(bytes).await;
        let _ = w.flush().await;
    }

    /// Counts the responses to `ids` (and any other response received
    /// meanwhile, by id) until each of `ids` has one, then until a final
    /// request of its own is answered, so a late duplicate is counted too.
    pub async fn count_responses(
        &mut self,
        ids: &[Value],
    ) -> std::collections::HashMap<String, usize> {
        let mut counts = std::collections::HashMap::new();
        let sentinel = json!("sentinel");
        let mut sent_sentinel = false;
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            if !sent_sentinel && ids.iter().all(|id| counts.contains_key(&id.to_string())) {
                let message = json!({"jsonrpc": "2.0", "id": sentinel, "method": "alloy/sentinel"});
                self.send_raw(message.to_string().as_bytes()).await;
                sent_sentinel = true;
            }
            let Ok(Some(message)) = tokio::time::timeout_at(deadline, self.incoming.recv()).await
            else {
                return counts;
            };
            if message.get("method").is_some() {
                continue;
            }
            let id = message.get("id").cloned().unwrap_or(Value::Null);
            if sent_sentinel && id == sentinel {
                return counts;
            }
            *counts.entry(id.to_string()).or_default() += 1;
        }
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        let message = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.send_raw(message.to_string().as_bytes()).await;
    }

    /// Sends a request and waits for its response: `Ok(result)` or
    /// `Err(error object)`.
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.next_id;
        self.next_id += 1;
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send_raw(message.to_string().as_bytes()).await;
        self.response(json!(id)).await
    }

    /// Waits for the response with `id`.
    pub async fn response(&mut self, id: Value) -> Result<Value, Value> {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            let message = tokio::time::timeout_at(deadline, self.incoming.recv())
                .await
                .unwrap_or_else(|_| panic!("no response to request {id} in time"))
                .expect("the server closed the connection");
            if message.get("method").is_none() && message.get("id") == Some(&id) {
                if let Some(error) = message.get("error") {
                    return Err(error.clone());
                }
                return Ok(message.get("result").cloned().unwrap_or(Value::Null));
            }
            if message.get("method").is_some() {
                self.buffered.push_back(message);
            }
        }
    }

    /// The next message (notification or server request) that matches.
    pub async fn wait_for(&mut self, what: &str, mut matches: impl FnMut(&Value) -> bool) -> Value {
        if let Some(at) = self.buffered.iter().position(&mut matches) {
            return self.buffered.remove(at).unwrap_or(Value::Null);
        }
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            let message = tokio::time::timeout_at(deadline, self.incoming.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .expect("the server closed the connection");
            if matches(&message) {
                return message;
            }
            if message.get("method").is_some() {
                self.buffered.push_back(message);
            }
        }
    }

    /// Notifications received so far (without waiting) that match.
    pub fn buffered_matching(&mut self, matches: impl Fn(&Value) -> bool) -> Vec<Value> {
        while let Ok(message) = self.incoming.try_recv() {
            if message.get("method").is_some() {
                self.buffered.push_back(message);
            }
        }
        self.buffered
            .iter()
            .filter(|m| matches(m))
            .cloned()
            .collect()
    }

    /// Waits for `publishDiagnostics` for `uri` whose list satisfies `pred`.
    pub async fn diagnostics(
        &mut self,
        uri: &str,
        mut pred: impl FnMut(&[Value]) -> bool,
    ) -> Vec<Value> {
        let message = self
            .wait_for(&format!("diagnostics for {uri}"), |m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri
                    && m["params"]["diagnostics"]
                        .as_array()
                        .is_some_and(|d| pred(d))
            })
            .await;
        message["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "alloy", "version": 1, "text": text}}),
        )
        .await;
    }

    pub async fn change(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        )
        .await;
    }

    /// A request about one position of a document (hover, definition,
    /// ...), which must succeed.
    pub async fn at(&mut self, method: &str, uri: &str, position: Value) -> Value {
        self.request(
            method,
            json!({"textDocument": {"uri": uri}, "position": position}),
        )
        .await
        .unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    /// The Markdown text of a hover, which must be there.
    pub async fn hover_text(&mut self, uri: &str, position: Value) -> String {
        let hover = self.at("textDocument/hover", uri, position).await;
        hover["contents"]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("no hover text in {hover}"))
            .to_owned()
    }

    pub async fn shutdown(mut self) -> alloy_lsp::Outcome {
        let _ = self.request("shutdown", Value::Null).await;
        self.notify("exit", Value::Null).await;
        tokio::time::timeout(TIMEOUT, self.server)
            .await
            .expect("the server did not exit")
            .expect("the server task failed")
    }
}

/// A directory of files; returns it (kept alive by the guard) and the URI of
/// each file.
pub struct Dir {
    pub dir: tempfile::TempDir,
}

impl Dir {
    pub fn new(files: &[(&str, &str)]) -> Dir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("fixture directory");
            }
            std::fs::write(path, text).expect("write fixture");
        }
        Dir { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn uri(&self, name: &str) -> String {
        uri_of(&self.path(name))
    }
}

pub fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The text with `|` removed, and the LSP position of the `|` (UTF-16,
/// fixture text is ASCII around the marker).
pub fn cursor(marked: &str) -> (String, Value) {
    let at = marked.find('|').expect("cursor marker");
    let text = marked.replacen('|', "", 1);
    (text, position_of(marked, at))
}

/// The LSP position of a byte offset (0-based line, UTF-16 column).
pub fn position_of(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col = before
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count();
    json!({"line": line, "character": col})
}

/// The position of the first occurrence of `needle` (plus `delta` bytes).
pub fn find(text: &str, needle: &str, delta: usize) -> Value {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in fixture"))
        + delta;
    position_of(text, at)
}

pub fn labels(result: &Value) -> Vec<String> {
    let items = result.get("items").unwrap_or(result);
    items
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["label"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub fn item<'a>(result: &'a Value, label: &str) -> &'a Value {
    let items = result.get("items").unwrap_or(result);
    items
        .as_array()
        .and_then(|a| a.iter().find(|i| i["label"] == label))
        .unwrap_or_else(|| panic!("no item {label:?} in {:?}", labels(result)))
}

/// Applies LSP text edits (UTF-16 positions) to a text.
pub fn apply_edits(text: &str, edits: &[Value]) -> String {
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            let start = offset_of(text, &e["range"]["start"]);
            let end = offset_of(text, &e["range"]["end"]);
            (start, end, e["newText"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_owned();
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    out
}

pub fn offset_of(text: &str, pos: &Value) -> usize {
    let line = pos["line"].as_u64().unwrap_or(0) as usize;
    let character = pos["character"].as_u64().unwrap_or(0) as usize;
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i == line {
            let mut units = 0;
            for (j, c) in l.char_indices() {
                if units >= character {
                    return offset + j;
                }
                units += c.len_utf16();
            }
            return offset + l.trim_end_matches('\n').len();
        }
        offset += l.len();
    }
    text.len()
}

/// The conformance corpus, or `None` (after printing why) when absent.
pub fn conformance_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("ALLOY_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("ALLOY_REQUIRE_CONFORMANCE").as_deref() == Ok("1") {
        panic!(
            "conformance data required but not found at {}",
            dir.display()
        );
    }
    println!("skipped: no conformance data at {}", dir.display());
    None
}

/// Every `*.alloy` file under a directory, sorted.
pub fn alloy_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "alloy") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
