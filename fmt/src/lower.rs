//! Lowers the syntax crate's green tree into the walker's tree.
//!
//! The green tree is read directly (no red nodes) because formatting must be
//! fast and needs a full ordered pass anyway: the same pass collects
//! comments into upstream's comment groups and records line starts.
//! Offsets are relative to the lowered node, which is the whole file for
//! `format_source`; upstream's layout only compares line numbers and
//! offsets with each other, so a node-relative origin changes nothing.

mod fast;

use std::borrow::Cow;

use alloy_syntax::AlloyLanguage;
use alloy_syntax::SyntaxKind::{self, *};
use rowan::{GreenNodeData, GreenTokenData, Language, NodeOrToken};

use crate::tree::{
    Block, Comment, Comments, Expr, ExprId, Field, Ident, Lines, List, LiteralKind, Pos, Stmt, Tree,
};

/// The tree does not have the shape of an error-free parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed {
    /// Offset (relative to the lowered node) of the offending element.
    pub offset: usize,
    pub kind: SyntaxKind,
}

type Result<T> = std::result::Result<T, Malformed>;

/// What was lowered: the root's handle in `tree`, with the comments and line
/// table of the same text.
pub(crate) struct Lowered<'g, T> {
    pub value: T,
    pub tree: Tree<'g>,
    pub comments: Comments<'g>,
    pub lines: Lines,
    /// Length of the lowered text in bytes.
    pub len: usize,
}

/// Lowers a file (a `ROOT` node) into its statements. Text is borrowed
/// from `src`, the node's own text, not from the tree, so that the tree can
/// be dropped before printing (it is most of the formatter's peak memory).
pub(crate) fn lower_file<'s>(root: &GreenNodeData, src: &'s str) -> Result<Lowered<'s, List>> {
    let mut l = Lowerer::new(root, src);
    let stmts = l.body(root, 0, None)?;
    Ok(l.finish(stmts, root))
}

/// Parses and lowers a whole file in one pass, without ever holding its
/// syntax tree: each top-level statement is lowered as soon as the parser
/// completes it, then dropped. Peak memory is the input plus the lowered
/// form, which matters for multi-megabyte files (and is how we stay under
/// upstream's memory use).
///
/// Returns the syntax errors when there are any, as [`lower_file`]'s caller
/// would see them from a full parse.
pub(crate) fn parse_and_lower_file(
    src: &str,
) -> std::result::Result<Lowered<'_, List>, crate::FormatError> {
    if let Ok(lowered) = fast::parse_and_lower(src) {
        return Ok(lowered);
    }
    parse_and_lower_via_tree(src)
}

/// [`parse_and_lower_file`] through the syntax crate's parser, for input
/// the fast route declines (syntax errors among others).
pub(crate) fn parse_and_lower_via_tree(
    src: &str,
) -> std::result::Result<Lowered<'_, List>, crate::FormatError> {
    let mut l = Lowerer::new_for_len(src.len(), src);
    let mut offset = 0usize;
    let mut failure: Option<Malformed> = None;
    let mark = l.scratch_stmts.len();
    let errors = alloy_syntax::parse_file_streaming(src.as_bytes(), &mut |element| {
        let start = offset;
        offset += match &element {
            NodeOrToken::Node(n) => u32::from(n.text_len()) as usize,
            NodeOrToken::Token(t) => t.text().len(),
        };
        if failure.is_some() {
            return;
        }
        let result = match &element {
            NodeOrToken::Node(n) => l.root_node(n, start),
            NodeOrToken::Token(t) => {
                let text = src.get(start..start + t.text().len()).unwrap_or_default();
                l.root_token(kind_of_token(t), text, start)
            }
        };
        if let Err(m) = result {
            failure = Some(m);
        }
    });
    if !errors.is_empty() {
        return Err(crate::FormatError::Syntax(errors));
    }
    if let Some(m) = failure {
        return Err(m.into());
    }
    let stmts = l.scratch_stmts.drain(mark..);
    let list = l.tree.push_stmts(stmts);
    Ok(l.finish_with_len(list, src.len()))
}

/// Lowers a single statement node (`ATTRIBUTE` or `BLOCK`).
pub(crate) fn lower_stmt<'s>(node: &GreenNodeData, src: &'s str) -> Result<Lowered<'s, Stmt<'s>>> {
    let mut l = Lowerer::new(node, src);
    let stmt = l.stmt(node, 0)?;
    Ok(l.finish(stmt, node))
}

