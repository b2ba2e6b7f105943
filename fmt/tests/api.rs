//! Behaviour of the public API that does not need the upstream corpus.

use alloy_fmt::{format_node, format_parse, format_source, FormatError};
use alloy_syntax::ast::AstNode;
use alloy_syntax::SyntaxKind;

fn fmt(src: &str) -> String {
    format_source(src.as_bytes()).unwrap_or_else(|e| panic!("{src:?}: {e}"))
}

#[test]
fn empty_and_blank_files_become_one_newline() {
    assert_eq!(fmt(""), "\n");
    assert_eq!(fmt("\n\n  \t\n"), "\n");
    assert_eq!(fmt("\u{feff}"), "\n");
}

#[test]
fn comment_only_file() {
    assert_eq!(fmt("\n\n// a\n\n\n// b\n\n"), "// a\n\n// b\n");
}

#[test]
fn syntax_errors_are_refused_with_the_parser_errors() {
    let err = format_source(b"a = \n}").expect_err("a syntax error");
    let FormatError::Syntax(errors) = &err else {
        panic!("expected syntax errors, got {err:?}");
    };
    assert!(!errors.is_empty());
    assert!(!err.to_string().is_empty());
}

#[test]
fn alignment_blocks_and_blank_lines() {
    // The `y` cell shares a tabwriter column with `= {x` on the line above,
    // so upstream pads it to that width.
    assert_eq!(
        fmt("a = 1\nbbb = 2\nblk \"x\" {\n  c = [1,2]\n\n\n  dd = {x=1,\ny=2}\n}\n"),
        "a   = 1\nbbb = 2\n\nblk \"x\" {\n\tc = [1, 2]\n\n\tdd = {x = 1,\n\t\ty    = 2}\n}\n"
    );
}

#[test]
fn crlf_input_gives_lf_output() {
    assert_eq!(fmt("a = 1\r\n// c\r\nb = 2\r\n"), "a = 1\n// c\nb = 2\n");
}

#[test]
fn number_followed_by_access_keeps_its_space() {
    assert_eq!(fmt("a = 1 .foo\n"), "a = 1 .foo\n");
}

/// `docs/fmt-differences.md`, difference 1.
#[test]
fn empty_multiline_call_gets_no_comma() {
    assert_eq!(fmt("a = f(\n)\n"), "a = f(\n)\n");
    assert_eq!(fmt("a = f()\n"), "a = f()\n");
    // A comment inside empty parentheses stays inside (difference 4).
    assert_eq!(fmt("a = f(\n// c\n)\n"), "a = f(\n// c\n)\n");
    assert_eq!(fmt("a = f(\n1,\n)\n"), "a = f(\n\t1,\n)\n");
}

/// `docs/fmt-differences.md`, difference 4: comments in an empty call.
/// Upstream's output moves the comment again on the next pass; ours parses
/// and is a fixed point.
#[test]
fn comments_in_an_empty_call_are_a_fixed_point() {
    let cases = [
        ("a = f( // c\n)\n", "a = f( // c\n)\n"),
        ("a = f(/* c */)\n", "a = f( /* c */ )\n"),
        ("a = f( /* c */ )\n", "a = f( /* c */ )\n"),
        ("a = f(\n  // c\n)\n", "a = f(\n// c\n)\n"),
        (
            "x \"y\" {\n  a = f(\n    // c\n    // d\n  )\n  b = g( // e\n  )\n}\n",
            "x \"y\" {\n\ta = f(\n\t// c\n\t// d\n\t)\n\tb = g( // e\n\t)\n}\n",
        ),
    ];
    for (src, expected) in cases {
        let once = fmt(src);
        assert_eq!(once, expected, "{src:?}");
        assert!(alloy_syntax::parse(&once).errors().is_empty(), "{once:?}");
        assert_eq!(fmt(&once), once, "not a fixed point: {src:?}");
    }
}

/// `docs/fmt-differences.md`, difference 2.
#[test]
fn quoted_keys_keep_their_meaning() {
    assert_eq!(fmt("a = { \"a\\\"b\" = 1 }\n"), "a = {\"a\\\"b\" = 1}\n");
    assert_eq!(fmt("a = { \"a\\\\b\" = 1 }\n"), "a = {\"a\\\\b\" = 1}\n");
    // Keys that `%q` leaves alone are printed as upstream prints them.
    assert_eq!(fmt("a = { \"plain\" = 1 }\n"), "a = {\"plain\" = 1}\n");
    assert_eq!(fmt("a = { `raw` = 1 }\n"), "a = {\"raw\" = 1}\n");
    assert_eq!(fmt("a = { `r\\aw` = 1 }\n"), "a = {`r\\aw` = 1}\n");
}

/// `docs/fmt-differences.md`, difference 3.
#[test]
fn string_literals_are_byte_exact() {
    let src = "a = `x\ty`\nbb = `line1   \nline2\t\tz`\n";
    assert_eq!(fmt(src), "a  = `x\ty`\nbb = `line1   \nline2\t\tz`\n");
    // A literal tab inside a double-quoted string is not a cell boundary.
    assert_eq!(fmt("a = \"x\ty\"\nbbb = 1\n"), "a   = \"x\ty\"\nbbb = 1\n");
    // Raw strings without such bytes are laid out exactly as upstream does.
    assert_eq!(fmt("x = `a\nb`\ny = 1\n"), "x = `a\nb`\ny = 1\n");
}

