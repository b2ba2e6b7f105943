//! The parser against upstream: parse status and the exact error lines for
//! every conformance input.

mod common;

use std::path::Path;

use common::{conformance_dir, error_lines, files_with_suffix, read, read_string, Failures};

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn probes_report_upstream_errors() {
    let Some(dir) = conformance_dir() else { return };
    let dir = dir.join("probes");
    let mut failures = Failures::default();
    for input in files_with_suffix(&dir, ".in") {
        let stem = file_name(&input).trim_end_matches(".in").to_owned();
        let bytes = read(&input);
        let actual = error_lines(&format!("{stem}.alloy"), &bytes);
        let fmterr = dir.join(format!("{stem}.fmterr"));
        let expected = if fmterr.exists() {
            read_string(&fmterr)
        } else {
            String::new()
        };
        failures.check(actual == expected, || {
            format!("probe {stem}\nexpected:\n{expected}actual:\n{actual}")
        });
    }
    failures.finish("probes");
}

#[test]
fn doc_snippets_report_upstream_errors() {
    let Some(dir) = conformance_dir() else { return };
    let dir = dir.join("doc-snippets");
    let mut failures = Failures::default();
    for input in files_with_suffix(&dir, ".alloy") {
        let name = file_name(&input);
        let actual = error_lines(&name, &read(&input));
        let fmterr = dir.join("golden").join(format!("{name}.fmterr"));
        let expected = if fmterr.exists() {
            read_string(&fmterr)
        } else {
            String::new()
        };
        failures.check(actual == expected, || {
            format!("snippet {name}\nexpected:\n{expected}actual:\n{actual}")
        });
    }
    failures.finish("doc snippets");
}

/// Snippets that are not files but single expressions parse with
/// `parse_expression` exactly when upstream's `ParseExpression` accepts them.
#[test]
fn doc_snippets_parse_as_expressions_like_upstream() {
    let Some(dir) = conformance_dir() else { return };
    let dir = dir.join("doc-snippets");
    let manifest = read_string(&dir.join("MANIFEST.tsv"));
    let mut failures = Failures::default();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(name), Some(expr)) = (cols.first(), cols.get(9)) else {
            continue;
        };
        let expected = match *expr {
            "true" => true,
            "false" => false,
            _ => continue,
        };
        let text = read_string(&dir.join(name));
        let parse = alloy_syntax::parse_expression(&text);
        failures.check(parse.errors().is_empty() == expected, || {
            format!(
                "snippet {name}: upstream parses as expression = {expected}, we: {:?}",
                parse.errors()
            )
        });
    }
    failures.finish("doc snippets as expressions");
}

#[test]
fn parser_error_fixtures_match_upstream_lines() {
    let Some(dir) = conformance_dir() else { return };
    let parser = dir.join("syntax/parser");
    let mut failures = Failures::default();
    for input in files_with_suffix(&parser.join("testdata"), ".alloy") {
        let name = file_name(&input);
        let actual = error_lines(&format!("testdata/{name}"), &read(&input));
        let expected = read_string(&parser.join(format!("testdata-actual/{name}.fmterr")));
        failures.check(actual == expected, || {
            format!("fixture {name}\nexpected:\n{expected}actual:\n{actual}")
        });
    }
    failures.finish("parser error fixtures");
}

