//! Semantic checks. Each item is checked by its own query
//! ([`item_diagnostics`]), so an edit inside one component re-checks that
//! component only; [`config_diagnostics`] puts the pieces together in
//! upstream's report order.

pub mod ottl;
mod refs;
mod runtime_values;
mod schema;
pub mod sem;
mod structure;
mod values;

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::catalogue::{self, Stability};
use crate::db::{Config, Settings};
use crate::graph::{component_graph, graph_diagnostics};
use crate::hir::{Body, ExprKind, Item, ItemData, Literal, NodeId, Stmt};
use crate::resolve::{item_references, Reference};
use crate::scope::{module_tree, Custom, ItemKind, ScopeId};
use schema::Schema;
pub use sem::{Anchor, Message, SemDiag, SemFix, Span};
use structure::Definition;

/// What checking one item needs.
pub(crate) struct Cx<'a, 'db> {
    pub db: &'db dyn salsa::Database,
    pub item: Item<'db>,
    pub data: &'a ItemData,
    /// Component or config block name, for rules keyed by it.
    pub owner: &'a str,
    /// References by the node of their traversal.
    pub refs: FxHashMap<NodeId, &'a Reference<'db>>,
    pub out: Vec<SemDiag<'db>>,
}

/// Diagnostics of one item, split where upstream reports a nested scope:
/// `head` comes before the diagnostics of the item's `declare` body or
/// `foreach` template, `tail` (reference checks) after.
#[derive(Clone, Debug, PartialEq, Eq, Default, salsa::SalsaValue)]
pub struct ItemDiagnostics<'db> {
    pub head: Vec<SemDiag<'db>>,
    pub tail: Vec<SemDiag<'db>>,
}

/// A custom component's interface, from its `declare` body.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DeclareSignature {
    /// Argument names and whether each is required.
    pub arguments: Vec<(String, bool)>,
    pub exports: Vec<String>,
}

#[salsa::tracked(returns(ref))]
pub fn declare_signature<'db>(
    db: &'db dyn salsa::Database,
    declare: Item<'db>,
) -> DeclareSignature {
    let Some(config) = declare.file(db).config(db) else {
        return DeclareSignature::default();
    };
    let tree = module_tree(db, config);
    let mut signature = DeclareSignature::default();
    let Some(&scope) = tree.owned.get(&declare) else {
        return signature;
    };
    for &item in &tree.scope(scope).configs {
        let Some(label) = item.label(db) else {
            continue;
        };
        match item.name(db).as_str() {
            "argument" => {
                let data = crate::hir::item_data(db, item);
                let optional = data
                    .body
                    .attr("optional")
                    .and_then(|a| a.value)
                    .is_some_and(|v| {
                        matches!(data.expr(v).kind, ExprKind::Literal(Literal::Bool(true)))
                    });
                signature.arguments.push((label.clone(), !optional));
            }
            "export" => signature.exports.push(label.clone()),
            _ => {}
        }
    }
    signature
}

