//! Quick fixes for the diagnostics under the cursor: add the missing
//! required arguments (with placeholder values of the right type), apply a
//! "did you mean", replace a deprecated stdlib name, remove an unknown
//! argument; for the common syntax slips, add the missing `,` or `}`,
//! remove `=` from a block header, replace a documentation placeholder.

use std::collections::HashMap;

use alloy_analysis::catalogue::Type;
use alloy_analysis::{Cancellable, Code, TextRange, TextSize};
use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::SyntaxNode;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, WorkspaceEdit,
};

use crate::handlers::diagnostics::to_lsp;
use crate::ide::module::{module_index, ModuleIndex};
use crate::ide::schema::BodySchema;
use crate::ide::syntax::{enclosing_blocks, headers, indentation_of_line, starts_line};
use crate::world::{DocCtx, World};

pub fn code_actions(
    world: &World,
    doc: &DocCtx,
    range: Range,
) -> Cancellable<Vec<CodeActionOrCommand>> {
    let span = doc.index.text_range(range, world.encoding());
    let diagnostics = world.analysis.file_diagnostics(doc.config, doc.file)?;
    let parse = world.analysis.parse(doc.file)?;
    let root = parse.syntax_node();
    let mut index: Option<ModuleIndex> = None;
    let mut out = Vec::new();
    let mut missing_done: Vec<TextRange> = Vec::new();
    for d in &diagnostics {
        if d.range.intersect(span).is_none() {
            continue;
        }
        let lsp_diag = to_lsp(world, &doc.index, d)?;
        let mut push = |title: String, edits: Vec<(TextRange, String)>, preferred: bool| {
            let edits = edits
                .into_iter()
                .map(|(r, new_text)| TextEdit {
                    range: world.lsp_range(&doc.index, r),
                    new_text,
                })
                .collect();
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp_diag.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(doc.uri.clone(), edits)])),
                    document_changes: None,
                    change_annotations: None,
                }),
                command: None,
                is_preferred: Some(preferred),
                disabled: None,
                data: None,
            }));
        };
        match d.code {
            Code::MissingAttribute => {
                if missing_done.contains(&d.range) {
                    continue;
                }
                missing_done.push(d.range);
                if index.is_none() {
                    index = Some(module_index(world, &doc.files)?);
                }
                if let Some(idx) = &index {
                    if let Some((title, edit)) = add_missing(doc, idx, &root, d.range) {
                        push(title, vec![edit], true);
                    }
                }
                continue;
            }
            Code::UnknownAttribute => {
                let name = attribute_name(&root, d.range).unwrap_or_default();
                push(
                    format!("Remove the unknown argument `{name}`"),
                    vec![(removal_range(doc.text(), d.range), String::new())],
                    false,
                );
            }
            _ => {}
        }
        for fix in &d.fixes {
            let edits: Vec<(TextRange, String)> = fix
                .edits
                .iter()
                .filter(|e| e.file == doc.file)
                .map(|e| (e.range, e.new_text.clone()))
                .collect();
            let Some((first_range, new_text)) = edits.first().cloned() else {
                continue;
            };
            let old = doc
                .text()
                .get(std::ops::Range::<usize>::from(first_range))
                .unwrap_or("");
            let title = match d.code {
                // Syntax fixes say what they do (add `,`, remove `=`, ...).
                Code::Syntax => fix.title.clone(),
                Code::DeprecatedStdlib => {
                    format!("Replace the deprecated `{old}` with `{new_text}`")
                }
                _ => format!("Did you mean `{new_text}`?"),
            };
            push(title, edits, true);
        }
    }
    Ok(out)
}

fn attribute_name(root: &SyntaxNode, range: TextRange) -> Option<String> {
    let attr = root
        .descendants()
        .filter_map(ast::Attribute::cast)
        .find(|a| a.syntax().text_range() == range)?;
    Some(attr.name()?.text().to_owned())
}

