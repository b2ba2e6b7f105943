//! The OTTL grammar on chumsky, straight over the statement text.
//!
//! Upstream lexes first and rebuilds mixed-case identifiers from several
//! tokens; here an identifier is one `[A-Za-z][A-Za-z0-9_]*` run, and its
//! first letter decides editor/path (lowercase) or converter/enum
//! (uppercase), which gives the same language. Argument lists recover from
//! errors (the rest of the statement still parses), so one typo yields one
//! diagnostic rather than a cascade.

use chumsky::prelude::*;

use crate::ast::*;
use crate::diag::Diagnostic;

type Extra<'a> = extra::Err<Rich<'a, char>>;

fn span_of(s: SimpleSpan) -> Span {
    s.start..s.end
}

fn ident<'a>() -> impl Parser<'a, &'a str, &'a str, Extra<'a>> + Clone {
    any()
        .filter(|c: &char| c.is_ascii_alphabetic())
        .then(
            any()
                .filter(|c: &char| c.is_ascii_alphanumeric() || *c == '_')
                .repeated(),
        )
        .to_slice()
        .labelled("identifier")
}

fn keyword<'a>(word: &'static str) -> impl Parser<'a, &'a str, (), Extra<'a>> + Clone {
    ident()
        .filter(move |s: &&str| *s == word)
        .ignored()
        .labelled(word)
}

/// A string literal, unquoted with Go's interpreted-string rules.
fn string_lit<'a>() -> impl Parser<'a, &'a str, String, Extra<'a>> + Clone {
    just('"')
        .ignore_then(
            just('\\')
                .then(any())
                .ignored()
                .or(none_of("\\\"").ignored())
                .repeated()
                .to_slice(),
        )
        .then_ignore(just('"'))
        .try_map(|raw: &str, span| {
            unquote(raw).map_err(|m| Rich::custom(span, format!("invalid string literal: {m}")))
        })
        .labelled("string")
}

/// Go `strconv.Unquote` escapes: `\a \b \f \n \r \t \v \\ \" \' \xNN \uNNNN
/// \UNNNNNNNN \NNN` (octal).
pub fn unquote(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            return Err("trailing backslash".into());
        };
        let hex = |chars: &mut std::iter::Peekable<std::str::Chars>, n: usize| {
            let s: String = chars.by_ref().take(n).collect();
            if s.len() != n {
                return Err(format!("short \\{e} escape"));
            }
            u32::from_str_radix(&s, 16).map_err(|_| format!("invalid \\{e} escape {s:?}"))
        };
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'x' => {
                let v = hex(&mut chars, 2)?;
                out.push(char::from_u32(v).ok_or("invalid \\x escape")?);
            }
            'u' => {
                let v = hex(&mut chars, 4)?;
                out.push(char::from_u32(v).ok_or("invalid \\u escape")?);
            }
            'U' => {
                let v = hex(&mut chars, 8)?;
                out.push(char::from_u32(v).ok_or("invalid \\U escape")?);
            }
            '0'..='7' => {
                let mut v = e as u32 - '0' as u32;
                for _ in 0..2 {
                    match chars.next() {
                        Some(d @ '0'..='7') => v = v * 8 + (d as u32 - '0' as u32),
                        _ => return Err("invalid octal escape".into()),
                    }
                }
                out.push(char::from_u32(v).ok_or("invalid octal escape")?);
            }
            other => return Err(format!("unknown escape sequence \\{other}")),
        }
    }
    Ok(out)
}

enum Tail {
    Call(Vec<Arg>, Vec<Key>),
    Path(Vec<Key>, Vec<Field>),
}

enum Num {
    Int(i64),
    Float(f64),
}