/// Lowers a single expression node.
pub(crate) fn lower_expr<'s>(node: &GreenNodeData, src: &'s str) -> Result<Lowered<'s, ExprId>> {
    let mut l = Lowerer::new(node, src);
    let expr = l.expr(node, 0)?;
    Ok(l.finish(expr, node))
}

pub(crate) fn kind_of_node(node: &GreenNodeData) -> SyntaxKind {
    AlloyLanguage::kind_from_raw(node.kind())
}

fn kind_of_token(token: &GreenTokenData) -> SyntaxKind {
    AlloyLanguage::kind_from_raw(token.kind())
}

pub(crate) fn is_expr_kind(kind: SyntaxKind) -> bool {
    use alloy_syntax::ast::{AstNode, Expr};
    Expr::can_cast(kind)
}

/// A direct child with its absolute (node-relative) start offset.
enum Child<'n, 'g> {
    Token(SyntaxKind, &'g str, usize),
    Node(SyntaxKind, &'n GreenNodeData, usize),
}

/// A direct child as the lowering handlers see it: trivia is already
/// recorded, tokens come with their position.
enum Part<'n, 'g> {
    Token {
        kind: SyntaxKind,
        text: &'g str,
        pos: Pos,
    },
    Node(SyntaxKind, &'n GreenNodeData, usize),
}

/// A key token: its kind, text and position.
type Key<'g> = (SyntaxKind, &'g str, Pos);

fn malformed(offset: usize, kind: SyntaxKind) -> Malformed {
    Malformed { offset, kind }
}

/// `src` is the lowered root's text: a token's text is the slice of it at
/// the token's offset.
fn children<'n, 'g>(
    node: &'n GreenNodeData,
    offset: usize,
    src: &'g str,
) -> impl Iterator<Item = Child<'n, 'g>> {
    let mut at = offset;
    node.children().map(move |child| {
        let start = at;
        match child {
            NodeOrToken::Node(n) => {
                at += u32::from(n.text_len()) as usize;
                Child::Node(kind_of_node(n), n, start)
            }
            NodeOrToken::Token(t) => {
                at += t.text().len();
                let text = src.get(start..at).unwrap_or_default();
                Child::Token(kind_of_token(t), text, start)
            }
        }
    })
}

struct Lowerer<'g> {
    src: &'g str,
    tree: Tree<'g>,
    /// Children collected for the lists of the nodes being lowered; each
    /// node takes the entries above the mark it set when it started.
    scratch_exprs: Vec<ExprId>,
    scratch_fields: Vec<Field<'g>>,
    scratch_stmts: Vec<Stmt<'g>>,
    newlines: Vec<usize>,
    comments: Comments<'g>,
    /// The previous non-trivia element was a comment: a following comment
    /// may join its group.
    group_open: bool,
    /// Last source line of the previous comment, for grouping.
    group_end_line: usize,
}

impl<'g> Lowerer<'g> {
    fn new(node: &GreenNodeData, src: &'g str) -> Self {
        Self::new_for_len(u32::from(node.text_len()) as usize, src)
    }

    fn new_for_len(len: usize, src: &'g str) -> Self {
        Lowerer {
            src,
            tree: Tree::with_capacity(len),
            scratch_exprs: Vec::new(),
            scratch_fields: Vec::new(),
            scratch_stmts: Vec::new(),
            newlines: Vec::with_capacity(len / 24 + 4),
            comments: Comments::default(),
            group_open: false,
            group_end_line: 0,
        }
    }

    fn finish<T>(self, value: T, node: &GreenNodeData) -> Lowered<'g, T> {
        self.finish_with_len(value, u32::from(node.text_len()) as usize)
    }

