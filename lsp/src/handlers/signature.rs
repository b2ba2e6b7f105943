//! Signature help for standard-library calls: the signature, the active
//! parameter (variadic parameters stay active) and the documentation.

use alloy_analysis::catalogue;
use alloy_analysis::Cancellable;
use tower_lsp_server::ls_types::{
    Documentation, MarkupContent, MarkupKind, ParameterInformation, ParameterLabel, Position,
    SignatureHelp, SignatureInformation,
};

use crate::ide::cursor::cursor_at;
use crate::ide::docs;
use crate::world::{DocCtx, World};

pub fn signature_help(
    world: &World,
    doc: &DocCtx,
    position: Position,
) -> Cancellable<Option<SignatureHelp>> {
    let offset = doc.index.offset(position, world.encoding());
    let cursor = cursor_at(&world.tree(doc.file)?, doc.text(), offset);
    let Some((callee, arg)) = cursor.call() else {
        return Ok(None);
    };
    let Some(function) = catalogue::stdlib_function(callee) else {
        return Ok(None);
    };
    let label = function.signature.to_owned();
    // Offsets of each parameter name after the opening parenthesis.
    let mut parameters = Vec::with_capacity(function.params.len());
    let mut from = label.find('(').map_or(0, |i| i + 1);
    for param in function.params {
        let Some(at) = label.get(from..).and_then(|rest| rest.find(param.name)) else {
            parameters.push(ParameterInformation {
                label: ParameterLabel::Simple(param.name.to_owned()),
                documentation: None,
            });
            continue;
        };
        let start = from + at;
        let end = start + param.name.len();
        from = end;
        let mut doc_text = format!("`{}`", param.ty);
        if param.optional {
            doc_text.push_str(" (optional)");
        }
        if param.variadic {
            doc_text.push_str(" (any number)");
        }
        parameters.push(ParameterInformation {
            label: ParameterLabel::LabelOffsets([start as u32, end as u32]),
            documentation: Some(Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: doc_text,
            })),
        });
    }
    let active = if parameters.is_empty() {
        None
    } else {
        Some(arg.min(parameters.len() as u32 - 1))
    };
    Ok(Some(SignatureHelp {
        signatures: vec![SignatureInformation {
            label,
            documentation: Some(Documentation::MarkupContent(MarkupContent {
                kind: if world.session.caps.markdown {
                    MarkupKind::Markdown
                } else {
                    MarkupKind::PlainText
                },
                value: docs::function(function),
            })),
            parameters: Some(parameters),
            active_parameter: active,
        }],
        active_signature: Some(0),
        active_parameter: active,
    }))
}
