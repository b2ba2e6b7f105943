//! Turns parser events back into a lossless rowan tree, re-inserting the
//! trivia the grammar never saw.
//!
//! Trivia between two tokens goes before a node that starts there, so every
//! node begins and ends with a significant token and its range is exactly the
//! span upstream's AST positions describe.

use rowan::{GreenNode, GreenNodeBuilder};

use crate::parser::Event;
use crate::SyntaxKind;

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
        builder: GreenNodeBuilder::new(),
        depth: 0,
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
                while let Some(index) = next {
                    match std::mem::replace(&mut events[index as usize], Event::Tombstone) {
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
    sink.builder.finish()
}

struct Sink<'a> {
    text: &'a str,
    kinds: &'a [SyntaxKind],
    starts: &'a [u32],
    next: usize,
    builder: GreenNodeBuilder<'static>,
    depth: usize,
}

impl Sink<'_> {
    fn emit(&mut self, raw: usize) {
        let text = &self.text[self.starts[raw] as usize..self.starts[raw + 1] as usize];
        self.builder.token(self.kinds[raw].into(), text);
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
        if self.depth > 0 {
            self.emit_trivia();
        }
        self.depth += 1;
        self.builder.start_node(kind.into());
    }

    fn token(&mut self, raw: usize) {
        self.emit_until(raw);
        self.emit(raw);
        self.next = raw + 1;
    }

    fn finish(&mut self) {
        self.depth -= 1;
        if self.depth == 0 {
            // The root keeps whatever is left: trailing trivia, and tokens
            // after the end of a single expression.
            self.emit_until(self.kinds.len());
        }
        self.builder.finish_node();
    }
}
