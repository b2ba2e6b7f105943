//! Shared helpers for the formatter's integration tests: locating the
//! upstream conformance corpus and comparing token streams.
//!
//! The corpus lives outside the repository (`../shared/conformance` next to
//! the workspace, or `ALLOY_CONFORMANCE_DIR`). When it is missing the
//! corpus tests are skipped, unless `ALLOY_REQUIRE_CONFORMANCE=1` makes
//! that a failure (as CI should).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use alloy_syntax::SyntaxKind;

/// The probes whose upstream output we deliberately do not reproduce; see
/// `docs/fmt-differences.md`. Each has its own assertion.
pub const DOCUMENTED_DIFFERENCES: [&str; 3] = [
    "call_no_args_multiline",
    "object_escaped_key",
    "raw_string_tab_newline",
];

/// The corpus directory, or `None` (after saying so) when it is absent and
/// not required.
pub fn conformance_dir(test: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os("ALLOY_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("..")
            .join("shared")
            .join("conformance"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("ALLOY_REQUIRE_CONFORMANCE").as_deref() == Ok("1") {
        panic!(
            "{test}: conformance corpus not found at {} and ALLOY_REQUIRE_CONFORMANCE=1",
            dir.display()
        );
    }
    eprintln!(
        "{test}: skipped, conformance corpus not found at {}",
        dir.display()
    );
    None
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

pub fn read_string(path: &Path) -> String {
    String::from_utf8(read(path)).unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", path.display()))
}

/// Files directly in `dir` whose name ends with `suffix`, sorted.
pub fn files_with_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.is_file()
                && path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(suffix))
        })
        .collect();
    files.sort();
    files
}

/// Every file below `dir`, recursively, sorted.
pub fn files_recursive(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in
            std::fs::read_dir(&d).unwrap_or_else(|e| panic!("listing {}: {e}", d.display()))
        {
            let path = entry.map(|e| e.path()).unwrap_or_default();
            if path.is_dir() {
                stack.push(path);
            } else if path.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every input of the corpus that `alloy fmt` accepts or rejects: printer
/// fixtures, parser fixtures, probes, doc snippets and the extra files.
pub fn all_inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut inputs = Vec::new();
    let mut add = |path: PathBuf| {
        let name = path
            .strip_prefix(dir)
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        inputs.push((name, read(&path)));
    };
    for path in files_with_suffix(&dir.join("syntax/printer/testdata"), ".in") {
        add(path);
    }
    for path in files_with_suffix(&dir.join("syntax/parser/testdata"), ".alloy") {
        add(path);
    }
    for path in files_with_suffix(&dir.join("syntax/parser/testdata/valid"), ".alloy") {
        add(path);
    }
    for path in files_with_suffix(&dir.join("probes"), ".in") {
        add(path);
    }
    for path in files_with_suffix(&dir.join("doc-snippets"), ".alloy") {
        add(path);
    }
    for path in files_recursive(&dir.join("extra-alloy-files")) {
        add(path);
    }
    inputs
}

/// A significant token as the formatter must preserve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub kind: SyntaxKind,
    pub text: String,
}

/// The significant tokens of a file, with the normalisations the formatter
/// is allowed to make removed from the picture:
/// * commas directly before a closing bracket, brace or parenthesis
///   (trailing commas are added or dropped by layout);
/// * an empty block label `""` (upstream drops it);
/// * string tokens are compared by their text between the delimiters, since
///   a plain backtick object key is re-quoted with double quotes.
pub fn significant_tokens(src: &[u8]) -> Vec<Tok> {
    let parse = alloy_syntax::parse_file(src);
    let root = parse.syntax_node();
    let mut toks: Vec<Tok> = root
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| !token.kind().is_trivia())
        .map(|token| Tok {
            kind: token.kind(),
            text: token.text().to_string(),
        })
        .collect();
    // Empty labels: a `""` STRING directly followed by `{` in a block header.
    let mut i = 0;
    while i + 1 < toks.len() {
        let is_empty_label = toks[i].kind == SyntaxKind::STRING
            && toks[i].text == "\"\""
            && toks[i + 1].kind == SyntaxKind::L_CURLY
            && i > 0
            && toks[i - 1].kind == SyntaxKind::IDENT;
        if is_empty_label {
            toks.remove(i);
        } else {
            i += 1;
        }
    }
    let closes = |k: SyntaxKind| {
        matches!(
            k,
            SyntaxKind::R_BRACK | SyntaxKind::R_CURLY | SyntaxKind::R_PAREN
        )
    };
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    for (i, tok) in toks.iter().enumerate() {
        if tok.kind == SyntaxKind::COMMA && toks.get(i + 1).is_some_and(|next| closes(next.kind)) {
            continue;
        }
        let mut tok = tok.clone();
        if tok.kind == SyntaxKind::STRING && tok.text.len() >= 2 {
            tok.text = tok.text[1..tok.text.len() - 1].to_string();
        }
        out.push(tok);
    }
    out
}

/// Upstream's text of every comment, in order.
pub fn comment_texts(src: &[u8]) -> Vec<String> {
    let parse = alloy_syntax::parse_file(src);
    parse
        .tree()
        .comments()
        .map(|token| alloy_syntax::ast::comment_text(token.text()).into_owned())
        .collect()
}

/// Asserts the collected failures are empty, listing them all.
pub fn assert_no_failures(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A short, readable diff of two outputs for failure messages.
pub fn show_diff(expected: &str, actual: &str) -> String {
    let mut out = String::new();
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            out.push_str(&format!(
                "  first difference at line {}:\n    expected {:?}\n    actual   {:?}",
                i + 1,
                e,
                a
            ));
            return out;
        }
    }
    format!(
        "  outputs differ in length: expected {} bytes ({} lines), actual {} bytes ({} lines)",
        expected.len(),
        expected.lines().count(),
        actual.len(),
        actual.lines().count()
    )
}
