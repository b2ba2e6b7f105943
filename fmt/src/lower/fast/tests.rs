//! The fast route against the syntax tree route.

use super::*;

/// The fast route must never accept what the parser rejects, and must
/// lower what it accepts exactly as the tree route does. Returns whether
/// the fast route took the input.
fn agrees(src: &[u8]) -> bool {
    let parse = alloy_syntax::parse_file(src);
    let Ok(text) = std::str::from_utf8(src) else {
        return false;
    };
    let whole = parse_and_lower_in_chunks(text, usize::MAX).map(crate::print_file);
    // Pieces of one line and of a few lines must change nothing.
    for chunk in [1, 20, 100] {
        let chunked = parse_and_lower_in_chunks(text, chunk).map(crate::print_file);
        if chunked != whole {
            assert!(
                chunked.is_err() && text.contains('\u{feff}'),
                "chunks of {chunk} give {chunked:?}, the whole file {whole:?}: {text:?}"
            );
        }
    }
    let Ok(fast) = whole else {
        return false;
    };
    assert!(
        !parse.has_errors(),
        "fast route accepted {:?}, which has errors {:?}",
        String::from_utf8_lossy(src),
        parse.errors()
    );
    let via_tree = crate::format_parse(&parse);
    assert_eq!(Ok(fast), via_tree, "{:?}", String::from_utf8_lossy(src));
    true
}

#[test]
fn pieces_are_cut_only_between_tokens() {
    // Cuts that fall inside a raw string or block comment are moved on.
    let src = "a = `x\ny\nz`\n/* c\nd */\nb = 1\n\tc = 2 // e\nblk {\n}\n";
    assert!(agrees(src.as_bytes()));
    let mut tokens = Tokens {
        src,
        chunk: 1,
        base: 0,
        end: 0,
        list: Vec::new(),
        next: 0,
    };
    let mut seen = String::new();
    while let Ok(Some((_, start, end))) = tokens.next() {
        assert_eq!(start, seen.len());
        seen.push_str(&src[start..end]);
    }
    assert_eq!(seen, src);
    // A byte order mark after a line break is an error the pieces would
    // hide.
    assert!(parse_and_lower_in_chunks("a = 1\n\u{feff}b = 2\n", 1).is_err());
}

fn corpus_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            corpus_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| matches!(e.to_str(), Some("alloy" | "in" | "fmt" | "expect" | "txt")))
        {
            out.push(path);
        }
    }
}

/// Every file of the conformance corpus (`ALLOY_CONFORMANCE_DIR`, else
/// `../shared/conformance` beside the workspace). Empty when the corpus is
/// absent, which fails under `ALLOY_REQUIRE_CONFORMANCE=1` as every corpus
/// suite does.
fn corpus(test: &str) -> Vec<std::path::PathBuf> {
    let dir = match std::env::var_os("ALLOY_CONFORMANCE_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    let mut files = Vec::new();
    corpus_files(&dir, &mut files);
    files.sort();
    if files.is_empty() {
        assert!(
            std::env::var("ALLOY_REQUIRE_CONFORMANCE").as_deref() != Ok("1"),
            "{test}: conformance corpus not found at {} and ALLOY_REQUIRE_CONFORMANCE=1",
            dir.display()
        );
        eprintln!(
            "{test}: conformance corpus not found at {}; skipped",
            dir.display()
        );
    }
    files
}

/// Single-byte edits of every corpus file (deterministic, several per
/// file): the near-misses a hand-written second route is most likely to
/// accept wrongly. `agrees` asserts the fast route never accepts what the
/// parser rejects, and formats what it accepts as the tree route does.
#[test]
fn fast_path_agrees_with_the_parser_on_mutated_corpus_files() {
    const BYTES: &[u8] = b"{}[]()\"'`/*#=,.:\n\t x0-+!";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound.max(1) as u64) as usize
    };
    let (mut tried, mut taken) = (0, 0);
    for path in corpus("fast_path_agrees_with_the_parser_on_mutated_corpus_files") {
        let Ok(src) = std::fs::read(&path) else {
            continue;
        };
        for _ in 0..4 {
            let mut edited = src.clone();
            let at = next(edited.len() + 1);
            match next(3) {
                0 if at < edited.len() => {
                    edited.remove(at);
                }
                1 if at < edited.len() => edited[at] = BYTES[next(BYTES.len())],
                _ => edited.insert(at, BYTES[next(BYTES.len())]),
            }
            tried += 1;
            if agrees(&edited) {
                taken += 1;
            }
        }
    }
    eprintln!("fast route took {taken} of {tried} edited files");
}

#[test]
fn fast_path_agrees_with_the_parser_on_the_corpus() {
    let files = corpus("fast_path_agrees_with_the_parser_on_the_corpus");
    if files.is_empty() {
        return;
    }
    let (mut clean, mut taken) = (0, 0);
    for path in &files {
        let Ok(src) = std::fs::read(path) else {
            continue;
        };
        if agrees(&src) {
            taken += 1;
        }
        if !alloy_syntax::parse_file(&src).has_errors() {
            clean += 1;
        }
    }
    eprintln!("fast route took {taken} of {clean} error-free files");
    // Nearly every error-free file must take the fast route, or the
    // speed-up is lost without anyone noticing.
    assert!(
        taken * 100 >= clean * 95,
        "fast route took {taken} of {clean} error-free files"
    );
}

