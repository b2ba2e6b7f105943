//! Parses and lowers a file straight from the syntax crate's token stream,
//! without building a syntax tree.
//!
//! Building rowan nodes only to read them back once and drop them was most
//! of the formatter's time. This parser walks the tokens of
//! [`alloy_syntax::tokenize`] with the grammar of the syntax crate's parser
//! (same functions, same nesting limits) and feeds the lowering directly.
//!
//! It only follows the error-free path: on anything the real parser would
//! report, or anything it cannot be sure of, it gives up ([`Bail`]) and the
//! caller formats through the syntax tree instead, which also produces the
//! exact error list. Giving up is always safe; accepting a file the real
//! parser rejects is not, so every check leans towards giving up. The
//! `fast_path_agrees_with_the_parser` tests compare both routes.

use alloy_syntax::unicode::is_valid_identifier;
use alloy_syntax::SyntaxKind::{self, *};
use alloy_syntax::{Token, MAX_DEPTH};

use super::{field_parts, ident, literal_expr, Lowered, Lowerer};
use crate::tree::{Block, Expr, ExprId, List, Pos, Stmt};

/// The fast route cannot vouch for this input; use the syntax tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bail;

type Result<T> = std::result::Result<T, Bail>;

/// Longest operator or postfix chain the parser accepts (its `MAX_CHAIN`),
/// with a margin.
const MAX_CHAIN: u32 = 1000;

/// Deepest nesting accepted, with a margin below the parser's limit.
const MAX_NESTING: u32 = MAX_DEPTH - 4;

/// Bytes tokenized at a time. The token list of a whole multi-megabyte file
/// would be the formatter's largest allocation; a piece this size stays in
/// cache.
const CHUNK: usize = 64 * 1024;

/// Parses and lowers `src`, or bails out.
pub(crate) fn parse_and_lower(src: &str) -> Result<Lowered<'_, List>> {
    parse_and_lower_in_chunks(src, CHUNK)
}

fn parse_and_lower_in_chunks(src: &str, chunk: usize) -> Result<Lowered<'_, List>> {
    let mut p = FastParser {
        tokens: Tokens {
            src,
            chunk: chunk.max(1),
            base: 0,
            end: 0,
            list: Vec::new(),
            next: 0,
        },
        src,
        l: Lowerer::new_for_len(src.len(), src),
        cur: Current::EOF,
        terminator: false,
        depth: 0,
    };
    p.advance(false)?;
    let stmts = p.body(EOF)?;
    if p.peek() != EOF {
        return Err(Bail);
    }
    Ok(p.l.finish_with_len(stmts, src.len()))
}

/// The token stream of `src`, tokenized a piece at a time.
///
/// A piece ends just after a line break. Lexing is left to right, so a
/// piece lexes as the same stretch of the whole file does, provided no
/// token of the whole file crosses the cut. The only tokens that can hold a
/// line break and continue after it are raw strings and block comments, and
/// cutting one of those leaves it unterminated, which the lexer reports:
/// such a piece is retried with a later cut. The line break itself may end
/// up as a shorter newline token, with the indentation as a separate
/// whitespace token, which means the same to the parser.
struct Tokens<'s> {
    src: &'s str,
    chunk: usize,
    /// Offset in `src` of the current piece.
    base: usize,
    /// End of the current piece.
    end: usize,
    list: Vec<Token>,
    next: usize,
}

impl Tokens<'_> {
    /// The next token's kind and range in `src`.
    fn next(&mut self) -> Result<Option<(SyntaxKind, usize, usize)>> {
        if self.next == self.list.len() {
            if self.end == self.src.len() {
                return Ok(None);
            }
            self.refill()?;
        }
        let Some(token) = self.list.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        let start = self.base + u32::from(token.range.start()) as usize;
        let end = self.base + u32::from(token.range.end()) as usize;
        Ok(Some((token.kind, start, end)))
    }

    fn refill(&mut self) -> Result<()> {
        let start = self.end;
        let mut want = self.chunk;
        loop {
            let at = start.saturating_add(want);
            let cut = match self.src.as_bytes().get(at..) {
                Some(rest) => rest
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(self.src.len(), |i| at + i + 1),
                None => self.src.len(),
            };
            let piece = self.src.get(start..cut).ok_or(Bail)?;
            // A byte order mark is only allowed at the very start of the
            // file; at the start of a piece it would pass unnoticed.
            if start > 0 && piece.starts_with('\u{feff}') {
                return Err(Bail);
            }
            let (list, errors) = alloy_syntax::tokenize(piece.as_bytes());
            if errors.is_empty() && tiles(&list, piece.len()) {
                self.list = list;
                self.base = start;
                self.end = cut;
                self.next = 0;
                return Ok(());
            }
            if cut == self.src.len() {
                return Err(Bail);
            }
            want = want.saturating_mul(2);
        }
    }
}

