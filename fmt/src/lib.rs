//! Formatter for the Alloy configuration language, producing the same bytes
//! as upstream `alloy fmt`.
//!
//! Upstream's output is defined by its implementation rather than by a style
//! guide: elastic tabstops decide alignment, estimated source positions
//! decide where comments land, source line numbers decide line breaks. The
//! only realistic route to byte compatibility is therefore a port of the
//! pipeline, stage by stage:
//!
//! ```text
//! syntax tree --lower--> tree --walker--> printer --> tabwriter --> trimmer
//! ```
//!
//! * lowering reads the syntax crate's green tree into upstream's AST shape
//!   and collects comment groups and line positions in the same pass;
//! * the walker decides layout from source lines and drives the printer;
//! * the printer interleaves comments and emits tabwriter control bytes;
//! * [`tabwriter`] aligns cells (Go's `text/tabwriter`);
//! * [`trimmer`] removes trailing blanks and control bytes.
//!
//! Three upstream behaviours are deliberately not reproduced because the
//! output would no longer parse or would mean something else; see
//! `docs/fmt-differences.md`.

mod lower;
mod parallel;
mod printer;
pub mod tabwriter;
mod tree;
pub mod trimmer;
mod walker;

use std::fmt;

use alloy_syntax::{Parse, SyntaxError, SyntaxKind, SyntaxNode};
pub use parallel::{format_source_parallel, MIN_PARALLEL_LEN};

/// Entry points for tests and benchmarks; not a stable API.
#[doc(hidden)]
pub mod bench_support {
    pub use crate::parallel::{find_cuts, format_at_cuts};
}

use crate::lower::Malformed;
use crate::printer::Printer;
use crate::tree::{Comments, ExprId, Lines, List, Stmt, Tree};
use crate::walker::Walker;

/// Why a formatter entry point produced no output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// The input does not parse. Like upstream, nothing is formatted; the
    /// errors are the parser's, in its order.
    Syntax(Vec<SyntaxError>),
    /// [`format_node`] was given a node that is neither a file, a statement
    /// nor an expression (for example an object field or an argument list).
    UnsupportedNode(SyntaxKind),
    /// The tree lacks parts an error-free parse always has (for example a
    /// subtree containing an `ERROR` node, handed to [`format_node`] from a
    /// file with syntax errors). `offset` is relative to the formatted node.
    MalformedTree { kind: SyntaxKind, offset: usize },
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(errors) => match errors.first() {
                Some(first) if errors.len() > 1 => {
                    write!(
                        f,
                        "{} (and {} more syntax errors)",
                        first.kind,
                        errors.len() - 1
                    )
                }
                Some(first) => write!(f, "{}", first.kind),
                None => f.write_str("syntax errors"),
            },
            FormatError::UnsupportedNode(kind) => {
                write!(f, "cannot format a {kind:?} node on its own")
            }
            FormatError::MalformedTree { kind, offset } => {
                write!(f, "incomplete {kind:?} at offset {offset}")
            }
        }
    }
}

impl std::error::Error for FormatError {}

impl From<Malformed> for FormatError {
    fn from(m: Malformed) -> Self {
        FormatError::MalformedTree {
            kind: m.kind,
            offset: m.offset,
        }
    }
}

/// Formats a whole file exactly as `alloy fmt` does: the formatted text
/// followed by one `\n` (so an empty or blank file gives `"\n"`).
///
/// Files with syntax errors are refused with [`FormatError::Syntax`].
pub fn format_source(src: &[u8]) -> Result<String, FormatError> {
    // Invalid UTF-8 is always a syntax error; let the parser report it.
    let Ok(text) = std::str::from_utf8(src) else {
        return Err(FormatError::Syntax(
            alloy_syntax::parse_file(src).errors().to_vec(),
        ));
    };
    let lowered = lower::parse_and_lower_file(text)?;
    Ok(print_file(lowered))
}

fn print_file(lowered: lower::Lowered<'_, List>) -> String {
    let mut out = print(
        Root::File(lowered.value),
        &lowered.tree,
        &lowered.comments,
        &lowered.lines,
        0,
        lowered.len,
    );
    out.push(b'\n');
    into_string(out)
}

