//! The kinds of graph node and how each is evaluated, started and stopped.
//!
//! * builtin components: decode the body against the registration's
//!   schema, build the component the first time, `update` it when the
//!   arguments changed, run it as a task;
//! * custom components: evaluate the attributes into the module's
//!   arguments and load the `declare` body into a child [`Module`];
//! * `foreach` (in `foreach.rs`) and imports (in `imports.rs`);
//! * `argument`, `export`, `logging` and `declare`, which only evaluate.

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use alloy_analysis::catalogue::{self, Body};
use alloy_syntax::ast::{Block, Stmt};

use super::custom::{split_custom_name, CustomRegistry};
use super::diag::{Diagnostic, FileCtx};
use super::foreach::ForeachNode;
use super::imports::ImportNode;
use super::module::{Module, Plan, Planned};
use super::scheduler::Task;
use super::shared::{ArgumentsView, NodeShared, NodeType};
use super::{Event, Globals};
use crate::component::{
    Arguments, Component, ComponentError, Context, ExportsPublisher, Health, HealthType,
    Registration,
};
use crate::eval::{decode_body, evaluate_body_to_object, BodyItem, Scope};
use crate::logging::{LogFormat, LogLevel, LogSettings};
use crate::metrics;
use crate::value::{Object, Value};

/// What a node sees while it is evaluated.
pub(crate) struct Env<'a> {
    pub globals: &'a Rc<Globals>,
    pub scope: &'a Scope,
    pub registry: &'a Rc<CustomRegistry>,
    pub args: &'a Object,
}

/// What an evaluation produced.
#[derive(Default)]
pub(crate) struct Outcome {
    /// The value dependants see under the node's id.
    pub publish: Option<Value>,
    /// A module export: its label and value.
    pub export: Option<(String, Value)>,
    /// Something dependants use changed although nothing is published (an
    /// import's content).
    pub changed: bool,
}

pub(crate) struct Node {
    pub id: String,
    pub name: String,
    pub label: Option<String>,
    pub block: Block,
    pub file: Arc<FileCtx>,
    pub kind: NodeKind,
}

pub(crate) enum NodeKind {
    Builtin(Box<BuiltinNode>),
    Custom(Box<CustomNode>),
    Foreach(Box<ForeachNode>),
    Import(Box<ImportNode>),
    Argument,
    Export,
    Logging,
    Tracing,
    Declare,
}

impl NodeKind {
    /// Whether a node of this kind can take the block planned as `plan`.
    pub fn matches(&self, plan: &Plan) -> bool {
        match (self, plan) {
            (NodeKind::Builtin(b), Plan::Builtin(r)) => b.registration.name() == r.name(),
            (NodeKind::Import(i), Plan::Import(kind)) => i.kind() == *kind,
            (NodeKind::Custom(_), Plan::Custom)
            | (NodeKind::Foreach(_), Plan::Foreach)
            | (NodeKind::Argument, Plan::Argument)
            | (NodeKind::Export, Plan::Export)
            | (NodeKind::Logging, Plan::Logging)
            | (NodeKind::Tracing, Plan::Tracing)
            | (NodeKind::Declare, Plan::Declare) => true,
            _ => false,
        }
    }
}

/// The schema of a config block, from the catalogue.
pub(crate) fn config_schema(name: &str) -> Body {
    catalogue::config_block(name).map_or(
        Body {
            arguments: &[],
            blocks: &[],
        },
        |b| b.body(),
    )
}

impl Node {
    pub fn create(module: &Module, planned: Planned) -> Node {
        let Planned {
            id,
            name,
            label,
            block,
            file,
            plan,
        } = planned;
        let mut route = module.route.clone();
        route.push(id.clone());
        let shared = |node_type, created: &str| {
            NodeShared::new(&module.id, &id, &name, label.clone(), node_type, created)
        };
        let kind = match plan {
            Plan::Builtin(registration) => NodeKind::Builtin(Box::new(BuiltinNode::new(
                module,
                &id,
                route,
                registration,
                shared(NodeType::Builtin, "component created"),
            ))),
            Plan::Custom => {
                let shared = shared(NodeType::Custom, "node custom component created");
                let child = Module::new(module.globals.clone(), shared.global_id.clone(), route);
                shared.set_module_ids(vec![child.id.clone()]);
                NodeKind::Custom(Box::new(CustomNode {
                    shared,
                    child: Box::new(child),
                    started: false,
                }))
            }
            Plan::Foreach => NodeKind::Foreach(Box::new(ForeachNode::new(
                shared(NodeType::Foreach, ""),
                route,
            ))),
            Plan::Import(kind) => NodeKind::Import(Box::new(ImportNode::new(
                kind,
                label.clone().unwrap_or_default(),
                shared(NodeType::Import, ""),
                route,
            ))),
            Plan::Argument => NodeKind::Argument,
            Plan::Export => NodeKind::Export,
            Plan::Logging => NodeKind::Logging,
            Plan::Tracing => NodeKind::Tracing,
            Plan::Declare => NodeKind::Declare,
        };
        Node {
            id,
            name,
            label,
            block,
            file,
            kind,
        }
    }

