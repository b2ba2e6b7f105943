//! Component tasks: each built component runs as one tokio task with its
//! own cancellation token.
//!
//! The controller thread starts and stops tasks; stopping cancels the token
//! and waits for the task to finish, at most until its deadline (upstream's
//! `--feature.component-shutdown-deadline`), logging a warning every minute
//! while it waits. A task that outlives its deadline is aborted and
//! reported, so shutdown is always bounded.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use super::shared::NodeShared;
use crate::component::{BoxFuture, Component, ComponentError, Health, HealthType, Shutdown};

/// After this long a stop logs that it is taking longer than expected.
const SHUTDOWN_WARNING: Duration = Duration::from_secs(60);

/// A running component.
pub(crate) struct Task {
    token: Shutdown,
    handle: JoinHandle<()>,
}

impl Task {
    /// Starts `component` and records its run health on `node`.
    pub fn start(
        runtime: &Handle,
        component: Arc<dyn Component>,
        node: Arc<NodeShared>,
        span: tracing::Span,
    ) -> Task {
        let token = Shutdown::new();
        let run = component.run(token.clone());
        let handle = runtime.spawn(async move {
            node.set_run_health(Health::healthy("started component"));
            let result = tracing::Instrument::instrument(CatchPanic(run), span).await;
            let health = match &result {
                Ok(()) => {
                    tracing::info!(node = %node.global_id, "node exited without error");
                    Health::new(HealthType::Exited, "component shut down cleanly")
                }
                Err(error) => {
                    tracing::error!(node = %node.global_id, err = %error, "node exited with error");
                    Health::new(
                        HealthType::Exited,
                        format!("component shut down with error: {error}"),
                    )
                }
            };
            node.set_run_health(health);
        });
        Task { token, handle }
    }

    /// Whether the task has returned on its own (it is restarted on the
    /// next synchronisation, as upstream does).
    pub fn finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Cancels the task and waits for it, at most `deadline`.
    pub fn stop(self, runtime: &Handle, id: &str, deadline: Duration) {
        self.token.cancel();
        let mut handle = self.handle;
        let until = Instant::now() + deadline;
        runtime.block_on(async {
            loop {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    tracing::error!(
                        task_id = id,
                        "task shutdown deadline exceeded; abandoning the task"
                    );
                    handle.abort();
                    return;
                }
                match tokio::time::timeout(left.min(SHUTDOWN_WARNING), &mut handle).await {
                    Ok(_) => return,
                    Err(_) if left > SHUTDOWN_WARNING => {
                        tracing::warn!(
                            task_id = id,
                            "task shutdown is taking longer than expected"
                        );
                    }
                    Err(_) => {}
                }
            }
        });
    }
}

/// Turns a panic inside a component's task into an error, so that the
/// component is reported as exited (with the panic's message) instead of
/// staying "started" with nothing running.
struct CatchPanic(BoxFuture<'static, Result<(), ComponentError>>);

impl Future for CatchPanic {
    type Output = Result<(), ComponentError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(panic) => {
                let text = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_owned());
                Poll::Ready(Err(ComponentError::new(format!("panic: {text}"))))
            }
        }
    }
}
