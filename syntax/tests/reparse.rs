//! The incremental reparse must give exactly what a full parse gives: same
//! green tree, same errors, for any edit of any file.

use alloy_syntax::bench_support::reparse_spliced;
use alloy_syntax::{parse, reparse};

fn corpus() -> Vec<String> {
    let dir = match std::env::var_os("ALLOY_CONFORMANCE_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "alloy" || e == "txt") {
                // Reparsing takes text; files that are not UTF-8 are parsed
                // from bytes, never reparsed.
                if let Ok(text) = std::fs::read_to_string(&path) {
                    files.push(text);
                }
            }
        }
    }
    files.sort();
    files
}

/// A small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Snippets an edit inserts: brackets, quotes, backticks, comment markers,
/// newlines, and whole statements.
const SNIPPETS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "`",
    "//",
    "/*",
    "*/",
    "\n",
    "\n\n",
    " ",
    "\t",
    "=",
    ",",
    ".",
    "a",
    "1",
    "+",
    "'",
    "\\",
    "x = 1\n",
    "b \"l\" {\n}\n",
    "é",
    "\r",
    "#",
];

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// One random edit: an insertion, a deletion or a replacement.
fn edit(text: &str, rng: &mut Rng) -> String {
    let at = floor_boundary(text, rng.below(text.len() + 1));
    let len = match rng.below(4) {
        0 => 0,
        1 => 1,
        2 => rng.below(4),
        _ => rng.below(40),
    };
    let end = floor_boundary(text, at + len).max(at);
    let insert = match rng.below(3) {
        0 => "",
        _ => SNIPPETS[rng.below(SNIPPETS.len())],
    };
    let mut out = String::with_capacity(text.len() + insert.len());
    out.push_str(&text[..at]);
    out.push_str(insert);
    out.push_str(&text[end..]);
    out
}

#[test]
fn reparse_equals_full_parse_on_edited_conformance_files() {
    let corpus = corpus();
    if corpus.is_empty() {
        assert!(
            std::env::var_os("ALLOY_REQUIRE_CONFORMANCE").is_none(),
            "no conformance corpus"
        );
        eprintln!("skipped: no conformance corpus");
        return;
    }
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let (mut spliced, mut total) = (0usize, 0usize);
    for (index, original) in corpus.iter().enumerate() {
        // Several chains of edits per file; each step reparses the previous
        // step's result, as an editor session does.
        for _ in 0..4 {
            let mut text = original.clone();
            let mut current = parse(&text);
            for _ in 0..4 {
                let new_text = edit(&text, &mut rng);
                let expected = parse(&new_text);
                if let Some(fast) = reparse_spliced(&current, &new_text) {
                    spliced += 1;
                    assert_eq!(fast, expected, "file {index}: {text:?} -> {new_text:?}");
                }
                let got = reparse(&current, &new_text);
                assert_eq!(got, expected, "file {index}: {text:?} -> {new_text:?}");
                total += 1;
                text = new_text;
                current = got;
            }
        }
    }
    eprintln!("{spliced} of {total} edits spliced");
    // Most edits fall inside one statement of a multi-statement file; if
    // nearly none splice, the fast path has silently stopped working.
    assert!(spliced * 4 > total, "{spliced} of {total} edits spliced");
}

