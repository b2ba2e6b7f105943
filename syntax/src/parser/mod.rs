//! The parser: grammar functions drive a cursor over the tokens upstream's
//! scanner would produce, and build the rowan tree as they go. Lexing,
//! scanning, parsing and tree building are one pass with no intermediate
//! token or event arrays, which keeps both time and peak memory low.
//!
//! Nodes that only turn out to wrap an earlier sibling (the left operand of
//! a binary expression, the value of an access) are opened late with
//! `precede`, over children that are already built.
//!
//! Error recovery follows upstream's parser step for step (what it skips, what
//! it consumes, which errors it drops because an earlier one is on the same
//! line), because the error list is part of what users compare.

mod grammar;

use rowan::GreenNode;

use crate::builder::Sink;
use crate::error::{SyntaxError, SyntaxErrorKind};
use crate::scanner::{Scanner, SigToken};
use crate::source::{DecodeIssue, LineIndex};
use crate::SyntaxKind::{self, *};

pub(crate) use grammar::{expression_root, file_root};

/// Deepest nesting of blocks and expressions we accept. Upstream has no limit
/// (Go stacks grow), but no real configuration comes near this, and refusing
/// it keeps every consumer of the tree safe from stack exhaustion.
pub const MAX_DEPTH: u32 = 256;
/// Longest chain of binary operators or postfix accesses in one expression;
/// each link nests the tree one level deeper.
pub(crate) const MAX_CHAIN: u32 = 1024;
/// Most errors kept for one file. Upstream keeps and prints every one (29
/// million lines for 50 MB of random bytes); past this many the rest are
/// only counted, so memory and output stay bounded by the input's size.
/// The kept ones are upstream's first ones, in its order.
pub const MAX_ERRORS: usize = 100;

pub(crate) struct Parser<'t> {
    text: &'t str,
    scanner: Scanner<'t>,
    current: SigToken,
    sink: Sink<'t>,
    errors: Vec<SyntaxError>,
    /// Errors past [`MAX_ERRORS`], counted and dropped.
    dropped: usize,
    /// Built on the first error: only the same-line filter needs lines.
    lines: Option<LineIndex>,
    last_error_line: u32,
    depth: u32,
    gave_up: bool,
}

/// A node being built; nodes are completed innermost first.
pub(crate) struct Marker {
    offset: u32,
}

#[derive(Clone, Copy)]
pub(crate) struct CompletedMarker {
    /// Where the node sits among its parent's children.
    child: usize,
    /// Offset of the node's first token, where upstream's `StartPos` is.
    pub offset: u32,
}

impl<'t> Parser<'t> {
    pub(crate) fn new(text: &'t str, issues: &'t [(u32, DecodeIssue)]) -> Parser<'t> {
        Self::with_sink(text, issues, Sink::new(text))
    }

    pub(crate) fn with_sink(
        text: &'t str,
        issues: &'t [(u32, DecodeIssue)],
        sink: Sink<'t>,
    ) -> Parser<'t> {
        let mut errors = Vec::new();
        let mut scanner = Scanner::new(text, issues);
        let current = scanner.next(&mut errors);
        Parser {
            text,
            scanner,
            current,
            sink,
            errors,
            dropped: 0,
            lines: None,
            last_error_line: 0,
            depth: 0,
            gave_up: false,
        }
    }

    /// The finished tree and errors. Tokens after the root's end (only after
    /// a single expression) are kept in the root, unscanned.
    pub(crate) fn finish(mut self) -> (GreenNode, Vec<SyntaxError>, usize) {
        self.cap_errors();
        (self.sink.finish(), self.errors, self.dropped)
    }

    /// Keeps the first [`MAX_ERRORS`] errors and counts the rest. Called
    /// after every push: the scanner adds at most a few per token.
    fn cap_errors(&mut self) {
        if self.errors.len() > MAX_ERRORS {
            self.dropped += self.errors.len() - MAX_ERRORS;
            self.errors.truncate(MAX_ERRORS);
        }
    }

    pub(crate) fn current(&self) -> SyntaxKind {
        self.current.kind
    }

    pub(crate) fn at(&self, kind: SyntaxKind) -> bool {
        self.current.kind == kind
    }

    pub(crate) fn offset(&self) -> u32 {
        self.current.offset
    }

    /// Text of the current token (empty for terminators and EOF).
    pub(crate) fn current_text(&self) -> &'t str {
        match self.current.raw {
            Some(raw) => &self.text[raw.start as usize..raw.end as usize],
            None => "",
        }
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

    fn flush_trivia(&mut self) {
        for token in self.scanner.pending.drain(..) {
            self.sink.token(token);
        }
    }

    /// Consumes the current token, whatever it is (upstream's `next`). At the
    /// end of input this does nothing, as upstream keeps returning EOF.
    pub(crate) fn bump(&mut self) {
        if self.current.kind == EOF {
            return;
        }
        if let Some(raw) = self.current.raw {
            self.flush_trivia();
            self.sink.token(raw);
        }
        self.current = self.scanner.next(&mut self.errors);
        self.cap_errors();
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
        self.cap_errors();
    }

    /// An error upstream adds directly, without the same-line filter.
    pub(crate) fn push_error(&mut self, error: SyntaxError) {
        self.errors.push(error);
        self.cap_errors();
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
        if self.current.raw.is_none() {
            self.bump();
            return;
        }
        let m = self.start();
        self.bump();
        m.complete(self, ERROR);
    }

    /// Skips tokens while `keep_going` says so, wrapping them in an ERROR
    /// node; stops at the end of input.
    /// The node opens at the first real token skipped, so trivia and
    /// terminators before it stay outside.
    pub(crate) fn skip_while(&mut self, mut keep_going: impl FnMut(SyntaxKind) -> bool) {
        let mut node: Option<Marker> = None;
        while !self.at(EOF) && keep_going(self.current()) {
            if node.is_none() && self.current.raw.is_some() {
                node = Some(self.start());
            }
            self.bump();
        }
        if let Some(m) = node {
            m.complete(self, ERROR);
        }
    }

    pub(crate) fn start(&mut self) -> Marker {
        if self.sink.is_open() {
            // Trivia before a node stays outside it.
            self.flush_trivia();
        }
        self.sink.open();
        Marker {
            offset: self.offset(),
        }
    }

    /// Completes the root, which also takes any trivia left and, after a
    /// single expression, whatever text follows it.
    pub(crate) fn complete_root(&mut self, m: Marker) {
        self.flush_trivia();
        if let Some(raw) = self.current.raw.take() {
            self.sink.token(raw);
        }
        for token in self.scanner.rest() {
            self.sink.token(token);
        }
        m.complete(self, ROOT);
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
        let child = p.sink.close(kind);
        CompletedMarker {
            child,
            offset: self.offset,
        }
    }
}

impl CompletedMarker {
    /// Starts a new node that will wrap this completed one.
    pub(crate) fn precede(self, p: &mut Parser<'_>) -> Marker {
        p.sink.open_at(self.child);
        Marker {
            offset: self.offset,
        }
    }
}
