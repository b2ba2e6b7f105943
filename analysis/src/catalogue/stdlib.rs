//! Standard-library functions and objects (`constants`).

use super::schema::Stability;
use super::types::Type;

/// A parameter of a stdlib function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    pub name: &'static str,
    /// Type spelling as in the catalogue, e.g. `list(map(any))`.
    pub ty: &'static str,
    /// May be omitted (only trailing parameters are optional).
    pub optional: bool,
    /// Takes any number of values, including none.
    pub variadic: bool,
}

impl Param {
    pub fn parsed_type(&self) -> &'static Type {
        super::cached_type(self.ty)
    }
}

/// A stdlib function such as `string.format` or its deprecated alias
/// `format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StdlibFunction {
    /// Full name as called, e.g. `encoding.from_json`.
    pub name: &'static str,
    /// `None` for top-level functions (`coalesce`, `json_path` and the
    /// deprecated aliases).
    pub namespace: Option<&'static str>,
    pub params: &'static [Param],
    pub returns: &'static str,
    /// Human-readable, e.g. `string.join(list, separator) -> string`.
    pub signature: &'static str,
    /// The docs' own signature when its parameter names differ.
    pub doc_signature: Option<&'static str>,
    pub stability: Stability,
    /// For deprecated top-level aliases (`env`), the function to use
    /// instead (`sys.env`); the alias still works upstream.
    pub deprecated_alias_of: Option<&'static str>,
    pub doc_url: &'static str,
    /// Behaviour the signature cannot express (argument counts, empty input).
    pub note: Option<&'static str>,
}

impl StdlibFunction {
    pub fn is_deprecated(&self) -> bool {
        self.deprecated_alias_of.is_some()
    }

    /// The function a deprecated alias stands for, for quick fixes.
    pub fn replacement(&self) -> Option<&'static StdlibFunction> {
        self.deprecated_alias_of.and_then(super::stdlib_function)
    }

    /// `(minimum, maximum)` number of arguments; the maximum is `None` for
    /// variadic functions. Arity errors are the most common stdlib mistake,
    /// and computing this from `params` by hand is easy to get wrong.
    pub fn arity(&self) -> (usize, Option<usize>) {
        let min = self
            .params
            .iter()
            .filter(|p| !p.optional && !p.variadic)
            .count();
        let max = if self.params.iter().any(|p| p.variadic) {
            None
        } else {
            Some(self.params.len())
        };
        (min, max)
    }

    pub fn parsed_return_type(&self) -> &'static Type {
        super::cached_type(self.returns)
    }
}

/// A field of a stdlib object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjectField {
    pub name: &'static str,
    pub ty: &'static str,
}

/// A stdlib value that is an object rather than a function (`constants`,
/// used as `constants.hostname`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StdlibObject {
    pub name: &'static str,
    pub fields: &'static [ObjectField],
    pub doc_url: &'static str,
}

impl StdlibObject {
    pub fn field(&self, name: &str) -> Option<&'static ObjectField> {
        self.fields.iter().find(|f| f.name == name)
    }
}
