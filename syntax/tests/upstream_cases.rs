//! Upstream's table-driven scanner and parser cases (facts from its Go test
//! tables, see shared/spec/inline-cases.md §1–§2), run against our lexer and
//! parser.

use alloy_syntax::{tokenize, SyntaxKind, SyntaxKind::*};

/// §1.1: every valid token kind, each followed by whitespace and newlines.
#[test]
fn valid_tokens_lex_to_their_kinds() {
    let cases: &[(SyntaxKind, &str)] = &[
        (COMMENT, "/* a comment */"),
        (COMMENT, "// a comment \n"),
        (COMMENT, "/*\r*/"),
        (COMMENT, "/**\r/*/"),
        (COMMENT, "/**\r\r/*/"),
        (COMMENT, "//\r\n"),
        (IDENT, "foobar"),
        (IDENT, "a۰۱۸"),
        (IDENT, "foo६४"),
        (IDENT, "bar９８７６"),
        (IDENT, "ŝ"),
        (IDENT, "ŝfoo"),
        (NUMBER, "0"),
        (NUMBER, "1"),
        (NUMBER, "123456789012345678890"),
        (NUMBER, "01234567"),
        (FLOAT, "0."),
        (FLOAT, ".0"),
        (FLOAT, "3.14159265"),
        (FLOAT, "1e0"),
        (FLOAT, "1e+100"),
        (FLOAT, "1e-100"),
        (FLOAT, "2.71828e-1000"),
        (STRING, "\"Hello, world!\""),
        (STRING, "`Hello, world!\\\\`"),
        (ADD, "+"),
        (SUB, "-"),
        (MUL, "*"),
        (DIV, "/"),
        (MOD, "%"),
        (POW, "^"),
        (AND, "&&"),
        (OR, "||"),
        (EQ, "=="),
        (LT, "<"),
        (GT, ">"),
        (ASSIGN, "="),
        (NOT, "!"),
        (NEQ, "!="),
        (LTE, "<="),
        (GTE, ">="),
        (L_PAREN, "("),
        (L_BRACK, "["),
        (L_CURLY, "{"),
        (COMMA, ","),
        (DOT, "."),
        (R_PAREN, ")"),
        (R_BRACK, "]"),
        (R_CURLY, "}"),
        (NULL, "null"),
        (BOOL, "true"),
        (BOOL, "false"),
    ];
    let mut source = String::new();
    for (_, text) in cases {
        source.push_str(text);
        source.push_str("  \t  \n\n\n");
    }
    let (tokens, errors) = tokenize(source.as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    let significant: Vec<_> = tokens
        .iter()
        .filter(|t| !matches!(t.kind, WHITESPACE | NEWLINE))
        .collect();
    assert_eq!(significant.len(), cases.len());
    for (token, (kind, text)) in significant.iter().zip(cases) {
        assert_eq!(token.kind, *kind, "{text:?}");
        let lexed = &source[token.range];
        let expected = if *kind == COMMENT {
            alloy_syntax::ast::comment_text(text.trim_end_matches('\n')).into_owned()
        } else {
            text.to_string()
        };
        assert_eq!(alloy_syntax::ast::comment_text(lexed), expected);
    }
}

/// §1.2: one token each, with the error upstream reports (the last one).
#[test]
fn scanner_errors_match_upstream() {
    let cases: &[(&[u8], SyntaxKind, u32, &str)] = &[
        (b"\x07", ILLEGAL, 0, "illegal character U+0007"),
        ("…".as_bytes(), ILLEGAL, 0, "illegal character U+2026 '…'"),
        (b"..", DOT, 0, ""),
        (
            b"'illegal string'",
            ILLEGAL,
            0,
            "illegal single-quoted string; use double quotes",
        ),
        (b"\"\"", STRING, 0, ""),
        (b"\"abc", STRING, 0, "string literal not terminated"),
        (b"\"abc\n", STRING, 0, "string literal not terminated"),
        (b"\"abc\n   ", STRING, 0, "string literal not terminated"),
        (b"\"abc\x00def\"", STRING, 4, "illegal character NUL"),
        (b"\"abc\x80def\"", STRING, 4, "illegal UTF-8 encoding"),
        (
            "\u{feff}\u{feff}".as_bytes(),
            ILLEGAL,
            3,
            "illegal byte order mark",
        ),
        (
            "//\u{feff}".as_bytes(),
            COMMENT,
            2,
            "illegal byte order mark",
        ),
        (
            "\"abc\u{feff}def\"".as_bytes(),
            STRING,
            4,
            "illegal byte order mark",
        ),
        (b"abc\x00def", IDENT, 3, "illegal character NUL"),
        (b"abc\x00", IDENT, 3, "illegal character NUL"),
        (b"10E", FLOAT, 0, "exponent has no digits"),
    ];
    for (input, kind, pos, message) in cases {
        let (tokens, errors) = tokenize(input);
        let first = tokens
            .iter()
            .find(|t| !matches!(t.kind, BOM))
            .unwrap_or_else(|| panic!("no token for {input:?}"));
        assert_eq!(first.kind, *kind, "{input:?}");
        // Upstream scans one token; later tokens' errors do not count.
        let end: u32 = first.range.end().into();
        let errors: Vec<_> = errors
            .iter()
            .filter(|e| {
                e.offset() < end
                    || (e.offset() == end
                        && matches!(
                            e.kind,
                            alloy_syntax::SyntaxErrorKind::IllegalNul
                                | alloy_syntax::SyntaxErrorKind::IllegalUtf8
                                | alloy_syntax::SyntaxErrorKind::IllegalBom
                        ))
            })
            .collect();
        if message.is_empty() {
            assert!(errors.is_empty(), "{input:?}: {errors:?}");
        } else {
            let last = errors
                .last()
                .unwrap_or_else(|| panic!("{input:?}: no error"));
            assert_eq!(last.to_string(), *message, "{input:?}");
            assert_eq!(last.offset(), *pos, "{input:?}");
        }
    }
}

/// §2.1: expressions that must parse without errors.
#[test]
fn expressions_parse() {
    let cases = [
        "10",
        "15.0",
        "\"Hello, world!\"",
        "some_ident",
        "null",
        "true",
        "false",
        "[]",
        "[1]",
        "[0, 1, 2, 3]",
        "[0, 1, 2, 3,]",
        "[[0, 1, 2], [3, 4, 5]]",
        "[\n\t\t\t0,\n\t\t\t1, \n\t\t\t2,\n\t\t]",
        "{}",
        "{ field_a = 5 }",
        "{ field_a = 5, field_b = 10 }",
        "{ field_a = 5, field_b = 10, }",
        "{ field_a = { nested_field = 100 } }",
        "{\n\t\t\tfield_a = 5,\n\t\t\tfield_b = 10,\n\t\t}",
        "!true",
        "-5",
        "1 + 2 - 3 * 4 / 5 % 6",
        "1 == 2 != 3 < 4 > 5 <= 6 >= 7",
        "true || false && true",
        "1 ^ 2 ^ 3",
        "a.b.c.d",
        "a[0][1][2]",
        "a()",
        "a(1)",
        "a(1,2,3)",
        "a(1,2,3,)",
        "a(\n\t\t\t1,\n\t\t\t2,\n\t\t\t3,\n\t\t)",
        "(1 + 5) * 100",
        "(a.b.c)(1, 3 * some_list[magic_index * 2]).resulting_field",
    ];
    for case in cases {
        let parse = alloy_syntax::parse_expression(case);
        assert!(parse.errors().is_empty(), "{case:?}: {:?}", parse.errors());
        assert!(parse.tree().expression().is_some(), "{case:?}");
        assert_eq!(parse.syntax_node().to_string(), case);
    }
}

/// §2.5: `ParseExpression` errors, rendered without a file name.
#[test]
fn expression_errors_match_upstream() {
    let cases = [
        ("{ a = 15 }.7", "1:11: expected TERMINATOR, got FLOAT"),
        (
            "{ a = { b = 12 }.7 }.a.b",
            "1:17: missing ',' in field list",
        ),
        (
            "{ a = { b = 12 } }.a.b.7",
            "1:23: expected TERMINATOR, got FLOAT",
        ),
    ];
    for (input, expected) in cases {
        let parse = alloy_syntax::parse_expression(input);
        let first = parse.errors().first().expect("an error");
        let line = alloy_syntax::render_error_line("", &parse.line_index(), first);
        assert_eq!(line, expected, "{input}");
        assert_eq!(parse.syntax_node().to_string(), input);
    }
}

/// Precedence and associativity (spec §B.2) show in the tree's shape.
#[test]
fn precedence_and_associativity() {
    use alloy_syntax::ast::{AstNode, Expr};
    fn render(expr: &Expr) -> String {
        let part = |e: Option<Expr>| e.map(|e| render(&e)).unwrap_or_default();
        match expr {
            Expr::Binary(b) => format!(
                "({} {} {})",
                part(b.lhs()),
                b.op().map(|t| t.text().to_owned()).unwrap_or_default(),
                part(b.rhs())
            ),
            Expr::Unary(u) => format!(
                "({}{})",
                u.op().map(|t| t.text().to_owned()).unwrap_or_default(),
                part(u.operand())
            ),
            other => other.syntax().to_string(),
        }
    }
    let shape = |text: &str| -> String {
        let parse = alloy_syntax::parse_expression(text);
        assert!(parse.errors().is_empty(), "{text}: {:?}", parse.errors());
        render(&parse.tree().expression().expect("expression"))
    };
    assert_eq!(shape("2 ^ 3 ^ 2"), "(2 ^ (3 ^ 2))");
    assert_eq!(shape("-2 ^ 2"), "((-2) ^ 2)");
    assert_eq!(shape("1 == 2 != 3"), "((1 == 2) != 3)");
    assert_eq!(shape("1 + 2 * 3 - 4"), "((1 + (2 * 3)) - 4)");
    assert_eq!(shape("a || b && c == d"), "(a || (b && (c == d)))");
    assert_eq!(shape("!a && -b % c"), "((!a) && ((-b) % c))");
}

/// Deep nesting is an error, not a stack overflow, and the tree stays lossless.
#[test]
fn absurd_nesting_is_an_error() {
    let depth = 100_000;
    let cases = [
        format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth)),
        format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth)),
        format!("x = {}1{}\n", "{a=".repeat(depth), "}".repeat(depth)),
        format!("x = {}1\n", "-".repeat(depth)),
        format!("x = 1{}\n", " ^ 1".repeat(depth)),
        format!("{}{}\n", "b {\n".repeat(depth), "}\n".repeat(depth)),
        format!("x = 1{}\n", " + 1".repeat(depth)),
        format!("x = a{}\n", ".b".repeat(depth)),
    ];
    for text in cases {
        let parse = alloy_syntax::parse(&text);
        assert!(
            parse
                .errors()
                .iter()
                .any(|e| matches!(e.kind, alloy_syntax::SyntaxErrorKind::NestingTooDeep)),
            "{}",
            &text[..12]
        );
        assert_eq!(parse.syntax_node().to_string(), text);
    }
}

/// Nesting far beyond real configurations is still fine.
#[test]
fn reasonable_nesting_parses() {
    let text = format!("x = {}1{}\n", "[".repeat(200), "]".repeat(200));
    assert!(!alloy_syntax::parse(&text).has_errors());
    let chain = format!("x = 1{}\n", " + 1".repeat(1000));
    assert!(!alloy_syntax::parse(&chain).has_errors());
}

/// Found by the property tests: an unterminated label whose last byte is
/// inside a multi-byte character. Upstream slices bytes and quotes the
/// invalid remainder with `\x` escapes.
#[test]
fn unterminated_label_ending_inside_a_character() {
    let parse = alloy_syntax::parse("a \"é");
    let messages: Vec<String> = parse.errors().iter().map(|e| e.to_string()).collect();
    assert_eq!(
        messages,
        [
            "string literal not terminated",
            "expected block label to be a valid identifier, but got \"\\xc3\""
        ]
    );
    assert_eq!(parse.syntax_node().to_string(), "a \"é");
}
