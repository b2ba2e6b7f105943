//! Alloy's grammar, one function per upstream parse function, with the same
//! control flow so that recovery and error reporting match.
//!
//! ```text
//! File       = Body .
//! Body       = [ Statement { terminator Statement } ] .
//! Statement  = Attribute | Block .
//! Attribute  = identifier "=" Expression .
//! Block      = BlockName "{" Body "}" .
//! BlockName  = identifier { "." identifier } [ string ] .
//! Expression = binary operators by precedence over UnaryExpr, `^` right-assoc.
//! UnaryExpr  = OperExpr | ( "!" | "-" ) UnaryExpr .
//! OperExpr   = PrimaryExpr { "." identifier | "[" Expression "]" | "(" [ ExpressionList ] ")" } .
//! ```

use rowan::{TextRange, TextSize};

use super::{CompletedMarker, Parser, MAX_CHAIN};
use crate::error::{SyntaxError, SyntaxErrorKind};
use crate::unicode::is_valid_identifier;
use crate::SyntaxKind::{self, *};

pub(crate) fn file_root(p: &mut Parser<'_>) {
    let m = p.start();
    body(p, EOF);
    p.complete_root(m);
}

/// Upstream's `ParseExpression`: one expression, then a terminator.
pub(crate) fn expression_root(p: &mut Parser<'_>) {
    let m = p.start();
    expression(p);
    p.expect(TERMINATOR);
    p.complete_root(m);
}

fn body(p: &mut Parser<'_>, until: SyntaxKind) {
    while !p.at(until) && !p.at(EOF) {
        statement(p);
        if p.at(until) {
            break;
        }
        if !p.at(TERMINATOR) {
            p.error(SyntaxErrorKind::Expected {
                expected: TERMINATOR,
                got: p.current(),
            });
            consume_statement(p);
        }
        p.bump();
    }
}

/// Skips the rest of a statement: up to a terminator outside any brackets
/// opened since (brackets closed that were opened before count as negative).
fn consume_statement(p: &mut Parser<'_>) {
    let (mut curly, mut brack, mut paren) = (0i32, 0i32, 0i32);
    p.skip_while(|kind| {
        match kind {
            L_CURLY => curly += 1,
            R_CURLY => curly -= 1,
            L_BRACK => brack += 1,
            R_BRACK => brack -= 1,
            L_PAREN => paren += 1,
            R_PAREN => paren -= 1,
            _ => {}
        }
        !(kind == TERMINATOR && curly <= 0 && brack <= 0 && paren <= 0)
    });
}

