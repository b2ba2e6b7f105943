//! Folding ranges: blocks, multi-line arrays, objects and argument lists,
//! block comments and runs of line comments.

use alloy_analysis::Cancellable;
use alloy_syntax::{SyntaxKind, TextRange};
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

use crate::convert::LineIndex;
use crate::world::{DocCtx, World};

fn fold(
    index: &LineIndex,
    range: TextRange,
    kind: Option<FoldingRangeKind>,
) -> Option<FoldingRange> {
    let start = index.line_of(range.start());
    let end = index.line_of(range.end());
    if end <= start {
        return None;
    }
    // Keep the closing line visible for brackets (`}` stays on screen, as
    // editors expect of line-based folds); comments fold entirely.
    let end = if kind.is_none() { end - 1 } else { end };
    if end <= start && kind.is_none() {
        return None;
    }
    Some(FoldingRange {
        start_line: start,
        start_character: None,
        end_line: end,
        end_character: None,
        kind,
        collapsed_text: None,
    })
}

pub fn folding_ranges(world: &World, doc: &DocCtx) -> Cancellable<Vec<FoldingRange>> {
    let root = world.tree(doc.file)?;
    let index = &doc.index;
    let mut out = Vec::new();
    for node in root.descendants() {
        let range = match node.kind() {
            SyntaxKind::BLOCK
            | SyntaxKind::OBJECT_EXPR
            | SyntaxKind::ARRAY_EXPR
            | SyntaxKind::ARG_LIST => {
                // From the opening bracket, so a long header is not folded.
                let open = node
                    .children_with_tokens()
                    .filter_map(|e| e.into_token())
                    .find(|t| {
                        matches!(
                            t.kind(),
                            SyntaxKind::L_CURLY | SyntaxKind::L_BRACK | SyntaxKind::L_PAREN
                        )
                    });
                match open {
                    Some(open) => {
                        TextRange::new(open.text_range().start(), node.text_range().end())
                    }
                    None => continue,
                }
            }
            _ => continue,
        };
        if let Some(f) = fold(index, range, None) {
            out.push(f);
        }
    }
    // Comments: block comments over several lines, and runs of `//` lines.
    let mut run: Option<TextRange> = None;
    let mut run_lines = 0u32;
    let mut last_line = u32::MAX;
    let flush = |run: &mut Option<TextRange>, lines: u32, out: &mut Vec<FoldingRange>| {
        if let Some(r) = run.take() {
            if lines > 1 {
                if let Some(f) = fold(index, r, Some(FoldingRangeKind::Comment)) {
                    out.push(f);
                }
            }
        }
    };
    for token in root
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| t.kind() == SyntaxKind::COMMENT)
    {
        let range = token.text_range();
        if token.text().starts_with("/*") {
            flush(&mut run, run_lines, &mut out);
            if let Some(f) = fold(index, range, Some(FoldingRangeKind::Comment)) {
                out.push(f);
            }
            continue;
        }
        let line = index.line_of(range.start());
        let starts_line = crate::ide::syntax::starts_line(index.text(), range.start());
        match run {
            Some(r) if starts_line && line == last_line.wrapping_add(1) => {
                run = Some(r.cover(range));
                run_lines += 1;
            }
            _ => {
                flush(&mut run, run_lines, &mut out);
                if starts_line {
                    run = Some(range);
                    run_lines = 1;
                }
            }
        }
        last_line = line;
    }
    flush(&mut run, run_lines, &mut out);
    out.sort_by_key(|f| (f.start_line, f.end_line));
    Ok(out)
}