/// The value grammar, shared by statements, conditions and value expressions.
fn value<'a>() -> impl Parser<'a, &'a str, Expr, Extra<'a>> + Clone {
    recursive(|value| {
        let ws = text::whitespace();
        let string = string_lit();

        let bytes = just("0x")
            .ignore_then(
                any()
                    .filter(|c: &char| c.is_ascii_hexdigit())
                    .repeated()
                    .at_least(1)
                    .to_slice(),
            )
            .then_ignore(
                any()
                    .filter(|c: &char| c.is_ascii_alphanumeric() || *c == '_')
                    .not()
                    .rewind(),
            )
            .try_map(|h: &str, span| {
                let h = if h.len() % 2 == 1 {
                    format!("0{h}")
                } else {
                    h.to_owned()
                };
                hex::decode(&h)
                    .map_err(|e| Rich::custom(span, format!("invalid bytes literal: {e}")))
            });

        let digits = text::digits(10);
        let exponent = one_of("eE")
            .then(one_of("+-").or_not())
            .then(text::digits(10));
        let float = choice((
            digits
                .then(just('.'))
                .then(text::digits(10).or_not())
                .ignored(),
            just('.').then(text::digits(10)).ignored(),
        ))
        .then(exponent.or_not())
        .to_slice()
        .try_map(|s: &str, span| {
            s.parse::<f64>()
                .map(Num::Float)
                .map_err(|e| Rich::custom(span, format!("invalid float: {e}")))
        });
        let int = text::digits(10).to_slice().try_map(|s: &str, span| {
            s.parse::<i64>()
                .map(Num::Int)
                .map_err(|e| Rich::custom(span, format!("invalid integer {s}: {e}")))
        });
        let number = float.or(int);

        let math = recursive(|math| {
            let key = just('[')
                .padded()
                .ignore_then(
                    string
                        .clone()
                        .map_with(|s, e| Key::Str(s, span_of(e.span())))
                        .or(math.clone().map(|m: Expr| match m.kind {
                            ExprKind::Int(i) => Key::Int(i, m.span),
                            _ => Key::Expr(Box::new(m)),
                        })),
                )
                .then_ignore(just(']').padded())
                .labelled("key");
            let keys = key.repeated().collect::<Vec<_>>();

            let arg = ident()
                .map_with(|s: &str, e| (s.to_owned(), span_of(e.span())))
                .then_ignore(just('=').padded().then(just('=').not().rewind()))
                .or_not()
                .then(value.clone())
                .map_with(|(name, value), e| Arg {
                    name,
                    value,
                    span: span_of(e.span()),
                });
            let args = arg
                .separated_by(just(',').padded())
                .collect::<Vec<_>>()
                .delimited_by(just('(').padded(), just(')').padded())
                .recover_with(via_parser(nested_delimiters(
                    '(',
                    ')',
                    [('[', ']'), ('{', '}')],
                    |_| Vec::new(),
                )));

            let field_after_dot = just('.')
                .ignore_then(ident())
                .map_with(|s: &str, e| (s.to_owned(), span_of(e.span())))
                .then(keys.clone())
                .map_with(|((name, _), keys), e| Field {
                    name,
                    keys,
                    span: span_of(e.span()),
                });

            let tail = args
                .then(keys.clone())
                .map(|(a, k)| Tail::Call(a, k))
                .or(keys
                    .clone()
                    .then(field_after_dot.repeated().collect::<Vec<_>>())
                    .map(|(k, f)| Tail::Path(k, f)));

            let word = ident()
                .map_with(|s: &str, e| (s.to_owned(), span_of(e.span())))
                .then(tail)
                .try_map_with(|((name, name_span), tail), e| {
                    let span = span_of(e.span());
                    let upper = name.starts_with(|c: char| c.is_ascii_uppercase());
                    Ok(match tail {
                        Tail::Call(args, keys) => {
                            let call = Call {
                                name,
                                name_span,
                                args,
                                keys,
                                span: span.clone(),
                            };
                            let kind = if upper {
                                ExprKind::Converter(call)
                            } else {
                                ExprKind::Editor(call)
                            };
                            Expr { kind, span }
                        }
                        Tail::Path(keys, rest) if upper => {
                            if !keys.is_empty() || !rest.is_empty() {
                                return Err(Rich::custom(
                                    e.span(),
                                    format!(
                                        "{name} is not a path: paths start with a lowercase letter"
                                    ),
                                ));
                            }
                            Expr {
                                kind: ExprKind::Symbol(name),
                                span,
                            }
                        }
                        Tail::Path(keys, rest) => {
                            if keys.is_empty() && rest.is_empty() {
                                match name.as_str() {
                                    "nil" => {
                                        return Ok(Expr {
                                            kind: ExprKind::Nil,
                                            span,
                                        })
                                    }
                                    "true" => {
                                        return Ok(Expr {
                                            kind: ExprKind::Bool(true),
                                            span,
                                        })
                                    }
                                    "false" => {
                                        return Ok(Expr {
                                            kind: ExprKind::Bool(false),
                                            span,
                                        })
                                    }
                                    _ => {}
                                }
                            }
                            let mut fields = vec![Field {
                                name,
                                keys,
                                span: name_span.start
                                    ..rest.first().map_or(span.end, |f| f.span.start),
                            }];
                            fields.extend(rest);
                            Expr {
                                kind: ExprKind::Path(Path {
                                    fields,
                                    span: span.clone(),
                                }),
                                span,
                            }
                        }
                    })
                });

            let literal = number
                .map_with(|n, e| Expr {
                    kind: match n {
                        Num::Int(i) => ExprKind::Int(i),
                        Num::Float(f) => ExprKind::Float(f),
                    },
                    span: span_of(e.span()),
                })
                .or(word);

            let operand = literal.or(math
                .clone()
                .delimited_by(just('(').padded(), just(')').padded()));
            let sign = one_of("+-").padded();
            let math_value = sign
                .or_not()
                .then(operand)
                .map_with(|(sign, operand): (Option<char>, Expr), e| {
                    let span = span_of(e.span());
                    match (sign, operand.kind) {
                        (None, kind) => Expr {
                            kind,
                            span: operand.span,
                        },
                        (Some('-'), ExprKind::Int(i)) => Expr {
                            kind: ExprKind::Int(i.wrapping_neg()),
                            span,
                        },
                        (Some('-'), ExprKind::Float(f)) => Expr {
                            kind: ExprKind::Float(-f),
                            span,
                        },
                        (Some('-'), kind) => Expr {
                            kind: ExprKind::Neg(Box::new(Expr {
                                kind,
                                span: operand.span,
                            })),
                            span,
                        },
                        (Some(_), kind) => Expr { kind, span },
                    }
                })
                .padded();

            let term = math_value.clone().foldl_with(
                one_of("*/").padded().then(math_value).repeated(),
                |l, (op, r), e| Expr {
                    kind: ExprKind::Math(
                        Box::new(l),
                        if op == '*' { MathOp::Mul } else { MathOp::Div },
                        Box::new(r),
                    ),
                    span: span_of(e.span()),
                },
            );
            term.clone().foldl_with(
                one_of("+-").padded().then(term).repeated(),
                |l, (op, r), e| Expr {
                    kind: ExprKind::Math(
                        Box::new(l),
                        if op == '+' { MathOp::Add } else { MathOp::Sub },
                        Box::new(r),
                    ),
                    span: span_of(e.span()),
                },
            )
        });

        let list = value
            .clone()
            .separated_by(just(',').padded())
            .collect::<Vec<_>>()
            .delimited_by(just('[').padded(), just(']').padded())
            .map(ExprKind::List);
        let map = string
            .clone()
            .map_with(|s, e| (s, span_of(e.span())))
            .padded()
            .then_ignore(just(':').padded())
            .then(value.clone())
            .then_ignore(just(',').padded().or_not())
            .map(|((k, ks), v)| (k, ks, v))
            .repeated()
            .collect::<Vec<_>>()
            .delimited_by(just('{').padded(), just('}').padded())
            .map(ExprKind::Map);

        let other = choice((
            bytes.map(ExprKind::Bytes),
            string.map(ExprKind::Str),
            list,
            map,
        ))
        .map_with(|kind, e| Expr {
            kind,
            span: span_of(e.span()),
        });

        ws.ignore_then(other.or(math))
            .then_ignore(text::whitespace())
    })
}

