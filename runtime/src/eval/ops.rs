//! Unary and binary operators with upstream's semantics.
//!
//! The points that differ from what one might guess: `==` compares any two
//! values (different types are simply unequal, numbers are compared after
//! widening so `3 == 3.0`); other operators require both operands to have
//! the same type after a secret-aware unwrapping step; integer arithmetic
//! wraps on overflow; `/` and `%` on integers truncate; `^` on integers is
//! repeated multiplication (a negative exponent leaves the base unchanged);
//! and `&&`/`||` do not short-circuit (the evaluator evaluates both sides).

use alloy_syntax::SyntaxKind;

use super::error::ErrorKind;
use crate::value::{
    Capsule, Number, NumberKind, OptionalSecret, Secret, Type, Value, ValueErrorKind,
};

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

impl BinaryOp {
    pub fn from_kind(kind: SyntaxKind) -> Option<BinaryOp> {
        Some(match kind {
            SyntaxKind::OR => BinaryOp::Or,
            SyntaxKind::AND => BinaryOp::And,
            SyntaxKind::EQ => BinaryOp::Eq,
            SyntaxKind::NEQ => BinaryOp::Neq,
            SyntaxKind::LT => BinaryOp::Lt,
            SyntaxKind::LTE => BinaryOp::Lte,
            SyntaxKind::GT => BinaryOp::Gt,
            SyntaxKind::GTE => BinaryOp::Gte,
            SyntaxKind::ADD => BinaryOp::Add,
            SyntaxKind::SUB => BinaryOp::Sub,
            SyntaxKind::MUL => BinaryOp::Mul,
            SyntaxKind::DIV => BinaryOp::Div,
            SyntaxKind::MOD => BinaryOp::Mod,
            SyntaxKind::POW => BinaryOp::Pow,
            _ => return None,
        })
    }

    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Neq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Lte => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Gte => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "^",
        }
    }

    /// Operand types the operator accepts, in upstream's order (which its
    /// messages print).
    fn allowed(self) -> &'static [Type] {
        match self {
            BinaryOp::Or | BinaryOp::And => &[Type::Bool],
            BinaryOp::Add => &[Type::Number, Type::String, Type::Capsule],
            BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod | BinaryOp::Pow => {
                &[Type::Number]
            }
            BinaryOp::Lt
            | BinaryOp::Lte
            | BinaryOp::Gt
            | BinaryOp::Gte
            | BinaryOp::Eq
            | BinaryOp::Neq => &[Type::Number, Type::String],
        }
    }
}

/// Which operand an operator error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Lhs,
    Rhs,
}

/// An operator error, to be reported on one operand's expression.
#[derive(Clone, Debug, PartialEq)]
pub struct OpError {
    pub side: Side,
    pub kind: ErrorKind,
}

fn op_error(side: Side, kind: ErrorKind) -> OpError {
    OpError { side, kind }
}

/// Upstream's `tryUnwrapCapsules`: brings a secret and a string (or two
/// kinds of secret) to a common type so they can be compared or
/// concatenated, choosing the more secret type.
fn unwrap_capsules(lhs: &Value, rhs: &Value) -> (Value, Value) {
    use Capsule::{OptionalSecret as Opt, Secret as Sec};
    match (lhs, rhs) {
        (Value::Capsule(Opt(l)), Value::Capsule(Sec(_))) => {
            (Value::from(Secret::from(l.clone())), rhs.clone())
        }
        (Value::Capsule(Opt(l)), Value::String(r)) => {
            if l.is_secret() {
                (
                    lhs.clone(),
                    Value::from(OptionalSecret::new(r.clone(), true)),
                )
            } else {
                (Value::string(l.reveal()), rhs.clone())
            }
        }
        (Value::Capsule(Sec(_)), Value::Capsule(Opt(r))) => {
            (lhs.clone(), Value::from(Secret::from(r.clone())))
        }
        (Value::Capsule(Sec(_)), Value::String(r)) => (lhs.clone(), Value::secret(r.clone())),
        (Value::String(l), Value::Capsule(Opt(r))) => {
            if r.is_secret() {
                (
                    Value::from(OptionalSecret::new(l.clone(), true)),
                    rhs.clone(),
                )
            } else {
                (lhs.clone(), Value::string(r.reveal()))
            }
        }
        (Value::String(l), Value::Capsule(Sec(_))) => (Value::secret(l.clone()), rhs.clone()),
        _ => (lhs.clone(), rhs.clone()),
    }
}

/// The language's `==`.
pub fn values_equal(lhs: &Value, rhs: &Value) -> bool {
    match (lhs, rhs) {
        (Value::Null, Value::Null) => true,
        (Value::Number(a), Value::Number(b)) => match a.kind().widest(b.kind()) {
            NumberKind::Uint => a.as_u64() == b.as_u64(),
            NumberKind::Int => a.as_i64() == b.as_i64(),
            NumberKind::Float => a.as_f64() == b.as_f64(),
        },
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| values_equal(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| values_equal(v, w)))
        }
        (Value::Capsule(a), Value::Capsule(b)) => a.deep_eq(b),
        // Functions are never equal, and values of different types never are.
        _ => false,
    }
}