#[salsa::tracked(returns(ref))]
pub fn item_diagnostics<'db>(
    db: &'db dyn salsa::Database,
    item: Item<'db>,
) -> ItemDiagnostics<'db> {
    let Some(config) = item.file(db).config(db) else {
        return ItemDiagnostics::default();
    };
    let tree = module_tree(db, config);
    let Some(&scope_id) = tree.scope_of.get(&item) else {
        return ItemDiagnostics::default();
    };
    let scope = tree.scope(scope_id);
    let settings = Settings::get(db);
    let stability = settings.stability(db);
    let community = settings.community_components(db);
    let data = crate::hir::item_data(db, item);
    let name = item.name(db).clone();
    let references = item_references(db, item);
    let mut cx = Cx {
        db,
        item,
        data,
        owner: &name,
        refs: references.iter().map(|r| (r.traversal.node, r)).collect(),
        out: Vec::new(),
    };
    let root = NodeId(0);
    match item.kind(db) {
        ItemKind::Declare => {
            match item.label(db) {
                None => structure::missing_label(&mut cx, "declare block must have a label".into()),
                Some(label) if label == "declare" => {
                    let at = structure::anchor_block(&cx);
                    cx.out.push(SemDiag::extended(
                        crate::codes::Code::InvalidDeclareLabel,
                        at,
                        "'declare' is not a valid label for a declare block",
                    ));
                }
                Some(_) => {}
            }
            structure::duplicate(&mut cx, scope);
            structure::unsupported_attributes(&mut cx, false);
        }
        ItemKind::Config => {
            structure::duplicate(&mut cx, scope);
            if name != "logging" && name != "tracing" && item.label(db).is_none() {
                structure::missing_label(&mut cx, format!("{name} block must have a label"));
            }
            match name.as_str() {
                "logging" | "tracing" => structure::disallowed(&mut cx, scope),
                "argument" | "export" if scope.root => {
                    let at = structure::anchor_block(&cx);
                    cx.out.push(SemDiag::new(
                        crate::codes::Code::ModuleOnly,
                        at,
                        format!("{name} blocks only allowed inside a module"),
                    ));
                }
                _ => {}
            }
            if let Some(block) = catalogue::config_block(&name) {
                if name == "foreach" {
                    check_foreach(&mut cx, block, stability);
                } else {
                    schema::check_body(
                        &mut cx,
                        root,
                        &data.body,
                        Schema::Catalogue(block.body()),
                        &mut Vec::new(),
                    );
                }
            }
        }
        ItemKind::Component => {
            if item.label(db).is_none() {
                structure::missing_label(&mut cx, format!("component {name:?} must have a label"));
            }
            structure::duplicate(&mut cx, scope);
            let custom = tree.custom(scope_id, &name);
            match structure::component_definition(&mut cx, custom, stability, community) {
                Definition::Builtin(component) => {
                    schema::check_body(
                        &mut cx,
                        root,
                        &data.body,
                        Schema::Catalogue(component.body()),
                        &mut Vec::new(),
                    );
                    crate::graph::dead_output(&mut cx, component);
                }
                Definition::Custom(Custom::Declare(declare)) => {
                    let signature = declare_signature(db, declare);
                    schema::check_body(
                        &mut cx,
                        root,
                        &data.body,
                        Schema::Custom(&signature.arguments),
                        &mut Vec::new(),
                    );
                }
                Definition::Custom(Custom::Import(_)) | Definition::None => {}
            }
        }
        ItemKind::Service => {
            structure::duplicate(&mut cx, scope);
            structure::disallowed(&mut cx, scope);
            if !structure::not_configurable(&mut cx) {
                if let Some(block) = catalogue::config_block(&name) {
                    schema::check_body(
                        &mut cx,
                        root,
                        &data.body,
                        Schema::Catalogue(block.body()),
                        &mut Vec::new(),
                    );
                }
            }
        }
    }
    let head = std::mem::take(&mut cx.out);
    refs::check_references(&mut cx, references, tree, scope_id, stability);
    refs::check_arity(&mut cx);
    ItemDiagnostics { head, tail: cx.out }
}

fn check_foreach(cx: &mut Cx<'_, '_>, block: &'static catalogue::ConfigBlock, minimum: Stability) {
    if block.stability < minimum {
        let at = structure::anchor_name_plus(cx, "foreach".len());
        cx.out.push(SemDiag::new(
            crate::codes::Code::BelowStability,
            at,
            sem::stability_message("foreach block \"foreach\"", block.stability, minimum),
        ));
    }
    if !structure::has_template(cx) {
        let at = structure::anchor_block(cx);
        cx.out.push(SemDiag::new(
            crate::codes::Code::MissingBlock,
            at,
            "missing required block \"template\"",
        ));
    }
    structure::unsupported_attributes(cx, true);
    let body = Body {
        stmts: cx
            .data
            .body
            .stmts
            .iter()
            .filter(|s| !matches!(s, Stmt::Block(b) if b.name == "template"))
            .cloned()
            .collect(),
    };
    let schema = catalogue::Body {
        arguments: block.arguments,
        blocks: &[],
    };
    schema::check_body(
        cx,
        NodeId(0),
        &body,
        Schema::Catalogue(schema),
        &mut Vec::new(),
    );
}

/// Items of a scope are checked and gathered in runs of this many (in the
/// scope's report order).
pub(crate) const RUN: usize = 64;

/// How many runs a scope's items make.
pub(crate) fn run_count(scope: &crate::scope::Scope<'_>) -> u32 {
    scope.len().div_ceil(RUN) as u32
}

