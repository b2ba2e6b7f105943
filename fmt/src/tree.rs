//! The formatter's own view of a parsed file: upstream's Go AST shape, with
//! byte offsets instead of rowan ranges.
//!
//! The walker is a line-by-line port of upstream's, and upstream's decisions
//! hinge on details of its AST (which tokens carry a position, that a quoted
//! key's end is computed from its *unquoted* length, that a block name is one
//! joined identifier). Lowering the rowan tree into this shape once keeps
//! those details in one place and lets the walker read like the original.
//!
//! All text is borrowed from the syntax tree; offsets are byte offsets into
//! the formatted node's text.

use std::borrow::Cow;
use std::ops::Range;

/// A source position: byte offset and 1-based line (lines end only at
/// `\n`, as upstream counts them).
///
/// Lines are recorded while lowering, where they are known for free, because
/// the walker and printer consult them for nearly every token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub offset: u32,
    pub line: u32,
}

impl Pos {
    /// The position `len - 1` bytes further on the same line: upstream's
    /// inclusive end of a single-line token of `len` bytes.
    pub fn last_byte_of(self, len: usize) -> Pos {
        Pos {
            offset: (self.offset as usize + len).saturating_sub(1) as u32,
            line: self.line,
        }
    }
}

/// An identifier (or anything printed like one) and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Ident<'s> {
    pub name: Cow<'s, str>,
    pub pos: Pos,
}

impl Ident<'_> {
    /// Upstream's `EndPos`: the last byte (inclusive). Identifiers never
    /// span lines.
    pub fn end(&self) -> Pos {
        self.pos.last_byte_of(self.name.len())
    }
}

/// Kind of a literal, as far as the printer cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LiteralKind {
    Number,
    Float,
    String,
    Bool,
    Null,
}

/// Index of an expression in [`Tree::exprs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExprId(u32);

/// A run of entries in one of the tree's list vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct List {
    start: u32,
    end: u32,
}

impl List {
    fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Expr<'s> {
    Literal {
        kind: LiteralKind,
        text: &'s str,
        pos: Pos,
        /// Last byte; a raw string may end on a later line.
        end: Pos,
    },
    Ident(Ident<'s>),
    Access {
        value: ExprId,
        name: Ident<'s>,
    },
    Index {
        value: ExprId,
        index: ExprId,
        lbrack: Pos,
        rbrack: Pos,
    },
    Call {
        callee: ExprId,
        /// Into [`Tree::expr_lists`].
        args: List,
        lparen: Pos,
        rparen: Pos,
    },
    Unary {
        op: &'static str,
        op_pos: Pos,
        value: ExprId,
    },
    Binary {
        op: &'static str,
        op_pos: Pos,
        left: ExprId,
        right: ExprId,
    },
    Paren {
        inner: ExprId,
        lparen: Pos,
        rparen: Pos,
    },
    Array {
        /// Into [`Tree::expr_lists`].
        elements: List,
        lbrack: Pos,
        rbrack: Pos,
    },
    Object {
        /// Into [`Tree::fields`].
        fields: List,
        lcurly: Pos,
        rcurly: Pos,
    },
}

/// An object field.
#[derive(Debug, Clone)]
pub(crate) struct Field<'s> {
    /// As upstream stores it: for a quoted key longer than its two quotes,
    /// the raw text between the delimiters (no unescaping); otherwise the
    /// token text itself. Its length drives upstream's end position.
    pub name: Ident<'s>,
    pub quoted: bool,
    /// Upstream's end of the key: computed from the length of `name`, so
    /// for a quoted key it falls two bytes short of the closing quote.
    pub name_end: Pos,
    /// The key exactly as written in the source.
    pub source_text: &'s str,
    pub value: ExprId,
}

#[derive(Debug, Clone)]
pub(crate) enum Stmt<'s> {
    Attribute { name: Ident<'s>, value: ExprId },
    Block(Block<'s>),
}

#[derive(Debug, Clone)]
pub(crate) struct Block<'s> {
    /// The dotted name, fragments joined with `.` and positioned at the
    /// first fragment, as upstream prints it.
    pub name: Ident<'s>,
    /// The label's text between its quotes, when there is a label token.
    pub label: Option<Ident<'s>>,
    pub lcurly: Pos,
    pub rcurly: Pos,
    /// Into [`Tree::stmts`].
    pub body: List,
}

/// All nodes of a lowered tree, in flat vectors: one allocation per kind of
/// node instead of one per node, which matters at formatting speed.
/// Children are stored before their parents; lists are contiguous runs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tree<'s> {
    exprs: Vec<Expr<'s>>,
    expr_lists: Vec<ExprId>,
    fields: Vec<Field<'s>>,
    stmts: Vec<Stmt<'s>>,
}

impl<'s> Tree<'s> {
    /// A tree with room for what a text of `len` bytes typically holds, so
    /// that lowering rarely reallocates.
    pub fn with_capacity(len: usize) -> Self {
        Tree {
            exprs: Vec::with_capacity(len / 12 + 4),
            expr_lists: Vec::with_capacity(len / 48 + 4),
            fields: Vec::with_capacity(len / 48 + 4),
            stmts: Vec::with_capacity(len / 32 + 4),
        }
    }

