//! Semantic tokens: component names coloured by namespace, labels,
//! attribute names, references, standard-library calls (marked
//! `defaultLibrary`, deprecated aliases `deprecated`), literals, comments
//! and operators.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use alloy_analysis::catalogue;
use alloy_analysis::Cancellable;
use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::{SyntaxKind, SyntaxToken, TextRange, TextSize};
use tower_lsp_server::ls_types::{
    Range, SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensEdit,
    SemanticTokensLegend, Uri,
};

use crate::convert::LineIndex;
use crate::ide::syntax::{chain_of, is_header_token, is_item_block};
use crate::world::{DocCtx, World};

const TYPES: [SemanticTokenType; 13] = [
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::TYPE,
    SemanticTokenType::CLASS,
    SemanticTokenType::STRUCT,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::KEYWORD,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Kind {
    Namespace = 0,
    Type,
    Class,
    Struct,
    Function,
    Property,
    Variable,
    Parameter,
    String,
    Number,
    Keyword,
    Comment,
    Operator,
}

const MODIFIERS: [SemanticTokenModifier; 4] = [
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::DEPRECATED,
    SemanticTokenModifier::DEFAULT_LIBRARY,
    SemanticTokenModifier::READONLY,
];

pub const DECLARATION: u32 = 1;
pub const DEPRECATED: u32 = 2;
pub const DEFAULT_LIBRARY: u32 = 4;
pub const READONLY: u32 = 8;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

/// The class of one token, or `None` to leave it to the grammar.
pub fn classify(token: &SyntaxToken) -> Option<(Kind, u32)> {
    use SyntaxKind::*;
    let kind = token.kind();
    Some(match kind {
        COMMENT => (Kind::Comment, 0),
        NUMBER | FLOAT => (Kind::Number, 0),
        BOOL | NULL => (Kind::Keyword, 0),
        OR | AND | NOT | EQ | NEQ | LT | LTE | GT | GTE | ADD | SUB | MUL | DIV | MOD | POW => {
            (Kind::Operator, 0)
        }
        STRING => {
            let parent = token.parent()?;
            match parent.kind() {
                BLOCK if is_header_token(token) => (Kind::String, DECLARATION),
                OBJECT_FIELD => match ast::ObjectField::cast(parent)?.name_token() {
                    Some(name) if &name == token => (Kind::Property, 0),
                    _ => (Kind::String, 0),
                },
                _ => (Kind::String, 0),
            }
        }
        IDENT => return classify_ident(token),
        _ => return None,
    })
}

fn classify_ident(token: &SyntaxToken) -> Option<(Kind, u32)> {
    let parent = token.parent()?;
    match parent.kind() {
        SyntaxKind::BLOCK => {
            let block = ast::Block::cast(parent)?;
            let name = block.name();
            if !is_item_block(&block) {
                return Some((Kind::Struct, 0));
            }
            if catalogue::config_block(&name).is_some() {
                return Some((Kind::Keyword, 0));
            }
            let last = block.name_tokens().last();
            if last.as_ref() == Some(token) {
                Some((Kind::Class, 0))
            } else {
                Some((Kind::Namespace, 0))
            }
        }
        SyntaxKind::ATTRIBUTE | SyntaxKind::OBJECT_FIELD => Some((Kind::Property, 0)),
        SyntaxKind::IDENT_EXPR | SyntaxKind::ACCESS_EXPR => {
            let chain = chain_of(token)?;
            let at = chain.index_at(token.text_range().start())?;
            let last = at + 1 == chain.names.len();
            if chain.called {
                let deprecated =
                    catalogue::stdlib_function(&chain.joined()).is_some_and(|f| f.is_deprecated());
                let mods = DEFAULT_LIBRARY | if deprecated { DEPRECATED } else { 0 };
                return Some(if last {
                    (Kind::Function, mods)
                } else {
                    (Kind::Namespace, mods)
                });
            }
            let first = chain.names.first()?.as_str();
            if first == "argument" && at <= 1 {
                return Some((Kind::Parameter, 0));
            }
            if catalogue::stdlib_object(first).is_some() {
                return Some((Kind::Variable, DEFAULT_LIBRARY | READONLY));
            }
            Some((Kind::Variable, 0))
        }
        _ => None,
    }
}

/// Encoded tokens for the document, or the part of it in `range`.
pub fn tokens(
    world: &World,
    doc: &DocCtx,
    range: Option<Range>,
) -> Cancellable<Vec<SemanticToken>> {
    let root = world.tree(doc.file)?;
    let span = range.map(|r| doc.index.text_range(r, world.encoding()));
    let mut raw: Vec<(TextRange, Kind, u32)> = Vec::new();
    let elements = match span {
        Some(span) => {
            let span = span.intersect(root.text_range()).unwrap_or_default();
            match root.covering_element(span) {
                rowan::NodeOrToken::Node(node) => node.descendants_with_tokens(),
                rowan::NodeOrToken::Token(token) => match token.parent() {
                    Some(node) => node.descendants_with_tokens(),
                    None => root.descendants_with_tokens(),
                },
            }
        }
        None => root.descendants_with_tokens(),
    };
    for element in elements {
        let Some(token) = element.into_token() else {
            continue;
        };
        if let Some(span) = span {
            if token
                .text_range()
                .intersect(span)
                .is_none_or(|r| r.is_empty() && !span.is_empty())
            {
                continue;
            }
        }
        if let Some((kind, mods)) = classify(&token) {
            raw.push((token.text_range(), kind, mods));
        }
    }
    Ok(encode(world, &doc.index, &raw))
}

/// Relative encoding; tokens spanning lines are split per line unless the
/// client accepts multi-line tokens.
fn encode(world: &World, index: &LineIndex, raw: &[(TextRange, Kind, u32)]) -> Vec<SemanticToken> {
    let encoding = world.encoding();
    let multiline = world.session.caps.multiline_tokens;
    let mut out = Vec::with_capacity(raw.len());
    let (mut prev_line, mut prev_start) = (0u32, 0u32);
    let mut push = |range: TextRange, kind: Kind, mods: u32| {
        let start = index.position(range.start(), encoding);
        let text = index
            .text()
            .get(std::ops::Range::<usize>::from(range))
            .unwrap_or("");
        let length = LineIndex::measure(text, encoding);
        if length == 0 {
            return;
        }
        // Tokens come in text order; anything else would be encoded wrongly,
        // so it is dropped rather than wrapped around.
        if (start.line, start.character) < (prev_line, prev_start) {
            return;
        }
        let delta_line = start.line - prev_line;
        let delta_start = if delta_line == 0 {
            start.character - prev_start
        } else {
            start.character
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length,
            token_type: kind as u32,
            token_modifiers_bitset: mods,
        });
        prev_line = start.line;
        prev_start = start.character;
    };
    for &(range, kind, mods) in raw {
        let first = index.line_of(range.start());
        let last = index.line_of(range.end());
        if first == last || multiline {
            push(range, kind, mods);
            continue;
        }
        for line in first..=last {
            let line_start = index.line_start(line).max(range.start());
            let line_end =
                (index.line_start(line) + TextSize::of(index.line_text(line))).min(range.end());
            if line_start < line_end {
                push(TextRange::new(line_start, line_end), kind, mods);
            }
        }
    }
    out
}