/// Applies a binary operator to two evaluated operands.
pub fn binary(lhs: &Value, op: BinaryOp, rhs: &Value) -> Result<Value, OpError> {
    let (l, r) = if matches!(lhs, Value::Capsule(_)) || matches!(rhs, Value::Capsule(_)) {
        unwrap_capsules(lhs, rhs)
    } else {
        (lhs.clone(), rhs.clone())
    };
    match op {
        BinaryOp::Eq => return Ok(Value::Bool(values_equal(&l, &r))),
        BinaryOp::Neq => return Ok(Value::Bool(!values_equal(&l, &r))),
        _ => {}
    }
    let allowed = op.allowed();
    for (side, value) in [(Side::Lhs, &l), (Side::Rhs, &r)] {
        if !allowed.contains(&value.ty()) {
            return Err(op_error(
                side,
                ErrorKind::OperandType {
                    allowed,
                    op: op.symbol(),
                    got: value.ty(),
                },
            ));
        }
    }
    if l.ty() != r.ty() {
        return Err(op_error(
            Side::Rhs,
            ErrorKind::Value(ValueErrorKind::Type {
                expected: l.ty(),
                actual: r.ty(),
            }),
        ));
    }
    match (&l, &r) {
        (Value::Bool(a), Value::Bool(b)) => Ok(Value::Bool(match op {
            BinaryOp::Or => *a || *b,
            _ => *a && *b,
        })),
        (Value::String(a), Value::String(b)) => Ok(match op {
            BinaryOp::Add => {
                let mut joined = String::with_capacity(a.len() + b.len());
                joined.push_str(a);
                joined.push_str(b);
                Value::from(joined)
            }
            BinaryOp::Lt => Value::Bool(a < b),
            BinaryOp::Lte => Value::Bool(a <= b),
            BinaryOp::Gt => Value::Bool(a > b),
            _ => Value::Bool(a >= b),
        }),
        (Value::Capsule(a), Value::Capsule(b)) => add_capsules(a, b),
        (Value::Number(a), Value::Number(b)) => arithmetic(*a, op, *b),
        // Unreachable: the allowed types above are bool, string, capsule
        // and number, and both operands have the same type.
        _ => Err(op_error(
            Side::Lhs,
            ErrorKind::OperandType {
                allowed,
                op: op.symbol(),
                got: l.ty(),
            },
        )),
    }
}

/// `+` on two capsules, which only secrets support. As upstream, a right
/// operand of another capsule type contributes an empty string.
fn add_capsules(lhs: &Capsule, rhs: &Capsule) -> Result<Value, OpError> {
    match lhs {
        Capsule::OptionalSecret(l) => {
            let (text, secret) = match rhs {
                Capsule::OptionalSecret(r) => (r.reveal(), r.is_secret()),
                _ => ("", false),
            };
            Ok(Value::from(OptionalSecret::new(
                format!("{}{text}", l.reveal()),
                l.is_secret() || secret,
            )))
        }
        Capsule::Secret(l) => {
            let text = match rhs {
                Capsule::Secret(r) => r.reveal(),
                _ => "",
            };
            Ok(Value::secret(format!("{}{text}", l.reveal())))
        }
        Capsule::Host(_) => Err(op_error(
            Side::Lhs,
            ErrorKind::UnsupportedCapsuleOperands { op: "+" },
        )),
    }
}

fn arithmetic(a: Number, op: BinaryOp, b: Number) -> Result<Value, OpError> {
    if matches!(op, BinaryOp::Div | BinaryOp::Mod) && b_is_zero(b) {
        return Err(op_error(Side::Rhs, ErrorKind::DivideByZero));
    }
    let kind = a.kind().widest(b.kind());
    let value = match kind {
        NumberKind::Uint => {
            let (x, y) = (a.as_u64(), b.as_u64());
            match op {
                BinaryOp::Add => Number::Uint(x.wrapping_add(y)),
                BinaryOp::Sub => Number::Uint(x.wrapping_sub(y)),
                BinaryOp::Mul => Number::Uint(x.wrapping_mul(y)),
                BinaryOp::Div => Number::Uint(x.checked_div(y).unwrap_or(0)),
                BinaryOp::Mod => Number::Uint(x.checked_rem(y).unwrap_or(0)),
                BinaryOp::Pow => Number::Uint(uint_pow(x, y)),
                _ => return Ok(Value::Bool(compare(op, x.cmp(&y)))),
            }
        }
        NumberKind::Int => {
            let (x, y) = (a.as_i64(), b.as_i64());
            match op {
                BinaryOp::Add => Number::Int(x.wrapping_add(y)),
                BinaryOp::Sub => Number::Int(x.wrapping_sub(y)),
                BinaryOp::Mul => Number::Int(x.wrapping_mul(y)),
                // Widening can turn a non-zero divisor into zero (a float
                // divisor below one, converted to int); Go would trap
                // there, we report division by zero instead of panicking.
                BinaryOp::Div if y == 0 => {
                    return Err(op_error(Side::Rhs, ErrorKind::DivideByZero))
                }
                BinaryOp::Mod if y == 0 => {
                    return Err(op_error(Side::Rhs, ErrorKind::DivideByZero))
                }
                BinaryOp::Div => Number::Int(x.wrapping_div(y)),
                BinaryOp::Mod => Number::Int(x.wrapping_rem(y)),
                BinaryOp::Pow => Number::Int(int_pow(x, y)),
                _ => return Ok(Value::Bool(compare(op, x.cmp(&y)))),
            }
        }
        NumberKind::Float => {
            let (x, y) = (a.as_f64(), b.as_f64());
            match op {
                BinaryOp::Add => Number::Float(x + y),
                BinaryOp::Sub => Number::Float(x - y),
                BinaryOp::Mul => Number::Float(x * y),
                BinaryOp::Div => Number::Float(x / y),
                // Rust's float `%` is C's fmod, like Go's math.Mod.
                BinaryOp::Mod => Number::Float(x % y),
                BinaryOp::Pow => Number::Float(super::gomath::pow(x, y)),
                _ => {
                    return Ok(Value::Bool(match op {
                        BinaryOp::Lt => x < y,
                        BinaryOp::Lte => x <= y,
                        BinaryOp::Gt => x > y,
                        _ => x >= y,
                    }))
                }
            }
        }
    };
    Ok(Value::Number(value))
}

