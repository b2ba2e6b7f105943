//! Tree lookups shared by the handlers: the token under the cursor, the
//! blocks around a node, the reference chain (`a.b.c`) a token belongs to.

use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize};

use super::cursor::Header;

/// The significant token at `offset`, preferring the one that starts there
/// over the one that ends there (so the cursor right before a name finds
/// the name) but taking an identifier over punctuation.
pub fn token_at(root: &SyntaxNode, offset: TextSize) -> Option<SyntaxToken> {
    let offset = offset.min(root.text_range().end());
    let candidates: Vec<SyntaxToken> = root.token_at_offset(offset).collect();
    let rank = |t: &SyntaxToken| match t.kind() {
        SyntaxKind::IDENT => 0,
        SyntaxKind::STRING | SyntaxKind::NUMBER | SyntaxKind::FLOAT => 1,
        k if k.is_trivia() => 3,
        _ => 2,
    };
    candidates
        .into_iter()
        .min_by_key(rank)
        .filter(|t| !t.kind().is_trivia())
}

/// Whether a token is part of a block's header (its name or label).
pub fn is_header_token(token: &SyntaxToken) -> bool {
    let Some(parent) = token.parent() else {
        return false;
    };
    if parent.kind() != SyntaxKind::BLOCK {
        return false;
    }
    let Some(block) = ast::Block::cast(parent) else {
        return false;
    };
    match block.l_curly() {
        Some(l) => token.text_range().start() < l.text_range().start(),
        None => true,
    }
}

/// The blocks enclosing `node` (not `node` itself), outermost first.
pub fn enclosing_blocks(node: &SyntaxNode) -> Vec<ast::Block> {
    let mut out: Vec<ast::Block> = node
        .ancestors()
        .skip(1)
        .filter_map(ast::Block::cast)
        .collect();
    out.reverse();
    out
}

pub fn header(block: &ast::Block) -> Header {
    Header {
        name: block.name(),
        label: block.label(),
    }
}

pub fn headers(blocks: &[ast::Block]) -> Vec<Header> {
    blocks.iter().map(header).collect()
}

/// A reference chain `a.b.c` (upstream's traversal: a maximal access chain
/// starting at an identifier, cut at indexing and calls).
#[derive(Clone, Debug)]
pub struct Chain {
    /// The outermost access expression (or the lone identifier).
    pub node: SyntaxNode,
    pub names: Vec<String>,
    /// The range of each name.
    pub ranges: Vec<TextRange>,
    /// The chain is the callee of a call.
    pub called: bool,
}

impl Chain {
    pub fn joined(&self) -> String {
        self.names.join(".")
    }

    /// Which name contains `offset`.
    pub fn index_at(&self, offset: TextSize) -> Option<usize> {
        self.ranges
            .iter()
            .position(|r| r.contains_inclusive(offset))
    }

    pub fn range(&self) -> TextRange {
        self.node.text_range()
    }
}

/// The chain an identifier token belongs to.
pub fn chain_of(token: &SyntaxToken) -> Option<Chain> {
    if token.kind() != SyntaxKind::IDENT {
        return None;
    }
    let parent = token.parent()?;
    let mut base = match parent.kind() {
        SyntaxKind::IDENT_EXPR => parent,
        SyntaxKind::ACCESS_EXPR => parent,
        _ => return None,
    };
    // Down to the identifier the chain starts with.
    while base.kind() == SyntaxKind::ACCESS_EXPR {
        base = base.first_child()?;
    }
    if base.kind() != SyntaxKind::IDENT_EXPR {
        return None;
    }
    chain_from_base(base)
}

