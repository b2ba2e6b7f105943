//! What the cursor names, for definition, references and rename: a block
//! (by its label or a reference to it), a custom component (`declare`
//! label or an instance's name), or an argument of a custom component.

use alloy_analysis::{Cancellable, Config, SourceFile, TextRange, TextSize};
use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::{SyntaxKind, SyntaxNode};

use super::module::ModuleIndex;
use super::syntax::{chain_of, is_header_token, is_item_block, token_at};
use crate::world::World;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Symbol {
    /// A module-level block, named by its label or by references.
    Item(usize),
    /// A custom component: the `declare` item.
    Declare(usize),
}

/// The symbol at `offset` and the range of the name under the cursor.
pub fn symbol_at(
    world: &World,
    config: Config,
    file: SourceFile,
    index: &ModuleIndex,
    root: &SyntaxNode,
    offset: TextSize,
) -> Cancellable<Option<(Symbol, TextRange)>> {
    let Some(token) = token_at(root, offset) else {
        return Ok(None);
    };
    let range = token.text_range();
    if is_header_token(&token) {
        let Some(block) = token.parent().and_then(ast::Block::cast) else {
            return Ok(None);
        };
        if !is_item_block(&block) {
            return Ok(None);
        }
        let Some(item) = item_of_block(index, file, &block) else {
            return Ok(None);
        };
        let fact = &index.items[item];
        let on_label = token.kind() == SyntaxKind::STRING;
        if fact.name == "declare" {
            return Ok(on_label.then_some((Symbol::Declare(item), range)));
        }
        if !on_label {
            if let Some(d) = index.declare_for(file, fact.range.start(), &fact.name) {
                return Ok(Some((Symbol::Declare(d), fact.name_range)));
            }
        }
        return Ok(Some((Symbol::Item(item), range)));
    }
    // An attribute of a custom component instance names the declare's
    // argument.
    if token.kind() == SyntaxKind::IDENT {
        if let Some(attr) = token.parent().and_then(ast::Attribute::cast) {
            if attr.name().as_ref() == Some(&token) {
                return Ok(declare_argument(index, file, &attr).map(|i| (Symbol::Item(i), range)));
            }
        }
    }
    if chain_of(&token).is_none() {
        return Ok(None);
    }
    let Some(target) = world.analysis.definition(config, file, offset)? else {
        return Ok(None);
    };
    let item = index
        .items
        .iter()
        .position(|i| i.file == target.file && i.range.start() == target.range.start());
    Ok(item.map(|i| (Symbol::Item(i), range)))
}

/// The item whose block is `block`.
pub fn item_of_block(index: &ModuleIndex, file: SourceFile, block: &ast::Block) -> Option<usize> {
    let range = block.syntax().text_range();
    index
        .items
        .iter()
        .position(|i| i.file == file && i.range == range)
}

/// The `argument` item of the declare that an instance's attribute sets.
pub fn declare_argument(
    index: &ModuleIndex,
    file: SourceFile,
    attr: &ast::Attribute,
) -> Option<usize> {
    let name = attr.name()?;
    let block = attr.syntax().parent().and_then(ast::Block::cast)?;
    if !is_item_block(&block) {
        return None;
    }
    let declare = index.declare_for(file, block.syntax().text_range().start(), &block.name())?;
    index.items.iter().position(|i| {
        i.parent == Some(declare) && i.name == "argument" && i.label.as_deref() == Some(name.text())
    })
}

/// The instances of a custom component: module-level blocks named after
/// the declare that resolve to it.
pub fn instances(index: &ModuleIndex, declare: usize) -> Vec<usize> {
    let Some(name) = index.items[declare].label.as_deref() else {
        return Vec::new();
    };
    index
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.name == name)
        .filter(|(_, i)| index.declare_for(i.file, i.range.start(), name) == Some(declare))
        .map(|(n, _)| n)
        .collect()
}

/// For an `argument` item inside a declare: the attributes that set it in
/// each instance (file and name range).
pub fn argument_uses(
    world: &World,
    index: &ModuleIndex,
    argument: usize,
) -> Cancellable<Vec<(SourceFile, TextRange)>> {
    let item = &index.items[argument];
    let (Some(declare), Some(label)) = (item.parent, item.label.as_deref()) else {
        return Ok(Vec::new());
    };
    if item.name != "argument" || index.items[declare].name != "declare" {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for instance in instances(index, declare) {
        let fact = &index.items[instance];
        let parse = world.analysis.parse(fact.file)?;
        let root = parse.syntax_node();
        let Some(block) = root
            .descendants()
            .filter_map(ast::Block::cast)
            .find(|b| b.syntax().text_range() == fact.range)
        else {
            continue;
        };
        for stmt in block.statements() {
            if let ast::Stmt::Attribute(attr) = stmt {
                if let Some(name) = attr.name().filter(|n| n.text() == label) {
                    out.push((fact.file, name.text_range()));
                }
            }
        }
    }
    Ok(out)
}