    pub fn node_type(&self) -> Option<NodeType> {
        self.shared().map(|s| s.node_type)
    }

    pub fn shared(&self) -> Option<Arc<NodeShared>> {
        match &self.kind {
            NodeKind::Builtin(b) => Some(b.shared.clone()),
            NodeKind::Custom(c) => Some(c.shared.clone()),
            NodeKind::Foreach(f) => Some(f.shared.clone()),
            NodeKind::Import(i) => Some(i.shared.clone()),
            _ => None,
        }
    }

    /// Where the node's value lives in the module scope.
    pub fn scope_path(&self) -> Vec<&str> {
        match (&self.kind, &self.label) {
            (NodeKind::Argument, Some(label)) => vec!["argument", label.as_str()],
            _ => self.id.split('.').collect(),
        }
    }

    pub fn evaluate(&mut self, env: &Env<'_>) -> Result<Outcome, Vec<Diagnostic>> {
        let (block, file, label) = (&self.block, &self.file, self.label.as_deref());
        match &mut self.kind {
            NodeKind::Builtin(b) => b.evaluate(env, block, file, &self.id).map_err(|d| vec![d]),
            NodeKind::Custom(c) => c.evaluate(env, block, file, &self.name),
            NodeKind::Foreach(f) => f.evaluate(env, block, file, &self.id),
            NodeKind::Import(i) => i.evaluate(env, block, file).map_err(|d| vec![d]),
            NodeKind::Argument => evaluate_argument(env, block, file, label.unwrap_or_default()),
            NodeKind::Export => evaluate_export(env, block, file, label.unwrap_or_default()),
            NodeKind::Logging => evaluate_logging(env, block, file),
            NodeKind::Tracing => evaluate_tracing(env, block, file),
            NodeKind::Declare => Ok(Outcome::default()),
        }
    }

    /// Re-reads what the node exposes after it signalled a change.
    pub fn refresh(&mut self, globals: &Rc<Globals>, registry: &Rc<CustomRegistry>) -> Outcome {
        match &mut self.kind {
            NodeKind::Builtin(b) => Outcome {
                publish: Some(b.publisher.current()),
                ..Outcome::default()
            },
            NodeKind::Import(i) => i.refresh(globals, registry),
            _ => Outcome::default(),
        }
    }

    /// A node inside this node's module(s) changed.
    pub fn child_changed(&mut self, route: &[String]) -> Option<Outcome> {
        match &mut self.kind {
            NodeKind::Custom(c) => {
                if !c.child.changed(route) {
                    return None;
                }
                let exports = Value::object(c.child.exports.clone());
                c.shared.set_exports(exports.clone());
                Some(Outcome {
                    publish: Some(exports),
                    ..Outcome::default()
                })
            }
            NodeKind::Foreach(f) => {
                f.child_changed(route);
                None
            }
            _ => None,
        }
    }

    /// Starts what the node runs, if it is not running. `restart` also
    /// restarts a component whose task returned on its own.
    pub fn start(&mut self, globals: &Rc<Globals>, restart: bool) {
        match &mut self.kind {
            NodeKind::Builtin(b) => b.start(globals, restart),
            NodeKind::Custom(c) => {
                c.child.synchronize(restart);
                if !c.started {
                    c.started = true;
                    c.shared
                        .set_run_health(Health::healthy("started custom component"));
                }
            }
            NodeKind::Foreach(f) => f.start(restart),
            NodeKind::Import(i) => i.start(),
            _ => {}
        }
    }