    fn finish_with_len<T>(self, value: T, len: usize) -> Lowered<'g, T> {
        Lowered {
            value,
            tree: self.tree,
            comments: self.comments,
            lines: Lines::from_newlines(self.newlines),
            len,
        }
    }

    /// A root-level token of a streamed file: only trivia may stand there.
    fn root_token(&mut self, kind: SyntaxKind, text: &'g str, start: usize) -> Result<()> {
        match self.token(kind, text, start) {
            None => Ok(()),
            Some(_) => Err(malformed(start, kind)),
        }
    }

    /// A root-level node of a streamed file: a statement.
    fn root_node(&mut self, node: &GreenNodeData, start: usize) -> Result<()> {
        match kind_of_node(node) {
            ATTRIBUTE | BLOCK => {
                let stmt = self.stmt(node, start)?;
                self.scratch_stmts.push(stmt);
                Ok(())
            }
            kind => Err(malformed(start, kind)),
        }
    }

    fn record_newlines(&mut self, text: &str, start: usize) {
        self.newlines.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| start + i),
        );
    }

    /// The position of a token starting at `offset`, valid while the
    /// token's own line breaks are not yet recorded (tokens are visited in
    /// order, so every earlier `\n` is).
    fn pos(&self, offset: usize) -> Pos {
        Pos {
            offset: offset as u32,
            line: self.newlines.len() as u32 + 1,
        }
    }

    /// Records trivia (line breaks, comments). Returns the position of
    /// tokens that are not trivia, which the caller must handle.
    fn token(&mut self, kind: SyntaxKind, text: &'g str, start: usize) -> Option<Pos> {
        match kind {
            WHITESPACE | BOM => None,
            NEWLINE => {
                // The lexer's newline token is one `\n` and the indentation
                // after it.
                match text.as_bytes().split_first() {
                    Some((b'\n', rest)) if !rest.contains(&b'\n') => self.newlines.push(start),
                    _ => self.record_newlines(text, start),
                }
                None
            }
            COMMENT => {
                self.comment(text, start);
                None
            }
            _ => Some(self.significant(kind, text, start)),
        }
    }

    /// Records a token that is not trivia and returns its position.
    #[inline]
    fn significant(&mut self, kind: SyntaxKind, text: &str, start: usize) -> Pos {
        let pos = self.pos(start);
        if kind == STRING && text.as_bytes().contains(&b'\n') {
            self.record_newlines(text, start);
        }
        self.group_open = false;
        pos
    }

    /// Adds a comment, grouping it like upstream's parser: consecutive
    /// comments belong together while each starts at most one line after
    /// the previous one ended.
    fn comment(&mut self, raw: &'g str, start: usize) {
        let text = alloy_syntax::ast::comment_text(raw);
        let pos = self.pos(start);
        let line = pos.line as usize;
        let is_block = text.as_bytes().get(1) == Some(&b'*');
        let end_line = if is_block {
            line + text.bytes().filter(|&b| b == b'\n').count()
        } else {
            line
        };
        let index = self.comments.list.len();
        let joins = self.group_open && line <= self.group_end_line + 1;
        match self.comments.groups.last_mut() {
            Some(group) if joins => group.end = index + 1,
            _ => self.comments.groups.push(index..index + 1),
        }
        self.comments.list.push(Comment {
            pos,
            text: match text {
                Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
                Cow::Owned(s) => Cow::Owned(s.into_bytes()),
            },
        });
        self.record_newlines(raw, start);
        self.group_open = true;
        self.group_end_line = end_line;
    }

    /// Visits the direct children of `node` in order. Trivia is recorded
    /// on the way; every other token and every node goes to `visit`.
    fn each_part<'n>(
        &mut self,
        node: &'n GreenNodeData,
        offset: usize,
        mut visit: impl FnMut(&mut Self, Part<'n, 'g>) -> Result<()>,
    ) -> Result<()> {
        let src = self.src;
        for child in children(node, offset, src) {
            match child {
                Child::Token(kind, text, start) => {
                    if let Some(pos) = self.token(kind, text, start) {
                        visit(self, Part::Token { kind, text, pos })?;
                    }
                }
                Child::Node(kind, n, start) => visit(self, Part::Node(kind, n, start))?,
            }
        }
        Ok(())
    }

    /// Statements of a file root or block body. For a block, the header and
    /// braces are collected into `header`.
    fn body(
        &mut self,
        node: &GreenNodeData,
        offset: usize,
        mut header: Option<&mut BlockHeader<'g>>,
    ) -> Result<List> {
        let mark = self.scratch_stmts.len();
        self.each_part(node, offset, |l, part| match part {
            Part::Token { kind, text, pos } => match header.as_deref_mut() {
                Some(h) => h.token(kind, text, pos),
                None => Err(malformed(pos.offset as usize, kind)),
            },
            Part::Node(ATTRIBUTE | BLOCK, n, start) => {
                let stmt = l.stmt(n, start)?;
                l.scratch_stmts.push(stmt);
                Ok(())
            }
            Part::Node(kind, _, start) => Err(malformed(start, kind)),
        })?;
        let stmts = self.scratch_stmts.drain(mark..);
        Ok(self.tree.push_stmts(stmts))
    }

    fn stmt(&mut self, node: &GreenNodeData, offset: usize) -> Result<Stmt<'g>> {
        match kind_of_node(node) {
            ATTRIBUTE => self.attribute(node, offset),
            BLOCK => self.block(node, offset).map(Stmt::Block),
            kind => Err(malformed(offset, kind)),
        }
    }

    fn attribute(&mut self, node: &GreenNodeData, offset: usize) -> Result<Stmt<'g>> {
        match self.assignment(node, offset, &[IDENT])? {
            (Some((_, text, pos)), Some(value)) => Ok(Stmt::Attribute {
                name: ident(text, pos),
                value,
            }),
            _ => Err(malformed(offset, ATTRIBUTE)),
        }
    }

    /// The shape shared by attributes and object fields: a key token of one
    /// of `key_kinds`, `=`, and one expression.
    fn assignment(
        &mut self,
        node: &GreenNodeData,
        offset: usize,
        key_kinds: &[SyntaxKind],
    ) -> Result<(Option<Key<'g>>, Option<ExprId>)> {
        let mut key = None;
        let mut value = None;
        self.each_part(node, offset, |l, part| {
            match part {
                Part::Token { kind, text, pos } if key.is_none() && key_kinds.contains(&kind) => {
                    key = Some((kind, text, pos));
                }
                Part::Token { kind: ASSIGN, .. } => {}
                Part::Token { kind, pos, .. } => return Err(malformed(pos.offset as usize, kind)),
                Part::Node(kind, n, start) if is_expr_kind(kind) && value.is_none() => {
                    value = Some(l.expr(n, start)?);
                }
                Part::Node(kind, _, start) => return Err(malformed(start, kind)),
            }
            Ok(())
        })?;
        Ok((key, value))
    }

    fn block(&mut self, node: &GreenNodeData, offset: usize) -> Result<Block<'g>> {
        let mut header = BlockHeader::default();
        let body = self.body(node, offset, Some(&mut header))?;
        let (Some(name), Some(lcurly), Some(rcurly)) = (header.name, header.lcurly, header.rcurly)
        else {
            return Err(malformed(offset, BLOCK));
        };
        Ok(Block {
            name,
            label: header.label,
            lcurly,
            rcurly,
            body,
        })
    }

    fn expr(&mut self, node: &GreenNodeData, offset: usize) -> Result<ExprId> {
        let kind = kind_of_node(node);
        let expr_mark = self.scratch_exprs.len();
        let field_mark = self.scratch_fields.len();
        let mut parts = Parts::default();
        self.each_part(node, offset, |l, part| {
            match part {
                Part::Token { kind, text, pos } => parts.token(kind, text, pos),
                Part::Node(ARG_LIST, n, start) if kind == CALL_EXPR => {
                    parts.args = Some(l.arg_list(n, start)?);
                }
                Part::Node(OBJECT_FIELD, n, start) if kind == OBJECT_EXPR => {
                    let field = l.field(n, start)?;
                    l.scratch_fields.push(field);
                }
                Part::Node(child_kind, n, start) if is_expr_kind(child_kind) => {
                    let id = l.expr(n, start)?;
                    l.scratch_exprs.push(id);
                }
                Part::Node(child_kind, _, start) => return Err(malformed(start, child_kind)),
            }
            Ok(())
        })?;
        let expr = self
            .build(kind, parts, expr_mark, field_mark)
            .ok_or(malformed(offset, kind))?;
        Ok(self.tree.push_expr(expr))
    }

    /// Assembles an expression from its tokens and the child expressions
    /// (or fields) above the given scratch marks, consuming those.
    fn build(
        &mut self,
        kind: SyntaxKind,
        parts: Parts<'g>,
        expr_mark: usize,
        field_mark: usize,
    ) -> Option<Expr<'g>> {
        let child_count = self.scratch_exprs.len() - expr_mark;
        let child = |l: &Self, i: usize| -> Option<ExprId> {
            (i < child_count).then(|| l.scratch_exprs[expr_mark + i])
        };
        let expected_children = match kind {
            LITERAL | IDENT_EXPR | OBJECT_EXPR => 0,
            ACCESS_EXPR | CALL_EXPR | UNARY_EXPR | PAREN_EXPR => 1,
            INDEX_EXPR | BINARY_EXPR => 2,
            _ => child_count,
        };
        if child_count != expected_children {
            return None;
        }
        let expr = match kind {
            LITERAL => {
                let (token_kind, text, pos) = parts.first?;
                literal_expr(&self.newlines, token_kind, text, pos)?
            }
            IDENT_EXPR => {
                let (text, pos) = parts.ident?;
                Expr::Ident(ident(text, pos))
            }
            ACCESS_EXPR => {
                let (text, pos) = parts.ident?;
                Expr::Access {
                    value: child(self, 0)?,
                    name: ident(text, pos),
                }
            }
            INDEX_EXPR => Expr::Index {
                value: child(self, 0)?,
                index: child(self, 1)?,
                lbrack: parts.open?,
                rbrack: parts.close?,
            },
            CALL_EXPR => {
                let args = parts.args?;
                Expr::Call {
                    callee: child(self, 0)?,
                    args: args.args,
                    lparen: args.lparen,
                    rparen: args.rparen,
                }
            }
            UNARY_EXPR => {
                let (op_kind, _, op_pos) = parts.first?;
                Expr::Unary {
                    op: op_kind.upstream_name(),
                    op_pos,
                    value: child(self, 0)?,
                }
            }
            BINARY_EXPR => {
                let (op_kind, op_pos) = parts.binary_op?;
                Expr::Binary {
                    op: op_kind.upstream_name(),
                    op_pos,
                    left: child(self, 0)?,
                    right: child(self, 1)?,
                }
            }
            PAREN_EXPR => Expr::Paren {
                inner: child(self, 0)?,
                lparen: parts.open?,
                rparen: parts.close?,
            },
            ARRAY_EXPR => {
                let (lbrack, rbrack) = (parts.open?, parts.close?);
                let ids = self.scratch_exprs.drain(expr_mark..);
                Expr::Array {
                    elements: self.tree.push_expr_list(ids),
                    lbrack,
                    rbrack,
                }
            }
            OBJECT_EXPR => {
                let (lcurly, rcurly) = (parts.open?, parts.close?);
                let fields = self.scratch_fields.drain(field_mark..);
                Expr::Object {
                    fields: self.tree.push_fields(fields),
                    lcurly,
                    rcurly,
                }
            }
            _ => return None,
        };
        self.scratch_exprs.truncate(expr_mark);
        self.scratch_fields.truncate(field_mark);
        Some(expr)
    }

    fn arg_list(&mut self, node: &GreenNodeData, offset: usize) -> Result<ArgList> {
        let mut lparen = None;
        let mut rparen = None;
        let mark = self.scratch_exprs.len();
        self.each_part(node, offset, |l, part| {
            match part {
                Part::Token {
                    kind: L_PAREN, pos, ..
                } => lparen = Some(pos),
                Part::Token {
                    kind: R_PAREN, pos, ..
                } => rparen = Some(pos),
                Part::Token { kind: COMMA, .. } => {}
                Part::Token { kind, pos, .. } => return Err(malformed(pos.offset as usize, kind)),
                Part::Node(kind, n, start) if is_expr_kind(kind) => {
                    let id = l.expr(n, start)?;
                    l.scratch_exprs.push(id);
                }
                Part::Node(kind, _, start) => return Err(malformed(start, kind)),
            }
            Ok(())
        })?;
        let ids = self.scratch_exprs.drain(mark..);
        let args = self.tree.push_expr_list(ids);
        match (lparen, rparen) {
            (Some(lparen), Some(rparen)) => Ok(ArgList {
                lparen,
                rparen,
                args,
            }),
            _ => Err(malformed(offset, ARG_LIST)),
        }
    }

    fn field(&mut self, node: &GreenNodeData, offset: usize) -> Result<Field<'g>> {
        let (Some((kind, text, pos)), Some(value)) =
            self.assignment(node, offset, &[IDENT, STRING])?
        else {
            return Err(malformed(offset, OBJECT_FIELD));
        };
        Ok(field_parts(&self.newlines, kind, text, pos, value))
    }
}

