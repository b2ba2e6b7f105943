//! Hover: documentation of the component, block, argument or stdlib
//! function under the cursor (type, default, required, stability, docs
//! link), and for a reference the export it names and its type.

use alloy_analysis::catalogue;
use alloy_analysis::Cancellable;
use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::{SyntaxKind, SyntaxToken};
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use crate::ide::docs;
use crate::ide::foreach::vars_at as foreach_vars_at;
use crate::ide::imports::{imports_of, Imports};
use crate::ide::module::{module_index, ModuleIndex};
use crate::ide::refs::{export_type, Visible};
use crate::ide::schema::BodySchema;
use crate::ide::syntax::{chain_of, enclosing_blocks, headers, is_header_token, token_at};
use crate::world::{DocCtx, World};

pub fn hover(world: &World, doc: &DocCtx, position: Position) -> Cancellable<Option<Hover>> {
    let offset = doc.index.offset(position, world.encoding());
    let root = world.tree(doc.file)?;
    let Some(token) = token_at(&root, offset) else {
        return Ok(None);
    };
    if let Some(s) = crate::ide::ottl::ottl_string(&token) {
        let at = s.decoded(offset);
        return Ok(
            crate::ide::ottl::hover_text(&s, at).map(|(range, value)| Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: if world.session.caps.markdown {
                        MarkupKind::Markdown
                    } else {
                        MarkupKind::PlainText
                    },
                    value,
                }),
                range: Some(world.lsp_range(&doc.index, range)),
            }),
        );
    }
    let index = module_index(world, &doc.files)?;
    let imports = imports_of(world, doc, &index)?;
    let text = if is_header_token(&token) {
        header_hover(&index, &imports, doc, &token)
    } else if let Some(text) = attribute_hover(&index, &imports, doc, &token) {
        Some(text)
    } else if let Some(text) = foreach_hover(world, &index, doc, &token)? {
        Some(text)
    } else {
        reference_hover(&index, doc, &token)
    };
    Ok(text.map(|value| Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: if world.session.caps.markdown {
                MarkupKind::Markdown
            } else {
                MarkupKind::PlainText
            },
            value,
        }),
        range: Some(world.lsp_range(&doc.index, token.text_range())),
    }))
}

/// The schema of the body a node sits in.
fn parent_schema(
    index: &ModuleIndex,
    imports: &Imports,
    doc: &DocCtx,
    node: &alloy_syntax::SyntaxNode,
) -> BodySchema {
    let blocks = enclosing_blocks(node);
    let offset = node.text_range().start();
    let is_declare = |name: &str| {
        index.declare_for(doc.file, offset, name).is_some() || imports.declare(name).is_some()
    };
    BodySchema::of(&headers(&blocks), &is_declare)
}

/// On a block's name or label.
fn header_hover(
    index: &ModuleIndex,
    imports: &Imports,
    doc: &DocCtx,
    token: &SyntaxToken,
) -> Option<String> {
    let block = ast::Block::cast(token.parent()?)?;
    let name = block.name();
    let offset = block.syntax().text_range().start();
    match parent_schema(index, imports, doc, block.syntax()) {
        BodySchema::Module { .. } => {
            if let Some(c) = catalogue::component(&name) {
                return Some(docs::component(c));
            }
            if let Some(b) = catalogue::config_block(&name) {
                return Some(docs::config_block(b));
            }
            match index.declare_for(doc.file, offset, &name) {
                Some(declare) => Some(docs::declare(&index.items[declare])),
                None => imports.declare(&name).map(docs::imported_declare),
            }
        }
        BodySchema::Catalogue {
            owner,
            path,
            body,
            doc_url,
        } => {
            let spec = body.block(&name)?;
            Some(docs::block(spec, owner, &path, doc_url))
        }
        BodySchema::Custom { .. } | BodySchema::Unknown => None,
    }
}

