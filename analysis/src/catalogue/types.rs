//! Structured form of the catalogue's type strings (`type_canonical`).
//!
//! The catalogue spells types as a tiny language (`list(map(string))`,
//! `capsule(otelcol.Handler)`); parsing it once into [`Type`] lets checkers
//! match on structure instead of comparing strings. Per the team's rules,
//! small languages inside strings are parsed with chumsky.

use std::fmt;

use chumsky::prelude::*;

/// An Alloy value type as the catalogue names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    String,
    Number,
    Bool,
    /// A string parsed with Go's `time.ParseDuration` (`"5s"`, `"1m30s"`).
    Duration,
    /// A capsule holding a secret; plain strings convert to it implicitly.
    Secret,
    /// A string or a secret (`local.file` `content`), depending on
    /// configuration; converts to a string only when not secret.
    OptionalSecret,
    /// Any value; nothing can be checked statically.
    Any,
    /// An object whose keys are not fixed by the schema.
    Object,
    List(Box<Type>),
    /// An object with string keys and values of the given type.
    Map(Box<Type>),
    Capsule(Capsule),
}

/// Opaque Go values that components pass to each other.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Capsule {
    /// `otelcol.Consumer`: the `input` of otelcol components.
    OtelcolConsumer,
    /// `capsule(otelcol.Handler)`: auth and storage extension handlers.
    OtelcolHandler,
    /// Loki `receiver` exports and `forward_to` elements.
    LogsReceiver,
    /// Prometheus `receiver` exports and `forward_to` elements.
    MetricsReceiver,
    /// Pyroscope `receiver` exports and `forward_to` elements.
    ProfilesReceiver,
    /// The `rules` export of `*.relabel`.
    RelabelRules,
    /// Any other `capsule(<name>)`, kept so new upstream capsules still parse.
    Other(String),
}

impl Capsule {
    /// Maps a Go-side capsule name to a variant; `capsule(LogsReceiver)` and
    /// the bare `LogsReceiver` mean the same thing.
    fn from_name(name: &str) -> Capsule {
        match name {
            "otelcol.Consumer" => Capsule::OtelcolConsumer,
            "otelcol.Handler" => Capsule::OtelcolHandler,
            "LogsReceiver" => Capsule::LogsReceiver,
            "MetricsReceiver" => Capsule::MetricsReceiver,
            "ProfilesReceiver" => Capsule::ProfilesReceiver,
            "RelabelRules" => Capsule::RelabelRules,
            other => Capsule::Other(other.to_owned()),
        }
    }

    /// The name inside `capsule(...)`.
    pub fn name(&self) -> &str {
        match self {
            Capsule::OtelcolConsumer => "otelcol.Consumer",
            Capsule::OtelcolHandler => "otelcol.Handler",
            Capsule::LogsReceiver => "LogsReceiver",
            Capsule::MetricsReceiver => "MetricsReceiver",
            Capsule::ProfilesReceiver => "ProfilesReceiver",
            Capsule::RelabelRules => "RelabelRules",
            Capsule::Other(name) => name,
        }
    }

    /// Whether the catalogue writes this capsule without `capsule(...)`.
    fn is_bare(&self) -> bool {
        !matches!(self, Capsule::OtelcolHandler | Capsule::Other(_))
    }
}

/// The kinds of value in Alloy's value system, for "expected X, got Y"
/// diagnostics that do not need the full type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    Number,
    String,
    Bool,
    Array,
    Object,
    Capsule,
    /// No constraint (`any`).
    Any,
}

impl Type {
    /// Parses a catalogue type string. Whitespace is allowed around names
    /// and parentheses; unknown bare names are rejected so that a new
    /// upstream spelling is noticed rather than treated as `any`.
    pub fn parse(input: &str) -> Result<Type, TypeParseError> {
        parser()
            .parse(input)
            .into_result()
            .map_err(|errors| TypeParseError::from_rich(input, &errors))
    }

    fn from_name(name: &str) -> Option<Type> {
        Some(match name {
            "string" => Type::String,
            "number" => Type::Number,
            "bool" => Type::Bool,
            "duration" => Type::Duration,
            "secret" => Type::Secret,
            "optional_secret" => Type::OptionalSecret,
            "any" => Type::Any,
            "object" => Type::Object,
            "otelcol.Consumer" | "LogsReceiver" | "MetricsReceiver" | "ProfilesReceiver"
            | "RelabelRules" => Type::Capsule(Capsule::from_name(name)),
            _ => return None,
        })
    }

    /// The value kind a literal must have, before implicit conversions:
    /// durations are written as strings, secrets and receivers are capsules,
    /// maps are objects.
    pub fn value_kind(&self) -> ValueKind {
        match self {
            Type::String | Type::Duration => ValueKind::String,
            Type::Number => ValueKind::Number,
            Type::Bool => ValueKind::Bool,
            Type::Secret | Type::OptionalSecret | Type::Capsule(_) => ValueKind::Capsule,
            Type::Any => ValueKind::Any,
            Type::Object | Type::Map(_) => ValueKind::Object,
            Type::List(_) => ValueKind::Array,
        }
    }

    /// True for `secret` and `optional_secret` themselves.
    pub fn is_secret(&self) -> bool {
        matches!(self, Type::Secret | Type::OptionalSecret)
    }