/// The attribute's whole line when it stands alone on it, else its range.
fn removal_range(text: &str, range: TextRange) -> TextRange {
    if !starts_line(text, range.start()) {
        return range;
    }
    let start = text
        .get(..u32::from(range.start()) as usize)
        .and_then(|b| b.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = u32::from(range.end()) as usize;
    let rest = text.get(end..).unwrap_or("");
    let line_rest = rest.find('\n').map_or(rest.len(), |i| i + 1);
    if rest.get(..line_rest).is_some_and(|s| s.trim().is_empty()) {
        TextRange::new(
            TextSize::from(start as u32),
            TextSize::from((end + line_rest) as u32),
        )
    } else {
        range
    }
}

/// A value of the right type to start from.
fn placeholder(ty: &Type) -> &'static str {
    match ty {
        Type::String | Type::Duration | Type::Secret | Type::OptionalSecret => "\"\"",
        Type::Number => "0",
        Type::Bool => "false",
        Type::List(_) => "[]",
        Type::Map(_) | Type::Object => "{}",
        Type::Capsule(_) | Type::Any => "null",
    }
}

/// "Add the missing required arguments" for the block at `range`.
fn add_missing(
    doc: &DocCtx,
    index: &ModuleIndex,
    root: &SyntaxNode,
    range: TextRange,
) -> Option<(String, (TextRange, String))> {
    let block = root
        .descendants()
        .filter_map(ast::Block::cast)
        .find(|b| b.syntax().text_range() == range)?;
    let offset = range.start();
    let is_declare = |name: &str| index.declare_for(doc.file, offset, name).is_some();
    let outer = BodySchema::of(&headers(&enclosing_blocks(block.syntax())), &is_declare);
    let schema = outer.enter(&block.name(), &is_declare);
    let present: Vec<String> = block
        .statements()
        .filter_map(|s| match s {
            ast::Stmt::Attribute(a) => a.name().map(|n| n.text().to_owned()),
            ast::Stmt::Block(_) => None,
        })
        .collect();
    let missing: Vec<(String, &'static str)> = match &schema {
        BodySchema::Catalogue { body, .. } => body
            .required_arguments()
            .filter(|a| !present.iter().any(|p| p == a.name))
            .map(|a| (a.name.to_owned(), placeholder(a.parsed_type())))
            .collect(),
        BodySchema::Custom { declare } => {
            let d = index.declare_for(doc.file, offset, declare)?;
            index.items[d]
                .arguments
                .iter()
                .filter(|a| !a.optional && !present.contains(&a.name))
                .map(|a| (a.name.clone(), "null"))
                .collect()
        }
        _ => Vec::new(),
    };
    if missing.is_empty() {
        return None;
    }
    let text = doc.text();
    let indent = indentation_of_line(text, range.start()).to_owned();
    let width = missing
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    let lines: String = missing
        .iter()
        .map(|(name, value)| format!("{indent}\t{name:width$} = {value}\n"))
        .collect();
    let r_curly = block.r_curly()?;
    let l_curly = block.l_curly()?;
    let close = r_curly.text_range().start();
    let edit = if starts_line(text, close) {
        let line_start = text
            .get(..u32::from(close) as usize)
            .and_then(|b| b.rfind('\n'))
            .map_or(0, |i| i + 1);
        (TextRange::empty(TextSize::from(line_start as u32)), lines)
    } else {
        let inner = TextRange::new(l_curly.text_range().end(), close);
        let inside = text
            .get(std::ops::Range::<usize>::from(inner))
            .unwrap_or("");
        if inside.trim().is_empty() {
            (inner, format!("\n{lines}{indent}"))
        } else {
            (TextRange::empty(close), format!("\n{lines}{indent}"))
        }
    };
    let names: Vec<&str> = missing.iter().map(|(n, _)| n.as_str()).collect();
    let title = if names.len() == 1 {
        format!("Add the missing required argument `{}`", names[0])
    } else {
        format!(
            "Add the missing required arguments `{}`",
            names.join("`, `")
        )
    };
    Some((title, edit))
}
