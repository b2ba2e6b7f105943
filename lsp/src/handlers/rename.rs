//! Rename of block labels (with every reference to the block), custom
//! component names (the `declare` label, every instance and every
//! reference to an instance) and custom component arguments (the
//! `argument` label, `argument.<name>` references inside the declare and
//! the attribute in every instance), across the files of the module.

use std::collections::HashMap;

use alloy_analysis::{Cancellable, SourceFile, TextRange, TextSize};
use alloy_syntax::{SyntaxKind, SyntaxNode};
use tower_lsp_server::ls_types::{Position, PrepareRenameResponse, TextEdit, Uri, WorkspaceEdit};

use crate::ide::module::{module_index, ModuleIndex};
use crate::ide::symbol::{argument_uses, instances, symbol_at, Symbol};
use crate::world::{DocCtx, World};

/// The text between a label's quotes.
fn label_content(range: TextRange) -> TextRange {
    if range.len() >= TextSize::from(2) {
        TextRange::new(
            range.start() + TextSize::from(1),
            range.end() - TextSize::from(1),
        )
    } else {
        range
    }
}

pub fn prepare_rename(
    world: &World,
    doc: &DocCtx,
    position: Position,
) -> Cancellable<Option<PrepareRenameResponse>> {
    let offset = doc.index.offset(position, world.encoding());
    let parse = world.analysis.parse(doc.file)?;
    let root = parse.syntax_node();
    let index = module_index(world, &doc.files)?;
    let Some((symbol, range)) = symbol_at(world, doc.config, doc.file, &index, &root, offset)?
    else {
        return Ok(None);
    };
    let (item, range) = match symbol {
        Symbol::Declare(d) => (d, range),
        Symbol::Item(i) => (i, range),
    };
    let Some(name) = index.items[item].label.clone() else {
        return Ok(None);
    };
    let text = doc.text();
    let range = match text.get(u32::from(range.start()) as usize..u32::from(range.end()) as usize) {
        Some(t) if t.starts_with('"') => label_content(range),
        Some(t) if t == name => range,
        // On a reference: select the segment that is the label.
        _ => match label_segment(&root, &index.items[item].name, offset) {
            Some(segment) => segment,
            None => range,
        },
    };
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: world.lsp_range(&doc.index, range),
        placeholder: name,
    }))
}

/// In a reference chain around `offset`, the name that is the label of a
/// block called `block_name`.
fn label_segment(root: &SyntaxNode, block_name: &str, offset: TextSize) -> Option<TextRange> {
    let token = crate::ide::syntax::token_at(root, offset)?;
    let chain = crate::ide::syntax::chain_of(&token)?;
    chain.ranges.get(block_name.split('.').count()).copied()
}

/// The `n`-th identifier of the reference chain that spans `range`.
fn nth_ident(root: &SyntaxNode, range: TextRange, n: usize) -> Option<TextRange> {
    let node = match root.covering_element(range) {
        rowan::NodeOrToken::Node(node) => node,
        rowan::NodeOrToken::Token(token) => token.parent()?,
    };
    node.descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| t.kind() == SyntaxKind::IDENT && range.contains_range(t.text_range()))
        .nth(n)
        .map(|t| t.text_range())
}

pub fn rename(
    world: &World,
    doc: &DocCtx,
    position: Position,
    new_name: &str,
) -> Cancellable<Result<Option<WorkspaceEdit>, String>> {
    if !alloy_syntax::unicode::is_valid_identifier(new_name) {
        return Ok(Err(format!(
            "`{new_name}` is not a valid identifier, so references could not use it"
        )));
    }
    let offset = doc.index.offset(position, world.encoding());
    let parse = world.analysis.parse(doc.file)?;
    let index = module_index(world, &doc.files)?;
    let Some((symbol, _)) = symbol_at(
        world,
        doc.config,
        doc.file,
        &index,
        &parse.syntax_node(),
        offset,
    )?
    else {
        return Ok(Ok(None));
    };
    let mut edits = Edits::default();
    match symbol {
        Symbol::Declare(d) => {
            let fact = &index.items[d];
            let Some(label) = fact.label_range else {
                return Ok(Ok(None));
            };
            edits.push(fact.file, label_content(label));
            for instance in instances(&index, d) {
                let inst = &index.items[instance];
                edits.push(inst.file, inst.name_range);
                // `name.label.export` references start with the name.
                reference_segments(world, doc, &index, instance, 0, &mut edits)?;
            }
        }
        Symbol::Item(i) => {
            let fact = &index.items[i];
            let Some(label) = fact.label_range else {
                return Ok(Err("this block has no label to rename".into()));
            };
            edits.push(fact.file, label_content(label));
            let segment = fact.name.split('.').count();
            reference_segments(world, doc, &index, i, segment, &mut edits)?;
            for (file, range) in argument_uses(world, &index, i)? {
                edits.push(file, range);
            }
        }
    }
    edits
        .into_workspace_edit(world, new_name)
        .map(|e| Ok(Some(e)))
}

/// Adds the `segment`-th name of every reference to `item`.
fn reference_segments(
    world: &World,
    doc: &DocCtx,
    index: &ModuleIndex,
    item: usize,
    segment: usize,
    edits: &mut Edits,
) -> Cancellable<()> {
    let fact = &index.items[item];
    let targets = world
        .analysis
        .references(doc.config, fact.file, fact.range.start())?;
    let mut trees: HashMap<SourceFile, SyntaxNode> = HashMap::new();
    for target in targets {
        let root = match trees.get(&target.file) {
            Some(root) => root.clone(),
            None => {
                let root = world.analysis.parse(target.file)?.syntax_node();
                trees.insert(target.file, root.clone());
                root
            }
        };
        if let Some(range) = nth_ident(&root, target.range, segment) {
            edits.push(target.file, range);
        }
    }
    Ok(())
}

#[derive(Default)]
struct Edits {
    ranges: Vec<(SourceFile, TextRange)>,
}

impl Edits {
    fn push(&mut self, file: SourceFile, range: TextRange) {
        if !self.ranges.contains(&(file, range)) {
            self.ranges.push((file, range));
        }
    }

    fn into_workspace_edit(self, world: &World, new_name: &str) -> Cancellable<WorkspaceEdit> {
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for (file, range) in self.ranges {
            if let Some(location) = world.location(file, range)? {
                changes.entry(location.uri).or_default().push(TextEdit {
                    range: location.range,
                    new_text: new_name.to_owned(),
                });
            }
        }
        Ok(WorkspaceEdit {
            changes: Some(changes),
            document_changes: None,
            change_annotations: None,
        })
    }
}