fn cmp_op<'a>() -> impl Parser<'a, &'a str, CmpOp, Extra<'a>> + Clone {
    choice((
        just("==").to(CmpOp::Eq),
        just("!=").to(CmpOp::Ne),
        just(">=").to(CmpOp::Ge),
        just("<=").to(CmpOp::Le),
        just(">").to(CmpOp::Gt),
        just("<").to(CmpOp::Lt),
    ))
    .padded()
    .labelled("comparison operator")
}

fn bool_expr<'a>() -> impl Parser<'a, &'a str, BoolExpr, Extra<'a>> + Clone {
    recursive(|bexpr| {
        let comparison = value()
            .then(cmp_op())
            .then(value())
            .map(|((l, op), r)| BoolExpr::Cmp(l, op, r));
        let constant = value().try_map(|v: Expr, span| match v.kind {
            ExprKind::Bool(b) => Ok(BoolExpr::Const(b)),
            ExprKind::Converter(c) => Ok(BoolExpr::Converter(c)),
            _ => Err(Rich::custom(
                span,
                "expected a comparison, a boolean or a converter returning a boolean",
            )),
        });
        let paren = bexpr.delimited_by(just('(').padded(), just(')').padded());
        let boolean_value = keyword("not")
            .padded()
            .or_not()
            .then(choice((comparison, paren, constant)))
            .map(|(not, b)| {
                if not.is_some() {
                    BoolExpr::Not(Box::new(b))
                } else {
                    b
                }
            });
        let term = boolean_value
            .clone()
            .separated_by(keyword("and").padded())
            .at_least(1)
            .collect::<Vec<_>>()
            .map(|mut v| {
                if v.len() == 1 {
                    v.remove(0)
                } else {
                    BoolExpr::And(v)
                }
            });
        term.separated_by(keyword("or").padded())
            .at_least(1)
            .collect::<Vec<_>>()
            .map(|mut v| {
                if v.len() == 1 {
                    v.remove(0)
                } else {
                    BoolExpr::Or(v)
                }
            })
    })
}

