//! `alloy/graph`: the component graph of a document's module as JSON, in
//! the shape the VS Code extension draws (editors/vscode/README.md):
//! nodes with kind, label, file, range and health; edges in the direction
//! data flows, with the signal they carry.

use alloy_analysis::Cancellable;
use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::{Range, TextDocumentIdentifier};

use crate::handlers::symbols::display_name;
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

pub fn graph(world: &World, doc: &DocCtx) -> Cancellable<Option<PipelineGraph>> {
    let pipeline = world.analysis.pipeline(doc.config)?;
    let mut nodes = Vec::with_capacity(pipeline.nodes.len());
    for node in &pipeline.nodes {
        let location = world.location(node.file, node.range)?;
        nodes.push(GraphNode {
            id: node.id.clone(),
            kind: node.kind.as_str().to_owned(),
            label: Some(display_name(&node.name, node.label.as_deref())),
            file: location.as_ref().map(|l| l.uri.as_str().to_owned()),
            range: location.map(|l| l.range),
            health: Some(node.health.as_str().to_owned()),
        });
    }
    let edges = pipeline
        .edges
        .iter()
        .filter_map(|edge| {
            Some(GraphEdge {
                from: pipeline.nodes.get(edge.from)?.id.clone(),
                to: pipeline.nodes.get(edge.to)?.id.clone(),
                signal: edge.flow.name().map(str::to_owned),
            })
        })
        .collect();
    Ok(Some(PipelineGraph { nodes, edges }))
}
