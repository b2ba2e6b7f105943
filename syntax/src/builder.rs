//! Turns parser events back into a lossless rowan tree, re-inserting the
//! trivia the grammar never saw.
//!
//! Trivia between two tokens goes before a node that starts there, so every
//! node begins and ends with a significant token and its range is exactly the
//! span upstream's AST positions describe.
//!
//! Green nodes are assembled directly rather than through rowan's
//! `GreenNodeBuilder`: its cache hashes every node's children, which cost
//! more than half of the parse time. Short tokens are still interned (most
//! are punctuation, indentation and repeated names), which keeps memory low.

use rowan::{GreenNode, GreenToken, NodeOrToken};

use crate::parser::Event;
use crate::SyntaxKind;

type Element = NodeOrToken<GreenNode, GreenToken>;

/// Tokens longer than this are allocated fresh: long strings and comments
/// rarely repeat, and hashing them would cost more than it saves.
const INTERN_MAX_LEN: usize = 32;
/// Slots of the direct-mapped token cache (a power of two).
const CACHE_SLOTS: usize = 4096;

pub(crate) fn build(
    text: &str,
    kinds: &[SyntaxKind],
    starts: &[u32],
    events: &mut [Event],
) -> GreenNode {
    let mut sink = Sink {
        text,
        kinds,
        starts,
        next: 0,
        children: Vec::with_capacity(64),
        open: Vec::with_capacity(32),
        cache: vec![None; CACHE_SLOTS],
        fixed: vec![None; SyntaxKind::ROOT as usize],
    };
    let mut parents: Vec<SyntaxKind> = Vec::new();
    for i in 0..events.len() {
        match std::mem::replace(&mut events[i], Event::Tombstone) {
            Event::Tombstone => {}
            Event::Start {
                kind,
                forward_parent,
            } => {
                // Collect the chain of nodes that must wrap this one, outermost
                // last, and open them outermost first.
                parents.push(kind);
                let mut next = forward_parent;
                while next != 0 {
                    match std::mem::replace(&mut events[next as usize], Event::Tombstone) {
                        Event::Start {
                            kind,
                            forward_parent,
                        } => {
                            parents.push(kind);
                            next = forward_parent;
                        }
                        _ => break,
                    }
                }
                for kind in parents.drain(..).rev() {
                    sink.start(kind);
                }
            }
            Event::Finish => sink.finish(),
            Event::Token(raw) => sink.token(raw as usize),
        }
    }
    match sink.children.pop() {
        Some(NodeOrToken::Node(root)) => root,
        // The grammar always completes a root node; an empty file still
        // gets one. Fall back to an empty root rather than panicking.
        _ => GreenNode::new(SyntaxKind::ROOT.into(), std::iter::empty()),
    }
}

struct Sink<'a> {
    text: &'a str,
    kinds: &'a [SyntaxKind],
    starts: &'a [u32],
    next: usize,
    /// Children of all open nodes, innermost last.
    children: Vec<Element>,
    /// Open nodes: kind and where their children start in `children`.
    open: Vec<(SyntaxKind, usize)>,
    /// A direct-mapped cache of recent short tokens: a collision simply
    /// replaces the slot. Much cheaper than a hash map, and configuration
    /// files repeat the same few names and indents all the time.
    cache: Vec<Option<GreenToken>>,
    /// Tokens whose text is fixed by their kind (punctuation, operators, the
    /// newline), interned without hashing.
    fixed: Vec<Option<GreenToken>>,
}

impl<'a> Sink<'a> {
    fn emit(&mut self, raw: usize) {
        let kind = self.kinds[raw];
        let text = &self.text[self.starts[raw] as usize..self.starts[raw + 1] as usize];
        let token = if has_fixed_text(kind) {
            self.fixed[kind as usize]
                .get_or_insert_with(|| GreenToken::new(kind.into(), text))
                .clone()
        } else if text.len() <= INTERN_MAX_LEN {
            let slot = &mut self.cache[slot_of(kind, text)];
            match slot {
                Some(token) if token.kind() == kind.into() && token.text() == text => token.clone(),
                _ => slot.insert(GreenToken::new(kind.into(), text)).clone(),
            }
        } else {
            GreenToken::new(kind.into(), text)
        };
        self.children.push(NodeOrToken::Token(token));
    }

    /// Emits raw tokens up to (not including) `raw`.
    fn emit_until(&mut self, raw: usize) {
        while self.next < raw {
            self.emit(self.next);
            self.next += 1;
        }
    }

    fn emit_trivia(&mut self) {
        while self.next < self.kinds.len() && self.kinds[self.next].is_trivia() {
            self.emit(self.next);
            self.next += 1;
        }
    }

    fn start(&mut self, kind: SyntaxKind) {
        if !self.open.is_empty() {
            self.emit_trivia();
        }
        self.open.push((kind, self.children.len()));
    }

    fn token(&mut self, raw: usize) {
        self.emit_until(raw);
        self.emit(raw);
        self.next = raw + 1;
    }

    fn finish(&mut self) {
        let Some((kind, first)) = self.open.pop() else {
            return;
        };
        if self.open.is_empty() {
            // The root keeps whatever is left: trailing trivia, and tokens
            // after the end of a single expression.
            self.emit_until(self.kinds.len());
        }
        let node = GreenNode::new(kind.into(), self.children.drain(first..));
        self.children.push(NodeOrToken::Node(node));
    }
}

/// A cheap hash of a short token: its kind, length and up to eight bytes
/// from each end.
fn slot_of(kind: SyntaxKind, text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut head = [0u8; 8];
    let n = bytes.len().min(8);
    head[..n].copy_from_slice(&bytes[..n]);
    let mut tail = [0u8; 8];
    tail[8 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    let mixed = u64::from_le_bytes(head).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ u64::from_le_bytes(tail).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
        ^ ((bytes.len() as u64) << 8 | kind as u64);
    (mixed.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 52) as usize & (CACHE_SLOTS - 1)
}

/// Kinds whose every token has the same text. `|` and `&` alone lex as OR
/// and AND, so those two are excluded.
fn has_fixed_text(kind: SyntaxKind) -> bool {
    use SyntaxKind::*;
    matches!(
        kind,
        NEWLINE
            | NOT
            | ASSIGN
            | EQ
            | NEQ
            | LT
            | LTE
            | GT
            | GTE
            | ADD
            | SUB
            | MUL
            | DIV
            | MOD
            | POW
            | L_CURLY
            | R_CURLY
            | L_PAREN
            | R_PAREN
            | L_BRACK
            | R_BRACK
            | COMMA
            | DOT
    )
}
