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

/// About 10,000 lines of valid Alloy, the size the language server must
/// re-check within 5 ms after a keystroke.
pub fn ten_thousand_lines() -> String {
    let big = large_config();
    let mut end = 0;
    for (lines, (i, _)) in big.match_indices('\n').enumerate() {
        end = i + 1;
        if lines + 1 == 10_000 {
            break;
        }
    }
    big[..end].to_string()
}

/// One keystroke in the middle of the file: a character typed into the
/// first identifier of the statement there.
fn one_char_edit(text: &str) -> String {
    let middle = text.len() / 2;
    let at = text[middle..]
        .find("\n")
        .map(|i| middle + i + 1)
        .and_then(|line| {
            text[line..]
                .find(|c: char| c.is_ascii_alphabetic())
                .map(|i| line + i + 1)
        })
        .unwrap_or(middle);
    let mut edited = String::with_capacity(text.len() + 1);
    edited.push_str(&text[..at]);
    edited.push('x');
    edited.push_str(&text[at..]);
    edited
}

fn bench_reparse(c: &mut Criterion) {
    let text = ten_thousand_lines();
    let old = alloy_syntax::parse(&text);
    let edited = one_char_edit(&text);
    assert_eq!(
        alloy_syntax::reparse(&old, &edited),
        alloy_syntax::parse(&edited)
    );
    assert!(alloy_syntax::bench_support::reparse_spliced(&old, &edited).is_some());
    let mut group = c.benchmark_group("syntax 10,000 lines");
    group.sample_size(30);
    group.bench_function("full parse after a one-char edit", |b| {
        b.iter_with_large_drop(|| alloy_syntax::parse(&edited))
    });
    group.bench_function("reparse after a one-char edit", |b| {
        b.iter_with_large_drop(|| alloy_syntax::reparse(&old, &edited))
    });
    group.finish();
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

criterion_group!(benches, bench, bench_reparse);
criterion_main!(benches);