/// The literal expression for a token; `newlines` holds the offsets of the
/// line breaks recorded so far, the token's own included.
fn literal_expr<'s>(
    newlines: &[usize],
    token_kind: SyntaxKind,
    text: &'s str,
    pos: Pos,
) -> Option<Expr<'s>> {
    let kind = match token_kind {
        NUMBER => LiteralKind::Number,
        FLOAT => LiteralKind::Float,
        STRING => LiteralKind::String,
        BOOL => LiteralKind::Bool,
        NULL => LiteralKind::Null,
        _ => return None,
    };
    // Only strings can span lines; their line breaks were recorded when the
    // token was visited.
    let end_offset = (pos.offset as usize + text.len()).saturating_sub(1);
    let end = if kind == LiteralKind::String && text.contains('\n') {
        Pos {
            offset: end_offset as u32,
            line: newlines.partition_point(|&nl| nl < end_offset) as u32 + 1,
        }
    } else {
        pos.last_byte_of(text.len())
    };
    Some(Expr::Literal {
        kind,
        text,
        pos,
        end,
    })
}

/// An object field from its key token and value.
fn field_parts<'s>(
    newlines: &[usize],
    kind: SyntaxKind,
    text: &'s str,
    pos: Pos,
    value: ExprId,
) -> Field<'s> {
    // Upstream keeps the raw text between the delimiters of a quoted key,
    // except for a bare `""`, which it stores as is and treats as unquoted.
    let quoted = kind == STRING && text.len() > 2;
    let inner = text.get(1..text.len().saturating_sub(1));
    let name = match inner {
        Some(inner) if quoted => ident(inner, pos),
        _ => ident(text, pos),
    };
    let name_end_offset = (pos.offset as usize + name.name.len()).saturating_sub(1);
    let name_end = if text.contains('\n') {
        // A raw string key spanning lines: its end is wherever the computed
        // offset falls.
        Pos {
            offset: name_end_offset as u32,
            line: newlines.partition_point(|&nl| nl < name_end_offset) as u32 + 1,
        }
    } else {
        pos.last_byte_of(name.name.len())
    };
    Field {
        name,
        name_end,
        quoted,
        source_text: text,
        value,
    }
}

