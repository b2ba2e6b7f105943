//! Inlay hints: the type of the export a reference names
//! (`prometheus.exporter.unix.host.targets: list(map(string))`), where the
//! reference alone does not say what flows through it.

use alloy_analysis::Cancellable;
use tower_lsp_server::ls_types::{InlayHint, InlayHintKind, InlayHintLabel, Range};

use crate::ide::module::module_index;
use crate::ide::refs::{export_type, Visible};
use crate::ide::syntax::chains_in;
use crate::world::{DocCtx, World};

pub fn inlay_hints(world: &World, doc: &DocCtx, range: Range) -> Cancellable<Vec<InlayHint>> {
    let span = doc.index.text_range(range, world.encoding());
    let root = world.tree(doc.file)?;
    let index = module_index(world, &doc.files)?;
    let mut out = Vec::new();
    // Resolution depends only on the scope, so cache per enclosing
    // container.
    let mut cache: Vec<(Vec<usize>, Visible)> = Vec::new();
    for chain in chains_in(&root) {
        let r = chain.range();
        if chain.called || !span.contains_range(r) {
            continue;
        }
        let containers = index.containers_at(doc.file, r.start());
        let visible = match cache.iter().position(|(c, _)| *c == containers) {
            Some(at) => &cache[at].1,
            None => {
                cache.push((containers, Visible::at(&index, doc.file, r.start())));
                &cache[cache.len() - 1].1
            }
        };
        let Some(resolved) = visible.resolve(&chain.names) else {
            continue;
        };
        // Only a reference that stops at the export: `x.targets`, not
        // `x.targets[0]` pieces or deeper fields.
        if resolved.len + 1 != chain.names.len() {
            continue;
        }
        let Some(ty) = export_type(&index, &resolved) else {
            continue;
        };
        out.push(InlayHint {
            position: doc.index.position(r.end(), world.encoding()),
            label: InlayHintLabel::String(format!(": {ty}")),
            kind: Some(InlayHintKind::TYPE),
            text_edits: None,
            tooltip: None,
            padding_left: Some(false),
            padding_right: Some(false),
            data: None,
        });
    }
    Ok(out)
}