/// The diagnostics of one run of a scope's items: only the items that have
/// any, by position in the run.
///
/// Why runs: gathering a large config's diagnostics item by item made the
/// final, single-threaded assembly fetch tens of thousands of memos (and
/// record as many dependencies) after the parallel checks were done. A run
/// is gathered on the thread that checks it, so the assembly fetches a few
/// hundred values, mostly empty. An edit re-checks one item and re-gathers
/// its run only.
#[derive(Clone, Debug, PartialEq, Eq, Default, salsa::SalsaValue)]
pub struct RunDiagnostics<'db> {
    pub items: Vec<(u32, ItemDiagnostics<'db>)>,
}

#[salsa::tracked(returns(ref))]
pub fn run_diagnostics<'db>(
    db: &'db dyn salsa::Database,
    config: Config,
    scope: ScopeId,
    run: u32,
) -> RunDiagnostics<'db> {
    let tree = module_tree(db, config);
    let mut out = RunDiagnostics::default();
    let Some(scope) = tree.scopes.get(scope.0 as usize) else {
        return out;
    };
    for (i, item) in scope
        .ordered()
        .skip(run as usize * RUN)
        .take(RUN)
        .enumerate()
    {
        let diags = item_diagnostics(db, item);
        if !diags.head.is_empty() || !diags.tail.is_empty() {
            out.items.push((i as u32, diags.clone()));
        }
    }
    out
}

/// Every semantic diagnostic of a config, in upstream's order.
///
/// The items' own checks run before the graph is built. Salsa reuses one
/// dependency set per query depth and clears it after each query; clearing
/// costs as much as the largest set that depth ever held. The graph depends
/// on every item, so if it ran first, each of the thousands of item checks
/// after it at the same depth would pay for clearing a set that size.
#[salsa::tracked(returns(ref))]
pub fn config_diagnostics(db: &dyn salsa::Database, config: Config) -> Arc<[SemDiag<'_>]> {
    let tree = module_tree(db, config);
    let runs: Vec<Vec<&RunDiagnostics<'_>>> = tree
        .scopes
        .iter()
        .enumerate()
        .map(|(i, scope)| {
            (0..run_count(scope))
                .map(|run| run_diagnostics(db, config, ScopeId(i as u32), run))
                .collect()
        })
        .collect();
    let graph = component_graph(db, config);
    let mut out = Vec::new();
    scope_diagnostics(db, &runs, tree, graph, ScopeId(0), &mut out);
    out.extend(graph_diagnostics(db, config).iter().cloned());
    out.into()
}

fn scope_diagnostics<'db>(
    db: &'db dyn salsa::Database,
    all_runs: &[Vec<&RunDiagnostics<'db>>],
    tree: &crate::scope::ModuleTree<'db>,
    graph: &crate::graph::ComponentGraph<'db>,
    scope: ScopeId,
    out: &mut Vec<SemDiag<'db>>,
) {
    // Items with diagnostics, by position in the scope's order.
    let mut found = all_runs[scope.0 as usize]
        .iter()
        .enumerate()
        .flat_map(|(r, run)| {
            run.items
                .iter()
                .map(move |(i, d)| (r * RUN + *i as usize, d))
        })
        .peekable();
    // Items that own a scope, whose diagnostics go between the owner's
    // head and tail: declares and `foreach` blocks, which come first in the
    // scope's order, so only those are looked at.
    let s = tree.scope(scope);
    let mut owners = s
        .declares
        .iter()
        .chain(&s.configs)
        .enumerate()
        .filter_map(|(position, item)| Some((position, *tree.owned.get(item)?)))
        .peekable();
    loop {
        let position = match (found.peek(), owners.peek()) {
            (None, None) => break,
            (Some(&(p, _)), None) => p,
            (None, Some(&(o, _))) => o,
            (Some(&(p, _)), Some(&(o, _))) => p.min(o),
        };
        let diags = found.next_if(|&(p, _)| p == position).map(|(_, d)| d);
        if let Some(d) = diags {
            out.extend(d.head.iter().cloned());
        }
        if let Some((_, child)) = owners.next_if(|&(o, _)| o == position) {
            scope_diagnostics(db, all_runs, tree, graph, child, out);
        }
        if let Some(d) = diags {
            out.extend(d.tail.iter().cloned());
        }
    }
    crate::graph::cycle_diagnostics(db, graph, scope, out);
}