fn statement(p: &mut Parser<'_>) {
    if !p.at(IDENT) {
        p.error(SyntaxErrorKind::ExpectedIdentifier(p.current()));
        p.skip_while(|kind| kind != IDENT);
        return;
    }
    let m = p.start();
    let name_start = p.offset();
    let mut name_len = p.current_literal_len();
    let mut fragments = 1;
    p.bump();
    while p.at(DOT) {
        p.bump();
        name_len += 1 + p.current_literal_len();
        fragments += 1;
        if p.at(IDENT) {
            p.bump();
        } else {
            p.error(SyntaxErrorKind::ExpectedIdentifier(p.current()));
            p.bump_as_error();
        }
    }

    // (offset, length of the text between the quotes)
    let mut label: Option<(u32, u32)> = None;
    if !p.at(ASSIGN) && !p.at(L_CURLY) {
        if p.at(STRING) {
            let literal = p.current_text();
            if !literal.starts_with('"') {
                p.error(SyntaxErrorKind::LabelNotDoubleQuoted(literal.to_owned()));
            }
            let mut inner_len = 0;
            if literal.len() > 2 {
                // Upstream slices bytes: an unterminated label can end inside
                // a multi-byte character.
                let inner = &literal.as_bytes()[1..literal.len() - 1];
                inner_len = inner.len() as u32;
                let valid = std::str::from_utf8(inner).is_ok_and(is_valid_identifier);
                if !valid {
                    p.error(SyntaxErrorKind::LabelNotIdentifier(inner.to_vec()));
                }
            }
            label = Some((p.offset(), inner_len));
            p.bump();
        } else {
            p.error(SyntaxErrorKind::ExpectedBlockLabel(p.current()));
            p.bump_as_error();
        }
    }

    match p.current() {
        ASSIGN => {
            p.bump();
            if fragments != 1 {
                p.push_error(SyntaxError {
                    kind: SyntaxErrorKind::AttributeNameWithDots,
                    range: range(name_start, name_start + name_len),
                });
            } else if let Some((at, len)) = label {
                p.push_error(SyntaxError {
                    kind: SyntaxErrorKind::AttributeNameWithLabel,
                    range: range(at, at + len + 2),
                });
            }
            expression(p);
            m.complete(p, ATTRIBUTE);
        }
        L_CURLY => {
            p.bump();
            if p.enter() {
                body(p, R_CURLY);
            }
            p.exit();
            p.expect(R_CURLY);
            m.complete(p, BLOCK);
        }
        got => {
            let label_empty = label.is_none_or(|(_, len)| len == 0);
            if fragments == 1 && label_empty {
                p.error(SyntaxErrorKind::ExpectedAttributeOrBlockBody(got));
            } else {
                p.error(SyntaxErrorKind::ExpectedBlockBody(got));
            }
            p.skip_while(|kind| kind != IDENT);
            m.complete(p, ERROR);
        }
    }
}

fn range(start: u32, end: u32) -> TextRange {
    TextRange::new(TextSize::from(start), TextSize::from(end.max(start)))
}

fn empty_error(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    m.complete(p, ERROR)
}

pub(crate) fn expression(p: &mut Parser<'_>) -> CompletedMarker {
    binary(p, 1)
}

/// Left-associative operators of precedence `min` and above.
fn binary(p: &mut Parser<'_>, min: u8) -> CompletedMarker {
    let mut lhs = power(p);
    let mut links = 0;
    loop {
        let precedence = p.current().binary_precedence();
        if precedence < min {
            return lhs;
        }
        links += 1;
        if links > MAX_CHAIN {
            p.give_up();
            return lhs;
        }
        let m = lhs.precede(p);
        p.bump();
        binary(p, precedence + 1);
        lhs = m.complete(p, BINARY_EXPR);
    }
}

/// `^` binds right to left: `2 ^ 3 ^ 2` is `2 ^ (3 ^ 2)`.
fn power(p: &mut Parser<'_>) -> CompletedMarker {
    let lhs = unary(p);
    if !p.at(POW) {
        return lhs;
    }
    let m = lhs.precede(p);
    p.bump();
    if p.enter() {
        power(p);
    }
    p.exit();
    m.complete(p, BINARY_EXPR)
}

fn unary(p: &mut Parser<'_>) -> CompletedMarker {
    if !p.enter() {
        p.exit();
        return empty_error(p);
    }
    let result = if p.at(NOT) || p.at(SUB) {
        let m = p.start();
        p.bump();
        unary(p);
        m.complete(p, UNARY_EXPR)
    } else {
        postfix(p)
    };
    p.exit();
    result
}

