//! `alloy check` speed: a cold check of a 4 MB config, and a re-check
//! through the database after a one-character edit in a 10,000-line file.
//! Inputs are generated (realistic pipelines with unique labels), so the
//! bench needs no external data. See docs/benchmarks.md, "check".

use std::hint::black_box;

use alloy_analysis::bench_support::{config_of_lines, config_of_size};
use alloy_analysis::catalogue::Stability;
use alloy_analysis::AnalysisHost;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn check_cold(c: &mut Criterion) {
    let text = config_of_size(4 << 20);
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    // The floor: parsing alone, to report the check as a ratio of it.
    group.bench_function("parse_only_4mb", |b| {
        b.iter(|| black_box(alloy_syntax::parse(&text).has_errors()))
    });
    group.bench_function("cold_4mb", |b| {
        b.iter(|| {
            let mut host = AnalysisHost::new();
            host.set_settings(Stability::GenerallyAvailable, false);
            let file = host.set_file("big.alloy", text.as_bytes());
            let config = host.new_config(vec![file]);
            let diagnostics = host.analysis().diagnostics(config).expect("not cancelled");
            black_box(diagnostics.len())
        })
    });
    group.finish();
}

fn recheck_after_edit(c: &mut Criterion) {
    let text = config_of_lines(10_000);
    let mut host = AnalysisHost::new();
    let file = host.set_file("big.alloy", text.as_bytes());
    let config = host.new_config(vec![file]);
    host.analysis().diagnostics(config).expect("not cancelled");
    // Edit one character inside one component's body, alternating so every
    // iteration is a real change.
    let target = text.find("tenant-7\"").expect("edit site") + "tenant-".len();
    let variants: Vec<Vec<u8>> = ['7', '8']
        .iter()
        .map(|ch| {
            let mut bytes = text.clone().into_bytes();
            bytes[target] = *ch as u8;
            bytes
        })
        .collect();
    c.bench_function("check/parse_only_10k_lines", |b| {
        b.iter(|| black_box(alloy_syntax::parse(&text).has_errors()))
    });
    let mut n = 0usize;
    c.bench_function("check/recheck_one_char_10k_lines", |b| {
        b.iter(|| {
            n += 1;
            host.set_file("big.alloy", variants[n % 2].clone());
            let diagnostics = host.analysis().diagnostics(config).expect("not cancelled");
            black_box(diagnostics.len())
        })
    });
}

criterion_group!(benches, check_cold, recheck_after_edit);
criterion_main!(benches);
