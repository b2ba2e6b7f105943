//! Capsules: values the language can pass around but not look into.
//!
//! Components export live objects (a Prometheus receiver, an OTLP consumer)
//! that other components receive as arguments; the language only moves
//! them. Secrets are capsules too, so that the value system itself, not
//! each caller, stops them from turning into strings: a secret is never
//! printed by `Display` or `Debug`, never converted to a string, and its
//! text is only reachable through an explicit [`Secret::reveal`].

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use super::Object;

/// A sensitive string (upstream `alloytypes.Secret`).
///
/// Strings convert into secrets implicitly; secrets never convert back
/// (`secrets may not be converted into strings`), except through the
/// explicit `convert.nonsensitive` function. Formatting prints `(secret)`.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(text: impl Into<Arc<str>>) -> Secret {
        Secret(text.into())
    }

    /// The secret text. Every call site is a place where a secret leaves
    /// the value system, so the name is meant to stand out in review.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret((secret))")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(secret)")
    }
}

/// A string that may or may not be sensitive (upstream
/// `alloytypes.OptionalSecret`), for arguments such as `local.file`'s
/// `content` that are secret only when configured so.
///
/// It prints as a quoted string when not secret and as `(secret)` when
/// secret, converts to a string only when not secret, and always converts
/// to a [`Secret`].
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct OptionalSecret {
    value: Arc<str>,
    is_secret: bool,
}

impl OptionalSecret {
    pub fn new(value: impl Into<Arc<str>>, is_secret: bool) -> OptionalSecret {
        OptionalSecret {
            value: value.into(),
            is_secret,
        }
    }

    /// A non-sensitive value.
    pub fn plain(value: impl Into<Arc<str>>) -> OptionalSecret {
        OptionalSecret::new(value, false)
    }

    pub fn is_secret(&self) -> bool {
        self.is_secret
    }

    /// The text if it is not secret.
    pub fn as_plain(&self) -> Option<&str> {
        (!self.is_secret).then_some(&*self.value)
    }

    /// The text whether or not it is secret; see [`Secret::reveal`].
    pub fn reveal(&self) -> &str {
        &self.value
    }

    /// Go's zero value check (`coalesce` skips zero values).
    pub fn is_zero(&self) -> bool {
        !self.is_secret && self.value.is_empty()
    }
}

impl fmt::Debug for OptionalSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_secret {
            f.write_str("OptionalSecret((secret))")
        } else {
            write!(f, "OptionalSecret({:?})", &*self.value)
        }
    }
}

impl fmt::Display for OptionalSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_secret {
            f.write_str("(secret)")
        } else {
            f.write_str(&alloy_syntax::unicode::go_quote(self.value.as_bytes()))
        }
    }
}

impl From<Secret> for OptionalSecret {
    fn from(secret: Secret) -> OptionalSecret {
        OptionalSecret {
            value: secret.0,
            is_secret: true,
        }
    }
}

impl From<OptionalSecret> for Secret {
    fn from(value: OptionalSecret) -> Secret {
        Secret(value.value)
    }
}

/// A host value carried in a capsule, such as a component's receiver.
///
/// Implementations must be cheap to share (`Arc`) and must not print
/// anything sensitive from `type_name`.
pub trait CapsuleValue: Any + Send + Sync {
    /// The name shown in messages, e.g. `capsule("MetricsReceiver")`.
    /// Use the catalogue's capsule names where one applies, so that
    /// arguments typed with that capsule accept the value.
    fn type_name(&self) -> &str;

    /// Equality for `==` beyond identity (identity is always equal).
    /// Upstream compares capsules with Go's `reflect.DeepEqual`.
    fn equals(&self, _other: &dyn CapsuleValue) -> bool {
        false
    }

    /// An object view of the capsule (upstream's `ConvertibleIntoCapsule`
    /// into a map), which makes `capsule.field` and `capsule["field"]`
    /// work and lets functions that need objects accept it.
    fn to_object(&self) -> Option<Object> {
        None
    }
}

/// A shared handle to a [`CapsuleValue`].
#[derive(Clone)]
pub struct HostCapsule(Arc<dyn CapsuleValue>);

impl HostCapsule {
    pub fn new<T: CapsuleValue>(value: T) -> HostCapsule {
        HostCapsule(Arc::new(value))
    }

    pub fn from_arc(value: Arc<dyn CapsuleValue>) -> HostCapsule {
        HostCapsule(value)
    }

    pub fn type_name(&self) -> &str {
        self.0.type_name()
    }

