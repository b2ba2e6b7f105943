//! The pipeline view of a config: the component graph with each edge turned
//! in the direction data flows and named by what flows along it, each node
//! with its kind and whether checks found errors in it, and the components
//! whose output goes nowhere. `alloy graph`, the language server's
//! `alloy/graph` and the editors' graph views all draw this one shape, so
//! they cannot disagree about a config.

use rustc_hash::FxHashMap;

use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::{SyntaxKind, SyntaxNode};

use crate::catalogue::{self, Signal, SignalSet};
use crate::codes::{Code, Severity};
use crate::db::{Config, SourceFile};
use crate::host::{Analysis, Cancellable};
use crate::scope::ItemKind;
use crate::TextRange;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Pipeline {
    pub nodes: Vec<PipelineNode>,
    pub edges: Vec<PipelineEdge>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipelineNode {
    /// Upstream's node id (`prometheus.scrape.default`).
    pub id: String,
    pub name: String,
    pub label: Option<String>,
    pub kind: NodeKind,
    pub file: SourceFile,
    pub path: String,
    /// The whole block.
    pub range: TextRange,
    pub health: Health,
    /// A component that emits data (or targets) that no other node takes:
    /// its output goes nowhere.
    pub dead_end: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// A built-in component from the catalogue.
    Component,
    /// An instance of a `declare`d or imported custom component.
    Custom,
    Declare,
    Import,
    Argument,
    Export,
    /// Another config block (`logging`, `tracing`, ...).
    Config,
    Service,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Component => "component",
            NodeKind::Custom => "custom",
            NodeKind::Declare => "declare",
            NodeKind::Import => "import",
            NodeKind::Argument => "argument",
            NodeKind::Export => "export",
            NodeKind::Config => "config",
            NodeKind::Service => "service",
        }
    }
}

/// What the checks say of a node before it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Health {
    Healthy,
    /// An error was found inside the node.
    Unhealthy,
    /// The config has syntax errors, so nothing beyond them was checked.
    Unknown,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Unhealthy => "unhealthy",
            Health::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PipelineEdge {
    /// Indices into `nodes`, in the direction data flows.
    pub from: usize,
    pub to: usize,
    pub flow: Flow,
}

/// What flows along an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flow {
    Traces,
    Metrics,
    Logs,
    Profiles,
    Targets,
    /// A plain value (a string, a secret, a number) read by another node.
    Value,
}

impl Flow {
    /// The names the editors' graph views know; `None` for plain values.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Flow::Traces => Some("traces"),
            Flow::Metrics => Some("metrics"),
            Flow::Logs => Some("logs"),
            Flow::Profiles => Some("profiles"),
            Flow::Targets => Some("targets"),
            Flow::Value => None,
        }
    }

    /// OTLP and Prometheus metrics are both "metrics" to a reader of the
    /// graph; which model carries them is the component's business.
    fn of(signal: Signal) -> Flow {
        match signal {
            Signal::Traces => Flow::Traces,
            Signal::Metrics | Signal::PrometheusMetrics => Flow::Metrics,
            Signal::Logs | Signal::LokiLogs => Flow::Logs,
            Signal::Profiles => Flow::Profiles,
            Signal::Targets => Flow::Targets,
        }
    }
}

fn kind_of(kind: ItemKind, name: &str) -> NodeKind {
    match kind {
        ItemKind::Declare => NodeKind::Declare,
        ItemKind::Service => NodeKind::Service,
        ItemKind::Config if name.starts_with("import.") => NodeKind::Import,
        ItemKind::Config if name == "argument" => NodeKind::Argument,
        ItemKind::Config if name == "export" => NodeKind::Export,
        ItemKind::Config => NodeKind::Config,
        ItemKind::Component if catalogue::component(name).is_some() => NodeKind::Component,
        ItemKind::Component => NodeKind::Custom,
    }
}