/// The scanner's look-ahead from a comment at `start` in the whole text:
/// whether only comments and blanks follow up to the end of the line (or a
/// block comment spans a line break), which makes the comment end the
/// statement. Steps over characters by their leading byte, as upstream's
/// scanner does.
fn comment_ends_line(bytes: &[u8], start: usize) -> bool {
    let len = bytes.len();
    let step = |pos: usize| -> usize {
        let width = match bytes.get(pos) {
            None => return len,
            Some(&b) if b < 0x80 => 1,
            Some(&b) if b >= 0xF0 => 4,
            Some(&b) if b >= 0xE0 => 3,
            Some(_) => 2,
        };
        (pos + width).min(len)
    };
    // `start` is the comment's `/`; the byte after it says which kind.
    let mut pos = start + 1;
    loop {
        match bytes.get(pos) {
            Some(b'/') => return true,
            Some(b'*') => {}
            _ => return false,
        }
        pos = step(pos);
        // Through the block comment: a line break inside it ends the line.
        while let Some(&ch) = bytes.get(pos) {
            if ch == b'\n' {
                return true;
            }
            pos = step(pos);
            if ch == b'*' && bytes.get(pos) == Some(&b'/') {
                pos = step(pos);
                break;
            }
        }
        while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\r')) {
            pos += 1;
        }
        match bytes.get(pos) {
            None | Some(b'\n') => return true,
            // Possibly another comment: look at it the same way.
            Some(b'/') => pos = step(pos),
            Some(_) => return false,
        }
    }
}

/// Whether the tokens cover exactly `len` bytes, one after the other (they
/// always do; checked so that slicing the text cannot go wrong).
fn tiles(tokens: &[Token], len: usize) -> bool {
    let mut at = 0u32;
    for t in tokens {
        if u32::from(t.range.start()) != at {
            return false;
        }
        at = u32::from(t.range.end());
    }
    at as usize == len
}

/// The significant token the parser looks at.
#[derive(Debug, Clone, Copy)]
struct Current<'s> {
    kind: SyntaxKind,
    text: &'s str,
    pos: Pos,
}

impl Current<'_> {
    const EOF: Current<'static> = Current {
        kind: EOF,
        text: "",
        pos: Pos { offset: 0, line: 0 },
    };
}

struct FastParser<'s> {
    tokens: Tokens<'s>,
    src: &'s str,
    l: Lowerer<'s>,
    cur: Current<'s>,
    /// A statement terminator stands before `cur` (the scanner's
    /// `TERMINATOR` token, which has no text).
    terminator: bool,
    /// The parser's `enter` depth.
    depth: u32,
}

impl<'s> FastParser<'s> {
    fn peek(&self) -> SyntaxKind {
        if self.terminator {
            TERMINATOR
        } else {
            self.cur.kind
        }
    }

    fn at(&self, kind: SyntaxKind) -> bool {
        self.peek() == kind
    }

    fn bump(&mut self) -> Result<()> {
        if self.terminator {
            self.terminator = false;
            return Ok(());
        }
        if self.cur.kind == EOF {
            return Ok(());
        }
        let inserts = matches!(
            self.cur.kind,
            IDENT | BOOL | NULL | NUMBER | FLOAT | STRING | R_PAREN | R_BRACK | R_CURLY
        );
        self.advance(inserts)
    }

    /// Consumes the current token if it is `kind` and returns its position.
    fn expect(&mut self, kind: SyntaxKind) -> Result<Pos> {
        if !self.at(kind) {
            return Err(Bail);
        }
        let pos = self.cur.pos;
        self.bump()?;
        Ok(pos)
    }

