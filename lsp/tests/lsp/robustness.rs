//! The server never crashes and always answers: random requests in random
//! order over the conformance corpus (broken files included), random edits
//! with stale versions, positions out of range.

use serde_json::{json, Value};

use crate::common::*;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

/// Answers allowed besides success: the document changed under the
/// request, or a rename target that is not an identifier.
fn acceptable(result: &Result<Value, Value>) -> bool {
    match result {
        Ok(_) => true,
        Err(e) => matches!(e["code"].as_i64(), Some(-32801) | Some(-32602)),
    }
}

const METHODS: &[&str] = &[
    "textDocument/hover",
    "textDocument/completion",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/prepareRename",
    "textDocument/rename",
    "textDocument/signatureHelp",
    "textDocument/formatting",
    "textDocument/rangeFormatting",
    "textDocument/semanticTokens/full",
    "textDocument/semanticTokens/range",
    "textDocument/semanticTokens/full/delta",
    "textDocument/foldingRange",
    "textDocument/selectionRange",
    "textDocument/documentLink",
    "textDocument/documentSymbol",
    "textDocument/inlayHint",
    "textDocument/codeAction",
    "alloy/graph",
];

fn params(method: &str, uri: &str, rng: &mut Rng, lines: u64) -> Value {
    let mut pos = || json!({"line": rng.below(lines + 3), "character": rng.below(120)});
    let start = pos();
    let end = pos();
    let range = json!({"start": start, "end": end});
    let doc = json!({"uri": uri});
    match method {
        "textDocument/references" => {
            json!({"textDocument": doc, "position": start, "context": {"includeDeclaration": true}})
        }
        "textDocument/rename" => {
            json!({"textDocument": doc, "position": start, "newName": "renamed_x"})
        }
        "textDocument/formatting" => {
            json!({"textDocument": doc, "options": {"tabSize": 4, "insertSpaces": false}})
        }
        "textDocument/rangeFormatting" => {
            json!({"textDocument": doc, "range": range, "options": {"tabSize": 4, "insertSpaces": false}})
        }
        "textDocument/semanticTokens/full/delta" => {
            json!({"textDocument": doc, "previousResultId": rng.below(5).to_string()})
        }
        "textDocument/semanticTokens/full"
        | "textDocument/foldingRange"
        | "textDocument/documentLink"
        | "textDocument/documentSymbol"
        | "alloy/graph" => {
            json!({"textDocument": doc})
        }
        "textDocument/semanticTokens/range" | "textDocument/inlayHint" => {
            json!({"textDocument": doc, "range": range})
        }
        "textDocument/selectionRange" => json!({"textDocument": doc, "positions": [start, end]}),
        "textDocument/codeAction" => {
            json!({"textDocument": doc, "range": range, "context": {"diagnostics": []}})
        }
        _ => json!({"textDocument": doc, "position": start}),
    }
}

/// A random edit: cut, duplicate or insert punctuation at a character
/// boundary.
fn mutate(text: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = rng.below(chars.len() as u64 + 1) as usize;
    let mut out: Vec<char> = chars.clone();
    match rng.below(4) {
        0 => {
            let len = rng.below(40) as usize;
            out.drain(at..(at + len).min(chars.len()));
        }
        1 => {
            let piece: Vec<char> = chars[at.saturating_sub(30)..at].to_vec();
            out.splice(at..at, piece);
        }
        2 => {
            let junk = [
                "{",
                "}",
                "\"",
                "=",
                "[",
                "(",
                ".",
                "\n",
                "é😀",
                "prometheus.",
                "/*",
            ];
            let pick = junk[rng.below(junk.len() as u64) as usize];
            out.splice(at..at, pick.chars());
        }
        _ => out.truncate(at),
    }
    out.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_requests_and_edits_over_the_conformance_files() {
    let Some(corpus) = conformance_dir() else {
        return;
    };
    let files = alloy_files(&corpus);
    assert!(
        !files.is_empty(),
        "no .alloy files under {}",
        corpus.display()
    );
    let step = (files.len() / 40).max(1);
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut client = Client::default_editor().await;
    let mut answered = 0usize;
    for (n, path) in files.iter().step_by(step).enumerate() {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        let uri = format!("untitled:conformance-{n}");
        client.open(&uri, &text).await;
        let mut version = 1;
        for _ in 0..12 {
            if rng.below(4) == 0 {
                text = mutate(&text, &mut rng);
                // Sometimes a stale version that must be ignored.
                let v = if rng.below(5) == 0 {
                    version - 1
                } else {
                    version + 1
                };
                version = version.max(v);
                client.change(&uri, v, &text).await;
            }
            let method = METHODS[rng.below(METHODS.len() as u64) as usize];
            let lines = text.lines().count() as u64;
            let result = client
                .request(method, params(method, &uri, &mut rng, lines))
                .await;
            assert!(
                acceptable(&result),
                "{method} on {}: {result:?}",
                path.display()
            );
            answered += 1;
        }
        client
            .notify(
                "textDocument/didClose",
                json!({"textDocument": {"uri": uri}}),
            )
            .await;
    }
    assert!(answered > 100, "only {answered} requests");
    // Still alive and well.
    let symbols = client
        .request("workspace/symbol", json!({"query": ""}))
        .await;
    assert!(symbols.is_ok());
    assert_eq!(client.shutdown().await, alloy_lsp::Outcome::Clean);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_survives_positions_out_of_range() {
    let mut client = Client::default_editor().await;
    let uri = "untitled:oor";
    client.open(uri, "logging {\n\tlevel = \"info\"\n}\n").await;
    let mut rng = Rng(7);
    for method in METHODS {
        let mut p = params(method, uri, &mut rng, 3);
        for key in ["position"] {
            if p.get(key).is_some() {
                p[key] = json!({"line": 4_000_000_000u32, "character": 4_000_000_000u32});
            }
        }
        if p.get("range").is_some() {
            p["range"] =
                json!({"start": {"line": 99, "character": 99}, "end": {"line": 0, "character": 0}});
        }
        let result = client.request(method, p).await;
        assert!(acceptable(&result), "{method}: {result:?}");
    }
    // Requests racing with edits of the same document.
    for v in 2..40 {
        client
            .change(uri, v, &format!("logging {{\n\tlevel = \"{v}\"\n}}\n"))
            .await;
        let result = client
            .request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 2}}),
            )
            .await;
        assert!(acceptable(&result), "{result:?}");
    }
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await
        .expect("symbols");
    assert_eq!(symbols[0]["children"][0]["name"], "level");
}
