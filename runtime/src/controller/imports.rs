//! `import.file` and `import.string`: load a module's `declare` blocks (and
//! its own imports) so the config can instantiate them as
//! `<label>.<declare>`.
//!
//! An import reads its content when evaluated (a file, every `*.alloy`
//! file of a directory, or a string), parses it and builds a
//! [`CustomRegistry`] of what it declares. Nested `import.*` blocks are
//! loaded the same way, with `module_path` set to the importing module's
//! directory. An `import.file` tree is watched; a change re-reads it on
//! the controller thread and, when the content differs, re-evaluates the
//! custom components that use it.
//!
//! `import.http` and `import.git` are refused when the config is loaded.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use alloy_syntax::ast::{Block, Stmt};
use tokio_util::sync::CancellationToken;

use super::custom::{CustomRegistry, Template};
use super::diag::{Diagnostic, Diagnostics, FileCtx};
use super::module::ImportKind;
use super::nodes::{config_schema, Env, Outcome};
use super::shared::NodeShared;
use super::{Event, Globals};
use crate::component::Health;
use crate::eval::{decode_body, Scope};
use crate::value::{OptionalSecret, Value};
use crate::watch::{self, Detector};

/// Imports nest at most this deep (a file importing itself).
const MAX_DEPTH: usize = 32;

/// Where an import's content comes from.
#[derive(Clone, Debug, PartialEq)]
enum Spec {
    File {
        filename: String,
        detector: Detector,
        poll_frequency: Duration,
    },
    String(String),
}

/// Content read from a spec: file name to text.
type Content = BTreeMap<String, String>;

/// Everything an import read, nested imports included, in reading order:
/// a change anywhere in the tree is a change of the import.
type Tree = Vec<(String, String)>;

pub(crate) struct ImportNode {
    kind: ImportKind,
    label: String,
    pub shared: Arc<NodeShared>,
    route: Vec<String>,
    spec: Option<Spec>,
    module_path: String,
    tree: Option<Tree>,
    loaded: Option<Rc<CustomRegistry>>,
    watcher: Option<CancellationToken>,
    started: bool,
}

impl ImportNode {
    pub fn new(
        kind: ImportKind,
        label: String,
        shared: Arc<NodeShared>,
        route: Vec<String>,
    ) -> ImportNode {
        ImportNode {
            kind,
            label,
            shared,
            route,
            spec: None,
            module_path: String::new(),
            tree: None,
            loaded: None,
            watcher: None,
            started: false,
        }
    }

    pub fn kind(&self) -> ImportKind {
        self.kind
    }

    pub fn evaluate(
        &mut self,
        env: &Env<'_>,
        block: &Block,
        file: &FileCtx,
    ) -> Result<Outcome, Diagnostic> {
        let result = self.evaluate_inner(env, block, file);
        match &result {
            Ok(_) => self
                .shared
                .set_eval_health(Health::healthy("source evaluated")),
            Err((message, _)) => self.shared.set_eval_health(Health::unhealthy(format!(
                "source evaluation failed: {message}"
            ))),
        }
        // The module's registry is new on every load: hand it the content.
        env.registry
            .set_import_content(&self.label, self.loaded.clone());
        result.map_err(|(_, diag)| diag)
    }

    fn evaluate_inner(
        &mut self,
        env: &Env<'_>,
        block: &Block,
        file: &FileCtx,
    ) -> Result<Outcome, (String, Diagnostic)> {
        let fail = |message: String| {
            let diag = Diagnostic::at_block(
                file,
                block,
                format!("Failed to evaluate node for config block: {message}"),
            );
            (message, diag)
        };
        let spec = read_spec(self.kind, block, env.scope).map_err(fail)?;
        if self.spec.as_ref() == Some(&spec) && self.tree.is_some() {
            return Ok(Outcome::default());
        }
        self.module_path = match &spec {
            Spec::File { filename, .. } => dir_of(filename),
            Spec::String(_) => env
                .scope
                .lookup("module_path")
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        };
        self.spec = Some(spec.clone());
        let content = read_content(&spec).map_err(|e| fail(format!("failed to read file: {e}")))?;
        let changed = self.load(env.globals, content);
        Ok(Outcome {
            changed,
            ..Outcome::default()
        })
    }