#[test]
fn fast_path_agrees_on_edge_cases() {
    let cases: &[&str] = &[
        "",
        "\n\n",
        "// only\n",
        "a = 1",
        "a = 1 // c\nb = 2",
        "a = 1 /* c */\nb = 2",
        "a = 1 /* c */ b = 2",
        "a = 1 b = 2",
        "a = 1\n\n\n// x\n/* y */\nb = 2 // z",
        "blk \"l\" {\n a = [1,\n 2,\n ]\n}\n",
        "blk \"\" { }",
        "blk `l` { }",
        "blk \"a b\" { }",
        "a.b = 1",
        "a \"l\" = 1",
        "a.b.c \"x\" {\n}\n",
        "a = [1\n, 2]",
        "a = [1,\n2\n]",
        "a = f(\n)\n",
        "a = f(1,\n 2,\n)",
        "a = {\"k\" = 1, `r` = 2, \"\" = 3, k = 4,}",
        "a = {]",
        "a = {}",
        "a = x.y[1](2).z",
        "a = x\n.y",
        "a = 1 + 2 * 3 ^ 4 ^ 5 - -!x",
        "a = (1 +\n 2)",
        "a = b { }",
        "a = b \"l\" { }",
        "a = 'x'",
        "a = \"\\q\"",
        "a = 1\u{feff}",
        "\u{feff}a = 1",
        "a = \"x\0\"",
        "a = `multi\nline`\nb = 1",
        "a = 1 ;",
        "blk {\n a = 1 }\n",
        "blk { a = 1\n}",
        "blk {\r\n\ta = 1\r\n}\r\n",
        "a = 1\n\u{feff}b = 2\n",
        "a = 1\n\u{feff}\n",
        "a = `\n\u{feff}`\n",
        "a = 1\n/* x\n\n*/ b = 2\n",
        "a = `x\n\n` b = 2\n",
        "a = 1 /* c */ /",
        "a = 1 /* c */ /x",
        "a = 1 /* c */ /* d",
        "a = 1 /* c */\t\r\n",
        "a = 1 /* c",
        "a = x /*/ b = 2 */\n",
        "a = x /**/\n",
        "a = x /* é日\u{1f600} */ // z\n",
    ];
    for case in cases {
        agrees(case.as_bytes());
    }
    assert!(agrees(b"a = 1 // c\nb = 2"));
    assert!(!agrees(b"a = 1 b = 2"));
    // Block comments after a statement, ending the line or not.
    assert!(agrees(b"a = 1 /* c */\nb = 2"));
    assert!(agrees(b"a = 1 /* c */ /* d */ // e\nb = 2"));
    assert!(agrees(b"a = 1 /* c\n */ b = 2"));
    assert!(agrees(b"a = f(1 /* c */, 2) /* d */"));
    assert!(agrees("a = [1, 2 /* é */]\nb = 2".as_bytes()));
    assert!(!agrees(b"a = 1 /* c */ b = 2"));
    assert!(!agrees(b"a = 1 /* c */ /"));
}

#[test]
fn deep_nesting_is_left_to_the_parser() {
    for depth in [10, MAX_DEPTH as usize - 8, MAX_DEPTH as usize, 400] {
        let src = format!("a = {}1{}", "[".repeat(depth), "]".repeat(depth));
        agrees(src.as_bytes());
        let src = format!("a = {}1", "-".repeat(depth));
        agrees(src.as_bytes());
        let src = format!("a = 1{}", " ^ 1".repeat(depth));
        agrees(src.as_bytes());
        let src = format!("{}{}", "b {\n".repeat(depth), "}\n".repeat(depth));
        agrees(src.as_bytes());
    }
    let long = format!("a = 1{}", " + 1".repeat(2000));
    agrees(long.as_bytes());
    let long = format!("a = x{}", ".y".repeat(2000));
    agrees(long.as_bytes());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "a",
            "b.c",
            " = ",
            "1",
            "1.5",
            "\"s\"",
            "`r\tw`",
            "true",
            "null",
            "[",
            "]",
            "{",
            "}",
            "(",
            ")",
            ",",
            "\n",
            " ",
            "\t",
            "+",
            "-",
            "*",
            "^",
            "// c\n",
            "/* c */",
            "/* c\n */",
            "blk ",
            "\"l\" ",
            "f(",
            "x",
            "\r\n",
            ".",
            "!",
            "==",
            "k = ",
            "\"k\" = ",
            "'",
            "é",
            "`\n`",
            "/*\n*/",
            "\u{feff}",
            "\"a\\\"b\"",
            "1e5",
            "0x1",
            "..",
            "/* c */\n",
            "a.b \"l\" {\n",
            "}\n",
            "f()",
            "x[0]",
            "-1",
            "a ^ b",
            "% ",
            "&&",
            "<=",
            "\"\" ",
            ";",
            "\u{0}",
            "\r",
            "\"l.m\" ",
            "\"1x\" ",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn fast_route_agrees_with_the_parser(pieces in prop::collection::vec(piece(), 0..40)) {
            agrees(pieces.concat().as_bytes());
        }
    }
}
