//! The OpenMetrics project's parser cases (`conformance/prometheus/openmetrics`):
//! every input that should parse must parse with our OpenMetrics parser.
//! Inputs that should not parse are mostly semantic checks (ordering,
//! suffixes, bucket monotonicity) that Prometheus's lenient parser does not
//! make either; the number we already reject is a floor this test keeps.

mod common;

use alloy_prometheus::textparse::{OpenMetricsParser, Parser};

fn parses(input: &[u8]) -> bool {
    let mut p = OpenMetricsParser::new(input);
    loop {
        match p.next() {
            Ok(Some(_)) => {}
            Ok(None) => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn valid_openmetrics_inputs_parse() {
    let Some(cases) = common::load("prometheus/openmetrics/cases.json") else {
        return;
    };
    let cases = cases.as_array().expect("list");
    let mut failures = Vec::new();
    let (mut negatives, mut rejected) = (0, 0);
    for case in cases {
        let input = common::bytes_field(case, "input");
        let ok = parses(&input);
        if case["should_parse"].as_bool().unwrap_or(false) {
            if !ok {
                failures.push(case["id"].as_str().unwrap_or("?").to_owned());
            }
        } else {
            negatives += 1;
            rejected += usize::from(!ok);
        }
    }
    let positives = cases.len() - negatives;
    eprintln!(
        "openmetrics cases: {}/{positives} valid inputs parse; {rejected}/{negatives} invalid inputs rejected",
        positives - failures.len()
    );
    assert!(failures.is_empty(), "valid inputs refused: {failures:?}");
    // Regression floor for the lenient parser (see the module docs).
    assert!(rejected * 2 >= negatives, "{rejected}/{negatives}");
}
