//! A module: the graph of one body of statements and its evaluation.
//!
//! The root config is a module; so is every instance of a custom component
//! (the `declare` body it was made from) and every `foreach` child (the
//! template, once per collection item). Modules nest: a custom component
//! node owns its module, a `foreach` node owns one per item.
//!
//! [`Module::apply`] loads a body: it classifies the blocks, resolves the
//! references between them into a [`Graph`] (refusing unknown names,
//! duplicates and cycles, in which case the running graph is kept), then
//! reuses the nodes whose id and kind did not change, stops the ones that
//! are gone, and evaluates every node from the leaves up. Evaluation errors
//! do not stop the walk (upstream evaluates as much as it can): the new
//! graph is in place and the errors are returned.
//!
//! [`Module::changed`] handles a node whose exports changed (a component
//! published, an import's file changed): it updates the scope and
//! re-evaluates the dependants in rank order, following further changes.

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use alloy_syntax::ast::{Block, Stmt};

use super::custom::CustomRegistry;
use super::diag::{Diagnostic, Diagnostics, FileCtx};
use super::graph::Graph;
use super::nodes::{Env, Node, NodeKind, Outcome};
use super::shared::{ModuleView, NodeType, ViewEntry};
use super::Globals;
use crate::component::Registration;
use crate::eval::Scope;
use crate::value::{Object, Value};

/// How a block is loaded.
#[derive(Clone)]
pub(crate) enum Plan {
    Builtin(Registration),
    Custom,
    Foreach,
    Argument,
    Export,
    Logging,
    Tracing,
    Import(ImportKind),
    Declare,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImportKind {
    File,
    String,
}

/// One block of a body, classified.
pub(crate) struct Planned {
    pub id: String,
    pub name: String,
    pub label: Option<String>,
    pub block: Block,
    pub file: Arc<FileCtx>,
    pub plan: Plan,
}

pub(crate) struct Module {
    /// `""` for the root; otherwise the global id of the module.
    pub id: String,
    /// Node ids from the root to this module (for routing changes).
    pub route: Vec<String>,
    pub globals: Rc<Globals>,
    pub nodes: Vec<Node>,
    index: HashMap<String, usize>,
    graph: Graph,
    /// Node indices in evaluation order; a node's rank is its position.
    order: Vec<usize>,
    rank: Vec<usize>,
    pub scope: Scope,
    arg_scope: Option<Arc<Scope>>,
    args: Object,
    registry: Rc<CustomRegistry>,
    /// Values of the module's `export` blocks.
    pub exports: Object,
    /// What the scope holds for each node, to tell real changes.
    published: HashMap<String, Value>,
    running: bool,
    /// Inside [`Module::apply`]'s walk (for log levels).
    loading: bool,
    /// The span of the graph evaluation under way, parent of the node spans.
    span: Option<crate::selftrace::SpanContext>,
}

impl Module {
    pub fn new(globals: Rc<Globals>, id: String, route: Vec<String>) -> Module {
        Module {
            id,
            route,
            globals,
            nodes: Vec::new(),
            index: HashMap::new(),
            graph: Graph::default(),
            order: Vec::new(),
            rank: Vec::new(),
            scope: Scope::new(),
            arg_scope: None,
            args: Object::new(),
            registry: CustomRegistry::new(None, None),
            exports: Object::new(),
            published: HashMap::new(),
            running: false,
            loading: false,
            span: None,
        }
    }

    pub(super) fn is_root(&self) -> bool {
        self.id.is_empty()
    }

    /// `component_path` of this module's components.
    pub fn component_path(&self) -> String {
        format!("/{}", self.id)
    }

