//! `local.file`: exports the content of a file and keeps it current.
//!
//! As upstream: the file is read when the component is built and on every
//! update (so a missing file fails the evaluation), then again whenever the
//! detector signals, 30 ms after the signal so that a file being written is
//! not exported half way. A failed re-read makes the component unhealthy
//! and keeps the last content. `content` is an optional secret, secret when
//! `is_secret` is set.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::go_io_error;
use crate::component::{
    Arguments, BoxFuture, Component, ComponentError, Context, Health, Registration, Shutdown,
};
use crate::metrics::Gauge;
use crate::value::{Object, OptionalSecret, Value};
use crate::watch::{self, Detector};

/// Time between a change signal and the read.
const WAIT_READ: Duration = Duration::from_millis(30);

pub(super) fn registration() -> Option<Registration> {
    Registration::from_catalogue("local.file", |context, args| {
        let component = Arc::new(LocalFile::new(context));
        component.update(args)?;
        Ok(component as Arc<dyn Component>)
    })
    .map_err(|e| tracing::error!(err = %e, "local.file is missing from the catalogue"))
    .ok()
}

#[derive(Clone, Debug, PartialEq)]
struct Settings {
    filename: String,
    detector: Detector,
    poll_frequency: Duration,
    is_secret: bool,
}

impl Settings {
    fn decode(args: &Arguments) -> Result<Settings, ComponentError> {
        let detector: String = args.get_or("detector", "fsnotify".to_owned())?;
        let settings = Settings {
            filename: args.require("filename")?,
            detector: Detector::parse(&detector).map_err(ComponentError::new)?,
            poll_frequency: args.get_or("poll_frequency", Duration::from_secs(60))?,
            is_secret: args.get_or("is_secret", false)?,
        };
        if settings.poll_frequency.is_zero() {
            return Err(ComponentError::new("poll_frequency must be greater than 0"));
        }
        Ok(settings)
    }
}

struct LocalFile {
    context: Context,
    settings: Mutex<Option<Settings>>,
    health: Mutex<Health>,
    reload: Arc<Notify>,
    watcher: Mutex<Option<CancellationToken>>,
    last_accessed: Gauge,
}

impl LocalFile {
    fn new(context: Context) -> LocalFile {
        let last_accessed = context.metrics.gauge(
            "agent_local_file_timestamp_last_accessed_unix_seconds",
            "The last successful access in unix seconds",
            &[],
        );
        LocalFile {
            context,
            settings: Mutex::new(None),
            health: Mutex::new(Health::default()),
            reload: Arc::new(Notify::new()),
            watcher: Mutex::new(None),
            last_accessed,
        }
    }

    fn settings(&self) -> MutexGuard<'_, Option<Settings>> {
        self.settings.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_health(&self, health: Health) {
        *self.health.lock().unwrap_or_else(|p| p.into_inner()) = health;
    }

    /// Reads the file and publishes its content.
    fn read(&self, settings: &Settings) -> Result<(), String> {
        match std::fs::read(&settings.filename) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let mut exports = Object::new();
                exports.insert(
                    "content",
                    OptionalSecret::new(text, settings.is_secret).into(),
                );
                self.context.exports.publish(Value::object(exports));
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64());
                self.last_accessed.set(now);
                self.set_health(Health::healthy("read file"));
                Ok(())
            }
            Err(error) => {
                let message = go_io_error("open", &settings.filename, &error);
                self.set_health(Health::unhealthy(format!("failed to read file: {message}")));
                let _entered = self.context.span.enter();
                tracing::error!(path = %settings.filename, err = %message, "failed to read file");
                Err(message)
            }
        }
    }

    /// Watches the configured file, replacing any previous watcher.
    fn configure_watcher(&self, settings: &Settings) {
        let reload = self.reload.clone();
        let token = watch::spawn(
            &self.context.runtime,
            vec![settings.filename.clone().into()],
            settings.detector,
            settings.poll_frequency,
            move || reload.notify_one(),
        );
        let previous = self
            .watcher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(token);
        if let Some(previous) = previous {
            previous.cancel();
        }
    }

    fn stop_watcher(&self) {
        let token = self
            .watcher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(token) = token {
            token.cancel();
        }
    }
}

impl Component for LocalFile {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let settings = Settings::decode(&args)?;
        self.read(&settings)
            .map_err(|e| ComponentError::new(format!("failed to read file: {e}")))?;
        self.configure_watcher(&settings);
        *self.settings() = Some(settings);
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            // A restarted task finds its watcher stopped by the previous run.
            let has_watcher = self
                .watcher
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_some();
            let current = self.settings().clone();
            if let (false, Some(settings)) = (has_watcher, &current) {
                self.configure_watcher(settings);
            }
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = self.reload.notified() => {
                        tokio::time::sleep(WAIT_READ).await;
                        let settings = self.settings().clone();
                        if let Some(settings) = settings {
                            // Errors are reported through health and logs.
                            let _ = self.read(&settings);
                        }
                    }
                }
            }
            self.stop_watcher();
            Ok(())
        })
    }

    fn health(&self) -> Option<Health> {
        Some(
            self.health
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        )
    }
}