fn postfix(p: &mut Parser<'_>) -> CompletedMarker {
    let mut operand = primary(p);
    let mut links = 0;
    loop {
        if matches!(p.current(), DOT | L_BRACK | L_PAREN | STRING | L_CURLY) {
            links += 1;
            if links > MAX_CHAIN {
                p.give_up();
                return operand;
            }
        }
        match p.current() {
            DOT => {
                let m = operand.precede(p);
                p.bump();
                p.expect(IDENT);
                operand = m.complete(p, ACCESS_EXPR);
            }
            L_BRACK => {
                let m = operand.precede(p);
                p.bump();
                expression(p);
                p.expect(R_BRACK);
                operand = m.complete(p, INDEX_EXPR);
            }
            L_PAREN => {
                let m = operand.precede(p);
                let args = p.start();
                p.bump();
                if !p.at(R_PAREN) {
                    expression_list(p, R_PAREN);
                }
                p.expect(R_PAREN);
                args.complete(p, ARG_LIST);
                operand = m.complete(p, CALL_EXPR);
            }
            STRING | L_CURLY => {
                // Someone assigned a block to an attribute: parse it as a block
                // to say so, or give up on the statement if it is not one.
                let start = operand.offset;
                let m = operand.precede(p);
                if p.at(STRING) {
                    p.bump();
                }
                if p.expect(L_CURLY) != L_CURLY {
                    consume_statement(p);
                    return m.complete(p, ERROR);
                }
                if p.enter() {
                    body(p, R_CURLY);
                }
                p.exit();
                let end = p.offset();
                if p.expect(R_CURLY) != R_CURLY {
                    consume_statement(p);
                    return m.complete(p, ERROR);
                }
                p.push_error(SyntaxError {
                    kind: SyntaxErrorKind::BlockAsExpression,
                    range: range(start, end + 1),
                });
                operand = m.complete(p, ERROR);
            }
            _ => return operand,
        }
    }
}

fn primary(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    match p.current() {
        IDENT => {
            p.bump();
            m.complete(p, IDENT_EXPR)
        }
        STRING | NUMBER | FLOAT | BOOL | NULL => {
            p.bump();
            m.complete(p, LITERAL)
        }
        L_PAREN => {
            p.bump();
            expression(p);
            p.expect(R_PAREN);
            m.complete(p, PAREN_EXPR)
        }
        L_BRACK => {
            p.bump();
            if !p.at(R_BRACK) {
                expression_list(p, R_BRACK);
            }
            p.expect(R_BRACK);
            m.complete(p, ARRAY_EXPR)
        }
        L_CURLY => {
            p.bump();
            // Upstream tests for `]` here rather than `}`; kept, since it
            // changes which error `{]` reports.
            if !p.at(R_BRACK) {
                field_list(p, R_CURLY);
            }
            p.expect(R_CURLY);
            m.complete(p, OBJECT_EXPR)
        }
        got => {
            p.error(SyntaxErrorKind::ExpectedExpression(got));
            while !matches!(
                p.current(),
                EOF | TERMINATOR | R_PAREN | R_CURLY | R_BRACK | COMMA
            ) {
                p.bump();
            }
            m.complete(p, ERROR)
        }
    }
}

fn expression_list(p: &mut Parser<'_>, until: SyntaxKind) {
    while !p.at(until) && !p.at(EOF) {
        expression(p);
        if p.at(until) {
            break;
        }
        separator(p, SyntaxErrorKind::MissingCommaInExpressionList);
    }
}

fn field_list(p: &mut Parser<'_>, until: SyntaxKind) {
    while !p.at(until) && !p.at(EOF) {
        field(p);
        if p.at(until) {
            break;
        }
        separator(p, SyntaxErrorKind::MissingCommaInFieldList);
    }
}

/// Consumes the token after a list element: a comma, or whatever stands
/// there (upstream consumes it too, after reporting the missing comma).
fn separator(p: &mut Parser<'_>, missing: SyntaxErrorKind) {
    if p.at(COMMA) {
        p.bump();
    } else {
        p.error(missing);
        p.bump_as_error();
    }
}

fn field(p: &mut Parser<'_>) {
    let m = p.start();
    if p.at(STRING) || p.at(IDENT) {
        p.bump();
    } else {
        p.error(SyntaxErrorKind::ExpectedFieldName(p.current()));
        p.skip_while(|kind| kind != ASSIGN);
    }
    p.expect(ASSIGN);
    expression(p);
    m.complete(p, OBJECT_FIELD);
}