    /// Stops what the node runs (module tasks in descending rank).
    pub fn stop(&mut self, globals: &Rc<Globals>) {
        match &mut self.kind {
            NodeKind::Builtin(b) => {
                if let Some(task) = b.task.take() {
                    task.stop(&globals.runtime, &b.shared.global_id, globals.task_deadline);
                }
            }
            NodeKind::Custom(c) => {
                c.child.stop_all();
                if c.started {
                    c.started = false;
                    c.shared.set_run_health(Health::new(
                        HealthType::Exited,
                        "custom component shut down cleanly",
                    ));
                }
            }
            NodeKind::Foreach(f) => f.stop(),
            NodeKind::Import(i) => i.stop(),
            _ => {}
        }
    }

    /// Stops the node for good (it left the config).
    pub fn retire(&mut self, globals: &Rc<Globals>) {
        self.stop(globals);
        match &self.kind {
            NodeKind::Custom(c) => c.child.forget(),
            NodeKind::Foreach(f) => f.forget(),
            _ => {}
        }
    }
}

/// Builtin component state.
pub(crate) struct BuiltinNode {
    pub registration: Registration,
    shared: Arc<NodeShared>,
    publisher: ExportsPublisher,
    metrics: metrics::Registry,
    span: tracing::Span,
    data_path: PathBuf,
    component_path: String,
    component: Option<Arc<dyn Component>>,
    /// The arguments the component has, to skip updates that change
    /// nothing (upstream compares with `reflect.DeepEqual`).
    fingerprint: Option<Value>,
    task: Option<Task>,
}

impl BuiltinNode {
    fn new(
        module: &Module,
        id: &str,
        route: Vec<String>,
        registration: Registration,
        shared: Arc<NodeShared>,
    ) -> BuiltinNode {
        let events = module.globals.events.clone();
        let publisher = ExportsPublisher::new(move || {
            // The controller is gone when this fails; nothing to tell.
            let _ = events.send(Event::Changed(route.clone()));
        });
        shared.set_publisher(publisher.clone());
        let metrics = metrics::Registry::new();
        shared.set_metrics(metrics.clone());
        let component_path = module.component_path();
        let span = tracing::info_span!(
            "component",
            component_path = %component_path,
            component_id = %id
        );
        BuiltinNode {
            data_path: module.globals.data_path.join(&shared.global_id),
            registration,
            shared,
            publisher,
            metrics,
            span,
            component_path,
            component: None,
            fingerprint: None,
            task: None,
        }
    }

    fn evaluate(
        &mut self,
        env: &Env<'_>,
        block: &Block,
        file: &FileCtx,
        id: &str,
    ) -> Result<Outcome, Diagnostic> {
        let result = self.evaluate_inner(env, block, file, id);
        match &result {
            Ok(_) => self
                .shared
                .set_eval_health(Health::healthy("component evaluated")),
            Err((message, _)) => self.shared.set_eval_health(Health::unhealthy(format!(
                "component evaluation failed: {message}"
            ))),
        }
        result.map_err(|(_, diag)| diag).map(|()| Outcome {
            publish: Some(self.publisher.current()),
            ..Outcome::default()
        })
    }

    /// Errors carry the health message and the diagnostic.
    fn evaluate_inner(
        &mut self,
        env: &Env<'_>,
        block: &Block,
        file: &FileCtx,
        id: &str,
    ) -> Result<(), (String, Diagnostic)> {
        let args = decode_body(block.statements(), env.scope, self.registration.schema()).map_err(
            |e| {
                (
                    format!("decoding configuration: {e}"),
                    Diagnostic::eval(file, block, &e),
                )
            },
        )?;
        self.shared.set_arguments(ArgumentsView::Body(args.clone()));
        let fingerprint = fingerprint(&args);
        let failed = |what: &str, e: &dyn std::fmt::Display| {
            let message = format!("{what}: {e}");
            let diag =
                Diagnostic::at_block(file, block, format!("Failed to build component: {message}"));
            (message, diag)
        };
        match &self.component {
            None => {
                let context = Context {
                    id: self.shared.global_id.clone(),
                    local_id: id.to_owned(),
                    component_path: self.component_path.clone(),
                    data_path: self.data_path.clone(),
                    metrics: self.metrics.clone(),
                    span: self.span.clone(),
                    exports: self.publisher.clone(),
                    runtime: env.globals.runtime.clone(),
                    min_stability: env.globals.min_stability,
                };
                let component = {
                    let _entered = self.span.enter();
                    guarded(|| self.registration.build(context, args))
                }
                .map_err(|e| failed("building component", &e))?;
                self.shared.set_component(component.clone());
                self.component = Some(component);
            }
            Some(component) => {
                if self.fingerprint.as_ref() != Some(&fingerprint) {
                    let _entered = self.span.enter();
                    guarded(|| component.update(args))
                        .map_err(|e| failed("updating component", &e))?;
                }
            }
        }
        self.fingerprint = Some(fingerprint);
        Ok(())
    }