    /// Processes content (reading nested imports); returns whether anything
    /// in the tree differed. Problems with the content make the import
    /// unhealthy and keep what was loaded before.
    fn load(&mut self, globals: &Rc<Globals>, content: Content) -> bool {
        let mut watched = Vec::new();
        if let Some(Spec::File { filename, .. }) = &self.spec {
            watched.push(PathBuf::from(filename));
        }
        let mut tree = Tree::new();
        let result = process(
            &content,
            &self.label,
            &self.module_path,
            0,
            &mut watched,
            &mut tree,
        );
        if self.tree.as_ref() == Some(&tree) {
            return false;
        }
        self.tree = Some(tree);
        self.watch(globals, watched);
        match result {
            Ok(registry) => {
                self.loaded = Some(registry);
                self.shared
                    .set_extra_health(Some(Health::healthy("content updated")));
                true
            }
            Err(message) => {
                tracing::error!(import = %self.label, err = %message, "failed to process imported content");
                self.shared
                    .set_extra_health(Some(Health::unhealthy(message)));
                false
            }
        }
    }

    /// Re-reads the content after the watcher signalled.
    pub fn refresh(&mut self, globals: &Rc<Globals>, registry: &Rc<CustomRegistry>) -> Outcome {
        let Some(spec) = self.spec.clone() else {
            return Outcome::default();
        };
        let changed = match read_content(&spec) {
            Ok(content) => self.load(globals, content),
            Err(e) => {
                tracing::error!(import = %self.label, err = %e, "failed to read file");
                self.shared
                    .set_extra_health(Some(Health::unhealthy(format!("failed to read file: {e}"))));
                false
            }
        };
        if changed {
            registry.set_import_content(&self.label, self.loaded.clone());
        }
        Outcome {
            changed,
            ..Outcome::default()
        }
    }

    fn watch(&mut self, globals: &Rc<Globals>, paths: Vec<PathBuf>) {
        if let Some(old) = self.watcher.take() {
            old.cancel();
        }
        let Some(Spec::File {
            detector,
            poll_frequency,
            ..
        }) = &self.spec
        else {
            return;
        };
        let events = globals.events.clone();
        let route = self.route.clone();
        self.watcher = Some(watch::spawn(
            &globals.runtime,
            paths,
            *detector,
            *poll_frequency,
            move || {
                let _ = events.send(Event::Changed(route.clone()));
            },
        ));
    }

    pub fn start(&mut self) {
        if !self.started {
            self.started = true;
            self.shared
                .set_run_health(Health::healthy("started import"));
        }
    }

    pub fn stop(&mut self) {
        if let Some(watcher) = self.watcher.take() {
            watcher.cancel();
        }
        if self.started {
            self.started = false;
            self.shared.set_run_health(Health::new(
                crate::component::HealthType::Exited,
                "import shut down cleanly",
            ));
        }
    }
}

/// Decodes the block's arguments.
fn read_spec(kind: ImportKind, block: &Block, scope: &Scope) -> Result<Spec, String> {
    let name = match kind {
        ImportKind::File => "import.file",
        ImportKind::String => "import.string",
    };
    let decode = |e: crate::eval::EvalError| format!("decoding configuration: {e}");
    let body = decode_body(block.statements(), scope, &config_schema(name)).map_err(decode)?;
    Ok(match kind {
        ImportKind::File => {
            let detector: String = body
                .get_or("detector", "fsnotify".to_owned())
                .map_err(decode)?;
            let poll_frequency: Duration = body
                .get_or("poll_frequency", Duration::from_secs(60))
                .map_err(decode)?;
            Spec::File {
                filename: body.require("filename").map_err(decode)?,
                detector: Detector::parse(&detector)?,
                poll_frequency,
            }
        }
        ImportKind::String => {
            let content: OptionalSecret = body.require("content").map_err(decode)?;
            Spec::String(content.reveal().to_owned())
        }
    })
}

fn read_content(spec: &Spec) -> Result<Content, String> {
    match spec {
        Spec::String(text) => Ok([("import_string".to_owned(), text.clone())].into()),
        Spec::File { filename, .. } => {
            let path = Path::new(filename);
            let meta = std::fs::metadata(path).map_err(|e| io_text(filename, &e))?;
            let mut content = Content::new();
            if meta.is_dir() {
                let entries = std::fs::read_dir(path).map_err(|e| io_text(filename, &e))?;
                for entry in entries {
                    let entry = entry.map_err(|e| io_text(filename, &e))?;
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
                    if is_file && name.ends_with(".alloy") {
                        let text = std::fs::read_to_string(entry.path())
                            .map_err(|e| io_text(&entry.path().to_string_lossy(), &e))?;
                        content.insert(name, text);
                    }
                }
            } else {
                let text = std::fs::read_to_string(path).map_err(|e| io_text(filename, &e))?;
                content.insert(filename.clone(), text);
            }
            Ok(content)
        }
    }
}