/// The divide-by-zero check looks at the divisor's own kind, before
/// widening, as upstream does.
fn b_is_zero(b: Number) -> bool {
    match b {
        Number::Int(i) => i == 0,
        Number::Uint(u) => u == 0,
        Number::Float(f) => f == 0.0,
    }
}

fn compare(op: BinaryOp, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Greater, Less};
    match op {
        BinaryOp::Lt => ordering == Less,
        BinaryOp::Lte => ordering != Greater,
        BinaryOp::Gt => ordering == Greater,
        _ => ordering != Less,
    }
}

/// Upstream's `intPow`: `n` multiplied by itself `m - 1` times with
/// wrapping, computed by squaring (same result, bounded time).
fn int_pow(n: i64, m: i64) -> i64 {
    if m == 0 || n == 1 {
        return 1;
    }
    if n == 0 && m > 0 {
        return 0;
    }
    if m < 2 {
        return n;
    }
    wrapping_pow(n as u64, m as u64) as i64
}

fn uint_pow(n: u64, m: u64) -> u64 {
    if m == 0 || n == 1 {
        return 1;
    }
    if n == 0 {
        return 0;
    }
    wrapping_pow(n, m)
}

/// `base^exp` modulo 2^64; two's complement makes this right for signed
/// bases too.
fn wrapping_pow(mut base: u64, mut exp: u64) -> u64 {
    let mut acc: u64 = 1;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = acc.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        exp >>= 1;
    }
    acc
}

/// A unary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

impl UnaryOp {
    pub fn from_kind(kind: SyntaxKind) -> Option<UnaryOp> {
        match kind {
            SyntaxKind::NOT => Some(UnaryOp::Not),
            SyntaxKind::SUB => Some(UnaryOp::Neg),
            _ => None,
        }
    }
}

/// Applies a unary operator; an error is about the operand.
pub fn unary(op: UnaryOp, value: &Value) -> Result<Value, ErrorKind> {
    let mismatch = |expected| {
        ErrorKind::Value(ValueErrorKind::Type {
            expected,
            actual: value.ty(),
        })
    };
    match op {
        UnaryOp::Not => match value {
            Value::Bool(b) => Ok(Value::Bool(!b)),
            _ => Err(mismatch(Type::Bool)),
        },
        UnaryOp::Neg => match value {
            // A negated uint becomes an int, as upstream.
            Value::Number(Number::Float(f)) => Ok(Value::float(-f)),
            Value::Number(n) => Ok(Value::int(n.as_i64().wrapping_neg())),
            _ => Err(mismatch(Type::Number)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow_matches_repeated_multiplication() {
        assert_eq!(int_pow(3, 5), 243);
        assert_eq!(int_pow(3, 0), 1);
        assert_eq!(int_pow(0, 1), 0);
        assert_eq!(int_pow(5, -2), 5);
        assert_eq!(int_pow(2, 64), 0);
        assert_eq!(int_pow(-2, 3), -8);
        // Huge exponents finish (upstream's loop would not).
        let _ = int_pow(3, i64::MAX);
        let mut r: i64 = 7;
        for _ in 2..=100 {
            r = r.wrapping_mul(7);
        }
        assert_eq!(int_pow(7, 100), r);
    }

    #[test]
    fn integer_division_wraps_like_go() {
        let v = arithmetic(Number::Int(i64::MIN), BinaryOp::Div, Number::Int(-1));
        assert_eq!(v, Ok(Value::int(i64::MIN)));
        let v = arithmetic(Number::Int(i64::MIN), BinaryOp::Mod, Number::Int(-1));
        assert_eq!(v, Ok(Value::int(0)));
    }
}
