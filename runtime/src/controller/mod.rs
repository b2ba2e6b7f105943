//! The controller: loads a config into a graph of nodes, evaluates it,
//! runs the components and keeps the graph current as exports change.
//!
//! All graph work happens on one thread, the controller's, which owns the
//! root [`module`] and everything nested in it. Other threads talk to it
//! through events: a load (from `alloy run` or `/-/reload`), a node whose
//! exports changed (sent by the component's [`ExportsPublisher`]), an
//! import whose file changed, a shutdown. Components run as tokio tasks;
//! the controller thread starts and stops them and may block briefly
//! (building a component that reads a file) without holding up the async
//! runtime. What the HTTP server shows is published into [`Shared`].
//!
//! The pieces:
//!
//! * [`source`]: the files of a config, parsed;
//! * `module`: one body's graph (loading, evaluation order, propagation of
//!   changes, starting and stopping); `plan`: how a body becomes a graph
//!   (classification, refusals, references, cycles);
//! * `nodes`, `foreach`, `imports`: the node kinds;
//! * `custom`: `declare` templates and what imports provide;
//! * `refs`: which names a block refers to; `graph`: the DAG;
//! * `scheduler`: component tasks; [`shared`]: the view for the API.
//!
//! [`ExportsPublisher`]: crate::component::ExportsPublisher

mod custom;
pub mod diag;
mod foreach;
mod graph;
mod imports;
mod metrics;
mod module;
mod nodes;
mod plan;
mod refs;
mod scheduler;
pub mod shared;
pub mod source;

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy_analysis::catalogue::Stability;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};

pub use diag::{Diagnostic, Diagnostics, Position};
pub use shared::{ArgumentsView, ModuleView, NodeShared, NodeType, Shared, ViewEntry};
pub use source::{ReadError, Source, SourceFile};

use crate::component::Registry;
use crate::eval::Scope;
use crate::value::{Object, Value};
use module::Module;

/// How the controller runs components.
pub struct Options {
    pub registry: Arc<Registry>,
    /// `--storage.path`: components get `<data_path>/<component id>`.
    pub data_path: PathBuf,
    /// `--stability.level`.
    pub min_stability: Stability,
    /// `--feature.community-components.enabled`.
    pub community_components: bool,
    /// Where the controller's metrics and every component's metrics are
    /// gathered from.
    pub metrics: crate::metrics::Registry,
    /// How long one task may take to stop
    /// (`--feature.component-shutdown-deadline`).
    pub task_shutdown_deadline: Duration,
    /// Where the `logging` block applies; `None` ignores it (tests).
    pub logging: Option<crate::logging::Handle>,
    /// The runtime component tasks run on.
    pub runtime: Handle,
    /// Where the `tracing` block sends the runtime's spans; `None` makes
    /// a private one (tests).
    pub tracer: Option<Arc<crate::selftrace::SelfTracer>>,
}

/// What every module of one controller shares.
pub(crate) struct Globals {
    pub registry: Arc<Registry>,
    pub data_path: PathBuf,
    pub min_stability: Stability,
    pub community: bool,
    pub runtime: Handle,
    pub events: mpsc::UnboundedSender<Event>,
    pub shared: Arc<Shared>,
    pub logging: Option<crate::logging::Handle>,
    pub task_deadline: Duration,
    pub metrics: metrics::ControllerMetrics,
    pub tracer: Arc<crate::selftrace::SelfTracer>,
}

pub(crate) enum Event {
    /// The node at this route (node ids from the root) changed.
    Changed(Vec<String>),
    Load {
        source: Source,
        reply: oneshot::Sender<Result<(), Diagnostics>>,
    },
    Shutdown {
        reply: oneshot::Sender<()>,
    },
}

/// Why a load failed.
#[derive(Debug)]
pub enum LoadError {
    /// The config has errors. When they were found while evaluating (not
    /// while reading the graph), the new graph is in place regardless and
    /// the failing components are unhealthy, as upstream.
    Failed(Diagnostics),
    /// The controller is shutting down.
    Stopped,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Failed(diags) => write!(f, "{diags}"),
            LoadError::Stopped => f.write_str("the controller has stopped"),
        }
    }
}

impl std::error::Error for LoadError {}