    /// True if a secret can occur anywhere inside (`map(list(secret))`
    /// headers), so that whole values are redacted in output.
    pub fn contains_secret(&self) -> bool {
        match self {
            Type::List(inner) | Type::Map(inner) => inner.contains_secret(),
            other => other.is_secret(),
        }
    }

    /// Element type of `list(T)` and value type of `map(T)`.
    pub fn element(&self) -> Option<&Type> {
        match self {
            Type::List(inner) | Type::Map(inner) => Some(inner),
            _ => None,
        }
    }
}

/// Prints the canonical spelling, so `Type::parse(s)?.to_string() == s` for
/// every catalogue type.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Duration => f.write_str("duration"),
            Type::Secret => f.write_str("secret"),
            Type::OptionalSecret => f.write_str("optional_secret"),
            Type::Any => f.write_str("any"),
            Type::Object => f.write_str("object"),
            Type::List(inner) => write!(f, "list({inner})"),
            Type::Map(inner) => write!(f, "map({inner})"),
            Type::Capsule(c) if c.is_bare() => f.write_str(c.name()),
            Type::Capsule(c) => write!(f, "capsule({})", c.name()),
        }
    }
}

impl std::str::FromStr for Type {
    type Err = TypeParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Type::parse(s)
    }
}

/// A type string that is not in the catalogue's type language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeParseError {
    pub input: String,
    /// Byte offset of the first error in `input`.
    pub offset: usize,
    pub message: String,
}

impl TypeParseError {
    fn from_rich(input: &str, errors: &[Rich<'_, char>]) -> Self {
        let (offset, message) = errors.first().map_or_else(
            || (0, "invalid type".to_owned()),
            |e| (e.span().start, e.to_string()),
        );
        TypeParseError {
            input: input.to_owned(),
            offset,
            message,
        }
    }
}

impl fmt::Display for TypeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid type {:?} at byte {}: {}",
            self.input, self.offset, self.message
        )
    }
}

impl std::error::Error for TypeParseError {}

/// `type := list(type) | map(type) | capsule(name) | name`, where `name` is
/// a dotted identifier such as `otelcol.Consumer`.
fn parser<'src>() -> impl Parser<'src, &'src str, Type, extra::Err<Rich<'src, char>>> {
    let ident = text::ascii::ident();
    let name = ident
        .then(just('.').then(ident).repeated())
        .to_slice()
        .labelled("type name");
    let open = just('(').padded();
    let close = just(')');
    let ty = recursive(|ty| {
        let inner = ty.padded().delimited_by(open, close);
        let list = text::ascii::keyword("list")
            .ignore_then(inner.clone())
            .map(|t| Type::List(Box::new(t)));
        let map = text::ascii::keyword("map")
            .ignore_then(inner)
            .map(|t| Type::Map(Box::new(t)));
        let capsule = text::ascii::keyword("capsule")
            .ignore_then(name.padded().delimited_by(open, close))
            .map(|n: &str| Type::Capsule(Capsule::from_name(n)));
        let named = name.try_map(|n: &str, span| {
            Type::from_name(n).ok_or_else(|| Rich::custom(span, format!("unknown type `{n}`")))
        });
        choice((list, map, capsule, named))
    });
    ty.padded().then_ignore(end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Type {
        Type::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn scalars_and_nesting() {
        assert_eq!(parse("string"), Type::String);
        assert_eq!(parse("duration"), Type::Duration);
        assert_eq!(parse("list(string)"), Type::List(Box::new(Type::String)));
        assert_eq!(
            parse("list(map(string))"),
            Type::List(Box::new(Type::Map(Box::new(Type::String))))
        );
        assert_eq!(
            parse(" map ( list( secret ) ) "),
            Type::Map(Box::new(Type::List(Box::new(Type::Secret))))
        );
    }

    #[test]
    fn capsules_bare_and_wrapped_mean_the_same() {
        let consumer = Type::Capsule(Capsule::OtelcolConsumer);
        assert_eq!(parse("otelcol.Consumer"), consumer);
        assert_eq!(parse("capsule(otelcol.Consumer)"), consumer);
        assert_eq!(consumer.to_string(), "otelcol.Consumer");
        assert_eq!(
            parse("capsule(otelcol.Handler)").to_string(),
            "capsule(otelcol.Handler)"
        );
        assert_eq!(parse("capsule(LogsReceiver)").to_string(), "LogsReceiver");
        assert_eq!(
            parse("capsule(foo.Bar)"),
            Type::Capsule(Capsule::Other("foo.Bar".to_owned()))
        );
    }

    #[test]
    fn rejects_unknown_and_malformed() {
        for bad in [
            "",
            "strin",
            "list",
            "list()",
            "list(string",
            "map(string))",
            "foo.Bar",
        ] {
            let err = Type::parse(bad).expect_err(bad);
            assert_eq!(err.input, bad);
            assert!(!err.to_string().is_empty());
        }
        let err = Type::parse("list(strng)").expect_err("unknown inner");
        assert_eq!(err.offset, 5, "{err}");
    }

    #[test]
    fn secrets_and_kinds() {
        assert!(parse("map(list(secret))").contains_secret());
        assert!(!parse("map(list(secret))").is_secret());
        assert!(parse("optional_secret").is_secret());
        assert_eq!(parse("duration").value_kind(), ValueKind::String);
        assert_eq!(parse("map(string)").value_kind(), ValueKind::Object);
        assert_eq!(parse("list(number)").element(), Some(&Type::Number));
    }
}
