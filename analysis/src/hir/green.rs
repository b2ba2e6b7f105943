//! Reading the green tree directly.
//!
//! The item index and the lowering run on every item of every file (the
//! index on every edit), so they read green nodes: a child is a slice
//! element and a token's text is a `&str`, where the red tree would
//! allocate a cursor node per step and count references on every move.
//! The accessors here mirror `alloy_syntax::ast` for the few facts the
//! analysis needs; `tests` below check that they agree with it.

use alloy_syntax::{AlloyLanguage, SyntaxKind};
use rowan::{GreenNodeData, GreenTokenData, Language, NodeOrToken};

pub(crate) fn kind(node: &GreenNodeData) -> SyntaxKind {
    AlloyLanguage::kind_from_raw(node.kind())
}

pub(crate) fn token_kind(token: &GreenTokenData) -> SyntaxKind {
    AlloyLanguage::kind_from_raw(token.kind())
}

/// The child nodes of `node`, tokens left out.
pub(crate) fn child_nodes(node: &GreenNodeData) -> impl Iterator<Item = &GreenNodeData> {
    node.children().filter_map(NodeOrToken::into_node)
}

/// The child nodes of `node` with their offsets relative to `node`.
pub(crate) fn child_nodes_at(node: &GreenNodeData) -> impl Iterator<Item = (u32, &GreenNodeData)> {
    let mut offset = 0u32;
    node.children().filter_map(move |child| {
        let at = offset;
        offset += u32::from(child.text_len());
        child.into_node().map(|n| (at, n))
    })
}

/// The first direct child token of `kind` (`ast`'s `token` helper).
pub(crate) fn token(node: &GreenNodeData, kind: SyntaxKind) -> Option<&GreenTokenData> {
    node.children()
        .filter_map(NodeOrToken::into_token)
        .find(|t| token_kind(t) == kind)
}

/// The first direct child token, whatever its kind.
pub(crate) fn first_token(node: &GreenNodeData) -> Option<&GreenTokenData> {
    node.children().find_map(NodeOrToken::into_token)
}

/// Number of nodes in the subtree of `node`, `node` included (tokens are
/// not counted: node ids number nodes only).
pub(crate) fn node_count(node: &GreenNodeData) -> u32 {
    1 + child_nodes(node).map(node_count).sum::<u32>()
}

/// A block's dotted name and label, as `ast::Block::name` and
/// `ast::Block::label` read them: every identifier before the `{`, joined
/// by dots, and the first string before it, between its delimiters (`None`
/// for no label and for `""`).
pub(crate) fn block_header(block: &GreenNodeData) -> (String, Option<String>) {
    // Sized first: growing the name one fragment at a time reallocated it
    // two or three times per block, on every item of every index.
    let header = || {
        block
            .children()
            .filter_map(NodeOrToken::into_token)
            .take_while(|t| token_kind(t) != SyntaxKind::L_CURLY)
    };
    let len = header()
        .filter(|t| token_kind(t) == SyntaxKind::IDENT)
        .map(|t| t.text().len() + 1)
        .sum::<usize>();
    let mut name = String::with_capacity(len.saturating_sub(1));
    let mut label = None;
    for token in header() {
        match token_kind(token) {
            SyntaxKind::IDENT => {
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(token.text());
            }
            SyntaxKind::STRING if label.is_none() => label = Some(token.text()),
            _ => {}
        }
    }
    let label = label.and_then(|text| (text.len() > 2).then(|| between_delimiters(text)));
    (name, label)
}

/// Whether a block's dotted name is exactly `expected`, without building
/// the name.
pub(crate) fn block_name_is(block: &GreenNodeData, expected: &str) -> bool {
    let mut rest = expected;
    let mut first = true;
    for token in block.children().filter_map(NodeOrToken::into_token) {
        match token_kind(token) {
            SyntaxKind::L_CURLY => break,
            SyntaxKind::IDENT => {
                if !first {
                    match rest.strip_prefix('.') {
                        Some(r) => rest = r,
                        None => return false,
                    }
                }
                first = false;
                match rest.strip_prefix(token.text()) {
                    Some(r) => rest = r,
                    None => return false,
                }
            }
            _ => {}
        }
    }
    !first && rest.is_empty()
}

/// The text between a string's first and last byte, as upstream slices it
/// (no unescaping); an unterminated string may end inside a multi-byte
/// character, which becomes U+FFFD, as in `ast`.
pub(crate) fn between_delimiters(text: &str) -> String {
    match text.get(1..text.len() - 1) {
        Some(inner) => inner.to_owned(),
        None => String::from_utf8_lossy(&text.as_bytes()[1..text.len() - 1]).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_syntax::ast::{self, AstNode};

    #[test]
    fn headers_agree_with_the_ast() {
        let text = "a.b.c \"lbl\" { }\nplain { }\nempty \"\" { }\nx // c\n .y \"l\" { }\n";
        let parse = alloy_syntax::parse(text);
        for stmt in parse.tree().statements() {
            let ast::Stmt::Block(block) = stmt else {
                continue;
            };
            let green = block.syntax().green();
            let (name, label) = block_header(green);
            assert_eq!(name, block.name());
            assert_eq!(label, block.label());
            assert!(block_name_is(green, &block.name()));
            assert!(!block_name_is(green, "a.b"));
            assert!(!block_name_is(green, "a.b.c.d"));
        }
    }

    #[test]
    fn node_counts_agree_with_the_red_tree() {
        let parse = alloy_syntax::parse("a { b = f(x.y, [1, {k = 2}]) }\n");
        let root = parse.syntax_node();
        assert_eq!(
            node_count(parse.green()) as usize,
            root.descendants().count()
        );
    }
}