    fn start(&mut self, globals: &Rc<Globals>, restart: bool) {
        let Some(component) = &self.component else {
            return;
        };
        let finished = self.task.as_ref().is_some_and(Task::finished);
        if self.task.is_some() && !(restart && finished) {
            return;
        }
        self.task = Some(Task::start(
            &globals.runtime,
            component.clone(),
            self.shared.clone(),
            self.span.clone(),
        ));
    }
}

/// Runs a component's `build` or `update` so that a panic in it becomes an
/// error of that component instead of taking the controller thread down.
fn guarded<T>(f: impl FnOnce() -> Result<T, ComponentError>) -> Result<T, ComponentError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let text = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Err(ComponentError::new(format!("panic: {text}")))
    })
}

/// Arguments as a comparable value, block labels included.
fn fingerprint(args: &Arguments) -> Value {
    let items = args
        .items()
        .iter()
        .map(|item| match item {
            BodyItem::Attribute(a) => {
                Value::array(vec![Value::from(a.name.as_str()), a.value.clone()])
            }
            BodyItem::Block(b) => Value::array(vec![
                Value::from(b.name.as_str()),
                Value::from(b.label.clone()),
                fingerprint(&b.body),
            ]),
        })
        .collect();
    Value::array(items)
}

/// An instance of a `declare`.
pub(crate) struct CustomNode {
    shared: Arc<NodeShared>,
    child: Box<Module>,
    started: bool,
}

impl CustomNode {
    fn evaluate(
        &mut self,
        env: &Env<'_>,
        block: &Block,
        file: &FileCtx,
        name: &str,
    ) -> Result<Outcome, Vec<Diagnostic>> {
        let result = self.evaluate_inner(env, block, file, name);
        match &result {
            Ok(_) => self
                .shared
                .set_eval_health(Health::healthy("component evaluated")),
            Err((message, _)) => self.shared.set_eval_health(Health::unhealthy(format!(
                "component evaluation failed: {message}"
            ))),
        }
        let exports = Value::object(self.child.exports.clone());
        self.shared.set_exports(exports.clone());
        result.map_err(|(_, diags)| diags)?;
        Ok(Outcome {
            publish: Some(exports),
            ..Outcome::default()
        })
    }

    fn evaluate_inner(
        &mut self,
        env: &Env<'_>,
        block: &Block,
        file: &FileCtx,
        name: &str,
    ) -> Result<(), (String, Vec<Diagnostic>)> {
        let args = evaluate_body_to_object(block.statements(), env.scope).map_err(|e| {
            (
                format!("decoding configuration: {e}"),
                vec![Diagnostic::eval(file, block, &e)],
            )
        })?;
        self.shared
            .set_arguments(ArgumentsView::Object(args.clone()));
        let (namespace, component) = split_custom_name(name);
        let Some((template, registry)) = env.registry.find(namespace, component) else {
            let message = format!(
                "loading custom component controller: custom component config not found in the \
                 registry, namespace: {:?}, componentName: {component:?}",
                namespace.unwrap_or("")
            );
            let diag =
                Diagnostic::at_block(file, block, format!("Failed to build component: {message}"));
            return Err((message, vec![diag]));
        };
        let stmts: Vec<(Arc<FileCtx>, Stmt)> = template
            .stmts
            .iter()
            .map(|s| (template.file.clone(), s.clone()))
            .collect();
        let scope = registry.scope();
        self.child
            .apply(&stmts, args, Some(registry), scope)
            .map_err(|diags| (format!("updating custom component: {diags}"), diags.0))
    }
}

/// `argument "x" { optional = ..., default = ... }`: the value given to the
/// module, or the default.
fn evaluate_argument(
    env: &Env<'_>,
    block: &Block,
    file: &FileCtx,
    label: &str,
) -> Result<Outcome, Vec<Diagnostic>> {
    let body = decode_body(block.statements(), env.scope, &config_schema("argument"))
        .map_err(|e| vec![Diagnostic::eval(file, block, &e)])?;
    let optional: bool = body
        .get_or("optional", false)
        .map_err(|e| vec![Diagnostic::eval(file, block, &e)])?;
    let value = match env.args.get(label) {
        Some(value) => value.clone(),
        None if optional => body
            .attribute("default")
            .map(|a| a.value.clone())
            .unwrap_or_default(),
        None => {
            return Err(vec![Diagnostic::at_block(
                file,
                block,
                format!(
                    "Failed to evaluate node for config block: missing required argument \
                     {label:?} to module"
                ),
            )])
        }
    };
    let mut object = Object::new();
    object.insert("value", value);
    Ok(Outcome {
        publish: Some(Value::object(object)),
        ..Outcome::default()
    })
}

