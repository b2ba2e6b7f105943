//! The component graph: one node per item, an edge for each reference
//! between items, and its strongly connected components (cycles), per
//! scope as upstream. Also the "no data flows" checks, which need to know
//! who references whom.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::catalogue::{self, Capsule, Signal, SignalSet, Type};
use crate::check::{Anchor, Cx, SemDiag, Span};
use crate::codes::Code;
use crate::db::Config;
use crate::hir::{ExprKind, Item, NodeId, Stmt};
use crate::resolve::{item_references, Target};
use crate::scope::{module_tree, ItemKind, ScopeId};

/// A reference from one item to another.
#[derive(Clone, Debug, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub struct Edge<'db> {
    /// The item whose body holds the reference (it depends on `to`).
    pub from: Item<'db>,
    pub to: Item<'db>,
    /// What flows along the edge, when the referenced export is a
    /// receiver (data flows `from` → `to`) or a target list (`to` → `from`).
    pub signals: SignalSet,
    /// The referenced export (`receiver`, `targets`), if any.
    pub export: Option<std::sync::Arc<str>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default, salsa::SalsaValue)]
pub struct ComponentGraph<'db> {
    /// Every item, scope by scope in upstream's order.
    pub nodes: Vec<Item<'db>>,
    pub edges: Vec<Edge<'db>>,
    /// Cycles (strongly connected components of more than one node) per
    /// scope, each sorted by id as upstream prints them.
    pub cycles: Vec<(ScopeId, Vec<Item<'db>>)>,
    /// Items that reference themselves, per scope.
    pub self_references: Vec<(ScopeId, Item<'db>)>,
}

#[salsa::tracked(returns(ref))]
pub fn component_graph(db: &dyn salsa::Database, config: Config) -> ComponentGraph<'_> {
    let tree = module_tree(db, config);
    let mut graph = ComponentGraph::default();
    for (i, scope) in tree.scopes.iter().enumerate() {
        let scope_id = ScopeId(i as u32);
        let nodes: Vec<Item<'_>> = scope.ordered().collect();
        let index: FxHashMap<Item<'_>, usize> =
            nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let mut adjacency: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for (from_index, &from) in nodes.iter().enumerate() {
            for reference in item_references(db, from).iter() {
                let Target::Item { item: to, len } = reference.target else {
                    continue;
                };
                let export = reference.traversal.names.get(len).cloned();
                let signals = edge_signals(db, to, export.as_deref());
                graph.edges.push(Edge {
                    from,
                    to,
                    signals,
                    export,
                });
                if let Some(&to_index) = index.get(&to) {
                    if to_index == from_index {
                        if !graph.self_references.iter().any(|(_, i)| *i == from) {
                            graph.self_references.push((scope_id, from));
                        }
                    } else {
                        adjacency[from_index].push(to_index);
                    }
                }
            }
        }
        for component in strongly_connected(&adjacency) {
            if component.len() > 1 {
                let mut members: Vec<Item<'_>> = component.iter().map(|&i| nodes[i]).collect();
                members.sort_by_key(|m| m.id(db));
                graph.cycles.push((scope_id, members));
            }
        }
        graph.nodes.extend(nodes);
    }
    graph
}

/// Signals carried by a reference to `export` of `to`.
fn edge_signals(db: &dyn salsa::Database, to: Item<'_>, export: Option<&str>) -> SignalSet {
    let Some(component) = catalogue::component(to.name(db)) else {
        return SignalSet::EMPTY;
    };
    let Some(export) = export.and_then(|e| component.export(e)) else {
        return SignalSet::EMPTY;
    };
    match export.parsed_type() {
        Type::Capsule(Capsule::MetricsReceiver) => SignalSet::of(&[Signal::PrometheusMetrics]),
        Type::Capsule(Capsule::LogsReceiver) => SignalSet::of(&[Signal::LokiLogs]),
        Type::Capsule(Capsule::ProfilesReceiver) => SignalSet::of(&[Signal::Profiles]),
        Type::Capsule(Capsule::OtelcolConsumer) => component.signals.accepts.intersection(OTELCOL),
        Type::List(inner) if matches!(**inner, Type::Map(_)) => SignalSet::of(&[Signal::Targets]),
        _ => SignalSet::EMPTY,
    }
}

const OTELCOL: SignalSet = SignalSet::of(&[Signal::Traces, Signal::Metrics, Signal::Logs]);
const PUSHED: SignalSet = SignalSet::of(&[
    Signal::Traces,
    Signal::Metrics,
    Signal::Logs,
    Signal::PrometheusMetrics,
    Signal::LokiLogs,
    Signal::Profiles,
]);

/// Tarjan's algorithm, iterative: the components of more than one node (the
/// cycles), ordered by their smallest node.
pub fn strongly_connected(adjacency: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = adjacency.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0usize;
    let mut out = Vec::new();
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(start, 0)];
        index[start] = next;
        low[start] = next;
        next += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (v, ref mut edge)) = work.last_mut() {
            if let Some(&w) = adjacency[v].get(*edge) {
                *edge += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(component);
            }
        }
    }
    // Report cycles in the order of their first member, as upstream's
    // ordered walk does. Only cycles matter: sorting every node's
    // one-member component of a large config shows in profiles.
    out.retain(|c| c.len() > 1);
    out.sort_by_key(|c| c.iter().copied().min().unwrap_or(0));
    out
}