/// The maximal chain starting at an identifier expression.
pub fn chain_from_base(base: SyntaxNode) -> Option<Chain> {
    let first = ast::IdentExpr::cast(base.clone())?.ident()?;
    let mut names = vec![first.text().to_owned()];
    let mut ranges = vec![first.text_range()];
    let mut node = base;
    while let Some(parent) = node.parent() {
        if parent.kind() != SyntaxKind::ACCESS_EXPR || parent.first_child().as_ref() != Some(&node)
        {
            break;
        }
        let access = ast::AccessExpr::cast(parent.clone())?;
        match access.name() {
            Some(name) => {
                names.push(name.text().to_owned());
                ranges.push(name.text_range());
            }
            None => break,
        }
        node = parent;
    }
    let called = node
        .parent()
        .filter(|p| p.kind() == SyntaxKind::CALL_EXPR)
        .is_some_and(|p| p.first_child().as_ref() == Some(&node));
    Some(Chain {
        node,
        names,
        ranges,
        called,
    })
}

/// Every chain in a subtree, in source order.
pub fn chains_in(root: &SyntaxNode) -> Vec<Chain> {
    root.descendants()
        .filter(|n| n.kind() == SyntaxKind::IDENT_EXPR)
        .filter_map(chain_from_base)
        .collect()
}

/// The number of tabs a line starts with (the nesting `alloy fmt` gives).
pub fn indentation_of_line(text: &str, offset: TextSize) -> &str {
    let at = (u32::from(offset) as usize).min(text.len());
    let line_start = text
        .get(..at)
        .and_then(|b| b.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line = text.get(line_start..).unwrap_or("");
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    line.get(..width).unwrap_or("")
}

/// Whether only blanks stand between the start of the line and `offset`.
pub fn starts_line(text: &str, offset: TextSize) -> bool {
    let at = (u32::from(offset) as usize).min(text.len());
    let before = text.get(..at).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    before
        .get(line_start..)
        .is_some_and(|s| s.chars().all(|c| c == ' ' || c == '\t'))
}

/// Whether a block is a graph node (top level, directly in a `declare`,
/// or in a `foreach` template) rather than a nested schema block.
pub fn is_item_block(block: &ast::Block) -> bool {
    let Some(parent) = block.syntax().parent() else {
        return false;
    };
    match parent.kind() {
        SyntaxKind::ROOT => true,
        SyntaxKind::BLOCK => {
            let Some(parent) = ast::Block::cast(parent) else {
                return false;
            };
            match parent.name().as_str() {
                "declare" => true,
                "template" => parent
                    .syntax()
                    .parent()
                    .and_then(ast::Block::cast)
                    .is_some_and(|g| g.name() == "foreach"),
                _ => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_stop_at_calls_and_indexing() {
        let parse = alloy_syntax::parse(
            "a \"x\" {\n\tv = foo.bar.baz\n\tw = sys.env(\"X\")\n\tz = q.r[0].s\n}\n",
        );
        let chains = chains_in(&parse.syntax_node());
        let joined: Vec<(String, bool)> = chains.iter().map(|c| (c.joined(), c.called)).collect();
        assert_eq!(
            joined,
            [
                ("foo.bar.baz".to_owned(), false),
                ("sys.env".to_owned(), true),
                ("q.r".to_owned(), false)
            ]
        );
    }

    #[test]
    fn item_blocks_are_told_from_nested_ones() {
        let parse = alloy_syntax::parse(
            "declare \"d\" {\n\ta \"x\" {\n\t\tb {\n\t\t}\n\t}\n}\nforeach \"f\" {\n\ttemplate {\n\t\tc \"y\" {\n\t\t}\n\t}\n}\n",
        );
        let blocks: Vec<(String, bool)> = parse
            .syntax_node()
            .descendants()
            .filter_map(ast::Block::cast)
            .map(|b| (b.name(), is_item_block(&b)))
            .collect();
        let expect = [
            ("declare", true),
            ("a", true),
            ("b", false),
            ("foreach", true),
            ("template", false),
            ("c", true),
        ];
        let expect: Vec<(String, bool)> =
            expect.iter().map(|(n, b)| ((*n).to_owned(), *b)).collect();
        assert_eq!(blocks, expect);
    }
}
