//! `alloy/graph`: the component graph of a document's module as JSON, in
//! the shape the VS Code extension draws (editors/vscode/README.md):
//! nodes with kind, label, file, range and health; edges in the direction
//! data flows, with the signal they carry.

use std::collections::HashMap;

use alloy_analysis::catalogue::{self, Signal};
use alloy_analysis::{Cancellable, ItemKind, Severity, SourceFile, TextRange};
use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::SyntaxNode;
use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::{Range, TextDocumentIdentifier};

use crate::handlers::symbols::display_name;
use crate::ide::syntax::chains_in;
use crate::world::{DocCtx, World};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphParams {
    pub text_document: TextDocumentIdentifier,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineGraph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    pub id: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<Range>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GraphEdge {
    pub from: String,
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
}

fn kind_name(kind: ItemKind, name: &str) -> &'static str {
    match kind {
        ItemKind::Declare => "declare",
        ItemKind::Service => "service",
        ItemKind::Config if name.starts_with("import.") => "import",
        ItemKind::Config if name == "argument" => "argument",
        ItemKind::Config if name == "export" => "export",
        ItemKind::Config => "config",
        ItemKind::Component if catalogue::component(name).is_some() => "component",
        ItemKind::Component => "custom",
    }
}

/// The signal names the extension knows.
fn signal_name(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "traces",
        Signal::Metrics | Signal::PrometheusMetrics => "metrics",
        Signal::Logs | Signal::LokiLogs => "logs",
        Signal::Profiles => "profiles",
        Signal::Targets => "targets",
    }
}

pub fn graph(world: &World, doc: &DocCtx) -> Cancellable<Option<PipelineGraph>> {
    let graph = world.analysis.graph(doc.config)?;
    let diagnostics = world.analysis.diagnostics(doc.config)?;
    let syntax_errors = diagnostics
        .iter()
        .any(|d| d.code == alloy_analysis::Code::Syntax);
    let mut nodes = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        let unhealthy = diagnostics.iter().any(|d| {
            d.severity == Severity::Error
                && d.file == node.file
                && node.range.contains_range(d.range)
        });
        let health = if unhealthy {
            "unhealthy"
        } else if syntax_errors {
            "unknown"
        } else {
            "healthy"
        };
        let location = world.location(node.file, node.range)?;
        nodes.push(GraphNode {
            id: node.id.clone(),
            kind: kind_name(node.kind, &node.name).to_owned(),
            label: Some(display_name(&node.name, node.label.as_deref())),
            file: location.as_ref().map(|l| l.uri.as_str().to_owned()),
            range: location.map(|l| l.range),
            health: Some(health.to_owned()),
        });
    }
    let mut trees: HashMap<SourceFile, SyntaxNode> = HashMap::new();
    let mut edges: Vec<GraphEdge> = Vec::new();
    let mut push = |edge: GraphEdge| {
        if !edges.contains(&edge) {
            edges.push(edge);
        }
    };
    for edge in &graph.edges {
        let (Some(from), Some(to)) = (graph.nodes.get(edge.from), graph.nodes.get(edge.to)) else {
            continue;
        };
        let pushed: Vec<Signal> = edge
            .signals
            .iter()
            .filter(|s| *s != Signal::Targets)
            .collect();
        if !pushed.is_empty() {
            // The referencing block sends data to the referenced receiver.
            let mut signals: Vec<&str> = pushed.iter().map(|s| signal_name(*s)).collect();
            signals.dedup();
            if signals.len() > 1 {
                let root = match trees.get(&from.file) {
                    Some(root) => root.clone(),
                    None => {
                        let root = world.analysis.parse(from.file)?.syntax_node();
                        trees.insert(from.file, root.clone());
                        root
                    }
                };
                let listed = output_attributes(&root, from.range, &to.id);
                if !listed.is_empty() {
                    signals.retain(|s| listed.iter().any(|l| l == s));
                }
                signals.truncate(if listed.is_empty() { 1 } else { signals.len() });
            }
            for signal in signals {
                push(GraphEdge {
                    from: from.id.clone(),
                    to: to.id.clone(),
                    signal: Some(signal.to_owned()),
                });
            }
        } else {
            // A value flows from the referenced block to the referencing one.
            push(GraphEdge {
                from: to.id.clone(),
                to: from.id.clone(),
                signal: edge
                    .signals
                    .contains(Signal::Targets)
                    .then(|| "targets".to_owned()),
            });
        }
    }
    Ok(Some(PipelineGraph { nodes, edges }))
}

/// The `output` attributes (`traces`, `metrics`, `logs`) of the block at
/// `range` whose value references `target`.
fn output_attributes(root: &SyntaxNode, range: TextRange, target: &str) -> Vec<String> {
    let Some(block) = root
        .descendants()
        .filter_map(ast::Block::cast)
        .find(|b| b.syntax().text_range() == range)
    else {
        return Vec::new();
    };
    let prefix = format!("{target}.");
    let mut out = Vec::new();
    for stmt in block.statements() {
        let ast::Stmt::Block(output) = stmt else {
            continue;
        };
        if output.name() != "output" {
            continue;
        }
        for stmt in output.statements() {
            let ast::Stmt::Attribute(attr) = stmt else {
                continue;
            };
            let (Some(name), Some(value)) = (attr.name(), attr.value()) else {
                continue;
            };
            if chains_in(value.syntax())
                .iter()
                .any(|c| c.joined().starts_with(&prefix))
            {
                out.push(name.text().to_owned());
            }
        }
    }
    out
}
