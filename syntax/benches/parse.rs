//! Lexing and parsing throughput on a large configuration built from the
//! conformance corpus (every upstream file that parses, concatenated until
//! the input passes 4 MB). Run: `cargo bench -p alloy-syntax --bench parse`.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

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
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "alloy") {
            out.push(path);
        }
    }
}

/// At least 4 MB of valid Alloy text from the conformance corpus.
pub fn large_config() -> String {
    let mut files = Vec::new();
    collect(&corpus_dir(), &mut files);
    files.sort();
    let mut pieces = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if !alloy_syntax::parse(&text).has_errors() {
            pieces.push(text);
        }
    }
    assert!(
        !pieces.is_empty(),
        "no conformance corpus at {}",
        corpus_dir().display()
    );
    let mut out = String::new();
    while out.len() < 4 * 1024 * 1024 {
        for piece in &pieces {
            out.push_str(piece);
            out.push('\n');
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let text = large_config();
    assert!(!alloy_syntax::parse(&text).has_errors());
    let mut group = c.benchmark_group("syntax");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(20);
    // The tree is dropped outside the timed region: freeing it is the
    // caller's cost and varies with what the caller does with it.
    group.bench_function("parse_file (lex + parse + tree)", |b| {
        b.iter_with_large_drop(|| alloy_syntax::parse(&text))
    });
    group.bench_function("lex only", |b| {
        b.iter(|| alloy_syntax::bench_support::lex_count(&text))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
