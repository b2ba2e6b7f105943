//! Go to definition and find references, across the files of the module:
//! references to blocks (`prometheus.remote_write.default.receiver`,
//! `argument.x.value`), custom components (`declare "name"` and its
//! instances) and their arguments (set in each instance).

use alloy_analysis::{Cancellable, SourceFile, TextRange};
use tower_lsp_server::ls_types::{GotoDefinitionResponse, Location, Position};

use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::SyntaxKind;

use crate::ide::foreach::vars_at as foreach_vars_at;
use crate::ide::imports::imports_of;
use crate::ide::module::{module_index, ModuleIndex};
use crate::ide::symbol::{argument_uses, instances, symbol_at, Symbol};
use crate::ide::syntax::{chain_of, is_header_token, token_at};
use crate::world::{DocCtx, World};

/// The header of an item: its name through its label.
pub fn header_range(index: &ModuleIndex, item: usize) -> TextRange {
    let fact = &index.items[item];
    match fact.label_range {
        Some(label) => TextRange::new(fact.name_range.start(), label.end()),
        None => fact.name_range,
    }
}

/// The label of an item (quotes included), else its name.
fn label_range(index: &ModuleIndex, item: usize) -> TextRange {
    let fact = &index.items[item];
    fact.label_range.unwrap_or(fact.name_range)
}

pub fn definition(
    world: &World,
    doc: &DocCtx,
    position: Position,
) -> Cancellable<Option<GotoDefinitionResponse>> {
    let offset = doc.index.offset(position, world.encoding());
    let parse = world.analysis.parse(doc.file)?;
    let index = module_index(world, &doc.files)?;
    let root = parse.syntax_node();
    if let Some(found) = imported_definition(world, doc, &index, &root, offset)? {
        return Ok(Some(found));
    }
    if let Some(found) = foreach_var_definition(world, doc, &index, &root, offset)? {
        return Ok(Some(found));
    }
    let Some((symbol, _)) = symbol_at(world, doc.config, doc.file, &index, &root, offset)? else {
        return Ok(None);
    };
    let item = match symbol {
        Symbol::Item(i) | Symbol::Declare(i) => i,
    };
    let fact = &index.items[item];
    Ok(world
        .location(fact.file, header_range(&index, item))?
        .map(GotoDefinitionResponse::Scalar))
}

/// On the name of an instance of an imported custom component
/// (`lib.name "x"`), or on an argument set in one: the imported declare.
fn imported_definition(
    world: &World,
    doc: &DocCtx,
    index: &ModuleIndex,
    root: &alloy_syntax::SyntaxNode,
    offset: alloy_analysis::TextSize,
) -> Cancellable<Option<GotoDefinitionResponse>> {
    let Some(token) = token_at(root, offset) else {
        return Ok(None);
    };
    if token.kind() != SyntaxKind::IDENT {
        return Ok(None);
    }
    let block = if is_header_token(&token) {
        token.parent().and_then(ast::Block::cast)
    } else {
        token
            .parent()
            .and_then(ast::Attribute::cast)
            .filter(|a| a.name().as_ref() == Some(&token))
            .and_then(|a| a.syntax().parent())
            .and_then(ast::Block::cast)
    };
    let Some(block) = block else {
        return Ok(None);
    };
    let imports = imports_of(world, doc, index)?;
    Ok(imports
        .declare(&block.name())
        .and_then(|d| d.location.clone())
        .map(GotoDefinitionResponse::Scalar))
}

/// On a `foreach` variable inside its template: its `var` argument.
fn foreach_var_definition(
    world: &World,
    doc: &DocCtx,
    index: &ModuleIndex,
    root: &alloy_syntax::SyntaxNode,
    offset: alloy_analysis::TextSize,
) -> Cancellable<Option<GotoDefinitionResponse>> {
    let Some(chain) = token_at(root, offset).and_then(|t| chain_of(&t)) else {
        return Ok(None);
    };
    if chain.called || chain.index_at(offset) != Some(0) {
        return Ok(None);
    }
    let Some(first) = chain.names.first() else {
        return Ok(None);
    };
    let vars = foreach_vars_at(world, index, doc.file, chain.range().start())?;
    let Some(var) = vars.into_iter().find(|v| &v.name == first) else {
        return Ok(None);
    };
    Ok(world
        .location(doc.file, var.declared)?
        .map(GotoDefinitionResponse::Scalar))
}

pub fn references(
    world: &World,
    doc: &DocCtx,
    position: Position,
    include_declaration: bool,
) -> Cancellable<Option<Vec<Location>>> {
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
        return Ok(None);
    };
    let mut found: Vec<(SourceFile, TextRange)> = Vec::new();
    let item = match symbol {
        Symbol::Declare(d) => {
            for instance in instances(&index, d) {
                let fact = &index.items[instance];
                found.push((fact.file, fact.name_range));
            }
            d
        }
        Symbol::Item(i) => {
            let fact = &index.items[i];
            for target in world
                .analysis
                .references(doc.config, fact.file, fact.range.start())?
            {
                found.push((target.file, target.range));
            }
            found.extend(argument_uses(world, &index, i)?);
            i
        }
    };
    if include_declaration {
        found.insert(0, (index.items[item].file, label_range(&index, item)));
    }
    let mut out = Vec::with_capacity(found.len());
    for (file, range) in found {
        if let Some(location) = world.location(file, range)? {
            if !out.contains(&location) {
                out.push(location);
            }
        }
    }
    Ok(Some(out))
}