    /// The concrete host value, if it has type `T`.
    pub fn downcast_ref<T: CapsuleValue>(&self) -> Option<&T> {
        let any: &dyn Any = &*self.0;
        any.downcast_ref::<T>()
    }

    /// A shared pointer to the concrete host value, if it has type `T`.
    pub fn downcast_arc<T: CapsuleValue>(&self) -> Option<Arc<T>> {
        let any: Arc<dyn Any + Send + Sync> = self.0.clone();
        any.downcast::<T>().ok()
    }

    pub fn as_arc(&self) -> &Arc<dyn CapsuleValue> {
        &self.0
    }

    pub fn ptr_eq(&self, other: &HostCapsule) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for HostCapsule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "capsule({:?})", self.type_name())
    }
}

/// The value of a capsule.
#[derive(Clone, Debug)]
pub enum Capsule {
    Secret(Secret),
    OptionalSecret(OptionalSecret),
    Host(HostCapsule),
}

impl Capsule {
    /// The Go-side type name used in messages.
    pub fn type_name(&self) -> &str {
        match self {
            Capsule::Secret(_) => "alloytypes.Secret",
            Capsule::OptionalSecret(_) => "alloytypes.OptionalSecret",
            Capsule::Host(host) => host.type_name(),
        }
    }

    /// Upstream's `Describe`: `capsule("alloytypes.Secret")`.
    pub fn describe(&self) -> String {
        format!(
            "capsule({})",
            alloy_syntax::unicode::go_quote(self.type_name().as_bytes())
        )
    }

    /// Whether the capsule holds something sensitive.
    pub fn is_sensitive(&self) -> bool {
        match self {
            Capsule::Secret(_) => true,
            Capsule::OptionalSecret(s) => s.is_secret(),
            Capsule::Host(_) => false,
        }
    }

    /// Go's zero-value check, used by `coalesce`.
    pub fn is_zero(&self) -> bool {
        match self {
            Capsule::Secret(s) => s.is_empty(),
            Capsule::OptionalSecret(s) => s.is_zero(),
            Capsule::Host(_) => false,
        }
    }

    pub fn to_object(&self) -> Option<Object> {
        match self {
            Capsule::Host(host) => host.0.to_object(),
            _ => None,
        }
    }

    /// Capsule equality as upstream's `reflect.DeepEqual`.
    pub fn deep_eq(&self, other: &Capsule) -> bool {
        match (self, other) {
            (Capsule::Secret(a), Capsule::Secret(b)) => a == b,
            (Capsule::OptionalSecret(a), Capsule::OptionalSecret(b)) => a == b,
            (Capsule::Host(a), Capsule::Host(b)) => a.ptr_eq(b) || a.0.equals(&*b.0),
            _ => false,
        }
    }
}

impl PartialEq for Capsule {
    fn eq(&self, other: &Capsule) -> bool {
        self.deep_eq(other)
    }
}

impl fmt::Display for Capsule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Capsule::Secret(s) => fmt::Display::fmt(s, f),
            Capsule::OptionalSecret(s) => fmt::Display::fmt(s, f),
            Capsule::Host(_) => f.write_str(&self.describe()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret}"), "(secret)");
        assert!(!format!("{secret:?}").contains("hunter2"));
        let optional = OptionalSecret::new("hunter2", true);
        assert!(!format!("{optional} {optional:?}").contains("hunter2"));
        let capsule = Capsule::Secret(secret.clone());
        assert!(!format!("{capsule} {capsule:?}").contains("hunter2"));
        assert_eq!(secret.reveal(), "hunter2");
    }

    #[test]
    fn plain_optional_secrets_print() {
        let plain = OptionalSecret::plain("foobar");
        assert_eq!(plain.to_string(), "\"foobar\"");
        assert_eq!(plain.as_plain(), Some("foobar"));
    }

    struct Receiver;
    impl CapsuleValue for Receiver {
        fn type_name(&self) -> &str {
            "MetricsReceiver"
        }
    }

    #[test]
    fn host_capsules_downcast() {
        let host = HostCapsule::new(Receiver);
        assert!(host.downcast_ref::<Receiver>().is_some());
        assert!(host.downcast_arc::<Receiver>().is_some());
        assert_eq!(
            Capsule::Host(host.clone()).describe(),
            "capsule(\"MetricsReceiver\")"
        );
        assert!(Capsule::Host(host.clone()).deep_eq(&Capsule::Host(host)));
    }
}
