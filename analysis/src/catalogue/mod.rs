//! The catalogue of upstream Grafana Alloy components, config blocks and
//! standard library, embedded as `'static` tables.
//!
//! `alloy check` and the language server need this schema on every run.
//! Parsing the 2 MB catalogue JSON at start-up would cost milliseconds and a
//! runtime dependency; instead `xtask` turns it into Rust statics
//! (`generated.rs`), so the tables sit in the binary's read-only data and a
//! lookup is a binary search with no initialisation at all. The facts come
//! from upstream Alloy [`UPSTREAM_VERSION`] at [`UPSTREAM_COMMIT`]; see
//! `analysis/CATALOGUE.md` for provenance and for what was left out.
//!
//! Names are looked up with [`component`], [`config_block`],
//! [`stdlib_function`] and [`stdlib_object`]; when one fails,
//! [`did_you_mean`] over the matching iterator gives the suggestion.

// Generated code is formatted by its generator; rustfmt must not touch it,
// or `codegen-catalogue --check` would report it as stale.
#[rustfmt::skip]
mod generated;
mod enums;
mod schema;
mod signals;
mod stdlib;
mod suggest;
pub mod types;

use std::sync::OnceLock;

pub use enums::{enum_rule, EnumRule};
pub use schema::{
    Argument, BlockSchema, Body, Component, ConfigBlock, Export, ParseStabilityError, Stability,
};
pub use signals::{Confidence, Signal, SignalSet, Signals};
pub use stdlib::{ObjectField, Param, StdlibFunction, StdlibObject};
pub use suggest::did_you_mean;
pub use types::{Capsule, Type, TypeParseError, ValueKind};

/// Repository the facts were extracted from.
pub const UPSTREAM_REPO: &str = generated::UPSTREAM_REPO;
/// Upstream Alloy release the facts describe; diagnostics can cite it when
/// a user's Alloy is newer and may know more components.
pub const UPSTREAM_VERSION: &str = generated::UPSTREAM_VERSION;
/// Exact upstream commit, for reproducing the extraction.
pub const UPSTREAM_COMMIT: &str = generated::UPSTREAM_COMMIT;

/// Names Alloy reserves for services that cannot be configured by a block
/// (`cluster`, `otel`, `ui`): upstream rejects them with "does not support
/// being configured", so a checker should say that rather than "unknown
/// block". Hand-copied from the catalogue README, which derives them from
/// the upstream service registry.
pub const RESERVED_BLOCK_NAMES: [&str; 3] = ["cluster", "otel", "ui"];

/// Components that upstream documents as removed and no longer registers,
/// so that a checker can say "removed" instead of "unknown". From the
/// catalogue README (`doc_page_without_component`).
pub const REMOVED_COMPONENTS: [&str; 1] = ["otelcol.receiver.opencensus"];

fn find<T>(table: &'static [T], name: &str, key: fn(&T) -> &str) -> Option<&'static T> {
    table
        .binary_search_by(|item| key(item).cmp(name))
        .ok()
        .and_then(|i| table.get(i))
}

/// All components, sorted by name.
pub fn components() -> &'static [Component] {
    &generated::COMPONENTS
}

/// The component called `name` (e.g. `prometheus.scrape`).
///
/// A hash lookup: checks ask for every item's component several times, and
/// a binary search over the sorted table compares a dozen long names.
pub fn component(name: &str) -> Option<&'static Component> {
    static BY_NAME: OnceLock<rustc_hash::FxHashMap<&'static str, &'static Component>> =
        OnceLock::new();
    BY_NAME
        .get_or_init(|| generated::COMPONENTS.iter().map(|c| (c.name, c)).collect())
        .get(name)
        .copied()
}

/// Components whose name starts with `prefix`, as a contiguous slice of the
/// sorted table: completing `prometheus.exporter.` costs two binary
/// searches. Pass a trailing `.` to match whole name segments only.
pub fn components_with_prefix(prefix: &str) -> &'static [Component] {
    let table: &'static [Component] = &generated::COMPONENTS;
    let start = table.partition_point(|c| c.name < prefix);
    let len = table[start..].partition_point(|c| c.name.starts_with(prefix));
    &table[start..start + len]
}

/// All top-level config blocks, sorted by name.
pub fn config_blocks() -> &'static [ConfigBlock] {
    &generated::CONFIG_BLOCKS
}

/// The config block called `name` (e.g. `logging`, `import.git`).
pub fn config_block(name: &str) -> Option<&'static ConfigBlock> {
    find(&generated::CONFIG_BLOCKS, name, |c| c.name)
}

/// All stdlib functions, including deprecated aliases, sorted by name.
pub fn stdlib_functions() -> &'static [StdlibFunction] {
    &generated::STDLIB_FUNCTIONS
}

/// The stdlib function called `name`, e.g. `string.format` or the
/// deprecated `format` (check [`StdlibFunction::deprecated_alias_of`]).
pub fn stdlib_function(name: &str) -> Option<&'static StdlibFunction> {
    find(&generated::STDLIB_FUNCTIONS, name, |f| f.name)
}

/// All stdlib objects (`constants`), sorted by name.
pub fn stdlib_objects() -> &'static [StdlibObject] {
    &generated::STDLIB_OBJECTS
}

/// The stdlib object called `name`.
pub fn stdlib_object(name: &str) -> Option<&'static StdlibObject> {
    find(&generated::STDLIB_OBJECTS, name, |o| o.name)
}

/// Every distinct type string used anywhere in the catalogue, sorted.
pub fn type_strings() -> &'static [&'static str] {
    &generated::TYPE_STRINGS
}

/// Parsed types, one slot per entry of `TYPE_STRINGS`, filled on first use:
/// nothing is parsed at start-up, and each type is parsed at most once.
static TYPE_CACHE: [OnceLock<Type>; generated::TYPE_STRINGS.len()] =
    [const { OnceLock::new() }; generated::TYPE_STRINGS.len()];

/// Falls back to `any`, the most permissive type, so that a catalogue
/// string the parser rejects can never cause a false error. The tests parse
/// every string in `TYPE_STRINGS`, so the fallback is unreachable in
/// practice; it only matters for hand-built records with other strings.
static ANY: Type = Type::Any;

fn cached_type(ty: &str) -> &'static Type {
    // Checks ask for the type of every argument they look at; a hash
    // lookup beats comparing strings in a binary search.
    static INDEX: OnceLock<rustc_hash::FxHashMap<&'static str, usize>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        generated::TYPE_STRINGS
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, i))
            .collect()
    });
    let Some(&index) = index.get(ty) else {
        return &ANY;
    };
    match TYPE_CACHE.get(index) {
        Some(slot) => slot.get_or_init(|| Type::parse(ty).unwrap_or(Type::Any)),
        None => &ANY,
    }
}