impl Analysis {
    /// The pipeline of a config (see the module docs).
    pub fn pipeline(&self, config: Config) -> Cancellable<Pipeline> {
        let graph = self.graph(config)?;
        let diagnostics = self.diagnostics(config)?;
        let syntax_errors = diagnostics.iter().any(|d| d.code == Code::Syntax);
        let mut nodes: Vec<PipelineNode> = graph
            .nodes
            .iter()
            .map(|node| {
                let unhealthy = diagnostics.iter().any(|d| {
                    d.severity == Severity::Error
                        && d.file == node.file
                        && node.range.contains_range(d.range)
                });
                let health = if unhealthy {
                    Health::Unhealthy
                } else if syntax_errors {
                    Health::Unknown
                } else {
                    Health::Healthy
                };
                PipelineNode {
                    id: node.id.clone(),
                    name: node.name.clone(),
                    label: node.label.clone(),
                    kind: kind_of(node.kind, &node.name),
                    file: node.file,
                    path: node.path.clone(),
                    range: node.range,
                    health,
                    dead_end: false,
                }
            })
            .collect();

        let mut trees: FxHashMap<SourceFile, SyntaxNode> = FxHashMap::default();
        let mut edges: Vec<PipelineEdge> = Vec::new();
        let mut push = |edge: PipelineEdge| {
            if !edges.contains(&edge) {
                edges.push(edge);
            }
        };
        for edge in &graph.edges {
            let (Some(from), Some(to)) = (graph.nodes.get(edge.from), graph.nodes.get(edge.to))
            else {
                continue;
            };
            let mut pushed: Vec<Flow> = edge
                .signals
                .iter()
                .filter(|s| *s != Signal::Targets)
                .map(Flow::of)
                .fold(Vec::new(), |mut flows, flow| {
                    if !flows.contains(&flow) {
                        flows.push(flow);
                    }
                    flows
                });
            if pushed.is_empty() {
                // A value flows from the referenced node to the referencing one.
                let flow = if edge.signals.contains(Signal::Targets) {
                    Flow::Targets
                } else {
                    Flow::Value
                };
                push(PipelineEdge {
                    from: edge.to,
                    to: edge.from,
                    flow,
                });
                continue;
            }
            // The referencing block sends data to the referenced receiver.
            // An OTLP consumer takes several signals; the block's `output`
            // attributes say which of them really go there.
            if pushed.len() > 1 {
                let root = match trees.get(&from.file) {
                    Some(root) => root.clone(),
                    None => {
                        let root = self.parse(from.file)?.syntax_node();
                        trees.insert(from.file, root.clone());
                        root
                    }
                };
                let listed = output_attributes(&root, from.range, &to.id);
                if listed.is_empty() {
                    pushed.truncate(1);
                } else {
                    pushed.retain(|f| f.name().is_some_and(|n| listed.iter().any(|l| l == n)));
                }
            }
            for flow in pushed {
                push(PipelineEdge {
                    from: edge.from,
                    to: edge.to,
                    flow,
                });
            }
        }

        for (index, node) in nodes.iter_mut().enumerate() {
            node.dead_end = node.kind == NodeKind::Component
                && emits_data(&node.name)
                && !edges
                    .iter()
                    .any(|e| e.from == index && e.flow != Flow::Value);
        }
        Ok(Pipeline { nodes, edges })
    }
}

/// Whether a component hands data or targets on to others (so that its
/// output going nowhere is worth pointing out).
fn emits_data(name: &str) -> bool {
    catalogue::component(name).is_some_and(|c| c.signals.emits != SignalSet::EMPTY)
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
            if references(value.syntax(), target) {
                out.push(name.text().to_owned());
            }
        }
    }
    out
}

/// Whether an expression holds a reference chain that starts with the
/// node id `target` (`otelcol.processor.batch.default.input`).
fn references(expr: &SyntaxNode, target: &str) -> bool {
    expr.descendants()
        .filter(|n| n.kind() == SyntaxKind::IDENT_EXPR)
        .any(|base| {
            let mut joined = String::new();
            let mut node = base.clone();
            if let Some(ident) = ast::IdentExpr::cast(base).and_then(|e| e.ident()) {
                joined.push_str(ident.text());
            }
            while let Some(parent) = node.parent() {
                if parent.kind() != SyntaxKind::ACCESS_EXPR
                    || parent.first_child().as_ref() != Some(&node)
                {
                    break;
                }
                let Some(name) = ast::AccessExpr::cast(parent.clone()).and_then(|a| a.name())
                else {
                    break;
                };
                joined.push('.');
                joined.push_str(name.text());
                node = parent;
            }
            joined
                .strip_prefix(target)
                .is_some_and(|rest| rest.starts_with('.'))
        })
}
