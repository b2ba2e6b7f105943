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
type NodeKey = ([usize; NODE_CACHE_MAX_CHILDREN + 1], GreenNode);

/// Tokens longer than this are allocated fresh: long strings and comments
/// rarely repeat.
const INTERN_MAX_LEN: usize = 32;
/// Slots of the direct-mapped token cache (a power of two).
const CACHE_SLOTS: usize = 16384;
/// Nodes with at most this many children are shared when identical.
const NODE_CACHE_MAX_CHILDREN: usize = 3;
/// Slots of the direct-mapped node cache (a power of two). Small on
/// purpose: a table that stays in the L1 cache still catches the repeats
/// that matter (the same literal or path a few lines apart), while a large
/// one missed the cache on nearly every lookup and cost about a fifth of the
/// parse (measured: 8192 slots 67 ms, 256 slots 53 ms on CPU, for 5% more
/// tree memory).
const NODE_CACHE_SLOTS: usize = 256;

pub(crate) struct Sink<'a> {
    text: &'a str,
    /// Children of all open nodes, innermost last.
    children: Vec<Element>,
    /// Where each open node's children start in `children`.
    open: Vec<usize>,
    /// Recently seen short tokens; a collision simply replaces the slot.
    /// Each slot keeps the token's fingerprint beside it, so a lookup is one
    /// cache line and the token itself is only touched to clone it.
    cache: Vec<TokenSlot>,
    /// Whitespace and newline tokens made of one repeated indentation
    /// character, by kind, character and length: by far the most frequent
    /// tokens, kept in a table small enough to stay in the L1 cache.
    indents: Vec<Option<GreenToken>>,
    /// Tokens whose text is fixed by their kind, shared without hashing.
    fixed: Vec<Option<GreenToken>>,
    /// Recently built small nodes, keyed by kind and children identity.
    nodes: Vec<Option<NodeKey>>,
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
            cache: vec![TokenSlot::default(); CACHE_SLOTS],
            indents: vec![None; 4 * INDENT_MAX],
            fixed: vec![None; SyntaxKind::ROOT as usize],
            nodes: vec![None; NODE_CACHE_SLOTS],
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
        let first = self.open.pop().unwrap_or(0).min(self.children.len());
        let node = self.node(kind, first);
        self.push(NodeOrToken::Node(node));
        // A streamed node is gone; nothing can precede it (only expressions
        // are ever wrapped later, and they never sit directly in the root).
        self.children.len().saturating_sub(1)
    }

    /// Builds a node from `children[first..]`, sharing small nodes seen
    /// before: the same literal, identifier or short access path recurs all
    /// over a configuration, and sharing saves an allocation each time.
    fn node(&mut self, kind: SyntaxKind, first: usize) -> GreenNode {
        let children = &self.children[first..];
        if children.len() > NODE_CACHE_MAX_CHILDREN {
            return GreenNode::new(kind.into(), self.children.drain(first..));
        }
        let mut key = [0usize; NODE_CACHE_MAX_CHILDREN + 1];
        key[0] = kind as usize + 1;
        for (slot, child) in key[1..].iter_mut().zip(children) {
            *slot = match child {
                NodeOrToken::Node(node) => &**node as *const rowan::GreenNodeData as usize,
                NodeOrToken::Token(token) => &**token as *const rowan::GreenTokenData as usize,
            };
        }
        let hash = key.iter().fold(0u64, |h, &k| {
            (h ^ k as u64)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .rotate_left(23)
        });
        let index = (hash >> 44) as usize & (NODE_CACHE_SLOTS - 1);
        if let Some((cached_key, node)) = &self.nodes[index] {
            if *cached_key == key {
                let node = node.clone();
                self.children.truncate(first);
                return node;
            }
        }
        // The key holds the children's addresses, which stay valid while the
        // cached node keeps the children alive.
        let node = GreenNode::new(kind.into(), self.children.drain(first..));
        self.nodes[index] = Some((key, node.clone()));
        node
    }

    pub(crate) fn token(&mut self, raw: RawToken) {
        let kind = raw.kind;
        let text = &self.text[raw.start as usize..raw.end as usize];
        let token = if has_fixed_text(kind) {
            self.fixed[kind as usize]
                .get_or_insert_with(|| GreenToken::new(kind.into(), text))
                .clone()
        } else if let Some(index) = indent_slot(kind, text) {
            self.indents[index]
                .get_or_insert_with(|| GreenToken::new(kind.into(), text))
                .clone()
        } else if text.len() <= INTERN_MAX_LEN {
            let print = Fingerprint::of(kind, text);
            let slot = &mut self.cache[print.slot()];
            let hit = slot.print == print
                && (text.len() <= 16 || slot.token.as_ref().is_some_and(|t| t.text() == text));
            match &mut slot.token {
                Some(token) if hit => token.clone(),
                cached => {
                    slot.print = print;
                    cached.insert(GreenToken::new(kind.into(), text)).clone()
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

/// Longest indentation run kept in the `indents` table.
const INDENT_MAX: usize = 64;

/// The `indents` slot of a whitespace token of only spaces or only tabs, or
/// of a newline followed by only spaces or only tabs.
#[inline]
fn indent_slot(kind: SyntaxKind, text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (base, run) = match kind {
        SyntaxKind::WHITESPACE => (0, bytes),
        SyntaxKind::NEWLINE => (2 * INDENT_MAX, bytes.get(1..)?),
        _ => return None,
    };
    let (&first, rest) = match run.split_first() {
        Some(split) => split,
        // A bare newline.
        None => return Some(base),
    };
    let tab = match first {
        b' ' => 0,
        b'\t' => INDENT_MAX,
        _ => return None,
    };
    (run.len() < INDENT_MAX && rest.iter().all(|&b| b == first)).then_some(base + tab + run.len())
}

#[derive(Clone, Default)]
#[repr(align(32))]
struct TokenSlot {
    print: Fingerprint,
    token: Option<GreenToken>,
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
    #[inline]
    fn of(kind: SyntaxKind, text: &str) -> Fingerprint {
        let bytes = text.as_bytes();
        let (head, tail) = match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
            // Shorter than eight bytes: the head alone is the whole text
            // (a byte loop, as a variable-length copy would call memcpy).
            _ => {
                let head = bytes
                    .iter()
                    .enumerate()
                    .fold(0u64, |v, (i, &b)| v | u64::from(b) << (8 * i));
                (head, 0)
            }
        };
        Fingerprint {
            head,
            tail,
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
