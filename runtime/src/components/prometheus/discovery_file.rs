//! `discovery.file`: targets from JSON or YAML files (Prometheus's file SD
//! format: a list of `{targets, labels}` groups), found by glob patterns,
//! re-read every `refresh_interval` and on update.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy_prometheus::Labels;
use tokio::sync::Notify;

use super::targets_value;
use crate::component::{
    Arguments, BoxFuture, Component, ComponentError, Context, Health, Registration, Shutdown,
};
use crate::value::{Object, Value};

pub(super) fn registration() -> Option<Registration> {
    Registration::from_catalogue("discovery.file", |ctx, args| {
        let component = Arc::new(DiscoveryFile {
            ctx,
            config: Mutex::new((Vec::new(), Duration::from_secs(300))),
            health: Mutex::new(Health::default()),
            changed: Notify::new(),
        });
        component.update(args)?;
        Ok(component as Arc<dyn Component>)
    })
    .map_err(|e| tracing::error!(err = %e, "discovery.file is missing from the catalogue"))
    .ok()
}

struct DiscoveryFile {
    ctx: Context,
    config: Mutex<(Vec<String>, Duration)>,
    health: Mutex<Health>,
    changed: Notify,
}

#[derive(serde::Deserialize)]
struct Group {
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    labels: std::collections::BTreeMap<String, String>,
}

/// The files a pattern names: globs are allowed in the last element, as
/// in Prometheus.
fn expand(pattern: &str) -> Result<Vec<PathBuf>, String> {
    let path = Path::new(pattern);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if !name.contains(['*', '?', '[']) {
        return Ok(if path.is_file() {
            vec![path.to_path_buf()]
        } else {
            vec![]
        });
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let glob = globset::Glob::new(name)
        .map_err(|e| format!("invalid pattern {pattern:?}: {e}"))?
        .compile_matcher();
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.file_name().is_some_and(|n| glob.is_match(n)))
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    Ok(out)
}

/// Reads one file's groups into targets (`__meta_filepath` added).
fn read_targets(path: &Path) -> Result<Vec<Labels>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let groups: Vec<Group> = match ext {
        "json" => serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?,
        "yml" | "yaml" => {
            serde_norway::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        _ => {
            return Err(format!(
                "{}: file SD only supports .json, .yml and .yaml files",
                path.display()
            ))
        }
    };
    let file = path.to_string_lossy();
    let mut out = Vec::new();
    for g in groups {
        for t in &g.targets {
            let mut lb = alloy_prometheus::LabelsBuilder::new();
            for (k, v) in &g.labels {
                lb.set(k, v);
            }
            lb.set("__address__", t);
            lb.set("__meta_filepath", &file);
            out.push(lb.labels());
        }
    }
    Ok(out)
}

impl DiscoveryFile {
    fn refresh(&self) {
        let patterns = self
            .config
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clone();
        let mut all = Vec::new();
        let mut errors = Vec::new();
        for p in &patterns {
            match expand(p) {
                Ok(files) => {
                    for f in files {
                        match read_targets(&f) {
                            Ok(t) => all.extend(t),
                            Err(e) => errors.push(e),
                        }
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        let mut exports = Object::new();
        exports.insert("targets", targets_value(&all));
        self.ctx.exports.publish(Value::object(exports));
        *self.health.lock().unwrap_or_else(|p| p.into_inner()) = if errors.is_empty() {
            Health::healthy("targets read")
        } else {
            let _span = self.ctx.span.enter();
            for e in &errors {
                tracing::error!(err = %e, "reading file SD targets");
            }
            Health::unhealthy(errors.join("; "))
        };
    }
}

impl Component for DiscoveryFile {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let files: Vec<String> = args.require("files")?;
        let refresh: Duration = args.get_or("refresh_interval", Duration::from_secs(300))?;
        if refresh.is_zero() {
            return Err(ComponentError::new(
                "refresh_interval must be greater than 0",
            ));
        }
        *self.config.lock().unwrap_or_else(|p| p.into_inner()) = (files, refresh);
        self.refresh();
        self.changed.notify_one();
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            loop {
                let every = self.config.lock().unwrap_or_else(|p| p.into_inner()).1;
                tokio::select! {
                    () = shutdown.cancelled() => return Ok(()),
                    () = self.changed.notified() => {}
                    () = tokio::time::sleep(every) => self.refresh(),
                }
            }
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