/// The last tokens sent for each document, so that the next request can
/// be answered with the difference (`semanticTokens/full/delta`): after a
/// keystroke in a large file, a few tokens change, not tens of thousands.
#[derive(Default)]
pub struct TokenCache {
    next_id: AtomicU64,
    last: Mutex<HashMap<Uri, (String, Vec<SemanticToken>)>>,
}

impl TokenCache {
    /// Remembers the tokens sent for `uri`; returns their result id.
    pub fn store(&self, uri: &Uri, data: &[SemanticToken]) -> String {
        let id = (self.next_id.fetch_add(1, Ordering::Relaxed) + 1).to_string();
        if let Ok(mut last) = self.last.lock() {
            last.insert(uri.clone(), (id.clone(), data.to_vec()));
        }
        id
    }

    /// The tokens sent as `result_id` for `uri`, if they are the last ones.
    pub fn previous(&self, uri: &Uri, result_id: &str) -> Option<Vec<SemanticToken>> {
        let last = self.last.lock().ok()?;
        let (id, data) = last.get(uri)?;
        (id == result_id).then(|| data.clone())
    }

    pub fn forget(&self, uri: &Uri) {
        if let Ok(mut last) = self.last.lock() {
            last.remove(uri);
        }
    }
}

/// One edit turning `old` into `new`: the tokens between their common
/// prefix and common suffix. Offsets count integers (five per token), as
/// the protocol's flat encoding does.
pub fn delta(old: &[SemanticToken], new: &[SemanticToken]) -> Vec<SemanticTokensEdit> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let removed = old.len() - prefix - suffix;
    let inserted = &new[prefix..new.len() - suffix];
    if removed == 0 && inserted.is_empty() {
        return Vec::new();
    }
    vec![SemanticTokensEdit {
        start: (prefix * 5) as u32,
        delete_count: (removed * 5) as u32,
        data: Some(inserted.to_vec()),
    }]
}

#[cfg(test)]
mod delta_tests {
    use super::*;

    fn t(line: u32, start: u32) -> SemanticToken {
        SemanticToken {
            delta_line: line,
            delta_start: start,
            length: 1,
            token_type: 0,
            token_modifiers_bitset: 0,
        }
    }

    /// Applies edits the way a client does, on the flat encoding.
    fn apply(old: &[SemanticToken], edits: &[SemanticTokensEdit]) -> Vec<SemanticToken> {
        let mut out = old.to_vec();
        for e in edits.iter().rev() {
            let start = e.start as usize / 5;
            let end = start + e.delete_count as usize / 5;
            out.splice(start..end, e.data.clone().unwrap_or_default());
        }
        out
    }

    #[test]
    fn deltas_replay_to_the_new_tokens() {
        let old = vec![t(0, 0), t(1, 2), t(0, 3), t(2, 0)];
        for new in [
            vec![t(0, 0), t(1, 2), t(0, 4), t(2, 0)],
            vec![t(0, 0), t(2, 0)],
            vec![t(0, 0), t(1, 2), t(0, 3), t(0, 1), t(2, 0)],
            vec![],
            old.clone(),
        ] {
            let edits = delta(&old, &new);
            assert_eq!(apply(&old, &edits), new);
            if new == old {
                assert!(edits.is_empty());
            }
        }
        // Shared prefix and suffix are not resent.
        let edits = delta(&old, &[t(0, 0), t(1, 2), t(0, 4), t(2, 0)]);
        assert_eq!((edits[0].start, edits[0].delete_count), (10, 5));
    }
}
