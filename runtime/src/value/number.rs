//! Alloy numbers: one type with three Go representations ("kinds").
//!
//! Upstream stores a number as whatever Go type produced it and folds the
//! Go types into three kinds. Arithmetic widens to the wider kind of its
//! operands (uint < int < float), so `1 + 2` stays an integer while
//! `1 + 2.0` is a float, and `5 / 2` is integer division. Keeping the kind
//! is therefore part of the semantics, not an implementation detail.

use std::fmt;

/// Which Go representation a number has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NumberKind {
    /// `uint64` (and the narrower unsigned Go types).
    Uint,
    /// `int64` (and the narrower signed Go types).
    Int,
    /// `float64` (and `float32`).
    Float,
}

impl NumberKind {
    /// The kind both operands of an arithmetic operator are converted to:
    /// the wider of the two in the order uint < int < float.
    pub fn widest(self, other: NumberKind) -> NumberKind {
        self.max(other)
    }
}

/// An Alloy number.
#[derive(Clone, Copy, Debug)]
pub enum Number {
    Int(i64),
    Uint(u64),
    Float(f64),
}

impl Number {
    pub fn kind(self) -> NumberKind {
        match self {
            Number::Int(_) => NumberKind::Int,
            Number::Uint(_) => NumberKind::Uint,
            Number::Float(_) => NumberKind::Float,
        }
    }

    /// The value as `int64`, converting the way Go's conversions do: a
    /// uint wraps, a float truncates toward zero (saturating where Go's
    /// result is machine-dependent).
    pub fn as_i64(self) -> i64 {
        match self {
            Number::Int(i) => i,
            Number::Uint(u) => u as i64,
            Number::Float(f) => f as i64,
        }
    }

    /// The value as `uint64`, with Go's conversion rules (see [`as_i64`]).
    ///
    /// [`as_i64`]: Number::as_i64
    pub fn as_u64(self) -> u64 {
        match self {
            Number::Int(i) => i as u64,
            Number::Uint(u) => u,
            Number::Float(f) => {
                // Go converts negative floats through int64 on common
                // platforms; saturating at zero would turn -1.0 into 0.
                if f < 0.0 {
                    (f as i64) as u64
                } else {
                    f as u64
                }
            }
        }
    }

    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Uint(u) => u as f64,
            Number::Float(f) => f,
        }
    }

    /// Converts to `kind` with Go's conversion rules.
    pub fn to_kind(self, kind: NumberKind) -> Number {
        match kind {
            NumberKind::Int => Number::Int(self.as_i64()),
            NumberKind::Uint => Number::Uint(self.as_u64()),
            NumberKind::Float => Number::Float(self.as_f64()),
        }
    }

    /// Whether this is Go's zero value for its type (`coalesce` skips
    /// those). A negative zero float is not: Go compares the bits.
    pub fn is_zero(self) -> bool {
        match self {
            Number::Int(i) => i == 0,
            Number::Uint(u) => u == 0,
            Number::Float(f) => f.to_bits() == 0,
        }
    }

    /// Strict equality: same kind and same value. `array.combine_maps`
    /// joins on this (Go's `reflect.Value.Equal`), so `1` does not join
    /// with `1.0`. The `==` operator instead compares after widening.
    pub fn same_as(self, other: Number) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            (Number::Uint(a), Number::Uint(b)) => a == b,
            (Number::Float(a), Number::Float(b)) => a == b,
            _ => false,
        }
    }
}

/// Formats as upstream converts a number to a string: integers in decimal
/// and floats as Go's `strconv.FormatFloat(f, 'f', -1, 64)`, the shortest
/// digits that round-trip and never an exponent.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Uint(u) => write!(f, "{u}"),
            Number::Float(x) => f.write_str(&super::strconv::format_float_f_shortest(x)),
        }
    }
}

/// Strict equality, so that tests and hash-free comparisons see the kind;
/// the language's `==` lives in the evaluator and widens first.
impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.same_as(*other)
    }
}

macro_rules! from_signed {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Number {
                Number::Int(v as i64)
            }
        }
    )*};
}
macro_rules! from_unsigned {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Number {
                Number::Uint(v as u64)
            }
        }
    )*};
}
from_signed!(i8, i16, i32, i64, isize);
from_unsigned!(u8, u16, u32, u64, usize);

impl From<f64> for Number {
    fn from(v: f64) -> Number {
        Number::Float(v)
    }
}

impl From<f32> for Number {
    fn from(v: f32) -> Number {
        Number::Float(f64::from(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_follows_uint_int_float() {
        assert_eq!(NumberKind::Uint.widest(NumberKind::Int), NumberKind::Int);
        assert_eq!(NumberKind::Float.widest(NumberKind::Int), NumberKind::Float);
    }

    #[test]
    fn strings_match_go() {
        assert_eq!(Number::Float(3.0).to_string(), "3");
        assert_eq!(Number::Float(0.9).to_string(), "0.9");
        assert_eq!(Number::Float(1e21).to_string(), "1000000000000000000000");
        assert_eq!(Number::Float(f64::INFINITY).to_string(), "+Inf");
        assert_eq!(Number::Uint(u64::MAX).to_string(), "18446744073709551615");
    }

    #[test]
    fn zero_is_go_zero() {
        assert!(Number::Float(0.0).is_zero());
        assert!(!Number::Float(-0.0).is_zero());
        assert!(Number::Uint(0).is_zero());
    }
}