/// Edits in the middle of files of many statements, where the splice keeps
/// statements on both sides (small files are often reparsed whole).
#[test]
fn reparse_equals_full_parse_in_large_files() {
    let corpus = corpus();
    if corpus.is_empty() {
        return;
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut spliced = 0;
    for _ in 0..300 {
        let mut text = String::new();
        for _ in 0..6 {
            text.push_str(&corpus[rng.below(corpus.len())]);
            text.push('\n');
        }
        let mut current = parse(&text);
        for _ in 0..3 {
            let new_text = edit(&text, &mut rng);
            let expected = parse(&new_text);
            if let Some(fast) = reparse_spliced(&current, &new_text) {
                // Count only splices that kept something of the old tree.
                if fast.green().children().len() > 1 {
                    spliced += 1;
                }
                assert_eq!(fast, expected, "{text:?} -> {new_text:?}");
            }
            current = reparse(&current, &new_text);
            assert_eq!(current, expected, "{text:?} -> {new_text:?}");
            text = new_text;
        }
    }
    assert!(spliced > 300, "only {spliced} of 900 edits spliced");
}

#[test]
fn splices_inside_a_statement_and_shifts_later_errors() {
    let old = "a = 1\nb = [1, 2\nc = 3\nd {\n  e = 4\n}\nf = (\n";
    let new = "a = 1\nb = [1, 2\nc = 33\nd {\n  e = 4\n}\nf = (\n";
    let old_parse = parse(old);
    assert!(old_parse.has_errors());
    let got = reparse_spliced(&old_parse, new);
    let expected = parse(new);
    // `c = 3` sits inside the unclosed list, so no boundary exists before
    // it; the splice must then fall back or agree.
    if let Some(got) = got {
        assert_eq!(got, expected);
    }
    let old = "a = 1\nb = 2\nc = (\nd = 4\n";
    let new = "a = 1\nb = 22\nc = (\nd = 4\n";
    let got = reparse_spliced(&parse(old), new).expect("an edit inside `b = 2` splices");
    assert_eq!(got, parse(new));
    assert!(got.has_errors());
}

#[test]
fn edits_that_swallow_following_statements_fall_back() {
    let old = "a = 1\nb = 2\nc = 3\n";
    for new in [
        "a = 1\nb = 2 +\nc = 3\n",
        "a = 1\nb = /* 2\nc = 3\n",
        "a = 1\nb = `2\nc = 3\n",
        "a = 1\nb = [2\nc = 3\n",
        "a = 1\nb {\nc = 3\n",
    ] {
        assert_eq!(reparse(&parse(old), new), parse(new), "{new:?}");
        assert!(reparse_spliced(&parse(old), new).is_none(), "{new:?}");
    }
}

/// Parsing pieces in parallel gives the sequential tree and errors, for
/// valid and broken files cut at every kind of line start.
#[test]
fn parallel_parse_equals_sequential_parse() {
    let corpus = corpus();
    if corpus.is_empty() {
        return;
    }
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut joined = 0;
    for round in 0..300 {
        let mut text = String::new();
        for _ in 0..5 {
            text.push_str(&corpus[rng.below(corpus.len())]);
            text.push('\n');
        }
        if round % 2 == 1 {
            text = edit(&text, &mut rng);
        }
        let expected = parse(&text);
        let pieces = 2 + rng.below(3);
        // Cuts at random line starts, not only the pre-scan's choice.
        let line_starts: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
        let mut cuts: Vec<usize> = (1..pieces)
            .filter_map(|_| line_starts.get(rng.below(line_starts.len())).copied())
            .filter(|&c| c < text.len())
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        for cuts in [cuts, alloy_syntax::bench_support::find_cuts(&text, pieces)] {
            if let Some(got) = alloy_syntax::bench_support::parse_at_cuts(&text, &cuts) {
                joined += 1;
                assert_eq!(got, expected, "cuts {cuts:?} in {text:?}");
            }
        }
        let got = alloy_syntax::parse_file_parallel(text.as_bytes(), pieces);
        assert_eq!(got, expected);
    }
    assert!(joined > 150, "only {joined} of 600 cut sets joined");
}

#[test]
fn parallel_cuts_never_split_a_newline_token() {
    let text = "a = 1\n  b = 2\nc = [\n1]\nd = 4\n";
    for cut in [6, 14, 20] {
        if let Some(got) = alloy_syntax::bench_support::parse_at_cuts(text, &[cut]) {
            assert_eq!(got, parse(text), "cut at {cut}");
        }
    }
    assert!(alloy_syntax::bench_support::parse_at_cuts(text, &[6]).is_none());
    assert!(alloy_syntax::bench_support::parse_at_cuts(text, &[20]).is_none());
    assert_eq!(
        alloy_syntax::bench_support::parse_at_cuts(text, &[23]),
        Some(parse(text))
    );
}
