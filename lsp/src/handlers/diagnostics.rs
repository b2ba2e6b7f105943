//! Diagnostics: the checks of `alloy check` (same codes), for every file of
//! the module after each edit.
//!
//! Push: one task waits for the writer's "something changed" signal and
//! publishes for every file of the changed modules, skipping unchanged
//! lists. The debounce is light: the task lets requests in flight (a
//! completion typed with the edit) finish first, and edits that arrive while it computes cancel the computation (salsa), so a
//! burst of keystrokes costs one analysis.
//!
//! Pull: clients that support `textDocument/diagnostic` pull the files they
//! have open; only the other files of the module are pushed, so nothing is
//! shown twice.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use alloy_analysis::{Cancellable, Code, Severity, SourceFile};
use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, DiagnosticTag, NumberOrString, Uri,
};
use tower_lsp_server::Client;

use crate::convert::LineIndex;
use crate::shared::Shared;
use crate::state::Changed;
use crate::world::{DocCtx, World};

/// The client-facing form of one analysis diagnostic.
pub fn to_lsp(
    world: &World,
    index: &LineIndex,
    d: &alloy_analysis::Diagnostic,
) -> Cancellable<lsp::Diagnostic> {
    let mut message = d.message.clone();
    for note in &d.notes {
        message.push_str("\nhelp: ");
        message.push_str(note);
    }
    let mut related = Vec::new();
    if world.session.caps.related_information {
        for r in &d.related {
            if let Some(location) = world.location(r.file, r.range)? {
                related.push(DiagnosticRelatedInformation {
                    location,
                    message: r.message.clone(),
                });
            }
        }
    }
    let tags = match d.code {
        Code::DeprecatedStdlib => Some(vec![DiagnosticTag::DEPRECATED]),
        _ => None,
    };
    Ok(lsp::Diagnostic {
        range: world.lsp_range(index, d.range),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_owned())),
        code_description: None,
        source: Some("alloy".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags,
        data: None,
    })
}

/// `textDocument/diagnostic`: the document's diagnostics.
pub fn document_report(world: &World, doc: &DocCtx) -> Cancellable<Vec<lsp::Diagnostic>> {
    let diagnostics = world.analysis.file_diagnostics(doc.config, doc.file)?;
    diagnostics
        .iter()
        .map(|d| to_lsp(world, &doc.index, d))
        .collect()
}

/// One file to publish for.
struct Target {
    file: SourceFile,
    uri: Uri,
    version: Option<i32>,
    /// The client pulls this one: compute, compare, do not push.
    pulled: bool,
}

/// Diagnostics of one file: the document, its version, whether the client
/// pulls them, the list.
struct Publication {
    uri: Uri,
    version: Option<i32>,
    pulled: bool,
    items: Vec<lsp::Diagnostic>,
}

/// The diagnostics of every file of the changed modules.
fn compute(
    world: &World,
    jobs: &[(alloy_analysis::Config, Vec<Target>)],
) -> Cancellable<Vec<Publication>> {
    let mut out = Vec::new();
    for (config, targets) in jobs {
        if targets.is_empty() {
            continue;
        }
        let all = world.analysis.diagnostics(*config)?;
        let mut by_file: HashMap<SourceFile, Vec<&alloy_analysis::Diagnostic>> = HashMap::new();
        for d in &all {
            by_file.entry(d.file).or_default().push(d);
        }
        for target in targets {
            let list = by_file.remove(&target.file).unwrap_or_default();
            let mut items = Vec::with_capacity(list.len());
            if !list.is_empty() {
                let index = world.index_of(target.file)?;
                for d in list {
                    items.push(to_lsp(world, &index, d)?);
                }
            }
            out.push(Publication {
                uri: target.uri.clone(),
                version: target.version,
                pulled: target.pulled,
                items,
            });
        }
    }
    Ok(out)
}

/// How long diagnostics may wait for requests in flight.
const REQUESTS_FIRST: Duration = Duration::from_millis(100);

/// The push loop; runs for the life of the server.
pub async fn publisher(shared: Arc<Shared>, client: Client) {
    let mut published: HashMap<Uri, Vec<lsp::Diagnostic>> = HashMap::new();
    // In pull mode, what the open documents' diagnostics were last time: a
    // change (from an edit of another file of the module) means the client
    // must pull again.
    let mut pulled: HashMap<Uri, Vec<lsp::Diagnostic>> = HashMap::new();
    loop {
        shared.dirty_notify.notified().await;
        shared.let_requests_go_first(REQUESTS_FIRST).await;
        let changed = match shared.dirty.lock() {
            Ok(mut dirty) => std::mem::take(&mut *dirty),
            Err(_) => return,
        };
        let caps = shared.session().caps.clone();
        for uri in &changed.removed {
            if published.remove(uri).is_some() {
                client
                    .publish_diagnostics(uri.clone(), Vec::new(), None)
                    .await;
            }
        }
        let (world, jobs, open) = {
            let state = shared.state.lock().await;
            let world = World::new(&state, shared.session());
            let mut jobs = Vec::new();
            for key in &changed.modules {
                let Some(module) = state.modules.get(key) else {
                    continue;
                };
                let targets: Vec<Target> = module
                    .files
                    .iter()
                    .filter_map(|(path, &file)| {
                        let doc = state.docs.get(path);
                        Some(Target {
                            file,
                            uri: doc.map(|d| d.uri.clone()).or_else(|| world.uri_of(path))?,
                            version: doc.map(|d| d.version),
                            pulled: caps.pull_diagnostics && doc.is_some(),
                        })
                    })
                    .collect();
                jobs.push((module.config, targets));
            }
            let open: Vec<Uri> = state.docs.values().map(|d| d.uri.clone()).collect();
            (world, jobs, open)
        };
        if caps.pull_diagnostics {
            // Documents the client now pulls must not keep pushed lists.
            for uri in &open {
                if published.remove(uri).is_some_and(|d| !d.is_empty()) {
                    client
                        .publish_diagnostics(uri.clone(), Vec::new(), None)
                        .await;
                }
            }
        }
        let run = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(AssertUnwindSafe(|| compute(&world, &jobs)))
        })
        .await;
        let results = match run {
            Ok(Ok(Ok(results))) => results,
            Ok(Ok(Err(_cancelled))) => {
                requeue(&shared, changed).await;
                continue;
            }
            Ok(Err(_)) | Err(_) => {
                eprintln!("alloy lsp: computing diagnostics failed");
                continue;
            }
        };
        let mut pull_again = changed.refresh;
        for p in results {
            if p.pulled {
                if pulled.get(&p.uri) != Some(&p.items) {
                    pulled.insert(p.uri, p.items);
                    pull_again = true;
                }
                continue;
            }
            pulled.remove(&p.uri);
            if published.get(&p.uri) == Some(&p.items) {
                continue;
            }
            published.insert(p.uri.clone(), p.items.clone());
            client.publish_diagnostics(p.uri, p.items, p.version).await;
        }
        if caps.pull_diagnostics && caps.diagnostic_refresh && pull_again {
            // The client answers this request; never make the loop wait.
            let client = client.clone();
            tokio::spawn(async move {
                let _ = client.workspace_diagnostic_refresh().await;
            });
        }
    }
}

/// A write cancelled the computation: it will signal again, but make sure
/// the modules of this round are not forgotten.
async fn requeue(shared: &Shared, changed: Changed) {
    if let Ok(mut dirty) = shared.dirty.lock() {
        let mut changed = changed;
        changed.removed.clear();
        dirty.merge(changed);
    }
    shared.dirty_notify.notify_one();
    tokio::time::sleep(Duration::from_millis(1)).await;
}