/// Upstream's own `TestErrors` convention: `/* ERROR "regex" */` after the
/// token where the error is expected (or `ERROR HERE` for just after it).
#[test]
fn parser_error_fixtures_match_error_comments() {
    use alloy_syntax::SyntaxKind;
    let Some(dir) = conformance_dir() else { return };
    let pattern = regex::Regex::new(r#"^/\* *ERROR *(HERE)? *"([^"]*)" *\*/$"#).expect("regex");
    let mut failures = Failures::default();
    for input in files_with_suffix(&dir.join("syntax/parser/testdata"), ".alloy") {
        let name = file_name(&input);
        let parse = alloy_syntax::parse_file(&read(&input));
        let mut expectations: Vec<(u32, regex::Regex)> = Vec::new();
        let mut previous: Option<alloy_syntax::SyntaxToken> = None;
        for element in parse.syntax_node().descendants_with_tokens() {
            let Some(token) = element.into_token() else {
                continue;
            };
            if token.kind() == SyntaxKind::COMMENT {
                if let (Some(caps), Some(prev)) = (pattern.captures(token.text()), &previous) {
                    let start: u32 = prev.text_range().start().into();
                    let end: u32 = prev.text_range().end().into();
                    let at = if caps.get(1).is_some() { end } else { start };
                    // Go's RE2 reads a `{` that starts no repetition as a
                    // literal; Rust's regex wants it escaped.
                    let rx = regex::Regex::new(&caps[2])
                        .or_else(|_| {
                            regex::Regex::new(&caps[2].replace('{', r"\{").replace('}', r"\}"))
                        })
                        .expect("fixture regex");
                    expectations.push((at, rx));
                }
            } else if !token.kind().is_trivia() {
                previous = Some(token);
            }
        }
        let mut unmatched = Vec::new();
        for error in parse.errors() {
            let message = error.to_string();
            match expectations
                .iter()
                .position(|(at, rx)| *at == error.offset() && rx.is_match(&message))
            {
                Some(i) => {
                    expectations.remove(i);
                }
                None => unmatched.push(format!("unexpected @{}: {message}", error.offset())),
            }
        }
        unmatched.extend(
            expectations
                .iter()
                .map(|(at, rx)| format!("missing @{at}: {rx}")),
        );
        failures.check(unmatched.is_empty(), || {
            format!("{name}: {}", unmatched.join("; "))
        });
    }
    failures.finish("ERROR comments");
}

#[test]
fn valid_parser_fixtures_parse_cleanly() {
    let Some(dir) = conformance_dir() else { return };
    let mut failures = Failures::default();
    for input in files_with_suffix(&dir.join("syntax/parser/testdata/valid"), ".alloy") {
        let errors = error_lines("x", &read(&input));
        failures.check(errors.is_empty(), || {
            format!("{}: {errors}", input.display())
        });
    }
    failures.finish("valid fixtures");
}

/// Upstream's fuzz regressions must not crash or hang.
#[test]
fn fuzz_regressions_terminate() {
    let Some(dir) = conformance_dir() else { return };
    let mut failures = Failures::default();
    for input in common::walk(&dir.join("syntax/parser/testdata/fuzz"), "") {
        let text = read_string(&input);
        // Go's corpus format: a header line, then `[]byte("...")`.
        let payload = text.lines().nth(1).unwrap_or_default();
        let parse = alloy_syntax::parse(payload);
        failures.check(parse.syntax_node().to_string() == payload, || {
            format!("{}: tree text differs", input.display())
        });
    }
    failures.finish("fuzz regressions");
}

#[test]
fn extra_files_parse_like_upstream() {
    let Some(dir) = conformance_dir() else { return };
    let status = read_string(&dir.join("extra-alloy-files-golden/STATUS.tsv"));
    let mut failures = Failures::default();
    for line in status.lines().skip(1) {
        let Some((path, status)) = line.split_once('\t') else {
            continue;
        };
        let actual = error_lines(path, &read(&dir.join("extra-alloy-files").join(path)));
        let expected = if status == "parse_error" {
            let golden = format!("{}.fmterr", path.replace('/', "__"));
            read_string(&dir.join("extra-alloy-files-golden").join(golden))
        } else {
            String::new()
        };
        failures.check(actual == expected, || {
            format!("{path} ({status})\nexpected:\n{expected}actual:\n{actual}")
        });
    }
    failures.finish("extra files");
}

/// Upstream's runtime fixtures are txtar archives of Alloy files; every
/// section named `*.alloy` must at least parse to a lossless tree.
#[test]
fn runtime_fixture_sections_are_lossless() {
    let Some(dir) = conformance_dir() else { return };
    let mut failures = Failures::default();
    for archive in common::walk(&dir.join("internal"), ".txtar") {
        let text = read_string(&archive);
        for section in text.split("\n-- ").skip(1) {
            let Some((header, body)) = section.split_once(" --\n") else {
                continue;
            };
            if !header.ends_with(".alloy") {
                continue;
            }
            let parse = alloy_syntax::parse(body);
            failures.check(parse.syntax_node().to_string() == body, || {
                format!("{} {header}: tree text differs", archive.display())
            });
        }
    }
    failures.finish("runtime fixture sections");
}
