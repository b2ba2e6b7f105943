//! Shared pieces of the controller tests: upstream's test components, a
//! txtar reader, and helpers to start a controller and poll it.

#![allow(dead_code)]

pub mod testcomponents;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_analysis::catalogue::Stability;
use alloy_runtime::component::Registry;
use alloy_runtime::controller::{Controller, Options};
use alloy_runtime::value::Value;

/// A txtar archive: the comment, then the files in order.
pub struct Txtar {
    pub comment: String,
    pub files: Vec<(String, String)>,
}

impl Txtar {
    pub fn parse(text: &str) -> Txtar {
        let mut comment = String::new();
        let mut files: Vec<(String, String)> = Vec::new();
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_end_matches('\n');
            if let Some(name) = trimmed
                .strip_prefix("-- ")
                .and_then(|rest| rest.strip_suffix(" --"))
            {
                files.push((name.to_owned(), String::new()));
                continue;
            }
            match files.last_mut() {
                Some((_, content)) => content.push_str(line),
                None => comment.push_str(line),
            }
        }
        Txtar {
            comment: comment.trim().to_owned(),
            files,
        }
    }

    pub fn file(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.as_str())
    }
}

/// The conformance directory, if present.
pub fn conformance_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("ALLOY_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    dir.is_dir().then_some(dir)
}

/// The builtin components plus upstream's test components.
pub fn registry() -> Registry {
    let mut registry = Registry::with_builtin();
    testcomponents::register(&mut registry);
    registry
}

/// A multi-threaded runtime for component tasks.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

pub fn controller(
    runtime: &tokio::runtime::Runtime,
    stability: Stability,
    data: PathBuf,
) -> Controller {
    Controller::start(Options {
        registry: Arc::new(registry()),
        data_path: data,
        min_stability: stability,
        community_components: false,
        metrics: alloy_runtime::metrics::Registry::new(),
        task_shutdown_deadline: Duration::from_secs(5),
        logging: None,
        runtime: runtime.handle().clone(),
        tracer: None,
    })
    .expect("the controller starts")
}

/// The current exports of a top-level component.
pub fn exports(controller: &Controller, id: &str) -> Option<Value> {
    let view = controller.shared().module("")?;
    let entry = view.entries.iter().find(|e| e.node.local_id == id)?;
    Some(entry.node.exports())
}

/// The debug info of a top-level component.
pub fn debug_info(controller: &Controller, id: &str) -> Option<Value> {
    let view = controller.shared().module("")?;
    let entry = view.entries.iter().find(|e| e.node.local_id == id)?;
    entry.node.debug_info()
}

/// A number field of a value, as i64.
pub fn int_field(value: &Value, field: &str) -> Option<i64> {
    let number = value.as_object()?.get(field)?.as_number()?;
    i64::try_from(number.as_f64() as i128).ok()
}

/// Polls `check` until it holds or `timeout` passes.
pub fn eventually(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A fresh directory under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "alloy-rt-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
