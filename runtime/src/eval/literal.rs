//! Literal tokens to values (upstream's `transform.ValueFromLiteral`).
//!
//! A NUMBER token tries Go's `ParseInt(lit, 0, 64)`, then `ParseUint`, then
//! `ParseFloat`: base prefixes apply and a leading zero means octal, so
//! `010` is 8 while `09`, not octal, falls through to the float 9, and an
//! integer too large for 64 bits becomes a float.

use alloy_syntax::ast::Literal;
use alloy_syntax::SyntaxKind;

use super::error::ErrorKind;
use crate::value::strconv::{parse_float, parse_int, parse_uint, unquote};
use crate::value::{Number, Value};

pub(crate) fn literal_value(literal: &Literal) -> Result<Value, ErrorKind> {
    let token = literal.token().ok_or(ErrorKind::Incomplete)?;
    let text = token.text();
    match token.kind() {
        SyntaxKind::NULL => Ok(Value::Null),
        SyntaxKind::BOOL => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(ErrorKind::InvalidLiteral(format!(
                "invalid boolean literal {}",
                alloy_syntax::unicode::go_quote(text.as_bytes())
            ))),
        },
        SyntaxKind::NUMBER => {
            if let Ok(i) = parse_int(text, 0) {
                return Ok(Value::Number(Number::Int(i)));
            }
            if let Ok(u) = parse_uint(text, 0) {
                return Ok(Value::Number(Number::Uint(u)));
            }
            parse_float(text)
                .map(Value::float)
                .map_err(|e| ErrorKind::InvalidLiteral(e.to_string()))
        }
        SyntaxKind::FLOAT => parse_float(text)
            .map(Value::float)
            .map_err(|e| ErrorKind::InvalidLiteral(e.to_string())),
        SyntaxKind::STRING => unquote(text)
            .map(Value::from)
            .ok_or_else(|| ErrorKind::InvalidLiteral("invalid syntax".to_owned())),
        _ => Err(ErrorKind::Incomplete),
    }
}