/// [`format_source`] for a file that is already parsed, so that callers
/// holding a [`Parse`] (an editor, a checker) do not parse twice.
pub fn format_parse(parse: &Parse) -> Result<String, FormatError> {
    if parse.has_errors() {
        return Err(FormatError::Syntax(parse.errors().to_vec()));
    }
    let text = parse.syntax_node().to_string();
    let lowered = lower::lower_file(parse.green(), &text)?;
    Ok(print_file(lowered))
}

/// Formats one node of a parsed file, for range formatting in editors.
///
/// `node` may be the file root, a statement (`ATTRIBUTE`, `BLOCK`) or an
/// expression. The result is meant to replace exactly the node's text range:
/// it has no trailing newline and its first line carries no indentation,
/// while every following line is indented by `base_indent` tabs on top of
/// the node's own nesting (the indentation of the line the node starts on,
/// in tabs, is the natural value). This corresponds to upstream's
/// `printer.Config{Indent: base_indent}.Fprint` of the node, with one
/// difference: upstream prints no comments at all for anything but a whole
/// file, whereas comments inside the node are kept here, since dropping
/// them from an editor buffer would lose text. Comments just before or after
/// the node are outside its range and are not touched.
///
/// The node's subtree must be free of syntax errors; a subtree with error
/// nodes gives [`FormatError::MalformedTree`].
pub fn format_node(node: &SyntaxNode, base_indent: usize) -> Result<String, FormatError> {
    let green = node.green();
    let kind = node.kind();
    let text = node.to_string();
    let mut out = match kind {
        SyntaxKind::ROOT => {
            let lowered = lower::lower_file(green, &text)?;
            print(
                Root::File(lowered.value),
                &lowered.tree,
                &lowered.comments,
                &lowered.lines,
                base_indent,
                lowered.len,
            )
        }
        SyntaxKind::ATTRIBUTE | SyntaxKind::BLOCK => {
            let lowered = lower::lower_stmt(green, &text)?;
            print(
                Root::Stmt(&lowered.value),
                &lowered.tree,
                &lowered.comments,
                &lowered.lines,
                base_indent,
                lowered.len,
            )
        }
        k if lower::is_expr_kind(k) => {
            let lowered = lower::lower_expr(green, &text)?;
            print(
                Root::Expr(lowered.value),
                &lowered.tree,
                &lowered.comments,
                &lowered.lines,
                base_indent,
                lowered.len,
            )
        }
        k => return Err(FormatError::UnsupportedNode(k)),
    };
    // The replaced range starts at the node's first token, after whatever
    // indentation the line already has.
    let leading_tabs = out.iter().take_while(|&&b| b == b'\t').count();
    out.drain(..leading_tabs);
    Ok(into_string(out))
}

enum Root<'a, 'g> {
    File(List),
    Stmt(&'a Stmt<'g>),
    Expr(ExprId),
}

/// Runs the printing pipeline and returns upstream's `printer.Fprint`
/// output (no trailing newline).
fn print<'g>(
    root: Root<'_, 'g>,
    tree: &Tree<'g>,
    comments: &Comments<'g>,
    lines: &Lines,
    base_indent: usize,
    len_hint: usize,
) -> Vec<u8> {
    let mut printer = Printer::new(lines, comments, base_indent, len_hint + len_hint / 4);
    {
        let mut walker = Walker {
            p: &mut printer,
            tree,
        };
        match root {
            Root::File(stmts) => walker.walk_stmts(stmts),
            Root::Stmt(stmt) => walker.walk_stmt(stmt),
            Root::Expr(expr) => walker.walk_expr(expr),
        }
    }
    let raw = printer.finish();
    let mut out = Vec::with_capacity(raw.len() + 1);
    tabwriter::tabwrite_trimmed(&tabwriter::Config::ALLOY, &raw, &mut out);
    out
}

/// The output is assembled from valid UTF-8 pieces (source text, ASCII and
/// quoted strings), so the lossy branch is unreachable in practice; it keeps
/// the function total.
fn into_string(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}
