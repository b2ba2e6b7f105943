//! Reading a body into a graph: which kind of node each block makes (with
//! upstream's refusals: unknown names, duplicates, blocks in the wrong
//! place, features below the stability level), and the edges between them
//! (references, uses of declares and imports), checked for cycles.
//!
//! Nothing here changes the module: a body that fails leaves the running
//! graph as it is.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use alloy_analysis::catalogue::{self, Stability};
use alloy_syntax::ast::{AstNode, Block, Stmt};

use super::custom::{split_custom_name, CustomRegistry, Template};
use super::diag::{Diagnostic, Diagnostics, FileCtx};
use super::graph::{Graph, GraphError};
use super::module::{ImportKind, Module, Plan, Planned};
use super::refs::traversals;
use crate::component::registry::stability_error;
use crate::eval::Scope;
use crate::value::Object;

impl Module {
    /// Classifies every block; declares and imports are registered first so
    /// that components can be told from custom components in any order.
    pub(super) fn plan(
        &self,
        stmts: &[(Arc<FileCtx>, Stmt)],
        registry: &Rc<CustomRegistry>,
        args: &Object,
    ) -> Result<Vec<Planned>, Diagnostics> {
        let mut diags = Vec::new();
        let mut blocks = Vec::new();
        for (file, stmt) in stmts {
            match stmt {
                Stmt::Block(block) => blocks.push((file.clone(), block.clone())),
                Stmt::Attribute(attr) => diags.push(Diagnostic::at(
                    file,
                    attr.syntax().text_range().start(),
                    "unsupported statement type *ast.AttributeStmt",
                )),
            }
        }
        for (file, block) in &blocks {
            let name = block.name();
            match name.as_str() {
                "declare" => match block.label() {
                    Some(label) if label != "declare" => registry.register_declare(
                        &label,
                        Template {
                            file: file.clone(),
                            stmts: Rc::new(block.statements().collect()),
                        },
                    ),
                    _ => {}
                },
                "import.file" | "import.string" | "import.http" | "import.git" => {
                    if let Some(label) = block.label() {
                        registry.register_import(&label);
                    }
                }
                _ => {}
            }
        }

        // Duplicates are checked per group, as upstream.
        let mut seen: [HashMap<String, (Arc<FileCtx>, Block)>; 3] = Default::default();
        let mut plans = Vec::new();
        for (file, block) in blocks {
            let name = block.name();
            let label = block.label();
            let plan = match self.classify(&file, &block, &name, label.as_deref(), registry) {
                Ok(plan) => plan,
                Err(diag) => {
                    diags.push(diag);
                    continue;
                }
            };
            let id = match &label {
                Some(label) => format!("{name}.{label}"),
                None => name.clone(),
            };
            let group = match plan {
                Plan::Declare => 0,
                Plan::Builtin(_) | Plan::Custom => 2,
                _ => 1,
            };
            if let Some((first_file, first)) = seen[group].get(&id) {
                let at = first_file.position(first.syntax().text_range().start());
                diags.push(Diagnostic::at_name(
                    &file,
                    &block,
                    format!("block {id} already declared at {at}"),
                ));
                continue;
            }
            seen[group].insert(id.clone(), (file.clone(), block.clone()));
            plans.push(Planned {
                id,
                name,
                label,
                block,
                file,
                plan,
            });
        }
        if !self.is_root() {
            for key in args.keys() {
                let declared = plans
                    .iter()
                    .any(|p| matches!(p.plan, Plan::Argument) && p.label.as_deref() == Some(key));
                if !declared {
                    diags.push(Diagnostic::new(format!(
                        "Provided argument {key:?} is not defined in the module"
                    )));
                }
            }
        }
        if diags.is_empty() {
            Ok(plans)
        } else {
            Err(Diagnostics(diags))
        }
    }

    fn classify(
        &self,
        file: &FileCtx,
        block: &Block,
        name: &str,
        label: Option<&str>,
        registry: &CustomRegistry,
    ) -> Result<Plan, Diagnostic> {
        let unsupported = |what: &str| {
            Diagnostic::at_block(
                file,
                block,
                format!("{what} is not supported by this runtime yet"),
            )
        };
        let needs_label = |plan: Plan| match label {
            Some(_) => Ok(plan),
            None => Err(Diagnostic::at_block(
                file,
                block,
                format!("{name} block must have a label"),
            )),
        };
        match name {
            "declare" => {
                if label == Some("declare") {
                    return Err(Diagnostic::at_block(
                        file,
                        block,
                        "'declare' is not a valid label for a declare block",
                    ));
                }
                needs_label(Plan::Declare)
            }
            "argument" | "export" if self.is_root() => Err(Diagnostic::at_block(
                file,
                block,
                format!("{name} blocks only allowed inside a module"),
            )),
            "argument" => needs_label(Plan::Argument),
            "export" => needs_label(Plan::Export),
            "logging" | "tracing" if !self.is_root() => Err(Diagnostic::at_block(
                file,
                block,
                format!("{name} block not allowed inside a module"),
            )),
            "logging" => Ok(Plan::Logging),
            "tracing" => Ok(Plan::Tracing),
            "import.file" => needs_label(Plan::Import(ImportKind::File)),
            "import.string" => needs_label(Plan::Import(ImportKind::String)),
            "import.http" | "import.git" => Err(unsupported(name)),
            "foreach" => {
                let minimum = self.globals.min_stability;
                if Stability::Experimental < minimum {
                    return Err(Diagnostic::at_block(
                        file,
                        block,
                        stability_error(
                            "config block \"foreach\"",
                            Stability::Experimental,
                            minimum,
                        ),
                    ));
                }
                needs_label(Plan::Foreach)
            }
            _ if catalogue::config_block(name).is_some() => {
                Err(unsupported(&format!("the {name:?} block")))
            }
            _ => {
                let first = name.split('.').next().unwrap_or(name);
                let plan = if registry.is_custom(first) {
                    Plan::Custom
                } else {
                    let registration = self
                        .globals
                        .registry
                        .lookup(name, self.globals.min_stability, self.globals.community)
                        .map_err(|e| Diagnostic::at_name(file, block, e.to_string()))?;
                    Plan::Builtin(registration.clone())
                };
                if label.is_none() {
                    return Err(Diagnostic::at_name(
                        file,
                        block,
                        format!("component {name:?} must have a label"),
                    ));
                }
                Ok(plan)
            }
        }
    }