fn io_text(path: &str, error: &std::io::Error) -> String {
    format!("{path}: {error}")
}

/// Upstream's `ExtractDirPath`: a directory is its own module path, a
/// file's is its directory.
fn dir_of(filename: &str) -> String {
    let path = Path::new(filename);
    if path.is_dir() {
        return filename.to_owned();
    }
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_string_lossy().into_owned(),
        _ => ".".to_owned(),
    }
}

/// Builds the registry of an import's content, loading nested imports.
fn process(
    content: &Content,
    label: &str,
    module_path: &str,
    depth: usize,
    watched: &mut Vec<PathBuf>,
    tree: &mut Tree,
) -> Result<Rc<CustomRegistry>, String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "imports are nested more than {MAX_DEPTH} levels deep"
        ));
    }
    tree.extend(content.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut declares: HashMap<String, Template> = HashMap::new();
    let mut children: HashMap<String, Rc<CustomRegistry>> = HashMap::new();
    for (name, text) in content {
        let parse = alloy_syntax::parse(text);
        let file = FileCtx::new(label, parse.line_index());
        if parse.has_errors() {
            let diags: Vec<Diagnostic> = parse
                .errors()
                .iter()
                .map(|e| Diagnostic::at(&file, e.range.start(), e.kind.to_string()))
                .collect();
            return Err(format!(
                "imported content from {name:?} cannot be parsed: {}",
                Diagnostics(diags)
            ));
        }
        for stmt in parse.tree().statements() {
            let Stmt::Block(block) = stmt else {
                return Err(format!(
                    "imported content from {name:?} is invalid: only declare and import blocks \
                     are allowed in a module"
                ));
            };
            let block_name = block.name();
            let Some(block_label) = block.label() else {
                return Err(format!("{block_name} block must have a label"));
            };
            match block_name.as_str() {
                "declare" => {
                    if declares.contains_key(&block_label) {
                        tracing::error!(name = %block_label, "declare block redefined");
                        continue;
                    }
                    declares.insert(
                        block_label,
                        Template {
                            file: file.clone(),
                            stmts: Rc::new(block.statements().collect()),
                        },
                    );
                }
                "import.file" | "import.string" => {
                    if children.contains_key(&block_label) {
                        return Err(format!(
                            "imported content from {name:?} is invalid: import block redefined {block_label}"
                        ));
                    }
                    let child = nested(&block, &block_name, &block_label, module_path, depth, watched, tree)
                        .map_err(|e| {
                            format!("nested import block failed to evaluate: imported node {block_label} failed to evaluate, {e}")
                        })?;
                    children.insert(block_label, child);
                }
                "import.http" | "import.git" => {
                    return Err(format!("{block_name} is not supported by this runtime yet"));
                }
                other => {
                    return Err(format!(
                        "imported content from {name:?} is invalid: only declare and import \
                         blocks are allowed in a module, got {other}"
                    ));
                }
            }
        }
    }
    let scope = Arc::new(Scope::new().with("module_path", Value::from(module_path)));
    Ok(CustomRegistry::imported(scope, declares, children))
}

/// Loads an `import.*` block found inside imported content.
fn nested(
    block: &Block,
    name: &str,
    label: &str,
    module_path: &str,
    depth: usize,
    watched: &mut Vec<PathBuf>,
    tree: &mut Tree,
) -> Result<Rc<CustomRegistry>, String> {
    let kind = if name == "import.file" {
        ImportKind::File
    } else {
        ImportKind::String
    };
    let scope = Scope::new().with("module_path", Value::from(module_path));
    let spec = read_spec(kind, block, &scope)?;
    let child_path = match &spec {
        Spec::File { filename, .. } => {
            watched.push(PathBuf::from(filename));
            dir_of(filename)
        }
        Spec::String(_) => module_path.to_owned(),
    };
    let content = read_content(&spec).map_err(|e| format!("failed to read file: {e}"))?;
    process(&content, label, &child_path, depth + 1, watched, tree)
}
