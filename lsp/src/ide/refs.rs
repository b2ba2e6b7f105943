//! References as values: which exports of which blocks a reference at a
//! position can name (for completion, filtered by the expected type and
//! signal), and what an existing reference names (for hover and inlay
//! hints).

use std::collections::HashMap;

use alloy_analysis::catalogue::{self, Capsule, Signal, Type};
use alloy_analysis::{SourceFile, TextSize};

use super::imports::Imports;
use super::module::ModuleIndex;
use super::schema::fits;

/// A reference that can be written at a position.
#[derive(Clone, Debug)]
pub struct RefCandidate {
    /// The whole reference: `prometheus.remote_write.default.receiver`.
    pub text: String,
    pub ty: Type,
    /// Item index in the module.
    pub item: usize,
    /// The expected type is exactly this (not just compatible via `any`).
    pub exact: bool,
}

/// The signal an `output` block attribute carries (`traces`, `metrics`,
/// `logs`), for filtering `otelcol.Consumer` receivers by what they accept.
pub fn output_signal(block: Option<&str>, attr: &str) -> Option<Signal> {
    if block != Some("output") {
        return None;
    }
    match attr {
        "traces" => Some(Signal::Traces),
        "metrics" => Some(Signal::Metrics),
        "logs" => Some(Signal::Logs),
        _ => None,
    }
}

/// References visible at `offset` whose type fits `expected` (any type
/// when `None`) and, for otelcol consumers, that accept `signal`.
pub fn candidates(
    index: &ModuleIndex,
    imports: &Imports,
    file: SourceFile,
    offset: TextSize,
    expected: Option<&Type>,
    signal: Option<Signal>,
) -> Vec<RefCandidate> {
    let own = index.item_at(file, offset);
    let mut out = Vec::new();
    for n in index.visible_at(file, offset) {
        if Some(n) == own {
            continue;
        }
        let item = &index.items[n];
        let id = item.id();
        let mut push = |text: String, ty: Type| {
            let ok = expected.is_none_or(|want| fits(&ty, want));
            if ok {
                let exact = expected.is_some_and(|want| &ty == want);
                out.push(RefCandidate {
                    text,
                    ty,
                    item: n,
                    exact,
                });
            }
        };
        if let Some(component) = catalogue::component(&item.name) {
            if item.label.is_none() {
                continue;
            }
            for export in component.exports {
                let ty = export.parsed_type().clone();
                if let (Some(signal), Type::Capsule(Capsule::OtelcolConsumer)) = (signal, &ty) {
                    if !component.signals.accepts.contains(signal) {
                        continue;
                    }
                }
                push(format!("{id}.{}", export.name), ty);
            }
        } else if item.name == "argument" {
            if let Some(label) = &item.label {
                push(format!("argument.{label}.value"), Type::Any);
            }
        } else if let Some(d) = index.declare_for(file, offset, &item.name) {
            if item.label.is_none() {
                continue;
            }
            for export in &index.items[d].exports {
                push(format!("{id}.{export}"), Type::Any);
            }
        } else if let Some(d) = imports.declare(&item.name) {
            // An instance of an imported custom component: its exports.
            if item.label.is_none() {
                continue;
            }
            for export in &d.exports {
                push(format!("{id}.{export}"), Type::Any);
            }
        }
    }
    out.sort_by(|a, b| b.exact.cmp(&a.exact).then_with(|| a.text.cmp(&b.text)));
    out
}

/// What a reference chain names.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub item: usize,
    /// How many names make the item's id.
    pub len: usize,
    /// The export named after the id, if any.
    pub export: Option<String>,
}

/// Ids of the items visible at a position, for resolving many references
/// of one scope.
pub struct Visible {
    ids: HashMap<String, usize>,
}

impl Visible {
    pub fn at(index: &ModuleIndex, file: SourceFile, offset: TextSize) -> Visible {
        let mut ids = HashMap::new();
        for n in index.visible_at(file, offset) {
            ids.entry(index.items[n].id()).or_insert(n);
        }
        Visible { ids }
    }

    /// Upstream's rule: the shortest prefix of the chain that is an id.
    pub fn resolve(&self, names: &[String]) -> Option<Resolved> {
        let mut id = String::new();
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                id.push('.');
            }
            id.push_str(name);
            if let Some(&item) = self.ids.get(&id) {
                return Some(Resolved {
                    item,
                    len: i + 1,
                    export: names.get(i + 1).cloned(),
                });
            }
        }
        None
    }
}

/// The type of an export of a catalogue component, for hover and hints.
pub fn export_type(index: &ModuleIndex, resolved: &Resolved) -> Option<&'static str> {
    let item = &index.items[resolved.item];
    let component = catalogue::component(&item.name)?;
    let export = component.export(resolved.export.as_deref()?)?;
    Some(export.ty)
}
