//! Document links: component and config block names, and standard-library
//! calls, link to their documentation.

use alloy_analysis::catalogue;
use alloy_analysis::Cancellable;
use alloy_syntax::ast;
use tower_lsp_server::ls_types::{DocumentLink, Uri};

use crate::ide::module::name_range;
use crate::ide::syntax::{chains_in, is_item_block};
use crate::world::{DocCtx, World};

pub fn document_links(world: &World, doc: &DocCtx) -> Cancellable<Vec<DocumentLink>> {
    let root = world.tree(doc.file)?;
    let mut out = Vec::new();
    let mut push = |range, url: &str, tooltip: String| {
        if let Ok(target) = url.parse::<Uri>() {
            out.push(DocumentLink {
                range: world.lsp_range(&doc.index, range),
                target: Some(target),
                tooltip: Some(tooltip),
                data: None,
            });
        }
    };
    for node in root.descendants() {
        let Some(block) = <ast::Block as alloy_syntax::ast::AstNode>::cast(node) else {
            continue;
        };
        if !is_item_block(&block) {
            continue;
        }
        let name = block.name();
        let url = catalogue::component(&name)
            .map(|c| c.doc_url)
            .or_else(|| catalogue::config_block(&name).and_then(|b| b.doc_url));
        if let Some(url) = url {
            push(name_range(&block), url, format!("Documentation of {name}"));
        }
    }
    for chain in chains_in(&root) {
        if !chain.called {
            continue;
        }
        let name = chain.joined();
        if let Some(f) = catalogue::stdlib_function(&name) {
            push(chain.range(), f.doc_url, format!("Documentation of {name}"));
        }
    }
    out.sort_by_key(|l| (l.range.start.line, l.range.start.character));
    Ok(out)
}
