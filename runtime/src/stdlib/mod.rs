//! The standard library: every function of upstream's stdlib (including
//! the deprecated top-level aliases, which still work upstream) and the
//! `constants` object.
//!
//! Namespaces are plain objects of functions, so `string.format` is a
//! field access on the object `string` followed by a call, exactly as
//! upstream evaluates it; a scope variable with the same name shadows the
//! whole namespace. Which names exist is cross-checked against the
//! catalogue (`alloy_analysis::catalogue::stdlib_functions`) in the tests;
//! the implementations are here.

mod args;
mod array;
pub(crate) mod encoding;
mod format;
mod jsonpath;
mod misc;
mod serde_value;
mod strings;

use std::collections::HashMap;
use std::sync::OnceLock;

pub use format::sprintf;
pub use misc::clean_path;

use crate::value::{Arity, CallError, Function, Object, Value};

type NativeFn = fn(&[Value]) -> Result<Value, CallError>;

/// Every current function: full name, arity, implementation. Functions
/// upstream implements as raw functions check their own arguments
/// (`Arity::Unchecked`), since their messages differ from the VM's.
const FUNCTIONS: &[(&str, Arity, NativeFn)] = &[
    ("array.combine_maps", Arity::Unchecked, array::combine_maps),
    ("array.concat", Arity::Unchecked, array::concat),
    ("array.group_by", Arity::Unchecked, array::group_by),
    ("coalesce", Arity::Unchecked, misc::coalesce),
    ("convert.nonsensitive", Arity::Exact(1), misc::nonsensitive),
    (
        "encoding.from_URLbase64",
        Arity::Exact(1),
        encoding::from_url_base64,
    ),
    (
        "encoding.from_base64",
        Arity::Exact(1),
        encoding::from_base64,
    ),
    ("encoding.from_json", Arity::Exact(1), encoding::from_json),
    ("encoding.from_yaml", Arity::Exact(1), encoding::from_yaml),
    (
        "encoding.to_URLbase64",
        Arity::Exact(1),
        encoding::to_url_base64,
    ),
    ("encoding.to_base64", Arity::Exact(1), encoding::to_base64),
    ("encoding.to_json", Arity::Exact(1), encoding::to_json),
    ("encoding.url_decode", Arity::Exact(1), encoding::url_decode),
    ("encoding.url_encode", Arity::Exact(1), encoding::url_encode),
    ("file.path_join", Arity::AtLeast(0), misc::path_join),
    ("json_path", Arity::Exact(2), jsonpath::json_path),
    ("string.format", Arity::AtLeast(1), strings::format),
    ("string.join", Arity::Exact(2), strings::join),
    ("string.replace", Arity::Exact(3), strings::replace),
    ("string.split", Arity::Exact(2), strings::split),
    ("string.to_lower", Arity::Exact(1), strings::to_lower),
    ("string.to_upper", Arity::Exact(1), strings::to_upper),
    ("string.trim", Arity::Exact(2), strings::trim),
    ("string.trim_prefix", Arity::Exact(2), strings::trim_prefix),
    ("string.trim_space", Arity::Exact(1), strings::trim_space),
    ("string.trim_suffix", Arity::Exact(2), strings::trim_suffix),
    ("sys.env", Arity::Exact(1), misc::env),
];

/// Deprecated top-level names and the function each one is.
pub const DEPRECATED_ALIASES: &[(&str, &str)] = &[
    ("base64_decode", "encoding.from_base64"),
    ("concat", "array.concat"),
    ("env", "sys.env"),
    ("format", "string.format"),
    ("join", "string.join"),
    ("json_decode", "encoding.from_json"),
    ("nonsensitive", "convert.nonsensitive"),
    ("replace", "string.replace"),
    ("split", "string.split"),
    ("to_lower", "string.to_lower"),
    ("to_upper", "string.to_upper"),
    ("trim", "string.trim"),
    ("trim_prefix", "string.trim_prefix"),
    ("trim_space", "string.trim_space"),
    ("trim_suffix", "string.trim_suffix"),
    ("yaml_decode", "encoding.from_yaml"),
];

/// Functions that need `--stability.level=experimental` upstream. The
/// check is the controller's (on the full traversal name); the evaluator
/// runs them.
pub const EXPERIMENTAL: &[&str] = &["array.combine_maps", "array.group_by"];