/// `export "x" { value = ... }`.
fn evaluate_export(
    env: &Env<'_>,
    block: &Block,
    file: &FileCtx,
    label: &str,
) -> Result<Outcome, Vec<Diagnostic>> {
    let body = decode_body(block.statements(), env.scope, &config_schema("export"))
        .map_err(|e| vec![Diagnostic::eval(file, block, &e)])?;
    let value = body
        .attribute("value")
        .map(|a| a.value.clone())
        .unwrap_or_default();
    Ok(Outcome {
        export: Some((label.to_owned(), value)),
        ..Outcome::default()
    })
}

/// Upstream's wording for a config block whose arguments cannot be honoured.
fn config_block_failure(file: &FileCtx, block: &Block, message: String) -> Vec<Diagnostic> {
    vec![Diagnostic::at_block(
        file,
        block,
        format!("Failed to evaluate node for config block: {message}"),
    )]
}

/// The `logging` block: level, format and `write_to`; a `destination` other
/// than stderr is refused rather than ignored.
fn evaluate_logging(
    env: &Env<'_>,
    block: &Block,
    file: &FileCtx,
) -> Result<Outcome, Vec<Diagnostic>> {
    let fail = |message: String| config_block_failure(file, block, message);
    let body = decode_body(block.statements(), env.scope, &config_schema("logging"))
        .map_err(|e| vec![Diagnostic::eval(file, block, &e)])?;
    let level: String = body
        .get_or("level", "info".to_owned())
        .map_err(|e| vec![Diagnostic::eval(file, block, &e)])?;
    let format: String = body
        .get_or("format", "logfmt".to_owned())
        .map_err(|e| vec![Diagnostic::eval(file, block, &e)])?;
    let settings = LogSettings {
        level: LogLevel::parse(&level).map_err(fail)?,
        format: LogFormat::parse(&format).map_err(fail)?,
    };
    if let Some(destination) = body.attribute("destination") {
        if destination.value.as_str() != Some("stderr") {
            return Err(fail(format!(
                "logging destination {} is not supported by this runtime yet",
                destination.value
            )));
        }
    }
    let write_to =
        crate::components::loki::receivers(&body, "write_to").map_err(|e| fail(e.to_string()))?;
    if let Some(logging) = &env.globals.logging {
        logging.set_write_to(write_to, &env.globals.runtime);
        logging.apply(settings);
    }
    Ok(Outcome::default())
}

/// The `tracing` block: `sampling_fraction` and `write_to` configure the
/// runtime's span recorder; what it cannot honour (`send_traceparent =
/// true`, the `sampler > jaeger_remote` block) is refused by name.
fn evaluate_tracing(
    env: &Env<'_>,
    block: &Block,
    file: &FileCtx,
) -> Result<Outcome, Vec<Diagnostic>> {
    let fail = |message: String| config_block_failure(file, block, message);
    let eval_err = |e: crate::eval::EvalError| vec![Diagnostic::eval(file, block, &e)];
    let body =
        decode_body(block.statements(), env.scope, &config_schema("tracing")).map_err(eval_err)?;
    let sampling_fraction: f64 = body.get_or("sampling_fraction", 0.1).map_err(eval_err)?;
    if body.get_or("send_traceparent", false).map_err(eval_err)? {
        return Err(fail(
            "tracing send_traceparent is not supported by this runtime yet".to_owned(),
        ));
    }
    if body
        .block("sampler")
        .is_some_and(|s| s.body.block("jaeger_remote").is_some())
    {
        return Err(fail(
            "tracing sampler > jaeger_remote is not supported by this runtime yet".to_owned(),
        ));
    }
    let write_to = crate::components::otelcol::consumers(&body, "write_to", "write_to")
        .map_err(|e| fail(e.to_string()))?;
    env.globals.tracer.apply(crate::selftrace::TracingSettings {
        sampling_fraction,
        write_to,
    });
    Ok(Outcome::default())
}
