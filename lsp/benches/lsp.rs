//! Language server latency on a generated 10,000-line config, measured
//! end to end through the real server (`alloy_lsp::serve` on a pipe, JSON
//! framing included):
//!
//! - from a one-character `didChange` to the `publishDiagnostics` that
//!   reflects it (the edit toggles an invalid duration, so every iteration
//!   publishes a different list);
//! - completion requests: a statement in a component body, and the
//!   references offered in `forward_to` (filtered by type over ~1,700
//!   blocks).
//!
//! Targets: 20 ms for diagnostics, 10 ms for completion. See
//! docs/benchmarks.md, "Language server".

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, WriteHalf};
use tokio::sync::mpsc;

type Writer = WriteHalf<tokio::io::DuplexStream>;

struct Client {
    writer: Writer,
    incoming: mpsc::UnboundedReceiver<Value>,
    next_id: i64,
}

impl Client {
    async fn start() -> Client {
        let (client_io, server_io) = tokio::io::duplex(1 << 22);
        let (sr, sw) = tokio::io::split(server_io);
        tokio::spawn(alloy_lsp::serve(sr, sw));
        let (cr, writer) = tokio::io::split(client_io);
        let (tx, incoming) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(cr);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let line = line.trim();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).await.is_err() {
                    return;
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                    if tx.send(v).is_err() {
                        return;
                    }
                }
            }
        });
        Client {
            writer,
            incoming,
            next_id: 1,
        }
    }

    async fn send(&mut self, message: Value) {
        let body = message.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        let _ = self.writer.write_all(frame.as_bytes()).await;
        let _ = self.writer.flush().await;
    }

    async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let Some(m) = self.incoming.recv().await else {
                return Value::Null;
            };
            if m.get("method").is_none() && m["id"] == id {
                return m;
            }
        }
    }

    async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Waits for diagnostics of `uri` published for `version`.
    async fn diagnostics(&mut self, uri: &str, version: i64) -> Value {
        loop {
            let Some(m) = self.incoming.recv().await else {
                return Value::Null;
            };
            if m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
            {
                return m;
            }
        }
    }
}

