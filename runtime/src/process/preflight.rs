//! What `alloy run` checks before it loads a config: everything `alloy
//! check` reports (via the analysis crate), and that every component and
//! block the config uses is implemented by this runtime.
//!
//! The controller would refuse the same configs, but one problem at a
//! time; checking first reports them all, in upstream's format, and keeps
//! a failing reload from touching the running graph.

use std::collections::HashSet;

use alloy_analysis::catalogue::{self, Stability};
use alloy_analysis::{AnalysisHost, Severity};
use alloy_syntax::ast::{AstNode, Block, Stmt};

use crate::component::Registry;
use crate::controller::{Position, Source};

/// Config blocks the runtime loads itself.
const SUPPORTED_BLOCKS: [&str; 8] = [
    "argument",
    "export",
    "logging",
    "tracing",
    "import.file",
    "import.string",
    "foreach",
    "declare",
];

/// A component or block the config uses that this runtime cannot run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unimplemented {
    pub name: String,
    pub position: Position,
}

/// The result of the checks.
#[derive(Debug, Default)]
pub struct Report {
    /// `alloy check`'s diagnostics, warnings included, in its order.
    pub diagnostics: Vec<alloy_analysis::Diagnostic>,
    /// Line indexes for the diagnostics' files (path, text).
    pub files: Vec<(String, Vec<u8>)>,
    pub unimplemented: Vec<Unimplemented>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        !self.unimplemented.is_empty()
            || self
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error)
    }

    /// One line for `/-/reload` and the logs: the first error as
    /// `file:line:col: message`, then how many more there are.
    pub fn error_text(&self, source: &Source) -> String {
        let mut errors: Vec<String> = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                let at = source
                    .files()
                    .iter()
                    .find(|f| f.name == d.path)
                    .map(|f| f.parse.line_index().line_col(d.range.start().into()));
                match at {
                    Some(at) => format!("{}:{}:{}: {}", d.path, at.line, at.col, d.message),
                    None => d.message.clone(),
                }
            })
            .collect();
        errors.extend(self.unimplemented.iter().map(unimplemented_text));
        match errors.as_slice() {
            [] => "no errors".to_owned(),
            [one] => one.clone(),
            [first, rest @ ..] => format!("{first} (and {} more diagnostics)", rest.len()),
        }
    }
}

/// How an unimplemented name is reported.
pub fn unimplemented_text(u: &Unimplemented) -> String {
    format!(
        "{}: {} is not implemented by this runtime yet (alloy check validates it, alloy run \
         cannot run it)",
        u.position, u.name
    )
}

/// Runs the checks.
pub fn check(
    source: &Source,
    registry: &Registry,
    stability: Stability,
    community: bool,
) -> Report {
    let mut host = AnalysisHost::new();
    host.set_settings(stability, community);
    let mut files = Vec::new();
    let mut report = Report::default();
    for file in source.files() {
        files.push(host.set_file(&file.name, file.bytes.clone()));
        report.files.push((file.name.clone(), file.bytes.to_vec()));
    }
    let config = host.new_config(files);
    match host.analysis().diagnostics(config) {
        Ok(diagnostics) => report.diagnostics = diagnostics,
        // Nothing writes to this private host, so nothing can cancel.
        Err(_) => tracing::error!("the config check was cancelled"),
    }
    if source.syntax_errors().is_empty() {
        report.unimplemented = unimplemented(source, registry);
    }
    report
}

/// Components and blocks of the config (declare bodies and foreach
/// templates included) that neither this runtime nor a custom component
/// defines. Names unknown to the catalogue are left to the analysis.
fn unimplemented(source: &Source, registry: &Registry) -> Vec<Unimplemented> {
    let mut out = Vec::new();
    for file in source.files() {
        let index = file.parse.line_index();
        let stmts: Vec<Stmt> = file.parse.tree().statements().collect();
        let position = |block: &Block| {
            let at = index.line_col(block.syntax().text_range().start().into());
            Position {
                file: file.name.clone(),
                line: at.line,
                col: at.col,
            }
        };
        walk(&stmts, &HashSet::new(), registry, &mut |name, block| {
            out.push(Unimplemented {
                name,
                position: position(block),
            })
        });
    }
    out
}

fn walk(
    stmts: &[Stmt],
    outer: &HashSet<String>,
    registry: &Registry,
    report: &mut dyn FnMut(String, &Block),
) {
    // Custom component names visible here: this body's declares and
    // imports, and the enclosing ones.
    let mut custom = outer.clone();
    for stmt in stmts {
        if let Stmt::Block(block) = stmt {
            let name = block.name();
            if name == "declare" || name.starts_with("import.") {
                if let Some(label) = block.label() {
                    custom.insert(label);
                }
            }
        }
    }
    for stmt in stmts {
        let Stmt::Block(block) = stmt else { continue };
        let name = block.name();
        let first = name.split('.').next().unwrap_or("");
        match name.as_str() {
            "declare" => {
                let body: Vec<Stmt> = block.statements().collect();
                walk(&body, &custom, registry, report);
            }
            "foreach" => {
                for inner in block.statements() {
                    if let Stmt::Block(template) = inner {
                        if template.name() == "template" {
                            let body: Vec<Stmt> = template.statements().collect();
                            walk(&body, &custom, registry, report);
                        }
                    }
                }
            }
            _ if SUPPORTED_BLOCKS.contains(&name.as_str()) => {}
            _ if catalogue::config_block(&name).is_some() => report(name, block),
            _ if custom.contains(first) => {}
            _ if registry.get(&name).is_none() && catalogue::component(&name).is_some() => {
                report(name, block)
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unimplemented_components_are_named_wherever_they_are() {
        let source = Source::from_text(
            "main.alloy",
            r#"
local.file "a" { filename = "/etc/hosts" }
prometheus.exporter.unix "s" {
}
declare "d" {
  loki.source.file "w" {
    targets    = []
    forward_to = []
  }
  d2 "x" { }
}
tracing { }
livedebugging { }
"#,
        );
        let names: Vec<String> = unimplemented(&source, &Registry::with_builtin())
            .into_iter()
            .map(|u| format!("{}@{}", u.name, u.position.line))
            .collect();
        assert_eq!(
            names,
            [
                "prometheus.exporter.unix@3",
                "loki.source.file@6",
                "livedebugging@13"
            ]
        );
    }
}
