//! Lossless syntax for the Grafana Alloy configuration language: lexer,
//! parser, rowan tree and typed AST.
//!
//! Parsing never fails: [`parse_file`] always returns a tree whose text is the
//! input, plus the errors upstream Alloy would report, in upstream's order and
//! wording. This crate knows nothing of salsa, editors or evaluation.

pub mod ast;
mod builder;
mod error;
mod lexer;
mod parallel;
mod parser;
mod reparse;
mod scanner;
mod source;
mod syntax_kind;
pub mod unicode;

use std::sync::Arc;

pub use error::{SyntaxError, SyntaxErrorKind};
pub use parallel::parse_file_parallel;
pub use parser::{MAX_DEPTH, MAX_ERRORS};
pub use reparse::reparse;
pub use rowan::{GreenNode, TextRange, TextSize};
pub use source::{decode_like_upstream, LineCol, LineIndex};
pub use syntax_kind::{AlloyLanguage, SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken};

/// The result of parsing: a green tree (cheap to clone, `Send + Sync`) and
/// the syntax errors. Equality compares trees and errors, which is what an
/// incremental database needs to cut off recomputation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parse {
    green: GreenNode,
    errors: Arc<[SyntaxError]>,
    /// Tree offsets of U+FFFD characters that replaced invalid bytes.
    replacements: Arc<[u32]>,
    /// Errors past [`MAX_ERRORS`]: counted, not kept.
    dropped_errors: usize,
}

impl Parse {
    /// The red tree, built on demand (it is not `Send`).
    pub fn syntax_node(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green.clone())
    }

    pub fn tree(&self) -> ast::File {
        ast::File::from_root(self.syntax_node())
    }

    pub fn green(&self) -> &GreenNode {
        &self.green
    }

    pub fn errors(&self) -> &[SyntaxError] {
        &self.errors
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// How many errors were found past the first [`MAX_ERRORS`] (which
    /// [`Parse::errors`] holds) and dropped.
    pub fn dropped_errors(&self) -> usize {
        self.dropped_errors
    }

    /// Line and column lookup for this tree, in upstream's byte columns of
    /// the original file.
    ///
    /// Walks the green tree's tokens instead of rebuilding the text: callers
    /// (diagnostics, the language server on every request) ask for it often,
    /// and a copy of a large file costs more than the walk.
    pub fn line_index(&self) -> LineIndex {
        let mut line_starts = Vec::with_capacity(usize::from(self.green.text_len()) / 24 + 1);
        line_starts.push(0);
        let mut offset = 0u32;
        let mut stack = vec![self.green.children()];
        while let Some(children) = stack.last_mut() {
            match children.next() {
                Some(rowan::NodeOrToken::Node(node)) => stack.push(node.children()),
                Some(rowan::NodeOrToken::Token(token)) => {
                    let text = token.text();
                    line_starts.extend(
                        text.bytes()
                            .enumerate()
                            .filter(|(_, b)| *b == b'\n')
                            .map(|(i, _)| offset + i as u32 + 1),
                    );
                    offset += text.len() as u32;
                }
                None => {
                    stack.pop();
                }
            }
        }
        LineIndex::from_line_starts(line_starts, self.replacements.to_vec())
    }

    /// Whether some bytes of the input were not valid UTF-8 (and so the
    /// tree's text differs from the input there).
    pub fn had_invalid_utf8(&self) -> bool {
        !self.replacements.is_empty()
    }
}

/// Parses a whole file from its bytes, as upstream's `parser.ParseFile`.
pub fn parse_file(bytes: &[u8]) -> Parse {
    parse_with(bytes, parser::file_root)
}

/// Parses a file without keeping its tree: each child of the root (a
/// statement, a stray error node, or trivia between statements) is handed to
/// `on_element` as soon as it is complete, in source order, and dropped by
/// the parser. For one-pass consumers such as the formatter, whose memory is
/// then bounded by the largest statement rather than the whole file.
/// Returns the syntax errors, exactly as [`parse_file`] reports them.
pub fn parse_file_streaming(
    bytes: &[u8],
    on_element: &mut dyn FnMut(rowan::NodeOrToken<GreenNode, rowan::GreenToken>),
) -> Vec<SyntaxError> {
    let decoded = source::decode(bytes);
    let sink = builder::Sink::streaming(&decoded.text, on_element);
    let mut p = parser::Parser::with_sink(&decoded.text, &decoded.issues, sink);
    parser::file_root(&mut p);
    p.finish().1
}