    /// Moves to the next significant token, lowering the trivia on the way.
    ///
    /// `inserts` says whether the token just consumed makes the scanner
    /// turn the next line break into a terminator. A comment met first
    /// decides instead: it is a terminator if the line ends with it (see
    /// [`comment_ends_line`]), and otherwise cancels the terminator.
    fn advance(&mut self, inserts: bool) -> Result<()> {
        let mut pending = inserts;
        let mut terminator = false;
        while let Some((kind, start, end)) = self.tokens.next()? {
            if matches!(kind, WHITESPACE | BOM) {
                continue;
            }
            let text = self.src.get(start..end).ok_or(Bail)?;
            match kind {
                NEWLINE if pending => {
                    pending = false;
                    terminator = true;
                }
                COMMENT if pending => {
                    pending = false;
                    terminator = comment_ends_line(self.src.as_bytes(), start);
                }
                NEWLINE | COMMENT => {}
                ILLEGAL => return Err(Bail),
                kind => {
                    let pos = self.l.significant(kind, text, start);
                    self.cur = Current { kind, text, pos };
                    self.terminator = terminator;
                    return Ok(());
                }
            }
            // Trivia: line breaks and comments.
            self.l.token(kind, text, start);
        }
        // The end of input ends a pending statement too.
        self.cur = Current::EOF;
        self.terminator = terminator || pending;
        Ok(())
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Bail);
        }
        Ok(())
    }

    fn exit(&mut self) {
        self.depth -= 1;
    }

    fn body(&mut self, until: SyntaxKind) -> Result<List> {
        let mark = self.l.scratch_stmts.len();
        while !self.at(until) && !self.at(EOF) {
            let stmt = self.statement()?;
            self.l.scratch_stmts.push(stmt);
            if self.at(until) {
                break;
            }
            if !self.at(TERMINATOR) {
                return Err(Bail);
            }
            self.bump()?;
        }
        let stmts = self.l.scratch_stmts.drain(mark..);
        Ok(self.l.tree.push_stmts(stmts))
    }

    fn statement(&mut self) -> Result<Stmt<'s>> {
        if !self.at(IDENT) {
            return Err(Bail);
        }
        let mut name = ident(self.cur.text, self.cur.pos);
        let mut fragments = 1;
        self.bump()?;
        while self.at(DOT) {
            self.bump()?;
            if !self.at(IDENT) {
                return Err(Bail);
            }
            // Upstream joins the fragments and prints them as one
            // identifier at the position of the first.
            let joined = name.name.to_mut();
            joined.push('.');
            joined.push_str(self.cur.text);
            fragments += 1;
            self.bump()?;
        }

        let mut label = None;
        if !self.at(ASSIGN) && !self.at(L_CURLY) {
            if !self.at(STRING) {
                return Err(Bail);
            }
            let literal = self.cur.text;
            if !literal.starts_with('"') || literal.len() < 2 {
                return Err(Bail);
            }
            let inner = literal.get(1..literal.len() - 1).ok_or(Bail)?;
            if literal.len() > 2 && !is_valid_identifier(inner) {
                return Err(Bail);
            }
            label = Some(ident(inner, self.cur.pos));
            self.bump()?;
        }

        match self.peek() {
            ASSIGN if fragments == 1 && label.is_none() => {
                self.bump()?;
                let value = self.expression()?;
                Ok(Stmt::Attribute { name, value })
            }
            L_CURLY => {
                let lcurly = self.cur.pos;
                self.bump()?;
                self.enter()?;
                let body = self.body(R_CURLY)?;
                self.exit();
                let rcurly = self.expect(R_CURLY)?;
                Ok(Stmt::Block(Block {
                    name,
                    label,
                    lcurly,
                    rcurly,
                    body,
                }))
            }
            _ => Err(Bail),
        }
    }

    fn expression(&mut self) -> Result<ExprId> {
        self.binary(1)
    }

    fn binary(&mut self, min: u8) -> Result<ExprId> {
        let mut lhs = self.power()?;
        let mut links = 0;
        loop {
            let op = self.peek();
            let precedence = op.binary_precedence();
            if precedence < min {
                return Ok(lhs);
            }
            links += 1;
            if links > MAX_CHAIN {
                return Err(Bail);
            }
            let op_pos = self.cur.pos;
            self.bump()?;
            let rhs = self.binary(precedence + 1)?;
            lhs = self.l.tree.push_expr(Expr::Binary {
                op: op.upstream_name(),
                op_pos,
                left: lhs,
                right: rhs,
            });
        }
    }

    fn power(&mut self) -> Result<ExprId> {
        let lhs = self.unary()?;
        if !self.at(POW) {
            return Ok(lhs);
        }
        let op_pos = self.cur.pos;
        self.bump()?;
        self.enter()?;
        let rhs = self.power()?;
        self.exit();
        Ok(self.l.tree.push_expr(Expr::Binary {
            op: POW.upstream_name(),
            op_pos,
            left: lhs,
            right: rhs,
        }))
    }

    fn unary(&mut self) -> Result<ExprId> {
        self.enter()?;
        let op = self.peek();
        let result = if op == NOT || op == SUB {
            let op_pos = self.cur.pos;
            self.bump()?;
            let value = self.unary()?;
            self.l.tree.push_expr(Expr::Unary {
                op: op.upstream_name(),
                op_pos,
                value,
            })
        } else {
            self.postfix()?
        };
        self.exit();
        Ok(result)
    }

    fn postfix(&mut self) -> Result<ExprId> {
        let mut operand = self.primary()?;
        let mut links = 0;
        loop {
            let expr = match self.peek() {
                DOT => {
                    self.bump()?;
                    if !self.at(IDENT) {
                        return Err(Bail);
                    }
                    let name = ident(self.cur.text, self.cur.pos);
                    self.bump()?;
                    Expr::Access {
                        value: operand,
                        name,
                    }
                }
                L_BRACK => {
                    let lbrack = self.cur.pos;
                    self.bump()?;
                    let index = self.expression()?;
                    let rbrack = self.expect(R_BRACK)?;
                    Expr::Index {
                        value: operand,
                        index,
                        lbrack,
                        rbrack,
                    }
                }
                L_PAREN => {
                    let lparen = self.cur.pos;
                    self.bump()?;
                    let args = self.expression_list(R_PAREN)?;
                    let rparen = self.expect(R_PAREN)?;
                    Expr::Call {
                        callee: operand,
                        args,
                        lparen,
                        rparen,
                    }
                }
                // A block assigned to an attribute, and everything else
                // that is not an operator: not ours to judge.
                STRING | L_CURLY => return Err(Bail),
                _ => return Ok(operand),
            };
            links += 1;
            if links > MAX_CHAIN {
                return Err(Bail);
            }
            operand = self.l.tree.push_expr(expr);
        }
    }

    fn primary(&mut self) -> Result<ExprId> {
        let Current { kind, text, pos } = self.cur;
        if self.terminator {
            return Err(Bail);
        }
        let expr = match kind {
            IDENT => {
                self.bump()?;
                Expr::Ident(ident(text, pos))
            }
            STRING | NUMBER | FLOAT | BOOL | NULL => {
                let expr = literal_expr(&self.l.newlines, kind, text, pos).ok_or(Bail)?;
                self.bump()?;
                expr
            }
            L_PAREN => {
                self.bump()?;
                let inner = self.expression()?;
                let rparen = self.expect(R_PAREN)?;
                Expr::Paren {
                    inner,
                    lparen: pos,
                    rparen,
                }
            }
            L_BRACK => {
                self.bump()?;
                let elements = self.expression_list(R_BRACK)?;
                let rbrack = self.expect(R_BRACK)?;
                Expr::Array {
                    elements,
                    lbrack: pos,
                    rbrack,
                }
            }
            L_CURLY => {
                self.bump()?;
                let fields = self.field_list(R_CURLY)?;
                let rcurly = self.expect(R_CURLY)?;
                Expr::Object {
                    fields,
                    lcurly: pos,
                    rcurly,
                }
            }
            _ => return Err(Bail),
        };
        Ok(self.l.tree.push_expr(expr))
    }

    /// Elements up to (not including) `until`, each followed by a comma
    /// unless it is the last.
    fn expression_list(&mut self, until: SyntaxKind) -> Result<List> {
        let mark = self.l.scratch_exprs.len();
        while !self.at(until) && !self.at(EOF) {
            let id = self.expression()?;
            self.l.scratch_exprs.push(id);
            if self.at(until) {
                break;
            }
            self.expect(COMMA)?;
        }
        let ids = self.l.scratch_exprs.drain(mark..);
        Ok(self.l.tree.push_expr_list(ids))
    }

    fn field_list(&mut self, until: SyntaxKind) -> Result<List> {
        let mark = self.l.scratch_fields.len();
        while !self.at(until) && !self.at(EOF) {
            let Current { kind, text, pos } = self.cur;
            if self.terminator || !matches!(kind, STRING | IDENT) {
                return Err(Bail);
            }
            self.bump()?;
            self.expect(ASSIGN)?;
            let value = self.expression()?;
            let field = field_parts(&self.l.newlines, kind, text, pos, value);
            self.l.scratch_fields.push(field);
            if self.at(until) {
                break;
            }
            self.expect(COMMA)?;
        }
        let fields = self.l.scratch_fields.drain(mark..);
        Ok(self.l.tree.push_fields(fields))
    }
}

#[cfg(test)]
mod tests;