#[test]
fn block_labels_are_requoted() {
    assert_eq!(fmt("a   \"lbl\"   {}\n"), "a \"lbl\" { }\n");
    assert_eq!(fmt("a \"\" {}\n"), "a { }\n");
    assert_eq!(fmt("a . b {}\n"), "a.b { }\n");
}

#[test]
fn format_parse_matches_format_source() {
    let src = "x = 1\n// c\ny = [1,\n2]\n";
    let parse = alloy_syntax::parse(src);
    assert_eq!(format_parse(&parse).ok(), Some(fmt(src)));
}

fn first_statement(src: &str) -> alloy_syntax::SyntaxNode {
    let parse = alloy_syntax::parse(src);
    assert!(parse.errors().is_empty(), "{:?}", parse.errors());
    let stmt = parse.tree().statements().next().expect("a statement");
    stmt.syntax().clone()
}

#[test]
fn format_node_formats_a_statement_with_base_indent() {
    let block =
        first_statement("outer {\n    inner \"x\" {\n  a = 1\n      bbb = [\n1,\n]\n}\n}\n");
    // The inner block, one level deep.
    let inner = block
        .children()
        .find(|n| n.kind() == SyntaxKind::BLOCK)
        .expect("inner block");
    assert_eq!(
        format_node(&inner, 1).ok().as_deref(),
        Some("inner \"x\" {\n\t\ta   = 1\n\t\tbbb = [\n\t\t\t1,\n\t\t]\n\t}")
    );
    // At top level the output is what the whole-file formatter prints.
    assert_eq!(
        format_node(&block, 0).ok().map(|s| s + "\n"),
        Some(fmt(
            "outer {\n    inner \"x\" {\n  a = 1\n      bbb = [\n1,\n]\n}\n}\n"
        ))
    );
}

#[test]
fn format_node_keeps_comments_inside_the_node_only() {
    let src = "// before\nblk {\n  a = 1 // inside\n}\n// after\n";
    let block = first_statement(src);
    assert_eq!(
        format_node(&block, 0).ok().as_deref(),
        Some("blk {\n\ta = 1 // inside\n}")
    );
}

#[test]
fn format_node_formats_expressions_and_files() {
    let parse = alloy_syntax::parse_expression("{ a = 1, bb = [1,2] }");
    let expr = parse.tree().expression().expect("expression");
    assert_eq!(
        format_node(expr.syntax(), 0).ok().as_deref(),
        Some("{a = 1, bb = [1, 2]}")
    );
    let parse = alloy_syntax::parse("a=1\n");
    assert_eq!(
        format_node(&parse.syntax_node(), 0).ok().as_deref(),
        Some("a = 1")
    );
}

#[test]
fn format_node_rejects_other_nodes() {
    let parse = alloy_syntax::parse("a = f(1)\n");
    let arg_list = parse
        .syntax_node()
        .descendants()
        .find(|n| n.kind() == SyntaxKind::ARG_LIST)
        .expect("argument list");
    assert_eq!(
        format_node(&arg_list, 0),
        Err(FormatError::UnsupportedNode(SyntaxKind::ARG_LIST))
    );
}

#[test]
fn format_node_reports_error_nodes() {
    let parse = alloy_syntax::parse("blk {\n a = \n}\n");
    assert!(!parse.errors().is_empty());
    let block = parse
        .syntax_node()
        .descendants()
        .find(|n| n.kind() == SyntaxKind::BLOCK);
    if let Some(block) = block {
        assert!(matches!(
            format_node(&block, 0),
            Err(FormatError::MalformedTree { .. })
        ));
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of Alloy text, so that random sequences often parse.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "a", "b.c", " = ", "1", "1.5", "\"s\"", "`r\tw`", "true", "null", "[", "]", "{", "}",
            "(", ")", ",", "\n", " ", "\t", "+", "-", "*", "// c\n", "/* c */", "blk ", "\"l\" ",
            "f(", "x", "\r\n", ".", "!", "==", "k = ",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = format_source(&bytes);
        }

        #[test]
        fn output_of_valid_input_parses(pieces in prop::collection::vec(piece(), 0..40)) {
            let src = pieces.concat();
            if let Ok(out) = format_source(src.as_bytes()) {
                let reparsed = alloy_syntax::parse(&out);
                prop_assert!(
                    reparsed.errors().is_empty(),
                    "input {:?} formatted to {:?} which does not parse: {:?}",
                    src, out, reparsed.errors()
                );
            }
        }

        #[test]
        fn empty_calls_with_comments_format_to_a_fixed_point(
            pieces in prop::collection::vec(prop::sample::select(vec![
                "// c\n", "/* c */", "\n", " ", "\t", "/* d */\n",
            ]), 0..8)
        ) {
            // Calls with arguments keep upstream's placement of a comment
            // before `)` (after it), by design: see docs/fmt-differences.md.
            let src = format!("a = f({})\n", pieces.concat());
            if let Ok(once) = format_source(src.as_bytes()) {
                prop_assert!(alloy_syntax::parse(&once).errors().is_empty(), "{:?} -> {:?}", src, once);
                let twice = format_source(once.as_bytes());
                prop_assert_eq!(twice.as_deref(), Ok(once.as_str()), "{:?}", src);
            }
        }
    }
}
