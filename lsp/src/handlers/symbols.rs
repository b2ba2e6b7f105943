//! Document symbols (the outline: blocks, nested blocks and attributes)
//! and workspace symbols (every module-level block of every loaded module).

use alloy_analysis::catalogue;
use alloy_analysis::scope::classify;
use alloy_analysis::{Cancellable, ItemKind};
use alloy_syntax::ast::{self, AstNode};
use tower_lsp_server::ls_types::{
    DocumentSymbol, DocumentSymbolResponse, Location, OneOf, SymbolInformation, SymbolKind,
    WorkspaceSymbol,
};

use crate::convert::LineIndex;
use crate::ide::module::{module_index, name_range};
use crate::ide::syntax::is_item_block;
use crate::world::{DocCtx, World};

/// `name "label"` as shown in outlines and the graph.
pub fn display_name(name: &str, label: Option<&str>) -> String {
    match label {
        Some(label) => format!("{name} \"{label}\""),
        None => name.to_owned(),
    }
}

fn kind_of(block: &ast::Block) -> SymbolKind {
    let name = block.name();
    if !is_item_block(block) {
        return SymbolKind::STRUCT;
    }
    let id = match block.label() {
        Some(label) => format!("{name}.{label}"),
        None => name.clone(),
    };
    match classify(&name, &id) {
        ItemKind::Declare => SymbolKind::MODULE,
        ItemKind::Config if name.starts_with("import.") => SymbolKind::PACKAGE,
        ItemKind::Config => SymbolKind::OBJECT,
        ItemKind::Service => SymbolKind::INTERFACE,
        ItemKind::Component if catalogue::component(&name).is_some() => SymbolKind::CLASS,
        ItemKind::Component => SymbolKind::OBJECT,
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written out.
fn block_symbol(world: &World, index: &LineIndex, block: &ast::Block) -> DocumentSymbol {
    let mut children = Vec::new();
    for stmt in block.statements() {
        match stmt {
            ast::Stmt::Block(child) => children.push(block_symbol(world, index, &child)),
            ast::Stmt::Attribute(attr) => {
                let Some(name) = attr.name() else {
                    continue;
                };
                children.push(DocumentSymbol {
                    name: name.text().to_owned(),
                    detail: None,
                    kind: SymbolKind::PROPERTY,
                    tags: None,
                    deprecated: None,
                    range: world.lsp_range(index, attr.syntax().text_range()),
                    selection_range: world.lsp_range(index, name.text_range()),
                    children: None,
                });
            }
        }
    }
    let name = block.name();
    let selection = name_range(block);
    DocumentSymbol {
        name: display_name(
            if name.is_empty() { "?" } else { &name },
            block.label().as_deref(),
        ),
        detail: None,
        kind: kind_of(block),
        tags: None,
        deprecated: None,
        range: world.lsp_range(index, block.syntax().text_range()),
        selection_range: world.lsp_range(index, selection),
        children: (!children.is_empty()).then_some(children),
    }
}

pub fn document_symbols(
    world: &World,
    doc: &DocCtx,
) -> Cancellable<Option<DocumentSymbolResponse>> {
    let parse = world.analysis.parse(doc.file)?;
    let tree = parse.tree();
    let symbols: Vec<DocumentSymbol> = tree
        .statements()
        .filter_map(|stmt| match stmt {
            ast::Stmt::Block(block) => Some(block_symbol(world, &doc.index, &block)),
            ast::Stmt::Attribute(_) => None,
        })
        .collect();
    if world.session.caps.hierarchical_symbols {
        return Ok(Some(DocumentSymbolResponse::Nested(symbols)));
    }
    let mut flat = Vec::new();
    flatten(&doc.uri, &symbols, None, &mut flat);
    Ok(Some(DocumentSymbolResponse::Flat(flat)))
}

#[allow(deprecated)]
fn flatten(
    uri: &tower_lsp_server::ls_types::Uri,
    symbols: &[DocumentSymbol],
    container: Option<&str>,
    out: &mut Vec<SymbolInformation>,
) {
    for s in symbols {
        out.push(SymbolInformation {
            name: s.name.clone(),
            kind: s.kind,
            tags: None,
            deprecated: None,
            location: Location::new(uri.clone(), s.range),
            container_name: container.map(str::to_owned),
        });
        if let Some(children) = &s.children {
            flatten(uri, children, Some(&s.name), out);
        }
    }
}

/// Case-insensitive subsequence match, as editors filter symbol lists.
fn matches(query: &str, name: &str) -> bool {
    let mut chars = name.chars().flat_map(char::to_lowercase);
    query
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .all(|q| chars.any(|c| c == q))
}

/// At most this many workspace symbols are returned.
const MAX_WORKSPACE_SYMBOLS: usize = 1000;

pub fn workspace_symbols(world: &World, query: &str) -> Cancellable<Vec<WorkspaceSymbol>> {
    let mut out = Vec::new();
    for module in &world.modules {
        let index = module_index(world, &module.files)?;
        for item in &index.items {
            let name = display_name(&item.name, item.label.as_deref());
            if !matches(query, &item.id()) && !matches(query, &name) {
                continue;
            }
            let Some(location) = world.location(item.file, item.name_range)? else {
                continue;
            };
            let kind = match classify(&item.name, &item.id()) {
                ItemKind::Declare => SymbolKind::MODULE,
                ItemKind::Config => SymbolKind::OBJECT,
                ItemKind::Service => SymbolKind::INTERFACE,
                ItemKind::Component => SymbolKind::CLASS,
            };
            out.push(WorkspaceSymbol {
                name,
                kind,
                tags: None,
                container_name: item.parent.map(|p| {
                    let parent = &index.items[p];
                    display_name(&parent.name, parent.label.as_deref())
                }),
                location: OneOf::Left(location),
                data: None,
            });
            if out.len() >= MAX_WORKSPACE_SYMBOLS {
                return Ok(out);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fuzzy_matching() {
        assert!(super::matches("psd", "prometheus.scrape.default"));
        assert!(super::matches("", "anything"));
        assert!(!super::matches("zz", "prometheus"));
    }
}
