//! The input of the formatting benchmarks, shared by `benches/format.rs`
//! and `examples/bench_input.rs` (which writes it to a file for the
//! command-line figures in docs/benchmarks.md).
//!
//! Every conformance-corpus file that formats cleanly, concatenated (a
//! newline in between keeps each a separate statement list) and repeated up
//! to at least 4 MB. Without the corpus a synthetic input of the same size
//! is used, so the benchmark always runs.

use std::path::{Path, PathBuf};

const TARGET_LEN: usize = 4 * 1024 * 1024;

fn corpus_dir() -> PathBuf {
    match std::env::var_os("ALLOY_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, out);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "alloy" || ext == "in")
        {
            out.push(path);
        }
    }
}

fn corpus_input() -> Option<Vec<u8>> {
    let dir = corpus_dir();
    let mut paths = Vec::new();
    for sub in [
        "syntax/printer/testdata",
        "probes",
        "doc-snippets",
        "extra-alloy-files",
    ] {
        collect(&dir.join(sub), &mut paths);
    }
    let mut unit = Vec::new();
    for path in paths {
        let Ok(src) = std::fs::read(&path) else {
            continue;
        };
        if alloy_fmt::format_source(&src).is_ok() {
            // A byte order mark is only allowed at the very start.
            let body = src.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&src);
            unit.extend_from_slice(body);
            unit.push(b'\n');
        }
    }
    (!unit.is_empty()).then_some(unit)
}

fn synthetic_input() -> Vec<u8> {
    let mut unit = Vec::new();
    for i in 0..200 {
        unit.extend_from_slice(
            format!(
                "// component {i}\nprometheus.scrape \"job_{i}\" {{\n  targets = [{{\"__address__\" = \"host{i}:9090\"}},\n  {{ \"__address__\" = \"other:80\" }},\n  ]\n  forward_to = [prometheus.remote_write.default.receiver]\n  scrape_interval = \"15s\" // trailing\n  honor_labels = true\n}}\n\n",
            )
            .as_bytes(),
        );
    }
    unit
}

pub fn input() -> Vec<u8> {
    let unit = corpus_input().unwrap_or_else(synthetic_input);
    let mut big = Vec::with_capacity(TARGET_LEN + unit.len());
    while big.len() < TARGET_LEN {
        big.extend_from_slice(&unit);
    }
    big
}