    pub fn expr(&self, id: ExprId) -> &Expr<'s> {
        &self.exprs[id.0 as usize]
    }

    pub fn expr_list(&self, list: List) -> &[ExprId] {
        &self.expr_lists[list.range()]
    }

    pub fn fields(&self, list: List) -> &[Field<'s>] {
        &self.fields[list.range()]
    }

    pub fn stmts(&self, list: List) -> &[Stmt<'s>] {
        &self.stmts[list.range()]
    }

    pub fn push_expr(&mut self, expr: Expr<'s>) -> ExprId {
        self.exprs.push(expr);
        ExprId((self.exprs.len() - 1) as u32)
    }

    pub fn push_expr_list(&mut self, ids: impl IntoIterator<Item = ExprId>) -> List {
        let start = self.expr_lists.len() as u32;
        self.expr_lists.extend(ids);
        List {
            start,
            end: self.expr_lists.len() as u32,
        }
    }

    pub fn push_fields(&mut self, fields: impl IntoIterator<Item = Field<'s>>) -> List {
        let start = self.fields.len() as u32;
        self.fields.extend(fields);
        List {
            start,
            end: self.fields.len() as u32,
        }
    }

    pub fn push_stmts(&mut self, stmts: impl IntoIterator<Item = Stmt<'s>>) -> List {
        let start = self.stmts.len() as u32;
        self.stmts.extend(stmts);
        List {
            start,
            end: self.stmts.len() as u32,
        }
    }

    /// Upstream's `StartPos` of an expression.
    pub fn start(&self, id: ExprId) -> Pos {
        let mut id = id;
        loop {
            match self.expr(id) {
                Expr::Literal { pos, .. } => return *pos,
                Expr::Ident(ident) => return ident.pos,
                Expr::Access { value, .. } | Expr::Index { value, .. } => id = *value,
                Expr::Call { callee, .. } => id = *callee,
                Expr::Unary { op_pos, .. } => return *op_pos,
                Expr::Binary { left, .. } => id = *left,
                Expr::Paren { lparen, .. } => return *lparen,
                Expr::Array { lbrack, .. } => return *lbrack,
                Expr::Object { lcurly, .. } => return *lcurly,
            }
        }
    }

    /// Upstream's `EndPos` (inclusive) of an expression.
    pub fn end(&self, id: ExprId) -> Pos {
        let mut id = id;
        loop {
            match self.expr(id) {
                Expr::Literal { end, .. } => return *end,
                Expr::Ident(ident) => return ident.end(),
                Expr::Access { name, .. } => return name.end(),
                Expr::Index { rbrack, .. } => return *rbrack,
                Expr::Call { rparen, .. } => return *rparen,
                Expr::Unary { value, .. } => id = *value,
                Expr::Binary { right, .. } => id = *right,
                Expr::Paren { rparen, .. } => return *rparen,
                Expr::Array { rbrack, .. } => return *rbrack,
                Expr::Object { rcurly, .. } => return *rcurly,
            }
        }
    }

    pub fn stmt_start(&self, stmt: &Stmt<'_>) -> Pos {
        match stmt {
            Stmt::Attribute { name, .. } => name.pos,
            Stmt::Block(block) => block.name.pos,
        }
    }

    pub fn stmt_end(&self, stmt: &Stmt<'_>) -> Pos {
        match stmt {
            Stmt::Attribute { value, .. } => self.end(*value),
            Stmt::Block(block) => block.rcurly,
        }
    }
}

/// A comment with upstream's text (carriage returns removed as its scanner
/// removes them).
#[derive(Debug, Clone)]
pub(crate) struct Comment<'s> {
    pub pos: Pos,
    pub text: Cow<'s, [u8]>,
}

impl Comment<'_> {
    /// Upstream's `EndPos`: start plus text length minus one. With carriage
    /// returns stripped this can fall short of the real end, and upstream
    /// lives with that; so do we.
    pub fn end(&self) -> usize {
        (self.pos.offset as usize + self.text.len()).saturating_sub(1)
    }

    pub fn is_block(&self) -> bool {
        self.text.get(1) == Some(&b'*')
    }
}

/// All comments of the input, in source order, partitioned into upstream's
/// comment groups.
#[derive(Debug, Clone, Default)]
pub(crate) struct Comments<'s> {
    pub list: Vec<Comment<'s>>,
    pub groups: Vec<Range<usize>>,
}

/// Maps byte offsets to upstream's 1-based line numbers (lines end only at
/// `\n`). Only needed where an offset is computed rather than taken from a
/// token, which is rare; token positions carry their line.
#[derive(Debug, Clone)]
pub(crate) struct Lines {
    newlines: Vec<usize>,
}

impl Lines {
    /// From the sorted offsets of every `\n`.
    pub fn from_newlines(newlines: Vec<usize>) -> Lines {
        Lines { newlines }
    }

    /// The line of `offset`: one plus the number of `\n` before it.
    pub fn line(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&nl| nl < offset) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_lookup_agrees_with_counting() {
        let text = b"a\nbb\n\nccc\nd";
        let newlines: Vec<usize> = text
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .map(|(i, _)| i)
            .collect();
        let lines = Lines::from_newlines(newlines);
        let expected = |o: usize| 1 + text[..o].iter().filter(|&&b| b == b'\n').count();
        // Forward, backward and random-ish access patterns.
        let order: Vec<usize> = (0..=text.len())
            .chain((0..=text.len()).rev())
            .chain([7, 0, 10, 3, 3, 9, 1])
            .collect();
        for o in order {
            assert_eq!(lines.line(o), expected(o), "offset {o}");
        }
    }
}