    /// Loads a body; see the module documentation.
    pub fn apply(
        &mut self,
        stmts: &[(Arc<FileCtx>, Stmt)],
        args: Object,
        parent_registry: Option<Rc<CustomRegistry>>,
        arg_scope: Option<Arc<Scope>>,
    ) -> Result<(), Diagnostics> {
        let registry = CustomRegistry::new(parent_registry, arg_scope.clone());
        let plans = self.plan(stmts, &registry, &args)?;
        let graph = self.wire(&plans, arg_scope.as_ref())?;
        self.commit(plans, graph, registry, args, arg_scope);

        let started = std::time::Instant::now();
        tracing::info!(
            controller_path = %self.component_path(),
            "starting complete graph evaluation"
        );
        let mut span = self.globals.tracer.root("GraphEvaluate");
        if let Some(span) = &mut span {
            span.set_attribute("controller_path", self.component_path());
        }
        self.span = span.as_ref().map(|s| s.context());
        self.globals.metrics.evaluating.set(1.0);
        self.exports = Object::new();
        self.loading = true;
        let mut diags = Vec::new();
        for rank in 0..self.order.len() {
            let i = self.order[rank];
            if let Err(errors) = self.evaluate(i) {
                for diag in &errors {
                    tracing::error!(node = %self.nodes[i].id, err = %diag, "failed to evaluate config");
                }
                diags.extend(errors);
            }
        }
        let has_logging = self
            .nodes
            .iter()
            .any(|n| matches!(n.kind, NodeKind::Logging));
        if self.is_root() && !has_logging {
            // Upstream evaluates a default logging node when the block is
            // absent (or was removed by a reload).
            if let Some(logging) = &self.globals.logging {
                logging.set_write_to(Default::default(), &self.globals.runtime);
                logging.apply(crate::logging::LogSettings::default());
            }
        }
        if self.is_root()
            && !self
                .nodes
                .iter()
                .any(|n| matches!(n.kind, NodeKind::Tracing))
        {
            // Likewise the default tracing node: no write_to, no spans.
            self.globals
                .tracer
                .apply(crate::selftrace::TracingSettings::default());
        }
        self.span = None;
        if let (Some(span), false) = (&mut span, diags.is_empty()) {
            span.set_error(format!("{} evaluation errors", diags.len()));
        }
        drop(span);
        self.loading = false;
        self.globals.metrics.evaluating.set(0.0);
        tracing::info!(
            controller_path = %self.component_path(),
            duration = ?started.elapsed(),
            "finished complete graph evaluation"
        );
        self.publish_view();
        if self.running {
            self.synchronize(true);
        }
        if diags.is_empty() {
            Ok(())
        } else {
            Err(Diagnostics(diags))
        }
    }