/// A file's syntax errors without its tree: what `alloy parse` and
/// `alloy fmt` print for a file that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxReport {
    /// The first [`MAX_ERRORS`] errors, in upstream's order.
    pub errors: Vec<SyntaxError>,
    /// How many more were found and dropped.
    pub dropped: usize,
    /// Positions for rendering the errors.
    pub index: LineIndex,
}

/// Parses `bytes` for its errors only: every statement is dropped as soon
/// as it is complete, so memory stays bounded by the largest statement and
/// the (capped) error list, whatever the input.
pub fn syntax_report(bytes: &[u8]) -> SyntaxReport {
    let decoded = source::decode(bytes);
    let (errors, dropped) = {
        let mut discard = |_: rowan::NodeOrToken<GreenNode, rowan::GreenToken>| {};
        let sink = builder::Sink::streaming(&decoded.text, &mut discard);
        let mut p = parser::Parser::with_sink(&decoded.text, &decoded.issues, sink);
        parser::file_root(&mut p);
        let (_, errors, dropped) = p.finish();
        (errors, dropped)
    };
    let index = LineIndex::with_replacements(&decoded.text, decoded.replacements);
    SyntaxReport {
        errors,
        dropped,
        index,
    }
}

/// The line printed after the kept errors of a file that had more than
/// [`MAX_ERRORS`]: `FILE: N more errors not shown`.
pub fn render_dropped_line(file: &str, dropped: usize) -> String {
    let errors = if dropped == 1 { "error" } else { "errors" };
    format!("{file}: {dropped} more syntax {errors} not shown (only the first {MAX_ERRORS} are printed)")
}

/// Parses text that is already a string.
pub fn parse(text: &str) -> Parse {
    parse_file(text.as_bytes())
}

/// Parses a single expression, as upstream's `parser.ParseExpression`: the
/// expression must be followed only by the end of input (or a newline).
/// Anything after it is kept in the tree, unparsed.
pub fn parse_expression(text: &str) -> Parse {
    parse_with(text.as_bytes(), parser::expression_root)
}

fn parse_with(bytes: &[u8], root: fn(&mut parser::Parser<'_>)) -> Parse {
    let decoded = source::decode(bytes);
    let (green, errors, dropped_errors) = {
        let mut p = parser::Parser::new(&decoded.text, &decoded.issues);
        root(&mut p);
        p.finish()
    };
    Parse {
        green,
        errors: errors.into(),
        replacements: decoded.replacements.into(),
        dropped_errors,
    }
}

/// One token of the lossless token stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: SyntaxKind,
    pub range: TextRange,
}

/// Lexes a file into its lossless token stream (trivia included, no
/// terminators) plus the scanner's errors in upstream's order. Useful for
/// highlighting without a tree.
pub fn tokenize(bytes: &[u8]) -> (Vec<Token>, Vec<SyntaxError>) {
    let decoded = source::decode(bytes);
    let mut scanner = scanner::Scanner::new(&decoded.text, &decoded.issues);
    let mut tokens = Vec::new();
    let mut errors = Vec::new();
    let as_token = |raw: lexer::RawToken| Token {
        kind: raw.kind,
        range: TextRange::new(raw.start.into(), raw.end.into()),
    };
    loop {
        let sig = scanner.next(&mut errors);
        tokens.extend(scanner.pending.drain(..).map(as_token));
        match sig.raw {
            Some(raw) => tokens.push(as_token(raw)),
            None if sig.kind == SyntaxKind::EOF => break,
            None => {}
        }
    }
    (tokens, errors)
}