    /// Resolves references into edges and checks for cycles.
    pub(super) fn wire(
        &self,
        plans: &[Planned],
        arg_scope: Option<&Arc<Scope>>,
    ) -> Result<Graph, Diagnostics> {
        let ids: HashMap<&str, usize> = plans
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        let labelled = |wanted: fn(&Plan) -> bool| -> HashMap<&str, usize> {
            plans
                .iter()
                .enumerate()
                .filter(|(_, p)| wanted(&p.plan))
                .filter_map(|(i, p)| Some((p.label.as_deref()?, i)))
                .collect()
        };
        let declares = labelled(|p| matches!(p, Plan::Declare));
        let imports = labelled(|p| matches!(p, Plan::Import(_)));
        let outer = match arg_scope {
            Some(parent) => Scope::with_parent(parent.clone()),
            None => Scope::new(),
        };

        let mut graph = Graph::new(plans.len());
        let mut diags = Vec::new();
        for (i, planned) in plans.iter().enumerate() {
            match planned.plan {
                Plan::Declare => {
                    for target in custom_refs(planned.block.statements(), &declares, &imports) {
                        graph.add_edge(i, target);
                    }
                    continue;
                }
                Plan::Custom => {
                    let (namespace, _) = split_custom_name(&planned.name);
                    if let Some(&import) = namespace.and_then(|ns| imports.get(ns)) {
                        graph.add_edge(i, import);
                    } else if let Some(&declare) = declares.get(planned.name.as_str()) {
                        let body = plans[declare].block.statements();
                        for target in custom_refs(body, &declares, &imports) {
                            graph.add_edge(i, target);
                        }
                    }
                }
                _ => {}
            }
            for traversal in traversals(planned.block.statements()) {
                let mut partial = String::new();
                let mut target = None;
                for name in &traversal.names {
                    if !partial.is_empty() {
                        partial.push('.');
                    }
                    partial.push_str(name);
                    if let Some(&t) = ids.get(partial.as_str()) {
                        target = Some(t);
                        break;
                    }
                }
                match target {
                    Some(t) => graph.add_edge(i, t),
                    None => {
                        let known = traversal
                            .names
                            .first()
                            .is_some_and(|first| outer.lookup(first).is_some());
                        // A foreach template refers to its own components and
                        // variable; those resolve inside the children.
                        if !known && !matches!(planned.plan, Plan::Foreach) {
                            diags.push(Diagnostic::at(
                                &planned.file,
                                traversal.offset,
                                format!("component {partial:?} does not exist or is out of scope"),
                            ));
                        }
                    }
                }
            }
        }
        for error in graph.validate() {
            match error {
                GraphError::SelfReference(i) => diags.push(Diagnostic::at_block(
                    &plans[i].file,
                    &plans[i].block,
                    "cannot reference self",
                )),
                GraphError::Cycle(members) => {
                    let mut names: Vec<&str> =
                        members.iter().map(|&m| plans[m].id.as_str()).collect();
                    names.sort_unstable();
                    diags.push(Diagnostic::new(format!(
                        "cycle detected: {}",
                        names.join(", ")
                    )));
                }
            }
        }
        if diags.is_empty() {
            Ok(graph)
        } else {
            Err(Diagnostics(diags))
        }
    }
}

/// Declares and imports a `declare` body uses (its custom components'
/// names, nested declares included), as indices of `declares`/`imports`.
fn custom_refs(
    stmts: impl Iterator<Item = Stmt>,
    declares: &HashMap<&str, usize>,
    imports: &HashMap<&str, usize>,
) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack: Vec<Stmt> = stmts.collect();
    while let Some(stmt) = stack.pop() {
        let Stmt::Block(block) = stmt else { continue };
        let name = block.name();
        let first = name.split('.').next().unwrap_or("");
        if name == "declare" {
            stack.extend(block.statements());
        } else if let Some(&d) = declares.get(first) {
            out.push(d);
        } else if let Some(&i) = imports.get(first) {
            out.push(i);
        }
    }
    out
}