    /// Replaces the graph: reuses nodes by id and kind, stops the others.
    fn commit(
        &mut self,
        plans: Vec<Planned>,
        graph: Graph,
        registry: Rc<CustomRegistry>,
        args: Object,
        arg_scope: Option<Arc<Scope>>,
    ) {
        let mut old: HashMap<String, Node> = std::mem::take(&mut self.nodes)
            .into_iter()
            .map(|n| (n.id.clone(), n))
            .collect();
        let old_rank: HashMap<String, usize> = self
            .index
            .iter()
            .filter_map(|(id, &i)| Some((id.clone(), *self.rank.get(i)?)))
            .collect();
        let mut removed = Vec::new();
        let mut nodes = Vec::with_capacity(plans.len());
        for planned in plans {
            match old.remove(&planned.id) {
                Some(mut node) if node.kind.matches(&planned.plan) => {
                    node.block = planned.block;
                    node.file = planned.file;
                    if let (NodeKind::Builtin(b), Plan::Builtin(r)) =
                        (&mut node.kind, &planned.plan)
                    {
                        b.registration = r.clone();
                    }
                    nodes.push(node);
                }
                other => {
                    removed.extend(other);
                    nodes.push(Node::create(self, planned));
                }
            }
        }
        removed.extend(old.into_values());
        removed.sort_by_key(|n| std::cmp::Reverse(old_rank.get(&n.id).copied()));
        for mut node in removed {
            tracing::info!(node = %node.id, "stopping removed node");
            node.retire(&self.globals);
            self.published.remove(&node.id);
            let path: Vec<&str> = node.scope_path();
            self.scope.remove_path(&path);
        }

        self.index = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.clone(), i))
            .collect();
        self.order = graph.topological_order();
        self.rank = vec![0; nodes.len()];
        for (rank, &i) in self.order.iter().enumerate() {
            self.rank[i] = rank;
        }
        self.nodes = nodes;
        self.graph = graph;
        self.registry = registry;
        self.args = args;
        self.arg_scope = arg_scope;
        self.rebuild_scope();
    }

    /// A fresh scope over the (possibly new) arguments scope, holding what
    /// the nodes published: objects merged from the parent are copied again
    /// so that they are current.
    fn rebuild_scope(&mut self) {
        let mut scope = match &self.arg_scope {
            Some(parent) => Scope::with_parent(parent.clone()),
            None => Scope::new(),
        };
        for node in &self.nodes {
            if let Some(value) = self.published.get(&node.id) {
                insert_merged(&mut scope, &node.scope_path(), value.clone());
            }
        }
        self.scope = scope;
    }

    /// Evaluates one node and publishes what it exports into the scope.
    /// Returns whether what dependants see changed.
    fn evaluate(&mut self, i: usize) -> Result<bool, Vec<Diagnostic>> {
        let started = std::time::Instant::now();
        let mut span = self
            .span
            .and_then(|parent| self.globals.tracer.child(&parent, "EvaluateNode"));
        if let Some(span) = &mut span {
            span.set_attribute("node_id", self.nodes[i].id.clone());
        }
        let env = Env {
            globals: &self.globals,
            scope: &self.scope,
            registry: &self.registry,
            args: &self.args,
        };
        let result = self.nodes[i].evaluate(&env);
        let took = started.elapsed();
        self.globals.metrics.evaluated(&self.nodes[i].id, took);
        // Upstream logs the full evaluation of a load at info, the
        // re-evaluations that follow an export change at debug.
        if self.loading {
            tracing::info!(node_id = %self.nodes[i].id, duration = ?took, "finished node evaluation");
        } else {
            tracing::debug!(node_id = %self.nodes[i].id, duration = ?took, "finished node evaluation");
        }
        if let (Some(span), Err(errors)) = (&mut span, &result) {
            if let Some(first) = errors.first() {
                span.set_error(first.to_string());
            }
        }
        drop(span);
        let outcome = result?;
        Ok(self.absorb(i, outcome))
    }

    /// Applies what an evaluation produced to the module's scope and exports.
    fn absorb(&mut self, i: usize, outcome: Outcome) -> bool {
        let mut changed = outcome.changed;
        if let Some((label, value)) = outcome.export {
            self.exports.insert(label, value);
        }
        if let Some(value) = outcome.publish {
            let id = self.nodes[i].id.clone();
            if self.published.get(&id) != Some(&value) {
                let path = self.nodes[i].scope_path();
                insert_merged(&mut self.scope, &path, value.clone());
                self.published.insert(id, value);
                changed = true;
            }
        }
        changed
    }

    /// A node's exports (or an import's content) may have changed; `route`
    /// leads to it from this module. Returns whether the module's own
    /// exports changed.
    pub fn changed(&mut self, route: &[String]) -> bool {
        let Some((first, rest)) = route.split_first() else {
            return false;
        };
        let Some(&i) = self.index.get(first) else {
            return false;
        };
        let changed = if rest.is_empty() {
            let outcome = self.nodes[i].refresh(&self.globals, &self.registry);
            self.absorb(i, outcome)
        } else {
            match self.nodes[i].child_changed(rest) {
                Some(outcome) => self.absorb(i, outcome),
                None => false,
            }
        };
        if !changed {
            return false;
        }
        self.propagate(i)
    }

    /// Re-evaluates the dependants of `origin` in rank order, following the
    /// nodes whose exports change in turn.
    fn propagate(&mut self, origin: usize) -> bool {
        let before = self.exports.clone();
        let wait_started = std::time::Instant::now();
        let mut span = self.globals.tracer.root("GraphEvaluatePartial");
        if let Some(span) = &mut span {
            span.set_attribute("initiator", self.nodes[origin].id.clone());
        }
        let outer_span = std::mem::replace(&mut self.span, span.as_ref().map(|s| s.context()));
        let mut pending: BTreeSet<usize> = self
            .graph
            .dependants(origin)
            .map(|d| self.rank[d])
            .collect();
        self.globals.metrics.evaluating.set(1.0);
        while let Some(rank) = pending.pop_first() {
            self.globals.metrics.queue_size.set(pending.len() as f64);
            self.globals
                .metrics
                .dependencies_wait
                .observe(wait_started.elapsed().as_secs_f64());
            let i = self.order[rank];
            match self.evaluate(i) {
                Ok(true) => pending.extend(self.graph.dependants(i).map(|d| self.rank[d])),
                Ok(false) => {}
                Err(errors) => {
                    for diag in errors {
                        tracing::error!(node = %self.nodes[i].id, err = %diag, "failed to evaluate config");
                    }
                }
            }
            if self.running {
                self.nodes[i].start(&self.globals, false);
            }
        }
        self.globals.metrics.queue_size.set(0.0);
        self.globals.metrics.evaluating.set(0.0);
        self.span = outer_span;
        drop(span);
        self.publish_view();
        self.exports != before
    }

    /// Starts what is not running yet (in rank order) and restarts tasks
    /// that exited; marks the module as running.
    pub fn synchronize(&mut self, restart: bool) {
        self.running = true;
        for rank in 0..self.order.len() {
            let i = self.order[rank];
            self.nodes[i].start(&self.globals, restart);
        }
    }

    /// Stops every task, roots first (descending rank).
    pub fn stop_all(&mut self) {
        self.running = false;
        for rank in (0..self.order.len()).rev() {
            let i = self.order[rank];
            self.nodes[i].stop(&self.globals);
        }
    }

    /// Forgets this module (and the modules nested in it) in the shared
    /// view; called when the node owning it goes away.
    pub fn forget(&self) {
        self.globals.shared.remove_module(&self.id);
    }

    /// Publishes the listed nodes and their references for the API.
    fn publish_view(&self) {
        let listed = |i: usize| {
            matches!(
                self.nodes[i].node_type(),
                Some(NodeType::Builtin | NodeType::Custom | NodeType::Foreach)
            )
        };
        let mut entries = Vec::new();
        for &i in &self.order {
            let Some(shared) = self.nodes[i].shared() else {
                continue;
            };
            let (references, referenced_by) = if listed(i) {
                let ids = |it: &mut dyn Iterator<Item = usize>| -> Vec<String> {
                    let mut v: Vec<String> = it
                        .filter(|&j| listed(j))
                        .map(|j| self.nodes[j].id.clone())
                        .collect();
                    v.sort();
                    v
                };
                (
                    ids(&mut self.graph.dependencies(i)),
                    ids(&mut self.graph.dependants(i)),
                )
            } else {
                (Vec::new(), Vec::new())
            };
            entries.push(ViewEntry {
                node: shared,
                references,
                referenced_by,
            });
        }
        self.globals.shared.publish_module(
            &self.id,
            ModuleView {
                entries,
                component_path: self.component_path(),
            },
        );
    }
}

/// Publishes `value` at `path`. When the first segment is an object of a
/// parent scope (a `foreach` child sees `prometheus` of its module and has
/// its own `prometheus.scrape` in its template), the module's variable
/// starts as a copy of the parent's, so that both stay visible, as with
/// upstream's copied scope variables.
fn insert_merged(scope: &mut Scope, path: &[&str], value: Value) {
    if let Some(first) = path.first() {
        let own = scope.variables().any(|(name, _)| name == *first);
        if !own {
            let inherited = scope
                .get(first)
                .filter(|v| v.as_object().is_some())
                .cloned();
            if let Some(inherited) = inherited {
                scope.set(*first, inherited);
            }
        }
    }
    scope.insert_path(path, value);
}
