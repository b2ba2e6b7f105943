//! Alloy values with upstream's semantics.
//!
//! A [`Value`] is what evaluating an expression produces and what
//! components receive and export. Compound values are reference-counted,
//! so cloning a value (which the evaluator and the scope do constantly) is
//! cheap, and values can be shared between threads.
//!
//! * [`number`]: the three number kinds and their promotion rules.
//! * [`Object`]: ordered objects (upstream's are unordered Go maps; see
//!   the module for what we do instead).
//! * [`capsule`]: opaque host values and the two secret types, which never
//!   print their contents.
//! * [`convert`]: the decoding rules applied when a value is assigned to a
//!   typed argument, and the [`FromValue`] trait components decode with.
//! * [`strconv`] and [`duration`]: Go's text forms of numbers, string
//!   literals and durations, which the language inherits.

pub mod capsule;
pub mod convert;
mod display;
pub mod duration;
mod error;
mod function;
pub mod number;
mod object;
pub mod strconv;

use std::fmt;
use std::sync::Arc;

pub use capsule::{Capsule, CapsuleValue, HostCapsule, OptionalSecret, Secret};
pub use convert::FromValue;
pub use duration::GoDuration;
pub use error::{PathSegment, ValueError, ValueErrorKind};
pub use function::{Arity, CallError, Function, FunctionImpl};
pub use number::{Number, NumberKind};
pub use object::Object;

/// The type of a value, as upstream names it in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Null,
    Number,
    String,
    Bool,
    Array,
    Object,
    Function,
    Capsule,
}

impl Type {
    pub fn as_str(self) -> &'static str {
        match self {
            Type::Null => "null",
            Type::Number => "number",
            Type::String => "string",
            Type::Bool => "bool",
            Type::Array => "array",
            Type::Object => "object",
            Type::Function => "function",
            Type::Capsule => "capsule",
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An Alloy value.
///
/// `Debug` and `Display` never show secret contents. `Display` renders the
/// value as Alloy syntax (`{ a = [1, "x"] }`), which is what the UI and
/// error messages show.
#[derive(Clone, Default)]
pub enum Value {
    #[default]
    Null,
    Number(Number),
    String(Arc<str>),
    Bool(bool),
    Array(Arc<Vec<Value>>),
    Object(Arc<Object>),
    Function(Function),
    Capsule(Capsule),
}

impl Value {
    pub fn ty(&self) -> Type {
        match self {
            Value::Null => Type::Null,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::Bool(_) => Type::Bool,
            Value::Array(_) => Type::Array,
            Value::Object(_) => Type::Object,
            Value::Function(_) => Type::Function,
            Value::Capsule(_) => Type::Capsule,
        }
    }

    /// Upstream's `Describe`: the type, or `capsule("<Go type>")`.
    pub fn describe(&self) -> String {
        match self {
            Value::Capsule(c) => c.describe(),
            other => other.ty().to_string(),
        }
    }

    pub fn string(text: impl Into<Arc<str>>) -> Value {
        Value::String(text.into())
    }

    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }

    pub fn uint(u: u64) -> Value {
        Value::Number(Number::Uint(u))
    }

    pub fn float(f: f64) -> Value {
        Value::Number(Number::Float(f))
    }

    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Arc::new(items))
    }

    pub fn object(object: Object) -> Value {
        Value::Object(Arc::new(object))
    }

    pub fn secret(text: impl Into<Arc<str>>) -> Value {
        Value::Capsule(Capsule::Secret(Secret::new(text)))
    }

    pub fn optional_secret(text: impl Into<Arc<str>>, is_secret: bool) -> Value {
        Value::Capsule(Capsule::OptionalSecret(OptionalSecret::new(
            text, is_secret,
        )))
    }

    pub fn capsule<T: CapsuleValue>(host: T) -> Value {
        Value::Capsule(Capsule::Host(HostCapsule::new(host)))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<Number> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }

    pub fn as_function(&self) -> Option<&Function> {
        match self {
            Value::Function(f) => Some(f),
            _ => None,
        }
    }

    pub fn as_capsule(&self) -> Option<&Capsule> {
        match self {
            Value::Capsule(c) => Some(c),
            _ => None,
        }
    }

    /// The host value inside a capsule, if it has type `T`.
    pub fn downcast_capsule<T: CapsuleValue>(&self) -> Option<&T> {
        match self {
            Value::Capsule(Capsule::Host(host)) => host.downcast_ref::<T>(),
            _ => None,
        }
    }

    /// Length of an array or object.
    pub fn collection_len(&self) -> Option<usize> {
        match self {
            Value::Array(items) => Some(items.len()),
            Value::Object(object) => Some(object.len()),
            _ => None,
        }
    }

    /// An object, or a capsule that converts to one (upstream's
    /// `TryConvertToObject`), for code that accepts both.
    pub fn object_view(&self) -> Option<std::borrow::Cow<'_, Object>> {
        match self {
            Value::Object(object) => Some(std::borrow::Cow::Borrowed(object)),
            Value::Capsule(capsule) => capsule.to_object().map(std::borrow::Cow::Owned),
            _ => None,
        }
    }

    /// Whether this is the Go zero value or an empty collection, the test
    /// `coalesce` uses to skip an argument.
    pub fn is_empty_like(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Number(n) => n.is_zero(),
            Value::String(s) => s.is_empty(),
            Value::Bool(b) => !b,
            Value::Array(items) => items.is_empty(),
            Value::Object(object) => object.is_empty(),
            Value::Function(_) => false,
            Value::Capsule(c) => c.is_zero() || c.to_object().is_some_and(|o| o.is_empty()),
        }
    }

    /// Whether the value contains a secret anywhere (a [`Secret`] or a
    /// secret [`OptionalSecret`]), so that functions turning values into
    /// text can keep the result secret.
    pub fn contains_secret(&self) -> bool {
        match self {
            Value::Capsule(c) => c.is_sensitive(),
            Value::Array(items) => items.iter().any(Value::contains_secret),
            Value::Object(object) => object.values().any(Value::contains_secret),
            _ => false,
        }
    }
}

