//! Formatting throughput on a multi-megabyte input.
//!
//! The input is every conformance-corpus file that formats cleanly,
//! concatenated (a newline in between keeps each a separate statement list)
//! and repeated up to at least 4 MB. Without the corpus a synthetic input of
//! the same size is used, so the benchmark always runs.
//!
//! Two measurements: `format_source` (parse + format, what `alloy fmt`
//! does) and `format_parse` (formatting a tree already parsed, what an
//! editor holding the parse pays).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "support/input.rs"]
mod input;
use input::input;

fn bench(c: &mut Criterion) {
    let src = input();
    if let Err(e) = alloy_fmt::format_source(&src) {
        panic!("the benchmark input must format: {e}");
    }
    let mut group = c.benchmark_group("format");
    group.throughput(Throughput::Bytes(src.len() as u64));
    group.sample_size(20);
    group.bench_function("format_source", |b| {
        b.iter(|| alloy_fmt::format_source(std::hint::black_box(&src)))
    });
    let parse = alloy_syntax::parse_file(&src);
    group.bench_function("format_parse", |b| {
        b.iter(|| alloy_fmt::format_parse(std::hint::black_box(&parse)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