fn statement<'a>() -> impl Parser<'a, &'a str, Statement, Extra<'a>> + Clone {
    value()
        .try_map(|v: Expr, span| match v.kind {
            ExprKind::Editor(call) if call.keys.is_empty() => Ok(call),
            ExprKind::Editor(_) => Err(Rich::custom(
                span,
                "only paths and converters may be indexed, not editors",
            )),
            ExprKind::Converter(_) => Err(Rich::custom(
                span,
                "editor names must start with a lowercase letter",
            )),
            _ => Err(Rich::custom(
                span,
                "a statement must be an editor call, e.g. set(target, value)",
            )),
        })
        .then(keyword("where").padded().ignore_then(bool_expr()).or_not())
        .map_with(|(editor, condition), e| Statement {
            editor,
            condition,
            span: span_of(e.span()),
        })
}

fn finish<T>(src: &str, r: ParseResult<T, Rich<'_, char>>) -> Result<T, Vec<Diagnostic>> {
    let (out, errs) = r.into_output_errors();
    if errs.is_empty() {
        if let Some(o) = out {
            return Ok(o);
        }
    }
    let mut diags: Vec<Diagnostic> = errs.into_iter().map(|e| rich_to_diag(src, e)).collect();
    if diags.is_empty() {
        diags.push(Diagnostic::new(0..src.len(), "could not parse"));
    }
    Err(diags)
}

fn rich_to_diag(src: &str, e: Rich<'_, char>) -> Diagnostic {
    let span = span_of(*e.span());
    let message = match e.reason() {
        chumsky::error::RichReason::Custom(m) => m.clone(),
        _ => {
            let found = match e.found() {
                Some(c) => format!("unexpected {:?}", c.to_string()),
                None => "unexpected end of input".to_owned(),
            };
            let mut expected: Vec<String> = e.expected().map(|p| p.to_string()).collect();
            expected.sort();
            expected.dedup();
            if expected.is_empty() {
                found
            } else {
                format!("{found}, expected {}", expected.join(", "))
            }
        }
    };
    let end = span.end.min(src.len()).max(span.start);
    Diagnostic::new(span.start..end, message)
}

/// Parses one statement (`editor(...) where ...`).
pub fn parse_statement(src: &str) -> Result<Statement, Vec<Diagnostic>> {
    finish(src, statement().then_ignore(end()).parse(src))
        .map_err(|d| unbalanced(src).map_or(d, |u| vec![u]))
}

/// An unclosed or unopened bracket (outside strings): the clearest report
/// for the most common typo, which otherwise surfaces far from its cause.
fn unbalanced(src: &str) -> Option<Diagnostic> {
    let mut stack: Vec<(char, usize)> = Vec::new();
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in src.char_indices() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' | '{' => stack.push((c, i)),
            ')' | ']' | '}' => {
                let open = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match stack.pop() {
                    Some((o, _)) if o == open => {}
                    Some((o, at)) => {
                        return Some(Diagnostic::new(
                            at..at + 1,
                            format!("{o:?} is closed by {c:?}"),
                        ))
                    }
                    None => return Some(Diagnostic::new(i..i + 1, format!("unmatched {c:?}"))),
                }
            }
            _ => {}
        }
    }
    if in_str {
        return Some(Diagnostic::new(
            src.len()..src.len(),
            "unterminated string literal",
        ));
    }
    stack
        .pop()
        .map(|(o, at)| Diagnostic::new(at..at + 1, format!("unclosed {o:?}")))
}

/// Parses a condition (a `where` clause without the keyword).
pub fn parse_condition(src: &str) -> Result<BoolExpr, Vec<Diagnostic>> {
    finish(src, bool_expr().then_ignore(end()).parse(src))
        .map_err(|d| unbalanced(src).map_or(d, |u| vec![u]))
}

/// Parses a value expression.
pub fn parse_value(src: &str) -> Result<Expr, Vec<Diagnostic>> {
    finish(src, value().then_ignore(end()).parse(src))
}
