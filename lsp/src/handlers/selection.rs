//! Selection ranges: from the token under the cursor (a string's contents
//! first) out through every enclosing node to the whole file.

use alloy_analysis::Cancellable;
use alloy_syntax::{SyntaxKind, TextRange, TextSize};
use tower_lsp_server::ls_types::{Position, SelectionRange};

use crate::ide::syntax::token_at;
use crate::world::{DocCtx, World};

pub fn selection_ranges(
    world: &World,
    doc: &DocCtx,
    positions: &[Position],
) -> Cancellable<Vec<SelectionRange>> {
    let root = world.tree(doc.file)?;
    let mut out = Vec::with_capacity(positions.len());
    for &position in positions {
        let offset = doc.index.offset(position, world.encoding());
        let mut ranges: Vec<TextRange> = Vec::new();
        let mut push = |r: TextRange| {
            if ranges.last() != Some(&r) {
                ranges.push(r);
            }
        };
        match token_at(&root, offset) {
            Some(token) => {
                let r = token.text_range();
                if token.kind() == SyntaxKind::STRING && r.len() > TextSize::from(2) {
                    push(TextRange::new(
                        r.start() + TextSize::from(1),
                        r.end() - TextSize::from(1),
                    ));
                }
                push(r);
                let mut node = token.parent();
                while let Some(n) = node {
                    push(n.text_range());
                    node = n.parent();
                }
            }
            None => push(root.text_range()),
        }
        // Innermost first; build the linked list from the outside in.
        let mut current: Option<SelectionRange> = None;
        for r in ranges.into_iter().rev() {
            current = Some(SelectionRange {
                range: world.lsp_range(&doc.index, r),
                parent: current.map(Box::new),
            });
        }
        out.push(current.unwrap_or(SelectionRange {
            range: world.lsp_range(&doc.index, TextRange::empty(offset)),
            parent: None,
        }));
    }
    Ok(out)
}
