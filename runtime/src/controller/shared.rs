//! What the controller shares with the HTTP server: one [`NodeShared`] per
//! node that the API lists (components, custom components, `foreach`) or
//! that counts as running (imports), and one [`ModuleView`] per module
//! with the references between its nodes.
//!
//! The controller's own data (syntax trees, scopes) never leaves its
//! thread; this is the part that does, behind short locks.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use crate::component::{Arguments, Component, ExportsPublisher, Health, HealthType};
use crate::metrics::{self, MetricFamily, MetricKind};
use crate::value::{Object, Value};

/// What kind of node an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    /// A component from the registry.
    Builtin,
    /// An instance of a `declare` (local or imported).
    Custom,
    Foreach,
    /// `import.*`; counted as running, not listed as a component.
    Import,
}

/// Arguments as the API shows them.
#[derive(Clone, Debug, Default)]
pub enum ArgumentsView {
    #[default]
    None,
    /// A body decoded against a schema (components, `foreach`).
    Body(Arguments),
    /// The attributes given to a custom component.
    Object(Object),
}

#[derive(Default)]
struct NodeState {
    eval: Health,
    run: Health,
    /// Health reported by something other than evaluation and the task
    /// (an import's content).
    extra: Option<Health>,
    arguments: ArgumentsView,
    exports: Value,
    publisher: Option<ExportsPublisher>,
    component: Option<Arc<dyn Component>>,
    module_ids: Vec<String>,
    metrics: Option<metrics::Registry>,
}

/// One node as the outside sees it.
pub struct NodeShared {
    pub local_id: String,
    /// `""` for the root module.
    pub module_id: String,
    pub global_id: String,
    /// The block name (`local.file`, the custom component's name).
    pub name: String,
    pub label: Option<String>,
    pub node_type: NodeType,
    state: Mutex<NodeState>,
}

