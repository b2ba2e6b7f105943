//! Times the phases of a cold check of a generated config (for profiling;
//! `cargo run --release -p alloy-analysis --example check_profile [MB]`).
//! Other modes: `recheck` (best of 40 re-checks after a one-character
//! edit), `once KB` and `edits N` (for callgrind), `bytes N` / `lines N`
//! (print a generated config). See docs/benchmarks.md, "check".

use std::time::Instant;

use alloy_analysis::{queries, Config, Database, SourceFile};
use salsa::Setter;

use alloy_analysis::bench_support as bench;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `check_profile once KB` / `check_profile edits N`: one cold check, or
    // N re-checks after one-character edits, with nothing else, for
    // `valgrind --tool=callgrind` (instruction counts are stable where
    // timings on a shared machine are not).
    if let (Some("once"), Some(kb)) = (
        args.get(1).map(String::as_str),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
    ) {
        let text = bench::config_of_size(kb << 10);
        let mut host = alloy_analysis::AnalysisHost::new();
        let file = host.set_file("big.alloy", text.as_bytes());
        let config = host.new_config(vec![file]);
        let n = host.analysis().diagnostics(config).map_or(0, |d| d.len());
        eprintln!("{n} diagnostics");
        std::mem::forget(host);
        return;
    }
    if let (Some("edits"), Some(n)) = (
        args.get(1).map(String::as_str),
        args.get(2).and_then(|n| n.parse::<u8>().ok()),
    ) {
        let text = bench::config_of_lines(10_000);
        let mut host = alloy_analysis::AnalysisHost::new();
        let file = host.set_file("big.alloy", text.as_bytes());
        let config = host.new_config(vec![file]);
        host.analysis().diagnostics(config).expect("not cancelled");
        edit_loop(&mut host, config, &text, n);
        return;
    }
    // `check_profile lines N` / `check_profile bytes N` print a generated
    // config instead (for timing the CLI).
    if let (Some(kind), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse().ok())) {
        let text = match kind.as_str() {
            "lines" => bench::config_of_lines(n),
            _ => bench::config_of_size(n),
        };
        print!("{text}");
        return;
    }
    if args.get(1).map(String::as_str) == Some("recheck") {
        return recheck();
    }
    let mb: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(4);
    let text = bench::config_of_size(mb << 20);
    for _ in 0..3 {
        let mut db = Database::default();
        let file = SourceFile::new(&db, "big.alloy".into(), text.as_bytes().into());
        let config = Config::new(&db, vec![file]);
        // What `AnalysisHost::new_config` does: item queries find their
        // config through the file.
        file.set_config(&mut db).to(Some(config));
        let t0 = Instant::now();
        let _ = alloy_analysis::parse(&db, file);
        let t1 = Instant::now();
        let index = queries::item_index(&db, file);
        let t2 = Instant::now();
        let _ = queries::module_tree(&db, config);
        let t3 = Instant::now();
        for &item in &index.items {
            let _ = queries::item_references(&db, item);
        }
        let t4 = Instant::now();
        for &item in &index.items {
            let _ = queries::item_diagnostics(&db, item);
        }
        let t5 = Instant::now();
        let _ = queries::component_graph(&db, config);
        let _ = queries::graph_diagnostics(&db, config);
        let t6 = Instant::now();
        let n = queries::config_diagnostics(&db, config).len();
        let t7 = Instant::now();
        eprintln!(
            "parse {:?} index {:?} tree {:?} refs {:?} checks {:?} graph {:?} assemble {:?} ({n}, {} items)",
            t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, index.items.len()
        );
        let t8 = Instant::now();
        drop(db);
        eprintln!("drop {:?}", t8.elapsed());
    }
}

/// Phases of a re-check after a one-character edit in a 10,000-line file.
fn recheck() {
    let text = bench::config_of_lines(10_000);
    let mut host = alloy_analysis::AnalysisHost::new();
    let file = host.set_file("big.alloy", text.as_bytes());
    let config = host.new_config(vec![file]);
    host.analysis().diagnostics(config).expect("not cancelled");
    let site = text.find("tenant-7\"").expect("edit site") + "tenant-".len();
    let (mut best_parse, mut best_check) = (std::time::Duration::MAX, std::time::Duration::MAX);
    for round in 0..40u8 {
        let mut bytes = text.clone().into_bytes();
        bytes[site] = b'0' + round % 10;
        let t0 = Instant::now();
        let parse = alloy_syntax::parse_file(&bytes);
        let t1 = Instant::now();
        drop(parse);
        let t2 = Instant::now();
        host.set_file("big.alloy", bytes);
        let n = host
            .analysis()
            .diagnostics(config)
            .map(|d| d.len())
            .unwrap_or(0);
        let t3 = Instant::now();
        best_parse = best_parse.min(t1 - t0);
        best_check = best_check.min(t3 - t2);
        let _ = n;
    }
    eprintln!("best of 40: bare parse {best_parse:?}; set_file + diagnostics {best_check:?}");
}

/// The measured part of `check_profile edits N`, kept out of line so that
/// callgrind can collect it alone (`--toggle-collect='*edit_loop*'`).
#[inline(never)]
fn edit_loop(host: &mut alloy_analysis::AnalysisHost, config: Config, text: &str, n: u8) {
    let site = text.find("tenant-7\"").expect("edit site") + "tenant-".len();
    for round in 0..n {
        let mut bytes = text.to_owned().into_bytes();
        bytes[site] = b'0' + round % 10;
        host.set_file("big.alloy", bytes);
        let d = host.analysis().diagnostics(config).map_or(0, |d| d.len());
        std::hint::black_box(d);
    }
}