/// On an attribute's name.
fn attribute_hover(
    index: &ModuleIndex,
    imports: &Imports,
    doc: &DocCtx,
    token: &SyntaxToken,
) -> Option<String> {
    if token.kind() != SyntaxKind::IDENT {
        return None;
    }
    let attr = ast::Attribute::cast(token.parent()?)?;
    if attr.name().as_ref() != Some(token) {
        return None;
    }
    let name = token.text();
    match parent_schema(index, imports, doc, attr.syntax()) {
        BodySchema::Catalogue {
            owner,
            path,
            body,
            doc_url,
        } => {
            let arg = body.argument(name)?;
            let stability = catalogue::component(owner)
                .map(docs::component_stability)
                .or_else(|| catalogue::config_block(owner).map(|b| b.stability.to_string()));
            Some(docs::argument(arg, owner, &path, stability, doc_url))
        }
        BodySchema::Custom { declare } => {
            let offset = attr.syntax().text_range().start();
            let arguments = match index.declare_for(doc.file, offset, &declare) {
                Some(d) => &index.items[d].arguments,
                None => &imports.declare(&declare)?.arguments,
            };
            let arg = arguments.iter().find(|a| a.name == name)?;
            Some(docs::declare_argument(arg, &declare))
        }
        _ => None,
    }
}

/// On a `foreach` variable used inside its template.
fn foreach_hover(
    world: &World,
    index: &ModuleIndex,
    doc: &DocCtx,
    token: &SyntaxToken,
) -> Cancellable<Option<String>> {
    let Some(chain) = chain_of(token) else {
        return Ok(None);
    };
    if chain.called || chain.index_at(token.text_range().start()) != Some(0) {
        return Ok(None);
    }
    let Some(first) = chain.names.first() else {
        return Ok(None);
    };
    let vars = foreach_vars_at(world, index, doc.file, chain.range().start())?;
    Ok(vars.into_iter().find(|v| &v.name == first).map(|v| {
        let label = index.items[v.item].label.as_deref().unwrap_or("");
        format!(
            "**{}** (foreach variable)\n\nThe current element of `collection` in `foreach \"{label}\"`.",
            v.name
        )
    }))
}

/// On a reference or a stdlib call.
fn reference_hover(index: &ModuleIndex, doc: &DocCtx, token: &SyntaxToken) -> Option<String> {
    let chain = chain_of(token)?;
    let joined = chain.joined();
    if chain.called {
        let function = catalogue::stdlib_function(&joined)?;
        return Some(docs::function(function));
    }
    let visible = Visible::at(index, doc.file, chain.range().start());
    if let Some(resolved) = visible.resolve(&chain.names) {
        let item = &index.items[resolved.item];
        let id = item.id();
        if let (Some(component), Some(export)) =
            (catalogue::component(&item.name), resolved.export.as_deref())
        {
            if let Some(e) = component.export(export) {
                return Some(docs::export(component, e, &id));
            }
        }
        let ty = export_type(index, &resolved).unwrap_or("any");
        let what = match (item.name.as_str(), resolved.export.as_deref()) {
            ("argument", Some("value")) => format!(
                "the value of argument `{}`",
                item.label.as_deref().unwrap_or("")
            ),
            (_, Some(export)) => format!("export `{export}` of `{id}`"),
            (_, None) => format!("the block `{id}`"),
        };
        return Some(format!("**{joined}**: `{ty}`\n\n{what}"));
    }
    // Stdlib objects (`constants.hostname`) and namespaces.
    let first = chain.names.first()?;
    if let Some(object) = catalogue::stdlib_object(first) {
        if let Some(field) = chain.names.get(1).and_then(|f| object.field(f)) {
            return Some(format!(
                "**{first}.{}**: `{}`\n\n[Documentation]({})",
                field.name, field.ty, object.doc_url
            ));
        }
        return Some(format!(
            "**{first}** (standard library object)\n\n[Documentation]({})",
            object.doc_url
        ));
    }
    None
}
