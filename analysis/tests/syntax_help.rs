//! The common syntax slips get upstream's message unchanged, plus a help
//! line and a fix whose edit makes that error go away.

use alloy_analysis::{AnalysisHost, Code, Diagnostic};

fn diagnostics(text: &str) -> Vec<Diagnostic> {
    let mut host = AnalysisHost::new();
    let file = host.set_file("slip.alloy", text.as_bytes());
    let config = host.new_config(vec![file]);
    host.analysis().diagnostics(config).expect("not cancelled")
}

fn apply(text: &str, d: &Diagnostic) -> String {
    let fix = d
        .fixes
        .first()
        .unwrap_or_else(|| panic!("no fix for {d:?}"));
    let mut edits = fix.edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e.range.start()));
    let mut out = text.to_owned();
    for e in edits {
        out.replace_range(std::ops::Range::<usize>::from(e.range), &e.new_text);
    }
    out
}

/// The first diagnostic: upstream's message, a help line, a fix.
fn first(text: &str, message: &str) -> Diagnostic {
    let all = diagnostics(text);
    let d = all
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("no diagnostic for {text}"));
    assert_eq!(d.code, Code::Syntax);
    assert_eq!(d.message, message, "upstream's wording is kept");
    assert!(!d.notes.is_empty(), "no help line: {d:?}");
    d
}

#[test]
fn missing_comma_at_the_end_of_a_line() {
    let text = "remote {\n  headers = {\n    a = \"x\" // first\n    b = \"y\",\n  }\n  list = [\n    1\n    2,\n  ]\n}\n";
    let d = first(text, "missing ',' in field list");
    assert!(
        d.notes[0].contains("add `,` at the end of this line"),
        "{:?}",
        d.notes
    );
    let fixed = apply(text, &d);
    assert!(fixed.contains("a = \"x\", // first"), "{fixed}");
    let d = first(&fixed, "missing ',' in expression list");
    let fixed = apply(&fixed, &d);
    assert!(alloy_syntax::parse(&fixed).errors().is_empty(), "{fixed}");
}

#[test]
fn equals_in_a_block_header() {
    let text = "prometheus.scrape \"x\" = {\n  targets = []\n}\n";
    let d = first(
        text,
        "attribute names may only consist of a single identifier with no \".\"",
    );
    assert!(d.notes[0].contains("block header has no `=`"));
    assert_eq!(
        apply(text, &d),
        "prometheus.scrape \"x\" {\n  targets = []\n}\n"
    );
    let text = "logging \"x\" = {\n}\n";
    let d = first(text, "attribute names may not have labels");
    assert_eq!(apply(text, &d), "logging \"x\" {\n}\n");
}

#[test]
fn a_block_never_closed_points_at_its_brace() {
    let text = "logging {\n  level = \"info\"\n\nfoo \"a\" {\n  x = 1\n}\n";
    let d = first(text, "expected }, got EOF");
    let open = d.related.first().expect("the opening brace");
    assert_eq!(u32::from(open.range.start()), 8);
    assert_eq!(open.message, "this `{` is never closed");
    assert!(d.notes[0].contains("line 1"));
    let fixed = apply(text, &d);
    assert_eq!(
        fixed,
        "logging {\n  level = \"info\"\n}\n\nfoo \"a\" {\n  x = 1\n}\n"
    );
}

#[test]
fn a_placeholder_left_in_a_label() {
    let text = "prometheus.scrape \"<SELF_LABEL>\" {\n  targets = []\n}\n";
    let d = first(
        text,
        "expected block label to be a valid identifier, but got \"<SELF_LABEL>\"",
    );
    assert!(d.notes[0].contains("placeholder"));
    assert_eq!(
        apply(text, &d),
        "prometheus.scrape \"self_label\" {\n  targets = []\n}\n"
    );
    let text = "prometheus.scrape <SELF_LABEL> {\n  targets = []\n}\n";
    let d = first(text, "expected block label, got <");
    assert_eq!(
        apply(text, &d),
        "prometheus.scrape \"self_label\" {\n  targets = []\n}\n"
    );
}