/// Cycle and self-reference diagnostics of one scope, in upstream's order.
pub(crate) fn cycle_diagnostics<'db>(
    db: &'db dyn salsa::Database,
    graph: &ComponentGraph<'db>,
    scope: ScopeId,
    out: &mut Vec<SemDiag<'db>>,
) {
    for (s, members) in &graph.cycles {
        if *s != scope {
            continue;
        }
        let ids: Vec<String> = members.iter().map(|m| m.id(db)).collect();
        let message = format!("cycle detected: {}", ids.join(", "));
        for member in members {
            out.push(SemDiag::new(
                Code::Cycle,
                Anchor::item(*member, NodeId(0), Span::Header),
                message.clone(),
            ));
        }
    }
    for (s, item) in &graph.self_references {
        if *s == scope {
            out.push(SemDiag::new(
                Code::SelfReference,
                Anchor::item(*item, NodeId(0), Span::Header),
                "cannot reference self",
            ));
        }
    }
}

/// Components that nothing feeds or whose targets nobody reads.
#[salsa::tracked(returns(ref))]
pub fn graph_diagnostics(db: &dyn salsa::Database, config: Config) -> Vec<SemDiag<'_>> {
    let graph = component_graph(db, config);
    let tree = module_tree(db, config);
    let referenced: FxHashSet<Item<'_>> = graph
        .edges
        .iter()
        .filter(|e| e.from != e.to)
        .map(|e| e.to)
        .collect();
    let mut out = Vec::new();
    for &item in &graph.nodes {
        if referenced.contains(&item) || item.label(db).is_none() {
            continue;
        }
        let Some(&scope) = tree.scope_of.get(&item) else {
            continue;
        };
        if item.kind(db) != ItemKind::Component || tree.custom(scope, item.name(db)).is_some() {
            continue;
        }
        let Some(component) = catalogue::component(item.name(db)) else {
            continue;
        };
        let id = item.id(db);
        let signals = component.signals;
        let at = Anchor::item(item, NodeId(0), Span::Name);
        let pushed_in = signals.accepts.intersection(PUSHED);
        if !pushed_in.is_empty() && has_receiver_export(component) {
            let kinds: Vec<&str> = pushed_in.iter().map(|s| s.describe()).collect();
            out.push(
                SemDiag::extended(
                    Code::DeadPipeline,
                    at,
                    format!("{id} receives no data: nothing references its exports"),
                )
                .with_note(format!("it accepts {}", kinds.join(", "))),
            );
        } else if signals.accepts.is_empty()
            && signals.emits.intersection(PUSHED).is_empty()
            && signals.emits.contains(Signal::Targets)
        {
            out.push(SemDiag::extended(
                Code::DeadPipeline,
                at,
                format!("the targets of {id} are not used: nothing references its exports"),
            ));
        }
    }
    out
}

fn has_receiver_export(component: &catalogue::Component) -> bool {
    component
        .exports
        .iter()
        .any(|e| matches!(e.parsed_type(), Type::Capsule(c) if *c != Capsule::RelabelRules && *c != Capsule::OtelcolHandler))
}

/// A component that emits data but sends it nowhere (`forward_to = []`,
/// an empty `output` block).
pub(crate) fn dead_output(cx: &mut Cx<'_, '_>, component: &'static catalogue::Component) {
    let emitted = component.signals.emits.intersection(PUSHED);
    if emitted.is_empty() || component.signals.config_dependent || cx.item.label(cx.db).is_none() {
        return;
    }
    // Arguments and output attributes that carry receivers.
    let mut wired = false;
    let mut visit = |name: &str, value: Option<crate::hir::ExprId>, ty: &Type| {
        if !carries_receivers(ty) {
            return;
        }
        if let Some(value) = value {
            match &cx.data.expr(value).kind {
                ExprKind::Array(items) if items.is_empty() => {}
                ExprKind::Literal(crate::hir::Literal::Null) => {}
                _ => wired = true,
            }
        }
        let _ = name;
    };
    for stmt in &cx.data.body.stmts {
        match stmt {
            Stmt::Attr(attr) => {
                if let Some(arg) = component.argument(&attr.name) {
                    visit(&attr.name, attr.value, arg.parsed_type());
                }
            }
            Stmt::Block(block) if block.name == "output" => {
                if let Some(spec) = component.block("output") {
                    for attr in block.body.attrs() {
                        if let Some(arg) = spec.argument(&attr.name) {
                            visit(&attr.name, attr.value, arg.parsed_type());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let has_output_block = component.block("output").is_some();
    let has_forward = component
        .arguments
        .iter()
        .any(|a| carries_receivers(a.parsed_type()));
    if wired || !(has_output_block || has_forward) {
        return;
    }
    let kinds: Vec<&str> = emitted.iter().map(|s| s.describe()).collect();
    let id = cx.item.id(cx.db);
    cx.out.push(
        SemDiag::extended(
            Code::DeadPipeline,
            Anchor::item(cx.item, NodeId(0), Span::Name),
            format!("the output of {id} goes nowhere: no data flows from it"),
        )
        .with_note(format!(
            "it produces {}; wire its output (forward_to, output) to another component",
            kinds.join(", ")
        )),
    );
}

fn carries_receivers(ty: &Type) -> bool {
    matches!(ty, Type::List(inner) if matches!(**inner, Type::Capsule(ref c) if *c != Capsule::RelabelRules && *c != Capsule::OtelcolHandler))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strongly_connected_components() {
        // 0 -> 1 -> 0, 2 -> 3 -> 4 -> 2, 5 alone.
        let adjacency = vec![vec![1], vec![0], vec![3], vec![4], vec![2], vec![]];
        let mut components: Vec<Vec<usize>> = strongly_connected(&adjacency)
            .into_iter()
            .map(|mut c| {
                c.sort_unstable();
                c
            })
            .collect();
        components.retain(|c| c.len() > 1);
        assert_eq!(components, [vec![0, 1], vec![2, 3, 4]]);
    }
}