impl NodeShared {
    pub(crate) fn new(
        module_id: &str,
        local_id: &str,
        name: &str,
        label: Option<String>,
        node_type: NodeType,
        created: &str,
    ) -> Arc<NodeShared> {
        let global_id = if module_id.is_empty() {
            local_id.to_owned()
        } else {
            format!("{module_id}/{local_id}")
        };
        let initial = Health::new(HealthType::Unknown, created);
        Arc::new(NodeShared {
            local_id: local_id.to_owned(),
            module_id: module_id.to_owned(),
            global_id,
            name: name.to_owned(),
            label,
            node_type,
            state: Mutex::new(NodeState {
                eval: initial.clone(),
                run: initial,
                ..NodeState::default()
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, NodeState> {
        // Each update replaces whole fields, so a poisoned lock still holds
        // consistent data.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set_eval_health(&self, health: Health) {
        self.lock().eval = health;
    }

    pub(crate) fn set_run_health(&self, health: Health) {
        self.lock().run = health;
    }

    pub(crate) fn set_extra_health(&self, health: Option<Health>) {
        self.lock().extra = health;
    }

    pub(crate) fn set_arguments(&self, arguments: ArgumentsView) {
        self.lock().arguments = arguments;
    }

    pub(crate) fn set_exports(&self, exports: Value) {
        self.lock().exports = exports;
    }

    pub(crate) fn set_publisher(&self, publisher: ExportsPublisher) {
        self.lock().publisher = Some(publisher);
    }

    pub(crate) fn set_component(&self, component: Arc<dyn Component>) {
        self.lock().component = Some(component);
    }

    pub(crate) fn set_module_ids(&self, ids: Vec<String>) {
        self.lock().module_ids = ids;
    }

    pub(crate) fn set_metrics(&self, registry: metrics::Registry) {
        self.lock().metrics = Some(registry);
    }

    /// Upstream's rule: the least healthy of the task's, the last
    /// evaluation's and the component's own health.
    pub fn health(&self) -> Health {
        let (eval, run, extra, component) = {
            let state = self.lock();
            (
                state.eval.clone(),
                state.run.clone(),
                state.extra.clone(),
                state.component.clone(),
            )
        };
        // The component is asked without our lock held.
        let own = component.and_then(|c| c.health());
        let mut others = vec![&eval];
        if let Some(extra) = &extra {
            others.push(extra);
        }
        if let Some(own) = &own {
            others.push(own);
        }
        Health::least_healthy(&run, &others).clone()
    }

    /// Whether the component is still applying its last update (see
    /// [`crate::component::Component::starting`]).
    pub fn starting(&self) -> bool {
        let component = self.lock().component.clone();
        component.is_some_and(|c| c.starting())
    }

    pub fn arguments(&self) -> ArgumentsView {
        self.lock().arguments.clone()
    }

    pub fn exports(&self) -> Value {
        let state = self.lock();
        match &state.publisher {
            Some(publisher) => publisher.current(),
            None => state.exports.clone(),
        }
    }

    pub fn debug_info(&self) -> Option<Value> {
        let component = self.lock().component.clone();
        component.and_then(|c| c.debug_info())
    }

    pub fn module_ids(&self) -> Vec<String> {
        self.lock().module_ids.clone()
    }

    pub(crate) fn metrics(&self) -> Option<metrics::Registry> {
        self.lock().metrics.clone()
    }
}

/// One node of a module's graph, with its references to the other nodes
/// the API lists.
#[derive(Clone)]
pub struct ViewEntry {
    pub node: Arc<NodeShared>,
    pub references: Vec<String>,
    pub referenced_by: Vec<String>,
}

/// The listed nodes of one module, in evaluation order.
#[derive(Clone, Default)]
pub struct ModuleView {
    pub entries: Vec<ViewEntry>,
    /// `component_path` of the module's components: `/` or `/<module id>`.
    pub component_path: String,
}

/// The controller's shared state.
#[derive(Default)]
pub struct Shared {
    modules: RwLock<BTreeMap<String, Arc<ModuleView>>>,
    ready: AtomicBool,
}

impl Shared {
    pub(crate) fn publish_module(&self, id: &str, view: ModuleView) {
        self.modules
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_owned(), Arc::new(view));
    }

    /// Forgets a module and every module nested in it.
    pub(crate) fn remove_module(&self, id: &str) {
        let prefix = format!("{id}/");
        self.modules
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|k, _| k != id && !k.starts_with(&prefix));
    }

    pub fn module(&self, id: &str) -> Option<Arc<ModuleView>> {
        self.modules
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    pub fn modules(&self) -> Vec<(String, Arc<ModuleView>)> {
        self.modules
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    pub(crate) fn set_ready(&self) {
        self.ready.store(true, Ordering::SeqCst);
    }

    /// Whether the first load succeeded.
    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// `alloy_component_controller_running_components` per module (only
    /// the health types that occur), `alloy_component_graph_connection`
    /// and every component's own metrics.
    pub fn collect(&self) -> Vec<MetricFamily> {
        let mut running = MetricFamily::new(
            "alloy_component_controller_running_components",
            "Total number of running components.",
            MetricKind::Gauge,
        );
        let mut connections = MetricFamily::new(
            "alloy_component_graph_connection",
            "Connections between components of the graph.",
            MetricKind::Gauge,
        );
        let mut out = Vec::new();
        for (module_id, view) in self.modules() {
            let (path, id) = split_path(&module_id);
            let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
            for entry in &view.entries {
                *counts
                    .entry(entry.node.health().state.as_str())
                    .or_default() += 1;
                for to in &entry.references {
                    connections.push(
                        &[
                            ("controller_id", &id),
                            ("controller_path", &path),
                            ("from", &entry.node.local_id),
                            ("to", to),
                        ],
                        1.0,
                    );
                }
                if let Some(registry) = entry.node.metrics() {
                    out.extend(registry.gather_with(&[
                        ("component_id", &entry.node.local_id),
                        ("component_path", &view.component_path),
                    ]));
                }
            }
            for (state, count) in counts {
                running.push(
                    &[
                        ("controller_id", &id),
                        ("controller_path", &path),
                        ("health_type", state),
                    ],
                    count as f64,
                );
            }
        }
        out.push(running);
        out.push(connections);
        out
    }
}

/// Upstream's `splitPath`: `/` and `""` for the root, `/parent` and the
/// last segment for a nested module.
pub(crate) fn split_path(id: &str) -> (String, String) {
    match id.rsplit_once('/') {
        Some((parent, last)) => (format!("/{parent}"), last.to_owned()),
        None => ("/".to_owned(), id.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_like_upstream() {
        assert_eq!(split_path(""), ("/".into(), "".into()));
        assert_eq!(split_path("a.b"), ("/".into(), "a.b".into()));
        assert_eq!(split_path("a.b/c.d/e"), ("/a.b/c.d".into(), "e".into()));
    }
}