/// Structural equality that also compares number kinds (`Int(1)` is not
/// `Float(1.0)`), meant for tests and caches. The language's `==` widens
/// numbers first; it is in the evaluator.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => a == b,
            (Value::Object(a), Value::Object(b)) => a == b,
            (Value::Function(a), Value::Function(b)) => a.ptr_eq(b),
            (Value::Capsule(a), Value::Capsule(b)) => a.deep_eq(b),
            _ => false,
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Number(n) => write!(f, "{n:?}"),
            Value::String(s) => write!(f, "String({:?})", &**s),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Array(items) => f.debug_list().entries(items.iter()).finish(),
            Value::Object(object) => write!(f, "{object:?}"),
            Value::Function(func) => write!(f, "{func:?}"),
            Value::Capsule(c) => write!(f, "{c:?}"),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s.into())
    }
}

impl From<Arc<str>> for Value {
    fn from(s: Arc<str>) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

macro_rules! from_number {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::Number(Number::from(v))
            }
        }
    )*};
}
from_number!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64);

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::array(items)
    }
}

impl From<Object> for Value {
    fn from(object: Object) -> Value {
        Value::object(object)
    }
}

impl From<Secret> for Value {
    fn from(secret: Secret) -> Value {
        Value::Capsule(Capsule::Secret(secret))
    }
}

impl From<OptionalSecret> for Value {
    fn from(secret: OptionalSecret) -> Value {
        Value::Capsule(Capsule::OptionalSecret(secret))
    }
}

impl From<Capsule> for Value {
    fn from(capsule: Capsule) -> Value {
        Value::Capsule(capsule)
    }
}

impl From<HostCapsule> for Value {
    fn from(host: HostCapsule) -> Value {
        Value::Capsule(Capsule::Host(host))
    }
}

impl From<Function> for Value {
    fn from(function: Function) -> Value {
        Value::Function(function)
    }
}

/// Durations are exported as their Go text (`"1m30s"`), as upstream's
/// `time.Duration` values are when they reach the language.
impl From<GoDuration> for Value {
    fn from(d: GoDuration) -> Value {
        Value::String(d.to_string().into())
    }
}

impl From<std::time::Duration> for Value {
    fn from(d: std::time::Duration) -> Value {
        Value::from(GoDuration::from_std(d))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}
