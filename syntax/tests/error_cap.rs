//! Hostile input: a file reports at most `MAX_ERRORS` errors (upstream's
//! first ones) plus a count of the rest, whichever way it is parsed.

use alloy_syntax::{parse_file, parse_file_parallel, reparse, syntax_report, MAX_ERRORS};

/// `n` top-level statements, each with one error on its own line.
fn many_errors(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!("block_{i} {{\n  a = [1 2]\n}}\n"));
    }
    text
}

#[test]
fn errors_past_the_cap_are_counted_not_kept() {
    let text = many_errors(MAX_ERRORS + 37);
    let parse = parse_file(text.as_bytes());
    assert_eq!(parse.errors().len(), MAX_ERRORS);
    assert_eq!(parse.dropped_errors(), 37);
    // The kept ones are the first ones, in order.
    let first = &parse.errors()[0];
    assert_eq!(first.message(), "missing ',' in expression list");
    assert!(parse
        .errors()
        .windows(2)
        .all(|w| w[0].offset() < w[1].offset()));
    // Under the cap nothing is dropped.
    let small = parse_file(many_errors(MAX_ERRORS).as_bytes());
    assert_eq!(
        (small.errors().len(), small.dropped_errors()),
        (MAX_ERRORS, 0)
    );
}

#[test]
fn parallel_and_incremental_parses_agree_past_the_cap() {
    // Large enough to be cut into pieces, errors in every piece.
    let text = many_errors(20_000);
    assert!(text.len() > 256 * 1024);
    let whole = parse_file(text.as_bytes());
    for threads in [2, 3, 8] {
        assert_eq!(parse_file_parallel(text.as_bytes(), threads), whole);
    }
    let edited = text.replacen("block_5 {", "block_5x {", 1);
    assert_eq!(reparse(&whole, &edited), parse_file(edited.as_bytes()));
}

#[test]
fn the_report_without_a_tree_has_the_same_errors() {
    let text = many_errors(MAX_ERRORS * 3);
    let parse = parse_file(text.as_bytes());
    let report = syntax_report(text.as_bytes());
    assert_eq!(report.errors, parse.errors());
    assert_eq!(report.dropped, parse.dropped_errors());
    assert_eq!(report.index, parse.line_index());
}

#[test]
fn random_bytes_give_a_bounded_report() {
    // A cheap deterministic stand-in for /dev/urandom.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let bytes: Vec<u8> = (0..2_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let report = syntax_report(&bytes);
    assert_eq!(report.errors.len(), MAX_ERRORS);
    assert!(report.dropped > 10_000, "{}", report.dropped);
    let parse = parse_file(&bytes);
    assert_eq!(report.errors, parse.errors());
    assert_eq!(report.dropped, parse.dropped_errors());
}
