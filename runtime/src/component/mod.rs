//! The interface between the controller and the components it runs.
//!
//! A component is built from its decoded arguments and a [`Context`], then
//! lives through three calls:
//!
//! * [`Component::update`] whenever its arguments change (the controller
//!   skips the call when they did not);
//! * [`Component::run`], once per start, on the tokio runtime, until the
//!   shutdown token is cancelled;
//! * [`Component::health`] and [`Component::debug_info`], any time, from the
//!   HTTP server.
//!
//! Exports flow the other way: a component publishes them with
//! [`ExportsPublisher::publish`] (at build time, in `update`, or while
//! running); a change wakes the controller, which re-evaluates the
//! components that reference them.
//!
//! Components are found by name in a [`Registry`], which maps each name to
//! a builder, the schema its body is decoded against and its stability.
//! Crates outside the runtime (the OTLP components) add their own
//! registrations; the controller never names a component.
//!
//! ```
//! use std::sync::Arc;
//! use alloy_runtime::component::{
//!     Arguments, BoxFuture, Component, ComponentError, Context, Registration, Registry, Shutdown,
//! };
//! use alloy_runtime::value::{Object, Value};
//!
//! /// A component that exports its `filename` argument back as `content`.
//! struct Echo(Context);
//!
//! impl Component for Echo {
//!     fn update(&self, args: Arguments) -> Result<(), ComponentError> {
//!         let filename: String = args.require("filename")?;
//!         let mut exports = Object::new();
//!         exports.insert("content", Value::from(filename));
//!         self.0.exports.publish(Value::object(exports));
//!         Ok(())
//!     }
//!
//!     fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
//!         Box::pin(async move {
//!             shutdown.cancelled().await;
//!             Ok(())
//!         })
//!     }
//! }
//!
//! let mut registry = Registry::new();
//! registry
//!     .register(
//!         Registration::from_catalogue("local.file", |ctx, args| {
//!             let echo = Arc::new(Echo(ctx));
//!             echo.update(args)?;
//!             Ok(echo as Arc<dyn Component>)
//!         })
//!         .expect("local.file is in the catalogue"),
//!     )
//!     .expect("first registration");
//! assert!(registry.get("local.file").is_some());
//! ```

mod health;
pub(crate) mod registry;

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use alloy_analysis::catalogue::Stability;

pub use health::{Health, HealthType};
pub use registry::{BuildFn, LookupError, Registration, Registry, RegistryError};

use crate::eval::EvalError;
use crate::value::Value;

/// A boxed future, as [`Component::run`] returns (the trait stays usable as
/// `dyn Component`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Cancelled when the component must stop.
pub type Shutdown = tokio_util::sync::CancellationToken;

/// What a component receives: its body decoded against its schema, with
/// typed accessors ([`crate::eval::BodyValue::get`], `require`, `block`).
pub type Arguments = crate::eval::BodyValue;

/// Why a component could not be built, updated or kept running. The message
/// is shown to users as is (upstream prefixes it with "building component:"
/// or "updating component:").
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentError {
    message: String,
}

impl ComponentError {
    pub fn new(message: impl Into<String>) -> ComponentError {
        ComponentError {
            message: message.into(),
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ComponentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ComponentError {}

impl From<EvalError> for ComponentError {
    fn from(error: EvalError) -> ComponentError {
        ComponentError::new(error.to_string())
    }
}

/// A running component.
pub trait Component: Send + Sync + 'static {
    /// Applies new arguments. Called on the controller's thread, so it may
    /// do short blocking work (read a file) but must not wait on the
    /// component's own task.
    fn update(&self, args: Arguments) -> Result<(), ComponentError>;

    /// Runs until `shutdown` is cancelled. Returning early (with or without
    /// an error) marks the component as exited; the controller starts it
    /// again on the next reload.
    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>>;

    /// The component's own view of its health, combined by the controller
    /// with the health of evaluation and of the task.
    fn health(&self) -> Option<Health> {
        None
    }

    /// Extra state for the component's page of the web API.
    fn debug_info(&self) -> Option<Value> {
        None
    }

    /// Whether arguments applied by `update` are still being put in place
    /// by the component's task (a listener not bound yet). `/-/reload` waits
    /// for this to end so that it can answer with a start failure.
    fn starting(&self) -> bool {
        false
    }
}

/// Everything a component gets from the runtime besides its arguments.
#[derive(Clone)]
pub struct Context {
    /// Globally unique id: `local.file.token`, or inside a module
    /// `custom.default/local.file.token`.
    pub id: String,
    /// The id inside its module: `local.file.token`.
    pub local_id: String,
    /// The module the component runs in, as upstream's `component_path`
    /// label: `/` at the top level, `/custom.default` inside a module.
    pub component_path: String,
    /// A directory reserved for this component (`<storage.path>/<id>`); not
    /// created until the component creates it.
    pub data_path: PathBuf,
    /// The component's metrics. The runtime adds `component_id` and
    /// `component_path` to every series when `/metrics` is gathered.
    pub metrics: crate::metrics::Registry,
    /// Enter (or `instrument` futures with) this span so that log lines
    /// carry `component_path` and `component_id`.
    pub span: tracing::Span,
    pub exports: ExportsPublisher,
    /// The runtime component tasks run on.
    pub runtime: tokio::runtime::Handle,
    /// `--stability.level`, for components that gate features themselves.
    pub min_stability: Stability,
}

/// Where a component publishes its exports.
///
/// Publishing a value equal to the current one does nothing, so components
/// may publish on every update without causing re-evaluations.
#[derive(Clone)]
pub struct ExportsPublisher {
    inner: Arc<PublisherInner>,
}

struct PublisherInner {
    current: Mutex<Value>,
    on_change: Box<dyn Fn() + Send + Sync>,
}

impl ExportsPublisher {
    /// A publisher that calls `on_change` after each change.
    pub fn new(on_change: impl Fn() + Send + Sync + 'static) -> ExportsPublisher {
        ExportsPublisher {
            inner: Arc::new(PublisherInner {
                current: Mutex::new(Value::Null),
                on_change: Box::new(on_change),
            }),
        }
    }

    /// A publisher nobody listens to, for tests of a single component.
    pub fn detached() -> ExportsPublisher {
        ExportsPublisher::new(|| {})
    }

    /// Sets the exports (an object whose fields are the component's export
    /// names).
    pub fn publish(&self, exports: Value) {
        let changed = {
            let mut current = self.lock();
            if *current == exports {
                false
            } else {
                *current = exports;
                true
            }
        };
        if changed {
            (self.inner.on_change)();
        }
    }

    /// The last published exports (`null` before the first).
    pub fn current(&self) -> Value {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Value> {
        self.inner.current.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl fmt::Debug for ExportsPublisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ExportsPublisher")
            .field(&self.current())
            .finish()
    }
}
