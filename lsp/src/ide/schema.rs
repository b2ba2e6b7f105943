//! What a body accepts, from the names of the blocks around it: a module
//! body (components and config blocks), a schema from the catalogue (a
//! component, a config block or one of their nested blocks), or a custom
//! component's arguments.

use alloy_analysis::catalogue::{self, Argument, Body, Type};

use super::cursor::Header;

/// The schema of one body.
#[derive(Clone, Debug)]
pub enum BodySchema {
    /// Statements are components and config blocks (the root, a `declare`
    /// body, a `foreach` template).
    Module {
        in_declare: bool,
    },
    /// A component or config block (`owner`) or a block nested in one
    /// (`path` from the owner down).
    Catalogue {
        owner: &'static str,
        path: Vec<&'static str>,
        body: Body,
        doc_url: Option<&'static str>,
    },
    /// An instance of a custom component (`declare "name"`): its body sets
    /// the declare's arguments.
    Custom {
        declare: String,
    },
    Unknown,
}

impl BodySchema {
    /// The schema of the innermost body of `headers` (outermost first).
    /// `is_declare(name)` says whether a custom component is visible.
    pub fn of(headers: &[Header], is_declare: &dyn Fn(&str) -> bool) -> BodySchema {
        let mut schema = BodySchema::Module { in_declare: false };
        for header in headers {
            schema = schema.enter(&header.name, is_declare);
        }
        schema
    }

    /// The schema of a block named `name` inside this body.
    pub fn enter(&self, name: &str, is_declare: &dyn Fn(&str) -> bool) -> BodySchema {
        match self {
            BodySchema::Module { in_declare } => {
                if name == "declare" {
                    return BodySchema::Module { in_declare: true };
                }
                if let Some(component) = catalogue::component(name) {
                    return BodySchema::Catalogue {
                        owner: component.name,
                        path: Vec::new(),
                        body: component.body(),
                        doc_url: Some(component.doc_url),
                    };
                }
                if let Some(block) = catalogue::config_block(name) {
                    if block.module_body {
                        return BodySchema::Module {
                            in_declare: *in_declare,
                        };
                    }
                    return BodySchema::Catalogue {
                        owner: block.name,
                        path: Vec::new(),
                        body: block.body(),
                        doc_url: block.doc_url,
                    };
                }
                if is_declare(name) {
                    return BodySchema::Custom {
                        declare: name.to_owned(),
                    };
                }
                BodySchema::Unknown
            }
            BodySchema::Catalogue {
                owner,
                path,
                body,
                doc_url,
            } => match body.block(name) {
                Some(spec) if spec.module_body => BodySchema::Module { in_declare: false },
                Some(spec) => {
                    let mut path = path.clone();
                    path.push(spec.name);
                    BodySchema::Catalogue {
                        owner,
                        path,
                        body: spec.body(),
                        doc_url: *doc_url,
                    }
                }
                None => BodySchema::Unknown,
            },
            BodySchema::Custom { .. } | BodySchema::Unknown => BodySchema::Unknown,
        }
    }

    /// The catalogue argument `name` of this body.
    pub fn argument(&self, name: &str) -> Option<&'static Argument> {
        match self {
            BodySchema::Catalogue { body, .. } => body.argument(name),
            _ => None,
        }
    }
}

/// The type expected inside a value: the attribute's type, narrowed by the
/// arrays and objects entered since the `=`.
pub fn narrow(ty: &Type, nesting: &[super::cursor::Nest]) -> Option<Type> {
    use super::cursor::Nest;
    let mut ty = ty.clone();
    for nest in nesting {
        ty = match (nest, &ty) {
            (Nest::Array, Type::List(inner)) => (**inner).clone(),
            (Nest::Object(Some(_)), Type::Map(inner)) => (**inner).clone(),
            (_, Type::Any) => Type::Any,
            (Nest::Object(Some(_)), Type::Object) => Type::Any,
            (Nest::Call { .. } | Nest::Index, _) => return None,
            _ => return None,
        };
    }
    Some(ty)
}

/// Whether a value of type `have` may be given where `want` is expected,
/// for filtering reference completions. Lenient where Alloy converts
/// (strings to secrets and durations).
pub fn fits(have: &Type, want: &Type) -> bool {
    use Type::*;
    match (have, want) {
        (_, Any) | (Any, _) => true,
        (Capsule(a), Capsule(b)) => a == b,
        (String | OptionalSecret, String | Duration) => true,
        (String | Secret | OptionalSecret, Secret | OptionalSecret) => true,
        (Number, Number) | (Bool, Bool) | (Duration, Duration) => true,
        (List(a), List(b)) => fits(a, b),
        (Map(a), Map(b)) => fits(a, b),
        (Map(_) | Object, Object) | (Object, Map(_)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &str) -> Header {
        Header {
            name: name.into(),
            label: None,
        }
    }

    #[test]
    fn nested_blocks_resolve_through_the_catalogue() {
        let none = |_: &str| false;
        let s = BodySchema::of(&[h("prometheus.remote_write"), h("endpoint")], &none);
        assert!(s.argument("url").is_some());
        let s = BodySchema::of(&[h("declare")], &none);
        assert!(matches!(s, BodySchema::Module { in_declare: true }));
        let s = BodySchema::of(&[h("foreach"), h("template")], &none);
        assert!(matches!(s, BodySchema::Module { .. }));
        let s = BodySchema::of(&[h("mine")], &|n| n == "mine");
        assert!(matches!(s, BodySchema::Custom { .. }));
        let s = BodySchema::of(&[h("nope.nope")], &none);
        assert!(matches!(s, BodySchema::Unknown));
    }

    #[test]
    fn type_fitting() {
        let recv = Type::parse("MetricsReceiver").expect("type");
        let logs = Type::parse("LogsReceiver").expect("type");
        assert!(fits(&recv, &recv));
        assert!(!fits(&logs, &recv));
        let targets = Type::parse("list(map(string))").expect("type");
        assert!(fits(&targets, &targets));
        assert!(fits(&Type::String, &Type::Secret));
        assert!(!fits(&Type::Secret, &Type::String));
        let list = Type::parse("list(MetricsReceiver)").expect("type");
        assert_eq!(
            narrow(&list, &[super::super::cursor::Nest::Array]),
            Some(recv)
        );
    }
}
