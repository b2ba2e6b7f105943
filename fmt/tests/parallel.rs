//! Differential tests of parallel formatting against the one-thread path:
//! on every conformance file, cut at every place the parallel path would
//! cut, the joined output is `format_source`'s byte for byte (or the cut is
//! refused and the one-thread path runs).

mod common;

use alloy_fmt::bench_support::{find_cuts, format_at_cuts};
use alloy_fmt::{format_source, format_source_parallel, MIN_PARALLEL_LEN};
use common::*;

/// Every line start the parallel path would accept as a cut.
fn all_cuts(text: &str) -> Vec<usize> {
    // Asking for as many pieces as there are bytes finds every cut.
    find_cuts(text, text.len().max(2))
}

#[test]
fn every_conformance_file_joins_byte_identically() {
    let Some(dir) = conformance_dir("parallel_differential") else {
        return;
    };
    let mut failures = Vec::new();
    let (mut files, mut cut_files, mut cuts_total, mut refused) = (0, 0, 0, 0);
    let mut big = String::new();
    for (name, src) in all_inputs(&dir) {
        let Ok(text) = std::str::from_utf8(&src) else {
            continue;
        };
        let Ok(expected) = format_source(&src) else {
            continue;
        };
        files += 1;
        if big.len() < 2 * MIN_PARALLEL_LEN {
            big.push_str(text);
            if !big.ends_with('\n') {
                big.push('\n');
            }
        }
        let cuts = all_cuts(text);
        if cuts.is_empty() {
            continue;
        }
        cut_files += 1;
        cuts_total += cuts.len();
        match format_at_cuts(text, &cuts) {
            Some(joined) if joined == expected => {}
            Some(joined) => failures.push(format!("{name}:\n{}", show_diff(&expected, &joined))),
            None => refused += 1,
        }
        // Each cut on its own too (two pieces).
        for &cut in &cuts {
            if let Some(joined) = format_at_cuts(text, &[cut]) {
                if joined != expected {
                    failures.push(format!("{name} cut at {cut}"));
                }
            }
        }
    }
    println!(
        "{files} files format; {cut_files} have cuts ({cuts_total} in all); {refused} refused and fell back"
    );
    assert!(files > 100, "too few conformance files: {files}");
    assert!(cut_files > 10, "the differential test exercises no cuts");
    assert_no_failures("parallel formatting", &failures);

    // A large file through the public entry point, on several threads.
    let expected = format_source(big.as_bytes());
    for threads in [2, 3, 8] {
        assert_eq!(
            format_source_parallel(big.as_bytes(), threads),
            expected,
            "{threads} threads"
        );
    }
    if let Ok(text) = std::str::from_utf8(big.as_bytes()) {
        assert!(
            !find_cuts(text, 8).is_empty(),
            "the large input is never cut"
        );
    }
}

#[test]
fn errors_and_hostile_cuts_fall_back_to_the_exact_result() {
    // A raw string holding what looks like a `}` line and a block header:
    // the cut is refused because the pieces do not parse alone.
    let block = "a {\n  b = 1\n}\n\n";
    let tricky = "s = `\n}\nfake {\n`\n\n";
    let mut text = String::new();
    while text.len() < MIN_PARALLEL_LEN + 1000 {
        text.push_str(block);
        text.push_str(tricky);
    }
    let expected = format_source(text.as_bytes());
    assert!(expected.is_ok());
    for threads in [2, 4] {
        assert_eq!(format_source_parallel(text.as_bytes(), threads), expected);
    }
    // A syntax error far into the file: the one-thread path's errors.
    let mut bad = text.clone();
    bad.push_str("x = [1 2]\n");
    let expected = format_source(bad.as_bytes());
    assert!(expected.is_err());
    assert_eq!(format_source_parallel(bad.as_bytes(), 4), expected);
}
