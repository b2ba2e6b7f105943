//! The event parser: grammar functions drive a cursor over the tokens the
//! scanner produced and emit start/token/finish events; `builder` turns those
//! into a rowan tree with the trivia put back. The grammar never sees trivia,
//! and the tree never sees terminators.
//!
//! Error recovery follows upstream's parser step for step (what it skips, what
//! it consumes, which errors it drops because an earlier one is on the same
//! line), because the error list is part of what users compare.

mod grammar;

use crate::error::{SyntaxError, SyntaxErrorKind};
use crate::scanner::{SigToken, VIRTUAL};
use crate::source::LineIndex;
use crate::SyntaxKind::{self, *};

pub(crate) use grammar::{expression_root, file_root};

/// Deepest nesting of blocks and expressions we accept. Upstream has no limit
/// (Go stacks grow), but no real configuration comes near this, and refusing
/// it keeps every consumer of the tree safe from stack exhaustion.
pub const MAX_DEPTH: u32 = 256;
/// Longest chain of binary operators or postfix accesses in one expression;
/// each link nests the tree one level deeper.
pub(crate) const MAX_CHAIN: u32 = 1024;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Event {
    /// Placeholder for an abandoned or not yet completed marker.
    Tombstone,
    Start {
        kind: SyntaxKind,
        /// Index of an event that must be started *before* this one: set by
        /// `precede` to wrap an already finished node. Zero means none (event
        /// zero is the root, which never wraps anything later).
        forward_parent: u32,
    },
    Finish,
    /// A raw token index.
    Token(u32),
}

pub(crate) struct Parser<'t> {
    text: &'t str,
    starts: &'t [u32],
    sig: &'t [SigToken],
    pos: usize,
    events: Vec<Event>,
    scanner_errors: &'t [SyntaxError],
    flushed: usize,
    errors: Vec<SyntaxError>,
    /// Built on the first error: only the same-line filter needs lines.
    lines: Option<LineIndex>,
    last_error_line: u32,
    depth: u32,
    gave_up: bool,
}

pub(crate) struct Marker {
    event: u32,
    offset: u32,
}

#[derive(Clone, Copy)]
pub(crate) struct CompletedMarker {
    event: u32,
    /// Offset of the node's first token, where upstream's `StartPos` is.
    pub offset: u32,
}