/// Renders one error as `alloy fmt` prints it: `FILE:LINE:COL: message`.
pub fn render_error_line(file: &str, index: &LineIndex, error: &SyntaxError) -> String {
    let at = index.line_col(error.offset());
    if file.is_empty() {
        format!("{}:{}: {}", at.line, at.col, error.kind)
    } else {
        format!("{}:{}:{}: {}", file, at.line, at.col, error.kind)
    }
}

/// An indented dump of the tree and its errors, for snapshot tests and
/// `alloy parse --tree`.
pub fn debug_dump(parse: &Parse) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let mut depth = 0usize;
    for event in parse.syntax_node().preorder_with_tokens() {
        match event {
            rowan::WalkEvent::Enter(element) => {
                let range = element.text_range();
                let _ = match &element {
                    rowan::NodeOrToken::Node(node) => {
                        writeln!(
                            out,
                            "{:indent$}{:?}@{:?}",
                            "",
                            node.kind(),
                            range,
                            indent = depth * 2
                        )
                    }
                    rowan::NodeOrToken::Token(token) => writeln!(
                        out,
                        "{:indent$}{:?}@{:?} {:?}",
                        "",
                        token.kind(),
                        range,
                        token.text(),
                        indent = depth * 2
                    ),
                };
                depth += 1;
            }
            rowan::WalkEvent::Leave(_) => depth -= 1,
        }
    }
    let index = parse.line_index();
    for error in parse.errors() {
        let _ = writeln!(out, "error {}", render_error_line("", &index, error));
    }
    out
}

/// Entry points for benchmarks; not a stable API.
#[doc(hidden)]
pub mod bench_support {
    /// [`crate::parse_file_parallel`] at given cuts, without its fallback.
    pub fn parse_at_cuts(text: &str, cuts: &[usize]) -> Option<crate::Parse> {
        crate::parallel::parse_at_cuts(text, cuts)
    }

    /// Where [`crate::parse_file_parallel`] would cut `text`.
    pub fn find_cuts(text: &str, pieces: usize) -> Vec<usize> {
        crate::parallel::find_cuts(text, pieces)
    }

    /// [`crate::reparse`] without its fallback: `None` when a full parse
    /// would be needed. Lets tests check that splicing really happens.
    pub fn reparse_spliced(old: &crate::Parse, new_text: &str) -> Option<crate::Parse> {
        crate::reparse::try_reparse(old, new_text)
    }

    /// Lexes `text` and returns the number of raw tokens.
    pub fn lex_count(text: &str) -> usize {
        let mut lexer = crate::lexer::RawLexer::new(text);
        let mut n = 0;
        while lexer.next_token().is_some() {
            n += 1;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk over tokens must give the index the text would: same line
    /// starts, same columns across replaced invalid bytes.
    #[test]
    fn line_index_from_tokens_matches_the_text() {
        let inputs: [&[u8]; 7] = [
            b"",
            b"a = 1\n",
            b"a = 1\r\nb = `raw\nstring`\n/* block\ncomment */\nc = \"x\"",
            b"block \"l\" {\n\tattr = [\n\t\t1,\n\t]\n}\n\n",
            b"a = \"\xff\xfe\"\nb = 2\n\xc3\n",
            b"\xef\xbb\xbfa = 1\n\n\nb = {\n}\n",
            b"broken = [\n  1\n  2\n", // syntax errors: the tree still covers the text
        ];
        for bytes in inputs {
            let parse = parse_file(bytes);
            let text = parse.syntax_node().to_string();
            let expected = LineIndex::with_replacements(&text, parse.replacements.to_vec());
            assert_eq!(parse.line_index(), expected, "{bytes:?}");
        }
        let parse = parse_file(b"a = \"\xff\"\nb = \"\xfe\xff\" c\n");
        let index = parse.line_index();
        assert_eq!(index.line_count(), 3);
        // `c` is in column 10 of line 2 of the file: the two invalid bytes
        // before it count one column each, not three.
        let c = parse
            .syntax_node()
            .to_string()
            .find(" c")
            .map(|i| i as u32 + 1);
        assert_eq!(
            c.map(|c| index.line_col(c)),
            Some(LineCol { line: 2, col: 10 })
        );
    }
}
