//! A config large enough to be checked on several threads (item checks
//! handed out in runs, the graph built beside them) gives exactly the
//! diagnostics, in exactly the order, that one thread computing the same
//! queries gives — with findings spread over many runs, inside `declare`
//! bodies and `foreach` templates (whose diagnostics go between their
//! owner's), and in cycles.

use alloy_analysis::bench_support::{config_of_size, pipeline};
use alloy_analysis::{queries, AnalysisHost, Diagnostic};

/// Blocks with findings of several kinds, numbered so labels stay unique.
fn troubles(i: usize) -> String {
    format!(
        r#"
declare "mod_{i}" {{
  argument "input" {{ }}
  prometheus.relabel "inner_{i}" {{
    forward_to = [argument.input.value]
    bogus      = 1
  }}
  nonexistent.component "x_{i}" {{ }}
}}

foreach "each_{i}" {{
  collection = [1, 2]
  var        = "n"
  template {{
    unknown.thing "t_{i}" {{ }}
    local.file "f_{i}" {{ filename = n, extra = true }}
  }}
}}

local.file "cycle_a_{i}" {{ filename = local.file.cycle_b_{i}.content }}
local.file "cycle_b_{i}" {{ filename = local.file.cycle_a_{i}.content }}
prometheus.scrape "dup_{i}" {{ targets = [] forward_to = [] }}
prometheus.scrape "dup_{i}" {{ targets = [] forward_to = [] }}
loki.write "broken_{i}" {{ endpoint {{ }} unknown = missing.reference_{i}.value }}
"#
    )
}

fn large_config_with_findings() -> String {
    let mut text = String::new();
    // Findings at the start, every so often in the middle, and at the end,
    // so they fall in many different runs.
    for i in 0..40 {
        text.push_str(&troubles(i));
        text.push_str(&config_of_size(30 * 1024));
        text.push_str(&pipeline(100_000 + i));
    }
    text.push_str(&troubles(99));
    text
}

fn summary(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| format!("{} {:?} {}", d.code.as_str(), d.range, d.message))
        .collect()
}

#[test]
fn parallel_check_equals_a_single_threaded_one() {
    let text = large_config_with_findings();
    assert!(
        text.len() > 1024 * 1024,
        "large enough for the parallel path"
    );

    let mut host = AnalysisHost::new();
    let file = host.set_file("big.alloy", text.as_bytes());
    let config = host.new_config(vec![file]);
    let parallel = host.analysis().diagnostics(config).expect("not cancelled");

    // The same queries computed on this thread first (the report then
    // finds them all memoised and only maps positions).
    let mut serial_host = AnalysisHost::new();
    let file = serial_host.set_file("big.alloy", text.as_bytes());
    let serial_config = serial_host.new_config(vec![file]);
    let semantic = queries::config_diagnostics(serial_host.db(), serial_config).len();
    let serial = serial_host
        .analysis()
        .diagnostics(serial_config)
        .expect("not cancelled");

    assert!(semantic > 40 * 8, "findings everywhere: {semantic}");
    assert_eq!(summary(&parallel), summary(&serial));
}

/// Upstream reports a container's own findings, then those of the scope it
/// owns, then the references in its own arguments; the container here sits
/// past the first run of items, after a declare with findings of its own.
#[test]
fn nested_scope_findings_go_between_their_owners_head_and_tail() {
    let mut text = String::new();
    for i in 0..6 {
        text.push_str(&pipeline(i));
    }
    text.push_str(
        r#"
declare "mod" {
  nonexistent.inner "x" { }
}

foreach "f" {
  collection = nope.missing.value
  var        = "n"
  bogus      = 1
  template {
    unknown.thing "t" { }
  }
}
"#,
    );
    let mut host = AnalysisHost::new();
    host.set_settings(alloy_analysis::catalogue::Stability::Experimental, false);
    let file = host.set_file("main.alloy", text.as_bytes());
    let config = host.new_config(vec![file]);
    let found: Vec<String> = host
        .analysis()
        .diagnostics(config)
        .expect("not cancelled")
        .iter()
        .filter(|d| d.severity == alloy_analysis::Severity::Error)
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(
        found,
        [
            "cannot find the definition of component name \"nonexistent.inner\"",
            "unrecognized attribute name \"bogus\"",
            "cannot find the definition of component name \"unknown.thing\"",
            "component \"nope.missing.value\" does not exist or is out of scope",
        ]
    );
}