const URI: &str = "untitled:big.alloy";

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let text = alloy_analysis::bench_support::config_of_lines(10_000);
    let site =
        text.find("scrape_interval = \"30s\"").expect("edit site") + "scrape_interval = \"30".len();
    // Even versions carry the invalid duration, odd ones the original
    // text, so consecutive edits always change the published list.
    let variants: Vec<String> = ['x', 's']
        .iter()
        .map(|ch| {
            let mut t = text.clone();
            t.replace_range(site..site + 1, &ch.to_string());
            t
        })
        .collect();
    let mut client = runtime.block_on(async {
        let mut client = Client::start().await;
        client
            .request(
                "initialize",
                json!({"capabilities": {"textDocument": {"completion": {"completionItem": {"snippetSupport": true}}}}}),
            )
            .await;
        client.notify("initialized", json!({})).await;
        client
            .notify(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": URI, "languageId": "alloy", "version": 1, "text": text}}),
            )
            .await;
        client.diagnostics(URI, 1).await;
        client
    });
    eprintln!(
        "config: {} lines, {} bytes",
        text.lines().count(),
        text.len()
    );

    let mut version = 1i64;
    // `LSP_BENCH_MIN=N`: instead of criterion, time each scenario N times and
    // print the minimum and the median (the minimum is what is comparable
    // on a loaded machine).
    if let Some(n) = std::env::var("LSP_BENCH_MIN")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        min_of_n(&runtime, &mut client, &text, &variants, &mut version, n);
        return;
    }
    let mut group = c.benchmark_group("lsp");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("diagnostics_after_one_char_edit_10k_lines", |b| {
        b.iter(|| {
            runtime.block_on(async {
                version += 1;
                let text = &variants[(version % 2) as usize];
                client
                    .notify(
                        "textDocument/didChange",
                        json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [{"text": text}]}),
                    )
                    .await;
                client.diagnostics(URI, version).await
            })
        })
    });

    // Completion at a blank line of a component body (arguments), and in a
    // `forward_to` list (references filtered by type).
    let body_line = text
        .lines()
        .position(|l| l.starts_with("prometheus.scrape \"pods_80\""))
        .expect("line")
        + 1;
    let forward = text
        .find("forward_to      = [prometheus.remote_write.mimir_80")
        .expect("forward_to");
    let forward_line = text[..forward].matches('\n').count();
    let forward_col = "  forward_to      = [".len();
    group.bench_function("completion_arguments_10k_lines", |b| {
        b.iter(|| {
            runtime.block_on(client.request(
                "textDocument/completion",
                json!({"textDocument": {"uri": URI}, "position": {"line": body_line, "character": 1}}),
            ))
        })
    });
    group.bench_function("completion_forward_to_references_10k_lines", |b| {
        b.iter(|| {
            runtime.block_on(client.request(
                "textDocument/completion",
                json!({"textDocument": {"uri": URI}, "position": {"line": forward_line, "character": forward_col}}),
            ))
        })
    });
    // An edit followed at once by a completion request: the request waits
    // for the edit, and the file is parsed again (concurrently with the
    // diagnostics of the edit).
    group.bench_function("completion_right_after_an_edit_10k_lines", |b| {
        b.iter(|| {
            runtime.block_on(async {
                version += 1;
                let text = &variants[(version % 2) as usize];
                client
                    .notify(
                        "textDocument/didChange",
                        json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [{"text": text}]}),
                    )
                    .await;
                client
                    .request(
                        "textDocument/completion",
                        json!({"textDocument": {"uri": URI}, "position": {"line": forward_line, "character": forward_col}}),
                    )
                    .await
            })
        })
    });
    group.bench_function("hover_reference_10k_lines", |b| {
        b.iter(|| {
            runtime.block_on(client.request(
                "textDocument/hover",
                json!({"textDocument": {"uri": URI}, "position": {"line": forward_line, "character": forward_col + 30}}),
            ))
        })
    });
    group.finish();
    // Sanity: the answers are real.
    let answer = runtime.block_on(client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": URI}, "position": {"line": forward_line, "character": forward_col}}),
    ));
    let count = answer["result"]["items"].as_array().map_or(0, Vec::len);
    eprintln!("forward_to completion offers {count} items");
    assert!(count > 100, "{answer}");
}

/// Times `f` `n` times; prints min and median in ms.
fn report(name: &str, n: usize, mut f: impl FnMut()) {
    let mut times: Vec<f64> = (0..n)
        .map(|_| {
            let start = std::time::Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(|a, b| a.total_cmp(b));
    eprintln!(
        "{name}: min {:.2} ms, median {:.2} ms (n = {n})",
        times[0],
        times[n / 2]
    );
}

fn min_of_n(
    runtime: &tokio::runtime::Runtime,
    client: &mut Client,
    text: &str,
    variants: &[String],
    version: &mut i64,
    n: usize,
) {
    let forward = text
        .find("forward_to      = [prometheus.remote_write.mimir_80")
        .expect("forward_to");
    let line = text[..forward].matches('\n').count();
    let col = "  forward_to      = [".len();
    let completion =
        json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": col}});
    report("diagnostics_after_one_char_edit", n, || {
        runtime.block_on(async {
            *version += 1;
            let text = &variants[(*version % 2) as usize];
            client
                .notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": URI, "version": *version}, "contentChanges": [{"text": text}]}),
                )
                .await;
            client.diagnostics(URI, *version).await;
        })
    });
    report("completion_forward_to", n, || {
        runtime.block_on(client.request("textDocument/completion", completion.clone()));
    });
    report("completion_right_after_an_edit", n, || {
        runtime.block_on(async {
            *version += 1;
            let text = &variants[(*version % 2) as usize];
            client
                .notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": URI, "version": *version}, "contentChanges": [{"text": text}]}),
                )
                .await;
            client
                .request("textDocument/completion", completion.clone())
                .await;
        })
    });
}

criterion_group!(lsp, benches);
criterion_main!(lsp);