fn ident(text: &str, pos: Pos) -> Ident<'_> {
    Ident {
        name: Cow::Borrowed(text),
        pos,
    }
}

/// Name, label and braces of a block, gathered while reading its children.
#[derive(Default)]
struct BlockHeader<'g> {
    name: Option<Ident<'g>>,
    label: Option<Ident<'g>>,
    lcurly: Option<Pos>,
    rcurly: Option<Pos>,
}

impl<'g> BlockHeader<'g> {
    fn token(&mut self, kind: SyntaxKind, text: &'g str, pos: Pos) -> Result<()> {
        let in_header = self.lcurly.is_none();
        match kind {
            IDENT if in_header && self.label.is_none() => match &mut self.name {
                // Upstream joins the fragments and prints them as one
                // identifier at the position of the first.
                Some(name) => {
                    let joined = name.name.to_mut();
                    joined.push('.');
                    joined.push_str(text);
                }
                None => self.name = Some(ident(text, pos)),
            },
            DOT if in_header && self.label.is_none() => {}
            STRING if in_header && self.label.is_none() && text.len() >= 2 => {
                self.label = Some(ident(&text[1..text.len() - 1], pos));
            }
            L_CURLY if in_header => self.lcurly = Some(pos),
            R_CURLY if !in_header && self.rcurly.is_none() => self.rcurly = Some(pos),
            _ => return Err(malformed(pos.offset as usize, kind)),
        }
        Ok(())
    }
}

struct ArgList {
    lparen: Pos,
    rparen: Pos,
    args: List,
}

/// The significant tokens of an expression node that matter for lowering.
#[derive(Default)]
struct Parts<'g> {
    /// The node's first token.
    first: Option<(SyntaxKind, &'g str, Pos)>,
    ident: Option<(&'g str, Pos)>,
    binary_op: Option<(SyntaxKind, Pos)>,
    /// The opening and closing bracket, brace or parenthesis.
    open: Option<Pos>,
    close: Option<Pos>,
    args: Option<ArgList>,
}

impl<'g> Parts<'g> {
    fn token(&mut self, kind: SyntaxKind, text: &'g str, pos: Pos) {
        if self.first.is_none() {
            self.first = Some((kind, text, pos));
        }
        match kind {
            IDENT => self.ident = Some((text, pos)),
            L_BRACK | L_PAREN | L_CURLY if self.open.is_none() => self.open = Some(pos),
            R_BRACK | R_PAREN | R_CURLY => self.close = Some(pos),
            _ if kind.binary_precedence() > 0 && self.binary_op.is_none() => {
                self.binary_op = Some((kind, pos))
            }
            _ => {}
        }
    }
}