/// A stdlib function by full name (`string.format`, `coalesce`, or a
/// deprecated alias such as `format`).
pub fn function(name: &str) -> Option<Function> {
    let target = DEPRECATED_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, target)| target);
    FUNCTIONS
        .iter()
        .find(|(full, _, _)| *full == target)
        .map(|(full, arity, imp)| Function::new(*full, *arity, *imp))
}

/// The replacement for a deprecated top-level name.
pub fn deprecated_replacement(name: &str) -> Option<&'static str> {
    DEPRECATED_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map(|(_, target)| *target)
}

pub fn is_experimental(full_name: &str) -> bool {
    EXPERIMENTAL.contains(&full_name)
}

fn identifiers() -> &'static HashMap<&'static str, Value> {
    static IDENTIFIERS: OnceLock<HashMap<&'static str, Value>> = OnceLock::new();
    IDENTIFIERS.get_or_init(|| {
        let mut namespaces: HashMap<&'static str, Object> = HashMap::new();
        let mut map: HashMap<&'static str, Value> = HashMap::new();
        for (full, arity, imp) in FUNCTIONS {
            let value = Value::Function(Function::new(*full, *arity, *imp));
            match full.split_once('.') {
                Some((namespace, name)) => {
                    namespaces.entry(namespace).or_default().insert(name, value);
                }
                None => {
                    map.insert(full, value);
                }
            }
        }
        for (namespace, object) in namespaces {
            map.insert(namespace, Value::object(object));
        }
        for (alias, _) in DEPRECATED_ALIASES {
            if let Some(f) = function(alias) {
                map.insert(alias, Value::Function(f));
            }
        }
        map.insert("constants", constants());
        map
    })
}

/// The stdlib value of a top-level identifier (`string`, `coalesce`,
/// `constants`, `env`, ...).
pub fn lookup(name: &str) -> Option<Value> {
    identifiers().get(name).cloned()
}

/// All top-level stdlib identifiers, sorted.
pub fn identifier_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = identifiers().keys().copied().collect();
    names.sort_unstable();
    names
}

/// Go's `runtime.GOOS` for the platform we run on.
pub fn go_os() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    }
}

/// Go's `runtime.GOARCH` for the platform we run on.
pub fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "x86" => "386",
        "aarch64" => "arm64",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        "loongarch64" => "loong64",
        other => other,
    }
}

/// Upstream's `normalizeVersion`: `v` plus the version when it parses as
/// semver (tolerantly: a leading `v`, a missing patch and leading zeros
/// are accepted), the trimmed input when it does not, `v0.0.0` for empty.
pub fn normalize_version(version: &str) -> String {
    let version = version.trim();
    if version.is_empty() {
        return "v0.0.0".to_owned();
    }
    let bare = version.strip_prefix('v').unwrap_or(version);
    let (core, rest) = match bare.find(['-', '+']) {
        Some(i) => bare.split_at(i),
        None => (bare, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !(2..=3).contains(&parts.len()) || !parts.iter().all(numeric) {
        return version.to_owned();
    }
    let mut numbers: Vec<String> = parts
        .iter()
        .map(|p| p.trim_start_matches('0'))
        .map(|p| {
            if p.is_empty() {
                "0".to_owned()
            } else {
                p.to_owned()
            }
        })
        .collect();
    if numbers.len() == 2 {
        numbers.push("0".to_owned());
    }
    format!("v{}{rest}", numbers.join("."))
}

fn constants() -> Value {
    let mut object = Object::new();
    object.insert(
        "hostname",
        Value::from(gethostname::gethostname().to_string_lossy().into_owned()),
    );
    object.insert("os", Value::from(go_os()));
    object.insert("arch", Value::from(go_arch()));
    object.insert(
        "version",
        Value::from(normalize_version(env!("CARGO_PKG_VERSION"))),
    );
    Value::object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_normalise_like_upstream() {
        assert_eq!(normalize_version(""), "v0.0.0");
        assert_eq!(normalize_version("1.2.3"), "v1.2.3");
        assert_eq!(normalize_version("v1.2"), "v1.2.0");
        assert_eq!(normalize_version("1.2.3-rc.1"), "v1.2.3-rc.1");
        assert_eq!(normalize_version("devel"), "devel");
    }
}
