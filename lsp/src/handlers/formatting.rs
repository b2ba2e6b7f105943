//! Formatting: the whole document exactly as `alloy fmt` prints it, or the
//! smallest statement (or block) that covers a range. Answers are edits;
//! nothing is written to disk.
//!
//! A file with syntax errors is left alone, as `alloy fmt` refuses it; range
//! formatting still works on a statement whose own subtree is error-free.

use alloy_analysis::Cancellable;
use alloy_syntax::{SyntaxKind, SyntaxNode, TextRange, TextSize};
use tower_lsp_server::ls_types::{Range, TextEdit};

use crate::convert::LineIndex;
use crate::ide::syntax::starts_line;
use crate::world::{DocCtx, World};

/// `textDocument/formatting`.
pub fn format_document(world: &World, doc: &DocCtx) -> Cancellable<Option<Vec<TextEdit>>> {
    let parse = world.analysis.parse(doc.file)?;
    let Ok(formatted) = alloy_fmt::format_parse(&parse) else {
        return Ok(None);
    };
    Ok(Some(
        minimal_edit(
            world,
            &doc.index,
            TextRange::up_to(doc.index.len()),
            &formatted,
        )
        .into_iter()
        .collect(),
    ))
}

/// `textDocument/rangeFormatting`.
pub fn format_range(
    world: &World,
    doc: &DocCtx,
    range: Range,
) -> Cancellable<Option<Vec<TextEdit>>> {
    let parse = world.analysis.parse(doc.file)?;
    let root = parse.syntax_node();
    let span = doc
        .index
        .text_range(range, world.encoding())
        .intersect(root.text_range())
        .unwrap_or_else(|| TextRange::empty(root.text_range().end()));
    let node = statement_covering(&root, span);
    if node.kind() == SyntaxKind::ROOT {
        return format_document(world, doc);
    }
    let depth = node
        .ancestors()
        .skip(1)
        .filter(|n| n.kind() == SyntaxKind::BLOCK)
        .count();
    let Ok(formatted) = alloy_fmt::format_node(&node, depth) else {
        return Ok(None);
    };
    let text = doc.text();
    let node_range = node.text_range();
    let (replace, new_text) = if starts_line(text, node_range.start()) {
        let line_start = text
            .get(..u32::from(node_range.start()) as usize)
            .and_then(|b| b.rfind('\n'))
            .map_or(0, |i| i + 1);
        (
            TextRange::new(TextSize::from(line_start as u32), node_range.end()),
            format!("{}{formatted}", "\t".repeat(depth)),
        )
    } else {
        (node_range, formatted)
    };
    Ok(Some(
        minimal_edit(world, &doc.index, replace, &new_text)
            .into_iter()
            .collect(),
    ))
}

/// The statement (attribute or block) covering `span`, or the root.
fn statement_covering(root: &SyntaxNode, span: TextRange) -> SyntaxNode {
    let start = match root.covering_element(span) {
        rowan::NodeOrToken::Node(node) => node,
        rowan::NodeOrToken::Token(token) => match token.parent() {
            Some(parent) => parent,
            None => return root.clone(),
        },
    };
    start
        .ancestors()
        .find(|n| {
            matches!(
                n.kind(),
                SyntaxKind::ATTRIBUTE | SyntaxKind::BLOCK | SyntaxKind::ROOT
            )
        })
        .unwrap_or_else(|| root.clone())
}

/// One edit replacing `range` of the document by `new_text`, trimmed to
/// the part that really differs (so cursors and marks elsewhere stay put);
/// `None` when nothing changes.
pub fn minimal_edit(
    world: &World,
    index: &LineIndex,
    range: TextRange,
    new_text: &str,
) -> Option<TextEdit> {
    let text = index.text();
    let old = text
        .get(u32::from(range.start()) as usize..u32::from(range.end()) as usize)
        .unwrap_or("");
    if old == new_text {
        return None;
    }
    let mut prefix = old
        .bytes()
        .zip(new_text.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new_text.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = (old.len() - prefix).min(new_text.len() - prefix);
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new_text.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix)
        || !new_text.is_char_boundary(new_text.len() - suffix)
    {
        suffix -= 1;
    }
    let start = range.start() + TextSize::from(prefix as u32);
    let end = range.end() - TextSize::from(suffix as u32);
    let replacement = new_text
        .get(prefix..new_text.len() - suffix)
        .unwrap_or("")
        .to_owned();
    Some(TextEdit {
        range: world.lsp_range(index, TextRange::new(start, end)),
        new_text: replacement,
    })
}
