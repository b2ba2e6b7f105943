//! `alloy graph`: the component graph of a config, without running it, as
//! Graphviz dot, Mermaid or JSON. It is the graph `/graph` and the editors'
//! graph views draw (`Analysis::pipeline`): edges point the way data flows
//! and carry the signal, and components whose output goes nowhere are
//! marked.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use alloy_analysis::{AnalysisHost, LineCol, Pipeline, PipelineNode};
use clap::{Args, ValueEnum};

use super::check::load;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz (`alloy graph config.alloy | dot -Tsvg > graph.svg`).
    Dot,
    /// A Mermaid flowchart (renders in GitHub and GitLab Markdown).
    Mermaid,
    /// Nodes and edges as one JSON object.
    Json,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The file or directory of the config (a directory is its `*.alloy`
    /// files, not recursive); `-` reads standard input.
    #[arg(value_name = "PATH")]
    path: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
}

/// A node as printed: where it is and what it is.
struct Located<'a> {
    node: &'a PipelineNode,
    at: LineCol,
}

pub fn run(args: GraphArgs) -> ExitCode {
    // One wording and exit code per situation, as `check` (README: "Exit
    // codes and input errors").
    let inputs = match load::config_files(&args.path) {
        Ok(loaded) if loaded.files.is_empty() => {
            errln!(
                "Error: nothing to draw: {} holds no *.alloy file",
                args.path
            );
            return ExitCode::FAILURE;
        }
        Ok(loaded) => loaded.files,
        Err(message) => {
            errln!("Error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let mut host = AnalysisHost::new();
    let files: Vec<_> = inputs
        .into_iter()
        .map(|input| host.set_file(&input.name, std::sync::Arc::<[u8]>::from(input.bytes)))
        .collect();
    let config = host.new_config(files);
    let analysis = host.analysis();
    let pipeline = match analysis.pipeline(config) {
        Ok(pipeline) => pipeline,
        Err(err) => {
            errln!("Error: analysis was cancelled: {err}");
            return ExitCode::from(2);
        }
    };
    let mut located = Vec::with_capacity(pipeline.nodes.len());
    for node in &pipeline.nodes {
        let at = match analysis.parse(node.file) {
            Ok(parse) => parse.line_index().line_col(node.range.start().into()),
            Err(_) => LineCol { line: 0, col: 0 },
        };
        located.push(Located { node, at });
    }
    let text = match args.format {
        GraphFormat::Dot => dot(&pipeline, &located),
        GraphFormat::Mermaid => mermaid(&pipeline, &located),
        GraphFormat::Json => json(&pipeline, &located),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            errln!("Error: writing the graph: {err}");
            ExitCode::from(2)
        }
        _ => ExitCode::SUCCESS,
    }
}

/// A quoted string in dot's syntax.
fn dot_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dot(pipeline: &Pipeline, nodes: &[Located<'_>]) -> String {
    let mut out =
        String::from("digraph alloy {\n\trankdir=LR;\n\tnode [shape=box, style=rounded];\n");
    for Located { node, at } in nodes {
        let mut attrs = vec![format!(
            "label={}",
            dot_quote(&format!(
                "{}\n{}:{}:{}",
                node.id, node.path, at.line, at.col
            ))
        )];
        attrs.push(format!("tooltip={}", dot_quote(node.kind.as_str())));
        if node.dead_end {
            attrs.push("color=red, style=\"rounded,dashed\"".to_owned());
            attrs.push(format!("xlabel={}", dot_quote("output goes nowhere")));
        } else if node.health == alloy_analysis::Health::Unhealthy {
            attrs.push("color=red".to_owned());
        }
        let _ = writeln!(out, "\t{} [{}];", dot_quote(&node.id), attrs.join(", "));
    }
    for edge in &pipeline.edges {
        let (Some(from), Some(to)) = (nodes.get(edge.from), nodes.get(edge.to)) else {
            continue;
        };
        let label = match edge.flow.name() {
            Some(name) => format!(" [label={}]", dot_quote(name)),
            None => " [style=dotted]".to_owned(),
        };
        let _ = writeln!(
            out,
            "\t{} -> {}{label};",
            dot_quote(&from.node.id),
            dot_quote(&to.node.id)
        );
    }
    out.push_str("}\n");
    out
}

/// Mermaid node ids may not contain dots; labels carry the real id.
fn mermaid_id(index: usize) -> String {
    format!("n{index}")
}

/// Text inside a Mermaid `["..."]` label: quotes become `#quot;`.
fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
}

fn mermaid(pipeline: &Pipeline, nodes: &[Located<'_>]) -> String {
    let mut out = String::from("flowchart LR\n");
    for (index, Located { node, .. }) in nodes.iter().enumerate() {
        let _ = writeln!(
            out,
            "    {}[\"{}\"]",
            mermaid_id(index),
            mermaid_text(&node.id)
        );
    }
    for edge in &pipeline.edges {
        let arrow = match edge.flow.name() {
            Some(name) => format!("-->|{name}|"),
            None => "-.->".to_owned(),
        };
        let _ = writeln!(
            out,
            "    {} {arrow} {}",
            mermaid_id(edge.from),
            mermaid_id(edge.to)
        );
    }
    let dead: Vec<String> = nodes
        .iter()
        .enumerate()
        .filter(|(_, l)| l.node.dead_end)
        .map(|(i, _)| mermaid_id(i))
        .collect();
    if !dead.is_empty() {
        out.push_str("    classDef deadEnd stroke:#d00,stroke-dasharray:4 3\n");
        let _ = writeln!(out, "    class {} deadEnd", dead.join(","));
    }
    out
}

fn json(pipeline: &Pipeline, nodes: &[Located<'_>]) -> String {
    let nodes_json: Vec<serde_json::Value> = nodes
        .iter()
        .map(|Located { node, at }| {
            serde_json::json!({
                "id": node.id,
                "kind": node.kind.as_str(),
                "name": node.name,
                "label": node.label,
                "file": node.path,
                "line": at.line,
                "column": at.col,
                "health": node.health.as_str(),
                "deadEnd": node.dead_end,
            })
        })
        .collect();
    let edges_json: Vec<serde_json::Value> = pipeline
        .edges
        .iter()
        .filter_map(|edge| {
            Some(serde_json::json!({
                "from": nodes.get(edge.from)?.node.id,
                "to": nodes.get(edge.to)?.node.id,
                "signal": edge.flow.name(),
            }))
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "nodes": nodes_json,
        "edges": edges_json,
    }))
    .unwrap_or_default();
    text.push('\n');
    text
}