impl<'t> Parser<'t> {
    pub(crate) fn new(
        text: &'t str,
        starts: &'t [u32],
        sig: &'t [SigToken],
        scanner_errors: &'t [SyntaxError],
    ) -> Parser<'t> {
        let mut parser = Parser {
            text,
            starts,
            sig,
            pos: 0,
            events: Vec::with_capacity(sig.len() * 2),
            scanner_errors,
            flushed: 0,
            errors: Vec::new(),
            lines: None,
            last_error_line: 0,
            depth: 0,
            gave_up: false,
        };
        parser.flush_scanner_errors();
        parser
    }

    pub(crate) fn finish(self) -> (Vec<Event>, Vec<SyntaxError>) {
        (self.events, self.errors)
    }

    fn flush_scanner_errors(&mut self) {
        let end = self.sig[self.pos].errors_end as usize;
        if end > self.flushed {
            self.errors
                .extend_from_slice(&self.scanner_errors[self.flushed..end]);
            self.flushed = end;
        }
    }

    pub(crate) fn current(&self) -> SyntaxKind {
        self.sig[self.pos].kind
    }

    pub(crate) fn at(&self, kind: SyntaxKind) -> bool {
        self.current() == kind
    }

    pub(crate) fn offset(&self) -> u32 {
        self.sig[self.pos].offset
    }

    /// Text of the current token (empty for terminators and EOF).
    pub(crate) fn current_text(&self) -> &'t str {
        let raw = self.sig[self.pos].raw;
        if raw == VIRTUAL {
            return "";
        }
        let raw = raw as usize;
        &self.text[self.starts[raw] as usize..self.starts[raw + 1] as usize]
    }

    /// Length of upstream's literal for the current token: operators have an
    /// empty literal, terminators the one-byte `"\n"`.
    pub(crate) fn current_literal_len(&self) -> u32 {
        match self.current() {
            IDENT | NUMBER | FLOAT | STRING | BOOL | NULL | ILLEGAL => {
                self.current_text().len() as u32
            }
            TERMINATOR => 1,
            _ => 0,
        }
    }

    /// Consumes the current token, whatever it is (upstream's `next`). At the
    /// end of input this does nothing, as upstream keeps returning EOF.
    pub(crate) fn bump(&mut self) {
        let token = self.sig[self.pos];
        if token.kind == EOF {
            return;
        }
        if token.raw != VIRTUAL {
            self.events.push(Event::Token(token.raw));
        }
        self.pos += 1;
        self.flush_scanner_errors();
    }

    /// Upstream's `addErrorf`: an error on the same line as the previous one
    /// reported this way is dropped.
    pub(crate) fn error(&mut self, kind: SyntaxErrorKind) {
        let offset = self.offset();
        let text = self.text;
        let line = self
            .lines
            .get_or_insert_with(|| LineIndex::new(text))
            .line_col(offset)
            .line;
        if line == self.last_error_line {
            return;
        }
        self.last_error_line = line;
        self.errors.push(SyntaxError::at(kind, offset));
    }

    /// An error upstream adds directly, without the same-line filter.
    pub(crate) fn push_error(&mut self, error: SyntaxError) {
        self.errors.push(error);
    }

    /// Upstream's `expect`: reports a mismatch, then consumes the current
    /// token anyway. A consumed wrong token is wrapped in an ERROR node.
    /// Returns the kind that was actually there.
    pub(crate) fn expect(&mut self, kind: SyntaxKind) -> SyntaxKind {
        let got = self.current();
        if got == kind {
            self.bump();
        } else {
            self.error(SyntaxErrorKind::Expected {
                expected: kind,
                got,
            });
            self.bump_as_error();
        }
        got
    }

    /// Consumes the current token inside its own ERROR node.
    pub(crate) fn bump_as_error(&mut self) {
        let token = self.sig[self.pos];
        if token.raw == VIRTUAL {
            self.bump();
            return;
        }
        let m = self.start();
        self.bump();
        m.complete(self, ERROR);
    }

    /// Skips tokens while `keep_going` says so, wrapping them in an ERROR
    /// node; stops at the end of input.
    pub(crate) fn skip_while(&mut self, mut keep_going: impl FnMut(SyntaxKind) -> bool) {
        let m = self.start();
        let before = self.events.len();
        while !self.at(EOF) && keep_going(self.current()) {
            self.bump();
        }
        if self.events.len() > before {
            m.complete(self, ERROR);
        } else {
            m.abandon(self);
        }
    }

    pub(crate) fn start(&mut self) -> Marker {
        let event = self.events.len() as u32;
        self.events.push(Event::Tombstone);
        Marker {
            event,
            offset: self.offset(),
        }
    }

    /// Enters one level of nesting; false once the limit is passed, after
    /// which everything left is skipped so the parse unwinds quickly.
    pub(crate) fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth <= MAX_DEPTH && !self.gave_up {
            return true;
        }
        self.give_up();
        false
    }

    pub(crate) fn exit(&mut self) {
        self.depth -= 1;
    }

    /// Reports excessive nesting once and skips to the end of input.
    pub(crate) fn give_up(&mut self) {
        if !self.gave_up {
            self.gave_up = true;
            let offset = self.offset();
            self.push_error(SyntaxError::at(SyntaxErrorKind::NestingTooDeep, offset));
            self.skip_while(|_| true);
        }
    }
}

impl Marker {
    pub(crate) fn complete(self, p: &mut Parser<'_>, kind: SyntaxKind) -> CompletedMarker {
        p.events[self.event as usize] = Event::Start {
            kind,
            forward_parent: 0,
        };
        p.events.push(Event::Finish);
        CompletedMarker {
            event: self.event,
            offset: self.offset,
        }
    }

    pub(crate) fn abandon(self, p: &mut Parser<'_>) {
        if self.event as usize == p.events.len() - 1 {
            p.events.pop();
        }
    }
}

impl CompletedMarker {
    /// Starts a new node that will wrap this completed one.
    pub(crate) fn precede(self, p: &mut Parser<'_>) -> Marker {
        let event = p.events.len() as u32;
        p.events.push(Event::Tombstone);
        if let Event::Start { forward_parent, .. } = &mut p.events[self.event as usize] {
            *forward_parent = event;
        }
        Marker {
            event,
            offset: self.offset,
        }
    }
}
