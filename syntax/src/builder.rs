//! Assembles the rowan green tree while the parser runs.
//!
//! Green nodes are built directly rather than through rowan's
//! `GreenNodeBuilder`, whose cache hashes every node's children. Short
//! tokens are still shared through a small direct-mapped cache (most are
//! punctuation, indentation and a few repeated names), which keeps memory
//! low without hashing costs.

use rowan::{GreenNode, GreenToken, NodeOrToken};

use crate::lexer::RawToken;
use crate::SyntaxKind;

pub(crate) type Element = NodeOrToken<GreenNode, GreenToken>;

/// Tokens longer than this are allocated fresh: long strings and comments
/// rarely repeat.
const INTERN_MAX_LEN: usize = 32;
/// Slots of the direct-mapped token cache (a power of two).
const CACHE_SLOTS: usize = 16384;

pub(crate) struct Sink<'a> {
    text: &'a str,
    /// Children of all open nodes, innermost last.
    children: Vec<Element>,
    /// Where each open node's children start in `children`.
    open: Vec<usize>,
    /// Recently seen short tokens; a collision simply replaces the slot.
    cache: Vec<Option<GreenToken>>,
    /// What each cache slot holds, checkable without touching the token
    /// (which would be a pointer chase per token): for texts of up to 16
    /// bytes the fingerprint is the text itself.
    prints: Vec<Fingerprint>,
    /// Tokens whose text is fixed by their kind, shared without hashing.
    fixed: Vec<Option<GreenToken>>,
    /// When set, children of the root are handed over as soon as they are
    /// complete instead of being kept (see `parse_file_streaming`).
    stream: Option<&'a mut dyn FnMut(Element)>,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(text: &'a str) -> Sink<'a> {
        Sink {
            text,
            children: Vec::with_capacity(256),
            open: Vec::with_capacity(64),
            cache: vec![None; CACHE_SLOTS],
            prints: vec![Fingerprint::default(); CACHE_SLOTS],
            fixed: vec![None; SyntaxKind::ROOT as usize],
            stream: None,
        }
    }

    pub(crate) fn streaming(text: &'a str, stream: &'a mut dyn FnMut(Element)) -> Sink<'a> {
        let mut sink = Sink::new(text);
        sink.stream = Some(stream);
        sink
    }

    /// Keeps a finished child, or hands it over when it belongs to the root
    /// and the sink streams.
    fn push(&mut self, element: Element) {
        match &mut self.stream {
            Some(stream) if self.open.len() == 1 => stream(element),
            _ => self.children.push(element),
        }
    }

    pub(crate) fn is_open(&self) -> bool {
        !self.open.is_empty()
    }

    pub(crate) fn open(&mut self) {
        self.open.push(self.children.len());
    }

    /// Opens a node whose first child is the already built child at `child`.
    pub(crate) fn open_at(&mut self, child: usize) {
        self.open.push(child.min(self.children.len()));
    }

    /// Closes the innermost open node; returns its index among its parent's
    /// children.
    pub(crate) fn close(&mut self, kind: SyntaxKind) -> usize {
        let first = self.open.pop().unwrap_or(0);
        let node = GreenNode::new(kind.into(), self.children.drain(first..));
        self.push(NodeOrToken::Node(node));
        // A streamed node is gone; nothing can precede it (only expressions
        // are ever wrapped later, and they never sit directly in the root).
        self.children.len().saturating_sub(1)
    }

    pub(crate) fn token(&mut self, raw: RawToken) {
        let kind = raw.kind;
        let text = &self.text[raw.start as usize..raw.end as usize];
        let token = if has_fixed_text(kind) {
            self.fixed[kind as usize]
                .get_or_insert_with(|| GreenToken::new(kind.into(), text))
                .clone()
        } else if text.len() <= INTERN_MAX_LEN {
            let print = Fingerprint::of(kind, text);
            let index = print.slot();
            let hit = self.prints[index] == print
                && (text.len() <= 16
                    || self.cache[index]
                        .as_ref()
                        .is_some_and(|token| token.text() == text));
            match &mut self.cache[index] {
                Some(token) if hit => token.clone(),
                slot => {
                    self.prints[index] = print;
                    slot.insert(GreenToken::new(kind.into(), text)).clone()
                }
            }
        } else {
            GreenToken::new(kind.into(), text)
        };
        self.push(NodeOrToken::Token(token));
    }

    /// The root, once every node is closed.
    pub(crate) fn finish(&mut self) -> GreenNode {
        match self.children.pop() {
            Some(NodeOrToken::Node(root)) if self.children.is_empty() => root,
            // The grammar always closes exactly one root; should that ever
            // not hold, wrap whatever was built rather than panic.
            other => {
                self.children.extend(other);
                GreenNode::new(SyntaxKind::ROOT.into(), self.children.drain(..))
            }
        }
    }
}

/// A short token's kind, length and first and last eight bytes: equal
/// fingerprints mean equal tokens when the text is at most 16 bytes long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Fingerprint {
    head: u64,
    tail: u64,
    len_and_kind: u32,
}

impl Fingerprint {
    fn of(kind: SyntaxKind, text: &str) -> Fingerprint {
        let bytes = text.as_bytes();
        let n = bytes.len().min(8);
        let mut head = [0u8; 8];
        head[..n].copy_from_slice(&bytes[..n]);
        let mut tail = [0u8; 8];
        tail[8 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
        Fingerprint {
            head: u64::from_le_bytes(head),
            tail: u64::from_le_bytes(tail),
            len_and_kind: ((bytes.len() as u32) << 16) | kind as u32,
        }
    }

    /// The cache slot: a cheap hash of the fingerprint.
    fn slot(self) -> usize {
        let mixed = self.head.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ self.tail.wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ u64::from(self.len_and_kind);
        (mixed.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 50) as usize & (CACHE_SLOTS - 1)
    }
}

/// Kinds whose every token has the same text. `|` and `&` alone lex as OR
/// and AND, so those two are excluded.
fn has_fixed_text(kind: SyntaxKind) -> bool {
    use SyntaxKind::*;
    matches!(
        kind,
        NOT | ASSIGN
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