/// A running controller; see the module documentation.
pub struct Controller {
    events: mpsc::UnboundedSender<Event>,
    shared: Arc<Shared>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Controller {
    /// Starts the controller thread. Nothing runs until the first
    /// successful [`Controller::load`].
    pub fn start(options: Options) -> std::io::Result<Controller> {
        let (events, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::default());
        let collected = shared.clone();
        options
            .metrics
            .register_collector(Arc::new(move || collected.collect()));
        let controller_metrics = metrics::ControllerMetrics::new(&options.metrics);
        let sender = events.clone();
        let view = shared.clone();
        let tracer = options.tracer.unwrap_or_else(|| {
            crate::selftrace::SelfTracer::new(options.runtime.clone(), env!("CARGO_PKG_VERSION"))
        });
        let thread = std::thread::Builder::new()
            .name("alloy-controller".to_owned())
            .spawn(move || {
                let globals = Rc::new(Globals {
                    registry: options.registry,
                    data_path: options.data_path,
                    min_stability: options.min_stability,
                    community: options.community_components,
                    runtime: options.runtime,
                    events: sender,
                    shared: view,
                    logging: options.logging,
                    task_deadline: options.task_shutdown_deadline,
                    metrics: controller_metrics,
                    tracer,
                });
                run(globals, receiver);
            })?;
        Ok(Controller {
            events,
            shared,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Loads a config (the first time, or a reload). Removed components
    /// stop before new ones start.
    pub async fn load(&self, source: Source) -> Result<(), LoadError> {
        let (reply, answer) = oneshot::channel();
        self.events
            .send(Event::Load { source, reply })
            .map_err(|_| LoadError::Stopped)?;
        answer
            .await
            .map_err(|_| LoadError::Stopped)?
            .map_err(LoadError::Failed)
    }

    /// [`Controller::load`] for callers outside the async runtime.
    pub fn load_blocking(&self, source: Source) -> Result<(), LoadError> {
        let (reply, answer) = oneshot::channel();
        self.events
            .send(Event::Load { source, reply })
            .map_err(|_| LoadError::Stopped)?;
        answer
            .blocking_recv()
            .map_err(|_| LoadError::Stopped)?
            .map_err(LoadError::Failed)
    }

    /// The state the HTTP server reads.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Whether a load has succeeded (`/-/ready`).
    pub fn ready(&self) -> bool {
        self.shared.ready()
    }

    /// Stops every component (roots first, so exporters drain last) and the
    /// controller thread.
    pub async fn shutdown(&self) {
        let (reply, done) = oneshot::channel();
        if self.events.send(Event::Shutdown { reply }).is_ok() {
            let _ = done.await;
        }
        self.join();
    }

    /// [`Controller::shutdown`] for callers outside the async runtime.
    pub fn shutdown_blocking(&self) {
        let (reply, done) = oneshot::channel();
        if self.events.send(Event::Shutdown { reply }).is_ok() {
            let _ = done.blocking_recv();
        }
        self.join();
    }

    fn join(&self) {
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = thread {
            if thread.join().is_err() {
                tracing::error!("the controller thread panicked");
            }
        }
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        // A controller dropped without a shutdown still stops its tasks.
        let (reply, _) = oneshot::channel();
        let _ = self.events.send(Event::Shutdown { reply });
    }
}

/// The controller thread.
fn run(globals: Rc<Globals>, mut events: mpsc::UnboundedReceiver<Event>) {
    let mut root = Module::new(globals.clone(), String::new(), Vec::new());
    while let Some(event) = events.blocking_recv() {
        match event {
            Event::Changed(route) => {
                root.changed(&route);
            }
            Event::Load { source, reply } => {
                let result = load(&mut root, &globals, &source);
                let _ = reply.send(result);
            }
            Event::Shutdown { reply } => {
                tracing::info!("stopping all components");
                root.stop_all();
                let _ = reply.send(());
                return;
            }
        }
    }
    root.stop_all();
}

fn load(root: &mut Module, globals: &Globals, source: &Source) -> Result<(), Diagnostics> {
    let syntax = source.syntax_errors();
    if !syntax.is_empty() {
        return Err(syntax);
    }
    let arg_scope = Arc::new(Scope::new().with("module_path", Value::from(source.module_path())));
    let result = root.apply(&source.statements(), Object::new(), None, Some(arg_scope));
    let first = !globals.shared.ready();
    if first && result.is_err() {
        // As upstream: the first load with errors runs nothing.
        return result;
    }
    globals.shared.set_ready();
    if first {
        root.synchronize(true);
    }
    result
}
